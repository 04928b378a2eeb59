//! Affinity groups: `/{s}/affinitygroups[/{name}]` (§4.5). Statuses are the Node
//! clients': list/get/update/delete 200, create 201. Delete is refused (409) while
//! resources still reference the group (`Db::affinity_group_in_use`).

use super::locations::{CAPABILITIES, role_size_names, web_worker_size_names};
use super::validate::{available_location, parse_input, required, with_location};
pub use super::validate::{base_url, check_description, label_of};
use super::{empty, xml};
use crate::domain::{Ctx, affinity_groups};
use crate::error::ApiError;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing;
use azmc_db::{AffinityGroup, AffinityGroupUpdate, NewAffinityGroup};
use azmc_wire::asm::{
    AffinityGroupXml, affinity_groups_to_xml, encode_label, format_time,
    parse_create_affinity_group, parse_update_affinity_group,
};

/// The wire form of a group as List Affinity Groups sends it (Get adds its members and
/// leaves out `ComputeCapabilities`, as real Azure did).
fn to_xml(g: &AffinityGroup) -> AffinityGroupXml {
    AffinityGroupXml {
        name: g.name.clone(),
        label: encode_label(&g.label),
        description: g.description.clone(),
        location: g.location.clone(),
        hosted_services: None,
        storage_services: None,
        capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
        created_time: format_time(g.created_at),
        web_worker_role_sizes: web_worker_size_names(),
        virtual_machines_role_sizes: role_size_names(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let groups = affinity_groups::list(&Ctx::of(&state), &s).await?;
    let items: Vec<_> = groups.iter().map(to_xml).collect();
    Ok(xml(StatusCode::OK, affinity_groups_to_xml(&items)))
}

pub async fn create(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_create_affinity_group)?;
    let name = required(input.name.as_deref(), "Name")?;
    let label = label_of(input.label.as_deref())?;
    check_description(input.description.as_deref())?;
    let location = available_location(&state, required(input.location.as_deref(), "Location")?)?;
    let new = NewAffinityGroup {
        subscription_id: &s,
        name,
        label: &label,
        description: input.description.as_deref(),
        location: &location,
    };
    affinity_groups::create(&Ctx::of(&state), &new).await?;
    Ok(CreatedObject::on(
        format!("/{s}/affinitygroups/{name}"),
        with_location(
            empty(StatusCode::CREATED),
            &format!(
                "{}/subscriptions/{s}/affinitygroup/{name}",
                base_url(&headers)
            ),
        ),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ctx = Ctx::of(&state);
    let g = affinity_groups::get(&ctx, &s, &name).await?;
    let (services, accounts) = affinity_groups::members(&ctx, &g).await?;
    let base = base_url(&headers);
    let hosted = services
        .iter()
        .map(|h| super::hosted_services::to_xml(&base, h, None))
        .collect();
    let storage = accounts
        .iter()
        .map(|a| super::storage_accounts::to_xml(&state, &base, a))
        .collect();
    let x = AffinityGroupXml {
        hosted_services: Some(hosted),
        storage_services: Some(storage),
        web_worker_role_sizes: Vec::new(),
        virtual_machines_role_sizes: Vec::new(),
        ..to_xml(&g)
    };
    Ok(xml(StatusCode::OK, x.to_xml()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_update_affinity_group)?;
    let label = label_of(input.label.as_deref())?;
    check_description(input.description.as_deref())?;
    let update = AffinityGroupUpdate {
        label: Some(label),
        description: input.description,
    };
    affinity_groups::update(&Ctx::of(&state), &s, &name, &update).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    affinity_groups::delete(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/affinitygroups",
            methods(
                st,
                routing::get(list),
                [(OpName::new("CreateAffinityGroup"), routing::post(create))],
            ),
        )
        .route(
            "/{s}/affinitygroups/{name}",
            methods(
                st,
                routing::get(get),
                [
                    (OpName::new("UpdateAffinityGroup"), routing::put(update)),
                    (OpName::new("DeleteAffinityGroup"), routing::delete(delete)),
                ],
            ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_descriptions() {
        assert_eq!(label_of(Some("bXlhZw==")).unwrap(), "myag");
        assert!(label_of(None).is_err() && label_of(Some("!!")).is_err());
        let long = encode_label(&"x".repeat(101));
        assert!(label_of(Some(&long)).unwrap_err().message.contains("Label"));
        assert!(check_description(Some(&"d".repeat(1025))).is_err());
        assert!(check_description(Some(&"d".repeat(1024))).is_ok());
    }
}
