//! The shared state every handler sees.

use crate::auth::AuthIndex;
use crate::config::ServerConfig;
use crate::domain::images::Catalogue;
use crate::domain::sealing::SealingKey;
use crate::metrics::Metrics;
use crate::throttle::Throttle;
use azmc_db::Db;
use azmc_pki::clock::SharedClock;
use std::sync::Arc;

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub db: Db,
    pub auth: AuthIndex,
    pub clock: SharedClock,
    pub config: ServerConfig,
    pub throttle: Throttle,
    pub metrics: Metrics,
    /// The slots for reading files sent by clients (`config.pfx.slots`): crypto work with
    /// outside bytes runs on the blocking pool, this many at a time.
    pub file_slots: Arc<tokio::sync::Semaphore>,
    /// The slots for Argon2 hashes and checks: as many as the cores (each takes 19 MiB
    /// and a core for a fraction of a second).
    pub hash_slots: Arc<tokio::sync::Semaphore>,
    /// The key that seals stored private keys, unwrapped at start ([`crate::keys`]).
    pub sealing: SealingKey,
    /// The platform images offered (built in, or read from `config.image_catalogue`).
    pub catalogue: Catalogue,
    /// The answers that never change while the server runs (List Locations, List Role
    /// Sizes), serialised once.
    pub fixed: crate::api::locations::FixedBodies,
    /// The answers of the read-only catalogues of classic IaaS (guest OS versions and
    /// families, resource extensions), serialised once.
    pub catalogues: crate::api::catalogues::CatalogueBodies,
    /// Wakes this node's job runner when a request has queued a job (after its
    /// transaction committed), so that an operation with no delay finishes at once rather
    /// than at the runner's next poll.
    pub job_wake: tokio::sync::Notify,
    /// Recent refusals of certificates, for the portal ([`crate::auth::RefusalLog`]).
    pub refusals: crate::auth::RefusalLog,
}

impl AppState {
    pub fn new(
        db: Db,
        clock: SharedClock,
        config: ServerConfig,
        sealing: SealingKey,
        catalogue: Catalogue,
    ) -> Self {
        Self(Arc::new(Inner {
            catalogue,
            auth: AuthIndex::new(config.auth_max_staleness),
            throttle: Throttle::new(&config.throttle),
            fixed: crate::api::locations::FixedBodies::new(&config.locations),
            catalogues: crate::api::catalogues::CatalogueBodies::new(),
            metrics: Metrics::default(),
            job_wake: tokio::sync::Notify::new(),
            refusals: crate::auth::RefusalLog::default(),
            file_slots: Arc::new(tokio::sync::Semaphore::new(config.pfx.slots)),
            hash_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, usize::from),
            )),
            db,
            clock,
            config,
            sealing,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
