//! azmc-db integration tests: one conformance story run against SQLite (always) and
//! PostgreSQL (required: a local server, see `support::PgTestDb`), plus concurrency,
//! durability and connection tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod affinity_storage;
mod cloud_services;
mod concurrency;
mod connect;
mod disks;
mod networks;
mod os_images;
mod portal;
mod reserved_ips;
mod soft_delete;
mod sql_databases;
mod sql_web;
mod story;
mod support;
mod vms;

use azmc_db::{CreateMode, Db};
use support::{PgTestDb, SqliteTestDb};

#[tokio::test]
async fn sqlite_story() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    assert_eq!(db.backend_name(), "sqlite");
    story::story(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_story() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    assert_eq!(db.backend_name(), "postgres");
    story::story(&db).await;
    db.close().await;
}

/// The two migration folders create the same tables with the same columns.
#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let pg = PgTestDb::create().await;
    let pg_db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    let t = SqliteTestDb::new();
    let sqlite_db = t.connect().await;
    let pg_cols = pg_db.schema_columns().await.unwrap();
    let sqlite_cols = sqlite_db.schema_columns().await.unwrap();
    assert!(pg_cols.len() > 30, "{pg_cols:?}");
    assert_eq!(sqlite_cols, pg_cols);
    pg_db.close().await;
    sqlite_db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_links_respect_the_limit() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    concurrency::racing_links(&db).await;
    concurrency::racing_claims(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_links_respect_the_limit() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    concurrency::racing_links(&db).await;
    concurrency::racing_claims(&db).await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_cloud_services() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    cloud_services::story(&db).await;
    cloud_services::deployments(&db).await;
    cloud_services::changes_with_their_jobs(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_cloud_services() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    cloud_services::story(&db).await;
    cloud_services::deployments(&db).await;
    cloud_services::changes_with_their_jobs(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_affinity_groups_and_storage_accounts() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    affinity_storage::affinity_groups(&db).await;
    affinity_storage::storage_accounts(&db).await;
    affinity_storage::racing_creates(&db).await;
    affinity_storage::created_with_their_job(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_affinity_groups_and_storage_accounts() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    affinity_storage::affinity_groups(&db).await;
    affinity_storage::storage_accounts(&db).await;
    affinity_storage::racing_creates(&db).await;
    affinity_storage::created_with_their_job(&db).await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_portal() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    portal::sessions(&db).await;
    portal::link_to_all(&db).await;
    portal::search(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_portal() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    portal::sessions(&db).await;
    portal::link_to_all(&db).await;
    portal::search(&db).await;
    db.close().await;
}

/// A stored thumbprint that is not 40 hex digits reads back as `Corrupt`.
#[tokio::test]
async fn sqlite_corrupt_thumbprints_are_reported() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    let sub = support::subscription_of(&db, "corrupt").await;
    let op = support::new_operation(1, &sub, support::T0);
    db.insert_operation(&op).await.unwrap();
    let got = db.get_operation(&sub, &op.id).await.unwrap();
    assert_eq!(got.caller, op.caller);
    let raw = sqlx::SqlitePool::connect(&t.url()).await.unwrap();
    sqlx::query("UPDATE operations SET caller_thumbprint = 'AB'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    let e = db.get_operation(&sub, &op.id).await.unwrap_err();
    assert!(matches!(e, azmc_db::DbError::Corrupt(_)), "{e:?}");
    db.close().await;
}

#[tokio::test]
async fn sqlite_soft_delete() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    soft_delete::storage_accounts(&db).await;
    soft_delete::cloud_services(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_soft_delete() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    soft_delete::storage_accounts(&db).await;
    soft_delete::cloud_services(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reserved_ips() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    reserved_ips::story(&db).await;
    reserved_ips::associations(&db).await;
    reserved_ips::changes_with_their_jobs(&db).await;
    reserved_ips::racing_creates(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reserved_ips() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    reserved_ips::story(&db).await;
    reserved_ips::associations(&db).await;
    reserved_ips::changes_with_their_jobs(&db).await;
    reserved_ips::racing_creates(&db).await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_network_configuration_and_images() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    networks::story(&db).await;
    os_images::story(&db).await;
    disks::story(&db).await;
    vms::story(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_network_configuration_and_images() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    networks::story(&db).await;
    os_images::story(&db).await;
    disks::story(&db).await;
    vms::story(&db).await;
    db.close().await;
}
