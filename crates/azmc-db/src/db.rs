//! [`Db`]: the connection pool of one of the two backends, chosen by URL scheme.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::convert::redact_url;
use crate::error::DbError;
use crate::migrations;

/// Run `$body` with `$pool` bound to the native pool of whichever backend `$db` uses (and
/// optionally `$dialect` to its [`Dialect`]). The body is the same source text for both
/// backends; the compiler type-checks it once per backend.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
    ($db:expr, |$pool:ident, $dialect:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite($pool) => {
                let $dialect = $crate::db::Dialect::Sqlite;
                $body
            }
            $crate::db::Pool::Postgres($pool) => {
                let $dialect = $crate::db::Dialect::Postgres;
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// The SQL literal `$sql` for `$dialect`: as is on SQLite (whose `BEGIN IMMEDIATE`
/// already serialises writers), with ` FOR UPDATE` appended on PostgreSQL, so that the
/// rows read stay locked until the transaction ends.
macro_rules! for_update {
    ($dialect:expr, $sql:literal) => {
        match $dialect {
            $crate::db::Dialect::Sqlite => $sql,
            $crate::db::Dialect::Postgres => concat!($sql, " FOR UPDATE"),
        }
    };
}
pub(crate) use for_update;

/// Run the query `$sql` with the `$bind` parameters on `$db`'s pool and `$fetch` its
/// rows (`fetch_optional`, `fetch_all`, `fetch_one`); the caller names the row type.
macro_rules! fetch {
    ($db:expr, $fetch:ident, $sql:expr, [$($bind:expr),* $(,)?]) => {
        $crate::db::with_pool!($db, |p| sqlx::query_as($sql)
            $(.bind($bind))*
            .$fetch(p)
            .await)
    };
}
pub(crate) use fetch;

/// Run the statement `$sql` with the `$bind` parameters on `$db`'s pool: `Ok(())` if it
/// changed a row, else `Err($missing)` (the row to change does not exist).
macro_rules! change_one {
    ($db:expr, $sql:expr, [$($bind:expr),* $(,)?], $missing:expr) => {{
        let n = $crate::db::with_pool!($db, |p| sqlx::query($sql)
            $(.bind($bind))*
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 0 { Err($missing) } else { Ok(()) }
    }};
}
pub(crate) use change_one;

/// In the transaction `$tx`: the `$row` that `$sql` finds with the `$bind` parameters;
/// returns `Err($missing)` from the enclosing function if there is none.
macro_rules! tx_require {
    ($tx:ident, $row:ty, $sql:expr, [$($bind:expr),* $(,)?], $missing:expr) => {{
        let found: Option<$row> = sqlx::query_as($sql)
            $(.bind($bind))*
            .fetch_optional(&mut *$tx)
            .await?;
        match found {
            Some(row) => row,
            None => return Err($missing),
        }
    }};
}
pub(crate) use tx_require;

/// In the transaction `$tx`: returns `Err($exceeded)` from the enclosing function if
/// `$sql` (a `COUNT(*)` with the `$bind` parameters) counts `$max` or more.
macro_rules! tx_check_count {
    ($tx:ident, $sql:expr, [$($bind:expr),* $(,)?], $max:expr, $exceeded:expr) => {{
        let (count,): (i64,) = sqlx::query_as($sql)
            $(.bind($bind))*
            .fetch_one(&mut *$tx)
            .await?;
        if count >= $max {
            return Err($exceeded);
        }
    }};
}
pub(crate) use tx_check_count;

/// In the transaction `$tx`: reads the `$row` that `$sql` finds with the `$bind`
/// parameters (what the transaction wrote), then commits; the row.
macro_rules! tx_commit_reading {
    ($tx:ident, $row:ty, $sql:expr, [$($bind:expr),* $(,)?]) => {{
        let row: $row = sqlx::query_as($sql)
            $(.bind($bind))*
            .fetch_one(&mut *$tx)
            .await?;
        $tx.commit().await?;
        row
    }};
}
pub(crate) use tx_commit_reading;

/// In the transaction `$tx`: returns [`DbError::NotFound`] ("subscription" `$id`) from
/// the enclosing function unless the subscription with the key `$sub` exists.
macro_rules! tx_require_subscription {
    ($tx:ident, $sub:expr, $id:expr) => {
        $crate::db::tx_require!(
            $tx,
            (String,),
            "SELECT id FROM subscriptions WHERE id = $1",
            [$sub],
            $crate::error::DbError::not_found($crate::error::ResourceKind::Subscription, $id)
        )
    };
}
pub(crate) use tx_require_subscription;

/// In the transaction `$tx`: returns [`DbError::NotFound`] ("hosted service" `$name`)
/// from the enclosing function unless the subscription `$sub` has the cloud service with
/// the key `$key`.
macro_rules! tx_require_service {
    ($tx:ident, $sub:expr, $key:expr, $name:expr) => {
        $crate::db::tx_require!(
            $tx,
            (String,),
            "SELECT name FROM hosted_services WHERE subscription_id = $1 AND name_key = $2",
            [$sub, $key],
            $crate::error::DbError::not_found($crate::error::ResourceKind::HostedService, $name)
        )
    };
}
pub(crate) use tx_require_service;

/// Whether [`Db::connect`] may create a new SQLite database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMode {
    /// The database must already exist: a mistyped path is an error, never a new empty
    /// database.
    MustExist,
    /// Create the SQLite file if it is missing (its directory must exist). PostgreSQL
    /// databases are never created.
    CreateIfMissing,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The few places where the two dialects must differ, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Starts a transaction that will write. SQLite: take the write lock at once
    /// (`BEGIN IMMEDIATE`), so that a read-then-write transaction never fails to upgrade
    /// its lock and two writers are serialised by the busy timeout. PostgreSQL: an
    /// ordinary READ COMMITTED transaction; rows are locked where needed.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// Locks the service administrator's account row of subscription `$1`, serialising
    /// every link change that counts against that administrator's limits. SQLite needs
    /// nothing: `BEGIN IMMEDIATE` already serialises all writers.
    pub(crate) fn lock_service_admin(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(
                "SELECT a.username_key FROM accounts a \
                 JOIN subscriptions s ON s.service_admin = a.username_key \
                 WHERE s.id = $1 FOR UPDATE OF a",
            ),
        }
    }

    /// Serialises the allocation of reserved IP addresses (the next `address_index`)
    /// between creates of different subscriptions, which lock different subscription
    /// rows. SQLite: see above.
    pub(crate) fn lock_reserved_ip_pool(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("LOCK TABLE reserved_ips IN SHARE ROW EXCLUSIVE MODE"),
        }
    }

    /// Locks certificate row `$1` before an unlink may delete it, so that it waits for
    /// (and then sees) a concurrent link of the same certificate. SQLite: see above.
    pub(crate) fn lock_certificate(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => {
                Some("SELECT thumbprint FROM certificates WHERE thumbprint = $1 FOR UPDATE")
            }
        }
    }
}

