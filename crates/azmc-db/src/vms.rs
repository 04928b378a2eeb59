//! Virtual machine deployments (migration 18): a deployment's state document (`vm_state`)
//! changes by compare and swap, together with the cores it uses (checked against the
//! subscription's `max_core_count`), the disks its roles attach, detach, create or
//! delete, and the job that finishes the change, all in one transaction.

use time::OffsetDateTime;

use crate::convert::{micros, sub_key};
use crate::db::{Db, for_update, tx_require, with_pool};
use crate::error::{ConflictReason, DbError, Limit, ResourceKind};
use crate::hosted_services::service_key;
use crate::model::NewJob;

/// A change to the disk repository made with a virtual machine change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskChange<'a> {
    /// A new disk (an OS disk made from an image, a new empty data disk, a VHD
    /// registered), attached to `role`: [`DbError::Conflict`] ("disk") if the name is taken,
    /// ([`ConflictReason::MediaInUse`]) if another disk uses the media link.
    Create {
        disk: crate::NewDisk<'a>,
        source_image: Option<&'a str>,
        role: &'a str,
    },
    /// An existing disk attached to `role`: [`DbError::NotFound`] ("disk"),
    /// [`DbError::Conflict`] ([`ConflictReason::DiskAttached`]) if it is attached already.
    Attach { name: &'a str, role: &'a str },
    /// A disk detached (it stays in the repository).
    Detach { name: &'a str },
    /// A disk deleted (`comp=media`).
    Delete { name: &'a str },
}

/// A change to a virtual machine deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmChange<'a> {
    pub subscription_id: &'a str,
    /// The cloud service and deployment as stored (they name the disks' attachments).
    pub service: &'a str,
    pub deployment: &'a str,
    /// The state document the change was made from.
    pub previous: &'a str,
    pub state: &'a str,
    /// (role name, 1) for every role: the deployment's roles.
    pub roles: &'a [(String, u32)],
    /// The cores its roles use now.
    pub cores: i64,
    pub disks: &'a [DiskChange<'a>],
    /// The job that finishes the change, queued in the same transaction.
    pub job: Option<&'a NewJob>,
}

