//! The domain layer: the rules of each resource family, in one place, between the front
//! doors (`api/`, `portal/`, `admin.rs`, `bootstrap.rs`) and `azmc-db`.
//!
//! A domain operation takes one [`Ctx`] (database, authorisation index, limits, offered
//! locations and platform images, the time)
//! and the [`Actor`] it acts for, enforces the rules (limits, all-or-nothing links, the
//! authorisation-index reload that makes a change visible to the very next request), and
//! answers a typed [`DomainError`]. Each front door maps that error once:
//! `ApiError::from` (`error.rs`), `PortalError::from` (`portal/error.rs`) and
//! `ServerError::from` (`error.rs`, for `azmc admin` and bootstrap).
//!
//! The families: portal accounts ([`accounts`]), subscriptions and their co-administrators
//! ([`subscriptions`]), management-certificate links ([`certificates`]), affinity groups
//! ([`affinity_groups`]), storage accounts ([`storage_accounts`]), reserved IP addresses
//! ([`reserved_ips`]), cloud services and their service certificates ([`cloud_services`]),
//! deployments ([`deployments`]), web sites ([`websites`]), SQL servers and firewall rules
//! ([`sql_servers`]); the read-only catalogues of classic IaaS, guest OS versions and
//! resource extensions ([`catalogues`]); and the sealing of kept private keys ([`sealing`]). Every change is recorded in the operation log
//! ([`operations`]). Asynchronous operations queue their work as jobs: with the change
//! the job finishes, in one transaction ([`crate::jobs::new_job`], handed to the database
//! method that begins the change), or alone when nothing changes before it
//! ([`crate::jobs::enqueue`]); the job kinds live beside their rules ([`job_kinds`]).

pub mod accounts;
pub mod affinity_groups;
pub mod catalogues;
pub mod certificates;
pub mod cloud_services;
pub mod deployments;
pub mod disks;
pub mod images;
pub mod networks;
pub mod operations;
pub mod reserved_ips;
pub mod sealing;
pub mod sql_databases;
pub mod sql_servers;
pub mod storage_accounts;
pub mod subscriptions;
pub mod vms;
pub mod websites;

use crate::auth::AuthIndex;
use crate::config::PfxLimits;
use crate::jobs::JobRegistry;
use crate::state::AppState;
use azmc_db::{Db, Limit, Limits};
use azmc_pki::Thumbprint;
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

/// A random GUID (version 4, lower case): subscription ids, virtual network site ids,
/// reserved IP ids. `what` names it in the log when there is no randomness.
pub(crate) fn new_guid(what: &str) -> Result<String, DomainError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "no randomness for {what}");
        DomainError::Internal
    })?;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // variant
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(guid_of(&h))
}

/// The GUID form (`8-4-4-4-12`) of 32 lower-case hex digits.
pub(crate) fn guid_of(h: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Every job kind of the domain's asynchronous operations, for the job runner.
pub fn job_kinds() -> JobRegistry {
    let mut r = JobRegistry::default();
    r.kind::<cloud_services::DeleteMedia>()
        .kind::<cloud_services::AddCertificate>()
        .kind::<cloud_services::DeleteCertificate>()
        .kind::<deployments::CreateDeployment>()
        .kind::<deployments::UpdateStatus>()
        .kind::<deployments::DeleteDeployment>()
        .kind::<deployments::DeleteDeploymentAndMedia>()
        .kind::<deployments::Swap>()
        .kind::<deployments::ReportChange>()
        .kind::<storage_accounts::CreateAccount>()
        .kind::<networks::SetConfiguration>()
        .kind::<images::CompleteVmImageOperation>()
        .kind::<reserved_ips::CreateReservedIp>()
        .kind::<reserved_ips::ReservedIpChanged>()
        .kind::<disks::CompleteDiskOperation>()
        .kind::<vms::VmTransition>();
    r
}

/// Who a change is made for; recorded as the creator of what it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An API caller, by its management certificate.
    Certificate(Thumbprint),
    /// A portal user, by user name.
    User(String),
    /// `azmc admin` on the server's machine.
    Admin,
    /// The server's own first start.
    Bootstrap,
}

