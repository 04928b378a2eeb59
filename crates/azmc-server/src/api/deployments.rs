//! Deployments of cloud services (§4.8): create in a slot, get by slot or name, delete,
//! update status (Running/Suspended) and swap. All changes are asynchronous (202), as
//! Node expects; the package is not fetched and the configuration is stored as given,
//! its `<Role>`/`<Instances count>` giving the role instances (one Small instance = one
//! core, counted against `MaxCoreCount`).

use super::hosted_services::db_error;
use super::validate::{check_extended_properties, decode_base64, label_of, parse_input, required};
use super::{empty, query_params, queue, xml};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::jobs::{JobKind, JobResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use azmc_db::{
    DbError, Deployment, DeploymentChange, DeploymentStatus, HostedService, NewConfiguration,
    NewDeployment, slot_name,
};
use azmc_wire::asm::{
    DeploymentXml, RoleInstanceXml, encode_label, format_time, parse_create_deployment,
    parse_deployment_change, parse_role_instance_names, parse_service_configuration, parse_swap,
    parse_update_deployment_status, parse_walk_upgrade_domain,
};
use serde::{Deserialize, Serialize};

const NOT_FOUND: &str = "The deployment does not exist.";

fn dep_error(e: DbError) -> ApiError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::Deployment,
            ..
        } => ApiError::not_found(NOT_FOUND),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::SlotTaken,
            id,
        } => ApiError::conflict(format!(
            "The {id} slot of this hosted service already has a deployment."
        )),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::Deployment),
            id,
        } => ApiError::conflict(format!(
            "This hosted service already has a deployment named {id}."
        )),
        other => db_error(other),
    }
}

fn slot_of(slot: &str) -> Result<&'static str, ApiError> {
    slot_name(slot).ok_or_else(|| {
        ApiError::bad_request(format!(
            "The deployment slot {slot:?} is invalid: use production or staging."
        ))
    })
}

/// The deployment in `slot` (already checked by [`slot_of`]).
async fn by_slot(state: &AppState, s: &str, svc: &str, slot: &str) -> Result<Deployment, ApiError> {
    state
        .db
        .get_deployment_by_slot(s, svc, slot)
        .await
        .map_err(dep_error)
}

/// The deployment named `name`.
async fn by_name(state: &AppState, s: &str, svc: &str, name: &str) -> Result<Deployment, ApiError> {
    state
        .db
        .get_deployment_by_name(s, svc, name)
        .await
        .map_err(dep_error)
}

