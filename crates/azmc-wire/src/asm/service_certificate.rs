//! Service certificates of cloud services (§4.9):
//! `/{s}/services/hostedservices/{svc}/certificates[/sha1-{thumbprint}]`.

use super::common::{list_to_xml, parse_response, parse_response_list};
use super::dom::{Element, parse_flat};
use super::{XmlError, XmlWriter};

/// The body of Add Service Certificate (root `CertificateFile`), as sent (absent, empty
/// or nil → `None`; `Password` is not trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateFileInput {
    /// Base64 of the .pfx or .cer file.
    pub data: Option<String>,
    /// `pfx` or `cer` (any case).
    pub certificate_format: Option<String>,
    pub password: Option<String>,
}

impl CertificateFileInput {
    /// The Add Service Certificate body as the Python client sends it: root
    /// `CertificateFile` (windowsazure namespace and the `i` prefix, no XML declaration),
    /// then `Data`, `CertificateFormat`, `Password`; `None` fields are left out (Python
    /// always sends `Password`, empty for a `.cer`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("CertificateFile");
        w.opt_text("Data", self.data.as_deref())
            .opt_text("CertificateFormat", self.certificate_format.as_deref())
            .opt_text("Password", self.password.as_deref());
        w.finish()
    }
}

/// Read an Add Service Certificate body.
pub fn parse_certificate_file(body: &[u8]) -> Result<CertificateFileInput, XmlError> {
    let doc = parse_flat(body, "CertificateFile")?;
    Ok(CertificateFileInput {
        data: doc.get_trimmed("Data").map(str::to_owned),
        certificate_format: doc.get_trimmed("CertificateFormat").map(str::to_owned),
        password: doc.get("Password").map(str::to_owned),
    })
}

/// One service certificate in List / Get Service Certificate(s).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceCertificateXml {
    pub certificate_url: String,
    /// Upper-case hex SHA-1.
    pub thumbprint: String,
    /// `sha1`.
    pub thumbprint_algorithm: String,
    /// Base64 DER of the public certificate.
    pub data_b64: String,
}

impl ServiceCertificateXml {
    /// The Get Service Certificate body (root `Certificate`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Certificate");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("CertificateUrl", &self.certificate_url)
            .text("Thumbprint", &self.thumbprint)
            .text("ThumbprintAlgorithm", &self.thumbprint_algorithm)
            .text("Data", &self.data_b64);
    }

    fn from_element(el: &Element) -> ServiceCertificateXml {
        let text = |n| el.child_text(n).unwrap_or_default().to_owned();
        ServiceCertificateXml {
            certificate_url: text("CertificateUrl"),
            thumbprint: text("Thumbprint"),
            thumbprint_algorithm: text("ThumbprintAlgorithm"),
            data_b64: text("Data"),
        }
    }
}

/// The List Service Certificates body (root `Certificates`).
pub fn service_certificates_to_xml(certs: &[ServiceCertificateXml]) -> String {
    list_to_xml(
        "Certificates",
        "Certificate",
        certs,
        ServiceCertificateXml::write_fields,
    )
}

/// Read a Get Service Certificate response.
pub fn parse_service_certificate(body: &[u8]) -> Result<ServiceCertificateXml, XmlError> {
    let doc = parse_response(body, "Certificate")?;
    Ok(ServiceCertificateXml::from_element(&doc))
}

/// Read a List Service Certificates response.
pub fn parse_service_certificates(body: &[u8]) -> Result<Vec<ServiceCertificateXml>, XmlError> {
    parse_response_list(
        body,
        "Certificates",
        "Certificate",
        ServiceCertificateXml::from_element,
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ, children_of};
    use super::*;

    #[test]
    fn add_body_round_trips() {
        let full = CertificateFileInput {
            data: Some("MIIJ7AIBAzCC".into()),
            certificate_format: Some("pfx".into()),
            password: Some(format!(" {HOSTILE} ")),
        };
        let xml = full.to_xml();
        assert!(xml.starts_with("<CertificateFile xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Data>MIIJ7AIBAzCC</Data><CertificateFormat>pfx</CertificateFormat><Password> a&lt;b"), "{xml}");
        // The password is not trimmed: its spaces survive.
        assert_eq!(
            parse_certificate_file(xml.as_bytes()).unwrap(),
            CertificateFileInput {
                password: Some(format!(" {HOSTILE_READ} ")),
                ..full
            }
        );
        let cer = CertificateFileInput {
            data: Some("MIIC".into()),
            certificate_format: Some("cer".into()),
            password: None,
        };
        assert!(!cer.to_xml().contains("Password"));
        assert_eq!(
            parse_certificate_file(cer.to_xml().as_bytes()).unwrap(),
            cer
        );
        let empty_password = CertificateFileInput {
            password: Some(String::new()),
            ..cer
        };
        assert_eq!(
            parse_certificate_file(empty_password.to_xml().as_bytes()).unwrap(),
            empty_password
        );
    }

    #[test]
    fn add_body_matches_the_recording() {
        let file =
            include_str!("../../tests/it/asm_recorded/add_service_certificate_request_python.xml");
        let recorded = &file[file.find("<CertificateFile ").unwrap()..];
        let input = parse_certificate_file(recorded.as_bytes()).unwrap();
        assert_eq!(input.certificate_format.as_deref(), Some("pfx"));
        assert_eq!(input.password.as_deref(), Some("Python"));
        let ours = input.to_xml();
        assert_eq!(parse_certificate_file(ours.as_bytes()).unwrap(), input);
        assert_eq!(children_of(&ours), children_of(recorded));
    }

    #[test]
    fn bodies() {
        let i = parse_certificate_file(b"<CertificateFile xmlns=\"http://schemas.microsoft.com/windowsazure\"><Data>AAEC</Data><CertificateFormat>PFX</CertificateFormat><Password> pw </Password></CertificateFile>").unwrap();
        assert_eq!(i.data.as_deref(), Some("AAEC"));
        assert_eq!(i.certificate_format.as_deref(), Some("PFX"));
        assert_eq!(i.password.as_deref(), Some(" pw "));
        let c = ServiceCertificateXml {
            certificate_url: "https://h/s/services/hostedservices/a/certificates/sha1-AB".into(),
            thumbprint: "AB".into(),
            thumbprint_algorithm: "sha1".into(),
            data_b64: "AAEC".into(),
        };
        let list = service_certificates_to_xml(std::slice::from_ref(&c));
        assert!(list.contains("<Certificates xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Certificate><CertificateUrl>https://h/s/services/hostedservices/a/certificates/sha1-AB</CertificateUrl><Thumbprint>AB</Thumbprint><ThumbprintAlgorithm>sha1</ThumbprintAlgorithm><Data>AAEC</Data></Certificate></Certificates>"), "{list}");
        assert_eq!(
            parse_service_certificates(list.as_bytes()).unwrap(),
            vec![c.clone()]
        );
        assert_eq!(parse_service_certificate(c.to_xml().as_bytes()).unwrap(), c);
    }
}
