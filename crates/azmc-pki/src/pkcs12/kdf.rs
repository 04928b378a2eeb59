//! The algorithms behind PKCS#12: the PKCS#12 key-derivation function (RFC 7292
//! appendix B), HMAC, PBKDF2, the two families of password-based encryption (the PKCS#12
//! PBE schemes and PBES2), the password forms, and a work budget that keeps hostile
//! iteration counts from turning a read into a denial of service.

use super::PasswordForm;
use crate::der::{self, TAG_INTEGER, TAG_NULL, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, Tlv};
use crate::error::{PkiError, Result};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit,
};
use hmac::{EagerHash, Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

/// Highest iteration count accepted for one key derivation. Real files use 1 to 600 000;
/// anything above this is hostile (or would take minutes).
pub(crate) const MAX_ITERATIONS: u64 = 10_000_000;

/// Total iterations one [`super::read`] may spend over all candidates, MAC and bags.
pub(crate) const WORK_BUDGET: u64 = 50_000_000;

/// Longest salt accepted (real salts are 8 to 64 bytes).
pub(crate) const MAX_SALT: usize = 1024;

// ---------------------------------------------------------------- OIDs

pub(crate) const OID_PBE_SHA1_RC4_128: &str = "1.2.840.113549.1.12.1.1";
pub(crate) const OID_PBE_SHA1_RC4_40: &str = "1.2.840.113549.1.12.1.2";
pub(crate) const OID_PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
pub(crate) const OID_PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";
pub(crate) const OID_PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
pub(crate) const OID_PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";
pub(crate) const OID_PBES2: &str = "1.2.840.113549.1.5.13";
pub(crate) const OID_PBKDF2: &str = "1.2.840.113549.1.5.12";
pub(crate) const OID_PBMAC1: &str = "1.2.840.113549.1.5.14";
const OID_AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
const OID_AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
const OID_AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const OID_DES_EDE3_CBC: &str = "1.2.840.113549.3.7";

// ---------------------------------------------------------------- hashes

/// A hash function used by a MAC, the PKCS#12 KDF or a PBKDF2 PRF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// From a digest OID (MacData's DigestInfo).
    pub(crate) fn from_digest_oid(oid: &str) -> Option<Self> {
        Some(match oid {
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }

    pub(crate) fn digest_oid(self) -> &'static str {
        match self {
            Hash::Sha1 => "1.3.14.3.2.26",
            Hash::Sha224 => "2.16.840.1.101.3.4.2.4",
            Hash::Sha256 => "2.16.840.1.101.3.4.2.1",
            Hash::Sha384 => "2.16.840.1.101.3.4.2.2",
            Hash::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    /// From an HMAC OID (PBKDF2's PRF).
    pub(crate) fn from_hmac_oid(oid: &str) -> Option<Self> {
        Some(match oid {
            "1.2.840.113549.2.7" => Hash::Sha1,
            "1.2.840.113549.2.8" => Hash::Sha224,
            "1.2.840.113549.2.9" => Hash::Sha256,
            "1.2.840.113549.2.10" => Hash::Sha384,
            "1.2.840.113549.2.11" => Hash::Sha512,
            _ => return None,
        })
    }

    pub(crate) fn hmac_oid(self) -> &'static str {
        match self {
            Hash::Sha1 => "1.2.840.113549.2.7",
            Hash::Sha224 => "1.2.840.113549.2.8",
            Hash::Sha256 => "1.2.840.113549.2.9",
            Hash::Sha384 => "1.2.840.113549.2.10",
            Hash::Sha512 => "1.2.840.113549.2.11",
        }
    }

    /// `SHA1`, `SHA256`, ... (as in `HMAC-SHA1`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA1",
            Hash::Sha224 => "SHA224",
            Hash::Sha256 => "SHA256",
            Hash::Sha384 => "SHA384",
            Hash::Sha512 => "SHA512",
        }
    }

    pub(crate) fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// The PKCS#12 KDF (RFC 7292 appendix B.2) with this hash: `len` bytes of key
    /// material of purpose `id` (1 key, 2 IV, 3 MAC key) from raw password bytes.
    pub(crate) fn pkcs12_kdf(
        self,
        password: &[u8],
        salt: &[u8],
        id: u8,
        iterations: u32,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        match self {
            Hash::Sha1 => kdf_with::<Sha1>(64, password, salt, id, iterations, len),
            Hash::Sha224 => kdf_with::<Sha224>(64, password, salt, id, iterations, len),
            Hash::Sha256 => kdf_with::<Sha256>(64, password, salt, id, iterations, len),
            Hash::Sha384 => kdf_with::<Sha384>(128, password, salt, id, iterations, len),
            Hash::Sha512 => kdf_with::<Sha512>(128, password, salt, id, iterations, len),
        }
    }

    /// HMAC of `data` under `key`.
    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Hash::Sha1 => hmac_with::<Sha1>(key, data),
            Hash::Sha224 => hmac_with::<Sha224>(key, data),
            Hash::Sha256 => hmac_with::<Sha256>(key, data),
            Hash::Sha384 => hmac_with::<Sha384>(key, data),
            Hash::Sha512 => hmac_with::<Sha512>(key, data),
        }
    }

    /// Constant-time check of an HMAC tag.
    pub(crate) fn hmac_verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> Result<bool> {
        match self {
            Hash::Sha1 => hmac_verify_with::<Sha1>(key, data, tag),
            Hash::Sha224 => hmac_verify_with::<Sha224>(key, data, tag),
            Hash::Sha256 => hmac_verify_with::<Sha256>(key, data, tag),
            Hash::Sha384 => hmac_verify_with::<Sha384>(key, data, tag),
            Hash::Sha512 => hmac_verify_with::<Sha512>(key, data, tag),
        }
    }

    /// PBKDF2 with HMAC over this hash.
    pub(crate) fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        match self {
            Hash::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, out),
            Hash::Sha224 => pbkdf2::pbkdf2_hmac::<Sha224>(password, salt, iterations, out),
            Hash::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, out),
            Hash::Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(password, salt, iterations, out),
            Hash::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, out),
        }
    }
}

