//! The classic xplat CLI, npm `azure-cli` 0.10.20 in ASM mode, drives a running `azmc serve`:
//! it imports the server's own `bootstrap.publishsettings`, then manages storage accounts,
//! cloud services, affinity groups, SQL servers, web sites and reserved IPs and lists
//! locations, with
//! real TLS (`NODE_EXTRA_CA_CERTS` = the server's CA) and its configuration in the sandbox.
//! Installed by `scripts/test-deps.sh` into `.test-deps/azcli`; a missing CLI is a failure.
//!
//! Time: the CLI's long-running operations (`storage account create`) sleep 30 s before
//! their first status poll and 30 s between polls (a generated default the CLI does not
//! change). The server keeps operations InProgress for 15 s only, so each create waits for
//! exactly one poll; both creates run at once, and every other scenario runs in a third
//! thread during that wait. Each thread has its own copy of the CLI's configuration
//! directory, because commands such as `site *` rewrite `azureProfile.json`. Reserved IPs
//! have a server of their own (its job runner runs jobs one at a time: their jobs would
//! hold up the storage accounts'): `network reserved-ip create` (plain, and associated at
//! creation with `--service-name`/`--deployment-name`), `delete`, `associate` and
//! `disassociate` poll alike and run at once, each taking one poll; the cloud services,
//! deployments and reserved IPs they act on are made beforehand with curl.
//!
//! `site show` reads the site, its configuration (`…/sites/{name}/config`, JSON) and its
//! instance ids, in JSON and as a table; `site appsetting` and `site connectionstring`
//! change the configuration.
//!
//! Not covered: `account list --json` and `account show`, which need every endpoint of the environment
//! defined (SQL, gallery, graph, key vault, data lake…) though none is called; the table
//! `account list` is checked instead.

use super::Sandbox;
use super::server::{Served, bootstrap_pem, curl};
use azmc_server::config::DEFAULT_LOCATIONS;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn azure_bin() -> PathBuf {
    let dir = std::env::var_os("AZMC_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.test-deps")));
    let bin = dir.join("azcli/node_modules/.bin/azure");
    assert!(
        bin.exists(),
        "azure-cli 0.10.20 is not installed in {}: run scripts/test-deps.sh (./scripts/test does)",
        dir.display()
    );
    bin
}

/// Text without the ANSI colour sequences the CLI writes even to a pipe.
fn plain(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ parameters final-letter
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The CLI with a controlled environment: nothing inherited but PATH (for `node`).
pub(super) struct Cli {
    bin: PathBuf,
    home: PathBuf,
    ca: PathBuf,
}

pub(super) struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Cli {
    pub(super) fn raw(&self, cfg: &Path, args: &[&str]) -> Out {
        let work = cfg.with_extension("work");
        std::fs::create_dir_all(&work).unwrap();
        let o = Command::new(&self.bin)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("AZURE_CONFIG_DIR", cfg)
            .env("NODE_EXTRA_CA_CERTS", &self.ca)
            .env("NODE_NO_WARNINGS", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .current_dir(&work)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Out {
            ok: o.status.success(),
            stdout: plain(&o.stdout),
            stderr: plain(&o.stderr),
        }
    }

    /// Runs a command that must succeed without any `error:` line; returns its stdout.
    pub(super) fn ok(&self, cfg: &Path, args: &[&str]) -> String {
        let o = self.raw(cfg, args);
        assert!(
            o.ok && !o.stdout.contains("error:") && !o.stderr.contains("error:"),
            "azure {args:?} failed:\n{}{}",
            o.stdout,
            o.stderr
        );
        o.stdout
    }

    /// A `--json` command: its stdout parsed.
    pub(super) fn json(&self, cfg: &Path, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(cfg, &all);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("azure {args:?}: not JSON ({e}): {out}"))
    }

    /// A command that must fail with `message` on stderr.
    pub(super) fn fails(&self, cfg: &Path, args: &[&str], message: &str) {
        let o = self.raw(cfg, args);
        assert!(
            !o.ok && o.stderr.contains(message),
            "azure {args:?} should fail with {message:?}:\n{}{}",
            o.stdout,
            o.stderr
        );
    }
}

pub(super) fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|x| {
            x[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key} in {x}"))
                .to_string()
        })
        .collect()
}

