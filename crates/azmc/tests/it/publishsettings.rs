//! `azmc publishsettings show|import|extract|create`.

use super::{Sandbox, fixture, openssl};
use std::os::unix::fs::PermissionsExt;

const HASHICORP: &str = "hashicorp-terraform__provider_test_revoked.publishsettings";
const PY3: &str = "azure-sdk-for-python__test_legacy_mgmt_misc_3subs.publishsettings";
const XPLAT: &str = "azure-xplat-cli__account-credentials.publishsettings";
const FIVE: &str = "azurecoder-fluent-management__TestPublishSettings_v1_5subs.publishsettings";

#[test]
fn show_lists_subscriptions_endpoints_and_thumbprints_without_secrets() {
    let s = Sandbox::new();
    let f = fixture(HASHICORP);
    let j = s.run_json(&["publishsettings", "show", f.to_str().unwrap()]);
    let subs = j.as_array().unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        subs[0]["certificate"]["thumbprint"],
        "6A7F31713273EBE91086040703CC857BB5ECC550"
    );
    assert_eq!(subs[0]["certificate"]["expired"], true);
    assert_eq!(subs[0]["schema_version"], "2.0");
    assert_eq!(subs[0]["endpoint"], "https://management.core.windows.net");
    let five = s.run_json(&["publishsettings", "show", fixture(FIVE).to_str().unwrap()]);
    assert_eq!(five.as_array().unwrap().len(), 5);
    assert_eq!(five[0]["schema_version"], "1.0");
    let table = s
        .run(&["publishsettings", "show", fixture(PY3).to_str().unwrap()])
        .ok()
        .stdout;
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.contains("EXPIRED"), "{table}");
    assert!(!table.contains("MII"), "no base64 in the output: {table}");
    s.run(&["publishsettings", "show", fixture(XPLAT).to_str().unwrap()])
        .fails(1, "--ignore-mac");
    s.run(&[
        "publishsettings",
        "show",
        fixture(XPLAT).to_str().unwrap(),
        "--ignore-mac",
    ])
    .ok();
}

