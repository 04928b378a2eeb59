//! The API commands of `azmc` (profiles, resources, waits, retries, errors) as a user runs
//! them: the real binary in a temporary HOME against a real `azmc serve` on port 0.

use super::server::Served;
use super::{Run, Sandbox, admin, create_subscription};
use azmc_wire::asm as wire;
use serde_json::Value;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Run the binary with quick polls (and extra environment).
fn az_env(s: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = s.command();
    c.env("AZMC_POLL_INTERVAL_MS", "50");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().unwrap().into()
}

fn az(s: &Sandbox, args: &[&str]) -> Run {
    az_env(s, &[], args)
}

/// `azmc args -o json`, which must succeed, parsed.
fn az_json(s: &Sandbox, args: &[&str]) -> serde_json::Value {
    az(s, &[args, &["-o", "json"]].concat()).ok().json()
}

/// `account add --subscription {sub} --endpoint {endpoint}` and `rest`.
fn account_add<'a>(sub: &'a str, endpoint: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let add = [
        "account",
        "add",
        "--subscription",
        sub,
        "--endpoint",
        endpoint,
    ];
    [&add[..], rest].concat()
}

/// `storage account create {name}` and `rest`.
fn create_storage<'a>(name: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    [&["storage", "account", "create", name][..], rest].concat()
}

/// `subscription add-cert --subscription {sub} {cer}` (of `azmc admin`).
fn add_cert<'a>(sub: &'a str, cer: &'a str) -> [&'a str; 5] {
    ["subscription", "add-cert", "--subscription", sub, cer]
}

const RENEW_KEYS: [&str; 4] = ["storage", "account", "keys", "renew"];
const CREATE_DEPLOYMENT: [&str; 3] = ["service", "deployment", "create"];
const CREATE_SQL_SERVER: [&str; 3] = ["sql", "server", "create"];
const CREATE_FIREWALL_RULE: [&str; 3] = ["sql", "firewall-rule", "create"];

/// A file of the server's data directory, as an argument.
fn data(served: &Served, file: &str) -> String {
    served.data.join(file).to_str().unwrap().to_string()
}

/// Start a server and import its bootstrap publish settings (the default profile).
fn served_and_imported(s: &Sandbox, args: &[&str]) -> Served {
    let served = Served::start(s, &[], args);
    az(
        s,
        &[
            "account",
            "import",
            &data(&served, "bootstrap.publishsettings"),
            "--ca-file",
            &data(&served, "ca.pem"),
        ],
    )
    .ok();
    served
}

/// The values of `key` in a JSON array of objects.
fn strings(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// An API error: exactly one line on stderr, `ERROR Code: message (HTTP n, request id X)`,
/// exit status 1.
fn api_error(r: &Run, code: &str, status: u16) {
    assert_eq!(
        r.code, 1,
        "expected exit 1: stdout {} stderr {}",
        r.stdout, r.stderr
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one error line expected: {:?}", r.stderr);
    let line = lines[0];
    assert!(
        line.starts_with(&format!("ERROR {code}: ")),
        "{code} expected: {line}"
    );
    let tail = format!("(HTTP {status}, request id ");
    let i = line
        .find(&tail)
        .unwrap_or_else(|| panic!("{tail} expected: {line}"));
    let id = line[i + tail.len()..].trim_end_matches(')');
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "request id expected: {line}"
    );
}

/// A request id as `--no-wait` prints it: 32 hex digits.
fn is_request_id(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit())
}

const CSCFG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ServiceConfiguration serviceName="svc1" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration">
  <Role name="WebRole1">
    <Instances count="1"/>
  </Role>
</ServiceConfiguration>
"#;

const RANDOM_SUBSCRIPTION: &str = "5e1f0a6b-93c2-4d7e-8a41-0c9b2f7d3e11";

/// The parts of the account-profile story, in order: each uses the profiles the earlier
/// ones made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profiles {
    ImportBootstrap,
    ImportTwoSubscriptions,
    List,
    Show,
    Select,
    Set,
    Remove,
    AddCert,
    AddPfx,
    NotExportable,
    OwnerOnlyFile,
    SystemRoots,
}

/// Runs the account-profile story (import, add, list, show, set, remove) from the start up
/// to and including part `last` (the earlier parts' checks run again on the way).
fn account_profiles(last: Profiles) {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    let ca = data(&served, "ca.pem");

    // A second subscription and a publish settings file naming both, made by someone else
    // with their own (exportable) certificate.
    let dev = create_subscription(&s, "Dev", "admin")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let maker = Sandbox::new();
    let multi = maker.new_cert("multi", &["--key", "p256"]);
    let multi_cer = maker.path("multi.cer");
    for id in [&sub, &dev] {
        admin(&s, &add_cert(id, multi_cer.to_str().unwrap())).ok();
    }
    maker
        .publishsettings_create(
            &multi,
            &served.api_url,
            &[&format!("{sub}=Main"), &format!("{dev}=Dev")],
            "multi.publishsettings",
        )
        .ok();

    // The bootstrap file: one profile, the default.
    let r = az(
        &s,
        &[
            "account",
            "import",
            &data(&served, "bootstrap.publishsettings"),
            "--ca-file",
            &ca,
        ],
    )
    .ok();
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains(&sub))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(row.starts_with('*') && row.contains("Default"), "{row}");
    if last == Profiles::ImportBootstrap {
        return;
    }

    // The two-subscription file: a profile per subscription; the default stays.
    let imported = az(
        &s,
        &[
            "account",
            "import",
            maker.path("multi.publishsettings").to_str().unwrap(),
            "--ca-file",
            &ca,
            "--output",
            "json",
        ],
    )
    .ok()
    .json();
    assert_eq!(strings(&imported, "name"), ["Main", "Dev"]);
    assert_eq!(
        strings(&imported, "subscription_id"),
        [sub.clone(), dev.clone()]
    );
    assert_eq!(
        strings(&imported, "certificate"),
        [multi.clone(), multi.clone()]
    );
    assert!(
        imported
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["default"] == false && p["trust"] == "ca-file"),
        "{imported}"
    );

    if last == Profiles::ImportTwoSubscriptions {
        return;
    }

    // list: table (default marked) and json
    let table = az(&s, &["account", "list"]).ok().stdout;
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{table}");
    for row in &rows {
        assert_eq!(row.starts_with('*'), row.contains(" Default "), "{table}");
    }
    let list = az_json(&s, &["account", "list"]);
    assert_eq!(
        sorted(strings(&list, "name")),
        ["Default", "Dev", "Main"].map(String::from)
    );
    let defaults: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1, "{list}");
    assert_eq!(defaults[0]["name"], "Default");
    assert_eq!(defaults[0]["subscription_id"], sub.as_str());
    let bootstrap = defaults[0]["certificate"].as_str().unwrap().to_string();
    assert_eq!(bootstrap.len(), 40);

    if last == Profiles::List {
        return;
    }

    // show: the default, a named one, json
    let shown = az(&s, &["account", "show"]).ok().stdout;
    for want in ["Default", &sub, &bootstrap, "ca-file", "CurrentUser/My"] {
        assert!(shown.contains(want), "{want}: {shown}");
    }
    let shown = az_json(&s, &["account", "show", "Dev"]);
    assert_eq!(shown["subscription_id"], dev.as_str());
    assert_eq!(shown["subscription_name"], "Dev");
    assert_eq!(shown["default"], false);
    assert_eq!(shown["endpoint"], served.api_url.as_str());
    az(&s, &["account", "show", "nope"]).fails(2, "no profile \"nope\"");

    if last == Profiles::Show {
        return;
    }

    // Profiles select the subscription: default, --profile, AZMC_PROFILE, --subscription.
    let show_sub = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend_from_slice(&["subscription", "show", "-o", "json"]);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            // the certificate linked by `admin add-cert` reaches the server within a second
            let r = az_env(&s, env, &args);
            if r.code == 0 {
                return r.json()["id"].as_str().unwrap().to_string();
            }
            assert!(Instant::now() < deadline, "{args:?}: {}", r.stderr);
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    assert_eq!(show_sub(&[], &[]), sub);
    assert_eq!(show_sub(&[("AZMC_PROFILE", "Dev")], &[]), dev);
    assert_eq!(show_sub(&[], &["--profile", "dev"]), dev);
    assert_eq!(show_sub(&[], &["--profile", "Main"]), sub);
    assert_eq!(show_sub(&[], &["--subscription", &dev]), dev);
    assert_eq!(show_sub(&[], &["--subscription", "Dev"]), dev);
    // --profile wins over AZMC_PROFILE
    assert_eq!(
        show_sub(&[("AZMC_PROFILE", "Dev")], &["--profile", "Default"]),
        sub
    );

    if last == Profiles::Select {
        return;
    }

    // set: a new default; AZMC_PROFILE still overrides it
    let r = az(&s, &["account", "set", "Dev"]).ok();
    assert!(r.stderr.contains("default profile: Dev"), "{}", r.stderr);
    let list = az_json(&s, &["account", "list"]);
    for p in list.as_array().unwrap() {
        assert_eq!(p["default"] == true, p["name"] == "Dev", "{list}");
    }
    assert_eq!(show_sub(&[], &[]), dev);
    assert_eq!(show_sub(&[("AZMC_PROFILE", "Default")], &[]), sub);
    az(&s, &["account", "set", "nope"]).fails(2, "no profile");

    if last == Profiles::Set {
        return;
    }

    // remove: gone, the default moves on, the certificate stays in the store
    let r = az(&s, &["account", "remove", "Dev"]).ok();
    assert!(r.stderr.contains("removed profile Dev"), "{}", r.stderr);
    let list = az_json(&s, &["account", "list"]);
    assert_eq!(
        sorted(strings(&list, "name")),
        ["Default", "Main"].map(String::from)
    );
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|p| p["default"] == true)
            .count(),
        1,
        "{list}"
    );
    az(&s, &["account", "remove", "Dev"]).fails(2, "no profile");
    az(&s, &["certstore", "show", &multi]).ok();
    az_env(&s, &[("AZMC_PROFILE", "Dev")], &["location", "list"]).fails(2, "no profile");

    if last == Profiles::Remove {
        return;
    }

    // add --cert: a certificate of the store, uploaded with the bootstrap profile
    az(&s, &["account", "set", "Default"]).ok();
    let added = s.new_cert("added", &["--key", "p256"]);
    az(&s, &["mgmt-cert", "upload", "added.cer"]).ok();
    let p = az_json(
        &s,
        &account_add(
            &sub,
            &served.api_url,
            &["--cert", &added, "--ca-file", &ca, "--name", "added"],
        ),
    );
    assert_eq!(p["name"], "added");
    assert_eq!(p["certificate"], added.as_str());
    assert_eq!(p["subscription_id"], sub.as_str());
    assert_eq!(p["trust"], "ca-file");
    assert_eq!(p["default"], false);
    let certs = az_json(&s, &["--profile", "added", "mgmt-cert", "list"]);
    assert!(
        strings(&certs, "thumbprint").contains(&added),
        "{certs} lacks {added}"
    );
    // --cert of a certificate the store does not hold
    az(
        &s,
        &account_add(
            &sub,
            &served.api_url,
            &["--cert", &"AB".repeat(20), "--name", "ghost"],
        ),
    )
    .fails(1, "not in");

    if last == Profiles::AddCert {
        return;
    }

    // add --pfx: imported, its key not exportable
    maker.write("pw", "pfx password\n");
    let viapfx = maker.new_cert("viapfx", &["--key", "p256"]);
    maker.export_pfx(&viapfx, "viapfx.pfx", "pw").ok();
    az(
        &s,
        &[
            "mgmt-cert",
            "upload",
            maker.path("viapfx.cer").to_str().unwrap(),
        ],
    )
    .ok();
    let p = az_json(
        &s,
        &account_add(
            &sub,
            &served.api_url,
            &[
                "--pfx",
                maker.path("viapfx.pfx").to_str().unwrap(),
                "--password-file",
                maker.path("pw").to_str().unwrap(),
                "--ca-file",
                &ca,
                "--name",
                "viapfx",
            ],
        ),
    );
    assert_eq!(p["certificate"], viapfx.as_str());
    assert_eq!(show_sub(&[], &["--profile", "viapfx"]), sub);

    if last == Profiles::AddPfx {
        return;
    }

    // Imported keys are not exportable (publish settings and --pfx alike).
    s.write("pw", "x\n");
    for t in [&bootstrap, &multi, &viapfx] {
        az(
            &s,
            &[
                "certstore",
                "export",
                t,
                "--out",
                "x.pfx",
                "--password-file",
                "pw",
            ],
        )
        .fails(1, "not exportable");
        assert!(!s.path("x.pfx").exists());
    }

    if last == Profiles::NotExportable {
        return;
    }

    // profiles.json: owner-only, and no private key in it
    assert_eq!(s.mode("azmc-home/profiles.json"), 0o600);
    let file = String::from_utf8(s.read("azmc-home/profiles.json")).unwrap();
    assert!(!file.contains("PRIVATE KEY"), "{file}");
    let ps = std::fs::read_to_string(served.data.join("bootstrap.publishsettings")).unwrap();
    let i = ps.find("ManagementCertificate=\"").unwrap() + 23;
    assert!(
        !file.contains(&ps[i..i + 60]),
        "profiles.json holds the PKCS#12 of the publish settings"
    );
    for key in ["pkcs8", "private_key", "password"] {
        assert!(!file.to_ascii_lowercase().contains(key), "{key}: {file}");
    }

    if last == Profiles::OwnerOnlyFile {
        return;
    }

    // A profile without --ca-file trusts the system roots: the server's certificate is
    // not trusted, and the command says so.
    let p = az_json(
        &s,
        &account_add(&sub, &served.api_url, &["--cert", &added, "--name", "noca"]),
    );
    assert_eq!(p["trust"], "system");
    let r = az_env(
        &s,
        &[("AZMC_RETRIES", "0")],
        &["--profile", "noca", "location", "list"],
    )
    .fails(1, "not trusted");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn account_import_of_the_bootstrap_file_makes_the_default_profile() {
    account_profiles(Profiles::ImportBootstrap);
}

#[test]
fn account_import_of_a_two_subscription_file_makes_a_profile_each() {
    account_profiles(Profiles::ImportTwoSubscriptions);
}

#[test]
fn account_list_in_table_and_json() {
    account_profiles(Profiles::List);
}

#[test]
fn account_show_default_named_and_json() {
    account_profiles(Profiles::Show);
}

#[test]
fn profiles_select_the_subscription() {
    account_profiles(Profiles::Select);
}

#[test]
fn account_set_makes_a_new_default() {
    account_profiles(Profiles::Set);
}

#[test]
fn account_remove_moves_the_default_and_keeps_the_certificate() {
    account_profiles(Profiles::Remove);
}

#[test]
fn account_add_with_a_store_certificate() {
    account_profiles(Profiles::AddCert);
}

