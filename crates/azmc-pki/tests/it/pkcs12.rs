//! PKCS#12 tests (reader, writer, fixtures, OpenSSL interop, round trips).

// `allow-unwrap-in-tests` covers `#[test]` functions only, not the helpers of a test crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use azmc_pki::clock::{Clock, SystemClock};
use azmc_pki::der;
use azmc_pki::pkcs12::{
    self, MAX_PKCS12_SIZE, MacStatus, PasswordForm, Pkcs12, Profile, ReadOptions,
};
use azmc_pki::{Certificate, KeyKind, NewCertificate, PkiError, PrivateKey, create_self_signed};
use base64::Engine as _;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/publishsettings"
);

const STRICT: ReadOptions = ReadOptions {
    ignore_mac: false,
    max_iterations: None,
    work_budget: None,
};
const LENIENT: ReadOptions = ReadOptions {
    ignore_mac: true,
    max_iterations: None,
    work_budget: None,
};

const THREE_DES: &str = "pbeWithSHAAnd3-KeyTripleDES-CBC";
const RC2_40: &str = "pbeWithSHAAnd40BitRC2-CBC";
const PBES2_AES256: &str = "PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)";

fn pair(kind: KeyKind) -> (Certificate, PrivateKey) {
    create_self_signed(&NewCertificate {
        name: "azmc pkcs12 test",
        key: kind,
        days: 30,
        now: SystemClock.now(),
    })
    .unwrap()
}

fn rsa() -> &'static (Certificate, PrivateKey) {
    static PAIR: OnceLock<(Certificate, PrivateKey)> = OnceLock::new();
    PAIR.get_or_init(|| pair(KeyKind::Rsa2048))
}

fn p256() -> &'static (Certificate, PrivateKey) {
    static PAIR: OnceLock<(Certificate, PrivateKey)> = OnceLock::new();
    PAIR.get_or_init(|| pair(KeyKind::P256))
}

// ---------------------------------------------------------------- fixtures

/// Every `ManagementCertificate="…"` value of a publishsettings text, base64-decoded.
fn management_certificates(xml: &str) -> Vec<Vec<u8>> {
    const ATTR: &str = "ManagementCertificate=\"";
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(ATTR) {
        let after = &rest[start + ATTR.len()..];
        let end = after.find('"').expect("unterminated attribute");
        let b64: String = after[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("fixture base64"),
        );
        rest = &after[end..];
    }
    out
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        PathBuf::from(FIXTURES),
        Path::new(FIXTURES).join("synthetic"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "publishsettings") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

const XPLAT_THUMBPRINT: &str = "3FAC406BCDE78FEDD70699744A9B50C3E55FB317";
const SYNTHETIC_THUMBPRINT: &str = "7C1FB876BCC80600D7F653DEE1EF5BE60C306A6E";

/// Thumbprints per fixture, cross-checked with
/// `openssl pkcs12 -legacy -nokeys -passin pass: | openssl x509 -fingerprint -sha1`
/// (for the two altered-MAC xplat files, which OpenSSL refuses, by decrypting the RC2-40
/// certificate bag by hand with `openssl kdf … PKCS12KDF` and `openssl enc -rc2-40-cbc`).
fn expected_thumbprints(stem: &str) -> &'static [&'static str] {
    match stem {
        "azure-sdk-for-python__test_legacy_mgmt_misc_3subs" => &[
            "9F75AD088804FB08875C41E14188F07CCBF06680",
            "9C4061B8D1409C723C9CD8EA61AC4F1DC8387718",
            "F8943F388221EB63298978FD03E65E33BF857019",
        ],
        "azure-xplat-cli__account-credentials" | "azure-xplat-cli__account-credentials2" => {
            &[XPLAT_THUMBPRINT]
        }
        "azurecoder-fluent-management__TestPublishSettings_v1_5subs" => {
            &["F87DE91EB2D6ADEE0A322D77C8C23DDC4FD70679"]
        }
        "azurecoder-fluent-management__TestPublishSettings_v2" => {
            &["9547DF143E9E13906A12DFA3113C108C1DCA3902"]
        }
        "c9-azure-cmdlet-node__elvis" => &["97BE0B11A2887728E6B46614B2065BD81CDFFA18"],
        "hashicorp-terraform__provider_test_revoked" => {
            &["6A7F31713273EBE91086040703CC857BB5ECC550"]
        }
        "forge-nullpw-nonminimal-der__go-FAILS"
        | "null-password-3des-3des-sha1mac__ALL-CLIENTS-OK"
        | "openssl-legacy-emptypw-rc2-3des__xplat-cli-FAILS"
        | "openssl3-default-aes256-sha256mac__go-xplat-FAIL" => &[SYNTHETIC_THUMBPRINT],
        other => panic!("no expectation for fixture {other}"),
    }
}

