//! Affinity groups: the name rule, and what create, update and delete may refuse (a name
//! taken in the subscription, a group still used by storage accounts or cloud services).
//! The wire checks of the fields (label, description, location) stay with the API door.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use azmc_db::{
    AffinityGroup, AffinityGroupUpdate, DbError, HostedService, NewAffinityGroup, StorageAccount,
};

/// An affinity group name: 1–63 letters, digits, hyphens, underscores and periods,
/// starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The answers of the database about the group `name`.
fn db_error(e: DbError, name: &str) -> DomainError {
    use azmc_db::ConflictReason as Stored;
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::AffinityGroup,
            ..
        } => DomainError::not_found_named(ResourceKind::AffinityGroup, name),
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        DbError::Conflict {
            reason: Stored::Exists(azmc_db::ResourceKind::AffinityGroup),
            ..
        } => DomainError::Conflict(ConflictReason::AffinityGroupExists { name: name.into() }),
        DbError::Conflict {
            reason: Stored::AffinityGroupInUse,
            ..
        } => DomainError::Conflict(ConflictReason::AffinityGroupInUse { name: name.into() }),
        other => DomainError::from_db(other),
    }
}

/// The name rule as the error of a create request.
pub fn check_name(name: &str) -> Result<(), DomainError> {
    if valid_name(name) {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "Name",
        message: format!(
            "Name {name:?} is invalid: use 1 to 63 letters, digits, hyphens, underscores and periods, starting with a letter or digit."
        ),
    })
}

/// Creates the group `new.name` in `new.subscription_id`.
pub async fn create(ctx: &Ctx<'_>, new: &NewAffinityGroup<'_>) -> Result<(), DomainError> {
    check_name(new.name)?;
    ctx.db
        .create_affinity_group(new, ctx.now)
        .await
        .map(|_| ())
        .map_err(|e| db_error(e, new.name))
}

/// The groups of `subscription`.
pub async fn list(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<AffinityGroup>, DomainError> {
    ctx.db
        .list_affinity_groups(subscription)
        .await
        .map_err(|e| db_error(e, ""))
}

/// The group `name`.
pub async fn get(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<AffinityGroup, DomainError> {
    ctx.db
        .get_affinity_group(subscription, name)
        .await
        .map_err(|e| db_error(e, name))
}

/// The cloud services and storage accounts placed in the group `group`.
pub async fn members(
    ctx: &Ctx<'_>,
    group: &AffinityGroup,
) -> Result<(Vec<HostedService>, Vec<StorageAccount>), DomainError> {
    let s = &group.subscription_id;
    let services = ctx
        .db
        .list_hosted_services(s)
        .await
        .map_err(|e| db_error(e, &group.name))?
        .into_iter()
        .filter(|h| {
            h.affinity_group
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&group.name))
        })
        .collect();
    let accounts = ctx
        .db
        .list_storage_accounts_in_affinity_group(s, &group.name)
        .await
        .map_err(|e| db_error(e, &group.name))?;
    Ok((services, accounts))
}

/// Changes the label and description of the group `name`.
pub async fn update(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    update: &AffinityGroupUpdate,
) -> Result<(), DomainError> {
    ctx.db
        .update_affinity_group(subscription, name, update)
        .await
        .map(|_| ())
        .map_err(|e| db_error(e, name))
}

/// Deletes the group `name`, refused while storage accounts or cloud services use it.
pub async fn delete(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<(), DomainError> {
    ctx.db
        .delete_affinity_group(subscription, name)
        .await
        .map_err(|e| db_error(e, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("ag1") && valid_name("09da2f93-0f94-421d-bb65-a3a49034649b"));
        assert!(valid_name("affinityGroupName") && valid_name(&"a".repeat(63)));
        assert!(!valid_name("") && !valid_name("-a") && !valid_name(&"a".repeat(64)));
        assert!(!valid_name("a b") && !valid_name("a/b"));
    }
}
