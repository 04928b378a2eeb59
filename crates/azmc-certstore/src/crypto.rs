//! Private keys at rest: the scope's master key, the key envelope (`<THUMBPRINT>.key`),
//! AES-256-GCM sealing with the envelope's metadata as associated data, and the
//! passphrase ("strong protection") key derivation.
//!
//! Keys:
//! * default protection: `K = HMAC-SHA256(master, "azmc-certstore v1 key encryption")`;
//! * strong protection: `S = Argon2id(passphrase, salt)` (32 bytes), then
//!   `K = HMAC-SHA256(master, "azmc-certstore v1 key encryption with passphrase" || S)`,
//!   so the master key file alone does not open the key, and neither does the passphrase.
//!   A verifier `HMAC-SHA256(master, "azmc-certstore v1 passphrase verifier" || S)` tells a
//!   wrong passphrase apart from an altered file.
//!
//! The associated data binds the thumbprint, the `exportable` and `protected` flags, the
//! time added and the KDF parameters: changing any of them in the file makes decryption
//! fail.

use crate::error::StoreError;
use crate::fs::{create_secret_file_new, read_capped};
use aws_lc_rs::{aead, hmac};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use zeroize::Zeroizing;

/// Length of the master key file.
pub(crate) const MASTER_KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const SALT_LEN: usize = 16;
const STRETCHED_LEN: usize = 32;

pub(crate) const ENVELOPE_FORMAT: &str = "azmc-certstore-key";
pub(crate) const ENVELOPE_VERSION: u32 = 1;
const CIPHER: &str = "AES-256-GCM";
const KDF_ALGORITHM: &str = "argon2id";
const ARGON2_VERSION: u32 = 0x13;

const LABEL_DEFAULT: &[u8] = b"azmc-certstore v1 key encryption";
const LABEL_PROTECTED: &[u8] = b"azmc-certstore v1 key encryption with passphrase";
const LABEL_VERIFIER: &[u8] = b"azmc-certstore v1 passphrase verifier";

/// Upper bounds for KDF parameters read from a file, so an altered file cannot make us
/// allocate gigabytes or spin for hours.
const MAX_M_COST: u32 = 1024 * 1024; // KiB = 1 GiB
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 16;

/// The 32 random bytes of a scope's `master.key`. Never shown by `Debug`.
pub(crate) struct MasterKey(Zeroizing<[u8; MASTER_KEY_LEN]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Io {
        path: "<random>".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(b)
}

/// Read the master key. `Ok(None)` if the file does not exist. A file of the wrong size
/// is [`StoreError::Corrupt`]; one that other users can read is
/// [`StoreError::InsecurePermissions`].
pub(crate) fn load_master_key(path: &Path) -> Result<Option<MasterKey>, StoreError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    if !meta.is_file() {
        return Err(StoreError::corrupt(
            path,
            "the master key is not a regular file",
        ));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(StoreError::InsecurePermissions {
            path: path.to_path_buf(),
            mode: meta.mode() & 0o7777,
        });
    }
    let Some(data) = read_capped(path, 1024)?.map(Zeroizing::new) else {
        return Ok(None);
    };
    let key: [u8; MASTER_KEY_LEN] = data.as_slice().try_into().map_err(|_| {
        StoreError::corrupt(
            path,
            format!(
                "the master key has {} bytes, not {MASTER_KEY_LEN}; the private keys of this scope cannot be decrypted",
                data.len()
            ),
        )
    })?;
    Ok(Some(MasterKey(Zeroizing::new(key))))
}

/// Create the master key if it does not exist (atomically: racing creators agree on one),
/// and return it.
pub(crate) fn create_master_key(path: &Path) -> Result<MasterKey, StoreError> {
    let fresh = Zeroizing::new(random::<MASTER_KEY_LEN>()?);
    if create_secret_file_new(path, fresh.as_slice())? {
        return Ok(MasterKey(fresh));
    }
    load_master_key(path)?.ok_or_else(|| {
        StoreError::corrupt(path, "the master key vanished while it was being created")
    })
}

/// Argon2id parameters and salt of a strongly protected key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kdf {
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    pub salt: Vec<u8>,
    pub verifier: Vec<u8>,
}