#[test]
fn account_add_with_a_pfx_imports_a_non_exportable_key() {
    account_profiles(Profiles::AddPfx);
}

#[test]
fn imported_keys_are_not_exportable() {
    account_profiles(Profiles::NotExportable);
}

#[test]
fn profiles_file_is_owner_only_without_private_keys() {
    account_profiles(Profiles::OwnerOnlyFile);
}

#[test]
fn a_profile_without_ca_file_trusts_the_system_roots() {
    account_profiles(Profiles::SystemRoots);
}

#[test]
fn an_untrusted_server_certificate_is_reported_at_once_not_retried() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    let t = s.new_cert("noca", &["--key", "p256"]);
    admin(&s, &add_cert(&sub, "noca.cer")).ok();
    az(
        &s,
        &account_add(&sub, &served.api_url, &["--cert", &t, "--name", "noca"]),
    )
    .ok();
    // default retries: a certificate that does not verify will not verify on a retry
    let started = Instant::now();
    let r = az(&s, &["location", "list"]).fails(1, "not trusted");
    assert!(
        !r.stderr.contains("retrying"),
        "a TLS certificate verification failure is retried: {}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// The parts of the resource-command story, in order: each may use what the earlier
/// ones created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Subscription,
    Locations,
    Certificates,
    AffinityGroups,
    StorageAccounts,
    RawApi,
    CloudServices,
    SqlServers,
    WebSites,
    OperationLog,
}

