//! The writer: the one shape every classic client reads (`shared/asm-api.md` §5.3–5.5).

use super::{PublishSettingsError, Result};
use crate::asm::escape;
use crate::xmlcommon::is_xml_char;
use azmc_pki::pkcs12::{self, Profile};
use azmc_pki::{Certificate, PrivateKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::fmt::Write as _;
use zeroize::Zeroize;

/// One subscription to write.
#[derive(Debug, Clone, Copy)]
pub struct PublishEntry<'a> {
    /// The subscription id (non-empty, no surrounding whitespace).
    pub id: &'a str,
    /// The display name (may be empty: the reader then reports no name).
    pub name: &'a str,
    /// The Service Management endpoint, e.g. `https://asm.example.test:8443` (non-empty, no
    /// surrounding whitespace).
    pub endpoint: &'a str,
    pub certificate: &'a Certificate,
    pub key: &'a PrivateKey,
}

/// Write a schema 2.0 document: the XML declaration, exactly one `PublishProfile`
/// (`SchemaVersion="2.0" PublishMethod="AzureServiceManagementAPI"`; the classic CLI imports
/// nothing from a file with several), one `Subscription` per entry with
/// `ServiceManagementUrl`, `Id`, `Name` and `ManagementCertificate` = base64 of
/// `pkcs12::write(cert, key, &[], "", Profile::Legacy, None)` (3DES bags, HMAC-SHA1 MAC,
/// zero-length password: readable by OpenSSL 3 without `-legacy`, the classic CLI,
/// pyOpenSSL and Go). Attribute values are escaped, including tab and line breaks, so they
/// read back unchanged. No namespace (Python's ElementTree path would miss it).
///
/// The result holds private keys protected by no password: treat it as a secret.
pub fn write(entries: &[PublishEntry<'_>]) -> Result<String> {
    if entries.is_empty() {
        return Err(PublishSettingsError::Empty);
    }
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <PublishData>\n  \
         <PublishProfile\n    \
         SchemaVersion=\"2.0\"\n    \
         PublishMethod=\"AzureServiceManagementAPI\">\n",
    );
    for entry in entries {
        check_token("subscription id", entry.id)?;
        check_token("endpoint", entry.endpoint)?;
        check_chars("name", entry.name)?;
        let pkcs12_error = |source| PublishSettingsError::Pkcs12Write {
            subscription: entry.id.to_owned(),
            source,
        };
        entry
            .key
            .check_matches(entry.certificate)
            .map_err(pkcs12_error)?;
        let mut p12 = pkcs12::write(entry.certificate, entry.key, &[], "", Profile::Legacy, None)
            .map_err(pkcs12_error)?;
        let mut b64 = STANDARD.encode(&p12);
        p12.zeroize();
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "    <Subscription\n      \
             ServiceManagementUrl=\"{}\"\n      \
             Id=\"{}\"\n      \
             Name=\"{}\"\n      \
             ManagementCertificate=\"{b64}\" />\n",
            escape(entry.endpoint),
            escape(entry.id),
            escape(entry.name),
        );
        b64.zeroize();
    }
    out.push_str("  </PublishProfile>\n</PublishData>\n");
    Ok(out)
}

/// Ids and URLs: non-empty, no surrounding whitespace (the reader trims them), XML chars.
fn check_token(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(PublishSettingsError::InvalidEntry(format!(
            "the {what} is empty"
        )));
    }
    if value.trim() != value {
        return Err(PublishSettingsError::InvalidEntry(format!(
            "the {what} {value:?} has leading or trailing whitespace"
        )));
    }
    check_chars(what, value)
}

/// XML 1.0 `Char`: no control characters other than tab, LF and CR; no U+FFFE/U+FFFF.
fn check_chars(what: &str, value: &str) -> Result<()> {
    match value.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(PublishSettingsError::InvalidEntry(format!(
            "the {what} contains U+{:04X}, which XML cannot represent",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}
