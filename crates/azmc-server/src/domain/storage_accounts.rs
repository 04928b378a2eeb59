//! Storage accounts: the name and account-type rules, the access keys, which account
//! types convert into one another, and creation as an asynchronous operation (the account
//! exists at once as `Creating`; the job [`CreateAccount`] makes it `Created`). The wire
//! checks of the fields (label, description, extended properties, location) stay with the
//! API door.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{
    DbError, Deleted, NewStorageAccount, StorageAccount, StorageAccountUpdate, StorageKeyType,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// The account types offered, as spelled on the wire.
pub const ACCOUNT_TYPES: &[&str] = &[
    "Standard_LRS",
    "Standard_ZRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Premium_LRS",
];

/// What the live service answered for an invalid name.
pub const INVALID_NAME: &str = "Storage account names must be between 3 and 24 characters in length and use numbers and lower-case letters only.";

/// 3–24 lower-case letters and digits.
pub fn valid_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The name rule, as the error the live service answered.
pub fn check_name(name: &str) -> Result<(), DomainError> {
    if valid_name(name) {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "ServiceName",
        message: format!(
            "ServiceName {name:?} is not a valid storage account name. {INVALID_NAME}"
        ),
    })
}

/// The account type as offered (`standard_lrs` → `Standard_LRS`).
pub fn account_type_of(t: &str) -> Result<String, DomainError> {
    ACCOUNT_TYPES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(t))
        .map(|k| k.to_string())
        .ok_or_else(|| DomainError::Invalid {
            field: "AccountType",
            message: format!(
                "AccountType {t:?} is invalid: use one of {}.",
                ACCOUNT_TYPES.join(", ")
            ),
        })
}

/// Account types that can be converted into one another (ZRS and Premium cannot change).
fn convertible(t: &str) -> bool {
    matches!(t, "Standard_LRS" | "Standard_GRS" | "Standard_RAGRS")
}

/// Geo-replicated types, which have a secondary region.
pub fn geo_replicated(t: &str) -> bool {
    matches!(t, "Standard_GRS" | "Standard_RAGRS")
}

/// A fresh access key: base64 of 64 random bytes.
fn new_key() -> Result<String, DomainError> {
    let mut b = [0u8; 64];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a storage key");
        DomainError::Internal
    })?;
    Ok(STANDARD.encode(b))
}

/// The answers of the database about the account `name`.
fn db_error(e: DbError, name: &str) -> DomainError {
    use azmc_db::ResourceKind as Stored;
    match e {
        DbError::NotFound {
            kind: Stored::StorageAccount,
            ..
        } => DomainError::not_found_named(ResourceKind::StorageAccount, name),
        DbError::NotFound {
            kind: Stored::DeletedStorageAccount,
            ..
        } => DomainError::not_found_named(ResourceKind::DeletedStorageAccount, name),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::AffinityGroupGone,
            id,
        } => DomainError::Conflict(ConflictReason::AffinityGroupGone { name: id }),
        DbError::NotFound {
            kind: Stored::AffinityGroup,
            id,
        } => DomainError::Invalid {
            field: "AffinityGroup",
            message: format!("AffinityGroup '{id}' does not exist in this subscription."),
        },
        // The request's operation, or its job: the server's own records, not the client's.
        e @ (DbError::NotFound {
            kind: Stored::Operation,
            ..
        }
        | DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(Stored::Job),
            ..
        }) => DomainError::from_db(e),
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(Stored::StorageAccount),
            ..
        } => DomainError::Conflict(ConflictReason::StorageAccountNameTaken { name: name.into() }),
        other => DomainError::from_db(other),
    }
}

/// What Create Storage Account asks for, checked on the wire already (label, description,
/// extended properties, exactly one of an offered location or an affinity group).
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub subscription: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub description: Option<&'a str>,
    pub location: Option<&'a str>,
    pub affinity_group: Option<&'a str>,
    /// The requested type; without one, `geo_replication_enabled = Some(false)` means
    /// `Standard_LRS` and anything else `Standard_GRS` (the 2012 API's flag).
    pub account_type: Option<&'a str>,
    pub geo_replication_enabled: Option<bool>,
    pub extended_properties: &'a [(String, String)],
}

/// Creates the account `Creating` with fresh keys and queues the operation `op` that makes
/// it `Created`, in one transaction: nothing is left half-made, not even by a node killed
/// half-way.
pub async fn create(
    ctx: &Ctx<'_>,
    op: &RequestId,
    new: &NewAccount<'_>,
) -> Result<(), DomainError> {
    check_name(new.name)?;
    let account_type = match (new.account_type, new.geo_replication_enabled) {
        (Some(t), _) => account_type_of(t)?,
        (None, Some(false)) => "Standard_LRS".to_string(),
        (None, _) => "Standard_GRS".to_string(),
    };
    let (primary, secondary) = (new_key()?, new_key()?);
    let work = CreateAccount {
        subscription: new.subscription.to_string(),
        name: new.name.to_string(),
    };
    let job = jobs::new_job(ctx, op, new.subscription, &work)?;
    let stored = NewStorageAccount {
        subscription_id: new.subscription,
        name: new.name,
        label: new.label,
        description: new.description,
        location: new.location,
        affinity_group: new.affinity_group,
        account_type: &account_type,
        extended_properties: new.extended_properties,
        primary_key: &primary,
        secondary_key: &secondary,
        job: Some(&job),
    };
    ctx.db
        .create_storage_account(&stored, ctx.now)
        .await
        .map_err(|e| db_error(e, new.name))?;
    Ok(())
}

