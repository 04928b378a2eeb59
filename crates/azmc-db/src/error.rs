//! [`DbError`]: what went wrong, in variants a caller can act on.

use std::fmt;

/// A limit enforced by [`crate::Db::link_certificate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Management certificates linked to one subscription.
    CertificatesPerSubscription,
    /// Distinct management certificates across all subscriptions one user administers as
    /// service administrator.
    CertificatesPerServiceAdmin,
    /// Cloud services of one subscription (`max_hosted_services`).
    HostedServices,
    /// Cores of the deployments of one subscription (`max_core_count`).
    Cores,
    /// SQL Database servers of one subscription.
    SqlServers,
    /// Firewall rules of one SQL Database server.
    FirewallRules,
    /// Databases of one SQL Database server (besides master).
    SqlDatabases,
    /// Storage accounts of one subscription (`max_storage_accounts`).
    StorageAccounts,
    /// Virtual network sites in a subscription's network configuration.
    VirtualNetworkSites,
    /// Local network sites in a subscription's network configuration.
    LocalNetworkSites,
    /// DNS servers in a subscription's network configuration.
    DnsServers,
    /// Reserved IPs of one subscription (`max_reserved_ips`).
    ReservedIps,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::CertificatesPerSubscription => "management certificates per subscription",
            Limit::CertificatesPerServiceAdmin => {
                "management certificates per service administrator"
            }
            Limit::HostedServices => "cloud services per subscription",
            Limit::Cores => "cores per subscription",
            Limit::SqlServers => "SQL servers per subscription",
            Limit::FirewallRules => "firewall rules per SQL server",
            Limit::SqlDatabases => "databases per SQL server",
            Limit::StorageAccounts => "storage accounts per subscription",
            Limit::VirtualNetworkSites => "virtual network sites per subscription",
            Limit::LocalNetworkSites => "local network sites per subscription",
            Limit::DnsServers => "DNS servers per subscription",
            Limit::ReservedIps => "reserved IPs per subscription",
        })
    }
}

/// The kind of thing a [`DbError::NotFound`] or a [`ConflictReason::Exists`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Subscription,
    HostedService,
    SqlServer,
    Certificate,
    Account,
    StorageAccount,
    Operation,
    DeploymentSlot,
    Deployment,
    WebSite,
    FirewallRule,
    SqlDatabase,
    AffinityGroup,
    Job,
    Coadmin,
    Session,
    /// A storage account kept after its delete, restorable (migration 12).
    DeletedStorageAccount,
    /// An OS image a subscription added (migration 14).
    OsImage,
    /// A VM image a subscription made (migration 15).
    VmImage,
    /// A disk of the disk repository (migration 17).
    Disk,
    /// A cloud service kept after its delete, restorable (migration 12).
    DeletedHostedService,
    /// A reserved IP address (migration 16).
    ReservedIp,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Subscription => "subscription",
            ResourceKind::HostedService => "hosted service",
            ResourceKind::SqlServer => "sql server",
            ResourceKind::Certificate => "certificate",
            ResourceKind::Account => "account",
            ResourceKind::StorageAccount => "storage account",
            ResourceKind::Operation => "operation",
            ResourceKind::DeploymentSlot => "deployment slot",
            ResourceKind::Deployment => "deployment",
            ResourceKind::WebSite => "web site",
            ResourceKind::FirewallRule => "firewall rule",
            ResourceKind::SqlDatabase => "sql database",
            ResourceKind::AffinityGroup => "affinity group",
            ResourceKind::Job => "job",
            ResourceKind::Coadmin => "coadmin",
            ResourceKind::Session => "session",
            ResourceKind::DeletedStorageAccount => "deleted storage account",
            ResourceKind::OsImage => "os image",
            ResourceKind::VmImage => "vm image",
            ResourceKind::Disk => "disk",
            ResourceKind::DeletedHostedService => "deleted hosted service",
            ResourceKind::ReservedIp => "reserved ip",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a change conflicts with the stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictReason {
    /// The thing already exists (a name taken, a certificate already linked, a user who
    /// already is a co-administrator or is the service administrator).
    Exists(ResourceKind),
    /// An affinity group that cloud services or storage accounts still use.
    AffinityGroupInUse,
    /// A cloud service that still has deployments.
    HasDeployments,
    /// A deployment slot that is taken.
    SlotTaken,
    /// An operation that has already completed.
    AlreadyCompleted,
    /// A job whose lease another worker holds now.
    LeaseLost,
    /// A deployment with no upgrade in progress (or not at the domain named) to walk or
    /// roll back.
    NoUpgradeInProgress,
    /// A restore into an affinity group that no longer exists (the conflict's id is the
    /// group's name).
    AffinityGroupGone,
    /// A media link another disk of the subscription uses (the id is that disk's name).
    MediaInUse,
    /// A disk attached to a virtual machine.
    DiskAttached,
    /// A reserved IP associated with a deployment (the conflict's id is the deployment's
    /// name).
    ReservedIpInUse,
    /// A reserved IP that does not serve the deployment named.
    ReservedIpNotAssociated,
    /// The cloud service is in another location than the reserved IP (the conflict's id
    /// is the service's location).
    LocationMismatch,
    /// Another reserved IP serves that virtual IP of the deployment (the conflict's id is
    /// its name).
    DeploymentHasReservedIp,
    /// A thing changed by another request since it was read (compare and swap lost).
    Changed,
}

