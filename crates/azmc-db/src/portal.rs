//! What the portal reads and writes beyond the API's verbs: when each management
//! certificate was last used (recorded in batches), and a search over the operation log
//! of several subscriptions with the portal's filters.

use std::collections::HashMap;

use azmc_pki::Thumbprint;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key, thumb_key, thumbprint};
use crate::db::{Db, fetch, with_pool};
use crate::error::DbError;
use crate::model::{Operation, OperationStatus};
use crate::operations::{OperationRow, operation, select_operation};

/// One use of a certificate on a subscription, as noted by the authorisation layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateUse {
    pub subscription_id: String,
    pub thumbprint: Thumbprint,
    pub at: OffsetDateTime,
}

/// A search of the operation log (the portal's filters). Times are inclusive.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperationSearch {
    /// The subscriptions searched (at most 500); empty finds nothing.
    pub subscriptions: Vec<String>,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    pub status: Option<OperationStatus>,
    /// Operations made with this certificate, or on it (`.../certificates/{thumbprint}`).
    pub thumbprint: Option<Thumbprint>,
    /// Rows skipped (newest first) and the most returned.
    pub offset: u32,
    pub limit: u32,
}

/// The most subscriptions one search covers.
pub const MAX_SEARCH_SUBSCRIPTIONS: usize = 500;

impl Db {
    /// Records certificate uses: each link's `last_used_at` moves forward to the given
    /// time (never backwards); uses of links that no longer exist are ignored. One
    /// transaction for the batch.
    pub async fn record_certificate_uses(&self, uses: &[CertificateUse]) -> Result<(), DbError> {
        if uses.is_empty() {
            return Ok(());
        }
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for u in uses {
                sqlx::query(
                    "UPDATE certificate_links SET last_used_at = $3 \
                     WHERE subscription_id = $1 AND thumbprint = $2 \
                     AND (last_used_at IS NULL OR last_used_at < $3)",
                )
                .bind(sub_key(&u.subscription_id))
                .bind(thumb_key(&u.thumbprint))
                .bind(micros(u.at))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// When each certificate linked to `subscription_id` was last used (thumbprint →
    /// time); certificates never used are absent.
    pub async fn certificate_last_uses(
        &self,
        subscription_id: &str,
    ) -> Result<HashMap<Thumbprint, OffsetDateTime>, DbError> {
        let rows: Vec<(String, i64)> = fetch!(
            self,
            fetch_all,
            "SELECT thumbprint, last_used_at FROM certificate_links \
             WHERE subscription_id = $1 AND last_used_at IS NOT NULL",
            [sub_key(subscription_id)]
        )?;
        rows.into_iter()
            .map(|(t, at)| Ok((thumbprint(&t)?, from_micros(at)?)))
            .collect()
    }

    /// The operations matching `search`, newest first; one more than `limit` is never
    /// returned, so ask for `limit + 1` to learn whether another page exists.
    pub async fn search_operations(
        &self,
        search: &OperationSearch,
    ) -> Result<Vec<Operation>, DbError> {
        if search.subscriptions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{} {} ORDER BY started_at DESC, id DESC LIMIT $6 OFFSET $7",
            select_operation!(),
            search_where(search)?
        );
        let thumb = search.thumbprint.as_ref().map(thumb_key);
        let like = like_of(thumb.as_deref());
        // The database skips the earlier pages: a large page number costs no memory here.
        let limit = i64::from(search.limit.clamp(1, 1001));
        let offset = i64::from(search.offset);
        let rows: Vec<OperationRow> = with_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(search.start.map(micros))
                .bind(search.end.map(micros))
                .bind(search.status.map(OperationStatus::as_str))
                .bind(thumb.clone())
                .bind(like.clone())
                .bind(limit)
                .bind(offset);
            for s in &search.subscriptions {
                q = q.bind(sub_key(s));
            }
            q.fetch_all(p).await
        })?;
        rows.into_iter().map(operation).collect()
    }

    /// How many operations match `search` in all (its offset and limit ignored).
    pub async fn count_operations(&self, search: &OperationSearch) -> Result<u64, DbError> {
        if search.subscriptions.is_empty() {
            return Ok(0);
        }
        // $6 and $7 keep their numbers (unused here) so that one WHERE serves both.
        let sql = format!(
            "SELECT COUNT(*) FROM operations {} AND ($6 IS NULL OR $7 IS NULL OR TRUE)",
            search_where(search)?
        );
        let thumb = search.thumbprint.as_ref().map(thumb_key);
        let like = like_of(thumb.as_deref());
        let (n,): (i64,) = with_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(search.start.map(micros))
                .bind(search.end.map(micros))
                .bind(search.status.map(OperationStatus::as_str))
                .bind(thumb.clone())
                .bind(like.clone())
                .bind(None::<i64>)
                .bind(None::<i64>);
            for s in &search.subscriptions {
                q = q.bind(sub_key(s));
            }
            q.fetch_one(p).await
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The server CA's certificate (PEM), if one is stored: what clients trust as
    /// `ca.pem` (public; the CA's key is not read).
    pub async fn server_ca_certificate(&self) -> Result<Option<String>, DbError> {
        let row: Option<(String,)> = fetch!(
            self,
            fetch_optional,
            "SELECT cert_pem FROM server_ca WHERE id = 1",
            []
        )?;
        Ok(row.map(|(pem,)| pem))
    }
}

/// The WHERE clause of an operation search: fixed parameters $1..$7 ($1 start, $2 end,
/// $3 status, $4 thumbprint, $5 its object pattern, $6 limit, $7 offset), then one per
/// subscription; only placeholders are generated, never values.
fn search_where(search: &OperationSearch) -> Result<String, DbError> {
    if search.subscriptions.len() > MAX_SEARCH_SUBSCRIPTIONS {
        return Err(DbError::Invalid(format!(
            "at most {MAX_SEARCH_SUBSCRIPTIONS} subscriptions per search"
        )));
    }
    let list: Vec<String> = (0..search.subscriptions.len())
        .map(|i| format!("${}", i + 8))
        .collect();
    Ok(format!(
        "WHERE subscription_id IN ({}) \
         AND ($1 IS NULL OR started_at >= $1) AND ($2 IS NULL OR started_at <= $2) \
         AND ($3 IS NULL OR status = $3) \
         AND ($4 IS NULL OR caller_thumbprint = $4 OR object_key LIKE $5)",
        list.join(", ")
    ))
}

/// The object pattern of operations on a certificate.
fn like_of(thumb: Option<&str>) -> Option<String> {
    thumb.map(|t| format!("%/certificates/{}", t.to_ascii_lowercase()))
}
