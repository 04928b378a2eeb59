//! X.509 certificates: read (DER or PEM, auto-detected), write (`.cer` DER or PEM),
//! inspect.

use crate::error::{PkiError, Result};
use crate::pem;
use crate::thumbprint::{Thumbprint, hex_upper};
use ::time::OffsetDateTime;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

/// Certificates larger than this are not management certificates (real ones are ~1 KiB).
pub const MAX_CERT_SIZE: usize = 64 * 1024;

/// A parsed-and-validated X.509 certificate. It keeps its DER encoding plus what was read
/// from it at construction, so no accessor can fail later.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    info: CertInfo,
    spki: Vec<u8>,
    public_key_bits: Vec<u8>,
    common_name: Option<String>,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Certificate({}, {})",
            self.info.thumbprint, self.info.subject
        )
    }
}

/// How a certificate is written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertEncoding {
    /// Binary DER, what makecert and the Azure portal use for `.cer`.
    #[default]
    Der,
    /// Base64 with `-----BEGIN CERTIFICATE-----` armour.
    Pem,
}

/// The key algorithm of a certificate or private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Rsa { bits: usize },
    EcP256,
    EcP384,
    Other,
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyAlgorithm::EcP256 => f.write_str("ECDSA P-256"),
            KeyAlgorithm::EcP384 => f.write_str("ECDSA P-384"),
            KeyAlgorithm::Other => f.write_str("other"),
        }
    }
}

/// Everything `azmc cert show` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Serial number, upper-case hex without separators.
    pub serial: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub key: KeyAlgorithm,
    /// Signature algorithm, e.g. `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
    /// Key usages, e.g. `digitalSignature`.
    pub key_usage: Vec<String>,
    /// Extended key usages, e.g. `clientAuth`.
    pub extended_key_usage: Vec<String>,
    pub thumbprint: Thumbprint,
    /// SHA-256 fingerprint, upper-case hex.
    pub sha256_fingerprint: String,
    /// Subject equals issuer and the signature verifies with the certificate's own key.
    pub self_signed: bool,
}

impl CertInfo {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now > self.not_after
    }
    pub fn is_not_yet_valid(&self, now: OffsetDateTime) -> bool {
        now < self.not_before
    }
}

fn parse_x509(der: &[u8]) -> Result<X509Certificate<'_>> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| PkiError::BadCertificate(e.to_string()))?;
    if !rest.is_empty() {
        return Err(PkiError::BadCertificate(format!(
            "{} unexpected bytes after the certificate",
            rest.len()
        )));
    }
    Ok(cert)
}