pub(super) fn find<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == name)
        .unwrap_or_else(|| panic!("{name} not in {list}"))
}

/// Copies the CLI configuration directory (after the import) for one thread.
pub(super) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The CLI in ASM mode with an environment for `served`'s endpoint and its bootstrap
/// publish settings imported; (the CLI, its configuration directory).
pub(super) fn imported(s: &Sandbox, served: &Served) -> (Cli, PathBuf) {
    let url = served.api_url.clone();
    let cli = Cli {
        bin: azure_bin(),
        home: s.home().to_path_buf(),
        ca: served.data.join("ca.pem"),
    };
    let cfg = s.path("azure-config");
    std::fs::create_dir_all(&cfg).unwrap();
    // no 30 s telemetry prompt
    std::fs::write(cfg.join("telemetry.json"), r#"{"telemetry": false}"#).unwrap();
    cli.ok(&cfg, &["config", "mode", "asm"]);
    let resource = format!("{url}/");
    cli.ok(
        &cfg,
        &[
            "account",
            "env",
            "add",
            "LocalASM",
            "--management-endpoint-url",
            &url,
            "--active-directory-resource-id",
            &resource,
            "--active-directory-endpoint-url",
            &url,
            "--portal-url",
            &url,
            "--publishing-profile-url",
            &resource,
        ],
    );
    let ps = served.data.join("bootstrap.publishsettings");
    cli.ok(&cfg, &["account", "import", ps.to_str().unwrap()]);
    (cli, cfg)
}

#[test]
fn classic_xplat_cli_drives_the_server() {
    let started = Instant::now();
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "15000")], &[]);
    let sub = served.subscription();
    let url = served.api_url.clone();
    let (cli, cfg) = imported(&s, &served);
    let profile: Value =
        serde_json::from_slice(&std::fs::read(cfg.join("azureProfile.json")).unwrap()).unwrap();
    let p = &profile["subscriptions"][0];
    assert_eq!(p["id"], sub.as_str(), "{profile}");
    assert_eq!(p["name"], "Default");
    assert_eq!(p["environmentName"], "LocalASM");
    assert_eq!(p["managementEndpointUrl"], url.as_str());
    assert!(
        p["managementCertificate"]["key"]
            .as_str()
            .unwrap()
            .contains("PRIVATE KEY")
    );
    // human output: the subscription table
    let table = cli.ok(&cfg, &["account", "list"]);
    let row = table
        .lines()
        .find(|l| l.contains(&sub))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.starts_with("data:") && row.contains("Default") && row.contains("true"),
        "{table}"
    );

    // Affinity groups (synchronous).
    assert_eq!(
        cli.json(&cfg, &["account", "affinity-group", "list"]),
        Value::Array(vec![])
    );
    cli.ok(
        &cfg,
        &[
            "account",
            "affinity-group",
            "create",
            "azgroup",
            "--location",
            "West Europe",
            "--label",
            "az group",
            "--description",
            "group for the CLI",
        ],
    );
    let groups = cli.json(&cfg, &["account", "affinity-group", "list"]);
    assert_eq!(names(&groups, "name"), ["azgroup"]);
    assert_eq!(groups[0]["label"], "az group");
    assert_eq!(groups[0]["description"], "group for the CLI");
    assert_eq!(groups[0]["location"], "West Europe");
    cli.fails(
        &cfg,
        &[
            "account",
            "affinity-group",
            "create",
            "AZGROUP",
            "--label",
            "again",
            "--location",
            "West US",
        ],
        "already exists",
    );

    // Four lanes, each with its own copy of the configuration: two storage account creates
    // (each waits 30 s for the CLI's first poll) and everything else meanwhile.
    let (cfg1, cfg2, cfg3, cfg4) = (
        s.path("azure-config-1"),
        s.path("azure-config-2"),
        s.path("azure-config-3"),
        s.path("azure-config-4"),
    );
    for c in [&cfg1, &cfg2, &cfg3, &cfg4] {
        copy_dir(&cfg, c);
    }
    let parallel = Instant::now();
    let (create1, create2) = std::thread::scope(|scope| {
        let t1 = scope.spawn(|| {
            timed(|| {
                cli.ok(
                    &cfg1,
                    &[
                        "storage",
                        "account",
                        "create",
                        "azstore1",
                        "--location",
                        "West US",
                        "--type",
                        "LRS",
                        "--label",
                        "az store",
                        "--description",
                        "store for the CLI",
                        "--json",
                    ],
                )
            })
        });
        let t2 = scope.spawn(|| {
            // human output of an asynchronous command
            timed(|| {
                cli.ok(
                    &cfg2,
                    &[
                        "storage",
                        "account",
                        "create",
                        "azstore2",
                        "--affinity-group",
                        "azgroup",
                        "--type",
                        "GRS",
                    ],
                )
            })
        });
        let t3 = scope.spawn(|| creating_then_services(&cli, &cfg3));
        locations_sql_sites(&cli, &cfg4);
        t3.join().unwrap();
        (t1.join().unwrap(), t2.join().unwrap())
    });
    let parallel = parallel.elapsed();
    // with --json the create prints nothing (and exits 0)
    assert_eq!(create1.1.trim(), "", "{}", create1.1);
    assert!(
        create2.1.contains("storage account create command OK"),
        "{}",
        create2.1
    );

    // Storage accounts, now Created.
    let list = cli.json(&cfg, &["storage", "account", "list"]);
    let mut got = names(&list, "name");
    got.sort();
    assert_eq!(got, ["azstore1", "azstore2"], "{list}");
    let a1 = &find(&list, "name", "azstore1")["properties"];
    assert_eq!(a1["status"], "Created", "{list}");
    assert_eq!(a1["label"], "az store");
    assert_eq!(a1["description"], "store for the CLI");
    assert_eq!(a1["location"], "West US");
    assert_eq!(a1["accountType"], "Standard_LRS");
    assert_eq!(a1["endpoints"][0], "https://azstore1.blob.azmc.localhost/");
    let post = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| keys_and_delete(&cli, &cfg1));
        let shown = cli.json(&cfg, &["storage", "account", "show", "azstore2"]);
        assert_eq!(shown["name"], "azstore2");
        let p2 = &shown["properties"];
        assert_eq!(p2["status"], "Created", "{shown}");
        assert_eq!(p2["affinityGroup"], "azgroup", "{shown}");
        assert_eq!(p2["accountType"], "Standard_GRS", "{shown}");
        assert_eq!(p2["label"], "azstore2", "the CLI's default label: {shown}");
        let group = cli.json(&cfg, &["account", "affinity-group", "show", "azgroup"]);
        // the group lists what is in it
        assert_eq!(
            names(&group["storageServices"], "serviceName"),
            ["azstore2"],
            "{group}"
        );
        assert_eq!(
            names(&group["hostedServices"], "serviceName"),
            ["azsvc2"],
            "{group}"
        );
        assert_eq!(group["label"], "az group");
        cli.ok(
            &cfg,
            &["storage", "account", "delete", "azstore2", "--quiet"],
        );
        cli.ok(&cfg, &["service", "delete", "azsvc2", "--quiet"]);
    });
    let post = post.elapsed();
    // Both deleted (synchronously): gone.
    assert_eq!(
        cli.json(&cfg, &["storage", "account", "list"]),
        Value::Array(vec![])
    );
    // The affinity group is empty again and can go.
    cli.ok(
        &cfg,
        &["account", "affinity-group", "delete", "azgroup", "--quiet"],
    );
    assert_eq!(
        cli.json(&cfg, &["account", "affinity-group", "list"]),
        Value::Array(vec![])
    );

    served.stop();
    eprintln!(
        "azure-cli: storage account create took {:?} and {:?}; the parallel part {:?}, the storage part after it {:?}; the whole test {:?}",
        create1.0,
        create2.0,
        parallel,
        post,
        started.elapsed()
    );
    assert!(
        create1.0 >= Duration::from_secs(29),
        "the CLI waited for its poll of the asynchronous operation: {:?}",
        create1.0
    );
}

