//! The OS images a subscription added (migration 14). The platform catalogue is the
//! server's, not stored here. Names are unique per subscription (case-insensitive); the
//! caller keeps them apart from the catalogue's.

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, props_from_json, props_to_json, sub_key};
use crate::db::{Db, change_one, fetch, with_pool};
use crate::error::{DbError, ResourceKind, conflict_on_unique};

/// A user OS image as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsImage {
    pub subscription_id: String,
    pub name: String,
    pub label: String,
    /// `Linux` or `Windows`.
    pub os: String,
    pub media_link: String,
    pub location: String,
    pub logical_size_gb: i64,
    /// The optional descriptive fields by their wire names (`Eula`, `Description`, …).
    pub properties: Vec<(String, String)>,
    /// Regions it was replicated to.
    pub replicated_to: Vec<String>,
    /// `Private`, `Public` or `Msdn`.
    pub sharing: String,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// What Add OS Image stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOsImage<'a> {
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub os: &'a str,
    pub media_link: &'a str,
    pub location: &'a str,
    pub logical_size_gb: i64,
    pub properties: &'a [(String, String)],
}

fn image_key(name: &str) -> String {
    name.to_lowercase()
}

type ImageRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    String,
);

macro_rules! select_image {
    () => {
        "SELECT subscription_id, name, label, os, media_link, location, logical_size_gb, \
         properties, replicated_to, created_at, modified_at, sharing FROM os_images "
    };
}

fn image(r: ImageRow) -> Result<OsImage, DbError> {
    Ok(OsImage {
        subscription_id: r.0,
        name: r.1,
        label: r.2,
        os: r.3,
        media_link: r.4,
        location: r.5,
        logical_size_gb: r.6,
        properties: props_from_json(&r.7)?,
        replicated_to: serde_json::from_str(&r.8)
            .map_err(|e| DbError::Corrupt(format!("os image regions {:?}: {e}", r.8)))?,
        created_at: from_micros(r.9)?,
        modified_at: from_micros(r.10)?,
        sharing: r.11,
    })
}

