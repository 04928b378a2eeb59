//! The portal in real headless Chromium (Debian `chromium`, driven by `playwright-core`
//! from `.test-deps/browser`): sign in, upload a `.cer` and see it listed, download
//! publish settings for one of two subscriptions, import that file with `azmc account
//! import` and call the API with it (the chosen subscription answers, the other refuses), delete the certificate in the
//! browser and see the next API call refused, sign out. Issue #17: a download with every
//! subscription ticked and a 51-character name; a refused upload on the same form; every
//! page at 1280 and 390 pixels wide without sideways scroll, with the navigation and the
//! current page marked, its screenshot kept in `target/portal-screenshots/`. Fails
//! (never skips) when Chromium or playwright-core is missing. On failure the browser's
//! screenshot is under `target/`.

use super::Sandbox;
use super::server::{Served, curl};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

fn test_deps() -> PathBuf {
    std::env::var_os("AZMC_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.test-deps"))
}

/// Import downloaded publish settings the way a user would (`azmc account import`, the
/// server's CA trusted): the new profile, as JSON.
fn import(s: &Sandbox, served: &Served, file: &Path) -> serde_json::Value {
    let r = s
        .run(&[
            "account",
            "import",
            file.to_str().unwrap(),
            "--ca-file",
            served.data.join("ca.pem").to_str().unwrap(),
            "-o",
            "json",
        ])
        .ok();
    let profiles = r.json();
    assert_eq!(profiles.as_array().map(Vec::len), Some(1), "{profiles}");
    profiles[0].clone()
}

/// Get Subscription with the imported profile, on its own subscription or on `other`.
fn subscription_show(s: &Sandbox, other: Option<&str>) -> super::Run {
    let mut args = vec!["subscription", "show", "-o", "json"];
    if let Some(o) = other {
        args.extend_from_slice(&["--profile", "Keep", "--subscription", o]);
    }
    s.run(&args)
}

struct Driver {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    screenshot: PathBuf,
}

