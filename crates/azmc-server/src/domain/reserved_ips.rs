//! Reserved IP addresses: the name rule, creation as an asynchronous operation (the
//! reserved IP exists at once as `Creating` with its address; the job [`CreateReservedIp`]
//! makes it `Created`), and association with a deployment of the subscription in the
//! same location. Delete, associate and disassociate change the database at once,
//! together with the job ([`ReservedIpChanged`]) that completes their operation. The wire
//! checks (required fields, label length, offered location) stay with the API door.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{DbError, NewReservedIp, ReservedIp, ReservedIpTarget};
use serde::{Deserialize, Serialize};

/// The longest name accepted.
pub const MAX_NAME: usize = 80;

/// 1–80 characters: letters, digits, `.`, `_`, `-`; starting with a letter or a digit.
pub fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The name rule, as a one-line error naming the field.
pub fn check_name(name: &str) -> Result<(), DomainError> {
    if valid_name(name) {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "Name",
        message: format!(
            "Name {name:?} is not a valid reserved IP name: use 1 to {MAX_NAME} letters, digits, periods, underscores and hyphens, starting with a letter or a digit."
        ),
    })
}

/// The answers of the database about associating the reserved IP `name` (for a virtual
/// machine deployment made with it).
pub(crate) fn association_error(name: &str, e: DbError) -> DomainError {
    db_error(e, name)
}

/// The answers of the database about the reserved IP `name`.
fn db_error(e: DbError, name: &str) -> DomainError {
    use azmc_db::ConflictReason as Stored;
    use azmc_db::ResourceKind as Kind;
    match e {
        DbError::NotFound {
            kind: Kind::ReservedIp,
            ..
        } => DomainError::not_found_named(ResourceKind::ReservedIp, name),
        DbError::NotFound {
            kind: Kind::HostedService,
            id,
        } => DomainError::Invalid {
            field: "ServiceName",
            message: format!("ServiceName '{id}' is not a cloud service of this subscription."),
        },
        DbError::NotFound {
            kind: Kind::Deployment,
            id,
        } => DomainError::Invalid {
            field: "DeploymentName",
            message: format!("DeploymentName '{id}' is not a deployment of that cloud service."),
        },
        DbError::Conflict {
            reason: Stored::LocationMismatch,
            id,
        } => DomainError::Invalid {
            field: "ServiceName",
            message: format!(
                "ServiceName names a cloud service in '{id}': the reserved IP '{name}' serves only deployments in its own location."
            ),
        },
        DbError::Conflict {
            reason: Stored::ReservedIpNotAssociated,
            ..
        } => DomainError::Invalid {
            field: "DeploymentName",
            message: format!(
                "DeploymentName does not name the deployment the reserved IP '{name}' is associated with."
            ),
        },
        DbError::Conflict {
            reason: Stored::ReservedIpInUse,
            id,
        } => DomainError::Conflict(ConflictReason::ReservedIpInUse {
            name: name.into(),
            deployment: id,
        }),
        DbError::Conflict {
            reason: Stored::DeploymentHasReservedIp,
            id,
        } => DomainError::Conflict(ConflictReason::DeploymentHasReservedIp { other: id }),
        DbError::Conflict {
            reason: Stored::Exists(Kind::ReservedIp),
            ..
        } => DomainError::Conflict(ConflictReason::ReservedIpExists { name: name.into() }),
        // The request's operation, or its job: the server's own records, not the client's.
        e @ (DbError::NotFound {
            kind: Kind::Operation,
            ..
        }
        | DbError::Conflict {
            reason: Stored::Exists(Kind::Job),
            ..
        }) => DomainError::from_db(e),
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        other => DomainError::from_db(other),
    }
}

/// What Create Reserved IP asks for, checked on the wire already (an offered location,
/// the label's length).
#[derive(Debug, Clone)]
pub struct NewIp<'a> {
    pub subscription: &'a str,
    pub name: &'a str,
    pub label: Option<&'a str>,
    pub location: &'a str,
    /// Associate at creation with this deployment.
    pub associate: Option<ReservedIpTarget<'a>>,
}

