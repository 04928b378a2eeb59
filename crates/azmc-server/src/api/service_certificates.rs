//! Service certificates of a cloud service:
//! `/{s}/services/hostedservices/{svc}/certificates[/sha1-{thumbprint}]` (§4.9).
//! Statuses are the Node clients': list/get 200, add 202, delete 202 (both asynchronous:
//! the jobs `domain::cloud_services::{AddCertificate, DeleteCertificate}`).
//!
//! Add reads the `.pfx` with its password (so a wrong password is a 400 at once), keeps
//! the certificate, and seals the private key (PKCS#8) with [`crate::domain::sealing`],
//! with the thumbprint as associated data (`domain::cloud_services::add_certificate`). The
//! key is never returned by any API.

use super::validate::{base_url, decode_base64, parse_input, required};
use super::{empty, xml};
use crate::domain::Ctx;
use crate::domain::cloud_services::{self, CertificateFormat};
use crate::error::ApiError;
use crate::identity::RequestId;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing;
use azmc_db::ServiceCertificate;
use azmc_wire::asm::{ServiceCertificateXml, parse_certificate_file, service_certificates_to_xml};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

fn to_xml(base: &str, s: &str, c: &ServiceCertificate) -> ServiceCertificateXml {
    ServiceCertificateXml {
        certificate_url: format!(
            "{base}/{s}/services/hostedservices/{}/certificates/sha1-{}",
            c.service_name, c.thumbprint
        ),
        thumbprint: c.thumbprint.to_string(),
        thumbprint_algorithm: "sha1".into(),
        data_b64: STANDARD.encode(&c.der),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path((s, svc)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let certs = cloud_services::list_certificates(&Ctx::of(&state), &s, &svc).await?;
    let base = base_url(&headers);
    let items: Vec<_> = certs.iter().map(|c| to_xml(&base, &s, c)).collect();
    Ok(xml(StatusCode::OK, service_certificates_to_xml(&items)))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, svc, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let c = cloud_services::get_certificate(&Ctx::of(&state), &s, &svc, &id).await?;
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
    let format = CertificateFormat::of(input.certificate_format.as_deref())?;
    let password = zeroize::Zeroizing::new(input.password.unwrap_or_default());
    let file = (data, format, password);
    let thumb = cloud_services::add_certificate(&Ctx::of(&state), &id, &s, &svc, file).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/hostedservices/{svc}/certificates/sha1-{thumb}"),
        empty(StatusCode::ACCEPTED),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, svc, tid)): Path<(String, String, String)>,
    id: RequestId,
) -> Result<Response, ApiError> {
    cloud_services::delete_certificate(&Ctx::of(&state), &id, &s, &svc, &tid).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/hostedservices/{svc}/certificates",
            methods(
                st,
                routing::get(list),
                [(OpName::new("AddCertificate"), routing::post(add))],
            ),
        )
        .route(
            "/{s}/services/hostedservices/{svc}/certificates/{thumbprint}",
            methods(
                st,
                routing::get(get),
                [(OpName::new("DeleteCertificate"), routing::delete(delete))],
            ),
        )
}
