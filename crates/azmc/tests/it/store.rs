//! `azmc certstore list|show|delete|export|import`.

use super::{Sandbox, openssl};

#[test]
fn export_cer_and_pfx_in_both_profiles_read_by_openssl_without_legacy() {
    let s = Sandbox::new();
    let t = s.new_cert("exported", &[]);
    s.write("pw", "s3cret pass\n");
    s.run(&["certstore", "export", &t, "--out", "e.cer"]).ok();
    assert_eq!(s.read("e.cer"), s.read("exported.cer"));
    s.run(&[
        "certstore",
        "export",
        "--subject",
        "EXPORTED",
        "--out",
        "e.pem",
    ])
    .ok();
    assert!(
        String::from_utf8(s.read("e.pem"))
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let modulus_cert = openssl(
        s.home(),
        &[
            "x509", "-inform", "DER", "-in", "e.cer", "-noout", "-modulus",
        ],
    );
    for profile in ["modern", "legacy"] {
        let out = format!("{profile}.pfx");
        s.run(&[
            "certstore",
            "export",
            &t,
            "--out",
            &out,
            "--pfx-profile",
            profile,
            "--password-file",
            "pw",
        ])
        .ok();
        assert_eq!(s.mode(&out), 0o600, "{out}");
        // OpenSSL reads the file, and its key.
        for extra in [
            &["-info", "-noout"][..],
            &["-nocerts", "-nodes", "-out", "k.pem"],
        ] {
            let pkcs12 = ["pkcs12", "-in", &out, "-passin", "pass:s3cret pass"];
            openssl(s.home(), &[&pkcs12[..], extra].concat());
        }
        let modulus_key = openssl(s.home(), &["rsa", "-in", "k.pem", "-noout", "-modulus"]);
        assert_eq!(modulus_key, modulus_cert, "{profile}");
    }
    // legacy with an empty password: the zero-length password every legacy client reads
    s.write("empty", "\n");
    s.run(&[
        "certstore",
        "export",
        &t,
        "--out",
        "nopw.pfx",
        "--pfx-profile",
        "legacy",
        "--password-file",
        "empty",
    ])
    .ok();
    openssl(
        s.home(),
        &["pkcs12", "-in", "nopw.pfx", "-passin", "pass:", "-noout"],
    );
    let inspect = s.pfx_inspect_json("nopw.pfx", "empty");
    assert_eq!(inspect["password"], "null");
    assert_eq!(inspect["key_encryption"], "pbeWithSHAAnd3-KeyTripleDES-CBC");
    assert_eq!(
        inspect["cert_encryption"],
        "pbeWithSHAAnd3-KeyTripleDES-CBC"
    );
    assert_eq!(inspect["mac_algorithm"], "HMAC-SHA1");
}

#[test]
fn export_delete_key_removes_the_key_only_after_a_good_pfx() {
    let s = Sandbox::new();
    let t = s.new_cert("moving", &[]);
    s.write("pw", "pw\n");
    s.run(&[
        "certstore",
        "export",
        &t,
        "--out",
        "m.pfx",
        "--password-file",
        "pw",
        "--delete-key",
    ])
    .ok();
    let e = s.run_json(&["certstore", "show", &t]);
    assert_eq!(e["has_private_key"], false);
    // the pfx holds the key: import it elsewhere
    s.run(&[
        "certstore",
        "import",
        "m.pfx",
        "--password-file",
        "pw",
        "--store",
        "Elsewhere",
    ])
    .ok();
    let e = s.run_json(&["certstore", "show", &t, "--store", "Elsewhere"]);
    assert_eq!(e["has_private_key"], true);
    // a second export has no key to export
    s.export_pfx(&t, "again.pfx", "pw").fails(1, "private key");
    assert!(!s.path("again.pfx").exists());
    s.run(&["certstore", "export", &t, "--out", "x.cer", "--delete-key"])
        .fails(2, "--delete-key only makes sense");
}

/// `certstore import s.pfx --password-file pw --store {store}` and `extra`, as JSON.
fn import_s_pfx(s: &Sandbox, store: &str, extra: &[&str]) -> serde_json::Value {
    let import = [
        "certstore",
        "import",
        "s.pfx",
        "--password-file",
        "pw",
        "--store",
        store,
    ];
    s.run_json(&[&import[..], extra].concat())
}

#[test]
fn imports_are_not_exportable_unless_asked() {
    let s = Sandbox::new();
    let t = s.new_cert("source", &[]);
    s.write("pw", "pw\n");
    s.export_pfx(&t, "s.pfx", "pw").ok();
    let r = import_s_pfx(&s, "A", &[]);
    assert_eq!(r["exportable"], false);
    assert_eq!(r["has_private_key"], true);
    s.run(&[
        "certstore",
        "export",
        &t,
        "--store",
        "A",
        "--out",
        "a.pfx",
        "--password-file",
        "pw",
    ])
    .fails(1, "not exportable");
    assert!(!s.path("a.pfx").exists());
    let r = import_s_pfx(&s, "B", &["--exportable"]);
    assert_eq!(r["exportable"], true);
    s.run(&[
        "certstore",
        "export",
        &t,
        "--store",
        "B",
        "--out",
        "b.pfx",
        "--password-file",
        "pw",
    ])
    .ok();
    // a .cer imports as a certificate without a key
    let r = s.run_json(&[
        "certstore",
        "import",
        "source.cer",
        "--store",
        "TrustedPeople",
    ]);
    assert_eq!(r["has_private_key"], false);
    assert_eq!(r["store"], "CurrentUser/TrustedPeople");
}

#[test]
fn a_failed_import_names_the_file_and_changes_nothing() {
    let s = Sandbox::new();
    let t = s.new_cert("keep", &[]);
    s.write("pw", "right\n");
    s.write("bad", "wrong\n");
    s.export_pfx(&t, "k.pfx", "pw").ok();
    let before = s.snapshot();
    let r = s
        .run(&[
            "certstore",
            "import",
            "k.pfx",
            "--password-file",
            "bad",
            "--store",
            "Other",
        ])
        .fails(1, "k.pfx: wrong password");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    s.write("junk.pfx", b"\x30\x03\x02\x01\x03");
    s.run(&["certstore", "import", "junk.pfx", "--password-file", "pw"])
        .fails(1, "junk.pfx: not a valid PKCS#12 file");
    s.write("big.pfx", vec![0u8; 2 * 1024 * 1024]);
    s.run(&["certstore", "import", "big.pfx", "--password-file", "pw"])
        .fails(1, "big.pfx: too large");
    s.run(&[
        "certstore",
        "import",
        "missing.pfx",
        "--password-file",
        "pw",
    ])
    .fails(1, "missing.pfx: cannot read");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn password_on_the_command_line_warns() {
    let s = Sandbox::new();
    let t = s.new_cert("warned", &[]);
    let r = s
        .run(&[
            "certstore",
            "export",
            &t,
            "--out",
            "w.pfx",
            "--password",
            "visible",
        ])
        .ok();
    assert!(r.stderr.contains("visible to other users"), "{}", r.stderr);
    // no password source and no terminal: a clear error, no file
    s.run(&["certstore", "export", &t, "--out", "n.pfx"])
        .fails(1, "--password-file");
    assert!(!s.path("n.pfx").exists());
}

#[test]
fn show_delete_and_subject_selection() {
    let s = Sandbox::new();
    let a = s.new_cert("alpha one", &[]);
    let b = s.new_cert("alpha two", &[]);
    s.run(&["certstore", "show", "--subject", "alpha"])
        .fails(1, "2 certificates match");
    let shown = s.run_json(&["certstore", "show", "--subject", "ALPHA TWO"]);
    assert_eq!(shown["certificate"]["thumbprint"], b.as_str());
    s.run(&["certstore", "show", "not-hex"])
        .fails(2, "invalid thumbprint");
    s.run(&["certstore", "delete", &a.to_lowercase()]).ok();
    let list = s.run_json(&["certstore", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    s.run(&["certstore", "delete", &a]).fails(1, "not found");
    s.run(&["certstore", "delete", "--subject", "nothing like it"])
        .fails(1, "no certificate whose subject contains");
}

#[test]
fn store_files_are_private() {
    let s = Sandbox::new();
    s.new_cert("private", &[]);
    let mut checked = 0;
    for (path, _) in s.snapshot() {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        ) & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let dir_mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions(),
        ) & 0o777;
        assert_eq!(dir_mode, 0o700, "{}", path.parent().unwrap().display());
        checked += 1;
    }
    assert!(checked >= 3, "master key, .cer and .key expected");
}