/// Creates the reserved IP `Creating` with the next free address and queues the
/// operation `op` that makes it `Created`, in one transaction.
pub async fn create(ctx: &Ctx<'_>, op: &RequestId, new: &NewIp<'_>) -> Result<(), DomainError> {
    check_name(new.name)?;
    let work = CreateReservedIp {
        subscription: new.subscription.to_string(),
        name: new.name.to_string(),
    };
    let job = jobs::new_job(ctx, op, new.subscription, &work)?;
    let id = super::new_guid("a reserved IP id")?;
    let stored = NewReservedIp {
        subscription_id: new.subscription,
        name: new.name,
        id: &id,
        label: new.label,
        location: new.location,
        associate: new.associate,
        job: Some(&job),
    };
    ctx.db
        .create_reserved_ip(&stored, ctx.now)
        .await
        .map_err(|e| db_error(e, new.name))?;
    Ok(())
}

/// The reserved IPs of `subscription`.
pub async fn list(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<ReservedIp>, DomainError> {
    ctx.db
        .list_reserved_ips(subscription)
        .await
        .map_err(|e| db_error(e, ""))
}

/// The reserved IP `name`.
pub async fn get(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<ReservedIp, DomainError> {
    ctx.db
        .get_reserved_ip(subscription, name)
        .await
        .map_err(|e| db_error(e, name))
}

/// Deletes the reserved IP `name` (refused while a deployment uses it), with the job that
/// completes the operation `op`.
pub async fn delete(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    name: &str,
) -> Result<(), DomainError> {
    let job = changed_job(ctx, op, subscription, name)?;
    ctx.db
        .delete_reserved_ip(subscription, name, Some(&job))
        .await
        .map_err(|e| db_error(e, name))
}

/// Associates the reserved IP `name` with a deployment of the subscription in its
/// location (refused while it serves another), with the job that completes `op`.
pub async fn associate(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    name: &str,
    target: &ReservedIpTarget<'_>,
) -> Result<(), DomainError> {
    let job = changed_job(ctx, op, subscription, name)?;
    ctx.db
        .associate_reserved_ip(subscription, name, target, Some(&job), ctx.now)
        .await
        .map(|_| ())
        .map_err(|e| db_error(e, name))
}

/// Ends the association of the reserved IP `name` with the deployment `target`, with the
/// job that completes `op`.
pub async fn disassociate(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    name: &str,
    target: &ReservedIpTarget<'_>,
) -> Result<(), DomainError> {
    let job = changed_job(ctx, op, subscription, name)?;
    ctx.db
        .disassociate_reserved_ip(subscription, name, target, Some(&job), ctx.now)
        .await
        .map(|_| ())
        .map_err(|e| db_error(e, name))
}

fn changed_job(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    name: &str,
) -> Result<azmc_db::NewJob, DomainError> {
    let work = ReservedIpChanged {
        subscription: subscription.to_string(),
        name: name.to_string(),
    };
    jobs::new_job(ctx, op, subscription, &work)
}

/// Create Reserved IP: after `async_delay`, mark the reserved IP `Created`. Idempotent;
/// a reserved IP deleted meanwhile fails the operation with 404.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateReservedIp {
    pub subscription: String,
    pub name: String,
}

impl JobKind for CreateReservedIp {
    const KIND: &'static str = "CreateReservedIP";
    async fn run(self, state: AppState) -> JobResult {
        let ctx = Ctx::of(&state);
        match ctx
            .db
            .mark_reserved_ip_created(&self.subscription, &self.name, ctx.now)
            .await
        {
            Ok(_) => JobResult::ok(),
            Err(e) => db_error(e, &self.name).into(),
        }
    }
}

/// Delete, associate or disassociate of a reserved IP: the change was made with the
/// request; after `async_delay` its operation succeeds.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReservedIpChanged {
    pub subscription: String,
    pub name: String,
}

impl JobKind for ReservedIpChanged {
    const KIND: &'static str = "ReservedIPChange";
    async fn run(self, _state: AppState) -> JobResult {
        JobResult::ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("ip49ef15b1") && valid_name("a") && valid_name("My_IP-1.x"));
        assert!(valid_name(&"a".repeat(80)) && !valid_name(&"a".repeat(81)));
        assert!(!valid_name("") && !valid_name("-ip") && !valid_name("ip 1"));
        assert!(!valid_name("ip/1") && !valid_name("ipé"));
        let e = check_name("a b").unwrap_err();
        assert!(e.to_string().starts_with("Name: Name \"a b\""), "{e}");
    }
}
