//! Portal accounts: the username and password rules, password hashing (Argon2id, off the
//! async threads), creating an account and changing its password (which ends the
//! account's other portal sessions). Used by the portal, `azmc admin` and the first start.

use super::{ConflictReason, Ctx, DomainError, ResourceKind, on_blocking_pool};
use azmc_db::{Account, DbError};
use zeroize::Zeroizing;

/// Usernames: 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn check_username(name: &str) -> Result<(), DomainError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "username",
        message: format!(
            "invalid username {name:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        ),
    })
}

/// Passwords: at least 12 characters.
pub fn check_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < 12 {
        return Err(DomainError::Invalid {
            field: "password",
            message: "the password must have at least 12 characters".into(),
        });
    }
    Ok(())
}

/// A random password: 24 characters of URL-safe base64 (144 bits).
pub fn generate_password() -> Result<Zeroizing<String>, DomainError> {
    use base64::Engine;
    let mut b = Zeroizing::new([0u8; 18]);
    getrandom::fill(b.as_mut()).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a password");
        DomainError::Internal
    })?;
    Ok(Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.as_ref()),
    ))
}

/// A password hashed for storage (Argon2id, PHC string). Slow on purpose: call it off the
/// async threads ([`hash_password_blocking`]).
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    use argon2::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "cannot hash a password");
            DomainError::Internal
        })
}

/// How long a client is told to wait when every hashing slot is taken.
const BUSY_RETRY_AFTER: u64 = 1;

/// [`hash_password`] on the blocking pool, in one of the server's hashing slots.
pub async fn hash_password_blocking(
    ctx: &Ctx<'_>,
    password: Zeroizing<String>,
) -> Result<String, DomainError> {
    let slots = ctx.slots.map(|s| s.hashes);
    on_blocking_pool(slots, BUSY_RETRY_AFTER, "password hash", move || {
        hash_password(&password)
    })
    .await
}

/// Whether `password` matches the stored `hash` (false for an unreadable hash), on the
/// blocking pool in one of the server's hashing slots (none free: [`DomainError::Busy`]).
pub async fn verify_password(
    ctx: &Ctx<'_>,
    hash: String,
    password: Zeroizing<String>,
) -> Result<bool, DomainError> {
    let slots = ctx.slots.map(|s| s.hashes);
    on_blocking_pool(slots, BUSY_RETRY_AFTER, "password check", move || {
        use argon2::password_hash::PasswordVerifier;
        Ok(match argon2::password_hash::phc::PasswordHash::new(&hash) {
            Ok(h) => argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok(),
            Err(_) => false,
        })
    })
    .await
}

fn db_error(e: DbError, username: &str) -> DomainError {
    match e {
        DbError::NotFound { .. } => DomainError::not_found_named(ResourceKind::Account, username),
        DbError::Conflict { .. } => DomainError::Conflict(ConflictReason::AccountExists {
            username: username.into(),
        }),
        other => DomainError::from_db(other),
    }
}

/// Creates the account `username` with `password` (checked, then hashed).
pub async fn create(
    ctx: &Ctx<'_>,
    username: &str,
    email: Option<&str>,
    password: Zeroizing<String>,
) -> Result<Account, DomainError> {
    check_username(username)?;
    check_password(&password)?;
    let account = Account {
        username: username.to_string(),
        email: email.map(str::to_string),
        password_hash: hash_password_blocking(ctx, password).await?,
        created_at: ctx.now,
    };
    ctx.db
        .create_account(&account)
        .await
        .map_err(|e| db_error(e, username))?;
    Ok(account)
}

/// The account `username`.
pub async fn get(ctx: &Ctx<'_>, username: &str) -> Result<Account, DomainError> {
    ctx.db
        .get_account(username)
        .await
        .map_err(|e| db_error(e, username))
}

/// Sets the password of `username` and ends every portal session of the account except
/// `keep` (a token hash): a session signed in with the old password must not outlive it.
/// Answers how many sessions were ended.
pub async fn set_password(
    ctx: &Ctx<'_>,
    username: &str,
    password: Zeroizing<String>,
    keep: Option<&str>,
) -> Result<u64, DomainError> {
    check_password(&password)?;
    get(ctx, username).await?;
    let hash = hash_password_blocking(ctx, password).await?;
    ctx.db
        .set_password(username, &hash)
        .await
        .map_err(|e| db_error(e, username))?;
    ctx.db
        .delete_sessions_of(username, keep)
        .await
        .map_err(|e| db_error(e, username))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PfxLimits;
    use crate::domain::Slots;
    use std::sync::Arc;
    use tokio::sync::Semaphore;

    #[test]
    fn usernames_passwords_and_hashes() {
        assert!(check_username("alice").is_ok() && check_username("a.b_c-d@e").is_ok());
        assert!(check_username("").is_err() && check_username("a b").is_err());
        assert!(check_username(&"a".repeat(65)).is_err());
        assert!(check_password("twelve chars").is_ok() && check_password("eleven char").is_err());
    }

    /// Hashes verify only their own password; with every hashing slot taken a check is
    /// refused at once (Busy) rather than queued, so sign-in floods cannot pile up Argon2
    /// work and memory.
    #[tokio::test]
    async fn hashes_verify_only_their_password_within_the_slots() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
        let db = azmc_db::Db::connect(&url, azmc_db::CreateMode::CreateIfMissing)
            .await
            .unwrap();
        let (files, hashes) = (Arc::new(Semaphore::new(1)), Arc::new(Semaphore::new(1)));
        let mut ctx = Ctx::offline(
            &db,
            azmc_db::Limits::default(),
            time::OffsetDateTime::UNIX_EPOCH,
        );
        ctx.slots = Some(Slots {
            files: &files,
            pfx: PfxLimits::default(),
            hashes: &hashes,
        });
        let pw = || Zeroizing::new("correct horse battery".to_string());
        let h = hash_password_blocking(&ctx, pw()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&ctx, h.clone(), pw()).await.unwrap());
        let wrong = Zeroizing::new("correct horse battery!".to_string());
        assert!(!verify_password(&ctx, h.clone(), wrong).await.unwrap());
        assert!(
            !verify_password(&ctx, "not a hash".into(), pw())
                .await
                .unwrap()
        );
        let held = hashes.clone().acquire_owned().await.unwrap();
        assert_eq!(
            verify_password(&ctx, h.clone(), pw()).await,
            Err(DomainError::Busy { retry_after: 1 })
        );
        drop(held);
        assert!(verify_password(&ctx, h, pw()).await.unwrap());
    }
}
