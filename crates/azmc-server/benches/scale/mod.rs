//! The scale benchmark (`AZMC_BENCH_LINKS=N`): a server whose SQLite database holds N
//! management certificate links (N/100 subscriptions of 100 certificates each, each
//! administered by an account of its own, seeded with SQL), started in a process of its
//! own so that its memory is its own. Prints the start-up time, the server's RSS, and the
//! latency of adding and deleting a management certificate over the API, with the RSS
//! again after the cycles. Figures only.

use crate::client::{Client, Req};
use azmc_pki::{KeyKind, NewCertificate, create_self_signed};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The child: serve the data directory, say where and how long the start took, stop when
/// stdin closes.
pub fn serve(data: std::path::PathBuf) {
    super::runtime().block_on(async move {
        let t = Instant::now();
        let server = azmc_server::start(
            super::config(data),
            azmc_pki::clock::system(),
            azmc_server::StartOptions::default(),
        )
        .await
        .unwrap();
        println!("ready {} {}", server.api_addr, t.elapsed().as_millis());
        tokio::task::spawn_blocking(|| {
            let mut s = String::new();
            let _ = std::io::stdin().read_line(&mut s);
        })
        .await
        .unwrap();
        server.shutdown().await;
    });
}

fn rss_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

async fn seed(url: &str, links: u64) {
    use sqlx::Connection;
    let subs = links.div_ceil(100);
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    // Rows 0..n from a recursive CTE; `$1` is n - 1.
    for (sql, n) in [
        (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO accounts (username_key, username, email, password_hash, created_at) \
             SELECT 'bench' || i, 'bench' || i, NULL, 'x', 0 FROM n",
            subs,
        ),
        (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO subscriptions (id, name, status, service_admin, max_core_count, \
             max_storage_accounts, max_hosted_services, max_virtual_network_sites, \
             max_local_network_sites, max_dns_servers, max_reserved_ips, created_at) \
             SELECT printf('%08x-0000-4000-8000-000000000000', i), 'bench', 'Active', \
             'bench' || i, 20, 100, 20, 10, 10, 9, 20, 0 FROM n",
            subs,
        ),
        (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO certificates (thumbprint, der, subject, not_before, not_after) \
             SELECT printf('%040X', i), randomblob(600), 'CN=bench', 0, 4102444800000000 FROM n",
            links,
        ),
        (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO certificate_links (subscription_id, thumbprint, created_at, created_by) \
             SELECT printf('%08x-0000-4000-8000-000000000000', i / 100), printf('%040X', i), 0, \
             'bootstrap' FROM n",
            links,
        ),
    ] {
        sqlx::query(sql)
            .bind(n as i64 - 1)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'links_revision'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    c.close().await.unwrap();
}

fn body(cert: &azmc_pki::Certificate) -> String {
    use azmc_pki::der::{Reader, TAG_BIT_STRING, TAG_SEQUENCE};
    let mut r = Reader::new(cert.spki_der());
    let mut inner = r.read_tag(TAG_SEQUENCE, "spki").unwrap().reader();
    inner.read().unwrap();
    let bits = inner.read_tag(TAG_BIT_STRING, "key").unwrap();
    format!(
        "<SubscriptionCertificate xmlns=\"http://schemas.microsoft.com/windowsazure\">\
         <SubscriptionCertificatePublicKey>{}</SubscriptionCertificatePublicKey>\
         <SubscriptionCertificateThumbprint>{}</SubscriptionCertificateThumbprint>\
         <SubscriptionCertificateData>{}</SubscriptionCertificateData>\
         </SubscriptionCertificate>",
        STANDARD.encode(&bits.content[1..]),
        cert.thumbprint(),
        STANDARD.encode(cert.der())
    )
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub fn run(links: u64, cycles: usize) {
    super::runtime().block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // First start: bootstrap (CA, admin, the first subscription), then the seed.
        let server = azmc_server::start(
            super::config(data.clone()),
            azmc_pki::clock::system(),
            azmc_server::StartOptions::default(),
        )
        .await
        .unwrap();
        let sub = server.bootstrap.subscription_id.clone().unwrap();
        server.shutdown().await;
        let url = format!("sqlite://{}", data.join("azmc.sqlite3").display());
        let t = Instant::now();
        seed(&url, links).await;
        let seeded = t.elapsed();

        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("AZMC_BENCH_SCALE_SERVE", &data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let mut words = line.split_whitespace().skip(1);
        let addr: std::net::SocketAddr = words.next().unwrap().parse().unwrap();
        let startup_ms: u64 = words.next().unwrap().parse().unwrap();
        let pid = child.id();
        let rss_start = rss_mb(pid);

        let (_, opened, ca) = super::bootstrap_identity(&data);
        let client = Client::new(
            addr,
            &ca,
            Some((opened.certificate.der(), opened.key.pkcs8_der())),
        );
        let mut conn = client.connect().await.unwrap();
        let now = azmc_pki::clock::system().now();
        let mut adds = Vec::with_capacity(cycles);
        let mut deletes = Vec::with_capacity(cycles);
        let mut rss_mid = rss_start;
        for i in 0..cycles {
            let (cert, _) = create_self_signed(&NewCertificate {
                name: &format!("scale {i}"),
                key: KeyKind::P256,
                days: 30,
                now,
            })
            .unwrap();
            let t = Instant::now();
            let r = conn
                .send(Req::post(&format!("/{sub}/certificates"), body(&cert)))
                .await
                .unwrap();
            adds.push(t.elapsed());
            assert!(r.status == 200 || r.status == 201, "{}", r.text());
            let t = Instant::now();
            let r = conn
                .send(Req::delete(&format!(
                    "/{sub}/certificates/{}",
                    cert.thumbprint()
                )))
                .await
                .unwrap();
            deletes.push(t.elapsed());
            assert_eq!(r.status, 200, "{}", r.text());
            if i + 1 == cycles / 10 {
                rss_mid = rss_mb(pid);
            }
        }
        let rss_end = rss_mb(pid);
        drop(conn);
        child.stdin.take().unwrap().write_all(b"\n").unwrap();
        child.wait().unwrap();
        adds.sort();
        deletes.sort();
        println!();
        println!(
            "azmc-server scale benchmark: SQLite, {links} links ({} subscriptions), seeded in {:.1} s",
            links.div_ceil(100),
            seeded.as_secs_f64()
        );
        println!("start-up: {startup_ms} ms; server RSS after start: {rss_start:.0} MB");
        println!(
            "add management certificate:    median {:.1} ms, p99 {:.1} ms ({cycles} cycles)",
            percentile(&adds, 0.5),
            percentile(&adds, 0.99)
        );
        println!(
            "delete management certificate: median {:.1} ms, p99 {:.1} ms",
            percentile(&deletes, 0.5),
            percentile(&deletes, 0.99)
        );
        println!(
            "server RSS: {rss_start:.0} MB at start, {rss_mid:.0} MB after {} cycles, {rss_end:.0} MB after {cycles}",
            cycles / 10
        );
    });
}
