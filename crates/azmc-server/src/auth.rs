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
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
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
pub type SubKey = u128;

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
            not_after: l.not_after.unix_timestamp(),
            subscriptions: Vec::new(),
            used: Vec::new(),
        });
        if let Err(at) = entry.subscriptions.binary_search(&sub) {
            entry.subscriptions.insert(at, sub);
            entry.used.insert(at, AtomicI64::new(NEVER));
        }
    }
}

#[derive(Debug, Default)]
struct Linked {
    sha256: [u8; 32],
    /// The end of the certificate's validity (Unix seconds), for the expiry gauge.
    not_after: i64,
    /// Sorted.
    subscriptions: Vec<SubKey>,
    /// Beside each subscription: the last authorised use not yet written to the database,
    /// in Unix nanoseconds ([`NEVER`] when there is none). The hot path moves it forward
    /// without a lock; [`AuthIndex::flush_uses`] takes it.
    used: Vec<AtomicI64>,
}

impl Linked {
    /// Take the uses noted in this entry (leaving [`NEVER`]) into `into`.
    fn take_uses(&self, thumbprint: Thumbprint, into: &mut Uses) {
        for (sub, used) in self.subscriptions.iter().zip(&self.used) {
            if let Some(at) = from_nanos(used.swap(NEVER, Ordering::Relaxed)) {
                note_use(into, (*sub, thumbprint), at);
            }
        }
    }
}

/// No use noted.
const NEVER: i64 = i64::MIN;

/// (subscription, thumbprint) → a use not yet written to the database.
type Uses = HashMap<(SubKey, Thumbprint), OffsetDateTime>;
type UsesGuard<'a> = std::sync::MutexGuard<'a, Uses>;

fn to_nanos(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

fn from_nanos(n: i64) -> Option<OffsetDateTime> {
    if n == NEVER {
        return None;
    }
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).ok()
}

/// Keep the later of the use already noted for `key` and `at`.
fn note_use(uses: &mut Uses, key: (SubKey, Thumbprint), at: OffsetDateTime) {
    let slot = uses.entry(key).or_insert(at);
    *slot = (*slot).max(at);
}

/// The in-memory authorisation index.
#[derive(Debug)]
pub struct AuthIndex {
    snapshot: RwLock<Snapshot>,
    /// When the snapshot last matched the database, in nanoseconds after `started` (0:
    /// never). A monotonic clock: staleness is about elapsed time on this machine, not the
    /// injected wall clock.
    fresh_at: AtomicU64,
    started: Instant,
    /// Serialises reloads so a slow old reload cannot overwrite a newer one.
    reload_lock: tokio::sync::Mutex<()>,
    max_staleness: Duration,
    /// (subscription, thumbprint) → last authorised use, not yet written to the database,
    /// of index entries that a refresh has since replaced (the uses of current entries are
    /// in the entries: [`Linked::used`]). See [`AuthIndex::flush_uses`].
    uses: Mutex<Uses>,
}

/// Why a certificate was refused: the caller gets the same `ForbiddenError` for every
/// one; the reason goes to the log and the metrics, for the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No client certificate (or one that could not be read).
    NoCertificate,
    /// A certificate linked to no subscription (or one that only shares a linked
    /// certificate's thumbprint).
    UnknownCertificate,
    /// A certificate linked to other subscriptions, not to this one.
    OtherSubscription,
    Expired,
    NotYetValid,
    /// Linked, but the subscription is disabled (answered `SubscriptionDisabled`).
    SubscriptionDisabled,
    /// No such subscription (or a path whose subscription is not a GUID).
    UnknownSubscription,
}

impl Refusal {
    pub const ALL: [Refusal; 7] = [
        Refusal::NoCertificate,
        Refusal::UnknownCertificate,
        Refusal::OtherSubscription,
        Refusal::Expired,
        Refusal::NotYetValid,
        Refusal::SubscriptionDisabled,
        Refusal::UnknownSubscription,
    ];

