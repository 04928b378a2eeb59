//! Per-subscription token buckets, separate for reads (GET/HEAD) and writes.

use crate::auth::SubKey;
use crate::config::ThrottleConfig;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;

#[derive(Debug)]
pub struct Throttle {
    reads: DefaultKeyedRateLimiter<SubKey>,
    writes: DefaultKeyedRateLimiter<SubKey>,
    clock: DefaultClock,
}

fn quota(per_second: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl Throttle {
    pub fn new(c: &ThrottleConfig) -> Self {
        Self {
            reads: governor::RateLimiter::keyed(quota(c.read_per_second, c.read_burst)),
            writes: governor::RateLimiter::keyed(quota(c.write_per_second, c.write_burst)),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` if allowed, else the number of seconds to wait. Subscriptions are keyed by
    /// their id's bits ([`crate::auth::sub_key`]): any spelling of one id is one bucket.
    pub fn check(&self, subscription: SubKey, write: bool) -> Result<(), u64> {
        let limiter = if write { &self.writes } else { &self.reads };
        limiter.check_key(&subscription).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forget idle keys (called periodically so the maps do not grow without bound).
    pub fn prune(&self) {
        self.reads.retain_recent();
        self.writes.retain_recent();
        self.reads.shrink_to_fit();
        self.writes.shrink_to_fit();
    }
}
