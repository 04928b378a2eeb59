//! The writer: round trips through our reader, the document's shape, and OpenSSL 3 reading
//! a written certificate without `-legacy`.

use crate::common::{attr, chain, test_cert};
use azmc_pki::pkcs12::MacStatus;
use azmc_wire::publishsettings::{self, PublishEntry, PublishSettingsError, SchemaVersion};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use std::process::Command;

fn entry<'a>(id: &'a str, name: &'a str, endpoint: &'a str) -> PublishEntry<'a> {
    let (certificate, key) = test_cert();
    PublishEntry {
        id,
        name,
        endpoint,
        certificate,
        key,
    }
}

#[test]
fn the_document_has_the_shape_every_client_reads() {
    let xml = publishsettings::write(&[
        entry(
            "11111111-2222-3333-4444-555555555555",
            "First",
            "https://127.0.0.1:8443",
        ),
        entry(
            "aaaaaaaa-2222-3333-4444-555555555555",
            "Second",
            "https://127.0.0.1:8443/",
        ),
    ])
    .unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<PublishData>\n"),
        "{xml}"
    );
    assert_eq!(xml.matches("<PublishProfile").count(), 1);
    assert_eq!(xml.matches("<Subscription").count(), 2);
    assert_eq!(xml.matches("SchemaVersion=\"2.0\"").count(), 1);
    assert_eq!(
        xml.matches("PublishMethod=\"AzureServiceManagementAPI\"")
            .count(),
        1
    );
    assert_eq!(xml.matches("ManagementCertificate=\"MII").count(), 2);
    assert!(!xml.contains("xmlns"));
    assert!(xml.ends_with("</PublishProfile>\n</PublishData>\n"));

    let ps = publishsettings::parse(xml.as_bytes()).unwrap();
    assert_eq!(ps.profiles.len(), 1);
    assert_eq!(ps.profiles[0].schema_version.as_deref(), Some("2.0"));
    assert_eq!(ps.profiles[0].url, None);
    assert_eq!(ps.profiles[0].management_certificate, None);
    let subs = ps.subscriptions().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[1].endpoint.as_deref(), Some("https://127.0.0.1:8443/"));
    assert!(subs.iter().all(|s| s.schema == SchemaVersion::V2));
    let (cert, key) = test_cert();
    for sub in &subs {
        let opened = sub.open_certificate(false).unwrap();
        assert_eq!(&opened.certificate, cert);
        assert_eq!(&opened.key, key);
        assert_eq!(opened.mac, MacStatus::Verified);
    }
}

#[test]
fn what_the_writer_refuses() {
    let msg = |id: &str, name: &str, endpoint: &str| {
        publishsettings::write(&[entry(id, name, endpoint)])
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        msg("", "n", "https://x"),
        "cannot write publish settings: the subscription id is empty"
    );
    assert_eq!(
        msg(" a", "n", "https://x"),
        "cannot write publish settings: the subscription id \" a\" has leading or trailing whitespace"
    );
    assert_eq!(
        msg("a", "n", ""),
        "cannot write publish settings: the endpoint is empty"
    );
    assert_eq!(
        msg("a", "bell\u{7}", "https://x"),
        "cannot write publish settings: the name contains U+0007, which XML cannot represent"
    );
    assert!(matches!(
        publishsettings::write(&[]),
        Err(PublishSettingsError::Empty)
    ));
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let (cert, _) = test_cert();
    let (_, other_key) = azmc_pki::create_self_signed(&azmc_pki::NewCertificate {
        name: "other",
        key: azmc_pki::KeyKind::P256,
        days: 1,
        now: azmc_pki::clock::Clock::now(&azmc_pki::clock::SystemClock),
    })
    .unwrap();
    let err = publishsettings::write(&[PublishEntry {
        id: "x",
        name: "n",
        endpoint: "https://x",
        certificate: cert,
        key: &other_key,
    }])
    .unwrap_err();
    assert!(
        matches!(err, PublishSettingsError::Pkcs12Write { .. }),
        "{err:?}"
    );
    assert!(
        chain(&err).starts_with("subscription x: cannot write the certificate as PKCS#12: "),
        "{}",
        chain(&err)
    );
}

#[test]
fn openssl3_reads_a_written_certificate_without_legacy() {
    let (cert, _) = test_cert();
    let xml = publishsettings::write(&[entry("x", "OpenSSL", "https://127.0.0.1:9")]).unwrap();
    let blob = STANDARD
        .decode(attr(&xml, "ManagementCertificate"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mgmt.pfx");
    std::fs::write(&path, &blob).unwrap();
    let out = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&path)
        .args(["-passin", "pass:", "-nodes"])
        .output()
        .expect("this test needs the openssl command (OpenSSL 3)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "openssl failed: {stderr}");
    assert!(stdout.contains("-----BEGIN PRIVATE KEY-----"), "{stdout}");
    // The certificate OpenSSL prints is ours, byte for byte.
    let pem = cert.to_pem();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let printed: String = stdout
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|s| s.split("-----END CERTIFICATE-----").next())
        .unwrap_or_default()
        .lines()
        .collect();
    assert_eq!(printed, body);
}

fn xml_text() -> impl Strategy<Value = String> {
    // XML-special characters, blanks, line breaks, non-ASCII.
    proptest::collection::vec(
        prop_oneof![
            Just('&'),
            Just('<'),
            Just('>'),
            Just('"'),
            Just('\''),
            Just(' '),
            Just('\t'),
            Just('\n'),
            Just('\r'),
            Just(';'),
            Just('#'),
            Just('é'),
            Just('中'),
            Just('😀'),
            proptest::char::range('a', 'z'),
            proptest::char::range('0', '9'),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn token() -> impl Strategy<Value = String> {
    xml_text().prop_filter("ids and URLs have no surrounding whitespace", |s| {
        !s.is_empty() && s.trim() == s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn write_parse_open_round_trip(
        subs in proptest::collection::vec((token(), xml_text(), token()), 1..4)
    ) {
        let entries: Vec<_> = subs.iter().map(|(id, name, url)| entry(id, name, url)).collect();
        let xml = publishsettings::write(&entries).unwrap();
        prop_assert_eq!(xml.matches("<PublishProfile").count(), 1);
        let ps = publishsettings::parse(xml.as_bytes()).unwrap();
        prop_assert_eq!(ps.profiles.len(), 1);
        let resolved = ps.subscriptions().unwrap();
        prop_assert_eq!(resolved.len(), subs.len());
        let (cert, key) = test_cert();
        for (r, (id, name, url)) in resolved.iter().zip(&subs) {
            prop_assert_eq!(&r.id, id);
            let expected_name = if name.trim().is_empty() { None } else { Some(name.as_str()) };
            prop_assert_eq!(r.name.as_deref(), expected_name);
            prop_assert_eq!(r.endpoint.as_deref(), Some(url.as_str()));
            prop_assert_eq!(r.schema, SchemaVersion::V2);
            let opened = r.open_certificate(false).unwrap();
            prop_assert_eq!(&opened.certificate, cert);
            prop_assert_eq!(&opened.key, key);
            prop_assert_eq!(opened.mac, MacStatus::Verified);
        }
        // find by id reaches each (unless two generated ids collide ignoring case).
        let first = &subs[0].0;
        if subs.iter().filter(|s| s.0.eq_ignore_ascii_case(first)).count() == 1 {
            prop_assert_eq!(&ps.find(first).unwrap().id, first);
        }
    }
}
