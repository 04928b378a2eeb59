//! The one route table of the management API, and the layers every request passes:
//! request id → authorisation → `x-ms-version` → throttling → (matched routes only) the
//! operation log. Paths arrive normalised by [`normalize_path`]: lower case, `//`
//! collapsed, no trailing `/` (ASM clients send all of these; names in ASM paths are
//! case-insensitive).

use crate::api;
use crate::error::ApiError;
use crate::identity::{Connection, RequestId};
use crate::ops::{self, OpName};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};

/// The comp values of a deployment (by slot or by name).
const DEPLOYMENT_COMPS: &[(&str, &str)] = &[
    ("status", "UpdateDeploymentStatus"),
    ("config", "ChangeDeploymentConfiguration"),
    ("upgrade", "UpgradeDeployment"),
    ("walkupgradedomain", "WalkUpgradeDomain"),
    ("rollback", "RollbackDeploymentUpdateOrUpgrade"),
];
const INSTANCE_COMPS: &[(&str, &str)] = &[
    ("reboot", "RebootRoleInstance"),
    ("reimage", "ReimageRoleInstance"),
    ("rebuild", "RebuildRoleInstance"),
];
const INSTANCES_COMPS: &[(&str, &str)] = &[("delete", "DeleteRoleInstances")];

/// The management API. Each mutating method is declared with the ASM name of its
/// operation (`ops::OpName`); the operation log records it under that name.
pub fn api_router(state: AppState) -> Router {
    let st = &state;
    Router::new()
        .route("/{s}", get(api::subscription::get))
        .route(
            "/{s}/certificates",
            get(api::certificates::list).merge(named(
                st,
                OpName::new("AddSubscriptionCertificate"),
                post(api::certificates::add),
            )),
        )
        .route(
            "/{s}/certificates/{thumbprint}",
            get(api::certificates::get).merge(named(
                st,
                OpName::new("RemoveSubscriptionCertificate"),
                delete(api::certificates::delete),
            )),
        )
        .route("/{s}/locations", get(api::locations::list))
        .route("/{s}/rolesizes", get(api::locations::role_sizes))
        .route(
            "/{s}/affinitygroups",
            get(api::affinity_groups::list).merge(named(
                st,
                OpName::new("CreateAffinityGroup"),
                post(api::affinity_groups::create),
            )),
        )
        .route(
            "/{s}/affinitygroups/{name}",
            get(api::affinity_groups::get)
                .merge(named(
                    st,
                    OpName::new("UpdateAffinityGroup"),
                    put(api::affinity_groups::update),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteAffinityGroup"),
                    delete(api::affinity_groups::delete),
                )),
        )
        .route(
            "/{s}/services/storageservices",
            get(api::storage_accounts::list).merge(named(
                st,
                OpName::new("CreateStorageService"),
                post(api::storage_accounts::create),
            )),
        )
        .route(
            "/{s}/services/storageservices/operations/isavailable/{name}",
            get(api::storage_accounts::name_available),
        )
        .route(
            "/{s}/services/storageservices/{name}",
            get(api::storage_accounts::get)
                .merge(named(
                    st,
                    OpName::new("UpdateStorageService"),
                    put(api::storage_accounts::update),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteStorageService"),
                    delete(api::storage_accounts::delete),
                )),
        )
        .route(
            "/{s}/services/storageservices/{name}/keys",
            get(api::storage_accounts::get_keys).merge(named(
                st,
                OpName::new("RegenerateStorageServiceKeys"),
                post(api::storage_accounts::regenerate_keys),
            )),
        )
        .route(
            "/{s}/services/hostedservices",
            get(api::hosted_services::list).merge(named(
                st,
                OpName::new("CreateHostedService"),
                post(api::hosted_services::create),
            )),
        )
        .route(
            "/{s}/services/hostedservices/operations/isavailable/{name}",
            get(api::hosted_services::name_available),
        )
        .route(
            "/{s}/services/hostedservices/{svc}",
            get(api::hosted_services::get)
                .merge(named(
                    st,
                    OpName::new("UpdateHostedService"),
                    put(api::hosted_services::update),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteHostedService"),
                    delete(api::hosted_services::delete),
                ))
                .merge(named(
                    st,
                    OpName::new("SwapDeployment"),
                    post(api::deployments::swap),
                )),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}",
            get(api::deployments::get_by_slot)
                .merge(named(
                    st,
                    OpName::new("CreateDeployment").or_by_comp(DEPLOYMENT_COMPS),
                    post(api::deployments::post_slot),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteDeployment"),
                    delete(api::deployments::delete_by_slot),
                )),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deployments/{name}",
            get(api::deployments::get_by_name)
                .merge(named(
                    st,
                    OpName::by_comp(DEPLOYMENT_COMPS),
                    post(api::deployments::post_name),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteDeployment"),
                    delete(api::deployments::delete_by_name),
                )),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances",
            named(
                st,
                OpName::by_comp(INSTANCES_COMPS),
                post(api::deployments::instances_by_name),
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances",
            named(
                st,
                OpName::by_comp(INSTANCES_COMPS),
                post(api::deployments::instances_by_slot),
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances/{instance}",
            named(
                st,
                OpName::by_comp(INSTANCE_COMPS),
                post(api::deployments::instance_by_name),
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances/{instance}",
            named(
                st,
                OpName::by_comp(INSTANCE_COMPS),
                post(api::deployments::instance_by_slot),
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/certificates",
            get(api::service_certificates::list).merge(named(
                st,
                OpName::new("AddCertificate"),
                post(api::service_certificates::add),
            )),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/certificates/{thumbprint}",
            get(api::service_certificates::get).merge(named(
                st,
                OpName::new("DeleteCertificate"),
                delete(api::service_certificates::delete),
            )),
        )
        .route(
            "/{s}/services",
            named(
                st,
                OpName::new("RegisterResourceProvider")
                    .or_by_comp(&[("unregister", "UnregisterResourceProvider")]),
                put(api::websites::provider),
            ),
        )
        .route(
            "/{s}/services/sqlservers/servers",
            get(api::sql_servers::list).merge(named(
                st,
                OpName::new("CreateServer"),
                post(api::sql_servers::create),
            )),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}",
            named(
                st,
                OpName::new("SetServerAdministratorPassword"),
                post(api::sql_servers::post_server),
            )
            .merge(named(
                st,
                OpName::new("DeleteServer"),
                delete(api::sql_servers::delete),
            )),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/firewallrules",
            get(api::sql_servers::list_rules).merge(named(
                st,
                OpName::new("CreateFirewallRule"),
                post(api::sql_servers::create_rule),
            )),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/firewallrules/{rule}",
            get(api::sql_servers::get_rule)
                .merge(named(
                    st,
                    OpName::new("UpdateFirewallRule"),
                    put(api::sql_servers::update_rule),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteFirewallRule"),
                    delete(api::sql_servers::delete_rule),
                )),
        )
        .route(
            "/{s}/services/webspaces",
            get(api::websites::list_webspaces),
        )
        .route(
            "/{s}/services/webspaces/{webspace}",
            get(api::websites::get_webspace),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites",
            get(api::websites::list_sites).merge(named(
                st,
                OpName::new("CreateSite"),
                post(api::websites::create_site),
            )),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}",
            get(api::websites::get_site)
                .merge(named(
                    st,
                    OpName::new("UpdateSite"),
                    put(api::websites::update_site),
                ))
                .merge(named(
                    st,
                    OpName::new("DeleteSite"),
                    delete(api::websites::delete_site),
                )),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}/restart",
            named(
                st,
                OpName::new("RestartSite"),
                post(api::websites::restart_site),
            ),
        )
        .route("/{s}/operations", get(api::operations::list))
        .route("/{s}/operations/{id}", get(api::operations::get))
        .fallback(not_found)
        .method_not_allowed_fallback(invalid_verb)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn_with_state(state.clone(), request_id))
        .with_state(state)
}

