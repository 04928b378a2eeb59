//! The disk repository (asm-iaas §5): OS and data disks made from VHD blobs, one disk per
//! blob. The VHD is not read: an OS disk takes its OS's default size (30 GB Linux, 128 GB
//! Windows), a data disk 1023 GB (the largest), until resized; its location is that of the
//! storage account its media link names (as for images). Only the label and the size
//! (growing) change; a disk attached to a virtual machine is not deleted.

use super::images::{media_host, media_location, operating_system, required};
use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{DbError, Disk, NewDisk};
use azmc_wire::asm::DiskInput;
use serde::{Deserialize, Serialize};

fn db_error(e: DbError) -> DomainError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::Disk,
            ..
        } => DomainError::not_found(ResourceKind::Disk),
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::Disk),
            id,
        } => DomainError::Conflict(ConflictReason::DiskExists { name: id }),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::MediaInUse,
            id,
        } => DomainError::Conflict(ConflictReason::DiskMediaInUse { disk: id }),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::DiskAttached,
            id,
        } => DomainError::Invalid {
            field: "Name",
            message: format!("A disk with name {id} is currently in use by a virtual machine."),
        },
        other => DomainError::from_db(other),
    }
}

/// List Disks.
pub async fn list(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<Disk>, DomainError> {
    ctx.db.list_disks(subscription).await.map_err(db_error)
}

/// Get Disk.
pub async fn get(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<Disk, DomainError> {
    ctx.db.get_disk(subscription, name).await.map_err(db_error)
}

/// Add Disk: Name, Label and MediaLink required; OS Linux or Windows for an OS disk, empty
/// or absent for a data disk; the name and the blob free in the subscription.
pub async fn add(
    ctx: &Ctx<'_>,
    subscription: &str,
    input: &DiskInput,
) -> Result<Disk, DomainError> {
    let name = required(&input.name, "Name")?;
    let label = required(&input.label, "Label")?;
    let link = required(&input.media_link, "MediaLink")?;
    let os = match input.os.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        None => None,
        Some(o) if o.eq_ignore_ascii_case("none") => None,
        Some(o) => Some(operating_system(o)?),
    };
    if name.len() > 256 || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(DomainError::Invalid {
            field: "Name",
            message: format!("Name {name:?} is not a valid disk name."),
        });
    }
    let host = media_host(link)?;
    let location = media_location(ctx, subscription, host).await?;
    let size = match os {
        Some("Linux") => 30,
        Some(_) => 128,
        None => 1023,
    };
    ctx.db
        .add_disk(
            &NewDisk {
                subscription_id: subscription,
                name,
                label,
                os,
                media_link: link,
                location: &location,
                size_gb: size,
            },
            ctx.now,
        )
        .await
        .map_err(db_error)
}

/// Update Disk: the label, and with `ResizedSizeInGB` a larger size (at most 1023 GB).
/// Answers whether the change is a resize (asynchronous: its job completes `op`).
pub async fn update(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    name: &str,
    input: &DiskInput,
) -> Result<(Disk, bool), DomainError> {
    let label = input
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let current = get(ctx, subscription, name).await?;
    let size = match input
        .resized_size_in_gb
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => {
            let n: i64 = s.parse().map_err(|_| DomainError::Invalid {
                field: "ResizedSizeInGB",
                message: format!("ResizedSizeInGB must be a number of GB, not {s:?}."),
            })?;
            if n <= current.size_gb || n > 1023 {
                return Err(DomainError::Invalid {
                    field: "ResizedSizeInGB",
                    message: format!(
                        "ResizedSizeInGB must grow the disk ({} GB) and be at most 1023 GB.",
                        current.size_gb
                    ),
                });
            }
            Some(n)
        }
    };
    let job = match size {
        Some(_) => Some(jobs::new_job(
            ctx,
            op,
            subscription,
            &CompleteDiskOperation {
                subscription: subscription.to_string(),
                disk: current.name.clone(),
            },
        )?),
        None => None,
    };
    let disk = ctx
        .db
        .update_disk(subscription, name, label, size, job.as_ref(), ctx.now)
        .await
        .map_err(db_error)?;
    Ok((disk, size.is_some()))
}

/// Delete Disk (with `comp=media` too: there is no blob to delete); refused while it is
/// attached to a virtual machine.
pub async fn delete(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<(), DomainError> {
    match ctx.db.delete_disk(subscription, name).await {
        Err(DbError::Conflict {
            reason: azmc_db::ConflictReason::DiskAttached,
            id,
        }) => {
            // The live service's words name the virtual machine that uses it.
            let user = ctx
                .db
                .get_disk(subscription, &id)
                .await
                .ok()
                .and_then(|d| d.attached_to);
            Err(DomainError::Invalid {
                field: "Name",
                message: match user {
                    Some((svc, dep, role)) => format!(
                        "A disk with name {id} is currently in use by virtual machine {role} running within hosted service {svc}, deployment {dep}."
                    ),
                    None => {
                        format!("A disk with name {id} is currently in use by a virtual machine.")
                    }
                },
            })
        }
        other => other.map_err(db_error),
    }
}

/// The completion of an asynchronous disk change (a resize): stored with the request.
/// Idempotent.
#[derive(Debug, Serialize, Deserialize)]
pub struct CompleteDiskOperation {
    pub subscription: String,
    pub disk: String,
}

impl JobKind for CompleteDiskOperation {
    const KIND: &'static str = "DiskOperation";
    async fn run(self, _state: AppState) -> JobResult {
        JobResult::ok()
    }
}
