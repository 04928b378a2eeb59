//! Deployments of cloud services: slots, the name and package rules, the role instances a
//! configuration gives, and every change as an asynchronous operation (create, status,
//! configuration and upgrade, role instances, delete, swap). A deployment that is
//! `Deploying` or `Deleting` refuses changes until its operation has finished. Reading the
//! service configuration (base64, XML) stays with the API door, which hands over the roles.

use super::cloud_services::db_error;
use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{Deployment, DeploymentChange, DeploymentStatus, NewConfiguration, NewDeployment};
use serde::{Deserialize, Serialize};

/// The cloud service a deployment belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Service<'a> {
    pub subscription: &'a str,
    pub name: &'a str,
}

/// `production`/`staging` in any case → `Production`/`Staging`.
pub fn slot_of(slot: &str) -> Result<&'static str, DomainError> {
    azmc_db::slot_name(slot).ok_or_else(|| DomainError::Invalid {
        field: "slot",
        message: format!("The deployment slot {slot:?} is invalid: use production or staging."),
    })
}

/// The deployment in `slot` (`production` or `staging`, any case).
pub async fn by_slot(
    ctx: &Ctx<'_>,
    at: Service<'_>,
    slot: &str,
) -> Result<Deployment, DomainError> {
    let slot = slot_of(slot)?;
    ctx.db
        .get_deployment_by_slot(at.subscription, at.name, slot)
        .await
        .map_err(db_error)
}

/// The deployment named `name`.
pub async fn by_name(
    ctx: &Ctx<'_>,
    at: Service<'_>,
    name: &str,
) -> Result<Deployment, DomainError> {
    ctx.db
        .get_deployment_by_name(at.subscription, at.name, name)
        .await
        .map_err(db_error)
}

/// The deployments of a cloud service.
pub async fn list(ctx: &Ctx<'_>, at: Service<'_>) -> Result<Vec<Deployment>, DomainError> {
    ctx.db
        .list_deployments(at.subscription, at.name)
        .await
        .map_err(db_error)
}

/// One role instance of a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInstance {
    pub role: String,
    /// `{role}_IN_{i}`.
    pub name: String,
    pub upgrade_domain: u32,
    pub fault_domain: u32,
    /// The position among all instances of the deployment (from 0).
    pub ordinal: usize,
}

/// The role instances of `d`: `count` per role, numbered from 0 within the role.
pub fn role_instances(d: &Deployment) -> Vec<RoleInstance> {
    let mut instances = Vec::new();
    for (role, count) in &d.roles {
        for i in 0..*count {
            instances.push(RoleInstance {
                role: role.clone(),
                name: format!("{role}_IN_{i}"),
                upgrade_domain: i % 5,
                fault_domain: i % 2,
                ordinal: instances.len(),
            });
        }
    }
    instances
}

/// The upgrade domains of `d`: as many as its largest role has instances, 1 to 5.
pub fn upgrade_domain_count(d: &Deployment) -> u32 {
    d.roles
        .iter()
        .map(|(_, c)| *c)
        .max()
        .unwrap_or(1)
        .clamp(1, 5)
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

/// A deployment name: up to 100 letters, digits, hyphens, underscores and dots.
pub fn check_name(name: &str) -> Result<(), DomainError> {
    let ok = name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        return Ok(());
    }
    Err(invalid(
        "Name",
        format!(
            "Name {name:?} is invalid: use up to 100 letters, digits, hyphens, underscores and dots."
        ),
    ))
}

/// The package must be an http(s) URL (it is never fetched).
pub fn check_package_url(url: &str) -> Result<(), DomainError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 10 {
        return Err(invalid(
            "PackageUrl",
            "PackageUrl must be an http or https URL of the package blob.",
        ));
    }
    Ok(())
}

/// The changes of a package's deployment (status, configuration, upgrade, role
/// instances, swap) are not a virtual machine deployment's: its roles change through the
/// role operations.
fn check_package(d: &Deployment) -> Result<(), DomainError> {
    if d.vm_state.is_some() {
        return Err(invalid(
            "Deployment",
            format!(
                "The deployment {} is a virtual machine deployment: change its virtual machines with the role operations (Add/Update/Delete Role, Start/Shutdown/Restart Role).",
                d.name
            ),
        ));
    }
    Ok(())
}

