//! Deployments of cloud services: one per slot (`Production`, `Staging`), names unique
//! within their service. Cores (one per role instance) count against the subscription's
//! `max_core_count`, checked in the transaction of the insert.

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, props_from_json, props_to_json, sub_key};
use crate::db::{Db, fetch, for_update, tx_require, tx_require_service, with_pool};
use crate::error::{ConflictReason, DbError, Limit, ResourceKind};
use crate::hosted_services::service_key;
use crate::model::DeploymentStatus;

/// A deployment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The cloud service's name as stored.
    pub service_name: String,
    /// `Production` or `Staging`.
    pub slot: String,
    pub name: String,
    /// 32 lower-case hex digits.
    pub private_id: String,
    /// Decoded label text.
    pub label: String,
    pub package_url: String,
    /// Base64 of the service configuration, as given.
    pub configuration: String,
    /// `Deploying`, `Running`, `Suspended`, `Deleting`, ...
    pub status: DeploymentStatus,
    /// (role name, instance count), in configuration order.
    pub roles: Vec<(String, u32)>,
    pub cores: i64,
    pub extended_properties: Vec<(String, String)>,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
    /// The upgrade in progress (Mode Manual), if any.
    pub upgrade: Option<UpgradeProgress>,
    /// A virtual machine deployment's state document (JSON the server writes); `None` for
    /// the deployment of a package.
    pub vm_state: Option<String>,
}

/// An upgrade or configuration change in progress: it walks the upgrade domains one by
/// one, and can be rolled back until the last one is walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeProgress {
    /// `Manual`.
    pub mode: String,
    /// The upgrade domains walked so far: the next to walk is this one.
    pub walked: u32,
}

/// What Create Deployment stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeployment<'a> {
    pub subscription_id: &'a str,
    pub service: &'a str,
    /// `Production` or `Staging`.
    pub slot: &'a str,
    pub name: &'a str,
    pub private_id: &'a str,
    pub label: &'a str,
    pub package_url: &'a str,
    pub configuration: &'a str,
    /// The status it is created in (e.g. `Deploying`).
    pub status: DeploymentStatus,
    pub roles: &'a [(String, u32)],
    pub cores: i64,
    pub extended_properties: &'a [(String, String)],
    /// The job that finishes the creation, queued in the same transaction.
    pub job: Option<&'a crate::model::NewJob>,
}

macro_rules! select_deployment {
    () => {
        "SELECT h.name, d.slot, d.name, d.private_id, d.label, d.package_url, d.configuration, \
         d.status, d.roles, d.cores, d.extended_properties, d.created_at, d.modified_at, \
         d.upgrade_mode, d.upgrade_walked, d.vm_state \
         FROM deployments d JOIN hosted_services h ON h.name_key = d.service_key \
         WHERE h.subscription_id = $1 AND h.name_key = $2 "
    };
}

/// The cores used by the deployments of subscription `$1` (for `max_core_count`).
const USED_CORES_SQL: &str = "SELECT CAST(COALESCE(SUM(d.cores), 0) AS BIGINT) FROM deployments d \
     JOIN hosted_services h ON h.name_key = d.service_key WHERE h.subscription_id = $1";

type DeploymentRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    Option<String>,
    i64,
    Option<String>,
);

fn deployment(row: DeploymentRow) -> Result<Deployment, DbError> {
    let (service_name, slot, name, private_id, label, package_url, configuration, status, roles) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    Ok(Deployment {
        service_name,
        slot,
        name,
        private_id,
        label,
        package_url,
        configuration,
        status: status
            .parse()
            .map_err(|e| DbError::Corrupt(format!("deployment: {e}")))?,
        roles: serde_json::from_str(&roles)
            .map_err(|e| DbError::Corrupt(format!("deployment roles {roles:?}: {e}")))?,
        cores: row.9,
        extended_properties: props_from_json(&row.10)?,
        created_at: from_micros(row.11)?,
        modified_at: from_micros(row.12)?,
        upgrade: match row.13 {
            Some(mode) => Some(UpgradeProgress {
                mode,
                walked: u32::try_from(row.14)
                    .map_err(|_| DbError::Corrupt(format!("upgrade_walked {}", row.14)))?,
            }),
            None => None,
        },
        vm_state: row.15,
    })
}

/// (base64 configuration, its roles with their instance counts, their cores).
pub type NewConfiguration = (String, Vec<(String, u32)>, i64);

