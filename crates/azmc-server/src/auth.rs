//! Authorisation: which certificate may act on which subscription.
//!
//! The hot path never queries the database. [`AuthIndex`] keeps, in memory, the links
//! (thumbprint → subscriptions) and the subscriptions' status. A handler that changes a
//! link refreshes the index before it answers, so a deleted certificate is refused on its
//! very next request. Changes made by other nodes (PostgreSQL deployments) or by
//! `azmc admin` are picked up by a background refresh that polls the database's links
//! revision. A refresh reads what changed after the revision the index holds (the
//! database's change log) and re-reads only those certificates and subscriptions; the
//! whole index is read only at start, or when the log has been pruned past it. If the
//! index cannot be refreshed for `max_staleness`, every request is refused with 503: a
//! revocation check never fails open.

use crate::error::ApiError;
use crate::identity::ClientIdentity;
use azmc_db::{CertificateUse, Db, DbError, Link, SubscriptionStatus};
use azmc_pki::Thumbprint;
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Revisions of the change log the job runner's sweep keeps: a node further behind than
/// this reloads its whole index.
pub const LINK_CHANGES_KEPT: i64 = 10_000;

/// Links read per query when the whole index is read.
const RELOAD_PAGE: u32 = 2_000;

/// A subscription id (a GUID) as the index keys it: its 128 bits, so that neither the
/// index nor a request's lookup allocates.
type SubKey = u128;

/// The key of the GUID `id` (any case, hyphenated as `8-4-4-4-12`); `None` for anything
/// else (no such subscription can exist).
pub fn sub_key(id: &str) -> Option<SubKey> {
    let b = id.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut key: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = (c as char).to_digit(16)?;
        key = (key << 4) | u128::from(d);
    }
    Some(key)
}

/// The lower-case GUID of a key.
fn sub_id(key: SubKey) -> String {
    let h = format!("{key:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[derive(Debug, Default)]
struct Snapshot {
    /// Thumbprint → the SHA-256 of the stored certificate's DER, and the lower-case ids of
    /// the subscriptions it is linked to.
    links: HashMap<Thumbprint, Linked>,
    /// Lower-case subscription id → status.
    subscriptions: HashMap<SubKey, SubscriptionStatus>,
    revision: i64,
}

impl Snapshot {
    fn add(&mut self, l: Link) {
        let Some(sub) = sub_key(&l.subscription_id) else {
            tracing::warn!(subscription = %l.subscription_id, "a link to a subscription id that is not a GUID was ignored");
            return;
        };
        let entry = self.links.entry(l.thumbprint).or_insert_with(|| Linked {
            sha256: crate::identity::sha256(&l.der),
            subscriptions: Vec::new(),
        });
        if let Err(at) = entry.subscriptions.binary_search(&sub) {
            entry.subscriptions.insert(at, sub);
        }
    }
}

#[derive(Debug, Default)]
struct Linked {
    sha256: [u8; 32],
    /// Sorted.
    subscriptions: Vec<SubKey>,
}

/// The in-memory authorisation index.
#[derive(Debug)]
pub struct AuthIndex {
    snapshot: RwLock<Snapshot>,
    /// When the snapshot last matched the database (monotonic clock: staleness is about
    /// elapsed time on this machine, not the injected wall clock).
    fresh_at: RwLock<Option<Instant>>,
    /// Serialises reloads so a slow old reload cannot overwrite a newer one.
    reload_lock: tokio::sync::Mutex<()>,
    max_staleness: Duration,
    /// (lower-case subscription, thumbprint) → last authorised use, not yet written to
    /// the database (see [`AuthIndex::flush_uses`]): the hot path never writes.
    uses: Mutex<HashMap<(SubKey, Thumbprint), OffsetDateTime>>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No certificate, not linked, outside its validity, unknown subscription.
    Forbidden,
    /// Linked, but the subscription is disabled.
    Disabled,
    /// The index is stale: refuse everything until it is fresh again.
    Unavailable,
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Forbidden => ApiError::forbidden(),
            Denied::Disabled => ApiError::subscription_disabled(),
            Denied::Unavailable => ApiError::unavailable(),
        }
    }
}

