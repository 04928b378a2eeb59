//! Storage accounts: `/{s}/services/storageservices[/{name}[/keys]]` and the name check
//! (§4.6). Statuses are the Node clients': create 202 (asynchronous: the account exists at
//! once as `Creating`, job kind [`CREATE_JOB`] makes it `Created`), everything else 200
//! (regenerate with the keys in the body).

use super::locations::STORAGE_ACCOUNT_TYPES;
use super::validate::{
    base_url, check_description, check_extended_properties, label_of, location_or_affinity_group,
    optional_label, parse_input, required, with_location,
};
use super::{empty, query_params, xml};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use azmc_db::{DbError, NewStorageAccount, StorageAccount, StorageAccountUpdate, StorageKeyType};
use azmc_wire::asm::{
    StorageServiceKeysXml, StorageServiceXml, availability_to_xml, encode_label, format_time,
    parse_create_storage_service, parse_regenerate_keys, parse_update_storage_service,
    storage_services_to_xml,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// What the live service answered for an invalid name.
const INVALID_NAME: &str = "Storage account names must be between 3 and 24 characters in length and use numbers and lower-case letters only.";

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("The storage account '{name}' was not found."))
}

/// Map a database error about a storage account.
fn db_error(e: DbError, name: &str) -> ApiError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::StorageAccount,
            ..
        } => not_found(name),
        DbError::NotFound {
            kind: azmc_db::ResourceKind::AffinityGroup,
            id,
        } => ApiError::bad_request(format!(
            "AffinityGroup '{id}' does not exist in this subscription."
        )),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::StorageAccount),
            ..
        } => ApiError::conflict(format!(
            "A storage account named '{name}' already exists (storage account names are unique across all subscriptions)."
        )),
        other => ApiError::from_db(other, "storage account"),
    }
}

/// 3–24 lower-case letters and digits.
pub fn valid_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The account type as configured (`standard_lrs` → `Standard_LRS`), or 400.
fn account_type_of(t: &str) -> Result<String, ApiError> {
    STORAGE_ACCOUNT_TYPES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(t))
        .map(|k| k.to_string())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "AccountType {t:?} is invalid: use one of {}.",
                STORAGE_ACCOUNT_TYPES.join(", ")
            ))
        })
}

/// A fresh access key: base64 of 64 random bytes.
fn new_key() -> Result<String, ApiError> {
    let mut b = [0u8; 64];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a storage key");
        ApiError::internal()
    })?;
    Ok(STANDARD.encode(b))
}

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

