//! `azmc pfx inspect|to-pem`.

use super::{Sandbox, fixture, openssl};

#[test]
fn inspect_and_to_pem_on_an_openssl_made_pfx() {
    let s = Sandbox::new();
    openssl(
        s.home(),
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
            "/CN=from openssl",
            "-days",
            "3",
        ],
    );
    openssl(
        s.home(),
        &[
            "pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-out", "o.pfx", "-passout",
            "pass:pw", "-name", "friendly",
        ],
    );
    openssl(
        s.home(),
        &[
            "pkcs12", "-export", "-legacy", "-in", "c.pem", "-inkey", "k.pem", "-out", "l.pfx",
            "-passout", "pass:",
        ],
    );
    s.write("pw", "pw\n");
    s.write("empty", "");
    let j = s.pfx_inspect_json("o.pfx", "pw");
    assert_eq!(j["mac"], "verified");
    assert_eq!(j["mac_algorithm"], "HMAC-SHA256");
    assert_eq!(j["friendly_name"], "friendly");
    assert_eq!(j["has_private_key"], true);
    assert_eq!(j["key_matches_certificate"], true);
    assert_eq!(j["certificate"]["subject"], "CN=from openssl");
    assert!(
        j["key_encryption"]
            .as_str()
            .unwrap()
            .contains("AES-256-CBC"),
        "{j}"
    );
    let j = s.pfx_inspect_json("l.pfx", "empty");
    assert_eq!(j["password"], "empty-bmp");
    assert_eq!(j["cert_encryption"], "pbeWithSHAAnd40BitRC2-CBC");
    // no secret in the table output
    let table = s
        .run(&["pfx", "inspect", "o.pfx", "--password-file", "pw"])
        .ok()
        .stdout;
    assert!(
        !table.contains("PRIVATE KEY") && table.contains("CN=from openssl"),
        "{table}"
    );

    s.pfx_to_pem("o.pfx", "both.pem", "pw").ok();
    assert_eq!(s.mode("both.pem"), 0o600);
    let pem = String::from_utf8(s.read("both.pem")).unwrap();
    let cert_at = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    let key_at = pem.find("-----BEGIN RSA PRIVATE KEY-----").unwrap();
    assert!(cert_at < key_at, "certificate first");
    let m1 = openssl(s.home(), &["rsa", "-in", "both.pem", "-noout", "-modulus"]);
    let m2 = openssl(s.home(), &["x509", "-in", "both.pem", "-noout", "-modulus"]);
    assert_eq!(m1, m2);
    s.pfx_to_pem("o.pfx", "both.pem", "pw")
        .fails(2, "already exists");
}

#[test]
fn wrong_password_and_bad_mac_are_named_plainly() {
    let s = Sandbox::new();
    openssl(
        s.home(),
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
            "-subj", "/CN=x", "-days", "3",
        ],
    );
    openssl(
        s.home(),
        &[
            "pkcs12",
            "-export",
            "-in",
            "c.pem",
            "-inkey",
            "k.pem",
            "-out",
            "o.pfx",
            "-passout",
            "pass:right",
        ],
    );
    s.write("bad", "wrong\n");
    let r = s
        .run(&["pfx", "inspect", "o.pfx", "--password-file", "bad"])
        .fails(1, "o.pfx: wrong password");
    assert!(
        !r.stderr.to_lowercase().contains("mac verify"),
        "{}",
        r.stderr
    );
    // a real azure-xplat-cli test file whose MAC was altered: refused, then read with --ignore-mac
    let xplat = std::fs::read_to_string(fixture(
        "azure-xplat-cli__account-credentials.publishsettings",
    ))
    .unwrap();
    let start = xplat.find("ManagementCertificate=\"").unwrap() + "ManagementCertificate=\"".len();
    let end = start + xplat[start..].find('"').unwrap();
    use base64::Engine;
    let b64: String = xplat[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    s.write("xplat.pfx", der);
    s.write("empty", "");
    s.run(&["pfx", "inspect", "xplat.pfx", "--password-file", "empty"])
        .fails(1, "--ignore-mac");
    let r = s
        .run(&[
            "pfx",
            "inspect",
            "xplat.pfx",
            "--password-file",
            "empty",
            "--ignore-mac",
            "--output",
            "json",
        ])
        .ok();
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    assert_eq!(r.json()["mac"], "mismatch");
}
