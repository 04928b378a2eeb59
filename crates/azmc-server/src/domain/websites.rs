//! Web sites: webspaces (one per offered location, e.g. `westuswebspace`), the site-name
//! rule, the allowed modes and states, resource provider registration, the site
//! configuration (defaults, partial updates, checks; connection strings sealed at rest) and
//! the publishing password (random per site, made at creation, sealed at rest, read only by
//! the publish profile). The wire checks and the answer's shape stay with the API door.

use super::{ConflictReason, Ctx, DomainError, ResourceKind, sealing};
use crate::identity::RequestId;
use azmc_db::{
    DbError, NewWebsite, OperationOutcome, Website, WebsiteConfigChange, WebsiteSettings,
    WebsiteUpdate,
};
use azmc_wire::asm::{
    CONNECTION_STRING_TYPES, ConnectionStringInfo, SiteConfig, parse_site_config_json,
};
use zeroize::Zeroizing;

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
    let password = sealed_new_password(ctx, &new.name)?;
    let stored = NewWebsite {
        subscription_id: subscription,
        name: &new.name,
        webspace: &space.name,
        compute_mode: &compute_mode,
        site_mode: &site_mode,
        server_farm: new.server_farm.as_deref(),
        publishing_password_sealed: &password,
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
        // kept only by a site that has none (one made before passwords were kept)
        publishing_password_sealed: Some(sealed_new_password(ctx, site)?),
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

// ---- secrets: the publishing password and the connection strings --------------------
//
// Both are sealed (AES-256-GCM under the sealing key) with associated data naming the
// site (lower case) and the secret, so sealed bytes cannot be moved to another site or
// field. The publishing password is made at creation; a site made before migration 9 has
// none until its next change (Update Site or Update Config), because a read (the publish
// profile) must not write: until then its publish profile is refused with a conflict that
// says so.

/// Length of a publishing password (the live service's were 60 letters and digits).
const PASSWORD_LEN: usize = 60;

fn aad(site: &str, secret: &str) -> Vec<u8> {
    format!("azmc/website/{}/{secret}", site.to_ascii_lowercase()).into_bytes()
}

/// 60 random letters and digits (unbiased: bytes of 248 and more are drawn again).
fn new_password() -> Result<Zeroizing<String>, DomainError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = Zeroizing::new(String::with_capacity(PASSWORD_LEN));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < PASSWORD_LEN {
        getrandom::fill(buf.as_mut()).map_err(|_| {
            tracing::error!("no randomness for a publishing password");
            DomainError::Internal
        })?;
        for &b in buf.iter() {
            if b < 248 && out.len() < PASSWORD_LEN {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// A new publishing password for `site`, sealed.
fn sealed_new_password(ctx: &Ctx<'_>, site: &str) -> Result<Vec<u8>, DomainError> {
    let password = new_password()?;
    sealing::seal(ctx, password.as_bytes(), &aad(site, "publishing-password"))
}

/// The stored settings of a site.
async fn settings(
    ctx: &Ctx<'_>,
    subscription: &str,
    space: &Webspace,
    site: &str,
) -> Result<WebsiteSettings, DomainError> {
    ctx.db
        .website_settings(subscription, &space.name, site)
        .await
        .map_err(|e| db_error(e, site))
}

/// What the publish profile needs: the site and its publishing password.
pub struct PublishingCredentials {
    pub site: Website,
    /// `$` + the site's name, as the live service.
    pub user_name: String,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for PublishingCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishingCredentials")
            .field("site", &self.site.name)
            .field("user_name", &self.user_name)
            .finish_non_exhaustive()
    }
}

/// The publishing credentials of the site `site` (no side effects).
pub async fn publishing_credentials(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    site: &str,
) -> Result<PublishingCredentials, DomainError> {
    let space = webspace(ctx, ws)?;
    let w = get(ctx, subscription, ws, site).await?;
    let st = settings(ctx, subscription, &space, &w.name).await?;
    let Some(sealed) = st.publishing_password_sealed else {
        return Err(DomainError::Conflict(
            ConflictReason::WebSitePublishingPasswordPending { name: w.name },
        ));
    };
    let plain = sealing::open(
        ctx,
        &sealed,
        &aad(&w.name, "publishing-password"),
        "publishing password",
    )?;
    let password = Zeroizing::new(String::from_utf8(plain.to_vec()).map_err(|_| {
        tracing::error!("a publishing password is not text");
        DomainError::Internal
    })?);
    Ok(PublishingCredentials {
        user_name: format!("${}", w.name),
        site: w,
        password,
    })
}

// ---- configuration -------------------------------------------------------------------

/// The documents a site starts with (the live service's defaults for a new free site).
fn default_config() -> SiteConfig {
    SiteConfig {
        always_on: Some(false),
        app_settings: Some(vec![]),
        connection_strings: Some(vec![]),
        default_documents: Some(
            [
                "Default.htm",
                "Default.html",
                "Default.asp",
                "index.htm",
                "index.html",
                "iisstart.htm",
                "default.aspx",
                "index.php",
                "hostingstart.html",
            ]
            .map(String::from)
            .to_vec(),
        ),
        detailed_error_logging_enabled: Some(false),
        document_root: None,
        handler_mappings: Some(vec![]),
        http_logging_enabled: Some(false),
        logs_directory_size_limit: Some(35),
        managed_pipeline_mode: Some("Integrated".into()),
        metadata: Some(vec![]),
        net_framework_version: Some("v4.0".into()),
        number_of_workers: Some(1),
        php_version: Some("5.4".into()),
        publishing_password: None,
        publishing_username: None,
        python_version: Some(String::new()),
        remote_debugging_enabled: Some(false),
        remote_debugging_version: None,
        request_tracing_enabled: Some(false),
        request_tracing_expiration_time: None,
        scm_type: Some("None".into()),
        use_32_bit_worker_process: Some(true),
        web_sockets_enabled: Some(false),
    }
}

/// `base` with every field `change` sets replaced (partial update).
fn merge(base: &mut SiteConfig, change: SiteConfig) {
    macro_rules! take {
        ($($f:ident),*) => { $( if change.$f.is_some() { base.$f = change.$f; } )* };
    }
    take!(
        always_on,
        app_settings,
        connection_strings,
        default_documents,
        detailed_error_logging_enabled,
        document_root,
        handler_mappings,
        http_logging_enabled,
        logs_directory_size_limit,
        managed_pipeline_mode,
        metadata,
        net_framework_version,
        number_of_workers,
        php_version,
        python_version,
        remote_debugging_enabled,
        remote_debugging_version,
        request_tracing_enabled,
        request_tracing_expiration_time,
        scm_type,
        use_32_bit_worker_process,
        web_sockets_enabled
    );
}

const PIPELINE_MODES: &[&str] = &["Integrated", "Classic"];

fn invalid(field: &'static str, message: String) -> DomainError {
    DomainError::Invalid { field, message }
}

/// Names of a list: non-empty, unique (any case).
fn check_names<'a>(
    field: &'static str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), DomainError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() {
            return Err(invalid(field, format!("{field}: every item needs a Name.")));
        }
        if !seen.insert(n.to_ascii_lowercase()) {
            return Err(invalid(
                field,
                format!("{field}: the name '{n}' is given more than once."),
            ));
        }
    }
    Ok(())
}

