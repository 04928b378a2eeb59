//! Service certificates of a cloud service:
//! `/{s}/services/hostedservices/{svc}/certificates[/sha1-{thumbprint}]` (§4.9).
//! Statuses are the Node clients': list/get 200, add 202, delete 202 (both asynchronous:
//! job kinds [`AddCertificate`] and [`DeleteCertificate`]).
//!
//! Add reads the `.pfx` with its password (so a wrong password is a 400 at once), keeps
//! the certificate, and seals the private key (PKCS#8) with [`crate::domain::sealing`],
//! with the thumbprint as associated data. The key is never returned by any API.

use super::hosted_services::db_error;
use super::validate::{base_url, decode_base64, parse_input, required};
use super::{empty, queue, xml};
use crate::domain::sealing;
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::jobs::{JobKind, JobResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use azmc_db::{DbError, ServiceCertificate};
use azmc_pki::Certificate;
use azmc_pki::pkcs12::{self, ReadOptions};
use azmc_wire::asm::{ServiceCertificateXml, parse_certificate_file, service_certificates_to_xml};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

const NOT_FOUND: &str = "The certificate does not exist.";

fn cert_error(e: DbError) -> ApiError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::Certificate,
            ..
        } => ApiError::not_found(NOT_FOUND),
        other => db_error(other),
    }
}

/// `sha1-THUMBPRINT` (any case) → the upper-case thumbprint.
fn parse_id(id: &str) -> Result<String, ApiError> {
    let (alg, t) = id
        .split_once('-')
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if !alg.eq_ignore_ascii_case("sha1")
        || t.len() != 40
        || !t.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::not_found(NOT_FOUND));
    }
    Ok(t.to_ascii_uppercase())
}

fn to_xml(base: &str, s: &str, c: &ServiceCertificate) -> ServiceCertificateXml {
    ServiceCertificateXml {
        certificate_url: format!(
            "{base}/{s}/services/hostedservices/{}/certificates/sha1-{}",
            c.service_name, c.thumbprint
        ),
        thumbprint: c.thumbprint.clone(),
        thumbprint_algorithm: "sha1".into(),
        data_b64: STANDARD.encode(&c.der),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let certs = state
        .db
        .list_service_certificates(&s, &svc)
        .await
        .map_err(cert_error)?;
    let base = base_url(&headers);
    let items: Vec<_> = certs.iter().map(|c| to_xml(&base, &s, c)).collect();
    Ok(xml(StatusCode::OK, service_certificates_to_xml(&items)))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, svc, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let t = parse_id(&id)?;
    let c = state
        .db
        .get_service_certificate(&s, &svc, &t)
        .await
        .map_err(cert_error)?;
    Ok(xml(
        StatusCode::OK,
        to_xml(&base_url(&headers), &s, &c).to_xml(),
    ))
}

pub async fn add(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    id: RequestId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_certificate_file)?;
    let (_, data) = decode_base64(required(input.data.as_deref(), "Data")?, "Data")?;
    let format = input
        .certificate_format
        .as_deref()
        .unwrap_or("pfx")
        .trim_start_matches('.')
        .to_ascii_lowercase();
    let (cert, key) = match format.as_str() {
        "pfx" => {
            let password = input.password.as_deref().unwrap_or("");
            let p12 = pkcs12::read(&data, password, ReadOptions::default()).map_err(|e| {
                ApiError::bad_request(format!(
                    "Data could not be read as a PKCS#12 (.pfx) file with the given Password: {e}"
                ))
            })?;
            let cert = p12
                .certificate
                .ok_or_else(|| ApiError::bad_request("Data (a .pfx file) holds no certificate."))?;
            (cert, p12.key)
        }
        "cer" => {
            let cert = Certificate::from_der(&data)
                .or_else(|_| Certificate::from_pem(&data))
                .map_err(|e| {
                    ApiError::bad_request(format!("Data is not an X.509 certificate (.cer): {e}"))
                })?;
            (cert, None)
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "CertificateFormat {other:?} is not supported: use pfx or cer."
            )));
        }
    };
    let thumb = cert.thumbprint().to_string();
    let sealed = match &key {
        Some(k) => Some(sealing::seal(&state.db, k.pkcs8_der(), thumb.as_bytes()).await?),
        None => None,
    };
    state
        .db
        .begin_add_service_certificate(
            &s,
            &svc,
            &thumb,
            cert.der(),
            sealed.as_deref(),
            state.clock.now(),
        )
        .await
        .map_err(cert_error)?;
    let work = AddCertificate(CertificateRef {
        subscription: s.clone(),
        service: svc,
        thumbprint: thumb,
    });
    queue(&state, &id, &s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, svc, tid)): Path<(String, String, String)>,
    id: RequestId,
) -> Result<Response, ApiError> {
    let thumb = parse_id(&tid)?;
    state
        .db
        .begin_delete_service_certificate(&s, &svc, &thumb)
        .await
        .map_err(cert_error)?;
    let work = DeleteCertificate(CertificateRef {
        subscription: s.clone(),
        service: svc,
        thumbprint: thumb,
    });
    queue(&state, &id, &s, &work).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// The certificate a job works on.
#[derive(Debug, Serialize, Deserialize)]
pub struct CertificateRef {
    pub subscription: String,
    pub service: String,
    pub thumbprint: String,
}

/// Makes an added certificate visible. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddCertificate(pub CertificateRef);

impl JobKind for AddCertificate {
    const KIND: &'static str = "AddServiceCertificate";
    async fn run(self, state: AppState) -> JobResult {
        let c = self.0;
        JobResult::of(
            state
                .db
                .finish_add_service_certificate(&c.subscription, &c.service, &c.thumbprint)
                .await,
            super::hosted_services::NOT_FOUND,
        )
    }
}

/// Removes a deleted certificate. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeleteCertificate(pub CertificateRef);

impl JobKind for DeleteCertificate {
    const KIND: &'static str = "DeleteServiceCertificate";
    async fn run(self, state: AppState) -> JobResult {
        let c = self.0;
        JobResult::of(
            state
                .db
                .finish_delete_service_certificate(&c.subscription, &c.service, &c.thumbprint)
                .await,
            NOT_FOUND,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_ids() {
        let t = "bea4b74bd6b915e9dd6a01fb1b8c3c1740f517f2";
        assert_eq!(
            parse_id(&format!("sha1-{t}")).unwrap(),
            t.to_ascii_uppercase()
        );
        assert!(parse_id(t).is_err());
        assert!(parse_id(&format!("md5-{t}")).is_err());
        assert!(parse_id("sha1-abc").is_err());
    }
}
