//! Prometheus metrics (text exposition format), kept as plain atomic counters.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: [AtomicU64; 5],
    pub denied: AtomicU64,
    /// Refusals by reason, in the order of [`crate::auth::Refusal::ALL`].
    pub refusals: [AtomicU64; 7],
    pub throttled: AtomicU64,
    pub handshakes: AtomicU64,
    pub handshake_failures: AtomicU64,
    pub jobs_succeeded: AtomicU64,
    pub jobs_failed: AtomicU64,
}

/// The window of `azmc_management_certificates_expiring`, in days.
pub const EXPIRING_DAYS: i64 = 30;

impl Metrics {
    /// Count a response by status class (1xx..5xx).
    pub fn response(&self, status: u16) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.requests[class].fetch_add(1, Relaxed);
    }

    /// The text exposition: the counters, the number of certificate links, and per
    /// subscription the management certificates expiring soon (`expiring`: subscription id
    /// and count, see [`crate::auth::AuthIndex::expiring`]).
    pub fn render(&self, links: usize, expiring: &[(String, usize)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP azmc_api_requests_total API responses by status class.\n# TYPE azmc_api_requests_total counter"
        );
        for (i, c) in self.requests.iter().enumerate() {
            let _ = writeln!(
                out,
                "azmc_api_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                c.load(Relaxed)
            );
        }
        let counters = [
            (
                "azmc_api_denied_total",
                "Requests refused by authorisation.",
                &self.denied,
            ),
            (
                "azmc_api_throttled_total",
                "Requests refused by throttling.",
                &self.throttled,
            ),
            (
                "azmc_tls_handshakes_total",
                "Completed TLS handshakes on the API listener.",
                &self.handshakes,
            ),
            (
                "azmc_tls_handshake_failures_total",
                "Failed or timed-out TLS handshakes on the API listener.",
                &self.handshake_failures,
            ),
            (
                "azmc_jobs_succeeded_total",
                "Asynchronous jobs that succeeded.",
                &self.jobs_succeeded,
            ),
            (
                "azmc_jobs_failed_total",
                "Asynchronous jobs that failed.",
                &self.jobs_failed,
            ),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.load(Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP azmc_api_refusals_total Requests refused by authorisation, by reason (the caller is told only ForbiddenError or SubscriptionDisabled).\n# TYPE azmc_api_refusals_total counter"
        );
        for r in crate::auth::Refusal::ALL {
            let _ = writeln!(
                out,
                "azmc_api_refusals_total{{reason=\"{}\"}} {}",
                r.as_str(),
                self.refusals[r.index()].load(Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP azmc_certificate_links Certificate-to-subscription links in the authorisation index.\n# TYPE azmc_certificate_links gauge\nazmc_certificate_links {links}"
        );
        let _ = writeln!(
            out,
            "# HELP azmc_management_certificates_expiring Management certificates of a subscription that expire within {EXPIRING_DAYS} days (still valid now).\n# TYPE azmc_management_certificates_expiring gauge"
        );
        for (subscription, n) in expiring {
            let _ = writeln!(
                out,
                "azmc_management_certificates_expiring{{subscription=\"{subscription}\"}} {n}"
            );
        }
        out
    }
}