impl Actor {
    /// The `created_by` text stored with a certificate link: `cert:<thumbprint>`,
    /// `user:<name>`, `admin` or `bootstrap`.
    pub fn created_by(&self) -> String {
        match self {
            Actor::Certificate(t) => format!("cert:{t}"),
            Actor::User(name) => format!("user:{name}"),
            Actor::Admin => "admin".into(),
            Actor::Bootstrap => "bootstrap".into(),
        }
    }
}

/// Everything a domain operation needs.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub db: &'a Db,
    /// The authorisation index of this node, reloaded after a link change. `None` where
    /// no server runs in this process (`azmc admin`, bootstrap before the index exists):
    /// running nodes see the change through their periodic refresh.
    pub index: Option<&'a AuthIndex>,
    pub limits: Limits,
    /// The regions offered (`ServerConfig::locations`).
    pub locations: &'a [String],
    /// The platform images offered ([`images::Catalogue`]: built in, or read from
    /// `ServerConfig::image_catalogue` at start).
    pub catalogue: &'a images::Catalogue,
    /// The slots that bound CPU-heavy work (files sent by clients, password hashes);
    /// `None` where no server runs in this process (the work then runs unbounded: there
    /// is no one else to serve).
    pub slots: Option<Slots<'a>>,
    /// The key that seals stored private keys; `None` where no server runs in this
    /// process (nothing is sealed there).
    pub sealing: Option<&'a sealing::SealingKey>,
    /// How long deleted storage accounts and cloud services stay restorable
    /// (`ServerConfig::restore_window`); `None` deletes them at once.
    pub keep_deleted: Option<time::Duration>,
    pub now: OffsetDateTime,
}

/// The server's slots for CPU-heavy work on the blocking pool: a request finding every
/// slot of its kind taken is answered [`DomainError::Busy`] at once, so neither a flood of
/// such requests nor their memory can take the server from everyone else.
#[derive(Debug, Clone, Copy)]
pub struct Slots<'a> {
    /// Reading `.pfx`/`.cer` files sent by clients (`config.pfx.slots`).
    pub files: &'a Arc<Semaphore>,
    /// Within these limits.
    pub pfx: PfxLimits,
    /// Argon2 password hashes and checks (19 MiB each; as many as the cores).
    pub hashes: &'a Arc<Semaphore>,
}

impl<'a> Ctx<'a> {
    /// Until when something deleted now stays restorable, if the server keeps deleted
    /// resources.
    pub fn keep_until(&self) -> Option<OffsetDateTime> {
        self.keep_deleted.and_then(|d| self.now.checked_add(d))
    }

    /// The context of a request to a running server.
    pub fn of(state: &'a AppState) -> Self {
        Ctx {
            db: &state.db,
            index: Some(&state.auth),
            limits: Limits {
                per_subscription: state.config.cert_limit_per_subscription,
                per_service_admin: state.config.cert_limit_per_service_admin,
            },
            locations: &state.config.locations,
            catalogue: &state.catalogue,
            slots: Some(Slots {
                files: &state.file_slots,
                pfx: state.config.pfx,
                hashes: &state.hash_slots,
            }),
            sealing: Some(&state.sealing),
            keep_deleted: (!state.config.restore_window.is_zero())
                .then(|| time::Duration::try_from(state.config.restore_window).ok())
                .flatten(),
            now: state.clock.now(),
        }
    }

    /// A context with no running server in this process.
    pub fn offline(db: &'a Db, limits: Limits, now: OffsetDateTime) -> Self {
        Ctx {
            db,
            index: None,
            limits,
            locations: &[],
            catalogue: images::Catalogue::built_in_ref(),
            slots: None,
            sealing: None,
            keep_deleted: None,
            now,
        }
    }
}

/// The kind of thing that was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Subscription,
    Certificate,
    AffinityGroup,
    SqlServer,
    FirewallRule,
    SqlDatabase,
    ServiceObjective,
    ServerQuota,
    StorageAccount,
    HostedService,
    Deployment,
    RoleInstance,
    Webspace,
    WebSite,
    Account,
    Operation,
    /// A storage account deleted within the restore window.
    DeletedStorageAccount,
    /// A subscription's network configuration (none set yet).
    NetworkConfiguration,
    /// An OS image (the catalogue's or the subscription's).
    OsImage,
    /// A VM image of the subscription.
    VmImage,
    /// A disk of the disk repository.
    Disk,
    /// A cloud service deleted within the restore window.
    DeletedHostedService,
    ReservedIp,
    /// A persistent VM role of a deployment.
    Role,
    /// A data disk of a role, by LUN.
    DataDisk,
}

