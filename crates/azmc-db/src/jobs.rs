//! The durable job queue behind asynchronous operations.
//!
//! A job is `queued` until a worker claims it; a claim makes it `running` under a lease
//! (owner + expiry) and counts an attempt. The worker renews the lease while it works and
//! finishes the job, which completes its operation in the same transaction. A job whose
//! lease expires (the worker or its node died) can be claimed again; once it has used up
//! its attempts, [`Db::give_up_jobs`] abandons it and fails its operation. Claims are
//! safe with many workers on many nodes: the claiming `UPDATE` re-checks the job's state,
//! so exactly one claimer wins.

use std::time::Duration;

use time::OffsetDateTime;

use crate::convert::{micros, operation_key, opt_from_micros};
use crate::db::{Db, with_pool};
use crate::error::{ConflictReason, DbError, ResourceKind};
use crate::model::{Job, NewJob, NewOperation, OperationOutcome};
use crate::operations::{
    COMPLETE_OPERATION, INSERT_OPERATION, OperationInsert, OutcomeValues, bind_operation,
};

/// In the transaction `$tx`: queues the job `$job` (a `&NewJob`) for its operation, or
/// returns from the enclosing function: `NotFound` if the operation does not exist,
/// `Conflict` if it already has a job. Used by [`Db::enqueue_job`] and by every method that
/// begins a change a job finishes, so that the change and its job commit together (a node
/// killed between two transactions would leave the change begun with nothing to finish it).
macro_rules! tx_enqueue_job {
    ($tx:ident, $job:expr) => {{
        let job: &$crate::model::NewJob = $job;
        let missing = || $crate::error::DbError::NotFound {
            kind: $crate::error::ResourceKind::Operation,
            id: job.operation_id.clone(),
        };
        let id = $crate::convert::operation_key(&job.operation_id).ok_or_else(missing)?;
        let (subscription_id,) = $crate::db::tx_require!(
            $tx,
            (String,),
            "SELECT subscription_id FROM operations WHERE id = $1",
            [&id],
            missing()
        );
        sqlx::query(
            "INSERT INTO jobs (operation_id, subscription_id, kind, payload, state, \
             attempts, run_after) VALUES ($1, $2, $3, $4, 'queued', 0, $5)",
        )
        .bind(&id)
        .bind(&subscription_id)
        .bind(&job.kind)
        .bind(&job.payload)
        .bind($crate::convert::micros(job.run_after))
        .execute(&mut *$tx)
        .await
        .map_err(|e| $crate::error::conflict_on_unique(e, $crate::error::ResourceKind::Job, &id))?;
    }};
}
pub(crate) use tx_enqueue_job;

