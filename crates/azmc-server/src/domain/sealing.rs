//! Sealing of the secrets the server keeps (service certificates' private keys, web sites'
//! publishing passwords and connection strings): AES-256-GCM under the sealing key, as
//! nonce ‖ ciphertext ‖ tag, with associated data that binds the sealed bytes to what they
//! belong to (the certificate's thumbprint; the site and the secret's name).
//!
//! The sealing key is made on the first start of a database and stored there wrapped by
//! the key-encryption key ([`crate::keys`]), which lives outside the database. A running
//! server holds it unwrapped in memory only (zeroed when dropped, never printed).

use super::DomainError;
use aws_lc_rs::aead;
use std::fmt;
use zeroize::Zeroizing;

/// Length of a sealing key (AES-256).
pub const KEY_LEN: usize = 32;

/// The key that seals stored private keys.
pub struct SealingKey(Zeroizing<[u8; KEY_LEN]>);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// A new random key.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(k.as_mut())?;
        Ok(SealingKey(k))
    }

    /// The key in `bytes`, if they are a key's length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        k.copy_from_slice(bytes.get(..KEY_LEN).filter(|_| bytes.len() == KEY_LEN)?);
        Some(SealingKey(k))
    }

    /// The raw key, to be wrapped for storage.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    fn cipher(&self) -> Option<aead::LessSafeKey> {
        let key = aead::UnboundKey::new(&aead::AES_256_GCM, self.0.as_ref()).ok()?;
        Some(aead::LessSafeKey::new(key))
    }

    /// Seals `plain` with `aad` bound to it.
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, DomainError> {
        let internal = |what: &str| {
            tracing::error!("cannot seal a private key: {what}");
            DomainError::Internal
        };
        let mut nonce = [0u8; aead::NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| internal("no randomness"))?;
        let mut buf = plain.to_vec();
        self.cipher()
            .ok_or_else(|| internal("not an AES-256 key"))?
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut buf,
            )
            .map_err(|_| internal("seal failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Opens what [`SealingKey::seal`] produced. `None` when the bytes are not sealed
    /// data, or were sealed under another key or other associated data.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (nonce, ct) = sealed.split_at_checked(aead::NONCE_LEN)?;
        let mut buf = Zeroizing::new(ct.to_vec());
        let n = self
            .cipher()?
            .open_in_place(
                aead::Nonce::try_assume_unique_for_key(nonce).ok()?,
                aead::Aad::from(aad),
                &mut buf,
            )
            .ok()?
            .len();
        buf.truncate(n);
        Some(buf)
    }
}

/// Seals `plain` with the context's sealing key; `Internal` where the context has none
/// (no server runs in this process).
pub fn seal(ctx: &super::Ctx<'_>, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, DomainError> {
    match ctx.sealing {
        Some(k) => k.seal(plain, aad),
        None => {
            tracing::error!("cannot seal a private key: no sealing key in this context");
            Err(DomainError::Internal)
        }
    }
}

/// Opens what [`seal`] sealed with the context's key; `Internal` (logged, naming only
/// `what`) when the bytes do not open under this key and `aad`, or there is no key.
pub fn open(
    ctx: &super::Ctx<'_>,
    sealed: &[u8],
    aad: &[u8],
    what: &'static str,
) -> Result<Zeroizing<Vec<u8>>, DomainError> {
    match ctx.sealing.and_then(|k| k.open(sealed, aad)) {
        Some(plain) => Ok(plain),
        None => {
            tracing::error!(
                secret = what,
                "a sealed secret does not open under the sealing key"
            );
            Err(DomainError::Internal)
        }
    }
}
