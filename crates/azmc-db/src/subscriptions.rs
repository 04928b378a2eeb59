//! Subscriptions, their co-administrators and their usage.

use time::OffsetDateTime;

use crate::convert::{from_micros, guid, micros, sub_key, user_key};
use crate::db::{Db, change_one, fetch, tx_require, with_pool};
use crate::error::{ConflictReason, DbError, ResourceKind, conflict_on_unique};
use crate::model::{NewSubscription, Quotas, Role, Subscription, SubscriptionStatus, Usage};

/// The columns of a [`Subscription`], with the service administrator's username as stored.
macro_rules! select_subscription {
    () => {
        "SELECT s.id, s.name, s.status, a.username, s.max_core_count, s.max_storage_accounts, \
         s.max_hosted_services, s.max_virtual_network_sites, s.max_local_network_sites, \
         s.max_dns_servers, s.max_reserved_ips, s.created_at \
         FROM subscriptions s JOIN accounts a ON a.username_key = s.service_admin "
    };
}

type SubscriptionRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn subscription(row: SubscriptionRow) -> Result<Subscription, DbError> {
    let (id, name, status, service_admin, core, storage, hosted, vnet, local, dns, ips, created) =
        row;
    Ok(Subscription {
        id,
        name,
        status: status
            .parse()
            .map_err(|e| DbError::Corrupt(format!("subscription: {e}")))?,
        service_admin,
        quotas: Quotas {
            max_core_count: core,
            max_storage_accounts: storage,
            max_hosted_services: hosted,
            max_virtual_network_sites: vnet,
            max_local_network_sites: local,
            max_dns_servers: dns,
            max_reserved_ips: ips,
        },
        created_at: from_micros(created)?,
    })
}

