//! `azmc doctor`: can the selected profile manage its subscription? Each link of the chain
//! is checked in order (the profile, its certificate and key in the store, their validity,
//! proxy variables, name resolution, the TCP connection, the server's certificate, an
//! authenticated Get Subscription and the clock against the server's), and each result is
//! said in plain words with what to do. A check that depends on one that failed is
//! skipped. Exit 0 when nothing failed (warnings allowed), 1 otherwise.

use super::Ctx;
use super::client_ctx::{load_profiles, selected_profile};
use crate::output::{Format, Tabular, print_json, print_rows};
use crate::secrets::Passphrase;
use anyhow::Result;
use azmc_certstore::StoreLocation;
use azmc_client::rustls::pki_types::ServerName;
use azmc_client::rustls::{self, CertificateError};
use azmc_client::{
    Client, ClientConfig, Endpoint, Identity, Method, RawRequest, RetryPolicy, Trust,
    tls_client_config,
};
use azmc_pki::{Certificate, PrivateKey, Thumbprint};
use serde::Serialize;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How long the network checks wait.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(5);
/// A certificate that expires within this many days is a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;
/// A clock further than this from the server's is a warning.
const MAX_SKEW: time::Duration = time::Duration::minutes(5);

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skipped,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Pass => "ok",
            Status::Warn => "warning",
            Status::Fail => "FAILED",
            Status::Skipped => "skipped",
        }
    }
}

/// One check and what it found (the JSON of `azmc doctor -o json` is a list of these).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
}

impl Tabular for Check {
    const HEADER: &'static [&'static str] = &["RESULT", "CHECK", "DETAIL"];
    fn row(&self) -> Vec<String> {
        vec![
            self.status.word().to_owned(),
            self.check.to_owned(),
            self.detail.clone(),
        ]
    }
}

/// The checks made so far.
#[derive(Debug, Default)]
struct Report(Vec<Check>);

impl Report {
    fn add(&mut self, check: &'static str, status: Status, detail: impl Into<String>) {
        self.0.push(Check {
            check,
            status,
            detail: detail.into(),
        });
    }
    fn pass(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Pass, detail);
    }
    fn warn(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Warn, detail);
    }
    fn fail(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Fail, detail);
    }
    fn skip(&mut self, checks: &[&'static str], because: &str) {
        for c in checks {
            self.add(c, Status::Skipped, format!("needs {because}"));
        }
    }
}

const PROFILE: &str = "profile";
const CERTIFICATE: &str = "certificate";
const PRIVATE_KEY: &str = "private key";
const VALIDITY: &str = "validity";
const PROXY: &str = "proxy";
const RESOLVE: &str = "name resolution";
const CONNECT: &str = "connection";
const TLS: &str = "server certificate";
const REQUEST: &str = "authenticated request";
const CLOCK: &str = "clock";

