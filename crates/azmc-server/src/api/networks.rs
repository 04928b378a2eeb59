//! Virtual networks (asm-iaas §8): `GET`/`PUT /{s}/services/networking/media` (the
//! network configuration document; Set answers 202, asynchronous) and
//! `GET /{s}/services/networking/virtualnetwork` (List Virtual Network Sites). The rules
//! are in `domain::networks`.

use super::validate::parse_input;
use super::{empty, xml};
use crate::domain::{Ctx, networks};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use azmc_wire::asm::{
    GatewaySiteXml, VirtualNetworkSiteXml, parse_network_configuration,
    virtual_network_sites_to_xml,
};

pub async fn get_configuration(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let document = networks::configuration(&Ctx::of(&state), &s).await?;
    Ok(xml(StatusCode::OK, document))
}

pub async fn set_configuration(
    State(state): State<AppState>,
    Path(s): Path<String>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let parsed = parse_input(&body, parse_network_configuration)?;
    // parse_network_configuration has checked that the body is UTF-8 text.
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("The network configuration is not UTF-8 text."))?;
    let document = text.strip_prefix('\u{feff}').unwrap_or(text);
    networks::set_configuration(&Ctx::of(&state), &id, &s, document, &parsed).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn list_sites(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let sites = networks::sites(&Ctx::of(&state), &s).await?;
    let items: Vec<_> = sites
        .into_iter()
        .map(|site| VirtualNetworkSiteXml {
            label: site.config.name.clone(),
            name: site.config.name,
            id: site.id,
            affinity_group: site.config.affinity_group,
            location: site.location,
            state: "Created".into(),
            address_prefixes: site.config.address_prefixes,
            subnets: site
                .config
                .subnets
                .into_iter()
                .map(|n| (n.name, n.address_prefix))
                .collect(),
            dns_servers: site.dns_servers,
            gateway_sites: site
                .gateway
                .into_iter()
                .map(|(l, kind)| GatewaySiteXml {
                    name: l.name,
                    vpn_gateway_address: l.vpn_gateway_address,
                    address_prefixes: l.address_prefixes,
                    connections: vec![kind],
                })
                .collect(),
        })
        .collect();
    Ok(xml(StatusCode::OK, virtual_network_sites_to_xml(&items)))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/networking/media",
            methods(
                st,
                routing::get(get_configuration),
                [(
                    OpName::new("SetNetworkConfiguration"),
                    routing::put(set_configuration),
                )],
            ),
        )
        .route(
            "/{s}/services/networking/virtualnetwork",
            routing::get(list_sites),
        )
}
