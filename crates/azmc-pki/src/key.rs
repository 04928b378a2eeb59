//! Private keys. Held as a normalised PKCS#8 `PrivateKeyInfo` (version 0, exactly three
//! fields, which the classic CLI's PKCS#12 reader insists on), zeroized on drop and never
//! shown by `Debug`. Read from PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) and SEC1
//! (`EC PRIVATE KEY`) PEM or DER; written as PKCS#8 or, for RSA, PKCS#1.

use crate::cert::{Certificate, KeyAlgorithm};
use crate::der::{self, Reader, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE};
use crate::error::{PkiError, Result};
use crate::pem;
use zeroize::Zeroizing;

pub(crate) const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
pub(crate) const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

/// Private keys larger than this are not keys (RSA-16384 PKCS#8 is ~10 KiB).
pub const MAX_KEY_SIZE: usize = 32 * 1024;

/// A private key. `Debug` shows the algorithm only.
#[derive(Clone)]
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    algorithm: KeyAlgorithm,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.algorithm)
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.pkcs8 == other.pkcs8
    }
}

impl Eq for PrivateKey {}

fn bad(what: impl Into<String>) -> PkiError {
    PkiError::BadKey(what.into())
}

fn derr(e: der::DerError) -> PkiError {
    PkiError::BadKey(e.to_string())
}

impl PrivateKey {
    /// Read a PKCS#8 `PrivateKeyInfo` (RSA or EC P-256/P-384).
    pub fn from_pkcs8_der(data: &[u8]) -> Result<Self> {
        if data.len() > MAX_KEY_SIZE {
            return Err(PkiError::TooLarge {
                size: data.len(),
                limit: MAX_KEY_SIZE,
            });
        }
        let outer = der::parse_one(data, "trailing bytes after the key")
            .and_then(|t| t.expect(TAG_SEQUENCE, "PrivateKeyInfo is not a SEQUENCE"))
            .map_err(derr)?;
        let mut r = outer.reader();
        let version = r.read_tag(TAG_INTEGER, "missing version").map_err(derr)?;
        let version = der::small_uint(&version).map_err(derr)?;
        if version > 1 {
            return Err(bad(format!("unknown PKCS#8 version {version}")));
        }
        let alg = r
            .read_tag(TAG_SEQUENCE, "missing AlgorithmIdentifier")
            .map_err(derr)?;
        let inner = r
            .read_tag(TAG_OCTET_STRING, "missing privateKey")
            .map_err(derr)?;
        let mut ar = alg.reader();
        let oid = ar
            .read_tag(TAG_OID, "missing algorithm OID")
            .map_err(derr)?;
        match der::oid_to_string(oid.content).as_str() {
            OID_RSA_ENCRYPTION => Self::from_pkcs1_der(inner.content),
            OID_EC_PUBLIC_KEY => {
                let curve = ar
                    .read_tag(TAG_OID, "EC key without a named curve")
                    .map_err(derr)?;
                Self::from_sec1_parts(inner.content, Some(&der::oid_to_string(curve.content)))
            }
            other => Err(PkiError::Unsupported(format!(
                "private key algorithm {other}"
            ))),
        }
    }

