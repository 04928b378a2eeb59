//! The one route table of the management API, and the layers every request passes:
//! request id → authorisation → `x-ms-version` → throttling → (matched routes only) the
//! operation log. Paths arrive normalised by [`normalize_path`]: lower case, `//`
//! collapsed, no trailing `/` (ASM clients send all of these; names in ASM paths are
//! case-insensitive).

use crate::api;
use crate::auth::{Denied, Refusal};
use crate::error::ApiError;
use crate::identity::{Connection, RequestId};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

/// The management API: the routes of every `api` module, and the layers. Each mutating
/// method is declared beside its route with the ASM name of its operation
/// (`ops::named`); the operation log records it under that name.
pub fn api_router(state: AppState) -> Router {
    let st = &state;
    Router::new()
        .merge(api::routes(st))
        .fallback(not_found)
        .method_not_allowed_fallback(invalid_verb)
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource does not exist.")
}

async fn invalid_verb() -> ApiError {
    ApiError::invalid_verb()
}

/// Collapse `//`, drop a trailing `/`, lower-case. `/` stays `/`.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&seg.to_ascii_lowercase());
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Whether [`normalize_path`] would leave `path` as it is (what clients mostly send: the
/// check spares the hot path an allocation).
fn is_normalized(path: &str) -> bool {
    let b = path.as_bytes();
    b == b"/"
        || (b.first() == Some(&b'/')
            && b.last() != Some(&b'/')
            && !b.windows(2).any(|w| w == b"//")
            && !b.iter().any(u8::is_ascii_uppercase))
}

/// Rewrite the request URI to its normalised path (query kept as sent).
pub fn normalize_request<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let uri = req.uri();
    if is_normalized(uri.path()) {
        return req;
    }
    let path = normalize_path(uri.path());
    if path != uri.path() {
        let pq = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(u) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = u;
            }
        }
    }
    req
}

/// The layer in front of every route (one layer, not two: each layer costs every request
/// a boxed future): gives the request its id, puts `x-ms-request-id` on every answer, and
/// lets only admitted requests through ([`guard`]).
async fn front(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = match RequestId::generate() {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a request id");
            return ApiError::internal().into_response();
        }
    };
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", id = %id.0, method = %req.method(), path = %req.uri().path());
    let mut resp = tracing::Instrument::instrument(guard(&state, req, next), span).await;
    if let Ok(v) = HeaderValue::from_str(&id.0) {
        resp.headers_mut().insert("x-ms-request-id", v);
    }
    state.metrics.response(resp.status().as_u16());
    resp
}

/// Authorisation, version header, throttling: in that order, so an unauthorised caller
/// learns nothing (not even whether its version header was right).
async fn guard(state: &AppState, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let write = !matches!(parts.method, Method::GET | Method::HEAD);
    let subscription = match admit(state, &parts) {
        // Only the operation log of mutating requests reads it: reads (the hot path) skip
        // the allocation.
        Ok(s) => write.then(|| AuthorizedSubscription(s.to_string())),
        Err(e) => {
            // Let the client finish sending, so that it can read the answer.
            api::drain(body, api::DRAIN_LIMIT).await;
            return e.into_response();
        }
    };
    if let Some(s) = subscription {
        parts.extensions.insert(s);
    }
    // Admitted: read the whole body now (bounded), so that no handler can answer while the
    // client is still sending.
    let read = api::read_body(&parts.headers, body, state.config.body_limit);
    // A request body must arrive in time (a client trickling bytes cannot hold a
    // connection and a task forever).
    let within = state.config.connections.body;
    let bytes = match tokio::time::timeout(within, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return e.into_response(),
        Err(_) => {
            return ApiError::bad_request(format!(
                "The request body was not received within {} seconds.",
                within.as_secs()
            ))
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The subscription of the path, once the caller is authorised for it (set by the
/// authorisation layer for the layers and handlers after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedSubscription(pub String);

/// Authorisation, version header, throttling: the subscription of the path, once the
/// request may go on.
fn admit<'a>(state: &AppState, parts: &'a axum::http::request::Parts) -> Result<&'a str, ApiError> {
    let subscription = parts
        .uri
        .path()
        .split('/')
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let identity = parts
        .extensions
        .get::<Connection>()
        .and_then(|c| c.identity.clone());
    let refused = |why: Refusal| {
        use std::sync::atomic::Ordering::Relaxed;
        state.metrics.denied.fetch_add(1, Relaxed);
        state.metrics.refusals[why.index()].fetch_add(1, Relaxed);
        // For the owner: the caller learns nothing more than ForbiddenError.
        tracing::info!(
            reason = why.as_str(),
            thumbprint = identity.as_ref().map(|i| i.thumbprint.to_string()),
            subscription,
            "request refused"
        );
        // Kept for the subscription's administrators: a certificate on a subscription.
        if let (Some(i), Some(_)) = (&identity, crate::auth::sub_key(subscription)) {
            state.refusals.note(crate::auth::Refused {
                at: state.clock.now(),
                subscription: subscription.to_ascii_lowercase(),
                thumbprint: i.thumbprint,
                reason: why,
            });
        }
    };
    if subscription.is_empty() {
        refused(Refusal::UnknownSubscription);
        return Err(ApiError::forbidden());
    }
    if let Err(d) = state
        .auth
        .authorize(identity.as_deref(), subscription, state.clock.now())
    {
        match d {
            Denied::Forbidden(why) => refused(why),
            Denied::Disabled => refused(Refusal::SubscriptionDisabled),
            Denied::Unavailable => {
                state
                    .metrics
                    .denied
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        return Err(ApiError::from(d));
    }
    if !valid_version(parts.headers.get("x-ms-version")) {
        return Err(ApiError::missing_version());
    }
    let write = !matches!(parts.method, Method::GET | Method::HEAD);
    // Authorised: the subscription is a GUID.
    let key = crate::auth::sub_key(subscription).ok_or_else(ApiError::forbidden)?;
    if let Err(wait) = state.throttle.check(key, write) {
        state
            .metrics
            .throttled
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::throttled(wait));
    }
    Ok(subscription)
}

/// `YYYY-MM-DD` with a plausible date (the clients send 2012-03-01 … 2017-01-01).
pub fn valid_version(v: Option<&HeaderValue>) -> bool {
    let Some(s) = v.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let b = s.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(&b[r]).ok()?.parse().ok()
    };
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(2009..=2099), Some(1..=12), Some(1..=31))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_as_clients_need() {
        assert_eq!(
            normalize_path("/ABC//Services/WebSpaces//x/"),
            "/abc/services/webspaces/x"
        );
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("//"), "/");
        assert_eq!(normalize_path("/s/operations/"), "/s/operations");
        for p in [
            "/", "", "//", "/s", "/S", "/s/", "/s//x", "/a/b/c", "s/x", "/s/x?", "/%2F", "/a/B",
        ] {
            assert_eq!(is_normalized(p), normalize_path(p) == p, "{p}");
        }
    }

    #[test]
    fn versions() {
        let v = |s: &'static str| valid_version(Some(&HeaderValue::from_static(s)));
        assert!(v("2014-10-01") && v("2017-01-01") && v("2009-10-01"));
        assert!(!v("2014-13-01") && !v("1.0") && !v("") && !v("2014-10-1") && !v("yesterday"));
        assert!(!valid_version(None));
    }
}
