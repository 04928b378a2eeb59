//! Reading PFX files: structure, MAC, password candidates, bags.
//!
//! The structure (PFX, MacData, AuthenticatedSafe, the algorithm parameters) is parsed
//! before any password is tried, so a malformed file is `BadPkcs12` whatever the password.
//! Then each password candidate is tried against the MAC; the one that verifies decrypts.
//! When none verifies, decryption tells "wrong password" from "bad MAC".

use super::kdf::{self, Candidate, Hash, Work};
use super::scheme::{self, Scheme};
use super::{MAX_PKCS12_SIZE, MacStatus, Pkcs12, Pkcs12Layout, ReadOptions};
use super::{
    OID_CERT_BAG, OID_DATA, OID_ENCRYPTED_DATA, OID_FRIENDLY_NAME, OID_KEY_BAG, OID_LOCAL_KEY_ID,
    OID_SHROUDED_KEY_BAG, OID_X509_CERTIFICATE,
};
use crate::cert::Certificate;
use crate::der::{
    self, TAG_BMP_STRING, TAG_INTEGER, TAG_NULL, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, TAG_SET,
    Tlv, context,
};
use crate::error::{PkiError, Result};
use crate::key::PrivateKey;
use std::borrow::Cow;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
const OID_SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";

/// How deep safeContentsBags may nest.
const MAX_NESTING: usize = 4;

/// `[0] IMPLICIT OCTET STRING`, primitive.
const TAG_IMPLICIT_0: u8 = 0x80;

fn bad(what: impl Into<String>) -> PkiError {
    PkiError::BadPkcs12(what.into())
}

/// The bytes of an OCTET STRING, primitive (DER) or constructed from primitive chunks
/// (BER, as some Windows versions write): `primitive_tag` with the constructed bit set.
fn octets<'a>(tlv: &Tlv<'a>, primitive_tag: u8, what: &'static str) -> Result<Cow<'a, [u8]>> {
    if tlv.tag == primitive_tag {
        return Ok(Cow::Borrowed(tlv.content));
    }
    if tlv.tag == primitive_tag | 0x20 {
        let mut out = Vec::new();
        let mut r = tlv.reader();
        while !r.is_empty() {
            let chunk = r.read_tag(TAG_OCTET_STRING, what)?;
            out.extend_from_slice(chunk.content);
        }
        return Ok(Cow::Owned(out));
    }
    Err(bad(what))
}

/// The single element inside an `[n] EXPLICIT` wrapper.
fn explicit<'a>(tlv: &Tlv<'a>, n: u8, what: &'static str) -> Result<Tlv<'a>> {
    if tlv.tag != context(n) {
        return Err(bad(what));
    }
    Ok(der::parse_one(tlv.content, what)?)
}

fn oid_of(tlv: &Tlv<'_>) -> String {
    der::oid_to_string(tlv.content)
}

// ---------------------------------------------------------------- structure

struct MacData<'a> {
    hash: Hash,
    digest: &'a [u8],
    salt: &'a [u8],
    iterations: u32,
}

impl MacData<'_> {
    fn name(&self) -> String {
        format!("HMAC-{}", self.hash.name())
    }

    fn verifies(&self, auth_safe: &[u8], password: &Candidate, work: &mut Work) -> Result<bool> {
        work.charge(self.iterations)?;
        let key = self.hash.pkcs12_kdf(
            &password.pkcs12,
            self.salt,
            3,
            self.iterations,
            self.hash.output_len(),
        );
        self.hash.hmac_verify(&key, auth_safe, self.digest)
    }
}

