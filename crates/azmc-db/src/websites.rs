//! Web sites and resource provider registrations. Site names are unique across all
//! subscriptions (`name_key`); every lookup is scoped to the subscription and webspace.
//! A site's configuration and its secrets (sealed by the caller) live in its row
//! (migration 9) and go with it.

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key};
use crate::db::{Db, change_one, fetch, tx_commit_reading, tx_require_subscription, with_pool};
use crate::error::{DbError, ResourceKind, conflict_on_unique};

/// A web site as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website {
    pub subscription_id: String,
    /// The name as given at creation.
    pub name: String,
    /// Lower case, e.g. `westuswebspace`.
    pub webspace: String,
    /// `Shared` or `Dedicated`.
    pub compute_mode: String,
    /// `Limited` or `Basic`.
    pub site_mode: String,
    pub server_farm: Option<String>,
    /// `Running` or `Stopped`.
    pub state: String,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// What Create Site stores (the caller validated the values; `state` starts `Running`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebsite<'a> {
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub webspace: &'a str,
    pub compute_mode: &'a str,
    pub site_mode: &'a str,
    pub server_farm: Option<&'a str>,
    /// The site's publishing password, sealed by the caller (never stored in clear).
    pub publishing_password_sealed: &'a [u8],
}

/// What Update Site changes: `None` keeps the stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebsiteUpdate {
    pub state: Option<String>,
    pub compute_mode: Option<String>,
    pub site_mode: Option<String>,
    /// A sealed publishing password, stored only if the site has none yet (a site created
    /// before migration 9).
    pub publishing_password_sealed: Option<Vec<u8>>,
}

/// A site's configuration and secrets as stored (see migration 9): the caller seals and
/// opens them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct WebsiteSettings {
    /// The configuration document without its connection strings (JSON); `None`: defaults.
    pub config: Option<String>,
    /// The sealed connection strings; `None`: none.
    pub connection_strings_sealed: Option<Vec<u8>>,
    /// The sealed publishing password; `None` for a site created before migration 9 and
    /// not changed since.
    pub publishing_password_sealed: Option<Vec<u8>>,
    /// The row's version for [`Db::set_website_config`] (its modification time, µs).
    pub version: i64,
}

impl std::fmt::Debug for WebsiteSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebsiteSettings")
            .field("config", &self.config.as_ref().map(|_| ".."))
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The new configuration of a site (all of it: the caller merged the change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsiteConfigChange<'a> {
    pub config: &'a str,
    pub connection_strings_sealed: Option<&'a [u8]>,
    /// Stored only if the site has no publishing password yet.
    pub publishing_password_sealed: &'a [u8],
    /// The [`WebsiteSettings::version`] the change was computed from.
    pub expected_version: i64,
}

type SiteRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

macro_rules! select_site {
    () => {
        "SELECT subscription_id, name, webspace, compute_mode, site_mode, server_farm, state, \
         created_at, modified_at FROM websites "
    };
}

fn site(row: SiteRow) -> Result<Website, DbError> {
    let (subscription_id, name, webspace, compute_mode, site_mode, server_farm, state, c, m) = row;
    Ok(Website {
        subscription_id,
        name,
        webspace,
        compute_mode,
        site_mode,
        server_farm,
        state,
        created_at: from_micros(c)?,
        modified_at: from_micros(m)?,
    })
}

fn site_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), DbError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(DbError::Invalid(format!(
            "{field} {value:?} is not one of {allowed:?}"
        )))
    }
}

