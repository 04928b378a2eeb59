//! The disk repository (asm-iaas §5): `/{s}/services/disks[/{name}]`. Statuses are the
//! Node clients': Add answers 200 with the disk, Update 200 with the disk (202 for a
//! resize, asynchronous), Delete 200. The rules are in `domain::disks`.

use super::validate::parse_input;
use super::{empty, xml};
use crate::domain::{Ctx, disks};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::{CreatedObject, OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use azmc_db::Disk;
use azmc_wire::asm::{AttachedToXml, DiskXml, disks_to_xml, parse_disk_input};

fn to_xml(d: &Disk) -> DiskXml {
    DiskXml {
        affinity_group: None,
        attached_to: d.attached_to.as_ref().map(|(s, dep, role)| AttachedToXml {
            hosted_service_name: s.clone(),
            deployment_name: dep.clone(),
            role_name: role.clone(),
        }),
        os: d.os.clone(),
        location: d.location.clone(),
        logical_disk_size_in_gb: u32::try_from(d.size_gb).unwrap_or(u32::MAX),
        media_link: d.media_link.clone(),
        name: d.name.clone(),
        source_image_name: d.source_image.clone(),
        label: d.label.clone(),
        is_corrupted: false,
        is_premium: false,
        io_type: "Standard".into(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let all = disks::list(&Ctx::of(&state), &s).await?;
    let items: Vec<_> = all.iter().map(to_xml).collect();
    Ok(xml(StatusCode::OK, disks_to_xml(&items)))
}

pub async fn add(
    State(state): State<AppState>,
    Path(s): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_disk_input)?;
    let d = disks::add(&Ctx::of(&state), &s, &input).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/disks/{}", d.name),
        xml(StatusCode::OK, to_xml(&d).to_xml()),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let d = disks::get(&Ctx::of(&state), &s, &name).await?;
    Ok(xml(StatusCode::OK, to_xml(&d).to_xml()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_disk_input)?;
    let (d, resized) = disks::update(&Ctx::of(&state), &id, &s, &name, &input).await?;
    if resized {
        return Ok(empty(StatusCode::ACCEPTED));
    }
    Ok(xml(StatusCode::OK, to_xml(&d).to_xml()))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    disks::delete(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/disks",
            methods(
                st,
                routing::get(list),
                [(OpName::new("AddDisk"), routing::post(add))],
            ),
        )
        .route(
            "/{s}/services/disks/{name}",
            methods(
                st,
                routing::get(get),
                [
                    (OpName::new("UpdateDisk"), routing::put(update)),
                    (OpName::new("DeleteDisk"), routing::delete(delete)),
                ],
            ),
        )
}
