//! Web Sites (§4.11): webspaces (one per configured location, e.g. `westuswebspace`),
//! sites in them, and the resource provider registration call
//! (`PUT /{s}/services?service=website&action=register|unregister`).
//!
//! Statuses are the Node client's (`azure-asm-website`): webspaces list/get 200; sites
//! list/get 200, create 200 + `Site`, update 200 + `Site`, delete 200, restart 200; register and
//! unregister 202 (Node accepts nothing else; its operation is complete at once).

use super::validate::{base_url_or_configured as base_url, parse_input, required};
use super::{empty, query_params, xml};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use azmc_db::{DbError, NewWebsite, OperationOutcome, OperationStatus, Website, WebsiteUpdate};
use azmc_wire::asm::{
    SiteXml, WebSpaceXml, dns_suffix_to_xml, format_time, geo_regions_to_xml, parse_site_input,
    sites_to_xml, webspaces_to_xml,
};

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

/// A short data-centre code for `GeoLocation` (the live service's for known regions).
fn geo_location(location: &str) -> String {
    match location.to_ascii_lowercase().as_str() {
        "west us" => "BY".into(),
        "east us" => "BLU".into(),
        "north europe" => "DB3".into(),
        "west europe" => "AM2".into(),
        "east asia" => "HK1".into(),
        "southeast asia" => "SG1".into(),
        other => other
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(3)
            .collect::<String>()
            .to_ascii_uppercase(),
    }
}

/// The configured location whose webspace is `ws` (any case).
fn location_of(state: &AppState, ws: &str) -> Option<String> {
    state
        .config
        .locations
        .iter()
        .find(|l| webspace_name(l).eq_ignore_ascii_case(ws))
        .cloned()
}

fn webspace_xml(s: &str, location: &str) -> WebSpaceXml {
    WebSpaceXml {
        name: webspace_name(location),
        geo_region: location.to_string(),
        geo_location: geo_location(location),
        subscription: s.to_string(),
    }
}

fn webspace_not_found(ws: &str) -> ApiError {
    ApiError::not_found(format!("The webspace '{ws}' does not exist."))
}

fn site_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("The web site '{name}' does not exist."))
}

fn map_db(e: DbError, name: &str) -> ApiError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::WebSite,
            ..
        } => site_not_found(name),
        DbError::Conflict { .. } => {
            ApiError::conflict(format!("Website with given name {name} already exists."))
        }
        DbError::Invalid(m) => ApiError::bad_request(m),
        other => ApiError::from_db(other, "web site"),
    }
}

fn site_xml(state: &AppState, base: &str, site: &Website) -> SiteXml {
    let suffix = &state.config.dns_suffix;
    let host = format!("{}.azurewebsites.{suffix}", site.name.to_ascii_lowercase());
    let scm = format!(
        "{}.scm.azurewebsites.{suffix}",
        site.name.to_ascii_lowercase()
    );
    SiteXml {
        name: site.name.clone(),
        web_space: site.webspace.clone(),
        state: site.state.clone(),
        compute_mode: site.compute_mode.clone(),
        site_mode: site.site_mode.clone(),
        server_farm: site.server_farm.clone(),
        host_names: vec![host.clone()],
        enabled_host_names: vec![host, scm],
        last_modified_time_utc: format_time(site.modified_at),
        self_link: format!(
            "{base}/{}/services/webspaces/{}/sites/{}",
            site.subscription_id, site.webspace, site.name
        ),
    }
}

/// Site names: 2–60 letters, digits and hyphens, not starting or ending with a hyphen.
pub fn validate_site_name(name: &str) -> Result<(), ApiError> {
    let ok = (2..=60).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Name '{name}' is not a valid site name: use 2 to 60 letters, digits and hyphens, not starting or ending with a hyphen."
        )))
    }
}

fn one_of(
    field: &str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&v))
            .map(|a| Some((*a).to_string()))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{field} '{v}' is not valid; use one of {}.",
                    allowed.join(", ")
                ))
            }),
    }
}

/// `PUT /{s}/services?service=NAME&action=register|unregister` → 202, completed at once.
pub async fn provider(
    State(state): State<AppState>,
    Path(s): Path<String>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = query_params(uri.query());
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let service = get("service")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_query("The query parameter 'service' is required."))?;
    if service.len() > 64
        || !service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(ApiError::bad_query(format!(
            "The query parameter 'service' ('{service}') is not a resource provider name."
        )));
    }
    let registered = match get("action").map(|a| a.to_ascii_lowercase()).as_deref() {
        Some("register") => true,
        Some("unregister") => false,
        _ => {
            return Err(ApiError::bad_query(
                "The query parameter 'action' must be 'register' or 'unregister'.",
            ));
        }
    };
    let now = state.clock.now();
    state
        .db
        .set_resource_provider(&s, &service, registered, now)
        .await
        .map_err(|e| ApiError::from_db(e, "subscription"))?;
    // A 202 leaves the operation to a job; this change is already done, so complete it.
    let outcome = OperationOutcome {
        status: OperationStatus::Succeeded,
        http_status: 200,
        error_code: None,
        error_message: None,
    };
    if let Err(e) = state.db.complete_operation(&id.0, &outcome, now).await {
        tracing::error!(error = %e, "cannot complete the registration operation");
    }
    Ok(empty(StatusCode::ACCEPTED))
}

