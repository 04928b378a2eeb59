//! What `azmc admin` does, as library functions over the database. They work whether or
//! not a server runs on the same database: a running server picks up certificate and
//! subscription changes through its index refresh (`auth.rs`).

use crate::bootstrap::{hash_password, new_subscription_id};
use crate::domain::{self, Actor, Ctx};
use crate::error::ServerError;
use azmc_db::{Account, Db, Limits, LinkedCertificate, NewSubscription, Quotas, Subscription};
use azmc_pki::Certificate;
use time::OffsetDateTime;

/// Usernames: 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn check_username(name: &str) -> Result<(), ServerError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ServerError::Config(format!(
            "invalid username {name:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )))
    }
}

/// Passwords: at least 12 characters.
pub fn check_password(password: &str) -> Result<(), ServerError> {
    if password.chars().count() < 12 {
        return Err(ServerError::Config(
            "the password must have at least 12 characters".into(),
        ));
    }
    Ok(())
}

pub async fn create_account(
    db: &Db,
    username: &str,
    email: Option<&str>,
    password: &str,
    now: OffsetDateTime,
) -> Result<Account, ServerError> {
    check_username(username)?;
    check_password(password)?;
    let account = Account {
        username: username.to_string(),
        email: email.map(str::to_string),
        password_hash: hash_password(password)?,
        created_at: now,
    };
    db.create_account(&account).await?;
    Ok(account)
}

/// Sets an account's password and ends every portal session of the account (a reset by
/// the administrator is what follows a suspected compromise: a session signed in with the
/// old password must not outlive it).
pub async fn set_password(db: &Db, username: &str, password: &str) -> Result<(), ServerError> {
    check_password(password)?;
    db.get_account(username).await?;
    db.set_password(username, &hash_password(password)?).await?;
    db.delete_sessions_of(username, None).await?;
    Ok(())
}

/// A new subscription (a random id unless one is given) administered by `admin`.
pub async fn create_subscription(
    db: &Db,
    name: &str,
    admin: &str,
    id: Option<&str>,
    now: OffsetDateTime,
) -> Result<Subscription, ServerError> {
    let id = match id {
        Some(i) => {
            check_subscription_id(i)?;
            i.to_ascii_lowercase()
        }
        None => new_subscription_id()?,
    };
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ServerError::Config(
            "the subscription name must be 1 to 100 characters".into(),
        ));
    }
    Ok(db
        .create_subscription(
            &NewSubscription {
                id: &id,
                name,
                service_admin: admin,
            },
            &Quotas::default(),
            now,
        )
        .await?)
}

/// Subscription ids are GUIDs (8-4-4-4-12 hex).
pub fn check_subscription_id(id: &str) -> Result<(), ServerError> {
    if azmc_wire::asm::normalize_subscription_id(id).is_some() {
        Ok(())
    } else {
        Err(ServerError::Config(format!(
            "invalid subscription id {id:?}: expected a GUID such as 8a4a0a51-728e-482e-8daa-c477f03c541d"
        )))
    }
}

/// Link a certificate (`.cer` bytes, DER or PEM) to a subscription.
pub async fn add_certificate(
    db: &Db,
    subscription: &str,
    cer: &[u8],
    limits: &Limits,
    now: OffsetDateTime,
) -> Result<LinkedCertificate, ServerError> {
    let cert = Certificate::parse(cer).map_err(|e| ServerError::Config(e.to_string()))?;
    let ctx = Ctx::offline(db, *limits, now);
    let mut linked =
        domain::certificates::link(&ctx, &Actor::Admin, &[subscription], &cert).await?;
    linked.pop().ok_or_else(|| {
        ServerError::Other(format!("subscription {subscription}: nothing was linked"))
    })
}