/// The accounts appear as Creating while the CLI waits; then cloud services.
fn creating_then_services(cli: &Cli, cfg: &Path) {
    // The creates are asynchronous: the accounts appear as Creating first.
    let deadline = Instant::now() + Duration::from_secs(25);
    let mut seen = std::collections::BTreeMap::new();
    while seen.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the accounts never appeared: {seen:?}"
        );
        let list = cli.json(cfg, &["storage", "account", "list"]);
        for a in list.as_array().unwrap() {
            let name = a["name"].as_str().unwrap().to_string();
            seen.entry(name)
                .or_insert_with(|| a["properties"]["status"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        seen.values().collect::<Vec<_>>(),
        ["Creating", "Creating"],
        "first seen while the CLI waits: {seen:?}"
    );

    // Cloud services.
    assert_eq!(cli.json(cfg, &["service", "list"]), Value::Array(vec![]));
    let created = cli.json(
        cfg,
        &[
            "service",
            "create",
            "azsvc1",
            "--location",
            "East US",
            "--label",
            "az svc",
            "--description",
            "service for the CLI",
        ],
    );
    assert_eq!(created["serviceName"], "azsvc1");
    let created = cli.json(
        cfg,
        &["service", "create", "azsvc2", "--affinitygroup", "azgroup"],
    );
    assert_eq!(created["serviceName"], "azsvc2");
    cli.fails(
        cfg,
        &["service", "create", "azsvc1", "--location", "East US"],
        "already",
    );
    let list = cli.json(cfg, &["service", "list"]);
    assert_eq!(names(&list, "serviceName"), ["azsvc1", "azsvc2"], "{list}");
    let p1 = &list[0]["properties"];
    assert_eq!(p1["location"], "East US", "{list}");
    assert_eq!(p1["label"], "az svc");
    assert_eq!(p1["description"], "service for the CLI");
    assert_eq!(p1["status"], "Created");
    let p2 = &list[1]["properties"];
    assert_eq!(p2["affinityGroup"], "azgroup", "{list}");
    assert_eq!(p2["label"], "azsvc2", "the CLI's default label");
    let table = cli.ok(cfg, &["service", "list"]);
    let row = table
        .lines()
        .find(|l| l.contains("azsvc2"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("azgroup"), "{table}");
    assert!(table.contains("Affinity Group"), "{table}");
    let shown = cli.json(cfg, &["service", "show", "azsvc1"]);
    assert_eq!(shown["serviceName"], "azsvc1");
    assert_eq!(shown["deployments"], Value::Array(vec![]), "{shown}");
    assert_eq!(shown["properties"]["location"], "East US");
    assert!(
        shown["uri"]
            .as_str()
            .unwrap()
            .ends_with("/services/hostedservices/azsvc1"),
        "{shown}"
    );
    cli.ok(cfg, &["service", "delete", "azsvc1", "--quiet"]);
    assert_eq!(
        names(&cli.json(cfg, &["service", "list"]), "serviceName"),
        ["azsvc2"]
    );
    cli.fails(
        cfg,
        &["service", "show", "azsvc1"],
        "The hosted service does not exist.",
    );
}

/// `azure storage account keys renew azstore1 {which}` (`--primary` or `--secondary`).
fn renew_key(cli: &Cli, cfg: &Path, which: &str) -> serde_json::Value {
    let renew = ["storage", "account", "keys", "renew", "azstore1", which];
    cli.json(cfg, &renew)
}

/// How long `f` takes, and what it returns.
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed(), out)
}

