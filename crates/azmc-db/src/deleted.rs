//! Soft delete (migration 12): storage accounts and cloud services deleted while the
//! server keeps deleted resources are moved to `deleted_storage_accounts` and
//! `deleted_hosted_services` (with a cloud service's ready certificates in
//! `deleted_service_certificates`) until they are restored or their `purge_at` passes.
//! The moves themselves are in [`Db::delete_storage_account`],
//! [`Db::restore_storage_account`], [`Db::delete_hosted_service`] and
//! [`Db::restore_hosted_service`]; what is common is here.

use time::OffsetDateTime;

use crate::convert::micros;
use crate::db::{Db, with_pool};
use crate::error::DbError;

/// Something deleted that can still be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted<T> {
    /// As it was when deleted (a storage account reads `Created`, a cloud service
    /// `Created`: that is what a restore brings back).
    pub item: T,
    pub deleted_at: OffsetDateTime,
    /// When the sweep drops it for good.
    pub purge_at: OffsetDateTime,
}

/// What [`Db::purge_deleted`] dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    pub storage_accounts: u64,
    pub hosted_services: u64,
}

impl Db {
    /// Drops every deleted storage account and cloud service whose `purge_at` is at or
    /// before `now`, in one transaction.
    pub async fn purge_deleted(&self, now: OffsetDateTime) -> Result<Purged, DbError> {
        let now = micros(now);
        let mut purged = Purged::default();
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            sqlx::query(
                "DELETE FROM deleted_service_certificates WHERE service_key IN \
                 (SELECT name_key FROM deleted_hosted_services WHERE purge_at <= $1)",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            purged.hosted_services =
                sqlx::query("DELETE FROM deleted_hosted_services WHERE purge_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            purged.storage_accounts =
                sqlx::query("DELETE FROM deleted_storage_accounts WHERE purge_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            tx.commit().await?;
        });
        Ok(purged)
    }
}