/// Runs every resource command in table, JSON and XML, from the start up to and including
/// part `last` (the earlier parts make the state it checks; their checks run again).
fn resource_commands(last: Part) {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &["--async-delay-ms", "100"]);
    let sub = served.subscription();

    // ---- subscription
    let t = az(&s, &["subscription", "show"]).ok().stdout;
    for want in [&sub as &str, "Default", "Active", "0 of 100"] {
        assert!(t.contains(want), "{want}: {t}");
    }
    let j = az_json(&s, &["subscription", "show"]);
    assert_eq!(j["id"], sub.as_str());
    assert_eq!(j["name"], "Default");
    assert_eq!(j["status"], "Active");
    assert_eq!(j["storage_accounts"]["used"], 0);
    let x = az(&s, &["subscription", "show", "-o", "xml"]).ok();
    let parsed = wire::parse_subscription(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.subscription_id, sub);
    assert_eq!(parsed.subscription_name, "Default");

    if last == Part::Subscription {
        return;
    }

    // ---- locations
    let t = az(&s, &["location", "list"]).ok().stdout;
    assert_eq!(t.lines().count(), 7, "{t}");
    assert!(t.contains("Southeast Asia") && t.contains("Compute"), "{t}");
    let j = az_json(&s, &["location", "list"]);
    let names = strings(&j, "name");
    assert_eq!(names[0], "West US");
    assert_eq!(names.len(), 6);
    assert!(
        j[0]["services"]
            .as_array()
            .unwrap()
            .contains(&"Storage".into())
    );
    let x = az(&s, &["location", "list", "-o", "xml"]).ok();
    let parsed = wire::parse_locations(x.stdout.as_bytes()).unwrap();
    assert_eq!(
        parsed.iter().map(|l| l.name.clone()).collect::<Vec<_>>(),
        names
    );

    if last == Part::Locations {
        return;
    }

    // ---- management certificates
    let j = az_json(&s, &["mgmt-cert", "list"]);
    let bootstrap = strings(&j, "thumbprint");
    assert_eq!(bootstrap.len(), 1, "{j}");
    let bootstrap = bootstrap[0].clone();
    assert_eq!(j[0]["subject"], "CN=azmc bootstrap management certificate");
    let up = s.new_cert("uploaded", &["--key", "p256"]);
    let r = az(&s, &["mgmt-cert", "upload", "uploaded.cer"]).ok();
    assert!(
        r.stderr.contains(&up) && r.stderr.contains("Succeeded"),
        "{}",
        r.stderr
    );
    let t = az(&s, &["mgmt-cert", "list"]).ok().stdout;
    assert!(
        t.contains(&up) && t.contains(&bootstrap) && t.contains("CN=uploaded"),
        "{t}"
    );
    let j = az_json(&s, &["mgmt-cert", "show", &up]);
    assert_eq!(j["thumbprint"], up.as_str());
    assert_eq!(j["subject"], "CN=uploaded");
    let t = az(&s, &["mgmt-cert", "show", &up]).ok().stdout;
    assert!(t.contains("CN=uploaded"), "{t}");
    let x = az(&s, &["mgmt-cert", "list", "-o", "xml"]).ok();
    let parsed = wire::parse_subscription_certificates(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.len(), 2);
    az(&s, &["mgmt-cert", "delete", &up]).ok();
    let j = az_json(&s, &["mgmt-cert", "list"]);
    assert_eq!(strings(&j, "thumbprint"), std::slice::from_ref(&bootstrap));
    api_error(
        &az(&s, &["mgmt-cert", "show", &up]),
        "ResourceNotFound",
        404,
    );

    if last == Part::Certificates {
        return;
    }

    // ---- affinity groups
    let r = az(
        &s,
        &[
            "affinity-group",
            "create",
            "grp1",
            "--location",
            "West US",
            "--label",
            "Group one",
            "--description",
            "first group",
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("affinity group grp1 created: Succeeded"),
        "{}",
        r.stderr
    );
    let t = az(&s, &["affinity-group", "list"]).ok().stdout;
    assert!(
        t.lines()
            .any(|l| l.contains("grp1") && l.contains("Group one") && l.contains("West US")),
        "{t}"
    );
    let j = az_json(&s, &["affinity-group", "show", "grp1"]);
    assert_eq!(j["label"], "Group one");
    assert_eq!(j["description"], "first group");
    assert_eq!(j["location"], "West US");
    az(
        &s,
        &[
            "affinity-group",
            "update",
            "grp1",
            "--label",
            "Group 1b",
            "--description",
            "second",
        ],
    )
    .ok();
    let t = az(&s, &["affinity-group", "show", "grp1"]).ok().stdout;
    assert!(t.contains("Group 1b") && t.contains("second"), "{t}");
    let j = az_json(&s, &["affinity-group", "list"]);
    assert_eq!(strings(&j, "name"), ["grp1"]);
    assert_eq!(strings(&j, "label"), ["Group 1b"]);

    if last == Part::AffinityGroups {
        return;
    }

    // ---- storage accounts
    let j = az_json(&s, &["storage", "account", "check-name", "store1"]);
    assert_eq!(j["available"], true);
    az(
        &s,
        &create_storage(
            "store1",
            &[
                "--location",
                "West US",
                "--label",
                "Store one",
                "--description",
                "first store",
                "--type",
                "Standard_LRS",
            ],
        ),
    )
    .ok();
    az(&s, &create_storage("store2", &["--affinity-group", "grp1"])).ok();
    let t = az(&s, &["storage", "account", "list"]).ok().stdout;
    assert!(
        t.lines().any(|l| l.contains("store1")
            && l.contains("Store one")
            && l.contains("West US")
            && l.contains("Standard_LRS")
            && l.contains("Created")),
        "{t}"
    );
    assert!(
        t.lines()
            .any(|l| l.contains("store2") && l.contains("Standard_GRS")),
        "{t}"
    );
    let j = az_json(&s, &["storage", "account", "list"]);
    assert_eq!(sorted(strings(&j, "name")), ["store1", "store2"]);
    let x = az(&s, &["storage", "account", "list", "-o", "xml"]).ok();
    let parsed = wire::parse_storage_services(x.stdout.as_bytes()).unwrap();
    assert_eq!(
        sorted(parsed.iter().map(|a| a.service_name.clone()).collect()),
        ["store1", "store2"]
    );
    let j = az_json(&s, &["storage", "account", "show", "store1"]);
    assert_eq!(j["label"], "Store one");
    assert_eq!(j["description"], "first store");
    assert_eq!(j["location"], "West US");
    assert_eq!(j["account_type"], "Standard_LRS");
    assert_eq!(j["status"], "Created");
    assert_eq!(j["endpoints"][0], "https://store1.blob.azmc.localhost/");
    let x = az(&s, &["storage", "account", "show", "store2", "-o", "xml"]).ok();
    let parsed = wire::parse_storage_service(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.affinity_group.as_deref(), Some("grp1"));
    let t = az(&s, &["storage", "account", "show", "store2"])
        .ok()
        .stdout;
    assert!(t.contains("grp1") && t.contains("Standard_GRS"), "{t}");
    let j = az_json(&s, &["storage", "account", "check-name", "store1"]);
    assert_eq!(j["available"], false);
    assert!(j["reason"].as_str().unwrap().contains("store1"), "{j}");
    let t = az(&s, &["storage", "account", "check-name", "store1"])
        .ok()
        .stdout;
    assert!(t.contains("false"), "{t}");
    let j = az_json(&s, &["affinity-group", "show", "grp1"]);
    assert_eq!(j["storage_accounts"], serde_json::json!(["store2"]));
    let j = az_json(&s, &["subscription", "show"]);
    assert_eq!(j["storage_accounts"]["used"], 2);
    az(
        &s,
        &[
            "storage",
            "account",
            "update",
            "store1",
            "--label",
            "Store 1b",
            "--type",
            "Standard_GRS",
        ],
    )
    .ok();
    let j = az_json(&s, &["storage", "account", "show", "store1"]);
    assert_eq!(j["label"], "Store 1b");
    assert_eq!(j["account_type"], "Standard_GRS");
    assert_eq!(j["description"], "first store");
    az(&s, &["storage", "account", "update", "store1"]).fails(2, "nothing to change");

    // keys: renew one, the other stays
    let k0 = az_json(&s, &["storage", "account", "keys", "list", "store1"]);
    let (p0, s0) = (k0["primary"].clone(), k0["secondary"].clone());
    assert!(p0.as_str().unwrap().len() >= 44 && p0 != s0, "{k0}");
    let k1 = az_json(&s, &[&RENEW_KEYS[..], &["store1", "--primary"]].concat());
    assert_ne!(k1["primary"], p0);
    assert_eq!(k1["secondary"], s0);
    let k2 = az_json(&s, &[&RENEW_KEYS[..], &["store1", "--secondary"]].concat());
    assert_eq!(k2["primary"], k1["primary"]);
    assert_ne!(k2["secondary"], s0);
    let t = az(&s, &["storage", "account", "keys", "list", "store1"])
        .ok()
        .stdout;
    assert!(
        t.contains(k2["primary"].as_str().unwrap())
            && t.contains(k2["secondary"].as_str().unwrap()),
        "{t}"
    );
    let t = az(&s, &[&RENEW_KEYS[..], &["store1", "--primary"]].concat())
        .ok()
        .stdout;
    assert!(
        t.contains("Primary:") && !t.contains(k2["primary"].as_str().unwrap()),
        "{t}"
    );
    assert!(t.contains(k2["secondary"].as_str().unwrap()), "{t}");

    if last == Part::StorageAccounts {
        return;
    }

    // ---- api: raw calls
    let r = az(&s, &["api", "GET", "services/storageservices"]).ok();
    let mut lines = r.stdout.lines();
    assert_eq!(lines.next(), Some("HTTP 200 OK"), "{}", r.stdout);
    let id = lines
        .next()
        .and_then(|l| l.strip_prefix("x-ms-request-id: "))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(is_request_id(id), "{id}");
    assert!(
        r.stdout.contains("<ServiceName>store1</ServiceName>"),
        "{}",
        r.stdout
    );
    let parsed =
        wire::parse_storage_services(r.stdout.split_once("\n\n").unwrap().1.as_bytes()).unwrap();
    assert_eq!(parsed.len(), 2);
    let j = az_json(&s, &["api", "GET", "services/storageservices"]);
    assert_eq!(j["status"], 200);
    assert!(is_request_id(j["request_id"].as_str().unwrap()), "{j}");
    assert!(
        j["body"]
            .as_str()
            .unwrap()
            .contains("<ServiceName>store2</ServiceName>")
    );
    let r = az(&s, &["api", "GET", &format!("/{sub}/locations")]).ok();
    assert!(r.stdout.contains("<Name>East Asia</Name>"), "{}", r.stdout);
    s.write(
        "ag.xml",
        "<CreateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>rawgroup</Name><Label>cmF3</Label><Location>East US</Location></CreateAffinityGroup>",
    );
    let r = az(
        &s,
        &[
            "api",
            "POST",
            "affinitygroups",
            "--body",
            "ag.xml",
            "--header",
            "x-ms-version: 2014-10-01",
        ],
    )
    .ok();
    assert!(r.stdout.starts_with("HTTP 201 Created"), "{}", r.stdout);
    let j = az_json(&s, &["affinity-group", "show", "rawgroup"]);
    assert_eq!(j["label"], "raw");
    assert_eq!(j["location"], "East US");
    // --header replaces the client's own: an unknown version is refused by the server
    let r = az(
        &s,
        &[
            "api",
            "GET",
            "locations",
            "--header",
            "x-ms-version:1999-01-01",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("HTTP 400 Bad Request"), "{}", r.stdout);
    assert!(
        r.stdout.contains("MissingOrIncorrectVersionHeader"),
        "{}",
        r.stdout
    );
    let r = az(&s, &["api", "GET", "services/storageservices/nostore"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("HTTP 404 Not Found"), "{}", r.stdout);
    assert!(
        r.stdout.contains("<Code>ResourceNotFound</Code>"),
        "{}",
        r.stdout
    );
    az(&s, &["affinity-group", "delete", "rawgroup"]).ok();

    // deletes: gone afterwards
    az(&s, &["storage", "account", "delete", "store2"]).ok();
    az(&s, &["storage", "account", "delete", "store1"]).ok();
    let j = az_json(&s, &["storage", "account", "list"]);
    assert_eq!(j, serde_json::json!([]));
    api_error(
        &az(&s, &["storage", "account", "show", "store1"]),
        "ResourceNotFound",
        404,
    );
    az(&s, &["affinity-group", "delete", "grp1"]).ok();
    let j = az_json(&s, &["affinity-group", "list"]);
    assert_eq!(j, serde_json::json!([]));
    api_error(
        &az(&s, &["affinity-group", "show", "grp1"]),
        "ResourceNotFound",
        404,
    );

    if last == Part::RawApi {
        return;
    }

    // ---- cloud services and deployments
    let j = az_json(&s, &["service", "check-name", "svc1"]);
    assert_eq!(j["available"], true);
    az(
        &s,
        &[
            "service",
            "create",
            "svc1",
            "--location",
            "West US",
            "--label",
            "Service one",
            "--description",
            "first service",
        ],
    )
    .ok();
    let t = az(&s, &["service", "list"]).ok().stdout;
    assert!(
        t.lines()
            .any(|l| l.contains("svc1") && l.contains("Service one") && l.contains("West US")),
        "{t}"
    );
    let j = az_json(&s, &["service", "list"]);
    assert_eq!(strings(&j, "name"), ["svc1"]);
    let j = az_json(&s, &["service", "show", "svc1"]);
    assert_eq!(j["label"], "Service one");
    assert_eq!(j["description"], "first service");
    assert_eq!(j["deployments"], serde_json::json!([]));
    let t = az(&s, &["service", "check-name", "svc1"]).ok().stdout;
    assert!(t.contains("false"), "{t}");

    s.write("svc.cscfg", CSCFG);
    let r = az(
        &s,
        &[
            &CREATE_DEPLOYMENT[..],
            &[
                "svc1",
                "--slot",
                "production",
                "--name",
                "v1",
                "--package-url",
                "https://example.test/pkg.cspkg",
                "--config",
                "svc.cscfg",
                "--label",
                "Version 1",
            ],
        ]
        .concat(),
    )
    .ok();
    assert!(r.stderr.contains("deployment v1 created"), "{}", r.stderr);
    let t = az(&s, &["service", "deployment", "show", "svc1"])
        .ok()
        .stdout;
    for want in ["v1", "Production", "Version 1", "WebRole1", "WebRole1_IN_0"] {
        assert!(t.contains(want), "{want}: {t}");
    }
    let j = az_json(&s, &["service", "deployment", "show", "svc1"]);
    assert_eq!(j["name"], "v1");
    assert_eq!(j["slot"], "Production");
    assert_eq!(j["roles"], serde_json::json!(["WebRole1"]));
    assert_eq!(j["instances"].as_array().unwrap().len(), 1);
    assert_eq!(j["instances"][0]["role"], "WebRole1");
    az(
        &s,
        &[
            &CREATE_DEPLOYMENT[..],
            &[
                "svc1",
                "--slot",
                "staging",
                "--name",
                "v2",
                "--package-url",
                "https://example.test/pkg2.cspkg",
                "--config",
                "svc.cscfg",
                "--start",
            ],
        ]
        .concat(),
    )
    .ok();
    let x = az(
        &s,
        &[
            "service",
            "deployment",
            "show",
            "svc1",
            "--slot",
            "staging",
            "-o",
            "xml",
        ],
    )
    .ok();
    let parsed = wire::parse_deployment(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.name, "v2");
    assert_eq!(parsed.status, "Running");
    az(&s, &["service", "deployment", "status", "svc1", "Running"]).ok();
    let j = az_json(&s, &["service", "deployment", "show", "svc1"]);
    assert_eq!(j["status"], "Running");
    az(
        &s,
        &[
            "service",
            "deployment",
            "status",
            "svc1",
            "--slot",
            "staging",
            "Suspended",
        ],
    )
    .ok();
    let j = az_json(
        &s,
        &["service", "deployment", "show", "svc1", "--slot", "staging"],
    );
    assert_eq!(j["status"], "Suspended");
    az(&s, &["service", "deployment", "status", "svc1", "Paused"]).fails(2, "Paused");
    let r = az(&s, &["service", "deployment", "swap", "svc1"]).ok();
    assert!(r.stderr.contains("swapped"), "{}", r.stderr);
    let j = az_json(&s, &["service", "deployment", "show", "svc1"]);
    assert_eq!(j["name"], "v2");
    let j = az_json(
        &s,
        &["service", "deployment", "show", "svc1", "--slot", "staging"],
    );
    assert_eq!(j["name"], "v1");
    assert_eq!(j["label"], "Version 1");
    let j = az_json(&s, &["service", "show", "svc1"]);
    assert_eq!(sorted(strings(&j["deployments"], "name")), ["v1", "v2"]);
    let t = az(&s, &["service", "show", "svc1"]).ok().stdout;
    assert!(
        t.contains("v1 (Staging") && t.contains("v2 (Production"),
        "{t}"
    );

    // service certificates
    let sc = s.new_cert("svccert", &["--key", "p256"]);
    az(&s, &["service", "cert", "add", "svc1", "svccert.cer"]).ok();
    let t = az(&s, &["service", "cert", "list", "svc1"]).ok().stdout;
    assert!(t.contains(&sc) && t.contains("sha1"), "{t}");
    let j = az_json(&s, &["service", "cert", "list", "svc1"]);
    assert_eq!(strings(&j, "thumbprint"), std::slice::from_ref(&sc));
    assert_eq!(j[0]["algorithm"], "sha1");
    let j = az_json(&s, &["service", "cert", "show", "svc1", &sc]);
    assert_eq!(j["thumbprint"], sc.as_str());
    let t = az(&s, &["service", "cert", "show", "svc1", &sc])
        .ok()
        .stdout;
    assert!(t.contains(&sc), "{t}");
    let x = az(&s, &["service", "cert", "show", "svc1", &sc, "-o", "xml"]).ok();
    let parsed = wire::parse_service_certificate(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.thumbprint, sc);
    az(&s, &["service", "cert", "delete", "svc1", &sc]).ok();
    let j = az_json(&s, &["service", "cert", "list", "svc1"]);
    assert_eq!(j, serde_json::json!([]));
    api_error(
        &az(&s, &["service", "cert", "show", "svc1", &sc]),
        "ResourceNotFound",
        404,
    );

    az(&s, &["service", "deployment", "delete", "svc1"]).ok();
    az(
        &s,
        &[
            "service",
            "deployment",
            "delete",
            "svc1",
            "--slot",
            "staging",
        ],
    )
    .ok();
    api_error(
        &az(&s, &["service", "deployment", "show", "svc1"]),
        "ResourceNotFound",
        404,
    );
    let j = az_json(&s, &["service", "show", "svc1"]);
    assert_eq!(j["deployments"], serde_json::json!([]));
    az(&s, &["service", "delete", "svc1"]).ok();
    let j = az_json(&s, &["service", "list"]);
    assert_eq!(j, serde_json::json!([]));
    api_error(
        &az(&s, &["service", "show", "svc1"]),
        "ResourceNotFound",
        404,
    );

    if last == Part::CloudServices {
        return;
    }

    // ---- SQL servers and firewall rules
    s.write("sqlpw", "Sql-Passw0rd!long\n");
    let r = az(
        &s,
        &[
            &CREATE_SQL_SERVER[..],
            &[
                "--login",
                "dbadmin",
                "--location",
                "West US",
                "--password-file",
                "sqlpw",
            ],
        ]
        .concat(),
    )
    .ok();
    let srv1 = r.stdout.trim().to_string();
    assert!(
        !srv1.is_empty() && srv1.chars().all(|c| c.is_ascii_alphanumeric()),
        "{srv1}"
    );
    let j = az_json(
        &s,
        &[
            &CREATE_SQL_SERVER[..],
            &[
                "--login",
                "dbadmin2",
                "--location",
                "East US",
                "--password-file",
                "sqlpw",
            ],
        ]
        .concat(),
    );
    let srv2 = j["name"].as_str().unwrap().to_string();
    assert_ne!(srv1, srv2);
    let t = az(&s, &["sql", "server", "list"]).ok().stdout;
    assert!(
        t.lines()
            .any(|l| l.contains(&srv1) && l.contains("dbadmin") && l.contains("West US")),
        "{t}"
    );
    let j = az_json(&s, &["sql", "server", "list"]);
    assert_eq!(
        sorted(strings(&j, "name")),
        sorted(vec![srv1.clone(), srv2.clone()])
    );
    let x = az(&s, &["sql", "server", "list", "-o", "xml"]).ok();
    let parsed = wire::parse_sql_servers(x.stdout.as_bytes()).unwrap();
    assert!(
        parsed.iter().any(|p| p.name == srv2
            && p.administrator_login == "dbadmin2"
            && p.location == "East US"),
        "{parsed:?}"
    );
    let r = az(
        &s,
        &[
            "sql",
            "server",
            "reset-password",
            &srv1,
            "--password-file",
            "sqlpw",
        ],
    )
    .ok();
    assert!(r.stderr.contains("reset"), "{}", r.stderr);
    let t = az(
        &s,
        &[
            &CREATE_FIREWALL_RULE[..],
            &[&srv1, "office", "--start", "10.0.0.1", "--end", "10.0.0.9"],
        ]
        .concat(),
    )
    .ok()
    .stdout;
    assert!(t.contains("office") && t.contains("10.0.0.9"), "{t}");
    az(
        &s,
        &[
            &CREATE_FIREWALL_RULE[..],
            &[
                &srv1,
                "home",
                "--start",
                "192.0.2.1",
                "--end",
                "192.0.2.1",
                "-o",
                "json",
            ],
        ]
        .concat(),
    )
    .ok();
    let j = az_json(&s, &["sql", "firewall-rule", "list", &srv1]);
    assert_eq!(sorted(strings(&j, "name")), ["home", "office"]);
    let j = az_json(
        &s,
        &[
            "sql",
            "firewall-rule",
            "update",
            &srv1,
            "office",
            "--start",
            "10.0.0.1",
            "--end",
            "10.0.0.200",
        ],
    );
    assert_eq!(j["end"], "10.0.0.200");
    let t = az(&s, &["sql", "firewall-rule", "list", &srv1]).ok().stdout;
    assert!(
        t.lines()
            .any(|l| l.contains("office") && l.contains("10.0.0.200")),
        "{t}"
    );
    az(&s, &["sql", "firewall-rule", "delete", &srv1, "office"]).ok();
    let j = az_json(&s, &["sql", "firewall-rule", "list", &srv1]);
    assert_eq!(strings(&j, "name"), ["home"]);
    az(&s, &["sql", "server", "delete", &srv1]).ok();
    let j = az_json(&s, &["sql", "server", "list"]);
    assert_eq!(strings(&j, "name"), std::slice::from_ref(&srv2));

    if last == Part::SqlServers {
        return;
    }

    // ---- web sites
    let t = az(&s, &["site", "list"]).ok().stdout;
    assert_eq!(t.lines().count(), 1, "only the header: {t}");
    let r = az(&s, &["site", "create", "site1", "--location", "West US"]).ok();
    assert_eq!(r.stdout.trim(), "site1.azurewebsites.azmc.localhost");
    let j = az_json(&s, &["site", "create", "site2", "--location", "east us"]);
    assert_eq!(j["webspace"], "eastuswebspace");
    assert_eq!(j["state"], "Running");
    az(&s, &["site", "create", "site3", "--location", "Atlantis"]).fails(2, "no webspace");
    let t = az(&s, &["site", "list"]).ok().stdout;
    assert!(
        t.lines()
            .any(|l| l.contains("site1") && l.contains("westuswebspace")),
        "{t}"
    );
    let j = az_json(&s, &["site", "list"]);
    assert_eq!(sorted(strings(&j, "name")), ["site1", "site2"]);
    let x = az(&s, &["site", "list", "-o", "xml"]).ok();
    let parsed = wire::parse_sites(x.stdout.as_bytes()).unwrap();
    assert_eq!(
        sorted(parsed.iter().map(|p| p.name.clone()).collect()),
        ["site1", "site2"]
    );
    let j = az_json(&s, &["site", "show", "site1"]);
    assert_eq!(j["webspace"], "westuswebspace");
    assert_eq!(
        j["host_names"],
        serde_json::json!(["site1.azurewebsites.azmc.localhost"])
    );
    let t = az(&s, &["site", "show", "site2"]).ok().stdout;
    assert!(t.contains("eastuswebspace") && t.contains("Running"), "{t}");
    az(&s, &["site", "delete", "site1"]).ok();
    let j = az_json(&s, &["site", "list"]);
    assert_eq!(strings(&j, "name"), ["site2"]);
    let r = az(&s, &["site", "show", "site1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("ERROR "), "{}", r.stderr);

    if last == Part::WebSites {
        return;
    }

    // ---- the operation log saw all of it
    let j = az_json(&s, &["operation", "list"]);
    let names = strings(&j, "name");
    for want in [
        "AddSubscriptionCertificate",
        "CreateAffinityGroup",
        "CreateStorageService",
        "RegenerateStorageServiceKeys",
        "CreateHostedService",
        "CreateDeployment",
        "SwapDeployment",
        "DeleteHostedService",
        "CreateServer",
        "CreateFirewallRule",
        "CreateSite",
        "DeleteSite",
    ] {
        assert!(names.iter().any(|n| n == want), "{want}: {names:?}");
    }
    assert!(
        j.as_array()
            .unwrap()
            .iter()
            .all(|o| o["caller_certificate"] == bootstrap.as_str()),
        "every operation was made with the bootstrap certificate"
    );
    let t = az(&s, &["operation", "list", "--since", "1h"]).ok().stdout;
    assert!(
        t.contains("CreateStorageService") && t.contains(&bootstrap),
        "{t}"
    );
    assert_eq!(t.lines().count(), names.len() + 1, "{t}");
    let x = az(&s, &["operation", "list", "-o", "xml"]).ok();
    let parsed = wire::parse_subscription_operations(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.operations.len(), names.len());
}

#[test]
fn subscription_show_in_table_json_and_xml() {
    resource_commands(Part::Subscription);
}

#[test]
fn location_list_and_site_show_of_a_missing_site() {
    resource_commands(Part::Locations);
}

#[test]
fn management_certificate_commands_in_table_json_and_xml() {
    resource_commands(Part::Certificates);
}

#[test]
fn affinity_group_commands_in_table_json_and_xml() {
    resource_commands(Part::AffinityGroups);
}

#[test]
fn storage_account_commands_in_table_json_and_xml() {
    resource_commands(Part::StorageAccounts);
}

#[test]
fn api_raw_calls() {
    resource_commands(Part::RawApi);
}

#[test]
fn cloud_service_and_deployment_commands() {
    resource_commands(Part::CloudServices);
}

#[test]
fn sql_server_and_firewall_rule_commands() {
    resource_commands(Part::SqlServers);
}

#[test]
fn web_site_commands() {
    resource_commands(Part::WebSites);
}

#[test]
fn the_operation_log_saw_every_resource_command() {
    resource_commands(Part::OperationLog);
}

#[test]
fn operation_list_since_and_cert_filters() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let other = s.new_cert("other", &["--key", "p256"]);
    az(&s, &["mgmt-cert", "upload", "other.cer"]).ok();
    let bootstrap = az_json(&s, &["account", "list"])[0]["certificate"]
        .as_str()
        .unwrap()
        .to_string();
    az(
        &s,
        &["affinity-group", "create", "early", "--location", "West US"],
    )
    .ok();
    // a whole second later: --since that second sees only what came after
    std::thread::sleep(Duration::from_millis(1100));
    let since = azmc_pki::clock::system()
        .now()
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    az(
        &s,
        &account_add(
            &served.subscription(),
            &served.api_url,
            &[
                "--cert",
                &other,
                "--ca-file",
                &data(&served, "ca.pem"),
                "--name",
                "other",
            ],
        ),
    )
    .ok();
    az(
        &s,
        &[
            "--profile",
            "other",
            "affinity-group",
            "create",
            "late",
            "--location",
            "West US",
        ],
    )
    .ok();
    let all = az_json(&s, &["operation", "list"]);
    assert_eq!(
        strings(&all, "name"),
        [
            "AddSubscriptionCertificate",
            "CreateAffinityGroup",
            "CreateAffinityGroup"
        ]
    );
    let recent = az_json(&s, &["operation", "list", "--since", &since]);
    assert_eq!(
        strings(&recent, "name"),
        ["CreateAffinityGroup"],
        "{recent}"
    );
    assert_eq!(recent[0]["caller_certificate"], other.as_str());
    let j = az_json(&s, &["operation", "list", "--since", "0s"]);
    assert!(j.as_array().unwrap().len() <= 1, "{j}");
    // --cert: only what that certificate did
    let mine = az_json(&s, &["operation", "list", "--cert", &bootstrap]);
    assert_eq!(
        strings(&mine, "caller_certificate"),
        [bootstrap.clone(), bootstrap.clone()],
        "operation list --cert {bootstrap} lists other certificates' operations: {mine}"
    );
    let theirs = az_json(&s, &["operation", "list", "--cert", &other]);
    assert_eq!(
        strings(&theirs, "name"),
        ["CreateAffinityGroup"],
        "{theirs}"
    );
    let none = az_json(&s, &["operation", "list", "--cert", &"0".repeat(40)]);
    assert_eq!(none, serde_json::json!([]));
}

#[test]
fn no_wait_prints_the_request_id_and_operation_wait_finishes_it() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &["--async-delay-ms", "5000"]);
    let r = az(
        &s,
        &create_storage("nowait1", &["--location", "West US", "--no-wait"]),
    )
    .ok();
    let id = r.stdout.trim().to_string();
    assert!(is_request_id(&id), "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!("azmc operation wait {id}")),
        "{}",
        r.stderr
    );
    let r = az(&s, &["operation", "show", &id]).ok();
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("Status:") && l.contains("InProgress")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&id), "{}", r.stdout);
    assert!(
        !r.stdout.contains('\x1b'),
        "no colours off a terminal: {:?}",
        r.stdout
    );
    let j = az_json(&s, &["operation", "show", &id]);
    assert_eq!(j["id"], id.as_str());
    assert_eq!(j["status"], "InProgress");
    assert_eq!(j["http_status"], Value::Null);
    let x = az(&s, &["operation", "show", &id, "-o", "xml"]).ok();
    let parsed = wire::parse_operation_status(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.status.to_string(), "InProgress");
    assert_eq!(parsed.id, id);
    // Colours: CLICOLOR_FORCE turns them on, NO_COLOR wins over it.
    let r = az_env(&s, &[("CLICOLOR_FORCE", "1")], &["operation", "show", &id]).ok();
    assert!(
        r.stdout.contains("\x1b[33mInProgress\x1b[0m"),
        "{:?}",
        r.stdout
    );
    let r = az_env(
        &s,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        &["operation", "show", &id],
    )
    .ok();
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    assert!(r.stdout.contains("InProgress"), "{}", r.stdout);
    // the resource is being created meanwhile
    let j = az_json(&s, &["storage", "account", "show", "nowait1"]);
    assert_eq!(j["status"], "Creating");

    // --no-wait in json
    let j = az_json(
        &s,
        &create_storage("nowait2", &["--location", "East US", "--no-wait"]),
    );
    assert_eq!(j["status"], "InProgress");
    let id2 = j["request_id"].as_str().unwrap().to_string();
    assert!(is_request_id(&id2), "{j}");
    assert_ne!(id, id2);

    // wait: ends Succeeded (table), colours forced on stdout and in the message
    let started = Instant::now();
    let r = az_env(&s, &[("CLICOLOR_FORCE", "1")], &["operation", "wait", &id]).ok();
    assert!(
        r.stdout.contains("\x1b[32mSucceeded\x1b[0m"),
        "{:?}",
        r.stdout
    );
    assert!(r.stdout.contains("HTTP status"), "{}", r.stdout);
    let j = az_json(&s, &["operation", "wait", &id2]);
    assert_eq!(j["status"], "Succeeded");
    assert_eq!(j["id"], id2.as_str());
    assert!(j["http_status"].as_u64().is_some(), "{j}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let x = az(&s, &["operation", "wait", &id, "-o", "xml"]).ok();
    let parsed = wire::parse_operation_status(x.stdout.as_bytes()).unwrap();
    assert_eq!(parsed.status.to_string(), "Succeeded");
    let j = az_json(&s, &["operation", "show", &id]);
    assert_eq!(j["status"], "Succeeded");
    let j = az_json(&s, &["storage", "account", "list"]);
    assert_eq!(sorted(strings(&j, "name")), ["nowait1", "nowait2"]);
    assert!(
        j.as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "Created"),
        "{j}"
    );
    // a waiting command waits (the account is Created when it returns), with --quiet
    // silently
    let started = Instant::now();
    let r = az(
        &s,
        &create_storage("waited3", &["--location", "West US", "--quiet"]),
    )
    .ok();
    assert!(r.stderr.is_empty() && r.stdout.is_empty(), "{r:?}");
    assert!(started.elapsed() >= Duration::from_secs(4), "did not wait");
    let j = az_json(&s, &["storage", "account", "show", "waited3"]);
    assert_eq!(j["status"], "Created");
    let r = az(&s, &["storage", "account", "delete", "nowait2"]).ok();
    assert!(r.stderr.contains("Succeeded (request id "), "{}", r.stderr);
    api_error(
        &az(&s, &["storage", "account", "show", "nowait2"]),
        "ResourceNotFound",
        404,
    );
    // an unknown operation
    api_error(
        &az(&s, &["operation", "show", &"0".repeat(32)]),
        "ResourceNotFound",
        404,
    );
}