/// Locations, SQL servers and web sites, while the storage account creates wait.
fn locations_sql_sites(cli: &Cli, cfg: &Path) {
    // Locations, JSON and table.
    let locs = cli.json(cfg, &["vm", "location", "list"]);
    assert_eq!(names(&locs, "name"), DEFAULT_LOCATIONS);
    assert_eq!(locs[0]["displayName"], "West US");
    assert!(
        locs[0]["availableServices"]
            .as_array()
            .unwrap()
            .contains(&"Compute".into()),
        "{locs}"
    );
    let table = cli.ok(cfg, &["vm", "location", "list"]);
    let rows: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .collect();
    assert_eq!(rows[0], "Name", "{table}");
    assert!(rows[1].starts_with("---"), "{table}");
    assert_eq!(rows[2..], *DEFAULT_LOCATIONS, "{table}");

    // SQL servers (the server name is generated).
    assert_eq!(
        cli.json(cfg, &["sql", "server", "list"]),
        Value::Array(vec![])
    );
    let created = cli.json(
        cfg,
        &[
            "sql",
            "server",
            "create",
            "--administratorLogin",
            "azadmin",
            "--administratorPassword",
            "Str0ng!Passw0rd",
            "--location",
            "West US",
        ],
    );
    let sql = created["name"].as_str().unwrap().to_string();
    let list = cli.json(cfg, &["sql", "server", "list"]);
    assert_eq!(names(&list, "name"), [sql.as_str()], "{list}");
    assert_eq!(list[0]["administratorUserName"], "azadmin");
    assert_eq!(list[0]["location"], "West US");
    assert_eq!(
        list[0]["fullyQualifiedDomainName"],
        format!("{sql}.database.azmc.localhost").as_str()
    );
    let table = cli.ok(cfg, &["sql", "server", "list"]);
    assert!(
        table
            .lines()
            .any(|l| l.contains(&sql) && l.contains("West US")),
        "{table}"
    );
    let shown = cli.json(cfg, &["sql", "server", "show", &sql]);
    assert_eq!(shown["name"], sql.as_str());
    assert_eq!(shown["state"], "Ready", "{shown}");
    cli.ok(
        cfg,
        &[
            "sql",
            "firewallrule",
            "create",
            &sql,
            "office",
            "10.0.0.1",
            "10.0.0.254",
        ],
    );
    let rules = cli.json(cfg, &["sql", "firewallrule", "list", &sql]);
    let rule = find(&rules, "name", "office");
    assert_eq!(rule["startIPAddress"], "10.0.0.1", "{rules}");
    assert_eq!(rule["endIPAddress"], "10.0.0.254", "{rules}");
    cli.ok(cfg, &["sql", "server", "delete", &sql, "--quiet"]);
    assert_eq!(
        cli.json(cfg, &["sql", "server", "list"]),
        Value::Array(vec![])
    );

    // Web sites: `site *` registers the website provider first.
    assert_eq!(cli.json(cfg, &["site", "list"]), Value::Array(vec![]));
    let out = cli.ok(cfg, &["site", "create", "azsite1", "--location", "West US"]);
    assert!(
        out.contains("Created website at [ 'azsite1.azurewebsites.azmc.localhost' ]"),
        "{out}"
    );
    let list = cli.json(cfg, &["site", "list"]);
    assert_eq!(names(&list, "name"), ["azsite1"], "{list}");
    assert_eq!(list[0]["state"], "Running");
    assert_eq!(list[0]["webSpace"], "westuswebspace");
    assert_eq!(
        list[0]["hostNames"][0],
        "azsite1.azurewebsites.azmc.localhost"
    );
    let table = cli.ok(cfg, &["site", "list"]);
    assert!(
        table.lines().any(|l| l.contains("azsite1")
            && l.contains("Running")
            && l.contains("West US")
            && l.contains("azsite1.azurewebsites.azmc.localhost")),
        "{table}"
    );
    // `site show`: the site, its configuration and its (no) instances.
    let shown = cli.json(cfg, &["site", "show", "azsite1"]);
    assert_eq!(shown["site"]["name"], "azsite1", "{shown}");
    assert_eq!(shown["site"]["webSpace"], "westuswebspace", "{shown}");
    assert_eq!(shown["config"]["publishingUserName"], "$azsite1", "{shown}");
    assert_eq!(
        shown["config"]["managedPipelineMode"], "Integrated",
        "{shown}"
    );
    assert_eq!(shown["config"]["numberOfWorkers"], 1, "{shown}");
    assert_eq!(shown["instances"], Value::Array(vec![]), "{shown}");
    let table = cli.ok(cfg, &["site", "show", "azsite1"]);
    let rows: Vec<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for want in [
        "Web Site Name: azsite1",
        "Location: West US",
        "azsite1.azurewebsites.azmc.localhost",
        "index.html",
        ".NET Framework Version: v4.0",
        "PHP Version: 5.4",
        "Worker Count: 1",
    ] {
        assert!(rows.iter().any(|r| r == want), "{want:?} not in {table}");
    }
    // `site appsetting` and `site connectionstring` change the configuration (JSON PUTs;
    // the CLI sends a connection string's type by number: SQLAzure is 2).
    cli.ok(cfg, &["site", "appsetting", "add", "mode=cli", "azsite1"]);
    assert_eq!(
        cli.json(cfg, &["site", "appsetting", "list", "azsite1"]),
        serde_json::json!([{ "name": "mode", "value": "cli" }])
    );
    cli.ok(
        cfg,
        &[
            "site",
            "connectionstring",
            "add",
            "db",
            "Server=x;Password=y",
            "SQLAzure",
            "azsite1",
        ],
    );
    cli.ok(
        cfg,
        &["site", "appsetting", "delete", "mode", "azsite1", "--quiet"],
    );
    assert_eq!(
        cli.json(cfg, &["site", "appsetting", "list", "azsite1"]),
        serde_json::json!([])
    );
    assert_eq!(
        cli.json(cfg, &["site", "connectionstring", "list", "azsite1"]),
        serde_json::json!([{ "name": "db", "connectionString": "Server=x;Password=y", "type": 2 }])
    );
    cli.ok(cfg, &["site", "delete", "azsite1", "--quiet"]);
    assert_eq!(cli.json(cfg, &["site", "list"]), Value::Array(vec![]));
}

