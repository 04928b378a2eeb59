//! `azmc-testkit`: test support shared by the tests of the azmc crates (a dev-dependency
//! only; nothing here ships).
//!
//! The PostgreSQL server of the tests is `AZMC_TEST_POSTGRES_URL`, else the local one at
//! `postgres://postgres@127.0.0.1:5432/test` (`scripts/test` sets the variable when it
//! starts a throwaway cluster of its own). A test that needs PostgreSQL fails, never
//! skips, when the server cannot be reached.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The PostgreSQL server the tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("AZMC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `url` with its database name replaced by `name` (query kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    let base = match head[authority_start..].find('/') {
        Some(i) => &head[..authority_start + i],
        None => head,
    };
    format!("{base}/{name}{query}")
}

/// `bytes` random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    if let Err(e) = getrandom::fill(&mut b) {
        panic!("no randomness: {e}");
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh database `azmc_test_<pid>_<random>` on the test server, dropped (with its
/// connections) when the guard goes out of scope, also when the test panics.
#[derive(Debug)]
pub struct PgTestDb {
    admin_url: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl PgTestDb {
    /// Creates the database.
    pub async fn create() -> Self {
        let admin_url = postgres_admin_url();
        let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required at {admin_url} for these tests (set \
                 AZMC_TEST_POSTGRES_URL to use another server): {e}"
            )
        });
        let name = format!("azmc_test_{}_{}", std::process::id(), random_hex(6));
        if let Err(e) = sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
        {
            panic!("cannot create the test database {name}: {e}");
        }
        let _ = conn.close().await;
        PgTestDb {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        }
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside the test's runtime: do the async work on a thread of its own.
        let result = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(sqlx::Error::Io)?;
            rt.block_on(async move {
                let mut conn = PgConnection::connect(&admin).await?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                conn.close().await
            })
        })
        .join();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop test database {}: panic", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_only_the_path() {
        assert_eq!(
            with_database("postgres://u@h:5432/test?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(random_hex(6).len(), 12);
    }
}
