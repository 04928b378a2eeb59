//! Subscription operations: the records behind Get Operation Status and List Subscription
//! Operations.

use time::OffsetDateTime;

use crate::convert::{
    decode_parameters, decode_token, encode_parameters, encode_token, from_micros, micros,
    operation_key, opt_from_micros, opt_thumbprint, sub_key, thumb_key,
};
use crate::db::{Db, fetch, with_pool};
use crate::error::{
    ConflictReason, DbError, ResourceKind, is_foreign_key_violation, is_unique_violation,
};
use crate::model::{
    Caller, NewOperation, Operation, OperationFilter, OperationOutcome, OperationPage,
    OperationStatus,
};

/// Page size when the filter says 0, and the largest page served.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

pub(crate) const INSERT_OPERATION: &str = "INSERT INTO operations (id, subscription_id, name, \
     object_id, object_key, parameters, caller_thumbprint, caller_user, caller_ip, status, \
     started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'InProgress', $10)";

/// Completes operation `$1` if it is still in progress.
pub(crate) const COMPLETE_OPERATION: &str = "UPDATE operations SET status = $2, \
     http_status = $3, error_code = $4, error_message = $5, completed_at = $6 \
     WHERE id = $1 AND status = 'InProgress'";

macro_rules! select_operation {
    () => {
        "SELECT id, subscription_id, name, object_id, parameters, caller_thumbprint, \
         caller_user, caller_ip, status, http_status, error_code, error_message, started_at, \
         completed_at FROM operations "
    };
}
pub(crate) use select_operation;

pub(crate) type OperationRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

pub(crate) fn operation(row: OperationRow) -> Result<Operation, DbError> {
    let (
        id,
        subscription_id,
        name,
        object_id,
        parameters,
        thumbprint,
        user,
        client_ip,
        status,
        http_status,
        error_code,
        error_message,
        started_at,
        completed_at,
    ) = row;
    Ok(Operation {
        id,
        subscription_id,
        name,
        object_id,
        parameters: decode_parameters(&parameters)?,
        caller: Caller {
            thumbprint: opt_thumbprint(thumbprint)?,
            user,
            client_ip,
        },
        status: status
            .parse()
            .map_err(|e| DbError::Corrupt(format!("operation: {e}")))?,
        http_status: http_status
            .map(|s| u16::try_from(s).map_err(|_| DbError::Corrupt(format!("HTTP status {s}"))))
            .transpose()?,
        error_code,
        error_message,
        started_at: from_micros(started_at)?,
        completed_at: opt_from_micros(completed_at)?,
    })
}

/// The validated, normalised values of a [`NewOperation`], ready to bind to
/// [`INSERT_OPERATION`] in order.
pub(crate) struct OperationInsert {
    pub(crate) id: String,
    pub(crate) subscription_id: String,
    pub(crate) caller_thumbprint: Option<String>,
    pub(crate) object_key: String,
    pub(crate) parameters: String,
    pub(crate) started_at: i64,
}

impl OperationInsert {
    pub(crate) fn new(op: &NewOperation) -> Result<Self, DbError> {
        let id = operation_key(&op.id).ok_or_else(|| {
            DbError::Invalid(format!("operation id {:?} is not 32 hex digits", op.id))
        })?;
        Ok(OperationInsert {
            id,
            subscription_id: sub_key(&op.subscription_id),
            caller_thumbprint: op.caller.thumbprint.as_ref().map(thumb_key),
            object_key: op.object_id.to_lowercase(),
            parameters: encode_parameters(&op.parameters),
            started_at: micros(op.started_at),
        })
    }

    /// Map the failure of the insert: a missing subscription, a duplicate id.
    pub(crate) fn error(&self, e: sqlx::Error, op: &NewOperation) -> DbError {
        if is_foreign_key_violation(&e) {
            DbError::not_found(ResourceKind::Subscription, &op.subscription_id)
        } else if is_unique_violation(&e) {
            DbError::conflict(ConflictReason::Exists(ResourceKind::Operation), &self.id)
        } else {
            DbError::from(e)
        }
    }
}

