//! Accounts: people who may sign in to the portal.

use crate::convert::{from_micros, micros, user_key};
use crate::db::{Db, change_one, with_pool};
use crate::error::{DbError, ResourceKind, conflict_on_unique};
use crate::model::Account;

type AccountRow = (String, Option<String>, String, i64);

fn account(row: AccountRow) -> Result<Account, DbError> {
    let (username, email, password_hash, created_at) = row;
    Ok(Account {
        username,
        email,
        password_hash,
        created_at: from_micros(created_at)?,
    })
}

fn check_username(username: &str) -> Result<(), DbError> {
    if username.is_empty() || username.trim() != username || username.chars().any(char::is_control)
    {
        return Err(DbError::Invalid(format!(
            "invalid username {username:?}: it must be non-empty, without surrounding spaces or control characters"
        )));
    }
    Ok(())
}

impl Db {
    /// Creates an account. [`DbError::Conflict`] if the username exists in any case.
    pub async fn create_account(&self, account: &Account) -> Result<(), DbError> {
        check_username(&account.username)?;
        with_pool!(self, |p| sqlx::query(
            "INSERT INTO accounts (username_key, username, email, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(user_key(&account.username))
        .bind(&account.username)
        .bind(&account.email)
        .bind(&account.password_hash)
        .bind(micros(account.created_at))
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(|e| conflict_on_unique(e, ResourceKind::Account, &account.username))?;
        Ok(())
    }

    /// The account named `username` (any case). [`DbError::NotFound`] if there is none.
    pub async fn get_account(&self, username: &str) -> Result<Account, DbError> {
        let row: Option<AccountRow> = with_pool!(self, |p| {
            sqlx::query_as(
            "SELECT username, email, password_hash, created_at FROM accounts WHERE username_key = $1"
        )
        .bind(user_key(username))
        .fetch_optional(p)
        .await
        })?;
        account(row.ok_or_else(|| DbError::not_found(ResourceKind::Account, username))?)
    }

    /// Every account, ordered by username (case-insensitively).
    pub async fn list_accounts(&self) -> Result<Vec<Account>, DbError> {
        let rows: Vec<AccountRow> = with_pool!(self, |p| {
            sqlx::query_as(
            "SELECT username, email, password_hash, created_at FROM accounts ORDER BY username_key"
        )
        .fetch_all(p)
        .await
        })?;
        rows.into_iter().map(account).collect()
    }

    /// Replaces an account's password hash. [`DbError::NotFound`] if there is no such
    /// account.
    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<(), DbError> {
        change_one!(
            self,
            "UPDATE accounts SET password_hash = $2 WHERE username_key = $1",
            [user_key(username), password_hash],
            DbError::not_found(ResourceKind::Account, username)
        )
    }
}
