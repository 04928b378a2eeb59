//! `.publishsettings` documents (`shared/asm-api.md` §5.3–5.5).
//!
//! Two schemas exist. Schema 1.0 puts one `ManagementCertificate` and the endpoint (`Url`) on
//! the `PublishProfile`, shared by all its `Subscription`s; schema 2.0 puts
//! `ServiceManagementUrl` and `ManagementCertificate` on each `Subscription`. Either way the
//! certificate is the base64 of a PKCS#12 file with an empty password.
//!
//! * [`parse`] reads a document into [`PublishSettings`], a faithful picture of the file
//!   (strings as written, certificates still base64). It refuses anything that is not a
//!   well-formed publish settings document: no DOCTYPE (so no entity can ever be
//!   expanded), at most [`MAX_PUBLISH_SETTINGS_SIZE`] bytes, at most [`MAX_DEPTH`] levels.
//! * [`PublishSettings::subscriptions`] and [`PublishSettings::find`] apply the resolution
//!   rules (the subscription's own attribute first, then its profile's) and decode the
//!   certificate; [`ResolvedSubscription::open_certificate`] reads the PKCS#12.
//! * [`write()`] produces a schema 2.0 document with exactly one `PublishProfile` and
//!   certificates in the `Legacy` PKCS#12 profile, which every classic client reads.
//!
//! A publish settings file holds private keys without a password. `Debug` output shows the
//! length of a certificate, never its content, and no error message quotes it.

mod parse;
mod write;

pub use parse::parse;
pub use write::{PublishEntry, write};

use azmc_pki::pkcs12::{self, MacStatus, ReadOptions};
use azmc_pki::{Certificate, PkiError, PrivateKey};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::fmt;
use zeroize::Zeroize;

/// Largest document [`parse`] reads. Real files are 3–12 KiB; a portal download for an
/// account with hundreds of subscriptions stays far below this.
pub const MAX_PUBLISH_SETTINGS_SIZE: usize = 4 * 1024 * 1024;

/// Deepest element nesting [`parse`] accepts (real files use 3 levels).
pub const MAX_DEPTH: usize = 32;

/// A parsed `.publishsettings` document: its `PublishProfile` elements in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishSettings {
    pub profiles: Vec<PublishProfile>,
}

/// One `PublishProfile` element. Attribute values are as in the file after XML attribute
/// normalisation; `Url` and `SchemaVersion` are trimmed; empty attributes are `None`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PublishProfile {
    /// `SchemaVersion` (`2.0`, or absent for schema 1.0).
    pub schema_version: Option<String>,
    /// `PublishMethod` (`AzureServiceManagementAPI` in every real file; not checked).
    pub publish_method: Option<String>,
    /// `Url` (schema 1.0): the endpoint of every subscription of this profile.
    pub url: Option<String>,
    /// `ManagementCertificate` (schema 1.0): base64 of a PKCS#12 file, as in the file.
    pub management_certificate: Option<String>,
    /// The `Subscription` children, in file order (never empty after [`parse`]).
    pub subscriptions: Vec<SubscriptionEntry>,
}

/// One `Subscription` element.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SubscriptionEntry {
    /// `Id` (trimmed, never empty).
    pub id: String,
    /// `Name`, as written.
    pub name: Option<String>,
    /// `ServiceManagementUrl` (schema 2.0), trimmed.
    pub service_management_url: Option<String>,
    /// `ManagementCertificate` (schema 2.0): base64 of a PKCS#12 file, as in the file.
    pub management_certificate: Option<String>,
}

/// The schema of the profile a subscription came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVersion {
    /// No `SchemaVersion` attribute (or `1.0`): certificate and `Url` on the profile.
    V1,
    /// `SchemaVersion="2.0"`: certificate and `ServiceManagementUrl` on each subscription.
    V2,
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemaVersion::V1 => "1.0",
            SchemaVersion::V2 => "2.0",
        })
    }
}

