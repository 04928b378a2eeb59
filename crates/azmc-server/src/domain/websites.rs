//! Web sites: webspaces (one per offered location, e.g. `westuswebspace`), the site-name
//! rule, the allowed modes and states, and resource provider registration. The wire
//! checks and the answer's shape stay with the API door.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use crate::identity::RequestId;
use azmc_db::{DbError, NewWebsite, OperationOutcome, Website, WebsiteUpdate};

/// The webspace name of a location: `West US` → `westuswebspace`.
pub fn webspace_name(location: &str) -> String {
    let mut n: String = location
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    n.push_str("webspace");
    n
}

/// A webspace: its name and the location it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webspace {
    pub name: String,
    pub location: String,
}

/// The webspaces: one per offered location.
pub fn webspaces(ctx: &Ctx<'_>) -> Vec<Webspace> {
    ctx.locations
        .iter()
        .map(|l| Webspace {
            name: webspace_name(l),
            location: l.clone(),
        })
        .collect()
}

/// The webspace `ws` (any case).
pub fn webspace(ctx: &Ctx<'_>, ws: &str) -> Result<Webspace, DomainError> {
    webspaces(ctx)
        .into_iter()
        .find(|w| w.name.eq_ignore_ascii_case(ws))
        .ok_or_else(|| DomainError::not_found_named(ResourceKind::Webspace, ws))
}

/// Site names: 2–60 letters, digits and hyphens, not starting or ending with a hyphen.
pub fn check_site_name(name: &str) -> Result<(), DomainError> {
    let ok = (2..=60).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "Name",
        message: format!(
            "Name '{name}' is not a valid site name: use 2 to 60 letters, digits and hyphens, not starting or ending with a hyphen."
        ),
    })
}

/// `value` as spelled in `allowed` (any case), or an error naming `field`.
fn one_of(
    field: &'static str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, DomainError> {
    let Some(v) = value else { return Ok(None) };
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&v))
        .map(|a| Some((*a).to_string()))
        .ok_or_else(|| DomainError::Invalid {
            field,
            message: format!(
                "{field} '{v}' is not valid; use one of {}.",
                allowed.join(", ")
            ),
        })
}

const COMPUTE_MODES: &[&str] = &["Shared", "Dedicated"];
const SITE_MODES: &[&str] = &["Limited", "Basic"];
const STATES: &[&str] = &["Running", "Stopped"];

/// The answers of the database about the site `name`.
fn db_error(e: DbError, name: &str) -> DomainError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::WebSite,
            ..
        } => DomainError::not_found_named(ResourceKind::WebSite, name),
        DbError::Conflict { .. } => {
            DomainError::Conflict(ConflictReason::WebSiteExists { name: name.into() })
        }
        DbError::Invalid(message) => DomainError::Invalid {
            field: "Site",
            message,
        },
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        other => DomainError::from_db(other),
    }
}

/// What Create Site asks for.
#[derive(Debug, Clone, Default)]
pub struct NewSite {
    pub name: String,
    /// `WebSpaceToCreate/Name` and `/GeoRegion`, if given: must match the path's webspace.
    pub webspace_name: Option<String>,
    pub webspace_geo_region: Option<String>,
    pub compute_mode: Option<String>,
    pub site_mode: Option<String>,
    pub server_farm: Option<String>,
}

