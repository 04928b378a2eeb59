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
pub mod validate;
pub mod websites;

use crate::error::ApiError;
use crate::identity::RequestId;
use crate::jobs::{JobKind, JobRegistry};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every job kind of the API, for the job runner.
pub fn job_kinds() -> JobRegistry {
    let mut r = JobRegistry::default();
    r.kind::<hosted_services::DeleteMedia>()
        .kind::<service_certificates::AddCertificate>()
        .kind::<service_certificates::DeleteCertificate>()
        .kind::<deployments::CreateDeployment>()
        .kind::<deployments::UpdateStatus>()
        .kind::<deployments::DeleteDeployment>()
        .kind::<deployments::Swap>()
        .kind::<deployments::ReportChange>()
        .kind::<storage_accounts::CreateAccount>();
    r
}

/// Queue `work` as the job of this request's operation (answered 202).
pub(crate) async fn queue<K: JobKind>(
    state: &AppState,
    id: &RequestId,
    subscription: &str,
    work: &K,
) -> Result<(), ApiError> {
    Ok(crate::jobs::enqueue(state, id, subscription, work).await?)
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

    /// Queued jobs outlive upgrades: the kinds keep their stored names, and the payloads
    /// read what earlier versions wrote (and write the same fields).
    #[test]
    fn job_payloads_read_what_earlier_versions_queued() {
        let status = r#"{"subscription":"s","service":"svc","name":"d","status":"Running"}"#;
        let c: deployments::CreateDeployment = serde_json::from_str(status).unwrap();
        assert_eq!(
            (c.0.deployment.name.as_str(), c.0.status.as_str()),
            ("d", "Running")
        );
        let back: serde_json::Value = serde_json::to_value(&c).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(status).unwrap()
        );
        let change = r#"{"subscription":"s","service":"svc","name":"d","what":"config"}"#;
        let r: deployments::ReportChange = serde_json::from_str(change).unwrap();
        assert_eq!(
            (r.deployment.service.as_str(), r.what.as_str()),
            ("svc", "config")
        );
        let cert = r#"{"subscription":"s","service":"svc","thumbprint":"AB"}"#;
        let a: service_certificates::AddCertificate = serde_json::from_str(cert).unwrap();
        assert_eq!(a.0.thumbprint, "AB");
        let sa: storage_accounts::CreateAccount =
            serde_json::from_str(r#"{"subscription":"s","name":"acct"}"#).unwrap();
        assert_eq!(sa.name, "acct");
        let m: hosted_services::DeleteMedia =
            serde_json::from_str(r#"{"subscription":"s","service":"svc"}"#).unwrap();
        assert_eq!(m.service, "svc");
        assert!(serde_json::from_str::<deployments::Swap>(r#"{"subscription":"s"}"#).is_err());
        assert_eq!(
            [
                hosted_services::DeleteMedia::KIND,
                service_certificates::AddCertificate::KIND,
                service_certificates::DeleteCertificate::KIND,
                deployments::CreateDeployment::KIND,
                deployments::UpdateStatus::KIND,
                deployments::DeleteDeployment::KIND,
                deployments::Swap::KIND,
                deployments::ReportChange::KIND,
                storage_accounts::CreateAccount::KIND,
            ],
            [
                "DeleteHostedServiceMedia",
                "AddServiceCertificate",
                "DeleteServiceCertificate",
                "CreateDeployment",
                "UpdateDeploymentStatus",
                "DeleteDeployment",
                "SwapDeployment",
                "DeploymentChange",
                "CreateStorageService",
            ]
        );
    }
}