/// Applies `$changes` (`&[DiskChange]`) for the deployment `$deployment` of the cloud
/// service `$service` (names as stored) inside `$tx`; returns early with the error of a
/// change that cannot be made.
macro_rules! tx_apply_disk_changes {
    ($tx:ident, $sub:expr, $service:expr, $deployment:expr, $changes:expr, $now:expr) => {{
        for change in $changes {
            match change {
                $crate::DiskChange::Create {
                    disk,
                    source_image,
                    role,
                } => {
                    let media_key = disk.media_link.to_lowercase();
                    let user: Option<(String,)> = sqlx::query_as(
                        "SELECT name FROM disks WHERE subscription_id = $1 AND media_key = $2",
                    )
                    .bind($sub)
                    .bind(&media_key)
                    .fetch_optional(&mut *$tx)
                    .await?;
                    if let Some((other,)) = user {
                        return Err($crate::DbError::conflict(
                            $crate::ConflictReason::MediaInUse,
                            &other,
                        ));
                    }
                    sqlx::query(
                        "INSERT INTO disks (subscription_id, name_key, name, label, os, \
                         media_link, media_key, location, size_gb, source_image, \
                         attached_service, attached_deployment, attached_role, created_at, \
                         modified_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
                    )
                    .bind($sub)
                    .bind(disk.name.to_lowercase())
                    .bind(disk.name)
                    .bind(disk.label)
                    .bind(disk.os)
                    .bind(disk.media_link)
                    .bind(&media_key)
                    .bind(disk.location)
                    .bind(disk.size_gb)
                    .bind(*source_image)
                    .bind($service)
                    .bind($deployment)
                    .bind(*role)
                    .bind($crate::convert::micros($now))
                    .execute(&mut *$tx)
                    .await
                    .map_err(|e| {
                        $crate::error::conflict_on_unique(e, $crate::ResourceKind::Disk, disk.name)
                    })?;
                }
                $crate::DiskChange::Attach { name, role } => {
                    let n = sqlx::query(
                        "UPDATE disks SET attached_service = $3, attached_deployment = $4, \
                         attached_role = $5, modified_at = $6 \
                         WHERE subscription_id = $1 AND name_key = $2 AND attached_role IS NULL",
                    )
                    .bind($sub)
                    .bind(name.to_lowercase())
                    .bind($service)
                    .bind($deployment)
                    .bind(*role)
                    .bind($crate::convert::micros($now))
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        let found: Option<(String,)> = sqlx::query_as(
                            "SELECT name FROM disks WHERE subscription_id = $1 AND name_key = $2",
                        )
                        .bind($sub)
                        .bind(name.to_lowercase())
                        .fetch_optional(&mut *$tx)
                        .await?;
                        return Err(match found {
                            Some((stored,)) => $crate::DbError::conflict(
                                $crate::ConflictReason::DiskAttached,
                                &stored,
                            ),
                            None => $crate::DbError::not_found($crate::ResourceKind::Disk, *name),
                        });
                    }
                }
                $crate::DiskChange::Detach { name } => {
                    sqlx::query(
                        "UPDATE disks SET attached_service = NULL, attached_deployment = NULL, \
                         attached_role = NULL, modified_at = $3 \
                         WHERE subscription_id = $1 AND name_key = $2",
                    )
                    .bind($sub)
                    .bind(name.to_lowercase())
                    .bind($crate::convert::micros($now))
                    .execute(&mut *$tx)
                    .await?;
                }
                $crate::DiskChange::Delete { name } => {
                    sqlx::query("DELETE FROM disks WHERE subscription_id = $1 AND name_key = $2")
                        .bind($sub)
                        .bind(name.to_lowercase())
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
    }};
}
pub(crate) use tx_apply_disk_changes;

/// The disks attached to the cloud service `$service` (as stored; to its deployment
/// `$deployment` only, when `Some`) inside `$tx`: deleted when `$delete` is true, else
/// detached.
macro_rules! tx_release_disks {
    ($tx:ident, $sub:expr, $service:expr, $deployment:expr, $delete:expr) => {{
        let deployment: Option<&str> = $deployment;
        let sql = if $delete {
            "DELETE FROM disks WHERE subscription_id = $1 AND attached_service = $2 \
             AND (CAST($3 AS TEXT) IS NULL OR attached_deployment = $3)"
        } else {
            "UPDATE disks SET attached_service = NULL, attached_deployment = NULL, \
             attached_role = NULL WHERE subscription_id = $1 AND attached_service = $2 \
             AND (CAST($3 AS TEXT) IS NULL OR attached_deployment = $3)"
        };
        sqlx::query(sql)
            .bind($sub)
            .bind($service)
            .bind(deployment)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use tx_release_disks;

/// The cores used by the deployments of subscription `$1`.
const USED_CORES_SQL: &str = "SELECT CAST(COALESCE(SUM(d.cores), 0) AS BIGINT) FROM deployments d \
     JOIN hosted_services h ON h.name_key = d.service_key WHERE h.subscription_id = $1";

impl Db {
    /// Replaces a virtual machine deployment's state document, roles and cores, and
    /// applies its disk changes, in one transaction:
    ///
    /// * [`DbError::NotFound`] ("deployment") if it is gone;
    /// * [`DbError::Conflict`] ([`ConflictReason::Changed`]) if its document is no longer
    ///   `previous` (another change came first: read again and retry);
    /// * [`DbError::LimitExceeded`] ([`Limit::Cores`]) if more cores would be used than
    ///   `max_core_count`;
    /// * the errors of each [`DiskChange`].
    pub async fn change_vm_deployment(
        &self,
        c: &VmChange<'_>,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let sub = sub_key(c.subscription_id);
        let key = service_key(c.service);
        let name_key = c.deployment.to_lowercase();
        let roles = serde_json::to_string(c.roles)
            .map_err(|e| DbError::Invalid(format!("deployment roles: {e}")))?;
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(d, "SELECT max_core_count FROM subscriptions WHERE id = $1");
            let (max_cores,) = tx_require!(
                tx,
                (i64,),
                lock,
                [&sub],
                DbError::not_found(ResourceKind::Deployment, c.deployment)
            );
            let (old_cores,) = tx_require!(
                tx,
                (i64,),
                "SELECT d.cores FROM deployments d JOIN hosted_services h \
                 ON h.name_key = d.service_key \
                 WHERE h.subscription_id = $1 AND d.service_key = $2 AND d.name_key = $3",
                [&sub, &key, &name_key],
                DbError::not_found(ResourceKind::Deployment, c.deployment)
            );
            if c.cores > old_cores {
                let (used,): (i64,) = sqlx::query_as(USED_CORES_SQL)
                    .bind(&sub)
                    .fetch_one(&mut *tx)
                    .await?;
                if used - old_cores + c.cores > max_cores {
                    return Err(DbError::limit_exceeded(Limit::Cores, max_cores));
                }
            }
            let n = sqlx::query(
                "UPDATE deployments SET vm_state = $4, roles = $5, cores = $6, modified_at = $7 \
                 WHERE service_key = $1 AND name_key = $2 AND vm_state = $3",
            )
            .bind(&key)
            .bind(&name_key)
            .bind(c.previous)
            .bind(c.state)
            .bind(&roles)
            .bind(c.cores)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(DbError::conflict(ConflictReason::Changed, c.deployment));
            }
            tx_apply_disk_changes!(tx, &sub, c.service, c.deployment, c.disks, now);
            if let Some(job) = c.job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