impl Db {
    /// Creates a web site. [`DbError::NotFound`] ("subscription"); [`DbError::Conflict`]
    /// ("web site") if the name is taken in any subscription; [`DbError::Invalid`] for
    /// a compute or site mode outside the stored enumerations.
    pub async fn create_website(
        &self,
        new: &NewWebsite<'_>,
        now: OffsetDateTime,
    ) -> Result<Website, DbError> {
        check_enum("compute mode", new.compute_mode, &["Shared", "Dedicated"])?;
        check_enum("site mode", new.site_mode, &["Limited", "Basic"])?;
        let sub = sub_key(new.subscription_id);
        let key = site_key(new.name);
        let row: SiteRow = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require_subscription!(tx, &sub, new.subscription_id);
            sqlx::query(
                "INSERT INTO websites (name_key, name, subscription_id, webspace, compute_mode, \
                 site_mode, server_farm, state, created_at, modified_at, \
                 publishing_password_sealed) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'Running', $8, $8, $9)",
            )
            .bind(&key)
            .bind(new.name)
            .bind(&sub)
            .bind(new.webspace.to_ascii_lowercase())
            .bind(new.compute_mode)
            .bind(new.site_mode)
            .bind(new.server_farm)
            .bind(micros(now))
            .bind(new.publishing_password_sealed)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, ResourceKind::WebSite, new.name))?;
            tx_commit_reading!(
                tx,
                SiteRow,
                concat!(select_site!(), "WHERE name_key = $1"),
                [&key]
            )
        });
        site(row)
    }

    /// The sites of a subscription in one webspace, by name.
    pub async fn list_websites(
        &self,
        subscription_id: &str,
        webspace: &str,
    ) -> Result<Vec<Website>, DbError> {
        let rows: Vec<SiteRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_site!(),
                "WHERE subscription_id = $1 AND webspace = $2 ORDER BY name_key"
            ),
            [sub_key(subscription_id), webspace.to_ascii_lowercase()]
        )?;
        rows.into_iter().map(site).collect()
    }

    /// One site of a subscription's webspace. [`DbError::NotFound`] ("web site").
    pub async fn get_website(
        &self,
        subscription_id: &str,
        webspace: &str,
        name: &str,
    ) -> Result<Website, DbError> {
        let row: Option<SiteRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_site!(),
                "WHERE subscription_id = $1 AND webspace = $2 AND name_key = $3"
            ),
            [
                sub_key(subscription_id),
                webspace.to_ascii_lowercase(),
                site_key(name)
            ]
        )?;
        site(row.ok_or_else(|| DbError::not_found(ResourceKind::WebSite, name))?)
    }

    /// Updates a site. [`DbError::NotFound`] ("web site"); [`DbError::Invalid`] for a
    /// value outside the stored enumerations.
    pub async fn update_website(
        &self,
        subscription_id: &str,
        webspace: &str,
        name: &str,
        update: &WebsiteUpdate,
        now: OffsetDateTime,
    ) -> Result<Website, DbError> {
        if let Some(s) = &update.state {
            check_enum("state", s, &["Running", "Stopped"])?;
        }
        if let Some(m) = &update.compute_mode {
            check_enum("compute mode", m, &["Shared", "Dedicated"])?;
        }
        if let Some(m) = &update.site_mode {
            check_enum("site mode", m, &["Limited", "Basic"])?;
        }
        change_one!(
            self,
            "UPDATE websites SET state = COALESCE($4, state), \
             compute_mode = COALESCE($5, compute_mode), site_mode = COALESCE($6, site_mode), \
             modified_at = $7, \
             publishing_password_sealed = COALESCE(publishing_password_sealed, $8) \
             WHERE subscription_id = $1 AND webspace = $2 AND name_key = $3",
            [
                sub_key(subscription_id),
                webspace.to_ascii_lowercase(),
                site_key(name),
                update.state.as_deref(),
                update.compute_mode.as_deref(),
                update.site_mode.as_deref(),
                micros(now),
                update.publishing_password_sealed.as_deref()
            ],
            DbError::not_found(ResourceKind::WebSite, name)
        )?;
        self.get_website(subscription_id, webspace, name).await
    }

    /// A site's configuration and sealed secrets. [`DbError::NotFound`] ("web site").
    pub async fn website_settings(
        &self,
        subscription_id: &str,
        webspace: &str,
        name: &str,
    ) -> Result<WebsiteSettings, DbError> {
        type Row = (Option<String>, Option<Vec<u8>>, Option<Vec<u8>>, i64);
        let row: Option<Row> = fetch!(
            self,
            fetch_optional,
            "SELECT config, connection_strings_sealed, publishing_password_sealed, modified_at \
             FROM websites WHERE subscription_id = $1 AND webspace = $2 AND name_key = $3",
            [
                sub_key(subscription_id),
                webspace.to_ascii_lowercase(),
                site_key(name)
            ]
        )?;
        let (config, connection_strings_sealed, publishing_password_sealed, version) =
            row.ok_or_else(|| DbError::not_found(ResourceKind::WebSite, name))?;
        Ok(WebsiteSettings {
            config,
            connection_strings_sealed,
            publishing_password_sealed,
            version,
        })
    }

    /// Stores a site's whole configuration if the row is still at
    /// `change.expected_version`: `Ok(true)`; `Ok(false)` when another change came first
    /// (read again and retry). [`DbError::NotFound`] ("web site").
    pub async fn set_website_config(
        &self,
        subscription_id: &str,
        webspace: &str,
        name: &str,
        change: &WebsiteConfigChange<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, DbError> {
        // A version that cannot repeat: later than the one read even if the clock is not.
        let version = micros(now).max(change.expected_version + 1);
        let n = with_pool!(self, |p| {
            sqlx::query(
                "UPDATE websites SET config = $4, connection_strings_sealed = $5, \
                 publishing_password_sealed = COALESCE(publishing_password_sealed, $6), \
                 modified_at = $7 \
                 WHERE subscription_id = $1 AND webspace = $2 AND name_key = $3 \
                 AND modified_at = $8",
            )
            .bind(sub_key(subscription_id))
            .bind(webspace.to_ascii_lowercase())
            .bind(site_key(name))
            .bind(change.config)
            .bind(change.connection_strings_sealed)
            .bind(change.publishing_password_sealed)
            .bind(version)
            .bind(change.expected_version)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        if n == 1 {
            return Ok(true);
        }
        // Gone, or changed by someone else.
        self.website_settings(subscription_id, webspace, name)
            .await
            .map(|_| false)
    }

    /// Deletes a site. [`DbError::NotFound`] ("web site").
    pub async fn delete_website(
        &self,
        subscription_id: &str,
        webspace: &str,
        name: &str,
    ) -> Result<(), DbError> {
        let done = with_pool!(self, |p| {
            sqlx::query(
            "DELETE FROM websites WHERE subscription_id = $1 AND webspace = $2 AND name_key = $3"
        )
        .bind(sub_key(subscription_id))
        .bind(webspace.to_ascii_lowercase())
        .bind(site_key(name))
        .execute(p)
        .await.map(|r| r.rows_affected())
        })?;
        if done == 0 {
            return Err(DbError::not_found(ResourceKind::WebSite, name));
        }
        Ok(())
    }

    /// Records a Register / Unregister Resource Provider call (idempotent).
    /// [`DbError::NotFound`] ("subscription").
    pub async fn set_resource_provider(
        &self,
        subscription_id: &str,
        provider: &str,
        registered: bool,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        let provider = provider.to_ascii_lowercase();
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require_subscription!(tx, &sub, subscription_id);
            sqlx::query(
                "INSERT INTO resource_providers (subscription_id, provider, registered, changed_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (subscription_id, provider) \
                 DO UPDATE SET registered = $3, changed_at = $4",
            )
            .bind(&sub)
            .bind(&provider)
            .bind(registered)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The providers registered for a subscription (lower case, sorted).
    pub async fn registered_resource_providers(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = fetch!(
            self,
            fetch_all,
            "SELECT provider FROM resource_providers \
             WHERE subscription_id = $1 AND registered = TRUE ORDER BY provider",
            [sub_key(subscription_id)]
        )?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }
}
