//! The real legacy clients read what azmc writes: the Python SDK's publish settings helper
//! (pyOpenSSL) and the classic xplat CLI's `azure account import`. They are installed by
//! `scripts/test-deps.sh` into `.test-deps/` (the README's test command runs it); a missing
//! client is a test failure, not a skip.

use super::Sandbox;
use std::path::PathBuf;
use std::process::Command;

fn deps() -> PathBuf {
    let dir = std::env::var_os("AZMC_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.test-deps")));
    assert!(
        dir.join("venv/bin/python").exists() && dir.join("azcli/node_modules/.bin/azure").exists(),
        "the real legacy clients are not installed in {}: run scripts/test-deps.sh (./scripts/test does)",
        dir.display()
    );
    dir
}

/// A sandbox with a new certificate and a publish settings file for it.
fn published() -> (Sandbox, String, String) {
    let s = Sandbox::new();
    let t = s.new_cert("real clients", &[]);
    s.run(&[
        "publishsettings",
        "create",
        &t,
        "--endpoint",
        "https://127.0.0.1:9443",
        "--subscription",
        "0bbbbbbb-1111-2222-3333-444444444444=Real clients",
        "--out",
        "real.publishsettings",
    ])
    .ok();
    let cert_pem = String::from_utf8(
        super::openssl(
            s.home(),
            &["x509", "-inform", "DER", "-in", "real clients.cer"],
        )
        .into_bytes(),
    )
    .unwrap();
    (s, t, cert_pem)
}

#[test]
fn python_sdk_reads_our_publish_settings() {
    let deps = deps();
    let (s, _t, cert_pem) = published();
    let script = "import sys\nfrom azure.servicemanagement import get_certificate_from_publish_settings\nprint(get_certificate_from_publish_settings(sys.argv[1], sys.argv[2]))\n";
    let out = Command::new(deps.join("venv/bin/python"))
        .args(["-c", script, "real.publishsettings", "out.pem"])
        .current_dir(s.home())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0bbbbbbb-1111-2222-3333-444444444444"
    );
    let pem = String::from_utf8(s.read("out.pem")).unwrap();
    assert!(
        pem.contains(cert_pem.trim()),
        "the SDK extracted our certificate"
    );
    assert!(pem.contains("PRIVATE KEY-----"), "and a private key");
    let m1 = super::openssl(s.home(), &["rsa", "-in", "out.pem", "-noout", "-modulus"]);
    let m2 = super::openssl(s.home(), &["x509", "-in", "out.pem", "-noout", "-modulus"]);
    assert_eq!(m1, m2, "the key the SDK got matches the certificate");
}

#[test]
fn classic_xplat_cli_imports_our_publish_settings() {
    let deps = deps();
    let (s, _t, cert_pem) = published();
    let az = deps.join("azcli/node_modules/.bin/azure");
    let cfg = s.path(".azure");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("telemetry.json"), r#"{"telemetry": false}"#).unwrap();
    let azure = |args: &[&str]| {
        let o = Command::new(&az)
            .args(args)
            .env("HOME", s.home())
            .env("AZURE_CONFIG_DIR", &cfg)
            .env("NODE_NO_WARNINGS", "1")
            .current_dir(s.home())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.status.success() && !text.contains("error:"),
            "azure {args:?}: {text}"
        );
    };
    azure(&["config", "mode", "asm"]);
    azure(&[
        "account",
        "env",
        "add",
        "LocalASM",
        "--management-endpoint-url",
        "https://127.0.0.1:9443",
        "--active-directory-resource-id",
        "https://127.0.0.1:9443/",
        "--active-directory-endpoint-url",
        "https://127.0.0.1:9443",
        "--portal-url",
        "https://127.0.0.1:9443",
    ]);
    azure(&["account", "import", "real.publishsettings"]);
    let profile: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cfg.join("azureProfile.json")).unwrap()).unwrap();
    let sub = &profile["subscriptions"][0];
    assert_eq!(sub["id"], "0bbbbbbb-1111-2222-3333-444444444444");
    assert_eq!(sub["name"], "Real clients");
    let cli_cert = sub["managementCertificate"]["cert"].as_str().unwrap();
    let cli_key = sub["managementCertificate"]["key"].as_str().unwrap();
    let strip = |p: &str| {
        p.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    };
    assert_eq!(
        strip(cli_cert),
        strip(&cert_pem),
        "the CLI decoded our certificate"
    );
    assert!(cli_key.contains("RSA PRIVATE KEY"), "and our key");
    std::fs::write(s.path("cli-key.pem"), cli_key).unwrap();
    let m1 = super::openssl(
        s.home(),
        &["rsa", "-in", "cli-key.pem", "-noout", "-modulus"],
    );
    let m2 = super::openssl(
        s.home(),
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "real clients.cer",
            "-noout",
            "-modulus",
        ],
    );
    assert_eq!(m1, m2);
}
