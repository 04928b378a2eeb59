//! The portal in real headless Chromium (Debian `chromium`, driven by `playwright-core`
//! from `.test-deps/browser`): sign in, upload a `.cer` and see it listed, download
//! publish settings for one of two subscriptions, use that file against the API (the
//! chosen subscription answers, the other refuses), delete the certificate in the
//! browser and see the next API call refused, sign out. Fails (never skips) when Chromium
//! or playwright-core is missing. On failure the browser's screenshot is under `target/`.

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

/// Whether the management certificate in publish settings file `file` may call Get
/// Subscription on `sub`: the HTTP status. Today through `azmc publishsettings extract`
/// and curl; switch this one function to `azmc account import` + an `azmc` API call when
/// that command lands.
fn api_status_with(s: &Sandbox, served: &Served, file: &Path, sub: &str) -> u16 {
    let pem = file.with_extension("pem");
    if !pem.exists() {
        s.run(&[
            "publishsettings",
            "extract",
            file.to_str().unwrap(),
            "--out",
            pem.to_str().unwrap(),
        ])
        .ok();
    }
    curl(served, Some(&pem), "GET", &format!("/{sub}"), None).0
}

/// The SHA-1 thumbprint (upper case) of the certificate in a PEM file.
fn thumbprint_of(pem: &Path) -> String {
    let out = super::openssl(
        pem.parent().unwrap(),
        &[
            "x509",
            "-in",
            pem.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha1",
        ],
    );
    out.trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_uppercase()
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
    let uploaded = s.new_cert("Browser upload", &[]);
    let download = s.path("downloaded.publishsettings");
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-browser-failure.png");
    let _ = std::fs::remove_file(&screenshot);

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
    let ok = api_status_with(&s, &served, &download, &keep);
    d.check(ok == 200, &format!("the chosen subscription answered {ok}"));
    let refused = api_status_with(&s, &served, &download, &drop_);
    d.check(
        refused == 403,
        &format!("the other subscription answered {refused}"),
    );
    let thumbprint = thumbprint_of(&download.with_extension("pem"));
    d.reply(&thumbprint);
    d.expect("DELETED");
    let after = api_status_with(&s, &served, &download, &keep);
    d.check(
        after == 403,
        &format!("after the delete the API answered {after}"),
    );
    d.reply("ok");
    d.expect("DONE");
    let status = d.child.wait().unwrap();
    if !status.success() {
        d.fail(&format!("the browser script exited with {status}"));
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
