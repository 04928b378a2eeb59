//! What the end-to-end tests share: backends (SQLite in a temp dir, a uniquely named
//! PostgreSQL database dropped afterwards), in-process servers on port 0, management
//! certificates, request bodies and assertions.

use crate::client::{Client, Req, Response};
use azmc_db::{CertificateRecord, Db, Limits};
use azmc_pki::clock::{Clock, SharedClock, SystemClock};
use azmc_pki::{Certificate, KeyKind, NewCertificate, PrivateKey, create_self_signed};
use azmc_server::jobs::JobRegistry;
use azmc_server::state::AppState;
use azmc_server::{Server, ServerConfig, StartOptions, ThrottleConfig};
use azmc_wire::asm::{ErrorXml, parse_error};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;

/// The message real Azure sent with `ForbiddenError`; pinned here, not imported.
pub const FORBIDDEN: &str = "The server failed to authenticate the request. Verify that the certificate is valid and is associated with this subscription.";

pub fn now() -> OffsetDateTime {
    SystemClock.now()
}

pub use azmc_testkit::random_hex;

/// Where the server keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

// ---------------------------------------------------------------------------------------
// Certificates

/// A management certificate with its private key.
pub struct Identity {
    pub cert: Certificate,
    pub key: PrivateKey,
}

impl Identity {
    pub fn new(name: &str, key: KeyKind, days: u32, now: OffsetDateTime) -> Identity {
        let (cert, key) = create_self_signed(&NewCertificate {
            name,
            key,
            days,
            now,
        })
        .unwrap();
        Identity { cert, key }
    }

    /// A P-256 certificate valid now (fast to make in a debug build).
    pub fn p256(name: &str) -> Identity {
        Identity::new(name, KeyKind::P256, 30, now())
    }

    /// Valid for 30 days, 400 days ago.
    pub fn expired(name: &str) -> Identity {
        Identity::new(name, KeyKind::P256, 30, now() - time::Duration::days(400))
    }

    /// Valid from 30 days from now.
    pub fn not_yet_valid(name: &str) -> Identity {
        Identity::new(name, KeyKind::P256, 30, now() + time::Duration::days(30))
    }

    /// Upper-case hex SHA-1.
    pub fn thumbprint(&self) -> String {
        self.cert.thumbprint().to_string()
    }

    /// The SHA-1 thumbprint, as the database takes it.
    pub fn thumb(&self) -> azmc_pki::Thumbprint {
        self.cert.thumbprint()
    }

    pub fn record(&self) -> CertificateRecord {
        azmc_server::domain::certificates::record_of(&self.cert)
    }

    /// Certificate and key in one PEM file (for curl's `--cert`).
    pub fn both_pem(&self) -> String {
        format!("{}{}", self.cert.to_pem(), self.key.to_pkcs8_pem().as_str())
    }

    pub fn data_b64(&self) -> String {
        STANDARD.encode(self.cert.der())
    }

    /// `SubscriptionCertificatePublicKey`: base64 of the subjectPublicKey bits (PKCS#1
    /// `RSAPublicKey` for RSA).
    pub fn public_key_b64(&self) -> String {
        STANDARD.encode(public_key_bits(self.cert.spki_der()))
    }

    /// The Add Management Certificate body as the Python SDK sends it: no XML
    /// declaration, default namespace.
    pub fn python_body(&self) -> String {
        cert_body(
            "",
            &self.public_key_b64(),
            &self.thumbprint(),
            &self.data_b64(),
        )
    }

    /// The body as the Node SDK sends it: `<?xml … standalone="yes"?>` first.
    pub fn node_body(&self) -> String {
        cert_body(
            "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>",
            &self.public_key_b64(),
            &self.thumbprint(),
            &self.data_b64(),
        )
    }
}

pub fn cert_body(decl: &str, public_key: &str, thumbprint: &str, data: &str) -> String {
    format!(
        "{decl}<SubscriptionCertificate xmlns=\"http://schemas.microsoft.com/windowsazure\">\
         <SubscriptionCertificatePublicKey>{public_key}</SubscriptionCertificatePublicKey>\
         <SubscriptionCertificateThumbprint>{thumbprint}</SubscriptionCertificateThumbprint>\
         <SubscriptionCertificateData>{data}</SubscriptionCertificateData>\
         </SubscriptionCertificate>"
    )
}