    /// The `reason` label of `azmc_api_refusals_total`.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoCertificate => "no_certificate",
            Refusal::UnknownCertificate => "unknown_certificate",
            Refusal::OtherSubscription => "other_subscription",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::SubscriptionDisabled => "subscription_disabled",
            Refusal::UnknownSubscription => "unknown_subscription",
        }
    }

    /// The index in [`Refusal::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl Refusal {
    /// In words, for the portal.
    pub fn words(self) -> &'static str {
        match self {
            Refusal::NoCertificate => "no certificate",
            Refusal::UnknownCertificate => "a certificate linked to no subscription",
            Refusal::OtherSubscription => "not linked to this subscription (or disabled here)",
            Refusal::Expired => "the certificate has expired",
            Refusal::NotYetValid => "the certificate is not valid yet",
            Refusal::SubscriptionDisabled => "the subscription is disabled",
            Refusal::UnknownSubscription => "no such subscription",
        }
    }
}

/// One refusal of a certificate on a subscription, kept for the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub at: OffsetDateTime,
    /// The subscription id, lower case.
    pub subscription: String,
    pub thumbprint: Thumbprint,
    pub reason: Refusal,
}

/// The most recent refusals of certificates seen by this node since it started
/// ([`RefusalLog::CAPACITY`] at most, the oldest dropped first): what a subscription's
/// administrators see in the portal. Memory is bounded whatever callers send.
#[derive(Debug, Default)]
pub struct RefusalLog(Mutex<std::collections::VecDeque<Refused>>);

impl RefusalLog {
    pub const CAPACITY: usize = 1000;

    pub fn note(&self, r: Refused) {
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() == Self::CAPACITY {
            log.pop_front();
        }
        log.push_back(r);
    }

    /// The refusals on `subscription`, newest first.
    pub fn of(&self, subscription: &str) -> Vec<Refused> {
        let log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        log.iter()
            .rev()
            .filter(|r| r.subscription.eq_ignore_ascii_case(subscription))
            .cloned()
            .collect()
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Not allowed, for the reason given (answered `ForbiddenError`).
    Forbidden(Refusal),
    /// Linked, but the subscription is disabled.
    Disabled,
    /// The index is stale: refuse everything until it is fresh again.
    Unavailable,
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Forbidden(_) => ApiError::forbidden(),
            Denied::Disabled => ApiError::subscription_disabled(),
            Denied::Unavailable => ApiError::unavailable(),
        }
    }
}