/// Queue the [`ReportChange`] job that reports the end of a change already applied
/// (`what` names it in the payload): 202.
async fn report_change(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    id: RequestId,
    what: &str,
) -> Result<Response, ApiError> {
    let work = ReportChange {
        deployment: DeploymentRef::new(s, svc, &d.name),
        what: what.to_string(),
    };
    queue(state, &id, s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// The wire form of a stored deployment.
pub fn to_xml(state: &AppState, d: &Deployment) -> DeploymentXml {
    let (instance_status, power) = match d.status {
        DeploymentStatus::Running => ("ReadyRole", "Started"),
        DeploymentStatus::Suspended => ("StoppedVM", "Stopped"),
        DeploymentStatus::RunningTransitioning => ("BusyRole", "Starting"),
        DeploymentStatus::SuspendedTransitioning => ("StoppingRole", "Stopping"),
        DeploymentStatus::Deploying | DeploymentStatus::Deleting => ("Provisioning", "Starting"),
    };
    let mut instances = Vec::new();
    for (role, count) in &d.roles {
        for i in 0..*count {
            let n = instances.len();
            instances.push(RoleInstanceXml {
                role_name: role.clone(),
                instance_name: format!("{role}_IN_{i}"),
                instance_status: instance_status.into(),
                upgrade_domain: i % 5,
                fault_domain: i % 2,
                instance_size: "Small".into(),
                ip_address: format!("10.0.{}.{}", n / 250, n % 250 + 4),
                power_state: power.into(),
            });
        }
    }
    let max_count = d.roles.iter().map(|(_, c)| *c).max().unwrap_or(1);
    let host = if d.slot == "Production" {
        d.service_name.to_ascii_lowercase()
    } else {
        d.private_id.clone()
    };
    DeploymentXml {
        name: d.name.clone(),
        slot: d.slot.clone(),
        private_id: d.private_id.clone(),
        status: d.status.to_string(),
        label: encode_label(&d.label),
        url: format!("http://{host}.cloudapp.{}/", state.config.dns_suffix),
        configuration: d.configuration.clone(),
        role_instances: instances,
        upgrade_domain_count: max_count.clamp(1, 5),
        roles: d.roles.iter().map(|(r, _)| r.clone()).collect(),
        sdk_version: "2.9.6496.3".into(),
        locked: false,
        rollback_allowed: false,
        created_time: format_time(d.created_at),
        last_modified_time: format_time(d.modified_at),
        extended_properties: d.extended_properties.clone(),
    }
}

/// The deployments of a cloud service, for `embed-detail=true`.
pub async fn embedded(
    state: &AppState,
    _base: &str,
    service: &HostedService,
) -> Result<Vec<DeploymentXml>, ApiError> {
    let deps = state
        .db
        .list_deployments(&service.subscription_id, &service.name)
        .await
        .map_err(dep_error)?;
    Ok(deps.iter().map(|d| to_xml(state, d)).collect())
}

fn comp(uri: &Uri) -> Option<String> {
    query_params(uri.query())
        .into_iter()
        .find(|(k, _)| k == "comp")
        .map(|(_, v)| v.to_ascii_lowercase())
}

fn random_hex() -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| {
        tracing::error!("no randomness for a private id");
        ApiError::internal()
    })?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
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
    let slot = slot_of(&slot)?;
    let bytes = body;
    match comp(&uri) {
        None => create(&state, &s, &svc, slot, id, &bytes).await,
        Some(c) => {
            let d = by_slot(&state, &s, &svc, slot).await?;
            change_by_comp(&state, &s, &svc, &d, &c, id, &bytes).await
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
    let bytes = body;
    let Some(c) = comp(&uri) else {
        return Err(ApiError::bad_query(
            "The query parameter comp is required (status, config, upgrade, walkupgradedomain or rollback).",
        ));
    };
    let d = by_name(&state, &s, &svc, &name).await?;
    change_by_comp(&state, &s, &svc, &d, &c, id, &bytes).await
}

/// `comp=status|config|upgrade|walkupgradedomain|rollback`.
async fn change_by_comp(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    comp: &str,
    id: RequestId,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    match comp {
        "status" => update_status(state, s, svc, d, id, bytes).await,
        "config" => change(state, s, svc, d, id, bytes, "ChangeConfiguration").await,
        "upgrade" => change(state, s, svc, d, id, bytes, "UpgradeDeployment").await,
        "walkupgradedomain" => {
            let ud = parse_walk_upgrade_domain(bytes).map_err(ApiError::invalid_xml)?;
            let count = to_xml(state, d).upgrade_domain_count;
            let ud: u32 = ud
                .as_deref()
                .and_then(|u| u.parse().ok())
                .filter(|u| *u < count)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "UpgradeDomain must be an upgrade domain of the deployment (0 to {}).",
                        count - 1
                    ))
                })?;
            check_idle(d)?;
            report_change(state, s, svc, d, id, &format!("walk {ud}")).await
        }
        "rollback" => Err(ApiError::conflict(
            "There is no update or upgrade in progress on this deployment to roll back.",
        )),
        other => Err(unsupported(other)),
    }
}

fn unsupported(comp: &str) -> ApiError {
    ApiError::bad_query(format!(
        "comp={comp} is not supported here (supported: status, config, upgrade, walkupgradedomain, rollback)."
    ))
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

fn check_package_url(url: &str) -> Result<(), ApiError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 10 {
        return Err(ApiError::bad_request(
            "PackageUrl must be an http or https URL of the package blob.",
        ));
    }
    Ok(())
}

fn check_idle(d: &Deployment) -> Result<(), ApiError> {
    if matches!(
        d.status,
        DeploymentStatus::Deploying | DeploymentStatus::Deleting
    ) {
        return Err(ApiError::conflict(format!(
            "The deployment is {}: retry when the operation on it has finished.",
            d.status
        )));
    }
    Ok(())
}