/// A subscription with the resolution rules applied and its certificate decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct ResolvedSubscription {
    pub id: String,
    pub name: Option<String>,
    /// `Subscription/@ServiceManagementUrl`, else `PublishProfile/@Url`.
    pub endpoint: Option<String>,
    pub schema: SchemaVersion,
    /// The PKCS#12 file (decoded from base64): `Subscription/@ManagementCertificate`, else
    /// `PublishProfile/@ManagementCertificate`. Its password is empty, so treat these
    /// bytes as a private key. Zeroized on drop.
    pub pkcs12: Vec<u8>,
}

/// The management certificate of a subscription, opened.
#[derive(Debug, Clone)]
pub struct OpenedCertificate {
    pub certificate: Certificate,
    pub key: PrivateKey,
    /// Whether the PKCS#12 integrity check verified ([`MacStatus::Mismatch`] only when
    /// `ignore_mac` was given).
    pub mac: MacStatus,
}

/// Everything that can go wrong reading or writing publish settings. Messages are one line
/// and name the cause; the caller adds the file name. Variants that wrap a [`PkiError`]
/// expose it as [`std::error::Error::source`] rather than repeating it in their own message,
/// so print the chain (anyhow's `{:#}`). No message contains certificate data.
#[derive(Debug, thiserror::Error)]
pub enum PublishSettingsError {
    /// The input is larger than [`MAX_PUBLISH_SETTINGS_SIZE`].
    #[error("too large for a publish settings file ({size} bytes; the limit is {limit})")]
    TooLarge { size: usize, limit: usize },
    /// The input is not well-formed UTF-8 XML.
    #[error("not XML: {0}")]
    NotXml(String),
    /// Well-formed XML, but not a publish settings document.
    #[error("not a publish settings file: {0}")]
    NotPublishSettings(String),
    /// The document has a DOCTYPE (and so possibly entity declarations). Refused outright;
    /// nothing in it is read or expanded.
    #[error("DOCTYPE and entity declarations are not allowed")]
    Doctype,
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("elements are nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    /// A required attribute is missing or empty.
    #[error("a <{element}> element has no {attribute} attribute")]
    MissingAttribute {
        element: &'static str,
        attribute: &'static str,
    },
    /// A `PublishProfile` (1-based position in the file) has no `Subscription`.
    #[error("PublishProfile {index} has no <Subscription> elements")]
    EmptyProfile { index: usize },
    /// The document lists no subscription at all (or [`write()`] was given none).
    #[error("no subscriptions")]
    Empty,
    /// A `SchemaVersion` other than 1.0 and 2.0.
    #[error(
        "subscription {subscription}: unsupported SchemaVersion {version:?} (expected 2.0, or none for schema 1.0)"
    )]
    UnsupportedSchema {
        subscription: String,
        version: String,
    },
    /// The `ManagementCertificate` attribute is not base64.
    #[error("subscription {subscription}: ManagementCertificate is not valid base64: {reason}")]
    BadBase64 {
        subscription: String,
        reason: String,
    },
    /// The base64 decodes, but not to a PKCS#12 file we can parse.
    #[error("subscription {subscription}: ManagementCertificate is not PKCS#12")]
    NotPkcs12 {
        subscription: String,
        source: PkiError,
    },
    /// A PKCS#12 file that parses but does not open: its MAC does not verify, it wants a
    /// password, it uses an algorithm we lack, or its key does not match its certificate.
    #[error("subscription {subscription}: cannot open the ManagementCertificate")]
    Unreadable {
        subscription: String,
        source: PkiError,
    },
    /// Neither the subscription nor its profile has a `ManagementCertificate`.
    #[error(
        "subscription {subscription}: no ManagementCertificate (neither on the <Subscription> nor on its <PublishProfile>)"
    )]
    NoCertificate { subscription: String },
    /// The PKCS#12 file opens but lacks the certificate or the private key.
    #[error("subscription {subscription}: the ManagementCertificate holds no {missing}")]
    Incomplete {
        subscription: String,
        missing: &'static str,
    },
    /// [`PublishSettings::find`] found nothing; `available` describes every subscription.
    #[error("no subscription {wanted:?} in the file (it has {})", available.join(", "))]
    NoSuchSubscription {
        wanted: String,
        available: Vec<String>,
    },
    /// [`PublishSettings::find`] matched several subscriptions; `matches` describes them.
    #[error("{wanted:?} matches several subscriptions ({}); give the subscription id", matches.join(", "))]
    Ambiguous {
        wanted: String,
        matches: Vec<String>,
    },
    /// [`write()`] was given a value it cannot represent.
    #[error("cannot write publish settings: {0}")]
    InvalidEntry(String),
    /// [`write()`] could not encode a certificate as PKCS#12.
    #[error("subscription {subscription}: cannot write the certificate as PKCS#12")]
    Pkcs12Write {
        subscription: String,
        source: PkiError,
    },
}

