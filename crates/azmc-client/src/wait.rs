//! Following asynchronous operations (`GET /<subscription>/operations/<request-id>`).

use crate::client::Client;
use crate::error::{ClientError, Result};
use azmc_wire::asm::{
    OperationStatus, OperationStatusXml, normalize_operation_id, parse_operation_status,
};
use std::time::Duration;
use tokio::time::Instant;

/// How to wait for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Time between two status requests.
    pub poll_interval: Duration,
    /// Give up (with [`ClientError::WaitTimeout`]) after this long; the operation goes on.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl Client {
    /// The status of an operation by its request id (hyphenated or not).
    pub async fn operation_status(&self, request_id: &str) -> Result<OperationStatusXml> {
        let id = normalize_operation_id(request_id).ok_or_else(|| {
            ClientError::Config(format!(
                "operation id {request_id:?}: not a request id (32 hex digits)"
            ))
        })?;
        self.get(
            &format!("/operations/{id}"),
            "Get Operation Status",
            parse_operation_status,
        )
        .await
    }

    /// Poll an operation until it leaves `InProgress`. `progress` is called after every
    /// poll with the status and the time waited so far. `Succeeded` returns the status;
    /// `Failed` returns [`ClientError::OperationFailed`] with the operation's error.
    pub async fn wait(
        &self,
        request_id: &str,
        options: WaitOptions,
        mut progress: impl FnMut(&OperationStatusXml, Duration),
    ) -> Result<OperationStatusXml> {
        let started = Instant::now();
        loop {
            let status = self.operation_status(request_id).await?;
            let waited = started.elapsed();
            progress(&status, waited);
            match status.status {
                OperationStatus::Succeeded => return Ok(status),
                OperationStatus::Failed => {
                    let (code, message) = match &status.error {
                        Some(e) => (e.code.clone(), e.message.clone()),
                        None => ("InternalError".into(), "the operation failed".into()),
                    };
                    return Err(ClientError::OperationFailed {
                        id: status.id.clone(),
                        status: status.http_status.unwrap_or(500),
                        code,
                        message,
                    });
                }
                OperationStatus::InProgress => {}
            }
            if waited + options.poll_interval > options.timeout {
                return Err(ClientError::WaitTimeout {
                    id: status.id,
                    status: OperationStatus::InProgress.to_string(),
                    waited,
                });
            }
            tokio::time::sleep(options.poll_interval).await;
        }
    }
}
