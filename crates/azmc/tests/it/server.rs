//! `azmc serve` and `azmc admin` as a user runs them: the real binary, real TLS, curl and
//! the real legacy SDKs as clients.

use super::{Run, Sandbox, TempPg, admin, create_subscription};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `azmc serve` child process.
pub struct Served {
    child: Child,
    pub lines: Vec<String>,
    pub api_url: String,
    pub portal_url: String,
    pub data: PathBuf,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Served({})", self.api_url)
    }
}

impl Served {
    /// Start the server on free ports and wait for its "API listening" line.
    pub fn start(s: &Sandbox, extra_env: &[(&str, &str)], extra_args: &[&str]) -> Served {
        Self::start_with(s, s.path("server"), extra_env, extra_args)
    }

    /// Like `start`, with another data directory (a second node).
    pub fn start_in(s: &Sandbox, data: PathBuf, extra_args: &[&str]) -> Served {
        Self::start_with(s, data, &[], extra_args)
    }

    fn start_with(
        s: &Sandbox,
        data: PathBuf,
        extra_env: &[(&str, &str)],
        extra_args: &[&str],
    ) -> Served {
        let mut cmd = s.command();
        cmd.args(["serve", "--data-dir"])
            .arg(&data)
            .args([
                "--api-listen",
                "127.0.0.1:0",
                "--portal-listen",
                "127.0.0.1:0",
                "--log",
                "warn",
            ])
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no 'API listening' line; got {lines:?}"));
            let done = line.starts_with("API listening on ");
            lines.push(line);
            if done {
                break;
            }
        }
        let api_url = lines
            .last()
            .unwrap()
            .trim_start_matches("API listening on ")
            .to_string();
        let portal_url = lines
            .iter()
            .find_map(|l| l.strip_prefix("Portal listening on "))
            .unwrap()
            .to_string();
        Served {
            child,
            lines,
            api_url,
            portal_url,
            data,
        }
    }

    pub fn subscription(&self) -> String {
        let xml = std::fs::read_to_string(self.data.join("bootstrap.publishsettings")).unwrap();
        let i = xml.find(" Id=\"").unwrap() + 5;
        xml[i..i + 36].to_string()
    }

    /// SIGKILL: no shutdown of any kind.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait: the server must exit 0.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "azmc serve exited with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "azmc serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// curl with the server's CA, optionally a client certificate PEM; returns (status, body).
pub fn curl(
    served: &Served,
    cert: Option<&std::path::Path>,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String) {
    let mut c = Command::new("curl");
    c.args([
        "-sS",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "-X",
        method,
        "--cacert",
    ])
    .arg(served.data.join("ca.pem"))
    .args(["-H", "x-ms-version: 2014-10-01"]);
    if let Some(p) = cert {
        c.arg("--cert").arg(p);
    }
    if let Some(b) = body {
        c.args(["-H", "Content-Type: application/xml", "--data-binary", b]);
    }
    c.arg(format!("{}{path}", served.api_url));
    let out = c.output().expect("curl is required");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap_or(0), body.to_string())
}