impl AuthIndex {
    pub fn new(max_staleness: Duration) -> Self {
        Self {
            snapshot: RwLock::new(Snapshot::default()),
            fresh_at: RwLock::new(None),
            reload_lock: tokio::sync::Mutex::new(()),
            max_staleness,
            uses: Mutex::new(HashMap::new()),
        }
    }

    /// Decide whether `identity` may act on `subscription` at `now`.
    pub fn authorize(
        &self,
        identity: Option<&ClientIdentity>,
        subscription: &str,
        now: OffsetDateTime,
    ) -> Result<(), Denied> {
        let fresh = self
            .fresh_at
            .read()
            .map(|g| g.is_some_and(|t| t.elapsed() <= self.max_staleness))
            .unwrap_or(false);
        if !fresh {
            return Err(Denied::Unavailable);
        }
        let identity = identity.ok_or(Denied::Forbidden)?;
        if !identity.is_valid_at(now) {
            return Err(Denied::Forbidden);
        }
        let sub = sub_key(subscription).ok_or(Denied::Forbidden)?;
        let thumbprint = identity.thumbprint;
        let snap = self.snapshot.read().map_err(|_| Denied::Unavailable)?;
        let Some(linked) = snap.links.get(&thumbprint) else {
            return Err(Denied::Forbidden);
        };
        // The thumbprint is SHA-1: the certificate itself must be the stored one.
        if linked.sha256 != identity.sha256 {
            tracing::warn!(%thumbprint, "a certificate with a linked thumbprint but other contents was refused");
            return Err(Denied::Forbidden);
        }
        if linked.subscriptions.binary_search(&sub).is_err() {
            return Err(Denied::Forbidden);
        }
        match snap.subscriptions.get(&sub) {
            Some(SubscriptionStatus::Active) => {
                if let Ok(mut uses) = self.uses.lock() {
                    uses.insert((sub, thumbprint), now);
                }
                Ok(())
            }
            Some(SubscriptionStatus::Disabled) => Err(Denied::Disabled),
            None => Err(Denied::Forbidden),
        }
    }

    /// Reload everything from the database now.
    pub async fn reload(&self, db: &Db) -> Result<(), DbError> {
        let _guard = self.reload_lock.lock().await;
        let revision = db.links_revision().await?;
        let mut snap = Snapshot {
            revision,
            ..Snapshot::default()
        };
        let mut after: Option<(String, Thumbprint)> = None;
        loop {
            let page = db
                .links_after(after.as_ref().map(|(s, t)| (s.as_str(), t)), RELOAD_PAGE)
                .await?;
            let full = page.len() == RELOAD_PAGE as usize;
            after = page
                .last()
                .map(|l| (l.subscription_id.clone(), l.thumbprint));
            for l in page {
                snap.add(l);
            }
            if !full {
                break;
            }
        }
        let subs = db.list_subscriptions().await?;
        for s in subs {
            if let Some(k) = sub_key(&s.id) {
                snap.subscriptions.insert(k, s.status);
            }
        }
        if let Ok(mut g) = self.snapshot.write() {
            *g = snap;
        }
        if let Ok(mut g) = self.fresh_at.write() {
            *g = Some(Instant::now());
        }
        Ok(())
    }

    /// Bring the index to the database's revision: re-read what changed since the
    /// revision it holds (everything, when the change log no longer reaches back that
    /// far), then mark it fresh.
    pub async fn refresh(&self, db: &Db) -> Result<(), DbError> {
        let guard = self.reload_lock.lock().await;
        let current = self.snapshot.read().map(|g| g.revision).unwrap_or(i64::MIN);
        let changes = db.link_changes_since(current).await?;
        if !changes.complete {
            drop(guard);
            return self.reload(db).await;
        }
        if changes.revision != current {
            let links = db.links_of(&changes.thumbprints).await?;
            let mut statuses = Vec::with_capacity(changes.subscriptions.len());
            for sub in &changes.subscriptions {
                let Some(key) = sub_key(sub) else {
                    continue;
                };
                match db.get_subscription(sub).await {
                    Ok(s) => statuses.push((key, Some(s.status))),
                    Err(DbError::NotFound { .. }) => statuses.push((key, None)),
                    Err(e) => return Err(e),
                }
            }
            let mut snap = self
                .snapshot
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for t in &changes.thumbprints {
                snap.links.remove(t);
            }
            for l in links {
                snap.add(l);
            }
            for (sub, status) in statuses {
                match status {
                    Some(s) => snap.subscriptions.insert(sub, s),
                    None => snap.subscriptions.remove(&sub),
                };
            }
            snap.revision = changes.revision;
        }
        if let Ok(mut g) = self.fresh_at.write() {
            *g = Some(Instant::now());
        }
        Ok(())
    }