/// Every certificate in every fixture file reads with `""`, its key matches its
/// certificate, its thumbprint is the one OpenSSL shows, and the layout is what the
/// fixture README documents (real Azure files: NULL password, SHA-1 MAC with 1 iteration,
/// 3DES key, RC2-40 certificates).
#[test]
fn every_fixture_reads_with_the_empty_password() {
    let files = fixture_files();
    assert!(
        files.len() >= 11,
        "fixtures not found in {FIXTURES}: {files:?}"
    );
    let mut read = 0;
    for path in &files {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let xml = std::fs::read_to_string(path).unwrap();
        let blobs = management_certificates(&xml);
        let expected = expected_thumbprints(&stem);
        assert_eq!(blobs.len(), expected.len(), "{stem}");
        let xplat = stem.starts_with("azure-xplat-cli");
        for (blob, thumbprint) in blobs.iter().zip(expected) {
            let p = match pkcs12::read(blob, "", STRICT) {
                Ok(p) => {
                    assert!(!xplat, "{stem}: the altered MAC was accepted");
                    assert_eq!(p.mac, MacStatus::Verified, "{stem}");
                    p
                }
                Err(PkiError::MacMismatch) if xplat => {
                    let p = pkcs12::read(blob, "", LENIENT).unwrap();
                    assert_eq!(p.mac, MacStatus::Mismatch, "{stem}");
                    p
                }
                Err(e) => panic!("{stem}: {e}"),
            };
            let key = p.key.as_ref().unwrap_or_else(|| panic!("{stem}: no key"));
            let cert = p.certificate.as_ref().unwrap();
            assert!(key.matches(cert), "{stem}: key does not match");
            assert_eq!(cert.thumbprint().to_string(), *thumbprint, "{stem}");
            assert!(p.other_certificates.is_empty(), "{stem}");

            let l = &p.layout;
            let real = !stem.contains("FAIL") && !stem.contains("ALL-CLIENTS");
            if real {
                assert_eq!(l.password_form, PasswordForm::Null, "{stem}");
                assert_eq!(l.mac_algorithm, "HMAC-SHA1", "{stem}");
                assert_eq!(l.mac_iterations, 1, "{stem}");
                assert_eq!(l.key_encryption, THREE_DES, "{stem}");
                assert_eq!(l.cert_encryption, RC2_40, "{stem}");
                assert_eq!(cert.common_name(), Some("Windows Azure Tools"));
            }
            read += 1;
        }
    }
    assert_eq!(read, 13);
}

fn fixture(name: &str) -> Vec<Vec<u8>> {
    let xml = std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap();
    management_certificates(&xml)
}

#[test]
fn hashicorp_fixture() {
    let blob = &fixture("hashicorp-terraform__provider_test_revoked.publishsettings")[0];
    let p = pkcs12::read(blob, "", ReadOptions::default()).unwrap();
    let cert = p.certificate.unwrap();
    assert_eq!(
        cert.thumbprint().to_string(),
        "6A7F31713273EBE91086040703CC857BB5ECC550"
    );
    assert!(p.key.unwrap().matches(&cert));
    // The key bag's friendlyName (a GUID, as `openssl pkcs12 -nocerts` shows) wins over
    // the certificate bag's ("Pay-As-You-Go-6-2-2015-credentials").
    assert_eq!(
        p.friendly_name.as_deref(),
        Some("{4D1A64E4-37BF-49F2-99D1-596FA235FAD1}")
    );
    assert_eq!(p.mac, MacStatus::Verified);
    // A real Azure file is opened by the zero-length password, never by a non-empty one.
    assert_eq!(
        pkcs12::read(blob, "x", STRICT).unwrap_err(),
        PkiError::WrongPassword
    );
}

/// The two azure-xplat-cli files have a MAC that verifies with neither empty-password
/// convention, but their bags decrypt with the NULL password.
#[test]
fn xplat_fixtures_need_ignore_mac() {
    for name in [
        "azure-xplat-cli__account-credentials.publishsettings",
        "azure-xplat-cli__account-credentials2.publishsettings",
    ] {
        let blob = &fixture(name)[0];
        assert_eq!(
            pkcs12::read(blob, "", STRICT).unwrap_err(),
            PkiError::MacMismatch,
            "{name}"
        );
        let p = pkcs12::read(blob, "", LENIENT).unwrap();
        assert_eq!(p.mac, MacStatus::Mismatch);
        assert_eq!(p.layout.password_form, PasswordForm::Null);
        let cert = p.certificate.unwrap();
        assert_eq!(cert.thumbprint().to_string(), XPLAT_THUMBPRINT);
        assert!(p.key.unwrap().matches(&cert));
        // With a wrong password nothing decrypts: that is not a MAC problem.
        assert_eq!(
            pkcs12::read(blob, "wrong", LENIENT).unwrap_err(),
            PkiError::WrongPassword
        );
    }
}

/// `layout` has the password form, (MAC algorithm, iterations) and (key, certificate)
/// encryptions given.
fn assert_layout(
    layout: &azmc_pki::pkcs12::Pkcs12Layout,
    password_form: PasswordForm,
    mac: (&str, u64),
    encryption: (&str, &str),
) {
    assert_eq!(layout.password_form, password_form);
    assert_eq!((layout.mac_algorithm.as_str(), layout.mac_iterations), mac);
    assert_eq!(layout.key_encryption, encryption.0);
    assert_eq!(layout.cert_encryption, encryption.1);
}

