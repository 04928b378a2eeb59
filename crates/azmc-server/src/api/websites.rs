//! Web Sites (§4.11): webspaces (one per configured location, e.g. `westuswebspace`),
//! sites in them, and the resource provider registration call
//! (`PUT /{s}/services?service=website&action=register|unregister`).
//!
//! Statuses are the Node client's (`azure-asm-website`): webspaces list/get 200; sites
//! list/get 200, create 200 + `Site`, update 200 + `Site`, delete 200, restart 200; config
//! get 200 + `SiteConfig`, config update 200; publish profile 200 + `publishData`; register
//! and unregister 202 (Node accepts nothing else; its operation is complete at once). The
//! rules are in `domain::websites`.
//!
//! Every error of the `/{s}/services/webspaces/…` routes has the live Web Sites shape
//! (`crate::error::in_website_dialect`). The configuration is XML, or JSON for a caller
//! that accepts (GET) or sends (PUT) `application/json`, as the Node client does.

use super::validate::{base_url_or_configured as base_url, parse_input, required};
use super::{empty, query_params, xml};
use crate::domain::Ctx;
use crate::domain::websites::{self, NewSite, SiteChange, Webspace};
use crate::error::ApiError;
use crate::error::in_website_dialect;
use crate::identity::RequestId;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{self, MethodRouter};
use azmc_db::Website;
use azmc_wire::asm::{
    PublishProfile, SiteXml, WebSpaceXml, dns_suffix_to_xml, format_time, geo_regions_to_xml,
    instance_ids_to_xml, parse_site_config, parse_site_config_json, parse_site_input,
    publish_data_to_xml, sites_to_xml, webspaces_to_xml,
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
    Ok(CreatedObject::on(
        format!("/{s}/services/webspaces/{}/sites/{}", w.webspace, w.name),
        xml(
            StatusCode::OK,
            site_xml(&state, &base_url(&headers, &state), &w).to_xml(),
        ),
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

/// Whether the caller asks for JSON (`Accept: application/json`, the Node client).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("json"))
}

/// Whether the body is JSON: said by its `Content-Type`, or (no type given) it opens with `{`.
fn sends_json(headers: &HeaderMap, body: &[u8]) -> bool {
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(t) if t.to_ascii_lowercase().contains("json") => true,
        Some(t) if t.to_ascii_lowercase().contains("xml") => false,
        _ => body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    }
}

/// `GET …/sites/{site}/config` → 200 + `SiteConfig` (JSON if asked for).
pub async fn get_config(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let c = websites::config(&Ctx::of(&state), &s, &ws, &site).await?;
    if wants_json(&headers) {
        let mut r = xml(StatusCode::OK, c.to_json());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        return Ok(r);
    }
    Ok(xml(StatusCode::OK, c.to_xml()))
}

/// `PUT …/sites/{site}/config` (XML or JSON) → 200: the fields sent replace the stored
/// ones, the others are kept.
pub async fn update_config(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let change = if sends_json(&headers, &body) {
        parse_site_config_json(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "The request body's JSON was invalid or not correctly specified: {e}"
            ))
        })?
    } else {
        parse_input(&body, parse_site_config)?
    };
    websites::update_config(&Ctx::of(&state), &s, &ws, &site, change).await?;
    Ok(empty(StatusCode::OK))
}

/// `GET …/sites/{site}/publishxml` → 200 + `publishData`: a Web Deploy and an FTP profile
/// with the site's publishing password.
pub async fn publish_profile(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let c = websites::publishing_credentials(&Ctx::of(&state), &s, &ws, &site).await?;
    let suffix = &state.config.dns_suffix;
    let host = c.site.name.to_ascii_lowercase();
    let app_url = format!("http://{host}.azurewebsites.{suffix}");
    let profiles = [
        PublishProfile {
            profile_name: format!("{} - Web Deploy", c.site.name),
            publish_method: "MSDeploy".into(),
            publish_url: format!("{host}.scm.azurewebsites.{suffix}:443"),
            msdeploy_site: Some(c.site.name.clone()),
            ftp_passive_mode: None,
            user_name: c.user_name.clone(),
            user_pwd: c.password.to_string(),
            destination_app_url: app_url.clone(),
        },
        PublishProfile {
            profile_name: format!("{} - FTP", c.site.name),
            publish_method: "FTP".into(),
            publish_url: format!("ftp://{host}.ftp.azurewebsites.{suffix}/site/wwwroot"),
            msdeploy_site: None,
            ftp_passive_mode: Some("True".into()),
            user_name: format!("{}\\{}", c.site.name, c.user_name),
            user_pwd: c.password.to_string(),
            destination_app_url: app_url,
        },
    ];
    let body = zeroize::Zeroizing::new(publish_data_to_xml(&profiles));
    for mut p in profiles {
        zeroize::Zeroize::zeroize(&mut p.user_pwd);
    }
    Ok(xml(StatusCode::OK, body.to_string()))
}

/// `GET …/sites/{site}/instanceids` → 200 + `ArrayOfstring`: empty, as no site runs here
/// (the classic CLI's `site show` asks).
pub async fn instance_ids(
    State(state): State<AppState>,
    Path((s, ws, site)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    websites::get(&Ctx::of(&state), &s, &ws, &site).await?;
    Ok(xml(StatusCode::OK, instance_ids_to_xml(&[])))
}

/// `m` with the Web Sites error shape (inside the operation log's layer).
fn w(m: MethodRouter<AppState>) -> MethodRouter<AppState> {
    m.layer(axum::middleware::map_response(in_website_dialect))
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
        .route("/{s}/services/webspaces", w(routing::get(list_webspaces)))
        .route(
            "/{s}/services/webspaces/{webspace}",
            w(routing::get(get_webspace)),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites",
            methods(
                st,
                w(routing::get(list_sites)),
                [(OpName::new("CreateSite"), w(routing::post(create_site)))],
            ),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}",
            methods(
                st,
                w(routing::get(get_site)),
                [
                    (OpName::new("UpdateSite"), w(routing::put(update_site))),
                    (OpName::new("DeleteSite"), w(routing::delete(delete_site))),
                ],
            ),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}/restart",
            methods(
                st,
                MethodRouter::new(),
                [(OpName::new("RestartSite"), w(routing::post(restart_site)))],
            ),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}/config",
            methods(
                st,
                w(routing::get(get_config)),
                [(
                    OpName::new("UpdateSiteConfig"),
                    w(routing::put(update_config)),
                )],
            ),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}/publishxml",
            w(routing::get(publish_profile)),
        )
        .route(
            "/{s}/services/webspaces/{webspace}/sites/{site}/instanceids",
            w(routing::get(instance_ids)),
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
