//! Management certificates: `/{s}/certificates[/{thumbprint}]` (§4.3).
//! Statuses are the Node clients': list/get 200, add 200 (not the 201 one live recording
//! shows: Node accepts only 200), delete 200.

use super::Caller;
use super::validate::{decode_base64, parse_input, required};
use super::{empty, xml};
use crate::domain::{self, Ctx, DomainError, ResourceKind};
use crate::error::ApiError;
use crate::ops::CreatedObject;
use crate::ops::{OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use azmc_db::LinkedCertificate;
use azmc_pki::{Certificate, Thumbprint};
use azmc_wire::asm::{
    SubscriptionCertificateXml, format_time_precise, parse_subscription_certificate,
    subscription_certificates_to_xml,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The `SubscriptionCertificatePublicKey` of a certificate: base64 of the subjectPublicKey
/// bits (for RSA the PKCS#1 `RSAPublicKey`, as the live service sent).
fn public_key_b64(der: &[u8]) -> String {
    match Certificate::from_der(der) {
        Ok(c) => STANDARD.encode(public_key_bits(c.spki_der())),
        Err(_) => String::new(),
    }
}

/// The BIT STRING contents of a SubjectPublicKeyInfo.
fn public_key_bits(spki: &[u8]) -> Vec<u8> {
    use azmc_pki::der::{Reader, TAG_BIT_STRING, TAG_SEQUENCE};
    let mut r = Reader::new(spki);
    let Ok(seq) = r.read_tag(TAG_SEQUENCE, "spki") else {
        return Vec::new();
    };
    let mut inner = seq.reader();
    let _ = inner.read();
    match inner.read_tag(TAG_BIT_STRING, "key") {
        Ok(bits) if !bits.content.is_empty() => bits.content[1..].to_vec(),
        _ => Vec::new(),
    }
}

fn to_xml(c: &LinkedCertificate) -> SubscriptionCertificateXml {
    SubscriptionCertificateXml {
        public_key_b64: public_key_b64(&c.certificate.der),
        thumbprint: c.certificate.thumbprint.to_string(),
        data_b64: STANDARD.encode(&c.certificate.der),
        created: Some(format_time_precise(c.created_at)),
    }
}

/// A thumbprint in the path; anything else names no certificate.
fn parse_thumbprint(t: &str) -> Result<Thumbprint, ApiError> {
    t.parse()
        .map_err(|_| DomainError::not_found(ResourceKind::Certificate).into())
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let certs = domain::certificates::list(&Ctx::of(&state), &s).await?;
    let items: Vec<_> = certs.iter().map(to_xml).collect();
    Ok(xml(
        StatusCode::OK,
        subscription_certificates_to_xml(&items),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, thumbprint)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let t = parse_thumbprint(&thumbprint)?;
    let c = domain::certificates::get(&Ctx::of(&state), &s, &t).await?;
    Ok(xml(StatusCode::OK, to_xml(&c).to_xml()))
}

pub async fn add(
    State(state): State<AppState>,
    Path(s): Path<String>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_subscription_certificate)?;
    let data = required(input.data.as_deref(), "SubscriptionCertificateData")?;
    let (_, der) = decode_base64(data, "SubscriptionCertificateData")?;
    let cert = Certificate::from_der(&der).map_err(|e| {
        ApiError::bad_request(format!(
            "SubscriptionCertificateData is not an X.509 certificate: {e}"
        ))
    })?;
    if let Some(claimed) = input.thumbprint.as_deref().filter(|t| !t.trim().is_empty()) {
        let claimed: Thumbprint = claimed.parse().map_err(|_| {
            ApiError::bad_request(
                "SubscriptionCertificateThumbprint is not a 40-digit hex thumbprint.",
            )
        })?;
        if claimed != cert.thumbprint() {
            return Err(ApiError::bad_request(format!(
                "SubscriptionCertificateThumbprint {claimed} does not match the certificate data (its thumbprint is {}).",
                cert.thumbprint()
            )));
        }
    }
    if let Some(pk) = input.public_key.as_deref().filter(|p| !p.trim().is_empty()) {
        let pk: String = pk.chars().filter(|c| !c.is_whitespace()).collect();
        let expected = STANDARD.encode(public_key_bits(cert.spki_der()));
        let spki = STANDARD.encode(cert.spki_der());
        if pk != expected && pk != spki {
            return Err(ApiError::bad_request(
                "SubscriptionCertificatePublicKey does not match the certificate data.",
            ));
        }
    }
    domain::certificates::link(&Ctx::of(&state), &caller.actor(), &[s.as_str()], &cert).await?;
    Ok(CreatedObject::on(
        format!("/{s}/certificates/{}", cert.thumbprint()),
        empty(StatusCode::OK),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, thumbprint)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let t = parse_thumbprint(&thumbprint)?;
    domain::certificates::unlink(&Ctx::of(&state), &s, &t).await?;
    Ok(empty(StatusCode::OK))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/certificates",
            methods(
                st,
                routing::get(list),
                [(
                    OpName::new("AddSubscriptionCertificate"),
                    routing::post(add),
                )],
            ),
        )
        .route(
            "/{s}/certificates/{thumbprint}",
            methods(
                st,
                routing::get(get),
                [(
                    OpName::new("RemoveSubscriptionCertificate"),
                    routing::delete(delete),
                )],
            ),
        )
}
