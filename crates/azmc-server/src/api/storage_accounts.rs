//! Storage accounts: `/{s}/services/storageservices[/{name}[/keys]]` and the name check
//! (§4.6). Statuses are the Node clients': create 202 (asynchronous: the account exists at
//! once as `Creating`, the job `domain::storage_accounts::CreateAccount` makes it
//! `Created`), everything else 200 (regenerate with the keys in the body). The rules are in
//! `domain::storage_accounts`.

use super::validate::{
    Placed, Placement, base_url, check_description, check_extended_properties, optional_label,
    parse_input, placed, required, with_location,
};
use super::{comp_is, empty, query_params, xml};
use crate::domain::Ctx;
use crate::domain::storage_accounts::{self as accounts, NewAccount};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing;
use azmc_db::{StorageAccount, StorageAccountUpdate, StorageKeyType};
use azmc_wire::asm::{
    DeletedKind, DeletedResourceXml, StorageServiceKeysXml, StorageServiceXml, availability_to_xml,
    deleted_to_xml, encode_label, format_time, parse_create_storage_service, parse_regenerate_keys,
    parse_update_storage_service, storage_services_to_xml,
};

/// The geo-replication partner of a region (for GRS/RA-GRS accounts).
fn secondary_region(state: &AppState, primary: &str) -> Option<String> {
    const PAIRS: &[(&str, &str)] = &[
        ("West US", "East US"),
        ("North Europe", "West Europe"),
        ("East Asia", "Southeast Asia"),
        ("North Central US", "South Central US"),
        ("Central US", "East US 2"),
        ("Japan East", "Japan West"),
        ("Brazil South", "South Central US"),
    ];
    let partner = PAIRS.iter().find_map(|&(a, b)| {
        if a.eq_ignore_ascii_case(primary) {
            Some(b.to_string())
        } else if b.eq_ignore_ascii_case(primary) {
            Some(a.to_string())
        } else {
            None
        }
    });
    partner.or_else(|| {
        state
            .config
            .locations
            .iter()
            .find(|l| !l.eq_ignore_ascii_case(primary))
            .cloned()
    })
}

fn url_of(base: &str, a: &StorageAccount) -> String {
    format!(
        "{base}/{}/services/storageservices/{}",
        a.subscription_id, a.name
    )
}

pub fn to_xml(state: &AppState, base: &str, a: &StorageAccount) -> StorageServiceXml {
    let suffix = &state.config.dns_suffix;
    let secondary = if accounts::geo_replicated(&a.account_type) {
        secondary_region(state, &a.location)
    } else {
        None
    };
    StorageServiceXml {
        url: url_of(base, a),
        service_name: a.name.clone(),
        description: a.description.clone(),
        affinity_group: a.affinity_group.clone(),
        location: Some(a.location.clone()),
        label: encode_label(&a.label),
        status: a.status.to_string(),
        endpoints: ["blob", "queue", "table", "file"]
            .iter()
            .map(|k| format!("https://{}.{k}.{suffix}/", a.name))
            .collect(),
        geo_primary_region: Some(a.location.clone()),
        status_of_primary: Some("Available".into()),
        status_of_secondary: secondary.as_ref().map(|_| "Available".to_string()),
        geo_secondary_region: secondary,
        creation_time: format_time(a.created_at),
        account_type: a.account_type.clone(),
        extended_properties: a.extended_properties.clone(),
        capabilities: vec!["PersistentVMRole".into()],
    }
}

fn keys_xml(base: &str, a: &StorageAccount) -> String {
    StorageServiceKeysXml {
        url: url_of(base, a),
        primary: a.primary_key.clone(),
        secondary: a.secondary_key.clone(),
    }
    .to_xml()
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    if comp_is(uri.query(), "deleted") {
        return list_deleted(&state, &s).await;
    }
    let list = accounts::list(&Ctx::of(&state), &s).await?;
    let base = base_url(&headers);
    let items: Vec<_> = list.iter().map(|a| to_xml(&state, &base, a)).collect();
    Ok(xml(StatusCode::OK, storage_services_to_xml(&items)))
}

