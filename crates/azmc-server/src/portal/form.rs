//! Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data` (for the
//! `.cer` upload), both behind one extractor with a size cap. The parsing itself lives in
//! [`azmc_wire::form`] (bytes in, values out, fuzzed); this module reads the body and
//! picks the parser by content type.

use super::{Portal, PortalError};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use azmc_wire::form::{boundary, multipart};

pub use azmc_wire::form::{Posted, pairs};

impl FromRequest<Portal> for Posted {
    type Rejection = PortalError;

    async fn from_request(req: Request, portal: &Portal) -> Result<Self, PortalError> {
        let limit = portal.app.config.portal.upload_limit;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let within = portal.app.config.connections.body;
        let read = axum::body::to_bytes(req.into_body(), limit);
        let body = tokio::time::timeout(within, read)
            .await
            .map_err(|_| {
                PortalError::BadRequest(format!(
                    "The form was not received within {} seconds.",
                    within.as_secs()
                ))
            })?
            .map_err(|_| {
                PortalError::TooLarge(format!(
                    "The form is larger than {} KiB. A management certificate (.cer) is a few KiB: choose the certificate file, not a .pfx or an archive.",
                    limit / 1024
                ))
            })?;
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if mime == "application/x-www-form-urlencoded" {
            return Ok(Posted {
                fields: pairs(&body),
                files: Vec::new(),
            });
        }
        if let Some(b) = boundary(&content_type) {
            return multipart(&body, &b)
                .ok_or_else(|| PortalError::BadRequest("The form data is malformed.".into()));
        }
        Err(PortalError::BadRequest(
            "Send the form as application/x-www-form-urlencoded or multipart/form-data.".into(),
        ))
    }
}