/// A mutating method of a route, recorded in the operation log as `name`.
fn named(state: &AppState, name: OpName, method: MethodRouter<AppState>) -> MethodRouter<AppState> {
    method.layer(middleware::from_fn_with_state(
        (state.clone(), name),
        ops::record,
    ))
}

async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource does not exist.")
}

async fn invalid_verb() -> ApiError {
    ApiError::invalid_verb()
}

/// Collapse `//`, drop a trailing `/`, lower-case. `/` stays `/`.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&seg.to_ascii_lowercase());
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Rewrite the request URI to its normalised path (query kept as sent).
pub fn normalize_request<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let uri = req.uri();
    let path = normalize_path(uri.path());
    if path != uri.path() {
        let pq = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(u) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = u;
            }
        }
    }
    req
}

/// Outermost layer: gives the request its id and puts `x-ms-request-id` on every answer.
async fn request_id(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = match RequestId::generate() {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a request id");
            return ApiError::internal().into_response();
        }
    };
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", id = %id.0, method = %req.method(), path = %req.uri().path());
    let mut resp = tracing::Instrument::instrument(next.run(req), span).await;
    if let Ok(v) = HeaderValue::from_str(&id.0) {
        resp.headers_mut().insert("x-ms-request-id", v);
    }
    state.metrics.response(resp.status().as_u16());
    resp
}

