//! The server's certificate authority for people who must trust it: `/ca.pem` (the
//! certificate, public) and `/ca`, a short how-to with its SHA-256 fingerprint to
//! compare with the one the server's administrator gives (a file fetched over the
//! connection it is meant to secure proves nothing by itself).

use super::html::{self, Nav};
use super::session::{SESSION_COOKIE, SignedIn, cookie};
use super::{Portal, PortalError};
use aws_lc_rs::digest::{SHA256, digest};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use azmc_pki::Certificate;
use maud::html;

async fn ca_pem_text(portal: &Portal) -> Result<String, PortalError> {
    portal
        .app
        .db
        .server_ca_certificate()
        .await
        .map_err(PortalError::db)?
        .ok_or(PortalError::NotFound)
}

/// `AB:CD:...`: the SHA-256 fingerprint of the certificate in `pem`, as `openssl x509
/// -fingerprint -sha256` prints it.
fn fingerprint(pem: &str) -> Option<String> {
    let cert = Certificate::parse(pem.as_bytes()).ok()?;
    let d = digest(&SHA256, cert.der());
    Some(
        d.as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// `GET /ca.pem`: the CA certificate, as a download.
pub async fn ca_pem(State(portal): State<Portal>) -> Result<Response, PortalError> {
    let pem = ca_pem_text(&portal).await?;
    let mut r = pem.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"ca.pem\""),
    );
    Ok(r)
}

/// `GET /ca`: how to trust the server, for anyone (signed in or not).
pub async fn page(State(portal): State<Portal>, mut parts: Parts) -> Result<Response, PortalError> {
    let user = if cookie(&parts.headers, SESSION_COOKIE).is_some() {
        SignedIn::from_request_parts(&mut parts, &portal).await.ok()
    } else {
        None
    };
    let pem = ca_pem_text(&portal).await?;
    let fp = fingerprint(&pem).unwrap_or_else(|| "unknown".into());
    let api = &portal.api_url;
    Ok(html::page(
        "Trust this server",
        user.as_ref(),
        Nav::Trust,
        html! {
            h1 { "Trust this server's certificate authority" }
            p { "The API at " code { (api) } " and this portal present certificates issued by the server's own certificate authority. Clients must trust it to connect safely." }
            p { a class="button" href="/ca.pem" download="ca.pem" { "Download ca.pem" } }
            h2 { "Check it" }
            p { "Compare its SHA-256 fingerprint with the one your server's administrator gives you (for example with " code { "openssl x509 -in ca.pem -noout -fingerprint -sha256" } "):" }
            p { (html::ident(&fp)) }
            h2 { "Use it" }
            ul {
                li { "azmc: " code { "azmc account import FILE.publishsettings --ca-file ca.pem --delete-file" } }
                li { "Python clients (azure-servicemanagement-legacy): " code { "export REQUESTS_CA_BUNDLE=$PWD/ca.pem" } }
                li { "Node clients (the classic Azure CLI): " code { "export NODE_EXTRA_CA_CERTS=$PWD/ca.pem" } }
                li { "A browser: import ca.pem as a trusted authority (in its certificate settings), then reload this page." }
                li { "curl: " code { "curl --cacert ca.pem " (api) } }
            }
        },
    )
    .into_response())
}
