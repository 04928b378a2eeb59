//! Sign-in, sign-out and password change.

use super::form::{Posted, pairs};
use super::html::{self, csrf_field};
use super::session::{
    self, SESSION_COOKIE, SIGNIN_COOKIE, SignedIn, SignedPost, check_post, clear_cookie, cookie,
    set_cookie,
};
use super::signin_limits::Refused;
use super::{Portal, PortalError};
use crate::domain::{Ctx, DomainError, accounts};
use crate::identity::Connection;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::sync::OnceLock;

/// Where to go after signing in: a local path only (no `//host`, no backslashes).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && !n.starts_with("/signin")
                && !n.starts_with("/signout") =>
        {
            n.to_string()
        }
        _ => "/subscriptions".to_string(),
    }
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// A hash of a random password, so that an unknown username costs the same Argon2 work
/// as a known one (no user enumeration by timing).
fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let pw = accounts::generate_password()
                .map(|p| p.to_string())
                .unwrap_or_else(|_| "azmc-dummy-password".into());
            accounts::hash_password(&pw).unwrap_or_default()
        })
        .clone()
}

fn signin_form(token: &str, next: &str, username: &str, error: Option<&str>) -> maud::Markup {
    html! {
        h1 { "Sign in" }
        @if let Some(e) = error { p class="error" role="alert" { (e) } }
        form method="post" action="/signin" {
            (csrf_field(token))
            input type="hidden" name="next" value=(next);
            label for="username" { "Username" }
            input type="text" id="username" name="username" autocomplete="username" required value=(username);
            label for="password" { "Password" }
            input type="password" id="password" name="password" autocomplete="current-password" required;
            p { button type="submit" { "Sign in" } }
        }
    }
}

/// The sign-in form, with a fresh double-submit CSRF cookie.
fn signin_response(
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, PortalError> {
    let token = session::new_token()?;
    let body = html::page(
        "Sign in",
        None,
        html::Nav::SignIn,
        signin_form(&token, next, username, error),
    );
    let mut r = (status, body).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, &token));
    Ok(r)
}

pub async fn signin_page(uri: Uri) -> Result<Response, PortalError> {
    let q = pairs(uri.query().unwrap_or_default().as_bytes());
    let next = safe_next(q.iter().find(|(k, _)| k == "next").map(|(_, v)| v.as_str()));
    signin_response(StatusCode::OK, &next, "", None)
}

pub async fn signin(
    State(portal): State<Portal>,
    conn: Option<Extension<Connection>>,
    headers: HeaderMap,
    uri: Uri,
    form: Posted,
) -> Result<Response, PortalError> {
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    check_post(&headers, &uri, &expected, form.get("csrf"))?;
    let ip = conn.map(|c| c.peer.ip());
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let password = zeroize::Zeroizing::new(form.get("password").unwrap_or_default().to_string());
    let next = safe_next(form.get("next"));
    if let Err(why) = portal.signin_check(ip, &username) {
        tracing::warn!(user = ?username, ip = ?ip, refused = ?why, "portal sign-in refused");
        return Err(match why {
            Refused::Busy => PortalError::TooManyRequests {
                message: "The server is busy. Try again in a few seconds.".into(),
                retry_after: 1,
            },
            Refused::Address => PortalError::TooManyRequests {
                message: "Too many sign-in attempts from this address. Wait a minute and try again.".into(),
                retry_after: 60,
            },
            Refused::Backoff(seconds) => PortalError::TooManyRequests {
                message: "Too many wrong passwords for this account from this address. Wait and try again.".into(),
                retry_after: seconds,
            },
        });
    }
    let ctx = Ctx::of(&portal.app);
    let account = match accounts::get(&ctx, &username).await {
        Ok(a) => Some(a),
        Err(DomainError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(dummy_hash);
    let ok = accounts::verify_password(&ctx, hash, password).await? && account.is_some();
    portal.signin_outcome(ip, &username, ok);
    let Some(account) = account.filter(|_| ok) else {
        tracing::warn!(user = ?username, ip = ?ip, "portal sign-in failed");
        return signin_response(
            StatusCode::UNAUTHORIZED,
            &next,
            &username,
            Some("The username or password is incorrect."),
        );
    };
    let token = session::new_token()?;
    let now = portal.app.clock.now();
    let absolute = time::Duration::try_from(portal.app.config.portal.session_absolute)
        .unwrap_or(time::Duration::hours(12));
    portal
        .app
        .db
        .create_session(
            &session::token_hash(&token),
            &account.username,
            now,
            now + absolute,
        )
        .await
        .map_err(PortalError::db)?;
    tracing::info!(user = ?account.username, ip = ?ip, "portal sign-in");
    let mut r = see_other(&next);
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token));
    r.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(SIGNIN_COOKIE));
    Ok(r)
}

pub async fn signout(
    State(portal): State<Portal>,
    SignedPost { user, .. }: SignedPost,
) -> Result<Response, PortalError> {
    portal
        .app
        .db
        .delete_session(&user.token_hash)
        .await
        .map_err(PortalError::db)?;
    tracing::info!(user = ?user.username, "portal sign-out");
    let mut r = see_other("/signin");
    // The session ends, and with it what this browser remembered for it.
    for name in [
        SESSION_COOKIE,
        session::ISSUED_COOKIE,
        session::FLASH_COOKIE,
    ] {
        r.headers_mut()
            .append(header::SET_COOKIE, clear_cookie(name));
    }
    Ok(r)
}

