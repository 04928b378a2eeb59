//! Start-up and the listeners.
//!
//! The API listener does the TLS handshake itself (with a timeout, so a slow client cannot
//! hold a slot), reads the peer's certificate once, and attaches a [`Connection`] to every
//! request of that connection. Handlers never see rustls.

use crate::bootstrap::{self, BootstrapReport};
use crate::config::{ConnectionLimits, ServerConfig};
use crate::domain::images::Catalogue;
use crate::error::ServerError;
use crate::identity::{ClientIdentity, Connection, address_key};
use crate::jobs::{JobRegistry, JobRunner};
use crate::router::{api_router, normalize_request};
use crate::state::AppState;
use crate::tls;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use azmc_db::{CreateMode, Db, Limits};
use azmc_pki::clock::SharedClock;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// At most this many connections per listener are served at once.
const MAX_CONNECTIONS: usize = 4096;
/// A client must send a request's headers within this time once it has begun.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server.
#[derive(Debug)]
pub struct Server {
    pub state: AppState,
    pub api_addr: SocketAddr,
    pub portal_addr: SocketAddr,
    /// `https://HOST:PORT` of the API.
    pub api_url: String,
    pub bootstrap: BootstrapReport,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Options that are not part of the persistent configuration.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Password for the administrator created on first start (`AZMC_ADMIN_PASSWORD`);
    /// generated and written to `DATA_DIR/admin-password` when absent.
    pub admin_password: Option<String>,
    /// Job kinds this node runs in addition to the built-in ones (tests add their own).
    pub jobs: JobRegistry,
}

/// Open the database named by the configuration. The default SQLite file in the data
/// directory is created on first start; an explicit `--database-url` must already exist
/// (a mistyped URL never creates an empty database).
pub async fn open_db(config: &ServerConfig) -> Result<Db, ServerError> {
    if config.database_url.is_some() {
        return Ok(Db::connect(&config.database_url(), CreateMode::MustExist).await?);
    }
    // The database holds the CA key: create the file owner-only before SQLite opens it
    // (SQLite gives its -wal and -shm files the database file's permissions).
    let file = config.data_dir.join("azmc.sqlite3");
    if !file.exists() {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .map_err(|source| ServerError::Io {
                path: file.display().to_string(),
                source,
            })?;
    }
    Ok(Db::connect(&config.database_url(), CreateMode::CreateIfMissing).await?)
}

