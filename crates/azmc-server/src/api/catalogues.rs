//! The read-only catalogues of classic IaaS (`domain::catalogues`), every answer 200:
//! List Operating Systems (`GET /{s}/operatingsystems`), List Operating System Families
//! (`GET /{s}/operatingsystemfamilies`), List Resource Extensions
//! (`GET /{s}/services/resourceextensions`) and List Resource Extension Versions
//! (`GET /{s}/services/resourceextensions/{publisher}/{extension}`; an extension not in
//! the catalogue is 404 `ResourceNotFound`). The catalogues are built in, so every
//! document is written once, at start ([`CatalogueBodies`]), and every answer shares
//! those bytes.

use super::xml_bytes;
use crate::domain::catalogues;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use azmc_wire::asm::{
    operating_system_families_to_xml, operating_systems_to_xml, resource_extensions_to_xml,
};
use std::collections::HashMap;

/// The catalogue answers, serialised once.
#[derive(Debug, Clone)]
pub struct CatalogueBodies {
    operating_systems: Bytes,
    operating_system_families: Bytes,
    resource_extensions: Bytes,
    /// List Resource Extension Versions, by `publisher/extension` in lower case.
    versions: HashMap<String, Bytes>,
}

impl CatalogueBodies {
    pub fn new() -> Self {
        let versions = catalogues::resource_extensions()
            .iter()
            .filter_map(|e| {
                let all = catalogues::resource_extension_versions(&e.publisher, &e.name)?;
                Some((
                    version_key(&e.publisher, &e.name),
                    Bytes::from(resource_extensions_to_xml(&all)),
                ))
            })
            .collect();
        Self {
            operating_systems: Bytes::from(operating_systems_to_xml(
                &catalogues::guest_os_versions(),
            )),
            operating_system_families: Bytes::from(operating_system_families_to_xml(
                &catalogues::guest_os_families(),
            )),
            resource_extensions: Bytes::from(resource_extensions_to_xml(
                &catalogues::resource_extensions(),
            )),
            versions,
        }
    }
}

impl Default for CatalogueBodies {
    fn default() -> Self {
        Self::new()
    }
}

fn version_key(publisher: &str, extension: &str) -> String {
    format!("{publisher}/{extension}").to_ascii_lowercase()
}

pub async fn operating_systems(State(state): State<AppState>) -> Response {
    xml_bytes(StatusCode::OK, state.catalogues.operating_systems.clone())
}

pub async fn operating_system_families(State(state): State<AppState>) -> Response {
    xml_bytes(
        StatusCode::OK,
        state.catalogues.operating_system_families.clone(),
    )
}

pub async fn resource_extensions(State(state): State<AppState>) -> Response {
    xml_bytes(StatusCode::OK, state.catalogues.resource_extensions.clone())
}

pub async fn resource_extension_versions(
    State(state): State<AppState>,
    Path((_s, publisher, extension)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    match state
        .catalogues
        .versions
        .get(&version_key(&publisher, &extension))
    {
        Some(body) => Ok(xml_bytes(StatusCode::OK, body.clone())),
        None => Err(ApiError::not_found(format!(
            "The resource extension {publisher}/{extension} does not exist."
        ))),
    }
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths); all read-only.
pub fn routes(_st: &AppState) -> Router<AppState> {
    Router::new()
        .route("/{s}/operatingsystems", routing::get(operating_systems))
        .route(
            "/{s}/operatingsystemfamilies",
            routing::get(operating_system_families),
        )
        .route(
            "/{s}/services/resourceextensions",
            routing::get(resource_extensions),
        )
        .route(
            "/{s}/services/resourceextensions/{publisher}/{extension}",
            routing::get(resource_extension_versions),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use azmc_wire::asm::{
        parse_operating_system_families, parse_operating_systems, parse_resource_extensions,
    };

    #[test]
    fn the_documents_hold_the_catalogue() {
        let b = CatalogueBodies::new();
        assert_eq!(
            parse_operating_systems(&b.operating_systems).unwrap(),
            catalogues::guest_os_versions()
        );
        assert_eq!(
            parse_operating_system_families(&b.operating_system_families).unwrap(),
            catalogues::guest_os_families()
        );
        assert_eq!(
            parse_resource_extensions(&b.resource_extensions).unwrap(),
            catalogues::resource_extensions()
        );
        assert_eq!(b.versions.len(), catalogues::resource_extensions().len());
        let chef = &b.versions["chef.bootstrap.windowsazure/chefclient"];
        assert_eq!(parse_resource_extensions(chef).unwrap().len(), 8);
    }
}