    /// Read a PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(data: &[u8]) -> Result<Self> {
        let (n, _e) = rsa_public_parts(data)?;
        let bits = bit_length(n);
        if bits < 1024 {
            return Err(bad(format!("RSA key of {bits} bits is too small")));
        }
        let pkcs8 = der::sequence(&[
            &der::small_int(0),
            &der::sequence(&[&der::oid(OID_RSA_ENCRYPTION), &der::null()]),
            &der::octet_string(data),
        ]);
        Ok(Self {
            pkcs8: Zeroizing::new(pkcs8),
            algorithm: KeyAlgorithm::Rsa { bits },
        })
    }

    /// Read a SEC1 `ECPrivateKey` (the curve must be named inside it).
    pub fn from_sec1_der(data: &[u8]) -> Result<Self> {
        Self::from_sec1_parts(data, None)
    }

    fn from_sec1_parts(data: &[u8], outer_curve: Option<&str>) -> Result<Self> {
        let seq = der::parse_one(data, "trailing bytes after the EC key")
            .and_then(|t| t.expect(TAG_SEQUENCE, "ECPrivateKey is not a SEQUENCE"))
            .map_err(derr)?;
        let mut r = seq.reader();
        let v = r
            .read_tag(TAG_INTEGER, "missing EC key version")
            .map_err(derr)?;
        if der::small_uint(&v).map_err(derr)? != 1 {
            return Err(bad("unknown ECPrivateKey version"));
        }
        let scalar = r
            .read_tag(TAG_OCTET_STRING, "missing EC private scalar")
            .map_err(derr)?;
        let mut inner_curve = None;
        if let Some(params) = r.read_optional(der::context(0)).map_err(derr)? {
            let oid = params
                .reader()
                .read_tag(TAG_OID, "EC parameters are not a named curve")
                .map_err(derr)?;
            inner_curve = Some(der::oid_to_string(oid.content));
        }
        let curve = inner_curve
            .as_deref()
            .or(outer_curve)
            .ok_or_else(|| bad("EC key without a named curve"))?;
        let algorithm = match curve {
            OID_P256 if scalar.content.len() == 32 => KeyAlgorithm::EcP256,
            OID_P384 if scalar.content.len() == 48 => KeyAlgorithm::EcP384,
            OID_P256 | OID_P384 => return Err(bad("EC private scalar has the wrong length")),
            other => return Err(PkiError::Unsupported(format!("elliptic curve {other}"))),
        };
        let pkcs8 = der::sequence(&[
            &der::small_int(0),
            &der::sequence(&[&der::oid(OID_EC_PUBLIC_KEY), &der::oid(curve)]),
            &der::octet_string(data),
        ]);
        Ok(Self {
            pkcs8: Zeroizing::new(pkcs8),
            algorithm,
        })
    }

    /// Read the first private key in a PEM text (`PRIVATE KEY`, `RSA PRIVATE KEY` or
    /// `EC PRIVATE KEY`). `ENCRYPTED PRIVATE KEY` is refused with a hint.
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        let blocks = pem::parse_all(data)?;
        for b in &blocks {
            match b.label.as_str() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(&b.der),
                "RSA PRIVATE KEY" => return Self::from_pkcs1_der(&b.der),
                "EC PRIVATE KEY" => return Self::from_sec1_der(&b.der),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(PkiError::Unsupported(
                        "encrypted PKCS#8 PEM; decrypt it first (openssl pkey) or use a .pfx"
                            .into(),
                    ));
                }
                _ => {}
            }
        }
        Err(bad(
            "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block in the PEM",
        ))
    }

    /// Read PEM or DER (PKCS#8, then PKCS#1, then SEC1), whichever the bytes are.
    pub fn parse(data: &[u8]) -> Result<Self> {
        if pem::looks_like_pem(data) {
            return Self::from_pem(data);
        }
        Self::from_pkcs8_der(data)
            .or_else(|_| Self::from_pkcs1_der(data))
            .or_else(|_| Self::from_sec1_der(data))
            .map_err(|_| bad("neither PEM nor a PKCS#8, PKCS#1 or SEC1 DER key"))
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The normalised PKCS#8 `PrivateKeyInfo` (three fields).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem::encode("PRIVATE KEY", &self.pkcs8))
    }

    /// The inner key: PKCS#1 `RSAPrivateKey` or SEC1 `ECPrivateKey`.
    fn inner_der(&self) -> &[u8] {
        // The PKCS#8 was built or validated by this module; its third field is the inner key.
        let mut r = Reader::new(&self.pkcs8);
        let content = r.read().map(|t| t.content).unwrap_or_default();
        let mut r = Reader::new(content);
        let _ = r.read();
        let _ = r.read();
        r.read().map(|t| t.content).unwrap_or_default()
    }

    /// PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), the form the classic CLI stores.
    pub fn to_pkcs1_pem(&self) -> Result<Zeroizing<String>> {
        match self.algorithm {
            KeyAlgorithm::Rsa { .. } => Ok(Zeroizing::new(pem::encode(
                "RSA PRIVATE KEY",
                self.inner_der(),
            ))),
            other => Err(PkiError::Unsupported(format!(
                "PKCS#1 is for RSA keys; this is {other}"
            ))),
        }
    }

    /// Whether this key is the private half of the certificate's public key.
    pub fn matches(&self, cert: &Certificate) -> bool {
        match self.algorithm {
            KeyAlgorithm::Rsa { .. } => {
                let Ok((n, e)) = rsa_public_parts(self.inner_der()) else {
                    return false;
                };
                let Ok((cn, ce)) = rsa_public_key_parts(cert.public_key_bits()) else {
                    return false;
                };
                der::int_value(n) == der::int_value(cn) && der::int_value(e) == der::int_value(ce)
            }
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 => {
                match rcgen::KeyPair::try_from(self.pkcs8_der()) {
                    Ok(kp) => kp.public_key_raw() == cert.public_key_bits(),
                    Err(_) => false,
                }
            }
            KeyAlgorithm::Other => false,
        }
    }

    /// Require that this key belongs to the certificate.
    pub fn check_matches(&self, cert: &Certificate) -> Result<()> {
        if self.matches(cert) {
            Ok(())
        } else {
            Err(PkiError::KeyMismatch)
        }
    }
}

/// (modulus, publicExponent) contents of a PKCS#1 RSAPrivateKey.
fn rsa_public_parts(data: &[u8]) -> Result<(&[u8], &[u8])> {
    let seq = der::parse_one(data, "trailing bytes after the RSA key")
        .and_then(|t| t.expect(TAG_SEQUENCE, "RSAPrivateKey is not a SEQUENCE"))
        .map_err(derr)?;
    let mut r = seq.reader();
    let mut ints = Vec::with_capacity(9);
    while !r.is_empty() && ints.len() < 9 {
        ints.push(
            r.read_tag(TAG_INTEGER, "RSAPrivateKey field is not an INTEGER")
                .map_err(derr)?,
        );
    }
    if ints.len() != 9 {
        return Err(bad("RSAPrivateKey must have nine INTEGER fields"));
    }
    if der::small_uint(&ints[0]).map_err(derr)? != 0 {
        return Err(bad("multi-prime RSA keys are not supported"));
    }
    Ok((ints[1].content, ints[2].content))
}

/// (modulus, publicExponent) contents of a PKCS#1 RSAPublicKey.
fn rsa_public_key_parts(data: &[u8]) -> Result<(&[u8], &[u8])> {
    let seq = der::parse_one(data, "trailing bytes after the RSA public key")
        .and_then(|t| t.expect(TAG_SEQUENCE, "RSAPublicKey is not a SEQUENCE"))
        .map_err(derr)?;
    let mut r = seq.reader();
    let n = r.read_tag(TAG_INTEGER, "missing modulus").map_err(derr)?;
    let e = r.read_tag(TAG_INTEGER, "missing exponent").map_err(derr)?;
    Ok((n.content, e.content))
}

fn bit_length(int_content: &[u8]) -> usize {
    let v = der::int_value(int_content);
    match v.first() {
        None => 0,
        Some(&b) => (v.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}
