//! The portal: where people sign in with the accounts `azmc admin account` creates,
//! manage the management certificates of the subscriptions they administer or
//! co-administer, download publish settings, and look at resources and the operation log.
//!
//! Server-rendered HTML ([maud](https://maud.lambda.xyz), compiled in), plain forms, no
//! JavaScript. Served on the portal listener (HTTPS with the server certificate, no
//! client certificate) next to `/healthz` and `/metrics`.
//!
//! Security model, in one place:
//! * sessions ([`session`]): a random 256-bit token in the `__Host-azmc_session` cookie
//!   (`Secure; HttpOnly; SameSite=Strict; Path=/`); the database keeps only its SHA-256;
//!   idle and absolute expiry from the injected clock; sign-out deletes the row; a
//!   password change ends the user's other sessions;
//! * CSRF: every form carries a token derived from the session token (sign-in: a
//!   double-submit cookie), compared in constant time on every POST; a POST whose
//!   `Origin` is not this site is refused;
//! * sign-in attempts are rate limited per account and per client address, and an
//!   unknown user costs the same Argon2 work as a known one;
//! * access control ([`access`]): every page and action checks the user's role on the
//!   subscription concerned; a subscription the user has no role on is "not found";
//! * every change is recorded in the operation log with the portal user;
//! * headers: a strict CSP (no inline script or style), `X-Frame-Options: DENY`,
//!   `Referrer-Policy: no-referrer`, `Cache-Control: no-store` on pages.
//!
//! Boundary: handlers call the same database verbs and bookkeeping as the API (links,
//! limits, the authorisation index reload); nothing here talks to rustls.

mod access;
mod account;
mod certificates;
mod error;
mod form;
mod html;
mod operations;
mod oplog;
mod publish;
mod resources;
mod session;
mod subscriptions;

pub use error::PortalError;

use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub use crate::config::PortalConfig;

/// What the portal's handlers share: the server state, the API URL (for publish
/// settings) and the sign-in rate limiters.
#[derive(Debug, Clone)]
pub struct Portal(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub app: AppState,
    pub api_url: String,
    limits: SigninLimits,
}

/// The sign-in (and password-change) rate limiters, keyed by account (lower case) and by
/// client address (an IPv6 client by its /64, what one host or household gets; an
/// IPv4-mapped address as IPv4). The address is checked first and a refused attempt
/// never reaches the account limiter, so one address cannot fill it with made-up
/// usernames; idle keys are forgotten at most a minute after they are no longer limited,
/// so the maps hold only the keys of the last minutes.
#[derive(Debug)]
struct SigninLimits {
    by_account: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    pruned_at: Mutex<Instant>,
}

/// The key of a client address: IPv4 as is, IPv6 by its /64.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The key of an account name (as the database compares them, bounded in length).
fn account_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(128).collect()
}

impl SigninLimits {
    fn new(per_account: u32, per_address: u32) -> SigninLimits {
        SigninLimits {
            by_account: governor::RateLimiter::keyed(per_minute(per_account)),
            by_address: governor::RateLimiter::keyed(per_minute(per_address)),
            pruned_at: Mutex::new(Instant::now()),
        }
    }

    /// Whether a sign-in attempt for `username` from `ip` may go ahead (and count it).
    fn allow(&self, ip: Option<IpAddr>, username: &str) -> bool {
        self.prune_now_and_then();
        if let Some(ip) = ip
            && self.by_address.check_key(&address_key(ip)).is_err()
        {
            return false;
        }
        self.allow_account(username)
    }

    /// Whether a password attempt on `username` (signed in) may go ahead.
    fn allow_account(&self, username: &str) -> bool {
        self.by_account.check_key(&account_key(username)).is_ok()
    }

    fn prune_now_and_then(&self) {
        let Ok(mut at) = self.pruned_at.lock() else {
            return;
        };
        if at.elapsed() >= Duration::from_secs(60) {
            *at = Instant::now();
            drop(at);
            self.by_account.retain_recent();
            self.by_address.retain_recent();
            self.by_account.shrink_to_fit();
            self.by_address.shrink_to_fit();
        }
    }
}

impl Inner {
    /// See [`SigninLimits::allow`].
    pub fn signin_allowed(&self, ip: Option<IpAddr>, username: &str) -> bool {
        self.limits.allow(ip, username)
    }

    /// See [`SigninLimits::allow_account`].
    pub fn password_attempt_allowed(&self, username: &str) -> bool {
        self.limits.allow_account(username)
    }
}

impl std::ops::Deref for Portal {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(n)
}

impl Portal {
    pub fn new(app: AppState, api_url: String) -> Portal {
        let c = &app.config.portal;
        let limits = SigninLimits::new(c.signin_per_account, c.signin_per_address);
        Portal(Arc::new(Inner {
            app,
            api_url,
            limits,
        }))
    }
}

/// The portal's routes (health and metrics are added by `serve.rs`).
pub fn router(portal: Portal) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/subscriptions") }))
        .route("/signin", get(account::signin_page).post(account::signin))
        .route("/signout", post(account::signout))
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route("/subscriptions", get(subscriptions::list))
        .route("/subscriptions/{id}", get(subscriptions::detail))
        .route(
            "/subscriptions/{id}/coadmins",
            post(subscriptions::add_coadmin),
        )
        .route(
            "/subscriptions/{id}/coadmins/remove",
            post(subscriptions::remove_coadmin),
        )
        .route("/certificates", get(certificates::list))
        .route(
            "/certificates/upload",
            get(certificates::upload_page).post(certificates::upload),
        )
        .route(
            "/certificates/{thumbprint}/delete",
            get(certificates::delete_page).post(certificates::delete),
        )
        .route(
            "/publishsettings",
            get(publish::page).post(publish::download),
        )
        .route(
            "/publishsettings/index",
            get(|| async { Redirect::to("/publishsettings") }),
        )
        .route("/resources", get(resources::page))
        .route("/operations", get(operations::page))
        .route("/static/portal.css", get(html::stylesheet))
        .fallback(|| async { PortalError::NotFound })
        .layer(middleware::from_fn(security_headers))
        .with_state(portal)
}

/// Headers on every portal answer.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if is_static {
        set(h, header::CACHE_CONTROL, "public, max-age=3600");
    } else {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}

/// Background work of the portal: delete expired sessions every 30 s.
pub async fn background(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30)) => false,
            _ = stop.changed() => true,
        };
        if stopping {
            return;
        }
        let now = state.clock.now();
        let idle = time::Duration::try_from(state.config.portal.session_idle)
            .unwrap_or(time::Duration::ZERO);
        if let Err(e) = state.db.delete_expired_sessions(now, now - idle).await {
            tracing::error!(error = %e, "cannot delete expired portal sessions");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        let l = SigninLimits::new(100, 2);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.allow(Some(a), "u1"));
        assert!(l.allow(Some(b), "u2"));
        assert!(!l.allow(Some(a), "u3"), "a third attempt from the same /64");
        assert!(l.allow(Some(other), "u4"));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), v4);
    }

    #[test]
    fn attempts_refused_by_address_leave_no_account_keys() {
        let l = SigninLimits::new(5, 3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..1000 {
            l.allow(Some(ip), &format!("made-up-user-{i}"));
        }
        assert_eq!(
            l.by_account.len(),
            3,
            "only the attempts the address allowed"
        );
        assert_eq!(l.by_address.len(), 1);
        assert_eq!(account_key(" Erin "), "erin");
        assert_eq!(account_key(&"x".repeat(1000)).len(), 128);
    }
}
