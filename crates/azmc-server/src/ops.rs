//! The operation log: every authorised mutating request becomes an operation (id = the
//! request id), InProgress while it runs, then Succeeded or Failed with the HTTP status and
//! the ASM error. A 202 answer leaves it InProgress: its job (see `jobs.rs`) finishes it.

use crate::error::ErrorInfo;
use crate::identity::{Connection, RequestId};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use azmc_db::{Caller, NewOperation, OperationOutcome, OperationStatus};

/// ASM operation names, by method and route.
const NAMES: &[(&str, &str, &str)] = &[
    ("POST", "/{s}/certificates", "AddSubscriptionCertificate"),
    (
        "DELETE",
        "/{s}/certificates/{thumbprint}",
        "RemoveSubscriptionCertificate",
    ),
    ("POST", "/{s}/affinitygroups", "CreateAffinityGroup"),
    ("PUT", "/{s}/affinitygroups/{name}", "UpdateAffinityGroup"),
    (
        "DELETE",
        "/{s}/affinitygroups/{name}",
        "DeleteAffinityGroup",
    ),
    (
        "POST",
        "/{s}/services/storageservices",
        "CreateStorageService",
    ),
    (
        "PUT",
        "/{s}/services/storageservices/{name}",
        "UpdateStorageService",
    ),
    (
        "DELETE",
        "/{s}/services/storageservices/{name}",
        "DeleteStorageService",
    ),
    (
        "POST",
        "/{s}/services/storageservices/{name}/keys",
        "RegenerateStorageServiceKeys",
    ),
    (
        "POST",
        "/{s}/services/hostedservices",
        "CreateHostedService",
    ),
    (
        "PUT",
        "/{s}/services/hostedservices/{svc}",
        "UpdateHostedService",
    ),
    (
        "DELETE",
        "/{s}/services/hostedservices/{svc}",
        "DeleteHostedService",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/certificates",
        "AddCertificate",
    ),
    (
        "DELETE",
        "/{s}/services/hostedservices/{svc}/certificates/{thumbprint}",
        "DeleteCertificate",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}",
        "SwapDeployment",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}",
        "CreateDeployment",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}?comp=status",
        "UpdateDeploymentStatus",
    ),
    (
        "DELETE",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}",
        "DeleteDeployment",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}?comp=status",
        "UpdateDeploymentStatus",
    ),
    (
        "DELETE",
        "/{s}/services/hostedservices/{svc}/deployments/{name}",
        "DeleteDeployment",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}?comp=config",
        "ChangeDeploymentConfiguration",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}?comp=upgrade",
        "UpgradeDeployment",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}?comp=walkupgradedomain",
        "WalkUpgradeDomain",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}?comp=rollback",
        "RollbackDeploymentUpdateOrUpgrade",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances/{instance}?comp=reboot",
        "RebootRoleInstance",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances/{instance}?comp=reimage",
        "ReimageRoleInstance",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances/{instance}?comp=rebuild",
        "RebuildRoleInstance",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances?comp=delete",
        "DeleteRoleInstances",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}?comp=config",
        "ChangeDeploymentConfiguration",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}?comp=upgrade",
        "UpgradeDeployment",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}?comp=walkupgradedomain",
        "WalkUpgradeDomain",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}?comp=rollback",
        "RollbackDeploymentUpdateOrUpgrade",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances/{instance}?comp=reboot",
        "RebootRoleInstance",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances/{instance}?comp=reimage",
        "ReimageRoleInstance",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances/{instance}?comp=rebuild",
        "RebuildRoleInstance",
    ),
    (
        "POST",
        "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances?comp=delete",
        "DeleteRoleInstances",
    ),
    ("PUT", "/{s}/services", "RegisterResourceProvider"),
    (
        "PUT",
        "/{s}/services?action=unregister",
        "UnregisterResourceProvider",
    ),
    ("POST", "/{s}/services/sqlservers/servers", "CreateServer"),
    (
        "DELETE",
        "/{s}/services/sqlservers/servers/{server}",
        "DeleteServer",
    ),
    (
        "POST",
        "/{s}/services/sqlservers/servers/{server}",
        "SetServerAdministratorPassword",
    ),
    (
        "POST",
        "/{s}/services/sqlservers/servers/{server}/firewallrules",
        "CreateFirewallRule",
    ),
    (
        "PUT",
        "/{s}/services/sqlservers/servers/{server}/firewallrules/{rule}",
        "UpdateFirewallRule",
    ),
    (
        "DELETE",
        "/{s}/services/sqlservers/servers/{server}/firewallrules/{rule}",
        "DeleteFirewallRule",
    ),
    (
        "POST",
        "/{s}/services/webspaces/{webspace}/sites",
        "CreateSite",
    ),
    (
        "PUT",
        "/{s}/services/webspaces/{webspace}/sites/{site}",
        "UpdateSite",
    ),
    (
        "DELETE",
        "/{s}/services/webspaces/{webspace}/sites/{site}",
        "DeleteSite",
    ),
    (
        "POST",
        "/{s}/services/webspaces/{webspace}/sites/{site}/restart",
        "RestartSite",
    ),
];

