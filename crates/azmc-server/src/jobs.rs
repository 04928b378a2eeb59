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

use crate::state::AppState;
use azmc_db::{Job, OperationOutcome, OperationStatus};
use std::collections::HashMap;
use std::future::Future;
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

pub type JobFuture = Pin<Box<dyn Future<Output = JobResult> + Send>>;

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

    /// Add every kind of `other` (replacing same-named ones).
    pub fn extend(&mut self, other: JobRegistry) {
        self.handlers.extend(other.handlers);
    }
}

/// The job kinds of the API itself (the resource handlers register theirs here).
pub fn builtin() -> JobRegistry {
    use crate::api::{deployments, hosted_services, service_certificates};
    let mut r = JobRegistry::default();
    r.register(
        hosted_services::DELETE_MEDIA_JOB,
        Arc::new(hosted_services::DeleteMediaJob),
    );
    r.register(
        service_certificates::ADD_JOB,
        Arc::new(service_certificates::AddJob),
    );
    r.register(
        service_certificates::DELETE_JOB,
        Arc::new(service_certificates::DeleteJob),
    );
    r.register(deployments::CREATE_JOB, Arc::new(deployments::SetStatusJob));
    r.register(deployments::STATUS_JOB, Arc::new(deployments::SetStatusJob));
    r.register(deployments::DELETE_JOB, Arc::new(deployments::DeleteJob));
    r.register(deployments::SWAP_JOB, Arc::new(deployments::SwapJob));
    r.register(deployments::NOOP_JOB, Arc::new(deployments::NoopJob));
    r.register(
        crate::api::storage_accounts::CREATE_JOB,
        Arc::new(crate::api::storage_accounts::CreateJob),
    );
    r
}

/// How long an InProgress operation without a job may stay so before the sweep fails it.
pub const ORPHAN_AFTER: time::Duration = time::Duration::minutes(5);

/// Runs jobs until the shutdown signal.
#[derive(Debug)]
pub struct JobRunner {
    pub state: AppState,
    pub registry: JobRegistry,
    pub worker: String,
}

impl JobRunner {
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let poll = self.state.config.job_poll_interval;
        let mut last_sweep = None::<std::time::Instant>;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if last_sweep.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                self.sweep().await;
                last_sweep = Some(std::time::Instant::now());
            }
            // A running job does not hold up shutdown: it is dropped mid-way, as if this
            // node had died, and its lease expiry hands it to the next claimer.
            let ran = tokio::select! {
                ran = self.run_one() => ran,
                _ = shutdown.changed() => return,
            };
            if !ran {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }

    /// Give up exhausted jobs and fail orphaned operations.
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
            .fail_interrupted_operations(
                now - ORPHAN_AFTER,
                now,
                "The operation was interrupted and could not be completed.",
            )
            .await
        {
            Ok(n) if n > 0 => tracing::warn!(operations = n, "failed orphaned operations"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "operation sweep failed"),
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
            self.finish(
                &job,
                JobResult::Failed {
                    http_status: 500,
                    code: "InternalError".into(),
                    message: "The operation was interrupted and could not be completed.".into(),
                },
            )
            .await;
            return true;
        }
        let result = match self.registry.handlers.get(&job.kind).cloned() {
            Some(h) => {
                let work = h.run(state.clone(), job.clone());
                self.with_lease_renewal(&job, work).await
            }
            None => {
                tracing::error!(kind = %job.kind, "no handler for this job kind");
                JobResult::Failed {
                    http_status: 500,
                    code: "InternalError".into(),
                    message: "The server encountered an internal error. Please retry the request."
                        .into(),
                }
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