#[test]
fn show_rejects_hostile_and_malformed_files() {
    let s = Sandbox::new();
    s.write("lol.publishsettings", r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><PublishData>&lol2;</PublishData>"#);
    s.run(&["publishsettings", "show", "lol.publishsettings"])
        .fails(1, "lol.publishsettings: DOCTYPE");
    s.write("html.publishsettings", "<html><body/></html>");
    s.run(&["publishsettings", "show", "html.publishsettings"])
        .fails(1, "html.publishsettings: not a publish settings file");
    s.write("notxml.publishsettings", "this is not xml <");
    s.run(&["publishsettings", "show", "notxml.publishsettings"])
        .fails(1, "notxml.publishsettings: not XML");
    s.write(
        "b64.publishsettings",
        r#"<PublishData><PublishProfile SchemaVersion="2.0"><Subscription Id="s1" Name="n" ServiceManagementUrl="https://x" ManagementCertificate="!!!notbase64"/></PublishProfile></PublishData>"#,
    );
    s.run(&["publishsettings", "show", "b64.publishsettings"])
        .fails(1, "b64.publishsettings: ");
}

#[test]
fn import_puts_each_certificate_in_the_store_non_exportable_and_can_delete_the_file() {
    let s = Sandbox::new();
    let copy = s.path("py.publishsettings");
    std::fs::copy(fixture(PY3), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = s
        .run(&[
            "publishsettings",
            "import",
            "py.publishsettings",
            "--delete-file",
            "--output",
            "json",
        ])
        .ok();
    assert!(r.stderr.contains("readable by other users"), "{}", r.stderr);
    assert!(!copy.exists(), "--delete-file removes the file");
    let imported = r.json();
    assert_eq!(imported.as_array().unwrap().len(), 3);
    let list = s.run_json(&["certstore", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3, "three distinct certificates");
    for e in list {
        assert_eq!(e["has_private_key"], true);
        assert_eq!(e["exportable"], false);
        assert!(
            e["friendly_name"]
                .as_str()
                .unwrap()
                .starts_with("publishsettings: ")
        );
    }
    // a shared certificate (5 subscriptions, 1 certificate) is stored once
    let s2 = Sandbox::new();
    let r = s2.run_json(&["publishsettings", "import", fixture(FIVE).to_str().unwrap()]);
    assert_eq!(r.as_array().unwrap().len(), 5);
    assert_eq!(
        s2.run_json(&["certstore", "list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn import_of_one_subscription_and_failures_leave_the_store_and_file_alone() {
    let s = Sandbox::new();
    let f = fixture(PY3);
    let all = s.run_json(&["publishsettings", "show", f.to_str().unwrap()]);
    let second = all[1]["id"].as_str().unwrap().to_uppercase();
    let r = s.run_json(&[
        "publishsettings",
        "import",
        f.to_str().unwrap(),
        "--subscription",
        &second,
    ]);
    assert_eq!(r.as_array().unwrap().len(), 1);
    assert_eq!(r[0]["thumbprint"], all[1]["certificate"]["thumbprint"]);
    s.run(&[
        "publishsettings",
        "import",
        f.to_str().unwrap(),
        "--subscription",
        "nope",
    ])
    .fails(1, "no subscription \"nope\"");
    // the xplat file needs --ignore-mac: without it nothing is imported and the file stays
    let copy = s.path("x.publishsettings");
    std::fs::copy(fixture(XPLAT), &copy).unwrap();
    let before = s.snapshot();
    s.run(&[
        "publishsettings",
        "import",
        "x.publishsettings",
        "--delete-file",
    ])
    .fails(1, "--ignore-mac");
    assert!(copy.exists());
    assert_eq!(s.snapshot(), before);
}

#[test]
fn extract_writes_pem_or_pfx_for_one_subscription() {
    let s = Sandbox::new();
    let f = fixture(HASHICORP);
    s.run(&[
        "publishsettings",
        "extract",
        f.to_str().unwrap(),
        "--out",
        "h.pem",
    ])
    .ok();
    assert_eq!(s.mode("h.pem"), 0o600);
    let fp = openssl(
        s.home(),
        &["x509", "-in", "h.pem", "-noout", "-fingerprint", "-sha1"],
    );
    assert!(
        fp.replace(':', "")
            .contains("6A7F31713273EBE91086040703CC857BB5ECC550"),
        "{fp}"
    );
    openssl(s.home(), &["rsa", "-in", "h.pem", "-check", "-noout"]);
    s.write("pw", "pw\n");
    s.run(&[
        "publishsettings",
        "extract",
        f.to_str().unwrap(),
        "--out",
        "h.pfx",
        "--password-file",
        "pw",
    ])
    .ok();
    openssl(
        s.home(),
        &["pkcs12", "-in", "h.pfx", "-passin", "pass:pw", "-noout"],
    );
    let py = fixture(PY3);
    s.run(&[
        "publishsettings",
        "extract",
        py.to_str().unwrap(),
        "--out",
        "p.pem",
    ])
    .fails(2, "choose one with --subscription");
    s.run(&[
        "publishsettings",
        "extract",
        f.to_str().unwrap(),
        "--out",
        "h.txt",
    ])
    .fails(2, "must end in .pfx, .p12 or .pem");
}

#[test]
fn create_writes_a_file_our_own_reader_and_openssl_accept() {
    let s = Sandbox::new();
    let t = s.new_cert("publisher", &[]);
    s.publishsettings_create(
        &t,
        "https://127.0.0.1:9443",
        &[
            "11111111-2222-3333-4444-555555555555=Dev & <Test>",
            "66666666-2222-3333-4444-555555555555",
        ],
        "mine.publishsettings",
    )
    .ok();
    assert_eq!(s.mode("mine.publishsettings"), 0o600);
    let j = s.run_json(&["publishsettings", "show", "mine.publishsettings"]);
    assert_eq!(j.as_array().unwrap().len(), 2);
    assert_eq!(j[0]["name"], "Dev & <Test>");
    assert_eq!(j[0]["endpoint"], "https://127.0.0.1:9443");
    assert_eq!(j[0]["certificate"]["thumbprint"], t.as_str());
    assert_eq!(j[0]["mac"], "verified");
    let xml = String::from_utf8(s.read("mine.publishsettings")).unwrap();
    assert_eq!(xml.matches("<PublishProfile").count(), 1);
    assert!(xml.contains("SchemaVersion=\"2.0\""));
    // a key imported non-exportable cannot be put into a publish settings file
    s.write("pw", "pw\n");
    s.export_pfx(&t, "p.pfx", "pw").ok();
    s.run(&[
        "certstore",
        "import",
        "p.pfx",
        "--password-file",
        "pw",
        "--store",
        "Locked",
    ])
    .ok();
    s.run(&[
        "publishsettings",
        "create",
        &t,
        "--store",
        "Locked",
        "--endpoint",
        "https://x",
        "--include",
        "s",
        "--out",
        "n.publishsettings",
    ])
    .fails(1, "not exportable");
    assert!(!s.path("n.publishsettings").exists());
}
