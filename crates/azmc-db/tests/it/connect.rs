//! Opening databases: schemes, missing files and databases, durability, redaction.

use azmc_db::{CreateMode, Db, DbError};

use crate::support::{PgTestDb, SqliteTestDb, account, admin_url, random_hex, with_database};

fn config_message(r: Result<Db, DbError>) -> String {
    match r {
        Err(DbError::Config(m)) => m,
        other => panic!("expected DbError::Config, got {other:?}"),
    }
}

#[tokio::test]
async fn must_exist_refuses_a_missing_sqlite_file_and_creates_nothing() {
    let t = SqliteTestDb::new();
    let path = t.dir.path().join("typo.db");
    for url in [
        format!("sqlite://{}", path.display()),
        format!("sqlite:{}", path.display()),
    ] {
        let msg = config_message(Db::connect(&url, CreateMode::MustExist).await);
        assert!(msg.contains("does not exist"), "{msg}");
        assert!(msg.contains("typo.db"), "{msg}");
    }
    let left: Vec<_> = std::fs::read_dir(t.dir.path()).unwrap().collect();
    assert!(left.is_empty(), "created {left:?}");
}

#[tokio::test]
async fn create_if_missing_needs_the_directory() {
    let t = SqliteTestDb::new();
    let url = format!(
        "sqlite://{}",
        t.dir.path().join("no-such-dir").join("azmc.db").display()
    );
    let msg = config_message(Db::connect(&url, CreateMode::CreateIfMissing).await);
    assert!(
        msg.contains("no-such-dir") && msg.contains("does not exist"),
        "{msg}"
    );
    assert!(!t.dir.path().join("no-such-dir").exists());
}

#[tokio::test]
async fn unknown_schemes_and_in_memory_sqlite_are_refused() {
    for url in [
        "mysql://root@localhost/azmc",
        "/var/lib/azmc/azmc.db",
        "sqlite::memory:",
    ] {
        let msg = config_message(Db::connect(url, CreateMode::CreateIfMissing).await);
        assert!(msg.contains("sqlite://"), "{url}: {msg}");
        if !url.starts_with("sqlite") {
            assert!(msg.contains("postgres://"), "{url}: {msg}");
        }
    }
    let msg = config_message(Db::connect("mysql://u:hunter2@h/db", CreateMode::MustExist).await);
    assert!(
        msg.contains("\"mysql\"") && !msg.contains("hunter2"),
        "{msg}"
    );
}

/// Written data survives dropping the pool without closing it (as a killed process
/// would), and reopening with MustExist finds it.
#[tokio::test]
async fn sqlite_writes_survive_a_dropped_pool() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    db.create_account(&account("Durable")).await.unwrap();
    let ca = db.put_server_ca_if_absent("pem", &[7; 32]).await.unwrap();
    assert!(
        t.dir.path().join("azmc.db-wal").exists(),
        "the database runs in WAL mode"
    );
    drop(db);
    let db = Db::connect(&t.url(), CreateMode::MustExist).await.unwrap();
    assert_eq!(db.get_account("durable").await.unwrap(), account("Durable"));
    assert_eq!(db.get_server_ca().await.unwrap(), Some(ca));
    // Reopening re-runs the (already applied) migrations without complaint; the scheme
    // is case-insensitive.
    db.close().await;
    let db = Db::connect(
        &format!("SQLite:{}", t.dir.path().join("azmc.db").display()),
        CreateMode::MustExist,
    )
    .await
    .unwrap();
    assert_eq!(db.list_accounts().await.unwrap().len(), 1);
    db.close().await;
}

#[tokio::test]
async fn a_missing_postgres_database_is_a_clear_error() {
    // Make sure the server is there, so the error below is about the database.
    let _pg = PgTestDb::create().await;
    let name = format!("db_that_does_not_exist_{}", random_hex(4));
    let url = with_database(&admin_url(), &name);
    let msg = config_message(Db::connect(&url, CreateMode::CreateIfMissing).await);
    assert!(
        msg.contains(&name) && msg.contains("does not exist"),
        "{msg}"
    );
}

/// `url` with a password: its own if it has one, else `hunter2` (a server that needs no
/// password ignores it). Returns (url, password).
fn url_with_password(url: &str) -> (String, String) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => {
            let userinfo = &url[start..start + at];
            match userinfo.split_once(':') {
                Some((_, pw)) => (url.to_owned(), pw.to_owned()),
                None => {
                    let mut u = url.to_owned();
                    u.insert_str(start + at, ":hunter2");
                    (u, "hunter2".to_owned())
                }
            }
        }
        None => {
            let sep = if url.contains('?') { '&' } else { '?' };
            (format!("{url}{sep}password=hunter2"), "hunter2".to_owned())
        }
    }
}

#[tokio::test]
async fn debug_never_shows_the_password() {
    let pg = PgTestDb::create().await;
    let (url, password) = url_with_password(&pg.url);
    let db = Db::connect(&url, CreateMode::MustExist).await.unwrap();
    let shown = format!("{db:?}");
    assert!(
        !shown.contains(&password) && shown.contains("postgres"),
        "{shown}"
    );
    assert!(!db.redacted_url().contains(&password));
    let a = account("Secretive");
    assert!(!format!("{a:?}").contains("hash-of"), "{a:?}");
    db.close().await;
}

#[test]
fn passwords_are_added_to_test_urls() {
    assert_eq!(
        url_with_password("postgres://postgres@h:5432/db"),
        (
            "postgres://postgres:hunter2@h:5432/db".to_owned(),
            "hunter2".to_owned()
        )
    );
    assert_eq!(url_with_password("postgres://u:pw@h/db").1, "pw".to_owned());
    assert_eq!(
        url_with_password("postgres://h/db?sslmode=disable").0,
        "postgres://h/db?sslmode=disable&password=hunter2"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_unavailable() {
    // Port 1 on the loopback interface: nothing listens there.
    let started = std::time::Instant::now();
    match Db::connect(
        "postgres://u:hunter2@127.0.0.1:1/azmc",
        CreateMode::MustExist,
    )
    .await
    {
        Err(e @ DbError::Unavailable { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("127.0.0.1:1") && !msg.contains("hunter2"),
                "{msg}"
            );
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "fails at once"
    );
}