/// Checks a configuration change and spells its enumerations as stored. The publishing
/// user name and password are the site's, not the caller's: they are ignored.
fn check_change(mut c: SiteConfig) -> Result<SiteConfig, DomainError> {
    c.publishing_username = None;
    c.publishing_password = None;
    c.managed_pipeline_mode = one_of(
        "ManagedPipelineMode",
        c.managed_pipeline_mode,
        PIPELINE_MODES,
    )?;
    if let Some(n) = c.number_of_workers
        && !(1..=10).contains(&n)
    {
        return Err(invalid(
            "NumberOfWorkers",
            format!("NumberOfWorkers {n} is not valid; use 1 to 10."),
        ));
    }
    if let Some(n) = c.logs_directory_size_limit
        && !(25..=100).contains(&n)
    {
        return Err(invalid(
            "LogsDirectorySizeLimit",
            format!("LogsDirectorySizeLimit {n} is not valid; use 25 to 100 (MB)."),
        ));
    }
    if let Some(l) = &c.app_settings {
        check_names("AppSettings", l.iter().map(|p| p.name.as_str()))?;
    }
    if let Some(l) = &c.metadata {
        check_names("Metadata", l.iter().map(|p| p.name.as_str()))?;
    }
    if let Some(l) = &mut c.connection_strings {
        check_names("ConnectionStrings", l.iter().map(|p| p.name.as_str()))?;
        for cs in l.iter_mut() {
            let kind = if cs.kind.is_empty() {
                "Custom".to_string()
            } else {
                cs.kind.clone()
            };
            cs.kind = one_of("ConnectionStrings", Some(kind), CONNECTION_STRING_TYPES)?
                .unwrap_or_default();
        }
    }
    Ok(c)
}

/// The stored configuration with its connection strings opened.
fn stored_config(st: &WebsiteSettings) -> Result<SiteConfig, DomainError> {
    let mut c = default_config();
    if let Some(json) = &st.config {
        let stored = parse_site_config_json(json.as_bytes()).map_err(|e| {
            tracing::error!(error = %e, "a stored site configuration does not read");
            DomainError::Internal
        })?;
        merge(&mut c, stored);
    }
    Ok(c)
}

