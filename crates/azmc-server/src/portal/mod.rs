//! The portal: where people sign in with the accounts `azmc admin account` creates,
//! manage the management certificates of the subscriptions they administer or
//! co-administer, download publish settings, and look at resources and the operation log.
//!
//! Server-rendered HTML ([maud](https://maud.lambda.xyz), compiled in), plain forms;
//! one same-origin script adds conveniences (copy buttons) and nothing depends on it. Served on the portal listener (HTTPS with the server certificate, no
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
//! * sign-in attempts are limited globally per second, per client address, and per
//!   (account, address) failures with backoff ([`signin_limits`]); password checks run in
//!   a bounded number of hashing slots; an unknown user costs the same Argon2 work as a
//!   known one;
//! * access control ([`access`]): every page and action checks the user's role on the
//!   subscription concerned; a subscription the user has no role on is "not found";
//! * every change is recorded in the operation log with the portal user;
//! * headers: a strict CSP (no inline script or style; the one script is
//!   `/static/portal.js`, same origin), `X-Frame-Options: DENY`,
//!   `Referrer-Policy: no-referrer`, `Cache-Control: no-store` on pages;
//! * messages after an action travel in the `__Host-azmc_flash` cookie, set by this server
//!   only (a crafted link cannot make the portal say something) and cleared by the page
//!   that shows them; `__Host-azmc_issued` holds the thumbprint (public) of the latest
//!   publish settings certificate, looked up among the user's subscriptions like any other.
//!
//! Boundary: handlers call the same domain operations as the API (links, limits, the
//! authorisation index reload); nothing here talks to rustls.

mod access;
mod account;
mod certificates;
mod error;
mod form;
mod html;
mod operations;
mod oplog;
mod password;
mod publish;
mod resources;
mod session;
mod signin_limits;
mod subscriptions;
mod trust;

pub use error::PortalError;

use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use signin_limits::{Refused, SigninLimits};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
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

impl Inner {
    /// Whether a sign-in attempt may go ahead (see [`signin_limits`]).
    pub fn signin_check(&self, ip: Option<IpAddr>, username: &str) -> Result<(), Refused> {
        self.limits.check(ip, username)
    }

    /// Records the outcome of a sign-in attempt that went ahead.
    pub fn signin_outcome(&self, ip: Option<IpAddr>, username: &str, ok: bool) {
        if ok {
            self.limits.succeeded(ip, username);
        } else {
            self.limits.failed(ip, username);
        }
    }

    /// Whether a password change by the signed-in `username` may go ahead.
    pub fn password_attempt_allowed(&self, username: &str) -> bool {
        self.limits.password_change_allowed(username)
    }

    /// Whether `username` may download publish settings now (counting it).
    pub fn download_allowed(&self, username: &str) -> bool {
        self.limits.download_allowed(username)
    }
}

impl std::ops::Deref for Portal {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Portal {
    pub fn new(app: AppState, api_url: String) -> Portal {
        let c = &app.config.portal;
        let limits =
            SigninLimits::new(c.signin_per_second, c.signin_per_address, c.signin_failures)
                .with_downloads_per_hour(c.publish_per_hour);
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
            get(subscriptions::remove_coadmin_page).post(subscriptions::remove_coadmin),
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
            "/certificates/{thumbprint}/disable",
            post(certificates::disable),
        )
        .route(
            "/certificates/{thumbprint}/enable",
            post(certificates::enable),
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
        .route("/resources/restore", post(resources::restore))
        .route("/operations", get(operations::page))
        .route("/static/portal.css", get(html::stylesheet))
        .route("/static/portal.js", get(html::script))
        .route("/ca", get(trust::page))
        .route("/ca.pem", get(trust::ca_pem))
        .fallback(|| async { PortalError::NotFound })
        .layer(middleware::from_fn_with_state(
            portal.clone(),
            error::with_navigation,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(portal)
}

/// Headers on every portal answer.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let had_flash = session::cookie(req.headers(), session::FLASH_COOKIE).is_some();
    let mut resp = next.run(req).await;
    // A page shown (not a redirect) has shown the flash message: it is not shown twice.
    if had_flash && !resp.status().is_redirection() && !is_static {
        resp.headers_mut().append(
            header::SET_COOKIE,
            session::clear_cookie(session::FLASH_COOKIE),
        );
    }
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
