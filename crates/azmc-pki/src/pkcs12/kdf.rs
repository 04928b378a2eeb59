//! The PKCS#12 key-derivation function (RFC 7292 appendix B) and MAC: the hash functions
//! (HMAC, PBKDF2), the password forms, and a work budget that keeps hostile iteration
//! counts from turning a read into a denial of service.

use super::PasswordForm;
use crate::error::{PkiError, Result};
use cbc::cipher::KeyInit;
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

/// Counts key-derivation iterations spent on one read, against the caller's limits
/// ([`super::ReadOptions`]) or, without them, [`MAX_ITERATIONS`] and [`WORK_BUDGET`].
#[derive(Debug)]
pub(crate) struct Work {
    spent: u64,
    max_iterations: u64,
    budget: u64,
}

impl Default for Work {
    fn default() -> Self {
        Work {
            spent: 0,
            max_iterations: MAX_ITERATIONS,
            budget: WORK_BUDGET,
        }
    }
}

impl Work {
    /// A budget with the limits of `options` (each no higher than the built-in ones).
    pub(crate) fn limited(options: &super::ReadOptions) -> Self {
        let d = Work::default();
        Work {
            spent: 0,
            max_iterations: options
                .max_iterations
                .map_or(d.max_iterations, |m| u64::from(m).min(d.max_iterations)),
            budget: options.work_budget.map_or(d.budget, |b| b.min(d.budget)),
        }
    }

    /// Account for `iterations` more, before spending them; fails if one derivation asks
    /// for more than the limit or the read would exceed its budget.
    pub(crate) fn charge(&mut self, iterations: u32) -> Result<()> {
        if u64::from(iterations) > self.max_iterations {
            return Err(PkiError::Unsupported(format!(
                "iteration count {iterations} is above the limit of {} (hostile file?)",
                self.max_iterations
            )));
        }
        self.spent = self.spent.saturating_add(u64::from(iterations));
        if self.spent > self.budget {
            Err(PkiError::Unsupported(format!(
                "the file demands more than {} key-derivation iterations in total (hostile?)",
                self.budget
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

        // A caller's limits: per derivation, and in total; never above the built-in ones.
        let mut w = Work::limited(&super::super::ReadOptions {
            max_iterations: Some(1_000),
            work_budget: Some(2_500),
            ..Default::default()
        });
        assert!(matches!(w.charge(1_001), Err(PkiError::Unsupported(_))));
        w.charge(1_000).unwrap();
        w.charge(1_000).unwrap();
        assert!(matches!(w.charge(1_000), Err(PkiError::Unsupported(_))));
        let w = Work::limited(&super::super::ReadOptions {
            max_iterations: Some(u32::MAX),
            work_budget: Some(u64::MAX),
            ..Default::default()
        });
        assert_eq!((w.max_iterations, w.budget), (MAX_ITERATIONS, WORK_BUDGET));
    }
}
