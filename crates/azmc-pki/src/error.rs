use thiserror::Error;

/// Everything that can go wrong in `azmc-pki`. Variants are what a caller can act on; the
/// messages are one line and never contain key material. Callers add the input's name
/// ("x.pfx: wrong password").
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PkiError {
    /// The bytes are not an X.509 certificate (DER or PEM).
    #[error("not a valid X.509 certificate: {0}")]
    BadCertificate(String),
    /// The bytes are not a private key we can read.
    #[error("not a valid private key: {0}")]
    BadKey(String),
    /// PEM armour is broken (bad base64, missing END line, unexpected label).
    #[error("malformed PEM: {0}")]
    BadPem(String),
    /// The bytes are not a PKCS#12 (PFX) file.
    #[error("not a valid PKCS#12 file: {0}")]
    BadPkcs12(String),
    /// A well-formed file uses an algorithm we do not implement.
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    /// The password does not open the PKCS#12 file.
    #[error("wrong password")]
    WrongPassword,
    /// The bags decrypt but the integrity MAC does not verify.
    #[error(
        "the integrity check (MAC) does not verify: the file was altered or made by a faulty tool (--ignore-mac reads it anyway)"
    )]
    MacMismatch,
    /// A private key was given that does not belong to the certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// A thumbprint string that is not 40 hex digits.
    #[error("invalid thumbprint {input:?}: {reason}")]
    BadThumbprint { input: String, reason: &'static str },
    /// Parameters for a new certificate that cannot be honoured.
    #[error("invalid certificate request: {0}")]
    BadRequest(String),
    /// The crypto library failed (key generation, signing).
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),
    /// Input larger than any legitimate file of its kind.
    #[error("input too large ({size} bytes; the limit is {limit})")]
    TooLarge { size: usize, limit: usize },
}

pub type Result<T, E = PkiError> = std::result::Result<T, E>;

impl From<crate::der::DerError> for PkiError {
    fn from(e: crate::der::DerError) -> Self {
        PkiError::BadPkcs12(e.to_string())
    }
}
