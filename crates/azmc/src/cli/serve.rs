//! `azmc serve`: the management API server.

use super::server_args::ServerLocation;
use anyhow::{Context, Result};
use azmc_server::{ServerConfig, StartOptions, ThrottleConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  azmc serve                                   # SQLite in ~/.local/share/azmc-server, API on https://127.0.0.1:9443
  azmc serve --api-listen 0.0.0.0:9443 --hostname asm.example.test
  azmc serve --database-url postgres://azmc@db.internal/azmc   # several nodes on one database
  azmc serve --image-catalogue images.xml      # platform images of a file, not the built-in ones

First start on an empty database creates a key-encryption key (DATA_DIR/kek, mode 0600,
or --kek-file / AZMC_KEK: it wraps the secrets stored in the database, and every node of
one database needs it), a local CA (DATA_DIR/ca.pem: what clients must trust), an administrator (password from AZMC_ADMIN_PASSWORD, else generated into
DATA_DIR/admin-password), one subscription and a management certificate for it, written
as DATA_DIR/bootstrap.publishsettings (mode 0600). Later starts reuse them.

Once it accepts connections the server prints `API listening on https://HOST:PORT`.
The portal (sign in as admin) is on the portal listener, https://127.0.0.1:9080 by default.
Use the API with `azmc account import DATA_DIR/bootstrap.publishsettings --ca-file DATA_DIR/ca.pem`.

Throttling: per subscription, reads (GET) default to 50/s with bursts of 200, writes to
10/s with bursts of 40; a throttled request gets 503 TooManyRequests with Retry-After.")]
pub struct ServeArgs {
    #[command(flatten)]
    location: ServerLocation,
    /// Management API listener (HTTPS with client certificates). Port 0 picks a free port.
    #[arg(long, env = "AZMC_API_LISTEN", default_value = "127.0.0.1:9443")]
    api_listen: SocketAddr,
    /// Portal listener (HTTPS with the server certificate): the web portal, /healthz, /metrics.
    #[arg(long, env = "AZMC_PORTAL_LISTEN", default_value = "127.0.0.1:9080")]
    portal_listen: SocketAddr,
    /// Extra DNS name or IP address for the server certificate (repeatable); the first one
    /// is the host of the API URL in publish settings.
    #[arg(long = "hostname", env = "AZMC_HOSTNAME", value_delimiter = ',')]
    hostnames: Vec<String>,
    /// Sustained reads per second per subscription.
    #[arg(long, default_value_t = ThrottleConfig::default().read_per_second)]
    throttle_read_rate: u32,
    /// Burst of reads per subscription.
    #[arg(long, default_value_t = ThrottleConfig::default().read_burst)]
    throttle_read_burst: u32,
    /// Sustained writes per second per subscription.
    #[arg(long, default_value_t = ThrottleConfig::default().write_per_second)]
    throttle_write_rate: u32,
    /// Burst of writes per subscription.
    #[arg(long, default_value_t = ThrottleConfig::default().write_burst)]
    throttle_write_burst: u32,
    /// A region offered by List Locations (repeatable; replaces the default list of West US,
    /// East US, North Europe, West Europe, East Asia and Southeast Asia).
    #[arg(long = "location", env = "AZMC_LOCATIONS", value_delimiter = ',')]
    locations: Vec<String>,
    /// The platform image catalogue: an XML file in the shape of the List OS Images answer
    /// (<Images> of <OSImage>; a saved `GET /SUBSCRIPTION/services/images` answer serves as
    /// it is), of the List VM Images answer (<VMImages>), or <ImageCatalogue> holding
    /// either or both (docs/image-catalogue.xml). It replaces the built-in catalogue (8 OS
    /// images and 2 VM images of the 2015 gallery). Each image needs a Name and an OS
    /// (Linux or Windows); of its Location, the regions the server offers (--location) are
    /// kept, and an image without one is in all of them. A file that does not read or check
    /// stops the start, naming the cause.
    #[arg(long, env = "AZMC_IMAGE_CATALOGUE", value_name = "FILE")]
    image_catalogue: Option<PathBuf>,
    /// DNS suffix of the endpoints reported for resources (e.g. https://NAME.blob.SUFFIX/).
    #[arg(long, env = "AZMC_DNS_SUFFIX", default_value = "azmc.localhost")]
    dns_suffix: String,
    /// Milliseconds asynchronous operations stay InProgress before their work runs.
    #[arg(long, env = "AZMC_ASYNC_DELAY_MS", default_value_t = 0)]
    async_delay_ms: u64,
    /// Seconds a node holds a claimed job before another node may take it over (when the
    /// first one died).
    #[arg(long, env = "AZMC_JOB_LEASE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    job_lease_secs: u64,
    /// Days a deleted storage account or cloud service can be restored (its name stays
    /// reserved for its subscription meanwhile); 0 deletes at once.
    #[arg(long, env = "AZMC_RESTORE_DAYS", default_value_t = 14, value_parser = clap::value_parser!(u64).range(0..=3650))]
    restore_days: u64,
    /// Log filter (error, warn, info, debug, or a tracing filter such as azmc_server=debug).
    #[arg(long, env = "AZMC_LOG", default_value = "info")]
    log: String,
}

pub fn run(a: ServeArgs) -> Result<()> {
    init_logging(&a.log)?;
    let mut config = ServerConfig::new(a.location.data_dir()?);
    config.database_url = a.location.database_url.clone();
    config.kek = a.location.kek_source()?;
    config.api_listen = a.api_listen;
    config.portal_listen = a.portal_listen;
    config.hostnames = a.hostnames.clone();
    config.throttle = ThrottleConfig {
        read_per_second: a.throttle_read_rate,
        read_burst: a.throttle_read_burst,
        write_per_second: a.throttle_write_rate,
        write_burst: a.throttle_write_burst,
    };
    if !a.locations.is_empty() {
        config.locations = a.locations.clone();
    }
    config.image_catalogue = a.image_catalogue.clone();
    config.dns_suffix = a.dns_suffix.clone();
    config.async_delay = std::time::Duration::from_millis(a.async_delay_ms);
    config.job_lease = std::time::Duration::from_secs(a.job_lease_secs);
    config.restore_window = std::time::Duration::from_secs(a.restore_days * 24 * 3600);
    let admin_password = std::env::var("AZMC_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let server = azmc_server::start(
            config,
            azmc_pki::clock::system(),
            StartOptions {
                admin_password,
                ..StartOptions::default()
            },
        )
        .await?;
        let b = &server.bootstrap;
        println!("CA certificate: {}", b.ca_file.display());
        if let Some(f) = &b.kek_file {
            println!(
                "Key-encryption key (keep it, apart from database backups): {}",
                f.display()
            );
        }
        if let Some(f) = &b.admin_password_file {
            println!("Administrator password (user admin): {}", f.display());
        }
        if let (Some(f), Some(id)) = (&b.publishsettings_file, &b.subscription_id) {
            println!("Publish settings for subscription {id}: {}", f.display());
        }
        println!("Portal listening on https://{}", server.portal_addr);
        println!("API listening on {}", server.api_url);
        wait_for_signal().await;
        eprintln!("azmc: shutting down");
        server.shutdown().await;
        Ok::<(), anyhow::Error>(())
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers, run until killed.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

pub fn init_logging(filter: &str) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| crate::UsageError(format!("--log {filter:?}: {e}")))?;
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour codes only for a terminal (not in log files, and not at their cost on
        // every request's span).
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging: {e}"))
}
