//! Management certificates: list, get, add, delete.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::{ClientError, Result};
use azmc_wire::asm::{self as wire, SubscriptionCertificateXml};
use hyper::http::Method;

impl Client {
    /// List Management Certificates.
    pub async fn list_management_certificates(&self) -> Result<Vec<SubscriptionCertificateXml>> {
        self.get(
            "/certificates",
            "List Management Certificates",
            wire::parse_subscription_certificates,
        )
        .await
    }

    /// Get Management Certificate.
    pub async fn management_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<SubscriptionCertificateXml> {
        self.get(
            &format!("/certificates/{}", seg(thumbprint)),
            "Get Management Certificate",
            wire::parse_subscription_certificate_xml,
        )
        .await
    }

    /// Add Management Certificate: the certificate's DER (`.cer`).
    pub async fn add_management_certificate(&self, der: &[u8]) -> Result<Submitted> {
        let cert = azmc_pki::Certificate::from_der(der)
            .map_err(|e| ClientError::Config(format!("certificate: {e}")))?;
        let b64 = |d: &[u8]| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(d)
        };
        let input = wire::SubscriptionCertificateInput {
            public_key: Some(b64(cert.spki_der())),
            thumbprint: Some(cert.thumbprint().to_string()),
            data: Some(b64(der)),
        };
        self.submit(Method::POST, "/certificates", Some(input.to_xml()))
            .await
    }

    /// Delete Management Certificate.
    pub async fn delete_management_certificate(&self, thumbprint: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/certificates/{}", seg(thumbprint)),
            None,
        )
        .await
    }
}