impl AuthIndex {
    pub fn new(max_staleness: Duration) -> Self {
        Self {
            snapshot: RwLock::new(Snapshot::default()),
            fresh_at: AtomicU64::new(0),
            started: Instant::now(),
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
        if !self.is_fresh() {
            return Err(Denied::Unavailable);
        }
        let forbidden = |r| Err(Denied::Forbidden(r));
        let Some(identity) = identity else {
            return forbidden(Refusal::NoCertificate);
        };
        if now < identity.not_before {
            return forbidden(Refusal::NotYetValid);
        }
        if !identity.is_valid_at(now) {
            return forbidden(Refusal::Expired);
        }
        let Some(sub) = sub_key(subscription) else {
            return forbidden(Refusal::UnknownSubscription);
        };
        let thumbprint = identity.thumbprint;
        let snap = self.snapshot.read().map_err(|_| Denied::Unavailable)?;
        let Some(status) = snap.subscriptions.get(&sub) else {
            return forbidden(Refusal::UnknownSubscription);
        };
        let Some(linked) = snap.links.get(&thumbprint) else {
            return forbidden(Refusal::UnknownCertificate);
        };
        // The thumbprint is SHA-1: the certificate itself must be the stored one.
        if linked.sha256 != identity.sha256 {
            tracing::warn!(%thumbprint, "a certificate with a linked thumbprint but other contents was refused");
            return forbidden(Refusal::UnknownCertificate);
        }
        let Ok(at) = linked.subscriptions.binary_search(&sub) else {
            return forbidden(Refusal::OtherSubscription);
        };
        match status {
            SubscriptionStatus::Active => {
                if let Some(used) = linked.used.get(at) {
                    used.fetch_max(to_nanos(now), Ordering::Relaxed);
                }
                Ok(())
            }
            SubscriptionStatus::Disabled => Err(Denied::Disabled),
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
        {
            let (mut g, mut uses) = self.write_snapshot();
            // The uses noted in the entries about to go (under the write lock: no request
            // is noting one meanwhile).
            for (t, linked) in &g.links {
                linked.take_uses(*t, &mut uses);
            }
            *g = snap;
        }
        self.mark_fresh();
        Ok(())
    }

    /// The snapshot to change, and the uses of replaced entries (in this order, always).
    fn write_snapshot(&self) -> (std::sync::RwLockWriteGuard<'_, Snapshot>, UsesGuard<'_>) {
        let snap = self
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let uses = self
            .uses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (snap, uses)
    }

    /// Whether the index matched the database within `max_staleness`.
    fn is_fresh(&self) -> bool {
        let at = self.fresh_at.load(Ordering::Acquire);
        at != 0
            && self
                .started
                .elapsed()
                .saturating_sub(Duration::from_nanos(at))
                <= self.max_staleness
    }

    fn mark_fresh(&self) {
        let now = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.fresh_at.store(now.max(1), Ordering::Release);
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
            self.apply(changes.revision, &changes.thumbprints, links, statuses);
        }
        self.mark_fresh();
        Ok(())
    }

    /// Replace the entries of `thumbprints` with `links` (their links now) and set the
    /// subscriptions' statuses (`None`: gone); the index is then at `revision`. Uses noted
    /// in replaced entries are kept for the next flush.
    fn apply(
        &self,
        revision: i64,
        thumbprints: &[Thumbprint],
        links: Vec<Link>,
        statuses: Vec<(SubKey, Option<SubscriptionStatus>)>,
    ) {
        let (mut snap, mut uses) = self.write_snapshot();
        for t in thumbprints {
            if let Some(gone) = snap.links.remove(t) {
                gone.take_uses(*t, &mut uses);
            }
        }
        drop(uses);
        for l in links {
            snap.add(l);
        }
        for (sub, status) in statuses {
            match status {
                Some(s) => snap.subscriptions.insert(sub, s),
                None => snap.subscriptions.remove(&sub),
            };
        }
        snap.revision = revision;
    }

    /// The use of `thumbprint` on `subscription` noted since the last flush, if any.
    pub fn pending_use(
        &self,
        subscription: &str,
        thumbprint: &Thumbprint,
    ) -> Option<OffsetDateTime> {
        let sub = sub_key(subscription)?;
        let replaced = self.uses.lock().ok()?.get(&(sub, *thumbprint)).copied();
        let snap = self.snapshot.read().ok()?;
        let current = snap.links.get(thumbprint).and_then(|l| {
            let at = l.subscriptions.binary_search(&sub).ok()?;
            from_nanos(l.used.get(at)?.load(Ordering::Relaxed))
        });
        replaced.max(current)
    }

    /// Write the uses noted since the last flush to the database, in one batch (the
    /// server calls it every 30 s and at shutdown). On failure the batch is kept for the
    /// next flush.
    pub async fn flush_uses(&self, db: &Db) -> Result<(), DbError> {
        let mut taken = match self.uses.lock() {
            Ok(mut g) => std::mem::take(&mut *g),
            Err(_) => return Ok(()),
        };
        if let Ok(snap) = self.snapshot.read() {
            for (t, linked) in &snap.links {
                linked.take_uses(*t, &mut taken);
            }
        }
        let batch: Vec<_> = taken.into_iter().collect();
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
                    note_use(&mut g, k, at);
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

    /// Per subscription (id), how many of its management certificates are still valid at
    /// `now` but expire before `now + within`; subscriptions with none are left out.
    pub fn expiring(&self, now: OffsetDateTime, within: time::Duration) -> Vec<(String, usize)> {
        let (from, until) = (now.unix_timestamp(), (now + within).unix_timestamp());
        let mut counts: HashMap<SubKey, usize> = HashMap::new();
        if let Ok(snap) = self.snapshot.read() {
            for l in snap.links.values() {
                if l.not_after >= from && l.not_after < until {
                    for s in &l.subscriptions {
                        *counts.entry(*s).or_default() += 1;
                    }
                }
            }
        }
        let mut out: Vec<(String, usize)> =
            counts.into_iter().map(|(k, n)| (sub_id(k), n)).collect();
        out.sort();
        out
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
                    not_after: i64::MAX,
                    subscriptions: vec![sub_key(S1).unwrap()],
                    used: vec![AtomicI64::new(NEVER)],
                },
            );
            snap.subscriptions
                .insert(sub_key(S1).unwrap(), SubscriptionStatus::Active);
        }
        index.mark_fresh();
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
            Err(Denied::Forbidden(Refusal::UnknownCertificate))
        );
        assert_eq!(
            index.authorize(Some(&identity(stored)), &S1.to_ascii_uppercase(), now),
            Ok(())
        );
        for other in ["8a4a0a51-728e-482e-8daa-c477f03c541e", "s1", ""] {
            assert_eq!(
                index.authorize(Some(&identity(stored)), other, now),
                Err(Denied::Forbidden(Refusal::UnknownSubscription))
            );
        }
        assert_eq!(
            index.authorize(None, S1, now),
            Err(Denied::Forbidden(Refusal::NoCertificate))
        );
        let mut late = identity(stored);
        late.not_before = now + time::Duration::hours(1);
        assert_eq!(
            index.authorize(Some(&late), S1, now),
            Err(Denied::Forbidden(Refusal::NotYetValid))
        );
        let mut old = identity(stored);
        old.not_after = now - time::Duration::hours(1);
        assert_eq!(
            index.authorize(Some(&old), S1, now),
            Err(Denied::Forbidden(Refusal::Expired))
        );
        let stranger = ClientIdentity {
            thumbprint: "EF".repeat(20).parse().unwrap(),
            ..identity(stored)
        };
        assert_eq!(
            index.authorize(Some(&stranger), S1, now),
            Err(Denied::Forbidden(Refusal::UnknownCertificate))
        );
    }

    const S1: &str = "8a4a0a51-728e-482e-8daa-c477f03c541d";
    const S2: &str = "8a4a0a51-728e-482e-8daa-c477f03c541e";

    /// Uses are noted without a lock, the latest one wins, and a use noted in an entry
    /// that a refresh replaces is still there for the next flush.
    #[test]
    fn uses_are_noted_and_survive_a_refresh_of_their_entry() {
        let index = AuthIndex::new(Duration::from_secs(30));
        let t: Thumbprint = "CD".repeat(20).parse().unwrap();
        let der = b"a stored certificate".to_vec();
        let day = |d| OffsetDateTime::UNIX_EPOCH + time::Duration::days(d);
        let link = |sub: &str| Link {
            subscription_id: sub.to_string(),
            thumbprint: t,
            not_before: day(0),
            not_after: day(100),
            der: der.clone(),
        };
        let active = |sub| (sub_key(sub).unwrap(), Some(SubscriptionStatus::Active));
        index.apply(1, &[t], vec![link(S1)], vec![active(S1), active(S2)]);
        index.mark_fresh();
        let identity = ClientIdentity {
            thumbprint: t,
            sha256: crate::identity::sha256(&der),
            not_before: day(0),
            not_after: day(100),
        };
        assert_eq!(index.pending_use(S1, &t), None);
        assert_eq!(index.authorize(Some(&identity), S1, day(5)), Ok(()));
        assert_eq!(index.authorize(Some(&identity), S1, day(3)), Ok(()));
        assert_eq!(index.pending_use(S1, &t), Some(day(5)));
        // Not linked to S2 yet: refused, and no use noted.
        assert_eq!(
            index.authorize(Some(&identity), S2, day(6)),
            Err(Denied::Forbidden(Refusal::OtherSubscription))
        );
        // The certificate is linked to S2 as well: its entry is replaced.
        index.apply(2, &[t], vec![link(S1), link(S2)], vec![]);
        assert_eq!(index.pending_use(S1, &t), Some(day(5)));
        assert_eq!(index.authorize(Some(&identity), S2, day(7)), Ok(()));
        assert_eq!(index.authorize(Some(&identity), S1, day(8)), Ok(()));
        assert_eq!(index.pending_use(S1, &t), Some(day(8)));
        assert_eq!(index.pending_use(S2, &t), Some(day(7)));
        // Unlinked from S1: the use noted there is still kept.
        index.apply(3, &[t], vec![link(S2)], vec![]);
        assert_eq!(index.pending_use(S1, &t), Some(day(8)));
        assert_eq!(
            index.authorize(Some(&identity), S1, day(9)),
            Err(Denied::Forbidden(Refusal::OtherSubscription))
        );
        assert_eq!(index.pending_use(S1, &t), Some(day(8)));
    }

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