/// azstore1 after its creation: name check, keys list and renew, delete.
fn keys_and_delete(cli: &Cli, cfg: &Path) {
    // the name is taken now
    let check = cli.json(cfg, &["storage", "account", "check", "azstore1"]);
    assert_eq!(check["nameAvailable"], false, "{check}");

    // Keys: list, renew each, list again (table).
    let keys = cli.json(cfg, &["storage", "account", "keys", "list", "azstore1"]);
    let (k1, k2) = (
        keys["primaryKey"].as_str().unwrap().to_string(),
        keys["secondaryKey"].as_str().unwrap().to_string(),
    );
    assert!(k1.len() == 88 && k2.len() == 88 && k1 != k2, "{keys}");
    let renewed = renew_key(cli, cfg, "--primary");
    let k1b = renewed["primaryKey"].as_str().unwrap().to_string();
    assert!(k1b != k1 && k1b.len() == 88, "{renewed}");
    assert_eq!(renewed["secondaryKey"], k2.as_str());
    let renewed = renew_key(cli, cfg, "--secondary");
    let k2b = renewed["secondaryKey"].as_str().unwrap().to_string();
    assert!(k2b != k2, "{renewed}");
    assert_eq!(renewed["primaryKey"], k1b.as_str());
    let table = cli.ok(cfg, &["storage", "account", "keys", "list", "azstore1"]);
    assert!(
        table.contains(&format!("data:    Primary: {k1b}"))
            && table.contains(&format!("data:    Secondary: {k2b}")),
        "{table}"
    );

    cli.ok(
        cfg,
        &["storage", "account", "delete", "azstore1", "--quiet"],
    );
    cli.fails(
        cfg,
        &["storage", "account", "show", "azstore1"],
        "The storage account 'azstore1' was not found.",
    );
    let check = cli.json(cfg, &["storage", "account", "check", "azstore1"]);
    assert_eq!(check["nameAvailable"], true, "{check}");
}

