//! Test databases: a SQLite file in a temp dir, and a uniquely named PostgreSQL database
//! that is dropped when the guard goes out of scope (also when the test panics).

use azmc_db::{
    Account, CertificateRecord, ConflictReason, CreateMode, Db, DbError, Limit, NewOperation,
    NewSubscription, Quotas, ResourceKind,
};
use azmc_pki::Thumbprint;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The fixed "now" every story starts from.
pub const T0: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

pub fn at(seconds: i64) -> OffsetDateTime {
    T0 + Duration::seconds(seconds)
}

pub use azmc_testkit::{PgTestDb, random_hex, with_database};

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
    azmc_testkit::postgres_admin_url()
}

pub fn account(name: &str) -> Account {
    Account {
        username: name.to_owned(),
        email: Some(format!("{}@example.test", name.to_lowercase())),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash-of-{name}"),
        created_at: T0,
    }
}

/// A thumbprint from its hex digits.
pub fn thumb(hex: &str) -> Thumbprint {
    hex.parse().unwrap()
}

/// A certificate record for test number `n` (the DER is not a real certificate: the
/// database does not parse it).
pub fn cert(n: u8) -> CertificateRecord {
    CertificateRecord {
        thumbprint: thumb(&format!("{n:02X}").repeat(20)),
        der: vec![0x30, 0x03, 0x02, 0x01, n],
        subject: format!("CN=cert {n}"),
        not_before: at(-86_400),
        not_after: at(365 * 86_400),
    }
}

/// A new subscription with these quotas, administered by a new account `admin`.
pub async fn subscription_with(db: &Db, admin: &str, name: &str, quotas: &Quotas) -> String {
    db.create_account(&account(admin)).await.unwrap();
    let id = format!("{}-0000-4000-8000-000000000000", random_hex(4));
    db.create_subscription(
        &NewSubscription {
            id: &id,
            name,
            service_admin: admin,
        },
        quotas,
        T0,
    )
    .await
    .unwrap();
    id
}

pub async fn subscription_of(db: &Db, admin: &str) -> String {
    subscription_with(db, admin, "racing", &Quotas::default()).await
}

/// `e` is [`DbError::NotFound`] for a `kind`.
#[track_caller]
pub fn assert_not_found(e: &DbError, kind: ResourceKind) {
    assert!(
        matches!(e, DbError::NotFound { kind: k, .. } if *k == kind),
        "{e:?}"
    );
}

/// `e` is the conflict of a `kind` that already exists.
#[track_caller]
pub fn assert_exists(e: &DbError, kind: ResourceKind) {
    assert_conflict(e, ConflictReason::Exists(kind));
}

/// `e` is [`DbError::Conflict`] for this `reason`.
#[track_caller]
pub fn assert_conflict(e: &DbError, reason: ConflictReason) {
    assert!(
        matches!(e, DbError::Conflict { reason: r, .. } if *r == reason),
        "{e:?}"
    );
}

/// `e` is [`DbError::LimitExceeded`] for this `limit` and `max`.
#[track_caller]
pub fn assert_limit(e: &DbError, limit: Limit, max: u32) {
    assert!(
        matches!(e, DbError::LimitExceeded { limit: l, max: m } if *l == limit && *m == max),
        "{e:?}"
    );
}

/// The call failed with [`DbError::NotFound`] (of any kind).
#[track_caller]
pub fn assert_missing<T: std::fmt::Debug>(r: Result<T, DbError>) {
    let e = r.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

/// The names of the listed things, in the order listed.
pub fn names<T>(items: Vec<T>, name: impl Fn(T) -> String) -> Vec<String> {
    items.into_iter().map(name).collect()
}

pub fn new_operation(n: u32, subscription_id: &str, started_at: OffsetDateTime) -> NewOperation {
    NewOperation {
        id: format!("{n:032x}"),
        subscription_id: subscription_id.to_owned(),
        name: "AddSubscriptionCertificate".to_owned(),
        object_id: format!("/{subscription_id}/certificates/{n}"),
        parameters: vec![("n".to_owned(), n.to_string())],
        caller: azmc_db::Caller {
            thumbprint: Some(thumb(&"AB".repeat(20))),
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