impl Db {
    /// Creates an `Active` subscription administered by an existing account.
    /// [`DbError::Invalid`] if the id is not a GUID, [`DbError::NotFound`] ("account")
    /// if the administrator does not exist, [`DbError::Conflict`] if the id is taken.
    pub async fn create_subscription(
        &self,
        new: &NewSubscription<'_>,
        quotas: &Quotas,
        now: OffsetDateTime,
    ) -> Result<Subscription, DbError> {
        let id = guid(new.id).ok_or_else(|| {
            DbError::Invalid(format!(
                "subscription id {:?} is not a GUID (8-4-4-4-12 hex digits)",
                new.id
            ))
        })?;
        let admin_key = user_key(new.service_admin);
        let admin: String = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let (admin,) = tx_require!(
                tx,
                (String,),
                "SELECT username FROM accounts WHERE username_key = $1",
                [&admin_key],
                DbError::not_found(ResourceKind::Account, new.service_admin)
            );
            sqlx::query(
                "INSERT INTO subscriptions (id, name, status, service_admin, max_core_count, \
                 max_storage_accounts, max_hosted_services, max_virtual_network_sites, \
                 max_local_network_sites, max_dns_servers, max_reserved_ips, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&id)
            .bind(new.name)
            .bind(SubscriptionStatus::Active.as_str())
            .bind(&admin_key)
            .bind(quotas.max_core_count)
            .bind(quotas.max_storage_accounts)
            .bind(quotas.max_hosted_services)
            .bind(quotas.max_virtual_network_sites)
            .bind(quotas.max_local_network_sites)
            .bind(quotas.max_dns_servers)
            .bind(quotas.max_reserved_ips)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::Subscription, &id))?;
            tx.commit().await?;
            admin
        });
        Ok(Subscription {
            id,
            name: new.name.to_owned(),
            status: SubscriptionStatus::Active,
            service_admin: admin,
            quotas: quotas.clone(),
            created_at: from_micros(micros(now))?,
        })
    }

    /// The subscription `id` (any case). [`DbError::NotFound`] if there is none.
    pub async fn get_subscription(&self, id: &str) -> Result<Subscription, DbError> {
        let row: Option<SubscriptionRow> = fetch!(
            self,
            fetch_optional,
            concat!(select_subscription!(), "WHERE s.id = $1"),
            [sub_key(id)]
        )?;
        subscription(row.ok_or_else(|| DbError::not_found(ResourceKind::Subscription, id))?)
    }

    /// Every subscription, oldest first.
    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, DbError> {
        let rows: Vec<SubscriptionRow> = fetch!(
            self,
            fetch_all,
            concat!(select_subscription!(), "ORDER BY s.created_at, s.id"),
            []
        )?;
        rows.into_iter().map(subscription).collect()
    }

    /// The subscriptions `username` administers, with the role: those where they are the
    /// service administrator first, then those where they are a co-administrator; each
    /// group oldest first. Empty for an unknown user.
    pub async fn subscriptions_for_user(
        &self,
        username: &str,
    ) -> Result<Vec<(Subscription, Role)>, DbError> {
        let key = user_key(username);
        let (admin, co): (Vec<SubscriptionRow>, Vec<SubscriptionRow>) = with_pool!(self, |p| {
            let admin = sqlx::query_as(concat!(
                select_subscription!(),
                "WHERE s.service_admin = $1 ORDER BY s.created_at, s.id"
            ))
            .bind(&key)
            .fetch_all(p)
            .await?;
            let co = sqlx::query_as(concat!(
                select_subscription!(),
                "JOIN coadmins c ON c.subscription_id = s.id \
                 WHERE c.username_key = $1 ORDER BY s.created_at, s.id"
            ))
            .bind(&key)
            .fetch_all(p)
            .await?;
            (admin, co)
        });
        let admin = admin
            .into_iter()
            .map(|r| Ok((subscription(r)?, Role::ServiceAdministrator)));
        let co = co
            .into_iter()
            .map(|r| Ok((subscription(r)?, Role::CoAdministrator)));
        admin.chain(co).collect()
    }

    /// Enables or disables a subscription; bumps [`Db::links_revision`] in the same
    /// transaction. [`DbError::NotFound`] if there is no such subscription.
    pub async fn set_subscription_status(
        &self,
        id: &str,
        status: SubscriptionStatus,
    ) -> Result<(), DbError> {
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let done = sqlx::query("UPDATE subscriptions SET status = $2 WHERE id = $1")
                .bind(sub_key(id))
                .bind(status.as_str())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(DbError::not_found(ResourceKind::Subscription, id));
            }
            let sub = sub_key(id);
            crate::certificates::tx_record_link_changes!(tx, d, [(&sub, None)]);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Makes `username` a co-administrator of `subscription_id`.
    /// [`DbError::NotFound`] ("subscription" or "account") if either is missing;
    /// [`DbError::Conflict`] ("coadmin") if they already are one or are its service
    /// administrator.
    pub async fn add_coadmin(&self, subscription_id: &str, username: &str) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        let key = user_key(username);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let (admin,) = tx_require!(
                tx,
                (String,),
                "SELECT service_admin FROM subscriptions WHERE id = $1",
                [&sub],
                DbError::not_found(ResourceKind::Subscription, subscription_id)
            );
            tx_require!(
                tx,
                (String,),
                "SELECT username_key FROM accounts WHERE username_key = $1",
                [&key],
                DbError::not_found(ResourceKind::Account, username)
            );
            if admin == key {
                return Err(DbError::conflict(
                    ConflictReason::Exists(ResourceKind::Coadmin),
                    username,
                ));
            }
            sqlx::query("INSERT INTO coadmins (subscription_id, username_key) VALUES ($1, $2)")
                .bind(&sub)
                .bind(&key)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, ResourceKind::Coadmin, username))?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a co-administrator. [`DbError::NotFound`] ("coadmin") if `username` is not
    /// one of `subscription_id`.
    pub async fn remove_coadmin(
        &self,
        subscription_id: &str,
        username: &str,
    ) -> Result<(), DbError> {
        change_one!(
            self,
            "DELETE FROM coadmins WHERE subscription_id = $1 AND username_key = $2",
            [sub_key(subscription_id), user_key(username)],
            DbError::not_found(ResourceKind::Coadmin, username)
        )
    }

    /// The co-administrators' usernames (as stored), sorted case-insensitively.
    /// [`DbError::NotFound`] if there is no such subscription.
    pub async fn list_coadmins(&self, subscription_id: &str) -> Result<Vec<String>, DbError> {
        let sub = sub_key(subscription_id);
        let (exists, names): (Option<(String,)>, Vec<(String,)>) = with_pool!(self, |p| {
            let exists = sqlx::query_as("SELECT id FROM subscriptions WHERE id = $1")
                .bind(&sub)
                .fetch_optional(p)
                .await?;
            let names = sqlx::query_as(
                "SELECT a.username FROM coadmins c JOIN accounts a ON a.username_key = c.username_key \
                 WHERE c.subscription_id = $1 ORDER BY c.username_key",
            )
            .bind(&sub)
            .fetch_all(p)
            .await?;
            (exists, names)
        });
        if exists.is_none() {
            return Err(DbError::not_found(
                ResourceKind::Subscription,
                subscription_id,
            ));
        }
        Ok(names.into_iter().map(|(n,)| n).collect())
    }

    /// How many subscriptions exist.
    pub async fn subscription_count(&self) -> Result<u64, DbError> {
        let (n,): (i64,) = fetch!(self, fetch_one, "SELECT COUNT(*) FROM subscriptions", [])?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The `Current*` counters of Get Subscription. [`DbError::NotFound`] if there is no
    /// such subscription.
    ///
    /// Every counter is counted: cloud services, cores, storage accounts, reserved IPs, and
    /// the sites and DNS servers of the network configuration.
    pub async fn subscription_usage(&self, subscription_id: &str) -> Result<Usage, DbError> {
        let exists: Option<(String,)> = fetch!(
            self,
            fetch_optional,
            "SELECT id FROM subscriptions WHERE id = $1",
            [sub_key(subscription_id)]
        )?;
        if exists.is_none() {
            return Err(DbError::not_found(
                ResourceKind::Subscription,
                subscription_id,
            ));
        }
        let (hosted_services, cores) = self.compute_usage(subscription_id).await?;
        let storage_accounts = self.storage_usage(subscription_id).await?;
        let reserved_ips = self.reserved_ip_usage(subscription_id).await?;
        let network = self.network_usage(subscription_id).await?;
        Ok(Usage {
            hosted_services,
            cores,
            storage_accounts,
            reserved_ips,
            virtual_network_sites: network.virtual_network_sites,
            local_network_sites: network.local_network_sites,
            dns_servers: network.dns_servers,
        })
    }
}