/// Binds a [`NewOperation`] to [`INSERT_OPERATION`].
macro_rules! bind_operation {
    ($query:expr, $ins:expr, $op:expr) => {
        $query
            .bind(&$ins.id)
            .bind(&$ins.subscription_id)
            .bind(&$op.name)
            .bind(&$op.object_id)
            .bind(&$ins.object_key)
            .bind(&$ins.parameters)
            .bind(&$ins.caller_thumbprint)
            .bind(&$op.caller.user)
            .bind(&$op.caller.client_ip)
            .bind($ins.started_at)
    };
}
pub(crate) use bind_operation;

/// Validated values of an [`OperationOutcome`], ready to bind to [`COMPLETE_OPERATION`].
pub(crate) struct OutcomeValues {
    pub(crate) status: &'static str,
    pub(crate) http_status: i64,
}

impl OutcomeValues {
    pub(crate) fn new(outcome: &OperationOutcome) -> Result<Self, DbError> {
        if outcome.status == OperationStatus::InProgress {
            return Err(DbError::Invalid(
                "an operation outcome must be Succeeded or Failed".into(),
            ));
        }
        Ok(OutcomeValues {
            status: outcome.status.as_str(),
            http_status: i64::from(outcome.http_status),
        })
    }
}

/// The ids of the oldest finished operations started before `$1` whose job (if any) is
/// finished, at most `$2` of them.
macro_rules! old_operations {
    () => {
        "SELECT id FROM operations o WHERE o.status <> 'InProgress' AND o.started_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.operation_id = o.id \
         AND j.state IN ('queued', 'running')) ORDER BY o.started_at, o.id LIMIT $2"
    };
}

impl Db {
    /// Records a new operation, `InProgress`. [`DbError::Invalid`] for a malformed id,
    /// [`DbError::NotFound`] ("subscription"), [`DbError::Conflict`] for a duplicate id.
    pub async fn insert_operation(&self, op: &NewOperation) -> Result<(), DbError> {
        let ins = OperationInsert::new(op)?;
        with_pool!(self, |p| bind_operation!(
            sqlx::query(INSERT_OPERATION),
            ins,
            op
        )
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(|e| ins.error(e, op))
    }

    /// Completes an operation. [`DbError::NotFound`] if there is none with this id,
    /// [`DbError::Conflict`] if it already completed, [`DbError::Invalid`] if the
    /// outcome says `InProgress`.
    pub async fn complete_operation(
        &self,
        id: &str,
        outcome: &OperationOutcome,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let v = OutcomeValues::new(outcome)?;
        let key =
            operation_key(id).ok_or_else(|| DbError::not_found(ResourceKind::Operation, id))?;
        let (done, exists) = with_pool!(self, |p| {
            let done = sqlx::query(COMPLETE_OPERATION)
                .bind(&key)
                .bind(v.status)
                .bind(v.http_status)
                .bind(&outcome.error_code)
                .bind(&outcome.error_message)
                .bind(micros(now))
                .execute(p)
                .await?
                .rows_affected();
            let exists: Option<(String,)> = if done == 0 {
                sqlx::query_as("SELECT id FROM operations WHERE id = $1")
                    .bind(&key)
                    .fetch_optional(p)
                    .await?
            } else {
                None
            };
            (done, exists)
        });
        match (done, exists) {
            (0, None) => Err(DbError::not_found(ResourceKind::Operation, id)),
            (0, Some(_)) => Err(DbError::conflict(ConflictReason::AlreadyCompleted, id)),
            _ => Ok(()),
        }
    }

    /// Names the object operation `id` acted on (`OperationObjectId`), whatever its state: a
    /// create learns the path of what it made only once it is made. [`DbError::NotFound`] if
    /// there is no operation with this id.
    pub async fn set_operation_object(&self, id: &str, object_id: &str) -> Result<(), DbError> {
        let key =
            operation_key(id).ok_or_else(|| DbError::not_found(ResourceKind::Operation, id))?;
        let done = with_pool!(self, |p| sqlx::query(
            "UPDATE operations SET object_id = $2, object_key = $3 WHERE id = $1"
        )
        .bind(&key)
        .bind(object_id)
        .bind(object_id.to_lowercase())
        .execute(p)
        .await?
        .rows_affected());
        if done == 0 {
            return Err(DbError::not_found(ResourceKind::Operation, id));
        }
        Ok(())
    }

    /// The operation `id` of `subscription_id`. The id is accepted as 32 hex digits or
    /// hyphenated 8-4-4-4-12, in any case. [`DbError::NotFound`] if there is none (also for
    /// an id that is not in either form).
    pub async fn get_operation(
        &self,
        subscription_id: &str,
        id: &str,
    ) -> Result<Operation, DbError> {
        let key =
            operation_key(id).ok_or_else(|| DbError::not_found(ResourceKind::Operation, id))?;
        let row: Option<OperationRow> = fetch!(
            self,
            fetch_optional,
            concat!(
                select_operation!(),
                "WHERE id = $1 AND subscription_id = $2"
            ),
            [&key, sub_key(subscription_id)]
        )?;
        operation(row.ok_or_else(|| DbError::not_found(ResourceKind::Operation, id))?)
    }

    /// One page of the operations of `subscription_id` started within
    /// `[filter.start, filter.end]`, optionally of one object (case-insensitive) and one
    /// status, ordered by start time then id. A continuation token that this function did
    /// not produce is [`DbError::Invalid`].
    pub async fn list_operations(
        &self,
        subscription_id: &str,
        filter: &OperationFilter,
    ) -> Result<OperationPage, DbError> {
        let (after_at, after_id) = match &filter.continuation {
            Some(t) => decode_token(t)?,
            None => (i64::MIN, String::new()),
        };
        let page = match filter.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        };
        let object_key = filter.object_id.as_deref().map(str::to_lowercase);
        let status = filter.status.map(OperationStatus::as_str);
        let rows: Vec<OperationRow> = with_pool!(self, |p| sqlx::query_as(concat!(
            select_operation!(),
            "WHERE subscription_id = $1 AND started_at >= $2 AND started_at <= $3 \
             AND ($4 IS NULL OR object_key = $4) AND ($5 IS NULL OR status = $5) \
             AND (started_at > $6 OR (started_at = $6 AND id > $7)) \
             ORDER BY started_at, id LIMIT $8"
        ))
        .bind(sub_key(subscription_id))
        .bind(micros(filter.start))
        .bind(micros(filter.end))
        .bind(&object_key)
        .bind(status)
        .bind(after_at)
        .bind(&after_id)
        .bind(i64::from(page) + 1)
        .fetch_all(p)
        .await)?;
        let mut operations = rows
            .into_iter()
            .map(operation)
            .collect::<Result<Vec<_>, _>>()?;
        let more = operations.len() > page as usize;
        operations.truncate(page as usize);
        let continuation = match operations.last() {
            Some(last) if more => Some(encode_token(micros(last.started_at), &last.id)),
            _ => None,
        };
        Ok(OperationPage {
            operations,
            continuation,
        })
    }