/// `azure network vnet create|list|show|delete` (Get/Set Network Configuration and List
/// Virtual Network Sites through `azure-asm-network`): the CLI reads the configuration
/// (404 before the first: an empty one), adds its site, sets the document and polls the
/// operation (30 s before its first poll), then lists, shows and deletes it.
#[test]
fn classic_xplat_cli_manages_virtual_networks() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let (cli, cfg) = imported(&s, &served);
    assert_eq!(
        cli.json(&cfg, &["network", "vnet", "list"]),
        Value::Array(vec![])
    );
    cli.ok(
        &cfg,
        &[
            "network",
            "vnet",
            "create",
            "clivnet",
            "--location",
            "West US",
            "--address-space",
            "10.0.0.0",
            "--cidr",
            "16",
            "--subnet-name",
            "front",
            "--subnet-start-ip",
            "10.0.0.0",
            "--subnet-cidr",
            "24",
        ],
    );
    let list = cli.json(&cfg, &["network", "vnet", "list"]);
    assert_eq!(names(&list, "name"), ["clivnet"]);
    let v = find(&list, "name", "clivnet");
    assert_eq!(v["location"], "West US", "{v}");
    assert_eq!(v["state"], "Created", "{v}");
    assert_eq!(
        v["addressSpace"]["addressPrefixes"][0], "10.0.0.0/16",
        "{v}"
    );
    let shown = cli.json(&cfg, &["network", "vnet", "show", "clivnet"]);
    assert_eq!(shown["subnets"][0]["name"], "front", "{shown}");
    assert_eq!(
        shown["subnets"][0]["addressPrefix"], "10.0.0.0/24",
        "{shown}"
    );
    let table = cli.ok(&cfg, &["network", "vnet", "list"]);
    assert!(
        table.contains("clivnet") && table.contains("10.0.0.0/16"),
        "{table}"
    );
    cli.ok(&cfg, &["network", "vnet", "delete", "clivnet", "--quiet"]);
    assert_eq!(
        cli.json(&cfg, &["network", "vnet", "list"]),
        Value::Array(vec![])
    );
}