impl Db {
    /// Adds a user OS image. [`DbError::NotFound`] ("subscription") for an unknown
    /// subscription; [`DbError::Conflict`] ("os image") if the subscription has an image
    /// of that name.
    pub async fn add_os_image(
        &self,
        new: &NewOsImage<'_>,
        now: OffsetDateTime,
    ) -> Result<OsImage, DbError> {
        let sub = sub_key(new.subscription_id);
        with_pool!(self, |p| {
            let known: Option<(String,)> =
                sqlx::query_as("SELECT id FROM subscriptions WHERE id = $1")
                    .bind(&sub)
                    .fetch_optional(p)
                    .await?;
            if known.is_none() {
                return Err(DbError::not_found(
                    ResourceKind::Subscription,
                    new.subscription_id,
                ));
            }
            sqlx::query(
                "INSERT INTO os_images (subscription_id, name_key, name, label, os, media_link, \
                 location, logical_size_gb, properties, replicated_to, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]', $10, $10)",
            )
            .bind(&sub)
            .bind(image_key(new.name))
            .bind(new.name)
            .bind(new.label)
            .bind(new.os)
            .bind(new.media_link)
            .bind(new.location)
            .bind(new.logical_size_gb)
            .bind(props_to_json(new.properties))
            .bind(micros(now))
            .execute(p)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::OsImage, new.name))?;
        });
        self.get_os_image(new.subscription_id, new.name).await
    }

    /// The subscription's image `name` (any case). [`DbError::NotFound`] ("os image").
    pub async fn get_os_image(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<OsImage, DbError> {
        let row: Option<ImageRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_image!(),
                "WHERE subscription_id = $1 AND name_key = $2"
            ),
            [sub_key(subscription_id), image_key(name)]
        )?;
        image(row.ok_or_else(|| DbError::not_found(ResourceKind::OsImage, name))?)
    }

    /// The subscription's images, by name.
    pub async fn list_os_images(&self, subscription_id: &str) -> Result<Vec<OsImage>, DbError> {
        let rows: Vec<ImageRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_image!(),
                "WHERE subscription_id = $1 ORDER BY name_key"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(image).collect()
    }

    /// Sets the label and merges `properties` (given names overwrite, others are kept).
    /// [`DbError::NotFound`] ("os image").
    pub async fn update_os_image(
        &self,
        subscription_id: &str,
        name: &str,
        label: Option<&str>,
        properties: &[(String, String)],
        now: OffsetDateTime,
    ) -> Result<OsImage, DbError> {
        let current = self.get_os_image(subscription_id, name).await?;
        let mut merged = current.properties.clone();
        crate::convert::merge_props(&mut merged, properties);
        change_one!(
            self,
            "UPDATE os_images SET label = $3, properties = $4, modified_at = $5 \
             WHERE subscription_id = $1 AND name_key = $2",
            [
                sub_key(subscription_id),
                image_key(name),
                label.unwrap_or(&current.label),
                props_to_json(&merged),
                micros(now)
            ],
            DbError::not_found(ResourceKind::OsImage, name)
        )?;
        self.get_os_image(subscription_id, name).await
    }

    /// Records the regions of a replication (added to those already there).
    pub async fn replicate_os_image(
        &self,
        subscription_id: &str,
        name: &str,
        regions: &[String],
        now: OffsetDateTime,
    ) -> Result<OsImage, DbError> {
        let current = self.get_os_image(subscription_id, name).await?;
        let mut all = current.replicated_to;
        for r in regions {
            if !all.iter().any(|a| a.eq_ignore_ascii_case(r)) {
                all.push(r.clone());
            }
        }
        let json = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
        change_one!(
            self,
            "UPDATE os_images SET replicated_to = $3, modified_at = $4 \
             WHERE subscription_id = $1 AND name_key = $2",
            [sub_key(subscription_id), image_key(name), json, micros(now)],
            DbError::not_found(ResourceKind::OsImage, name)
        )?;
        self.get_os_image(subscription_id, name).await
    }

    /// Sets the publishing of the image `name`: its replication regions (`regions`) and
    /// its sharing (`sharing`), each kept when `None`. [`DbError::NotFound`] ("os image").
    pub async fn set_os_image_publishing(
        &self,
        subscription_id: &str,
        name: &str,
        regions: Option<&[String]>,
        sharing: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<OsImage, DbError> {
        let current = self.get_os_image(subscription_id, name).await?;
        let regions = regions.unwrap_or(&current.replicated_to);
        let json = serde_json::to_string(regions)
            .map_err(|e| DbError::Invalid(format!("regions: {e}")))?;
        change_one!(
            self,
            "UPDATE os_images SET replicated_to = $3, sharing = $4, modified_at = $5 \
             WHERE subscription_id = $1 AND name_key = $2",
            [
                sub_key(subscription_id),
                image_key(name),
                json,
                sharing.unwrap_or(&current.sharing),
                micros(now)
            ],
            DbError::not_found(ResourceKind::OsImage, name)
        )?;
        self.get_os_image(subscription_id, name).await
    }

    /// The images their subscriptions share with every subscription (`Public` and
    /// replicated somewhere), by subscription and name.
    pub async fn list_public_os_images(&self) -> Result<Vec<OsImage>, DbError> {
        let rows: Vec<ImageRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_image!(),
                "WHERE sharing = 'Public' AND replicated_to <> '[]' \
                 ORDER BY subscription_id, name_key"
            ),
            []
        )?;
        rows.into_iter().map(image).collect()
    }

    /// Deletes the image. [`DbError::NotFound`] ("os image").
    pub async fn delete_os_image(&self, subscription_id: &str, name: &str) -> Result<(), DbError> {
        change_one!(
            self,
            "DELETE FROM os_images WHERE subscription_id = $1 AND name_key = $2",
            [sub_key(subscription_id), image_key(name)],
            DbError::not_found(ResourceKind::OsImage, name)
        )
    }
}

/// A VM image a subscription made (migration 15): its document is the server's own, opaque
/// here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVmImage {
    pub subscription_id: String,
    pub name: String,
    pub document: String,
    /// Regions it was replicated to.
    pub replicated_to: Vec<String>,
    /// `Private`, `Public` or `Msdn`.
    pub sharing: String,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

type VmImageRow = (String, String, String, i64, i64, String, String);

macro_rules! select_vm_image {
    () => {
        "SELECT subscription_id, name, document, created_at, modified_at, replicated_to, \
         sharing FROM vm_images "
    };
}

fn vm_image(r: VmImageRow) -> Result<StoredVmImage, DbError> {
    Ok(StoredVmImage {
        subscription_id: r.0,
        name: r.1,
        document: r.2,
        created_at: from_micros(r.3)?,
        modified_at: from_micros(r.4)?,
        replicated_to: serde_json::from_str(&r.5)
            .map_err(|e| DbError::Corrupt(format!("vm image regions {:?}: {e}", r.5)))?,
        sharing: r.6,
    })
}