impl Kdf {
    fn describe(&self) -> String {
        format!(
            "{KDF_ALGORITHM} v={ARGON2_VERSION} m={} t={} p={} salt={}",
            self.m_cost,
            self.t_cost,
            self.p_cost,
            B64.encode(&self.salt)
        )
    }

    fn stretch(&self, passphrase: &str) -> Result<Zeroizing<[u8; STRETCHED_LEN]>, String> {
        let params =
            argon2::Params::new(self.m_cost, self.t_cost, self.p_cost, Some(STRETCHED_LEN))
                .map_err(|e| format!("invalid Argon2id parameters: {e}"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; STRETCHED_LEN]);
        argon
            .hash_password_into(passphrase.as_bytes(), &self.salt, out.as_mut_slice())
            .map_err(|e| format!("Argon2id failed: {e}"))?;
        Ok(out)
    }
}

/// A private key as stored: the envelope's fields, decoded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SealedKey {
    pub thumbprint: String,
    pub exportable: bool,
    pub added: i64,
    pub kdf: Option<Kdf>,
    pub nonce: [u8; NONCE_LEN],
    pub ciphertext: Vec<u8>,
}

/// The JSON form of `<THUMBPRINT>.key`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    version: u32,
    thumbprint: String,
    exportable: bool,
    protected: bool,
    /// Unix time (seconds) the key was stored.
    added: i64,
    kdf: Option<EnvelopeKdf>,
    cipher: String,
    nonce: String,
    ciphertext: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeKdf {
    algorithm: String,
    version: u32,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    verifier: String,
}

/// Why a key did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    WrongPassphrase,
    /// Altered file, or a master key that is not the one it was sealed with.
    Failed(String),
}

impl SealedKey {
    pub fn protected(&self) -> bool {
        self.kdf.is_some()
    }

    fn aad(&self) -> Vec<u8> {
        aad(
            &self.thumbprint,
            self.exportable,
            self.kdf.as_ref(),
            self.added,
        )
    }

    /// Encrypt `pkcs8` under `master` (and `passphrase`, for strong protection).
    pub fn seal(
        master: &MasterKey,
        thumbprint: &str,
        pkcs8: &[u8],
        exportable: bool,
        passphrase: Option<&str>,
        added: i64,
    ) -> Result<SealedKey, StoreError> {
        let (kdf, key) = match passphrase {
            None => (None, derive(master, None)),
            Some(p) => {
                let mut kdf = Kdf {
                    m_cost: argon2::Params::DEFAULT_M_COST,
                    t_cost: argon2::Params::DEFAULT_T_COST,
                    p_cost: argon2::Params::DEFAULT_P_COST,
                    salt: random::<SALT_LEN>()?.to_vec(),
                    verifier: Vec::new(),
                };
                let stretched = kdf.stretch(p).map_err(StoreError::Passphrase)?;
                kdf.verifier = verifier(master, &stretched);
                (Some(kdf), derive(master, Some(&stretched)))
            }
        };
        let mut sealed = SealedKey {
            thumbprint: thumbprint.to_string(),
            exportable,
            added,
            kdf,
            nonce: random::<NONCE_LEN>()?,
            ciphertext: Vec::new(),
        };
        let aad = sealed.aad();
        let mut buf = Zeroizing::new(pkcs8.to_vec());
        cipher(&key)
            .and_then(|k| {
                k.seal_in_place_append_tag(
                    aead::Nonce::assume_unique_for_key(sealed.nonce),
                    aead::Aad::from(aad.as_slice()),
                    &mut *buf,
                )
            })
            .map_err(|_| {
                StoreError::Pki(azmc_pki::PkiError::Crypto(
                    "AES-256-GCM sealing failed".into(),
                ))
            })?;
        sealed.ciphertext = buf.to_vec();
        Ok(sealed)
    }

