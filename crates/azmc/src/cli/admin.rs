//! `azmc admin`: accounts and subscriptions, directly in the server's database (works
//! whether or not `azmc serve` is running; a running server picks the changes up).

use super::server_args::ServerLocation;
use super::{GlobalArgs, read_input};
use crate::output::{Format, print_json, print_table, rfc3339};
use crate::secrets::PasswordArgs;
use anyhow::{Context, Result};
use azmc_db::{CreateMode, Db, Limits, Subscription, SubscriptionStatus};
use clap::Subcommand;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    #[command(flatten)]
    location: ServerLocation,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Portal accounts (service administrators and co-administrators).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Subscriptions, their administrators and management certificates.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// The key-encryption key that wraps the secrets stored in the database.
    #[command(subcommand)]
    Kek(KekCommand),
}

#[derive(Debug, Subcommand)]
enum KekCommand {
    /// Wrap the server CA key and the sealing key under a new key-encryption key.
    ///
    /// With a key file (DATA_DIR/kek or --kek-file) the file is replaced; with AZMC_KEK
    /// (or to keep the file) the new key is written to --new-kek-file. Running servers
    /// keep working; each node needs the new key for its next start.
    #[command(
        after_help = "Examples:\n  azmc admin kek rotate\n  AZMC_KEK=... azmc admin kek rotate --database-url postgres://azmc@db/azmc --new-kek-file kek.next"
    )]
    Rotate {
        /// Write the new key here (a new file, mode 0600) instead of replacing the key file.
        #[arg(long, value_name = "FILE")]
        new_kek_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create an account (password: prompt or --password-file; at least 12 characters).
    #[command(
        after_help = "Example:\n  azmc admin account create alice --email alice@example.test --password-file pw.txt"
    )]
    Create {
        /// The new account's username (1 to 64 letters, digits, '.', '_', '-' or '@').
        username: String,
        /// The account's e-mail address (reported as the administrator e-mail of the
        /// subscriptions it administers).
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// List accounts.
    List,
    /// Set an account's password.
    Passwd {
        /// The account's username.
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Debug, Subcommand)]
enum SubscriptionCommand {
    /// Create a subscription.
    #[command(after_help = "Example:\n  azmc admin subscription create --name Dev --admin alice")]
    Create {
        /// The subscription's display name (SubscriptionName; 1 to 100 characters).
        #[arg(long)]
        name: String,
        /// Service administrator (an account).
        #[arg(long, default_value = "admin")]
        admin: String,
        /// The subscription id (a GUID); random when absent.
        #[arg(long)]
        id: Option<String>,
    },
    /// List subscriptions.
    List,
    /// Show a subscription with its co-administrators and management certificates.
    Show {
        /// The subscription id (a GUID).
        id: String,
    },
    /// Disable a subscription: its certificates are refused (403 SubscriptionDisabled).
    Disable {
        /// The subscription id (a GUID).
        id: String,
    },
    /// Enable a disabled subscription.
    Enable {
        /// The subscription id (a GUID).
        id: String,
    },
    /// Add a co-administrator.
    AddCoadmin {
        /// The subscription id (a GUID).
        id: String,
        /// The account (username) to make a co-administrator.
        username: String,
    },
    /// Remove a co-administrator.
    RemoveCoadmin {
        /// The subscription id (a GUID).
        id: String,
        /// The co-administrator's account (username).
        username: String,
    },
    /// Link a management certificate (.cer, DER or PEM) to a subscription.
    #[command(
        after_help = "Example:\n  azmc admin subscription add-cert --subscription 8a4a0a51-728e-482e-8daa-c477f03c541d mycert.cer"
    )]
    /// The subscription is given with --subscription.
    AddCert {
        /// The certificate file: .cer, DER or PEM (- reads standard input).
        file: PathBuf,
    },
    /// Disable a management certificate of the --subscription without deleting it: it is
    /// refused until enabled again (recorded in the operation log).
    #[command(
        after_help = "Example:\n  azmc admin subscription disable-cert --subscription 8a4a0a51-728e-482e-8daa-c477f03c541d 6A7F3171…"
    )]
    DisableCert {
        /// The certificate's thumbprint (SHA-1, hex).
        thumbprint: String,
    },
    /// Enable a disabled management certificate of the --subscription again.
    EnableCert {
        /// The certificate's thumbprint (SHA-1, hex).
        thumbprint: String,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn open(location: &ServerLocation) -> Result<Db> {
    let url = match &location.database_url {
        Some(u) => u.clone(),
        None => {
            let f = location.data_dir()?.join("azmc.sqlite3");
            if !f.exists() {
                anyhow::bail!(
                    "{}: no server database here; run `azmc serve` once (or give --data-dir / --database-url)",
                    f.display()
                );
            }
            format!("sqlite://{}", f.display())
        }
    };
    Db::connect(&url, CreateMode::MustExist)
        .await
        .with_context(|| "opening the server database".to_string())
}

#[derive(Serialize)]
struct AccountJson {
    username: String,
    email: Option<String>,
    created: String,
}

#[derive(Serialize)]
struct SubscriptionJson {
    id: String,
    name: String,
    status: String,
    service_admin: String,
    created: String,
}

impl SubscriptionJson {
    fn new(s: &Subscription) -> Self {
        Self {
            id: s.id.clone(),
            name: s.name.clone(),
            status: s.status.to_string(),
            service_admin: s.service_admin.clone(),
            created: rfc3339(s.created_at),
        }
    }
}

#[derive(Serialize)]
struct CertJsonShort {
    thumbprint: String,
    subject: String,
    not_after: String,
    added: String,
    added_by: String,
}

#[derive(Serialize)]
struct SubscriptionDetail {
    #[serde(flatten)]
    subscription: SubscriptionJson,
    coadmins: Vec<String>,
    certificates: Vec<CertJsonShort>,
}

pub fn run(a: AdminArgs, g: &GlobalArgs) -> Result<()> {
    let fmt = g.plain_format()?;
    let clock = azmc_pki::clock::system();
    runtime()?.block_on(async move {
        let db = open(&a.location).await?;
        let now = clock.now();
        let r = match a.command {
            AdminCommand::Account(c) => account(&db, c, now, fmt).await,
            AdminCommand::Subscription(c) => subscription(&db, c, now, fmt, g).await,
            AdminCommand::Kek(c) => kek(&db, &a.location, c).await,
        };
        db.close().await;
        r
    })
}

async fn kek(db: &Db, location: &ServerLocation, c: KekCommand) -> Result<()> {
    match c {
        KekCommand::Rotate { new_kek_file } => {
            let source = location.kek_source()?;
            let r = azmc_server::keys::rotate(db, &source, new_kek_file.as_deref())
                .await
                .context("rotating the key-encryption key")?;
            if r.in_place {
                eprintln!(
                    "azmc: the database's secrets are wrapped by a new key-encryption key, in {}",
                    r.kek_file.display()
                );
            } else {
                eprintln!(
                    "azmc: the database's secrets are wrapped by a new key-encryption key, in {}: \
                     give it to every node (--kek-file, or its contents as AZMC_KEK) before its next start",
                    r.kek_file.display()
                );
            }
        }
    }
    Ok(())
}

async fn account(db: &Db, c: AccountCommand, now: time::OffsetDateTime, fmt: Format) -> Result<()> {
    match c {
        AccountCommand::Create {
            username,
            email,
            password,
        } => {
            let pw = password.get(&format!("Password for {username}"), true)?;
            azmc_server::admin::create_account(db, &username, email.as_deref(), &pw, now)
                .await
                .with_context(|| format!("account {username}"))?;
            eprintln!("azmc: created account {username}");
        }
        AccountCommand::List => {
            let accounts = db.list_accounts().await?;
            let rows: Vec<AccountJson> = accounts
                .iter()
                .map(|a| AccountJson {
                    username: a.username.clone(),
                    email: a.email.clone(),
                    created: rfc3339(a.created_at),
                })
                .collect();
            match fmt {
                Format::Json => print_json(&rows)?,
                Format::Table => print_table(
                    &["USERNAME", "EMAIL", "CREATED"],
                    &rows
                        .iter()
                        .map(|r| {
                            vec![
                                r.username.clone(),
                                r.email.clone().unwrap_or_default(),
                                r.created.clone(),
                            ]
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        }
        AccountCommand::Passwd { username, password } => {
            let pw = password.get(&format!("New password for {username}"), true)?;
            azmc_server::admin::set_password(db, &username, &pw, now)
                .await
                .with_context(|| format!("account {username}"))?;
            eprintln!("azmc: password of {username} changed");
        }
    }
    Ok(())
}

async fn subscription(
    db: &Db,
    c: SubscriptionCommand,
    now: time::OffsetDateTime,
    fmt: Format,
    g: &GlobalArgs,
) -> Result<()> {
    match c {
        SubscriptionCommand::Create { name, admin, id } => {
            create_subscription(db, &name, &admin, id.as_deref(), now, fmt).await
        }
        SubscriptionCommand::List => list_subscriptions(db, fmt).await,
        SubscriptionCommand::Show { id } => show_subscription(db, &id, fmt).await,
        SubscriptionCommand::Disable { id } => {
            set_status(db, &id, SubscriptionStatus::Disabled, "disabled").await
        }
        SubscriptionCommand::Enable { id } => {
            set_status(db, &id, SubscriptionStatus::Active, "enabled").await
        }
        SubscriptionCommand::AddCoadmin { id, username } => {
            add_coadmin(db, &id, &username, now).await
        }
        SubscriptionCommand::RemoveCoadmin { id, username } => {
            remove_coadmin(db, &id, &username, now).await
        }
        SubscriptionCommand::AddCert { file } => add_cert(db, &file, now, g).await,
        SubscriptionCommand::DisableCert { thumbprint } => {
            set_cert_disabled(db, &thumbprint, true, now, g).await
        }
        SubscriptionCommand::EnableCert { thumbprint } => {
            set_cert_disabled(db, &thumbprint, false, now, g).await
        }
    }
}

/// `subscription create`: prints the new id (or the subscription, as JSON).
async fn create_subscription(
    db: &Db,
    name: &str,
    admin: &str,
    id: Option<&str>,
    now: time::OffsetDateTime,
    fmt: Format,
) -> Result<()> {
    let s = azmc_server::admin::create_subscription(db, name, admin, id, now)
        .await
        .context("creating the subscription")?;
    match fmt {
        Format::Json => print_json(&SubscriptionJson::new(&s))?,
        Format::Table => println!("{}", s.id),
    }
    Ok(())
}

/// `subscription list`.
async fn list_subscriptions(db: &Db, fmt: Format) -> Result<()> {
    let subs = db.list_subscriptions().await?;
    let rows: Vec<SubscriptionJson> = subs.iter().map(SubscriptionJson::new).collect();
    match fmt {
        Format::Json => print_json(&rows)?,
        Format::Table => print_table(
            &["ID", "NAME", "STATUS", "SERVICE ADMIN"],
            &rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.name.clone(),
                        r.status.clone(),
                        r.service_admin.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    }
    Ok(())
}

/// `subscription show`: the subscription, its co-administrators and its management
/// certificates.
async fn show_subscription(db: &Db, id: &str, fmt: Format) -> Result<()> {
    let s = db
        .get_subscription(id)
        .await
        .with_context(|| format!("subscription {id}"))?;
    let coadmins = db.list_coadmins(&s.id).await?;
    let certs = db.list_linked_certificates(&s.id).await?;
    let detail = SubscriptionDetail {
        subscription: SubscriptionJson::new(&s),
        coadmins,
        certificates: certs
            .iter()
            .map(|c| CertJsonShort {
                thumbprint: c.certificate.thumbprint.to_string(),
                subject: c.certificate.subject.clone(),
                not_after: rfc3339(c.certificate.not_after),
                added: rfc3339(c.created_at),
                added_by: c.created_by.clone(),
            })
            .collect(),
    };
    match fmt {
        Format::Json => print_json(&detail)?,
        Format::Table => print_detail_table(&detail),
    }
    Ok(())
}

/// `subscription show` as a table: the fields, a blank line, then the certificates.
fn print_detail_table(detail: &SubscriptionDetail) {
    crate::output::print_fields(&[
        ("Id", detail.subscription.id.clone()),
        ("Name", detail.subscription.name.clone()),
        ("Status", detail.subscription.status.clone()),
        (
            "Service administrator",
            detail.subscription.service_admin.clone(),
        ),
        ("Co-administrators", detail.coadmins.join(", ")),
        ("Created", detail.subscription.created.clone()),
    ]);
    println!();
    print_table(
        &["THUMBPRINT", "SUBJECT", "EXPIRES", "ADDED BY"],
        &detail
            .certificates
            .iter()
            .map(|c| {
                vec![
                    c.thumbprint.clone(),
                    c.subject.clone(),
                    c.not_after.clone(),
                    c.added_by.clone(),
                ]
            })
            .collect::<Vec<_>>(),
    );
}

/// `subscription disable` and `subscription enable`; `done` ("disabled", "enabled") ends
/// the message.
async fn set_status(db: &Db, id: &str, status: SubscriptionStatus, done: &str) -> Result<()> {
    db.set_subscription_status(id, status)
        .await
        .with_context(|| format!("subscription {id}"))?;
    eprintln!("azmc: subscription {id} {done}");
    Ok(())
}

/// `subscription add-coadmin`.
async fn add_coadmin(db: &Db, id: &str, username: &str, now: time::OffsetDateTime) -> Result<()> {
    azmc_server::admin::set_coadmin(db, id, username, true, now)
        .await
        .with_context(|| format!("subscription {id}, account {username}"))?;
    eprintln!("azmc: {username} is now a co-administrator of {id}");
    Ok(())
}

/// `subscription remove-coadmin`.
async fn remove_coadmin(
    db: &Db,
    id: &str,
    username: &str,
    now: time::OffsetDateTime,
) -> Result<()> {
    azmc_server::admin::set_coadmin(db, id, username, false, now)
        .await
        .with_context(|| format!("subscription {id}, account {username}"))?;
    eprintln!("azmc: {username} is no longer a co-administrator of {id}");
    Ok(())
}

/// `subscription disable-cert|enable-cert`.
async fn set_cert_disabled(
    db: &Db,
    thumbprint: &str,
    disabled: bool,
    now: time::OffsetDateTime,
    g: &GlobalArgs,
) -> Result<()> {
    let Some(subscription) = g.subscription.clone() else {
        return crate::usage("this needs --subscription ID");
    };
    let t: azmc_pki::Thumbprint = thumbprint
        .parse()
        .map_err(|e| crate::UsageError(format!("{thumbprint:?}: {e}")))?;
    let changed =
        azmc_server::admin::set_certificate_disabled(db, &subscription, &t, disabled, now)
            .await
            .with_context(|| format!("certificate {t} of subscription {subscription}"))?;
    let state = if disabled { "disabled" } else { "enabled" };
    if changed {
        eprintln!("azmc: certificate {t} of subscription {subscription} {state}");
    } else {
        eprintln!("azmc: certificate {t} of subscription {subscription} was already {state}");
    }
    Ok(())
}

/// `subscription add-cert`: links the certificate in `file` to the `--subscription`;
/// prints its thumbprint.
async fn add_cert(db: &Db, file: &Path, now: time::OffsetDateTime, g: &GlobalArgs) -> Result<()> {
    let Some(subscription) = g.subscription.clone() else {
        return crate::usage("add-cert needs --subscription ID");
    };
    let data = read_input(file, 1024 * 1024)?;
    let linked =
        azmc_server::admin::add_certificate(db, &subscription, &data, &Limits::default(), now)
            .await
            .with_context(|| {
                format!("{}: linking to subscription {subscription}", file.display())
            })?;
    println!("{}", linked.certificate.thumbprint);
    eprintln!(
        "azmc: linked {} to subscription {subscription}",
        linked.certificate.subject
    );
    Ok(())
}