#[test]
fn throttled_reads_are_retried_and_quiet_hides_the_message() {
    let s = Sandbox::new();
    let _served = served_and_imported(
        &s,
        &[
            "--throttle-read-rate",
            "1",
            "--throttle-read-burst",
            "1",
            "--location",
            "West US",
            "--location",
            "East US",
        ],
    );
    // site list: the webspaces, then the sites of each: three reads, one a second allowed
    let r = az(&s, &["site", "list"]).ok();
    assert!(r.stdout.starts_with("NAME"), "{}", r.stdout);
    assert!(r.stderr.contains("throttled (HTTP 503)"), "{}", r.stderr);
    assert!(r.stderr.contains("retrying in"), "{}", r.stderr);
    let started = Instant::now();
    let r = az(&s, &["site", "list", "--quiet"]).ok();
    assert!(r.stdout.starts_with("NAME"), "{}", r.stdout);
    assert!(r.stderr.is_empty(), "--quiet: {}", r.stderr);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "three reads at one a second were not throttled?"
    );
    // two commands in quick succession: the second is throttled, and retried
    az(&s, &["location", "list", "-q"]).ok();
    let r = az(&s, &["location", "list", "-o", "json"]).ok();
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    assert!(r.stderr.contains("throttled (HTTP 503)"), "{}", r.stderr);
    // without retries the 503 is the answer: one error line, exit 1
    az(&s, &["location", "list", "-q"]).ok();
    let r = az_env(&s, &[("AZMC_RETRIES", "0")], &["location", "list"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("ERROR ") && r.stderr.contains("(HTTP 503"),
        "{}",
        r.stderr
    );
    az_env(&s, &[("AZMC_RETRIES", "eleven")], &["location", "list"]).fails(2, "AZMC_RETRIES");
    az_env(&s, &[("AZMC_RETRIES", "11")], &["location", "list"]).fails(2, "AZMC_RETRIES");
}

#[test]
fn connection_failures_are_retried_then_reported_once() {
    let s = Sandbox::new();
    let t = s.new_cert("closed", &["--key", "p256", "--pem"]);
    // A listener that accepts connections and closes them at once.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let (accepted, stop) = (accepted.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((sock, _)) => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                        drop(sock);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    az(
        &s,
        &account_add(
            RANDOM_SUBSCRIPTION,
            &format!("https://127.0.0.1:{port}"),
            &["--cert", &t, "--ca-file", "closed.cer", "--name", "closed"],
        ),
    )
    .ok();
    let r = az_env(&s, &[("AZMC_RETRIES", "2")], &["location", "list"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "{}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("azmc: error:") || l.starts_with("ERROR"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", r.stderr);
    assert!(errors[0].contains("cannot connect"), "{}", r.stderr);
    assert!(errors[0].contains(&port.to_string()), "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().filter(|l| l.contains("retrying")).count(),
        2,
        "{}",
        r.stderr
    );
    // --quiet: the same attempts, only the error line
    accepted.store(0, Ordering::SeqCst);
    let r = az_env(&s, &[("AZMC_RETRIES", "2")], &["location", "list", "-q"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("cannot connect"), "{}", r.stderr);
    // no retries at all
    accepted.store(0, Ordering::SeqCst);
    az_env(&s, &[("AZMC_RETRIES", "0")], &["location", "list"]).fails(1, "cannot connect");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    stop.store(true, Ordering::SeqCst);
    thread.join().unwrap();
}

/// The parts of the error story, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errors {
    NoProfiles,
    Subscriptions,
    ApiError,
    BadArguments,
    Revoked,
}