    /// The use of `thumbprint` on `subscription` noted since the last flush, if any.
    pub fn pending_use(
        &self,
        subscription: &str,
        thumbprint: &Thumbprint,
    ) -> Option<OffsetDateTime> {
        let key = (sub_key(subscription)?, *thumbprint);
        self.uses.lock().ok()?.get(&key).copied()
    }

    /// Write the uses noted since the last flush to the database, in one batch (the
    /// server calls it every 30 s and at shutdown). On failure the batch is kept for the
    /// next flush.
    pub async fn flush_uses(&self, db: &Db) -> Result<(), DbError> {
        let batch: Vec<_> = match self.uses.lock() {
            Ok(mut g) => g.drain().collect(),
            Err(_) => return Ok(()),
        };
        let uses: Vec<CertificateUse> = batch
            .iter()
            .map(|((s, t), at)| CertificateUse {
                subscription_id: sub_id(*s),
                thumbprint: *t,
                at: *at,
            })
            .collect();
        if let Err(e) = db.record_certificate_uses(&uses).await {
            if let Ok(mut g) = self.uses.lock() {
                for (k, at) in batch {
                    let slot = g.entry(k).or_insert(at);
                    *slot = (*slot).max(at);
                }
            }
            return Err(e);
        }
        Ok(())
    }

    /// Number of links in the index (metrics).
    pub fn link_count(&self) -> usize {
        self.snapshot
            .read()
            .map(|g| g.links.values().map(|l| l.subscriptions.len()).sum())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate presenting a linked thumbprint with other contents (a chosen-prefix
    /// SHA-1 collision) is refused; the stored certificate itself is served.
    #[test]
    fn a_thumbprint_alone_does_not_authorise() {
        let index = AuthIndex::new(Duration::from_secs(30));
        let t: Thumbprint = "AB".repeat(20).parse().unwrap();
        let stored = crate::identity::sha256(b"the stored certificate");
        if let Ok(mut snap) = index.snapshot.write() {
            snap.links.insert(
                t,
                Linked {
                    sha256: stored,
                    subscriptions: vec![sub_key(S1).unwrap()],
                },
            );
            snap.subscriptions
                .insert(sub_key(S1).unwrap(), SubscriptionStatus::Active);
        }
        if let Ok(mut f) = index.fresh_at.write() {
            *f = Some(Instant::now());
        }
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1);
        let identity = |sha256| ClientIdentity {
            thumbprint: t,
            sha256,
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: now + time::Duration::days(1),
        };
        let forged = identity(crate::identity::sha256(b"a colliding certificate"));
        assert_eq!(
            index.authorize(Some(&forged), S1, now),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            index.authorize(Some(&identity(stored)), &S1.to_ascii_uppercase(), now),
            Ok(())
        );
        for other in ["8a4a0a51-728e-482e-8daa-c477f03c541e", "s1", ""] {
            assert_eq!(
                index.authorize(Some(&identity(stored)), other, now),
                Err(Denied::Forbidden)
            );
        }
    }

    const S1: &str = "8a4a0a51-728e-482e-8daa-c477f03c541d";

    #[test]
    fn subscription_keys_are_guids_in_any_case() {
        let k = sub_key(S1).unwrap();
        assert_eq!(sub_key(&S1.to_ascii_uppercase()), Some(k));
        assert_eq!(sub_id(k), S1);
        for bad in [
            "8a4a0a51728e482e8daac477f03c541d",
            "8a4a0a51-728e-482e-8daa-c477f03c541",
            "8a4a0a51-728e-482e-8daa_c477f03c541d",
            "8a4a0a51-728e-482e-8daa-c477f03c541g",
            "{8a4a0a51-728e-482e-8daa-c477f03c541d}",
            "8a4a0a51-728e-482e-8daa-c477f03c541dé",
        ] {
            assert_eq!(sub_key(bad), None, "{bad}");
        }
    }
}
