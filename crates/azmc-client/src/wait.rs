//! Following asynchronous operations (`GET /<subscription>/operations/<request-id>`).

use crate::client::Client;
use crate::error::{ClientError, Result};
use azmc_wire::asm::{
    OperationStatus, OperationStatusXml, normalize_operation_id, parse_operation_status,
};
use std::time::Duration;
use tokio::time::Instant;

/// How to wait for an operation: the first status request at once, the next after
/// `first_poll_after`, then after pauses that double up to `poll_interval` (so an operation
/// that completes at once is seen in about a tenth of a second, a long one costs one
/// request per `poll_interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// The longest time between two status requests.
    pub poll_interval: Duration,
    /// The pause before the second status request (at least 1 ms, at most
    /// `poll_interval`).
    pub first_poll_after: Duration,
    /// Give up (with [`ClientError::WaitTimeout`]) after this long; the operation goes on.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            poll_interval: Duration::from_secs(1),
            first_poll_after: Duration::from_millis(100),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl WaitOptions {
    /// The pauses between status requests: `first_poll_after`, doubling up to
    /// `poll_interval`, then `poll_interval` for ever.
    pub fn pauses(&self) -> impl Iterator<Item = Duration> + use<> {
        let cap = self.poll_interval.max(Duration::from_millis(1));
        let first = self.first_poll_after.clamp(Duration::from_millis(1), cap);
        std::iter::successors(Some(first), move |d| Some(d.saturating_mul(2).min(cap)))
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
        let mut pauses = options.pauses();
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
            let pause = pauses.next().unwrap_or(options.poll_interval);
            if waited + pause > options.timeout {
                return Err(ClientError::WaitTimeout {
                    id: status.id,
                    status: OperationStatus::InProgress.to_string(),
                    waited,
                });
            }
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|m| Duration::from_millis(*m)).collect()
    }

    #[test]
    fn pauses_start_short_and_double_up_to_the_interval() {
        let d = WaitOptions::default();
        assert_eq!(
            d.pauses().take(7).collect::<Vec<_>>(),
            ms(&[100, 200, 400, 800, 1000, 1000, 1000])
        );
        let odd = WaitOptions {
            poll_interval: Duration::from_millis(250),
            first_poll_after: Duration::from_millis(70),
            ..d
        };
        assert_eq!(
            odd.pauses().take(4).collect::<Vec<_>>(),
            ms(&[70, 140, 250, 250])
        );
        // A first pause longer than the interval, or zero, is brought within bounds.
        let long = WaitOptions {
            first_poll_after: Duration::from_secs(5),
            ..d
        };
        assert_eq!(long.pauses().take(2).collect::<Vec<_>>(), ms(&[1000, 1000]));
        let zero = WaitOptions {
            first_poll_after: Duration::ZERO,
            poll_interval: Duration::from_millis(4),
            ..d
        };
        assert_eq!(zero.pauses().take(4).collect::<Vec<_>>(), ms(&[1, 2, 4, 4]));
    }
}
