//! The real legacy clients read what azmc writes: the Python SDK's publish settings helper
//! (pyOpenSSL) and the classic xplat CLI's `azure account import`. They are installed by
//! `scripts/test-deps.sh` into `.test-deps/` (the README's test command runs it); a missing
//! client is a test failure, not a skip.

use super::Sandbox;
use super::legacy::{node_output, python_output};
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
    s.publishsettings_create(
        &t,
        "https://127.0.0.1:9443",
        &["0bbbbbbb-1111-2222-3333-444444444444=Real clients"],
        "real.publishsettings",
    )
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

/// A running server plus a second, not yet linked certificate (its PEM and public parts).
fn served_with_second_cert() -> (Sandbox, super::server::Served, std::path::PathBuf, String) {
    let s = Sandbox::new();
    let served = super::server::Served::start(&s, &[], &[]);
    super::server::bootstrap_pem(&s, &served);
    let t = s.new_cert("second", &[]);
    s.write("pw2", "x\n");
    s.export_pfx(&t, "second.pfx", "pw2").ok();
    s.pfx_to_pem("second.pfx", "second.pem", "pw2").ok();
    (s, served, std::path::PathBuf::from("second.cer"), t)
}

#[test]
fn python_sdk_drives_the_server() {
    let deps = deps();
    let (s, served, second_cer, second_t) = served_with_second_cert();
    let sub = served.subscription();
    let script = r#"
import sys, base64
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureHttpError
host, sub, cer, thumb = sys.argv[1:5]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
s = sms.get_subscription()
assert s.subscription_id == sub and s.subscription_status == 'Active' and s.max_storage_accounts == 100, vars(s)
before = [c.subscription_certificate_thumbprint for c in sms.list_management_certificates()]
assert len(before) == 1, before
der = open(cer, 'rb').read()
from cryptography import x509
from cryptography.hazmat.primitives import serialization
pkcs1 = x509.load_der_x509_certificate(der).public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
r = sms.add_management_certificate(base64.b64encode(pkcs1).decode(), thumb, base64.b64encode(der).decode())
assert base64.b64decode(sms.get_management_certificate(thumb).subscription_certificate_public_key) == pkcs1
c = sms.get_management_certificate(thumb)
assert c.subscription_certificate_thumbprint == thumb and base64.b64decode(c.subscription_certificate_data) == der
assert len(sms.list_management_certificates()) == 2
# the new certificate authenticates on its own
other = ServiceManagementService(sub, 'second.pem', host=host)
assert other.get_subscription().subscription_id == sub
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01')
names = [o.operation_name for o in ops.subscription_operations]
assert 'AddSubscriptionCertificate' in names, names
op = [o for o in ops.subscription_operations if o.operation_name == 'AddSubscriptionCertificate'][0]
assert op.operation_status.status == 'Succeeded' and op.operation_status.http_status_code == 200, vars(op.operation_status)
assert op.operation_caller.subscription_certificate_thumbprint and op.operation_caller.client_ip == '127.0.0.1'
st = sms.get_operation_status(op.operation_id)
assert st.status == 'Succeeded', vars(st)
sms.delete_management_certificate(thumb)
try:
    sms.get_management_certificate(thumb); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
try:
    other.get_subscription(); raise SystemExit('a deleted certificate still works')
except AzureHttpError as e:
    assert e.status_code == 403 and 'ForbiddenError' in str(e), e
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    let out = python_output(
        &deps,
        &s,
        &served,
        &[script, &host, &sub, second_cer.to_str().unwrap(), &second_t],
    );
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "python: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    served.stop();
}

#[test]
fn node_sdk_drives_the_server() {
    let deps = deps();
    assert!(
        deps.join("node/node_modules/azure-asm-mgmt").exists(),
        "azure-asm-mgmt missing: run scripts/test-deps.sh"
    );
    let (s, served, second_cer, second_t) = served_with_second_cert();
    let sub = served.subscription();
    let script = r#"
const fs = require('fs');
const common = require('azure-common');
const mgmt = require('azure-asm-mgmt');
const [url, sub, cer, thumb] = process.argv.slice(1);
const client = (pem) => mgmt.createManagementClient(new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync(pem, 'utf8') }), url);
const c = client('bootstrap.pem');
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
(async () => {
  const s = await p(cb => c.subscriptions.get(cb));
  if (s.subscriptionID !== sub || s.subscriptionStatus !== 'Active' || s.maximumStorageAccounts !== 100) throw new Error(JSON.stringify(s));
  const der = fs.readFileSync(cer);
  const created = await p(cb => c.managementCertificates.create({ thumbprint: thumb, data: der }, cb));
  if (created.statusCode !== 200) throw new Error('create: ' + created.statusCode);
  const got = await p(cb => c.managementCertificates.get(thumb, cb));
  // (the SDK decodes the base64 certificate data into a UTF-8 string, so only its presence can be checked)
  if (got.thumbprint !== thumb || !got.data || isNaN(new Date(got.created))) throw new Error('get: ' + got.thumbprint);
  const list = await p(cb => c.managementCertificates.list(cb));
  if (list.subscriptionCertificates.length !== 2) throw new Error('list: ' + list.subscriptionCertificates.length);
  const status = await p(cb => c.getOperationStatus(created.requestId, cb));
  if (status.status !== 'Succeeded' || String(status.httpStatusCode) !== '200' || status.id.replace(/-/g, '') !== created.requestId) throw new Error('status: ' + JSON.stringify(status));
  const ops = await p(cb => c.subscriptions.listOperations({ startTime: new Date('2020-01-01'), endTime: new Date('2099-01-01') }, cb));
  if (!ops.subscriptionOperations.some(o => o.operationName === 'AddSubscriptionCertificate')) throw new Error('ops: ' + JSON.stringify(ops));
  const other = client('second.pem');
  await p(cb => other.subscriptions.get(cb));
  const del = await p(cb => c.managementCertificates.deleteMethod(thumb, cb));
  if (del.statusCode !== 200) throw new Error('delete: ' + del.statusCode);
  try { await p(cb => c.managementCertificates.get(thumb, cb)); throw new Error('expected 404'); }
  catch (e) { if (e.statusCode !== 404 || e.code !== 'ResourceNotFound') throw e; }
  try { await p(cb => other.subscriptions.get(cb)); throw new Error('a deleted certificate still works'); }
  catch (e) { if (e.statusCode !== 403 || e.code !== 'ForbiddenError') throw e; }
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e); process.exit(1); });
"#;
    let out = node_output(
        &deps,
        &s,
        &served,
        &[
            script,
            &served.api_url,
            &sub,
            second_cer.to_str().unwrap(),
            &second_t,
        ],
    );
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "node: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    served.stop();
}