/// Runs the error story (one line, the right exit code) from the start up to and including
/// part `last` (the earlier parts' checks run again on the way).
fn errors(last: Errors) {
    let s = Sandbox::new();
    // no profiles at all: a usage error that says what to do
    az(&s, &["location", "list"]).fails(2, "azmc account import");
    let served = served_and_imported(&s, &[]);
    let sub = served.subscription();
    let ca = data(&served, "ca.pem");

    if last == Errors::NoProfiles {
        return;
    }

    // A subscription the certificate does not manage: the service says no.
    let r = az(
        &s,
        &[
            "--profile",
            "Default",
            "--subscription",
            RANDOM_SUBSCRIPTION,
            "storage",
            "account",
            "list",
        ],
    );
    api_error(&r, "ForbiddenError", 403);
    assert!(r.stdout.is_empty());
    // a subscription without a profile, no --profile: nothing is sent, usage error
    az(
        &s,
        &[
            "--subscription",
            RANDOM_SUBSCRIPTION,
            "storage",
            "account",
            "list",
        ],
    )
    .fails(2, "no profile for subscription");
    az(
        &s,
        &[
            "--profile",
            "Default",
            "--subscription",
            "not-a-guid",
            "location",
            "list",
        ],
    )
    .fails(2, "not-a-guid");
    az(&s, &["--profile", "nope", "location", "list"]).fails(2, "no profile \"nope\"");
    az_env(&s, &[("AZMC_PROFILE", "nope")], &["location", "list"]).fails(2, "nope");

    if last == Errors::Subscriptions {
        return;
    }

    // An API error: one line, code, message, status and request id; exit 1.
    let r = az(&s, &["storage", "account", "show", "missing"]);
    api_error(&r, "ResourceNotFound", 404);
    assert!(r.stderr.contains("missing"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let r = az(&s, &["storage", "account", "show", "missing", "-o", "json"]);
    api_error(&r, "ResourceNotFound", 404);
    az(&s, &create_storage("taken1", &["--location", "West US"])).ok();
    api_error(
        &az(&s, &create_storage("taken1", &["--location", "West US"])),
        "ConflictError",
        409,
    );
    // A location the server does not have: the client does not know the list.
    api_error(
        &az(&s, &create_storage("nowhere1", &["--location", "Mars"])),
        "BadRequest",
        400,
    );

    if last == Errors::ApiError {
        return;
    }

    // Bad arguments: exit 2, nothing sent.
    az(&s, &create_storage("Bad-Name", &["--location", "West US"])).fails(
        2,
        "ServiceName \"Bad-Name\" is not a valid storage account name.",
    );
    az(&s, &[&RENEW_KEYS[..], &["taken1"]].concat()).fails(2, "--primary");
    az(
        &s,
        &[&RENEW_KEYS[..], &["taken1", "--primary", "--secondary"]].concat(),
    )
    .fails(2, "cannot be used with");
    az(&s, &["operation", "list", "--since", "nonsense"]).fails(2, "--since");
    az(&s, &["operation", "list", "--since", "3w"]).fails(2, "--since");
    az(&s, &["account", "list", "--output", "xml"]).fails(2, "--output xml");
    az(&s, &["account", "show", "--output", "xml"]).fails(2, "--output xml");
    az(&s, &["location", "list", "--output", "yaml"]).fails(2, "yaml");
    az(&s, &["storage", "account", "create", "x1"]).fails(2, "--location");
    az(&s, &["api", "GET", "locations", "--header", "no-colon"]).fails(2, "NAME:VALUE");
    az(&s, &["api", "GET", "locations", "--header", ":v"]).fails(2, "--header");
    az(&s, &["api", "FR OB", "locations"]).fails(2, "not an HTTP method");
    az(&s, &["account", "set", "nope"]).fails(2, "no profile");
    az(&s, &["account", "remove", "nope"]).fails(2, "no profile");
    az(
        &s,
        &[
            "account",
            "add",
            "--endpoint",
            &served.api_url,
            "--cert",
            &"AB".repeat(20),
        ],
    )
    .fails(2, "--subscription");
    az(
        &s,
        &account_add("nope", &served.api_url, &["--cert", &"AB".repeat(20)]),
    )
    .fails(2, "not a subscription id");
    az(&s, &["mgmt-cert", "upload", "no-such.cer"]).fails(1, "no-such.cer");

    if last == Errors::BadArguments {
        return;
    }

    // Revoked certificates: a profile deletes its own certificate; the next call is
    // refused. And one deleted by another profile.
    for (name, own) in [("own", true), ("other", false)] {
        let t = s.new_cert(name, &["--key", "p256"]);
        az(&s, &["mgmt-cert", "upload", &format!("{name}.cer")]).ok();
        az(
            &s,
            &account_add(
                &sub,
                &served.api_url,
                &["--cert", &t, "--ca-file", &ca, "--name", name],
            ),
        )
        .ok();
        az(&s, &["--profile", name, "location", "list"]).ok();
        if own {
            az(&s, &["--profile", name, "mgmt-cert", "delete", &t]).ok();
        } else {
            az(&s, &["mgmt-cert", "delete", &t]).ok();
        }
        let r = az(&s, &["--profile", name, "location", "list"]);
        api_error(&r, "ForbiddenError", 403);
        api_error(
            &az(
                &s,
                &[
                    "--profile",
                    name,
                    "storage",
                    "account",
                    "list",
                    "-o",
                    "json",
                ],
            ),
            "ForbiddenError",
            403,
        );
    }
    // the bootstrap certificate still works, and is the only one left
    let j = az_json(&s, &["mgmt-cert", "list"]);
    assert_eq!(j.as_array().unwrap().len(), 1, "{j}");
}

#[test]
fn without_profiles_a_command_is_a_usage_error() {
    errors(Errors::NoProfiles);
}

#[test]
fn an_unmanaged_or_unknown_subscription_or_profile_is_refused() {
    errors(Errors::Subscriptions);
}

#[test]
fn an_api_error_has_one_line_and_exit_code_1() {
    errors(Errors::ApiError);
}

#[test]
fn bad_arguments_exit_2_and_send_nothing() {
    errors(Errors::BadArguments);
}

#[test]
fn revoked_certificates_are_refused() {
    errors(Errors::Revoked);
}

#[test]
fn a_malformed_request_id_is_a_usage_error() {
    let s = Sandbox::new();
    let t = s.new_cert("ids", &["--key", "p256", "--pem"]);
    az(
        &s,
        &account_add(
            RANDOM_SUBSCRIPTION,
            "https://127.0.0.1:9",
            &["--cert", &t, "--ca-file", "ids.cer"],
        ),
    )
    .ok();
    // nothing is sent (nothing listens on port 9): the id is checked first
    az(&s, &["operation", "show", "nonsense"]).fails(2, "nonsense");
    az(&s, &["operation", "wait", "12345"]).fails(2, "12345");
}

#[test]
fn output_xml_of_a_local_command_is_refused_before_anything_changes() {
    let s = Sandbox::new();
    s.new_cert("first", &["--key", "p256"]);
    let before = s.snapshot();
    s.run(&["cert", "new", "--name", "x", "--key", "p256", "-o", "xml"])
        .fails(2, "--output xml");
    assert!(
        !s.path("x.cer").exists(),
        "`cert new -o xml` wrote x.cer before refusing the flag"
    );
    assert_eq!(
        s.snapshot(),
        before,
        "`cert new -o xml` added a certificate to the store before refusing the flag"
    );
    s.run(&["account", "list", "-o", "xml"])
        .fails(2, "--output xml");
    s.run(&[
        "account",
        "import",
        super::fixture("azure-sdk-for-python__test_legacy_mgmt_misc_3subs.publishsettings")
            .to_str()
            .unwrap(),
        "-o",
        "xml",
    ])
    .fails(2, "--output xml");
    assert_eq!(s.snapshot(), before);
    assert!(!s.path("azmc-home/profiles.json").exists());
}

#[test]
fn completions_name_the_subcommands() {
    let s = Sandbox::new();
    for shell in ["bash", "zsh"] {
        let r = s.run(&["completions", shell]).ok();
        assert!(r.stdout.len() > 1000, "{shell}: {}", r.stdout);
        for word in [
            "account",
            "subscription",
            "mgmt-cert",
            "affinity-group",
            "storage",
            "service",
            "deployment",
            "firewall-rule",
            "site",
            "operation",
            "completions",
            "--no-wait",
            "--profile",
        ] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    assert!(
        s.run(&["completions", "bash"])
            .stdout
            .contains("complete -F _azmc")
    );
    assert!(
        s.run(&["completions", "zsh"])
            .stdout
            .starts_with("#compdef azmc")
    );
    s.run(&["completions", "tcsh"]).fails(2, "tcsh");
    s.run(&["completions"]).fails(2, "SHELL");
}

/// Bad local input to the client commands: one line naming the file and the cause, exit 1,
/// and nothing written to the store or the profiles (no server is needed: local input is
/// read before any connection).
#[test]
fn bad_local_input_is_named_and_changes_nothing() {
    let s = Sandbox::new();
    s.new_cert("existing", &["--key", "p256"]);
    let fixture =
        super::fixture("azure-sdk-for-python__test_legacy_mgmt_misc_3subs.publishsettings");
    let fixture = fixture.to_str().unwrap();
    s.write("bad-ca.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");
    s.write("garbage.publishsettings", "<PublishData><PublishProfile>");
    s.write("garbage.cer", b"\x30\x03\x02\x01");
    let before = s.snapshot();
    let one_line = |r: &Run| {
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    };

    let r = az(
        &s,
        &["account", "import", fixture, "--ca-file", "bad-ca.pem"],
    )
    .fails(1, "bad-ca.pem");
    one_line(&r);
    let r = az(&s, &["account", "import", "garbage.publishsettings"])
        .fails(1, "garbage.publishsettings");
    one_line(&r);
    let r = az(&s, &["mgmt-cert", "upload", "garbage.cer"]).fails(1, "garbage.cer");
    one_line(&r);
    let r = az(
        &s,
        &[
            &CREATE_DEPLOYMENT[..],
            &[
                "svc",
                "--name",
                "v1",
                "--package-url",
                "https://example.test/p.cspkg",
                "--config",
                "missing.cscfg",
            ],
        ]
        .concat(),
    )
    .fails(1, "missing.cscfg");
    one_line(&r);
    assert_eq!(s.snapshot(), before, "the store is unchanged");
    assert!(!s.path("azmc-home/profiles.json").exists());

    // A profiles file that does not parse is reported and never overwritten.
    std::fs::create_dir_all(s.path("azmc-home")).unwrap();
    s.write("azmc-home/profiles.json", "{ broken");
    let before = s.snapshot();
    let r = az(&s, &["account", "list"]).fails(1, "profiles.json");
    assert!(r.stderr.contains("not a profiles file"), "{}", r.stderr);
    az(&s, &["account", "import", fixture]).fails(1, "profiles.json");
    assert_eq!(
        s.snapshot(),
        before,
        "nothing imported, the file kept as it was"
    );
}

/// Names the API would refuse are refused before any request, in the server's words (a
/// usage error); locations are taken by display name or short name. The server is stopped
/// for the refusals: a request would fail with a connection error instead.
#[test]
fn names_the_api_would_refuse_are_refused_before_any_request() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let made = az_json(&s, &create_storage("shortloc", &["--location", "westus"]));
    assert_eq!(made["status"], "Succeeded", "{made}");
    let shown = az_json(&s, &["storage", "account", "show", "shortloc"]);
    assert_eq!(shown["location"], "West US", "{shown}");
    served.stop();

    for (args, message) in [
        (
            create_storage("Bad_Name", &["--location", "West US"]),
            "ServiceName \"Bad_Name\" is not a valid storage account name.",
        ),
        (
            vec!["service", "create", "svc-", "--location", "West US"],
            "ServiceName \"svc-\" is invalid: use 1 to 63 letters, digits and hyphens",
        ),
        (
            vec!["affinity-group", "create", "_ag", "--location", "West US"],
            "Name \"_ag\" is invalid: use 1 to 63 letters",
        ),
        (
            vec!["site", "create", "x", "--location", "West US"],
            "Name 'x' is not a valid site name",
        ),
        (
            [
                &CREATE_SQL_SERVER[..],
                &[
                    "--login",
                    "admin",
                    "--location",
                    "West US",
                    "--password",
                    "T5ii-B48x",
                ],
            ]
            .concat(),
            "AdministratorLogin",
        ),
    ] {
        let r = az(&s, &args).fails(2, message);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    }
    // A valid name goes to the (stopped) server: a connection failure, not a usage error.
    let r = az_env(
        &s,
        &[("AZMC_RETRIES", "0")],
        &create_storage("goodname", &["--location", "West US"]),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

/// `azmc doctor` walks the chain and names the broken link: all well; a server whose CA
/// the profile does not trust; a certificate the subscription does not know; a stopped
/// server; no profile at all.
#[test]
fn doctor_names_the_broken_link() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let sub = served.subscription();
    let statuses = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["check"].as_str().unwrap().to_owned(),
                    c["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let detail = |v: &Value, check: &str| -> String {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == check)
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let all = [
        "profile",
        "certificate",
        "private key",
        "validity",
        "proxy",
        "name resolution",
        "connection",
        "server certificate",
        "authenticated request",
        "clock",
    ];

    let ok = az_json(&s, &["doctor"]);
    assert_eq!(
        statuses(&ok),
        all.iter()
            .map(|c| (c.to_string(), "pass".to_string()))
            .collect::<Vec<_>>(),
        "{ok}"
    );
    let table = az(&s, &["doctor"]).ok();
    assert!(
        table
            .stdout
            .contains("ok      authenticated request  Get Subscription answered 200"),
        "{}",
        table.stdout
    );

    // A CA that did not issue the server's certificate.
    let stranger = s.new_cert("not a ca", &[]);
    s.run(&[
        "certstore",
        "export",
        &stranger,
        "--out",
        "other-ca.pem",
        "--pem",
    ])
    .ok();
    let bootstrap = default_certificate(&s);
    add_profile(&s, &served, &sub, &bootstrap, "other-ca.pem", "wrongca");
    let r = az(&s, &["doctor", "--profile", "wrongca", "-o", "json"]).fails(1, "1 check failed");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        statuses(&v)[7],
        ("server certificate".into(), "fail".into()),
        "{v}"
    );
    assert!(
        detail(&v, "server certificate").contains("--ca-file"),
        "{v}"
    );
    assert_eq!(statuses(&v)[8].1, "skipped", "{v}");

    // A certificate of the store that the subscription does not know.
    let unknown = s.new_cert("never uploaded", &[]);
    add_profile(
        &s,
        &served,
        &sub,
        &unknown,
        &data(&served, "ca.pem"),
        "unlinked",
    );
    let r = az(&s, &["doctor", "--profile", "unlinked", "-o", "json"]).fails(1, "1 check failed");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        statuses(&v)[8],
        ("authenticated request".into(), "fail".into()),
        "{v}"
    );
    assert!(
        detail(&v, "authenticated request").contains("403 ForbiddenError"),
        "{v}"
    );

    // The server stopped: the connection fails, what needs it is skipped.
    served.stop();
    let r = az(&s, &["doctor", "-o", "json"]).fails(1, "1 check failed");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let got = statuses(&v);
    assert_eq!(got[6], ("connection".into(), "fail".into()), "{v}");
    assert!(got[7..].iter().all(|(_, st)| st == "skipped"), "{v}");
    assert!(
        detail(&v, "connection").contains("Is the server running"),
        "{v}"
    );

    // No profile of that name.
    let r = az(&s, &["doctor", "--profile", "nope", "-o", "json"]).fails(1, "check failed");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(statuses(&v)[0], ("profile".into(), "fail".into()), "{v}");
    assert!(detail(&v, "profile").contains("no profile \"nope\""), "{v}");
}

/// A certificate close to its end shows in lists (days left, `soon`), and API commands
/// warn about it once a day; one far from it does neither.
#[test]
fn expiry_shows_in_lists_and_warns_once_a_day() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let sub = served.subscription();
    let short = s.new_cert("short lived", &["--days", "10"]);
    az(&s, &["mgmt-cert", "upload", "short lived.cer"]).ok();
    let listed = az_json(&s, &["mgmt-cert", "list"]);
    let row = |t: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["thumbprint"] == t)
            .cloned()
            .unwrap()
    };
    let soon = row(&short);
    assert_eq!(soon["expiry"], "soon", "{soon}");
    assert!(
        (9..=10).contains(&soon["days_left"].as_i64().unwrap()),
        "{soon}"
    );
    let table = az(&s, &["mgmt-cert", "list"]).ok().stdout;
    assert!(table.contains(" d, SOON)"), "{table}");
    let bootstrap = default_certificate(&s);
    assert_eq!(row(&bootstrap)["expiry"], "ok");

    add_profile(&s, &served, &sub, &short, &data(&served, "ca.pem"), "short");
    let profiles = az_json(&s, &["account", "list"]);
    let by_name = |n: &str| {
        profiles
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_name("short")["expiry"], "soon", "{profiles}");
    assert_eq!(by_name("Default")["expiry"], "ok", "{profiles}");

    // The first API command of the day warns, the next does not; other profiles never.
    let first = az(&s, &["subscription", "show", "--profile", "short"]).ok();
    assert!(
        first.stderr.contains(&format!(
            "warning: the certificate {short} of profile short expires on"
        )),
        "{}",
        first.stderr
    );
    let second = az(&s, &["subscription", "show", "--profile", "short"]).ok();
    assert!(!second.stderr.contains("warning"), "{}", second.stderr);
    let other = az(&s, &["subscription", "show"]).ok();
    assert!(!other.stderr.contains("warning"), "{}", other.stderr);
    served.stop();
}

/// `azmc scan` finds credentials by content (a publish settings file named notes.txt, a
/// ManagementCertificate blob in a config file, a key beside its certificate, a .pfx
/// without a password), says which certificates still manage the profile's
/// subscription, exits 1; a clean tree exits 0; `--git` finds a file deleted from the
/// working tree in the history, with its commit.
#[test]
fn scan_finds_credentials_and_says_which_are_still_linked() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let repo = s.path("repo");
    std::fs::create_dir_all(repo.join("config")).unwrap();
    let ps = std::fs::read_to_string(served.data.join("bootstrap.publishsettings")).unwrap();
    std::fs::write(repo.join("notes.txt"), &ps).unwrap();
    let at = ps.find("ManagementCertificate=\"").unwrap() + 23;
    let blob = &ps[at..at + ps[at..].find('"').unwrap()];
    std::fs::write(
        repo.join("config/app.config"),
        format!(
            "<configuration><add key=\"azure\" ManagementCertificate=\"{blob}\"/></configuration>\n"
        ),
    )
    .unwrap();
    super::openssl(
        &repo,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-subj",
            "/CN=stray",
            "-days",
            "3",
        ],
    );
    super::openssl(
        &repo,
        &[
            "pkcs12",
            "-export",
            "-in",
            "c.pem",
            "-inkey",
            "k.pem",
            "-out",
            "stray.pfx",
            "-passout",
            "pass:",
        ],
    );
    std::fs::write(repo.join("README.md"), "nothing to see\n").unwrap();
    let bootstrap = default_certificate(&s);

    let r = az(&s, &["scan", "repo", "-o", "json"]).fails(1, "findings");
    let found: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows: Vec<(String, String, Option<String>, Option<bool>)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("repo/")
                    .to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
                f["thumbprint"].as_str().map(str::to_owned),
                f["linked"].as_bool(),
            )
        })
        .collect();
    let stray = rows
        .iter()
        .find(|r| r.0 == "stray.pfx")
        .and_then(|r| r.2.clone())
        .expect("the .pfx without a password");
    let b = Some(bootstrap.clone());
    assert_eq!(
        rows,
        vec![
            (
                "config/app.config".into(),
                "management-certificate".into(),
                b.clone(),
                Some(true)
            ),
            ("k.pem".into(), "pem-private-key".into(), None, None),
            (
                "notes.txt".into(),
                "publish-settings".into(),
                b.clone(),
                Some(true)
            ),
            (
                "stray.pfx".into(),
                "pkcs12-no-password".into(),
                Some(stray.clone()),
                Some(false)
            ),
        ],
        "{found}"
    );

    // Clean: exit 0.
    std::fs::create_dir_all(s.path("clean")).unwrap();
    std::fs::write(s.path("clean/a.txt"), "hello\n").unwrap();
    let r = az(&s, &["scan", "clean"]).ok();
    assert_eq!(r.stdout.trim(), "nothing found");

    // History: committed, then deleted.
    let hist = s.path("hist");
    std::fs::create_dir_all(&hist).unwrap();
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.test"])
            .args(args)
            .current_dir(&hist)
            .output()
            .expect("git is required");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    git(&["init", "-q"]);
    std::fs::write(hist.join("creds.xml"), &ps).unwrap();
    git(&["add", "creds.xml"]);
    git(&["commit", "-q", "-m", "oops"]);
    let oops = git(&["rev-parse", "HEAD"]);
    git(&["rm", "-q", "creds.xml"]);
    git(&["commit", "-q", "-m", "removed"]);
    az(&s, &["scan", "hist"]).ok();
    let r = az(&s, &["scan", "hist", "--git", "-o", "json"]).fails(1, "1 finding");
    let found: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(found[0]["path"], "creds.xml", "{found}");
    assert_eq!(found[0]["commit"], oops.as_str(), "{found}");
    assert_eq!(found[0]["kind"], "publish-settings", "{found}");
    assert_eq!(found[0]["linked"], true, "{found}");
    az(&s, &["scan", "clean", "--git"]).fails(2, "needs a git repository");
    served.stop();
}

