//! Thin handlers: extract, call the domain (`crate::domain`), map the result.

pub mod affinity_groups;
pub mod catalogues;
pub mod certificates;
pub mod deployments;
pub mod disks;
pub mod hosted_services;
pub mod images;
pub mod locations;
pub mod networks;
pub mod operations;
pub mod reserved_ips;
pub mod service_certificates;
pub mod sql_databases;
pub mod sql_servers;
pub mod storage_accounts;
pub mod subscription;
pub mod validate;
pub mod vms;
pub mod websites;

use crate::error::ApiError;
use crate::identity::RequestId;
use crate::state::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The routes of every resource family (each module declares its own).
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .merge(subscription::routes(st))
        .merge(certificates::routes(st))
        .merge(locations::routes(st))
        .merge(affinity_groups::routes(st))
        .merge(storage_accounts::routes(st))
        .merge(reserved_ips::routes(st))
        .merge(hosted_services::routes(st))
        .merge(deployments::routes(st))
        .merge(vms::routes(st))
        .merge(service_certificates::routes(st))
        .merge(websites::routes(st))
        .merge(sql_servers::routes(st))
        .merge(sql_databases::routes(st))
        .merge(networks::routes(st))
        .merge(images::routes(st))
        .merge(catalogues::routes(st))
        .merge(disks::routes(st))
        .merge(operations::routes(st))
}

/// A handler's request id (given by the outermost layer to every request).
impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<RequestId>().cloned().ok_or_else(|| {
            tracing::error!("a request without a request id reached a handler");
            ApiError::internal()
        })
    }
}

/// The management certificate of an authorised API caller (the authorisation layer lets
/// no request without one reach a handler).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub azmc_pki::Thumbprint);

impl Caller {
    pub fn actor(self) -> crate::domain::Actor {
        crate::domain::Actor::Certificate(self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<crate::identity::Connection>()
            .and_then(|c| c.identity.as_ref())
            .map(|i| Caller(i.thumbprint))
            .ok_or_else(ApiError::forbidden)
    }
}

/// How much of an oversized or refused request body is read and thrown away before the
/// answer goes out. Answering before the client has finished sending makes HTTP/2 clients
/// (curl) report a framing error and HTTP/1.1 clients a broken pipe instead of the ASM
/// error; past this many bytes the connection is dropped instead.
pub const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Read a request body up to `limit` bytes (413 beyond, also for chunked bodies).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        drain(body, DRAIN_LIMIT).await;
        return Err(ApiError::too_large(limit));
    }
    let mut body = body;
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ApiError::bad_request("The request body could not be read."));
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                drain(body, DRAIN_LIMIT.saturating_sub(buf.len() + data.len())).await;
                return Err(ApiError::too_large(limit));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buf))
}

/// Read and discard up to `max` bytes of a body (see [`DRAIN_LIMIT`]).
pub async fn drain(mut body: Body, max: usize) {
    use http_body_util::BodyExt;
    let mut seen = 0usize;
    let read = async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += data.len();
                if seen > max {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read).await;
}

/// A 200 (or other) answer with an ASM XML body.
pub fn xml(status: StatusCode, body: String) -> Response {
    xml_bytes(status, Bytes::from(body))
}

/// [`xml`] with a body that may be shared (one written at start, say).
pub fn xml_bytes(status: StatusCode, body: Bytes) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// An empty answer (create/update/delete).
pub fn empty(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Query parameters with names lower-cased and values percent-decoded (names are
/// case-insensitive in ASM; values may be encoded by either client's rules).
/// Whether the query has `comp=value` (any case).
pub fn comp_is(query: Option<&str>, value: &str) -> bool {
    query_params(query)
        .iter()
        .any(|(k, v)| k == "comp" && v.eq_ignore_ascii_case(value))
}

pub fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k).to_ascii_lowercase(), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_names_fold_and_values_decode() {
        let q = query_params(Some(
            "StartTime=2015-01-01T00%3A00%3A00.000Z&endtime=x%2Fy&Flag&%ZZ=1",
        ));
        assert_eq!(
            q[0],
            ("starttime".into(), "2015-01-01T00:00:00.000Z".into())
        );
        assert_eq!(q[1], ("endtime".into(), "x/y".into()));
        assert_eq!(q[2], ("flag".into(), "".into()));
        assert_eq!(q[3], ("%zz".into(), "1".into()));
        assert!(query_params(None).is_empty());
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
