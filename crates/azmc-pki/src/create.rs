//! New self-signed management certificates, as `makecert -sky exchange -r -pe -a sha256
//! -len 2048 -n CN=<name> -eku 1.3.6.1.5.5.7.3.2` made them, with modern defaults.

use crate::cert::Certificate;
use crate::der;
use crate::error::{PkiError, Result};
use crate::key::PrivateKey;
use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, RsaKeySize, SerialNumber,
};
use sha1::{Digest, Sha1};
use std::str::FromStr;
use time::{Duration, OffsetDateTime};

/// Key type of a new certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyKind {
    #[default]
    Rsa2048,
    Rsa3072,
    Rsa4096,
    P256,
}

impl KeyKind {
    pub const ALL: [KeyKind; 4] = [
        KeyKind::Rsa2048,
        KeyKind::Rsa3072,
        KeyKind::Rsa4096,
        KeyKind::P256,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa2048 => "rsa2048",
            KeyKind::Rsa3072 => "rsa3072",
            KeyKind::Rsa4096 => "rsa4096",
            KeyKind::P256 => "p256",
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyKind {
    type Err = PkiError;
    fn from_str(s: &str) -> Result<Self> {
        KeyKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                PkiError::BadRequest(format!(
                    "unknown key type {s:?} (rsa2048, rsa3072, rsa4096 or p256)"
                ))
            })
    }
}

/// Longest validity we issue (makecert's own limit was the year 2039; 100 years is ample).
pub const MAX_DAYS: u32 = 36_500;
/// How far before "now" the validity starts, so a client with a slightly slow clock
/// does not present a not-yet-valid certificate.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// What a new certificate should be.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    /// The common name: the subject is `CN=<name>`.
    pub name: &'a str,
    pub key: KeyKind,
    /// Validity in days from `now`.
    pub days: u32,
    /// The current time (from a [`crate::clock::Clock`]).
    pub now: OffsetDateTime,
}

/// Create a self-signed management certificate and its private key.
pub fn create_self_signed(req: &NewCertificate<'_>) -> Result<(Certificate, PrivateKey)> {
    let name = req.name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(PkiError::BadRequest(
            "the name (CN) must be 1 to 64 characters".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(PkiError::BadRequest(
            "the name (CN) contains control characters".into(),
        ));
    }
    if req.days == 0 || req.days > MAX_DAYS {
        return Err(PkiError::BadRequest(format!(
            "validity must be 1 to {MAX_DAYS} days, not {}",
            req.days
        )));
    }
    let crypto = |e: rcgen::Error| PkiError::Crypto(e.to_string());
    let key_pair = match req.key {
        KeyKind::Rsa2048 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048),
        KeyKind::Rsa3072 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_3072),
        KeyKind::Rsa4096 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_4096),
        KeyKind::P256 => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256),
    }
    .map_err(crypto)?;

    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.not_before = req.now - CLOCK_SKEW;
    params.not_after = req.now + Duration::days(i64::from(req.days));
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
    params.key_usages = match req.key {
        KeyKind::P256 => vec![KeyUsagePurpose::DigitalSignature],
        _ => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
    };
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    // Subject key identifier, RFC 5280 §4.2.1.2 method (1): SHA-1 of the public key bits.
    let ski = Sha1::digest(key_pair.public_key_raw());
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 14],
        der::octet_string(&ski),
    )];
    let cert = params.self_signed(&key_pair).map_err(crypto)?;
    let certificate = Certificate::from_der(cert.der())?;
    let key = PrivateKey::from_pkcs8_der(&zeroize::Zeroizing::new(key_pair.serialize_der()))?;
    Ok((certificate, key))
}

/// 16 random bytes, positive and minimally encoded (top bit clear, second-highest set).
fn random_serial() -> Result<[u8; 16]> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| PkiError::Crypto(e.to_string()))?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}