type Result<T, E = PublishSettingsError> = std::result::Result<T, E>;

impl PublishSettings {
    /// Every subscription of the file in order, one entry per `Subscription` element:
    /// endpoint = `Subscription/@ServiceManagementUrl`, else `PublishProfile/@Url`;
    /// certificate = `Subscription/@ManagementCertificate`, else
    /// `PublishProfile/@ManagementCertificate`, base64-decoded after removing whitespace.
    /// Fails on the first subscription whose certificate cannot be decoded (use
    /// [`Self::find`] to pick one regardless of the others).
    pub fn subscriptions(&self) -> Result<Vec<ResolvedSubscription>> {
        let all: Vec<_> = self.entries().collect();
        if all.is_empty() {
            return Err(PublishSettingsError::Empty);
        }
        all.into_iter().map(|(p, s)| resolve(p, s)).collect()
    }

    /// The subscription whose `Id` equals `id_or_name` (ignoring case), else the one whose
    /// `Name` does (ignoring case). Nothing found → [`PublishSettingsError::NoSuchSubscription`]
    /// listing what there is; several found → [`PublishSettingsError::Ambiguous`].
    pub fn find(&self, id_or_name: &str) -> Result<ResolvedSubscription> {
        let wanted = id_or_name.trim();
        let all: Vec<_> = self.entries().collect();
        let by_id: Vec<_> = all
            .iter()
            .filter(|(_, s)| s.id.eq_ignore_ascii_case(wanted))
            .collect();
        let found = if by_id.is_empty() {
            let lower = wanted.to_lowercase();
            all.iter()
                .filter(|(_, s)| s.name.as_deref().is_some_and(|n| n.to_lowercase() == lower))
                .collect()
        } else {
            by_id
        };
        match found.as_slice() {
            [] => Err(PublishSettingsError::NoSuchSubscription {
                wanted: wanted.to_owned(),
                available: all.iter().map(|(_, s)| describe(s)).collect(),
            }),
            [(p, s)] => resolve(p, s),
            several => Err(PublishSettingsError::Ambiguous {
                wanted: wanted.to_owned(),
                matches: several.iter().map(|(_, s)| describe(s)).collect(),
            }),
        }
    }

    fn entries(&self) -> impl Iterator<Item = (&PublishProfile, &SubscriptionEntry)> {
        self.profiles
            .iter()
            .flat_map(|p| p.subscriptions.iter().map(move |s| (p, s)))
    }
}

/// `id "name"`, for messages.
fn describe(s: &SubscriptionEntry) -> String {
    match &s.name {
        Some(n) => format!("{} {n:?}", s.id),
        None => s.id.clone(),
    }
}

fn resolve(profile: &PublishProfile, sub: &SubscriptionEntry) -> Result<ResolvedSubscription> {
    let schema = match profile.schema_version.as_deref() {
        None | Some("1.0") => SchemaVersion::V1,
        Some("2.0") => SchemaVersion::V2,
        Some(other) => {
            return Err(PublishSettingsError::UnsupportedSchema {
                subscription: sub.id.clone(),
                version: other.chars().take(40).collect(),
            });
        }
    };
    let endpoint = sub
        .service_management_url
        .clone()
        .or_else(|| profile.url.clone());
    let b64 = sub
        .management_certificate
        .as_deref()
        .or(profile.management_certificate.as_deref())
        .ok_or_else(|| PublishSettingsError::NoCertificate {
            subscription: sub.id.clone(),
        })?;
    let pkcs12 = decode_base64(b64).map_err(|reason| PublishSettingsError::BadBase64 {
        subscription: sub.id.clone(),
        reason,
    })?;
    Ok(ResolvedSubscription {
        id: sub.id.clone(),
        name: sub.name.clone(),
        endpoint,
        schema,
        pkcs12,
    })
}