/// The server's database: a pool of SQLite or PostgreSQL connections and the domain
/// verbs (see the crate documentation). Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    redacted_url: Arc<str>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend_name())
            .field("url", &self.redacted_url)
            .finish()
    }
}

const SUPPORTED: &str = "sqlite://PATH, sqlite:PATH, postgres://… or postgresql://…";

impl Db {
    /// Opens the database named by `url` and applies any pending migrations.
    ///
    /// The scheme chooses the backend: `sqlite://PATH` or `sqlite:PATH` (a relative
    /// PATH is relative to the working directory; `sqlite:///abs/path` is absolute),
    /// `postgres://` or `postgresql://` (any libpq-style URL sqlx accepts). Anything else
    /// is [`DbError::Config`].
    ///
    /// SQLite runs in WAL mode with `synchronous=FULL` (a committed transaction survives a
    /// killed process and a power cut), foreign keys on and a 5 s busy timeout. With
    /// [`CreateMode::MustExist`] a missing file is [`DbError::Config`] and nothing is
    /// created. PostgreSQL databases are never created; a missing one is
    /// [`DbError::Config`], an unreachable server [`DbError::Unavailable`] at once (no
    /// waiting for a server that is still starting: retry at a higher level if needed).
    pub async fn connect(url: &str, mode: CreateMode) -> Result<Db, DbError> {
        let redacted = redact_url(url);
        let lower = url.to_ascii_lowercase();
        let pool = if lower.starts_with("sqlite:") {
            Pool::Sqlite(connect_sqlite(url, &redacted, mode).await?)
        } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Pool::Postgres(connect_postgres(url, &redacted).await?)
        } else {
            let scheme = url.split_once(':').map_or("", |(s, _)| s);
            return Err(DbError::Config(if scheme.is_empty() {
                format!("database URL {redacted:?} has no scheme; supported: {SUPPORTED}")
            } else {
                format!(
                    "unsupported database URL scheme {scheme:?} in {redacted:?}; supported: {SUPPORTED}"
                )
            }));
        };
        let db = Db {
            pool,
            redacted_url: redacted.into(),
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), DbError> {
        match &self.pool {
            Pool::Sqlite(p) => migrations::migrator(migrations::SQLITE).run(p).await,
            Pool::Postgres(p) => migrations::migrator(migrations::POSTGRES).run(p).await,
        }
        .map_err(DbError::Migration)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// The URL this database was opened with, password removed (for logs).
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// Closes every connection of the pool, waiting for those in use to be returned.
    pub async fn close(&self) {
        with_pool!(self, |p| p.close().await)
    }

    /// Every (table, column) of the azmc schema, sorted; for diagnostics and for the test
    /// that keeps the two backends' migrations in lockstep. Excludes sqlx's bookkeeping.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, DbError> {
        let mut cols: Vec<(String, String)> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                     AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(p)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }
}