    /// Decrypt to the PKCS#8 bytes. `passphrase` is required for strongly protected keys.
    pub fn open(
        &self,
        master: &MasterKey,
        passphrase: Option<&str>,
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let key = match (&self.kdf, passphrase) {
            (None, _) => derive(master, None),
            (Some(_), None) => return Err(OpenError::WrongPassphrase),
            (Some(kdf), Some(p)) => {
                let stretched = kdf.stretch(p).map_err(OpenError::Failed)?;
                let vkey = hmac::Key::new(hmac::HMAC_SHA256, master.0.as_slice());
                let mut msg = Zeroizing::new(LABEL_VERIFIER.to_vec());
                msg.extend_from_slice(stretched.as_slice());
                if hmac::verify(&vkey, &msg, &kdf.verifier).is_err() {
                    return Err(OpenError::WrongPassphrase);
                }
                derive(master, Some(&stretched))
            }
        };
        let aad = self.aad();
        let mut buf = Zeroizing::new(self.ciphertext.clone());
        let len = cipher(&key)
            .and_then(|k| {
                k.open_in_place(
                    aead::Nonce::assume_unique_for_key(self.nonce),
                    aead::Aad::from(aad.as_slice()),
                    buf.as_mut_slice(),
                )
                .map(|plain| plain.len())
            })
            .map_err(|_| {
                OpenError::Failed(
                    "the private key does not decrypt: the file was altered, or master.key is not the one it was sealed with"
                        .into(),
                )
            })?;
        buf.truncate(len);
        Ok(buf)
    }

    /// The file contents.
    pub fn to_json(&self) -> Vec<u8> {
        let env = Envelope {
            format: ENVELOPE_FORMAT.into(),
            version: ENVELOPE_VERSION,
            thumbprint: self.thumbprint.clone(),
            exportable: self.exportable,
            protected: self.protected(),
            added: self.added,
            kdf: self.kdf.as_ref().map(|k| EnvelopeKdf {
                algorithm: KDF_ALGORITHM.into(),
                version: ARGON2_VERSION,
                m_cost: k.m_cost,
                t_cost: k.t_cost,
                p_cost: k.p_cost,
                salt: B64.encode(&k.salt),
                verifier: B64.encode(&k.verifier),
            }),
            cipher: CIPHER.into(),
            nonce: B64.encode(self.nonce),
            ciphertext: B64.encode(&self.ciphertext),
        };
        let mut out = serde_json::to_vec_pretty(&env).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Read and check an envelope. Errors are the reason, for [`StoreError::Corrupt`].
    pub fn from_json(data: &[u8]) -> Result<SealedKey, String> {
        let env: Envelope =
            serde_json::from_slice(data).map_err(|e| format!("not a key envelope: {e}"))?;
        if env.format != ENVELOPE_FORMAT {
            return Err(format!("not a key envelope (format {:?})", env.format));
        }
        if env.version != ENVELOPE_VERSION {
            return Err(format!(
                "key envelope version {} is not supported (this azmc reads version {ENVELOPE_VERSION})",
                env.version
            ));
        }
        if env.cipher != CIPHER {
            return Err(format!("unsupported cipher {:?}", env.cipher));
        }
        if env.protected != env.kdf.is_some() {
            return Err("the protected flag and the KDF parameters disagree".into());
        }
        let b64 = |what: &str, s: &str| {
            B64.decode(s)
                .map_err(|e| format!("{what} is not valid base64: {e}"))
        };
        let nonce: [u8; NONCE_LEN] = b64("nonce", &env.nonce)?
            .try_into()
            .map_err(|_| format!("the nonce is not {NONCE_LEN} bytes"))?;
        let ciphertext = b64("ciphertext", &env.ciphertext)?;
        if ciphertext.len() <= TAG_LEN {
            return Err("the ciphertext is too short".into());
        }
        let kdf = match env.kdf {
            None => None,
            Some(k) => {
                if k.algorithm != KDF_ALGORITHM || k.version != ARGON2_VERSION {
                    return Err(format!(
                        "unsupported KDF {:?} version {}",
                        k.algorithm, k.version
                    ));
                }
                if k.m_cost > MAX_M_COST || k.t_cost > MAX_T_COST || k.p_cost > MAX_P_COST {
                    return Err("Argon2id parameters beyond the accepted limits".into());
                }
                let salt = b64("salt", &k.salt)?;
                if !(8..=64).contains(&salt.len()) {
                    return Err("the salt is not 8 to 64 bytes".into());
                }
                let verifier = b64("verifier", &k.verifier)?;
                if verifier.len() != 32 {
                    return Err("the passphrase verifier is not 32 bytes".into());
                }
                Some(Kdf {
                    m_cost: k.m_cost,
                    t_cost: k.t_cost,
                    p_cost: k.p_cost,
                    salt,
                    verifier,
                })
            }
        };
        Ok(SealedKey {
            thumbprint: env.thumbprint,
            exportable: env.exportable,
            added: env.added,
            kdf,
            nonce,
            ciphertext,
        })
    }
}

fn aad(thumbprint: &str, exportable: bool, kdf: Option<&Kdf>, added: i64) -> Vec<u8> {
    format!(
        "azmc-certstore key v{ENVELOPE_VERSION}\nthumbprint={thumbprint}\nexportable={exportable}\nprotected={}\nadded={added}\nkdf={}\n",
        kdf.is_some(),
        kdf.map(Kdf::describe).unwrap_or_else(|| "none".into())
    )
    .into_bytes()
}

fn derive(master: &MasterKey, stretched: Option<&[u8; STRETCHED_LEN]>) -> Zeroizing<[u8; 32]> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, master.0.as_slice());
    let mut ctx = hmac::Context::with_key(&key);
    match stretched {
        None => ctx.update(LABEL_DEFAULT),
        Some(s) => {
            ctx.update(LABEL_PROTECTED);
            ctx.update(s);
        }
    }
    let tag = ctx.sign();
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(tag.as_ref());
    out
}

