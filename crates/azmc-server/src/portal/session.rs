//! Sessions, cookies, CSRF tokens and the same-origin check.
//!
//! The session cookie holds a random 256-bit token (base64url). The database keeps only
//! its SHA-256 (hex), so neither a copy of the database nor the logs can sign anyone in.
//! The CSRF token of a session is derived from the token (SHA-256 under a domain
//! separator): nothing more to store, different from the stored hash, and unknown to
//! anyone who does not hold the cookie.

use super::form::Posted;
use super::{Portal, PortalError};
use crate::identity::Connection;
use aws_lc_rs::digest::{SHA256, digest};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::net::IpAddr;

/// The session cookie (`__Host-`: Secure, Path=/, no Domain, enforced by browsers).
pub const SESSION_COOKIE: &str = "__Host-azmc_session";
/// The sign-in form's double-submit CSRF cookie.
pub const SIGNIN_COOKIE: &str = "__Host-azmc_signin";
/// A message for the next page, saying what an action changed (set by this server only:
/// a link cannot put words in the portal's mouth); cleared by the page that shows it.
pub const FLASH_COOKIE: &str = "__Host-azmc_flash";
/// The thumbprint of the latest publish settings certificate made in this browser, so
/// the publish settings page can show it (not secret; readable by the page's script,
/// which reloads the page once it changes).
pub const ISSUED_COOKIE: &str = "__Host-azmc_issued";
/// The longest flash message kept.
const FLASH_MAX: usize = 600;

/// A signed-in user, extracted from the session cookie of the request.
#[derive(Clone)]
pub struct SignedIn {
    /// The account's username as stored.
    pub username: String,
    pub token_hash: String,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    pub ip: Option<IpAddr>,
    /// The session's absolute expiry (kept when the session is rotated).
    pub expires_at: time::OffsetDateTime,
    /// The message the previous action left for this page ([`FLASH_COOKIE`]).
    pub flash: Option<String>,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("username", &self.username)
            .field("ip", &self.ip)
            .finish_non_exhaustive()
    }
}

/// A fresh random token: 32 bytes, base64url without padding.
pub fn new_token() -> Result<String, PortalError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| PortalError::internal("no randomness", e))?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// 64 lower-case hex digits of SHA-256(token): what the database stores.
pub fn token_hash(token: &str) -> String {
    digest(&SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The CSRF token of the session whose cookie token is `token`.
pub fn csrf_of(token: &str) -> String {
    let mut input = b"azmc-portal-csrf\0".to_vec();
    input.extend_from_slice(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest(&SHA256, &input).as_ref())
}

/// Constant-time comparison of a submitted token with the expected one.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty()
        && aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), given.as_bytes())
            .is_ok()
}

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// `Set-Cookie` for a session-lifetime cookie with every protective attribute.
pub fn set_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A redirect to `to` (303) that leaves `message` for the next page.
pub fn redirect_with_flash(to: &str, message: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut cut = message.len().min(FLASH_MAX);
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    let encoded: String = form_urlencoded::byte_serialize(&message.as_bytes()[..cut]).collect();
    let mut r = axum::response::Redirect::to(to).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, &encoded));
    r
}

/// The flash message of a request, if it has one.
pub fn flash_of(headers: &HeaderMap) -> Option<String> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let text: String = form_urlencoded::parse(format!("m={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(FLASH_MAX)
        .collect();
    (!text.trim().is_empty()).then_some(text)
}

/// `Set-Cookie` for [`ISSUED_COOKIE`]: a day long, readable by the page's script.
pub fn issued_cookie(thumbprint: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{ISSUED_COOKIE}={thumbprint}; Path=/; Secure; SameSite=Strict; Max-Age=86400"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that deletes cookie `name`.
pub fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether the request comes from this site, as far as the browser tells: a
/// `Sec-Fetch-Site` other than `same-origin`/`none` is refused; an `Origin` must be this
/// site, except `Origin: null`, which browsers send under `Referrer-Policy: no-referrer`
/// and which passes only with `Sec-Fetch-Site: same-origin`. Without either header (not
/// a browser) the CSRF token decides.
pub fn same_origin(headers: &HeaderMap, uri: &axum::http::Uri) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if fetch_site
        .as_deref()
        .is_some_and(|s| s != "same-origin" && s != "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true; // not a browser, or a browser that sends no Origin: the token decides
    };
    if origin.as_bytes() == b"null" {
        return fetch_site.as_deref() == Some("same-origin");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()));
    match (origin.to_str(), host) {
        (Ok(o), Some(h)) => o.eq_ignore_ascii_case(&format!("https://{h}")),
        _ => false,
    }
}