#[test]
fn synthetic_fixture_layouts() {
    let read = |name: &str| {
        pkcs12::read(
            &fixture(&format!("synthetic/{name}.publishsettings"))[0],
            "",
            STRICT,
        )
        .unwrap()
    };
    let p = read("null-password-3des-3des-sha1mac__ALL-CLIENTS-OK");
    assert_layout(
        &p.layout,
        PasswordForm::Null,
        ("HMAC-SHA1", 1),
        (THREE_DES, THREE_DES),
    );

    let p = read("openssl-legacy-emptypw-rc2-3des__xplat-cli-FAILS");
    assert_layout(
        &p.layout,
        PasswordForm::EmptyBmp,
        ("HMAC-SHA1", 2048),
        (THREE_DES, RC2_40),
    );

    let p = read("openssl3-default-aes256-sha256mac__go-xplat-FAIL");
    assert_layout(
        &p.layout,
        PasswordForm::EmptyBmp,
        ("HMAC-SHA256", 2048),
        (PBES2_AES256, PBES2_AES256),
    );

    // node-forge: certificate bag unencrypted, non-minimal INTEGERs in the key.
    let p = read("forge-nullpw-nonminimal-der__go-FAILS");
    assert_eq!(p.layout.password_form, PasswordForm::Null);
    assert_eq!(p.layout.key_encryption, THREE_DES);
    assert_eq!(p.layout.cert_encryption, "none");
    assert!(p.key.unwrap().matches(&p.certificate.unwrap()));
}

// ---------------------------------------------------------------- writer

/// Our Legacy file with `""` has exactly the layout of the ALL-CLIENTS-OK fixture: NULL
/// password, 3DES (2000 iterations, 8-byte salt) for both bags, key bag in `data` first,
/// certificates in `encryptedData`, SHA-1 MAC with the iteration count omitted (DEFAULT 1)
/// and a 20-byte salt.
#[test]
fn legacy_empty_password_layout_matches_the_universal_fixture() {
    let (cert, key) = rsa();
    let out = pkcs12::write(cert, key, &[], "", Profile::Legacy, None).unwrap();
    let p = pkcs12::read(&out, "", STRICT).unwrap();
    assert_eq!(p.layout.password_form, PasswordForm::Null);
    assert_eq!(p.layout.mac_algorithm, "HMAC-SHA1");
    assert_eq!(p.layout.mac_iterations, 1);
    assert_eq!(p.layout.key_encryption, THREE_DES);
    assert_eq!(p.layout.cert_encryption, THREE_DES);
    assert_eq!(p.friendly_name.as_deref(), Some("azmc pkcs12 test"));

    let reference =
        &fixture("synthetic/null-password-3des-3des-sha1mac__ALL-CLIENTS-OK.publishsettings")[0];
    assert_eq!(shape(&out), shape(reference));
}

/// The skeleton of a PFX: content types and algorithm parameters sizes, MAC fields.
fn shape(pfx: &[u8]) -> Vec<String> {
    let mut s = Vec::new();
    let top = der::parse_one(pfx, "t").unwrap();
    let mut r = top.reader();
    s.push(format!("version {:?}", r.read().unwrap().content));
    let auth = r.read().unwrap();
    let mac = r.read().unwrap();
    assert!(r.is_empty());
    let mut m = mac.reader();
    let digest_info = m.read().unwrap();
    s.push(format!(
        "mac alg {:02x?}",
        digest_info.reader().read().unwrap().raw
    ));
    s.push(format!("mac salt {}", m.read().unwrap().content.len()));
    s.push(format!("mac iterations present {}", !m.is_empty()));
    let mut a = auth.reader();
    a.read().unwrap();
    let octets = der::parse_one(a.read().unwrap().content, "t").unwrap();
    let safe = der::parse_one(octets.content, "t").unwrap();
    let mut cis = safe.reader();
    while !cis.is_empty() {
        let ci = cis.read().unwrap();
        let mut c = ci.reader();
        let oid = der::oid_to_string(c.read().unwrap().content);
        s.push(format!("content {oid}"));
        if oid == "1.2.840.113549.1.7.6" {
            let ed = der::parse_one(c.read().unwrap().content, "t").unwrap();
            let mut e = ed.reader();
            e.read().unwrap();
            let mut eci = e.read().unwrap().reader();
            eci.read().unwrap();
            s.push(format!("  cert {}", pbe_of(&eci.read().unwrap())));
        } else {
            let data = der::parse_one(c.read().unwrap().content, "t").unwrap();
            let bags = der::parse_one(data.content, "t").unwrap();
            let mut b = bags.reader();
            let bag = b.read().unwrap();
            let mut br = bag.reader();
            let bag_oid = der::oid_to_string(br.read().unwrap().content);
            let epki = der::parse_one(br.read().unwrap().content, "t").unwrap();
            let pbe = pbe_of(&epki.reader().read().unwrap());
            s.push(format!("  bag {bag_oid} {pbe}"));
        }
    }
    s
}