/// `src` repeated to the smallest multiple of `v` bytes that holds it (empty stays empty).
fn stretch(src: &[u8], v: usize) -> Zeroizing<Vec<u8>> {
    let n = v * src.len().div_ceil(v);
    Zeroizing::new(src.iter().copied().cycle().take(n).collect())
}

fn kdf_with<D: Digest>(
    v: usize,
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let diversifier = vec![id; v];
    let mut i_buf = stretch(salt, v);
    i_buf.extend_from_slice(&stretch(password, v));
    let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
    while out.len() < len {
        let mut h = D::new();
        h.update(&diversifier);
        h.update(i_buf.as_slice());
        let mut a = h.finalize();
        for _ in 1..iterations {
            a = D::digest(&a);
        }
        out.extend_from_slice(&a);
        if out.len() >= len {
            break;
        }
        // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block, B = A repeated to v bytes.
        let b: Zeroizing<Vec<u8>> = Zeroizing::new(a.iter().copied().cycle().take(v).collect());
        for block in i_buf.chunks_mut(v) {
            let mut carry: u16 = 1;
            for (x, y) in block.iter_mut().zip(b.iter()).rev() {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(len);
    out
}

fn hmac_with<D: EagerHash>(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key)
        .map_err(|e| PkiError::Crypto(format!("HMAC key: {e}")))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn hmac_verify_with<D: EagerHash>(key: &[u8], data: &[u8], tag: &[u8]) -> Result<bool> {
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key)
        .map_err(|e| PkiError::Crypto(format!("HMAC key: {e}")))?;
    mac.update(data);
    Ok(mac.verify_slice(tag).is_ok())
}

// ---------------------------------------------------------------- passwords

/// One way of turning the caller's password into key-derivation input.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) form: PasswordForm,
    /// Input of the PKCS#12 KDF (MAC and PKCS#12 PBE): BMPString + `00 00`, or nothing.
    pub(crate) pkcs12: Zeroizing<Vec<u8>>,
    /// Input of PBKDF2 (PBES2): the UTF-8 bytes.
    pub(crate) utf8: Zeroizing<Vec<u8>>,
}

impl Candidate {
    pub(crate) fn new(password: &str, form: PasswordForm) -> Self {
        let pkcs12 = match form {
            PasswordForm::Null => Zeroizing::new(Vec::new()),
            PasswordForm::EmptyBmp | PasswordForm::Text => bmp_password(password),
        };
        Self {
            form,
            pkcs12,
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
        }
    }

    /// The forms to try for a password, in order: a non-empty password has one;
    /// `""` is tried as the zero-length password first, then as `00 00`.
    pub(crate) fn all_for(password: &str) -> Vec<Self> {
        if password.is_empty() {
            vec![
                Self::new("", PasswordForm::Null),
                Self::new("", PasswordForm::EmptyBmp),
            ]
        } else {
            vec![Self::new(password, PasswordForm::Text)]
        }
    }
}

/// A password as PKCS#12 wants it: UTF-16BE plus a two-byte zero terminator.
pub(crate) fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out: Zeroizing<Vec<u8>> =
        Zeroizing::new(password.encode_utf16().flat_map(u16::to_be_bytes).collect());
    out.extend_from_slice(&[0, 0]);
    out
}

// ---------------------------------------------------------------- work budget

/// Counts key-derivation iterations spent on one read.
#[derive(Debug, Default)]
pub(crate) struct Work {
    spent: u64,
}

impl Work {
    /// Account for `iterations` more; fails once the budget is exhausted.
    pub(crate) fn charge(&mut self, iterations: u32) -> Result<()> {
        self.spent = self.spent.saturating_add(u64::from(iterations));
        if self.spent > WORK_BUDGET {
            Err(PkiError::Unsupported(format!(
                "the file demands more than {WORK_BUDGET} key-derivation iterations in total (hostile?)"
            )))
        } else {
            Ok(())
        }
    }
}

