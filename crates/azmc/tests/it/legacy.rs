//! What the tests with the real legacy clients share: where the clients are installed,
//! how a client script is run against a served API, and what counts as a client's success.

use super::Sandbox;
use super::server::Served;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The installed legacy clients (`AZMC_TEST_DEPS`, else `.test-deps/`): the Python SDK's
/// virtualenv and the Node packages `node_modules` name; a missing one is a failure.
pub fn deps(node_modules: &[&str]) -> PathBuf {
    let dir = std::env::var_os("AZMC_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.test-deps")));
    assert!(
        dir.join("venv/bin/python").exists()
            && node_modules
                .iter()
                .all(|m| dir.join("node/node_modules").join(m).exists()),
        "the real legacy clients are not installed in {}: run scripts/test-deps.sh",
        dir.display()
    );
    dir
}

/// A client run succeeded and its output ends with `ok`.
pub fn check(out: Output, who: &str) {
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim().ends_with("ok"),
        "{who}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `python -c` with `args` (the script first) in the sandbox, trusting the served CA.
pub fn python_output(deps: &Path, s: &Sandbox, served: &Served, args: &[&str]) -> Output {
    Command::new(deps.join("venv/bin/python"))
        .arg("-c")
        .args(args)
        .env("REQUESTS_CA_BUNDLE", served.data.join("ca.pem"))
        .current_dir(s.home())
        .output()
        .unwrap()
}

/// Runs `node -e` with `args` (the script first) in the sandbox, with the installed Node
/// packages and the served CA.
pub fn node_output(deps: &Path, s: &Sandbox, served: &Served, args: &[&str]) -> Output {
    Command::new("node")
        .arg("-e")
        .args(args)
        .env("NODE_PATH", deps.join("node/node_modules"))
        .env("NODE_EXTRA_CA_CERTS", served.data.join("ca.pem"))
        .env("NODE_NO_WARNINGS", "1")
        .current_dir(s.home())
        .output()
        .unwrap()
}
