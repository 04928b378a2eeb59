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
];

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
        name: operation_name(req.method(), &route),
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
    fn names_and_parameters() {
        assert_eq!(
            operation_name(&Method::POST, "/{s}/certificates"),
            "AddSubscriptionCertificate"
        );
        assert_eq!(operation_name(&Method::PUT, "/{s}/x"), "PUT /{s}/x");
        assert_eq!(
            parameters("/{s}/certificates/{thumbprint}", "/abc/certificates/00ff"),
            vec![("thumbprint".to_string(), "00ff".to_string())]
        );
    }
}
