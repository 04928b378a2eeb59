//! Reserved IP addresses. Names are unique per subscription (`name_key`); the
//! subscription's `max_reserved_ips` is checked in the transaction of the insert. A
//! reserved IP is created `Creating` (Create Reserved IP answers 202) and becomes `Created`
//! when its job runs ([`Db::mark_reserved_ip_created`]). Its address comes from the
//! server's pool ([`POOL_BASE`], one address per `address_index`, unique across the
//! server). An association names a deployment by its private id, so it ends with that
//! deployment (deleting the deployment or its cloud service frees the reserved IP).

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key};
use crate::db::{Db, fetch, for_update, tx_check_count, tx_require, with_pool};
use crate::error::{ConflictReason, DbError, Limit, ResourceKind, conflict_on_unique};
use crate::hosted_services::service_key;
use crate::model::{NewJob, ReservedIpStatus};

/// The first address of the pool reserved IPs are allocated from: 23.96.0.0/12 (a block
/// the live service allocated its reserved IPs from, e.g. 23.99.56.121). Index `i` is the
/// address `POOL_BASE + i`, for `i` in `1..=POOL_SIZE`.
pub const POOL_BASE: u32 = 0x1760_0000;

/// How many addresses the pool holds (the /12 without its first and last address).
pub const POOL_SIZE: i64 = (1 << 20) - 2;

/// The dotted text of the pool's address number `index` (`1..=POOL_SIZE`), else `None`.
pub fn pool_address(index: i64) -> Option<String> {
    if !(1..=POOL_SIZE).contains(&index) {
        return None;
    }
    let a = POOL_BASE + u32::try_from(index).ok()?;
    Some(std::net::Ipv4Addr::from(a).to_string())
}

/// A reserved IP as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservedIp {
    pub subscription_id: String,
    /// The name as given at creation.
    pub name: String,
    /// The `Id` on the wire (a GUID, made by the caller).
    pub id: String,
    /// Plain text, as given.
    pub label: Option<String>,
    pub location: String,
    /// Dotted IPv4 text.
    pub address: String,
    pub status: ReservedIpStatus,
    /// The deployment it is associated with, while that deployment exists.
    pub association: Option<ReservedIpUse>,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// The deployment a reserved IP is associated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservedIpUse {
    pub service_name: String,
    pub deployment_name: String,
    pub virtual_ip_name: Option<String>,
}

/// A deployment named by an association request (cloud service and deployment names as
/// the caller gave them, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedIpTarget<'a> {
    pub service: &'a str,
    pub deployment: &'a str,
    pub virtual_ip_name: Option<&'a str>,
}

/// What Create Reserved IP stores. `location` is one of the offered locations (checked by
/// the caller); with `associate`, the deployment takes the new address at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReservedIp<'a> {
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub id: &'a str,
    pub label: Option<&'a str>,
    pub location: &'a str,
    pub associate: Option<ReservedIpTarget<'a>>,
    /// The job that makes it `Created`, queued in the same transaction.
    pub job: Option<&'a NewJob>,
}

fn ip_key(name: &str) -> String {
    name.to_lowercase()
}

/// The stored reserved IPs with their live association (a deployment that still exists
/// with the private id stored).
macro_rules! select_ip {
    () => {
        "SELECT r.subscription_id, r.name, r.ip_id, r.label, r.location, r.address, r.status, \
         r.service_name, d.name, r.virtual_ip_name, r.created_at, r.modified_at \
         FROM reserved_ips r LEFT JOIN deployments d \
         ON d.service_key = r.service_key AND d.private_id = r.deployment_id "
    };
}

type IpRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn reserved_ip(row: IpRow) -> Result<ReservedIp, DbError> {
    let (sub, name, id, label, location, address, status, service, deployment, vip, c, m) = row;
    let association = match (service, deployment) {
        (Some(service_name), Some(deployment_name)) => Some(ReservedIpUse {
            service_name,
            deployment_name,
            virtual_ip_name: vip,
        }),
        _ => None,
    };
    Ok(ReservedIp {
        subscription_id: sub,
        name,
        id,
        label,
        location,
        address,
        status: status
            .parse()
            .map_err(|e| DbError::Corrupt(format!("reserved ip: {e}")))?,
        association,
        created_at: from_micros(c)?,
        modified_at: from_micros(m)?,
    })
}

