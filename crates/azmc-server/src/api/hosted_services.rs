//! Cloud (hosted) services: `/{s}/services/hostedservices[/{svc}]` and the name check
//! (§4.7). Statuses are the Node clients': list/get/update 200, create 201, delete 200,
//! delete with `comp=media` 202 (asynchronous: job kind [`DeleteMedia`]).

pub use super::validate::{base_url, check_extended_properties, label_of};
use super::validate::{
    check_description, location_or_affinity_group, optional_label, parse_input, required,
    with_location,
};
use super::{empty, query_params, queue, xml};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::jobs::{JobKind, JobResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use azmc_db::{DbError, HostedService, HostedServiceUpdate, NewHostedService};
use azmc_wire::asm::{
    DeploymentXml, HostedServiceXml, availability_to_xml, encode_label, format_time,
    hosted_services_to_xml, parse_create_hosted_service, parse_update_hosted_service,
};
use serde::{Deserialize, Serialize};

pub const NOT_FOUND: &str = "The hosted service does not exist.";
const TAKEN: &str = "The specified DNS name is already taken.";

/// The role sizes offered in `ComputeCapabilities`.
const ROLE_SIZES: &[&str] = &[
    "ExtraSmall",
    "Small",
    "Medium",
    "Large",
    "ExtraLarge",
    "A5",
    "A6",
    "A7",
];

/// Map a database error about a hosted service.
pub fn db_error(e: DbError) -> ApiError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::AffinityGroup,
            id,
        } => ApiError::bad_request(format!(
            "AffinityGroup {id:?} does not exist in this subscription."
        )),
        DbError::NotFound {
            kind: azmc_db::ResourceKind::HostedService,
            ..
        } => ApiError::not_found(NOT_FOUND),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::HostedService),
            ..
        } => ApiError::conflict(TAKEN),
        other => ApiError::from_db(other, "hosted service"),
    }
}

/// A DNS label: 1–63 letters, digits and hyphens, not starting or ending with a hyphen.
pub fn valid_service_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The wire form of a stored service.
pub fn to_xml(
    base: &str,
    s: &HostedService,
    deployments: Option<Vec<DeploymentXml>>,
) -> HostedServiceXml {
    HostedServiceXml {
        url: format!(
            "{base}/{}/services/hostedservices/{}",
            s.subscription_id, s.name
        ),
        service_name: s.name.clone(),
        description: s.description.clone(),
        location: s.location.clone(),
        affinity_group: s.affinity_group.clone(),
        label: encode_label(&s.label),
        status: s.status.to_string(),
        date_created: format_time(s.created_at),
        date_last_modified: format_time(s.modified_at),
        extended_properties: s.extended_properties.clone(),
        deployments,
        role_sizes: ROLE_SIZES.iter().map(|r| r.to_string()).collect(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let services = state.db.list_hosted_services(&s).await.map_err(db_error)?;
    let base = base_url(&headers);
    let items: Vec<_> = services.iter().map(|h| to_xml(&base, h, None)).collect();
    Ok(xml(StatusCode::OK, hosted_services_to_xml(&items)))
}

pub async fn create(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_create_hosted_service)?;
    let name = required(input.service_name.as_deref(), "ServiceName")?;
    if !valid_service_name(name) {
        return Err(ApiError::bad_request(format!(
            "ServiceName {name:?} is invalid: use 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen."
        )));
    }
    let label = label_of(input.label.as_deref())?;
    check_description(input.description.as_deref())?;
    check_extended_properties(&input.extended_properties)?;
    let location = location_or_affinity_group(
        &state,
        input.location.as_deref(),
        input.affinity_group.as_deref(),
    )?;
    let new = NewHostedService {
        subscription_id: &s,
        name,
        label: &label,
        description: input.description.as_deref(),
        location: location.as_deref(),
        affinity_group: input.affinity_group.as_deref(),
        extended_properties: &input.extended_properties,
    };
    state
        .db
        .create_hosted_service(&new, state.clock.now())
        .await
        .map_err(db_error)?;
    Ok(with_location(
        empty(StatusCode::CREATED),
        &format!("{}/subscriptions/{s}/compute/{name}", base_url(&headers)),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let detail = query_params(uri.query())
        .iter()
        .any(|(k, v)| k == "embed-detail" && v.eq_ignore_ascii_case("true"));
    let h = state
        .db
        .get_hosted_service(&s, &svc)
        .await
        .map_err(db_error)?;
    let base = base_url(&headers);
    let deployments = if detail {
        Some(super::deployments::embedded(&state, &base, &h).await?)
    } else {
        None
    };
    Ok(xml(StatusCode::OK, to_xml(&base, &h, deployments).to_xml()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_update_hosted_service)?;
    let label = optional_label(input.label.as_deref())?;
    check_description(input.description.as_deref())?;
    check_extended_properties(&input.extended_properties)?;
    let update = HostedServiceUpdate {
        label,
        description: input.description,
        extended_properties: input.extended_properties,
    };
    state
        .db
        .update_hosted_service(&s, &svc, &update, state.clock.now())
        .await
        .map_err(db_error)?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    uri: Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let media = query_params(uri.query())
        .iter()
        .any(|(k, v)| k == "comp" && v.eq_ignore_ascii_case("media"));
    if !media {
        state
            .db
            .delete_hosted_service(&s, &svc, false)
            .await
            .map_err(|e| match e {
                DbError::Conflict { reason: azmc_db::ConflictReason::HasDeployments, .. } => ApiError::conflict(
                    "The hosted service still has deployments: delete them first (or delete with comp=media).",
                ),
                other => db_error(other),
            })?;
        return Ok(empty(StatusCode::OK));
    }
    state
        .db
        .mark_hosted_service_deleting(&s, &svc)
        .await
        .map_err(db_error)?;
    let work = DeleteMedia {
        subscription: s.clone(),
        service: svc,
    };
    queue(&state, &id, &s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn name_available(
    State(state): State<AppState>,
    Path((_s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let body = if !valid_service_name(&name) {
        availability_to_xml(
            false,
            Some(
                "The name must be 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.",
            ),
        )
    } else if state
        .db
        .hosted_service_name_available(&name)
        .await
        .map_err(db_error)?
    {
        availability_to_xml(true, None)
    } else {
        availability_to_xml(
            false,
            Some("A hosted service with the specified name already exists."),
        )
    };
    Ok(xml(StatusCode::OK, body))
}

/// `DELETE …/{svc}?comp=media`: remove the service with its deployments and certificates
/// (there are no disks or blobs to remove). Idempotent: a service already gone succeeds.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteMedia {
    pub subscription: String,
    pub service: String,
}

impl JobKind for DeleteMedia {
    const KIND: &'static str = "DeleteHostedServiceMedia";
    async fn run(self, state: AppState) -> JobResult {
        match state
            .db
            .delete_hosted_service(&self.subscription, &self.service, true)
            .await
        {
            Ok(()) | Err(DbError::NotFound { .. }) => JobResult::ok(),
            Err(e) => JobResult::of(Err::<(), _>(e), NOT_FOUND),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        assert!(valid_service_name("a") && valid_service_name("my-svc-1"));
        assert!(valid_service_name(&"a".repeat(63)));
        assert!(!valid_service_name(&"a".repeat(64)));
        assert!(!valid_service_name("") && !valid_service_name("-a") && !valid_service_name("a-"));
        assert!(!valid_service_name("a_b") && !valid_service_name("a.b"));
    }
}
