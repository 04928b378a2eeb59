# A throwaway PostgreSQL cluster: initdb into a temporary folder, a free loopback port, trust
# auth, fsync off. Sourced by scripts/test and scripts/reliability (not run by itself).
#
#   pg_throwaway_start NAME   start one (NAME prefixes messages); on success sets
#       PG_BINDIR  the directory of initdb, pg_ctl and psql
#       PG_DIR     the cluster's folder (data/ the cluster, server.log its log)
#       PG_PORT    its port on 127.0.0.1
#       PG_URL     postgres://postgres@127.0.0.1:PORT/postgres
#       PG_OPTS    the server options pg_ctl start needs again after a stop
#       PG_USER    the command prefix that runs a PostgreSQL tool as the cluster's owner
#                  (PostgreSQL refuses to run as root: as root, `runuser -u postgres --`)
#     and exports them (the Python of scripts/reliability stops and starts the cluster);
#     fails with the tool's output when initdb or the start fails.
#   pg_throwaway_stop         stop it (immediate) and delete its folder; safe to call twice
#                             or when none was started (callers put it in their EXIT trap).

PG_DIR=""
PG_USER=""

pg_throwaway_start() {
  local name=$1 owner initdb_log
  PG_BINDIR=$("$(dirname "${BASH_SOURCE[0]}")/../system-deps.sh" --postgres-bindir) || {
    echo "$name: PostgreSQL's initdb and pg_ctl were not found" >&2
    return 1
  }
  # As root, the cluster belongs to an unprivileged user (in /tmp, which that user can reach).
  if [ "$(id -u)" = 0 ]; then
    PG_DIR=$(mktemp -d /tmp/azmc-pg.XXXXXX)
    owner=postgres
    id -u postgres >/dev/null 2>&1 || owner=nobody
    chown "$owner" "$PG_DIR"
    PG_USER="runuser -u $owner --"
  else
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/azmc-pg.XXXXXX")
    PG_USER=""
  fi
  PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PG_OPTS="-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=300"
  initdb_log="$PG_DIR/initdb.log"
  # shellcheck disable=SC2086 # PG_USER is a command prefix of words
  if ! $PG_USER "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
      --no-sync >"$initdb_log" 2>&1; then
    echo "$name: initdb failed; its output:" >&2
    cat "$initdb_log" >&2
    return 1
  fi
  # shellcheck disable=SC2086
  if ! $PG_USER "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
      -o "$PG_OPTS" start >/dev/null; then
    echo "$name: the throwaway PostgreSQL did not start; its log:" >&2
    cat "$PG_DIR/server.log" >&2
    return 1
  fi
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_BINDIR PG_DIR PG_PORT PG_URL PG_OPTS PG_USER
}

pg_throwaway_stop() {
  if [ -n "$PG_DIR" ]; then
    # shellcheck disable=SC2086
    $PG_USER "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
  fi
}