pub fn run(ctx: &Ctx) -> Result<()> {
    let format = ctx.output()?.output;
    let mut report = Report::default();
    diagnose(ctx, &mut report);
    match format {
        Format::Json => print_json(&report.0)?,
        Format::Table => print_rows(&report.0),
    }
    let failed = report.0.iter().filter(|c| c.status == Status::Fail).count();
    if failed > 0 {
        anyhow::bail!(
            "{failed} check{} failed (see above)",
            if failed == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn diagnose(ctx: &Ctx, report: &mut Report) {
    let (profile, subscription) = match load_profiles(ctx).and_then(|_| selected_profile(ctx)) {
        Ok(p) => p,
        Err(e) => {
            report.fail(PROFILE, format!("{e:#}"));
            report.skip(&[CERTIFICATE, PRIVATE_KEY, VALIDITY], "a profile");
            proxy(report);
            report.skip(&[RESOLVE, CONNECT, TLS, REQUEST, CLOCK], "a profile");
            return;
        }
    };
    report.pass(
        PROFILE,
        format!(
            "{}: subscription {subscription} at {}",
            profile.name, profile.endpoint
        ),
    );
    let identity = certificate_and_key(ctx, &profile, report);
    if let Some((cert, _)) = &identity {
        validity(cert, ctx.clock.now(), report);
    } else {
        report.skip(&[VALIDITY], "the certificate");
    }
    proxy(report);
    let endpoint = match Endpoint::parse(&profile.endpoint) {
        Ok(e) => e,
        Err(e) => {
            report.fail(
                RESOLVE,
                format!(
                    "the profile's endpoint {:?} is not usable: {e}",
                    profile.endpoint
                ),
            );
            report.skip(&[CONNECT, TLS, REQUEST, CLOCK], "an endpoint");
            return;
        }
    };
    let Some(addr) = resolve(&endpoint, report) else {
        report.skip(&[CONNECT, TLS, REQUEST, CLOCK], "the endpoint's address");
        return;
    };
    let Some(tcp) = connect(&endpoint, addr, report) else {
        report.skip(&[TLS, REQUEST, CLOCK], "a connection");
        return;
    };
    let Some((cert, key)) = identity else {
        report.skip(&[TLS, REQUEST, CLOCK], "the certificate and its key");
        return;
    };
    let trust = match &profile.ca_pem {
        Some(pem) => match Trust::from_pem(&format!("profile {} CA", profile.name), pem.as_bytes())
        {
            Ok(t) => t,
            Err(e) => {
                report.fail(TLS, format!("the profile's CA file is not usable: {e}"));
                report.skip(&[REQUEST, CLOCK], "a trusted server");
                return;
            }
        },
        None => Trust::SystemRoots,
    };
    let identity = match Identity::new(cert, key) {
        Ok(i) => i,
        Err(e) => {
            report.fail(TLS, format!("the certificate cannot be used: {e}"));
            report.skip(&[REQUEST, CLOCK], "a usable certificate");
            return;
        }
    };
    if !handshake(
        &endpoint,
        tcp,
        &identity,
        &trust,
        profile.ca_pem.is_some(),
        report,
    ) {
        report.skip(&[REQUEST, CLOCK], "a trusted server");
        return;
    }
    request(ctx, endpoint, &subscription, identity, trust, report);
}

/// The profile's certificate in its store, and its private key (which must match).
fn certificate_and_key(
    ctx: &Ctx,
    profile: &crate::profiles::Profile,
    report: &mut Report,
) -> Option<(Certificate, PrivateKey)> {
    let found = (|| -> Result<(Thumbprint, StoreLocation)> {
        Ok((
            profile.certificate.parse()?,
            profile.store.parse::<StoreLocation>()?,
        ))
    })();
    let (thumbprint, location) = match found {
        Ok(x) => x,
        Err(e) => {
            report.fail(
                CERTIFICATE,
                format!("the profile names no usable certificate: {e:#}"),
            );
            report.skip(&[PRIVATE_KEY], "the certificate");
            return None;
        }
    };
    let entry = ctx
        .open_store(&location)
        .and_then(|s| Ok((s.get(&thumbprint)?, s)));
    let (entry, store) = match entry {
        Ok(x) => x,
        Err(e) => {
            report.fail(
                CERTIFICATE,
                format!(
                    "{thumbprint} is not in {location}: {e:#}. Import it again (`azmc account import FILE.publishsettings`, or `azmc certstore import FILE.pfx --store {location}`)"
                ),
            );
            report.skip(&[PRIVATE_KEY], "the certificate");
            return None;
        }
    };
    let cert = entry.certificate;
    report.pass(
        CERTIFICATE,
        format!("{thumbprint} ({}) in {location}", cert.subject()),
    );
    if !entry.has_private_key {
        report.fail(
            PRIVATE_KEY,
            format!(
                "{location} holds no private key for {thumbprint}: import the .pfx or publish settings that has it"
            ),
        );
        return None;
    }
    match store.private_key(&thumbprint, &Passphrase { file: None }) {
        Ok(key) if key.matches(&cert) => {
            report.pass(
                PRIVATE_KEY,
                format!("present and matching ({})", key.algorithm()),
            );
            Some((cert, key))
        }
        Ok(_) => {
            report.fail(
                PRIVATE_KEY,
                "the stored key does not belong to the certificate: import the certificate with its own key again",
            );
            None
        }
        Err(e) => {
            report.fail(PRIVATE_KEY, format!("cannot be read: {e}"));
            None
        }
    }
}

fn validity(cert: &Certificate, now: OffsetDateTime, report: &mut Report) {
    let (from, until) = (cert.not_before(), cert.not_after());
    let day = |t: OffsetDateTime| t.date().to_string();
    if now < from {
        report.fail(
            VALIDITY,
            format!(
                "not valid before {} (this machine's clock says {}): check the clock",
                day(from),
                day(now)
            ),
        );
    } else if now > until {
        report.fail(
            VALIDITY,
            format!(
                "expired on {}: make a new certificate (`azmc cert new`), upload it and use it in the profile",
                day(until)
            ),
        );
    } else {
        let left = (until - now).whole_days();
        if left < EXPIRY_WARNING_DAYS {
            report.warn(
                VALIDITY,
                format!(
                    "expires on {} ({left} days): make and upload its successor soon",
                    day(until)
                ),
            );
        } else {
            report.pass(VALIDITY, format!("until {} ({left} days)", day(until)));
        }
    }
}

/// Proxy variables: azmc connects directly, so one that is set is worth a word.
fn proxy(report: &mut Report) {
    let set: Vec<String> = [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]
    .iter()
    .filter(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
    .map(|v| (*v).to_owned())
    .collect();
    if set.is_empty() {
        report.pass(PROXY, "no proxy variables set; azmc connects directly");
    } else {
        report.warn(
            PROXY,
            format!(
                "{} set, but azmc connects directly to the endpoint (a management certificate must reach it): if this network only lets the proxy out, the connection check fails",
                set.join(", ")
            ),
        );
    }
}

fn resolve(endpoint: &Endpoint, report: &mut Report) -> Option<SocketAddr> {
    match (endpoint.host(), endpoint.port()).to_socket_addrs() {
        Ok(mut addrs) => match addrs.next() {
            Some(a) => {
                report.pass(RESOLVE, format!("{} is {}", endpoint.host(), a.ip()));
                Some(a)
            }
            None => {
                report.fail(RESOLVE, format!("{} has no address", endpoint.host()));
                None
            }
        },
        Err(e) => {
            report.fail(
                RESOLVE,
                format!(
                    "cannot resolve {}: {e} (check the profile's endpoint and DNS)",
                    endpoint.host()
                ),
            );
            None
        }
    }
}

fn connect(endpoint: &Endpoint, addr: SocketAddr, report: &mut Report) -> Option<TcpStream> {
    match TcpStream::connect_timeout(&addr, NETWORK_TIMEOUT) {
        Ok(tcp) => {
            let _ = tcp.set_read_timeout(Some(NETWORK_TIMEOUT));
            let _ = tcp.set_write_timeout(Some(NETWORK_TIMEOUT));
            report.pass(CONNECT, format!("connected to {addr}"));
            Some(tcp)
        }
        Err(e) => {
            report.fail(
                CONNECT,
                format!(
                    "cannot connect to {}:{} ({addr}): {e}. Is the server running, and does a firewall let port {} through?",
                    endpoint.host(),
                    endpoint.port(),
                    endpoint.port()
                ),
            );
            None
        }
    }
}

/// A TLS handshake with the profile's certificate and trust; `true` when it succeeds.
fn handshake(
    endpoint: &Endpoint,
    mut tcp: TcpStream,
    identity: &Identity,
    trust: &Trust,
    has_ca_file: bool,
    report: &mut Report,
) -> bool {
    let config = match tls_client_config(identity, trust) {
        Ok(c) => c,
        Err(e) => {
            report.fail(TLS, e.to_string());
            return false;
        }
    };
    let Ok(name) = ServerName::try_from(endpoint.host().to_owned()) else {
        report.fail(
            TLS,
            format!("{} is not a valid server name", endpoint.host()),
        );
        return false;
    };
    let result = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| e.to_string())
        .and_then(|mut conn| {
            while conn.is_handshaking() {
                conn.complete_io(&mut tcp).map_err(|e| {
                    // rustls reports its own errors through io::Error.
                    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                        Some(tls) => explain_tls(tls, endpoint, has_ca_file),
                        None => format!("the TLS handshake failed: {e}"),
                    }
                })?;
            }
            Ok(conn.protocol_version())
        });
    match result {
        Ok(version) => {
            let v = version.map_or("TLS".to_owned(), |v| format!("{v:?}").replace('_', "."));
            report.pass(
                TLS,
                format!("trusted ({v}); the client certificate was sent"),
            );
            true
        }
        Err(e) => {
            report.fail(TLS, e);
            false
        }
    }
}

fn explain_tls(e: &rustls::Error, endpoint: &Endpoint, has_ca_file: bool) -> String {
    let trusting = if has_ca_file {
        "the profile trusts only its CA file"
    } else {
        "the profile trusts the system's root certificates"
    };
    match e {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
            "the server's certificate is not trusted ({trusting}): give the profile the server's CA with `azmc account add ... --ca-file CA.pem` (`azmc serve` writes ca.pem into its data directory)"
        ),
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName)
        | rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            format!(
                "the server's certificate is not for {}: use the name it was issued for in the profile's endpoint (or start the server with --hostname {})",
                endpoint.host(),
                endpoint.host()
            )
        }
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "the server's certificate has expired (or this machine's clock is ahead)".into(),
        other => format!("the TLS handshake failed: {other}"),
    }
}