impl ConflictReason {
    /// What the conflict is about, in words.
    pub fn subject(self) -> &'static str {
        match self {
            ConflictReason::Exists(kind) => kind.as_str(),
            ConflictReason::AffinityGroupInUse => "affinity group in use",
            ConflictReason::HasDeployments => "deployment",
            ConflictReason::SlotTaken => "deployment slot",
            ConflictReason::AlreadyCompleted => "operation",
            ConflictReason::LeaseLost => "job",
            ConflictReason::NoUpgradeInProgress => "upgrade",
            ConflictReason::AffinityGroupGone => "affinity group gone",
            ConflictReason::MediaInUse => "media in use",
            ConflictReason::DiskAttached => "disk attached",
            ConflictReason::Changed => "changed meanwhile",
            ConflictReason::ReservedIpInUse => "reserved ip in use",
            ConflictReason::ReservedIpNotAssociated => "reserved ip association",
            ConflictReason::LocationMismatch => "location",
            ConflictReason::DeploymentHasReservedIp => "deployment's reserved ip",
        }
    }
}

/// Everything that can go wrong in `azmc-db`.
///
/// "Not found", "already exists" and "the database failed" are separate variants and are
/// never folded together: the server answers the first two with 404/409 and the others
/// with a generic 500 after logging them. Messages never contain SQL text, parameters or
/// secrets; [`DbError::Backend`] shows sqlx's own one-line `Display` of the failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The thing does not exist (`id` is the key as the caller gave it).
    #[error("{kind} {id:?} does not exist")]
    NotFound { kind: ResourceKind, id: String },
    /// The thing already exists, or is in a state that forbids the change (an operation
    /// that already completed, a job lease held by another worker).
    #[error("{} {id:?} already exists or is in a conflicting state", reason.subject())]
    Conflict { reason: ConflictReason, id: String },
    /// The change would exceed a limit; `max` is the limit in force.
    #[error("limit exceeded: at most {max} {limit}")]
    LimitExceeded { limit: Limit, max: u32 },
    /// An argument the database cannot accept (a malformed continuation token or id).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The database URL or the configuration is wrong (unknown scheme, missing SQLite
    /// file, PostgreSQL database that does not exist). Fix the configuration; retrying
    /// will not help.
    #[error("database configuration: {0}")]
    Config(String),
    /// The database server could not be reached or refused the connection.
    #[error("cannot connect to the database at {url}: {source}")]
    Unavailable {
        /// The URL with any password removed.
        url: String,
        #[source]
        source: sqlx::Error,
    },
    /// The database cannot serve for now, whatever the statement: the connection to the
    /// PostgreSQL server was lost or refused (a restart, a network failure), the server is
    /// shutting down or starting, no connection came free in time, or the disk is full.
    /// Retrying later may succeed; the server answers 503 with Retry-After.
    #[error("the database is unavailable for now: {0}")]
    Interrupted(#[source] sqlx::Error),
    /// The database failed while executing a statement.
    #[error("database failure: {0}")]
    Backend(#[source] sqlx::Error),
    /// Applying the embedded schema migrations failed (for example because the database
    /// was migrated by a newer azmc).
    #[error("database migration failed: {0}")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// A stored value this version cannot read (an unknown status, a timestamp out of
    /// range). The database was altered by something other than azmc.
    #[error("the database holds an unreadable value: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if is_interruption(&e) {
            DbError::Interrupted(e)
        } else {
            DbError::Backend(e)
        }
    }
}

/// Failures of the database as a whole rather than of one statement (see
/// [`DbError::Interrupted`]): I/O and TLS errors of the connection, pool timeouts,
/// PostgreSQL's connection exceptions (SQLSTATE class 08) and shutdown or start-up
/// (57P01 to 57P03), SQLite's "database or disk is full" (SQLITE_FULL, 13).
pub(crate) fn is_interruption(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or_default();
            if d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
            } else {
                code == "13"
            }
        }
        _ => false,
    }
}

impl DbError {
    pub(crate) fn not_found(kind: ResourceKind, id: impl Into<String>) -> Self {
        DbError::NotFound {
            kind,
            id: id.into(),
        }
    }

    pub(crate) fn conflict(reason: ConflictReason, id: impl Into<String>) -> Self {
        DbError::Conflict {
            reason,
            id: id.into(),
        }
    }

    /// [`DbError::LimitExceeded`] for a limit stored as a (non-negative) BIGINT.
    pub(crate) fn limit_exceeded(limit: Limit, max: i64) -> Self {
        DbError::LimitExceeded {
            limit,
            max: u32::try_from(max.max(0)).unwrap_or(u32::MAX),
        }
    }

    /// True for [`DbError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::NotFound { .. })
    }

    /// True for [`DbError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, DbError::Conflict { .. })
    }
}

/// The database rejected a row because a unique or primary key already holds the value.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The database rejected a row because a referenced row does not exist (or a referenced
/// row cannot be deleted).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

/// Map a unique violation to [`DbError::Conflict`], anything else to [`DbError::Backend`].
pub(crate) fn conflict_on_unique(e: sqlx::Error, kind: ResourceKind, id: &str) -> DbError {
    if is_unique_violation(&e) {
        DbError::conflict(ConflictReason::Exists(kind), id)
    } else {
        DbError::from(e)
    }
}
