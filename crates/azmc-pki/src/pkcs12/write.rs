//! Writing PFX files in strict DER.
//!
//! Layout (as Azure's own files): AuthenticatedSafe = [ `data` ContentInfo holding the
//! pkcs8ShroudedKeyBag, `encryptedData` ContentInfo holding the certificate bag(s) ],
//! then the MAC. Both profiles put localKeyID (SHA-1 of the certificate) and friendlyName
//! on the key bag and the leaf certificate bag.

use super::cipher::Cipher;
use super::kdf::{Candidate, Hash};
use super::scheme::Scheme;
use super::{
    OID_CERT_BAG, OID_DATA, OID_ENCRYPTED_DATA, OID_FRIENDLY_NAME, OID_LOCAL_KEY_ID,
    OID_SHROUDED_KEY_BAG, OID_X509_CERTIFICATE, PasswordForm, Profile,
};
use crate::cert::Certificate;
use crate::der::{self, context};
use crate::error::{PkiError, Result};
use crate::key::PrivateKey;

/// Iterations of the Modern profile's PBKDF2 (current guidance for PBKDF2-HMAC-SHA256;
/// the Legacy profile keeps Azure's counts, which its readers expect).
pub(crate) const MODERN_PBKDF2_ITERATIONS: u32 = 600_000;
/// Iterations of the Modern profile's MAC (OpenSSL 3's default).
pub(crate) const MODERN_MAC_ITERATIONS: u32 = 2048;
/// Iterations of the Legacy profile's 3DES key derivation (Azure's value).
pub(crate) const LEGACY_PBE_ITERATIONS: u32 = 2000;
/// Iterations of the Legacy profile's MAC with a password (OpenSSL's default).
pub(crate) const LEGACY_MAC_ITERATIONS: u32 = 2048;

/// `[0] IMPLICIT OCTET STRING`, primitive.
const TAG_IMPLICIT_0: u8 = 0x80;

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| PkiError::Crypto(format!("no random numbers from the OS: {e}")))?;
    Ok(buf)
}

fn modern_scheme() -> Result<Scheme> {
    Ok(Scheme::Pbes2 {
        prf: Hash::Sha256,
        salt: random::<16>()?.to_vec(),
        iterations: MODERN_PBKDF2_ITERATIONS,
        cipher: Cipher::Aes256,
        iv: random::<16>()?.to_vec(),
    })
}

fn legacy_scheme() -> Result<Scheme> {
    Ok(Scheme::Pkcs12Pbe {
        oid: super::scheme::OID_PBE_SHA1_3DES,
        cipher: Cipher::DesEde3,
        salt: random::<8>()?.to_vec(),
        iterations: LEGACY_PBE_ITERATIONS,
    })
}

/// `[0] EXPLICIT` around one element.
fn explicit0(inner: &[u8]) -> Vec<u8> {
    der::tlv(context(0), inner)
}

fn attribute(oid: &str, value: &[u8]) -> Vec<u8> {
    der::sequence(&[&der::oid(oid), &der::set_of(&[value])])
}

fn cert_bag(cert: &Certificate, attributes: Option<&[u8]>) -> Vec<u8> {
    let value = der::sequence(&[
        &der::oid(OID_X509_CERTIFICATE),
        &explicit0(&der::octet_string(cert.der())),
    ]);
    let oid = der::oid(OID_CERT_BAG);
    let wrapped = explicit0(&value);
    match attributes {
        Some(a) => der::sequence(&[&oid, &wrapped, a]),
        None => der::sequence(&[&oid, &wrapped]),
    }
}

/// The password and algorithms of one file, chosen by its profile.
struct Params {
    candidate: Candidate,
    key_scheme: Scheme,
    cert_scheme: Scheme,
    mac: MacParams,
}

/// The MAC's digest, salt and iteration count.
struct MacParams {
    hash: Hash,
    salt: Vec<u8>,
    iterations: u32,
}

/// The profile's password form, bag schemes and MAC parameters, with fresh salts and IVs
/// (drawn in this order: key scheme, certificate scheme, MAC salt).
fn params(password: &str, profile: Profile) -> Result<Params> {
    let empty = password.is_empty();
    let (candidate, key_scheme, cert_scheme, hash, salt, iterations) = match profile {
        Profile::Modern => (
            // OpenSSL's convention for "" (the PBES2 bags use the empty UTF-8 string either way).
            Candidate::new(
                password,
                if empty {
                    PasswordForm::EmptyBmp
                } else {
                    PasswordForm::Text
                },
            ),
            modern_scheme()?,
            modern_scheme()?,
            Hash::Sha256,
            random::<16>()?.to_vec(),
            MODERN_MAC_ITERATIONS,
        ),
        Profile::Legacy if empty => (
            // The zero-length password, 1 MAC iteration, 20-byte MAC salt: what Azure wrote
            // and what every legacy client reads.
            Candidate::new("", PasswordForm::Null),
            legacy_scheme()?,
            legacy_scheme()?,
            Hash::Sha1,
            random::<20>()?.to_vec(),
            1,
        ),
        Profile::Legacy => (
            Candidate::new(password, PasswordForm::Text),
            legacy_scheme()?,
            legacy_scheme()?,
            Hash::Sha1,
            random::<8>()?.to_vec(),
            LEGACY_MAC_ITERATIONS,
        ),
    };
    Ok(Params {
        candidate,
        key_scheme,
        cert_scheme,
        mac: MacParams {
            hash,
            salt,
            iterations,
        },
    })
}