/// What Change Configuration / Upgrade change: `None` keeps the stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentChange {
    pub package_url: Option<String>,
    /// Decoded label text.
    pub label: Option<String>,
    pub configuration: Option<NewConfiguration>,
    /// `Some("Manual")`: the change starts an upgrade in progress that keeps what it
    /// replaced (see [`Db::walk_upgrade_domain`], [`Db::rollback_deployment_change`]);
    /// `None`: the change is complete at once.
    pub manual_mode: Option<String>,
}

/// A slot name as stored (`Production` / `Staging`), from any case.
pub fn slot_name(slot: &str) -> Option<&'static str> {
    if slot.eq_ignore_ascii_case("production") {
        Some("Production")
    } else if slot.eq_ignore_ascii_case("staging") {
        Some("Staging")
    } else {
        None
    }
}

impl Db {
    /// Creates a deployment, in one transaction:
    ///
    /// * [`DbError::NotFound`] ("hosted service") if the service does not exist;
    /// * [`DbError::Conflict`] ("deployment slot") if the slot is occupied;
    /// * [`DbError::Conflict`] ("deployment") if the service has a deployment of that name;
    /// * [`DbError::LimitExceeded`] ([`Limit::Cores`]) if the subscription's deployments
    ///   would use more than `max_core_count` cores;
    /// * [`DbError::Invalid`] for a slot other than Production/Staging.
    pub async fn create_deployment(
        &self,
        new: &NewDeployment<'_>,
        now: OffsetDateTime,
    ) -> Result<Deployment, DbError> {
        self.insert_deployment(new, None, now).await
    }

