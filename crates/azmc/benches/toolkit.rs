//! Benchmark (not a test): whole-process timings of the toolkit against the equivalent
//! `openssl` commands, reported as medians. Run with `cargo bench -p azmc`.
//! Target (issue #2): azmc no slower than openssl. Figures only; nothing here fails on time.
//!
//! Environment: AZMC_BENCH_RUNS (default 15) runs per command after one warm-up run.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_it(runs: usize, mut f: impl FnMut(usize)) -> Duration {
    f(usize::MAX); // warm-up
    median(
        (0..runs)
            .map(|i| {
                let t = Instant::now();
                f(i);
                t.elapsed()
            })
            .collect(),
    )
}

fn azmc(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_azmc"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AZMC_HOME", home.join("azmc"))
        .current_dir(home);
    c
}

fn openssl(dir: &Path) -> Command {
    let mut c = Command::new("openssl");
    c.current_dir(dir);
    c
}

fn report(what: &str, ours: Duration, theirs: Duration) {
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    println!(
        "{what:<34} azmc {:>8.1} ms   openssl {:>8.1} ms   azmc/openssl {ratio:.2}{}",
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3,
        if ratio <= 1.0 { "" } else { "  (slower)" }
    );
}

fn main() {
    let runs: usize = std::env::var("AZMC_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("pw"), "bench-password\n").expect("write pw");
    println!("median of {runs} runs (after one warm-up), whole processes");

    let ours = time_it(runs, |i| {
        run(azmc(d).args([
            "cert",
            "new",
            "--name",
            &format!("bench {i}"),
            "--force",
            "--out",
            "b.cer",
        ]));
    });
    let theirs = time_it(runs, |_| {
        run(openssl(d).args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "o.key",
            "-out",
            "o.crt",
            "-subj",
            "/CN=bench",
            "-days",
            "365",
            "-sha256",
        ]));
    });
    report("new RSA-2048 certificate", ours, theirs);

    // One certificate to export and import.
    run(azmc(d).args(["cert", "new", "--name", "export me", "--out", "e.cer"]));
    // The modern profile derives its bag keys with 600,000 PBKDF2 iterations: OpenSSL is
    // given the same count (its -iter also sets the MAC's; ours keeps 2,048 there).
    for (profile, export_flags, import_flags) in [
        ("modern", &["-iter", "600000"][..], &[][..]),
        ("legacy", &["-legacy"][..], &["-legacy"][..]),
    ] {
        let ours = time_it(runs, |_| {
            run(azmc(d).args([
                "certstore",
                "export",
                "--subject",
                "export me",
                "--out",
                "e.pfx",
                "--force",
                "--pfx-profile",
                profile,
                "--password-file",
                "pw",
            ]));
        });
        let theirs = time_it(runs, |_| {
            run(openssl(d)
                .args([
                    "pkcs12",
                    "-export",
                    "-in",
                    "o.crt",
                    "-inkey",
                    "o.key",
                    "-out",
                    "o.pfx",
                    "-passout",
                    "pass:bench-password",
                ])
                .args(export_flags));
        });
        report(&format!(".pfx export ({profile})"), ours, theirs);

        let ours = time_it(runs, |i| {
            let store = format!("bench{profile}{i}");
            run(azmc(d).args([
                "certstore",
                "import",
                "e.pfx",
                "--password-file",
                "pw",
                "--store",
                &store,
            ]));
        });
        let theirs = time_it(runs, |_| {
            run(openssl(d)
                .args([
                    "pkcs12",
                    "-in",
                    "o.pfx",
                    "-passin",
                    "pass:bench-password",
                    "-nodes",
                    "-out",
                    "o.pem",
                ])
                .args(import_flags));
        });
        report(&format!(".pfx import ({profile})"), ours, theirs);
    }
}
