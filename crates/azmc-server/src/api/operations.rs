//! Operations: Get Operation Status (`GET /{s}/operations/{id}`) and List Subscription
//! Operations (`GET /{s}/operations?StartTime&EndTime&…`).

use super::{query_params, xml};
use crate::domain::{Ctx, DomainError, ResourceKind, operations};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing;
use azmc_db::{Operation, OperationFilter, OperationStatus};
use azmc_wire::asm::{
    ErrorXml, OperationCallerXml, OperationParameterXml, OperationStatusXml,
    SubscriptionOperationCollectionXml, SubscriptionOperationXml, format_time,
    normalize_operation_id,
};
use time::OffsetDateTime;

const PAGE_SIZE: u32 = 100;

fn status_xml(op: &Operation) -> OperationStatusXml {
    let error = match op.status {
        OperationStatus::Failed => Some(ErrorXml::new(
            op.error_code
                .clone()
                .unwrap_or_else(|| "InternalError".into()),
            op.error_message.clone().unwrap_or_default(),
        )),
        _ => None,
    };
    OperationStatusXml {
        id: op.id.clone(),
        status: op.status,
        http_status: match op.status {
            OperationStatus::InProgress => None,
            _ => op.http_status,
        },
        error,
    }
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = normalize_operation_id(&id)
        .ok_or_else(|| DomainError::not_found(ResourceKind::Operation))?;
    let op = operations::get(&Ctx::of(&state), &s, &id).await?;
    Ok(xml(StatusCode::OK, status_xml(&op).to_xml()))
}

/// ASM times: `2015-01-01`, `2015-01-01T00:00:00Z`, with fractions (Node's `.000Z`,
/// .NET's seven digits) or an offset.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if s.len() == 10 {
        return OffsetDateTime::parse(&format!("{s}T00:00:00Z"), &Rfc3339).ok();
    }
    // No zone: UTC.
    OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = query_params(uri.query());
    let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let time_param = |name: &str, label: &str| -> Result<OffsetDateTime, ApiError> {
        let v = get(name).ok_or_else(|| {
            ApiError::bad_query(format!("The query parameter {label} is required."))
        })?;
        parse_time(v).ok_or_else(|| {
            ApiError::bad_query(format!(
                "The query parameter {label} is not a valid time: {v:?}."
            ))
        })
    };
    let start = time_param("starttime", "StartTime")?;
    let end = time_param("endtime", "EndTime")?;
    if end < start {
        return Err(ApiError::bad_query("EndTime is before StartTime."));
    }
    let status = match get("operationresultfilter").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(match v.to_ascii_lowercase().as_str() {
            "succeeded" => OperationStatus::Succeeded,
            "failed" => OperationStatus::Failed,
            "inprogress" => OperationStatus::InProgress,
            _ => {
                return Err(ApiError::bad_query(
                    "OperationResultFilter must be Succeeded, Failed or InProgress.",
                ));
            }
        }),
    };
    let filter = OperationFilter {
        start,
        end,
        object_id: get("objectidfilter")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        status,
        continuation: get("continuationtoken")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        page_size: PAGE_SIZE,
    };
    let page = operations::list(&Ctx::of(&state), &s, &filter)
        .await
        .map_err(|e| match e {
            DomainError::Invalid { message, .. } => ApiError::bad_query(message),
            other => other.into(),
        })?;
    let body = SubscriptionOperationCollectionXml {
        operations: page
            .operations
            .iter()
            .map(|op| SubscriptionOperationXml {
                operation_id: op.id.clone(),
                operation_object_id: op.object_id.clone(),
                operation_name: op.name.clone(),
                operation_parameters: op
                    .parameters
                    .iter()
                    .map(|(n, v)| OperationParameterXml {
                        name: n.clone(),
                        value: Some(v.clone()),
                    })
                    .collect(),
                operation_caller: OperationCallerXml {
                    used_service_management_api: op.caller.thumbprint.is_some(),
                    user_email_address: op.caller.user.clone(),
                    subscription_certificate_thumbprint: op
                        .caller
                        .thumbprint
                        .map(|t| t.to_string()),
                    client_ip: op.caller.client_ip.clone(),
                },
                operation_status: status_xml(op),
                operation_started_time: Some(format_time(op.started_at)),
                operation_completed_time: op.completed_at.map(format_time),
                operation_kind: None,
            })
            .collect(),
        continuation_token: page.continuation,
    };
    Ok(xml(StatusCode::OK, body.to_xml()))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(_st: &AppState) -> Router<AppState> {
    Router::new()
        .route("/{s}/operations", routing::get(list))
        .route("/{s}/operations/{id}", routing::get(get))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_client_form() {
        let want = time::macros::datetime!(2015-01-01 00:00:00 UTC);
        for s in [
            "2015-01-01",
            "2015-01-01T00:00:00Z",
            "2015-01-01T00:00:00.000Z",
            "2015-01-01T00:00:00.0000000Z",
            "2015-01-01T00:00:00",
            "2015-01-01T01:00:00+01:00",
        ] {
            assert_eq!(parse_time(s), Some(want), "{s}");
        }
        assert_eq!(parse_time("yesterday"), None);
    }
}