impl ResourceKind {
    /// The one-line answer for a missing one: `The storage account 'x' was not found.`
    /// (the live service's words) or `The {kind} ['name' ]does not exist.`
    pub fn not_found_message(self, name: Option<&str>) -> String {
        match (self, name) {
            (ResourceKind::StorageAccount, Some(name)) => {
                format!("The storage account '{name}' was not found.")
            }
            (ResourceKind::OsImage, _) => {
                "The image with the specified name does not exist.".into()
            }
            (ResourceKind::Disk, _) => "The disk with the specified name does not exist.".into(),
            (ResourceKind::Role, Some(name)) => {
                format!("Role {name} was not found in the currently deployed service.")
            }
            (ResourceKind::DataDisk, Some(lun)) => {
                format!("The role has no data disk at LUN {lun}.")
            }
            (kind, Some(name)) => format!("The {kind} '{name}' does not exist."),
            (kind, None) => format!("The {kind} does not exist."),
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Subscription => "subscription",
            ResourceKind::Certificate => "certificate",
            ResourceKind::AffinityGroup => "affinity group",
            ResourceKind::SqlServer => "SQL server",
            ResourceKind::FirewallRule => "firewall rule",
            ResourceKind::SqlDatabase => "SQL database",
            ResourceKind::ServiceObjective => "service objective",
            ResourceKind::ServerQuota => "server quota",
            ResourceKind::StorageAccount => "storage account",
            ResourceKind::HostedService => "hosted service",
            ResourceKind::Deployment => "deployment",
            ResourceKind::RoleInstance => "role instance",
            ResourceKind::Webspace => "webspace",
            ResourceKind::WebSite => "web site",
            ResourceKind::Account => "account",
            ResourceKind::Operation => "operation",
            ResourceKind::DeletedStorageAccount => "deleted storage account",
            ResourceKind::NetworkConfiguration => "network configuration",
            ResourceKind::OsImage => "image",
            ResourceKind::VmImage => "VM image",
            ResourceKind::Disk => "disk",
            ResourceKind::DeletedHostedService => "deleted hosted service",
            ResourceKind::ReservedIp => "reserved IP",
            ResourceKind::Role => "role",
            ResourceKind::DataDisk => "data disk",
        })
    }
}

/// Why a change conflicts with the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictReason {
    /// The certificate is already linked to (one of) the subscription(s); `chosen` is the
    /// number of subscriptions the change named.
    CertificateAlreadyLinked {
        thumbprint: Thumbprint,
        chosen: usize,
    },
    /// The subscription has an affinity group of that name.
    AffinityGroupExists { name: String },
    /// Storage accounts or cloud services still use the affinity group.
    AffinityGroupInUse { name: String },
    /// The server has a firewall rule of that name.
    FirewallRuleExists { rule: String, server: String },
    /// The server has a database of that name (master included).
    SqlDatabaseExists { name: String, server: String },
    /// Storage account names are unique across all subscriptions.
    StorageAccountNameTaken { name: String },
    /// Cloud service names are DNS names, unique across all subscriptions.
    DnsNameTaken,
    /// A cloud service deleted without its media still has deployments.
    ServiceHasDeployments,
    /// The deployment slot (`Production` or `Staging`) is taken.
    SlotTaken { slot: String },
    /// The cloud service has a deployment of that name.
    DeploymentExists { name: String },
    /// The deployment is busy (`Deploying`, `Deleting`): retry when that has finished.
    DeploymentBusy { status: String },
    /// Rollback needs an update or upgrade in progress.
    NothingToRollBack,
    /// Walk Upgrade Domain needs an upgrade in progress (Mode `Manual`).
    NoUpgradeToWalk,
    /// Another change waits until the upgrade in progress is walked or rolled back.
    UpgradeInProgress,
    /// Web site names are unique across all subscriptions.
    WebSiteExists { name: String },
    /// A site made before publishing passwords were kept has none until its next change.
    WebSitePublishingPasswordPending { name: String },
    /// A restore into an affinity group deleted since.
    AffinityGroupGone { name: String },
    /// The subscription (or the platform catalogue) has an OS image of that name.
    OsImageExists { name: String },
    /// The subscription has a disk of that name.
    DiskExists { name: String },
    /// Another disk of the subscription is made from that blob.
    DiskMediaInUse { disk: String },
    /// The subscription has a reserved IP of that name.
    ReservedIpExists { name: String },
    /// The reserved IP serves a deployment.
    ReservedIpInUse { name: String, deployment: String },
    /// Another reserved IP serves that virtual IP of the deployment.
    DeploymentHasReservedIp { other: String },
    /// An account of that username exists.
    AccountExists { username: String },
    /// A subscription of that id exists.
    SubscriptionExists { id: String },
    /// The account is already a co-administrator or the service administrator.
    AlreadyAdministrator { username: String },
    /// Another operation runs on the deployment (or the role), or changed it meanwhile.
    DeploymentExclusive { deployment: String },
    /// The deployment has a role of that name.
    RoleExists { name: String },
    /// Another endpoint (not of the same load-balanced set) has that public port.
    PortTaken { port: u32 },
    /// The role has a data disk at that LUN.
    LunTaken { lun: u32, role: String },
    /// The disk is attached to a virtual machine.
    DiskInUse { disk: String },
    /// The operation needs the virtual machine stopped.
    VmRunning { role: String },
}