/// The bootstrap certificate and key as one PEM (via `azmc publishsettings extract`).
pub fn bootstrap_pem(s: &Sandbox, served: &Served) -> PathBuf {
    let out = s.path("bootstrap.pem");
    if !out.exists() {
        s.run(&[
            "publishsettings",
            "extract",
            served
                .data
                .join("bootstrap.publishsettings")
                .to_str()
                .unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
    }
    out
}

#[test]
fn serve_bootstraps_once_prints_its_url_and_stops_cleanly() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    assert!(
        served.api_url.starts_with("https://127.0.0.1:"),
        "{}",
        served.api_url
    );
    assert!(!served.api_url.ends_with(":0"));
    for want in [
        "Key-encryption key (keep it, apart from database backups): ",
        "CA certificate: ",
        "Administrator password (user admin): ",
        "Publish settings for subscription ",
    ] {
        assert!(
            served.lines.iter().any(|l| l.starts_with(want)),
            "{want}: {:?}",
            served.lines
        );
    }
    for (f, mode) in [
        ("admin-password", 0o600),
        ("bootstrap.publishsettings", 0o600),
        ("azmc.sqlite3", 0o600),
        ("kek", 0o600),
        ("ca.pem", 0o644),
    ] {
        assert_eq!(s.mode(&format!("server/{f}")), mode, "{f}");
    }
    assert_eq!(s.mode("server"), 0o700);
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let (code, body) = curl(&served, Some(&pem), "GET", &format!("/{sub}"), None);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(&format!("<SubscriptionID>{sub}</SubscriptionID>")),
        "{body}"
    );
    let (code, body) = curl(&served, None, "GET", &format!("/{sub}"), None);
    assert_eq!(code, 403);
    assert!(body.contains("<Code>ForbiddenError</Code>"), "{body}");
    // health and metrics on the portal listener, no client certificate
    let health = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(served.data.join("ca.pem"))
        .arg(format!("{}/healthz", served.portal_url))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&health.stdout), "ok\n");
    let ca = std::fs::read(served.data.join("ca.pem")).unwrap();
    served.stop();

    // a second start reuses everything
    let again = Served::start(&s, &[], &[]);
    assert!(
        !again
            .lines
            .iter()
            .any(|l| l.starts_with("Publish settings for")
                || l.starts_with("Administrator password")
                || l.starts_with("Key-encryption key")),
        "{:?}",
        again.lines
    );
    assert_eq!(std::fs::read(again.data.join("ca.pem")).unwrap(), ca);
    assert_eq!(again.subscription(), sub);
    let (code, _) = curl(
        &again,
        Some(&pem),
        "GET",
        &format!("/{sub}/certificates"),
        None,
    );
    assert_eq!(code, 200);
    again.stop();
}

#[test]
fn the_kek_is_rotated_from_the_command_line_and_a_start_needs_it() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    served.stop();
    let old = s.read("server/kek");

    admin(&s, &["kek", "rotate"]).ok();
    let new = s.read("server/kek");
    assert_ne!(new, old);
    assert_eq!(s.mode("server/kek"), 0o600);
    // With the key given in the environment, the new one goes to a file of its own.
    let env_kek = String::from_utf8(new.clone()).unwrap();
    let data = s.path("server");
    let run = |before: &[&str], after: &[&str]| -> Run {
        s.command()
            .env("AZMC_KEK", &env_kek)
            .args(["admin", "--data-dir", data.to_str().unwrap()])
            .args(before)
            .args(["kek", "rotate"])
            .args(after)
            .output()
            .unwrap()
            .into()
    };
    run(&[], &[]).fails(1, "--new-kek-file");
    run(&["--kek-file", "x"], &[]).fails(2, "not both");
    run(&[], &["--new-kek-file", "next-kek"]).ok();
    assert_eq!(s.mode("next-kek"), 0o600);
    assert_eq!(s.read("server/kek"), new, "the old file is left as it was");

    // The old key no longer opens the database: the start fails and says why.
    let out = s
        .command()
        .args(["serve", "--data-dir", data.to_str().unwrap()])
        .args([
            "--api-listen",
            "127.0.0.1:0",
            "--portal-listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let run: Run = out.into();
    run.fails(1, "does not open the database's secrets");
    let next = s.path("next-kek");
    let again = Served::start(&s, &[], &["--kek-file", next.to_str().unwrap()]);
    let (code, _) = curl(&again, Some(&pem), "GET", &format!("/{sub}"), None);
    assert_eq!(code, 200);
    again.stop();
}

/// `--image-catalogue`: a file that does not check stops the start in one line naming the
/// file and the cause, before anything is made; the example of `docs/` is served instead
/// of the built-in catalogue.
#[test]
fn serve_reads_its_image_catalogue_or_says_why_not() {
    let s = Sandbox::new();
    let bad = s.write(
        "bad.xml",
        "<Images><OSImage><Name>a</Name><OS>Linux</OS></OSImage><OSImage><OS>Linux</OS></OSImage></Images>",
    );
    let data = s.path("server");
    let run: Run = s
        .command()
        .args(["serve", "--data-dir", data.to_str().unwrap()])
        .args([
            "--api-listen",
            "127.0.0.1:0",
            "--portal-listen",
            "127.0.0.1:0",
        ])
        .arg("--image-catalogue")
        .arg(&bad)
        .output()
        .unwrap()
        .into();
    let run = run.fails(1, "image 2 has no Name");
    assert_eq!(
        run.stderr,
        format!(
            "azmc: error: image catalogue {}: image 2 has no Name\n",
            bad.display()
        )
    );
    assert!(!data.exists(), "nothing is made before the catalogue reads");

    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/image-catalogue.xml"
    );
    let served = Served::start(&s, &[], &["--image-catalogue", example]);
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let (code, body) = curl(
        &served,
        Some(&pem),
        "GET",
        &format!("/{sub}/services/images"),
        None,
    );
    assert_eq!(code, 200, "{body}");
    let images = azmc_wire::asm::parse_os_images(body.as_bytes()).unwrap();
    let names: Vec<_> = images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-14_04_3-LTS-amd64-server-20150805-en-us-30GB",
            "a699494373c04fc0bc8f2bb1389d6106__Windows-Server-2012-R2-201508.01-en.us-127GB.vhd",
        ]
    );
    assert_eq!(images[1].location, "West US;West Europe");
    served.stop();
}

