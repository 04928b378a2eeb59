//! The domain layer: the rules of each resource family, in one place, between the front
//! doors (`api/`, `portal/`, `admin.rs`, `bootstrap.rs`) and `azmc-db`.
//!
//! A domain operation takes one [`Ctx`] (database, authorisation index, limits, the time)
//! and the [`Actor`] it acts for, enforces the rules (limits, all-or-nothing links, the
//! authorisation-index reload that makes a change visible to the very next request), and
//! answers a typed [`DomainError`]. Each front door maps that error once:
//! `ApiError::from` (`error.rs`), `PortalError::from` (`portal/error.rs`) and
//! `ServerError::from` (`error.rs`, for `azmc admin` and bootstrap).
//!
//! Moved here so far: management-certificate links ([`certificates`]), affinity groups
//! ([`affinity_groups`]), SQL servers and firewall rules ([`sql_servers`]) and the sealing
//! of kept private keys ([`sealing`]). The other resource families still call `azmc-db` from
//! their handlers.

pub mod affinity_groups;
pub mod certificates;
pub mod sealing;
pub mod sql_servers;

use crate::auth::AuthIndex;
use crate::state::AppState;
use azmc_db::{Db, Limit, Limits};
use azmc_pki::Thumbprint;
use std::fmt;
use time::OffsetDateTime;

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
    pub now: OffsetDateTime,
}

impl<'a> Ctx<'a> {
    /// The context of a request to a running server.
    pub fn of(state: &'a AppState) -> Self {
        Ctx {
            db: &state.db,
            index: Some(&state.auth),
            limits: Limits {
                per_subscription: state.config.cert_limit_per_subscription,
                per_service_admin: state.config.cert_limit_per_service_admin,
            },
            now: state.clock.now(),
        }
    }

    /// A context with no running server in this process.
    pub fn offline(db: &'a Db, limits: Limits, now: OffsetDateTime) -> Self {
        Ctx {
            db,
            index: None,
            limits,
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
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Subscription => "subscription",
            ResourceKind::Certificate => "certificate",
            ResourceKind::AffinityGroup => "affinity group",
            ResourceKind::SqlServer => "SQL server",
            ResourceKind::FirewallRule => "firewall rule",
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
        }
    }
}

/// What a domain operation can answer besides success. Internal failures are logged
/// where they happen (with the request's span) and carry no detail for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The thing does not exist; `name` as the caller gave it, where the answer names it.
    #[error("the {kind} does not exist")]
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
    /// Logged where it happened.
    #[error("internal error")]
    Internal,
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
            azmc_db::DbError::Unavailable { .. } => {
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
