//! The operation log: every authorised mutating request becomes an operation (id = the
//! request id), InProgress while it runs, then Succeeded or Failed with the HTTP status and
//! the ASM error. A 202 answer leaves it InProgress: its job (see `jobs.rs`) finishes it.

use crate::domain::operations::{self, Started};
use crate::domain::{Actor, Ctx};
use crate::error::ErrorInfo;
use crate::identity::{Connection, RequestId};
use crate::router::AuthorizedSubscription;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use azmc_db::{OperationOutcome, OperationStatus};

/// The ASM name of the operations a route's method serves, declared beside the route in
/// `router.rs`: a name, refined by the request's `comp` (or `action`) query parameter where
/// one path serves several operations. Without a name (none given, or a `comp` the route
/// does not know) the operation is named after the method and route.
#[derive(Debug, Clone, Copy)]
pub struct OpName {
    name: Option<&'static str>,
    by_comp: &'static [(&'static str, &'static str)],
}

impl OpName {
    /// One operation.
    pub const fn new(name: &'static str) -> Self {
        OpName {
            name: Some(name),
            by_comp: &[],
        }
    }

    /// Operations told apart by `comp` (lower case) only.
    pub const fn by_comp(by_comp: &'static [(&'static str, &'static str)]) -> Self {
        OpName {
            name: None,
            by_comp,
        }
    }

    /// This name, and others for these values of `comp` (lower case).
    pub const fn or_by_comp(self, by_comp: &'static [(&'static str, &'static str)]) -> Self {
        OpName { by_comp, ..self }
    }

    /// The name of a request to `method route?query`.
    pub fn resolve(&self, method: &Method, route: &str, query: Option<&str>) -> String {
        let comp = crate::api::query_params(query)
            .into_iter()
            .find(|(k, _)| k == "comp" || k == "action")
            .map(|(_, v)| v.to_ascii_lowercase());
        comp.and_then(|c| self.by_comp.iter().find(|(k, _)| *k == c).map(|(_, n)| *n))
            .or(self.name)
            .map_or_else(|| format!("{method} {route}"), str::to_string)
    }
}

/// Put by a create's handler into its answer: the path of the object it made
/// (`/{s}/services/storageservices/{name}`), which the operation log names as the
/// operation's `OperationObjectId`, as ASM did, rather than the collection the request
/// was sent to.
#[derive(Debug, Clone)]
pub struct CreatedObject(pub String);

impl CreatedObject {
    /// `resp`, naming `path` as the object it created.
    pub fn on(path: String, mut resp: Response) -> Response {
        resp.extensions_mut().insert(CreatedObject(path));
        resp
    }
}

/// The HTTP status an operation's record gives for an answer of `status`: real Azure
/// reported 200 for every create it had answered 201 (hosted services, affinity groups,
/// SQL servers, firewall rules in the 2015 recordings).
fn recorded_status(status: StatusCode) -> u16 {
    if status == StatusCode::CREATED {
        StatusCode::OK.as_u16()
    } else {
        status.as_u16()
    }
}

/// Parameters worth keeping: the route's path parameters (not the subscription).
fn parameters(route: &str, path: &str) -> Vec<(String, String)> {
    route
        .split('/')
        .zip(path.split('/'))
        .filter(|(r, _)| r.starts_with('{') && *r != "{s}")
        .map(|(r, v)| (r.trim_matches(['{', '}']).to_string(), v.to_string()))
        .collect()
}