/// The BIT STRING contents of a SubjectPublicKeyInfo.
pub fn public_key_bits(spki: &[u8]) -> Vec<u8> {
    use azmc_pki::der::{Reader, TAG_BIT_STRING, TAG_SEQUENCE};
    let mut r = Reader::new(spki);
    let seq = r.read_tag(TAG_SEQUENCE, "spki").unwrap();
    let mut inner = seq.reader();
    inner.read().unwrap();
    let bits = inner.read_tag(TAG_BIT_STRING, "key").unwrap();
    bits.content[1..].to_vec()
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

pub use azmc_testkit::PgTestDb as PgDatabase;

// ---------------------------------------------------------------------------------------
// Servers

/// A data directory and a database; servers started from it share both.
pub struct Env {
    pub dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
}

impl Env {
    pub async fn new(backend: Backend) -> Env {
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDatabase::create().await),
        };
        Env {
            dir: tempfile::tempdir().unwrap(),
            pg,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Port 0 everywhere, throttling out of the way, quick background loops.
    pub fn config(&self) -> ServerConfig {
        let mut c = ServerConfig::new(self.data_dir());
        c.database_url = self.pg.as_ref().map(|p| p.url.clone());
        c.api_listen = "127.0.0.1:0".parse().unwrap();
        c.portal_listen = "127.0.0.1:0".parse().unwrap();
        c.throttle = ThrottleConfig {
            read_per_second: 100_000,
            read_burst: 100_000,
            write_per_second: 100_000,
            write_burst: 100_000,
        };
        c.job_poll_interval = Duration::from_millis(20);
        c.auth_refresh_interval = Duration::from_millis(100);
        c
    }

    pub async fn start(&self) -> Api {
        self.start_with(self.config(), JobRegistry::default()).await
    }

    pub async fn start_with(&self, config: ServerConfig, jobs: JobRegistry) -> Api {
        self.start_full(config, azmc_pki::clock::system(), jobs)
            .await
    }

    /// Start with a clock of the test's own (session expiry, validity windows).
    pub async fn start_clocked(&self, config: ServerConfig, clock: SharedClock) -> Api {
        self.start_full(config, clock, JobRegistry::default()).await
    }

    async fn start_full(&self, config: ServerConfig, clock: SharedClock, jobs: JobRegistry) -> Api {
        let server = azmc_server::start(
            config,
            clock,
            StartOptions {
                admin_password: Some("correct horse battery staple".into()),
                jobs,
            },
        )
        .await
        .unwrap();
        let data = self.data_dir();
        let ps = std::fs::read(data.join("bootstrap.publishsettings")).unwrap();
        let ps = azmc_wire::publishsettings::parse(&ps).unwrap();
        let entry = ps.subscriptions().unwrap().remove(0);
        let opened = entry.open_certificate(false).unwrap();
        Api {
            addr: server.api_addr,
            portal_addr: server.portal_addr,
            ca_pem: std::fs::read(data.join("ca.pem")).unwrap(),
            sub: entry.id.clone(),
            admin: Identity {
                cert: opened.certificate,
                key: opened.key,
            },
            server: Some(server),
        }
    }
}

/// A running server, its first subscription and the bootstrap management certificate.
pub struct Api {
    pub server: Option<Server>,
    pub addr: std::net::SocketAddr,
    pub portal_addr: std::net::SocketAddr,
    pub ca_pem: Vec<u8>,
    pub sub: String,
    /// The bootstrap certificate (RSA-2048), linked to `sub`.
    pub admin: Identity,
}

impl Api {
    pub fn state(&self) -> &AppState {
        &self.server.as_ref().unwrap().state
    }

    pub fn db(&self) -> &Db {
        &self.state().db
    }

    /// A client presenting `identity` (none: no client certificate).
    pub fn client(&self, identity: Option<&Identity>) -> Client {
        Client::new(
            self.addr,
            &self.ca_pem,
            identity.map(|i| (i.cert.der(), i.key.pkcs8_der())),
        )
    }

    /// A client presenting the bootstrap certificate.
    pub fn admin_client(&self) -> Client {
        self.client(Some(&self.admin))
    }

    /// A client for the portal listener (no client certificate).
    pub fn portal_client(&self) -> Client {
        Client::new(self.portal_addr, &self.ca_pem, None)
    }

    /// Link `identity` to `sub` behind the API's back (as `azmc admin` does) and make the
    /// index see it.
    /// A GET of `path` without a client certificate is refused as unauthenticated.
    pub async fn assert_refused_without_certificate(&self, path: &str) {
        let r = self.client(None).send(Req::get(path)).await.unwrap();
        assert_forbidden(&r);
    }

    pub async fn link(&self, sub: &str, identity: &Identity) {
        self.db()
            .link_certificate(
                sub,
                &identity.record(),
                "test",
                &Limits {
                    per_subscription: 1000,
                    per_service_admin: 1000,
                },
                now(),
            )
            .await
            .unwrap();
        self.state().auth.reload(self.db()).await.unwrap();
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Assertions

/// 32 lower-case hex digits.
pub fn is_request_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The answer carries a well-formed `x-ms-request-id`.
pub fn assert_request_id(r: &Response) -> String {
    let id = r.request_id();
    assert!(is_request_id(&id), "x-ms-request-id {id:?}");
    id
}

/// An ASM error answer with this status and code; returns the parsed error.
#[track_caller]
pub fn assert_error(r: &Response, status: u16, code: &str) -> ErrorXml {
    assert_eq!(r.status, status, "{}", r.text());
    assert_request_id(r);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/xml")),
        "content type {:?}",
        r.header("content-type")
    );
    let e = parse_error(&r.body).unwrap_or_else(|| panic!("not an ASM error: {}", r.text()));
    assert_eq!(e.code, code, "{}", r.text());
    let text = r.text().to_lowercase();
    for leak in ["sqlx", "sqlite", "postgres", "/tmp", "panicked", "backend"] {
        assert!(
            !text.contains(leak),
            "error body leaks {leak:?}: {}",
            r.text()
        );
    }
    e
}

/// 403 ForbiddenError with the message Azure sent.
#[track_caller]
pub fn assert_forbidden(r: &Response) {
    let e = assert_error(r, 403, "ForbiddenError");
    assert_eq!(e.message, FORBIDDEN);
}

/// Poll `check` every 50 ms for up to `within`; panic with `what` if it never holds.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if check().await {
            return;
        }
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two tests, `$sqlite` and `$postgres`, that run `$story(backend, $args...)` on SQLite and
/// on PostgreSQL (`$flavor`: the tests' `tokio::test` arguments, none for the default).
macro_rules! on_both_backends {
    ($([$($flavor:tt)*])? $sqlite:ident, $postgres:ident => $story:ident($($arg:expr),*)) => {
        #[tokio::test$(($($flavor)*))?]
        async fn $sqlite() {
            $story($crate::support::Backend::Sqlite $(, $arg)*).await;
        }

        #[tokio::test$(($($flavor)*))?]
        async fn $postgres() {
            $story($crate::support::Backend::Postgres $(, $arg)*).await;
        }
    };
}
pub(crate) use on_both_backends;