/// Authorisation, version header, throttling: in that order, so an unauthorised caller
/// learns nothing (not even whether its version header was right).
/// A request body must arrive within this time (a client trickling bytes cannot hold a
/// connection and a task forever).
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let subscription = match admit(&state, &parts) {
        Ok(s) => s,
        Err(e) => {
            // Let the client finish sending, so that it can read the answer.
            api::drain(body, api::DRAIN_LIMIT).await;
            return e.into_response();
        }
    };
    // Only the operation log of mutating requests reads it: reads (the hot path) skip the
    // allocation.
    if !matches!(parts.method, Method::GET | Method::HEAD) {
        parts.extensions.insert(subscription);
    }
    // Admitted: read the whole body now (bounded), so that no handler can answer while the
    // client is still sending.
    let read = api::read_body(&parts.headers, body, state.config.body_limit);
    let bytes = match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return e.into_response(),
        Err(_) => {
            return ApiError::bad_request(format!(
                "The request body was not received within {} seconds.",
                BODY_READ_TIMEOUT.as_secs()
            ))
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The subscription of the path, once the caller is authorised for it (set by the
/// authorisation layer for the layers and handlers after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedSubscription(pub String);

/// Authorisation, version header, throttling.
fn admit(
    state: &AppState,
    parts: &axum::http::request::Parts,
) -> Result<AuthorizedSubscription, ApiError> {
    let subscription = parts
        .uri
        .path()
        .split('/')
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let identity = parts
        .extensions
        .get::<Connection>()
        .and_then(|c| c.identity.clone());
    let denied = || {
        state
            .metrics
            .denied
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    if subscription.is_empty() {
        denied();
        return Err(ApiError::forbidden());
    }
    if let Err(d) = state
        .auth
        .authorize(identity.as_deref(), subscription, state.clock.now())
    {
        denied();
        return Err(ApiError::from(d));
    }
    if !valid_version(parts.headers.get("x-ms-version")) {
        return Err(ApiError::missing_version());
    }
    let write = !matches!(parts.method, Method::GET | Method::HEAD);
    if let Err(wait) = state.throttle.check(subscription, write) {
        state
            .metrics
            .throttled
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::throttled(wait));
    }
    Ok(AuthorizedSubscription(subscription.to_string()))
}

/// `YYYY-MM-DD` with a plausible date (the clients send 2012-03-01 … 2017-01-01).
pub fn valid_version(v: Option<&HeaderValue>) -> bool {
    let Some(s) = v.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let b = s.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(&b[r]).ok()?.parse().ok()
    };
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(2009..=2099), Some(1..=12), Some(1..=31))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_as_clients_need() {
        assert_eq!(
            normalize_path("/ABC//Services/WebSpaces//x/"),
            "/abc/services/webspaces/x"
        );
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("//"), "/");
        assert_eq!(normalize_path("/s/operations/"), "/s/operations");
    }

    #[test]
    fn versions() {
        let v = |s: &'static str| valid_version(Some(&HeaderValue::from_static(s)));
        assert!(v("2014-10-01") && v("2017-01-01") && v("2009-10-01"));
        assert!(!v("2014-13-01") && !v("1.0") && !v("") && !v("2014-10-1") && !v("yesterday"));
        assert!(!valid_version(None));
    }
}
