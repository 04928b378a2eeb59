//! Sign-in limits. Three guards, checked in this order before any password work:
//!
//! * a global budget of attempts per second (`signin_per_second`), so no number of client
//!   addresses can make the server verify more passwords than it can afford (and the
//!   hashing slots, `domain::Slots::hashes`, bound the Argon2 work and memory at once);
//! * attempts per client address per minute (`signin_per_address`; an IPv6 client by its
//!   /64, what one host or household gets);
//! * failures per (account, address): after `signin_failures` wrong passwords the pair
//!   waits a minute, doubling with each further failure up to 15 minutes; a success
//!   clears it. So a stranger guessing `admin`'s password from one address locks out
//!   that address, not the administrator signing in from another one.
//!
//! Password changes (signed in) are limited per account per minute, publish settings
//! downloads (each makes an RSA key) per account per hour. Every map forgets
//! idle keys, and the failure map is bounded, so memory stays bounded whatever the number
//! of addresses.

use crate::identity::address_key;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries the failure map may hold; past that, entries idle for the longest backoff go
/// first, then every entry that is not blocking, then the older half.
const MAX_FAILURE_ENTRIES: usize = 65_536;
/// The first wait once the free failures are used, and the longest.
const FIRST_WAIT: Duration = Duration::from_secs(60);
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// Why an attempt may not go ahead, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The server's budget of attempts per second is spent.
    Busy,
    /// This address made too many attempts in the last minute.
    Address,
    /// This account failed too often from this address: wait this many seconds.
    Backoff(u64),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

#[derive(Debug)]
pub struct SigninLimits {
    global: DefaultDirectRateLimiter,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    password_changes: DefaultKeyedRateLimiter<String>,
    downloads: DefaultKeyedRateLimiter<String>,
    free_failures: u32,
    failures: Mutex<HashMap<(String, IpAddr), Failures>>,
    pruned_at: Mutex<Instant>,
}

/// The key of an account name (as the database compares them, bounded in length).
fn account_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(128).collect()
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(n)
}

fn per_hour(n: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_hour(n).allow_burst(n)
}

/// The wait after the `count`-th failure (`free` failures cost nothing).
fn wait_after(count: u32, free: u32) -> Option<Duration> {
    let over = count.checked_sub(free.max(1))?;
    let factor = 1u32.checked_shl(over.min(10)).unwrap_or(u32::MAX);
    Some(FIRST_WAIT.saturating_mul(factor).min(LONGEST_WAIT))
}

impl SigninLimits {
    pub fn new(per_second: u32, per_address: u32, failures: u32) -> SigninLimits {
        let per_second = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        SigninLimits {
            global: governor::RateLimiter::direct(Quota::per_second(per_second)),
            by_address: governor::RateLimiter::keyed(per_minute(per_address)),
            password_changes: governor::RateLimiter::keyed(per_minute(failures)),
            downloads: governor::RateLimiter::keyed(per_hour(10)),
            free_failures: failures,
            failures: Mutex::new(HashMap::new()),
            pruned_at: Mutex::new(Instant::now()),
        }
    }

