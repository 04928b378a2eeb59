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