/// The field of the password form an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Current,
    New,
    Confirm,
}

fn password_field(
    id: &str,
    label: &str,
    autocomplete: &str,
    min: bool,
    error: Option<&str>,
) -> maud::Markup {
    let err_id = format!("{id}-error");
    // The new password's field is described by the rules, and by its error if any.
    let described = match (error.is_some(), id == "new") {
        (true, true) => Some(format!("{err_id} new-hint")),
        (true, false) => Some(err_id.clone()),
        (false, true) => Some("new-hint".to_string()),
        (false, false) => None,
    };
    html! {
        div class="field" {
            label for=(id) { (label) }
            @if let Some(e) = error {
                p id=(err_id) class="field-error" { (e) }
            }
            input type="password" id=(id) name=(id) autocomplete=(autocomplete) required
                minlength=[min.then_some("12")]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[described];
        }
    }
}

fn password_form(user: &SignedIn, error: Option<(Field, &str)>, done: bool) -> maud::Markup {
    let at = |f: Field| error.filter(|(g, _)| *g == f).map(|(_, m)| m);
    html! {
        h1 { "Change password" }
        @if done { p class="notice" role="status" { "Your password was changed. Your other sessions were signed out." } }
        @if error.is_some() { p class="error" role="alert" { "The password was not changed: see the message at the field. For safety, the fields are empty again." } }
        form method="post" action="/account/password" {
            (csrf_field(&user.csrf))
            (password_field("current", "Current password", "current-password", false, at(Field::Current)))
            (password_field("new", "New password", "new-password", true, at(Field::New)))
            p class="hint" id="new-hint" { "At least 12 characters. A few unrelated words make a strong password that is easy to remember; common passwords, repeats (aaaa) and sequences (1234, qwerty) are refused." }
            (password_field("confirm", "New password again", "new-password", true, at(Field::Confirm)))
            p { button type="submit" { "Change password" } }
        }
    }
}

pub async fn password_page(user: SignedIn) -> impl IntoResponse {
    html::page(
        "Change password",
        Some(&user),
        html::Nav::Password,
        password_form(&user, None, false),
    )
}

pub async fn change_password(
    State(portal): State<Portal>,
    SignedPost { user, form }: SignedPost,
) -> Result<Response, PortalError> {
    let refuse = |status: StatusCode, field: Field, msg: &str| {
        (
            status,
            html::page(
                "Change password",
                Some(&user),
                html::Nav::Password,
                password_form(&user, Some((field, msg)), false),
            ),
        )
            .into_response()
    };
    let current = zeroize::Zeroizing::new(form.get("current").unwrap_or_default().to_string());
    let new = zeroize::Zeroizing::new(form.get("new").unwrap_or_default().to_string());
    if new.as_str() != form.get("confirm").unwrap_or_default() {
        return Ok(refuse(
            StatusCode::BAD_REQUEST,
            Field::Confirm,
            "The two new passwords differ.",
        ));
    }
    if accounts::check_password(&new).is_err() {
        return Ok(refuse(
            StatusCode::BAD_REQUEST,
            Field::New,
            "The new password must have at least 12 characters.",
        ));
    }
    let bits = super::password::estimate(&new, &user.username);
    if bits < super::password::MIN_BITS {
        let msg = format!(
            "This password is {}: estimated strength about {bits} bits, at least {} needed. Avoid common passwords, your username, repeats and sequences; a few unrelated words work well.",
            super::password::words(bits),
            super::password::MIN_BITS
        );
        return Ok(refuse(StatusCode::BAD_REQUEST, Field::New, &msg));
    }
    if !portal.password_attempt_allowed(&user.username) {
        return Err(PortalError::TooManyRequests {
            message: "Too many password attempts for this account. Wait a minute and try again."
                .into(),
            retry_after: 60,
        });
    }
    let ctx = Ctx::of(&portal.app);
    let account = accounts::get(&ctx, &user.username).await?;
    if !accounts::verify_password(&ctx, account.password_hash, current).await? {
        tracing::warn!(user = ?user.username, "portal password change: wrong current password");
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            Field::Current,
            "The current password is incorrect.",
        ));
    }
    // Rotate this session (a copy of its cookie taken before the change must not outlive
    // it; the absolute expiry stays): the new one is kept, every other one ends.
    let token = session::new_token()?;
    let token_hash = session::token_hash(&token);
    portal
        .app
        .db
        .create_session(&token_hash, &user.username, ctx.now, user.expires_at)
        .await
        .map_err(PortalError::db)?;
    let ended = accounts::set_password(&ctx, &user.username, new, Some(&token_hash)).await?;
    tracing::info!(user = ?user.username, other_sessions_ended = ended.saturating_sub(1), "portal password changed");
    let user = SignedIn {
        csrf: session::csrf_of(&token),
        token_hash,
        ..user
    };
    let mut r = html::page(
        "Change password",
        Some(&user),
        html::Nav::Password,
        password_form(&user, None, true),
    )
    .into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token));
    Ok(r)
}
