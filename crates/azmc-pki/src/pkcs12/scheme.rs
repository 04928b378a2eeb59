//! The password-based encryption schemes: the PKCS#12 PBE schemes and PBES2 (PBKDF2), their
//! AlgorithmIdentifiers (parse and encode), and encryption and decryption under a scheme.

use super::cipher::{BadDecrypt, Cipher};
use super::kdf::{Candidate, Hash, check_iterations, check_salt};
use crate::der::{self, TAG_INTEGER, TAG_NULL, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, Tlv};
use crate::error::{PkiError, Result};
use zeroize::Zeroizing;

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

// The cipher's OID as a PBES2 encryption scheme (AlgorithmIdentifiers live here).
impl Cipher {
    fn pbes2_oid(self) -> Option<&'static str> {
        match self {
            Cipher::Aes128 => Some(OID_AES128_CBC),
            Cipher::Aes192 => Some(OID_AES192_CBC),
            Cipher::Aes256 => Some(OID_AES256_CBC),
            Cipher::DesEde3 => Some(OID_DES_EDE3_CBC),
            Cipher::DesEde2 | Cipher::Rc2 { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkcs12::PasswordForm;

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
