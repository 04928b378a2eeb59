//! The disk repository (migration 17): a subscription's OS and data disks, one per VHD
//! blob. Names and media links are unique per subscription (case-insensitive).

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key};
use crate::db::{Db, fetch, tx_require, with_pool};
use crate::error::{ConflictReason, DbError, ResourceKind, conflict_on_unique};

/// A disk as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    pub subscription_id: String,
    pub name: String,
    pub label: String,
    /// `Linux` or `Windows`; `None` for a data disk.
    pub os: Option<String>,
    pub media_link: String,
    pub location: String,
    pub size_gb: i64,
    pub source_image: Option<String>,
    /// (cloud service, deployment, role) it is attached to.
    pub attached_to: Option<(String, String, String)>,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// What Add Disk stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisk<'a> {
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub os: Option<&'a str>,
    pub media_link: &'a str,
    pub location: &'a str,
    pub size_gb: i64,
}

fn disk_key(name: &str) -> String {
    name.to_lowercase()
}

type DiskRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

macro_rules! select_disk {
    () => {
        "SELECT subscription_id, name, label, os, media_link, location, size_gb, source_image, \
         attached_service, attached_deployment, attached_role, created_at, modified_at FROM disks "
    };
}

fn disk(r: DiskRow) -> Result<Disk, DbError> {
    let attached_to = match (r.8, r.9, r.10) {
        (Some(s), Some(d), Some(role)) => Some((s, d, role)),
        _ => None,
    };
    Ok(Disk {
        subscription_id: r.0,
        name: r.1,
        label: r.2,
        os: r.3,
        media_link: r.4,
        location: r.5,
        size_gb: r.6,
        source_image: r.7,
        attached_to,
        created_at: from_micros(r.11)?,
        modified_at: from_micros(r.12)?,
    })
}

impl Db {
    /// Adds a disk, in one transaction:
    ///
    /// * [`DbError::NotFound`] ("subscription") for an unknown subscription;
    /// * [`DbError::Conflict`] ([`ConflictReason::MediaInUse`], naming the other disk) if a
    ///   disk of the subscription already uses the media link;
    /// * [`DbError::Conflict`] ("disk") if the subscription has a disk of that name.
    pub async fn add_disk(&self, new: &NewDisk<'_>, now: OffsetDateTime) -> Result<Disk, DbError> {
        let sub = sub_key(new.subscription_id);
        let media_key = new.media_link.to_lowercase();
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require!(
                tx,
                (String,),
                "SELECT id FROM subscriptions WHERE id = $1",
                [&sub],
                DbError::not_found(ResourceKind::Subscription, new.subscription_id)
            );
            let user: Option<(String,)> = sqlx::query_as(
                "SELECT name FROM disks WHERE subscription_id = $1 AND media_key = $2",
            )
            .bind(&sub)
            .bind(&media_key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((other,)) = user {
                return Err(DbError::conflict(ConflictReason::MediaInUse, &other));
            }
            sqlx::query(
                "INSERT INTO disks (subscription_id, name_key, name, label, os, media_link, \
                 media_key, location, size_gb, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(&sub)
            .bind(disk_key(new.name))
            .bind(new.name)
            .bind(new.label)
            .bind(new.os)
            .bind(new.media_link)
            .bind(&media_key)
            .bind(new.location)
            .bind(new.size_gb)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::Disk, new.name))?;
            tx.commit().await?;
        });
        self.get_disk(new.subscription_id, new.name).await
    }

    /// The subscription's disk `name` (any case). [`DbError::NotFound`] ("disk").
    pub async fn get_disk(&self, subscription_id: &str, name: &str) -> Result<Disk, DbError> {
        let row: Option<DiskRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_disk!(),
                "WHERE subscription_id = $1 AND name_key = $2"
            ),
            [sub_key(subscription_id), disk_key(name)]
        )?;
        disk(row.ok_or_else(|| DbError::not_found(ResourceKind::Disk, name))?)
    }

    /// The subscription's disks, by name.
    pub async fn list_disks(&self, subscription_id: &str) -> Result<Vec<Disk>, DbError> {
        let rows: Vec<DiskRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_disk!(),
                "WHERE subscription_id = $1 ORDER BY name_key"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(disk).collect()
    }

    /// Sets the label and the size (`None` keeps each), with `job` (the one completing an
    /// asynchronous resize) in the same transaction. [`DbError::NotFound`] ("disk").
    pub async fn update_disk(
        &self,
        subscription_id: &str,
        name: &str,
        label: Option<&str>,
        size_gb: Option<i64>,
        job: Option<&crate::model::NewJob>,
        now: OffsetDateTime,
    ) -> Result<Disk, DbError> {
        let changed: Result<(), DbError> = crate::jobs::change_one_with_job!(
            self,
            "UPDATE disks SET label = COALESCE($3, label), size_gb = COALESCE($4, size_gb), \
             modified_at = $5 WHERE subscription_id = $1 AND name_key = $2",
            [
                sub_key(subscription_id),
                disk_key(name),
                label,
                size_gb,
                micros(now)
            ],
            DbError::not_found(ResourceKind::Disk, name),
            job
        );
        changed?;
        self.get_disk(subscription_id, name).await
    }

    /// Deletes a disk that is not attached: [`DbError::NotFound`] ("disk");
    /// [`DbError::Conflict`] ([`ConflictReason::DiskAttached`]) while attached.
    pub async fn delete_disk(&self, subscription_id: &str, name: &str) -> Result<(), DbError> {
        let n = with_pool!(self, |p| sqlx::query(
            "DELETE FROM disks WHERE subscription_id = $1 AND name_key = $2 \
             AND attached_role IS NULL"
        )
        .bind(sub_key(subscription_id))
        .bind(disk_key(name))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 1 {
            return Ok(());
        }
        // Missing, or attached.
        let d = self.get_disk(subscription_id, name).await?;
        Err(DbError::conflict(ConflictReason::DiskAttached, &d.name))
    }
}