/// Strict DER: re-encoding every element from its content gives the same bytes (minimal
/// lengths), INTEGERs are minimal, SETs are sorted. Recurses into constructed elements
/// and into OCTET STRINGs directly under `[0]` (AuthenticatedSafe, SafeContents, the
/// certificate), not into ciphertexts, salts or digests.
fn assert_strict_der(buf: &[u8], under_context0: bool) {
    let mut r = der::Reader::new(buf);
    while !r.is_empty() {
        let t = r.read().unwrap();
        assert_eq!(der::tlv(t.tag, t.content), t.raw, "non-minimal length");
        if t.tag == der::TAG_INTEGER {
            assert_eq!(der::uint(t.content), t.raw, "non-minimal INTEGER");
        }
        if t.tag == der::TAG_SET {
            let mut items = Vec::new();
            let mut s = t.reader();
            while !s.is_empty() {
                items.push(s.read().unwrap().raw);
            }
            assert!(items.windows(2).all(|w| w[0] <= w[1]), "unsorted SET");
        }
        if t.tag & 0x20 != 0 {
            assert_strict_der(t.content, t.tag == der::context(0));
        } else if t.tag == der::TAG_OCTET_STRING && under_context0 {
            assert_strict_der(t.content, false);
        }
    }
}

#[test]
fn written_files_are_strict_der_with_the_documented_algorithms() {
    let (cert, key) = rsa();
    for profile in [Profile::Modern, Profile::Legacy] {
        for password in ["", "pw"] {
            let out = pkcs12::write(cert, key, &[], password, profile, Some("n")).unwrap();
            assert_strict_der(&out, false);
            let p = pkcs12::read(&out, password, STRICT).unwrap();
            let l = &p.layout;
            match profile {
                Profile::Modern => {
                    assert_eq!(l.mac_algorithm, "HMAC-SHA256");
                    assert!(l.mac_iterations >= 2048);
                    assert_eq!(l.key_encryption, PBES2_AES256);
                    assert_eq!(l.cert_encryption, PBES2_AES256);
                }
                Profile::Legacy => {
                    assert_eq!(l.mac_algorithm, "HMAC-SHA1");
                    assert_eq!(l.mac_iterations, if password.is_empty() { 1 } else { 2048 });
                    assert_eq!(l.key_encryption, THREE_DES);
                    assert_eq!(l.cert_encryption, THREE_DES);
                }
            }
            let expected_form = match (profile, password) {
                (_, "pw") => PasswordForm::Text,
                (Profile::Legacy, _) => PasswordForm::Null,
                (Profile::Modern, _) => PasswordForm::EmptyBmp,
            };
            assert_eq!(l.password_form, expected_form, "{profile} {password:?}");
            assert_eq!(p.mac, MacStatus::Verified);
            assert_eq!(p.key.as_ref(), Some(key));
            assert_eq!(p.certificate.as_ref(), Some(cert));
            assert_eq!(p.friendly_name.as_deref(), Some("n"));
            // Two writes differ (random salts and IVs).
            let again = pkcs12::write(cert, key, &[], password, profile, Some("n")).unwrap();
            assert_ne!(out, again);
        }
    }
}

#[test]
fn chain_and_default_friendly_name() {
    let (cert, key) = p256();
    let (other, _) = rsa();
    for profile in [Profile::Modern, Profile::Legacy] {
        let out =
            pkcs12::write(cert, key, std::slice::from_ref(other), "pw", profile, None).unwrap();
        let p = pkcs12::read(&out, "pw", STRICT).unwrap();
        assert_eq!(p.certificate.as_ref(), Some(cert));
        assert_eq!(p.other_certificates, vec![other.clone()]);
        assert_eq!(p.friendly_name.as_deref(), cert.common_name());
    }
    // A key that does not belong to the certificate is refused.
    assert_eq!(
        pkcs12::write(other, key, &[], "", Profile::Legacy, None).unwrap_err(),
        PkiError::KeyMismatch
    );
}

#[test]
fn wrong_password_is_wrong_password() {
    let (cert, key) = p256();
    for profile in [Profile::Modern, Profile::Legacy] {
        for (written, tried) in [("right", "wrong"), ("right", ""), ("", "x"), ("é", "e")] {
            let out = pkcs12::write(cert, key, &[], written, profile, None).unwrap();
            for options in [STRICT, LENIENT] {
                assert_eq!(
                    pkcs12::read(&out, tried, options).unwrap_err(),
                    PkiError::WrongPassword,
                    "{profile} {written:?} {tried:?}"
                );
            }
        }
    }
}

/// A reader of strangers' files sets its own limits: per derivation and per read,
/// checked before the work is done; the same file reads within generous ones.
#[test]
fn callers_limit_the_key_derivation_work() {
    let (cert, key) = p256();
    let out = pkcs12::write(cert, key, &[], "pw", Profile::Legacy, None).unwrap();
    let limited = |max_iterations, work_budget| ReadOptions {
        max_iterations,
        work_budget,
        ..STRICT
    };
    let refused = |options| match pkcs12::read(&out, "pw", options).unwrap_err() {
        PkiError::Unsupported(why) => why,
        other => panic!("{other:?}"),
    };
    // Legacy derives with 2,048 iterations: the MAC, then each of the two bags.
    assert!(refused(limited(Some(2_047), None)).contains("above the limit of 2047"));
    assert!(refused(limited(None, Some(4_096))).contains("more than 4096"));
    let p = pkcs12::read(&out, "pw", limited(Some(2_048), Some(3 * 2_048))).unwrap();
    assert_eq!(p.certificate.unwrap().thumbprint(), cert.thumbprint());
    // Modern derives its bag keys with 600,000 PBKDF2 iterations (current guidance).
    let modern = pkcs12::write(cert, key, &[], "pw", Profile::Modern, None).unwrap();
    let read = |max| pkcs12::read(&modern, "pw", limited(Some(max), None));
    assert!(matches!(read(599_999), Err(PkiError::Unsupported(_))));
    assert!(read(600_000).unwrap().key.is_some());
}