async fn connect_sqlite(
    url: &str,
    redacted: &str,
    mode: CreateMode,
) -> Result<SqlitePool, DbError> {
    // The scheme was matched case-insensitively; sqlx expects it in lower case.
    let url = format!("sqlite:{}", url.get("sqlite:".len()..).unwrap_or_default());
    let opts = SqliteConnectOptions::from_str(&url)
        .map_err(|e| DbError::Config(format!("invalid SQLite URL {redacted:?}: {e}")))?;
    let path = opts.get_filename().to_path_buf();
    let lower = url.to_ascii_lowercase();
    if path.as_os_str().is_empty() || lower.contains(":memory:") || lower.contains("mode=memory") {
        return Err(DbError::Config(format!(
            "SQLite URL {redacted:?} names no database file (in-memory databases are not supported; use sqlite://PATH)"
        )));
    }
    match mode {
        CreateMode::MustExist => {
            if !path.is_file() {
                return Err(DbError::Config(format!(
                    "SQLite database {} does not exist (it is created only when creation is requested explicitly)",
                    path.display()
                )));
            }
        }
        CreateMode::CreateIfMissing => {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            if let Some(dir) = parent
                && !dir.is_dir()
            {
                return Err(DbError::Config(format!(
                    "cannot create SQLite database {}: directory {} does not exist",
                    path.display(),
                    dir.display()
                )));
            }
        }
    }
    let opts = opts
        .create_if_missing(mode == CreateMode::CreateIfMissing)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .map_err(|e| sqlite_open_error(e, &path))
}

fn sqlite_open_error(e: sqlx::Error, path: &Path) -> DbError {
    match e {
        sqlx::Error::Database(_) | sqlx::Error::Io(_) => DbError::Config(format!(
            "cannot open SQLite database {}: {e}",
            path.display()
        )),
        other => DbError::Backend(other),
    }
}

async fn connect_postgres(url: &str, redacted: &str) -> Result<PgPool, DbError> {
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| DbError::Config(format!("invalid PostgreSQL URL {redacted:?}: {e}")))?;
    let database = opts.get_database().map(str::to_owned);
    let error = |e: sqlx::Error| {
        let missing_db =
            matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("3D000"));
        if missing_db {
            DbError::Config(format!(
                "PostgreSQL database {:?} does not exist at {redacted:?} (azmc never creates \
                 PostgreSQL databases: create it first, e.g. with createdb)",
                database.as_deref().unwrap_or("")
            ))
        } else {
            DbError::Unavailable {
                url: redacted.to_owned(),
                source: e,
            }
        }
    };
    // One direct connection first: the pool would retry a refused connection until its
    // acquire timeout and then report only "timed out"; this reports the cause at once.
    let probe = PgConnection::connect_with(&opts).await.map_err(error)?;
    probe.close().await.map_err(error)?;
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .map_err(error)
}