/// In the transaction `$tx` of the subscription `$sub`: the deployment `$target` names, as
/// (service key, service name, deployment private id), after checking that its cloud
/// service is in `$location` (directly or through its affinity group) and that no other
/// reserved IP of the subscription is associated with the same virtual IP of it.
/// Returns from the enclosing function with [`DbError::NotFound`] ("hosted service",
/// "deployment"), [`DbError::Conflict`] ([`ConflictReason::LocationMismatch`], its id the
/// service's location) or ([`ConflictReason::DeploymentHasReservedIp`], its id the other
/// reserved IP's name).
macro_rules! tx_target {
    ($tx:ident, $sub:expr, $key:expr, $location:expr, $target:expr) => {{
        let target: &ReservedIpTarget<'_> = $target;
        let skey = service_key(target.service);
        let (service_name, loc, ag_key): (String, Option<String>, Option<String>) = tx_require!(
            $tx,
            (String, Option<String>, Option<String>),
            "SELECT name, location, affinity_group_key FROM hosted_services \
             WHERE subscription_id = $1 AND name_key = $2",
            [$sub, &skey],
            DbError::not_found(ResourceKind::HostedService, target.service)
        );
        let service_location = match (loc, ag_key) {
            (Some(l), _) => l,
            (None, Some(ag)) => {
                let (l,): (String,) = sqlx::query_as(
                    "SELECT location FROM affinity_groups WHERE subscription_id = $1 AND name_key = $2",
                )
                .bind($sub)
                .bind(&ag)
                .fetch_one(&mut *$tx)
                .await?;
                l
            }
            (None, None) => String::new(),
        };
        let (private_id,): (String,) = tx_require!(
            $tx,
            (String,),
            "SELECT private_id FROM deployments WHERE service_key = $1 AND name_key = $2",
            [&skey, target.deployment.to_lowercase()],
            DbError::not_found(ResourceKind::Deployment, target.deployment)
        );
        if !service_location.eq_ignore_ascii_case($location) {
            return Err(DbError::conflict(
                ConflictReason::LocationMismatch,
                service_location,
            ));
        }
        let vip = target.virtual_ip_name.map(str::to_lowercase).unwrap_or_default();
        let others: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT name, virtual_ip_name FROM reserved_ips \
             WHERE subscription_id = $1 AND service_key = $2 AND deployment_id = $3 \
             AND name_key <> $4",
        )
        .bind($sub)
        .bind(&skey)
        .bind(&private_id)
        .bind($key)
        .fetch_all(&mut *$tx)
        .await?;
        if let Some((other, _)) = others
            .iter()
            .find(|(_, v)| v.as_deref().unwrap_or_default().to_lowercase() == vip)
        {
            return Err(DbError::conflict(
                ConflictReason::DeploymentHasReservedIp,
                other.clone(),
            ));
        }
        (skey, service_name, private_id)
    }};
}

