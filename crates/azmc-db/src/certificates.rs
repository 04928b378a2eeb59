//! Management certificates and their links to subscriptions.
//!
//! Lock order (PostgreSQL; SQLite serialises writers with `BEGIN IMMEDIATE`): linking
//! locks the service administrator's account row (serialising the limit checks), then
//! the certificate row, then inserts the link; unlinking locks the certificate row, then
//! deletes the link (and the certificate row if no link remains). Both bump the revision
//! counter LAST. So no two link changes wait on each other in a cycle, and an unlink never
//! deletes a certificate row a concurrent link is about to use.

use azmc_pki::Thumbprint;
use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key, thumb_key, thumbprint};
use crate::db::{Db, fetch, for_update, tx_require, with_pool};
use crate::error::{ConflictReason, DbError, Limit, ResourceKind, conflict_on_unique};
use crate::model::{CertificateRecord, Limits, Link, LinkedCertificate};

/// In the transaction `$tx` (of dialect `$dialect`), as its last statements: bumps the
/// revision other nodes poll to refresh their authorisation index, records at that
/// revision what changed, and (PostgreSQL) notifies the listening nodes at commit:
/// `$changes` yields `(subscription key, Option<thumbprint key>)` (no thumbprint: the
/// subscription's status changed).
macro_rules! tx_record_link_changes {
    ($tx:ident, $dialect:expr, $changes:expr) => {{
        let (revision,): (i64,) = sqlx::query_as(
            "UPDATE counters SET value = value + 1 WHERE name = 'links_revision' RETURNING value",
        )
        .fetch_one(&mut *$tx)
        .await?;
        for (sub, thumb) in $changes {
            let thumb: Option<&str> = thumb;
            sqlx::query(
                "INSERT INTO link_changes (revision, subscription_id, thumbprint) VALUES ($1, $2, $3)",
            )
            .bind(revision)
            .bind(sub)
            .bind(thumb)
            .execute(&mut *$tx)
            .await?;
        }
        // PostgreSQL tells the listening nodes at commit ([`Db::link_change_listener`]).
        if let $crate::db::Dialect::Postgres = $dialect {
            sqlx::query("SELECT pg_notify('azmc_links', $1)")
                .bind(revision.to_string())
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use tx_record_link_changes;

/// A row of `certificate_links` joined with its certificate: (subscription, thumbprint,
/// not before, not after, DER).
type LinkRow = (String, String, i64, i64, Vec<u8>);

fn link_of((subscription_id, thumb, nb, na, der): LinkRow) -> Result<Link, DbError> {
    Ok(Link {
        subscription_id,
        thumbprint: thumbprint(&thumb)?,
        not_before: from_micros(nb)?,
        not_after: from_micros(na)?,
        der,
    })
}

/// Notifications of link changes (PostgreSQL's `LISTEN`): see [`Db::link_change_listener`].
pub struct LinkChangeListener(sqlx::postgres::PgListener);

impl std::fmt::Debug for LinkChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkChangeListener")
    }
}

impl LinkChangeListener {
    /// Waits for the next link change (any node's). After a lost connection it
    /// reconnects; changes made meanwhile are not announced (the poll finds them).
    pub async fn changed(&mut self) -> Result<(), DbError> {
        self.0.recv().await?;
        Ok(())
    }
}

/// What changed in the links and subscription statuses after a revision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkChanges {
    /// The revision these changes bring a reader to.
    pub revision: i64,
    /// The certificates whose links changed: re-read with [`Db::links_of`].
    pub thumbprints: Vec<Thumbprint>,
    /// The subscriptions whose links or status changed: re-read their status.
    pub subscriptions: Vec<String>,
    /// `false` when the change log no longer reaches back to the revision asked about
    /// (pruned): the reader must reload everything ([`Db::all_links`]).
    pub complete: bool,
}

macro_rules! select_linked {
    () => {
        "SELECT c.thumbprint, c.der, c.subject, c.not_before, c.not_after, \
         l.subscription_id, l.created_at, l.created_by, l.disabled_at \
         FROM certificate_links l JOIN certificates c ON c.thumbprint = l.thumbprint "
    };
}

type LinkedRow = (
    String,
    Vec<u8>,
    String,
    i64,
    i64,
    String,
    i64,
    String,
    Option<i64>,
);

fn linked(row: LinkedRow) -> Result<LinkedCertificate, DbError> {
    let (thumb, der, subject, not_before, not_after, subscription_id, created_at, created_by, off) =
        row;
    Ok(LinkedCertificate {
        certificate: CertificateRecord {
            thumbprint: thumbprint(&thumb)?,
            der,
            subject,
            not_before: from_micros(not_before)?,
            not_after: from_micros(not_after)?,
        },
        subscription_id,
        created_at: from_micros(created_at)?,
        created_by,
        disabled_at: off.map(from_micros).transpose()?,
    })
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Db {
    /// Links a management certificate to a subscription, in one transaction:
    ///
    /// * [`DbError::NotFound`] ("subscription") if the subscription does not exist;
    /// * [`DbError::Conflict`] ("certificate") if this thumbprint is already linked to it;
    /// * [`DbError::LimitExceeded`] ([`Limit::CertificatesPerSubscription`]) if the
    ///   subscription already has `limits.per_subscription` certificates;
    /// * [`DbError::LimitExceeded`] ([`Limit::CertificatesPerServiceAdmin`]) if its service
    ///   administrator already has `limits.per_service_admin` distinct certificates across
    ///   the subscriptions they administer and this certificate is not one of them.
    ///
    /// The certificate row is shared by every subscription it is linked to (the stored
    /// row wins if it exists). Bumps [`Db::links_revision`]. Safe under concurrency:
    /// two racing links never both pass a limit.
    pub async fn link_certificate(
        &self,
        subscription_id: &str,
        cert: &CertificateRecord,
        created_by: &str,
        limits: &Limits,
        now: OffsetDateTime,
    ) -> Result<LinkedCertificate, DbError> {
        let mut linked = self
            .link_certificate_to_all(&[subscription_id], cert, created_by, limits, now)
            .await?;
        linked
            .pop()
            .ok_or_else(|| DbError::not_found(ResourceKind::Subscription, subscription_id))
    }

    /// Links one management certificate to several subscriptions in ONE transaction:
    /// all or nothing. Each link is checked as [`Db::link_certificate`] checks it (the
    /// first refusal, in the order given, is the error and nothing is linked); the
    /// per-service-administrator limit counts the links made earlier in the same call.
    /// Returns the links in the order given. Bumps [`Db::links_revision`] once.
    /// [`DbError::Invalid`] for an empty list or a subscription given twice.
    pub async fn link_certificate_to_all(
        &self,
        subscription_ids: &[&str],
        cert: &CertificateRecord,
        created_by: &str,
        limits: &Limits,
        now: OffsetDateTime,
    ) -> Result<Vec<LinkedCertificate>, DbError> {
        let (thumb, subs) = link_keys(subscription_ids, cert)?;
        let rows: Vec<LinkedRow> = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            // Lock the service administrators' account rows (serialising the limit checks)
            // in one global order, so that two multi-subscription links cannot deadlock.
            if d.lock_service_admin().is_some() {
                let mut admins = Vec::new();
                for sub in &subs {
                    let admin: Option<(String,)> =
                        sqlx::query_as("SELECT service_admin FROM subscriptions WHERE id = $1")
                            .bind(sub)
                            .fetch_optional(&mut *tx)
                            .await?;
                    admins.extend(admin.map(|(a,)| a));
                }
                admins.sort();
                admins.dedup();
                for admin in &admins {
                    sqlx::query(for_update!(
                        d,
                        "SELECT username_key FROM accounts WHERE username_key = $1"
                    ))
                    .bind(admin)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let mut rows = Vec::with_capacity(subs.len());
            for (sub, subscription_id) in subs.iter().zip(subscription_ids) {
                let (admin,) = tx_require!(
                    tx,
                    (String,),
                    "SELECT service_admin FROM subscriptions WHERE id = $1",
                    [sub],
                    DbError::not_found(ResourceKind::Subscription, *subscription_id)
                );
                let exists: Option<(String,)> = sqlx::query_as(
                    "SELECT thumbprint FROM certificate_links WHERE subscription_id = $1 AND thumbprint = $2",
                )
                .bind(sub)
                .bind(&thumb)
                .fetch_optional(&mut *tx)
                .await?;
                if exists.is_some() {
                    return Err(DbError::conflict(
                        ConflictReason::Exists(ResourceKind::Certificate),
                        &thumb,
                    ));
                }
                let (on_sub,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM certificate_links WHERE subscription_id = $1",
                )
                .bind(sub)
                .fetch_one(&mut *tx)
                .await?;
                let (admin_total, admin_has_it): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(DISTINCT l.thumbprint), \
                     COALESCE(SUM(CASE WHEN l.thumbprint = $2 THEN 1 ELSE 0 END), 0) \
                     FROM certificate_links l JOIN subscriptions s ON s.id = l.subscription_id \
                     WHERE s.service_admin = $1",
                )
                .bind(&admin)
                .bind(&thumb)
                .fetch_one(&mut *tx)
                .await?;
                check_link_limits(limits, on_sub, admin_total, admin_has_it != 0)?;
                // DO UPDATE (not DO NOTHING) so that the row is locked until commit: an
                // unlink that would delete the now-unused row waits for this link instead.
                sqlx::query(
                    "INSERT INTO certificates (thumbprint, der, subject, not_before, not_after) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (thumbprint) DO UPDATE SET subject = certificates.subject",
                )
                .bind(&thumb)
                .bind(&cert.der)
                .bind(&cert.subject)
                .bind(micros(cert.not_before))
                .bind(micros(cert.not_after))
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO certificate_links (subscription_id, thumbprint, created_at, created_by) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(sub)
                .bind(&thumb)
                .bind(micros(now))
                .bind(created_by)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_on_unique(e, ResourceKind::Certificate, &thumb))?;
                let row: LinkedRow = sqlx::query_as(concat!(
                    select_linked!(),
                    "WHERE l.subscription_id = $1 AND l.thumbprint = $2"
                ))
                .bind(sub)
                .bind(&thumb)
                .fetch_one(&mut *tx)
                .await?;
                rows.push(row);
            }
            tx_record_link_changes!(tx, d, subs.iter().map(|s| (s, Some(thumb.as_str()))));
            tx.commit().await?;
            rows
        });
        rows.into_iter().map(linked).collect()
    }

    /// The certificate `thumbprint` as linked to `subscription_id`.
    /// [`DbError::NotFound`] ("certificate") if it is not linked to it.
    pub async fn get_linked_certificate(
        &self,
        subscription_id: &str,
        thumbprint: &Thumbprint,
    ) -> Result<LinkedCertificate, DbError> {
        let row: Option<LinkedRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_linked!(),
                "WHERE l.subscription_id = $1 AND l.thumbprint = $2"
            ),
            [sub_key(subscription_id), thumb_key(thumbprint)]
        )?;
        linked(
            row.ok_or_else(|| {
                DbError::not_found(ResourceKind::Certificate, thumbprint.to_string())
            })?,
        )
    }

    /// The certificates linked to `subscription_id`, oldest link first (empty for an
    /// unknown subscription).
    pub async fn list_linked_certificates(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<LinkedCertificate>, DbError> {
        let rows: Vec<LinkedRow> = fetch!(
            self,
            fetch_all,
            concat!(
                select_linked!(),
                "WHERE l.subscription_id = $1 ORDER BY l.created_at, l.thumbprint"
            ),
            [sub_key(subscription_id)]
        )?;
        rows.into_iter().map(linked).collect()
    }

    /// Removes the link; deletes the certificate row when no subscription links it any
    /// more; bumps [`Db::links_revision`]. [`DbError::NotFound`] ("certificate") if it was
    /// not linked.
    pub async fn unlink_certificate(
        &self,
        subscription_id: &str,
        thumbprint: &Thumbprint,
    ) -> Result<(), DbError> {
        let sub = sub_key(subscription_id);
        let thumb = thumb_key(thumbprint);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            if let Some(lock) = d.lock_certificate() {
                sqlx::query(lock).bind(&thumb).execute(&mut *tx).await?;
            }
            let removed = sqlx::query(
                "DELETE FROM certificate_links WHERE subscription_id = $1 AND thumbprint = $2",
            )
            .bind(&sub)
            .bind(&thumb)
            .execute(&mut *tx)
            .await?;
            if removed.rows_affected() == 0 {
                return Err(DbError::not_found(
                    ResourceKind::Certificate,
                    thumb.as_str(),
                ));
            }
            sqlx::query(
                "DELETE FROM certificates WHERE thumbprint = $1 AND NOT EXISTS \
                 (SELECT 1 FROM certificate_links WHERE thumbprint = $1)",
            )
            .bind(&thumb)
            .execute(&mut *tx)
            .await?;
            tx_record_link_changes!(tx, d, [(&sub, Some(thumb.as_str()))]);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Disables (`Some(when)`) or enables (`None`) the link of `thumbprint` to
    /// `subscription_id`, and bumps [`Db::links_revision`] so that every node's index
    /// follows. `Ok(false)` when it already was so; [`DbError::NotFound`] ("certificate")
    /// if the certificate is not linked to that subscription.
    pub async fn set_link_disabled(
        &self,
        subscription_id: &str,
        thumbprint: &Thumbprint,
        disabled: Option<OffsetDateTime>,
    ) -> Result<bool, DbError> {
        let sub = sub_key(subscription_id);
        let thumb = thumb_key(thumbprint);
        let at = disabled.map(micros);
        let changed = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let row: Option<(Option<i64>,)> = sqlx::query_as(
                "SELECT disabled_at FROM certificate_links WHERE subscription_id = $1 AND thumbprint = $2",
            )
            .bind(&sub)
            .bind(&thumb)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((now_off,)) = row else {
                return Err(DbError::not_found(
                    ResourceKind::Certificate,
                    thumb.as_str(),
                ));
            };
            if now_off.is_some() == at.is_some() {
                false
            } else {
                sqlx::query(
                    "UPDATE certificate_links SET disabled_at = $3 \
                     WHERE subscription_id = $1 AND thumbprint = $2",
                )
                .bind(&sub)
                .bind(&thumb)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx_record_link_changes!(tx, d, [(&sub, Some(thumb.as_str()))]);
                tx.commit().await?;
                true
            }
        });
        Ok(changed)
    }

    /// Every enabled link with its certificate's validity window: the source of the
    /// server's in-memory authorisation index. Ordered by subscription, then thumbprint.
    pub async fn all_links(&self) -> Result<Vec<Link>, DbError> {
        let rows: Vec<LinkRow> = fetch!(
            self,
            fetch_all,
            "SELECT l.subscription_id, l.thumbprint, c.not_before, c.not_after, c.der \
             FROM certificate_links l JOIN certificates c ON c.thumbprint = l.thumbprint \
             WHERE l.disabled_at IS NULL ORDER BY l.subscription_id, l.thumbprint",
            []
        )?;
        rows.into_iter().map(link_of).collect()
    }

    /// Up to `limit` links after `after` (subscription key, thumbprint), in the order of
    /// [`Db::all_links`]: the index is read page by page, so that reading it costs the
    /// memory of one page, not of every certificate at once.
    pub async fn links_after(
        &self,
        after: Option<(&str, &Thumbprint)>,
        limit: u32,
    ) -> Result<Vec<Link>, DbError> {
        let (sub, thumb) = match after {
            Some((s, t)) => (sub_key(s), thumb_key(t)),
            None => (String::new(), String::new()),
        };
        let rows: Vec<LinkRow> = fetch!(
            self,
            fetch_all,
            "SELECT l.subscription_id, l.thumbprint, c.not_before, c.not_after, c.der \
             FROM certificate_links l JOIN certificates c ON c.thumbprint = l.thumbprint \
             WHERE l.disabled_at IS NULL AND (l.subscription_id > $1 \
             OR (l.subscription_id = $1 AND l.thumbprint > $2)) \
             ORDER BY l.subscription_id, l.thumbprint LIMIT $3",
            [sub, thumb, i64::from(limit)]
        )?;
        rows.into_iter().map(link_of).collect()
    }

    /// The current links of the certificates `thumbprints` (none for one that is linked
    /// nowhere any more).
    pub async fn links_of(&self, thumbprints: &[Thumbprint]) -> Result<Vec<Link>, DbError> {
        let mut out = Vec::new();
        for t in thumbprints {
            let rows: Vec<LinkRow> = fetch!(
                self,
                fetch_all,
                "SELECT l.subscription_id, l.thumbprint, c.not_before, c.not_after, c.der \
                 FROM certificate_links l JOIN certificates c ON c.thumbprint = l.thumbprint \
                 WHERE l.thumbprint = $1 AND l.disabled_at IS NULL",
                [thumb_key(t)]
            )?;
            for row in rows {
                out.push(link_of(row)?);
            }
        }
        Ok(out)
    }

    /// What changed after revision `since`, up to the current revision.
    pub async fn link_changes_since(&self, since: i64) -> Result<LinkChanges, DbError> {
        // The revision first: its transaction committed the rows up to it (a writer holds
        // the counter row until it commits, so revisions become visible in order).
        let revision = self.links_revision().await?;
        if revision <= since {
            return Ok(LinkChanges {
                revision,
                complete: revision == since,
                ..LinkChanges::default()
            });
        }
        let rows: Vec<(i64, String, Option<String>)> = fetch!(
            self,
            fetch_all,
            "SELECT revision, subscription_id, thumbprint FROM link_changes \
             WHERE revision > $1 AND revision <= $2 ORDER BY revision",
            [since, revision]
        )?;
        // Every bump writes at least one row: the log is whole if it starts right after
        // `since`.
        let complete = rows.first().is_some_and(|(r, _, _)| *r == since + 1);
        let mut changes = LinkChanges {
            revision,
            complete,
            ..LinkChanges::default()
        };
        for (_, sub, thumb) in rows {
            if let Some(t) = thumb {
                let t = thumbprint(&t)?;
                if !changes.thumbprints.contains(&t) {
                    changes.thumbprints.push(t);
                }
            }
            if !changes.subscriptions.contains(&sub) {
                changes.subscriptions.push(sub);
            }
        }
        Ok(changes)
    }

    /// A listener for link changes made by any node, on PostgreSQL (`LISTEN azmc_links`);
    /// `None` on SQLite, where one node serves the database and others (`azmc admin`) are
    /// seen by polling.
    pub async fn link_change_listener(&self) -> Result<Option<LinkChangeListener>, DbError> {
        match &self.pool {
            crate::db::Pool::Sqlite(_) => Ok(None),
            crate::db::Pool::Postgres(p) => {
                let mut l = sqlx::postgres::PgListener::connect_with(p).await?;
                l.listen("azmc_links").await?;
                Ok(Some(LinkChangeListener(l)))
            }
        }
    }

    /// Deletes the change log older than the last `keep` revisions; the number of rows
    /// deleted. A node further behind than that reloads everything.
    pub async fn prune_link_changes(&self, keep: i64) -> Result<u64, DbError> {
        let n = with_pool!(self, |p| sqlx::query(
            "DELETE FROM link_changes WHERE revision <= \
             (SELECT value FROM counters WHERE name = 'links_revision') - $1"
        )
        .bind(keep)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n)
    }

    /// A counter bumped in the same transaction as every link change and every
    /// subscription status change, which also records what changed
    /// ([`Db::link_changes_since`]). Poll it; re-read what changed when it moves.
    pub async fn links_revision(&self) -> Result<i64, DbError> {
        let (v,): (i64,) = fetch!(
            self,
            fetch_one,
            "SELECT value FROM counters WHERE name = 'links_revision'",
            []
        )?;
        Ok(v)
    }

    /// How many certificates are linked to `subscription_id`.
    pub async fn count_links(&self, subscription_id: &str) -> Result<u64, DbError> {
        let (n,): (i64,) = fetch!(
            self,
            fetch_one,
            "SELECT COUNT(*) FROM certificate_links WHERE subscription_id = $1",
            [sub_key(subscription_id)]
        )?;
        Ok(to_u64(n))
    }
}