impl fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConflictReason::CertificateAlreadyLinked { thumbprint, chosen } => write!(
                f,
                "The certificate {thumbprint} is already a management certificate of {}.",
                if *chosen > 1 {
                    "one of the chosen subscriptions"
                } else {
                    "this subscription"
                }
            ),
            ConflictReason::AffinityGroupExists { name } => write!(
                f,
                "An affinity group named '{name}' already exists in this subscription."
            ),
            ConflictReason::AffinityGroupInUse { name } => write!(
                f,
                "The affinity group '{name}' is in use by storage accounts or cloud services of this subscription; delete or move them first."
            ),
            ConflictReason::FirewallRuleExists { rule, server } => write!(
                f,
                "The firewall rule '{rule}' already exists on server '{server}'."
            ),
            ConflictReason::SqlDatabaseExists { name, server } => write!(
                f,
                "The database '{name}' already exists on server '{server}'."
            ),
            ConflictReason::DnsNameTaken => f.write_str("The specified DNS name is already taken."),
            ConflictReason::ServiceHasDeployments => f.write_str(
                "The hosted service still has deployments: delete them first (or delete with comp=media).",
            ),
            ConflictReason::SlotTaken { slot } => write!(
                f,
                "The {slot} slot of this hosted service already has a deployment."
            ),
            ConflictReason::DeploymentExists { name } => write!(
                f,
                "This hosted service already has a deployment named {name}."
            ),
            ConflictReason::DeploymentBusy { status } => write!(
                f,
                "The deployment is {status}: retry when the operation on it has finished."
            ),
            ConflictReason::DiskExists { name } => {
                write!(f, "A disk named '{name}' already exists.")
            }
            ConflictReason::DiskMediaInUse { disk } => write!(
                f,
                "The disk '{disk}' is already made from this blob (MediaLink): one disk per blob."
            ),
            ConflictReason::OsImageExists { name } => {
                write!(f, "An image named '{name}' already exists.")
            }
            ConflictReason::AffinityGroupGone { name } => write!(
                f,
                "It was in the affinity group '{name}', which no longer exists: create the affinity group again, then restore."
            ),
            ConflictReason::ReservedIpExists { name } => write!(
                f,
                "A reserved IP named '{name}' already exists in this subscription."
            ),
            ConflictReason::ReservedIpInUse { name, deployment } => write!(
                f,
                "The reserved IP '{name}' is in use by the deployment '{deployment}': disassociate it first."
            ),
            ConflictReason::DeploymentHasReservedIp { other } => write!(
                f,
                "The deployment already uses the reserved IP '{other}' for that virtual IP: disassociate it first."
            ),
            ConflictReason::AccountExists { username } => {
                write!(f, "An account named {username} already exists.")
            }
            ConflictReason::SubscriptionExists { id } => {
                write!(f, "A subscription with id {id} already exists.")
            }
            ConflictReason::AlreadyAdministrator { username } => write!(
                f,
                "{username} is already a co-administrator or the service administrator of this subscription."
            ),
            ConflictReason::WebSiteExists { name } => {
                write!(f, "Website with given name {name} already exists.")
            }
            ConflictReason::WebSitePublishingPasswordPending { name } => write!(
                f,
                "The web site {name} has no publishing credentials yet: they are made by its next change (update the site or its configuration)."
            ),
            ConflictReason::NothingToRollBack => f.write_str(
                "There is no update or upgrade in progress on this deployment to roll back.",
            ),
            ConflictReason::NoUpgradeToWalk => f.write_str(
                "There is no upgrade in progress on this deployment to walk (only an upgrade or configuration change in Mode Manual walks its upgrade domains).",
            ),
            ConflictReason::UpgradeInProgress => f.write_str(
                "An upgrade is in progress on this deployment: walk its remaining upgrade domains or roll it back first.",
            ),
            ConflictReason::DeploymentExclusive { deployment } => write!(
                f,
                "Windows Azure is currently performing an operation on deployment '{deployment}' that requires exclusive access. Retry when it has finished."
            ),
            ConflictReason::RoleExists { name } => {
                write!(f, "The deployment already has a role named {name}.")
            }
            ConflictReason::PortTaken { port } => write!(
                f,
                "The public port {port} is already used by another endpoint of the deployment (only endpoints of one load-balanced set share a port)."
            ),
            ConflictReason::LunTaken { lun, role } => {
                write!(f, "Role {role} already has a data disk at LUN {lun}.")
            }
            ConflictReason::DiskInUse { disk } => write!(
                f,
                "A disk with name {disk} is currently in use by a virtual machine."
            ),
            ConflictReason::VmRunning { role } => write!(
                f,
                "The virtual machine {role} must be stopped (shut down) for this operation."
            ),
            ConflictReason::StorageAccountNameTaken { name } => write!(
                f,
                "A storage account named '{name}' already exists (storage account names are unique across all subscriptions)."
            ),
        }
    }
}