/// Validate an iteration count read from a file.
pub(crate) fn check_iterations(n: u64) -> Result<u32> {
    if n == 0 {
        return Err(PkiError::BadPkcs12("iteration count 0".into()));
    }
    if n > MAX_ITERATIONS {
        return Err(PkiError::Unsupported(format!(
            "iteration count {n} is above the limit of {MAX_ITERATIONS} (hostile file?)"
        )));
    }
    u32::try_from(n).map_err(|_| PkiError::BadPkcs12(format!("iteration count {n}")))
}

pub(crate) fn check_salt(salt: &[u8]) -> Result<()> {
    if salt.len() > MAX_SALT {
        Err(PkiError::BadPkcs12(format!(
            "salt of {} bytes (the limit is {MAX_SALT})",
            salt.len()
        )))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------- ciphers

/// A CBC block cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cipher {
    DesEde3,
    DesEde2,
    /// RC2 with a key of `bits` bits (also the effective key length).
    Rc2 {
        bits: usize,
    },
    Aes128,
    Aes192,
    Aes256,
}

/// Decryption failed: wrong key (bad padding) or not a whole number of blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadDecrypt;

impl Cipher {
    pub(crate) fn key_len(self) -> usize {
        match self {
            Cipher::DesEde3 | Cipher::Aes192 => 24,
            Cipher::DesEde2 | Cipher::Aes128 => 16,
            Cipher::Rc2 { bits } => bits / 8,
            Cipher::Aes256 => 32,
        }
    }

    pub(crate) fn iv_len(self) -> usize {
        match self {
            Cipher::DesEde3 | Cipher::DesEde2 | Cipher::Rc2 { .. } => 8,
            Cipher::Aes128 | Cipher::Aes192 | Cipher::Aes256 => 16,
        }
    }

    fn pbes2_oid(self) -> Option<&'static str> {
        match self {
            Cipher::Aes128 => Some(OID_AES128_CBC),
            Cipher::Aes192 => Some(OID_AES192_CBC),
            Cipher::Aes256 => Some(OID_AES256_CBC),
            Cipher::DesEde3 => Some(OID_DES_EDE3_CBC),
            Cipher::DesEde2 | Cipher::Rc2 { .. } => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Cipher::DesEde3 => "DES-EDE3-CBC",
            Cipher::DesEde2 => "DES-EDE2-CBC",
            Cipher::Rc2 { bits: 40 } => "RC2-40-CBC",
            Cipher::Rc2 { .. } => "RC2-CBC",
            Cipher::Aes128 => "AES-128-CBC",
            Cipher::Aes192 => "AES-192-CBC",
            Cipher::Aes256 => "AES-256-CBC",
        }
    }

    /// CBC-decrypt and remove PKCS#7 padding.
    pub(crate) fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> std::result::Result<Zeroizing<Vec<u8>>, BadDecrypt> {
        if key.len() != self.key_len() || iv.len() != self.iv_len() {
            return Err(BadDecrypt);
        }
        match self {
            Cipher::DesEde3 => cbc_decrypt(des::TdesEde3::new_from_slice(key), iv, data),
            Cipher::DesEde2 => cbc_decrypt(des::TdesEde2::new_from_slice(key), iv, data),
            Cipher::Rc2 { bits } => cbc_decrypt(rc2_cipher(key, bits), iv, data),
            Cipher::Aes128 => cbc_decrypt(aes::Aes128::new_from_slice(key), iv, data),
            Cipher::Aes192 => cbc_decrypt(aes::Aes192::new_from_slice(key), iv, data),
            Cipher::Aes256 => cbc_decrypt(aes::Aes256::new_from_slice(key), iv, data),
        }
    }

    /// Add PKCS#7 padding and CBC-encrypt.
    pub(crate) fn encrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        if key.len() != self.key_len() || iv.len() != self.iv_len() {
            return Err(PkiError::Crypto(
                "cipher key or IV of the wrong length".into(),
            ));
        }
        match self {
            Cipher::DesEde3 => cbc_encrypt(des::TdesEde3::new_from_slice(key), iv, data),
            Cipher::DesEde2 => cbc_encrypt(des::TdesEde2::new_from_slice(key), iv, data),
            Cipher::Rc2 { bits } => cbc_encrypt(rc2_cipher(key, bits), iv, data),
            Cipher::Aes128 => cbc_encrypt(aes::Aes128::new_from_slice(key), iv, data),
            Cipher::Aes192 => cbc_encrypt(aes::Aes192::new_from_slice(key), iv, data),
            Cipher::Aes256 => cbc_encrypt(aes::Aes256::new_from_slice(key), iv, data),
        }
    }
}

fn rc2_cipher(
    key: &[u8],
    bits: usize,
) -> std::result::Result<rc2::Rc2, cbc::cipher::InvalidLength> {
    // `new_with_eff_key_len` copies the key into a 128-byte buffer: check the length first.
    if key.is_empty() || key.len() > 128 || bits == 0 || bits > 1024 {
        return Err(cbc::cipher::InvalidLength);
    }
    Ok(rc2::Rc2::new_with_eff_key_len(key, bits))
}

