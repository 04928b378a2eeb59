//! Server configuration: one validated model, filled by the `azmc serve` flags (which also
//! read `AZMC_*` environment variables) over these defaults.

use crate::keys::KekSource;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Per-subscription request budgets (token buckets). Reads are GET/HEAD, writes the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Sustained reads per second per subscription.
    pub read_per_second: u32,
    /// Reads allowed in a burst.
    pub read_burst: u32,
    /// Sustained writes per second per subscription.
    pub write_per_second: u32,
    /// Writes allowed in a burst.
    pub write_burst: u32,
}

impl Default for ThrottleConfig {
    /// 50 reads/s (burst 200) and 10 writes/s (burst 40) per subscription: far above what a
    /// person or a CI pipeline does, low enough that a runaway script cannot starve others.
    fn default() -> Self {
        Self {
            read_per_second: 50,
            read_burst: 200,
            write_per_second: 10,
            write_burst: 40,
        }
    }
}

/// Everything `azmc serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where `ca.pem`, `admin-password` and `bootstrap.publishsettings` live (and the
    /// SQLite database unless `database_url` says otherwise).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; `None` = `DATA_DIR/azmc.sqlite3`.
    pub database_url: Option<String>,
    /// The management API (HTTPS, client certificates). Port 0 picks a free port.
    pub api_listen: SocketAddr,
    /// The portal listener (HTTPS, no client certificate): the web portal, `/healthz`, `/metrics`.
    pub portal_listen: SocketAddr,
    /// Extra DNS names or IP addresses for the server certificate; the first one is also
    /// the host of the API URL written into publish settings.
    pub hostnames: Vec<String>,
    pub throttle: ThrottleConfig,
    /// Largest request body accepted.
    pub body_limit: usize,
    /// A TLS handshake slower than this is dropped.
    pub handshake_timeout: Duration,
    /// Management certificates per subscription and per service administrator.
    pub cert_limit_per_subscription: u32,
    pub cert_limit_per_service_admin: u32,
    /// How often other nodes' certificate changes are picked up (PostgreSQL deployments).
    pub auth_refresh_interval: Duration,
    /// If the certificate index cannot be refreshed for this long, every request is
    /// refused (503) rather than served from stale data.
    pub auth_max_staleness: Duration,
    /// How often the job runner looks for work.
    pub job_poll_interval: Duration,
    /// How long a claimed job is leased to this node before another may take it over.
    pub job_lease: Duration,
    /// Attempts before a job is given up and its operation marked Failed.
    pub job_max_attempts: u32,
    /// Regions offered by List Locations and accepted in create requests.
    pub locations: Vec<String>,
    /// The platform image catalogue file (see [`crate::domain::images::catalogue`] for its
    /// shape): read and checked at start, where a file that does not read or check stops
    /// the start. `None` serves the built-in catalogue.
    pub image_catalogue: Option<PathBuf>,
    /// DNS suffix of the endpoints the server reports for resources (storage accounts get
    /// `https://NAME.blob.SUFFIX/`, SQL servers `NAME.database.SUFFIX`, sites
    /// `NAME.azurewebsites.SUFFIX`). Nothing resolves them: they are names, not services.
    pub dns_suffix: String,
    /// How long asynchronous operations stay InProgress before their work runs (0 by
    /// default; tests set it to observe InProgress).
    pub async_delay: Duration,
    /// Sessions, sign-in rate limits and upload size of the portal.
    pub portal: PortalConfig,
    /// How much key-derivation work a `.pfx` sent by a client may cost.
    pub pfx: PfxLimits,
    /// Finished operations older than this are deleted by the job runner's sweep (about
    /// once a minute, in batches of 10,000).
    pub operation_retention: Duration,
    /// How long deleted storage accounts and cloud services can be restored (their names
    /// stay reserved for their subscription meanwhile); zero deletes them at once. Dropped
    /// for good by the job runner's sweep once past.
    pub restore_window: Duration,
    /// Limits on connections, per listener.
    pub connections: ConnectionLimits,
    /// The key-encryption key that wraps the database's secrets ([`crate::keys`]): by
    /// default the file `kek` in the data directory.
    pub kek: KekSource,
}