/// `friendly_name`, else the certificate's CN, else its thumbprint.
fn friendly_name_of(cert: &Certificate, friendly_name: Option<&str>) -> String {
    match friendly_name {
        Some(n) => n.to_string(),
        None => cert
            .common_name()
            .map_or_else(|| cert.thumbprint().to_string(), str::to_string),
    }
}

/// The bag attributes of the key and the leaf certificate: localKeyID (the certificate's
/// SHA-1) and friendlyName.
fn bag_attributes(cert: &Certificate, name: &str) -> Vec<u8> {
    der::set_of(&[
        &attribute(
            OID_LOCAL_KEY_ID,
            &der::octet_string(cert.thumbprint().as_bytes()),
        ),
        &attribute(OID_FRIENDLY_NAME, &der::bmp_string(name)),
    ])
}

/// The key: pkcs8ShroudedKeyBag in a plain `data` ContentInfo.
fn key_content_info(
    key: &PrivateKey,
    scheme: &Scheme,
    candidate: &Candidate,
    attributes: &[u8],
) -> Result<Vec<u8>> {
    let encrypted_key = scheme.encrypt(candidate, key.pkcs8_der())?;
    let epki = der::sequence(&[&scheme.encode()?, &der::octet_string(&encrypted_key)]);
    let key_bag = der::sequence(&[
        &der::oid(OID_SHROUDED_KEY_BAG),
        &explicit0(&epki),
        attributes,
    ]);
    Ok(der::sequence(&[
        &der::oid(OID_DATA),
        &explicit0(&der::octet_string(&der::sequence(&[&key_bag]))),
    ]))
}

/// The certificates: leaf (with attributes) then chain, in an `encryptedData` ContentInfo.
fn cert_content_info(
    cert: &Certificate,
    chain: &[Certificate],
    scheme: &Scheme,
    candidate: &Candidate,
    attributes: &[u8],
) -> Result<Vec<u8>> {
    let mut cert_bags = vec![cert_bag(cert, Some(attributes))];
    cert_bags.extend(chain.iter().map(|c| cert_bag(c, None)));
    let bag_refs: Vec<&[u8]> = cert_bags.iter().map(Vec::as_slice).collect();
    let cert_safe = der::sequence(&bag_refs);
    let encrypted_certs = scheme.encrypt(candidate, &cert_safe)?;
    let encrypted_data = der::sequence(&[
        &der::small_int(0),
        &der::sequence(&[
            &der::oid(OID_DATA),
            &scheme.encode()?,
            &der::tlv(TAG_IMPLICIT_0, &encrypted_certs),
        ]),
    ]);
    Ok(der::sequence(&[
        &der::oid(OID_ENCRYPTED_DATA),
        &explicit0(&encrypted_data),
    ]))
}

/// MacData over the AuthenticatedSafe's content.
fn mac_data(mac: &MacParams, candidate: &Candidate, auth_safe: &[u8]) -> Result<Vec<u8>> {
    let mac_key = mac.hash.pkcs12_kdf(
        &candidate.pkcs12,
        &mac.salt,
        3,
        mac.iterations,
        mac.hash.output_len(),
    );
    let tag = mac.hash.hmac(&mac_key, auth_safe)?;
    let digest_info = der::sequence(&[
        &der::sequence(&[&der::oid(mac.hash.digest_oid()), &der::null()]),
        &der::octet_string(&tag),
    ]);
    // iterations DEFAULT 1: omitted when 1, as DER requires.
    Ok(if mac.iterations == 1 {
        der::sequence(&[&digest_info, &der::octet_string(&mac.salt)])
    } else {
        der::sequence(&[
            &digest_info,
            &der::octet_string(&mac.salt),
            &der::small_int(u64::from(mac.iterations)),
        ])
    })
}

/// Write a PKCS#12 file holding `key`, `cert` (with localKeyID and friendlyName on both
/// bags) and optionally a chain.
///
/// `friendly_name` defaults to the certificate's CN, else its thumbprint. The key must
/// belong to the certificate (`KeyMismatch` otherwise).
pub fn write(
    cert: &Certificate,
    key: &PrivateKey,
    chain: &[Certificate],
    password: &str,
    profile: Profile,
    friendly_name: Option<&str>,
) -> Result<Vec<u8>> {
    key.check_matches(cert)?;
    let name = friendly_name_of(cert, friendly_name);
    let p = params(password, profile)?;
    let attributes = bag_attributes(cert, &name);
    let key_info = key_content_info(key, &p.key_scheme, &p.candidate, &attributes)?;
    let cert_info = cert_content_info(cert, chain, &p.cert_scheme, &p.candidate, &attributes)?;
    let auth_safe = der::sequence(&[&key_info, &cert_info]);
    let mac = mac_data(&p.mac, &p.candidate, &auth_safe)?;
    Ok(der::sequence(&[
        &der::small_int(3),
        &der::sequence(&[
            &der::oid(OID_DATA),
            &explicit0(&der::octet_string(&auth_safe)),
        ]),
        &mac,
    ]))
}