/// What a domain operation can answer besides success. Internal failures are logged
/// where they happen (with the request's span) and carry no detail for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The thing does not exist; `name` as the caller gave it, where the answer names it.
    #[error("{}", kind.not_found_message(name.as_deref()))]
    NotFound {
        kind: ResourceKind,
        name: Option<String>,
    },
    #[error("{0}")]
    Conflict(ConflictReason),
    /// A limit is reached; `subscription` names the subscription when the change named
    /// several.
    #[error("limit exceeded: at most {max} {limit}")]
    Limit {
        limit: Limit,
        max: u32,
        subscription: Option<String>,
    },
    /// A field of the request that the rules refuse.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The database cannot be reached; retrying later may help.
    #[error("the service is unavailable")]
    Unavailable,
    /// Every slot for this kind of work is taken; retry after `retry_after` seconds.
    #[error("the server is busy: retry in {retry_after} seconds")]
    Busy { retry_after: u64 },
    /// Logged where it happened.
    #[error("internal error")]
    Internal,
}

/// Runs `work` on the blocking pool in one of `slots` (none free: [`DomainError::Busy`]
/// with `retry_after` at once); without slots (no server in this process), on the
/// blocking pool unbounded.
pub async fn on_blocking_pool<T: Send + 'static>(
    slots: Option<&Arc<Semaphore>>,
    retry_after: u64,
    what: &'static str,
    work: impl FnOnce() -> Result<T, DomainError> + Send + 'static,
) -> Result<T, DomainError> {
    let permit = match slots {
        Some(s) => Some(Arc::clone(s).try_acquire_owned().map_err(|_| {
            tracing::warn!(work = what, "every slot is taken: the request is refused");
            DomainError::Busy { retry_after }
        })?),
        None => None,
    };
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, work = what, "a blocking task failed");
        DomainError::Internal
    })?
}

impl DomainError {
    /// Not found, without naming it.
    pub fn not_found(kind: ResourceKind) -> Self {
        DomainError::NotFound { kind, name: None }
    }

    /// Not found, naming it.
    pub fn not_found_named(kind: ResourceKind, name: &str) -> Self {
        DomainError::NotFound {
            kind,
            name: Some(name.to_string()),
        }
    }