/// Change Configuration (`root` = `ChangeConfiguration`) or Upgrade (`UpgradeDeployment`).
async fn change(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    id: RequestId,
    bytes: &[u8],
    root: &str,
) -> Result<Response, ApiError> {
    let input = parse_deployment_change(bytes, root).map_err(ApiError::invalid_xml)?;
    let upgrade = root == "UpgradeDeployment";
    let configuration =
        configuration_roles(required(input.configuration.as_deref(), "Configuration")?)?;
    let (package_url, label) = if upgrade {
        let url = required(input.package_url, "PackageUrl")?;
        check_package_url(&url)?;
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
    check_idle(d)?;
    state
        .db
        .change_deployment(
            s,
            svc,
            &d.name,
            &DeploymentChange {
                package_url,
                label,
                configuration: Some(configuration),
            },
            state.clock.now(),
        )
        .await
        .map_err(dep_error)?;
    report_change(state, s, svc, d, id, root).await
}

/// `POST …/roleinstances/{instance}?comp=reboot|reimage|rebuild` (by name or slot).
async fn instance_action(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    instance: &str,
    uri: &Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let action = match comp(uri).as_deref() {
        Some(a @ ("reboot" | "reimage" | "rebuild")) => a.to_string(),
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
    let known = to_xml(state, d)
        .role_instances
        .iter()
        .any(|i| i.instance_name.eq_ignore_ascii_case(instance));
    if !known {
        return Err(ApiError::not_found("The role instance does not exist."));
    }
    check_idle(d)?;
    report_change(state, s, svc, d, id, &format!("{action} {instance}")).await
}

pub async fn instance_by_name(
    State(state): State<AppState>,
    Path((s, svc, name, instance)): Path<(String, String, String, String)>,
    uri: Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let d = by_name(&state, &s, &svc, &name).await?;
    instance_action(&state, &s, &svc, &d, &instance, &uri, id).await
}

pub async fn instance_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot, instance)): Path<(String, String, String, String)>,
    uri: Uri,
    id: RequestId,
) -> Result<Response, ApiError> {
    let slot = slot_of(&slot)?;
    let d = by_slot(&state, &s, &svc, slot).await?;
    instance_action(&state, &s, &svc, &d, &instance, &uri, id).await
}

/// `POST …/roleinstances?comp=delete` with `<RoleInstances><Name>…`: the roles shrink
/// (the remaining instances are renumbered from 0); a role keeps at least one instance.
async fn delete_instances(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    uri: &Uri,
    id: RequestId,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    if comp(uri).as_deref() != Some("delete") {
        return Err(ApiError::bad_query(
            "The query parameter comp must be delete.",
        ));
    }
    let names = parse_role_instance_names(bytes).map_err(ApiError::invalid_xml)?;
    if names.is_empty() {
        return Err(ApiError::bad_request("RoleInstances has no Name."));
    }
    let instances = to_xml(state, d).role_instances;
    let mut roles = d.roles.clone();
    let mut seen = std::collections::HashSet::new();
    for n in &names {
        let Some(i) = instances
            .iter()
            .find(|i| i.instance_name.eq_ignore_ascii_case(n))
        else {
            return Err(ApiError::not_found(format!(
                "The role instance {n} does not exist."
            )));
        };
        if !seen.insert(i.instance_name.clone()) {
            continue;
        }
        if let Some(r) = roles.iter_mut().find(|(r, _)| *r == i.role_name) {
            r.1 = r.1.saturating_sub(1);
        }
    }
    if let Some((r, _)) = roles.iter().find(|(_, c)| *c == 0) {
        return Err(ApiError::bad_request(format!(
            "RoleInstances would delete every instance of role {r}: at least one must remain."
        )));
    }
    check_idle(d)?;
    let cores = roles.iter().map(|(_, c)| i64::from(*c)).sum();
    state
        .db
        .change_deployment(
            s,
            svc,
            &d.name,
            &DeploymentChange {
                package_url: None,
                label: None,
                configuration: Some((d.configuration.clone(), roles, cores)),
            },
            state.clock.now(),
        )
        .await
        .map_err(dep_error)?;
    report_change(state, s, svc, d, id, "delete instances").await
}

