//! Deployments of cloud services (§4.8): create in a slot, get by slot or name, delete,
//! update status (Running/Suspended), change configuration, upgrade, role instances and
//! swap. All changes are asynchronous (202), as Node expects; the package is not fetched
//! and the configuration is stored as given, its `<Role>`/`<Instances count>` giving the
//! role instances (one Small instance = one core, counted against `MaxCoreCount`). The
//! rules are in `domain::deployments`; this door reads the request and writes the answer.

use super::validate::{check_extended_properties, decode_base64, label_of, parse_input, required};
use super::{empty, query_params, xml};
use crate::domain::deployments::{self, InstanceAction, NewDeploymentRequest, Service};
use crate::domain::{Ctx, vms};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{self, MethodRouter};
use azmc_db::{Deployment, DeploymentChange, DeploymentStatus, HostedService, NewConfiguration};
use azmc_wire::asm::{
    DeploymentXml, RoleInstanceXml, UpgradeStatusXml, VirtualIpXml, encode_label, format_time,
    parse_create_deployment, parse_deployment_change, parse_load_balanced_endpoints,
    parse_role_instance_names, parse_rollback, parse_service_configuration, parse_swap,
    parse_update_deployment_status, parse_walk_upgrade_domain,
};

fn service<'a>(s: &'a str, svc: &'a str) -> Service<'a> {
    Service {
        subscription: s,
        name: svc,
    }
}

/// 202 with no body: the answer of every change.
fn accepted() -> Response {
    empty(StatusCode::ACCEPTED)
}

/// The wire form of a stored deployment: a package's role instances (one Small instance
/// per configured instance), or a virtual machine deployment's roles and instances; its
/// VIP (a reserved IP's address when one is associated with it).
pub async fn to_xml(
    state: &AppState,
    subscription: &str,
    d: &Deployment,
) -> Result<DeploymentXml, ApiError> {
    let ctx = Ctx::of(state);
    let reserved = state
        .db
        .list_reserved_ips(subscription)
        .await
        .map_err(crate::domain::cloud_services::db_error)?
        .into_iter()
        .find(|r| {
            r.association.as_ref().is_some_and(|a| {
                a.service_name.eq_ignore_ascii_case(&d.service_name)
                    && a.deployment_name.eq_ignore_ascii_case(&d.name)
            })
        });
    let vip = reserved
        .as_ref()
        .map_or_else(|| vms::vip_of(&d.private_id), |r| r.address.clone());
    let vm = vms::view(&ctx, subscription, d, &vip).await?;
    let (instance_status, power) = match d.status {
        DeploymentStatus::Running => ("ReadyRole", "Started"),
        DeploymentStatus::Suspended => ("StoppedVM", "Stopped"),
        DeploymentStatus::RunningTransitioning => ("BusyRole", "Starting"),
        DeploymentStatus::SuspendedTransitioning => ("StoppingRole", "Stopping"),
        DeploymentStatus::Deploying | DeploymentStatus::Deleting => ("Provisioning", "Starting"),
    };
    let instances = match &vm {
        Some(v) => v.instances.clone(),
        None => deployments::role_instances(d)
            .into_iter()
            .map(|i| RoleInstanceXml {
                ip_address: format!("10.0.{}.{}", i.ordinal / 250, i.ordinal % 250 + 4),
                role_name: i.role,
                instance_name: i.name,
                instance_status: instance_status.into(),
                upgrade_domain: i.upgrade_domain,
                fault_domain: i.fault_domain,
                instance_size: "Small".into(),
                power_state: power.into(),
                ..Default::default()
            })
            .collect(),
    };
    let host = if d.slot == "Production" {
        d.service_name.to_ascii_lowercase()
    } else {
        d.private_id.clone()
    };
    let mut x = DeploymentXml {
        name: d.name.clone(),
        slot: d.slot.clone(),
        private_id: d.private_id.clone(),
        status: d.status.to_string(),
        label: encode_label(&d.label),
        url: format!("http://{host}.cloudapp.{}/", state.config.dns_suffix),
        configuration: d.configuration.clone(),
        role_instances: instances,
        upgrade_status: d.upgrade.as_ref().map(|u| UpgradeStatusXml {
            upgrade_type: u.mode.clone(),
            current_upgrade_domain_state: "Before".into(),
            current_upgrade_domain: u.walked,
        }),
        upgrade_domain_count: deployments::upgrade_domain_count(d),
        roles: d.roles.iter().map(|(r, _)| r.clone()).collect(),
        sdk_version: "2.9.6496.3".into(),
        locked: false,
        rollback_allowed: d.upgrade.is_some(),
        created_time: format_time(d.created_at),
        last_modified_time: format_time(d.modified_at),
        extended_properties: d.extended_properties.clone(),
        virtual_ips: vec![VirtualIpXml {
            address: vip,
            is_dns_programmed: true,
            name: format!("{}ContractContract", d.name),
            reserved_ip_name: reserved.as_ref().map(|r| r.name.clone()),
        }],
        reserved_ip_name: reserved.as_ref().map(|r| r.name.clone()),
        ..Default::default()
    };
    if let Some(v) = vm {
        x.configuration = vms::configuration(&v.roles);
        x.roles = Vec::new();
        x.vm_roles = v.roles;
        x.upgrade_domain_count = 1;
        x.sdk_version = String::new();
        x.virtual_network_name = v.state.virtual_network.clone();
        x.dns_servers = v.state.dns_servers.clone();
        x.internal_dns_suffix = Some(format!(
            "{}.d1.internal.cloudapp.{}",
            d.service_name.to_ascii_lowercase(),
            state.config.dns_suffix
        ));
    }
    Ok(x)
}