fn parse_mac<'a>(tlv: &Tlv<'a>) -> Result<MacData<'a>> {
    let mut r = tlv.reader();
    let digest_info = r.read_tag(TAG_SEQUENCE, "MAC DigestInfo is not a SEQUENCE")?;
    let salt = r.read_tag(TAG_OCTET_STRING, "MAC salt is not an OCTET STRING")?;
    let iterations = match r.read_optional(TAG_INTEGER)? {
        Some(t) => der::small_uint(&t)?,
        None => 1,
    };
    r.finish("trailing data in MacData")?;

    let mut d = digest_info.reader();
    let alg = d.read_tag(TAG_SEQUENCE, "MAC algorithm is not a SEQUENCE")?;
    let digest = d.read_tag(TAG_OCTET_STRING, "MAC digest is not an OCTET STRING")?;
    d.finish("trailing data in the MAC DigestInfo")?;
    let (oid, params) = scheme::algorithm_identifier(&alg)?;
    if oid == scheme::OID_PBMAC1 {
        return Err(PkiError::Unsupported(
            "PBMAC1 integrity (RFC 9579); re-export with a classic HMAC".into(),
        ));
    }
    let hash = Hash::from_digest_oid(&oid)
        .ok_or_else(|| PkiError::Unsupported(format!("MAC digest algorithm {oid}")))?;
    if let Some(p) = params
        && p.tag != TAG_NULL
    {
        return Err(bad("MAC digest parameters are not NULL"));
    }
    if digest.content.len() != hash.output_len() {
        return Err(bad(format!(
            "HMAC-{} value of {} bytes",
            hash.name(),
            digest.content.len()
        )));
    }
    kdf::check_salt(salt.content)?;
    Ok(MacData {
        hash,
        digest: digest.content,
        salt: salt.content,
        iterations: kdf::check_iterations(iterations)?,
    })
}

struct Pfx<'a> {
    auth_safe: Cow<'a, [u8]>,
    mac: Option<MacData<'a>>,
}

fn parse_pfx(data: &[u8]) -> Result<Pfx<'_>> {
    let top = der::parse_one(data, "trailing bytes after the PFX")?;
    if top.tag != TAG_SEQUENCE {
        return Err(bad("not a PFX (does not start with a SEQUENCE)"));
    }
    let mut r = top.reader();
    let version = r.read_tag(TAG_INTEGER, "PFX version is not an INTEGER")?;
    let version = der::small_uint(&version)?;
    if version != 3 {
        return Err(PkiError::Unsupported(format!(
            "PFX version {version} (only version 3 exists)"
        )));
    }
    let auth = r.read_tag(TAG_SEQUENCE, "PFX authSafe is not a ContentInfo")?;
    let mac = r.read_optional(TAG_SEQUENCE)?;
    r.finish("trailing data in the PFX")?;

    let mut a = auth.reader();
    let ctype = a.read_tag(TAG_OID, "authSafe content type is not an OID")?;
    let ctype = oid_of(&ctype);
    match ctype.as_str() {
        OID_DATA => {}
        OID_SIGNED_DATA => {
            return Err(PkiError::Unsupported(
                "public-key integrity mode (signedData authSafe)".into(),
            ));
        }
        o => return Err(bad(format!("authSafe content type {o}"))),
    }
    let wrapped = a.read()?;
    a.finish("trailing data in the authSafe ContentInfo")?;
    let inner = explicit(&wrapped, 0, "authSafe content is not [0] EXPLICIT")?;
    let auth_safe = octets(
        &inner,
        TAG_OCTET_STRING,
        "authSafe data is not an OCTET STRING",
    )?;
    let mac = match mac {
        Some(m) => Some(parse_mac(&m)?),
        None => None,
    };
    Ok(Pfx { auth_safe, mac })
}

enum Content<'a> {
    Data(Cow<'a, [u8]>),
    Encrypted {
        scheme: Scheme,
        ciphertext: Cow<'a, [u8]>,
    },
}

fn parse_auth_safe(bytes: &[u8]) -> Result<Vec<Content<'_>>> {
    let seq = der::parse_one(bytes, "trailing bytes after the AuthenticatedSafe")?;
    if seq.tag != TAG_SEQUENCE {
        return Err(bad("AuthenticatedSafe is not a SEQUENCE"));
    }
    let mut out = Vec::new();
    let mut r = seq.reader();
    while !r.is_empty() {
        let ci = r.read_tag(TAG_SEQUENCE, "ContentInfo is not a SEQUENCE")?;
        let mut c = ci.reader();
        let ctype = oid_of(&c.read_tag(TAG_OID, "ContentInfo type is not an OID")?);
        let wrapped = c.read()?;
        c.finish("trailing data in a ContentInfo")?;
        match ctype.as_str() {
            OID_DATA => {
                let inner = explicit(&wrapped, 0, "data ContentInfo is not [0] EXPLICIT")?;
                out.push(Content::Data(octets(
                    &inner,
                    TAG_OCTET_STRING,
                    "data content is not an OCTET STRING",
                )?));
            }
            OID_ENCRYPTED_DATA => {
                let ed = explicit(&wrapped, 0, "encryptedData is not [0] EXPLICIT")?;
                out.push(parse_encrypted_data(&ed)?);
            }
            OID_ENVELOPED_DATA => {
                return Err(PkiError::Unsupported(
                    "envelopedData (public-key privacy mode, bags encrypted to a certificate): \
                     only password-protected files can be read"
                        .into(),
                ));
            }
            o => {
                return Err(PkiError::Unsupported(format!(
                    "AuthenticatedSafe content type {o}"
                )));
            }
        }
    }
    Ok(out)
}