/// The keys of a link request: the thumbprint and the subscriptions, checked (at least
/// one subscription, none twice).
fn link_keys(
    subscription_ids: &[&str],
    cert: &CertificateRecord,
) -> Result<(String, Vec<String>), DbError> {
    let thumb = thumb_key(&cert.thumbprint);
    let subs: Vec<String> = subscription_ids.iter().map(|s| sub_key(s)).collect();
    if subs.is_empty() {
        return Err(DbError::Invalid("no subscription to link to".into()));
    }
    if subs.iter().enumerate().any(|(i, s)| subs[..i].contains(s)) {
        return Err(DbError::Invalid("a subscription is listed twice".into()));
    }
    Ok((thumb, subs))
}

/// The limits of one more link: `on_subscription` links on the subscription already, and
/// `admin_total` distinct certificates across its service administrator's subscriptions
/// (`admin_has_it`: this certificate is one of them, so it does not count again).
fn check_link_limits(
    limits: &Limits,
    on_subscription: i64,
    admin_total: i64,
    admin_has_it: bool,
) -> Result<(), DbError> {
    if to_u64(on_subscription) >= u64::from(limits.per_subscription) {
        return Err(DbError::LimitExceeded {
            limit: Limit::CertificatesPerSubscription,
            max: limits.per_subscription,
        });
    }
    if !admin_has_it && to_u64(admin_total) >= u64::from(limits.per_service_admin) {
        return Err(DbError::LimitExceeded {
            limit: Limit::CertificatesPerServiceAdmin,
            max: limits.per_service_admin,
        });
    }
    Ok(())
}
