//! Test databases: a SQLite file in a temp dir, and a uniquely named PostgreSQL database
//! that is dropped when the guard goes out of scope (also when the test panics).

use azmc_db::{Account, CertificateRecord, CreateMode, Db, NewOperation, NewSubscription, Quotas};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The fixed "now" every story starts from.
pub const T0: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

pub fn at(seconds: i64) -> OffsetDateTime {
    T0 + Duration::seconds(seconds)
}

pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub struct SqliteTestDb {
    pub dir: tempfile::TempDir,
}

impl SqliteTestDb {
    pub fn new() -> Self {
        SqliteTestDb {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("azmc.db").display())
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&self.url(), CreateMode::CreateIfMissing)
            .await
            .unwrap()
    }
}

/// The PostgreSQL server the tests need: `AZMC_TEST_POSTGRES_URL`, or the local one.
pub fn admin_url() -> String {
    std::env::var("AZMC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `url` with its database name replaced by `name`.
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

/// A fresh database `azmc_test_<pid>_<random>` on the test server, dropped on drop.
pub struct PgTestDb {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgTestDb {
    pub async fn create() -> Self {
        let admin_url = admin_url();
        let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required at {admin_url} for the azmc-db tests (set \
                 AZMC_TEST_POSTGRES_URL to use another server): {e}"
            )
        });
        let name = format!("azmc_test_{}_{}", std::process::id(), random_hex(6));
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let url = with_database(&admin_url, &name);
        PgTestDb {
            admin_url,
            name,
            url,
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
                .unwrap();
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

pub fn account(name: &str) -> Account {
    Account {
        username: name.to_owned(),
        email: Some(format!("{}@example.test", name.to_lowercase())),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash-of-{name}"),
        created_at: T0,
    }
}

/// A certificate record for test number `n` (the DER is not a real certificate: the
/// database does not parse it).
pub fn cert(n: u8) -> CertificateRecord {
    CertificateRecord {
        thumbprint: format!("{n:02X}").repeat(20),
        der: vec![0x30, 0x03, 0x02, 0x01, n],
        subject: format!("CN=cert {n}"),
        not_before: at(-86_400),
        not_after: at(365 * 86_400),
    }
}

pub async fn subscription_of(db: &Db, admin: &str) -> String {
    db.create_account(&account(admin)).await.unwrap();
    let id = format!("{}-0000-4000-8000-000000000000", &random_hex(4));
    db.create_subscription(
        &NewSubscription {
            id: &id,
            name: "racing",
            service_admin: admin,
        },
        &Quotas::default(),
        T0,
    )
    .await
    .unwrap();
    id
}

pub fn new_operation(n: u32, subscription_id: &str, started_at: OffsetDateTime) -> NewOperation {
    NewOperation {
        id: format!("{n:032x}"),
        subscription_id: subscription_id.to_owned(),
        name: "AddSubscriptionCertificate".to_owned(),
        object_id: format!("/{subscription_id}/certificates/{n}"),
        parameters: vec![("n".to_owned(), n.to_string())],
        caller: azmc_db::Caller {
            thumbprint: Some("AB".repeat(20)),
            user: None,
            client_ip: Some("203.0.113.5".to_owned()),
        },
        started_at,
    }
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
}