/// A deployment busy with an operation refuses changes.
fn check_idle(d: &Deployment) -> Result<(), DomainError> {
    if matches!(
        d.status,
        DeploymentStatus::Deploying | DeploymentStatus::Deleting
    ) {
        return Err(DomainError::Conflict(ConflictReason::DeploymentBusy {
            status: d.status.to_string(),
        }));
    }
    Ok(())
}

/// A change (configuration, upgrade, instances) waits until the upgrade in progress has
/// been walked to its end or rolled back, as on the live service.
fn check_no_upgrade(d: &Deployment) -> Result<(), DomainError> {
    if d.upgrade.is_some() {
        return Err(DomainError::Conflict(ConflictReason::UpgradeInProgress));
    }
    Ok(())
}

/// A deployment's private id: 32 random lower-case hex digits.
pub(crate) fn random_hex() -> Result<String, DomainError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| {
        tracing::error!("no randomness for a private id");
        DomainError::Internal
    })?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// What Create Deployment asks for.
#[derive(Debug, Clone)]
pub struct NewDeploymentRequest<'a> {
    /// `production` or `staging`, any case.
    pub slot: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub package_url: &'a str,
    pub configuration: &'a NewConfiguration,
    /// Running when created, else Suspended.
    pub start: bool,
    pub extended_properties: &'a [(String, String)],
}

/// Creates the deployment `Deploying` and queues the operation `op` that makes it Running
/// or Suspended. Its cores count against the subscription's `MaxCoreCount`.
pub async fn create(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    new: &NewDeploymentRequest<'_>,
) -> Result<(), DomainError> {
    let slot = slot_of(new.slot)?;
    check_name(new.name)?;
    check_package_url(new.package_url)?;
    let (compact, roles, cores) = new.configuration;
    let private_id = random_hex()?;
    let status = if new.start {
        DeploymentStatus::Running
    } else {
        DeploymentStatus::Suspended
    };
    let work = CreateDeployment(SetStatus {
        deployment: DeploymentRef::new(at, new.name),
        status,
    });
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    ctx.db
        .create_deployment(
            &NewDeployment {
                subscription_id: at.subscription,
                service: at.name,
                slot,
                name: new.name,
                private_id: &private_id,
                label: new.label,
                package_url: new.package_url,
                configuration: compact,
                status: DeploymentStatus::Deploying,
                roles,
                cores: *cores,
                extended_properties: new.extended_properties,
                job: Some(&job),
            },
            ctx.now,
        )
        .await
        .map(|_| ())
        .map_err(db_error)
}

/// Starts the change to `status` (Running or Suspended): the deployment is in transition
/// until the operation `op` ends it.
pub async fn set_status(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    status: DeploymentStatus,
) -> Result<(), DomainError> {
    check_package(d)?;
    check_idle(d)?;
    let work = UpdateStatus(SetStatus {
        deployment: DeploymentRef::new(at, &d.name),
        status,
    });
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    ctx.db
        .set_deployment_status(
            at.subscription,
            at.name,
            &d.name,
            status.transitioning(),
            ctx.now,
            Some(&job),
        )
        .await
        .map_err(db_error)
}

/// Change Configuration (`change.package_url` and `label` `None`) or Upgrade. The new
/// package, label and configuration are what the deployment shows from now on; the
/// operation `op` (named `what` in its payload) reports the end. With
/// `change.manual_mode` set (Mode `Manual`) the upgrade stays in progress: it walks its
/// upgrade domains one by one ([`walk_upgrade_domain`]) and can be rolled back
/// ([`rollback`]) until the last is walked. Refused while another upgrade is in progress.
pub async fn change(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    change: &DeploymentChange,
    what: &str,
) -> Result<(), DomainError> {
    if let Some(url) = &change.package_url {
        check_package_url(url)?;
    }
    check_package(d)?;
    check_idle(d)?;
    check_no_upgrade(d)?;
    report_change(ctx, op, at, d, Some(change), what).await
}

