//! The durable job runner for asynchronous operations.
//!
//! A request that answers 202 stores its work as a job in the database (in the same
//! transaction as its operation). Every node runs a [`JobRunner`]: it claims runnable
//! jobs with a lease, renews the lease while the job runs, and finishes the job and its
//! operation together. A node that dies mid-job stops renewing; once the lease expires
//! another node (or this one after a restart) claims the job again; after
//! `job_max_attempts` the job is given up and its operation marked Failed. Operations left
//! InProgress by a crash in a synchronous request are marked Failed by a periodic sweep.
//! So no operation stays InProgress forever.
//!
//! This module owns queueing ([`enqueue`]), leases and outcomes. Each kind of job is a
//! type with a serde payload that implements [`JobKind`] (its stable stored name and its
//! work); the domain modules define their kinds and list them in `domain::job_kinds`, so
//! this module depends on none of them.

use crate::domain::{Ctx, DomainError};
use crate::error::{ApiError, INTERRUPTED_MESSAGE};
use crate::identity::RequestId;
use crate::state::AppState;
use azmc_db::{DbError, Job, NewJob, OperationOutcome, OperationStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How a job ended: the HTTP status its operation reports, and the ASM error if it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobResult {
    Succeeded {
        http_status: u16,
    },
    Failed {
        http_status: u16,
        code: String,
        message: String,
    },
}

/// A failed job reports what the same failure of a request would have answered.
impl From<ApiError> for JobResult {
    fn from(e: ApiError) -> Self {
        JobResult::Failed {
            http_status: e.status.as_u16(),
            code: e.code.to_string(),
            message: e.message,
        }
    }
}

/// A failed domain step reports what the same failure of a request would have answered.
impl From<DomainError> for JobResult {
    fn from(e: DomainError) -> Self {
        ApiError::from(e).into()
    }
}

impl JobResult {
    /// Success, reported as 200.
    pub fn ok() -> Self {
        JobResult::Succeeded { http_status: 200 }
    }

    /// 500 InternalError; the cause must have been logged.
    pub fn internal() -> Self {
        ApiError::internal().into()
    }

    /// The outcome of a job's database step: success (200); `missing` (a 404) when the
    /// thing is gone; else logged and 500.
    pub fn of<T>(r: Result<T, DbError>, missing: DomainError) -> Self {
        match r {
            Ok(_) => JobResult::ok(),
            Err(DbError::NotFound { .. }) => missing.into(),
            Err(other) => {
                tracing::error!(error = %other, "job database failure");
                JobResult::internal()
            }
        }
    }
}

pub type JobFuture = Pin<Box<dyn Future<Output = JobResult> + Send>>;

/// A kind of job: a payload stored as JSON, and the work it does after the configured
/// `async_delay`. The work must be idempotent: a job whose node died is run again.
pub trait JobKind: Serialize + DeserializeOwned + Send + 'static {
    /// The stored name of the kind. Never change it: queued jobs outlive upgrades.
    const KIND: &'static str;
    fn run(self, state: AppState) -> impl Future<Output = JobResult> + Send;
}

/// Queues `work` as the job of the request's operation (the 202 answer's request id),
/// to run now.
pub async fn enqueue<K: JobKind>(
    ctx: &Ctx<'_>,
    operation: &RequestId,
    subscription: &str,
    work: &K,
) -> Result<(), DomainError> {
    ctx.db
        .enqueue_job(&new_job(ctx, operation, subscription, work)?)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot queue a job");
            DomainError::Internal
        })
}

/// The job of `operation` doing `work`, runnable now, for a database method that queues it
/// with the change it finishes.
pub fn new_job<K: JobKind>(
    ctx: &Ctx<'_>,
    operation: &RequestId,
    subscription: &str,
    work: &K,
) -> Result<NewJob, DomainError> {
    let payload = serde_json::to_string(work).map_err(|e| {
        tracing::error!(error = %e, kind = K::KIND, "cannot write a job payload");
        DomainError::Internal
    })?;
    Ok(NewJob {
        operation_id: operation.0.clone(),
        subscription_id: subscription.to_string(),
        kind: K::KIND.to_string(),
        payload,
        run_after: ctx.now,
    })
}

/// Serde for a payload field that is an enumeration stored by name (`Display` and
/// `FromStr`), e.g. `#[serde(with = "crate::jobs::by_name")]`.
pub mod by_name {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The handler of a [`JobKind`]: wait, read the payload (an unreadable one fails the
/// job), run.
struct Typed<K>(PhantomData<fn() -> K>);

impl<K> std::fmt::Debug for Typed<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::any::type_name::<K>())
    }
}

impl<K: JobKind> JobHandler for Typed<K> {
    fn run(&self, state: AppState, job: Job) -> JobFuture {
        Box::pin(async move {
            tokio::time::sleep(state.config.async_delay).await;
            match serde_json::from_str::<K>(&job.payload) {
                Ok(work) => work.run(state).await,
                Err(e) => {
                    tracing::error!(job = job.id, kind = %job.kind, error = %e, "unreadable job payload");
                    JobResult::internal()
                }
            }
        })
    }
}

/// The work of one job kind. Handlers must be idempotent: a job whose node died is run
/// again.
pub trait JobHandler: Send + Sync + std::fmt::Debug {
    fn run(&self, state: AppState, job: Job) -> JobFuture;
}

/// Job kinds and their handlers.
#[derive(Debug, Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<String, Arc<dyn JobHandler>>,
}

impl JobRegistry {
    pub fn register(&mut self, kind: &str, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(kind.to_string(), handler);
    }

