//! The domain types the verbs of [`crate::Db`] take and return. Plain data: no I/O.

use std::fmt;
use std::str::FromStr;

use azmc_pki::Thumbprint;
use time::OffsetDateTime;

/// A string that is not one of an enumeration's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
}

/// A person who may sign in to the portal; a subscription's service administrator or
/// co-administrator.
#[derive(Clone, PartialEq)]
pub struct Account {
    /// Unique, compared case-insensitively, stored as given.
    pub username: String,
    pub email: Option<String>,
    /// Argon2 PHC string. Redacted in `Debug`.
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// An enumeration stored and sent as its exact-case name: `as_str`, `Display`, and
/// `FromStr` (exact case; anything else is a [`ParseEnumError`] naming `$what`).
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The wire and storage name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $(stringify!($variant) => Ok($name::$variant),)+
                    _ => Err(ParseEnumError {
                        what: $what,
                        value: s.to_owned(),
                    }),
                }
            }
        }
    };
}

named_enum!(
    /// `SubscriptionStatus` of Get Subscription.
    SubscriptionStatus, "subscription status", { Active, Disabled }
);

named_enum!(
    /// The `Status` of a deployment.
    DeploymentStatus, "deployment status", {
        /// Created, its first start or suspend not yet done (a job finishes it).
        Deploying,
        Running,
        Suspended,
        /// On its way to Running (Update Deployment Status accepted).
        RunningTransitioning,
        /// On its way to Suspended.
        SuspendedTransitioning,
        /// Being deleted (a job finishes it).
        Deleting,
    }
);

impl DeploymentStatus {
    /// The transition on the way to `self` (Running or Suspended).
    pub fn transitioning(self) -> DeploymentStatus {
        match self {
            DeploymentStatus::Suspended | DeploymentStatus::SuspendedTransitioning => {
                DeploymentStatus::SuspendedTransitioning
            }
            _ => DeploymentStatus::RunningTransitioning,
        }
    }
}

named_enum!(
    /// The `Status` of a cloud (hosted) service.
    HostedServiceStatus, "hosted service status", {
        Created,
        /// Deleted with its media (a job finishes it).
        Deleting,
    }
);

named_enum!(
    /// The `Status` of a storage account.
    StorageAccountStatus, "storage account status", {
        /// Accepted, not yet created (a job finishes it).
        Creating,
        Created,
    }
);

named_enum!(
    /// The `State` of a reserved IP.
    ReservedIpStatus, "reserved ip status", {
        /// Accepted, not yet created (a job finishes it).
        Creating,
        Created,
    }
);

/// The `Max*` values of Get Subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    pub max_core_count: i64,
    pub max_storage_accounts: i64,
    pub max_hosted_services: i64,
    pub max_virtual_network_sites: i64,
    pub max_local_network_sites: i64,
    pub max_dns_servers: i64,
    pub max_reserved_ips: i64,
}

impl Default for Quotas {
    /// The values the live service showed for a pay-as-you-go subscription.
    fn default() -> Self {
        Quotas {
            max_core_count: 20,
            max_storage_accounts: 100,
            max_hosted_services: 20,
            max_virtual_network_sites: 50,
            max_local_network_sites: 20,
            max_dns_servers: 20,
            max_reserved_ips: 20,
        }
    }
}

/// The `Current*` values of Get Subscription.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    pub hosted_services: i64,
    pub storage_accounts: i64,
    pub cores: i64,
    pub virtual_network_sites: i64,
    pub local_network_sites: i64,
    pub dns_servers: i64,
    pub reserved_ips: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// Lower-case GUID text; compared case-insensitively.
    pub id: String,
    pub name: String,
    pub status: SubscriptionStatus,
    /// The service administrator's account username, as stored.
    pub service_admin: String,
    pub quotas: Quotas,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSubscription<'a> {
    /// A GUID (8-4-4-4-12 hex digits, any case; stored in lower case).
    pub id: &'a str,
    pub name: &'a str,
    /// Username of an existing account.
    pub service_admin: &'a str,
}

/// A user's role on a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    ServiceAdministrator,
    CoAdministrator,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::ServiceAdministrator => "ServiceAdministrator",
            Role::CoAdministrator => "CoAdministrator",
        })
    }
}

/// A management certificate as stored: one row, shared by all subscriptions it is
/// linked to.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateRecord {
    /// SHA-1 of `der` (stored as 40 upper-case hex digits).
    pub thumbprint: Thumbprint,
    pub der: Vec<u8>,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// A certificate linked to a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedCertificate {
    pub certificate: CertificateRecord,
    pub subscription_id: String,
    pub created_at: OffsetDateTime,
    /// `cert:<thumbprint>`, `user:<name>` or `bootstrap`.
    pub created_by: String,
    /// When the link was disabled ([`crate::Db::set_link_disabled`]); `None` while enabled.
    pub disabled_at: Option<OffsetDateTime>,
}

