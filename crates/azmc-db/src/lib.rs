//! `azmc-db`: the server's database.
//!
//! Everything the management server remembers lives here: portal accounts,
//! subscriptions and their co-administrators, management certificates and the links that
//! let them manage a subscription (with the per-subscription and per-service-administrator
//! limits), the subscription operations behind Get Operation Status / List Subscription
//! Operations, the durable job queue that runs asynchronous operations, and the server's
//! own CA. The server speaks to it only through the domain verbs of [`Db`]
//! (`link_certificate`, `claim_job`, …), never through SQL.
//!
//! Boundary: no HTTP, no XML, no certificate parsing (callers pass thumbprints and DER
//! they have already checked), no clock (every verb that needs "now" takes it as an
//! argument). Errors are [`DbError`] variants a caller can act on; "not found" is never
//! "the database failed".
//!
//! # Backends
//!
//! Chosen once, by the URL scheme given to [`Db::connect`]: `sqlite://PATH` (bundled
//! SQLite, WAL, `synchronous=FULL`) or `postgres://…`. A mistyped URL never creates an
//! empty database ([`CreateMode::MustExist`]). The schema is applied by embedded
//! migrations on connect, from `migrations/sqlite/` and `migrations/postgres/`, which hold
//! the same files with the same tables and columns (tests check both).
//!
//! # Schema
//!
//! * `accounts` (username, folded `username_key`, email, argon2 hash)
//! * `subscriptions` (GUID id, name, status, `service_admin` → accounts, quotas) and
//!   `coadmins` (subscription, account)
//! * `certificates` (thumbprint, DER, subject, validity), one row shared by every
//!   subscription it is linked to, deleted with its last link; `certificate_links`
//!   (subscription, thumbprint, created at/by)
//! * `counters`: `links_revision`, bumped in the transaction of every link or
//!   subscription-status change, which also records in `link_changes` what it changed, so
//!   every node can poll it and re-read only what changed into its in-memory
//!   authorisation index ([`Db::link_changes_since`], [`Db::links_of`]; everything with
//!   [`Db::all_links`] at start or when pruning has left it behind)
//! * `operations` (32-hex id, subscription, name, object id, parameters as JSON, caller,
//!   status, HTTP status, error, start/completion) and `jobs` (one per asynchronous
//!   operation: kind, JSON payload, state, attempts, lease)
//! * `server_ca` (a single row: certificate PEM, PKCS#8 key)
//! * `portal_sessions` (SHA-256 of the cookie token, account, created / last seen /
//!   absolute expiry) and `certificate_links.last_used_at` (written in batches)
//! * `hosted_services` (cloud services: name unique across subscriptions by `name_key`,
//!   label, location or affinity group, extended properties as JSON, status),
//!   `service_certificates` (per service: DER, the private key sealed by the server, an
//!   Adding/Ready/Deleting status for the asynchronous add and delete), `deployments` (one
//!   per slot: package URL, base64 configuration, roles and cores) and `sealing_key` (a
//!   single row: the AES-256 key the server seals private keys with)
//! * `affinity_groups` (per subscription, name folded in `name_key`, label, location) and
//!   `storage_accounts` (name unique across subscriptions by `name_key`, location and
//!   optional affinity group, account type, extended properties as JSON, the two access
//!   keys, a Creating/Created status)
//! * `reserved_ips` (per subscription, name folded in `name_key`, a GUID id, plain-text
//!   label, location, an address from the server's pool unique by `address_index`, a
//!   Creating/Created status, and the deployment it serves by service key and private id)
//! * `deleted_storage_accounts`, `deleted_hosted_services` and
//!   `deleted_service_certificates`: soft-deleted resources with their keys, properties and
//!   ready certificates, the name reserved for their subscription until restored or purged
//! * `network_configurations` (per subscription: the network configuration document as
//!   sent, with its counts) and `virtual_network_site_ids` (a stable GUID per site name)
//! * `os_images` and `vm_images` (the images a subscription added; the platform catalogue
//!   is the server's) and `disks` (the disk repository: one disk per VHD blob)
//!
//! Times are BIGINT unix microseconds (UTC), bytes BLOB/BYTEA, enumerations TEXT with a
//! CHECK. Case-insensitive keys are stored folded next to the value as given, so both
//! databases compare them identically.
//!
//! # Why one `Db` type with two pools, not a trait with two implementations
//!
//! The architecture notes sketch a `Db` trait with one implementation per backend. We
//! depart from that: [`Db`] wraps `enum Pool { Sqlite(SqlitePool), Postgres(PgPool) }`
//! and every verb is written once, with one SQL text run on whichever pool is in use
//! (sqlx accepts `$1` placeholders on SQLite too); a small macro expands the body once per
//! pool type. The seam the server depends on is the domain verbs, not the backend: two
//! implementations of a trait would mean every query written twice, and the copies would
//! drift. The few real dialect differences (how a write transaction starts, row and table
//! locks, catalogue queries, three type names in the DDL) are named in one
//! place, `Dialect`, in `db.rs`. sqlx's `AnyPool` is avoided (it cannot decode SQLite
//! booleans). One conformance story in `tests/it` runs every verb against both backends.
//!
//! Concurrency: on SQLite every writing transaction starts with `BEGIN IMMEDIATE`, so
//! writers are serialised (waiting up to the 5 s busy timeout); on PostgreSQL the limit
//! checks of `link_certificate` lock the service administrator's account row, and job
//! claims re-check the job's state in the claiming `UPDATE`. TLS to PostgreSQL is not
//! compiled in yet (sqlx's `tls-*` features are off): use a local socket or a trusted
//! network.

