//! Benchmark (not a test): the management API's throughput with an RSA-2048 client
//! certificate (the bootstrap one), against an in-process server on SQLite in a temp dir
//! with throttling out of the way. Run with `cargo bench -p azmc-server --bench api`.
//!
//! * keep-alive: authenticated `GET /{s}` requests/s over one connection, and over 4
//!   concurrent connections;
//! * handshakes: a new connection (full mTLS handshake, no session resumption) plus one
//!   `GET /{s}` each, sequential and 4 concurrent, in TLS 1.3 (what rustls prefers) and
//!   TLS 1.2 (older client stacks).
//!
//! Client and server share the process and its cores, so the figures are a floor. Figures
//! only; nothing here fails on speed (the performance issue sets targets).
//! Environment: `AZMC_BENCH_SECONDS` (default 3) per measurement.
//!
//! With `AZMC_BENCH_LINKS=N` it runs the scale benchmark instead ([`scale`]): start-up,
//! memory and management certificate add/delete latency with N links in the database
//! (`AZMC_BENCH_CYCLES` add/delete cycles, default 1,000).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../tests/it/client.rs"]
mod client;
mod scale;

use azmc_server::{ServerConfig, StartOptions, ThrottleConfig};
use client::{Client, Req};
use std::time::{Duration, Instant};

/// One measurement: how many requests, in how long.
struct Figure {
    name: &'static str,
    requests: u64,
    elapsed: Duration,
    concurrency: u64,
}

impl Figure {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Mean time per request as one connection sees it.
    fn mean_latency_ms(&self) -> f64 {
        self.elapsed.as_secs_f64() * 1000.0 * self.concurrency as f64 / self.requests as f64
    }
}

/// Requests over one keep-alive connection until `until`.
async fn keep_alive(client: Client, path: String, until: Instant) -> u64 {
    let mut conn = client.connect().await.unwrap();
    let mut n = 0;
    while Instant::now() < until {
        let r = conn.send(Req::get(&path)).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        n += 1;
    }
    n
}

/// A new connection per request until `until`.
async fn handshakes(client: Client, path: String, until: Instant) -> u64 {
    let mut n = 0;
    while Instant::now() < until {
        let r = client.send(Req::get(&path)).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        n += 1;
    }
    n
}

async fn measure<F, Fut>(
    name: &'static str,
    concurrency: u64,
    seconds: Duration,
    client: &Client,
    path: &str,
    task: F,
) -> Figure
where
    F: Fn(Client, String, Instant) -> Fut,
    Fut: std::future::Future<Output = u64> + Send + 'static,
{
    // Warm-up: a few requests so the first measurement is not the slowest.
    let _ = task(
        client.clone(),
        path.to_string(),
        Instant::now() + Duration::from_millis(200),
    )
    .await;
    let start = Instant::now();
    let until = start + seconds;
    let handles: Vec<_> = (0..concurrency)
        .map(|_| tokio::spawn(task(client.clone(), path.to_string(), until)))
        .collect();
    let mut requests = 0;
    for h in handles {
        requests += h.await.unwrap();
    }
    Figure {
        name,
        requests,
        elapsed: start.elapsed(),
        concurrency,
    }
}

/// An in-process server's configuration: ports picked by the system, throttling out of
/// the way.
fn config(data: std::path::PathBuf) -> ServerConfig {
    let mut config = ServerConfig::new(data);
    config.api_listen = "127.0.0.1:0".parse().unwrap();
    config.portal_listen = "127.0.0.1:0".parse().unwrap();
    config.throttle = ThrottleConfig {
        read_per_second: 1_000_000,
        read_burst: 1_000_000,
        write_per_second: 1_000_000,
        write_burst: 1_000_000,
    };
    config
}

fn env<T: std::str::FromStr>(k: &str) -> Option<T> {
    std::env::var(k).ok().and_then(|s| s.parse().ok())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What the first start wrote to `data`: the first subscription's id, its management
/// certificate with the key, and the CA (PEM) the server's certificate chains to.
fn bootstrap_identity(
    data: &std::path::Path,
) -> (
    String,
    azmc_wire::publishsettings::OpenedCertificate,
    Vec<u8>,
) {
    let ps = std::fs::read(data.join("bootstrap.publishsettings")).unwrap();
    let ps = azmc_wire::publishsettings::parse(&ps).unwrap();
    let entry = ps.subscriptions().unwrap().remove(0);
    let opened = entry.open_certificate(false).unwrap();
    let ca = std::fs::read(data.join("ca.pem")).unwrap();
    (entry.id.clone(), opened, ca)
}

fn main() {
    if let Some(data) = std::env::var_os("AZMC_BENCH_SCALE_SERVE") {
        return scale::serve(data.into());
    }
    if let Some(links) = env("AZMC_BENCH_LINKS") {
        return scale::run(links, env("AZMC_BENCH_CYCLES").unwrap_or(1000));
    }
    let seconds = Duration::from_secs_f64(
        std::env::var("AZMC_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    );
    runtime().block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let server = azmc_server::start(
            config(data.clone()),
            azmc_pki::clock::system(),
            StartOptions {
                admin_password: Some("correct horse battery staple".into()),
                ..StartOptions::default()
            },
        )
        .await
        .unwrap();
        let (sub, opened, ca) = bootstrap_identity(&data);
        assert_eq!(
            opened.certificate.key_algorithm(),
            azmc_pki::KeyAlgorithm::Rsa { bits: 2048 }
        );
        let client = Client::new(
            server.api_addr,
            &ca,
            Some((opened.certificate.der(), opened.key.pkcs8_der())),
        );
        let tls12 = Client::tls12(
            server.api_addr,
            &ca,
            Some((opened.certificate.der(), opened.key.pkcs8_der())),
        );
        let path = format!("/{sub}");

        let runs: [(&'static str, u64, &Client, bool); 6] = [
            ("keep-alive GET, 1 connection", 1, &client, true),
            ("keep-alive GET, 4 connections", 4, &client, true),
            ("handshake + GET, sequential", 1, &client, false),
            ("handshake + GET, 4 concurrent", 4, &client, false),
            ("TLS 1.2 handshake + GET, seq.", 1, &tls12, false),
            ("TLS 1.2 handshake + GET, 4 conc.", 4, &tls12, false),
        ];
        let mut figures = Vec::new();
        for (name, concurrency, c, reuse) in runs {
            figures.push(if reuse {
                measure(name, concurrency, seconds, c, &path, keep_alive).await
            } else {
                measure(name, concurrency, seconds, c, &path, handshakes).await
            });
        }
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!();
        println!(
            "azmc-server API benchmark: RSA-2048 client certificate, SQLite, client and server \
             in one process on {cores} cores, {:.1} s each",
            seconds.as_secs_f64()
        );
        println!(
            "{:<34} {:>10} {:>12} {:>14}",
            "measurement", "requests", "per second", "mean latency"
        );
        for f in &figures {
            println!(
                "{:<34} {:>10} {:>12.0} {:>11.2} ms",
                f.name,
                f.requests,
                f.per_second(),
                f.mean_latency_ms()
            );
        }
        let m = &server.state.metrics;
        println!(
            "server: {} TLS handshakes, {} handshake failures",
            m.handshakes.load(std::sync::atomic::Ordering::Relaxed),
            m.handshake_failures
                .load(std::sync::atomic::Ordering::Relaxed)
        );
        server.shutdown().await;
    });
}