/// The deployments of a cloud service, for `embed-detail=true`.
pub async fn embedded(
    state: &AppState,
    _base: &str,
    service: &HostedService,
) -> Result<Vec<DeploymentXml>, ApiError> {
    let at = Service {
        subscription: &service.subscription_id,
        name: &service.name,
    };
    let deps = deployments::list(&Ctx::of(state), at).await?;
    let mut all = Vec::with_capacity(deps.len());
    for d in &deps {
        all.push(to_xml(state, &service.subscription_id, d).await?);
    }
    Ok(all)
}

fn comp(uri: &Uri) -> Option<String> {
    query_params(uri.query())
        .into_iter()
        .find(|(k, _)| k == "comp")
        .map(|(_, v)| v.to_ascii_lowercase())
}

/// `POST …/deploymentslots/{slot}`: Create Deployment, or with `comp=…` one of the
/// changes of [`change_by_comp`] by slot.
pub async fn post_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
    id: RequestId,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ctx = Ctx::of(&state);
    let at = service(&s, &svc);
    match comp(&uri) {
        None => create(&ctx, &id, at, &slot, &body).await,
        Some(c) => {
            let d = deployments::by_slot(&ctx, at, &slot).await?;
            change_by_comp(&ctx, &id, at, &d, &c, &body).await
        }
    }
}

/// `POST …/deployments/{name}?comp=…`.
pub async fn post_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
    id: RequestId,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(c) = comp(&uri) else {
        return Err(ApiError::bad_query(
            "The query parameter comp is required (status, config, upgrade, walkupgradedomain or rollback).",
        ));
    };
    let ctx = Ctx::of(&state);
    let at = service(&s, &svc);
    let d = deployments::by_name(&ctx, at, &name).await?;
    change_by_comp(&ctx, &id, at, &d, &c, &body).await
}

