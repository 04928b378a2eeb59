//! Certificate, key and PEM tests: creation, parsing, thumbprints, and interop with the
//! system `openssl`.

use azmc_pki::clock::{Clock, SystemClock};
use azmc_pki::{
    CertEncoding, Certificate, KeyAlgorithm, KeyKind, NewCertificate, PkiError, PrivateKey,
    Thumbprint, create_self_signed,
};
use std::path::Path;
use std::sync::OnceLock;

fn rsa_pair() -> &'static (Certificate, PrivateKey) {
    static PAIR: OnceLock<(Certificate, PrivateKey)> = OnceLock::new();
    PAIR.get_or_init(|| {
        create_self_signed(&NewCertificate {
            name: "azmc test management certificate",
            key: KeyKind::Rsa2048,
            days: 365,
            now: SystemClock.now(),
        })
        .unwrap()
    })
}

fn openssl(args: &[&str], dir: &Path) -> String {
    let out = crate::run_openssl(args, dir, &[]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rsa_certificate_has_the_management_profile() {
    let (cert, key) = rsa_pair();
    let now = SystemClock.now();
    let info = cert.info();
    assert_eq!(info.subject, "CN=azmc test management certificate");
    assert_eq!(info.issuer, info.subject);
    assert!(info.self_signed);
    assert_eq!(info.key, KeyAlgorithm::Rsa { bits: 2048 });
    assert_eq!(key.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
    assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(info.key_usage, ["digitalSignature", "keyEncipherment"]);
    assert_eq!(info.extended_key_usage, ["clientAuth"]);
    // validity: from a few minutes before now, for 365 days
    let skew = now - info.not_before;
    assert!(
        skew >= time::Duration::minutes(4) && skew <= time::Duration::minutes(6),
        "{skew}"
    );
    let span = info.not_after - now;
    assert!(
        span > time::Duration::days(364) && span <= time::Duration::days(365),
        "{span}"
    );
    assert!(!info.is_expired(now));
    assert!(info.is_expired(now + time::Duration::days(366)));
    assert!(info.is_not_yet_valid(now - time::Duration::hours(1)));
    // positive, 16-byte serial
    assert_eq!(info.serial.len(), 32);
    assert!(u8::from_str_radix(&info.serial[..2], 16).unwrap() < 0x80);
    assert!(key.matches(cert));
    assert_eq!(info.thumbprint, Thumbprint::of_der(cert.der()));
    assert_eq!(info.sha256_fingerprint.len(), 64);
}

#[test]
fn two_certificates_never_share_serial_or_key() {
    let now = SystemClock.now();
    let a = create_self_signed(&NewCertificate {
        name: "a",
        key: KeyKind::P256,
        days: 1,
        now,
    })
    .unwrap();
    let b = create_self_signed(&NewCertificate {
        name: "a",
        key: KeyKind::P256,
        days: 1,
        now,
    })
    .unwrap();
    assert_ne!(a.0.info().serial, b.0.info().serial);
    assert_ne!(a.0.thumbprint(), b.0.thumbprint());
    assert!(!a.1.matches(&b.0));
    assert!(a.1.matches(&a.0));
}

#[test]
fn p256_certificate_uses_digital_signature_only() {
    let (cert, key) = create_self_signed(&NewCertificate {
        name: "ec",
        key: KeyKind::P256,
        days: 10,
        now: SystemClock.now(),
    })
    .unwrap();
    let info = cert.info();
    assert_eq!(info.key, KeyAlgorithm::EcP256);
    assert_eq!(key.algorithm(), KeyAlgorithm::EcP256);
    assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(info.key_usage, ["digitalSignature"]);
    assert!(info.self_signed);
    assert!(key.matches(&cert));
    let e = key.to_pkcs1_pem().unwrap_err();
    assert!(matches!(e, PkiError::Unsupported(_)), "{e}");
}

#[test]
fn rsa_4096_and_3072_have_their_sizes() {
    for (kind, bits) in [(KeyKind::Rsa3072, 3072), (KeyKind::Rsa4096, 4096)] {
        let (cert, key) = create_self_signed(&NewCertificate {
            name: "big",
            key: kind,
            days: 1,
            now: SystemClock.now(),
        })
        .unwrap();
        assert_eq!(cert.key_algorithm(), KeyAlgorithm::Rsa { bits });
        assert!(key.matches(&cert));
    }
}

#[test]
fn bad_requests_are_refused() {
    let now = SystemClock.now();
    for (name, days, want) in [
        ("", 1, "1 to 64 characters"),
        ("x", 0, "1 to 36500 days"),
        ("x", 36_501, "1 to 36500 days"),
        ("a\u{7}b", 1, "control characters"),
    ] {
        let e = create_self_signed(&NewCertificate {
            name,
            key: KeyKind::P256,
            days,
            now,
        })
        .unwrap_err();
        assert!(e.to_string().contains(want), "{name:?} {days}: {e}");
    }
    assert!("rsa1024".parse::<KeyKind>().is_err());
    assert_eq!("RSA4096".parse::<KeyKind>().unwrap(), KeyKind::Rsa4096);
}

#[test]
fn der_pem_and_base64_all_read_back() {
    let (cert, _) = rsa_pair();
    let der = cert.encode(CertEncoding::Der);
    let pem = cert.encode(CertEncoding::Pem);
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----\n"));
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    for input in [der.clone(), pem.clone(), b64.into_bytes()] {
        assert_eq!(&Certificate::parse(&input).unwrap(), cert);
    }
}

#[test]
fn malformed_certificates_get_clear_errors() {
    let (cert, _) = rsa_pair();
    let der = cert.der();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "neither DER, PEM nor base64"),
        (b"hello world".to_vec(), "neither DER, PEM nor base64"),
        (
            der[..der.len() - 10].to_vec(),
            "not a valid X.509 certificate",
        ),
        (
            [der, &[0u8][..]].concat(),
            "unexpected bytes after the certificate",
        ),
        (vec![0x30; 300_000], "too large"),
        (
            b"-----BEGIN CERTIFICATE-----\nAAA\n".to_vec(),
            "no END line",
        ),
        (
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
            "no CERTIFICATE block",
        ),
    ];
    for (input, want) in cases {
        let e = Certificate::parse(&input).unwrap_err().to_string();
        assert!(e.contains(want), "want {want:?}, got {e:?}");
    }
}

#[test]
fn keys_round_trip_through_pkcs8_and_pkcs1() {
    let (cert, key) = rsa_pair();
    let p8 = key.to_pkcs8_pem();
    assert!(p8.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let p1 = key.to_pkcs1_pem().unwrap();
    assert!(p1.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    assert_eq!(&PrivateKey::parse(p8.as_bytes()).unwrap(), key);
    assert_eq!(&PrivateKey::parse(p1.as_bytes()).unwrap(), key);
    assert_eq!(&PrivateKey::parse(key.pkcs8_der()).unwrap(), key);
    assert!(PrivateKey::parse(p1.as_bytes()).unwrap().matches(cert));
    // Debug never shows the key
    let dbg = format!("{key:?}");
    assert_eq!(dbg, "PrivateKey(RSA 2048, <redacted>)");
}

#[test]
fn malformed_keys_get_clear_errors() {
    let e = PrivateKey::parse(b"garbage").unwrap_err().to_string();
    assert!(e.contains("neither PEM nor"), "{e}");
    let e = PrivateKey::parse(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("encrypted PKCS#8"), "{e}");
    let (_, key) = rsa_pair();
    let der = key.pkcs8_der();
    let e = PrivateKey::from_pkcs8_der(&der[..der.len() / 2])
        .unwrap_err()
        .to_string();
    assert!(e.contains("malformed DER"), "{e}");
}

#[test]
fn openssl_reads_our_certificate_and_key() {
    let (cert, key) = rsa_pair();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.cer"), cert.der()).unwrap();
    std::fs::write(
        dir.path().join("k1.pem"),
        key.to_pkcs1_pem().unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(dir.path().join("k8.pem"), key.to_pkcs8_pem().as_bytes()).unwrap();
    let text = openssl(
        &["x509", "-inform", "DER", "-in", "c.cer", "-noout", "-text"],
        dir.path(),
    );
    assert!(text.contains("Version: 3"), "{text}");
    assert!(
        text.contains("Subject: CN = azmc test management certificate"),
        "{text}"
    );
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(
        text.contains("Digital Signature, Key Encipherment"),
        "{text}"
    );
    assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");
    let fp = openssl(
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "c.cer",
            "-noout",
            "-fingerprint",
            "-sha1",
        ],
        dir.path(),
    );
    let fp: String = fp.trim().rsplit('=').next().unwrap().replace(':', "");
    assert_eq!(fp, cert.thumbprint().to_string());
    // the modulus openssl sees in the key equals the certificate's
    let m_cert = openssl(
        &[
            "x509", "-inform", "DER", "-in", "c.cer", "-noout", "-modulus",
        ],
        dir.path(),
    );
    for k in ["k1.pem", "k8.pem"] {
        let m_key = openssl(&["rsa", "-in", k, "-noout", "-modulus"], dir.path());
        assert_eq!(m_key, m_cert, "{k}");
    }
}

#[test]
fn we_read_keys_and_certificates_openssl_makes() {
    let dir = tempfile::tempdir().unwrap();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-subj",
            "/CN=made by openssl",
            "-days",
            "2",
        ],
        dir.path(),
    );
    openssl(
        &["rsa", "-in", "k.pem", "-traditional", "-out", "k1.pem"],
        dir.path(),
    );
    openssl(
        &["x509", "-in", "c.pem", "-outform", "DER", "-out", "c.cer"],
        dir.path(),
    );
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ec.pem",
        ],
        dir.path(),
    );
    openssl(
        &[
            "req", "-x509", "-key", "ec.pem", "-out", "ec.crt", "-subj", "/CN=ec", "-days", "2",
        ],
        dir.path(),
    );
    let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
    let cert = Certificate::parse(&read("c.pem")).unwrap();
    assert_eq!(Certificate::parse(&read("c.cer")).unwrap(), cert);
    assert_eq!(cert.common_name(), Some("made by openssl"));
    let k8 = PrivateKey::parse(&read("k.pem")).unwrap();
    let k1 = PrivateKey::parse(&read("k1.pem")).unwrap();
    assert_eq!(k8, k1);
    assert!(k8.matches(&cert));
    let ec_cert = Certificate::parse(&read("ec.crt")).unwrap();
    let ec_key = PrivateKey::parse(&read("ec.pem")).unwrap();
    assert_eq!(ec_key.algorithm(), KeyAlgorithm::EcP256);
    assert!(ec_key.matches(&ec_cert));
    assert!(!ec_key.matches(&cert));
    assert!(!k8.matches(&ec_cert));
}
