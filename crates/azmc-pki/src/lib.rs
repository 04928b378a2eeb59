//! `azmc-pki`: management certificates as bytes.
//!
//! Create self-signed X.509 management certificates ([`create`]), read and write them as DER
//! or PEM ([`cert`], [`pem`]), handle private keys ([`key`]), compute thumbprints the way
//! Windows and Azure show them ([`thumbprint`]), and read and write PKCS#12 files
//! ([`pkcs12`]) in every variant the Azure tooling produced, including the zero-length
//! ("NULL") password of `.publishsettings` certificates.
//!
//! Boundary: pure functions from bytes to bytes. No files, no network, no global state;
//! the current time arrives as a parameter ([`clock`]). Errors are [`PkiError`] variants a
//! caller can act on; the caller adds the name of the input.
//!
//! Departure from the usual choice: PKCS#12 is our own module on RustCrypto primitives,
//! because no published crate reads real Azure files as they are (see
//! `shared/crate-notes.md` §2).

pub mod cert;
pub mod clock;
pub mod create;
pub mod der;
pub mod error;
pub mod key;
pub mod pem;
pub mod pkcs12;
pub mod thumbprint;

pub use cert::{CertEncoding, CertInfo, Certificate, KeyAlgorithm};
pub use create::{KeyKind, NewCertificate, create_self_signed};
pub use error::{PkiError, Result};
pub use key::PrivateKey;
pub use thumbprint::Thumbprint;