/// `comp=status|config|upgrade|walkupgradedomain|rollback`.
async fn change_by_comp(
    ctx: &Ctx<'_>,
    id: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    comp: &str,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    match comp {
        "status" => update_status(ctx, id, at, d, bytes).await,
        "config" => change(ctx, id, at, d, bytes, "ChangeConfiguration").await,
        "upgrade" => change(ctx, id, at, d, bytes, "UpgradeDeployment").await,
        "updatelbset" => {
            let endpoints = parse_load_balanced_endpoints(bytes).map_err(ApiError::invalid_xml)?;
            vms::update_lb_set(ctx, id, at, d, &endpoints).await?;
            Ok(accepted())
        }
        "walkupgradedomain" => {
            let ud = parse_walk_upgrade_domain(bytes).map_err(ApiError::invalid_xml)?;
            deployments::walk_upgrade_domain(ctx, id, at, d, ud.as_deref()).await?;
            Ok(accepted())
        }
        "rollback" => {
            let (mode, force) = parse_rollback(bytes).map_err(ApiError::invalid_xml)?;
            let mode = required(mode, "Mode")?;
            if !["auto", "manual"]
                .iter()
                .any(|m| mode.eq_ignore_ascii_case(m))
            {
                return Err(ApiError::bad_request("Mode must be Auto or Manual."));
            }
            if !matches!(force.as_deref(), None | Some("true" | "false")) {
                return Err(ApiError::bad_request("Force must be true or false."));
            }
            deployments::rollback(ctx, id, at, d).await?;
            Ok(accepted())
        }
        other => Err(ApiError::bad_query(format!(
            "comp={other} is not supported here (supported: status, config, upgrade, walkupgradedomain, rollback, UpdateLbSet)."
        ))),
    }
}

/// The roles and cores of a base64 service configuration, or a 400 naming `Configuration`.
fn configuration_roles(configuration: &str) -> Result<NewConfiguration, ApiError> {
    let (compact, cscfg) = decode_base64(configuration, "Configuration")?;
    let roles = parse_service_configuration(&cscfg).map_err(|e| {
        ApiError::bad_request(format!(
            "Configuration is not a valid service configuration: {e}"
        ))
    })?;
    let cores = roles.iter().map(|(_, c)| i64::from(*c)).sum();
    Ok((compact, roles, cores))
}

/// Change Configuration (`root` = `ChangeConfiguration`) or Upgrade (`UpgradeDeployment`).
async fn change(
    ctx: &Ctx<'_>,
    id: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    bytes: &[u8],
    root: &str,
) -> Result<Response, ApiError> {
    let input = parse_deployment_change(bytes, root).map_err(ApiError::invalid_xml)?;
    let upgrade = root == "UpgradeDeployment";
    let configuration =
        configuration_roles(required(input.configuration.as_deref(), "Configuration")?)?;
    let (package_url, label) = if upgrade {
        let url = required(input.package_url, "PackageUrl")?;
        deployments::check_package_url(&url)?;
        let label = label_of(input.label.as_deref())?;
        (Some(url), Some(label))
    } else {
        (None, None)
    };
    if let Some(mode) = input.mode.as_deref() {
        let ok = ["auto", "manual", "simultaneous"]
            .iter()
            .any(|m| mode.eq_ignore_ascii_case(m));
        if !ok {
            return Err(ApiError::bad_request(
                "Mode must be Auto, Manual or Simultaneous.",
            ));
        }
    }
    let manual = input
        .mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("manual"));
    let change = DeploymentChange {
        package_url,
        label,
        configuration: Some(configuration),
        manual_mode: manual.then(|| "Manual".to_owned()),
    };
    deployments::change(ctx, id, at, d, &change, root).await?;
    Ok(accepted())
}