impl Db {
    /// Creates a reserved IP in the `Creating` state with the next free address of the
    /// pool, in one transaction (associated at once with `new.associate`):
    ///
    /// * [`DbError::NotFound`] ("subscription") if the subscription does not exist;
    /// * [`DbError::Conflict`] ("reserved ip") if the subscription has one of that name;
    /// * [`DbError::LimitExceeded`] ([`Limit::ReservedIps`]) if the subscription already
    ///   has `max_reserved_ips` reserved IPs;
    /// * the answers of an association (see [`Db::associate_reserved_ip`]);
    /// * [`DbError::Invalid`] if the pool has no free address.
    pub async fn create_reserved_ip(
        &self,
        new: &NewReservedIp<'_>,
        now: OffsetDateTime,
    ) -> Result<ReservedIp, DbError> {
        let sub = sub_key(new.subscription_id);
        let key = ip_key(new.name);
        let now_us = micros(now);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            // Locks the subscription row (PostgreSQL) so that two racing creates never
            // both pass the quota.
            let lock = for_update!(
                d,
                "SELECT max_reserved_ips FROM subscriptions WHERE id = $1"
            );
            let (max,) = tx_require!(
                tx,
                (i64,),
                lock,
                [&sub],
                DbError::not_found(ResourceKind::Subscription, new.subscription_id)
            );
            let taken: Option<(String,)> = sqlx::query_as(
                "SELECT name FROM reserved_ips WHERE subscription_id = $1 AND name_key = $2",
            )
            .bind(&sub)
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(DbError::conflict(
                    ConflictReason::Exists(ResourceKind::ReservedIp),
                    new.name,
                ));
            }
            tx_check_count!(
                tx,
                "SELECT COUNT(*) FROM reserved_ips WHERE subscription_id = $1",
                [&sub],
                max,
                DbError::limit_exceeded(Limit::ReservedIps, max)
            );
            let target = match &new.associate {
                Some(t) => Some(tx_target!(tx, &sub, &key, new.location, t)),
                None => None,
            };
            // The next address of the pool, one create at a time (a freed address is used
            // again only once every address above it is free).
            if let Some(lock) = d.lock_reserved_ip_pool() {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let (last,): (Option<i64>,) =
                sqlx::query_as("SELECT MAX(address_index) FROM reserved_ips")
                    .fetch_one(&mut *tx)
                    .await?;
            let index = last.unwrap_or(0) + 1;
            let address = pool_address(index).ok_or_else(|| {
                DbError::Invalid("the reserved IP address pool is exhausted".into())
            })?;
            let (skey, sname, dep_id) = match target {
                Some((k, n, dep)) => (Some(k), Some(n), Some(dep)),
                None => (None, None, None),
            };
            sqlx::query(
                "INSERT INTO reserved_ips (subscription_id, name_key, name, ip_id, label, \
                 location, address_index, address, status, service_key, service_name, \
                 deployment_id, virtual_ip_name, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Creating', $9, $10, $11, $12, $13, $13)",
            )
            .bind(&sub)
            .bind(&key)
            .bind(new.name)
            .bind(new.id)
            .bind(new.label)
            .bind(new.location)
            .bind(index)
            .bind(&address)
            .bind(&skey)
            .bind(&sname)
            .bind(&dep_id)
            .bind(new.associate.and_then(|t| t.virtual_ip_name))
            .bind(now_us)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::ReservedIp, new.name))?;
            if let Some(job) = new.job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        self.get_reserved_ip(new.subscription_id, new.name).await
    }

    /// Marks a `Creating` reserved IP `Created` (the job of Create Reserved IP).
    /// Idempotent. [`DbError::NotFound`] ("reserved ip") if it no longer exists.
    pub async fn mark_reserved_ip_created(
        &self,
        subscription_id: &str,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<ReservedIp, DbError> {
        with_pool!(self, |p| sqlx::query(
            "UPDATE reserved_ips SET status = 'Created', modified_at = $3 \
             WHERE subscription_id = $1 AND name_key = $2 AND status = 'Creating'"
        )
        .bind(sub_key(subscription_id))
        .bind(ip_key(name))
        .bind(micros(now))
        .execute(p)
        .await
        .map(|_| ()))?;
        self.get_reserved_ip(subscription_id, name).await
    }

    /// The reserved IP `name` (any case) of the subscription. [`DbError::NotFound`]
    /// ("reserved ip") if there is none.
    pub async fn get_reserved_ip(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<ReservedIp, DbError> {
        let row: Option<IpRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_ip!(),
                "WHERE r.subscription_id = $1 AND r.name_key = $2"
            ),
            [sub_key(subscription_id), ip_key(name)]
        )?;
        reserved_ip(row.ok_or_else(|| DbError::not_found(ResourceKind::ReservedIp, name))?)
    }

    /// The subscription's reserved IPs, by name (empty for an unknown subscription).
    pub async fn list_reserved_ips(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<ReservedIp>, DbError> {
        let rows: Vec<IpRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_ip!(),
                "WHERE r.subscription_id = $1 ORDER BY r.name_key"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(reserved_ip).collect()
    }

    /// Deletes a reserved IP (and queues `job` with it), in one transaction.
    /// [`DbError::NotFound`] ("reserved ip") if there is none; [`DbError::Conflict`]
    /// ([`ConflictReason::ReservedIpInUse`], its id the deployment's name) while it is
    /// associated with a deployment.
    pub async fn delete_reserved_ip(
        &self,
        subscription_id: &str,
        name: &str,
        job: Option<&NewJob>,
    ) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        let key = ip_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let (_, in_use): (String, Option<String>) = tx_require!(
                tx,
                (String, Option<String>),
                "SELECT r.name, d.name FROM reserved_ips r LEFT JOIN deployments d \
                 ON d.service_key = r.service_key AND d.private_id = r.deployment_id \
                 WHERE r.subscription_id = $1 AND r.name_key = $2",
                [&sub, &key],
                DbError::not_found(ResourceKind::ReservedIp, name)
            );
            if let Some(deployment) = in_use {
                return Err(DbError::conflict(
                    ConflictReason::ReservedIpInUse,
                    deployment,
                ));
            }
            sqlx::query("DELETE FROM reserved_ips WHERE subscription_id = $1 AND name_key = $2")
                .bind(&sub)
                .bind(&key)
                .execute(&mut *tx)
                .await?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Associates the reserved IP `name` with the deployment `target` (and queues `job`
    /// with it), in one transaction. Associating it again with the deployment it already
    /// serves changes nothing.
    ///
    /// * [`DbError::NotFound`] ("reserved ip", "hosted service", "deployment");
    /// * [`DbError::Conflict`] ([`ConflictReason::ReservedIpInUse`], its id the other
    ///   deployment's name) if it serves another deployment;
    /// * [`DbError::Conflict`] ([`ConflictReason::LocationMismatch`]) if the cloud service
    ///   is in another location, ([`ConflictReason::DeploymentHasReservedIp`]) if another
    ///   reserved IP serves that virtual IP of the deployment.
    pub async fn associate_reserved_ip(
        &self,
        subscription_id: &str,
        name: &str,
        target: &ReservedIpTarget<'_>,
        job: Option<&NewJob>,
        now: OffsetDateTime,
    ) -> Result<ReservedIp, DbError> {
        let sub = sub_key(subscription_id);
        let key = ip_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let (location, current_service, current_id, current_name): (
                String,
                Option<String>,
                Option<String>,
                Option<String>,
            ) = tx_require!(
                tx,
                (String, Option<String>, Option<String>, Option<String>),
                "SELECT r.location, r.service_key, r.deployment_id, d.name FROM reserved_ips r \
                 LEFT JOIN deployments d \
                 ON d.service_key = r.service_key AND d.private_id = r.deployment_id \
                 WHERE r.subscription_id = $1 AND r.name_key = $2",
                [&sub, &key],
                DbError::not_found(ResourceKind::ReservedIp, name)
            );
            let (skey, sname, dep_id) = tx_target!(tx, &sub, &key, &location, target);
            if let Some(other) = current_name {
                let same = current_service.as_deref() == Some(skey.as_str())
                    && current_id.as_deref() == Some(dep_id.as_str());
                if !same {
                    return Err(DbError::conflict(ConflictReason::ReservedIpInUse, other));
                }
            }
            sqlx::query(
                "UPDATE reserved_ips SET service_key = $3, service_name = $4, deployment_id = $5, \
                 virtual_ip_name = $6, modified_at = $7 WHERE subscription_id = $1 AND name_key = $2",
            )
            .bind(&sub)
            .bind(&key)
            .bind(&skey)
            .bind(&sname)
            .bind(&dep_id)
            .bind(target.virtual_ip_name)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        self.get_reserved_ip(subscription_id, name).await
    }

    /// Ends the association of the reserved IP `name` with the deployment `target` (and
    /// queues `job` with it), in one transaction. [`DbError::NotFound`] ("reserved ip");
    /// [`DbError::Conflict`] ([`ConflictReason::ReservedIpNotAssociated`]) if it does not
    /// serve that deployment.
    pub async fn disassociate_reserved_ip(
        &self,
        subscription_id: &str,
        name: &str,
        target: &ReservedIpTarget<'_>,
        job: Option<&NewJob>,
        now: OffsetDateTime,
    ) -> Result<ReservedIp, DbError> {
        let sub = sub_key(subscription_id);
        let key = ip_key(name);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let (service, deployment): (Option<String>, Option<String>) = tx_require!(
                tx,
                (Option<String>, Option<String>),
                "SELECT r.service_key, d.name_key FROM reserved_ips r LEFT JOIN deployments d \
                 ON d.service_key = r.service_key AND d.private_id = r.deployment_id \
                 WHERE r.subscription_id = $1 AND r.name_key = $2",
                [&sub, &key],
                DbError::not_found(ResourceKind::ReservedIp, name)
            );
            let serves = deployment.is_some()
                && service.as_deref() == Some(service_key(target.service).as_str())
                && deployment.as_deref() == Some(target.deployment.to_lowercase().as_str());
            if !serves {
                return Err(DbError::conflict(
                    ConflictReason::ReservedIpNotAssociated,
                    name,
                ));
            }
            sqlx::query(
                "UPDATE reserved_ips SET service_key = NULL, service_name = NULL, \
                 deployment_id = NULL, virtual_ip_name = NULL, modified_at = $3 \
                 WHERE subscription_id = $1 AND name_key = $2",
            )
            .bind(&sub)
            .bind(&key)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        self.get_reserved_ip(subscription_id, name).await
    }

    /// How many reserved IPs (used or not, any status) the subscription has, for Get
    /// Subscription.
    pub(crate) async fn reserved_ip_usage(&self, subscription_id: &str) -> Result<i64, DbError> {
        let (n,): (i64,) = fetch!(
            self,
            fetch_one,
            "SELECT COUNT(*) FROM reserved_ips WHERE subscription_id = $1",
            [sub_key(subscription_id)]
        )?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_addresses() {
        assert_eq!(pool_address(1).as_deref(), Some("23.96.0.1"));
        assert_eq!(pool_address(256).as_deref(), Some("23.96.1.0"));
        assert_eq!(pool_address(POOL_SIZE).as_deref(), Some("23.111.255.254"));
        assert_eq!(pool_address(0), None);
        assert_eq!(pool_address(POOL_SIZE + 1), None);
    }
}