/// The layer of each mutating route (see `router.rs`): records the operation, runs the
/// handler, completes the operation with the answer (a 202 is left to its job).
pub async fn record(
    State((state, op_name)): State<(AppState, OpName)>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let Some(id) = req.extensions().get::<RequestId>().cloned() else {
        return next.run(req).await;
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let path = req.uri().path().to_string();
    let Some(AuthorizedSubscription(subscription)) =
        req.extensions().get::<AuthorizedSubscription>().cloned()
    else {
        tracing::error!("an operation without an authorised subscription");
        return crate::error::ApiError::internal().into_response();
    };
    let conn = req.extensions().get::<Connection>();
    let actor = match conn.and_then(|c| c.identity.as_ref()) {
        Some(i) => Actor::Certificate(i.thumbprint),
        None => {
            tracing::error!("an operation without a caller certificate");
            return crate::error::ApiError::internal().into_response();
        }
    };
    let ctx = Ctx::of(&state);
    let started = Started {
        id: &id.0,
        subscription: &subscription,
        name: op_name.resolve(req.method(), &route, req.uri().query()),
        parameters: parameters(&route, &path),
        object_id: path,
        actor: &actor,
        client_ip: conn.map(|c| c.peer.ip()),
    };
    if let Err(e) = operations::begin(&ctx, started).await {
        return crate::error::ApiError::from(e).into_response();
    }
    let resp = next.run(req).await;
    let status = resp.status();
    if let Some(CreatedObject(object)) = resp.extensions().get::<CreatedObject>() {
        operations::name_object(&Ctx::of(&state), &id.0, object).await;
    }
    if status == StatusCode::ACCEPTED {
        // The job that completes it is committed: run it now rather than at the next poll.
        state.job_wake.notify_one();
        return resp;
    }
    let info = resp.extensions().get::<ErrorInfo>();
    let outcome = OperationOutcome {
        status: if status.is_success() {
            OperationStatus::Succeeded
        } else {
            OperationStatus::Failed
        },
        http_status: recorded_status(status),
        error_code: info.map(|i| i.code.clone()),
        error_message: info.map(|i| i.message.clone()),
    };
    operations::finish(&Ctx::of(&state), &id.0, &outcome).await;
    resp
}

/// A mutating method of a route, recorded in the operation log as `name`.
pub fn named(
    state: &AppState,
    name: OpName,
    method: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    method.layer(axum::middleware::from_fn_with_state(
        (state.clone(), name),
        record,
    ))
}

/// The methods of one route: `base` (its reads, or `MethodRouter::new()`) and its
/// mutating methods, each recorded in the operation log under its ASM name.
pub fn methods<const N: usize>(
    state: &AppState,
    base: MethodRouter<AppState>,
    changes: [(OpName, MethodRouter<AppState>); N],
) -> MethodRouter<AppState> {
    changes
        .into_iter()
        .fold(base, |r, (name, m)| r.merge(named(state, name, m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_comp_and_action() {
        let provider = OpName::new("RegisterResourceProvider")
            .or_by_comp(&[("unregister", "UnregisterResourceProvider")]);
        let route = "/{s}/services";
        assert_eq!(
            provider.resolve(&Method::PUT, route, Some("service=website&action=register")),
            "RegisterResourceProvider"
        );
        assert_eq!(
            provider.resolve(
                &Method::PUT,
                route,
                Some("service=website&action=Unregister")
            ),
            "UnregisterResourceProvider"
        );
        let slot = "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}";
        let slot_post = OpName::new("CreateDeployment").or_by_comp(&[
            ("status", "UpdateDeploymentStatus"),
            ("upgrade", "UpgradeDeployment"),
        ]);
        assert_eq!(
            slot_post.resolve(&Method::POST, slot, None),
            "CreateDeployment"
        );
        assert_eq!(
            slot_post.resolve(&Method::POST, slot, Some("comp=Status")),
            "UpdateDeploymentStatus"
        );
        assert_eq!(
            slot_post.resolve(&Method::POST, slot, Some("comp=upgrade")),
            "UpgradeDeployment"
        );
        assert_eq!(
            slot_post.resolve(&Method::POST, slot, Some("comp=unknown")),
            "CreateDeployment"
        );
        let only = OpName::by_comp(&[("reboot", "RebootRoleInstance")]);
        assert_eq!(
            only.resolve(&Method::POST, "/{s}/x", Some("comp=reboot")),
            "RebootRoleInstance"
        );
        assert_eq!(only.resolve(&Method::POST, "/{s}/x", None), "POST /{s}/x");
    }

    #[test]
    fn parameters_are_the_path_parameters() {
        assert_eq!(
            parameters("/{s}/certificates/{thumbprint}", "/abc/certificates/00ff"),
            vec![("thumbprint".to_string(), "00ff".to_string())]
        );
    }
}