/// Runs `$sql` (with the `$bind` parameters) in a transaction with the job `$job` (an
/// `Option<&NewJob>`): `Err($missing)` if it changed no row, the errors of
/// [`tx_enqueue_job`] if the job cannot be queued; nothing is changed unless both are done.
macro_rules! change_one_with_job {
    ($db:expr, $sql:expr, [$($bind:expr),* $(,)?], $missing:expr, $job:expr) => {{
        let job: Option<&$crate::model::NewJob> = $job;
        $crate::db::with_pool!($db, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let n = sqlx::query($sql)
                $(.bind($bind))*
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err($missing);
            }
            if let Some(job) = job {
                $crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        Ok(())
    }};
}
pub(crate) use change_one_with_job;

/// The message of an operation whose job was abandoned by [`Db::give_up_jobs`].
pub const GIVE_UP_MESSAGE: &str = "the operation was interrupted and could not be completed";

/// How many candidates one claim round looks at before giving up to a faster claimer.
const CLAIM_CANDIDATES: i64 = 8;

type JobRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

fn job(row: JobRow) -> Result<Job, DbError> {
    let (id, operation_id, subscription_id, kind, payload, attempts, lease_owner, lease_until) =
        row;
    Ok(Job {
        id,
        operation_id,
        subscription_id,
        kind,
        payload,
        attempts: u32::try_from(attempts)
            .map_err(|_| DbError::Corrupt(format!("job {id}: attempts {attempts}")))?,
        lease_owner,
        lease_until: opt_from_micros(lease_until)?,
    })
}

fn lease_end(now: OffsetDateTime, lease: Duration) -> Result<i64, DbError> {
    time::Duration::try_from(lease)
        .ok()
        .and_then(|l| now.checked_add(l))
        .map(micros)
        .ok_or_else(|| DbError::Invalid(format!("lease of {lease:?} is too long")))
}

impl Db {
    /// Records an `InProgress` operation and queues its job, in one transaction.
    /// [`DbError::Invalid`] if `job.operation_id` does not name `op` or an id is
    /// malformed; otherwise as [`Db::insert_operation`].
    pub async fn start_async_operation(
        &self,
        op: &NewOperation,
        new_job: &NewJob,
    ) -> Result<(), DbError> {
        let ins = OperationInsert::new(op)?;
        if operation_key(&new_job.operation_id).as_deref() != Some(ins.id.as_str()) {
            return Err(DbError::Invalid(format!(
                "job operation id {:?} does not match operation {:?}",
                new_job.operation_id, op.id
            )));
        }
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            bind_operation!(sqlx::query(INSERT_OPERATION), ins, op)
                .execute(&mut *tx)
                .await
                .map_err(|e| ins.error(e, op))?;
            sqlx::query(
                "INSERT INTO jobs (operation_id, subscription_id, kind, payload, state, \
                 attempts, run_after) VALUES ($1, $2, $3, $4, 'queued', 0, $5)",
            )
            .bind(&ins.id)
            .bind(&ins.subscription_id)
            .bind(&new_job.kind)
            .bind(&new_job.payload)
            .bind(micros(new_job.run_after))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Queues a job for an operation that already exists (the server records every
    /// mutating request as an operation before its handler decides to answer 202).
    /// `NotFound` if the operation does not exist; `Conflict` if it already has a job.
    /// A change of state that the job finishes is better made with the job, in one
    /// transaction: the methods that begin such a change take the job to queue with it.
    pub async fn enqueue_job(&self, new_job: &NewJob) -> Result<(), DbError> {
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_enqueue_job!(tx, new_job);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Claims the oldest runnable job for `worker`: one that is queued with
    /// `run_after <= now`, or running with an expired lease. The claim counts an attempt
    /// and sets the lease to `now + lease`. `None` when nothing is runnable (or, rarely,
    /// when other workers won every candidate: poll again).
    ///
    /// Call [`Db::give_up_jobs`] before claiming, or a job that used up its attempts gets
    /// one more.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
    ) -> Result<Option<Job>, DbError> {
        let now_us = micros(now);
        let until = lease_end(now, lease)?;
        let row: Option<JobRow> = with_pool!(self, |p| {
            let candidates: Vec<(i64,)> = sqlx::query_as(
                "SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $1) \
                 OR (state = 'running' AND lease_until <= $1) ORDER BY id LIMIT $2",
            )
            .bind(now_us)
            .bind(CLAIM_CANDIDATES)
            .fetch_all(p)
            .await?;
            let mut won = None;
            for (id,) in candidates {
                won = sqlx::query_as(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
                     lease_owner = $2, lease_until = $3 \
                     WHERE id = $4 AND ((state = 'queued' AND run_after <= $1) \
                     OR (state = 'running' AND lease_until <= $1)) \
                     RETURNING id, operation_id, subscription_id, kind, payload, attempts, \
                     lease_owner, lease_until",
                )
                .bind(now_us)
                .bind(worker)
                .bind(until)
                .bind(id)
                .fetch_optional(p)
                .await?;
                if won.is_some() {
                    break;
                }
            }
            won
        });
        row.map(job).transpose()
    }

    /// Extends `worker`'s lease on a running job to `now + lease`. `false` if the job is
    /// no longer running under this worker (another worker claimed it after the lease
    /// expired, or it was given up): stop working on it.
    pub async fn renew_lease(
        &self,
        job_id: i64,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
    ) -> Result<bool, DbError> {
        let until = lease_end(now, lease)?;
        let n = with_pool!(self, |p| sqlx::query(
            "UPDATE jobs SET lease_until = $3 \
             WHERE id = $1 AND state = 'running' AND lease_owner = $2"
        )
        .bind(job_id)
        .bind(worker)
        .bind(until)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Finishes a job and completes its operation with `outcome`, in one transaction, if
    /// `worker` still holds the job. [`DbError::Conflict`] ("job") if it does not (its
    /// lease expired and another worker claimed it, or it was given up);
    /// [`DbError::NotFound`] ("job") if there is no such job. If the operation was
    /// already completed by other means, its first outcome stands.
    pub async fn finish_job(
        &self,
        job_id: i64,
        worker: &str,
        outcome: &OperationOutcome,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let v = OutcomeValues::new(outcome)?;
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let op: Option<(String,)> = sqlx::query_as(
                "UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = $3 \
                 WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING operation_id",
            )
            .bind(job_id)
            .bind(worker)
            .bind(micros(now))
            .fetch_optional(&mut *tx)
            .await?;
            let Some((op,)) = op else {
                let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM jobs WHERE id = $1")
                    .bind(job_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match exists {
                    Some(_) => DbError::conflict(ConflictReason::LeaseLost, job_id.to_string()),
                    None => DbError::not_found(ResourceKind::Job, job_id.to_string()),
                });
            };
            sqlx::query(COMPLETE_OPERATION)
                .bind(&op)
                .bind(v.status)
                .bind(v.http_status)
                .bind(&outcome.error_code)
                .bind(&outcome.error_message)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Abandons every running job whose lease has expired (`lease_until <= now`) and that
    /// has been attempted `max_attempts` times or more, and fails its operation (HTTP 500,
    /// `InternalError`, [`GIVE_UP_MESSAGE`]), in one transaction. Returns how many jobs
    /// were abandoned.
    pub async fn give_up_jobs(
        &self,
        max_attempts: u32,
        now: OffsetDateTime,
    ) -> Result<u64, DbError> {
        let now_us = micros(now);
        let n = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            let ops: Vec<(String,)> = sqlx::query_as(
                "UPDATE jobs SET state = 'abandoned', lease_until = NULL, finished_at = $2 \
                 WHERE state = 'running' AND lease_until <= $2 AND attempts >= $1 \
                 RETURNING operation_id",
            )
            .bind(i64::from(max_attempts))
            .bind(now_us)
            .fetch_all(&mut *tx)
            .await?;
            for (op,) in &ops {
                sqlx::query(COMPLETE_OPERATION)
                    .bind(op)
                    .bind("Failed")
                    .bind(500_i64)
                    .bind("InternalError")
                    .bind(GIVE_UP_MESSAGE)
                    .bind(now_us)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            ops.len()
        });
        Ok(n as u64)
    }
}
