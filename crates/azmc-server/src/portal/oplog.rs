//! Portal actions in the operation log: one operation per subscription touched, started
//! before the change and completed after it, with the portal user and client address as
//! the caller (as `ops.rs` does for API requests), through `domain::operations`.

use super::session::SignedIn;
use super::{Portal, PortalError};
use crate::domain::operations::{self, Started};
use crate::domain::{Actor, Ctx};
use crate::identity::RequestId;
use azmc_db::OperationOutcome;

/// Record the start of an operation; returns its id.
pub async fn begin(
    portal: &Portal,
    user: &SignedIn,
    subscription_id: &str,
    name: &str,
    object_id: String,
    parameters: Vec<(String, String)>,
) -> Result<String, PortalError> {
    let id = RequestId::generate()
        .map_err(|e| PortalError::internal("no randomness", e))?
        .0;
    let actor = Actor::User(user.username.clone());
    let started = Started {
        id: &id,
        subscription: subscription_id,
        name: name.to_string(),
        object_id,
        parameters,
        actor: &actor,
        client_ip: user.ip,
    };
    operations::begin(&Ctx::of(&portal.app), started).await?;
    Ok(id)
}

/// Complete operations begun with [`begin`] with the result of the change.
pub async fn finish(portal: &Portal, ids: &[String], result: Result<(), &PortalError>) {
    let outcome = match result {
        Ok(()) => OperationOutcome::succeeded(200),
        Err(e) => {
            let (status, code) = match e {
                PortalError::BadRequest(_) => (400, "BadRequest"),
                PortalError::Conflict(_) => (409, "ConflictError"),
                PortalError::NotFound => (404, "ResourceNotFound"),
                PortalError::Forbidden(_) => (403, "ForbiddenError"),
                _ => (500, "InternalError"),
            };
            let message = match e {
                PortalError::Internal => "An internal error occurred.".to_string(),
                other => other.to_string(),
            };
            OperationOutcome::failed(status, code, message)
        }
    };
    let ctx = Ctx::of(&portal.app);
    for id in ids {
        operations::finish(&ctx, id, &outcome).await;
    }
}
