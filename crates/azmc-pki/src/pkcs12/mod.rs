//! PKCS#12 (`.pfx`/`.p12`) read and write.
//!
//! Read: PBES2 (PBKDF2 with HMAC-SHA1/-SHA224/-SHA256/-SHA384/-SHA512; AES-128/192/256-CBC or
//! DES-EDE3-CBC), pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd2-KeyTripleDES-CBC,
//! pbeWithSHAAnd40BitRC2-CBC and pbeWithSHAAnd128BitRC2-CBC; MAC HMAC-SHA1/-SHA224/-SHA256/
//! -SHA384/-SHA512 (PKCS#12 KDF). An empty password is tried in both conventions:
//! zero-length ("NULL", what Windows and Azure use) and the two-zero-byte BMPString (what
//! OpenSSL writes for `pass:`). Iteration counts above 10 000 000 per derivation (or
//! 50 000 000 per file) are refused as hostile. Layout: `kdf` (the PKCS#12 KDF and MAC,
//! password forms, iteration limits), `cipher` (the CBC block ciphers), `scheme` (the PBE
//! schemes and their AlgorithmIdentifiers), `read`, `write`.
//!
//! Write, two [`Profile`]s: `Modern` (PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC)
//! and `Legacy` (3DES for key and certificate bags, HMAC-SHA1 MAC, strict DER; an empty
//! password is written as the zero-length password), the profile every legacy ASM client
//! reads (`shared/asm-api.md` §5.5).

use crate::cert::Certificate;
use crate::error::Result;
use crate::key::PrivateKey;

mod cipher;
mod kdf;
mod read;
mod scheme;
mod write;

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const OID_X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
const OID_FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
const OID_LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";

/// Largest PKCS#12 file we read (real ones are 2–10 KiB).
pub const MAX_PKCS12_SIZE: usize = 1024 * 1024;

/// How a PKCS#12 file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256 for both bags, HMAC-SHA256 MAC.
    #[default]
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for both bags, HMAC-SHA1 MAC, strict DER;
    /// `""` is written as the zero-length password. Readable by OpenSSL 3 without
    /// `-legacy`, the classic xplat CLI, pyOpenSSL and Go's x/crypto/pkcs12.
    Legacy,
}

impl std::str::FromStr for Profile {
    type Err = crate::PkiError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "modern" => Ok(Profile::Modern),
            "legacy" => Ok(Profile::Legacy),
            _ => Err(crate::PkiError::BadRequest(format!(
                "unknown PKCS#12 profile {s:?} (modern or legacy)"
            ))),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Profile::Modern => "modern",
            Profile::Legacy => "legacy",
        })
    }
}

/// Options for [`read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Decrypt even when the MAC does not verify (the two azure-xplat-cli test files need
    /// it). The result then says [`MacStatus::Mismatch`].
    pub ignore_mac: bool,
    /// Most iterations one key derivation (MAC or bag) may ask for; `None` = 10,000,000.
    /// A server reading files from strangers sets less: real files use 1 to 600,000.
    pub max_iterations: Option<u32>,
    /// Most iterations the whole read may spend, over every password form tried, the MAC
    /// and the bags; `None` = 50,000,000. Checked before each derivation, so a hostile
    /// file costs at most this much work.
    pub work_budget: Option<u64>,
}

/// What became of the integrity check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacStatus {
    /// The MAC verified.
    Verified,
    /// The file has no MAC.
    Absent,
    /// The MAC did not verify and `ignore_mac` was set.
    Mismatch,
}

/// Which password form opened the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordForm {
    /// A non-empty password.
    Text,
    /// The zero-length password (Windows, Azure publish settings).
    Null,
    /// The empty BMPString `00 00` (OpenSSL's `pass:`).
    EmptyBmp,
}

/// How a file was protected (for `azmc pfx inspect`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs12Layout {
    /// e.g. `HMAC-SHA1`, or `none`.
    pub mac_algorithm: String,
    pub mac_iterations: u64,
    /// Encryption of the key bag, e.g. `pbeWithSHAAnd3-KeyTripleDES-CBC`,
    /// `PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)`, or `none`.
    pub key_encryption: String,
    /// Encryption of the certificate bags.
    pub cert_encryption: String,
    pub password_form: PasswordForm,
}

/// The contents of a PKCS#12 file.
#[derive(Debug, Clone)]
pub struct Pkcs12 {
    /// The private key, if the file has one.
    pub key: Option<PrivateKey>,
    /// The end-entity certificate: the one matching the key, else the first one.
    pub certificate: Option<Certificate>,
    /// Any other certificates (chain), in file order.
    pub other_certificates: Vec<Certificate>,
    /// The friendlyName of the key bag (or of the certificate bag).
    pub friendly_name: Option<String>,
    pub mac: MacStatus,
    pub layout: Pkcs12Layout,
}

/// Read a PKCS#12 file.
///
/// An empty `password` is tried as the zero-length password, then as `00 00`
/// ([`Pkcs12Layout::password_form`] says which opened the file). Errors: `TooLarge`,
/// `BadPkcs12` (malformed), `Unsupported` (an algorithm we do not implement, or a hostile
/// iteration count), `WrongPassword`, `MacMismatch` (the bags decrypt but the MAC does
/// not verify; [`ReadOptions::ignore_mac`] reads such files anyway), and
/// `BadKey`/`BadCertificate` for contents we cannot parse.
pub fn read(data: &[u8], password: &str, options: ReadOptions) -> Result<Pkcs12> {
    read::read(data, password, options)
}

pub use write::write;
