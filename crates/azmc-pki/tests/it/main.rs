//! The one integration-test binary of azmc-pki.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod certs;
mod pkcs12;

/// Runs the `openssl` binary with `args` in `dir` (and the variables `env`); it must succeed.
fn run_openssl(args: &[&str], dir: &std::path::Path, env: &[(&str, &str)]) -> std::process::Output {
    let out = std::process::Command::new("openssl")
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("the openssl binary is required for interop tests");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