impl Certificate {
    /// Read a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_CERT_SIZE {
            return Err(PkiError::TooLarge {
                size: der.len(),
                limit: MAX_CERT_SIZE,
            });
        }
        let x = parse_x509(der)?;
        let info = read_info(der, &x);
        Ok(Self {
            der: der.to_vec(),
            info,
            spki: x.public_key().raw.to_vec(),
            public_key_bits: x.public_key().subject_public_key.data.to_vec(),
            common_name: x
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok().map(str::to_string)),
        })
    }

    /// Read the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        let blocks = pem::parse_all(data)?;
        let block = blocks
            .iter()
            .find(|b| b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE")
            .ok_or_else(|| PkiError::BadCertificate("no CERTIFICATE block in the PEM".into()))?;
        Self::from_der(&block.der)
    }

    /// Read DER or PEM, whichever the bytes are. Base64 without armour (what the portal
    /// shows and what `.publishsettings` embeds for some tools) is accepted too, one line
    /// or wrapped, in one pair of quotes or none (as app settings and CI variables hold it).
    pub fn parse(data: &[u8]) -> Result<Self> {
        if data.len() > 4 * MAX_CERT_SIZE {
            return Err(PkiError::TooLarge {
                size: data.len(),
                limit: 4 * MAX_CERT_SIZE,
            });
        }
        if data.first() == Some(&0x30) {
            return Self::from_der(data);
        }
        if pem::looks_like_pem(data) {
            return Self::from_pem(data);
        }
        let mut text: Vec<u8> = data
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        for q in [b'"', b'\''] {
            if text.len() >= 2 && text.first() == Some(&q) && text.last() == Some(&q) {
                text = text[1..text.len() - 1].to_vec();
            }
        }
        use base64::Engine;
        match base64::engine::general_purpose::STANDARD.decode(&text) {
            Ok(der) if der.first() == Some(&0x30) => Self::from_der(&der),
            _ => Err(PkiError::BadCertificate(
                "neither DER, PEM nor base64 of a certificate".into(),
            )),
        }
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// The bytes of a `.cer` file in the given encoding.
    pub fn encode(&self, encoding: CertEncoding) -> Vec<u8> {
        match encoding {
            CertEncoding::Der => self.der.clone(),
            CertEncoding::Pem => self.to_pem().into_bytes(),
        }
    }

    pub fn thumbprint(&self) -> Thumbprint {
        self.info.thumbprint
    }

    /// The subject, e.g. `CN=My Management Certificate`.
    pub fn subject(&self) -> &str {
        &self.info.subject
    }

    /// The common name of the subject, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    pub fn not_before(&self) -> OffsetDateTime {
        self.info.not_before
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.info.not_after
    }

    /// Whether `now` is inside the validity window.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.info.not_before <= now && now <= self.info.not_after
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The subjectPublicKey BIT STRING contents (RSAPublicKey DER, or an EC point).
    pub(crate) fn public_key_bits(&self) -> &[u8] {
        &self.public_key_bits
    }

    pub fn key_algorithm(&self) -> KeyAlgorithm {
        self.info.key
    }

    /// Everything there is to show about the certificate.
    pub fn info(&self) -> &CertInfo {
        &self.info
    }
}

fn read_info(der: &[u8], x: &X509Certificate<'_>) -> CertInfo {
    let registry = x509_parser::oid_registry::OidRegistry::default().with_all_crypto();
    let sig_oid = &x.signature_algorithm.algorithm;
    let signature_algorithm = registry
        .get(sig_oid)
        .map(|e| e.sn().to_string())
        .unwrap_or_else(|| sig_oid.to_id_string());
    let key_usage = match x.key_usage() {
        Ok(Some(ku)) => key_usage_names(ku.value),
        _ => Vec::new(),
    };
    let extended_key_usage = match x.extended_key_usage() {
        Ok(Some(eku)) => eku_names(eku.value),
        _ => Vec::new(),
    };
    let self_signed =
        x.subject().as_raw() == x.issuer().as_raw() && x.verify_signature(None).is_ok();
    CertInfo {
        subject: x.subject().to_string(),
        issuer: x.issuer().to_string(),
        serial: hex_upper(x.raw_serial()),
        not_before: x.validity().not_before.to_datetime(),
        not_after: x.validity().not_after.to_datetime(),
        key: key_algorithm_of(x.public_key()),
        signature_algorithm,
        key_usage,
        extended_key_usage,
        thumbprint: Thumbprint::of_der(der),
        sha256_fingerprint: hex_upper(&Sha256::digest(der)),
        self_signed,
    }
}

fn key_algorithm_of(spki: &SubjectPublicKeyInfo<'_>) -> KeyAlgorithm {
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(r)) => KeyAlgorithm::Rsa { bits: r.key_size() },
        Ok(x509_parser::public_key::PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => KeyAlgorithm::EcP256,
                Some("1.3.132.0.34") => KeyAlgorithm::EcP384,
                _ => KeyAlgorithm::Other,
            }
        }
        _ => KeyAlgorithm::Other,
    }
}

fn key_usage_names(ku: &x509_parser::extensions::KeyUsage) -> Vec<String> {
    let names = [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ];
    names
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| (*n).to_string())
        .collect()
}

fn eku_names(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let flags = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ];
    out.extend(
        flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| (*n).to_string()),
    );
    out.extend(eku.other.iter().map(|o| o.to_id_string()));
    out
}