/// `GET /{s}/services/webspaces[?properties=georegions|dnssuffix]`.
pub async fn list_webspaces(
    State(state): State<AppState>,
    Path(s): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = query_params(uri.query());
    let properties = params
        .iter()
        .find(|(k, _)| k == "properties")
        .map(|(_, v)| v.to_ascii_lowercase());
    match properties.as_deref() {
        None => {}
        Some("georegions") => {
            return Ok(xml(
                StatusCode::OK,
                geo_regions_to_xml(&state.config.locations),
            ));
        }
        Some("dnssuffix") => {
            return Ok(xml(
                StatusCode::OK,
                dns_suffix_to_xml(&format!("azurewebsites.{}", state.config.dns_suffix)),
            ));
        }
        Some(other) => {
            return Err(ApiError::bad_query(format!(
                "The query parameter 'properties' ('{other}') is not supported; use georegions or dnssuffix."
            )));
        }
    }
    let spaces: Vec<_> = state
        .config
        .locations
        .iter()
        .map(|l| webspace_xml(&s, l))
        .collect();
    Ok(xml(StatusCode::OK, webspaces_to_xml(&spaces)))
}

pub async fn get_webspace(
    State(state): State<AppState>,
    Path((s, ws)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    Ok(xml(StatusCode::OK, webspace_xml(&s, &location).to_xml()))
}

pub async fn list_sites(
    State(state): State<AppState>,
    Path((s, ws)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    let sites = state
        .db
        .list_websites(&s, &webspace_name(&location))
        .await
        .map_err(|e| ApiError::from_db(e, "subscription"))?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = sites.iter().map(|x| site_xml(&state, &base, x)).collect();
    Ok(xml(StatusCode::OK, sites_to_xml(&items)))
}

pub async fn get_site(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    let w = state
        .db
        .get_website(&s, &webspace_name(&location), &site)
        .await
        .map_err(|e| map_db(e, &site))?;
    Ok(xml(
        StatusCode::OK,
        site_xml(&state, &base_url(&headers, &state), &w).to_xml(),
    ))
}

pub async fn create_site(
    State(state): State<AppState>,
    Path((s, ws)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    let webspace = webspace_name(&location);
    let input = parse_input(&body, parse_site_input)?;
    let name = required(input.name, "Name")?;
    validate_site_name(&name)?;
    if let Some(n) = &input.webspace_name
        && !n.eq_ignore_ascii_case(&webspace)
    {
        return Err(ApiError::bad_request(format!(
            "WebSpaceToCreate/Name '{n}' does not match the webspace '{webspace}' of the request path."
        )));
    }
    if let Some(g) = &input.webspace_geo_region
        && !g.eq_ignore_ascii_case(&location)
    {
        return Err(ApiError::bad_request(format!(
            "WebSpaceToCreate/GeoRegion '{g}' does not match the location '{location}' of webspace '{webspace}'."
        )));
    }
    let compute_mode = one_of("ComputeMode", input.compute_mode, &["Shared", "Dedicated"])?
        .unwrap_or_else(|| "Shared".into());
    let site_mode = one_of("SiteMode", input.site_mode, &["Limited", "Basic"])?
        .unwrap_or_else(|| "Limited".into());
    let new = NewWebsite {
        subscription_id: &s,
        name: &name,
        webspace: &webspace,
        compute_mode: &compute_mode,
        site_mode: &site_mode,
        server_farm: input.server_farm.as_deref(),
    };
    let w = state
        .db
        .create_website(&new, state.clock.now())
        .await
        .map_err(|e| map_db(e, &name))?;
    Ok(xml(
        StatusCode::OK,
        site_xml(&state, &base_url(&headers, &state), &w).to_xml(),
    ))
}

pub async fn update_site(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    let input = parse_input(&body, parse_site_input)?;
    let update = WebsiteUpdate {
        state: one_of("State", input.state, &["Running", "Stopped"])?,
        compute_mode: one_of("ComputeMode", input.compute_mode, &["Shared", "Dedicated"])?,
        site_mode: one_of("SiteMode", input.site_mode, &["Limited", "Basic"])?,
    };
    let w = state
        .db
        .update_website(
            &s,
            &webspace_name(&location),
            &site,
            &update,
            state.clock.now(),
        )
        .await
        .map_err(|e| map_db(e, &site))?;
    Ok(xml(
        StatusCode::OK,
        site_xml(&state, &base_url(&headers, &state), &w).to_xml(),
    ))
}

/// `POST …/sites/{site}/restart` → 200 (nothing runs, so there is nothing to restart;
/// the site must exist).
pub async fn restart_site(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    state
        .db
        .get_website(&s, &webspace_name(&location), &site)
        .await
        .map_err(|e| map_db(e, &site))?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete_site(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let location = location_of(&state, &ws).ok_or_else(|| webspace_not_found(&ws))?;
    state
        .db
        .delete_website(&s, &webspace_name(&location), &site)
        .await
        .map_err(|e| map_db(e, &site))?;
    Ok(empty(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webspace_names() {
        assert_eq!(webspace_name("West US"), "westuswebspace");
        assert_eq!(webspace_name("Southeast Asia"), "southeastasiawebspace");
        assert_eq!(geo_location("East US"), "BLU");
        assert_eq!(geo_location("Brazil South"), "BRA");
    }

    #[test]
    fn site_names() {
        assert!(validate_site_name("uts73b11139").is_ok());
        assert!(validate_site_name("my-site").is_ok());
        for bad in ["a", "-a", "a-", "a_b", "a.b", &"a".repeat(61)] {
            assert!(
                validate_site_name(bad)
                    .unwrap_err()
                    .message
                    .contains("Name"),
                "{bad}"
            );
        }
    }
}
