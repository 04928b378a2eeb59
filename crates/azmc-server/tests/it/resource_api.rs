//! The in-process test client of the resource suites (`resources_storage`,
//! `resources_compute`, `resources_sql_web`): a server started with [`azmc_server::start`]
//! on port 0, a TLS connector holding its bootstrap management certificate, and raw
//! HTTP/1.1 requests whose paths name the subscription as `{s}`.
//!
//! Apart from `support`/`client` on purpose: those drive the server through their own
//! helpers; this one is the raw-request harness the three resource suites share.

use azmc_server::{ServerConfig, StartOptions};
use azmc_wire::asm::{
    OperationStatus, OperationStatusXml, SubscriptionOperationXml, parse_error,
    parse_operation_status, parse_subscription_operations,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running server, a TLS connector holding the bootstrap certificate, its subscription.
pub(crate) struct Api {
    server: Option<azmc_server::Server>,
    tls: tokio_rustls::TlsConnector,
    pub(crate) addr: std::net::SocketAddr,
    /// The bootstrap subscription's id, what `{s}` stands for in request paths.
    pub(crate) sub: String,
    /// The bootstrap management certificate the connector presents.
    pub(crate) cert: azmc_pki::Certificate,
    /// What the server was started with (for [`Api::restart`]).
    config: ServerConfig,
    _dir: tempfile::TempDir,
}

pub(crate) struct Resp {
    pub(crate) status: u16,
    /// Names lower-cased.
    pub(crate) headers: Vec<(String, String)>,
    /// De-chunked.
    pub(crate) body: String,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The ASM error (code, message) of a failed answer.
    pub(crate) fn error(&self) -> (String, String) {
        let e = parse_error(self.body.as_bytes())
            .unwrap_or_else(|| panic!("not an ASM error: {}", self.body));
        (e.code, e.message)
    }

    pub(crate) fn request_id(&self) -> String {
        self.header("x-ms-request-id").unwrap().to_string()
    }

    /// Assert a 400 whose message names `field`.
    pub(crate) fn bad_request_naming(&self, field: &str) {
        assert_eq!(self.status, 400, "{}", self.body);
        let (code, message) = self.error();
        assert!(
            code == "BadRequest" || code == "MissingOrInvalidRequiredQueryParameter",
            "{code}"
        );
        assert!(message.contains(field), "{field} not in {message:?}");
    }

    pub(crate) fn not_found(&self) {
        assert_eq!(self.status, 404, "{}", self.body);
        assert_eq!(self.error().0, "ResourceNotFound");
    }

    pub(crate) fn conflict(&self) {
        assert_eq!(self.status, 409, "{}", self.body);
        assert_eq!(self.error().0, "ConflictError");
    }
}

impl Api {
    /// A server whose asynchronous operations stay InProgress for `async_delay`, with a
    /// fast job poll (20 ms) so that waiting on them is quick.
    pub(crate) async fn start(async_delay: Duration) -> Api {
        Api::start_with(|config| {
            config.async_delay = async_delay;
            config.job_poll_interval = Duration::from_millis(20);
        })
        .await
    }

    /// A server with [`ServerConfig`]'s defaults, changed by `configure`. The copies this
    /// replaces differed only here: the SQL/web suite left `async_delay` and
    /// `job_poll_interval` at their defaults and set `dns_suffix` (its assertions name
    /// `example.test`), the storage suite needs the default suffix (`azmc.localhost`).
    pub(crate) async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(dir.path().join("data"));
        config.api_listen = "127.0.0.1:0".parse().unwrap();
        config.portal_listen = "127.0.0.1:0".parse().unwrap();
        configure(&mut config);
        let server = azmc_server::start(
            config.clone(),
            azmc_pki::clock::system(),
            StartOptions {
                admin_password: Some("correct horse battery staple".into()),
                ..StartOptions::default()
            },
        )
        .await
        .unwrap();
        let data = dir.path().join("data");
        let ps = std::fs::read(data.join("bootstrap.publishsettings")).unwrap();
        let ps = azmc_wire::publishsettings::parse(&ps).unwrap();
        let sub = ps.subscriptions().unwrap().remove(0);
        let opened = sub.open_certificate(false).unwrap();
        let ca =
            azmc_pki::Certificate::from_pem(&std::fs::read(data.join("ca.pem")).unwrap()).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(ca.der().to_vec())).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_client_auth_cert(
                vec![CertificateDer::from(opened.certificate.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(opened.key.pkcs8_der().to_vec())),
            )
            .unwrap();
        Api {
            addr: server.api_addr,
            server: Some(server),
            tls: tokio_rustls::TlsConnector::from(Arc::new(cfg)),
            sub: sub.id.clone(),
            cert: opened.certificate.clone(),
            config,
            _dir: dir,
        }
    }

    /// Stops the server and starts it again on the same data directory (and database).
    pub(crate) async fn restart(mut self) -> Api {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        let server = azmc_server::start(
            self.config.clone(),
            azmc_pki::clock::system(),
            StartOptions::default(),
        )
        .await
        .unwrap();
        self.addr = server.api_addr;
        self.server = Some(server);
        self
    }

    pub(crate) fn state(&self) -> &azmc_server::state::AppState {
        &self.server.as_ref().unwrap().state
    }

    /// One request on a fresh connection (`Connection: close`); `{s}` in `path` is the
    /// subscription id.
    pub(crate) async fn req(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        self.req_with(method, path, body, &[]).await
    }

    /// [`Api::req`] with extra headers (`Content-Type` among them replaces the default
    /// `application/xml`).
    pub(crate) async fn req_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let mut tls = self.tls.connect(name, tcp).await.unwrap();
        let body = body.unwrap_or("");
        let path = path.replace("{s}", &self.sub);
        let content_type = extra
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map_or("application/xml", |(_, v)| v);
        let more: String = extra
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nx-ms-version: 2014-10-01\r\n\
             Content-Type: {content_type}\r\n{more}Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        tls.write_all(head.as_bytes()).await.unwrap();
        tls.write_all(body.as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        let mut raw = Vec::new();
        let _ = tls.read_to_end(&mut raw).await;
        let text = String::from_utf8(raw).unwrap();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// Poll an operation until it leaves InProgress; returns its final status XML parts.
    pub(crate) async fn wait(&self, id: &str) -> (OperationStatus, Option<u16>, Option<String>) {
        let op = self.poll(&self.sub, id).await;
        (op.status, op.http_status, op.error.map(|e| e.code))
    }

    /// Creates the subscription `id` with `quotas` for the bootstrap administrator and
    /// links the bootstrap certificate to it, so that this client may manage it too.
    pub(crate) async fn second_subscription(&self, id: &str, quotas: &azmc_db::Quotas) {
        let db = &self.state().db;
        db.create_subscription(
            &azmc_db::NewSubscription {
                id,
                name: "small",
                service_admin: "admin",
            },
            quotas,
            azmc_pki::clock::system().now(),
        )
        .await
        .unwrap();
        db.link_certificate(
            id,
            &azmc_server::domain::certificates::record_of(&self.cert),
            "test",
            &azmc_db::Limits {
                per_subscription: 100,
                per_service_admin: 100,
            },
            azmc_pki::clock::system().now(),
        )
        .await
        .unwrap();
        self.state().auth.reload(db).await.unwrap();
    }

    /// The operation `id` ends Succeeded.
    pub(crate) async fn assert_succeeded(&self, id: &str) {
        assert_eq!(self.wait(id).await.0, OperationStatus::Succeeded, "{id}");
    }

    /// `r` is 202 Accepted and its operation ends Succeeded.
    pub(crate) async fn assert_accepted_and_succeeded(&self, r: &Resp) {
        assert_eq!(r.status, 202, "{}", r.body);
        self.assert_succeeded(&r.request_id()).await;
    }

    /// GET `path` and `parse` the answer.
    pub(crate) async fn get<T, E: std::fmt::Debug>(
        &self,
        path: &str,
        parse: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> T {
        parse(self.req("GET", path, None).await.body.as_bytes()).unwrap()
    }

    /// The operation `id` failed with this status and error code.
    pub(crate) async fn assert_failed(&self, id: &str, status: u16, code: &str) {
        assert_eq!(
            self.wait(id).await,
            (
                OperationStatus::Failed,
                Some(status),
                Some(code.to_string())
            )
        );
    }

    /// The log names these operations (id, name), each started with the bootstrap
    /// certificate.
    pub(crate) async fn assert_logged(&self, want: &[(&String, &str)]) {
        let ops = operation_names(self).await;
        let thumb = self.cert.thumbprint().to_string();
        for &(id, name) in want {
            let op = ops
                .iter()
                .find(|o| &o.0 == id)
                .unwrap_or_else(|| panic!("{name} not in {ops:?}"));
            assert_eq!(op.1, name);
            assert_eq!(op.2.as_deref(), Some(thumb.as_str()));
        }
    }

    pub(crate) async fn status_of(&self, id: &str) -> OperationStatus {
        let r = self
            .req("GET", &format!("/{{s}}/operations/{id}"), None)
            .await;
        parse_operation_status(r.body.as_bytes()).unwrap().status
    }

    /// [`Api::wait`] for an operation of another subscription.
    pub(crate) async fn wait_in(&self, sub: &str, id: &str) -> OperationStatus {
        self.poll(sub, id).await.status
    }

    /// Get Operation Status of `sub`'s operation `id` every 50 ms (at most 200 times) until
    /// it leaves InProgress. (The storage suite's `wait_in` did not check for a 200; an
    /// answer that is not one cannot parse as an operation status either.)
    async fn poll(&self, sub: &str, id: &str) -> OperationStatusXml {
        for _ in 0..200 {
            let r = self
                .req("GET", &format!("/{sub}/operations/{id}"), None)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            let op = parse_operation_status(r.body.as_bytes()).unwrap();
            if op.status != OperationStatus::InProgress {
                return op;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("operation {id} stayed InProgress");
    }

    /// The operation a request recorded, read once: (status, HTTP status, error code).
    pub(crate) async fn operation(
        &self,
        id: &str,
    ) -> (OperationStatus, Option<u16>, Option<String>) {
        let r = self
            .req("GET", &format!("/{{s}}/operations/{id}"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let op = parse_operation_status(r.body.as_bytes()).unwrap();
        (op.status, op.http_status, op.error.map(|e| e.code))
    }

    /// (operation name, HTTP status, caller thumbprint) of every operation in the log,
    /// oldest first.
    pub(crate) async fn log(&self) -> Vec<(String, Option<u16>, Option<String>)> {
        self.operations("StartTime=2020-01-01T00:00:00Z&EndTime=2099-01-01T00:00:00Z")
            .await
            .into_iter()
            .map(|o| {
                (
                    o.operation_name,
                    o.operation_status.http_status,
                    o.operation_caller.subscription_certificate_thumbprint,
                )
            })
            .collect()
    }

    /// List Subscription Operations with `query` (the two listings of the suites each keep
    /// the time format they were written with).
    async fn operations(&self, query: &str) -> Vec<SubscriptionOperationXml> {
        let r = self
            .req("GET", &format!("/{{s}}/operations?{query}"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        parse_subscription_operations(r.body.as_bytes())
            .unwrap()
            .operations
    }

    pub(crate) async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Send a request and assert it fails with `status`, ASM error `code` and a message
/// containing `needle`.
pub(crate) async fn expect_error(
    api: &Api,
    method: &str,
    path: &str,
    body: Option<&str>,
    (status, code): (u16, &str),
    needle: &str,
) -> Resp {
    let r = api.req(method, path, body).await;
    assert_eq!(r.status, status, "{method} {path}: {}", r.body);
    let (c, m) = r.error();
    assert_eq!(c, code, "{m}");
    assert!(m.contains(needle), "{needle:?} not in {m:?}");
    r
}

/// The errors most checks expect, as [`expect_error`] takes them: (status, code).
pub(crate) const NOT_FOUND: (u16, &str) = (404, "ResourceNotFound");
pub(crate) const BAD_REQUEST: (u16, &str) = (400, "BadRequest");
pub(crate) const CONFLICT: (u16, &str) = (409, "ConflictError");

/// (operation id, operation name, caller thumbprint) of every operation in the log.
pub(crate) async fn operation_names(api: &Api) -> Vec<(String, String, Option<String>)> {
    api.operations("StartTime=2020-01-01&EndTime=2099-01-01")
        .await
        .into_iter()
        .map(|o| {
            (
                o.operation_id,
                o.operation_name,
                o.operation_caller.subscription_certificate_thumbprint,
            )
        })
        .collect()
}

/// Every operation of the log from 2020 to 2099, as List Subscription Operations gives them.
pub(crate) async fn all_operations(api: &Api) -> Vec<SubscriptionOperationXml> {
    api.operations("StartTime=2020-01-01&EndTime=2099-01-01")
        .await
}

/// The operation `id` among `ops`.
pub(crate) fn operation_by_id<'a>(
    ops: &'a [SubscriptionOperationXml],
    id: &str,
) -> &'a SubscriptionOperationXml {
    ops.iter().find(|o| o.operation_id == id).unwrap()
}

/// Asserts that each of `want` is the name of one of `ops`.
pub(crate) fn assert_names_logged(ops: &[SubscriptionOperationXml], want: &[&str]) {
    let names: Vec<_> = ops.iter().map(|o| o.operation_name.as_str()).collect();
    for want in want {
        assert!(names.contains(want), "{want}: {names:?}");
    }
}
