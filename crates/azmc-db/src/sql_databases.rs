//! The databases of classic SQL Database servers. Names are case-insensitive within a
//! server; each database has the service's numeric `Id`, unique within its server (the
//! first is 4, as live servers numbered them after their system databases). The
//! built-in `master` database is not stored. Every lookup is scoped to the subscription
//! through the server: a server of another subscription is "not found". Deleting a
//! server deletes its databases (the schema's cascade).

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key};
use crate::db::{Db, fetch, for_update, tx_check_count, tx_commit_reading, tx_require, with_pool};
use crate::error::{DbError, Limit, ResourceKind, conflict_on_unique};

/// A stored database of a SQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlDatabase {
    /// The server's name (lower case).
    pub server_name: String,
    /// The name as given at creation (or at the last rename).
    pub name: String,
    /// The service's `Id`.
    pub id: i64,
    /// `Web`, `Business`, `Basic`, `Standard` or `Premium`.
    pub edition: String,
    pub max_size_bytes: i64,
    pub collation: String,
    /// The service objective (a GUID of the fixed catalogue).
    pub service_objective_id: String,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// What Create Database stores (validated by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSqlDatabase<'a> {
    pub name: &'a str,
    pub edition: &'a str,
    pub max_size_bytes: i64,
    pub collation: &'a str,
    pub service_objective_id: &'a str,
}

/// What Update Database stores: the database's complete new settings (the caller has
/// merged the request with the current ones), its name possibly new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlDatabaseUpdate<'a> {
    pub name: &'a str,
    pub edition: &'a str,
    pub max_size_bytes: i64,
    pub service_objective_id: &'a str,
}

/// The `Id` of a server's first database (1 to 3 were the service's own).
const FIRST_ID: i64 = 4;

type DatabaseRow = (String, String, i64, String, i64, String, String, i64, i64);

macro_rules! select_database {
    () => {
        "SELECT server_name, name, db_id, edition, max_size_bytes, collation_name, \
         service_objective_id, created_at, modified_at FROM sql_databases "
    };
}

fn database(row: DatabaseRow) -> Result<SqlDatabase, DbError> {
    let (server_name, name, id, edition, max_size_bytes, collation, slo, c, m) = row;
    Ok(SqlDatabase {
        server_name,
        name,
        id,
        edition,
        max_size_bytes,
        collation,
        service_objective_id: slo,
        created_at: from_micros(c)?,
        modified_at: from_micros(m)?,
    })
}

fn server_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn database_key(name: &str) -> String {
    name.to_lowercase()
}

