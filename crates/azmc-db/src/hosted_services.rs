//! Cloud (hosted) services. Names are unique across all subscriptions (`name_key`); the
//! subscription's `max_hosted_services` is checked in the transaction of the insert.

use time::OffsetDateTime;

use crate::convert::{from_micros, merge_props, micros, props_from_json, props_to_json, sub_key};
use crate::db::{Db, fetch, for_update, tx_check_count, tx_require, tx_require_service, with_pool};
use crate::error::{ConflictReason, DbError, Limit, ResourceKind, conflict_on_unique};
use crate::model::HostedServiceStatus;

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

    /// Whether no cloud service in any subscription has this name (any case).
    pub async fn hosted_service_name_available(&self, name: &str) -> Result<bool, DbError> {
        let row: Option<(String,)> = fetch!(
            self,
            fetch_optional,
            "SELECT name FROM hosted_services WHERE name_key = $1",
            [service_key(name)]
        )?;
        Ok(row.is_none())
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
    pub async fn delete_hosted_service(
        &self,
        subscription_id: &str,
        name: &str,
        with_deployments: bool,
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
