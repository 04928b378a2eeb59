//! Cloud (hosted) services. Names are unique across all subscriptions (`name_key`); the
//! subscription's `max_hosted_services` is checked in the transaction of the insert.

use time::OffsetDateTime;

use crate::convert::{from_micros, merge_props, micros, props_from_json, props_to_json, sub_key};
use crate::db::{Db, fetch, for_update, tx_check_count, tx_require, tx_require_service, with_pool};
use crate::deleted::Deleted;
use crate::error::{ConflictReason, DbError, Limit, ResourceKind, conflict_on_unique};
use crate::model::HostedServiceStatus;

/// In the transaction `$tx`: drops the deleted copy of the cloud service `$key` (and
/// its certificates), if there is one.
macro_rules! tx_drop_deleted_service {
    ($tx:ident, $key:expr) => {
        for sql in [
            "DELETE FROM deleted_service_certificates WHERE service_key = $1",
            "DELETE FROM deleted_hosted_services WHERE name_key = $1",
        ] {
            sqlx::query(sql).bind($key).execute(&mut *$tx).await?;
        }
    };
}

/// A cloud service as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedService {
    pub subscription_id: String,
    /// The name as given at creation.
    pub name: String,
    /// Decoded label text.
    pub label: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    /// `Created` or `Deleting` (a `comp=media` delete in progress).
    pub status: HostedServiceStatus,
    pub extended_properties: Vec<(String, String)>,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// What Create Hosted Service stores. Exactly one of `location` / `affinity_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHostedService<'a> {
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub description: Option<&'a str>,
    pub location: Option<&'a str>,
    pub affinity_group: Option<&'a str>,
    pub extended_properties: &'a [(String, String)],
}

/// What Update Hosted Service changes: `None` keeps the stored value; extended properties
/// are merged (given names overwrite, others are kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostedServiceUpdate {
    pub label: Option<String>,
    pub description: Option<String>,
    pub extended_properties: Vec<(String, String)>,
}

/// The name as stored in `name_key`.
pub(crate) fn service_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

macro_rules! select_service {
    () => {
        "SELECT subscription_id, name, label, description, location, affinity_group, status, \
         extended_properties, created_at, modified_at FROM hosted_services "
    };
}

type ServiceRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    i64,
);

fn service(row: ServiceRow) -> Result<HostedService, DbError> {
    let (subscription_id, name, label, description, location, affinity_group, status, props, c, m) =
        row;
    Ok(HostedService {
        subscription_id,
        name,
        label,
        description,
        location,
        affinity_group,
        status: status
            .parse()
            .map_err(|e| DbError::Corrupt(format!("hosted service: {e}")))?,
        extended_properties: props_from_json(&props)?,
        created_at: from_micros(c)?,
        modified_at: from_micros(m)?,
    })
}