/// The checks of every POST: same origin, and the form's CSRF token.
pub fn check_post(
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    expected: &str,
    given: Option<&str>,
) -> Result<(), PortalError> {
    if !same_origin(headers, uri) {
        return Err(PortalError::Forbidden(
            "This form was sent from another site.".into(),
        ));
    }
    if !tokens_match(expected, given.unwrap_or_default()) {
        return Err(PortalError::Forbidden(
            "The form has expired or was not sent by this portal. Reload the page and try again."
                .into(),
        ));
    }
    Ok(())
}

/// A signed-in user's POST: the user and the form, already checked by [`check_post`]
/// (same origin, the session's CSRF token). Every signed-in POST handler takes one, so
/// no handler can forget the check.
#[derive(Debug)]
pub struct SignedPost {
    pub user: SignedIn,
    pub form: Posted,
}

impl FromRequest<Portal> for SignedPost {
    type Rejection = PortalError;

    async fn from_request(req: Request, portal: &Portal) -> Result<Self, PortalError> {
        let (mut parts, body) = req.into_parts();
        let user = SignedIn::from_request_parts(&mut parts, portal).await?;
        let (headers, uri) = (parts.headers.clone(), parts.uri.clone());
        let form = Posted::from_request(Request::from_parts(parts, body), portal).await?;
        check_post(&headers, &uri, &user.csrf, form.get("csrf"))?;
        Ok(SignedPost { user, form })
    }
}

/// The client's address (from the connection).
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<Connection>().map(|c| c.peer.ip())
}

/// Where to come back to after signing in: the page asked for (GET only).
fn next_of(parts: &Parts) -> String {
    if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/subscriptions".into()
    }
}

impl FromRequestParts<Portal> for SignedIn {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, PortalError> {
        let required = || PortalError::SignInRequired {
            next: next_of(parts),
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(required());
        };
        let hash = token_hash(&token);
        let db = &portal.app.db;
        let Some(session) = db.get_session(&hash).await.map_err(PortalError::db)? else {
            return Err(required());
        };
        let now = portal.app.clock.now();
        let c = &portal.app.config.portal;
        let idle = time::Duration::try_from(c.session_idle).unwrap_or(time::Duration::ZERO);
        if now >= session.expires_at || now - session.last_seen_at > idle {
            db.delete_session(&hash).await.map_err(PortalError::db)?;
            return Err(required());
        }
        if now - session.last_seen_at >= time::Duration::minutes(1) {
            db.touch_session(&hash, now)
                .await
                .map_err(PortalError::db)?;
        }
        Ok(SignedIn {
            username: session.username,
            token_hash: hash,
            csrf: csrf_of(&token),
            ip: client_ip(parts),
            expires_at: session.expires_at,
            flash: flash_of(&parts.headers),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_hashes_and_csrf_are_distinct_and_stable() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_token().unwrap());
        let h = token_hash(&t);
        assert_eq!(h.len(), 64);
        assert_eq!(h, token_hash(&t));
        assert_eq!(csrf_of(&t), csrf_of(&t));
        assert_ne!(csrf_of(&t), csrf_of(&new_token().unwrap()));
        assert!(tokens_match(&csrf_of(&t), &csrf_of(&t)));
        assert!(!tokens_match(&csrf_of(&t), ""));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-azmc_session=tok; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn flash_messages_survive_the_cookie() {
        let m = "Certificate CN=Zoë; ünïcödé (0123ABCD) deleted from Alpha One, Alpha Two.";
        let r = redirect_with_flash("/certificates", m);
        let set = r
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(set.starts_with("__Host-azmc_flash=") && set.contains("HttpOnly"));
        let value = set.split(';').next().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(value).unwrap());
        assert_eq!(flash_of(&h).as_deref(), Some(m));
        let long = "é".repeat(1000);
        let r = redirect_with_flash("/x", &long);
        let set = r
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(set.split(';').next().unwrap()).unwrap(),
        );
        assert_eq!(flash_of(&h).unwrap().chars().count(), 300);
    }

    #[test]
    fn origins() {
        let uri: axum::http::Uri = "/x".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9080"));
        assert!(same_origin(&h, &uri));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://127.0.0.1:9080"),
        );
        assert!(same_origin(&h, &uri));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, &uri));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h, &uri));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(
            same_origin(&h, &uri),
            "no-referrer pages post with Origin: null"
        );
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, &uri));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://127.0.0.1:9080"),
        );
        assert!(!same_origin(&h, &uri));
    }
}