fn url_host(config: &ServerConfig, addr: SocketAddr) -> String {
    if let Some(h) = config.hostnames.first() {
        return match h.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{h}]"),
            Err(_) => h.clone(),
        };
    }
    match addr.ip() {
        ip if ip.is_unspecified() => "localhost".into(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

/// Start everything: database, first-start bootstrap, listeners, background tasks.
pub async fn start(
    config: ServerConfig,
    clock: SharedClock,
    options: StartOptions,
) -> Result<Server, ServerError> {
    // First: a catalogue file that does not read or check stops the start before
    // anything is made.
    let catalogue = match &config.image_catalogue {
        None => Catalogue::built_in(),
        Some(path) => {
            let c = Catalogue::load(path, &config.locations)?;
            tracing::info!(
                file = %path.display(),
                os_images = c.os_images().len(),
                vm_images = c.vm_images().len(),
                "image catalogue read"
            );
            c
        }
    };
    bootstrap::ensure_data_dir(&config.data_dir)?;
    let db = open_db(&config).await?;
    let api_listener = bind(config.api_listen).await?;
    let portal_listener = bind(config.portal_listen).await?;
    let api_addr = api_listener
        .local_addr()
        .map_err(|source| ServerError::Bind {
            addr: config.api_listen,
            source,
        })?;
    let portal_addr = portal_listener
        .local_addr()
        .map_err(|source| ServerError::Bind {
            addr: config.portal_listen,
            source,
        })?;
    let api_url = format!(
        "https://{}:{}",
        url_host(&config, api_addr),
        api_addr.port()
    );

    let now = clock.now();
    let keys = crate::keys::unlock(&db, &config.kek, now).await?;
    let ca = keys.ca;
    let limits = Limits {
        per_subscription: config.cert_limit_per_subscription,
        per_service_admin: config.cert_limit_per_service_admin,
    };
    let report = bootstrap::bootstrap(
        &db,
        &config.data_dir,
        &ca,
        &api_url,
        options.admin_password.as_deref(),
        &limits,
        now,
    )
    .await?;
    let names = tls::server_names(&config.hostnames);
    let (chain, key) = ca.issue_server_cert(&names, now)?;
    let api_tls =
        tokio_rustls::TlsAcceptor::from(Arc::new(tls::api_config(chain.clone(), key.clone_key())?));
    let portal_tls = tokio_rustls::TlsAcceptor::from(Arc::new(tls::portal_config(chain, key)?));

    let report = BootstrapReport {
        kek_file: keys.created_kek,
        ..report
    };
    let state = AppState::new(db, clock, config, keys.sealing, catalogue);
    state.auth.reload(&state.db).await?;

    let (shutdown, rx) = watch::channel(false);
    let mut tasks = vec![
        tokio::spawn(serve_tls(
            Listener::Api,
            api_listener,
            api_tls,
            api_router(state.clone()),
            state.clone(),
            rx.clone(),
        )),
        tokio::spawn(serve_tls(
            Listener::Portal,
            portal_listener,
            portal_tls,
            portal_router(state.clone(), api_url.clone()),
            state.clone(),
            rx.clone(),
        )),
        tokio::spawn(refresh_auth(state.clone(), rx.clone())),
        tokio::spawn(listen_links(state.clone(), rx.clone())),
    ];
    let mut registry = crate::domain::job_kinds();
    registry.extend(options.jobs);
    // Random per start: nodes in containers share pid 1 and the listen address, and a
    // stale node must never renew or finish a job another node has claimed since.
    let worker = crate::identity::RequestId::generate()
        .map_err(|e| ServerError::Other(format!("no randomness for the job worker id: {e}")))?;
    let runner = JobRunner {
        state: state.clone(),
        registry,
        worker: format!("{api_addr}-{}", worker.0),
    };
    tasks.push(tokio::spawn(crate::portal::background(
        state.clone(),
        rx.clone(),
    )));
    // Orphans of an earlier run are failed now, before the server is announced, not
    // at some moment after it.
    runner.sweep().await;
    tasks.push(tokio::spawn(runner.run(rx)));
    Ok(Server {
        state,
        api_addr,
        portal_addr,
        api_url,
        bootstrap: report,
        shutdown,
        tasks,
    })
}

impl Server {
    /// Stop accepting, stop the background tasks, and close the database.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
        self.state.db.close().await;
    }

    /// Resolves when the server has been asked to stop (for `azmc serve`).
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// How often the certificate uses noted in memory are written to the database.
const USE_FLUSH_INTERVAL: Duration = Duration::from_secs(30);

/// Keep the authorisation index in step with the database, write the certificate uses it
/// noted (every 30 s and at shutdown), prune throttle state.
async fn refresh_auth(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = state.config.auth_refresh_interval;
    let mut n: u64 = 0;
    let mut last_flush = std::time::Instant::now();
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep(every) => false,
            _ = stop.changed() => true,
        };
        if stopping || last_flush.elapsed() >= USE_FLUSH_INTERVAL {
            if let Err(e) = state.auth.flush_uses(&state.db).await {
                tracing::error!(error = %e, "cannot record certificate uses");
            }
            last_flush = std::time::Instant::now();
        }
        if stopping {
            return;
        }
        if let Err(e) = state.auth.refresh(&state.db).await {
            tracing::error!(error = %e, "cannot refresh the certificate index");
        }
        n += 1;
        if n.is_multiple_of(60) {
            state.throttle.prune();
        }
    }
}

/// On PostgreSQL: refresh the authorisation index as soon as any node changes a link
/// (`LISTEN`), so a revocation on one node is refused by every node within moments. The
/// poll of [`refresh_auth`] stays as the fallback (and the staleness guard) for changes
/// made while the listener was not connected.
async fn listen_links(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match state.db.link_change_listener().await {
            Ok(Some(l)) => {
                backoff = Duration::from_millis(100);
                l
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for link changes; polling meanwhile");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        // Changes made before the listener was connected.
        let _ = state.auth.refresh(&state.db).await;
        loop {
            tokio::select! {
                r = listener.changed() => match r {
                    Ok(()) => {
                        if let Err(e) = state.auth.refresh(&state.db).await {
                            tracing::error!(error = %e, "cannot refresh the certificate index");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the link change listener failed; reconnecting");
                        break;
                    }
                },
                _ = stop.changed() => return,
            }
        }
    }
}

/// Which listener a connection came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    /// The management API: the client certificate is read and the handshakes counted.
    Api,
    /// The portal, health and metrics: no client certificate.
    Portal,
}

/// The accept loop of both listeners: a bounded number of connections, each with a
/// handshake deadline, then HTTP with the connection's facts attached to every request.
async fn serve_tls(
    kind: Listener,
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    state: AppState,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let per_address = PerAddress::new(state.config.connections.per_address);
    let timeout = state.config.handshake_timeout;
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => { tracing::warn!(error = %e, "accept failed"); continue; }
            },
            _ = stop.changed() => return,
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            drop(tcp); // over capacity: refuse rather than queue without bound
            continue;
        };
        let Some(held) = per_address.take(peer.ip()) else {
            tracing::debug!(%peer, ?kind, "connection refused: too many from this address");
            drop(tcp);
            continue;
        };
        // Without it, the first answer on a TLS 1.3 connection waits for the client's
        // delayed ACK of the session tickets (about 40 ms).
        let _ = tcp.set_nodelay(true);
        let (acceptor, router, state, stop) = (
            acceptor.clone(),
            router.clone(),
            state.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let _permit = (permit, held);
            let counted = |n: &std::sync::atomic::AtomicU64| {
                if kind == Listener::Api {
                    n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            };
            let tls = match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    counted(&state.metrics.handshake_failures);
                    tracing::debug!(%peer, ?kind, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    counted(&state.metrics.handshake_failures);
                    tracing::debug!(%peer, ?kind, "TLS handshake timed out");
                    return;
                }
            };
            counted(&state.metrics.handshakes);
            // The portal asks for no client certificate; its peer address is for sign-in
            // rate limits and the operation log.
            let identity = match kind {
                Listener::Api => tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|der| ClientIdentity::from_der(der))
                    .map(Arc::new),
                Listener::Portal => None,
            };
            let limits = state.config.connections;
            serve_connection(tls, router, Connection { identity, peer }, limits, stop).await;
        });
    }
}

