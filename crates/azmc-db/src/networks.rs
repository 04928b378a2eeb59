//! The network configuration of a subscription (migration 13): the document as sent,
//! its counts (checked against the subscription's limits in the transaction of the
//! change) and a stable id per virtual network site. The database does not read the
//! document: the caller has parsed and checked it.

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key};
use crate::db::{Db, fetch, for_update, tx_require, with_pool};
use crate::error::{DbError, Limit, ResourceKind};

/// What a network configuration holds, as counted by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkCounts {
    pub virtual_network_sites: i64,
    pub local_network_sites: i64,
    pub dns_servers: i64,
}

/// A stored network configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNetworkConfiguration {
    /// As it was sent.
    pub document: String,
    pub counts: NetworkCounts,
    pub modified_at: OffsetDateTime,
}

/// Set Network Configuration: the whole document replaces the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfigurationChange<'a> {
    pub subscription_id: &'a str,
    pub document: &'a str,
    pub counts: NetworkCounts,
    /// Every virtual network site of the new document: (name, an id for it if it is new).
    /// Sites already known keep their id; ids of sites no longer named are dropped.
    pub sites: &'a [(String, String)],
    /// The job that completes the operation, queued in the same transaction.
    pub job: Option<&'a crate::model::NewJob>,
}

fn site_key(name: &str) -> String {
    name.to_lowercase()
}

impl Db {
    /// The subscription's network configuration; `None` if it never had one.
    pub async fn network_configuration(
        &self,
        subscription_id: &str,
    ) -> Result<Option<StoredNetworkConfiguration>, DbError> {
        let row: Option<(String, i64, i64, i64, i64)> = fetch!(
            self,
            fetch_optional,
            "SELECT document, virtual_network_sites, local_network_sites, dns_servers, \
             modified_at FROM network_configurations WHERE subscription_id = $1",
            [sub_key(subscription_id)]
        )?;
        row.map(|(document, v, l, d, m)| {
            Ok(StoredNetworkConfiguration {
                document,
                counts: NetworkCounts {
                    virtual_network_sites: v,
                    local_network_sites: l,
                    dns_servers: d,
                },
                modified_at: from_micros(m)?,
            })
        })
        .transpose()
    }

    /// Replaces the subscription's network configuration, in one transaction:
    ///
    /// * [`DbError::NotFound`] ("subscription") if the subscription does not exist;
    /// * [`DbError::LimitExceeded`] ([`Limit::VirtualNetworkSites`],
    ///   [`Limit::LocalNetworkSites`], [`Limit::DnsServers`]) if a count is over the
    ///   subscription's maximum (nothing changes).
    pub async fn set_network_configuration(
        &self,
        change: &NetworkConfigurationChange<'_>,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let sub = sub_key(change.subscription_id);
        let c = change.counts;
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let lock = for_update!(
                d,
                "SELECT max_virtual_network_sites, max_local_network_sites, max_dns_servers \
                 FROM subscriptions WHERE id = $1"
            );
            let (max_v, max_l, max_d) = tx_require!(
                tx,
                (i64, i64, i64),
                lock,
                [&sub],
                DbError::not_found(ResourceKind::Subscription, change.subscription_id)
            );
            for (n, max, limit) in [
                (c.virtual_network_sites, max_v, Limit::VirtualNetworkSites),
                (c.local_network_sites, max_l, Limit::LocalNetworkSites),
                (c.dns_servers, max_d, Limit::DnsServers),
            ] {
                if n > max {
                    return Err(DbError::limit_exceeded(limit, max));
                }
            }
            sqlx::query(
                "INSERT INTO network_configurations (subscription_id, document, \
                 virtual_network_sites, local_network_sites, dns_servers, modified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (subscription_id) DO UPDATE SET \
                 document = excluded.document, \
                 virtual_network_sites = excluded.virtual_network_sites, \
                 local_network_sites = excluded.local_network_sites, \
                 dns_servers = excluded.dns_servers, modified_at = excluded.modified_at",
            )
            .bind(&sub)
            .bind(change.document)
            .bind(c.virtual_network_sites)
            .bind(c.local_network_sites)
            .bind(c.dns_servers)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            let known: Vec<(String,)> = sqlx::query_as(
                "SELECT name_key FROM virtual_network_site_ids WHERE subscription_id = $1",
            )
            .bind(&sub)
            .fetch_all(&mut *tx)
            .await?;
            let wanted: Vec<String> = change.sites.iter().map(|(n, _)| site_key(n)).collect();
            for (key,) in &known {
                if !wanted.contains(key) {
                    sqlx::query(
                        "DELETE FROM virtual_network_site_ids \
                         WHERE subscription_id = $1 AND name_key = $2",
                    )
                    .bind(&sub)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for ((_, id), key) in change.sites.iter().zip(&wanted) {
                if !known.iter().any(|(k,)| k == key) {
                    sqlx::query(
                        "INSERT INTO virtual_network_site_ids (subscription_id, name_key, id) \
                         VALUES ($1, $2, $3) ON CONFLICT (subscription_id, name_key) DO NOTHING",
                    )
                    .bind(&sub)
                    .bind(key)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some(job) = change.job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The ids of the subscription's virtual network sites: (name folded to lower case, id).
    pub async fn virtual_network_site_ids(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<(String, String)>, DbError> {
        let rows: Vec<(String, String)> = fetch!(
            self,
            fetch_all,
            "SELECT name_key, id FROM virtual_network_site_ids WHERE subscription_id = $1 \
             ORDER BY name_key",
            [sub_key(subscription_id)]
        )?;
        Ok(rows)
    }

    /// (virtual network sites, local network sites, DNS servers) for Get Subscription.
    pub(crate) async fn network_usage(
        &self,
        subscription_id: &str,
    ) -> Result<NetworkCounts, DbError> {
        Ok(self
            .network_configuration(subscription_id)
            .await?
            .map(|c| c.counts)
            .unwrap_or_default())
    }
}