    /// Register a typed kind under its [`JobKind::KIND`].
    pub fn kind<K: JobKind>(&mut self) -> &mut Self {
        self.register(K::KIND, Arc::new(Typed::<K>(PhantomData)));
        self
    }

    /// Add every kind of `other` (replacing same-named ones).
    pub fn extend(&mut self, other: JobRegistry) {
        self.handlers.extend(other.handlers);
    }
}

/// How long an InProgress operation without a job may stay so before the sweep fails it.
pub const ORPHAN_AFTER: time::Duration = time::Duration::minutes(5);

/// Operations past the retention deleted per sweep.
pub const RETENTION_BATCH: u32 = 10_000;

/// Runs jobs until the shutdown signal.
#[derive(Debug)]
pub struct JobRunner {
    pub state: AppState,
    pub registry: JobRegistry,
    pub worker: String,
}

impl JobRunner {
    /// Runs jobs until shutdown. The caller has swept once already (see
    /// [`JobRunner::sweep`]: `serve::start` does, before it returns), so the next sweep
    /// comes a minute later.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let poll = self.state.config.job_poll_interval;
        let mut last_sweep = std::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                return;
            }
            if last_sweep.elapsed() > Duration::from_secs(60) {
                self.sweep().await;
                last_sweep = std::time::Instant::now();
            }
            // A running job does not hold up shutdown: it is dropped mid-way, as if this
            // node had died, and its lease expiry hands it to the next claimer.
            let ran = tokio::select! {
                ran = self.run_one() => ran,
                _ = shutdown.changed() => return,
            };
            if !ran {
                // A job queued by another node (or due later) is found by the poll.
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = self.state.job_wake.notified() => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }

    /// Give up exhausted jobs, fail orphaned operations, delete one batch of operations
    /// past the retention, and purge deleted resources past the restore window.
    pub async fn sweep(&self) {
        let now = self.state.clock.now();
        let db = &self.state.db;
        match db
            .give_up_jobs(self.state.config.job_max_attempts, now)
            .await
        {
            Ok(n) if n > 0 => tracing::warn!(jobs = n, "gave up interrupted jobs"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "job sweep failed"),
        }
        match db
            .fail_interrupted_operations(now - ORPHAN_AFTER, now, INTERRUPTED_MESSAGE)
            .await
        {
            Ok(n) if n > 0 => tracing::warn!(operations = n, "failed orphaned operations"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "operation sweep failed"),
        }
        let retention = time::Duration::try_from(self.state.config.operation_retention)
            .unwrap_or(time::Duration::MAX);
        let cutoff = now
            .checked_sub(retention)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        match db.delete_operations_before(cutoff, RETENTION_BATCH).await {
            Ok(n) if n > 0 => {
                tracing::info!(operations = n, "deleted operations past the retention")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "operation retention sweep failed"),
        }
        match db.purge_deleted(now).await {
            Ok(p) if p.storage_accounts + p.hosted_services > 0 => tracing::info!(
                storage_accounts = p.storage_accounts,
                cloud_services = p.hosted_services,
                "purged deleted resources past the restore window"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "purging deleted resources failed"),
        }
        if let Err(e) = db.prune_link_changes(crate::auth::LINK_CHANGES_KEPT).await {
            tracing::error!(error = %e, "pruning the link change log failed");
        }
    }

    /// Claim and run one job; `false` when there was nothing to do.
    pub async fn run_one(&self) -> bool {
        let state = &self.state;
        let lease = state.config.job_lease;
        let job = match state
            .db
            .claim_job(&self.worker, state.clock.now(), lease)
            .await
        {
            Ok(Some(job)) => job,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                return false;
            }
        };
        if job.attempts > state.config.job_max_attempts {
            // Claimed once too often (its earlier runs died): give up now.
            self.finish(&job, ApiError::interrupted().into()).await;
            return true;
        }
        let result = match self.registry.handlers.get(&job.kind).cloned() {
            Some(h) => {
                let work = h.run(state.clone(), job.clone());
                self.with_lease_renewal(&job, work).await
            }
            None => {
                tracing::error!(kind = %job.kind, "no handler for this job kind");
                JobResult::internal()
            }
        };
        self.finish(&job, result).await;
        true
    }

    async fn with_lease_renewal(&self, job: &Job, work: JobFuture) -> JobResult {
        let lease = self.state.config.job_lease;
        let mut work = work;
        let mut tick = tokio::time::interval(lease / 3);
        tick.tick().await;
        loop {
            tokio::select! {
                r = &mut work => return r,
                _ = tick.tick() => {
                    let now = self.state.clock.now();
                    match self.state.db.renew_lease(job.id, &self.worker, now, lease).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(job = job.id, "lost the lease of a running job"),
                        Err(e) => tracing::error!(error = %e, "cannot renew a job lease"),
                    }
                }
            }
        }
    }

    async fn finish(&self, job: &Job, result: JobResult) {
        let outcome = match result {
            JobResult::Succeeded { http_status } => {
                self.state
                    .metrics
                    .jobs_succeeded
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                OperationOutcome {
                    status: OperationStatus::Succeeded,
                    http_status,
                    error_code: None,
                    error_message: None,
                }
            }
            JobResult::Failed {
                http_status,
                code,
                message,
            } => {
                self.state
                    .metrics
                    .jobs_failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                OperationOutcome {
                    status: OperationStatus::Failed,
                    http_status,
                    error_code: Some(code),
                    error_message: Some(message),
                }
            }
        };
        if let Err(e) = self
            .state
            .db
            .finish_job(job.id, &self.worker, &outcome, self.state.clock.now())
            .await
        {
            tracing::error!(error = %e, job = job.id, "cannot finish a job");
        }
    }
}