fn parse_encrypted_data<'a>(ed: &Tlv<'a>) -> Result<Content<'a>> {
    if ed.tag != TAG_SEQUENCE {
        return Err(bad("EncryptedData is not a SEQUENCE"));
    }
    let mut r = ed.reader();
    let version = r.read_tag(TAG_INTEGER, "EncryptedData version is not an INTEGER")?;
    let _ = der::small_uint(&version)?;
    let eci = r.read_tag(TAG_SEQUENCE, "EncryptedContentInfo is not a SEQUENCE")?;
    // [1] unprotectedAttrs may follow; they are ignored.
    let mut e = eci.reader();
    let _content_type = e.read_tag(TAG_OID, "EncryptedContentInfo type is not an OID")?;
    let alg = e.read_tag(
        TAG_SEQUENCE,
        "content encryption algorithm is not a SEQUENCE",
    )?;
    let content = if e.is_empty() {
        return Err(bad("encryptedData without encrypted content"));
    } else {
        e.read()?
    };
    e.finish("trailing data in EncryptedContentInfo")?;
    let ciphertext = octets(
        &content,
        TAG_IMPLICIT_0,
        "encrypted content is not [0] IMPLICIT OCTET STRING",
    )?;
    Ok(Content::Encrypted {
        scheme: Scheme::parse(&alg)?,
        ciphertext,
    })
}

// ---------------------------------------------------------------- opening

/// Why opening with one candidate failed.
enum OpenError {
    /// Bad padding or garbage plaintext: not this password.
    Decrypt,
    /// Anything else: the same for every password.
    Fatal(PkiError),
}

impl From<PkiError> for OpenError {
    fn from(e: PkiError) -> Self {
        OpenError::Fatal(e)
    }
}

impl From<der::DerError> for OpenError {
    fn from(e: der::DerError) -> Self {
        OpenError::Fatal(e.into())
    }
}

struct Found<T> {
    item: T,
    local_key_id: Option<Vec<u8>>,
    friendly_name: Option<String>,
    encryption: String,
}

#[derive(Default)]
struct Bags {
    keys: Vec<Found<PrivateKey>>,
    certs: Vec<Found<Certificate>>,
    /// Whether anything was decrypted (so the password was tested by decryption).
    decrypted_anything: bool,
}

/// Decrypt with one candidate; the plaintext must be one DER SEQUENCE, else the password
/// was wrong (padding that happens to verify under a wrong key leaves garbage).
fn decrypt(
    scheme: &Scheme,
    ciphertext: &[u8],
    password: &Candidate,
    work: &mut Work,
) -> std::result::Result<zeroize::Zeroizing<Vec<u8>>, OpenError> {
    work.charge(scheme.iterations())?;
    let plain = scheme
        .decrypt(password, ciphertext)
        .map_err(|_| OpenError::Decrypt)?;
    match der::parse_one(&plain, "") {
        Ok(t) if t.tag == TAG_SEQUENCE => Ok(plain),
        _ => Err(OpenError::Decrypt),
    }
}

