//! The operation log: what every change through the API or the portal records (its ASM
//! name, the object, the parameters, who and from where), read back by Get Operation
//! Status, List Subscription Operations and the portal's log. The API records through the
//! layer `ops::record`, the portal through `portal::oplog`; asynchronous operations are
//! completed by their job (`jobs.rs`).

use super::{Actor, Ctx, DomainError, ResourceKind};
use azmc_db::{
    Caller, DbError, NewOperation, Operation, OperationFilter, OperationOutcome, OperationPage,
    OperationSearch,
};
use std::net::IpAddr;

impl Actor {
    /// The caller recorded with an operation (`azmc admin` and bootstrap record none).
    pub fn caller(&self, client_ip: Option<IpAddr>) -> Caller {
        let (thumbprint, user) = match self {
            Actor::Certificate(t) => (Some(*t), None),
            Actor::User(name) => (None, Some(name.clone())),
            Actor::Admin | Actor::Bootstrap => (None, None),
        };
        Caller {
            thumbprint,
            user,
            client_ip: client_ip.map(|ip| ip.to_string()),
        }
    }
}

/// What a change records when it starts.
#[derive(Debug, Clone)]
pub struct Started<'a> {
    /// The operation id: the API request's id, or a fresh one for the portal.
    pub id: &'a str,
    pub subscription: &'a str,
    /// The ASM operation name (`CreateStorageService`, ...).
    pub name: String,
    /// The path of the object changed.
    pub object_id: String,
    pub parameters: Vec<(String, String)>,
    pub actor: &'a Actor,
    pub client_ip: Option<IpAddr>,
}

/// The longest object id kept (longer ones end in `…`).
pub const MAX_OBJECT_ID: usize = 1024;
/// The most parameters kept, and the longest name and value of each.
pub const MAX_PARAMETERS: usize = 16;
pub const MAX_PARAMETER: usize = 256;

/// `s` cut to at most `max` bytes on a character boundary, marked with `…` when cut.
fn bounded(mut s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push('…');
    s
}

/// Records the start of an operation (InProgress). The object id and parameters are kept
/// bounded ([`MAX_OBJECT_ID`], [`MAX_PARAMETERS`] of at most [`MAX_PARAMETER`] bytes):
/// whatever a request names, its record stays small.
pub async fn begin(ctx: &Ctx<'_>, op: Started<'_>) -> Result<(), DomainError> {
    let parameters = op
        .parameters
        .into_iter()
        .take(MAX_PARAMETERS)
        .map(|(k, v)| (bounded(k, MAX_PARAMETER), bounded(v, MAX_PARAMETER)))
        .collect();
    let new = NewOperation {
        id: op.id.to_string(),
        subscription_id: op.subscription.to_string(),
        name: bounded(op.name, MAX_PARAMETER),
        object_id: bounded(op.object_id, MAX_OBJECT_ID),
        parameters,
        caller: op.actor.caller(op.client_ip),
        started_at: ctx.now,
    };
    ctx.db.insert_operation(&new).await.map_err(|e| {
        tracing::error!(error = %e, "cannot record the operation");
        match e {
            azmc_db::DbError::Unavailable { .. } | azmc_db::DbError::Interrupted(_) => {
                DomainError::Unavailable
            }
            _ => DomainError::Internal,
        }
    })
}

/// Completes the operation `id`. A failure is logged, not returned: the change itself is
/// done, and the sweeper marks an operation left InProgress.
pub async fn finish(ctx: &Ctx<'_>, id: &str, outcome: &OperationOutcome) {
    if let Err(e) = ctx.db.complete_operation(id, outcome, ctx.now).await {
        tracing::error!(error = %e, "cannot complete the operation record");
    }
}

/// Names the object operation `id` made (see [`crate::ops::CreatedObject`]), bounded like
/// the object id [`begin`] records. A failure is logged, not returned: the change is done.
pub async fn name_object(ctx: &Ctx<'_>, id: &str, object_id: &str) {
    let object_id = bounded(object_id.to_string(), MAX_OBJECT_ID);
    if let Err(e) = ctx.db.set_operation_object(id, &object_id).await {
        tracing::error!(error = %e, "cannot name the operation's object");
    }
}

/// The operation `id` (32 hex digits, already normalised) of `subscription`.
pub async fn get(ctx: &Ctx<'_>, subscription: &str, id: &str) -> Result<Operation, DomainError> {
    ctx.db
        .get_operation(subscription, id)
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Operation),
            other => DomainError::from_db(other),
        })
}

/// One page of the operations of `subscription`. A continuation token that is not one of
/// ours is refused.
pub async fn list(
    ctx: &Ctx<'_>,
    subscription: &str,
    filter: &OperationFilter,
) -> Result<OperationPage, DomainError> {
    ctx.db
        .list_operations(subscription, filter)
        .await
        .map_err(|e| match e {
            DbError::Invalid(message) => DomainError::Invalid {
                field: "ContinuationToken",
                message,
            },
            other => DomainError::from_db(other),
        })
}

/// The operations matching a portal search (several subscriptions), newest first.
pub async fn search(
    ctx: &Ctx<'_>,
    search: &OperationSearch,
) -> Result<Vec<Operation>, DomainError> {
    ctx.db
        .search_operations(search)
        .await
        .map_err(DomainError::from_db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_lengths_are_bounded() {
        assert_eq!(bounded("short".into(), 10), "short");
        let long = bounded("x".repeat(9000), MAX_OBJECT_ID);
        assert!(
            long.len() <= MAX_OBJECT_ID && long.ends_with('…'),
            "{}",
            long.len()
        );
        // never cut inside a character
        let wide = bounded("é".repeat(300), MAX_PARAMETER);
        assert!(wide.len() <= MAX_PARAMETER && wide.ends_with('…'));
    }

    #[test]
    fn callers_of_each_actor() {
        let t: azmc_pki::Thumbprint = "AB".repeat(20).parse().unwrap();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let c = Actor::Certificate(t).caller(Some(ip));
        assert_eq!(c.thumbprint, Some(t));
        assert_eq!((c.user, c.client_ip.as_deref()), (None, Some("192.0.2.7")));
        let u = Actor::User("ann".into()).caller(None);
        assert_eq!((u.thumbprint, u.user.as_deref()), (None, Some("ann")));
        assert_eq!(Actor::Admin.caller(None), Caller::default());
    }
}