/// One (subscription, certificate) link with the certificate's validity window: what
/// the server's in-memory authorisation index is built from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    pub subscription_id: String,
    pub thumbprint: Thumbprint,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The stored certificate (DER): a presented certificate must be this one, not just
    /// share its SHA-1 thumbprint.
    pub der: Vec<u8>,
}

/// Limits enforced by [`crate::Db::link_certificate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_subscription: u32,
    pub per_service_admin: u32,
}

impl Default for Limits {
    /// 100 and 100, as the current Azure documentation states.
    fn default() -> Self {
        Limits {
            per_subscription: 100,
            per_service_admin: 100,
        }
    }
}

/// `Status` of an operation: the wire's own type (one definition for storage and XML).
pub use azmc_wire::asm::OperationStatus;

/// Who started an operation (`OperationCaller`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    /// The management certificate's thumbprint, when authenticated by certificate.
    pub thumbprint: Option<Thumbprint>,
    /// The portal user, when signed in.
    pub user: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOperation {
    /// 32 hex digits (hyphenated 8-4-4-4-12 also accepted; stored as 32 lower-case hex).
    pub id: String,
    pub subscription_id: String,
    /// e.g. `AddSubscriptionCertificate`.
    pub name: String,
    /// e.g. `/{s}/certificates/{thumbprint}`.
    pub object_id: String,
    pub parameters: Vec<(String, String)>,
    pub caller: Caller,
    pub started_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// 32 lower-case hex digits.
    pub id: String,
    pub subscription_id: String,
    pub name: String,
    pub object_id: String,
    pub parameters: Vec<(String, String)>,
    pub caller: Caller,
    pub status: OperationStatus,
    pub http_status: Option<u16>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub started_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationOutcome {
    /// `Succeeded` or `Failed` (`InProgress` is refused with [`crate::DbError::Invalid`]).
    pub status: OperationStatus,
    pub http_status: u16,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl OperationOutcome {
    /// `Succeeded` with the given HTTP status.
    pub fn succeeded(http_status: u16) -> Self {
        OperationOutcome {
            status: OperationStatus::Succeeded,
            http_status,
            error_code: None,
            error_message: None,
        }
    }

    /// `Failed` with an HTTP status and an ASM error code and message.
    pub fn failed(http_status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        OperationOutcome {
            status: OperationStatus::Failed,
            http_status,
            error_code: Some(code.into()),
            error_message: Some(message.into()),
        }
    }
}

/// A query of List Subscription Operations.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationFilter {
    /// Operations started at or after this instant...
    pub start: OffsetDateTime,
    /// ...and at or before this one (both inclusive).
    pub end: OffsetDateTime,
    /// Exact match on the object id, case-insensitive.
    pub object_id: Option<String>,
    pub status: Option<OperationStatus>,
    /// The token of the previous page ([`OperationPage::continuation`]), or `None` for the
    /// first page.
    pub continuation: Option<String>,
    /// Operations per page: 0 means 100; more than 1000 means 1000.
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OperationPage {
    /// Ordered by `started_at`, then `id`.
    pub operations: Vec<Operation>,
    /// `Some` when more operations match: pass it back as [`OperationFilter::continuation`].
    pub continuation: Option<String>,
}

/// Work for an asynchronous operation, handed to [`crate::Db::start_async_operation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Must name the operation started with it.
    pub operation_id: String,
    pub subscription_id: String,
    /// What the worker must do, e.g. `CreateStorageService`.
    pub kind: String,
    /// JSON text the worker interprets.
    pub payload: String,
    /// Not claimable before this instant.
    pub run_after: OffsetDateTime,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub operation_id: String,
    pub subscription_id: String,
    pub kind: String,
    pub payload: String,
    /// How many times the job has been claimed, this claim included.
    pub attempts: u32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<OffsetDateTime>,
}

#[cfg(test)]
mod named_enum_tests {
    use super::*;

    #[test]
    fn statuses_read_their_exact_names_only() {
        for s in [
            DeploymentStatus::Deploying,
            DeploymentStatus::Running,
            DeploymentStatus::Suspended,
            DeploymentStatus::RunningTransitioning,
            DeploymentStatus::SuspendedTransitioning,
            DeploymentStatus::Deleting,
        ] {
            assert_eq!(s.as_str().parse::<DeploymentStatus>(), Ok(s));
        }
        assert_eq!(
            "Created".parse::<HostedServiceStatus>(),
            Ok(HostedServiceStatus::Created)
        );
        assert_eq!(StorageAccountStatus::Creating.to_string(), "Creating");
        let e = "running".parse::<DeploymentStatus>().unwrap_err();
        assert_eq!(e.to_string(), "unknown deployment status \"running\"");
        assert!("Active ".parse::<SubscriptionStatus>().is_err());
        assert_eq!(
            DeploymentStatus::Suspended.transitioning(),
            DeploymentStatus::SuspendedTransitioning
        );
        assert_eq!(
            DeploymentStatus::Running.transitioning(),
            DeploymentStatus::RunningTransitioning
        );
    }
}