    /// Creates a virtual machine deployment with its state document `vm_state` and, in the
    /// same transaction, the disk changes of its roles (new OS and data disks attached,
    /// existing disks attached): the errors of [`Db::create_deployment`], and those of
    /// [`crate::DiskChange`].
    pub async fn create_vm_deployment(
        &self,
        new: &NewDeployment<'_>,
        vm_state: &str,
        disks: &[crate::DiskChange<'_>],
        now: OffsetDateTime,
    ) -> Result<Deployment, DbError> {
        self.insert_deployment(new, Some((vm_state, disks)), now)
            .await
    }

    async fn insert_deployment(
        &self,
        new: &NewDeployment<'_>,
        vm: Option<(&str, &[crate::DiskChange<'_>])>,
        now: OffsetDateTime,
    ) -> Result<Deployment, DbError> {
        let slot =
            slot_name(new.slot).ok_or_else(|| DbError::Invalid(format!("slot {:?}", new.slot)))?;
        let sub = sub_key(new.subscription_id);
        let key = service_key(new.service);
        let roles = serde_json::to_string(new.roles).unwrap_or_else(|_| "[]".into());
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(d, "SELECT max_core_count FROM subscriptions WHERE id = $1");
            let (max_cores,) = tx_require!(
                tx,
                (i64,),
                lock,
                [&sub],
                DbError::not_found(ResourceKind::HostedService, new.service)
            );
            tx_require_service!(tx, &sub, &key, new.service);
            let taken: Option<(String,)> =
                sqlx::query_as("SELECT name FROM deployments WHERE service_key = $1 AND slot = $2")
                    .bind(&key)
                    .bind(slot)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(DbError::conflict(ConflictReason::SlotTaken, slot));
            }
            let same: Option<(String,)> = sqlx::query_as(
                "SELECT name FROM deployments WHERE service_key = $1 AND name_key = $2",
            )
            .bind(&key)
            .bind(new.name.to_lowercase())
            .fetch_optional(&mut *tx)
            .await?;
            if same.is_some() {
                return Err(DbError::conflict(
                    ConflictReason::Exists(ResourceKind::Deployment),
                    new.name,
                ));
            }
            let (used,): (i64,) = sqlx::query_as(USED_CORES_SQL)
                .bind(&sub)
                .fetch_one(&mut *tx)
                .await?;
            if used + new.cores > max_cores {
                return Err(DbError::limit_exceeded(Limit::Cores, max_cores));
            }
            sqlx::query(
                "INSERT INTO deployments (service_key, slot, name, name_key, private_id, label, \
                 package_url, configuration, status, roles, cores, extended_properties, \
                 created_at, modified_at, vm_state) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
            )
            .bind(&key)
            .bind(slot)
            .bind(new.name)
            .bind(new.name.to_lowercase())
            .bind(new.private_id)
            .bind(new.label)
            .bind(new.package_url)
            .bind(new.configuration)
            .bind(new.status.as_str())
            .bind(&roles)
            .bind(new.cores)
            .bind(props_to_json(new.extended_properties))
            .bind(micros(now))
            .bind(vm.map(|(state, _)| state))
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::error::conflict_on_unique(e, ResourceKind::Deployment, new.name))?;
            if let Some((_, disks)) = vm {
                let (service,): (String,) =
                    sqlx::query_as("SELECT name FROM hosted_services WHERE name_key = $1")
                        .bind(&key)
                        .fetch_one(&mut *tx)
                        .await?;
                crate::vms::tx_apply_disk_changes!(tx, &sub, &service, new.name, disks, now);
            }
            if let Some(job) = new.job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        self.get_deployment_by_slot(new.subscription_id, new.service, slot)
            .await
    }

    /// The deployment in `slot` (any case). [`DbError::NotFound`] ("hosted service" or
    /// "deployment").
    pub async fn get_deployment_by_slot(
        &self,
        subscription_id: &str,
        service: &str,
        slot: &str,
    ) -> Result<Deployment, DbError> {
        self.get_hosted_service(subscription_id, service).await?;
        let slot =
            slot_name(slot).ok_or_else(|| DbError::not_found(ResourceKind::Deployment, slot))?;
        self.find_deployment(
            subscription_id,
            service,
            concat!(select_deployment!(), "AND d.slot = $3"),
            slot,
            slot,
        )
        .await
    }

    /// The deployment named `name` (any case). [`DbError::NotFound`] ("hosted service" or
    /// "deployment").
    pub async fn get_deployment_by_name(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
    ) -> Result<Deployment, DbError> {
        self.get_hosted_service(subscription_id, service).await?;
        self.find_deployment(
            subscription_id,
            service,
            concat!(select_deployment!(), "AND d.name_key = $3"),
            &name.to_lowercase(),
            name,
        )
        .await
    }

    /// The deployment of the service that `sql` (a `select_deployment!` query) finds with
    /// `$3` = `key`. [`DbError::NotFound`] ("deployment", `id`) if there is none.
    async fn find_deployment(
        &self,
        subscription_id: &str,
        service: &str,
        sql: &'static str,
        key: &str,
        id: &str,
    ) -> Result<Deployment, DbError> {
        let row: Option<DeploymentRow> = fetch!(
            self,
            fetch_optional,
            sql,
            [sub_key(subscription_id), service_key(service), key]
        )?;
        deployment(row.ok_or_else(|| DbError::not_found(ResourceKind::Deployment, id))?)
    }

    /// The deployments of a service (Production first). Empty for an unknown service.
    pub async fn list_deployments(
        &self,
        subscription_id: &str,
        service: &str,
    ) -> Result<Vec<Deployment>, DbError> {
        let rows: Vec<DeploymentRow> = fetch!(
            self,
            fetch_all,
            concat!(select_deployment!(), "ORDER BY d.slot"),
            [sub_key(subscription_id), service_key(service)]
        )?;
        rows.into_iter().map(deployment).collect()
    }

    /// Sets the status of the deployment `name`, with `job` (the one that finishes a
    /// transitional status) queued in the same transaction. [`DbError::NotFound`]
    /// ("deployment").
    pub async fn set_deployment_status(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
        status: DeploymentStatus,
        now: OffsetDateTime,
        job: Option<&crate::model::NewJob>,
    ) -> Result<(), DbError> {
        crate::jobs::change_one_with_job!(
            self,
            "UPDATE deployments SET status = $4, modified_at = $5 \
             WHERE service_key = $2 AND name_key = $3 AND EXISTS \
             (SELECT 1 FROM hosted_services h WHERE h.name_key = $2 AND h.subscription_id = $1)",
            [
                sub_key(subscription_id),
                service_key(service),
                name.to_lowercase(),
                status.as_str(),
                micros(now)
            ],
            DbError::not_found(ResourceKind::Deployment, name),
            job
        )
    }

    /// Changes a deployment's package, label and/or configuration (with its roles and
    /// cores), in one transaction with `job` (the one that reports the change's end).
    /// [`DbError::NotFound`] ("deployment");
    /// [`DbError::LimitExceeded`] ([`Limit::Cores`]) if the new cores would exceed the
    /// subscription's `max_core_count`.
    pub async fn change_deployment(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
        change: &DeploymentChange,
        now: OffsetDateTime,
        job: Option<&crate::model::NewJob>,
    ) -> Result<Deployment, DbError> {
        let sub = sub_key(subscription_id);
        let key = service_key(service);
        let name_key = name.to_lowercase();
        let roles = change
            .configuration
            .as_ref()
            .map(|(_, r, _)| serde_json::to_string(r).unwrap_or_else(|_| "[]".into()));
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(d, "SELECT max_core_count FROM subscriptions WHERE id = $1");
            let max: Option<(i64,)> = sqlx::query_as(lock)
                .bind(&sub)
                .fetch_optional(&mut *tx)
                .await?;
            let current: Option<(i64,)> = sqlx::query_as(
                "SELECT d.cores FROM deployments d JOIN hosted_services h ON h.name_key = d.service_key                  WHERE h.subscription_id = $1 AND d.service_key = $2 AND d.name_key = $3",
            )
            .bind(&sub)
            .bind(&key)
            .bind(&name_key)
            .fetch_optional(&mut *tx)
            .await?;
            let (Some((max_cores,)), Some((old_cores,))) = (max, current) else {
                return Err(DbError::not_found(ResourceKind::Deployment, name));
            };
            if let Some((_, _, cores)) = &change.configuration {
                let (used,): (i64,) = sqlx::query_as(USED_CORES_SQL)
                    .bind(&sub)
                    .fetch_one(&mut *tx)
                    .await?;
                if used - old_cores + cores > max_cores {
                    return Err(DbError::limit_exceeded(Limit::Cores, max_cores));
                }
            }
            sqlx::query(
                "UPDATE deployments SET previous_package_url = package_url,                  previous_label = label, previous_configuration = configuration,                  previous_roles = roles, previous_cores = cores, upgrade_mode = $10,                  upgrade_walked = 0, package_url = COALESCE($4, package_url),                  label = COALESCE($5, label), configuration = COALESCE($6, configuration),                  roles = COALESCE($7, roles), cores = COALESCE($8, cores), modified_at = $9                  WHERE service_key = $2 AND name_key = $3 AND EXISTS                  (SELECT 1 FROM hosted_services h WHERE h.name_key = $2 AND h.subscription_id = $1)",
            )
            .bind(&sub)
            .bind(&key)
            .bind(&name_key)
            .bind(&change.package_url)
            .bind(&change.label)
            .bind(change.configuration.as_ref().map(|(c, _, _)| c.clone()))
            .bind(&roles)
            .bind(change.configuration.as_ref().map(|(_, _, n)| *n))
            .bind(micros(now))
            .bind(&change.manual_mode)
            .execute(&mut *tx)
            .await?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        self.get_deployment_by_name(subscription_id, service, name)
            .await
    }

    /// Records that upgrade domain `domain` of the upgrade in progress on deployment `name`
    /// was walked, in one transaction with `job`; walking the last of its `domains` ends the
    /// upgrade. [`DbError::Conflict`] ([`ConflictReason::NoUpgradeInProgress`]) unless an
    /// upgrade is in progress whose next domain is `domain`; [`DbError::NotFound`]
    /// ("deployment").
    #[allow(clippy::too_many_arguments)]
    pub async fn walk_upgrade_domain(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
        domain: u32,
        domains: u32,
        now: OffsetDateTime,
        job: Option<&crate::model::NewJob>,
    ) -> Result<(), DbError> {
        self.get_deployment_by_name(subscription_id, service, name)
            .await?;
        crate::jobs::change_one_with_job!(
            self,
            "UPDATE deployments SET upgrade_walked = upgrade_walked + 1, \
             upgrade_mode = CASE WHEN upgrade_walked + 1 >= $5 THEN NULL ELSE upgrade_mode END, \
             modified_at = $6 \
             WHERE service_key = $2 AND name_key = $3 AND upgrade_mode IS NOT NULL \
             AND upgrade_walked = $4 AND EXISTS \
             (SELECT 1 FROM hosted_services h WHERE h.name_key = $2 AND h.subscription_id = $1)",
            [
                sub_key(subscription_id),
                service_key(service),
                name.to_lowercase(),
                i64::from(domain),
                i64::from(domains),
                micros(now)
            ],
            DbError::conflict(ConflictReason::NoUpgradeInProgress, name),
            job
        )
    }

    /// Rolls back the upgrade in progress on deployment `name`: restores the package,
    /// label, configuration, roles and cores it replaced and ends it, in one transaction
    /// with `job`. [`DbError::Conflict`] ([`ConflictReason::NoUpgradeInProgress`]) if
    /// none is in progress; [`DbError::LimitExceeded`] ([`Limit::Cores`]) if the restored
    /// cores would exceed the subscription's `max_core_count`; [`DbError::NotFound`]
    /// ("deployment").
    pub async fn rollback_deployment_change(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
        now: OffsetDateTime,
        job: Option<&crate::model::NewJob>,
    ) -> Result<Deployment, DbError> {
        let sub = sub_key(subscription_id);
        let key = service_key(service);
        let name_key = name.to_lowercase();
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(d, "SELECT max_core_count FROM subscriptions WHERE id = $1");
            let max: Option<(i64,)> = sqlx::query_as(lock)
                .bind(&sub)
                .fetch_optional(&mut *tx)
                .await?;
            let current: Option<(i64, Option<String>, Option<i64>)> = sqlx::query_as(
                "SELECT d.cores, d.upgrade_mode, d.previous_cores FROM deployments d \
                 JOIN hosted_services h ON h.name_key = d.service_key \
                 WHERE h.subscription_id = $1 AND d.service_key = $2 AND d.name_key = $3",
            )
            .bind(&sub)
            .bind(&key)
            .bind(&name_key)
            .fetch_optional(&mut *tx)
            .await?;
            let (Some((max_cores,)), Some((cores, mode, previous_cores))) = (max, current) else {
                return Err(DbError::not_found(ResourceKind::Deployment, name));
            };
            let (Some(_), Some(previous_cores)) = (mode, previous_cores) else {
                return Err(DbError::conflict(ConflictReason::NoUpgradeInProgress, name));
            };
            let (used,): (i64,) = sqlx::query_as(USED_CORES_SQL)
                .bind(&sub)
                .fetch_one(&mut *tx)
                .await?;
            if used - cores + previous_cores > max_cores {
                return Err(DbError::limit_exceeded(Limit::Cores, max_cores));
            }
            sqlx::query(
                "UPDATE deployments SET package_url = previous_package_url, \
                 label = previous_label, configuration = previous_configuration, \
                 roles = previous_roles, cores = previous_cores, upgrade_mode = NULL, \
                 upgrade_walked = 0, previous_package_url = NULL, previous_label = NULL, \
                 previous_configuration = NULL, previous_roles = NULL, previous_cores = NULL, \
                 modified_at = $3 WHERE service_key = $1 AND name_key = $2",
            )
            .bind(&key)
            .bind(&name_key)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        self.get_deployment_by_name(subscription_id, service, name)
            .await
    }

    /// Deletes the deployment `name` (idempotent: `Ok(false)` if it was not there); the
    /// disks its virtual machines used are detached and stay in the repository.
    pub async fn delete_deployment(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
    ) -> Result<bool, DbError> {
        self.delete_deployment_and_disks(subscription_id, service, name, false)
            .await
    }

    /// [`Db::delete_deployment`]; with `delete_disks`, the disks its virtual machines
    /// used are deleted too (`comp=media`), in the same transaction.
    pub async fn delete_deployment_and_disks(
        &self,
        subscription_id: &str,
        service: &str,
        name: &str,
        delete_disks: bool,
    ) -> Result<bool, DbError> {
        let sub = sub_key(subscription_id);
        let key = service_key(service);
        let name_key = name.to_lowercase();
        let n = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let found: Option<(String, String)> = sqlx::query_as(
                "SELECT h.name, d.name FROM deployments d JOIN hosted_services h \
                 ON h.name_key = d.service_key \
                 WHERE h.subscription_id = $1 AND d.service_key = $2 AND d.name_key = $3",
            )
            .bind(&sub)
            .bind(&key)
            .bind(&name_key)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((service_name, deployment_name)) = found else {
                return Ok(false);
            };
            crate::vms::tx_release_disks!(
                tx,
                &sub,
                &service_name,
                Some(&deployment_name),
                delete_disks
            );
            let n = sqlx::query("DELETE FROM deployments WHERE service_key = $1 AND name_key = $2")
                .bind(&key)
                .bind(&name_key)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Swaps the slots of a service's deployments (a lone deployment changes slot), in
    /// one transaction. [`DbError::NotFound`] ("hosted service").
    pub async fn swap_deployments(
        &self,
        subscription_id: &str,
        service: &str,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        self.get_hosted_service(subscription_id, service).await?;
        let key = service_key(service);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            // The primary key is (service, slot), checked row by row on PostgreSQL: an
            // UPDATE that swaps two slots would collide midway. So copy the rows aside,
            // delete them, and insert them back with their slots swapped.
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT slot FROM deployments WHERE service_key = $1")
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
            if !rows.is_empty() {
                sqlx::query(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS swap_tmp AS SELECT * FROM deployments WHERE 1 = 0",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM swap_tmp")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO swap_tmp SELECT * FROM deployments WHERE service_key = $1",
                )
                .bind(&key)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM deployments WHERE service_key = $1")
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE swap_tmp SET modified_at = $1, slot = CASE slot \
                     WHEN 'Production' THEN 'Staging' ELSE 'Production' END",
                )
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO deployments SELECT * FROM swap_tmp")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM swap_tmp")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