impl Db {
    /// Stores a new VM image, with `job` (the one completing its operation) in the same
    /// transaction. [`DbError::NotFound`] ("subscription"); [`DbError::Conflict`] ("vm
    /// image") if the subscription has one of that name.
    pub async fn add_vm_image(
        &self,
        subscription_id: &str,
        name: &str,
        document: &str,
        job: Option<&crate::model::NewJob>,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            crate::db::tx_require!(
                tx,
                (String,),
                "SELECT id FROM subscriptions WHERE id = $1",
                [&sub],
                DbError::not_found(ResourceKind::Subscription, subscription_id)
            );
            sqlx::query(
                "INSERT INTO vm_images (subscription_id, name_key, name, document, created_at, \
                 modified_at) VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(&sub)
            .bind(image_key(name))
            .bind(name)
            .bind(document)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::VmImage, name))?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The subscription's VM images, by name.
    pub async fn list_vm_images(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<StoredVmImage>, DbError> {
        let rows: Vec<VmImageRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_vm_image!(),
                "WHERE subscription_id = $1 ORDER BY name_key"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(vm_image).collect()
    }

    /// The VM images their subscriptions share with every subscription (`Public` and
    /// replicated somewhere), by subscription and name.
    pub async fn list_public_vm_images(&self) -> Result<Vec<StoredVmImage>, DbError> {
        let rows: Vec<VmImageRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_vm_image!(),
                "WHERE sharing = 'Public' AND replicated_to <> '[]' \
                 ORDER BY subscription_id, name_key"
            ),
            []
        )?;
        rows.into_iter().map(vm_image).collect()
    }

    /// Sets the publishing of the VM image `name` (each of `regions` and `sharing` kept
    /// when `None`). [`DbError::NotFound`] ("vm image").
    pub async fn set_vm_image_publishing(
        &self,
        subscription_id: &str,
        name: &str,
        regions: Option<&[String]>,
        sharing: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<StoredVmImage, DbError> {
        let key = image_key(name);
        let found: Option<VmImageRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_vm_image!(),
                "WHERE subscription_id = $1 AND name_key = $2"
            ),
            [sub_key(subscription_id), &key]
        )?;
        let current =
            vm_image(found.ok_or_else(|| DbError::not_found(ResourceKind::VmImage, name))?)?;
        let regions = regions.unwrap_or(&current.replicated_to);
        let json = serde_json::to_string(regions)
            .map_err(|e| DbError::Invalid(format!("regions: {e}")))?;
        let sharing = sharing.unwrap_or(&current.sharing).to_string();
        change_one!(
            self,
            "UPDATE vm_images SET replicated_to = $3, sharing = $4, modified_at = $5 \
             WHERE subscription_id = $1 AND name_key = $2",
            [sub_key(subscription_id), &key, &json, &sharing, micros(now)],
            DbError::not_found(ResourceKind::VmImage, name)
        )?;
        Ok(StoredVmImage {
            replicated_to: regions.to_vec(),
            sharing,
            modified_at: now,
            ..current
        })
    }

    /// Replaces the document of the VM image `name`. [`DbError::NotFound`] ("vm image").
    pub async fn set_vm_image(
        &self,
        subscription_id: &str,
        name: &str,
        document: &str,
        job: Option<&crate::model::NewJob>,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        crate::jobs::change_one_with_job!(
            self,
            "UPDATE vm_images SET document = $3, modified_at = $4 \
             WHERE subscription_id = $1 AND name_key = $2",
            [
                sub_key(subscription_id),
                image_key(name),
                document,
                micros(now)
            ],
            DbError::not_found(ResourceKind::VmImage, name),
            job
        )
    }

    /// Deletes the VM image `name`, with `job` in the same transaction.
    /// [`DbError::NotFound`] ("vm image").
    pub async fn delete_vm_image(
        &self,
        subscription_id: &str,
        name: &str,
        job: Option<&crate::model::NewJob>,
    ) -> Result<(), DbError> {
        crate::jobs::change_one_with_job!(
            self,
            "DELETE FROM vm_images WHERE subscription_id = $1 AND name_key = $2",
            [sub_key(subscription_id), image_key(name)],
            DbError::not_found(ResourceKind::VmImage, name),
            job
        )
    }
}