/// `mgmt-cert revoke --everywhere` deletes a leaked certificate from every subscription
/// that the profile's certificate manages; run again, it finds nothing left; it refuses
/// to revoke the profile's own certificate.
#[test]
fn revoke_everywhere_removes_a_leaked_certificate_from_every_subscription() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let (main_sub, dev, boot) = dev_subscription_with_the_same_certificate(&s, &served);
    let leaked = s.new_cert("leaked", &[]);
    az(&s, &["mgmt-cert", "upload", "leaked.cer"]).ok();
    az(
        &s,
        &["mgmt-cert", "upload", "leaked.cer", "--profile", "dev"],
    )
    .ok();
    let linked = |profile: &str| {
        az_json(&s, &["mgmt-cert", "list", "--profile", profile])
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["thumbprint"] == leaked.as_str())
    };
    assert!(linked("Default") && linked("dev"));

    let outcomes = |v: &Value| -> Vec<(String, String)> {
        let mut o: Vec<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["subscription"].as_str().unwrap().to_owned(),
                    r["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        o.sort();
        o
    };
    let mut both = [main_sub.clone(), dev.clone()];
    both.sort();
    let v = az_json(&s, &["mgmt-cert", "revoke", &leaked, "--everywhere"]);
    assert_eq!(
        outcomes(&v),
        both.iter()
            .map(|s| (s.clone(), "revoked".to_string()))
            .collect::<Vec<_>>(),
        "{v}"
    );
    assert!(!linked("Default") && !linked("dev"));
    let v = az_json(&s, &["mgmt-cert", "revoke", &leaked, "--everywhere"]);
    assert!(outcomes(&v).iter().all(|(_, o)| o == "not-linked"), "{v}");
    az(&s, &["mgmt-cert", "revoke", &boot, "--everywhere"]).fails(2, "would cut this profile off");
    served.stop();
}

/// `cert rotate` replaces the certificate of every profile that uses it, on each of their
/// subscriptions; one that fails (a disabled subscription) is reported, and running it
/// again resumes with the same new certificate; afterwards the old certificate is refused
/// everywhere and the new one works.
#[test]
fn cert_rotate_switches_every_subscription_and_resumes_after_a_failure() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let (main_sub, dev, old) = dev_subscription_with_the_same_certificate(&s, &served);
    let ca = data(&served, "ca.pem");
    // A profile that keeps the old certificate, to prove it is refused afterwards.
    add_profile(&s, &served, &main_sub, &old, &ca, "probe");

    // Dev disabled: the rotation does Main (and the probe's profile of Main) and reports Dev.
    admin(&s, &["subscription", "disable", &dev]).ok();
    // Wait until the server has learnt it (within its refresh interval).
    let mut tries = 0;
    while az(&s, &["subscription", "show", "--profile", "dev"]).code == 0 {
        tries += 1;
        assert!(tries < 40, "the disabled subscription is still served");
        std::thread::sleep(Duration::from_millis(250));
    }
    let r = az(&s, &["cert", "rotate", "--key", "p256", "-o", "json"]).fails(1, "not complete");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let new = v["new"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            v["old"].as_str(),
            v["resumed"].as_bool(),
            v["complete"].as_bool()
        ),
        (Some(old.as_str()), Some(false), Some(false)),
        "{v}"
    );
    let by_sub = |v: &Value, sub: &str| {
        v["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["subscription"] == sub)
            .cloned()
            .unwrap()
    };
    let m = by_sub(&v, &main_sub);
    assert_eq!(
        (
            m["verified"].as_bool(),
            m["switched"].as_bool(),
            m["old_removed"].as_bool()
        ),
        (Some(true), Some(true), Some(true)),
        "{v}"
    );
    assert!(by_sub(&v, &dev)["error"].is_string(), "{v}");

    // Enabled again: run again (from the dev profile, still on the old certificate).
    admin(&s, &["subscription", "enable", &dev]).ok();
    // (The server learns of the change within its refresh interval; until then Dev is
    // still refused, and a run that fails is simply run again.)
    let mut tries = 0;
    let r = loop {
        let r = az(&s, &["cert", "rotate", "--profile", "dev", "-o", "json"]);
        tries += 1;
        if r.code == 0 || tries == 40 {
            break r;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (
            v["new"].as_str(),
            v["resumed"].as_bool(),
            v["complete"].as_bool()
        ),
        (Some(new.as_str()), Some(true), Some(true)),
        "{v}"
    );
    let d = by_sub(&v, &dev);
    assert_eq!(
        (
            d["verified"].as_bool(),
            d["old_removed"].as_bool(),
            d["error"].is_null()
        ),
        (Some(true), Some(true), true),
        "{v}"
    );

    // Every profile is on the new certificate; the old one is refused on both.
    let profiles = az_json(&s, &["account", "list"]);
    assert!(
        profiles
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["certificate"] == new.as_str()),
        "{profiles}"
    );
    az(&s, &["subscription", "show", "--profile", "dev"]).ok();
    az(&s, &["subscription", "show"]).ok();
    for sub in [&main_sub, &dev] {
        let list = az_json(&s, &["mgmt-cert", "list", "--subscription", sub]);
        let thumbs: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["thumbprint"].as_str().unwrap())
            .collect();
        assert!(
            thumbs.contains(&new.as_str()) && !thumbs.contains(&old.as_str()),
            "{sub}: {thumbs:?}"
        );
    }
    // A fresh profile on the old certificate is refused.
    add_profile(&s, &served, &main_sub, &old, &ca, "stale");
    let r = az(&s, &["subscription", "show", "--profile", "stale"]);
    api_error(&r, "ForbiddenError", 403);
    served.stop();
}