#[test]
fn classic_xplat_cli_manages_reserved_ips() {
    let started = Instant::now();
    let s = Sandbox::new();
    // Operations finish in a moment: each create and delete waits for the CLI's one poll.
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "1000")], &[]);
    let sub = served.subscription();
    let (cli, cfg) = imported(&s, &served);
    let rip = |rest: &[&str]| -> Vec<String> {
        ["network", "reserved-ip"]
            .iter()
            .chain(rest)
            .map(|a| a.to_string())
            .collect()
    };
    let run = |cfg: &Path, rest: &[&str]| {
        let args = rip(rest);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.ok(cfg, &args)
    };
    let json = |rest: &[&str]| {
        let args = rip(rest);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.json(&cfg, &args)
    };
    // The table says so when there are none.
    assert!(run(&cfg, &["list"]).contains("No reserved IP addresses found"));
    // Made beforehand with curl: cloud services with a deployment each in West US, a
    // reserved IP to delete, one to associate, one associated to disassociate.
    let pem = bootstrap_pem(&s, &served);
    let api = |method: &str, path: &str, body: &str, want: u16| {
        let (status, answer) = curl(
            &served,
            Some(&pem),
            method,
            &format!("/{sub}{path}"),
            Some(body),
        );
        assert_eq!(status, want, "{method} {path}: {answer}");
    };
    let ns = "xmlns=\"http://schemas.microsoft.com/windowsazure\"";
    let cscfg = r#"<ServiceConfiguration serviceName="app" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration"><Role name="Web"><Instances count="1" /></Role></ServiceConfiguration>"#;
    for svc in ["azripsvc1", "azripsvc2", "azripsvc3"] {
        api(
            "POST",
            "/services/hostedservices",
            &format!(
                "<CreateHostedService {ns}><ServiceName>{svc}</ServiceName><Label>YQ==</Label><Location>West US</Location></CreateHostedService>"
            ),
            201,
        );
        api(
            "POST",
            &format!("/services/hostedservices/{svc}/deploymentslots/production"),
            &format!(
                "<CreateDeployment {ns}><Name>d1</Name><PackageUrl>https://a.blob.core.windows.net/p/app.cspkg</PackageUrl><Label>ZA==</Label><Configuration>{}</Configuration></CreateDeployment>",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, cscfg)
            ),
            202,
        );
    }
    let ips = "/services/networking/reservedips";
    for (name, location) in [
        ("azip-old", "East US"),
        ("azip-pre", "West US"),
        ("azip-used", "West US"),
    ] {
        api(
            "POST",
            ips,
            &format!(
                "<ReservedIP {ns}><Name>{name}</Name><Location>{location}</Location></ReservedIP>"
            ),
            202,
        );
    }
    let association = |svc: &str| {
        format!(
            "<ReservedIPAssociation {ns}><ServiceName>{svc}</ServiceName><DeploymentName>d1</DeploymentName></ReservedIPAssociation>"
        )
    };
    api(
        "POST",
        &format!("{ips}/azip-used/operations/associate"),
        &association("azripsvc3"),
        202,
    );

    // Five lanes, each with its own configuration, each waiting for one poll.
    let lanes: Vec<PathBuf> = (2..=5)
        .map(|i| s.path(&format!("azure-config-{i}")))
        .collect();
    for c in &lanes {
        copy_dir(&cfg, c);
    }
    let (created, deleted) = std::thread::scope(|scope| {
        let create =
            scope.spawn(|| timed(|| run(&cfg, &["create", "azip", "West US", "--label", "az ip"])));
        let delete = scope.spawn(|| timed(|| run(&lanes[0], &["delete", "azip-old", "--quiet"])));
        let born = scope.spawn(|| {
            run(
                &lanes[1],
                &[
                    "create",
                    "azip-born",
                    "West US",
                    "--service-name",
                    "azripsvc1",
                    "--deployment-name",
                    "d1",
                ],
            )
        });
        let associate =
            scope.spawn(|| run(&lanes[2], &["associate", "azip-pre", "azripsvc2", "d1"]));
        let disassociate =
            scope.spawn(|| run(&lanes[3], &["disassociate", "azip-used", "azripsvc3", "d1"]));
        born.join().unwrap();
        associate.join().unwrap();
        disassociate.join().unwrap();
        (create.join().unwrap(), delete.join().unwrap())
    });
    assert!(
        created.1.contains("reserved-ip create command OK"),
        "{}",
        created.1
    );
    // Associated at creation, associated, disassociated.
    let born = json(&["show", "azip-born"]);
    assert_eq!(
        (
            born["inUse"].as_bool(),
            born["serviceName"].as_str(),
            born["deploymentName"].as_str()
        ),
        (Some(true), Some("azripsvc1"), Some("d1")),
        "{born}"
    );
    let pre = json(&["show", "azip-pre"]);
    assert_eq!(
        (pre["inUse"].as_bool(), pre["serviceName"].as_str()),
        (Some(true), Some("azripsvc2")),
        "{pre}"
    );
    let used = json(&["show", "azip-used"]);
    assert!(
        used["inUse"].is_null() && used["serviceName"].is_null(),
        "{used}"
    );
    // Out of the way (the rest of the test sees azip alone).
    for (name, svc) in [("azip-born", "azripsvc1"), ("azip-pre", "azripsvc2")] {
        api(
            "POST",
            &format!("{ips}/{name}/operations/disassociate"),
            &association(svc),
            202,
        );
    }
    for name in ["azip-born", "azip-pre", "azip-used"] {
        let (status, answer) = curl(
            &served,
            Some(&pem),
            "DELETE",
            &format!("/{sub}{ips}/{name}"),
            None,
        );
        assert_eq!(status, 202, "{answer}");
    }

    let list = json(&["list"]);
    assert_eq!(names(&list, "name"), ["azip"], "{list}");
    let ip = json(&["show", "azip"]);
    assert_eq!(ip["name"], "azip", "{ip}");
    assert_eq!(ip["label"], "az ip", "{ip}");
    assert_eq!(ip["location"], "West US", "{ip}");
    assert_eq!(ip["state"], "Created", "{ip}");
    assert!(ip["inUse"].is_null(), "unused: {ip}");
    let address = ip["address"].as_str().unwrap_or_else(|| panic!("{ip}"));
    assert!(address.parse::<std::net::Ipv4Addr>().is_ok(), "{ip}");
    assert_eq!(list[0]["address"], address);
    let table = run(&cfg, &["list"]);
    assert!(
        table.contains("Address") && table.contains(address) && table.contains("az ip"),
        "{table}"
    );
    let shown = run(&cfg, &["show", "azip"]);
    assert!(
        shown.contains(address) && shown.contains("West US"),
        "{shown}"
    );
    // Gone: the CLI's show keys on the 404; delete reports the server's error.
    assert!(
        run(&cfg, &["show", "azip-old"]).contains("not found"),
        "the deleted one"
    );
    cli.fails(
        &cfg,
        &["network", "reserved-ip", "delete", "nosuch", "--quiet"],
        "does not exist",
    );
    cli.fails(
        &cfg,
        &["network", "reserved-ip", "create", "AZIP", "West US"],
        "already exists",
    );

    served.stop();
    eprintln!(
        "azure-cli: reserved-ip create took {:?}, delete {:?}; the whole test {:?}",
        created.0,
        deleted.0,
        started.elapsed()
    );
    assert!(
        created.0 >= Duration::from_secs(29) && deleted.0 >= Duration::from_secs(29),
        "the CLI waited for its poll of the asynchronous operations: {:?}, {:?}",
        created.0,
        deleted.0
    );
}