/// A corrupted MAC with the right password: MacMismatch, or Mismatch with ignore_mac.
#[test]
fn altered_mac_is_reported() {
    let (cert, key) = p256();
    for profile in [Profile::Modern, Profile::Legacy] {
        let mut out = pkcs12::write(cert, key, &[], "pw", profile, None).unwrap();
        // The MAC salt is the second-to-last or last element; flip the last byte of the file
        // (inside the salt or the iteration count) – the MAC then fails.
        let n = out.len();
        out[n - 1] ^= 0x01;
        match pkcs12::read(&out, "pw", STRICT) {
            Err(PkiError::MacMismatch) => {}
            other => panic!("{profile}: {other:?}"),
        }
        let p = pkcs12::read(&out, "pw", LENIENT).unwrap();
        assert_eq!(p.mac, MacStatus::Mismatch);
        assert_eq!(p.key.as_ref(), Some(key));
        assert_eq!(
            pkcs12::read(&out, "wrong", LENIENT).unwrap_err(),
            PkiError::WrongPassword
        );
    }
}

// ---------------------------------------------------------------- hostile input

/// xorshift: deterministic "random" bytes without a dependency.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn garbage_truncation_and_bit_flips_are_errors_not_panics() {
    assert!(matches!(
        pkcs12::read(&[], "", STRICT),
        Err(PkiError::BadPkcs12(_))
    ));
    for seed in 1..50u64 {
        let len = (seed as usize * 37) % 3000;
        assert!(pkcs12::read(&noise(seed, len), "", STRICT).is_err());
        // Random content behind a plausible header.
        let mut fake = vec![0x30, 0x82, (len >> 8) as u8, len as u8, 0x02, 0x01, 0x03];
        fake.extend(noise(seed, len.saturating_sub(3)));
        assert!(pkcs12::read(&fake, "", STRICT).is_err());
    }
    // SEQUENCEs that claim huge lengths.
    for bad in [
        &[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x03][..],
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
        &[0x30, 0x88, 1, 2, 3, 4, 5, 6, 7, 8][..],
        &[0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00][..],
        &[0x30][..],
    ] {
        assert!(
            matches!(pkcs12::read(bad, "", STRICT), Err(PkiError::BadPkcs12(_))),
            "{bad:02x?}"
        );
    }
    // Too large.
    assert!(matches!(
        pkcs12::read(&vec![0u8; MAX_PKCS12_SIZE + 1], "", STRICT),
        Err(PkiError::TooLarge { .. })
    ));

    let (cert, key) = p256();
    for profile in [Profile::Legacy, Profile::Modern] {
        let good = pkcs12::write(cert, key, &[], "", profile, None).unwrap();
        // Every truncation fails.
        for cut in (0..good.len()).step_by(7) {
            assert!(pkcs12::read(&good[..cut], "", STRICT).is_err(), "cut {cut}");
        }
        // Trailing garbage fails.
        let mut longer = good.clone();
        longer.push(0);
        assert!(pkcs12::read(&longer, "", STRICT).is_err());
        // Bit flips anywhere: never a panic; a flip is detected by the MAC or the parser
        // (only with ignore_mac may a flip inside ciphertext padding go unnoticed).
        for pos in (0..good.len()).step_by(9) {
            let mut bad = good.clone();
            bad[pos] ^= 0x40;
            assert!(pkcs12::read(&bad, "", STRICT).is_err(), "flip at {pos}");
            let _ = pkcs12::read(&bad, "", LENIENT);
        }
    }
}

/// `pbe {oid} salt {salt length} iterations {n}` of a PKCS#12 PBE AlgorithmIdentifier.
fn pbe_of(alg: &der::Tlv<'_>) -> String {
    let mut al = alg.reader();
    let alg_oid = der::oid_to_string(al.read().unwrap().content);
    let params = al.read().unwrap();
    let mut pr = params.reader();
    let salt = pr.read().unwrap().content.len();
    let it = der::small_uint(&pr.read().unwrap()).unwrap();
    format!("pbe {alg_oid} salt {salt} iterations {it}")
}

/// A shrouded key bag encrypted (16 zero bytes) with the PBE `alg_oid`.
fn shrouded_key_bag(alg_oid: &str, iterations: u64) -> Vec<u8> {
    let epki = der::sequence(&[
        &alg(alg_oid, &[1; 8], iterations),
        &der::octet_string(&[0; 16]),
    ]);
    der::sequence(&[
        &der::oid("1.2.840.113549.1.12.10.1.2"),
        &der::tlv(der::context(0), &epki),
    ])
}

fn alg(oid: &str, salt: &[u8], iterations: u64) -> Vec<u8> {
    der::sequence(&[
        &der::oid(oid),
        &der::sequence(&[&der::octet_string(salt), &der::small_int(iterations)]),
    ])
}