    /// A database error that is not one of the expected answers of the operation: logged
    /// here, then `Unavailable` or `Internal`.
    pub(crate) fn from_db(e: azmc_db::DbError) -> Self {
        match e {
            azmc_db::DbError::LimitExceeded { limit, max } => DomainError::Limit {
                limit,
                max,
                subscription: None,
            },
            azmc_db::DbError::Unavailable { .. } | azmc_db::DbError::Interrupted(_) => {
                tracing::error!(error = %e, "database unavailable");
                DomainError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "database failure");
                DomainError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::JobKind;

    /// Queued jobs outlive upgrades: the kinds keep their stored names, and the payloads
    /// read what earlier versions wrote (and write the same fields).
    #[test]
    fn guids_are_random_version_4_in_lower_case() {
        let a = new_guid("a test").unwrap();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_eq!(a, a.to_lowercase());
        assert_ne!(a, new_guid("a test").unwrap());
    }

    #[test]
    fn job_payloads_read_what_earlier_versions_queued() {
        let status = r#"{"subscription":"s","service":"svc","name":"d","status":"Running"}"#;
        let c: deployments::CreateDeployment = serde_json::from_str(status).unwrap();
        assert_eq!(
            (c.0.deployment.name.as_str(), c.0.status.as_str()),
            ("d", "Running")
        );
        let back: serde_json::Value = serde_json::to_value(&c).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(status).unwrap()
        );
        let change = r#"{"subscription":"s","service":"svc","name":"d","what":"config"}"#;
        let r: deployments::ReportChange = serde_json::from_str(change).unwrap();
        assert_eq!(
            (r.deployment.service.as_str(), r.what.as_str()),
            ("svc", "config")
        );
        let cert = r#"{"subscription":"s","service":"svc","thumbprint":"BEA4B74BD6B915E9DD6A01FB1B8C3C1740F517F2"}"#;
        let a: cloud_services::AddCertificate = serde_json::from_str(cert).unwrap();
        assert_eq!(
            a.0.thumbprint.to_string(),
            "BEA4B74BD6B915E9DD6A01FB1B8C3C1740F517F2"
        );
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::from_str::<serde_json::Value>(cert).unwrap()
        );
        let sa: storage_accounts::CreateAccount =
            serde_json::from_str(r#"{"subscription":"s","name":"acct"}"#).unwrap();
        assert_eq!(sa.name, "acct");
        let m: cloud_services::DeleteMedia =
            serde_json::from_str(r#"{"subscription":"s","service":"svc"}"#).unwrap();
        assert_eq!(m.service, "svc");
        assert!(serde_json::from_str::<deployments::Swap>(r#"{"subscription":"s"}"#).is_err());
        assert_eq!(
            [
                cloud_services::DeleteMedia::KIND,
                cloud_services::AddCertificate::KIND,
                cloud_services::DeleteCertificate::KIND,
                deployments::CreateDeployment::KIND,
                deployments::UpdateStatus::KIND,
                deployments::DeleteDeployment::KIND,
                deployments::Swap::KIND,
                deployments::ReportChange::KIND,
                storage_accounts::CreateAccount::KIND,
                reserved_ips::CreateReservedIp::KIND,
                reserved_ips::ReservedIpChanged::KIND,
            ],
            [
                "DeleteHostedServiceMedia",
                "AddServiceCertificate",
                "DeleteServiceCertificate",
                "CreateDeployment",
                "UpdateDeploymentStatus",
                "DeleteDeployment",
                "SwapDeployment",
                "DeploymentChange",
                "CreateStorageService",
                "CreateReservedIP",
                "ReservedIPChange",
            ]
        );
        // The completions of IaaS changes stored with their requests.
        let n: networks::SetConfiguration =
            serde_json::from_str(r#"{"subscription":"s"}"#).unwrap();
        assert_eq!(n.subscription, "s");
        let v: images::CompleteVmImageOperation =
            serde_json::from_str(r#"{"subscription":"s","image":"i"}"#).unwrap();
        assert_eq!(v.image, "i");
        let d: disks::CompleteDiskOperation =
            serde_json::from_str(r#"{"subscription":"s","disk":"d"}"#).unwrap();
        assert_eq!(d.disk, "d");
        for (kind, want) in [
            (networks::SetConfiguration::KIND, "SetNetworkConfiguration"),
            (images::CompleteVmImageOperation::KIND, "VMImageOperation"),
            (disks::CompleteDiskOperation::KIND, "DiskOperation"),
        ] {
            assert_eq!(kind, want);
        }
    }
}