fn open_connection_strings(
    ctx: &Ctx<'_>,
    st: &WebsiteSettings,
    site: &str,
) -> Result<Vec<ConnectionStringInfo>, DomainError> {
    let Some(sealed) = &st.connection_strings_sealed else {
        return Ok(vec![]);
    };
    let plain = sealing::open(
        ctx,
        sealed,
        &aad(site, "connection-strings"),
        "connection strings",
    )?;
    parse_site_config_json(&plain)
        .map(|c| c.connection_strings.unwrap_or_default())
        .map_err(|_| {
            tracing::error!("stored connection strings do not read");
            DomainError::Internal
        })
}

/// The configuration of the site `site`: the defaults, what was stored, its connection
/// strings, and its publishing user name (the password is only in the publish profile).
pub async fn config(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    site: &str,
) -> Result<SiteConfig, DomainError> {
    let space = webspace(ctx, ws)?;
    let w = get(ctx, subscription, ws, site).await?;
    let st = settings(ctx, subscription, &space, &w.name).await?;
    let mut c = stored_config(&st)?;
    c.connection_strings = Some(open_connection_strings(ctx, &st, &w.name)?);
    c.publishing_username = Some(format!("${}", w.name));
    Ok(c)
}

/// Changes the configuration of the site `site`: the fields `change` sets replace the
/// stored ones, the others are kept. Concurrent changes are applied one after the other
/// (each is merged into what the previous one stored).
pub async fn update_config(
    ctx: &Ctx<'_>,
    subscription: &str,
    ws: &str,
    site: &str,
    change: SiteConfig,
) -> Result<(), DomainError> {
    let space = webspace(ctx, ws)?;
    let change = check_change(change)?;
    let w = get(ctx, subscription, ws, site).await?;
    let password = sealed_new_password(ctx, &w.name)?;
    for _ in 0..5 {
        let st = settings(ctx, subscription, &space, &w.name).await?;
        let mut c = stored_config(&st)?;
        let mut strings = open_connection_strings(ctx, &st, &w.name)?;
        let mut change = change.clone();
        if let Some(l) = change.connection_strings.take() {
            strings = l;
        }
        merge(&mut c, change);
        c.connection_strings = None;
        let sealed_strings = if strings.is_empty() {
            None
        } else {
            let doc = Zeroizing::new(
                SiteConfig {
                    connection_strings: Some(strings),
                    ..Default::default()
                }
                .to_json(),
            );
            Some(sealing::seal(
                ctx,
                doc.as_bytes(),
                &aad(&w.name, "connection-strings"),
            )?)
        };
        let json = c.to_json();
        let stored = ctx
            .db
            .set_website_config(
                subscription,
                &space.name,
                &w.name,
                &WebsiteConfigChange {
                    config: &json,
                    connection_strings_sealed: sealed_strings.as_deref(),
                    publishing_password_sealed: &password,
                    expected_version: st.version,
                },
                ctx.now,
            )
            .await
            .map_err(|e| db_error(e, site))?;
        if stored {
            return Ok(());
        }
    }
    tracing::warn!("a site configuration kept changing under an update");
    Err(DomainError::Unavailable)
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

    #[test]
    fn publishing_passwords_are_random_letters_and_digits() {
        let a = new_password().unwrap();
        let b = new_password().unwrap();
        assert_eq!(a.len(), PASSWORD_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(*a, *b);
        assert_ne!(aad("Site", "x"), aad("Site", "y"));
        assert_eq!(aad("Site", "x"), aad("site", "x"));
    }

    #[test]
    fn configuration_changes_merge_and_are_checked() {
        let mut c = default_config();
        let change = check_change(SiteConfig {
            php_version: Some("5.6".into()),
            managed_pipeline_mode: Some("classic".into()),
            publishing_username: Some("$intruder".into()),
            connection_strings: Some(vec![ConnectionStringInfo {
                name: "db".into(),
                connection_string: "x".into(),
                kind: "sqlazure".into(),
            }]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(change.publishing_username, None);
        assert_eq!(change.managed_pipeline_mode.as_deref(), Some("Classic"));
        assert_eq!(
            change.connection_strings.as_ref().unwrap()[0].kind,
            "SQLAzure"
        );
        merge(&mut c, change);
        assert_eq!(c.php_version.as_deref(), Some("5.6"));
        assert_eq!(c.net_framework_version.as_deref(), Some("v4.0"));
        for bad in [
            SiteConfig {
                number_of_workers: Some(11),
                ..Default::default()
            },
            SiteConfig {
                logs_directory_size_limit: Some(5),
                ..Default::default()
            },
            SiteConfig {
                metadata: Some(vec![azmc_wire::asm::NameValue::default()]),
                ..Default::default()
            },
        ] {
            assert!(matches!(
                check_change(bad),
                Err(DomainError::Invalid { .. })
            ));
        }
    }
}