mod accounts;
mod affinity_groups;
mod certificates;
mod convert;
mod db;
mod deleted;
mod deployments;
mod disks;
mod error;
mod hosted_services;
mod jobs;
mod migrations;
mod model;
mod networks;
mod operations;
mod os_images;
mod portal;
mod reserved_ips;
mod server_ca;
mod service_certificates;
mod sessions;
mod sql_databases;
mod sql_servers;
mod storage_accounts;
mod subscriptions;
mod vms;
mod websites;

pub use affinity_groups::{AffinityGroup, AffinityGroupUpdate, NewAffinityGroup};
pub use certificates::{LinkChangeListener, LinkChanges};
pub use db::{CreateMode, Db};
pub use deleted::{Deleted, Purged};
pub use deployments::{
    Deployment, DeploymentChange, NewConfiguration, NewDeployment, UpgradeProgress, slot_name,
};
pub use disks::{Disk, NewDisk};
pub use error::{ConflictReason, DbError, Limit, ResourceKind};
pub use hosted_services::{HostedService, HostedServiceUpdate, NewHostedService};
pub use jobs::GIVE_UP_MESSAGE;
pub use model::{
    Account, Caller, CertificateRecord, DeploymentStatus, HostedServiceStatus, Job, Limits, Link,
    LinkedCertificate, NewJob, NewOperation, NewSubscription, Operation, OperationFilter,
    OperationOutcome, OperationPage, OperationStatus, ParseEnumError, Quotas, ReservedIpStatus,
    Role, StorageAccountStatus, Subscription, SubscriptionStatus, Usage,
};
pub use networks::{NetworkConfigurationChange, NetworkCounts, StoredNetworkConfiguration};
pub use operations::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use os_images::{NewOsImage, OsImage, StoredVmImage};
pub use portal::{CertificateUse, MAX_SEARCH_SUBSCRIPTIONS, OperationSearch};
pub use reserved_ips::{
    NewReservedIp, POOL_BASE, POOL_SIZE, ReservedIp, ReservedIpTarget, ReservedIpUse, pool_address,
};
pub use service_certificates::{NewServiceCertificate, ServiceCertificate};
pub use sessions::Session;
pub use sql_databases::{NewSqlDatabase, SqlDatabase, SqlDatabaseUpdate};
pub use sql_servers::{FirewallRule, NewSqlServer, SqlServer};
pub use storage_accounts::{
    NewStorageAccount, StorageAccount, StorageAccountUpdate, StorageKeyType,
};
pub use vms::{DiskChange, VmChange};
pub use websites::{NewWebsite, Website, WebsiteConfigChange, WebsiteSettings, WebsiteUpdate};
