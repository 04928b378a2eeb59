//! First start: what an empty database gets, and the files in the data directory.
//!
//! On an empty database (after [`crate::keys::unlock`] has made the local CA, stored in the
//! database so that every node of one PostgreSQL deployment serves under the same CA, and
//! the key-encryption key that wraps its private key): an administrator account, one
//! subscription, and one management certificate linked to it, whose private key exists
//! only inside `bootstrap.publishsettings` (the server keeps the public certificate).
//! Later starts reuse all of it. `ca.pem` is (re)written at every start.

use crate::domain::{self, Actor, Ctx, accounts, subscriptions};
use crate::error::ServerError;
use crate::tls::LocalCa;
use azmc_certstore::fs::{write_public_file, write_secret_file};
use azmc_db::{Account, Db, DbError, Limits, NewSubscription, Quotas};
use azmc_pki::{KeyKind, NewCertificate, create_self_signed};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The administrator created on first start.
pub const ADMIN_USER: &str = "admin";

/// What start-up produced, for `azmc serve` to print.
#[derive(Debug, Clone, Default)]
pub struct BootstrapReport {
    pub ca_file: PathBuf,
    /// Set when this start made the key-encryption key file (a new database).
    pub kek_file: Option<PathBuf>,
    /// Set when this start created the administrator with a generated password.
    pub admin_password_file: Option<PathBuf>,
    /// Set when this start created the first subscription and its publish settings.
    pub publishsettings_file: Option<PathBuf>,
    pub subscription_id: Option<String>,
    pub created: bool,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ServerError + '_ {
    move |source| ServerError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Create the data directory (0700) if needed.
pub fn ensure_data_dir(dir: &Path) -> Result<(), ServerError> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_err(dir))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io_err(dir))?;
    }
    Ok(())
}

/// Everything a first start creates; a no-op (but for `ca.pem`) on later starts.
pub async fn bootstrap(
    db: &Db,
    data_dir: &Path,
    ca: &LocalCa,
    api_url: &str,
    admin_password: Option<&str>,
    limits: &Limits,
    now: OffsetDateTime,
) -> Result<BootstrapReport, ServerError> {
    let mut report = BootstrapReport {
        ca_file: data_dir.join("ca.pem"),
        ..BootstrapReport::default()
    };
    write_public_file(&report.ca_file, ca.cert_pem.as_bytes())?;

    // The administrator. A Conflict means another node (or an earlier start) made it.
    if db.list_accounts().await?.is_empty() {
        let (password, generated) = match admin_password {
            Some(p) if !p.is_empty() => (Zeroizing::new(p.to_string()), false),
            _ => (accounts::generate_password()?, true),
        };
        let account = Account {
            username: ADMIN_USER.into(),
            email: None,
            password_hash: accounts::hash_password(&password)?,
            created_at: now,
        };
        match db.create_account(&account).await {
            Ok(()) => {
                if generated {
                    let f = data_dir.join("admin-password");
                    write_secret_file(&f, format!("{}\n", password.as_str()).as_bytes())?;
                    report.admin_password_file = Some(f);
                }
            }
            Err(DbError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }

    if db.subscription_count().await? > 0 {
        return Ok(report);
    }
    let id = subscriptions::new_id()?;
    db.create_subscription(
        &NewSubscription {
            id: &id,
            name: "Default",
            service_admin: ADMIN_USER,
        },
        &Quotas::default(),
        now,
    )
    .await?;
    let (cert, key) = create_self_signed(&NewCertificate {
        name: "azmc bootstrap management certificate",
        key: KeyKind::Rsa2048,
        days: 365,
        now,
    })
    .map_err(|e| ServerError::Other(format!("creating the bootstrap certificate: {e}")))?;
    domain::certificates::link(
        &Ctx::offline(db, *limits, now),
        &Actor::Bootstrap,
        &[id.as_str()],
        &cert,
    )
    .await?;
    let xml = azmc_wire::publishsettings::write(&[azmc_wire::publishsettings::PublishEntry {
        id: &id,
        name: "Default",
        endpoint: api_url,
        certificate: &cert,
        key: &key,
    }])
    .map_err(|e| ServerError::Other(format!("writing the bootstrap publish settings: {e}")))?;
    let f = data_dir.join("bootstrap.publishsettings");
    write_secret_file(&f, xml.as_bytes())?;
    report.publishsettings_file = Some(f);
    report.subscription_id = Some(id);
    report.created = true;
    Ok(report)
}
