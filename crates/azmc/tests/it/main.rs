//! The one integration-test binary of the `azmc` crate: runs the real binary
//! (`CARGO_BIN_EXE_azmc`) in a temporary HOME with the environment cleared, so a user's
//! store cannot leak into a test and a test cannot touch the user's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod certs;
mod client_cli;
mod compat_azurecli;
mod compat_compute;
mod compat_iaas;
mod compat_images;
mod compat_network;
mod compat_sql_web;
mod compat_storage;
mod compat_vms;
mod legacy;
mod pfx;
mod portal_browser;
mod publishsettings;
mod real_clients;
mod server;
mod server_e2e;
mod store;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A sandbox: temp HOME, AZMC_HOME and LocalMachine store inside it.
#[derive(Debug)]
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success, got {}: {}",
            self.code, self.stderr
        );
        self
    }
    pub fn fails(self, code: i32, message: &str) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stdout {} stderr {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(message),
            "stderr lacks {message:?}: {}",
            self.stderr
        );
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// `azmc admin --data-dir SANDBOX/server ARGS`.
pub fn admin(s: &Sandbox, args: &[&str]) -> Run {
    let data = s.path("server");
    let mut all = vec!["admin", "--data-dir", data.to_str().unwrap()];
    all.extend_from_slice(args);
    s.run(&all)
}

/// `azmc admin subscription create --name NAME --admin ADMIN --output json`, which succeeds.
pub fn create_subscription(s: &Sandbox, name: &str, administrator: &str) -> serde_json::Value {
    admin(
        s,
        &[
            "subscription",
            "create",
            "--name",
            name,
            "--admin",
            administrator,
            "--output",
            "json",
        ],
    )
    .ok()
    .json()
}

impl Sandbox {
    /// `azmc publishsettings create THUMBPRINT --endpoint ENDPOINT --include I... --out OUT`.
    pub fn publishsettings_create(
        &self,
        thumbprint: &str,
        endpoint: &str,
        includes: &[&str],
        out: &str,
    ) -> Run {
        let mut args = vec![
            "publishsettings",
            "create",
            thumbprint,
            "--endpoint",
            endpoint,
        ];
        for &i in includes {
            args.extend(["--include", i]);
        }
        args.extend(["--out", out]);
        self.run(&args)
    }

    /// `azmc pfx inspect PFX --password-file PASSWORD_FILE --output json`, which succeeds.
    pub fn pfx_inspect_json(&self, pfx: &str, password_file: &str) -> serde_json::Value {
        self.run_json(&["pfx", "inspect", pfx, "--password-file", password_file])
    }

    /// `azmc pfx to-pem PFX --out OUT --password-file PASSWORD_FILE`.
    pub fn pfx_to_pem(&self, pfx: &str, out: &str, password_file: &str) -> Run {
        self.run(&[
            "pfx",
            "to-pem",
            pfx,
            "--out",
            out,
            "--password-file",
            password_file,
        ])
    }

    /// `azmc certstore export THUMBPRINT --out OUT --password-file PASSWORD_FILE`.
    pub fn export_pfx(&self, thumbprint: &str, out: &str, password_file: &str) -> Run {
        self.export_pfx_with(thumbprint, out, password_file, &[])
    }

    /// [`Sandbox::export_pfx`] with more arguments after it.
    pub fn export_pfx_with(
        &self,
        thumbprint: &str,
        out: &str,
        password_file: &str,
        more: &[&str],
    ) -> Run {
        let mut args = vec![
            "certstore",
            "export",
            thumbprint,
            "--out",
            out,
            "--password-file",
            password_file,
        ];
        args.extend_from_slice(more);
        self.run(&args)
    }

    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_azmc"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("AZMC_HOME", self.path("azmc-home"))
            .env("AZMC_MACHINE_STORE", self.path("machine-store"))
            .current_dir(self.home())
            .stdin(std::process::Stdio::null());
        c
    }

    /// Runs `azmc args --output json`, which must succeed, and parses its output.
    pub fn run_json(&self, args: &[&str]) -> serde_json::Value {
        self.run(&[args, &["--output", "json"]].concat())
            .ok()
            .json()
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command().args(args).output().unwrap().into()
    }

    /// [`Sandbox::run`] with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .command()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // The command may refuse before reading it all: a broken pipe is its answer.
        let _ = stdin.write_all(input);
        drop(stdin);
        child.wait_with_output().unwrap().into()
    }

    pub fn write(&self, rel: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn mode(&self, rel: &str) -> u32 {
        std::fs::metadata(self.path(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    /// A new RSA certificate in CurrentUser/My; returns its thumbprint.
    pub fn new_cert(&self, name: &str, extra: &[&str]) -> String {
        let out = format!("{name}.cer");
        let mut args = vec!["cert", "new", "--name", name, "--out", &out];
        args.extend_from_slice(extra);
        let r = self.run(&args).ok();
        let t = r.stdout.trim().to_string();
        assert_eq!(t.len(), 40, "thumbprint expected: {}", r.stdout);
        t
    }

    /// Every file under the sandbox's stores with its bytes (to prove nothing changed).
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for root in ["azmc-home", "machine-store"] {
            walk(&self.path(root), &mut out);
        }
        out.sort();
        out
    }
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n != ".lock") {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
}

/// Run the system openssl in `dir`; panics with its stderr on failure.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is required");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fixture from `testdata/publishsettings` at the repository root.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/publishsettings")
        .join(name)
}

#[test]
fn help_lists_every_command_group_and_exit_codes() {
    let s = Sandbox::new();
    let r = s.run(&["--help"]).ok();
    for word in [
        "cert",
        "certstore",
        "pfx",
        "publishsettings",
        "Exit status: 0 success, 1 failure, 2 usage error",
    ] {
        assert!(r.stdout.contains(word), "{word}: {}", r.stdout);
    }
    for group in ["cert", "certstore", "pfx", "publishsettings"] {
        s.run(&[group, "--help"]).ok();
    }
    s.run(&[]).fails(2, "Usage");
    s.run(&["frobnicate"]).fails(2, "unrecognized subcommand");
    s.run(&["cert", "new"]).fails(2, "--name");
}

/// A PostgreSQL database of one test's own (`AZMC_TEST_POSTGRES_URL`, else the local
/// server), named `PREFIX_PID_TAG` after the sandbox's random directory so that runs do
/// not meet; dropped at the end.
#[derive(Debug)]
pub struct TempPg {
    base: String,
    /// The server URL without the database name.
    pub host_part: String,
    pub name: String,
    /// The database's URL.
    pub url: String,
}

impl TempPg {
    pub fn create(s: &Sandbox, prefix: &str) -> TempPg {
        let base = std::env::var("AZMC_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let host_part = base.rsplit_once('/').map(|(h, _)| h.to_string()).unwrap();
        // unique per run: the pid and the sandbox's random directory name
        let tag: String = s
            .home()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            tag.to_ascii_lowercase()
        );
        let pg = TempPg {
            url: format!("{host_part}/{name}"),
            base,
            host_part,
            name,
        };
        pg.psql(&format!("CREATE DATABASE {}", pg.name));
        pg
    }

    fn psql(&self, sql: &str) {
        let o = Command::new("psql")
            .args([self.base.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql])
            .output()
            .expect("psql is required");
        assert!(
            o.status.success(),
            "PostgreSQL is required at {}: {}",
            self.base,
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

impl Drop for TempPg {
    fn drop(&mut self) {
        self.psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