/// Walk Upgrade Domain: `domain` must be one of the deployment's upgrade domains, and the
/// next one of the upgrade in progress (a Mode `Manual` upgrade or configuration change);
/// walking the last one completes the upgrade.
pub async fn walk_upgrade_domain(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    domain: Option<&str>,
) -> Result<(), DomainError> {
    let count = upgrade_domain_count(d);
    let ud: u32 = domain
        .and_then(|u| u.parse().ok())
        .filter(|u| *u < count)
        .ok_or_else(|| {
            invalid(
                "UpgradeDomain",
                format!(
                    "UpgradeDomain must be an upgrade domain of the deployment (0 to {}).",
                    count - 1
                ),
            )
        })?;
    check_package(d)?;
    check_idle(d)?;
    let Some(upgrade) = &d.upgrade else {
        return Err(DomainError::Conflict(ConflictReason::NoUpgradeToWalk));
    };
    if upgrade.walked != ud {
        return Err(invalid(
            "UpgradeDomain",
            format!(
                "UpgradeDomain must be {}, the next upgrade domain of the upgrade in progress.",
                upgrade.walked
            ),
        ));
    }
    let work = ReportChange {
        deployment: DeploymentRef::new(at, &d.name),
        what: format!("walk {ud}"),
    };
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    ctx.db
        .walk_upgrade_domain(
            at.subscription,
            at.name,
            &d.name,
            ud,
            count,
            ctx.now,
            Some(&job),
        )
        .await
        .map_err(|e| match e {
            // Walked or rolled back by another request since `d` was read.
            azmc_db::DbError::Conflict { .. } => {
                DomainError::Conflict(ConflictReason::NoUpgradeToWalk)
            }
            e => db_error(e),
        })
}

/// Rollback Update or Upgrade: restores the package, label and configuration that the
/// upgrade in progress replaced, and ends it (at once, whatever the `Mode` asked: the
/// restored configuration is what every instance runs when the operation succeeds).
/// 409 if no upgrade is in progress.
pub async fn rollback(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
) -> Result<(), DomainError> {
    check_package(d)?;
    check_idle(d)?;
    if d.upgrade.is_none() {
        return Err(DomainError::Conflict(ConflictReason::NothingToRollBack));
    }
    let work = ReportChange {
        deployment: DeploymentRef::new(at, &d.name),
        what: "rollback".into(),
    };
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    ctx.db
        .rollback_deployment_change(at.subscription, at.name, &d.name, ctx.now, Some(&job))
        .await
        .map(|_| ())
        .map_err(|e| match e {
            azmc_db::DbError::Conflict { .. } => {
                DomainError::Conflict(ConflictReason::NothingToRollBack)
            }
            e => db_error(e),
        })
}

/// The actions on one role instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceAction {
    Reboot,
    Reimage,
    Rebuild,
}

impl InstanceAction {
    fn name(self) -> &'static str {
        match self {
            InstanceAction::Reboot => "reboot",
            InstanceAction::Reimage => "reimage",
            InstanceAction::Rebuild => "rebuild",
        }
    }
}

/// Reboot, reimage or rebuild the instance `instance` (any case) of `d`.
pub async fn instance_action(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    instance: &str,
    action: InstanceAction,
) -> Result<(), DomainError> {
    let known = role_instances(d)
        .iter()
        .any(|i| i.name.eq_ignore_ascii_case(instance));
    if !known {
        return Err(DomainError::not_found(ResourceKind::RoleInstance));
    }
    check_package(d)?;
    check_idle(d)?;
    let what = format!("{} {instance}", action.name());
    report_change(ctx, op, at, d, None, &what).await
}

/// Deletes the role instances `names` (any case): the roles shrink (the remaining
/// instances are renumbered from 0); a role keeps at least one instance.
pub async fn delete_instances(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    names: &[String],
) -> Result<(), DomainError> {
    if names.is_empty() {
        return Err(invalid("RoleInstances", "RoleInstances has no Name."));
    }
    let instances = role_instances(d);
    let mut roles = d.roles.clone();
    let mut seen = std::collections::HashSet::new();
    for n in names {
        let Some(i) = instances.iter().find(|i| i.name.eq_ignore_ascii_case(n)) else {
            return Err(DomainError::not_found_named(ResourceKind::RoleInstance, n));
        };
        if !seen.insert(i.name.clone()) {
            continue;
        }
        if let Some(r) = roles.iter_mut().find(|(r, _)| *r == i.role) {
            r.1 = r.1.saturating_sub(1);
        }
    }
    if let Some((r, _)) = roles.iter().find(|(_, c)| *c == 0) {
        return Err(invalid(
            "RoleInstances",
            format!(
                "RoleInstances would delete every instance of role {r}: at least one must remain."
            ),
        ));
    }
    check_package(d)?;
    check_idle(d)?;
    check_no_upgrade(d)?;
    let cores = roles.iter().map(|(_, c)| i64::from(*c)).sum();
    let change = DeploymentChange {
        package_url: None,
        label: None,
        configuration: Some((d.configuration.clone(), roles, cores)),
        manual_mode: None,
    };
    report_change(ctx, op, at, d, Some(&change), "delete instances").await
}