/// How long and how many connections are held, per listener. A connection that has not
/// sent a request within `first_request` after its TLS handshake, or has had no request in
/// flight for `idle` (HTTP/1.1 keep-alive and HTTP/2 alike), is closed; one client address
/// (an IPv6 client by its /64) holds at most `per_address` connections, so one address
/// cannot take the slots of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub first_request: Duration,
    pub idle: Duration,
    pub per_address: usize,
    /// A request body (API or portal form) must arrive within this time.
    pub body: Duration,
    /// How long a connection lives. On HTTP/1.1 the first response after it says
    /// `Connection: close` and the connection closes once it is written (a client never
    /// meets a close between two of its requests); an HTTP/2 connection is sent GOAWAY. A
    /// connection is closed regardless at twice this age.
    pub lifetime: Duration,
}

impl Default for ConnectionLimits {
    /// 10 s to the first request, 60 s idle, 256 connections per address, 60 s per body,
    /// 5 minutes' lifetime.
    fn default() -> Self {
        ConnectionLimits {
            first_request: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            per_address: 256,
            body: Duration::from_secs(60),
            lifetime: Duration::from_secs(300),
        }
    }
}

/// Limits on reading a `.pfx` a client sent (Add Service Certificate). Reading is done
/// on the blocking pool, `slots` at a time; a request finding every slot busy is answered
/// 503 with `Retry-After` at once. Real files use 2,000 (Azure) to 600,000 (current
/// guidance) iterations per derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PfxLimits {
    /// Most iterations one derivation (MAC or bag) may ask for.
    pub max_iterations: u32,
    /// Most iterations one request may spend over the password forms, MAC and bags.
    pub work_budget: u64,
    /// Files read at the same time.
    pub slots: usize,
}

impl Default for PfxLimits {
    /// 1,000,000 per derivation, 4,000,000 per request (a few seconds of one core at
    /// most), 2 at a time.
    fn default() -> Self {
        PfxLimits {
            max_iterations: 1_000_000,
            work_budget: 4_000_000,
            slots: 2,
        }
    }
}

/// The regions offered by default.
pub const DEFAULT_LOCATIONS: &[&str] = &[
    "West US",
    "East US",
    "North Europe",
    "West Europe",
    "East Asia",
    "Southeast Asia",
];

impl ServerConfig {
    /// Defaults for a data directory.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            database_url: None,
            api_listen: SocketAddr::from(([127, 0, 0, 1], 9443)),
            portal_listen: SocketAddr::from(([127, 0, 0, 1], 9080)),
            hostnames: Vec::new(),
            throttle: ThrottleConfig::default(),
            body_limit: 1024 * 1024,
            handshake_timeout: Duration::from_secs(10),
            cert_limit_per_subscription: 100,
            cert_limit_per_service_admin: 100,
            auth_refresh_interval: Duration::from_secs(1),
            auth_max_staleness: Duration::from_secs(30),
            job_poll_interval: Duration::from_millis(200),
            job_lease: Duration::from_secs(30),
            job_max_attempts: 3,
            locations: DEFAULT_LOCATIONS.iter().map(|s| s.to_string()).collect(),
            image_catalogue: None,
            dns_suffix: "azmc.localhost".into(),
            async_delay: Duration::ZERO,
            portal: PortalConfig::default(),
            pfx: PfxLimits::default(),
            operation_retention: Duration::from_secs(90 * 24 * 3600),
            restore_window: Duration::from_secs(14 * 24 * 3600),
            connections: ConnectionLimits::default(),
            kek: KekSource::File(data_dir.join("kek")),
            data_dir,
        }
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("azmc.sqlite3").display()),
        }
    }
}

/// Portal settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalConfig {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_absolute: Duration,
    /// Wrong passwords for one account from one client address before that pair waits
    /// (a minute, doubling up to 15 minutes); also password changes per account per
    /// minute.
    pub signin_failures: u32,
    /// Sign-in attempts per client address per minute (an IPv6 client by its /64).
    pub signin_per_address: u32,
    /// Sign-in attempts per second over all clients.
    pub signin_per_second: u32,
    /// Publish settings downloads per user per hour (each makes an RSA key and links a
    /// new management certificate).
    pub publish_per_hour: u32,
    /// Largest `.cer` upload (the whole form body).
    pub upload_limit: usize,
}

impl Default for PortalConfig {
    /// 30 minutes idle, 12 hours at most; 5 wrong passwords per account and address
    /// before backoff, 30 attempts a minute per address, 20 a second in all; 10 publish
    /// settings downloads an hour per user; 64 KiB uploads (a certificate is a few KiB).
    fn default() -> Self {
        PortalConfig {
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            signin_failures: 5,
            signin_per_address: 30,
            signin_per_second: 20,
            publish_per_hour: 10,
            upload_limit: 64 * 1024,
        }
    }
}