pub async fn create(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_create_storage_service)?;
    let name = required(input.service_name.as_deref(), "ServiceName")?;
    accounts::check_name(name)?;
    let Placed { label, location } = placed(
        &state,
        Placement {
            label: input.label.as_deref(),
            description: input.description.as_deref(),
            extended_properties: &input.extended_properties,
            location: input.location.as_deref(),
            affinity_group: input.affinity_group.as_deref(),
        },
    )?;
    let new = NewAccount {
        subscription: &s,
        name,
        label: &label,
        description: input.description.as_deref(),
        location: location.as_deref(),
        affinity_group: input.affinity_group.as_deref(),
        account_type: input.account_type.as_deref(),
        geo_replication_enabled: input
            .geo_replication_enabled
            .as_deref()
            .map(|g| !g.eq_ignore_ascii_case("false")),
        extended_properties: &input.extended_properties,
    };
    accounts::create(&Ctx::of(&state), &id, &new).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/storageservices/{name}"),
        with_location(
            empty(StatusCode::ACCEPTED),
            &format!("{}/subscriptions/{s}/storage/{name}", base_url(&headers)),
        ),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let a = accounts::get(&Ctx::of(&state), &s, &name).await?;
    Ok(xml(
        StatusCode::OK,
        to_xml(&state, &base_url(&headers), &a).to_xml(),
    ))
}

pub async fn get_keys(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let a = accounts::get(&Ctx::of(&state), &s, &name).await?;
    Ok(xml(StatusCode::OK, keys_xml(&base_url(&headers), &a)))
}

pub async fn regenerate_keys(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let regenerate = query_params(uri.query())
        .iter()
        .any(|(k, v)| k == "action" && v.eq_ignore_ascii_case("regenerate"));
    if !regenerate {
        return Err(ApiError::bad_query(
            "The query parameter action=regenerate is required.",
        ));
    }
    let key_type = parse_input(&body, parse_regenerate_keys)?;
    let which = match key_type.as_deref() {
        Some(k) if k.eq_ignore_ascii_case("primary") => StorageKeyType::Primary,
        Some(k) if k.eq_ignore_ascii_case("secondary") => StorageKeyType::Secondary,
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "KeyType {k:?} is invalid: use Primary or Secondary."
            )));
        }
        None => return Err(ApiError::bad_request("KeyType is required.")),
    };
    let a = accounts::regenerate_key(&Ctx::of(&state), &s, &name, which).await?;
    Ok(xml(StatusCode::OK, keys_xml(&base_url(&headers), &a)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_update_storage_service)?;
    let label = optional_label(input.label.as_deref())?;
    check_description(input.description.as_deref())?;
    check_extended_properties(&input.extended_properties)?;
    let update = StorageAccountUpdate {
        label,
        description: input.description,
        account_type: input.account_type,
        extended_properties: input.extended_properties,
    };
    accounts::update(&Ctx::of(&state), &s, &name, update).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    accounts::delete(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

/// `GET …/storageservices?comp=deleted` (azmc): the deleted accounts that can still be
/// restored.
async fn list_deleted(state: &AppState, s: &str) -> Result<Response, ApiError> {
    let deleted = accounts::list_deleted(&Ctx::of(state), s).await?;
    let items: Vec<_> = deleted
        .iter()
        .map(|d| DeletedResourceXml {
            service_name: d.item.name.clone(),
            label: encode_label(&d.item.label),
            location: Some(d.item.location.clone()),
            affinity_group: d.item.affinity_group.clone(),
            account_type: Some(d.item.account_type.clone()),
            certificate_count: None,
            deleted_time: format_time(d.deleted_at),
            purge_time: format_time(d.purge_at),
        })
        .collect();
    Ok(xml(
        StatusCode::OK,
        deleted_to_xml(DeletedKind::StorageServices, &items),
    ))
}

/// `POST …/storageservices/{name}?comp=restore` (azmc): the deleted account back, with
/// its keys and properties.
pub async fn restore(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    if !comp_is(uri.query(), "restore") {
        return Err(ApiError::bad_query(
            "The query parameter comp=restore is required.",
        ));
    }
    accounts::restore(&Ctx::of(&state), &s, &name).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn name_available(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let reason = accounts::unavailable_because(&Ctx::of(&state), &s, &name).await?;
    let body = availability_to_xml(reason.is_none(), reason.as_deref());
    Ok(xml(StatusCode::OK, body))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/storageservices",
            methods(
                st,
                routing::get(list),
                [(OpName::new("CreateStorageService"), routing::post(create))],
            ),
        )
        .route(
            "/{s}/services/storageservices/operations/isavailable/{name}",
            routing::get(name_available),
        )
        .route(
            "/{s}/services/storageservices/{name}",
            methods(
                st,
                routing::get(get),
                [
                    (OpName::new("UpdateStorageService"), routing::put(update)),
                    (OpName::new("DeleteStorageService"), routing::delete(delete)),
                    (OpName::new("RestoreStorageService"), routing::post(restore)),
                ],
            ),
        )
        .route(
            "/{s}/services/storageservices/{name}/keys",
            methods(
                st,
                routing::get(get_keys),
                [(
                    OpName::new("RegenerateStorageServiceKeys"),
                    routing::post(regenerate_keys),
                )],
            ),
        )
}
