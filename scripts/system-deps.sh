#!/usr/bin/env bash
# The system tools the tests use, checked before anything is compiled. A missing one is
# installed with apt-get when this runs as root (or with a working sudo); otherwise it stops
# with one message naming the exact packages. Quiet and quick when everything is there.
#
#   scripts/system-deps.sh              the tools of the README's test command
#   scripts/system-deps.sh --postgres   also the PostgreSQL server binaries (initdb, pg_ctl),
#                                       for a throwaway cluster (scripts/test decides)
#   scripts/system-deps.sh --haproxy    also HAProxy (the reliability suite's scale-out scenario
#                                       runs the recipe of deploy/haproxy)
#   scripts/system-deps.sh --ci         also what only CI uses (a C++ compiler: the fuzz crate;
#                                       HAProxy: the reliability suite)
#   scripts/system-deps.sh --postgres-bindir   print the directory of initdb and pg_ctl (exit 1
#                                       when they are not installed); installs nothing
#
# Debian/Ubuntu package names; elsewhere install the same tools by other means.
set -euo pipefail

want_postgres=0
want_haproxy=0
want_ci=0
print_bindir=0
for arg in "$@"; do
  case "$arg" in
    --postgres) want_postgres=1 ;;
    --haproxy) want_haproxy=1 ;;
    --ci) want_ci=1; want_haproxy=1 ;;
    --postgres-bindir) print_bindir=1 ;;
    *) echo "system-deps: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

# The directory of the PostgreSQL server binaries (Debian keeps them out of PATH).
postgres_bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if [ "$print_bindir" = 1 ]; then
  postgres_bindir
  exit
fi

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# the portal's browser test drives Debian's Chromium, headless
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "$want_postgres" = 1 ]; then
  postgres_bindir >/dev/null || missing+=(postgresql)
fi
if [ "$want_ci" = 1 ]; then
  command -v c++ >/dev/null 2>&1 || missing+=(g++)
fi
# Debian keeps haproxy in /usr/sbin, out of a user's PATH.
if [ "$want_haproxy" = 1 ]; then
  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing tools; install the equivalents of these Debian packages, then run again: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "system-deps: missing packages; install them, then run again: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "system-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
