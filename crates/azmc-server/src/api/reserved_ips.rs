//! Reserved IP addresses: `/{s}/services/networking/reservedips[/{name}]` and
//! `…/{name}/operations/associate|disassociate` (asm-iaas §9). Statuses are the Node
//! clients': list and get 200; create, delete, associate and disassociate 202
//! (asynchronous: the change is made with the request, its job completes the operation;
//! a new reserved IP is `Creating` until then). The rules are in `domain::reserved_ips`.

use super::validate::{available_location, parse_input, required};
use super::{empty, xml};
use crate::domain::Ctx;
use crate::domain::reserved_ips::{self as ips, NewIp};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::{CreatedObject, OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{self, MethodRouter};
use azmc_db::{ReservedIp, ReservedIpTarget};
use azmc_wire::asm::{
    ReservedIpAssociationInput, ReservedIpXml, parse_create_reserved_ip,
    parse_reserved_ip_association, reserved_ips_to_xml,
};

/// The longest label accepted (plain text).
const MAX_LABEL: usize = 100;

pub fn to_xml(ip: &ReservedIp) -> ReservedIpXml {
    let used = ip.association.as_ref();
    ReservedIpXml {
        name: ip.name.clone(),
        address: ip.address.clone(),
        id: ip.id.clone(),
        label: ip.label.clone(),
        state: ip.status.to_string(),
        in_use: used.is_some(),
        service_name: used.map(|u| u.service_name.clone()),
        deployment_name: used.map(|u| u.deployment_name.clone()),
        location: ip.location.clone(),
        virtual_ip_name: used.and_then(|u| u.virtual_ip_name.clone()),
    }
}

/// `ServiceName` and `DeploymentName` of an association body: both required.
fn target_of(input: &ReservedIpAssociationInput) -> Result<ReservedIpTarget<'_>, ApiError> {
    Ok(ReservedIpTarget {
        service: required(input.service_name.as_deref(), "ServiceName")?,
        deployment: required(input.deployment_name.as_deref(), "DeploymentName")?,
        virtual_ip_name: input.virtual_ip_name.as_deref(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let list = ips::list(&Ctx::of(&state), &s).await?;
    let items: Vec<_> = list.iter().map(to_xml).collect();
    Ok(xml(StatusCode::OK, reserved_ips_to_xml(&items)))
}

pub async fn create(
    State(state): State<AppState>,
    Path(s): Path<String>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_create_reserved_ip)?;
    let name = required(input.name.as_deref(), "Name")?;
    ips::check_name(name)?;
    let location = available_location(&state, required(input.location.as_deref(), "Location")?)?;
    if input
        .label
        .as_deref()
        .is_some_and(|l| l.chars().count() > MAX_LABEL)
    {
        return Err(ApiError::bad_request(format!(
            "Label is longer than {MAX_LABEL} characters."
        )));
    }
    let associate = match (
        input.service_name.as_deref(),
        input.deployment_name.as_deref(),
    ) {
        (Some(service), Some(deployment)) => Some(ReservedIpTarget {
            service,
            deployment,
            virtual_ip_name: input.virtual_ip_name.as_deref(),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::bad_request(
                "DeploymentName is required with ServiceName (the deployment to associate the reserved IP with).",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::bad_request(
                "ServiceName is required with DeploymentName (the cloud service of the deployment).",
            ));
        }
    };
    let new = NewIp {
        subscription: &s,
        name,
        label: input.label.as_deref(),
        location: &location,
        associate,
    };
    ips::create(&Ctx::of(&state), &id, &new).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/networking/reservedips/{name}"),
        empty(StatusCode::ACCEPTED),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let ip = ips::get(&Ctx::of(&state), &s, &name).await?;
    Ok(xml(StatusCode::OK, to_xml(&ip).to_xml()))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
) -> Result<Response, ApiError> {
    ips::delete(&Ctx::of(&state), &id, &s, &name).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn associate(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_reserved_ip_association)?;
    let target = target_of(&input)?;
    ips::associate(&Ctx::of(&state), &id, &s, &name, &target).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn disassociate(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_reserved_ip_association)?;
    let target = target_of(&input)?;
    ips::disassociate(&Ctx::of(&state), &id, &s, &name, &target).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/networking/reservedips",
            methods(
                st,
                routing::get(list),
                [(OpName::new("CreateReservedIP"), routing::post(create))],
            ),
        )
        .route(
            "/{s}/services/networking/reservedips/{name}",
            methods(
                st,
                routing::get(get),
                [(OpName::new("DeleteReservedIP"), routing::delete(delete))],
            ),
        )
        .route(
            "/{s}/services/networking/reservedips/{name}/operations/associate",
            methods(
                st,
                MethodRouter::new(),
                [(OpName::new("AssociateReservedIP"), routing::post(associate))],
            ),
        )
        .route(
            "/{s}/services/networking/reservedips/{name}/operations/disassociate",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::new("DisassociateReservedIP"),
                    routing::post(disassociate),
                )],
            ),
        )
}
