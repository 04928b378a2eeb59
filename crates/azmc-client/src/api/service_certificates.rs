//! Service certificates of a cloud service: list, get, add, delete.

use super::{seg, sha1_id};
use crate::client::{Client, Submitted};
use crate::error::Result;
use azmc_wire::asm::{self as wire, ServiceCertificateXml};
use hyper::http::Method;

impl Client {
    pub async fn list_service_certificates(
        &self,
        service: &str,
    ) -> Result<Vec<ServiceCertificateXml>> {
        self.get(
            &format!("/services/hostedservices/{}/certificates", seg(service)),
            "List Service Certificates",
            wire::parse_service_certificates,
        )
        .await
    }

    /// Get Service Certificate by its `sha1-THUMBPRINT` id (the prefix is added if missing).
    pub async fn service_certificate(
        &self,
        service: &str,
        thumbprint: &str,
    ) -> Result<ServiceCertificateXml> {
        self.get(
            &format!(
                "/services/hostedservices/{}/certificates/{}",
                seg(service),
                seg(&sha1_id(thumbprint))
            ),
            "Get Service Certificate",
            wire::parse_service_certificate,
        )
        .await
    }

    /// Add Service Certificate: `data` is the `.pfx` (with `password`) or the `.cer`.
    pub async fn add_service_certificate(
        &self,
        service: &str,
        data: &[u8],
        format: &str,
        password: Option<&str>,
    ) -> Result<Submitted> {
        use base64::Engine;
        let input = wire::CertificateFileInput {
            data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
            certificate_format: Some(format.to_string()),
            password: password.map(str::to_string),
        };
        self.submit(
            Method::POST,
            &format!("/services/hostedservices/{}/certificates", seg(service)),
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_service_certificate(
        &self,
        service: &str,
        thumbprint: &str,
    ) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "/services/hostedservices/{}/certificates/{}",
                seg(service),
                seg(&sha1_id(thumbprint))
            ),
            None,
        )
        .await
    }
}
