//! OS images (asm-iaas §6): `/{s}/services/images[/{name}[/details|/replicate]]`, every
//! status 200 (Add and Update answer the image); VM images (§7):
//! `/{s}/services/vmimages[/{name}]`, Create and Delete 202 (asynchronous), List and
//! Update 200. Statuses are the Node clients'. The rules are in `domain::images`.

use super::validate::parse_input;
use super::{empty, query_params, xml};
use crate::domain::{Ctx, images};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::{CreatedObject, OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing;
use azmc_wire::asm::{
    OsImageDetailsXml, os_images_to_xml, parse_os_image_input, parse_replication_input,
    parse_vm_image_input, replicated_name_to_xml, vm_images_to_xml,
};

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let all = images::list(&Ctx::of(&state), &s).await?;
    Ok(xml(StatusCode::OK, os_images_to_xml(&all)))
}

pub async fn add(
    State(state): State<AppState>,
    Path(s): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_os_image_input)?;
    let image = images::add(&Ctx::of(&state), &s, &input).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/images/{}", image.name),
        xml(StatusCode::OK, image.to_xml()),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let image = images::get(&Ctx::of(&state), &s, &name).await?;
    Ok(xml(StatusCode::OK, image.to_xml()))
}

pub async fn details(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (image, regions) = images::details(&Ctx::of(&state), &s, &name).await?;
    let body = OsImageDetailsXml {
        image,
        replication_progress: regions.into_iter().map(|r| (r, 100)).collect(),
    };
    Ok(xml(StatusCode::OK, body.to_xml()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_os_image_input)?;
    let image = images::update(&Ctx::of(&state), &s, &name, &input).await?;
    Ok(xml(StatusCode::OK, image.to_xml()))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    images::delete(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn replicate(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let regions = parse_input(&body, parse_replication_input)?;
    let published = images::replicate(&Ctx::of(&state), &s, &name, &regions).await?;
    Ok(xml(StatusCode::OK, replicated_name_to_xml(&published)))
}

/// `PUT …/images/{name}/unreplicate` (no body): 200.
pub async fn unreplicate(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    images::unreplicate(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

/// The `permission` query parameter of Share (any case of the name).
fn permission(uri: &Uri) -> Option<String> {
    query_params(uri.query())
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("permission"))
        .map(|(_, v)| v)
}

/// `PUT …/images/{name}/shareasync?permission=public|msdn|private` (no body): 202.
pub async fn share(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let p = permission(&uri);
    images::share(&Ctx::of(&state), &id, &s, &name, p.as_deref()).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `GET …/vmimages/{name}/details`: 200, root `VMImageDetails`.
pub async fn vm_details(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let d = images::vm_image_details(&Ctx::of(&state), &s, &name).await?;
    Ok(xml(StatusCode::OK, d.to_xml()))
}

/// `PUT …/vmimages/{name}/replicate`: 200 with the published name.
pub async fn replicate_vm(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let regions = parse_input(&body, parse_replication_input)?;
    let published = images::replicate_vm_image(&Ctx::of(&state), &s, &name, &regions).await?;
    Ok(xml(StatusCode::OK, replicated_name_to_xml(&published)))
}

/// `PUT …/vmimages/{name}/unreplicate` (no body): 200.
pub async fn unreplicate_vm(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    images::unreplicate_vm_image(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

/// `PUT …/vmimages/{name}/shareasync?permission=…` (no body): 202.
pub async fn share_vm(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let p = permission(&uri);
    images::share_vm_image(&Ctx::of(&state), &id, &s, &name, p.as_deref()).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn list_vm(
    State(state): State<AppState>,
    Path(s): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = query_params(uri.query());
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let filter = images::VmImageFilter {
        location: get("location"),
        publisher: get("publisher"),
        category: get("category"),
    };
    let all = images::list_vm_images(&Ctx::of(&state), &s, &filter).await?;
    Ok(xml(StatusCode::OK, vm_images_to_xml(&all)))
}

pub async fn create_vm(
    State(state): State<AppState>,
    Path(s): Path<String>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_vm_image_input)?;
    images::create_vm_image(&Ctx::of(&state), &id, &s, &input).await?;
    let name = input.name.unwrap_or_default();
    Ok(CreatedObject::on(
        format!("/{s}/services/vmimages/{}", name.trim()),
        empty(StatusCode::ACCEPTED),
    ))
}

pub async fn update_vm(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_vm_image_input)?;
    images::update_vm_image(&Ctx::of(&state), &s, &name, &input).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete_vm(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    id: RequestId,
) -> Result<Response, ApiError> {
    images::delete_vm_image(&Ctx::of(&state), &id, &s, &name).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/images",
            methods(
                st,
                routing::get(list),
                [(OpName::new("AddOSImage"), routing::post(add))],
            ),
        )
        .route(
            "/{s}/services/images/{name}",
            methods(
                st,
                routing::get(get),
                [
                    (OpName::new("UpdateOSImage"), routing::put(update)),
                    (OpName::new("DeleteOSImage"), routing::delete(delete)),
                ],
            ),
        )
        .route("/{s}/services/images/{name}/details", routing::get(details))
        .route(
            "/{s}/services/vmimages",
            methods(
                st,
                routing::get(list_vm),
                [(OpName::new("CreateVMImage"), routing::post(create_vm))],
            ),
        )
        .route(
            "/{s}/services/vmimages/{name}",
            methods(
                st,
                routing::MethodRouter::new(),
                [
                    (OpName::new("UpdateVMImage"), routing::put(update_vm)),
                    (OpName::new("DeleteVMImage"), routing::delete(delete_vm)),
                ],
            ),
        )
        .route(
            "/{s}/services/images/{name}/replicate",
            methods(
                st,
                routing::MethodRouter::new(),
                [(OpName::new("ReplicateOSImage"), routing::put(replicate))],
            ),
        )
        .route(
            "/{s}/services/images/{name}/unreplicate",
            methods(
                st,
                routing::MethodRouter::new(),
                [(OpName::new("UnreplicateOSImage"), routing::put(unreplicate))],
            ),
        )
        .route(
            "/{s}/services/images/{name}/shareasync",
            methods(
                st,
                routing::MethodRouter::new(),
                [(OpName::new("ShareOSImage"), routing::put(share))],
            ),
        )
        .route(
            "/{s}/services/vmimages/{name}/details",
            routing::get(vm_details),
        )
        .route(
            "/{s}/services/vmimages/{name}/replicate",
            methods(
                st,
                routing::MethodRouter::new(),
                [(OpName::new("ReplicateVMImage"), routing::put(replicate_vm))],
            ),
        )
        .route(
            "/{s}/services/vmimages/{name}/unreplicate",
            methods(
                st,
                routing::MethodRouter::new(),
                [(
                    OpName::new("UnreplicateVMImage"),
                    routing::put(unreplicate_vm),
                )],
            ),
        )
        .route(
            "/{s}/services/vmimages/{name}/shareasync",
            methods(
                st,
                routing::MethodRouter::new(),
                [(OpName::new("ShareVMImage"), routing::put(share_vm))],
            ),
        )
}
