//! The errors of the certificate store. Each variant is something a caller can act on;
//! messages are one line, name the thumbprint or the path and the cause, and never contain
//! key material or passphrases.

use azmc_pki::{PkiError, Thumbprint};
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong in `azmc-certstore`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No certificate with this thumbprint in the store.
    #[error("certificate {thumbprint} not found")]
    NotFound { thumbprint: Thumbprint },
    /// The certificate is already in the store with a private key.
    #[error("certificate {thumbprint} is already in the store with a private key")]
    AlreadyExists { thumbprint: Thumbprint },
    /// The private key was stored as not exportable.
    #[error(
        "the private key of {thumbprint} is not exportable (it was imported without --exportable)"
    )]
    NotExportable { thumbprint: Thumbprint },
    /// The entry has no private key.
    #[error("certificate {thumbprint} has no private key in the store")]
    NoPrivateKey { thumbprint: Thumbprint },
    /// The private key given does not belong to the certificate.
    #[error("the private key does not match certificate {thumbprint}")]
    KeyMismatch { thumbprint: Thumbprint },
    /// The passphrase does not open a strongly protected key.
    #[error("wrong passphrase for the private key")]
    WrongPassphrase,
    /// A strongly protected key was used and no passphrase could be had.
    #[error("the private key is protected by a passphrase, and no passphrase was given")]
    PassphraseRequired,
    /// Getting the passphrase failed (no terminal, unreadable file, ...), or it is unusable.
    #[error("passphrase: {0}")]
    Passphrase(String),
    /// A certificate, key or PKCS#12 problem (wrong password, not a PKCS#12 file, ...).
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A store file is damaged, was altered, or cannot be decrypted with this scope's
    /// master key.
    #[error("{}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// The master key can be read by other users; it is not used until that is fixed.
    #[error(
        "{}: readable by other users (mode {mode:04o}); fix it with: chmod 600 {}",
        path.display(),
        path.display()
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
    /// A path we will not write through (a symbolic link, a directory, ...).
    #[error("{}: {reason}", path.display())]
    UnsafePath { path: PathBuf, reason: &'static str },
    /// Another process holds the store's lock for too long.
    #[error(
        "{}: the certificate store is locked by another process (waited {} s)",
        path.display(),
        waited.as_secs()
    )]
    Locked { path: PathBuf, waited: Duration },
    /// A store name that is not 1 to 64 of `A-Z a-z 0-9 . _ -` (or is `.`/`..`).
    #[error(
        "invalid store name {0:?}: use 1 to 64 letters, digits, '.', '_' or '-' (e.g. My, Root, TrustedPeople)"
    )]
    BadName(String),
    /// A store location that is not `[SCOPE/]NAME`.
    #[error(
        "invalid store location {0:?}: use SCOPE/NAME (CurrentUser/My, LocalMachine/Root) or NAME"
    )]
    BadLocation(String),
    /// A scope other than `CurrentUser` or `LocalMachine`.
    #[error("invalid store scope {0:?}: use CurrentUser or LocalMachine")]
    BadScope(String),
    /// Neither `AZMC_HOME`, `XDG_DATA_HOME` nor `HOME` is set.
    #[error(
        "cannot locate the CurrentUser certificate store: set AZMC_HOME (or HOME or XDG_DATA_HOME)"
    )]
    NoHome,
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        StoreError::Corrupt {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
