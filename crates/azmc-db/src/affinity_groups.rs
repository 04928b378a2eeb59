//! Affinity groups: a named location inside one subscription. Names are unique per
//! subscription (compared case-insensitively); a group that resources still reference
//! cannot be deleted ([`Db::affinity_group_in_use`]).

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key};
use crate::db::{
    Db, change_one, fetch, for_update, tx_require, tx_require_subscription, with_pool,
};
use crate::error::{ConflictReason, DbError, ResourceKind, conflict_on_unique};

/// An affinity group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffinityGroup {
    pub subscription_id: String,
    /// The name as given at creation.
    pub name: String,
    /// Decoded label text.
    pub label: String,
    pub description: Option<String>,
    /// One of the server's locations, as configured.
    pub location: String,
    pub created_at: OffsetDateTime,
}

/// What Create Affinity Group stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAffinityGroup<'a> {
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub description: Option<&'a str>,
    pub location: &'a str,
}

/// What Update Affinity Group changes: `None` keeps the stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AffinityGroupUpdate {
    pub label: Option<String>,
    pub description: Option<String>,
}

/// The name as stored in `name_key`.
pub(crate) fn group_key(name: &str) -> String {
    name.to_lowercase()
}

/// Whether anything of the subscription (`$1`) still references the affinity group
/// (`$2`, its folded name). The ONE definition of "in use", run by
/// [`Db::affinity_group_in_use`] and inside the transaction of
/// [`Db::delete_affinity_group`].
///
/// Extend it for every new table that references affinity groups by appending
/// `OR EXISTS (SELECT 1 FROM <table> WHERE subscription_id = $1 AND <column>_key = $2)`
/// (cloud services: `hosted_services.affinity_group_key`).
pub(crate) const AFFINITY_GROUP_IN_USE_SQL: &str = "SELECT CASE WHEN \
     EXISTS (SELECT 1 FROM storage_accounts WHERE subscription_id = $1 AND affinity_group_key = $2) \
     OR EXISTS (SELECT 1 FROM hosted_services WHERE subscription_id = $1 AND affinity_group_key = $2) \
     THEN 1 ELSE 0 END";

/// In the transaction `$tx` of a restore: returns [`DbError::Conflict`]
/// ([`ConflictReason::AffinityGroupGone`](crate::ConflictReason::AffinityGroupGone)) from
/// the enclosing function unless the subscription `$sub` still has the affinity group the
/// deleted resource was in (`$group` as stored, `$key` folded; nothing to check when it was
/// in none), locking it on PostgreSQL.
macro_rules! tx_require_group_for_restore {
    ($tx:ident, $dialect:expr, $sub:expr, $group:expr, $key:expr) => {
        if let Some(ag) = $key {
            let found: Option<(String,)> =
                sqlx::query_as($crate::affinity_groups::lock_group($dialect))
                    .bind($sub)
                    .bind(ag)
                    .fetch_optional(&mut *$tx)
                    .await?;
            if found.is_none() {
                return Err($crate::error::DbError::conflict(
                    $crate::error::ConflictReason::AffinityGroupGone,
                    $group.unwrap_or(ag),
                ));
            }
        }
    };
}
pub(crate) use tx_require_group_for_restore;

/// Reads (and on PostgreSQL locks) an affinity group row: `$1` subscription, `$2` key.
pub(crate) fn lock_group(d: crate::db::Dialect) -> &'static str {
    for_update!(
        d,
        "SELECT name FROM affinity_groups WHERE subscription_id = $1 AND name_key = $2"
    )
}

type GroupRow = (String, String, String, Option<String>, String, i64);

macro_rules! select_group {
    () => {
        "SELECT subscription_id, name, label, description, location, created_at \
         FROM affinity_groups "
    };
}

fn group(row: GroupRow) -> Result<AffinityGroup, DbError> {
    let (subscription_id, name, label, description, location, created) = row;
    Ok(AffinityGroup {
        subscription_id,
        name,
        label,
        description,
        location,
        created_at: from_micros(created)?,
    })
}