/// The accounts of `subscription`.
pub async fn list(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<StorageAccount>, DomainError> {
    ctx.db
        .list_storage_accounts(subscription)
        .await
        .map_err(|e| db_error(e, ""))
}

/// The account `name`.
pub async fn get(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<StorageAccount, DomainError> {
    ctx.db
        .get_storage_account(subscription, name)
        .await
        .map_err(|e| db_error(e, name))
}

/// Replaces one access key with a fresh one; answers the account with its new keys.
pub async fn regenerate_key(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    which: StorageKeyType,
) -> Result<StorageAccount, DomainError> {
    ctx.db
        .set_storage_account_key(subscription, name, which, &new_key()?, ctx.now)
        .await
        .map_err(|e| db_error(e, name))
}

/// Changes what `update` names. A new account type must be one of the offered ones, and
/// only LRS, GRS and RA-GRS convert into one another.
pub async fn update(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    mut update: StorageAccountUpdate,
) -> Result<(), DomainError> {
    if let Some(t) = update.account_type.take() {
        let t = account_type_of(&t)?;
        let current = get(ctx, subscription, name).await?;
        if t != current.account_type && !(convertible(&t) && convertible(&current.account_type)) {
            return Err(DomainError::Invalid {
                field: "AccountType",
                message: format!(
                    "AccountType cannot be changed from {} to {t}: only Standard_LRS, Standard_GRS and Standard_RAGRS convert into one another.",
                    current.account_type
                ),
            });
        }
        update.account_type = Some(t);
    }
    ctx.db
        .update_storage_account(subscription, name, &update, ctx.now)
        .await
        .map(|_| ())
        .map_err(|e| db_error(e, name))
}

/// Deletes the account `name`; while the server keeps deleted resources it stays
/// restorable (with its keys and properties) until [`Ctx::keep_until`].
pub async fn delete(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<(), DomainError> {
    ctx.db
        .delete_storage_account(subscription, name, ctx.keep_until(), ctx.now)
        .await
        .map_err(|e| db_error(e, name))
}

/// The subscription's deleted accounts that can still be restored.
pub async fn list_deleted(
    ctx: &Ctx<'_>,
    subscription: &str,
) -> Result<Vec<Deleted<StorageAccount>>, DomainError> {
    ctx.db
        .list_deleted_storage_accounts(subscription)
        .await
        .map_err(|e| db_error(e, ""))
}

/// Restores the deleted account `name` with its keys and properties, `Created`. Refused
/// when it was never deleted here (or has been purged or created anew), when its affinity
/// group is gone, or when the subscription is at its storage account limit.
pub async fn restore(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<StorageAccount, DomainError> {
    ctx.db
        .restore_storage_account(subscription, name, ctx.now)
        .await
        .map_err(|e| db_error(e, name))
}

/// Whether `name` could be created by `subscription`: `Ok(None)` if so, else why not.
pub async fn unavailable_because(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<Option<String>, DomainError> {
    if !valid_name(name) {
        return Ok(Some(format!(
            "The name '{name}' is not a valid storage account name. {INVALID_NAME}"
        )));
    }
    let owner = ctx
        .db
        .storage_account_owner(name)
        .await
        .map_err(|e| db_error(e, name))?;
    let owner = match owner {
        Some(o) => Some(o),
        // A deleted account keeps its name for its own subscription (which may create it
        // anew); for the others it is taken.
        None => ctx
            .db
            .deleted_storage_account_owner(name)
            .await
            .map_err(|e| db_error(e, name))?
            .filter(|o| !o.eq_ignore_ascii_case(subscription))
            .map(|_| String::new()),
    };
    Ok(match owner {
        None => None,
        Some(owner) if owner.eq_ignore_ascii_case(subscription) => Some(format!(
            "A storage account named '{name}' already exists in the subscription."
        )),
        Some(_) => Some(format!(
            "The storage account named '{name}' is already taken."
        )),
    })
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
        let ctx = Ctx::of(&state);
        match ctx
            .db
            .mark_storage_account_created(&self.subscription, &self.name, ctx.now)
            .await
        {
            Ok(_) => JobResult::ok(),
            Err(e) => db_error(e, &self.name).into(),
        }
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
        assert!(e.to_string().contains("AccountType"));
        assert!(convertible("Standard_LRS") && !convertible("Premium_LRS"));
        assert!(geo_replicated("Standard_RAGRS") && !geo_replicated("Standard_ZRS"));
        assert_eq!(STANDARD.decode(new_key().unwrap()).unwrap().len(), 64);
    }
}
