//! Sealing of the private keys the server keeps (service certificates): AES-256-GCM under
//! the database's sealing key, as nonce ‖ ciphertext ‖ tag, with associated data that
//! binds the sealed bytes to what they belong to (the certificate's thumbprint).
//!
//! The sealing key is random and made by the first seal (atomically: nodes sealing at the
//! same time all get the one stored first). Opening never creates a key: with no key
//! stored, nothing was ever sealed and nothing opens.

use super::DomainError;
use aws_lc_rs::aead;
use azmc_db::Db;

fn cipher(key: &[u8]) -> Option<aead::LessSafeKey> {
    Some(aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_256_GCM, key).ok()?,
    ))
}

/// Seals `plain` with the database's sealing key (made now if there is none yet).
pub async fn seal(db: &Db, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, DomainError> {
    let internal = |what: &str| {
        tracing::error!("cannot seal a private key: {what}");
        DomainError::Internal
    };
    let mut candidate = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(candidate.as_mut()).map_err(|_| internal("no randomness"))?;
    let key = db
        .sealing_key_or_insert(candidate.as_ref())
        .await
        .map_err(DomainError::from_db)?;
    let key = cipher(&key).ok_or_else(|| internal("the stored sealing key is not 32 bytes"))?;
    let mut nonce = [0u8; aead::NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| internal("no randomness"))?;
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::from(aad),
        &mut buf,
    )
    .map_err(|_| internal("seal failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    Ok(out)
}

/// Opens what [`seal`] produced. `None` when no sealing key exists, the bytes are not
/// sealed data, or they were sealed under another key or other associated data.
pub async fn open(db: &Db, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    let key = db.sealing_key().await.ok()??;
    let key = cipher(&key)?;
    let (nonce, ct) = sealed.split_at_checked(aead::NONCE_LEN)?;
    let mut buf = ct.to_vec();
    let plain = key
        .open_in_place(
            aead::Nonce::try_assume_unique_for_key(nonce).ok()?,
            aead::Aad::from(aad),
            &mut buf,
        )
        .ok()?;
    Some(plain.to_vec())
}