/// Creates the site `new.name` in the webspace `ws`.
pub async fn create(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    new: NewSite,
) -> Result<Website, DomainError> {
    let space = webspace(ctx, ws)?;
    check_site_name(&new.name)?;
    if let Some(n) = &new.webspace_name
        && !n.eq_ignore_ascii_case(&space.name)
    {
        return Err(DomainError::Invalid {
            field: "WebSpaceToCreate",
            message: format!(
                "WebSpaceToCreate/Name '{n}' does not match the webspace '{}' of the request path.",
                space.name
            ),
        });
    }
    if let Some(g) = &new.webspace_geo_region
        && !g.eq_ignore_ascii_case(&space.location)
    {
        return Err(DomainError::Invalid {
            field: "WebSpaceToCreate",
            message: format!(
                "WebSpaceToCreate/GeoRegion '{g}' does not match the location '{}' of webspace '{}'.",
                space.location, space.name
            ),
        });
    }
    let compute_mode =
        one_of("ComputeMode", new.compute_mode, COMPUTE_MODES)?.unwrap_or_else(|| "Shared".into());
    let site_mode =
        one_of("SiteMode", new.site_mode, SITE_MODES)?.unwrap_or_else(|| "Limited".into());
    let stored = NewWebsite {
        subscription_id: subscription,
        name: &new.name,
        webspace: &space.name,
        compute_mode: &compute_mode,
        site_mode: &site_mode,
        server_farm: new.server_farm.as_deref(),
    };
    ctx.db
        .create_website(&stored, ctx.now)
        .await
        .map_err(|e| db_error(e, &new.name))
}

/// The sites of the webspace `ws`.
pub async fn list(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
) -> Result<Vec<Website>, DomainError> {
    let space = webspace(ctx, ws)?;
    ctx.db
        .list_websites(subscription, &space.name)
        .await
        .map_err(|e| db_error(e, ""))
}

/// The site `site` of the webspace `ws`.
pub async fn get(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    site: &str,
) -> Result<Website, DomainError> {
    let space = webspace(ctx, ws)?;
    ctx.db
        .get_website(subscription, &space.name, site)
        .await
        .map_err(|e| db_error(e, site))
}

/// What Update Site may change: `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct SiteChange {
    pub state: Option<String>,
    pub compute_mode: Option<String>,
    pub site_mode: Option<String>,
}

/// Changes the state and modes of the site `site`.
pub async fn update(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    site: &str,
    change: SiteChange,
) -> Result<Website, DomainError> {
    let space = webspace(ctx, ws)?;
    let update = WebsiteUpdate {
        state: one_of("State", change.state, STATES)?,
        compute_mode: one_of("ComputeMode", change.compute_mode, COMPUTE_MODES)?,
        site_mode: one_of("SiteMode", change.site_mode, SITE_MODES)?,
    };
    ctx.db
        .update_website(subscription, &space.name, site, &update, ctx.now)
        .await
        .map_err(|e| db_error(e, site))
}

/// Deletes the site `site`.
pub async fn delete(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    site: &str,
) -> Result<(), DomainError> {
    let space = webspace(ctx, ws)?;
    ctx.db
        .delete_website(subscription, &space.name, site)
        .await
        .map_err(|e| db_error(e, site))
}

/// A resource provider name: up to 64 letters, digits, dots and hyphens.
pub fn valid_provider_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// Registers (or unregisters) the resource provider `provider` for `subscription`. The
/// operation `op` (answered 202, as the clients insist) is completed at once: the change
/// is done.
pub async fn register_provider(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    provider: &str,
    registered: bool,
) -> Result<(), DomainError> {
    ctx.db
        .set_resource_provider(subscription, provider, registered, ctx.now)
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
            other => DomainError::from_db(other),
        })?;
    let outcome = OperationOutcome::succeeded(200);
    super::operations::finish(ctx, &op.0, &outcome).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webspace_and_site_names() {
        assert_eq!(webspace_name("West US"), "westuswebspace");
        assert_eq!(webspace_name("Southeast Asia"), "southeastasiawebspace");
        assert!(check_site_name("uts73b11139").is_ok());
        assert!(check_site_name("my-site").is_ok());
        for bad in ["a", "-a", "a-", "a_b", "a.b", &"a".repeat(61)] {
            assert!(
                check_site_name(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("Name"),
                "{bad}"
            );
        }
        assert!(valid_provider_name("website") && valid_provider_name("Microsoft.Web"));
        assert!(!valid_provider_name("") && !valid_provider_name("a/b"));
        assert_eq!(
            one_of("State", Some("running".into()), STATES).unwrap(),
            Some("Running".into())
        );
        assert!(one_of("State", Some("paused".into()), STATES).is_err());
    }
}