/// Marks `d` `Deleting` and queues the operation `op` that removes it; the disks of its
/// virtual machines are then detached, or deleted with `media` (`comp=media`).
pub async fn delete(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    media: bool,
) -> Result<(), DomainError> {
    let target = DeploymentRef::new(at, &d.name);
    let job = if media {
        jobs::new_job(ctx, op, at.subscription, &DeleteDeploymentAndMedia(target))?
    } else {
        jobs::new_job(ctx, op, at.subscription, &DeleteDeployment(target))?
    };
    ctx.db
        .set_deployment_status(
            at.subscription,
            at.name,
            &d.name,
            DeploymentStatus::Deleting,
            ctx.now,
            Some(&job),
        )
        .await
        .map_err(db_error)
}

/// Swap Deployment: `source` must be the staging deployment, and `production`, if
/// given, the production one.
pub async fn swap(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    production: Option<&str>,
    source: &str,
) -> Result<(), DomainError> {
    let src = by_name(ctx, at, source).await?;
    check_package(&src)?;
    if src.slot != "Staging" {
        return Err(invalid(
            "SourceDeployment",
            format!("SourceDeployment {source} is not in the staging slot."),
        ));
    }
    if let Some(p) = production {
        let current = match by_slot(ctx, at, "production").await {
            Ok(c) => Some(c),
            Err(DomainError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        match current {
            Some(c) if !p.eq_ignore_ascii_case(&c.name) => {
                return Err(invalid(
                    "Production",
                    format!(
                        "Production {p} is not the deployment in the production slot ({}).",
                        c.name
                    ),
                ));
            }
            None => {
                return Err(invalid(
                    "Production",
                    format!(
                        "Production {p} is not the deployment in the production slot (it is empty)."
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let work = Swap {
        subscription: at.subscription.to_string(),
        service: at.name.to_string(),
    };
    jobs::enqueue(ctx, op, at.subscription, &work).await
}

/// Queues the [`ReportChange`] job that reports the end of an action: with `change` to `d`
/// in one transaction, or alone for an action that changes nothing stored.
async fn report_change(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    change: Option<&DeploymentChange>,
    what: &str,
) -> Result<(), DomainError> {
    let work = ReportChange {
        deployment: DeploymentRef::new(at, &d.name),
        what: what.to_string(),
    };
    let Some(change) = change else {
        return jobs::enqueue(ctx, op, at.subscription, &work).await;
    };
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    ctx.db
        .change_deployment(
            at.subscription,
            at.name,
            &d.name,
            change,
            ctx.now,
            Some(&job),
        )
        .await
        .map(|_| ())
        .map_err(db_error)
}

/// The deployment a job works on.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeploymentRef {
    pub subscription: String,
    pub service: String,
    pub name: String,
}

impl DeploymentRef {
    pub(crate) fn new(at: Service<'_>, name: &str) -> Self {
        DeploymentRef {
            subscription: at.subscription.to_string(),
            service: at.name.to_string(),
            name: name.to_string(),
        }
    }
}

fn gone() -> DomainError {
    DomainError::not_found(ResourceKind::Deployment)
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
                .set_deployment_status(&d.subscription, &d.service, &d.name, self.status, now, None)
                .await,
            gone(),
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
            gone(),
        )
    }
}

/// Removes a deployment and the disks of its virtual machines (`comp=media`). Idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeleteDeploymentAndMedia(pub DeploymentRef);

impl JobKind for DeleteDeploymentAndMedia {
    const KIND: &'static str = "DeleteDeploymentAndMedia";
    async fn run(self, state: AppState) -> JobResult {
        let d = self.0;
        JobResult::of(
            state
                .db
                .delete_deployment_and_disks(&d.subscription, &d.service, &d.name, true)
                .await,
            gone(),
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
            DomainError::not_found(ResourceKind::HostedService),
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
            gone(),
        )
    }
}