pub async fn instances_by_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
    uri: Uri,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let bytes = body;
    let d = by_name(&state, &s, &svc, &name).await?;
    delete_instances(&state, &s, &svc, &d, &uri, id, &bytes).await
}

pub async fn instances_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
    uri: Uri,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let slot = slot_of(&slot)?;
    let bytes = body;
    let d = by_slot(&state, &s, &svc, slot).await?;
    delete_instances(&state, &s, &svc, &d, &uri, id, &bytes).await
}

async fn create(
    state: &AppState,
    s: &str,
    svc: &str,
    slot: &str,
    id: RequestId,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    let input = parse_create_deployment(bytes).map_err(ApiError::invalid_xml)?;
    let name = required(input.name.as_deref(), "Name")?;
    let name_ok = name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(ApiError::bad_request(format!(
            "Name {name:?} is invalid: use up to 100 letters, digits, hyphens, underscores and dots."
        )));
    }
    let package_url = required(input.package_url.as_deref(), "PackageUrl")?;
    check_package_url(package_url)?;
    let label = label_of(input.label.as_deref())?;
    let (compact, roles, cores) =
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
    let private_id = random_hex()?;
    state
        .db
        .create_deployment(
            &NewDeployment {
                subscription_id: s,
                service: svc,
                slot,
                name,
                private_id: &private_id,
                label: &label,
                package_url,
                configuration: &compact,
                status: DeploymentStatus::Deploying,
                roles: &roles,
                cores,
                extended_properties: &input.extended_properties,
            },
            state.clock.now(),
        )
        .await
        .map_err(dep_error)?;
    let status = if start {
        DeploymentStatus::Running
    } else {
        DeploymentStatus::Suspended
    };
    let work = CreateDeployment(SetStatus {
        deployment: DeploymentRef::new(s, svc, name),
        status,
    });
    queue(state, &id, s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

async fn update_status(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    id: RequestId,
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
    check_idle(d)?;
    state
        .db
        .set_deployment_status(s, svc, &d.name, status.transitioning(), state.clock.now())
        .await
        .map_err(dep_error)?;
    let work = UpdateStatus(SetStatus {
        deployment: DeploymentRef::new(s, svc, &d.name),
        status,
    });
    queue(state, &id, s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn get_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let slot = slot_of(&slot)?;
    let d = by_slot(&state, &s, &svc, slot).await?;
    Ok(xml(StatusCode::OK, to_xml(&state, &d).to_xml()))
}

pub async fn get_by_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let d = by_name(&state, &s, &svc, &name).await?;
    Ok(xml(StatusCode::OK, to_xml(&state, &d).to_xml()))
}

async fn begin_delete(
    state: &AppState,
    s: &str,
    svc: &str,
    d: &Deployment,
    id: RequestId,
) -> Result<Response, ApiError> {
    state
        .db
        .set_deployment_status(
            s,
            svc,
            &d.name,
            DeploymentStatus::Deleting,
            state.clock.now(),
        )
        .await
        .map_err(dep_error)?;
    let work = DeleteDeployment(DeploymentRef::new(s, svc, &d.name));
    queue(state, &id, s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn delete_by_slot(
    State(state): State<AppState>,
    Path((s, svc, slot)): Path<(String, String, String)>,
    id: RequestId,
) -> Result<Response, ApiError> {
    let slot = slot_of(&slot)?;
    let d = by_slot(&state, &s, &svc, slot).await?;
    begin_delete(&state, &s, &svc, &d, id).await
}

pub async fn delete_by_name(
    State(state): State<AppState>,
    Path((s, svc, name)): Path<(String, String, String)>,
    id: RequestId,
) -> Result<Response, ApiError> {
    let d = by_name(&state, &s, &svc, &name).await?;
    begin_delete(&state, &s, &svc, &d, id).await
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
    let src = by_name(&state, &s, &svc, &source).await?;
    if src.slot != "Staging" {
        return Err(ApiError::bad_request(format!(
            "SourceDeployment {source} is not in the staging slot."
        )));
    }
    let current = state
        .db
        .get_deployment_by_slot(&s, &svc, "Production")
        .await;
    match (&production, &current) {
        (Some(p), Ok(c)) if !p.eq_ignore_ascii_case(&c.name) => {
            return Err(ApiError::bad_request(format!(
                "Production {p} is not the deployment in the production slot ({}).",
                c.name
            )));
        }
        (Some(p), Err(DbError::NotFound { .. })) => {
            return Err(ApiError::bad_request(format!(
                "Production {p} is not the deployment in the production slot (it is empty)."
            )));
        }
        (_, Err(e)) if !e.is_not_found() => {
            tracing::error!(error = %e, "database failure");
            return Err(ApiError::internal());
        }
        _ => {}
    }
    let work = Swap {
        subscription: s.clone(),
        service: svc,
    };
    queue(&state, &id, &s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// The deployment a job works on.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeploymentRef {
    pub subscription: String,
    pub service: String,
    pub name: String,
}

impl DeploymentRef {
    fn new(s: &str, svc: &str, name: &str) -> Self {
        DeploymentRef {
            subscription: s.to_string(),
            service: svc.to_string(),
            name: name.to_string(),
        }
    }
}

/// A deployment and the status it reaches.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetStatus {
    #[serde(flatten)]
    pub deployment: DeploymentRef,
    #[serde(with = "crate::jobs::by_name")]
    pub status: DeploymentStatus,
}

impl SetStatus {
    async fn run(self, state: AppState) -> JobResult {
        let d = &self.deployment;
        let now = state.clock.now();
        JobResult::of(
            state
                .db
                .set_deployment_status(&d.subscription, &d.service, &d.name, self.status, now)
                .await,
            NOT_FOUND,
        )
    }
}

/// Create Deployment: Deploying → Running (when started) or Suspended.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CreateDeployment(pub SetStatus);

impl JobKind for CreateDeployment {
    const KIND: &'static str = "CreateDeployment";
    async fn run(self, state: AppState) -> JobResult {
        self.0.run(state).await
    }
}

/// Update Deployment Status: the end of the transition.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UpdateStatus(pub SetStatus);

impl JobKind for UpdateStatus {
    const KIND: &'static str = "UpdateDeploymentStatus";
    async fn run(self, state: AppState) -> JobResult {
        self.0.run(state).await
    }
}

/// Removes a deployment. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeleteDeployment(pub DeploymentRef);

impl JobKind for DeleteDeployment {
    const KIND: &'static str = "DeleteDeployment";
    async fn run(self, state: AppState) -> JobResult {
        let d = self.0;
        JobResult::of(
            state
                .db
                .delete_deployment(&d.subscription, &d.service, &d.name)
                .await,
            NOT_FOUND,
        )
    }
}

/// Swaps the production and staging deployments. Not idempotent by nature (a rerun
/// would swap back): a job that died mid-way is retried only if it did not commit, since
/// the swap is one transaction and the job is finished right after it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Swap {
    pub subscription: String,
    pub service: String,
}

impl JobKind for Swap {
    const KIND: &'static str = "SwapDeployment";
    async fn run(self, state: AppState) -> JobResult {
        let now = state.clock.now();
        JobResult::of(
            state
                .db
                .swap_deployments(&self.subscription, &self.service, now)
                .await,
            super::hosted_services::NOT_FOUND,
        )
    }
}

/// Changes applied at once (configuration, upgrade, role instances): the job only
/// reports their end after the delay; fails with 404 if the deployment was deleted
/// meanwhile. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportChange {
    #[serde(flatten)]
    pub deployment: DeploymentRef,
    pub what: String,
}

impl JobKind for ReportChange {
    const KIND: &'static str = "DeploymentChange";
    async fn run(self, state: AppState) -> JobResult {
        let d = &self.deployment;
        JobResult::of(
            state
                .db
                .get_deployment_by_name(&d.subscription, &d.service, &d.name)
                .await,
            NOT_FOUND,
        )
    }
}