/// `azmc admin subscription disable-cert` makes the server refuse a certificate without
/// deleting it (it stays listed); `enable-cert` lets it in again; both are in the
/// operation log.
#[test]
fn a_disabled_certificate_is_refused_until_enabled() {
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let sub = served.subscription();
    let boot = default_certificate(&s);
    let wait_for = |code: i32| {
        for _ in 0..40 {
            if az(&s, &["subscription", "show"]).code == code {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("subscription show never exited {code}");
    };
    admin(
        &s,
        &[
            "subscription",
            "disable-cert",
            "--subscription",
            &sub,
            &boot,
        ],
    )
    .ok();
    wait_for(1);
    api_error(&az(&s, &["subscription", "show"]), "ForbiddenError", 403);
    admin(
        &s,
        &[
            "subscription",
            "disable-cert",
            "--subscription",
            &sub,
            &boot,
        ],
    )
    .ok()
    .stderr
    .contains("already disabled")
    .then_some(())
    .expect("a second disable says so");
    admin(
        &s,
        &["subscription", "enable-cert", "--subscription", &sub, &boot],
    )
    .ok();
    wait_for(0);
    let listed = az_json(&s, &["mgmt-cert", "list"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["thumbprint"] == boot.as_str())
    );
    let ops = az_json(&s, &["operation", "list"]);
    let names: Vec<&str> = ops
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    for want in [
        "DisableSubscriptionCertificate",
        "EnableSubscriptionCertificate",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    admin(
        &s,
        &[
            "subscription",
            "enable-cert",
            "--subscription",
            &sub,
            &"AB".repeat(20),
        ],
    )
    .fails(1, "The certificate does not exist.");
    served.stop();
}

/// The thumbprint of the default profile's certificate.
fn default_certificate(s: &Sandbox) -> String {
    az_json(s, &["account", "show"])["certificate"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A second subscription, Dev, that the default profile's certificate manages too, with a
/// profile `dev` for it: (the first subscription, Dev, the certificate's thumbprint).
fn dev_subscription_with_the_same_certificate(
    s: &Sandbox,
    served: &Served,
) -> (String, String, String) {
    let main_sub = served.subscription();
    let dev = create_subscription(s, "Dev", "admin")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cert = default_certificate(s);
    s.run(&["certstore", "export", &cert, "--out", "shared.cer"])
        .ok();
    admin(s, &add_cert(&dev, s.path("shared.cer").to_str().unwrap())).ok();
    add_profile(s, served, &dev, &cert, &data(served, "ca.pem"), "dev");
    (main_sub, dev, cert)
}

/// The API commands that read a certificate or a .pfx take base64 text of it too, and
/// standard input: `mgmt-cert upload` and `service cert add`.
#[test]
fn api_commands_take_certificates_as_base64_text() {
    use base64::Engine;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let s = Sandbox::new();
    let served = served_and_imported(&s, &[]);
    let up = s.new_cert("uploaded as text", &["--key", "p256"]);
    s.write(
        "up.b64",
        format!("\"{}\"\n", b64(&s.read("uploaded as text.cer"))),
    );
    az(&s, &["mgmt-cert", "upload", "up.b64"]).ok();
    let listed = az_json(&s, &["mgmt-cert", "list"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["thumbprint"] == up.as_str()),
        "{listed}"
    );

    az(
        &s,
        &["service", "create", "textsvc", "--location", "West US"],
    )
    .ok();
    let sc = s.new_cert("service pfx", &["--key", "p256"]);
    s.write("pw.txt", "pfx-pw\n");
    s.export_pfx(&sc, "svc.pfx", "pw.txt").ok();
    let text = b64(&s.read("svc.pfx"));
    let mut c = s.command();
    c.env("AZMC_POLL_INTERVAL_MS", "50");
    let r = {
        use std::io::Write;
        let mut child = c
            .args([
                "service",
                "cert",
                "add",
                "textsvc",
                "-",
                "--password-file",
                "pw.txt",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        Run::from(child.wait_with_output().unwrap())
    };
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = az_json(&s, &["service", "cert", "list", "textsvc"]);
    assert_eq!(strings(&j, "thumbprint"), std::slice::from_ref(&sc));
    // Something else on standard input is refused by what it is.
    s.run_with_stdin(
        &["service", "cert", "add", "textsvc", "-"],
        b"<PublishData></PublishData>",
    )
    .fails(1, "standard input: this is a publish settings file");
    served.stop();
}

/// `account add` of a profile NAME for SUB with the store's certificate CERT, trusting CA.
fn add_profile(s: &Sandbox, served: &Served, sub: &str, cert: &str, ca: &str, name: &str) {
    az(
        s,
        &account_add(
            sub,
            &served.api_url,
            &["--cert", cert, "--ca-file", ca, "--name", name],
        ),
    )
    .ok();
}

/// `list --deleted` and `restore` for storage accounts and cloud services against a real
/// server: the account comes back with its keys, the service with its properties; an
/// unknown name is the server's 404; a server started with `--restore-days 0` keeps
/// nothing.
#[test]
fn deleted_storage_accounts_and_cloud_services_are_restored() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    az(&s, &create_storage("restoreme", &["--location", "West US"])).ok();
    let keys = az_json(&s, &["storage", "account", "keys", "list", "restoreme"]);
    az(&s, &["storage", "account", "delete", "restoreme"]).ok();
    assert!(
        az_json(&s, &["storage", "account", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let deleted = az_json(&s, &["storage", "account", "list", "--deleted"]);
    assert_eq!(strings(&deleted, "name"), ["restoreme"]);
    assert_eq!(deleted[0]["account_type"], "Standard_GRS");
    let (at, until) = (
        deleted[0]["deleted"].as_str().unwrap(),
        deleted[0]["restorable_until"].as_str().unwrap(),
    );
    assert!(until > at, "{deleted}");
    let table = az(&s, &["storage", "account", "list", "--deleted"])
        .ok()
        .stdout;
    assert!(
        table.contains("RESTORABLE UNTIL") && table.contains("restoreme"),
        "{table}"
    );
    api_error(
        &az(&s, &["storage", "account", "restore", "nosuchstore"]),
        "ResourceNotFound",
        404,
    );
    let r = az(&s, &["storage", "account", "restore", "restoreme"]).ok();
    assert!(
        r.stderr
            .contains("storage account restoreme restored: Succeeded"),
        "{}",
        r.stderr
    );
    assert_eq!(
        az_json(&s, &["storage", "account", "keys", "list", "restoreme"]),
        keys
    );
    assert!(
        az_json(&s, &["storage", "account", "list", "--deleted"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    az(
        &s,
        &[
            "service",
            "create",
            "restore-svc",
            "--location",
            "West US",
            "--label",
            "kept",
        ],
    )
    .ok();
    az(&s, &["service", "delete", "restore-svc"]).ok();
    let deleted = az_json(&s, &["service", "list", "--deleted"]);
    assert_eq!(strings(&deleted, "name"), ["restore-svc"]);
    assert_eq!(deleted[0]["certificates"], 0);
    assert_eq!(deleted[0]["label"], "kept");
    let xml = az(&s, &["service", "list", "--deleted", "-o", "xml"])
        .ok()
        .stdout;
    assert!(xml.contains("<DeletedHostedServices"), "{xml}");
    az(&s, &["service", "restore", "restore-svc"]).ok();
    let shown = az_json(&s, &["service", "show", "restore-svc"]);
    assert_eq!(shown["label"], "kept");

    // A server that keeps nothing.
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &["--restore-days", "0"]);
    az(&s, &create_storage("notkept", &["--location", "West US"])).ok();
    az(&s, &["storage", "account", "delete", "notkept"]).ok();
    assert!(
        az_json(&s, &["storage", "account", "list", "--deleted"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    api_error(
        &az(&s, &["storage", "account", "restore", "notkept"]),
        "ResourceNotFound",
        404,
    );
}

/// `network vnet` and `network config` against a real server: create (with subnets and a
/// DNS server), list and show in table, JSON and XML, the document as the server keeps it,
/// a refused configuration (the server's own 400), delete; `config set` checks the file
/// before sending it.
#[test]
fn virtual_network_commands() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    assert!(
        az_json(&s, &["network", "vnet", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let shown = az_json(&s, &["network", "config", "show"]);
    assert_eq!(shown["document"], Value::Null);
    az(
        &s,
        &[
            "network",
            "vnet",
            "create",
            "vnet1",
            "--location",
            "West US",
            "--address-space",
            "10.1.0.0/16",
            "--subnet",
            "front=10.1.1.0/24",
            "--subnet",
            "back=10.1.2.0/24",
            "--dns-server",
            "dns1=10.1.0.4",
        ],
    )
    .ok();
    az(
        &s,
        &[
            "network",
            "vnet",
            "create",
            "vnet2",
            "--location",
            "East US",
        ],
    )
    .ok();
    let list = az_json(&s, &["network", "vnet", "list"]);
    assert_eq!(strings(&list, "name"), ["vnet1", "vnet2"]);
    assert_eq!(
        list[0]["address_spaces"],
        serde_json::json!(["10.1.0.0/16"])
    );
    assert_eq!(list[0]["subnets"][1]["address_prefix"], "10.1.2.0/24");
    assert_eq!(list[0]["dns_servers"][0]["address"], "10.1.0.4");
    assert_eq!(list[1]["subnets"][0]["name"], "Subnet-1");
    assert_eq!(list[0]["id"].as_str().unwrap().len(), 36);
    let table = az(&s, &["network", "vnet", "list"]).ok().stdout;
    assert!(
        table.contains("ADDRESS SPACE") && table.contains("10.1.0.0/16"),
        "{table}"
    );
    let xml = az(&s, &["network", "vnet", "show", "VNET1", "-o", "xml"])
        .ok()
        .stdout;
    assert!(
        xml.contains("<VirtualNetworkSites") && xml.contains("<Name>front</Name>"),
        "{xml}"
    );
    let doc = az(&s, &["network", "config", "show"]).ok().stdout;
    assert!(
        doc.contains("<VirtualNetworkSite name=\"vnet2\" Location=\"East US\">"),
        "{doc}"
    );

    // The server's rules, in its words: a subnet outside the address space.
    api_error(
        &az(
            &s,
            &[
                "network",
                "vnet",
                "create",
                "vnet3",
                "--location",
                "West US",
                "--address-space",
                "10.3.0.0/16",
                "--subnet",
                "out=10.4.0.0/24",
            ],
        ),
        "BadRequest",
        400,
    );
    let r = az(
        &s,
        &[
            "network",
            "vnet",
            "create",
            "VNET1",
            "--location",
            "West US",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("exists already"), "{}", r.stderr);

    // config set: a file checked before it is sent, then the whole document replaced.
    std::fs::write(s.path("bad.xml"), "<NetworkConfiguration><Oops>").unwrap();
    let r = az(
        &s,
        &[
            "network",
            "config",
            "set",
            s.path("bad.xml").to_str().unwrap(),
        ],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("not a network configuration"),
        "{}",
        r.stderr
    );
    std::fs::write(s.path("net.xml"), doc.replace("vnet2", "vnet9")).unwrap();
    az(
        &s,
        &[
            "network",
            "config",
            "set",
            s.path("net.xml").to_str().unwrap(),
        ],
    )
    .ok();
    let list = az_json(&s, &["network", "vnet", "list"]);
    assert_eq!(strings(&list, "name"), ["vnet1", "vnet9"]);

    az(&s, &["network", "vnet", "delete", "vnet9"]).ok();
    let list = az_json(&s, &["network", "vnet", "list"]);
    assert_eq!(strings(&list, "name"), ["vnet1"]);
    let r = az(&s, &["network", "vnet", "delete", "vnet9"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// `vm image` against a real server: the catalogue and the subscription's images in
/// table, JSON and XML, create from a VHD, show, delete; a platform image cannot be
/// deleted (the server's 400).
#[test]
fn vm_image_commands() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    let public = az_json(&s, &["vm", "image", "list", "--category", "public"]);
    let names = strings(&public, "name");
    assert!(names.len() >= 5, "{public}");
    assert!(strings(&public, "category").iter().all(|c| c == "Public"));
    assert!(
        az_json(&s, &["vm", "image", "list", "--category", "user"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let created = az_json(
        &s,
        &[
            "vm",
            "image",
            "create",
            "myimage",
            "--os",
            "windows",
            "--media-link",
            "https://elsewhere.example.com/vhds/w.vhd",
            "--description",
            "mine",
        ],
    );
    assert_eq!(created["category"], "User");
    assert_eq!(created["size_gb"], 128);
    let shown = az_json(&s, &["vm", "image", "show", "MYIMAGE"]);
    assert_eq!(shown["description"], "mine");
    let table = az(&s, &["vm", "image", "list"]).ok().stdout;
    assert!(
        table.contains("PUBLISHER") && table.contains("myimage"),
        "{table}"
    );
    let xml = az(
        &s,
        &["vm", "image", "list", "--category", "user", "-o", "xml"],
    )
    .ok()
    .stdout;
    assert!(
        xml.contains("<Images") && xml.contains("<Name>myimage</Name>"),
        "{xml}"
    );
    api_error(
        &az(&s, &["vm", "image", "delete", &names[0]]),
        "BadRequest",
        400,
    );
    az(&s, &["vm", "image", "delete", "myimage"]).ok();
    api_error(
        &az(&s, &["vm", "image", "show", "myimage"]),
        "ResourceNotFound",
        404,
    );
}

#[test]
fn reserved_ips_are_created_shown_listed_and_deleted() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    fn cmd<'a>(rest: &[&'a str]) -> Vec<&'a str> {
        [&["network", "reserved-ip"][..], rest].concat()
    }
    assert!(az_json(&s, &cmd(&["list"])).as_array().unwrap().is_empty());
    let r = az(
        &s,
        &cmd(&[
            "create",
            "webip",
            "--location",
            "West US",
            "--label",
            "front end",
        ]),
    )
    .ok();
    assert!(
        r.stderr.contains("reserved IP webip created: Succeeded"),
        "{}",
        r.stderr
    );
    let shown = az_json(&s, &cmd(&["show", "WEBIP"]));
    assert_eq!(shown["name"], "webip");
    assert_eq!(shown["label"], "front end");
    assert_eq!(shown["location"], "West US");
    assert_eq!(shown["state"], "Created");
    assert_eq!(shown["in_use"], false);
    assert!(shown["service_name"].is_null() && shown["deployment_name"].is_null());
    let address = shown["address"].as_str().unwrap();
    assert!(address.parse::<std::net::Ipv4Addr>().is_ok(), "{shown}");
    assert_eq!(shown["id"].as_str().unwrap().len(), 36);

    // --no-wait answers the request id; the operation can be waited for.
    let r = az(
        &s,
        &cmd(&["create", "second", "-l", "East US", "--no-wait"]),
    )
    .ok();
    let id = r.stdout.trim().to_string();
    assert!(is_request_id(&id), "{}", r.stdout);
    az(&s, &["operation", "wait", &id]).ok();

    let listed = az_json(&s, &cmd(&["list"]));
    assert_eq!(strings(&listed, "name"), ["second", "webip"]);
    let table = az(&s, &cmd(&["list"])).ok().stdout;
    assert!(
        table.contains("ADDRESS") && table.contains("USED BY") && table.contains(address),
        "{table}"
    );
    let xml = az(&s, &cmd(&["show", "webip", "-o", "xml"])).ok().stdout;
    assert!(
        xml.starts_with("<ReservedIP") && xml.contains(&format!("<Address>{address}</Address>")),
        "{xml}"
    );
    let xml = az(&s, &cmd(&["list", "-o", "xml"])).ok().stdout;
    assert!(xml.starts_with("<ReservedIPs"), "{xml}");

    // Errors: an invalid name (refused before any request), a name taken, unknown ones, a
    // deployment that does not exist.
    let bad = az(&s, &cmd(&["create", "bad name", "-l", "West US"]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("Name \"bad name\""), "{}", bad.stderr);
    api_error(
        &az(&s, &cmd(&["create", "WebIp", "-l", "West US"])),
        "ConflictError",
        409,
    );
    api_error(&az(&s, &cmd(&["show", "nosuch"])), "ResourceNotFound", 404);
    api_error(
        &az(&s, &cmd(&["delete", "nosuch"])),
        "ResourceNotFound",
        404,
    );
    api_error(
        &az(
            &s,
            &cmd(&[
                "associate",
                "webip",
                "--service",
                "nosvc",
                "--deployment",
                "d1",
            ]),
        ),
        "BadRequest",
        400,
    );

    let r = az(&s, &cmd(&["delete", "webip"])).ok();
    assert!(
        r.stderr.contains("reserved IP webip deleted: Succeeded"),
        "{}",
        r.stderr
    );
    assert_eq!(strings(&az_json(&s, &cmd(&["list"])), "name"), ["second"]);
}

/// `vm disk` against a real server: create an OS and a data disk, list in table, JSON and
/// XML, show, the server's refusal of a second disk on one blob, delete.
#[test]
fn vm_disk_commands() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    assert!(
        az_json(&s, &["vm", "disk", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let os = az_json(
        &s,
        &[
            "vm",
            "disk",
            "create",
            "osdisk",
            "--os",
            "linux",
            "--media-link",
            "https://x.blob.core.windows.net/vhds/os.vhd",
        ],
    );
    assert_eq!(
        (os["os"].as_str(), os["size_gb"].as_u64()),
        (Some("Linux"), Some(30))
    );
    let data = az_json(
        &s,
        &[
            "vm",
            "disk",
            "create",
            "datadisk",
            "--media-link",
            "https://x.blob.core.windows.net/vhds/data.vhd",
        ],
    );
    assert_eq!(data["os"], Value::Null);
    api_error(
        &az(
            &s,
            &[
                "vm",
                "disk",
                "create",
                "third",
                "--media-link",
                "https://x.blob.core.windows.net/vhds/os.vhd",
            ],
        ),
        "ConflictError",
        409,
    );
    let list = az_json(&s, &["vm", "disk", "list"]);
    assert_eq!(strings(&list, "name"), ["datadisk", "osdisk"]);
    let table = az(&s, &["vm", "disk", "list"]).ok().stdout;
    assert!(
        table.contains("SIZE (GB)") && table.contains("1023"),
        "{table}"
    );
    let xml = az(&s, &["vm", "disk", "show", "OSDISK", "-o", "xml"])
        .ok()
        .stdout;
    assert!(
        xml.contains("<Disk") && xml.contains("<OS>Linux</OS>"),
        "{xml}"
    );
    az(&s, &["vm", "disk", "delete", "osdisk"]).ok();
    assert_eq!(
        strings(&az_json(&s, &["vm", "disk", "list"]), "name"),
        ["datadisk"]
    );
    api_error(
        &az(&s, &["vm", "disk", "show", "osdisk"]),
        "ResourceNotFound",
        404,
    );
}

const UBUNTU: &str =
    "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB";
const WINDOWS: &str =
    "a699494373c04fc0bc8f2bb1389d6106__Windows-Server-2012-R2-201505.01-en.us-127GB.vhd";
const BLOB: &str = "https://vmstore.blob.core.windows.net/vhds/";

/// `vm show NAME [more] -o json`.
fn vm_show(s: &Sandbox, name: &str, more: &[&str]) -> Value {
    az_json(s, &[&["vm", "show", name][..], more].concat())
}

/// (status, power state) of a virtual machine as `vm show` gives them.
fn vm_state(s: &Sandbox, name: &str) -> (String, String) {
    let j = vm_show(s, name, &[]);
    (
        j["status"].as_str().unwrap().to_string(),
        j["power_state"].as_str().unwrap().to_string(),
    )
}

fn state(status: &str, power: &str) -> (String, String) {
    (status.to_string(), power.to_string())
}

/// `vm create` of a Linux virtual machine (password from a file, the OS disk in the
/// subscription's storage account by default, the cloud service created) and of a Windows
/// one (password on standard input, added to the same deployment); `vm list` and `vm show`
/// in table, JSON and XML; stop, start, restart and deallocate, each waited for, and
/// `--no-wait`. The password never shows.
#[test]
fn vm_create_list_show_and_power_operations() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    az(&s, &create_storage("vmstore", &["--location", "West US"])).ok();
    s.write("pw.txt", "Passw0rd!x\n");
    let r = az(
        &s,
        &[
            "vm",
            "create",
            "web1",
            "--service",
            "websvc",
            "--location",
            "West US",
            "--image",
            UBUNTU,
            "--password-file",
            "pw.txt",
            "--endpoint",
            "ssh:tcp:22:22",
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("cloud service websvc created")
            && r.stderr.contains(
                "virtual machine web1 created in websvc (new deployment websvc): Succeeded"
            ),
        "{}",
        r.stderr
    );
    assert!(!format!("{}{}", r.stdout, r.stderr).contains("Passw0rd"));
    let web1 = vm_show(&s, "web1", &[]);
    assert_eq!(
        (
            &web1["service"],
            &web1["deployment"],
            &web1["status"],
            &web1["power_state"],
            &web1["size"],
            &web1["os"],
            &web1["host_name"]
        ),
        (
            &Value::from("websvc"),
            &Value::from("websvc"),
            &Value::from("ReadyRole"),
            &Value::from("Started"),
            &Value::from("Small"),
            &Value::from("Linux"),
            &Value::from("web1")
        ),
        "{web1}"
    );
    assert!(
        web1["ip_address"].as_str().unwrap().starts_with("10."),
        "{web1}"
    );
    assert!(
        web1["dns_name"].as_str().unwrap().contains("websvc"),
        "{web1}"
    );
    let endpoint = &web1["endpoints"][0];
    assert_eq!(
        (
            &endpoint["name"],
            &endpoint["public_port"],
            &endpoint["local_port"]
        ),
        (&Value::from("ssh"), &Value::from(22), &Value::from(22)),
        "{web1}"
    );
    assert_eq!(endpoint["vip"], web1["vip"]);
    let media = web1["os_disk"]["media_link"].as_str().unwrap();
    assert!(
        media.starts_with("https://vmstore.blob.") && media.ends_with("/vhds/websvc-web1.vhd"),
        "{media}"
    );
    assert_eq!(web1["os_disk"]["image"], UBUNTU);

    // Windows, password on standard input, added to the deployment.
    let r = s.run_with_stdin(
        &[
            "vm",
            "create",
            "win1",
            "--service",
            "websvc",
            "--image",
            WINDOWS,
            "--size",
            "Medium",
            "--password-file",
            "-",
            "--endpoint",
            "rdp:tcp:3389:3389",
            "--media-link",
            &format!("{BLOB}win1.vhd"),
        ],
        b"Passw0rd!w\n",
    );
    let r = r.ok();
    assert!(
        r.stderr
            .contains("virtual machine win1 created in websvc (deployment websvc): Succeeded"),
        "{}",
        r.stderr
    );
    let win1 = vm_show(&s, "WIN1", &["--service", "websvc"]);
    assert_eq!(
        (&win1["os"], &win1["size"], &win1["status"]),
        (
            &Value::from("Windows"),
            &Value::from("Medium"),
            &Value::from("ReadyRole")
        ),
        "{win1}"
    );
    assert_eq!(win1["os_disk"]["media_link"], format!("{BLOB}win1.vhd"));

    let list = az_json(&s, &["vm", "list"]);
    assert_eq!(strings(&list, "name"), ["web1", "win1"]);
    assert_eq!(strings(&list, "service"), ["websvc", "websvc"]);
    assert_eq!(strings(&list, "status"), ["ReadyRole", "ReadyRole"]);
    let table = az(&s, &["vm", "list"]).ok().stdout;
    assert!(
        table.starts_with("NAME")
            && table.contains("POWER STATE")
            && table.contains("DNS NAME")
            && table.contains("win1")
            && table.contains("Medium"),
        "{table}"
    );
    let xml = az(&s, &["vm", "list", "-o", "xml"]).ok().stdout;
    assert!(
        xml.starts_with("<Deployments") && xml.contains("<RoleName>win1</RoleName>"),
        "{xml}"
    );
    let shown = az(&s, &["vm", "show", "web1"]).ok().stdout;
    assert!(
        shown.contains("Power state:")
            && shown.contains("ENDPOINT")
            && shown.contains("ssh")
            && shown.contains("websvc-web1.vhd"),
        "{shown}"
    );
    let xml = az(&s, &["vm", "show", "web1", "-o", "xml"]).ok().stdout;
    assert!(
        xml.starts_with("<PersistentVMRole") && !xml.contains("Passw0rd"),
        "{xml}"
    );
    assert!(
        az_json(&s, &["vm", "list", "--service", "websvc"])
            .as_array()
            .unwrap()
            .len()
            == 2
    );
    api_error(
        &az(&s, &["vm", "list", "--service", "nosuch"]),
        "ResourceNotFound",
        404,
    );

    // Power operations, each waited for: the state after is settled.
    let r = az(&s, &["vm", "stop", "web1"]).ok();
    assert!(
        r.stderr.contains("virtual machine web1 stopped: Succeeded"),
        "{}",
        r.stderr
    );
    assert_eq!(vm_state(&s, "web1"), state("StoppedVM", "Stopped"));
    az(&s, &["vm", "start", "web1", "--service", "websvc"]).ok();
    assert_eq!(vm_state(&s, "web1"), state("ReadyRole", "Started"));
    let r = az(&s, &["vm", "stop", "win1", "--deallocate"]).ok();
    assert!(
        r.stderr
            .contains("virtual machine win1 stopped (deallocated): Succeeded"),
        "{}",
        r.stderr
    );
    assert_eq!(vm_state(&s, "win1"), state("StoppedDeallocated", "Stopped"));
    let j = az_json(&s, &["vm", "restart", "web1"]);
    assert_eq!(j["status"], "Succeeded");
    assert_eq!(j["description"], "virtual machine web1 restarted");
    assert_eq!(vm_state(&s, "web1"), state("ReadyRole", "Started"));

    // --no-wait: the request id; the operation is waited for later.
    let r = az(&s, &["vm", "start", "win1", "--no-wait"]).ok();
    let id = r.stdout.trim().to_string();
    assert!(is_request_id(&id), "{}", r.stdout);
    az(&s, &["operation", "wait", &id]).ok();
    assert_eq!(vm_state(&s, "win1"), state("ReadyRole", "Started"));
    let j = az_json(&s, &["vm", "stop", "win1", "--no-wait"]);
    assert_eq!(j["status"], "InProgress");
    az(
        &s,
        &["operation", "wait", j["request_id"].as_str().unwrap()],
    )
    .ok();
    assert_eq!(vm_state(&s, "win1"), state("StoppedVM", "Stopped"));
}

/// `vm disk attach|detach` (a new disk, an existing one at the lowest free LUN, detached
/// kept or deleted) and `vm delete` (a role; the last one with its deployment, the cloud
/// service kept or deleted; disks kept or deleted); the same name in two cloud services
/// needs --service.
#[test]
fn vm_disks_attach_detach_and_delete() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    s.write("pw.txt", "Passw0rd!x\n");
    let create = |name: &str, svc: &str| {
        let media = format!("{BLOB}{svc}-{name}.vhd");
        az(
            &s,
            &[
                "vm",
                "create",
                name,
                "--service",
                svc,
                "-l",
                "West US",
                "--image",
                UBUNTU,
                "--password-file",
                "pw.txt",
                "--media-link",
                &media,
            ],
        )
        .ok();
    };
    create("d1", "disksvc");
    create("d2", "disksvc");
    create("d1", "othersvc");

    let r = az(
        &s,
        &[
            "vm",
            "disk",
            "attach",
            "d1",
            "--service",
            "disksvc",
            "--new-size",
            "10",
            "--media-link",
            &format!("{BLOB}data0.vhd"),
            "--caching",
            "ReadWrite",
        ],
    )
    .ok();
    assert!(
        r.stderr
            .contains("data disk attached to d1 at LUN 0: Succeeded"),
        "{}",
        r.stderr
    );
    az(
        &s,
        &[
            "vm",
            "disk",
            "create",
            "spare",
            "--media-link",
            &format!("{BLOB}spare.vhd"),
        ],
    )
    .ok();
    let r = az(
        &s,
        &[
            "vm",
            "disk",
            "attach",
            "d1",
            "--service",
            "disksvc",
            "--disk",
            "spare",
        ],
    )
    .ok();
    assert!(r.stderr.contains("at LUN 1"), "{}", r.stderr);
    let d1 = vm_show(&s, "d1", &["--service", "disksvc"]);
    let disks = d1["data_disks"].as_array().unwrap();
    assert_eq!(
        disks
            .iter()
            .map(|d| (d["lun"].as_u64().unwrap(), d["caching"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [(0, "ReadWrite"), (1, "ReadOnly")],
        "{d1}"
    );
    assert_eq!(disks[0]["size_gb"], 10);
    assert_eq!(disks[1]["name"], "spare");
    let table = az(&s, &["vm", "show", "d1", "--service", "disksvc"])
        .ok()
        .stdout;
    assert!(
        table.contains("DATA DISK") && table.contains("spare"),
        "{table}"
    );
    assert_eq!(
        az_json(&s, &["vm", "disk", "show", "spare"])["attached_to"],
        "disksvc/disksvc/d1"
    );
    let data0 = disks[0]["name"].as_str().unwrap().to_string();

    // The same name in two cloud services: --service is needed.
    let r = az(&s, &["vm", "show", "d1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("disksvc, othersvc: give --service"),
        "{}",
        r.stderr
    );

    az(
        &s,
        &[
            "vm",
            "disk",
            "detach",
            "d1",
            "--service",
            "disksvc",
            "--lun",
            "1",
        ],
    )
    .ok();
    assert_eq!(
        az_json(&s, &["vm", "disk", "show", "spare"])["attached_to"],
        Value::Null
    );
    let r = az(
        &s,
        &[
            "vm",
            "disk",
            "detach",
            "d1",
            "--service",
            "disksvc",
            "--lun",
            "0",
            "--delete-disk",
        ],
    )
    .ok();
    assert!(
        r.stderr
            .contains("data disk at LUN 0 of d1 detached and deleted: Succeeded"),
        "{}",
        r.stderr
    );
    let names = strings(&az_json(&s, &["vm", "disk", "list"]), "name");
    assert!(
        names.contains(&"spare".to_string()) && !names.contains(&data0),
        "{names:?}"
    );
    api_error(
        &az(
            &s,
            &[
                "vm",
                "disk",
                "detach",
                "d1",
                "--service",
                "disksvc",
                "--lun",
                "5",
            ],
        ),
        "ResourceNotFound",
        404,
    );
    assert!(
        vm_show(&s, "d1", &["--service", "disksvc"])["data_disks"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Not the last: the role goes, its OS disk stays (detached).
    let d2_disk = vm_show(&s, "d2", &[])["os_disk"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let r = az(&s, &["vm", "delete", "d2"]).ok();
    assert!(
        r.stderr.contains("virtual machine d2 deleted: Succeeded"),
        "{}",
        r.stderr
    );
    assert_eq!(
        az_json(&s, &["vm", "disk", "show", &d2_disk])["attached_to"],
        Value::Null
    );
    // A kept OS disk boots a new virtual machine (no provisioning: no password).
    let r = az(
        &s,
        &[
            "vm",
            "create",
            "d3",
            "--service",
            "disksvc",
            "--os-disk",
            &d2_disk,
            "--password-file",
            "pw.txt",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    az(
        &s,
        &[
            "vm",
            "create",
            "d3",
            "--service",
            "disksvc",
            "--os-disk",
            &d2_disk,
        ],
    )
    .ok();
    let d3 = vm_show(&s, "d3", &[]);
    assert_eq!(
        (&d3["os_disk"]["name"], &d3["status"], &d3["os"]),
        (
            &Value::from(d2_disk.as_str()),
            &Value::from("ReadyRole"),
            &Value::from("Linux")
        ),
        "{d3}"
    );
    az(&s, &["vm", "delete", "d3", "--delete-disks"]).ok();
    api_error(
        &az(&s, &["vm", "disk", "show", &d2_disk]),
        "ResourceNotFound",
        404,
    );
    // The last one, with its disks: the deployment goes, the cloud service stays.
    let d1_disk = vm_show(&s, "d1", &["--service", "disksvc"])["os_disk"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let r = az(
        &s,
        &[
            "vm",
            "delete",
            "d1",
            "--service",
            "disksvc",
            "--delete-disks",
        ],
    )
    .ok();
    assert!(
        r.stderr.contains(
            "virtual machine d1 deleted with its disks (and its deployment disksvc): Succeeded"
        ),
        "{}",
        r.stderr
    );
    api_error(
        &az(&s, &["vm", "disk", "show", &d1_disk]),
        "ResourceNotFound",
        404,
    );
    let svc = az_json(&s, &["service", "show", "disksvc"]);
    assert!(svc["deployments"].as_array().unwrap().is_empty(), "{svc}");
    // Now d1 is only in othersvc; deleted with its cloud service.
    let j = az_json(&s, &["vm", "delete", "d1", "--delete-service"]);
    assert_eq!(j["status"], "Succeeded");
    api_error(
        &az(&s, &["service", "show", "othersvc"]),
        "ResourceNotFound",
        404,
    );
    assert!(az_json(&s, &["vm", "list"]).as_array().unwrap().is_empty());
    az(&s, &["vm", "show", "d1"]).fails(1, "no virtual machine d1 in any cloud service");
}

/// What `vm create` refuses: an unknown image (the server's 404, nothing created), no
/// location for a new cloud service, no storage account for the default media link, bad
/// names, endpoints and sizes, a password on the command line, SSH keys for Windows, a
/// missing password file; then `--vnet`/`--subnet`, and a second VM in another network.
#[test]
fn vm_create_errors() {
    let s = Sandbox::new();
    let _served = served_and_imported(&s, &[]);
    s.write("pw.txt", "Passw0rd!x\n");
    let create = |rest: &[&str]| {
        az(
            &s,
            &[&["vm", "create", "vm1", "--service", "errsvc"][..], rest].concat(),
        )
    };
    let with = |image: &'static str, more: &[&'static str]| -> Vec<&'static str> {
        [
            &[
                "--image",
                image,
                "--password-file",
                "pw.txt",
                "-l",
                "West US",
            ][..],
            more,
        ]
        .concat()
    };
    api_error(
        &create(&with(
            "nosuchimage",
            &["--media-link", "https://x.blob.core.windows.net/v/a.vhd"],
        )),
        "ResourceNotFound",
        404,
    );
    assert!(
        az_json(&s, &["service", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    let r = create(&["--image", UBUNTU, "--password-file", "pw.txt"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("cloud service errsvc does not exist: give --location or --affinity-group"),
        "{}",
        r.stderr
    );
    let r = create(&with(UBUNTU, &[]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no storage account"), "{}", r.stderr);
    assert_eq!(
        create(&with(
            UBUNTU,
            &[
                "--size",
                "Huge",
                "--media-link",
                "https://x.blob.core.windows.net/v/a.vhd",
            ],
        ))
        .code,
        2
    );
    let r = create(&with(
        WINDOWS,
        &[
            "--ssh-key",
            "AB12",
            "--media-link",
            "https://x.blob.core.windows.net/v/a.vhd",
        ],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--ssh-key is for Linux"), "{}", r.stderr);

    for bad in [
        &["--image", UBUNTU, "--password", "Passw0rd!x"][..],
        &["--image", UBUNTU, "--endpoint", "ssh:tcp:22"],
        &["--image", UBUNTU, "--endpoint", "ssh:icmp:22:22"],
        &[],
    ] {
        let r = create(bad);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
    }
    let r = az(
        &s,
        &[
            "vm",
            "create",
            "bad name",
            "--service",
            "errsvc",
            "--image",
            UBUNTU,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("\"bad name\" is invalid"), "{}", r.stderr);
    create(&["--image", UBUNTU, "--password-file", "missing.txt"]).fails(1, "missing.txt");
    // Without a terminal and without --password-file there is no password to prompt for.
    create(&[
        "--image",
        UBUNTU,
        "-l",
        "West US",
        "--media-link",
        "https://x.blob.core.windows.net/v/a.vhd",
    ])
    .fails(1, "--password-file");
    assert!(az_json(&s, &["vm", "list"]).as_array().unwrap().is_empty());
    assert!(
        az_json(&s, &["service", "list"])
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was created"
    );

    // In a subnet of a virtual network; a second VM cannot name another network.
    az(
        &s,
        &[
            "network",
            "vnet",
            "create",
            "vnet1",
            "--location",
            "West US",
            "--address-space",
            "10.1.0.0/16",
            "--subnet",
            "front=10.1.1.0/24",
        ],
    )
    .ok();
    let net = |name: &'static str, vnet: &'static str| {
        az(
            &s,
            &[
                "vm",
                "create",
                name,
                "--service",
                "netsvc",
                "-l",
                "West US",
                "--image",
                UBUNTU,
                "--password-file",
                "pw.txt",
                "--media-link",
                if name == "n1" {
                    "https://x.blob.core.windows.net/v/n1.vhd"
                } else {
                    "https://x.blob.core.windows.net/v/n2.vhd"
                },
                "--vnet",
                vnet,
                "--subnet",
                "front",
            ],
        )
    };
    net("n1", "vnet1").ok();
    let n1 = vm_show(&s, "n1", &[]);
    assert_eq!(
        (&n1["virtual_network"], &n1["subnets"][0]),
        (&Value::from("vnet1"), &Value::from("front")),
        "{n1}"
    );
    assert!(
        n1["ip_address"].as_str().unwrap().starts_with("10.1.1."),
        "{n1}"
    );
    let r = net("n2", "othernet");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not in virtual network othernet"),
        "{}",
        r.stderr
    );
}