fn cbc_decrypt<C: BlockCipherDecrypt>(
    cipher: std::result::Result<C, cbc::cipher::InvalidLength>,
    iv: &[u8],
    data: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, BadDecrypt> {
    let cipher = cipher.map_err(|_| BadDecrypt)?;
    let mode = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(|_| BadDecrypt)?;
    let mut buf = Zeroizing::new(data.to_vec());
    let n = mode
        .decrypt_padded::<Pkcs7>(buf.as_mut_slice())
        .map_err(|_| BadDecrypt)?
        .len();
    buf.truncate(n);
    Ok(buf)
}

fn cbc_encrypt<C: BlockCipherEncrypt>(
    cipher: std::result::Result<C, cbc::cipher::InvalidLength>,
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>> {
    let cipher = cipher.map_err(|e| PkiError::Crypto(format!("cipher key: {e}")))?;
    let mode = cbc::Encryptor::<C>::inner_iv_slice_init(cipher, iv)
        .map_err(|e| PkiError::Crypto(format!("cipher IV: {e}")))?;
    Ok(mode.encrypt_padded_vec::<Pkcs7>(data))
}

// ---------------------------------------------------------------- schemes

/// A password-based encryption scheme with its parameters, as found in an
/// AlgorithmIdentifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// One of the PKCS#12 PBE OIDs: SHA-1 PKCS#12 KDF for key and IV.
    Pkcs12Pbe {
        oid: &'static str,
        cipher: Cipher,
        salt: Vec<u8>,
        iterations: u32,
    },
    /// PBES2 with PBKDF2.
    Pbes2 {
        prf: Hash,
        salt: Vec<u8>,
        iterations: u32,
        cipher: Cipher,
        iv: Vec<u8>,
    },
}

fn bad(what: impl Into<String>) -> PkiError {
    PkiError::BadPkcs12(what.into())
}

/// Read an AlgorithmIdentifier: its OID (dotted) and its parameters, if any.
pub(crate) fn algorithm_identifier<'a>(tlv: &Tlv<'a>) -> Result<(String, Option<Tlv<'a>>)> {
    if tlv.tag != TAG_SEQUENCE {
        return Err(bad("AlgorithmIdentifier is not a SEQUENCE"));
    }
    let mut r = tlv.reader();
    let oid = r.read_tag(TAG_OID, "AlgorithmIdentifier without an OID")?;
    let params = if r.is_empty() { None } else { Some(r.read()?) };
    r.finish("trailing data in an AlgorithmIdentifier")?;
    Ok((der::oid_to_string(oid.content), params))
}

fn pkcs12_pbe_cipher(oid: &str) -> Option<(&'static str, Cipher)> {
    Some(match oid {
        OID_PBE_SHA1_3DES => (OID_PBE_SHA1_3DES, Cipher::DesEde3),
        OID_PBE_SHA1_2DES => (OID_PBE_SHA1_2DES, Cipher::DesEde2),
        OID_PBE_SHA1_RC2_128 => (OID_PBE_SHA1_RC2_128, Cipher::Rc2 { bits: 128 }),
        OID_PBE_SHA1_RC2_40 => (OID_PBE_SHA1_RC2_40, Cipher::Rc2 { bits: 40 }),
        _ => return None,
    })
}

impl Scheme {
    /// Parse an encryption AlgorithmIdentifier.
    pub(crate) fn parse(alg: &Tlv<'_>) -> Result<Self> {
        let (oid, params) = algorithm_identifier(alg)?;
        if let Some((oid, cipher)) = pkcs12_pbe_cipher(&oid) {
            let params = params
                .ok_or_else(|| bad("PKCS#12 PBE without parameters"))?
                .expect(TAG_SEQUENCE, "PKCS#12 PBE parameters are not a SEQUENCE")?;
            let mut r = params.reader();
            let salt = r.read_tag(TAG_OCTET_STRING, "PBE salt is not an OCTET STRING")?;
            let iterations = r.read_tag(TAG_INTEGER, "PBE iteration count is not an INTEGER")?;
            r.finish("trailing data in PBE parameters")?;
            check_salt(salt.content)?;
            return Ok(Scheme::Pkcs12Pbe {
                oid,
                cipher,
                salt: salt.content.to_vec(),
                iterations: check_iterations(der::small_uint(&iterations)?)?,
            });
        }
        match oid.as_str() {
            OID_PBES2 => Self::parse_pbes2(params),
            OID_PBE_SHA1_RC4_128 | OID_PBE_SHA1_RC4_40 => Err(PkiError::Unsupported(
                "RC4 encryption (pbeWithSHAAnd128BitRC4/40BitRC4)".into(),
            )),
            o if o.starts_with("1.2.840.113549.1.5.") => Err(PkiError::Unsupported(format!(
                "PKCS#5 v1 encryption {o} (PBES1)"
            ))),
            o => Err(PkiError::Unsupported(format!("encryption algorithm {o}"))),
        }
    }