#[test]
fn admin_password_from_the_environment_is_not_written_to_disk() {
    let s = Sandbox::new();
    let served = Served::start(
        &s,
        &[("AZMC_ADMIN_PASSWORD", "correct horse battery staple")],
        &[],
    );
    assert!(!served.data.join("admin-password").exists());
    served.stop();
    let accounts = admin(&s, &["account", "list", "--output", "json"])
        .ok()
        .json();
    assert_eq!(accounts[0]["username"], "admin");
}

#[test]
fn admin_commands_work_with_and_without_a_running_server() {
    let s = Sandbox::new();
    // no server has ever run here: a clear error, and no database is created
    admin(&s, &["account", "list"]).fails(1, "no server database here");
    assert!(!s.path("server/azmc.sqlite3").exists());
    admin(&s, &["--database-url", "mysql://x", "account", "list"]).fails(1, "sqlite");
    let typo = s.path("typo.sqlite3");
    admin(
        &s,
        &[
            "--database-url",
            &format!("sqlite://{}", typo.display()),
            "account",
            "list",
        ],
    )
    .fails(1, "typo.sqlite3");
    assert!(!typo.exists(), "a mistyped URL never creates a database");

    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    s.write("pw", "a long enough password\n");
    admin(
        &s,
        &[
            "account",
            "create",
            "alice",
            "--email",
            "alice@example.test",
            "--password-file",
            "pw",
        ],
    )
    .ok();
    admin(&s, &["account", "create", "alice", "--password-file", "pw"]).fails(1, "alice");
    s.write("short", "short\n");
    admin(
        &s,
        &["account", "create", "bob", "--password-file", "short"],
    )
    .fails(1, "at least 12 characters");
    admin(&s, &["account", "passwd", "alice", "--password-file", "pw"]).ok();
    let created = create_subscription(&s, "Dev", "alice");
    let dev = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["service_admin"], "alice");
    admin(
        &s,
        &["subscription", "create", "--name", "X", "--admin", "nobody"],
    )
    .fails(1, "nobody");
    admin(&s, &["subscription", "add-coadmin", &sub, "alice"]).ok();
    let shown = admin(&s, &["subscription", "show", &sub, "--output", "json"])
        .ok()
        .json();
    assert_eq!(shown["coadmins"][0], "alice");
    assert_eq!(shown["certificates"].as_array().unwrap().len(), 1);
    admin(&s, &["subscription", "remove-coadmin", &sub, "alice"]).ok();
    let list = admin(&s, &["subscription", "list", "--output", "json"])
        .ok()
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);

    // a certificate linked by `admin add-cert` works against the running server
    let t = s.new_cert("via admin", &["--key", "p256"]);
    s.write("pfxpw", "x\n");
    s.export_pfx(&t, "va.pfx", "pfxpw").ok();
    s.pfx_to_pem("va.pfx", "va.pem", "pfxpw").ok();
    let linked = admin(
        &s,
        &[
            "subscription",
            "add-cert",
            "--subscription",
            &dev,
            "via admin.cer",
        ],
    )
    .ok();
    assert_eq!(linked.stdout.trim(), t);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, _) = curl(
            &served,
            Some(&s.path("va.pem")),
            "GET",
            &format!("/{dev}"),
            None,
        );
        if code == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the running server never accepted the new certificate ({code})"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // disabling the subscription is picked up too
    admin(&s, &["subscription", "disable", &dev]).ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, body) = curl(
            &served,
            Some(&s.path("va.pem")),
            "GET",
            &format!("/{dev}"),
            None,
        );
        if code == 403 {
            assert!(body.contains("SubscriptionDisabled"), "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the running server never saw the disabled subscription"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    admin(&s, &["subscription", "enable", &dev]).ok();
    served.stop();
}

/// The Add Management Certificate body as the Python SDK sends it.
fn add_cert_body(s: &Sandbox, cer: &str) -> String {
    use base64::Engine;
    let der = std::fs::read(s.path(cer)).unwrap();
    format!(
        "<SubscriptionCertificate xmlns=\"http://schemas.microsoft.com/windowsazure\"><SubscriptionCertificateData>{}</SubscriptionCertificateData></SubscriptionCertificate>",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

#[test]
fn a_killed_server_loses_nothing_it_answered_and_tls12_works() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let t = s.new_cert("durable", &["--key", "p256"]);
    let (code, body) = curl(
        &served,
        Some(&pem),
        "POST",
        &format!("/{sub}/certificates"),
        Some(&add_cert_body(&s, "durable.cer")),
    );
    assert_eq!(code, 200, "{body}");
    // SIGKILL right after the answer: no shutdown, no checkpoint
    let mut served = served;
    served.child.kill().unwrap();
    served.child.wait().unwrap();
    drop(served);
    let again = Served::start(&s, &[], &[]);
    let (code, body) = curl(
        &again,
        Some(&pem),
        "GET",
        &format!("/{sub}/certificates/{t}"),
        None,
    );
    assert_eq!(code, 200, "{body}");
    // TLS 1.2 clients are served too
    let out = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--tls-max",
            "1.2",
            "--cacert",
        ])
        .arg(again.data.join("ca.pem"))
        .arg("--cert")
        .arg(&pem)
        .args(["-H", "x-ms-version: 2014-10-01"])
        .arg(format!("{}/{sub}", again.api_url))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    again.stop();
}

#[test]
fn serve_on_postgresql_bootstraps_into_the_database() {
    let s = Sandbox::new();
    let pg = TempPg::create(&s, "azmc_cli");
    let (host_part, name, url) = (pg.host_part.clone(), pg.name.clone(), pg.url.clone());
    let served = Served::start(&s, &[], &["--database-url", &url]);
    assert!(
        !served.data.join("azmc.sqlite3").exists(),
        "no SQLite file with --database-url"
    );
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let (code, _) = curl(&served, Some(&pem), "GET", &format!("/{sub}"), None);
    assert_eq!(code, 200);
    served.stop();
    // the admin commands reach the same database
    let list = s.run_json(&["admin", "--database-url", &url, "subscription", "list"]);
    assert_eq!(list[0]["id"], sub.as_str());
    // a mistyped database name is refused, nothing is created
    s.run(&[
        "admin",
        "--database-url",
        &format!("{host_part}/{name}_typo"),
        "account",
        "list",
    ])
    .fails(1, &format!("{name}_typo"));
}
