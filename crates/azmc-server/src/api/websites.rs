//! Web Sites (§4.11): webspaces (one per configured location, e.g. `westuswebspace`),
//! sites in them, and the resource provider registration call
//! (`PUT /{s}/services?service=website&action=register|unregister`).
//!
//! Statuses are the Node client's (`azure-asm-website`): webspaces list/get 200; sites
//! list/get 200, create 200 + `Site`, update 200 + `Site`, delete 200, restart 200; register and
//! unregister 202 (Node accepts nothing else; its operation is complete at once). The rules
//! are in `domain::websites`.

use super::validate::{base_url_or_configured as base_url, parse_input, required};
use super::{empty, query_params, xml};
use crate::domain::Ctx;
use crate::domain::websites::{self, NewSite, SiteChange, Webspace};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{self, MethodRouter};
use azmc_db::Website;
use azmc_wire::asm::{
    SiteXml, WebSpaceXml, dns_suffix_to_xml, format_time, geo_regions_to_xml, parse_site_input,
    sites_to_xml, webspaces_to_xml,
};

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

fn webspace_xml(s: &str, w: Webspace) -> WebSpaceXml {
    WebSpaceXml {
        geo_location: geo_location(&w.location),
        name: w.name,
        geo_region: w.location,
        subscription: s.to_string(),
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
    if !websites::valid_provider_name(&service) {
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
    websites::register_provider(&Ctx::of(&state), &id, &s, &service, registered).await?;
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
    let spaces: Vec<_> = websites::webspaces(&Ctx::of(&state))
        .into_iter()
        .map(|w| webspace_xml(&s, w))
        .collect();
    Ok(xml(StatusCode::OK, webspaces_to_xml(&spaces)))
}

pub async fn get_webspace(
    State(state): State<AppState>,
    Path((s, ws)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let w = websites::webspace(&Ctx::of(&state), &ws)?;
    Ok(xml(StatusCode::OK, webspace_xml(&s, w).to_xml()))
}

pub async fn list_sites(
    State(state): State<AppState>,
    Path((s, ws)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let sites = websites::list(&Ctx::of(&state), &s, &ws).await?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = sites.iter().map(|x| site_xml(&state, &base, x)).collect();
    Ok(xml(StatusCode::OK, sites_to_xml(&items)))
}

pub async fn get_site(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let w = websites::get(&Ctx::of(&state), &s, &ws, &site).await?;
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
    let input = parse_input(&body, parse_site_input)?;
    let new = NewSite {
        name: required(input.name, "Name")?,
        webspace_name: input.webspace_name,
        webspace_geo_region: input.webspace_geo_region,
        compute_mode: input.compute_mode,
        site_mode: input.site_mode,
        server_farm: input.server_farm,
    };
    let w = websites::create(&Ctx::of(&state), &s, &ws, new).await?;
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
    let input = parse_input(&body, parse_site_input)?;
    let change = SiteChange {
        state: input.state,
        compute_mode: input.compute_mode,
        site_mode: input.site_mode,
    };
    let w = websites::update(&Ctx::of(&state), &s, &ws, &site, change).await?;
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
    websites::get(&Ctx::of(&state), &s, &ws, &site).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete_site(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    websites::delete(&Ctx::of(&state), &s, &ws, &site).await?;
    Ok(empty(StatusCode::OK))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services",
            methods(
                st,
                MethodRouter::new(),
                [(
                    OpName::new("RegisterResourceProvider")
                        .or_by_comp(&[("unregister", "UnregisterResourceProvider")]),
                    routing::put(provider),
                )],
            ),
        )
        .route("/{s}/services/webspaces", routing::get(list_webspaces))
        .route(
            "/{s}/services/webspaces/{webspace}",
            routing::get(get_webspace),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites",
            methods(
                st,
                routing::get(list_sites),
                [(OpName::new("CreateSite"), routing::post(create_site))],
            ),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}",
            methods(
                st,
                routing::get(get_site),
                [
                    (OpName::new("UpdateSite"), routing::put(update_site)),
                    (OpName::new("DeleteSite"), routing::delete(delete_site)),
                ],
            ),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}/restart",
            methods(
                st,
                MethodRouter::new(),
                [(OpName::new("RestartSite"), routing::post(restart_site))],
            ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geo_locations() {
        assert_eq!(geo_location("East US"), "BLU");
        assert_eq!(geo_location("Brazil South"), "BRA");
    }
}