    fn parse_pbes2(params: Option<Tlv<'_>>) -> Result<Self> {
        let params = params
            .ok_or_else(|| bad("PBES2 without parameters"))?
            .expect(TAG_SEQUENCE, "PBES2 parameters are not a SEQUENCE")?;
        let mut r = params.reader();
        let kdf = r.read_tag(TAG_SEQUENCE, "PBES2 key derivation is not a SEQUENCE")?;
        let enc = r.read_tag(TAG_SEQUENCE, "PBES2 encryption scheme is not a SEQUENCE")?;
        r.finish("trailing data in PBES2 parameters")?;

        let (kdf_oid, kdf_params) = algorithm_identifier(&kdf)?;
        if kdf_oid != OID_PBKDF2 {
            return Err(PkiError::Unsupported(format!(
                "PBES2 key derivation {kdf_oid} (only PBKDF2 is supported)"
            )));
        }
        let kdf_params = kdf_params
            .ok_or_else(|| bad("PBKDF2 without parameters"))?
            .expect(TAG_SEQUENCE, "PBKDF2 parameters are not a SEQUENCE")?;
        let mut k = kdf_params.reader();
        let salt = k.read()?;
        if salt.tag != TAG_OCTET_STRING {
            return Err(PkiError::Unsupported(
                "PBKDF2 salt from another source (only a specified salt is supported)".into(),
            ));
        }
        check_salt(salt.content)?;
        let iterations = k.read_tag(TAG_INTEGER, "PBKDF2 iteration count is not an INTEGER")?;
        let iterations = check_iterations(der::small_uint(&iterations)?)?;
        let key_length = match k.read_optional(TAG_INTEGER)? {
            Some(t) => Some(der::small_uint(&t)?),
            None => None,
        };
        let prf = match k.read_optional(TAG_SEQUENCE)? {
            Some(t) => {
                let (prf_oid, prf_params) = algorithm_identifier(&t)?;
                if let Some(p) = prf_params
                    && p.tag != TAG_NULL
                {
                    return Err(bad("PBKDF2 PRF parameters are not NULL"));
                }
                Hash::from_hmac_oid(&prf_oid).ok_or_else(|| {
                    PkiError::Unsupported(format!("PBKDF2 pseudo-random function {prf_oid}"))
                })?
            }
            None => Hash::Sha1,
        };
        k.finish("trailing data in PBKDF2 parameters")?;

        let (enc_oid, enc_params) = algorithm_identifier(&enc)?;
        let cipher = match enc_oid.as_str() {
            OID_AES128_CBC => Cipher::Aes128,
            OID_AES192_CBC => Cipher::Aes192,
            OID_AES256_CBC => Cipher::Aes256,
            OID_DES_EDE3_CBC => Cipher::DesEde3,
            o => {
                return Err(PkiError::Unsupported(format!(
                    "PBES2 encryption scheme {o}"
                )));
            }
        };
        let iv = enc_params
            .ok_or_else(|| bad("PBES2 cipher without an IV"))?
            .expect(TAG_OCTET_STRING, "PBES2 IV is not an OCTET STRING")?;
        if iv.content.len() != cipher.iv_len() {
            return Err(bad(format!(
                "{} IV of {} bytes",
                cipher.name(),
                iv.content.len()
            )));
        }
        if let Some(kl) = key_length
            && kl != cipher.key_len() as u64
        {
            return Err(bad(format!(
                "PBKDF2 key length {kl} does not fit {}",
                cipher.name()
            )));
        }
        Ok(Scheme::Pbes2 {
            prf,
            salt: salt.content.to_vec(),
            iterations,
            cipher,
            iv: iv.content.to_vec(),
        })
    }

