//! Management certificates (§4.3): `/{s}/certificates`.

use super::common::{list_to_xml, parse_response, parse_response_list};
use super::dom::{Element, parse_flat};
use super::{XmlError, XmlWriter};

/// The body of Add Management Certificate (`POST /{s}/certificates`), as sent. Every field
/// is optional here (absent, empty or nil → `None`; values are whitespace-trimmed); the
/// server validates them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscriptionCertificateInput {
    /// `SubscriptionCertificatePublicKey`: base64 of the PKCS#1 `RSAPublicKey` DER.
    pub public_key: Option<String>,
    /// `SubscriptionCertificateThumbprint`: hex SHA-1 of the certificate DER.
    pub thumbprint: Option<String>,
    /// `SubscriptionCertificateData`: base64 of the certificate DER.
    pub data: Option<String>,
}

impl SubscriptionCertificateInput {
    /// The Add Management Certificate body as the Python client sends it: root
    /// `SubscriptionCertificate` (windowsazure namespace and the `i` prefix, no XML
    /// declaration), then `SubscriptionCertificatePublicKey`,
    /// `SubscriptionCertificateThumbprint`, `SubscriptionCertificateData`; `None` fields
    /// are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("SubscriptionCertificate");
        w.opt_text(
            "SubscriptionCertificatePublicKey",
            self.public_key.as_deref(),
        )
        .opt_text(
            "SubscriptionCertificateThumbprint",
            self.thumbprint.as_deref(),
        )
        .opt_text("SubscriptionCertificateData", self.data.as_deref());
        w.finish()
    }
}

/// Read an Add Management Certificate body: root `SubscriptionCertificate` (local name),
/// children matched by local name in any order with any or no prefix, unknown elements
/// ignored, with or without an XML declaration. See [`super::parse_document`] for what
/// is refused.
pub fn parse_subscription_certificate(
    body: &[u8],
) -> Result<SubscriptionCertificateInput, XmlError> {
    let doc = parse_flat(body, "SubscriptionCertificate")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(SubscriptionCertificateInput {
        public_key: field("SubscriptionCertificatePublicKey"),
        thumbprint: field("SubscriptionCertificateThumbprint"),
        data: field("SubscriptionCertificateData"),
    })
}

/// One management certificate in Get / List Management Certificates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscriptionCertificateXml {
    /// `SubscriptionCertificatePublicKey` (base64 PKCS#1 `RSAPublicKey`).
    pub public_key_b64: String,
    /// `SubscriptionCertificateThumbprint` (upper-case hex SHA-1).
    pub thumbprint: String,
    /// `SubscriptionCertificateData` (base64 certificate DER).
    pub data_b64: String,
    /// `Created`, preformatted (see [`super::format_time_precise`]); omitted when `None`.
    pub created: Option<String>,
}

impl SubscriptionCertificateXml {
    /// The Get Management Certificate body (root `SubscriptionCertificate`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("SubscriptionCertificate");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("SubscriptionCertificatePublicKey", &self.public_key_b64)
            .text("SubscriptionCertificateThumbprint", &self.thumbprint)
            .text("SubscriptionCertificateData", &self.data_b64)
            .opt_text("Created", self.created.as_deref());
    }

    fn from_element(el: &Element) -> SubscriptionCertificateXml {
        let text = |name| el.child_text(name).unwrap_or_default().to_owned();
        SubscriptionCertificateXml {
            public_key_b64: text("SubscriptionCertificatePublicKey"),
            thumbprint: text("SubscriptionCertificateThumbprint"),
            data_b64: text("SubscriptionCertificateData"),
            created: el.child_text("Created").map(str::to_owned),
        }
    }
}

/// The List Management Certificates body: `<SubscriptionCertificates>` with one
/// `<SubscriptionCertificate>` per entry.
pub fn subscription_certificates_to_xml(certificates: &[SubscriptionCertificateXml]) -> String {
    list_to_xml(
        "SubscriptionCertificates",
        "SubscriptionCertificate",
        certificates,
        SubscriptionCertificateXml::write_fields,
    )
}

/// Read a Get Management Certificate response (root `SubscriptionCertificate`). Missing
/// fields read as empty strings.
pub fn parse_subscription_certificate_xml(
    body: &[u8],
) -> Result<SubscriptionCertificateXml, XmlError> {
    let doc = parse_response(body, "SubscriptionCertificate")?;
    Ok(SubscriptionCertificateXml::from_element(&doc))
}

/// Read a List Management Certificates response (root `SubscriptionCertificates`).
pub fn parse_subscription_certificates(
    body: &[u8],
) -> Result<Vec<SubscriptionCertificateXml>, XmlError> {
    parse_response_list(
        body,
        "SubscriptionCertificates",
        "SubscriptionCertificate",
        SubscriptionCertificateXml::from_element,
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    #[test]
    fn add_body_round_trips() {
        let full = SubscriptionCertificateInput {
            public_key: Some("MIIBCgKCAQEA".into()),
            thumbprint: Some("BEA4B74BD6B915E9DD6A01FB1B8C3C1740F517F2".into()),
            data: Some(HOSTILE.into()),
        };
        let xml = full.to_xml();
        assert!(xml.starts_with("<SubscriptionCertificate xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><SubscriptionCertificatePublicKey>MIIBCgKCAQEA</SubscriptionCertificatePublicKey><SubscriptionCertificateThumbprint>"), "{xml}");
        assert_eq!(
            parse_subscription_certificate(xml.as_bytes()).unwrap(),
            SubscriptionCertificateInput {
                data: Some(HOSTILE_READ.into()),
                ..full
            }
        );
        let only_data = SubscriptionCertificateInput {
            data: Some("MIIC".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_subscription_certificate(only_data.to_xml().as_bytes()).unwrap(),
            only_data
        );
    }

    #[test]
    fn add_body_matches_the_recording() {
        let body = include_bytes!(
            "../../tests/it/asm_recorded/add_management_certificate_request_python.xml"
        );
        let recorded = parse_subscription_certificate(body).unwrap();
        let ours = recorded.to_xml();
        assert_eq!(
            parse_subscription_certificate(ours.as_bytes()).unwrap(),
            recorded
        );
        let text = std::str::from_utf8(body).unwrap();
        let start = text.find("<SubscriptionCertificate ").unwrap();
        let a = super::super::parse_document(&body[start..]).unwrap();
        let b = super::super::parse_document(ours.as_bytes()).unwrap();
        // Same elements, order and texts; only the order of the namespace declarations differs.
        assert_eq!(a.name, b.name);
        assert_eq!(a.children, b.children);
    }
}