/// An authenticated Get Subscription, and the clock against the server's `Date`.
fn request(
    ctx: &Ctx,
    endpoint: Endpoint,
    subscription: &str,
    identity: Identity,
    trust: Trust,
    report: &mut Report,
) {
    let mut config = ClientConfig::new(endpoint, subscription, identity, trust);
    config.retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    config.request_timeout = NETWORK_TIMEOUT;
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| {
            let client = Client::new(config).map_err(|e| e.to_string())?;
            rt.block_on(client.send(&RawRequest::new(Method::GET, format!("/{subscription}"))))
                .map_err(|e| e.to_string())
        });
    let resp = match outcome {
        Ok(r) => r,
        Err(e) => {
            report.fail(REQUEST, format!("GET /{subscription}: {e}"));
            report.skip(&[CLOCK], "an answer");
            return;
        }
    };
    match resp.status {
        200 => report.pass(
            REQUEST,
            format!("Get Subscription answered 200: the certificate manages {subscription}"),
        ),
        403 => report.fail(
            REQUEST,
            format!(
                "the server refused the certificate for subscription {subscription} (403 ForbiddenError): it is not (or no longer) a management certificate of that subscription, or the subscription is unknown. Upload the .cer to it (portal, or `azmc mgmt-cert upload` with a profile that can), or check the subscription id"
            ),
        ),
        status => {
            let body = String::from_utf8_lossy(&resp.body);
            let code = azmc_wire::asm::parse_error(resp.body.as_ref())
                .map(|e| format!("{}: {}", e.code, e.message))
                .unwrap_or_else(|| body.chars().take(200).collect());
            report.fail(REQUEST, format!("GET /{subscription} answered {status}: {code}"));
        }
    }
    clock(ctx.clock.now(), resp.header("date"), report);
}

