//! Subscriptions: creating one (a random GUID unless one is given), reading it with its
//! usage, and its co-administrators. Used by the API (Get Subscription), the portal and
//! `azmc admin`.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use azmc_db::{DbError, NewSubscription, Quotas, Role, Subscription, Usage};

/// Subscription ids are GUIDs (8-4-4-4-12 hex).
pub fn check_id(id: &str) -> Result<(), DomainError> {
    if azmc_wire::asm::normalize_subscription_id(id).is_some() {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "id",
        message: format!(
            "invalid subscription id {id:?}: expected a GUID such as 8a4a0a51-728e-482e-8daa-c477f03c541d"
        ),
    })
}

/// A random subscription id (GUID version 4, lower case).
pub fn new_id() -> Result<String, DomainError> {
    super::new_guid("a subscription id")
}

fn db_error(e: DbError) -> DomainError {
    match e {
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        other => DomainError::from_db(other),
    }
}

/// Creates the subscription `name` administered by `admin`, with the default quotas.
pub async fn create(
    ctx: &Ctx<'_>,
    name: &str,
    admin: &str,
    id: Option<&str>,
) -> Result<Subscription, DomainError> {
    let id = match id {
        Some(i) => {
            check_id(i)?;
            i.to_ascii_lowercase()
        }
        None => new_id()?,
    };
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(DomainError::Invalid {
            field: "name",
            message: "the subscription name must be 1 to 100 characters".into(),
        });
    }
    let new = NewSubscription {
        id: &id,
        name,
        service_admin: admin,
    };
    ctx.db
        .create_subscription(&new, &Quotas::default(), ctx.now)
        .await
        .map_err(|e| match e {
            DbError::NotFound { id, .. } => {
                DomainError::not_found_named(ResourceKind::Account, &id)
            }
            DbError::Conflict { .. } => {
                DomainError::Conflict(ConflictReason::SubscriptionExists { id: id.clone() })
            }
            other => DomainError::from_db(other),
        })
}

/// The subscription `id`, its usage, and the contact of its service administrator (the
/// account's e-mail, else its username).
pub async fn get_with_usage(
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<(Subscription, Usage, String), DomainError> {
    let sub = ctx.db.get_subscription(id).await.map_err(db_error)?;
    let usage = ctx.db.subscription_usage(&sub.id).await.map_err(db_error)?;
    let contact = match ctx.db.get_account(&sub.service_admin).await {
        Ok(a) => a.email.unwrap_or(a.username),
        Err(_) => sub.service_admin.clone(),
    };
    Ok((sub, usage, contact))
}

/// The subscriptions `username` administers or co-administers, with the role:
/// service-administrator ones first.
pub async fn of_user(
    ctx: &Ctx<'_>,
    username: &str,
) -> Result<Vec<(Subscription, Role)>, DomainError> {
    ctx.db
        .subscriptions_for_user(username)
        .await
        .map_err(DomainError::from_db)
}

/// What a subscription holds against its quotas, and how many management certificates
/// are linked to it.
pub async fn usage(ctx: &Ctx<'_>, id: &str) -> Result<(Usage, u64), DomainError> {
    let usage = ctx.db.subscription_usage(id).await.map_err(db_error)?;
    let certificates = ctx.db.count_links(id).await.map_err(db_error)?;
    Ok((usage, certificates))
}

/// The co-administrators of `id`.
pub async fn coadmins(ctx: &Ctx<'_>, id: &str) -> Result<Vec<String>, DomainError> {
    ctx.db.list_coadmins(id).await.map_err(db_error)
}

/// Adds (`add`) or removes the co-administrator `username` of `subscription`.
pub async fn set_coadmin(
    ctx: &Ctx<'_>,
    subscription: &str,
    username: &str,
    add: bool,
) -> Result<(), DomainError> {
    let result = if add {
        ctx.db.add_coadmin(subscription, username).await
    } else {
        ctx.db.remove_coadmin(subscription, username).await
    };
    result.map_err(|e| match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::Account,
            ..
        } => DomainError::Invalid {
            field: "username",
            message: format!("There is no account named {username}."),
        },
        DbError::NotFound {
            kind: azmc_db::ResourceKind::Coadmin,
            ..
        } => DomainError::Invalid {
            field: "username",
            message: format!("{username} is not a co-administrator of this subscription."),
        },
        DbError::Conflict { .. } => DomainError::Conflict(ConflictReason::AlreadyAdministrator {
            username: username.into(),
        }),
        other => db_error(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        let id = new_id().unwrap();
        assert!(check_id(&id).is_ok(), "{id}");
        assert_eq!(&id[14..15], "4");
        assert_ne!(new_id().unwrap(), id);
        assert!(check_id("8A4A0A51-728E-482E-8DAA-C477F03C541D").is_ok());
        assert!(check_id("not-a-guid").is_err());
    }
}