/// `POST …/roleinstances/{instance}?comp=reboot|reimage|rebuild` (by name or slot).
async fn instance_action(
    ctx: &Ctx<'_>,
    id: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    instance: &str,
    uri: &Uri,
) -> Result<Response, ApiError> {
    let action = match comp(uri).as_deref() {
        Some("reboot") => InstanceAction::Reboot,
        Some("reimage") => InstanceAction::Reimage,
        Some("rebuild") => InstanceAction::Rebuild,
        Some(other) => {
            return Err(ApiError::bad_query(format!(
                "comp={other} is not supported for a role instance (reboot, reimage or rebuild)."
            )));
        }
        None => {
            return Err(ApiError::bad_query(
                "The query parameter comp is required (reboot, reimage or rebuild).",
            ));
        }
    };
    deployments::instance_action(ctx, id, at, d, instance, action).await?;
    Ok(accepted())
}

pub async fn instance_by_name(
    State(state): State<AppState>,
    Path((s, svc, name, instance)): Path<(String, String, String, String)>,
    uri: Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let (ctx, at) = (Ctx::of(&state), service(&s, &svc));
    let d = deployments::by_name(&ctx, at, &name).await?;
    instance_action(&ctx, &id, at, &d, &instance, &uri).await
}

pub async fn instance_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot, instance)): Path<(String, String, String, String)>,
    uri: Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let (ctx, at) = (Ctx::of(&state), service(&s, &svc));
    let d = deployments::by_slot(&ctx, at, &slot).await?;
    instance_action(&ctx, &id, at, &d, &instance, &uri).await
}

/// `POST …/roleinstances?comp=delete` with `<RoleInstances><Name>…`.
async fn delete_instances(
    ctx: &Ctx<'_>,
    id: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    uri: &Uri,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    if comp(uri).as_deref() != Some("delete") {
        return Err(ApiError::bad_query(
            "The query parameter comp must be delete.",
        ));
    }
    let names = parse_role_instance_names(bytes).map_err(ApiError::invalid_xml)?;
    deployments::delete_instances(ctx, id, at, d, &names).await?;
    Ok(accepted())
}

pub async fn instances_by_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
    uri: Uri,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (ctx, at) = (Ctx::of(&state), service(&s, &svc));
    let d = deployments::by_name(&ctx, at, &name).await?;
    delete_instances(&ctx, &id, at, &d, &uri, &body).await
}

pub async fn instances_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
    uri: Uri,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (ctx, at) = (Ctx::of(&state), service(&s, &svc));
    let d = deployments::by_slot(&ctx, at, &slot).await?;
    delete_instances(&ctx, &id, at, &d, &uri, &body).await
}

async fn create(
    ctx: &Ctx<'_>,
    id: &RequestId,
    at: Service<'_>,
    slot: &str,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    deployments::slot_of(slot)?;
    let input = parse_create_deployment(bytes).map_err(ApiError::invalid_xml)?;
    let name = required(input.name.as_deref(), "Name")?;
    deployments::check_name(name)?;
    let package_url = required(input.package_url.as_deref(), "PackageUrl")?;
    deployments::check_package_url(package_url)?;
    let label = label_of(input.label.as_deref())?;
    let configuration =
        configuration_roles(required(input.configuration.as_deref(), "Configuration")?)?;
    let start = match input
        .start_deployment
        .as_deref()
        .map(str::to_ascii_lowercase)
    {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "StartDeployment must be true or false, not {v:?}."
            )));
        }
    };
    check_extended_properties(&input.extended_properties)?;
    let new = NewDeploymentRequest {
        slot,
        name,
        label: &label,
        package_url,
        configuration: &configuration,
        start,
        extended_properties: &input.extended_properties,
    };
    deployments::create(ctx, id, at, &new).await?;
    Ok(CreatedObject::on(
        format!(
            "/{}/services/hostedservices/{}/deployments/{name}",
            at.subscription, at.name
        ),
        accepted(),
    ))
}

async fn update_status(
    ctx: &Ctx<'_>,
    id: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    let wanted = parse_update_deployment_status(bytes).map_err(ApiError::invalid_xml)?;
    let status = match wanted.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("running") => DeploymentStatus::Running,
        Some("suspended") => DeploymentStatus::Suspended,
        None => return Err(ApiError::bad_request("Status is required.")),
        Some(_) => {
            return Err(ApiError::bad_request(
                "Status must be Running or Suspended.",
            ));
        }
    };
    deployments::set_status(ctx, id, at, d, status).await?;
    Ok(accepted())
}