/// A PFX without MAC around the given SafeBags (in a `data` ContentInfo), plus extra
/// ContentInfos.
fn pfx_with(bags: &[&[u8]], extra: &[&[u8]], mac: Option<&[u8]>) -> Vec<u8> {
    let data_ci = der::sequence(&[
        &der::oid("1.2.840.113549.1.7.1"),
        &der::tlv(der::context(0), &der::octet_string(&der::sequence(bags))),
    ]);
    let mut cis: Vec<&[u8]> = vec![&data_ci];
    cis.extend_from_slice(extra);
    let auth = der::sequence(&cis);
    let auth_ci = der::sequence(&[
        &der::oid("1.2.840.113549.1.7.1"),
        &der::tlv(der::context(0), &der::octet_string(&auth)),
    ]);
    match mac {
        Some(m) => der::sequence(&[&der::small_int(3), &auth_ci, m]),
        None => der::sequence(&[&der::small_int(3), &auth_ci]),
    }
}

#[test]
fn hostile_iteration_counts_are_refused_quickly() {
    let started = std::time::Instant::now();
    // MAC with 2^31 iterations.
    let mac = der::sequence(&[
        &der::sequence(&[
            &der::sequence(&[&der::oid("1.3.14.3.2.26"), &der::null()]),
            &der::octet_string(&[0; 20]),
        ]),
        &der::octet_string(&[1; 8]),
        &der::small_int(1 << 31),
    ]);
    let file = pfx_with(&[], &[], Some(&mac));
    match pkcs12::read(&file, "", STRICT) {
        Err(PkiError::Unsupported(m)) => assert!(m.contains("iteration"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A shrouded key bag with 2^31 iterations.
    let bag = shrouded_key_bag("1.2.840.113549.1.12.1.3", 1 << 31);
    match pkcs12::read(&pfx_with(&[&bag], &[], None), "pw", STRICT) {
        Err(PkiError::Unsupported(m)) => assert!(m.contains("iteration"), "{m}"),
        other => panic!("{other:?}"),
    }
    // An encryptedData with 2^31 iterations.
    let ed = der::sequence(&[
        &der::small_int(0),
        &der::sequence(&[
            &der::oid("1.2.840.113549.1.7.1"),
            &alg("1.2.840.113549.1.12.1.6", &[1; 8], 1 << 31),
            &der::tlv(0x80, &[0; 16]),
        ]),
    ]);
    let ci = der::sequence(&[
        &der::oid("1.2.840.113549.1.7.6"),
        &der::tlv(der::context(0), &ed),
    ]);
    assert!(matches!(
        pkcs12::read(&pfx_with(&[], &[&ci], None), "pw", STRICT),
        Err(PkiError::Unsupported(_))
    ));
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn unsupported_structures_say_so() {
    // envelopedData.
    let env = der::sequence(&[
        &der::oid("1.2.840.113549.1.7.3"),
        &der::tlv(der::context(0), &der::sequence(&[&der::small_int(0)])),
    ]);
    match pkcs12::read(&pfx_with(&[], &[&env], None), "", STRICT) {
        Err(PkiError::Unsupported(m)) => assert!(m.contains("envelopedData"), "{m}"),
        other => panic!("{other:?}"),
    }
    // RC4.
    let bag = shrouded_key_bag("1.2.840.113549.1.12.1.1", 1);
    assert!(matches!(
        pkcs12::read(&pfx_with(&[&bag], &[], None), "", STRICT),
        Err(PkiError::Unsupported(_))
    ));
    // PFX version 2.
    let v2 = der::sequence(&[&der::small_int(2), &der::sequence(&[])]);
    assert!(pkcs12::read(&v2, "", STRICT).is_err());
    // A file with no MAC and no bags reads as empty.
    let p = pkcs12::read(&pfx_with(&[], &[], None), "", STRICT).unwrap();
    assert!(p.key.is_none() && p.certificate.is_none());
    assert_eq!(p.mac, MacStatus::Absent);
    assert_eq!(p.layout.mac_algorithm, "none");
}

/// Plain keyBag and certBag (no encryption, no MAC), unknown bags ignored.
#[test]
fn unencrypted_bags_are_read() {
    let (cert, key) = p256();
    let key_bag = der::sequence(&[
        &der::oid("1.2.840.113549.1.12.10.1.1"),
        &der::tlv(der::context(0), key.pkcs8_der()),
    ]);
    let name = der::sequence(&[
        &der::oid("1.2.840.113549.1.9.20"),
        &der::set_of(&[&der::bmp_string("plain ✓")]),
    ]);
    let cert_bag = der::sequence(&[
        &der::oid("1.2.840.113549.1.12.10.1.3"),
        &der::tlv(
            der::context(0),
            &der::sequence(&[
                &der::oid("1.2.840.113549.1.9.22.1"),
                &der::tlv(der::context(0), &der::octet_string(cert.der())),
            ]),
        ),
        &der::set_of(&[&name]),
    ]);
    let secret_bag = der::sequence(&[
        &der::oid("1.2.840.113549.1.12.10.1.5"),
        &der::tlv(der::context(0), &der::sequence(&[])),
    ]);
    let file = pfx_with(&[&secret_bag, &cert_bag, &key_bag], &[], None);
    let p = pkcs12::read(&file, "anything", STRICT).unwrap();
    assert_eq!(p.key.as_ref(), Some(key));
    assert_eq!(p.certificate.as_ref(), Some(cert));
    assert_eq!(p.friendly_name.as_deref(), Some("plain ✓"));
    assert_eq!(p.layout.key_encryption, "none");
    assert_eq!(p.layout.cert_encryption, "none");
    assert_eq!(p.mac, MacStatus::Absent);
}

// ---------------------------------------------------------------- OpenSSL interop

fn openssl(args: &[&str], dir: &Path, password: &str) -> std::process::Output {
    crate::run_openssl(args, dir, &[("AZMC_P12_PW", password)])
}

/// `-passin`/`-passout` argument: `pass:` for "" (OpenSSL's empty password), the
/// environment otherwise (no quoting issues with non-ASCII).
/// `openssl pkcs12 -export` of `cert.pem` and `key.pem` to `out`, `-passout` `pass`.
fn export_args<'a>(out: &'a str, pass: &'a str) -> Vec<&'a str> {
    vec![
        "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-out", out, "-passout", pass,
    ]
}

fn pass_arg(password: &str) -> &'static str {
    if password.is_empty() {
        "pass:"
    } else {
        "env:AZMC_P12_PW"
    }
}

#[test]
fn openssl_reads_our_files() {
    let dir = tempfile::tempdir().unwrap();
    for (cert, key) in [rsa(), p256()] {
        for profile in [Profile::Modern, Profile::Legacy] {
            for password in ["", "s3cret pä"] {
                let out = pkcs12::write(cert, key, &[], password, profile, Some("azmc")).unwrap();
                std::fs::write(dir.path().join("ours.pfx"), &out).unwrap();
                let pass = pass_arg(password);
                // Without -legacy: 3DES and PBES2 are in OpenSSL 3's default provider.
                let keys = openssl(
                    &[
                        "pkcs12", "-in", "ours.pfx", "-passin", pass, "-nocerts", "-nodes",
                    ],
                    dir.path(),
                    password,
                );
                let their_key = PrivateKey::from_pem(&keys.stdout).unwrap();
                assert_eq!(&their_key, key, "{profile} {password:?}");
                let text = String::from_utf8_lossy(&keys.stdout);
                assert!(text.contains("friendlyName: azmc"), "{text}");
                assert!(
                    text.contains(&format!(
                        "localKeyID: {}",
                        cert.thumbprint()
                            .as_bytes()
                            .iter()
                            .map(|b| format!("{b:02X} "))
                            .collect::<String>()
                    )),
                    "{text}"
                );

                let certs = openssl(
                    &["pkcs12", "-in", "ours.pfx", "-passin", pass, "-nokeys"],
                    dir.path(),
                    password,
                );
                assert_eq!(&Certificate::from_pem(&certs.stdout).unwrap(), cert);

                let info = openssl(
                    &[
                        "pkcs12", "-in", "ours.pfx", "-passin", pass, "-info", "-noout",
                    ],
                    dir.path(),
                    password,
                );
                let info = String::from_utf8_lossy(&info.stderr).into_owned()
                    + &String::from_utf8_lossy(&info.stdout);
                match profile {
                    Profile::Modern => {
                        assert!(info.contains("MAC: sha256"), "{info}");
                        assert!(
                            info.contains("PBES2, PBKDF2, AES-256-CBC")
                                && info.contains("PRF hmacWithSHA256"),
                            "{info}"
                        );
                    }
                    Profile::Legacy => {
                        let iterations = if password.is_empty() { 1 } else { 2048 };
                        assert!(
                            info.contains(&format!("MAC: sha1, Iteration {iterations}")),
                            "{info}"
                        );
                        assert!(
                            info.contains(
                                "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2000"
                            ),
                            "{info}"
                        );
                        assert!(
                            info.contains(
                                "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2000"
                            ),
                            "{info}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn we_read_openssl_files() {
    let dir = tempfile::tempdir().unwrap();
    for (cert, key) in [rsa(), p256()] {
        std::fs::write(dir.path().join("cert.pem"), cert.to_pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.to_pkcs8_pem().as_bytes()).unwrap();
        for legacy in [true, false] {
            for password in ["", "s3cret"] {
                let mut args = export_args("theirs.pfx", pass_arg(password));
                args.extend(["-name", "mgmt"]);
                if legacy {
                    args.push("-legacy");
                }
                openssl(&args, dir.path(), password);
                let data = std::fs::read(dir.path().join("theirs.pfx")).unwrap();
                let p: Pkcs12 = pkcs12::read(&data, password, STRICT)
                    .unwrap_or_else(|e| panic!("legacy={legacy} {password:?}: {e}"));
                assert_eq!(p.key.as_ref(), Some(key));
                assert_eq!(p.certificate.as_ref(), Some(cert));
                assert_eq!(p.friendly_name.as_deref(), Some("mgmt"));
                assert_eq!(p.mac, MacStatus::Verified);
                let l = &p.layout;
                assert_eq!(
                    l.password_form,
                    if password.is_empty() {
                        PasswordForm::EmptyBmp
                    } else {
                        PasswordForm::Text
                    }
                );
                assert_eq!(l.mac_iterations, 2048);
                if legacy {
                    assert_eq!(l.mac_algorithm, "HMAC-SHA1");
                    assert_eq!(l.key_encryption, THREE_DES);
                    assert_eq!(l.cert_encryption, RC2_40);
                } else {
                    assert_eq!(l.mac_algorithm, "HMAC-SHA256");
                    assert_eq!(l.key_encryption, PBES2_AES256);
                    assert_eq!(l.cert_encryption, PBES2_AES256);
                }
                if !password.is_empty() {
                    assert_eq!(
                        pkcs12::read(&data, "S3cret", STRICT).unwrap_err(),
                        PkiError::WrongPassword
                    );
                }
            }
        }
        // No encryption, no MAC.
        openssl(
            &[
                &export_args("plain.pfx", "pass:")[..],
                &["-keypbe", "NONE", "-certpbe", "NONE", "-nomac"],
            ]
            .concat(),
            dir.path(),
            "",
        );
        let data = std::fs::read(dir.path().join("plain.pfx")).unwrap();
        let p = pkcs12::read(&data, "", STRICT).unwrap();
        assert_eq!(p.key.as_ref(), Some(key));
        assert_eq!(p.certificate.as_ref(), Some(cert));
        assert_eq!(p.mac, MacStatus::Absent);
        assert_eq!(p.layout.mac_algorithm, "none");
        assert_eq!(p.layout.key_encryption, "none");
        assert_eq!(p.layout.cert_encryption, "none");
    }
}

/// Other PBES2 and PBE variants OpenSSL can write: AES-128 with a SHA-1 PRF, 3DES in
/// PBES2, RC2-128, and a SHA-512 MAC.
#[test]
fn we_read_other_openssl_algorithms() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = p256();
    std::fs::write(dir.path().join("cert.pem"), cert.to_pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.to_pkcs8_pem().as_bytes()).unwrap();
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &[
                "-keypbe",
                "AES-128-CBC",
                "-certpbe",
                "AES-128-CBC",
                "-macalg",
                "sha512",
            ],
            "PBES2 (PBKDF2-HMAC-SHA256, AES-128-CBC)",
            "PBES2 (PBKDF2-HMAC-SHA256, AES-128-CBC)",
            "HMAC-SHA512",
        ),
        (
            &[
                "-keypbe",
                "DES-EDE3-CBC",
                "-certpbe",
                "PBE-SHA1-RC2-128",
                "-legacy",
            ],
            "PBES2 (PBKDF2-HMAC-SHA256, DES-EDE3-CBC)",
            "pbeWithSHAAnd128BitRC2-CBC",
            "HMAC-SHA1",
        ),
    ];
    for (extra, key_enc, cert_enc, mac) in cases {
        let mut args = export_args("x.pfx", "pass:pw");
        args.extend_from_slice(extra);
        openssl(&args, dir.path(), "");
        let data = std::fs::read(dir.path().join("x.pfx")).unwrap();
        let p = pkcs12::read(&data, "pw", STRICT).unwrap();
        assert_eq!(p.key.as_ref(), Some(key), "{extra:?}");
        assert_eq!(p.certificate.as_ref(), Some(cert));
        assert_eq!(p.layout.key_encryption, *key_enc, "{extra:?}");
        assert_eq!(p.layout.cert_encryption, *cert_enc, "{extra:?}");
        assert_eq!(p.layout.mac_algorithm, *mac, "{extra:?}");
    }
}

// ---------------------------------------------------------------- round trip

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn write_read_round_trip(
        password in prop_oneof![Just(String::new()), "\\PC{1,12}"],
        name in "\\PC{0,20}",
        legacy in any::<bool>(),
    ) {
        let (cert, key) = p256();
        let profile = if legacy { Profile::Legacy } else { Profile::Modern };
        let out = pkcs12::write(cert, key, &[], &password, profile, Some(&name)).unwrap();
        let p = pkcs12::read(&out, &password, STRICT).unwrap();
        prop_assert_eq!(p.key.as_ref(), Some(key));
        prop_assert_eq!(p.certificate.as_ref(), Some(cert));
        prop_assert_eq!(p.friendly_name.as_deref(), Some(name.as_str()));
        prop_assert_eq!(p.mac, MacStatus::Verified);
        prop_assert!(p.other_certificates.is_empty());
    }
}

/// Some Windows versions write the authSafe as a constructed (BER) OCTET STRING; the MAC
/// covers the concatenated chunks.
#[test]
fn constructed_auth_safe_octet_string_is_accepted() {
    let (cert, key) = p256();
    let good = pkcs12::write(cert, key, &[], "pw", Profile::Legacy, None).unwrap();
    let top = der::parse_one(&good, "t").unwrap();
    let mut r = top.reader();
    let version = r.read().unwrap();
    let auth = r.read().unwrap();
    let mac = r.read().unwrap();
    let mut a = auth.reader();
    let oid = a.read().unwrap();
    let wrapped = a.read().unwrap();
    let octets = der::parse_one(wrapped.content, "t").unwrap();
    let (first, second) = octets.content.split_at(100);
    let chunked = der::tlv(
        0x24,
        &[der::octet_string(first), der::octet_string(second)].concat(),
    );
    let rebuilt = der::sequence(&[
        version.raw,
        &der::sequence(&[oid.raw, &der::tlv(der::context(0), &chunked)]),
        mac.raw,
    ]);
    let p = pkcs12::read(&rebuilt, "pw", STRICT).unwrap();
    assert_eq!(p.mac, MacStatus::Verified);
    assert_eq!(p.key.as_ref(), Some(key));
    assert_eq!(p.certificate.as_ref(), Some(cert));
}