fn clock(now: OffsetDateTime, date: Option<&str>, report: &mut Report) {
    let Some(server) = date.and_then(parse_http_date) else {
        report.warn(CLOCK, "the server sent no Date header to compare with");
        return;
    };
    let skew = now - server;
    let secs = skew.whole_seconds();
    if skew.abs() > MAX_SKEW {
        report.warn(
            CLOCK,
            format!(
                "this machine's clock is {} s {} the server's: certificate validity is judged by the clock, so set it right (NTP)",
                secs.abs(),
                if secs > 0 { "ahead of" } else { "behind" }
            ),
        );
    } else {
        report.pass(CLOCK, format!("within {} s of the server's", secs.abs()));
    }
}

/// An HTTP date (`Mon, 07 Dec 2026 12:00:00 GMT`).
fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc2822).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_and_clock_skew() {
        let t = parse_http_date("Mon, 07 Dec 2026 12:00:00 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 1_796_644_800);
        assert!(parse_http_date("yesterday").is_none());
        let mut r = Report::default();
        clock(
            t + time::Duration::seconds(30),
            Some("Mon, 07 Dec 2026 12:00:00 GMT"),
            &mut r,
        );
        clock(
            t + time::Duration::minutes(10),
            Some("Mon, 07 Dec 2026 12:00:00 GMT"),
            &mut r,
        );
        clock(
            t - time::Duration::minutes(10),
            Some("Mon, 07 Dec 2026 12:00:00 GMT"),
            &mut r,
        );
        clock(t, None, &mut r);
        let got: Vec<_> = r.0.iter().map(|c| (c.status, c.detail.clone())).collect();
        assert_eq!(got[0], (Status::Pass, "within 30 s of the server's".into()));
        assert_eq!(got[1].0, Status::Warn);
        assert!(
            got[1]
                .1
                .starts_with("this machine's clock is 600 s ahead of"),
            "{}",
            got[1].1
        );
        assert!(
            got[2].1.starts_with("this machine's clock is 600 s behind"),
            "{}",
            got[2].1
        );
        assert_eq!(got[3].0, Status::Warn);
    }
}
