//! When and how long to wait before trying a request again.
//!
//! Retried: answers that say "come back later" (503 Server Busy and 429, honouring
//! `Retry-After`), connections that could not be made, and connections reset after a
//! request was sent when the method is idempotent (GET, HEAD, PUT, DELETE). A POST whose
//! connection dies after sending is not repeated: the service may have acted on it.
//! Backoff is exponential with full jitter, capped; the number of attempts is bounded.

use std::time::Duration;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The first backoff step; each further attempt doubles it.
    pub base_delay: Duration,
    /// No single wait is longer than this (a longer `Retry-After` is cut to it).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1), given the server's
    /// `Retry-After` if any and a random number in `[0, 1)` for the jitter.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, random: f64) -> Duration {
        let random = random.clamp(0.0, 1.0);
        match retry_after {
            // The server said when: wait that long plus up to a quarter second, so that
            // many throttled clients do not all come back in the same instant.
            Some(after) => {
                (after + Duration::from_millis((250.0 * random) as u64)).min(self.max_delay)
            }
            None => {
                let exp = attempt.saturating_sub(1).min(16);
                let cap = self
                    .base_delay
                    .saturating_mul(1u32 << exp)
                    .min(self.max_delay);
                // Full jitter, but never less than a tenth of the step.
                cap.mul_f64(0.1 + 0.9 * random)
            }
        }
    }
}

/// Why a request is being retried (reported to [`crate::Client::on_retry`] observers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryReason {
    /// The service answered 503 or 429.
    Throttled { status: u16 },
    /// No connection could be made.
    Connect(String),
    /// The connection failed after an idempotent request was sent.
    Transport(String),
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryReason::Throttled { status } => write!(f, "throttled (HTTP {status})"),
            RetryReason::Connect(e) => write!(f, "cannot connect: {e}"),
            RetryReason::Transport(e) => write!(f, "connection failed: {e}"),
        }
    }
}

/// One retry about to happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryEvent {
    pub method: String,
    pub path: String,
    /// The attempt that failed (from 1).
    pub attempt: u32,
    pub max_attempts: u32,
    pub reason: RetryReason,
    pub delay: Duration,
}

/// `Retry-After` as seconds (the HTTP-date form is not used by the service).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(3600)))
}

/// A random number in `[0, 1)` for jitter (falls back to 0.5 if the OS has none).
pub(crate) fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// Methods that may be repeated after a connection failure.
pub(crate) fn idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(p.delay(1, None, 0.5), Duration::from_millis(55));
        assert!(p.delay(1, None, 0.999_999) < Duration::from_millis(100));
        assert_eq!(p.delay(1, None, 0.0), Duration::from_millis(10));
        assert_eq!(p.delay(2, None, 0.0), Duration::from_millis(20));
        assert_eq!(p.delay(3, None, 0.0), Duration::from_millis(40));
        // Capped at max_delay however many attempts.
        assert_eq!(p.delay(9, None, 0.0), Duration::from_millis(100));
        assert!(p.delay(40, None, 0.99) <= Duration::from_secs(1));
    }

    #[test]
    fn retry_after_is_honoured_with_a_little_jitter_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2)), 0.0),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2)), 0.5),
            Duration::from_millis(2125)
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(600)), 0.0), p.max_delay);
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("99999999"),
            Some(Duration::from_secs(3600))
        );
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
        assert!(idempotent("DELETE") && !idempotent("POST"));
    }
}
