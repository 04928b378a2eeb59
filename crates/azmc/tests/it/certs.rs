//! `azmc cert new|show`.

use super::{Sandbox, openssl};

/// `openssl x509 -inform DER -in FILE -noout WHAT...` in the sandbox.
fn x509_of_der(s: &Sandbox, file: &str, what: &[&str]) -> String {
    let mut args = vec!["x509", "-inform", "DER", "-in", file, "-noout"];
    args.extend_from_slice(what);
    openssl(s.home(), &args)
}

#[test]
fn cert_new_stores_the_key_writes_the_cer_and_prints_the_thumbprint() {
    let s = Sandbox::new();
    let t = s.new_cert("My management cert", &[]);
    let der = s.read("My management cert.cer");
    assert_eq!(der[0], 0x30, "DER by default");
    let fp = x509_of_der(&s, "My management cert.cer", &["-fingerprint", "-sha1"]);
    assert_eq!(fp.trim().rsplit('=').next().unwrap().replace(':', ""), t);
    let subject = x509_of_der(&s, "My management cert.cer", &["-subject"]);
    assert_eq!(subject.trim(), "subject=CN = My management cert");

    let list = s.run_json(&["certstore", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["certificate"]["thumbprint"], t.as_str());
    assert_eq!(list[0]["has_private_key"], true);
    assert_eq!(list[0]["exportable"], true);
    assert_eq!(list[0]["protected"], false);
    assert_eq!(list[0]["store"], "CurrentUser/My");
    // the table lists it too
    let table = s.run(&["certstore", "list"]).ok();
    assert!(
        table.stdout.contains(&t) && table.stdout.contains("CN=My management cert"),
        "{}",
        table.stdout
    );
}

#[test]
fn cert_new_options_key_days_pem_store() {
    let s = Sandbox::new();
    let r = s.run_json(&[
        "cert",
        "new",
        "--name",
        "ec",
        "--key",
        "p256",
        "--days",
        "30",
        "--pem",
        "--out",
        "ec.pem",
        "--store",
        "LocalMachine/Ops",
    ]);
    assert_eq!(r["store"], "LocalMachine/Ops");
    assert_eq!(r["certificate"]["key_algorithm"], "EC-P256");
    assert_eq!(r["certificate"]["extended_key_usage"][0], "clientAuth");
    let pem = String::from_utf8(s.read("ec.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let text = openssl(
        s.home(),
        &["x509", "-in", "ec.pem", "-noout", "-enddate", "-startdate"],
    );
    assert!(text.contains("notAfter="), "{text}");
    // it went to LocalMachine/Ops, not CurrentUser/My
    assert_eq!(
        s.run_json(&["certstore", "list"]).as_array().unwrap().len(),
        0
    );
    let machine = s.run_json(&["certstore", "list", "--store", "localmachine/ops"]);
    assert_eq!(machine.as_array().unwrap().len(), 1);
    // validity of 30 days
    let nb = time::OffsetDateTime::parse(
        r["certificate"]["not_before"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let na = time::OffsetDateTime::parse(
        r["certificate"]["not_after"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let span = na - nb;
    assert!(
        span >= time::Duration::days(30)
            && span <= time::Duration::days(30) + time::Duration::minutes(6),
        "{span}"
    );
}

#[test]
fn cert_show_reads_files_and_thumbprints_in_any_typed_form() {
    let s = Sandbox::new();
    let t = s.new_cert("show me", &[]);
    let from_file = s.run_json(&["cert", "show", "show me.cer"]);
    assert_eq!(from_file["thumbprint"], t.as_str());
    assert_eq!(from_file["subject"], "CN=show me");
    assert_eq!(from_file["self_signed"], true);
    assert_eq!(from_file["expired"], false);
    assert_eq!(from_file["key_bits"], 2048);
    let spaced: String = t
        .to_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let typed = format!("\u{200e}{spaced}");
    let from_store = s.run_json(&["cert", "show", &typed]);
    assert_eq!(from_store, from_file);
    let table = s.run(&["cert", "show", "show me.cer"]).ok().stdout;
    assert!(
        table.contains("Thumbprint:") && table.contains(&t) && table.contains("clientAuth"),
        "{table}"
    );
    s.run(&["cert", "show", "nope"])
        .fails(1, "nope: no such file, and not a thumbprint");
    s.run(&["cert", "show", &"AB".repeat(20)])
        .fails(1, &format!("{} not found", "AB".repeat(20)));
}

#[test]
fn cert_new_refuses_bad_input_and_changes_nothing() {
    let s = Sandbox::new();
    s.write("taken.cer", b"keep me");
    s.run(&["cert", "new", "--name", "x", "--out", "taken.cer"])
        .fails(2, "taken.cer: already exists");
    assert_eq!(s.read("taken.cer"), b"keep me");
    s.run(&["cert", "new", "--name", "x", "--key", "rsa1024"])
        .fails(2, "unknown key type");
    s.run(&["cert", "new", "--name", "x", "--days", "0"])
        .fails(1, "validity must be 1 to 36500 days");
    s.run(&["cert", "new", "--name", "x", "--out", "no/such/dir/x.cer"])
        .fails(1, "no/such/dir/x.cer");
    s.run(&[
        "cert",
        "new",
        "--name",
        "x",
        "--store",
        "CurrentUser/../etc",
    ])
    .fails(2, "--store");
    assert!(
        s.run_json(&["certstore", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn cert_show_rejects_malformed_files_with_one_line() {
    let s = Sandbox::new();
    s.write("junk.cer", b"\x30\x82\xff\xff junk");
    let r = s
        .run(&["cert", "show", "junk.cer"])
        .fails(1, "junk.cer: not a valid X.509 certificate");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    s.write("text.cer", b"hello");
    s.run(&["cert", "show", "text.cer"]).fails(
        1,
        "text.cer: not a certificate, nor base64 text of one (not DER, PEM or XML)",
    );
}

#[test]
fn protected_keys_need_the_passphrase() {
    let s = Sandbox::new();
    s.write("pass", "correct horse\n");
    s.write("wrong", "battery staple\n");
    s.write("pw", "pfx-password\n");
    let t = s.new_cert("guarded", &["--protect", "--passphrase-file", "pass"]);
    let e = s.run_json(&["certstore", "show", &t]);
    assert_eq!(e["protected"], true);
    s.export_pfx_with(&t, "g.pfx", "pw", &["--passphrase-file", "wrong"])
        .fails(1, "passphrase");
    assert!(!s.path("g.pfx").exists());
    // no terminal and no file: a clear error, not a hang
    s.export_pfx(&t, "g.pfx", "pw").fails(1, "passphrase");
    s.export_pfx_with(&t, "g.pfx", "pw", &["--passphrase-file", "pass"])
        .ok();
    openssl(
        s.home(),
        &[
            "pkcs12",
            "-in",
            "g.pfx",
            "-passin",
            "pass:pfx-password",
            "-noout",
        ],
    );
}