impl Db {
    /// Creates a database on a server. [`DbError::NotFound`] ("sql server") if the server
    /// is not one of the subscription's; [`DbError::Conflict`] ("sql database") if the
    /// server has a database of that name (any case); [`DbError::LimitExceeded`]
    /// ([`Limit::SqlDatabases`]) if it already has `max_databases` (checked in the
    /// insert's transaction, the server row locked).
    pub async fn create_sql_database(
        &self,
        subscription_id: &str,
        server_name: &str,
        new: &NewSqlDatabase<'_>,
        max_databases: u32,
        now: OffsetDateTime,
    ) -> Result<SqlDatabase, DbError> {
        let (sub, srv, key) = (
            sub_key(subscription_id),
            server_key(server_name),
            database_key(new.name),
        );
        let row: DatabaseRow = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(
                d,
                "SELECT name FROM sql_servers WHERE subscription_id = $1 AND name = $2"
            );
            tx_require!(
                tx,
                (String,),
                lock,
                [&sub, &srv],
                DbError::not_found(ResourceKind::SqlServer, server_name)
            );
            tx_check_count!(
                tx,
                "SELECT COUNT(*) FROM sql_databases WHERE server_name = $1",
                [&srv],
                i64::from(max_databases),
                DbError::LimitExceeded {
                    limit: Limit::SqlDatabases,
                    max: max_databases,
                }
            );
            let (id,): (i64,) = sqlx::query_as(
                "SELECT COALESCE(MAX(db_id) + 1, $2) FROM sql_databases WHERE server_name = $1",
            )
            .bind(&srv)
            .bind(FIRST_ID)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO sql_databases (server_name, name_key, name, db_id, edition, \
                 max_size_bytes, collation_name, service_objective_id, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(&srv)
            .bind(&key)
            .bind(new.name)
            .bind(id)
            .bind(new.edition)
            .bind(new.max_size_bytes)
            .bind(new.collation)
            .bind(new.service_objective_id)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::SqlDatabase, new.name))?;
            tx_commit_reading!(
                tx,
                DatabaseRow,
                concat!(
                    select_database!(),
                    "WHERE server_name = $1 AND name_key = $2"
                ),
                [&srv, &key]
            )
        });
        database(row)
    }

    /// The databases of a server, by `Id`. [`DbError::NotFound`] ("sql server").
    pub async fn list_sql_databases(
        &self,
        subscription_id: &str,
        server_name: &str,
    ) -> Result<Vec<SqlDatabase>, DbError> {
        let srv = self
            .get_sql_server(subscription_id, server_name)
            .await?
            .name;
        let rows: Vec<DatabaseRow> = fetch!(
            self,
            fetch_all,
            concat!(select_database!(), "WHERE server_name = $1 ORDER BY db_id"),
            [&srv]
        )?;
        rows.into_iter().map(database).collect()
    }

    /// One database. [`DbError::NotFound`] ("sql server" or "sql database").
    pub async fn get_sql_database(
        &self,
        subscription_id: &str,
        server_name: &str,
        name: &str,
    ) -> Result<SqlDatabase, DbError> {
        let srv = self
            .get_sql_server(subscription_id, server_name)
            .await?
            .name;
        let row: Option<DatabaseRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_database!(),
                "WHERE server_name = $1 AND name_key = $2"
            ),
            [&srv, database_key(name)]
        )?;
        database(row.ok_or_else(|| DbError::not_found(ResourceKind::SqlDatabase, name))?)
    }

    /// Replaces a database's settings, renaming it when `update.name` differs.
    /// [`DbError::NotFound`] ("sql server" or "sql database"); [`DbError::Conflict`]
    /// ("sql database") if the new name is another database's.
    pub async fn update_sql_database(
        &self,
        subscription_id: &str,
        server_name: &str,
        name: &str,
        update: &SqlDatabaseUpdate<'_>,
        now: OffsetDateTime,
    ) -> Result<SqlDatabase, DbError> {
        let (sub, srv, key) = (
            sub_key(subscription_id),
            server_key(server_name),
            database_key(name),
        );
        let new_key = database_key(update.name);
        let row: DatabaseRow = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require!(
                tx,
                (String,),
                "SELECT name FROM sql_servers WHERE subscription_id = $1 AND name = $2",
                [&sub, &srv],
                DbError::not_found(ResourceKind::SqlServer, server_name)
            );
            let done = sqlx::query(
                "UPDATE sql_databases SET name_key = $3, name = $4, edition = $5, \
                 max_size_bytes = $6, service_objective_id = $7, modified_at = $8 \
                 WHERE server_name = $1 AND name_key = $2",
            )
            .bind(&srv)
            .bind(&key)
            .bind(&new_key)
            .bind(update.name)
            .bind(update.edition)
            .bind(update.max_size_bytes)
            .bind(update.service_objective_id)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::SqlDatabase, update.name))?;
            if done.rows_affected() == 0 {
                return Err(DbError::not_found(ResourceKind::SqlDatabase, name));
            }
            tx_commit_reading!(
                tx,
                DatabaseRow,
                concat!(
                    select_database!(),
                    "WHERE server_name = $1 AND name_key = $2"
                ),
                [&srv, &new_key]
            )
        });
        database(row)
    }

    /// Deletes a database. [`DbError::NotFound`] ("sql server" or "sql database").
    pub async fn delete_sql_database(
        &self,
        subscription_id: &str,
        server_name: &str,
        name: &str,
    ) -> Result<(), DbError> {
        let srv = self
            .get_sql_server(subscription_id, server_name)
            .await?
            .name;
        crate::db::change_one!(
            self,
            "DELETE FROM sql_databases WHERE server_name = $1 AND name_key = $2",
            [&srv, database_key(name)],
            DbError::not_found(ResourceKind::SqlDatabase, name)
        )
    }
}