    /// Marks every operation still `InProgress` that started before `started_before` and
    /// has no queued or running job as `Failed` (HTTP 500, `InternalError`, `message`).
    /// Run at start-up so that no operation stays `InProgress` forever after a crash.
    /// Returns how many were failed.
    pub async fn fail_interrupted_operations(
        &self,
        started_before: OffsetDateTime,
        now: OffsetDateTime,
        message: &str,
    ) -> Result<u64, DbError> {
        let n = with_pool!(self, |p| sqlx::query(
            "UPDATE operations SET status = 'Failed', http_status = 500, \
             error_code = 'InternalError', error_message = $3, completed_at = $2 \
             WHERE status = 'InProgress' AND started_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM jobs j WHERE j.operation_id = operations.id \
              AND j.state IN ('queued', 'running'))"
        )
        .bind(micros(started_before))
        .bind(micros(now))
        .bind(message)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Deletes up to `batch` finished operations (not `InProgress`) that started before
    /// `started_before`, oldest first, with their finished jobs. Returns how many went;
    /// call again while it returns `batch`. An operation whose job is still queued or
    /// running is kept whatever its age.
    pub async fn delete_operations_before(
        &self,
        started_before: OffsetDateTime,
        batch: u32,
    ) -> Result<u64, DbError> {
        let cutoff = micros(started_before);
        let limit = i64::from(batch);
        let n = with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            sqlx::query(concat!(
                "DELETE FROM jobs WHERE operation_id IN (",
                old_operations!(),
                ")"
            ))
            .bind(cutoff)
            .bind(limit)
            .execute(&mut *tx)
            .await?;
            let n = sqlx::query(concat!(
                "DELETE FROM operations WHERE id IN (",
                old_operations!(),
                ")"
            ))
            .bind(cutoff)
            .bind(limit)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n)
    }
}
