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

/// Certificates and `.pfx` files as they travel: base64 text (one line, wrapped, quoted)
/// and standard input (`-`), for every command that reads one; anything else is refused
/// by what it is before a password is asked (standard input is not a terminal here, so a
/// prompt would fail with another message), and the store is left as it was.
#[test]
fn base64_text_and_standard_input_are_taken_and_other_files_refused_before_a_password() {
    use base64::Engine;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let s = Sandbox::new();
    let t = s.new_cert("travelling", &["--key", "p256"]);
    s.write("pw.txt", "secret\n");
    s.export_pfx(&t, "t.pfx", "pw.txt").ok();
    let pfx = s.read("t.pfx");
    let cer = s.read("travelling.cer");
    let one_line = b64(&pfx);
    let wrapped: String = one_line
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    s.write("t.b64", format!("{one_line}\n"));
    s.write("wrapped.b64", format!("\"\n{wrapped}\"\n"));
    s.write("cer.b64", format!("  '{}'  ", b64(&cer)));

    let thumb_of =
        |v: serde_json::Value| v["certificate"]["thumbprint"].as_str().unwrap().to_owned();
    for file in ["t.b64", "wrapped.b64"] {
        assert_eq!(thumb_of(s.pfx_inspect_json(file, "pw.txt")), t, "{file}");
    }
    for input in [pfx.clone(), one_line.clone().into_bytes()] {
        let r = s
            .run_with_stdin(
                &[
                    "pfx",
                    "inspect",
                    "-",
                    "--password-file",
                    "pw.txt",
                    "--output",
                    "json",
                ],
                &input,
            )
            .ok();
        assert_eq!(thumb_of(r.json()), t);
    }
    s.run_with_stdin(
        &[
            "pfx",
            "to-pem",
            "-",
            "--out",
            "t.pem",
            "--password-file",
            "pw.txt",
        ],
        one_line.as_bytes(),
    )
    .ok();
    assert!(
        String::from_utf8(s.read("t.pem"))
            .unwrap()
            .contains("PRIVATE KEY")
    );
    for args in [vec!["cert", "show", "cer.b64"], vec!["cert", "show", "-"]] {
        let r = s
            .run_with_stdin(&[&args[..], &["--output", "json"]].concat(), &cer)
            .ok();
        assert_eq!(
            r.json()["thumbprint"].as_str(),
            Some(t.as_str()),
            "{args:?}"
        );
    }
    // Standard input can serve one argument only.
    s.run_with_stdin(
        &["pfx", "inspect", "-", "--password-file", "-"],
        one_line.as_bytes(),
    )
    .fails(2, "cannot both be standard input");

    // Refused by what they are, before any password, leaving the store as it was.
    s.write("note.txt", "just some words\n");
    s.write(
        "key.pem",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n",
    );
    std::fs::copy(
        fixture("azure-xplat-cli__account-credentials.publishsettings"),
        s.path("creds.publishsettings"),
    )
    .unwrap();
    let before = s.snapshot();
    for (args, message) in [
        (
            vec!["pfx", "inspect", "note.txt"],
            "note.txt: not a PKCS#12 (.pfx) file, nor base64 text of one",
        ),
        (
            vec!["pfx", "inspect", "creds.publishsettings"],
            "this is a publish settings file, not a PKCS#12 (.pfx) file: use `azmc publishsettings show`",
        ),
        (
            vec!["pfx", "to-pem", "travelling.cer", "--out", "x.pem"],
            "travelling.cer: this is a DER certificate (.cer), not a PKCS#12 (.pfx) file",
        ),
        (
            vec!["cert", "show", "key.pem"],
            "key.pem: this is a PEM private key (PRIVATE KEY), not a certificate",
        ),
        (
            vec!["cert", "show", "t.b64"],
            "t.b64: this is a PKCS#12 (.pfx) file, not a certificate: use `azmc pfx inspect`",
        ),
        (
            vec!["certstore", "import", "creds.publishsettings"],
            "this is a publish settings file, not a certificate or a PKCS#12 (.pfx) file",
        ),
        (
            vec!["certstore", "import", "note.txt"],
            "note.txt: not a certificate or a PKCS#12 (.pfx) file",
        ),
    ] {
        s.run(&args).fails(1, message);
    }
    assert!(!s.path("x.pem").exists());
    assert_eq!(s.snapshot(), before);

    // The store takes base64 text too: a .pfx (into another store) and a .cer.
    s.run(&[
        "certstore",
        "import",
        "wrapped.b64",
        "--store",
        "Other",
        "--password-file",
        "pw.txt",
    ])
    .ok();
    s.run(&["certstore", "import", "cer.b64", "--store", "Third"])
        .ok();
    for store in ["Other", "Third"] {
        let listed = s.run_json(&["certstore", "list", "--store", store]);
        assert_eq!(
            listed[0]["certificate"]["thumbprint"].as_str(),
            Some(t.as_str()),
            "{store}"
        );
        assert_eq!(listed[0]["has_private_key"], store == "Other", "{store}");
    }
    // A profile from base64 text of a .pfx on standard input (no request is made here).
    let sub = "0bbbbbbb-1111-2222-3333-444444444444";
    s.run_with_stdin(
        &[
            "account",
            "add",
            "--subscription",
            sub,
            "--endpoint",
            "https://127.0.0.1:9443",
            "--pfx",
            "-",
            "--password-file",
            "pw.txt",
            "--name",
            "fromtext",
            "--store",
            "Profiles",
        ],
        wrapped.as_bytes(),
    )
    .ok();
    let profile = s.run_json(&["account", "show", "fromtext"]);
    assert_eq!(
        profile["certificate"].as_str(),
        Some(t.as_str()),
        "{profile}"
    );
    s.run(&[
        "account",
        "add",
        "--subscription",
        sub,
        "--endpoint",
        "https://127.0.0.1:9443",
        "--pfx",
        "creds.publishsettings",
        "--name",
        "wrongfile",
    ])
    .fails(
        1,
        "this is a publish settings file, not a PKCS#12 (.pfx) file",
    );
}