    /// Whether a sign-in attempt for `username` from `ip` may go ahead (counting it).
    pub fn check(&self, ip: Option<IpAddr>, username: &str) -> Result<(), Refused> {
        self.prune_now_and_then();
        if self.global.check().is_err() {
            return Err(Refused::Busy);
        }
        let Some(ip) = ip.map(address_key) else {
            return Ok(());
        };
        if self.by_address.check_key(&ip).is_err() {
            return Err(Refused::Address);
        }
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&(account_key(username), ip)) {
            Some(Failures {
                blocked_until: Some(until),
                ..
            }) if *until > now => Err(Refused::Backoff((*until - now).as_secs().max(1))),
            _ => Ok(()),
        }
    }

    /// Records a wrong password for `username` from `ip`.
    pub fn failed(&self, ip: Option<IpAddr>, username: &str) {
        let Some(ip) = ip.map(address_key) else {
            return;
        };
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_FAILURE_ENTRIES {
            map.retain(|_, f| now.duration_since(f.last) < LONGEST_WAIT);
            if map.len() >= MAX_FAILURE_ENTRIES {
                map.retain(|_, f| f.blocked_until.is_some_and(|u| u > now));
            }
            if map.len() >= MAX_FAILURE_ENTRIES {
                // A flood of distinct addresses: keep the newer half.
                let mut lasts: Vec<Instant> = map.values().map(|f| f.last).collect();
                let (_, median, _) = lasts.select_nth_unstable(MAX_FAILURE_ENTRIES / 2);
                let median = *median;
                map.retain(|_, f| f.last > median);
            }
        }
        let f = map.entry((account_key(username), ip)).or_insert(Failures {
            count: 0,
            last: now,
            blocked_until: None,
        });
        f.count = f.count.saturating_add(1);
        f.last = now;
        f.blocked_until = wait_after(f.count, self.free_failures).map(|w| now + w);
    }

    /// A correct password for `username` from `ip`: its failures are forgotten.
    pub fn succeeded(&self, ip: Option<IpAddr>, username: &str) {
        if let Some(ip) = ip.map(address_key) {
            let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            map.remove(&(account_key(username), ip));
        }
    }

    /// Publish settings downloads per user per hour (a burst of `n`).
    pub fn with_downloads_per_hour(mut self, n: u32) -> Self {
        self.downloads = governor::RateLimiter::keyed(per_hour(n));
        self
    }

    /// Whether the signed-in `username` may download publish settings (counting it).
    pub fn download_allowed(&self, username: &str) -> bool {
        self.downloads.check_key(&account_key(username)).is_ok()
    }

    /// Whether a password change by the signed-in `username` may go ahead.
    pub fn password_change_allowed(&self, username: &str) -> bool {
        self.password_changes
            .check_key(&account_key(username))
            .is_ok()
    }

    /// Forget idle keys about once a minute.
    fn prune_now_and_then(&self) {
        let Ok(mut at) = self.pruned_at.lock() else {
            return;
        };
        if at.elapsed() < Duration::from_secs(60) {
            return;
        }
        *at = Instant::now();
        drop(at);
        self.by_address.retain_recent();
        self.password_changes.retain_recent();
        self.downloads.retain_recent();
        self.by_address.shrink_to_fit();
        self.password_changes.shrink_to_fit();
        self.downloads.shrink_to_fit();
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, f| now.duration_since(f.last) < LONGEST_WAIT);
        map.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_fifteen_minutes() {
        assert_eq!(wait_after(4, 5), None);
        assert_eq!(wait_after(5, 5), Some(Duration::from_secs(60)));
        assert_eq!(wait_after(6, 5), Some(Duration::from_secs(120)));
        assert_eq!(wait_after(8, 5), Some(Duration::from_secs(480)));
        assert_eq!(wait_after(9, 5), Some(LONGEST_WAIT));
        assert_eq!(wait_after(u32::MAX, 5), Some(LONGEST_WAIT));
    }

    #[test]
    fn failures_block_the_account_from_that_address_only() {
        let l = SigninLimits::new(1000, 1000, 3);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(l.check(Some(a), "admin"), Ok(()));
            l.failed(Some(a), "admin");
        }
        assert!(matches!(l.check(Some(a), "ADMIN"), Err(Refused::Backoff(s)) if s > 50));
        assert_eq!(l.check(Some(b), "admin"), Ok(()), "another address");
        assert_eq!(l.check(Some(a), "erin"), Ok(()), "another account");
        l.succeeded(Some(a), "admin");
        assert_eq!(l.check(Some(a), "admin"), Ok(()), "a success clears it");
        // IPv6 addresses of one /64 are one client.
        let (c, d): (IpAddr, IpAddr) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        for _ in 0..3 {
            l.failed(Some(c), "admin");
        }
        assert!(matches!(
            l.check(Some(d), "admin"),
            Err(Refused::Backoff(_))
        ));
    }

    #[test]
    fn the_global_and_address_budgets_refuse_at_once() {
        let l = SigninLimits::new(2, 1000, 5);
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        assert_eq!(l.check(Some(ip), "a"), Ok(()));
        assert_eq!(l.check(None, "b"), Ok(()));
        assert_eq!(l.check(Some(ip), "c"), Err(Refused::Busy));
        let l = SigninLimits::new(1000, 2, 5);
        assert_eq!(l.check(Some(ip), "a"), Ok(()));
        assert_eq!(l.check(Some(ip), "b"), Ok(()));
        assert_eq!(l.check(Some(ip), "c"), Err(Refused::Address));
    }

    #[test]
    fn the_failure_map_is_bounded() {
        let l = SigninLimits::new(u32::MAX, u32::MAX, 1);
        for i in 0..(MAX_FAILURE_ENTRIES as u32 + 10) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(i));
            l.failed(Some(ip), "x");
        }
        let n = l.failures.lock().unwrap().len();
        assert!(n <= MAX_FAILURE_ENTRIES, "{n}");
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        let l = SigninLimits::new(100, 2, 5);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(l.check(Some(a), "u1"), Ok(()));
        assert_eq!(l.check(Some(b), "u2"), Ok(()));
        assert_eq!(
            l.check(Some(a), "u3"),
            Err(Refused::Address),
            "the same /64"
        );
        assert_eq!(l.check(Some(other), "u4"), Ok(()));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), v4);
        assert_eq!(account_key(" Erin "), "erin");
        assert_eq!(account_key(&"x".repeat(1000)).len(), 128);
    }
}