fn open(
    contents: &[Content<'_>],
    password: &Candidate,
    work: &mut Work,
) -> std::result::Result<Bags, OpenError> {
    let mut bags = Bags::default();
    for content in contents {
        match content {
            Content::Data(bytes) => {
                safe_contents(bytes, "none", password, work, &mut bags, 0)?;
            }
            Content::Encrypted { scheme, ciphertext } => {
                let plain = decrypt(scheme, ciphertext, password, work)?;
                bags.decrypted_anything = true;
                safe_contents(&plain, &scheme.name(), password, work, &mut bags, 0)?;
            }
        }
    }
    Ok(bags)
}

/// Bag attributes we use: friendlyName and localKeyID.
fn attributes(set: Option<Tlv<'_>>) -> Result<(Option<String>, Option<Vec<u8>>)> {
    let (mut name, mut id) = (None, None);
    let Some(set) = set else {
        return Ok((name, id));
    };
    let mut r = set.reader();
    while !r.is_empty() {
        let attr = r.read_tag(TAG_SEQUENCE, "bag attribute is not a SEQUENCE")?;
        let mut a = attr.reader();
        let oid = oid_of(&a.read_tag(TAG_OID, "bag attribute type is not an OID")?);
        let values = a.read_tag(TAG_SET, "bag attribute values are not a SET")?;
        a.finish("trailing data in a bag attribute")?;
        let first = values.reader().read().ok();
        match (oid.as_str(), first) {
            (OID_FRIENDLY_NAME, Some(v)) if v.tag == TAG_BMP_STRING => {
                name = Some(der::bmp_to_string(v.content));
            }
            (OID_LOCAL_KEY_ID, Some(v)) if v.tag == TAG_OCTET_STRING => {
                id = Some(v.content.to_vec());
            }
            _ => {}
        }
    }
    Ok((name, id))
}

fn safe_contents(
    bytes: &[u8],
    encryption: &str,
    password: &Candidate,
    work: &mut Work,
    bags: &mut Bags,
    depth: usize,
) -> std::result::Result<(), OpenError> {
    let seq = der::parse_one(bytes, "trailing bytes after SafeContents")?;
    if seq.tag != TAG_SEQUENCE {
        return Err(bad("SafeContents is not a SEQUENCE").into());
    }
    let mut r = seq.reader();
    while !r.is_empty() {
        let bag = r.read_tag(TAG_SEQUENCE, "SafeBag is not a SEQUENCE")?;
        let mut b = bag.reader();
        let bag_id = oid_of(&b.read_tag(TAG_OID, "SafeBag type is not an OID")?);
        let wrapped = b.read()?;
        let attrs = b.read_optional(TAG_SET)?;
        b.finish("trailing data in a SafeBag")?;
        let value = explicit(&wrapped, 0, "SafeBag value is not [0] EXPLICIT")?;
        let (friendly_name, local_key_id) = attributes(attrs)?;
        match bag_id.as_str() {
            OID_KEY_BAG => bags.keys.push(Found {
                item: PrivateKey::from_pkcs8_der(value.raw)?,
                local_key_id,
                friendly_name,
                encryption: encryption.to_string(),
            }),
            OID_SHROUDED_KEY_BAG => {
                if value.tag != TAG_SEQUENCE {
                    return Err(bad("EncryptedPrivateKeyInfo is not a SEQUENCE").into());
                }
                let mut e = value.reader();
                let alg = e.read_tag(TAG_SEQUENCE, "key encryption algorithm is not a SEQUENCE")?;
                let data = e.read_tag(TAG_OCTET_STRING, "encrypted key is not an OCTET STRING")?;
                e.finish("trailing data in EncryptedPrivateKeyInfo")?;
                let scheme = Scheme::parse(&alg)?;
                let plain = decrypt(&scheme, data.content, password, work)?;
                bags.decrypted_anything = true;
                bags.keys.push(Found {
                    item: PrivateKey::from_pkcs8_der(&plain)?,
                    local_key_id,
                    friendly_name,
                    encryption: scheme.name(),
                });
            }
            OID_CERT_BAG => {
                if value.tag != TAG_SEQUENCE {
                    return Err(bad("CertBag is not a SEQUENCE").into());
                }
                let mut c = value.reader();
                let cert_id = oid_of(&c.read_tag(TAG_OID, "CertBag type is not an OID")?);
                let cert_value = c.read()?;
                c.finish("trailing data in a CertBag")?;
                if cert_id == OID_X509_CERTIFICATE {
                    let inner = explicit(&cert_value, 0, "CertBag value is not [0] EXPLICIT")?;
                    let der = octets(
                        &inner,
                        TAG_OCTET_STRING,
                        "x509Certificate is not an OCTET STRING",
                    )?;
                    bags.certs.push(Found {
                        item: Certificate::from_der(&der)?,
                        local_key_id,
                        friendly_name,
                        encryption: encryption.to_string(),
                    });
                }
            }
            OID_SAFE_CONTENTS_BAG => {
                if depth >= MAX_NESTING {
                    return Err(bad("safeContentsBag nested too deeply").into());
                }
                safe_contents(value.raw, encryption, password, work, bags, depth + 1)?;
            }
            // crlBag, secretBag, anything else: not ours.
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- read

pub(crate) fn read(data: &[u8], password: &str, options: ReadOptions) -> Result<Pkcs12> {
    if data.len() > MAX_PKCS12_SIZE {
        return Err(PkiError::TooLarge {
            size: data.len(),
            limit: MAX_PKCS12_SIZE,
        });
    }
    if data.is_empty() {
        return Err(bad("empty input"));
    }
    let pfx = parse_pfx(data)?;
    let contents = parse_auth_safe(&pfx.auth_safe)?;
    let candidates = Candidate::all_for(password);
    let mut work = Work::limited(&options);

    let Some(mac) = &pfx.mac else {
        for candidate in &candidates {
            match open(&contents, candidate, &mut work) {
                Ok(bags) => return Ok(finish(bags, MacStatus::Absent, None, candidate)),
                Err(OpenError::Decrypt) => continue,
                Err(OpenError::Fatal(e)) => return Err(e),
            }
        }
        return Err(PkiError::WrongPassword);
    };

    let mut verified = None;
    for (i, candidate) in candidates.iter().enumerate() {
        if mac.verifies(&pfx.auth_safe, candidate, &mut work)? {
            verified = Some(i);
            break;
        }
    }

    if let Some(i) = verified {
        // The MAC password first, then the other form (a writer may have used one
        // convention for the MAC and the other for the bags).
        let order = std::iter::once(i).chain((0..candidates.len()).filter(|&j| j != i));
        for j in order {
            let candidate = &candidates[j];
            match open(&contents, candidate, &mut work) {
                Ok(bags) => return Ok(finish(bags, MacStatus::Verified, Some(mac), candidate)),
                Err(OpenError::Decrypt) => continue,
                Err(OpenError::Fatal(e)) => return Err(e),
            }
        }
        return Err(bad(
            "the MAC verifies but the bags do not decrypt with the password",
        ));
    }

    for candidate in &candidates {
        match open(&contents, candidate, &mut work) {
            Ok(bags) if options.ignore_mac => {
                return Ok(finish(bags, MacStatus::Mismatch, Some(mac), candidate));
            }
            // Bags decrypt, so the password is right and the MAC is wrong.
            Ok(bags) if bags.decrypted_anything => return Err(PkiError::MacMismatch),
            // Nothing encrypted: only the MAC tests the password.
            Ok(_) => return Err(PkiError::WrongPassword),
            Err(OpenError::Decrypt) => continue,
            Err(OpenError::Fatal(e)) => return Err(e),
        }
    }
    Err(PkiError::WrongPassword)
}

fn finish(
    bags: Bags,
    mac_status: MacStatus,
    mac: Option<&MacData<'_>>,
    candidate: &Candidate,
) -> Pkcs12 {
    let Bags { keys, certs, .. } = bags;
    let key = keys.into_iter().next();
    let leaf = match &key {
        Some(k) => certs
            .iter()
            .position(|c| k.item.matches(&c.item))
            .or_else(|| {
                k.local_key_id.as_ref().and_then(|id| {
                    certs
                        .iter()
                        .position(|c| c.local_key_id.as_ref() == Some(id))
                })
            })
            .unwrap_or(0),
        None => 0,
    };
    let mut certificate = None;
    let mut other_certificates = Vec::new();
    let mut cert_name = None;
    let mut cert_encryption = "none".to_string();
    for (i, c) in certs.into_iter().enumerate() {
        if i == leaf {
            cert_name = c.friendly_name;
            cert_encryption = c.encryption;
            certificate = Some(c.item);
        } else {
            other_certificates.push(c.item);
        }
    }
    let (key, key_name, key_encryption) = match key {
        Some(k) => (Some(k.item), k.friendly_name, k.encryption),
        None => (None, None, "none".to_string()),
    };
    Pkcs12 {
        key,
        certificate,
        other_certificates,
        friendly_name: key_name.or(cert_name),
        mac: mac_status,
        layout: Pkcs12Layout {
            mac_algorithm: mac.map_or_else(|| "none".to_string(), MacData::name),
            mac_iterations: mac.map_or(0, |m| u64::from(m.iterations)),
            key_encryption,
            cert_encryption,
            password_form: candidate.form,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octets_accepts_primitive_and_constructed_forms() {
        let prim = der::octet_string(b"abcdef");
        let t = der::parse_one(&prim, "t").unwrap();
        assert_eq!(
            octets(&t, TAG_OCTET_STRING, "x").unwrap().as_ref(),
            b"abcdef"
        );
        let cons = der::tlv(
            0x24,
            &[der::octet_string(b"abc"), der::octet_string(b"def")].concat(),
        );
        let t = der::parse_one(&cons, "t").unwrap();
        assert_eq!(
            octets(&t, TAG_OCTET_STRING, "x").unwrap().as_ref(),
            b"abcdef"
        );
        // [0] IMPLICIT, primitive and constructed.
        let t = der::tlv(TAG_IMPLICIT_0, b"xy");
        let t = der::parse_one(&t, "t").unwrap();
        assert_eq!(octets(&t, TAG_IMPLICIT_0, "x").unwrap().as_ref(), b"xy");
        let c = der::tlv(0xa0, &der::octet_string(b"xy"));
        let t = der::parse_one(&c, "t").unwrap();
        assert_eq!(octets(&t, TAG_IMPLICIT_0, "x").unwrap().as_ref(), b"xy");
        // A constructed form holding something else, or a wrong tag.
        let bad_inner = der::tlv(0x24, &der::small_int(1));
        let t = der::parse_one(&bad_inner, "t").unwrap();
        assert!(octets(&t, TAG_OCTET_STRING, "x").is_err());
        let int = der::small_int(1);
        let t = der::parse_one(&int, "t").unwrap();
        assert!(octets(&t, TAG_OCTET_STRING, "x").is_err());
    }

    #[test]
    fn explicit_requires_exactly_one_element() {
        let one = der::tlv(context(0), &der::null());
        assert_eq!(
            explicit(&der::parse_one(&one, "t").unwrap(), 0, "x")
                .unwrap()
                .tag,
            TAG_NULL
        );
        let two = der::tlv(context(0), &[der::null(), der::null()].concat());
        assert!(explicit(&der::parse_one(&two, "t").unwrap(), 0, "x").is_err());
        let wrong = der::tlv(context(1), &der::null());
        assert!(explicit(&der::parse_one(&wrong, "t").unwrap(), 0, "x").is_err());
    }

    #[test]
    fn mac_data_is_validated() {
        let mac = |alg: &[u8], digest_len: usize, iterations: Option<u64>| {
            let di = der::sequence(&[alg, &der::octet_string(&vec![0; digest_len])]);
            let salt = der::octet_string(&[1; 8]);
            match iterations {
                Some(i) => der::sequence(&[&di, &salt, &der::small_int(i)]),
                None => der::sequence(&[&di, &salt]),
            }
        };
        let sha1 = der::sequence(&[&der::oid("1.3.14.3.2.26"), &der::null()]);
        let sha1_bare = der::sequence(&[&der::oid("1.3.14.3.2.26")]);
        let sha256 = der::sequence(&[&der::oid("2.16.840.1.101.3.4.2.1"), &der::null()]);
        let md5 = der::sequence(&[&der::oid("1.2.840.113549.2.5"), &der::null()]);
        let pbmac1 = der::sequence(&[&der::oid(scheme::OID_PBMAC1), &der::sequence(&[])]);

        let ok = mac(&sha1, 20, None);
        let m = parse_mac(&der::parse_one(&ok, "t").unwrap()).unwrap();
        assert_eq!(
            (m.hash, m.iterations, m.name()),
            (Hash::Sha1, 1, "HMAC-SHA1".into())
        );
        let ok = mac(&sha1_bare, 20, Some(7));
        assert_eq!(
            parse_mac(&der::parse_one(&ok, "t").unwrap())
                .unwrap()
                .iterations,
            7
        );
        let ok = mac(&sha256, 32, Some(2048));
        assert_eq!(
            parse_mac(&der::parse_one(&ok, "t").unwrap()).unwrap().hash,
            Hash::Sha256
        );

        for (bytes, unsupported) in [
            (mac(&sha256, 20, None), false),
            (mac(&sha1, 20, Some(0)), false),
            (mac(&sha1, 20, Some(1 << 31)), true),
            (mac(&md5, 16, None), true),
            (mac(&pbmac1, 32, None), true),
        ] {
            let r = parse_mac(&der::parse_one(&bytes, "t").unwrap());
            match (r, unsupported) {
                (Err(PkiError::Unsupported(_)), true) | (Err(PkiError::BadPkcs12(_)), false) => {}
                (other, _) => panic!("{:?}", other.map(|m| m.iterations)),
            }
        }
    }
}
