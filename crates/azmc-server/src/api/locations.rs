//! List Locations (`GET /{s}/locations`, §4.4) from `config.locations`, and List Role
//! Sizes (`GET /{s}/rolesizes`) from the fixed list of classic sizes. Both 200. Neither
//! changes while the server runs: both documents are written once, at start
//! ([`FixedBodies`]), and every answer shares those bytes.

use super::xml_bytes;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use azmc_wire::asm::{LocationXml, RoleSizeXml, locations_to_xml, role_sizes_to_xml};

pub use crate::domain::vms::ROLE_SIZES;

/// The services every location offers.
pub const AVAILABLE_SERVICES: &[&str] = &["Compute", "Storage", "PersistentVMRole", "HighMemory"];

/// The capabilities of affinity groups.
pub const CAPABILITIES: &[&str] = &["PersistentVMRole", "HighMemory"];

/// The names of [`ROLE_SIZES`].
pub fn role_size_names() -> Vec<String> {
    ROLE_SIZES.iter().map(|r| r.0.to_string()).collect()
}

/// Whether cloud services (web and worker roles) run in the size: every size but the
/// Basic tier, which the live service offered to virtual machines only.
pub fn for_web_worker_roles(size: &str) -> bool {
    !size.starts_with("Basic_")
}

/// The names of the sizes web and worker roles run in.
pub fn web_worker_size_names() -> Vec<String> {
    ROLE_SIZES
        .iter()
        .filter(|r| for_web_worker_roles(r.0))
        .map(|r| r.0.to_string())
        .collect()
}

/// The configured location matching `name` case-insensitively, in its configured spelling.
pub fn canonical_location(state: &AppState, name: &str) -> Option<String> {
    location_named(&state.config.locations, name)
}

/// The location of `locations` that `name` names: its display name (`West US`) or its
/// short name (`westus`, as ARM and the newer tools write it), in any case.
pub fn location_named(locations: &[String], name: &str) -> Option<String> {
    let squeeze = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = squeeze(name);
    locations
        .iter()
        .find(|l| l.eq_ignore_ascii_case(name.trim()))
        .or_else(|| locations.iter().find(|l| squeeze(l) == wanted))
        .cloned()
}

/// The answers that do not change while the server runs, serialised once.
#[derive(Debug, Clone)]
pub struct FixedBodies {
    locations: Bytes,
    role_sizes: Bytes,
}

impl FixedBodies {
    pub fn new(locations: &[String]) -> Self {
        Self {
            locations: Bytes::from(locations_document(locations)),
            role_sizes: Bytes::from(role_sizes_document()),
        }
    }
}

fn locations_document(locations: &[String]) -> String {
    let items: Vec<LocationXml> = locations
        .iter()
        .map(|l| LocationXml {
            name: l.clone(),
            display_name: l.clone(),
            available_services: AVAILABLE_SERVICES.iter().map(|s| s.to_string()).collect(),
            web_worker_role_sizes: web_worker_size_names(),
            virtual_machines_role_sizes: role_size_names(),
            storage_account_types: crate::domain::storage_accounts::ACCOUNT_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        })
        .collect();
    locations_to_xml(&items)
}

fn role_sizes_document() -> String {
    let items: Vec<RoleSizeXml> = ROLE_SIZES
        .iter()
        .map(|&(name, cores, mem, disks, ww, vm)| RoleSizeXml {
            name: name.to_string(),
            label: format!("{name} ({cores} cores, {mem} MB)"),
            cores,
            memory_in_mb: mem,
            supported_by_web_worker_roles: for_web_worker_roles(name),
            supported_by_virtual_machines: true,
            max_data_disk_count: disks,
            web_worker_resource_disk_size_in_mb: ww,
            virtual_machine_resource_disk_size_in_mb: vm,
        })
        .collect();
    role_sizes_to_xml(&items)
}

pub async fn list(State(state): State<AppState>) -> Response {
    xml_bytes(StatusCode::OK, state.fixed.locations.clone())
}

pub async fn role_sizes(State(state): State<AppState>) -> Response {
    xml_bytes(StatusCode::OK, state.fixed.role_sizes.clone())
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(_st: &AppState) -> Router<AppState> {
    Router::new()
        .route("/{s}/locations", routing::get(list))
        .route("/{s}/rolesizes", routing::get(role_sizes))
}

#[cfg(test)]
mod tests {
    use super::location_named;

    #[test]
    fn locations_by_display_or_short_name() {
        let all: Vec<String> = ["West US", "East US 2", "North Europe"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (given, found) in [
            ("West US", Some("West US")),
            ("west us", Some("West US")),
            (" westus ", Some("West US")),
            ("WestUS", Some("West US")),
            ("eastus2", Some("East US 2")),
            ("northeurope", Some("North Europe")),
            ("west", None),
            ("westus3", None),
            ("", None),
        ] {
            assert_eq!(location_named(&all, given).as_deref(), found, "{given:?}");
        }
    }
}