fn verifier(master: &MasterKey, stretched: &[u8; STRETCHED_LEN]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, master.0.as_slice());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(LABEL_VERIFIER);
    ctx.update(stretched);
    ctx.sign().as_ref().to_vec()
}

fn cipher(key: &[u8; 32]) -> Result<aead::LessSafeKey, aws_lc_rs::error::Unspecified> {
    Ok(aead::LessSafeKey::new(aead::UnboundKey::new(
        &aead::AES_256_GCM,
        key,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey(Zeroizing::new([7u8; 32]))
    }

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let m = master();
        let s = SealedKey::seal(&m, "AB", b"secret pkcs8", false, None, 1).unwrap();
        assert_eq!(&*s.open(&m, None).unwrap(), b"secret pkcs8");
        let back = SealedKey::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
        let mut flipped = s.clone();
        flipped.exportable = true;
        assert!(matches!(flipped.open(&m, None), Err(OpenError::Failed(_))));
        let mut moved = s.clone();
        moved.thumbprint = "CD".into();
        assert!(matches!(moved.open(&m, None), Err(OpenError::Failed(_))));
        let other = MasterKey(Zeroizing::new([8u8; 32]));
        assert!(matches!(s.open(&other, None), Err(OpenError::Failed(_))));
    }

    #[test]
    fn passphrase_and_master_are_both_needed() {
        let m = master();
        let s = SealedKey::seal(&m, "AB", b"k", true, Some("pw"), 1).unwrap();
        assert!(s.protected());
        assert_eq!(&*s.open(&m, Some("pw")).unwrap(), b"k");
        assert!(matches!(
            s.open(&m, Some("nope")),
            Err(OpenError::WrongPassphrase)
        ));
        assert!(matches!(s.open(&m, None), Err(OpenError::WrongPassphrase)));
        let other = MasterKey(Zeroizing::new([8u8; 32]));
        assert!(s.open(&other, Some("pw")).is_err());
    }

    #[test]
    fn rejects_malformed_envelopes() {
        assert!(SealedKey::from_json(b"garbage").is_err());
        let m = master();
        let s = SealedKey::seal(&m, "AB", b"k", true, None, 1).unwrap();
        let text = String::from_utf8(s.to_json()).unwrap();
        let bad = text.replace("\"version\": 1", "\"version\": 9");
        assert!(
            SealedKey::from_json(bad.as_bytes())
                .unwrap_err()
                .contains("version 9")
        );
        let bad = text.replace("\"protected\": false", "\"protected\": true");
        assert!(SealedKey::from_json(bad.as_bytes()).is_err());
    }
}
