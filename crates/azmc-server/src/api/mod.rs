//! Thin handlers: extract, call the database, map the result.

pub mod affinity_groups;
pub mod certificates;
pub mod deployments;
pub mod hosted_services;
pub mod locations;
pub mod operations;
pub mod service_certificates;
pub mod sql_servers;
pub mod storage_accounts;
pub mod subscription;
pub mod websites;

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Read a request body up to `limit` bytes (413 beyond, also for chunked bodies).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b),
        Err(e) => {
            let too_big = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_big {
                Err(ApiError::too_large(limit))
            } else {
                Err(ApiError::bad_request("The request body could not be read."))
            }
        }
    }
}

/// A 200 (or other) answer with an ASM XML body.
pub fn xml(status: StatusCode, body: String) -> Response {
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