impl Driver {
    /// The next line the script prints (waits up to two minutes).
    fn expect(&mut self, prefix: &str) -> String {
        match self.lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) if line.starts_with(prefix) => line,
            other => self.fail(&format!(
                "expected {prefix:?} from the browser script, got {other:?}"
            )),
        }
    }

    fn reply(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
    }

    /// Check a step of the test; on failure the script takes its screenshot.
    fn check(&mut self, ok: bool, what: &str) {
        if !ok {
            let _ = writeln!(self.stdin, "FAIL");
            self.fail(what);
        }
    }

    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.wait();
        if self.screenshot.exists() {
            eprintln!(
                "portal browser test: screenshot at {}",
                self.screenshot.display()
            );
        }
        panic!("portal browser test: {what}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn portal_in_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "the browser test needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)"
    );
    let playwright = test_deps().join("browser/node_modules/playwright-core");
    assert!(
        playwright.join("package.json").exists(),
        "playwright-core is missing at {}: run scripts/test-deps.sh",
        playwright.display()
    );
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let data = served.data.to_str().unwrap().to_string();
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "--data-dir", &data];
        all.extend_from_slice(args);
        s.run(&all).ok()
    };
    let password = "browser test password";
    s.write("pw", format!("{password}\n"));
    admin(&["account", "create", "pat", "--password-file", "pw"]);
    let keep = admin(&["subscription", "create", "--name", "Keep", "--admin", "pat"])
        .stdout
        .trim()
        .to_string();
    let drop_ = admin(&["subscription", "create", "--name", "Drop", "--admin", "pat"])
        .stdout
        .trim()
        .to_string();
    // Issue #17: a name this long made the certificate's CN too long (500).
    let long_name = "A subscription name of exactly fifty-one characters";
    assert_eq!(long_name.len(), 51);
    let long = admin(&[
        "subscription",
        "create",
        "--name",
        long_name,
        "--admin",
        "pat",
    ])
    .stdout
    .trim()
    .to_string();
    // A co-administrator (for the removal's confirmation page) and a disabled
    // subscription (marked, not offered).
    s.write("pw2", "another browser password\n");
    admin(&["account", "create", "sam", "--password-file", "pw2"]);
    admin(&["subscription", "add-coadmin", &keep, "sam"]);
    let retired = admin(&[
        "subscription",
        "create",
        "--name",
        "Retired",
        "--admin",
        "pat",
    ])
    .stdout
    .trim()
    .to_string();
    admin(&["subscription", "disable", &retired]);
    let uploaded = s.new_cert("Browser upload", &[]);
    let download = s.path("downloaded.publishsettings");
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-browser-failure.png");
    let _ = std::fs::remove_file(&screenshot);
    // Every page's screenshot at both widths, for a reviewer: target/portal-screenshots.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("portal-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/portal.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .env("PLAYWRIGHT_CORE", &playwright)
        .env("PORTAL_URL", &served.portal_url)
        .env("AZMC_USER", "pat")
        .env("AZMC_PASSWORD", password)
        .env("CER_FILE", s.path("Browser upload.cer"))
        .env("CER_THUMBPRINT", &uploaded)
        .env("KEEP_SUB", &keep)
        .env("DROP_SUB", &drop_)
        .env("LONG_SUB", &long)
        .env("RETIRED_SUB", &retired)
        .env("SCREENSHOT_DIR", &shots)
        .env("DOWNLOAD_TO", &download)
        .env("SCREENSHOT", &screenshot)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node is required");
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut d = Driver {
        child,
        stdin,
        lines,
        screenshot,
    };

    let line = d.expect("DOWNLOADED ");
    d.check(
        line.ends_with("-credentials.publishsettings") && line.contains("Keep-"),
        &format!("download name: {line}"),
    );
    let profile = import(&s, &served, &download);
    d.check(
        profile["subscription_id"] == keep.as_str() && profile["trust"] == "ca-file",
        &format!("imported profile: {profile}"),
    );
    let ok = subscription_show(&s, None);
    d.check(
        ok.code == 0 && ok.json()["id"] == keep.as_str(),
        &format!("the chosen subscription: {} {}", ok.stdout, ok.stderr),
    );
    let refused = subscription_show(&s, Some(&drop_));
    d.check(
        refused.code == 1 && refused.stderr.contains("ERROR ForbiddenError"),
        &format!(
            "the other subscription: {} {}",
            refused.code, refused.stderr
        ),
    );
    let thumbprint = profile["certificate"].as_str().unwrap().to_string();
    d.reply(&thumbprint);
    d.expect("DELETED");
    let after = subscription_show(&s, None);
    d.check(
        after.code == 1 && after.stderr.contains("ERROR ForbiddenError"),
        &format!("after the delete: {} {}", after.code, after.stderr),
    );
    d.reply("ok");
    d.expect("DONE");
    let status = d.child.wait().unwrap();
    if !status.success() {
        d.fail(&format!("the browser script exited with {status}"));
    }
    for page in [
        "subscriptions",
        "subscription",
        "certificates",
        "upload",
        "publishsettings",
        "resources",
        "operations",
        "operations-filtered",
        "password",
        "trust",
        "delete",
        "coadmin-remove",
        "not-found",
        "operations-error",
        "signin",
        "trust-signed-out",
    ] {
        for width in [1280, 390] {
            let shot = shots.join(format!("{page}-{width}.png"));
            assert!(
                std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000),
                "no screenshot {}",
                shot.display()
            );
        }
    }
    // The uploaded certificate is linked to the chosen subscription only.
    let (code, body) = curl(
        &served,
        Some(&super::server::bootstrap_pem(&s, &served)),
        "GET",
        &format!("/{}", served.subscription()),
        None,
    );
    assert_eq!(code, 200, "{body}");
    served.stop();
}