impl Db {
    /// Creates a cloud service, in one transaction:
    ///
    /// * [`DbError::NotFound`] ("subscription") if the subscription does not exist;
    /// * [`DbError::NotFound`] ("affinity group") if `affinity_group` is not one of the
    ///   subscription's affinity groups;
    /// * [`DbError::Conflict`] ("hosted service") if the name is taken in any subscription;
    /// * [`DbError::LimitExceeded`] ([`Limit::HostedServices`]) if the subscription already
    ///   has `max_hosted_services` cloud services.
    pub async fn create_hosted_service(
        &self,
        new: &NewHostedService<'_>,
        now: OffsetDateTime,
    ) -> Result<HostedService, DbError> {
        let sub = sub_key(new.subscription_id);
        let key = service_key(new.name);
        let ag_key = new.affinity_group.map(str::to_lowercase);
        let now_us = micros(now);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            // Locks the subscription row (PostgreSQL) so that two racing creates never
            // both pass the quota.
            let lock = for_update!(
                d,
                "SELECT max_hosted_services FROM subscriptions WHERE id = $1"
            );
            let (max,) = tx_require!(
                tx,
                (i64,),
                lock,
                [&sub],
                DbError::not_found(ResourceKind::Subscription, new.subscription_id)
            );
            // The affinity group's name as stored (the request may spell it in any case).
            let mut ag_name = None;
            if let Some(ag) = &ag_key {
                // Locks the group (PostgreSQL), so a concurrent delete of the group
                // either sees this service or happens first (then this finds nothing).
                let (name,) = tx_require!(
                    tx,
                    (String,),
                    crate::affinity_groups::lock_group(d),
                    [&sub, ag],
                    DbError::not_found(
                        ResourceKind::AffinityGroup,
                        new.affinity_group.unwrap_or_default()
                    )
                );
                ag_name = Some(name);
            }
            let taken: Option<(String,)> =
                sqlx::query_as("SELECT name FROM hosted_services WHERE name_key = $1")
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(DbError::conflict(
                    ConflictReason::Exists(ResourceKind::HostedService),
                    new.name,
                ));
            }
            // A deleted service keeps its name for its own subscription: others are told
            // it is taken; that subscription creating it anew drops the deleted copy.
            let kept: Option<(String,)> = sqlx::query_as(
                "SELECT subscription_id FROM deleted_hosted_services WHERE name_key = $1",
            )
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            match kept {
                Some((owner,)) if owner != sub => {
                    return Err(DbError::conflict(
                        ConflictReason::Exists(ResourceKind::HostedService),
                        new.name,
                    ));
                }
                Some(_) => {
                    tx_drop_deleted_service!(tx, &key);
                }
                None => {}
            }
            tx_check_count!(
                tx,
                "SELECT COUNT(*) FROM hosted_services WHERE subscription_id = $1",
                [&sub],
                max,
                DbError::limit_exceeded(Limit::HostedServices, max)
            );
            sqlx::query(
                "INSERT INTO hosted_services (name_key, name, subscription_id, label, \
                 description, location, affinity_group, affinity_group_key, \
                 extended_properties, status, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'Created', $10, $10)",
            )
            .bind(&key)
            .bind(new.name)
            .bind(&sub)
            .bind(new.label)
            .bind(new.description)
            .bind(new.location)
            .bind(&ag_name)
            .bind(&ag_key)
            .bind(props_to_json(new.extended_properties))
            .bind(now_us)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::HostedService, new.name))?;
            tx.commit().await?;
        });
        self.get_hosted_service(new.subscription_id, new.name).await
    }

    /// The cloud service `name` (any case) of `subscription_id`. [`DbError::NotFound`]
    /// ("hosted service") if the subscription has no such service.
    pub async fn get_hosted_service(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<HostedService, DbError> {
        let row: Option<ServiceRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_service!(),
                "WHERE subscription_id = $1 AND name_key = $2"
            ),
            [sub_key(subscription_id), service_key(name)]
        )?;
        service(row.ok_or_else(|| DbError::not_found(ResourceKind::HostedService, name))?)
    }

    /// The subscription's cloud services, by name (empty for an unknown subscription).
    pub async fn list_hosted_services(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<HostedService>, DbError> {
        let rows: Vec<ServiceRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_service!(),
                "WHERE subscription_id = $1 ORDER BY name_key"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(service).collect()
    }

    /// Whether `subscription_id` could create a cloud service of this name (any case): no
    /// cloud service in any subscription has it, and no other subscription keeps a deleted
    /// one of that name.
    pub async fn hosted_service_name_available(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<bool, DbError> {
        let row: Option<(String,)> = fetch!(
            self,
            fetch_optional,
            "SELECT subscription_id FROM hosted_services WHERE name_key = $1 \
             UNION ALL SELECT subscription_id FROM deleted_hosted_services \
             WHERE name_key = $1 AND subscription_id <> $2",
            [service_key(name), sub_key(subscription_id)]
        )?;
        Ok(row.is_none())
    }

    /// The subscription's deleted cloud services that can still be restored, by name,
    /// with how many certificates each brings back.
    pub async fn list_deleted_hosted_services(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<(Deleted<HostedService>, i64)>, DbError> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
            i64,
            i64,
            i64,
            i64,
            i64,
        );
        let rows: Vec<Row> = fetch!(
            self,
            fetch_all,
            "SELECT h.subscription_id, h.name, h.label, h.description, h.location, \
             h.affinity_group, 'Created', h.extended_properties, h.created_at, h.modified_at, \
             h.deleted_at, h.purge_at, (SELECT COUNT(*) FROM deleted_service_certificates c \
             WHERE c.service_key = h.name_key) FROM deleted_hosted_services h \
             WHERE h.subscription_id = $1 ORDER BY h.name_key",
            [sub_key(subscription_id)]
        )?;
        rows.into_iter()
            .map(|r| {
                let item = service((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9))?;
                Ok((
                    Deleted {
                        item,
                        deleted_at: from_micros(r.10)?,
                        purge_at: from_micros(r.11)?,
                    },
                    r.12,
                ))
            })
            .collect()
    }

    /// Restores a deleted cloud service with its properties and the certificates it had
    /// ready (not its deployments), in one transaction:
    ///
    /// * [`DbError::NotFound`] ("subscription") if the subscription does not exist;
    /// * [`DbError::NotFound`] ("deleted hosted service") if the subscription keeps no
    ///   deleted service of that name;
    /// * [`DbError::Conflict`] ([`ConflictReason::AffinityGroupGone`]) if it was in an
    ///   affinity group that no longer exists;
    /// * [`DbError::LimitExceeded`] ([`Limit::HostedServices`]) if the subscription is at
    ///   `max_hosted_services`.
    pub async fn restore_hosted_service(
        &self,
        subscription_id: &str,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<HostedService, DbError> {
        let sub = sub_key(subscription_id);
        let key = service_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(
                d,
                "SELECT max_hosted_services FROM subscriptions WHERE id = $1"
            );
            let (max,) = tx_require!(
                tx,
                (i64,),
                lock,
                [&sub],
                DbError::not_found(ResourceKind::Subscription, subscription_id)
            );
            let (group, group_key): (Option<String>, Option<String>) = tx_require!(
                tx,
                (Option<String>, Option<String>),
                "SELECT affinity_group, affinity_group_key FROM deleted_hosted_services \
                 WHERE subscription_id = $1 AND name_key = $2",
                [&sub, &key],
                DbError::not_found(ResourceKind::DeletedHostedService, name)
            );
            crate::affinity_groups::tx_require_group_for_restore!(
                tx,
                d,
                &sub,
                group.as_deref(),
                group_key.as_deref()
            );
            tx_check_count!(
                tx,
                "SELECT COUNT(*) FROM hosted_services WHERE subscription_id = $1",
                [&sub],
                max,
                DbError::limit_exceeded(Limit::HostedServices, max)
            );
            sqlx::query(
                "INSERT INTO hosted_services (name_key, name, subscription_id, label, \
                 description, location, affinity_group, affinity_group_key, \
                 extended_properties, status, created_at, modified_at) \
                 SELECT name_key, name, subscription_id, label, description, location, \
                 affinity_group, affinity_group_key, extended_properties, 'Created', \
                 created_at, $3 FROM deleted_hosted_services \
                 WHERE subscription_id = $1 AND name_key = $2",
            )
            .bind(&sub)
            .bind(&key)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::HostedService, name))?;
            sqlx::query(
                "INSERT INTO service_certificates (service_key, thumbprint, der, sealed_key, \
                 status, created_at) SELECT service_key, thumbprint, der, sealed_key, 'Ready', \
                 created_at FROM deleted_service_certificates WHERE service_key = $1",
            )
            .bind(&key)
            .execute(&mut *tx)
            .await?;
            tx_drop_deleted_service!(tx, &key);
            tx.commit().await?;
        });
        self.get_hosted_service(subscription_id, name).await
    }

    /// Updates label, description and extended properties (see [`HostedServiceUpdate`]).
    /// [`DbError::NotFound`] ("hosted service") if there is no such service.
    pub async fn update_hosted_service(
        &self,
        subscription_id: &str,
        name: &str,
        update: &HostedServiceUpdate,
        now: OffsetDateTime,
    ) -> Result<HostedService, DbError> {
        let sub = sub_key(subscription_id);
        let key = service_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let (props,) = tx_require!(
                tx,
                (String,),
                "SELECT extended_properties FROM hosted_services \
                 WHERE subscription_id = $1 AND name_key = $2",
                [&sub, &key],
                DbError::not_found(ResourceKind::HostedService, name)
            );
            let mut props = props_from_json(&props)?;
            merge_props(&mut props, &update.extended_properties);
            sqlx::query(
                "UPDATE hosted_services SET label = COALESCE($3, label), \
                 description = COALESCE($4, description), extended_properties = $5, \
                 modified_at = $6 WHERE subscription_id = $1 AND name_key = $2",
            )
            .bind(&sub)
            .bind(&key)
            .bind(&update.label)
            .bind(&update.description)
            .bind(props_to_json(&props))
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        self.get_hosted_service(subscription_id, name).await
    }

    /// Marks the service `Deleting` (a `comp=media` delete was accepted), with `job` (the
    /// one that deletes it) queued in the same transaction. [`DbError::NotFound`] ("hosted
    /// service") if there is no such service.
    pub async fn mark_hosted_service_deleting(
        &self,
        subscription_id: &str,
        name: &str,
        job: Option<&crate::model::NewJob>,
    ) -> Result<(), DbError> {
        crate::jobs::change_one_with_job!(
            self,
            "UPDATE hosted_services SET status = 'Deleting' \
             WHERE subscription_id = $1 AND name_key = $2",
            [sub_key(subscription_id), service_key(name)],
            DbError::not_found(ResourceKind::HostedService, name),
            job
        )
    }

    /// Deletes a cloud service and its service certificates, in one transaction.
    /// [`DbError::NotFound`] ("hosted service") if there is no such service;
    /// [`DbError::Conflict`] ("deployment") if it still has deployments and
    /// `with_deployments` is false (with it, they are deleted too).
    ///
    /// With `keep_until`, the service (properties and ready certificates, not its
    /// deployments) is kept restorable until then ([`Db::restore_hosted_service`]) and its
    /// name stays reserved for this subscription.
    pub async fn delete_hosted_service(
        &self,
        subscription_id: &str,
        name: &str,
        with_deployments: bool,
        keep_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        let key = service_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require_service!(tx, &sub, &key, name);
            let (deps,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM deployments WHERE service_key = $1")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
            if deps > 0 && !with_deployments {
                return Err(DbError::conflict(ConflictReason::HasDeployments, name));
            }
            if let Some(until) = keep_until {
                tx_drop_deleted_service!(tx, &key);
                sqlx::query(
                    "INSERT INTO deleted_hosted_services (name_key, name, subscription_id, \
                     label, description, location, affinity_group, affinity_group_key, \
                     extended_properties, created_at, modified_at, deleted_at, purge_at) \
                     SELECT name_key, name, subscription_id, label, description, location, \
                     affinity_group, affinity_group_key, extended_properties, created_at, \
                     modified_at, $2, $3 FROM hosted_services WHERE name_key = $1",
                )
                .bind(&key)
                .bind(micros(now))
                .bind(micros(until))
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO deleted_service_certificates (service_key, thumbprint, der, \
                     sealed_key, created_at) SELECT service_key, thumbprint, der, sealed_key, \
                     created_at FROM service_certificates \
                     WHERE service_key = $1 AND status = 'Ready'",
                )
                .bind(&key)
                .execute(&mut *tx)
                .await?;
            }
            let (service_name,): (String,) =
                sqlx::query_as("SELECT name FROM hosted_services WHERE name_key = $1")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
            // With its deployments go the disks of their virtual machines (`comp=media`).
            crate::vms::tx_release_disks!(tx, &sub, &service_name, None::<&str>, true);
            for sql in [
                "DELETE FROM deployments WHERE service_key = $1",
                "DELETE FROM service_certificates WHERE service_key = $1",
                "DELETE FROM hosted_services WHERE name_key = $1",
            ] {
                sqlx::query(sql).bind(&key).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// (cloud services, cores of their deployments) of a subscription, for Get Subscription.
    pub(crate) async fn compute_usage(&self, subscription_id: &str) -> Result<(i64, i64), DbError> {
        let sub = sub_key(subscription_id);
        let row: (i64, i64) = fetch!(
            self,
            fetch_one,
            "SELECT (SELECT COUNT(*) FROM hosted_services WHERE subscription_id = $1), \
             (SELECT CAST(COALESCE(SUM(d.cores), 0) AS BIGINT) FROM deployments d \
              JOIN hosted_services h ON h.name_key = d.service_key WHERE h.subscription_id = $1)",
            [&sub]
        )?;
        Ok(row)
    }
}