/// Standard alphabet, padding optional, whitespace (line breaks in hand-edited or wrapped
/// files) removed first. The reason never quotes the input beyond one offending character.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let mut compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded = ENGINE.decode(compact.as_bytes());
    let result = match decoded {
        Ok(bytes) if bytes.is_empty() => Err("it is empty".to_owned()),
        Ok(bytes) => Ok(bytes),
        Err(base64::DecodeError::InvalidByte(at, byte))
        | Err(base64::DecodeError::InvalidLastSymbol(at, byte)) => Err(format!(
            "unexpected character {} at position {at} (not counting whitespace)",
            describe_byte(byte)
        )),
        Err(base64::DecodeError::InvalidLength(_)) => {
            Err(format!("{} characters cannot be base64", compact.len()))
        }
        Err(base64::DecodeError::InvalidPadding) => Err("bad padding".to_owned()),
    };
    compact.zeroize();
    result
}

fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", char::from(byte))
    } else {
        format!("0x{byte:02X}")
    }
}

impl ResolvedSubscription {
    /// Read the PKCS#12 file with the empty password (the reader tries both the
    /// zero-length and the `00 00` form). `ignore_mac` decrypts even when the integrity
    /// check fails (the result then says [`MacStatus::Mismatch`]). The file must hold a
    /// certificate and the private key that belongs to it.
    pub fn open_certificate(&self, ignore_mac: bool) -> Result<OpenedCertificate> {
        let subscription = || self.id.clone();
        let p12 = pkcs12::read(
            &self.pkcs12,
            "",
            ReadOptions {
                ignore_mac,
                ..ReadOptions::default()
            },
        )
        .map_err(|e| match e {
            PkiError::WrongPassword
            | PkiError::MacMismatch
            | PkiError::Unsupported(_)
            | PkiError::Crypto(_) => PublishSettingsError::Unreadable {
                subscription: subscription(),
                source: e,
            },
            _ => PublishSettingsError::NotPkcs12 {
                subscription: subscription(),
                source: e,
            },
        })?;
        let certificate = p12
            .certificate
            .ok_or_else(|| PublishSettingsError::Incomplete {
                subscription: subscription(),
                missing: "certificate",
            })?;
        let key = p12.key.ok_or_else(|| PublishSettingsError::Incomplete {
            subscription: subscription(),
            missing: "private key",
        })?;
        key.check_matches(&certificate)
            .map_err(|source| PublishSettingsError::Unreadable {
                subscription: subscription(),
                source,
            })?;
        Ok(OpenedCertificate {
            certificate,
            key,
            mac: p12.mac,
        })
    }
}

// Certificates are private keys in disguise (empty password): keep them out of Debug. The
// decoded PKCS#12 is wiped on drop; the base64 strings are not (the caller holds the file's
// bytes anyway, and `Drop` would forbid `..Default::default()` on these plain records).

struct Redacted<'a>(&'a Option<String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, "<{} base64 characters, redacted>", s.len()),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for PublishProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishProfile")
            .field("schema_version", &self.schema_version)
            .field("publish_method", &self.publish_method)
            .field("url", &self.url)
            .field(
                "management_certificate",
                &Redacted(&self.management_certificate),
            )
            .field("subscriptions", &self.subscriptions)
            .finish()
    }
}

impl fmt::Debug for SubscriptionEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionEntry")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("service_management_url", &self.service_management_url)
            .field(
                "management_certificate",
                &Redacted(&self.management_certificate),
            )
            .finish()
    }
}

impl fmt::Debug for ResolvedSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedSubscription")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("schema", &self.schema)
            .field(
                "pkcs12",
                &format_args!("<{} bytes, redacted>", self.pkcs12.len()),
            )
            .finish()
    }
}

impl Drop for ResolvedSubscription {
    fn drop(&mut self) {
        self.pkcs12.zeroize();
    }
}