pub async fn get_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let d = deployments::by_slot(&Ctx::of(&state), service(&s, &svc), &slot).await?;
    Ok(xml(StatusCode::OK, to_xml(&state, &s, &d).await?.to_xml()))
}

pub async fn get_by_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let d = deployments::by_name(&Ctx::of(&state), service(&s, &svc), &name).await?;
    Ok(xml(StatusCode::OK, to_xml(&state, &s, &d).await?.to_xml()))
}

/// Whether the query has `comp=media`: the disks of a virtual machine deployment go too.
fn with_media(uri: &Uri) -> bool {
    comp(uri).as_deref() == Some("media")
}

pub async fn delete_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (ctx, at) = (Ctx::of(&state), service(&s, &svc));
    let d = deployments::by_slot(&ctx, at, &slot).await?;
    deployments::delete(&ctx, &id, at, &d, with_media(&uri)).await?;
    Ok(accepted())
}

pub async fn delete_by_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (ctx, at) = (Ctx::of(&state), service(&s, &svc));
    let d = deployments::by_name(&ctx, at, &name).await?;
    deployments::delete(&ctx, &id, at, &d, with_media(&uri)).await?;
    Ok(accepted())
}

/// `POST /{s}/services/hostedservices/{svc}` with a `Swap` body.
pub async fn swap(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (production, source) = parse_input(&body, parse_swap)?;
    let source = required(source, "SourceDeployment")?;
    let ctx = Ctx::of(&state);
    deployments::swap(&ctx, &id, service(&s, &svc), production.as_deref(), &source).await?;
    Ok(accepted())
}

/// The comp values of a deployment (by slot or by name).
const DEPLOYMENT_COMPS: &[(&str, &str)] = &[
    ("status", "UpdateDeploymentStatus"),
    ("config", "ChangeDeploymentConfiguration"),
    ("upgrade", "UpgradeDeployment"),
    ("walkupgradedomain", "WalkUpgradeDomain"),
    ("rollback", "RollbackDeploymentUpdateOrUpgrade"),
    ("updatelbset", "UpdateLoadBalancedEndpointSet"),
];
const INSTANCE_COMPS: &[(&str, &str)] = &[
    ("reboot", "RebootRoleInstance"),
    ("reimage", "ReimageRoleInstance"),
    ("rebuild", "RebuildRoleInstance"),
];
const INSTANCES_COMPS: &[(&str, &str)] = &[("delete", "DeleteRoleInstances")];

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}",
            methods(
                st,
                routing::get(get_by_slot),
                [
                    (
                        OpName::new("CreateDeployment").or_by_comp(DEPLOYMENT_COMPS),
                        routing::post(post_slot),
                    ),
                    (
                        OpName::new("DeleteDeployment"),
                        routing::delete(delete_by_slot),
                    ),
                ],
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deployments/{name}",
            methods(
                st,
                routing::get(get_by_name),
                [
                    (OpName::by_comp(DEPLOYMENT_COMPS), routing::post(post_name)),
                    (
                        OpName::new("DeleteDeployment"),
                        routing::delete(delete_by_name),
                    ),
                ],
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::by_comp(INSTANCES_COMPS),
                    routing::post(instances_by_name),
                )],
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::by_comp(INSTANCES_COMPS),
                    routing::post(instances_by_slot),
                )],
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deployments/{name}/roleinstances/{instance}",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::by_comp(INSTANCE_COMPS),
                    routing::post(instance_by_name),
                )],
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/deploymentslots/{slot}/roleinstances/{instance}",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::by_comp(INSTANCE_COMPS),
                    routing::post(instance_by_slot),
                )],
            ),
        )
}