impl Db {
    /// Creates an affinity group. [`DbError::NotFound`] ("subscription") for an unknown
    /// subscription; [`DbError::Conflict`] ("affinity group") if the subscription already
    /// has one with this name (any case).
    pub async fn create_affinity_group(
        &self,
        new: &NewAffinityGroup<'_>,
        now: OffsetDateTime,
    ) -> Result<AffinityGroup, DbError> {
        let sub = sub_key(new.subscription_id);
        let key = group_key(new.name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require_subscription!(tx, &sub, new.subscription_id);
            sqlx::query(
                "INSERT INTO affinity_groups (subscription_id, name_key, name, label, \
                 description, location, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&sub)
            .bind(&key)
            .bind(new.name)
            .bind(new.label)
            .bind(new.description)
            .bind(new.location)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::AffinityGroup, new.name))?;
            tx.commit().await?;
        });
        self.get_affinity_group(new.subscription_id, new.name).await
    }

    /// The affinity group `name` (any case) of the subscription. [`DbError::NotFound`]
    /// ("affinity group") if there is none.
    pub async fn get_affinity_group(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<AffinityGroup, DbError> {
        let row: Option<GroupRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_group!(),
                "WHERE subscription_id = $1 AND name_key = $2"
            ),
            [sub_key(subscription_id), group_key(name)]
        )?;
        group(row.ok_or_else(|| DbError::not_found(ResourceKind::AffinityGroup, name))?)
    }

    /// The subscription's affinity groups, by name (empty for an unknown subscription).
    pub async fn list_affinity_groups(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<AffinityGroup>, DbError> {
        let rows: Vec<GroupRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_group!(),
                "WHERE subscription_id = $1 ORDER BY name_key"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(group).collect()
    }

    /// Updates label and description. [`DbError::NotFound`] ("affinity group") if there
    /// is no such group.
    pub async fn update_affinity_group(
        &self,
        subscription_id: &str,
        name: &str,
        update: &AffinityGroupUpdate,
    ) -> Result<AffinityGroup, DbError> {
        change_one!(
            self,
            "UPDATE affinity_groups SET label = COALESCE($3, label), \
             description = COALESCE($4, description) \
             WHERE subscription_id = $1 AND name_key = $2",
            [
                sub_key(subscription_id),
                group_key(name),
                &update.label,
                &update.description
            ],
            DbError::not_found(ResourceKind::AffinityGroup, name)
        )?;
        self.get_affinity_group(subscription_id, name).await
    }

    /// Whether any resource of the subscription still references the affinity group
    /// `name` (any case): see `AFFINITY_GROUP_IN_USE_SQL`, the one definition of "in use".
    pub async fn affinity_group_in_use(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<bool, DbError> {
        let (n,): (i32,) = fetch!(
            self,
            fetch_one,
            AFFINITY_GROUP_IN_USE_SQL,
            [sub_key(subscription_id), group_key(name)]
        )?;
        Ok(n != 0)
    }

    /// Deletes an affinity group, in one transaction with the in-use check.
    /// [`DbError::NotFound`] ("affinity group") if there is no such group;
    /// [`DbError::Conflict`] ("affinity group in use") if resources still reference it
    /// ([`Db::affinity_group_in_use`]).
    pub async fn delete_affinity_group(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        let key = group_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            // Locks the group (PostgreSQL) so that a storage account being created in it
            // concurrently (which locks it too) is either seen below or finds it gone.
            tx_require!(
                tx,
                (String,),
                lock_group(d),
                [&sub, &key],
                DbError::not_found(ResourceKind::AffinityGroup, name)
            );
            let (in_use,): (i32,) = sqlx::query_as(AFFINITY_GROUP_IN_USE_SQL)
                .bind(&sub)
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?;
            if in_use != 0 {
                return Err(DbError::conflict(ConflictReason::AffinityGroupInUse, name));
            }
            sqlx::query("DELETE FROM affinity_groups WHERE subscription_id = $1 AND name_key = $2")
                .bind(&sub)
                .bind(&key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