fn to_xml(state: &AppState, base: &str, a: &StorageAccount) -> StorageServiceXml {
    let suffix = &state.config.dns_suffix;
    let geo = matches!(a.account_type.as_str(), "Standard_GRS" | "Standard_RAGRS");
    let secondary = if geo {
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
) -> Result<Response, ApiError> {
    let accounts = state
        .db
        .list_storage_accounts(&s)
        .await
        .map_err(|e| db_error(e, ""))?;
    let base = base_url(&headers);
    let items: Vec<_> = accounts.iter().map(|a| to_xml(&state, &base, a)).collect();
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
    if !valid_name(name) {
        return Err(ApiError::bad_request(format!(
            "ServiceName {name:?} is not a valid storage account name. {INVALID_NAME}"
        )));
    }
    let label = label_of(input.label.as_deref())?;
    check_description(input.description.as_deref())?;
    check_extended_properties(&input.extended_properties)?;
    let location = location_or_affinity_group(
        &state,
        input.location.as_deref(),
        input.affinity_group.as_deref(),
    )?;
    let account_type = match (
        &input.account_type,
        input.geo_replication_enabled.as_deref(),
    ) {
        (Some(t), _) => account_type_of(t)?,
        (None, Some(g)) if g.eq_ignore_ascii_case("false") => "Standard_LRS".to_string(),
        (None, _) => "Standard_GRS".to_string(),
    };
    let (primary, secondary) = (new_key()?, new_key()?);
    let new = NewStorageAccount {
        subscription_id: &s,
        name,
        label: &label,
        description: input.description.as_deref(),
        location: location.as_deref(),
        affinity_group: input.affinity_group.as_deref(),
        account_type: &account_type,
        extended_properties: &input.extended_properties,
        primary_key: &primary,
        secondary_key: &secondary,
    };
    let now = state.clock.now();
    state
        .db
        .create_storage_account(&new, now)
        .await
        .map_err(|e| db_error(e, name))?;
    let work = CreateAccount {
        subscription: s.clone(),
        name: name.to_string(),
    };
    if jobs::enqueue(&state, &id, &s, &work).await.is_err() {
        // Nothing half-created: the account goes with the failed request.
        if let Err(e) = state.db.delete_storage_account(&s, name).await {
            tracing::error!(error = %e, "cannot remove the storage account of a failed create");
        }
        return Err(ApiError::internal());
    }
    Ok(with_location(
        empty(StatusCode::ACCEPTED),
        &format!("{}/subscriptions/{s}/storage/{name}", base_url(&headers)),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let a = state
        .db
        .get_storage_account(&s, &name)
        .await
        .map_err(|e| db_error(e, &name))?;
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
    let a = state
        .db
        .get_storage_account(&s, &name)
        .await
        .map_err(|e| db_error(e, &name))?;
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
    let a = state
        .db
        .set_storage_account_key(&s, &name, which, &new_key()?, state.clock.now())
        .await
        .map_err(|e| db_error(e, &name))?;
    Ok(xml(StatusCode::OK, keys_xml(&base_url(&headers), &a)))
}

/// Account types that can be converted into one another (ZRS and Premium cannot change).
fn convertible(t: &str) -> bool {
    matches!(t, "Standard_LRS" | "Standard_GRS" | "Standard_RAGRS")
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
    let account_type = input
        .account_type
        .as_deref()
        .map(account_type_of)
        .transpose()?;
    let current = state
        .db
        .get_storage_account(&s, &name)
        .await
        .map_err(|e| db_error(e, &name))?;
    if let Some(t) = &account_type
        && *t != current.account_type
        && !(convertible(t) && convertible(&current.account_type))
    {
        return Err(ApiError::bad_request(format!(
            "AccountType cannot be changed from {} to {t}: only Standard_LRS, Standard_GRS and Standard_RAGRS convert into one another.",
            current.account_type
        )));
    }
    let update = StorageAccountUpdate {
        label,
        description: input.description,
        account_type,
        extended_properties: input.extended_properties,
    };
    state
        .db
        .update_storage_account(&s, &name, &update, state.clock.now())
        .await
        .map_err(|e| db_error(e, &name))?;
    Ok(empty(StatusCode::OK))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .db
        .delete_storage_account(&s, &name)
        .await
        .map_err(|e| db_error(e, &name))?;
    Ok(empty(StatusCode::OK))
}

pub async fn name_available(
    State(state): State<AppState>,
    Path((s, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let body = if !valid_name(&name) {
        availability_to_xml(
            false,
            Some(&format!(
                "The name '{name}' is not a valid storage account name. {INVALID_NAME}"
            )),
        )
    } else {
        match state
            .db
            .storage_account_owner(&name)
            .await
            .map_err(|e| db_error(e, &name))?
        {
            None => availability_to_xml(true, None),
            Some(owner) if owner.eq_ignore_ascii_case(&s) => availability_to_xml(
                false,
                Some(&format!(
                    "A storage account named '{name}' already exists in the subscription."
                )),
            ),
            Some(_) => availability_to_xml(
                false,
                Some(&format!(
                    "The storage account named '{name}' is already taken."
                )),
            ),
        }
    };
    Ok(xml(StatusCode::OK, body))
}

/// Create Storage Account: after `async_delay`, mark the account `Created`. Idempotent
/// (an account already `Created` stays so); an account deleted meanwhile fails the
/// operation with 404.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateAccount {
    pub subscription: String,
    pub name: String,
}

impl JobKind for CreateAccount {
    const KIND: &'static str = "CreateStorageService";
    async fn run(self, state: AppState) -> JobResult {
        let now = state.clock.now();
        JobResult::of(
            state
                .db
                .mark_storage_account_created(&self.subscription, &self.name, now)
                .await,
            &format!("The storage account '{}' was not found.", self.name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert!(valid_name("abc") && valid_name("utstor36ea155e") && valid_name(&"a".repeat(24)));
        assert!(!valid_name("ab") && !valid_name(&"a".repeat(25)));
        assert!(!valid_name("Abc") && !valid_name("a-bc") && !valid_name("utstor啊齄"));
        assert_eq!(account_type_of("standard_ragrs").unwrap(), "Standard_RAGRS");
        let e = account_type_of("Standard_XYZ").unwrap_err();
        assert!(e.message.contains("AccountType"));
        assert!(convertible("Standard_LRS") && !convertible("Premium_LRS"));
        assert_eq!(STANDARD.decode(new_key().unwrap()).unwrap().len(), 64);
    }
}