/// The name of a route, refined by its `comp` (or `action`) query parameter where NAMES
/// has an entry for `route?comp=…` (one path serves several operations).
fn operation_name_with(method: &Method, route: &str, query: Option<&str>) -> String {
    let comp = crate::api::query_params(query)
        .into_iter()
        .find(|(k, _)| k == "comp" || k == "action")
        .map(|(k, v)| (k, v.to_ascii_lowercase()));
    if let Some((k, c)) = comp {
        let with = format!("{route}?{k}={c}");
        if let Some((_, _, n)) = NAMES
            .iter()
            .find(|(m, r, _)| *m == method.as_str() && *r == with)
        {
            return (*n).to_string();
        }
    }
    operation_name(method, route)
}

fn operation_name(method: &Method, route: &str) -> String {
    NAMES
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, n)| (*n).to_string())
        .unwrap_or_else(|| format!("{method} {route}"))
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

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
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
    let subscription = path.split('/').nth(1).unwrap_or_default().to_string();
    let conn = req.extensions().get::<Connection>();
    let caller = Caller {
        thumbprint: conn
            .and_then(|c| c.identity.as_ref())
            .map(|i| i.thumbprint.to_string()),
        user: None,
        client_ip: conn.map(|c| c.peer.ip().to_string()),
    };
    let op = NewOperation {
        id: id.0.clone(),
        subscription_id: subscription,
        name: operation_name_with(req.method(), &route, req.uri().query()),
        object_id: path.clone(),
        parameters: parameters(&route, &path),
        caller,
        started_at: state.clock.now(),
    };
    if let Err(e) = state.db.insert_operation(&op).await {
        tracing::error!(error = %e, "cannot record the operation");
        return crate::error::ApiError::internal().into_response();
    }
    let resp = next.run(req).await;
    let status = resp.status();
    if status == StatusCode::ACCEPTED {
        return resp; // the job completes it
    }
    let info = resp.extensions().get::<ErrorInfo>();
    let outcome = OperationOutcome {
        status: if status.is_success() {
            OperationStatus::Succeeded
        } else {
            OperationStatus::Failed
        },
        http_status: status.as_u16(),
        error_code: info.map(|i| i.code.clone()),
        error_message: info.map(|i| i.message.clone()),
    };
    if let Err(e) = state
        .db
        .complete_operation(&id.0, &outcome, state.clock.now())
        .await
    {
        // The change itself is done; the sweeper will mark the operation, so the answer
        // stays what the handler said.
        tracing::error!(error = %e, "cannot complete the operation record");
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_actions_name_their_operations() {
        let route = "/{s}/services";
        assert_eq!(
            operation_name_with(&Method::PUT, route, Some("service=website&action=register")),
            "RegisterResourceProvider"
        );
        assert_eq!(
            operation_name_with(
                &Method::PUT,
                route,
                Some("service=website&action=Unregister")
            ),
            "UnregisterResourceProvider"
        );
    }

    #[test]
    fn names_and_parameters() {
        assert_eq!(
            operation_name(&Method::POST, "/{s}/certificates"),
            "AddSubscriptionCertificate"
        );
        assert_eq!(operation_name(&Method::PUT, "/{s}/x"), "PUT /{s}/x");
        let slot = "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}";
        assert_eq!(
            operation_name_with(&Method::POST, slot, None),
            "CreateDeployment"
        );
        assert_eq!(
            operation_name_with(&Method::POST, slot, Some("comp=Status")),
            "UpdateDeploymentStatus"
        );
        assert_eq!(
            operation_name_with(&Method::POST, slot, Some("comp=upgrade")),
            "UpgradeDeployment"
        );
        assert_eq!(
            operation_name_with(&Method::POST, slot, Some("comp=unknown")),
            "CreateDeployment"
        );
        assert_eq!(
            parameters("/{s}/certificates/{thumbprint}", "/abc/certificates/00ff"),
            vec![("thumbprint".to_string(), "00ff".to_string())]
        );
    }
}
