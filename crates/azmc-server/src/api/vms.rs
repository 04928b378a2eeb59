//! Virtual machines (asm-iaas §2–4): Create Virtual Machine Deployment, the roles of a
//! deployment (Add, Get, Update, Delete Role), role operations (start, shutdown, restart,
//! capture, redeploy, maintenance; Start Roles / Shutdown Roles), data disks, the RDP file.
//! Statuses are the Node clients': every change 202 (Update Data Disk 200), reads 200.
//! Paths are matched in lower case (`/Roles/Operations` and `/roles/Operations` alike).
//! The rules are in `domain::vms`; this door reads the request and writes the answer.

use super::validate::{parse_input, required};
use super::{empty, query_params, xml};
use crate::domain::deployments::{self, Service};
use crate::domain::{Ctx, DomainError, ResourceKind, vms};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::{CreatedObject, OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter};
use azmc_db::Deployment;
use azmc_wire::asm::{
    parse_data_disk, parse_role, parse_role_operation, parse_roles_operation, parse_vm_deployment,
};

fn service<'a>(s: &'a str, svc: &'a str) -> Service<'a> {
    Service {
        subscription: s,
        name: svc,
    }
}

fn accepted() -> Response {
    empty(StatusCode::ACCEPTED)
}

/// Whether the query has `comp=media` (delete the disks too).
fn media(uri: &Uri) -> bool {
    query_params(uri.query())
        .iter()
        .any(|(k, v)| k == "comp" && v.eq_ignore_ascii_case("media"))
}

/// `POST /{s}/services/hostedservices/{svc}/deployments`: Create Virtual Machine Deployment.
pub async fn create(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_vm_deployment)?;
    let name = required(input.name.as_deref(), "Name")?;
    let slot = required(input.deployment_slot.as_deref(), "DeploymentSlot")?;
    let label = required(input.label.as_deref(), "Label")?;
    let new = vms::NewVmDeployment {
        slot,
        name,
        label,
        roles: &input.roles,
        virtual_network: input.virtual_network_name.as_deref(),
        dns_servers: &input.dns_servers,
        reserved_ip: input.reserved_ip_name.as_deref(),
    };
    let ctx = Ctx::of(&state);
    vms::create(&ctx, &id, service(&s, &svc), &new).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/hostedservices/{svc}/deployments/{name}"),
        accepted(),
    ))
}

async fn deployment(ctx: &Ctx<'_>, s: &str, svc: &str, name: &str) -> Result<Deployment, ApiError> {
    Ok(deployments::by_name(ctx, service(s, svc), name).await?)
}

/// `POST …/deployments/{d}/roles`: Add Role.
pub async fn add_role(
    State(state): State<AppState>,
    Path((s, svc, d)): Path<(String, String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_role)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::add_role(&ctx, &id, service(&s, &svc), &dep, &input).await?;
    Ok(CreatedObject::on(
        format!(
            "/{s}/services/hostedservices/{svc}/deployments/{d}/roles/{}",
            input.role_name
        ),
        accepted(),
    ))
}