/// Connections per client address (see [`ConnectionLimits::per_address`]).
#[derive(Debug, Clone)]
struct PerAddress {
    max: usize,
    counts: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection counted against its address until dropped.
#[derive(Debug)]
struct Held {
    key: IpAddr,
    counts: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

impl PerAddress {
    fn new(max: usize) -> Self {
        PerAddress {
            max,
            counts: Arc::default(),
        }
    }

    /// Counts a connection from `ip`, unless its address holds the most already.
    fn take(&self, ip: IpAddr) -> Option<Held> {
        let key = address_key(ip);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(key).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Held {
            key,
            counts: Arc::clone(&self.counts),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// What a connection is doing, for its idle limits.
#[derive(Debug)]
struct Activity {
    opened: std::time::Instant,
    in_flight: AtomicUsize,
    requests: AtomicU64,
    /// Milliseconds after `opened` of the last request's start or end.
    last_ms: AtomicU64,
    /// The connection speaks HTTP/2.
    http2: std::sync::atomic::AtomicBool,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: std::time::Instant::now(),
            in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
            http2: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.touch();
    }

    fn end(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.touch();
    }

    /// Resolves when the connection must be closed for its age: at `lifetime` for HTTP/2
    /// (GOAWAY lets the client retry what was not processed), at twice that for HTTP/1.1,
    /// whose responses after `lifetime` close it themselves.
    async fn aged(&self, lifetime: Duration) {
        tokio::time::sleep(lifetime).await;
        if !self.http2.load(Ordering::Relaxed) {
            tokio::time::sleep(lifetime).await;
        }
    }

    /// Resolves once the connection has sent no request within `limits.first_request` of
    /// opening, or has had none in flight for `limits.idle`.
    async fn idle(&self, limits: ConnectionLimits) {
        let tick = limits
            .first_request
            .min(limits.idle)
            .min(Duration::from_secs(1));
        loop {
            tokio::time::sleep(tick).await;
            if self.in_flight.load(Ordering::Relaxed) > 0 {
                continue;
            }
            let quiet = self
                .opened
                .elapsed()
                .saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)));
            let limit = if self.requests.load(Ordering::Relaxed) == 0 {
                limits.first_request
            } else {
                limits.idle
            };
            if quiet >= limit {
                return;
            }
        }
    }
}

async fn serve_connection(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    router: Router,
    conn: Connection,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let seen = Arc::clone(&activity);
    let svc = tower::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
        let http1 = req.version() < axum::http::Version::HTTP_2;
        if !http1 {
            seen.http2.store(true, Ordering::Relaxed);
        }
        let mut req = normalize_request(req);
        req.extensions_mut().insert(conn.clone());
        let seen = Arc::clone(&seen);
        seen.begin();
        let answer = router.clone().oneshot(req);
        async move {
            let mut r = answer.await;
            // Past its lifetime, an HTTP/1.1 connection ends with this response.
            if http1
                && seen.opened.elapsed() >= limits.lifetime
                && let Ok(res) = r.as_mut()
            {
                res.headers_mut().insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
            }
            seen.end();
            r
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20));
    let conn = builder.serve_connection(TokioIo::new(tls), TowerToHyperService::new(svc));
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => { if let Err(e) = r { tracing::debug!(error = %e, "connection ended with an error"); } }
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
        _ = activity.idle(limits) => {
            // Nothing in flight: close now (a connection still sniffing its protocol
            // would not notice a graceful shutdown).
        }
        _ = activity.aged(limits.lifetime) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(30), conn).await;
        }
    }
}

/// The portal listener: the portal pages (`portal.rs`), health and metrics.
fn portal_router(state: AppState, api_url: String) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(crate::portal::router(crate::portal::Portal::new(
            state, api_url,
        )))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.links_revision().await {
        Ok(_) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(
            state.auth.link_count(),
            &state.auth.expiring(
                state.clock.now(),
                time::Duration::days(crate::metrics::EXPIRING_DAYS),
            ),
        ),
    )
}
