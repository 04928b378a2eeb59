//! Cloud (hosted) services: `/{s}/services/hostedservices[/{svc}]` and the name check
//! (§4.7). Statuses are the Node clients': list/get/update 200, create 201, delete 200,
//! delete with `comp=media` 202 (asynchronous: the job `domain::cloud_services::DeleteMedia`).
//! The rules are in `domain::cloud_services`.

use super::validate::{
    Placed, Placement, base_url, check_description, check_extended_properties, optional_label,
    parse_input, placed, required, with_location,
};
use super::{comp_is, empty, query_params, xml};
use crate::domain::{Ctx, cloud_services};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing;
use azmc_db::{HostedService, HostedServiceUpdate, NewHostedService};
use azmc_wire::asm::{
    DeletedKind, DeletedResourceXml, DeploymentXml, HostedServiceXml, availability_to_xml,
    deleted_to_xml, encode_label, format_time, hosted_services_to_xml, parse_create_hosted_service,
    parse_update_hosted_service,
};

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

/// The wire form of a stored service, as Get Hosted Service Properties (and Get Affinity
/// Group) send it: without `ComputeCapabilities`, which real Azure sent in lists only.
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
        role_sizes: Vec::new(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    if comp_is(uri.query(), "deleted") {
        return list_deleted(&state, &s).await;
    }
    let services = cloud_services::list(&Ctx::of(&state), &s).await?;
    let base = base_url(&headers);
    let items: Vec<_> = services
        .iter()
        .map(|h| HostedServiceXml {
            role_sizes: ROLE_SIZES.iter().map(|r| r.to_string()).collect(),
            ..to_xml(&base, h, None)
        })
        .collect();
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
    cloud_services::check_service_name(name)?;
    let Placed { label, location } = placed(
        &state,
        Placement {
            label: input.label.as_deref(),
            description: input.description.as_deref(),
            extended_properties: &input.extended_properties,
            location: input.location.as_deref(),
            affinity_group: input.affinity_group.as_deref(),
        },
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
    cloud_services::create(&Ctx::of(&state), &new).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/hostedservices/{name}"),
        with_location(
            empty(StatusCode::CREATED),
            &format!("{}/subscriptions/{s}/compute/{name}", base_url(&headers)),
        ),
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
    let h = cloud_services::get(&Ctx::of(&state), &s, &svc).await?;
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
    cloud_services::update(&Ctx::of(&state), &s, &svc, &update).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    uri: Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let media = comp_is(uri.query(), "media");
    let ctx = Ctx::of(&state);
    if !media {
        cloud_services::delete(&ctx, &s, &svc).await?;
        return Ok(empty(StatusCode::OK));
    }
    cloud_services::delete_with_media(&ctx, &id, &s, &svc).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `GET …/hostedservices?comp=deleted` (azmc): the deleted cloud services that can still
/// be restored.
async fn list_deleted(state: &AppState, s: &str) -> Result<Response, ApiError> {
    let deleted = cloud_services::list_deleted(&Ctx::of(state), s).await?;
    let items: Vec<_> = deleted
        .iter()
        .map(|(d, certificates)| DeletedResourceXml {
            service_name: d.item.name.clone(),
            label: encode_label(&d.item.label),
            location: d.item.location.clone(),
            affinity_group: d.item.affinity_group.clone(),
            account_type: None,
            certificate_count: Some(u32::try_from(*certificates).unwrap_or(u32::MAX)),
            deleted_time: format_time(d.deleted_at),
            purge_time: format_time(d.purge_at),
        })
        .collect();
    Ok(xml(
        StatusCode::OK,
        deleted_to_xml(DeletedKind::HostedServices, &items),
    ))
}

/// `POST …/hostedservices/{svc}`: Swap Deployment, or with `comp=restore` (azmc) the
/// deleted cloud service back with its properties and certificates.
pub async fn post(
    state: State<AppState>,
    path: Path<(String, String)>,
    uri: Uri,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !comp_is(uri.query(), "restore") {
        return super::deployments::swap(state, path, id, body).await;
    }
    let (State(state), Path((s, svc))) = (state, path);
    cloud_services::restore(&Ctx::of(&state), &s, &svc).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn name_available(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let reason = cloud_services::unavailable_because(&Ctx::of(&state), &s, &name).await?;
    let body = availability_to_xml(reason.is_none(), reason);
    Ok(xml(StatusCode::OK, body))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/hostedservices",
            methods(
                st,
                routing::get(list),
                [(OpName::new("CreateHostedService"), routing::post(create))],
            ),
        )
        .route(
            "/{s}/services/hostedservices/operations/isavailable/{name}",
            routing::get(name_available),
        )
        .route(
            "/{s}/services/hostedservices/{svc}",
            methods(
                st,
                routing::get(get),
                [
                    (OpName::new("UpdateHostedService"), routing::put(update)),
                    (OpName::new("DeleteHostedService"), routing::delete(delete)),
                    (
                        OpName::new("SwapDeployment")
                            .or_by_comp(&[("restore", "RestoreHostedService")]),
                        routing::post(post),
                    ),
                ],
            ),
        )
}