/// `GET …/roles/{vm}`: Get Role.
pub async fn get_role(
    State(state): State<AppState>,
    Path((s, svc, d, vm)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    let role = vms::get_role(&ctx, &s, &dep, &vm).await?;
    Ok(xml(StatusCode::OK, role.to_xml()))
}

/// `PUT …/roles/{vm}`: Update Role.
pub async fn update_role(
    State(state): State<AppState>,
    Path((s, svc, d, vm)): Path<(String, String, String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_role)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::update_role(&ctx, &id, service(&s, &svc), &dep, &vm, &input).await?;
    Ok(accepted())
}

/// `DELETE …/roles/{vm}[?comp=media]`: Delete Role.
pub async fn delete_role(
    State(state): State<AppState>,
    Path((s, svc, d, vm)): Path<(String, String, String, String)>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::delete_role(&ctx, &id, service(&s, &svc), &dep, &vm, media(&uri)).await?;
    Ok(accepted())
}

/// `POST …/roleinstances/{vm}/Operations`: one of the role operations, by the body's root.
pub async fn role_operation(
    State(state): State<AppState>,
    Path((s, svc, d, vm)): Path<(String, String, String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let operation = parse_input(&body, parse_role_operation)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::role_operation(&ctx, &id, service(&s, &svc), &dep, &vm, &operation).await?;
    Ok(accepted())
}

/// `POST …/deployments/{d}/Roles/Operations`: Start Roles / Shutdown Roles.
pub async fn roles_operation(
    State(state): State<AppState>,
    Path((s, svc, d)): Path<(String, String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let operation = parse_input(&body, parse_roles_operation)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::roles_operation(&ctx, &id, service(&s, &svc), &dep, &operation).await?;
    Ok(accepted())
}

/// `GET …/roleinstances/{vm}/ModelFile?FileType=RDP`: Download RDP File.
pub async fn rdp_file(
    State(state): State<AppState>,
    Path((s, svc, d, vm)): Path<(String, String, String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let file_type = query_params(uri.query())
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("filetype"))
        .map(|(_, v)| v);
    if !file_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("rdp"))
    {
        return Err(ApiError::bad_query(
            "The query parameter FileType must be RDP.",
        ));
    }
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    let text = vms::rdp_file(&dep, &vm, &state.config.dns_suffix)?;
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-rdp"),
    );
    Ok(r)
}

fn lun_of(lun: &str) -> Result<u32, ApiError> {
    lun.parse()
        .map_err(|_| ApiError::from(DomainError::not_found_named(ResourceKind::DataDisk, lun)))
}

/// `POST …/roles/{vm}/DataDisks`: Add Data Disk.
pub async fn add_data_disk(
    State(state): State<AppState>,
    Path((s, svc, d, vm)): Path<(String, String, String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_data_disk)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::add_data_disk(&ctx, &id, service(&s, &svc), &dep, &vm, &input).await?;
    Ok(accepted())
}

/// `GET …/roles/{vm}/DataDisks/{lun}`: Get Data Disk.
pub async fn get_data_disk(
    State(state): State<AppState>,
    Path((s, svc, d, vm, lun)): Path<(String, String, String, String, String)>,
) -> Result<Response, ApiError> {
    let lun = lun_of(&lun)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    let disk = vms::get_data_disk(&ctx, &s, &dep, &vm, lun).await?;
    Ok(xml(StatusCode::OK, disk.to_xml()))
}

/// `PUT …/roles/{vm}/DataDisks/{lun}`: Update Data Disk (200: Node's status).
pub async fn update_data_disk(
    State(state): State<AppState>,
    Path((s, svc, d, vm, lun)): Path<(String, String, String, String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lun = lun_of(&lun)?;
    let input = parse_input(&body, parse_data_disk)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::update_data_disk(&ctx, &id, service(&s, &svc), &dep, &vm, lun, &input).await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE …/roles/{vm}/DataDisks/{lun}[?comp=media]`: Delete Data Disk.
pub async fn delete_data_disk(
    State(state): State<AppState>,
    Path((s, svc, d, vm, lun)): Path<(String, String, String, String, String)>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let lun = lun_of(&lun)?;
    let ctx = Ctx::of(&state);
    let dep = deployment(&ctx, &s, &svc, &d).await?;
    vms::delete_data_disk(&ctx, &id, service(&s, &svc), &dep, &vm, lun, media(&uri)).await?;
    Ok(accepted())
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    const DEP: &str = "/{s}/services/hostedservices/{svc}/deployments/{d}";
    Router::new()
        .route(
            "/{s}/services/hostedservices/{svc}/deployments",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::new("CreateVirtualMachineDeployment"),
                    routing::post(create),
                )],
            ),
        )
        .route(
            &format!("{DEP}/roles"),
            methods(
                st,
                MethodRouter::new(),
                [(OpName::new("AddRole"), routing::post(add_role))],
            ),
        )
        .route(
            &format!("{DEP}/roles/operations"),
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::new("StartOrShutdownRoles"),
                    routing::post(roles_operation),
                )],
            ),
        )
        .route(
            &format!("{DEP}/roles/{{vm}}"),
            methods(
                st,
                routing::get(get_role),
                [
                    (OpName::new("UpdateRole"), routing::put(update_role)),
                    (OpName::new("DeleteRole"), routing::delete(delete_role)),
                ],
            ),
        )
        .route(
            &format!("{DEP}/roleinstances/{{vm}}/operations"),
            methods(
                st,
                MethodRouter::new(),
                [(OpName::new("RoleOperation"), routing::post(role_operation))],
            ),
        )
        .route(
            &format!("{DEP}/roleinstances/{{vm}}/modelfile"),
            methods(st, routing::get(rdp_file), []),
        )
        .route(
            &format!("{DEP}/roles/{{vm}}/datadisks"),
            methods(
                st,
                MethodRouter::new(),
                [(OpName::new("AddDataDisk"), routing::post(add_data_disk))],
            ),
        )
        .route(
            &format!("{DEP}/roles/{{vm}}/datadisks/{{lun}}"),
            methods(
                st,
                routing::get(get_data_disk),
                [
                    (
                        OpName::new("UpdateDataDisk"),
                        routing::put(update_data_disk),
                    ),
                    (
                        OpName::new("DeleteDataDisk"),
                        routing::delete(delete_data_disk),
                    ),
                ],
            ),
        )
}