    /// DER AlgorithmIdentifier (strict DER: the default PRF HMAC-SHA1 is omitted, no key
    /// length, as OpenSSL writes it).
    pub(crate) fn encode(&self) -> Result<Vec<u8>> {
        Ok(match self {
            Scheme::Pkcs12Pbe {
                oid,
                salt,
                iterations,
                ..
            } => der::sequence(&[
                &der::oid(oid),
                &der::sequence(&[
                    &der::octet_string(salt),
                    &der::small_int(u64::from(*iterations)),
                ]),
            ]),
            Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let mut kdf_parts: Vec<Vec<u8>> = vec![
                    der::octet_string(salt),
                    der::small_int(u64::from(*iterations)),
                ];
                if *prf != Hash::Sha1 {
                    kdf_parts.push(der::sequence(&[&der::oid(prf.hmac_oid()), &der::null()]));
                }
                let kdf_refs: Vec<&[u8]> = kdf_parts.iter().map(Vec::as_slice).collect();
                let enc_oid = cipher
                    .pbes2_oid()
                    .ok_or_else(|| PkiError::Unsupported(format!("{} in PBES2", cipher.name())))?;
                der::sequence(&[
                    &der::oid(OID_PBES2),
                    &der::sequence(&[
                        &der::sequence(&[&der::oid(OID_PBKDF2), &der::sequence(&kdf_refs)]),
                        &der::sequence(&[&der::oid(enc_oid), &der::octet_string(iv)]),
                    ]),
                ])
            }
        })
    }

    /// Human name, e.g. `pbeWithSHAAnd3-KeyTripleDES-CBC` or
    /// `PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)`.
    pub(crate) fn name(&self) -> String {
        match self {
            Scheme::Pkcs12Pbe { oid, .. } => match *oid {
                OID_PBE_SHA1_3DES => "pbeWithSHAAnd3-KeyTripleDES-CBC",
                OID_PBE_SHA1_2DES => "pbeWithSHAAnd2-KeyTripleDES-CBC",
                OID_PBE_SHA1_RC2_128 => "pbeWithSHAAnd128BitRC2-CBC",
                OID_PBE_SHA1_RC2_40 => "pbeWithSHAAnd40BitRC2-CBC",
                other => other,
            }
            .to_string(),
            Scheme::Pbes2 { prf, cipher, .. } => {
                format!("PBES2 (PBKDF2-HMAC-{}, {})", prf.name(), cipher.name())
            }
        }
    }

    pub(crate) fn iterations(&self) -> u32 {
        match self {
            Scheme::Pkcs12Pbe { iterations, .. } | Scheme::Pbes2 { iterations, .. } => *iterations,
        }
    }

    /// Derive key and IV for a password candidate.
    fn key_iv(&self, password: &Candidate) -> (Cipher, Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
        match self {
            Scheme::Pkcs12Pbe {
                cipher,
                salt,
                iterations,
                ..
            } => {
                let key =
                    Hash::Sha1.pkcs12_kdf(&password.pkcs12, salt, 1, *iterations, cipher.key_len());
                let iv =
                    Hash::Sha1.pkcs12_kdf(&password.pkcs12, salt, 2, *iterations, cipher.iv_len());
                (*cipher, key, iv)
            }
            Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                prf.pbkdf2(&password.utf8, salt, *iterations, &mut key);
                (*cipher, key, Zeroizing::new(iv.clone()))
            }
        }
    }

    /// Decrypt; `Err(BadDecrypt)` means wrong password (or corrupt ciphertext).
    pub(crate) fn decrypt(
        &self,
        password: &Candidate,
        data: &[u8],
    ) -> std::result::Result<Zeroizing<Vec<u8>>, BadDecrypt> {
        let (cipher, key, iv) = self.key_iv(password);
        cipher.decrypt(&key, &iv, data)
    }

    /// Encrypt.
    pub(crate) fn encrypt(&self, password: &Candidate, data: &[u8]) -> Result<Vec<u8>> {
        let (cipher, key, iv) = self.key_iv(password);
        cipher.encrypt(&key, &iv, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(char::is_ascii_hexdigit).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // The classic vectors (password "smeg", published with OpenSSL's PKCS#12 code and in
    // BouncyCastle's tests), re-checked with `openssl kdf ... PKCS12KDF` (OpenSSL 3.0.19).
    #[test]
    fn kdf_sha1_known_vectors() {
        let pw = bmp_password("smeg");
        assert_eq!(pw.as_slice(), hex("0073006D006500670000").as_slice());
        let salt = hex("0A58CF64530D823F");
        assert_eq!(
            Hash::Sha1.pkcs12_kdf(&pw, &salt, 1, 1, 24).as_slice(),
            hex("8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3").as_slice()
        );
        assert_eq!(
            Hash::Sha1.pkcs12_kdf(&pw, &salt, 2, 1, 8).as_slice(),
            hex("79993DFE048D3B76").as_slice()
        );
        assert_eq!(
            Hash::Sha1.pkcs12_kdf(&pw, &salt, 3, 1000, 20).as_slice(),
            hex("EEDA645443827451E9753694F90EE9B9CF9248FF").as_slice()
        );
    }

    #[test]
    fn kdf_sha2_known_vectors() {
        let pw = bmp_password("smeg");
        let salt = hex("0A58CF64530D823F");
        assert_eq!(
            Hash::Sha256.pkcs12_kdf(&pw, &salt, 3, 1000, 32).as_slice(),
            hex("35AC16A454D608FB10C8D7C6338CA85818587AED0FF771FD265957E412C2C03C").as_slice()
        );
        assert_eq!(
            Hash::Sha512.pkcs12_kdf(&pw, &salt, 1, 3, 64).as_slice(),
            hex(
                "D94A6B30A7062F232EE7E09E279FAEF02271414975ED35E8998EE7249A1C1D79\
                 A8CF0A5A78653E79B78DB1C200037EC48432 47300C5ACD9360174010035D9CB4"
            )
            .as_slice()
        );
    }

    // Output longer than one hash block, password and salt longer than 64 bytes: exercises
    // the I_j + B + 1 step with carries. Checked with `openssl kdf` (hexpass/hexsalt).
    #[test]
    fn kdf_multi_block_with_long_inputs() {
        let pw = bmp_password("éàabcdefghijklmnopqrstuvwxy");
        assert_eq!(pw.len(), 56);
        let salt: Vec<u8> = hex(
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\
             2122232425262728293031323334353637383940414243444546474849\
             4a4b4c4d",
        );
        assert_eq!(salt.len(), 65);
        assert_eq!(
            Hash::Sha256.pkcs12_kdf(&pw, &salt, 1, 5, 70).as_slice(),
            hex(
                "18430539F933AF701B852A3EBF83FB307C6AA9BCC05E9262B9B6C58607CC30FC\
                 78609D7D134F963F6AC27DBD97C66A95E9DBA99398CBE22F4AC0320A7603D6F0\
                 2074DC93B304"
            )
            .as_slice()
        );
    }

    // The two empty-password conventions give different keys (zero-length vs `00 00`).
    #[test]
    fn kdf_null_and_empty_bmp_passwords() {
        let salt = hex("0A58CF64530D823F");
        let null = Hash::Sha1.pkcs12_kdf(&[], &salt, 3, 2, 20);
        let empty = Hash::Sha1.pkcs12_kdf(&[0, 0], &salt, 3, 2, 20);
        assert_eq!(
            null.as_slice(),
            hex("5FBDBE80D22E4F8F8F5EC28B37C7ABFE68091675").as_slice()
        );
        assert_eq!(
            empty.as_slice(),
            hex("D93616173EFA46433B52F406860A8F66EC65D3E7").as_slice()
        );
        let c = Candidate::all_for("");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].form, PasswordForm::Null);
        assert!(c[0].pkcs12.is_empty());
        assert_eq!(c[1].form, PasswordForm::EmptyBmp);
        assert_eq!(c[1].pkcs12.as_slice(), &[0, 0]);
        assert!(c[1].utf8.is_empty());
        let t = Candidate::all_for("pä");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].pkcs12.as_slice(), &[0, b'p', 0, 0xe4, 0, 0]);
        assert_eq!(t[0].utf8.as_slice(), "pä".as_bytes());
    }

    #[test]
    fn hmac_round_trip() {
        let tag = Hash::Sha256.hmac(b"key", b"data").unwrap();
        assert_eq!(tag.len(), 32);
        assert!(Hash::Sha256.hmac_verify(b"key", b"data", &tag).unwrap());
        assert!(!Hash::Sha256.hmac_verify(b"key", b"datA", &tag).unwrap());
        assert!(
            !Hash::Sha256
                .hmac_verify(b"key", b"data", &tag[..31])
                .unwrap()
        );
        // RFC 2202 test case 2.
        assert_eq!(
            Hash::Sha1
                .hmac(b"Jefe", b"what do ya want for nothing?")
                .unwrap(),
            hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        );
    }

    #[test]
    fn padding_errors_are_errors() {
        let key = [7u8; 24];
        let iv = [9u8; 8];
        let ct = Cipher::DesEde3.encrypt(&key, &iv, b"hello world").unwrap();
        assert_eq!(ct.len(), 16);
        assert_eq!(
            Cipher::DesEde3.decrypt(&key, &iv, &ct).unwrap().as_slice(),
            b"hello world"
        );
        // Wrong key: an error, or at least not the plaintext (never a panic).
        let mut wrong = key;
        wrong[0] ^= 0x55;
        let r = Cipher::DesEde3.decrypt(&wrong, &iv, &ct);
        if let Ok(pt) = &r {
            assert_ne!(pt.as_slice(), b"hello world");
        }
        // Not a whole number of blocks, empty, wrong key/IV lengths.
        assert_eq!(
            Cipher::DesEde3.decrypt(&key, &iv, &ct[..15]),
            Err(BadDecrypt)
        );
        assert_eq!(Cipher::DesEde3.decrypt(&key, &iv, &[]), Err(BadDecrypt));
        assert_eq!(
            Cipher::DesEde3.decrypt(&key[..23], &iv, &ct),
            Err(BadDecrypt)
        );
        assert_eq!(Cipher::Aes256.decrypt(&[0; 32], &iv, &ct), Err(BadDecrypt));
        // A last block that decrypts to padding byte 0 or > block size.
        for last in [0u8, 9, 0xff] {
            let mut block = [1u8; 8];
            block[7] = last;
            let raw = cbc_encrypt_nopad(&key, &iv, &block);
            assert_eq!(Cipher::DesEde3.decrypt(&key, &iv, &raw), Err(BadDecrypt));
        }
        // Inconsistent padding bytes (03 03 02).
        let mut block = [1u8; 8];
        block[5..].copy_from_slice(&[3, 2, 3]);
        let raw = cbc_encrypt_nopad(&key, &iv, &block);
        assert_eq!(Cipher::DesEde3.decrypt(&key, &iv, &raw), Err(BadDecrypt));
    }

    fn cbc_encrypt_nopad(key: &[u8], iv: &[u8], block: &[u8; 8]) -> Vec<u8> {
        use cbc::cipher::block_padding::NoPadding;
        let c = des::TdesEde3::new_from_slice(key).unwrap();
        cbc::Encryptor::<des::TdesEde3>::inner_iv_slice_init(c, iv)
            .unwrap()
            .encrypt_padded_vec::<NoPadding>(block)
    }

    #[test]
    fn all_ciphers_round_trip() {
        for c in [
            Cipher::DesEde3,
            Cipher::DesEde2,
            Cipher::Rc2 { bits: 40 },
            Cipher::Rc2 { bits: 128 },
            Cipher::Aes128,
            Cipher::Aes192,
            Cipher::Aes256,
        ] {
            let key = vec![0x42; c.key_len()];
            let iv = vec![0x24; c.iv_len()];
            for len in [0usize, 1, 15, 16, 17, 100] {
                let msg = vec![0xabu8; len];
                let ct = c.encrypt(&key, &iv, &msg).unwrap();
                assert_eq!(ct.len() % c.iv_len(), 0);
                assert!(ct.len() > len);
                assert_eq!(
                    c.decrypt(&key, &iv, &ct).unwrap().as_slice(),
                    msg.as_slice()
                );
            }
        }
    }

    #[test]
    fn iteration_caps() {
        assert_eq!(check_iterations(1).unwrap(), 1);
        assert_eq!(check_iterations(2048).unwrap(), 2048);
        assert_eq!(check_iterations(MAX_ITERATIONS).unwrap(), 10_000_000);
        assert!(matches!(check_iterations(0), Err(PkiError::BadPkcs12(_))));
        assert!(matches!(
            check_iterations(MAX_ITERATIONS + 1),
            Err(PkiError::Unsupported(_))
        ));
        assert!(matches!(
            check_iterations(1 << 31),
            Err(PkiError::Unsupported(_))
        ));
        assert!(check_iterations(u64::MAX).is_err());

        let mut w = Work::default();
        for _ in 0..5 {
            w.charge(10_000_000).unwrap();
        }
        assert!(matches!(w.charge(1), Err(PkiError::Unsupported(_))));
    }

    #[test]
    fn scheme_parse_rejects_hostile_parameters() {
        let enc = |oid: &str, salt: &[u8], it: u64| {
            der::sequence(&[
                &der::oid(oid),
                &der::sequence(&[&der::octet_string(salt), &der::small_int(it)]),
            ])
        };
        let parse = |bytes: &[u8]| Scheme::parse(&der::parse_one(bytes, "t").unwrap());
        assert!(parse(&enc(OID_PBE_SHA1_3DES, &[1; 8], 2000)).is_ok());
        assert!(matches!(
            parse(&enc(OID_PBE_SHA1_3DES, &[1; 8], 1 << 31)),
            Err(PkiError::Unsupported(_))
        ));
        assert!(parse(&enc(OID_PBE_SHA1_3DES, &[1; 8], 0)).is_err());
        assert!(parse(&enc(OID_PBE_SHA1_3DES, &[1; 2000], 1)).is_err());
        assert!(matches!(
            parse(&enc(OID_PBE_SHA1_RC4_128, &[1; 8], 1)),
            Err(PkiError::Unsupported(_))
        ));
        assert!(matches!(
            parse(&enc("1.2.3.4", &[1; 8], 1)),
            Err(PkiError::Unsupported(_))
        ));
        // Negative iteration count.
        let neg = der::sequence(&[
            &der::oid(OID_PBE_SHA1_3DES),
            &der::sequence(&[&der::octet_string(&[1; 8]), &der::tlv(TAG_INTEGER, &[0xff])]),
        ]);
        assert!(parse(&neg).is_err());
        // No parameters at all.
        assert!(parse(&der::sequence(&[&der::oid(OID_PBE_SHA1_3DES)])).is_err());
    }

    #[test]
    fn pbes2_encode_parse_round_trip() {
        let s = Scheme::Pbes2 {
            prf: Hash::Sha256,
            salt: vec![5; 16],
            iterations: 10_000,
            cipher: Cipher::Aes256,
            iv: vec![6; 16],
        };
        let enc = s.encode().unwrap();
        let back = Scheme::parse(&der::parse_one(&enc, "t").unwrap()).unwrap();
        assert_eq!(back, s);
        assert_eq!(s.name(), "PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)");
        let s1 = Scheme::Pbes2 {
            prf: Hash::Sha1,
            salt: vec![5; 8],
            iterations: 1,
            cipher: Cipher::Aes128,
            iv: vec![6; 16],
        };
        let back = Scheme::parse(&der::parse_one(&s1.encode().unwrap(), "t").unwrap()).unwrap();
        assert_eq!(back, s1);
        let pw = Candidate::new("secret", PasswordForm::Text);
        let ct = s.encrypt(&pw, b"plain").unwrap();
        assert_eq!(s.decrypt(&pw, &ct).unwrap().as_slice(), b"plain");
        let wrong = Candidate::new("Secret", PasswordForm::Text);
        if let Ok(pt) = s.decrypt(&wrong, &ct) {
            assert_ne!(pt.as_slice(), b"plain");
        }
    }

    #[test]
    fn algorithm_identifier_is_checked() {
        assert!(
            algorithm_identifier(&der::parse_one(&der::octet_string(&[1]), "t").unwrap()).is_err()
        );
        assert!(algorithm_identifier(&der::parse_one(&der::sequence(&[]), "t").unwrap()).is_err());
        let enc = der::sequence(&[&der::oid("1.3.14.3.2.26"), &der::null()]);
        let (oid, params) = algorithm_identifier(&der::parse_one(&enc, "t").unwrap()).unwrap();
        assert_eq!(oid, "1.3.14.3.2.26");
        assert_eq!(params.map(|p| p.tag), Some(TAG_NULL));
    }
}
