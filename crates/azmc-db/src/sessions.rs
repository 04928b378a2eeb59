//! Portal sign-in sessions: rows keyed by the SHA-256 of the cookie's token (the token
//! itself is never stored), with idle and absolute expiry decided by the caller's clock.

use time::OffsetDateTime;

use crate::convert::{from_micros, micros, user_key};
use crate::db::{Db, fetch, with_pool};
use crate::error::{DbError, ResourceKind, conflict_on_unique, is_foreign_key_violation};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// 64 lower-case hex digits: SHA-256 of the cookie's token.
    pub token_hash: String,
    /// The account's username as stored.
    pub username: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

fn check_hash(token_hash: &str) -> Result<(), DbError> {
    if token_hash.len() == 64
        && token_hash
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(DbError::Invalid(
            "a session token hash is 64 lower-case hex digits".into(),
        ))
    }
}

type SessionRow = (String, String, i64, i64, i64);

impl Db {
    /// Records a new session of `username` (any case), seen at `now`, that ends at
    /// `expires_at` whatever happens. [`DbError::NotFound`] ("account") if there is no
    /// such account, [`DbError::Conflict`] for a hash already in use.
    pub async fn create_session(
        &self,
        token_hash: &str,
        username: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), DbError> {
        check_hash(token_hash)?;
        with_pool!(self, |p| sqlx::query(
            "INSERT INTO portal_sessions (token_hash, username_key, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $3, $4)"
        )
        .bind(token_hash)
        .bind(user_key(username))
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                DbError::not_found(ResourceKind::Account, username)
            } else {
                conflict_on_unique(e, ResourceKind::Session, "")
            }
        })
    }

    /// The session with this token hash, if any (expired or not: the caller decides).
    pub async fn get_session(&self, token_hash: &str) -> Result<Option<Session>, DbError> {
        if check_hash(token_hash).is_err() {
            return Ok(None);
        }
        let row: Option<SessionRow> = fetch!(
            self,
            fetch_optional,
            "SELECT s.token_hash, a.username, s.created_at, s.last_seen_at, s.expires_at \
             FROM portal_sessions s JOIN accounts a ON a.username_key = s.username_key \
             WHERE s.token_hash = $1",
            [token_hash]
        )?;
        row.map(|(token_hash, username, c, l, e)| {
            Ok(Session {
                token_hash,
                username,
                created_at: from_micros(c)?,
                last_seen_at: from_micros(l)?,
                expires_at: from_micros(e)?,
            })
        })
        .transpose()
    }

    /// Moves a session's last-seen time forward to `now` (never backwards).
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        with_pool!(self, |p| {
            sqlx::query(
            "UPDATE portal_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2"
        )
        .bind(token_hash)
        .bind(micros(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Ends one session (sign-out). Returns whether it existed.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, DbError> {
        let n = with_pool!(self, |p| sqlx::query(
            "DELETE FROM portal_sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Ends every session of `username` but `keep` (a password change). Returns how many.
    pub async fn delete_sessions_of(
        &self,
        username: &str,
        keep: Option<&str>,
    ) -> Result<u64, DbError> {
        let n = with_pool!(self, |p| {
            sqlx::query(
            "DELETE FROM portal_sessions WHERE username_key = $1 AND ($2 IS NULL OR token_hash <> $2)"
        )
        .bind(user_key(username))
        .bind(keep)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }

    /// Deletes the sessions past their absolute expiry or idle since before
    /// `idle_before`. Returns how many.
    pub async fn delete_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> Result<u64, DbError> {
        let n = with_pool!(self, |p| sqlx::query(
            "DELETE FROM portal_sessions WHERE expires_at <= $1 OR last_seen_at < $2"
        )
        .bind(micros(now))
        .bind(micros(idle_before))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
