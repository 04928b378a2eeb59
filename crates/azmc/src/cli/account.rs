//! `azmc account`: profiles (endpoint + subscription + management certificate).

use super::client_ctx::{client_for, load_profiles};
use super::{Ctx, StoreArg, publishsettings, read_input};
use crate::output::{Expiry, Format, Tabular, print_fields, print_json, print_rows, rfc3339};
use crate::profiles::Profile;
use crate::secrets::PasswordArgs;
use anyhow::{Context, Result};
use azmc_certstore::{CertStore, KeyPolicy, Protection};
use azmc_client::{Endpoint, Trust, is_subscription_id};
use azmc_pki::Thumbprint;
use azmc_pki::pkcs12::ReadOptions;
use clap::Subcommand;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Import a .publishsettings file: its certificates go into the store (private keys not
    /// exportable) and each subscription becomes a profile. The first profile becomes the
    /// default unless one is set.
    #[command(after_help = "Examples:
  azmc account import my.publishsettings --ca-file /var/lib/azmc-server/ca.pem --delete-file
  azmc account import my.publishsettings --subscription Dev")]
    Import {
        /// The .publishsettings file (with --subscription ID|NAME: import only that
        /// subscription).
        file: PathBuf,
        /// Trust this CA (PEM) for the endpoint instead of the system roots (the `ca.pem` of
        /// an `azmc serve`).
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArg,
        /// Overwrite and remove the file after a successful import.
        #[arg(long)]
        delete_file: bool,
        /// Make the (first) imported profile the default.
        #[arg(long)]
        set_default: bool,
    },
    /// Add a profile for a subscription with a certificate of the store (--cert) or from a
    /// .pfx (--pfx, imported not exportable). The subscription is --subscription ID.
    #[command(after_help = "Examples:
  azmc account add --subscription 8a4a0a51-728e-482e-8daa-c477f03c541d \\
      --endpoint https://127.0.0.1:9443 --cert 6A7F317132... --ca-file ca.pem --name dev
  azmc account add --subscription 8a4a0a51-728e-482e-8daa-c477f03c541d \\
      --endpoint https://management.core.windows.net --pfx mgmt.pfx --password-file pw.txt")]
    Add {
        /// The management endpoint, e.g. https://127.0.0.1:9443.
        #[arg(long, value_name = "URL")]
        endpoint: String,
        /// A certificate of the store (thumbprint), with its private key.
        #[arg(
            long,
            value_name = "THUMBPRINT",
            required_unless_present = "pfx",
            conflicts_with = "pfx"
        )]
        cert: Option<String>,
        /// A .pfx/.p12 holding the certificate and its key.
        #[arg(long, value_name = "FILE")]
        pfx: Option<PathBuf>,
        #[command(flatten)]
        password: PasswordArgs,
        /// The profile's name (default: the subscription name, else the id's first block).
        #[arg(long)]
        name: Option<String>,
        /// The subscription's display name.
        #[arg(long, value_name = "NAME")]
        subscription_name: Option<String>,
        /// Trust this CA (PEM) for the endpoint instead of the system roots.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArg,
        /// Make it the default profile.
        #[arg(long)]
        set_default: bool,
    },
    /// List profiles (the default is marked).
    List,
    /// Show a profile (default: the selected one) and check its certificate.
    Show {
        /// The profile's name or subscription id (default: the one --profile or
        /// --subscription selects, else the default profile).
        name: Option<String>,
    },
    /// Make a profile the default.
    Set {
        /// The profile's name or subscription id.
        name: String,
    },
    /// Remove a profile (the certificate stays in the store).
    Remove {
        /// The profile's name or subscription id.
        name: String,
    },
}

#[derive(Debug, Serialize)]
struct ProfileJson {
    name: String,
    default: bool,
    subscription_id: String,
    subscription_name: Option<String>,
    endpoint: String,
    certificate: String,
    store: String,
    trust: &'static str,
    /// The certificate's end of validity, days left and `ok`/`soon`/`expired`; absent
    /// when the store does not hold the certificate.
    expires: Option<String>,
    #[serde(flatten)]
    expiry: Option<Expiry>,
    #[serde(skip)]
    expires_cell: String,
}

impl Tabular for ProfileJson {
    const HEADER: &'static [&'static str] = &[
        "",
        "NAME",
        "SUBSCRIPTION",
        "ENDPOINT",
        "CERTIFICATE",
        "EXPIRES",
    ];
    fn row(&self) -> Vec<String> {
        vec![
            if self.default { "*" } else { "" }.to_string(),
            self.name.clone(),
            self.subscription_id.clone(),
            self.endpoint.clone(),
            self.certificate.clone(),
            self.expires_cell.clone(),
        ]
    }
}

fn print_profiles(rows: &[ProfileJson], fmt: Format) -> Result<()> {
    match fmt {
        Format::Json => print_json(&rows),
        Format::Table => {
            print_rows(rows);
            Ok(())
        }
    }
}

impl ProfileJson {
    fn new(p: &Profile, default: Option<&str>) -> Self {
        ProfileJson {
            name: p.name.clone(),
            default: default.is_some_and(|d| d.eq_ignore_ascii_case(&p.name)),
            subscription_id: p.subscription_id.clone(),
            subscription_name: p.subscription_name.clone(),
            endpoint: p.endpoint.clone(),
            certificate: p.certificate.clone(),
            store: p.store.clone(),
            trust: if p.ca_pem.is_some() {
                "ca-file"
            } else {
                "system"
            },
            expires: None,
            expiry: None,
            expires_cell: "-".into(),
        }
    }

    /// With the expiry of the profile's certificate, as the store holds it (nothing is
    /// decrypted; a certificate the store lacks leaves it absent).
    fn with_expiry(mut self, ctx: &Ctx) -> Self {
        let not_after = (|| {
            let location: azmc_certstore::StoreLocation = self.store.parse().ok()?;
            let t: Thumbprint = self.certificate.parse().ok()?;
            let store = ctx.open_store(&location).ok()?;
            Some(store.get(&t).ok()?.certificate.not_after())
        })();
        if let Some(at) = not_after {
            let e = Expiry::of(at, ctx.clock.now());
            self.expires = Some(rfc3339(at));
            self.expiry = Some(e);
            self.expires_cell = e.cell(at);
        } else {
            self.expires_cell = "not in store".into();
        }
        self
    }
}

/// Runs one `azmc account` sub-command.
pub fn run(ctx: &Ctx, cmd: AccountCommand) -> Result<()> {
    let fmt = ctx.global.plain_format()?;
    match cmd {
        AccountCommand::Import {
            file,
            ca_file,
            store,
            delete_file,
            set_default,
        } => import(
            ctx,
            &file,
            ca_file.as_deref(),
            &store,
            delete_file,
            set_default,
            fmt,
        ),
        AccountCommand::Add {
            endpoint,
            cert,
            pfx,
            password,
            name,
            subscription_name,
            ca_file,
            store,
            set_default,
        } => add(
            ctx,
            &endpoint,
            cert.as_deref(),
            pfx.as_deref(),
            &password,
            name.as_deref(),
            subscription_name,
            ca_file.as_deref(),
            &store,
            set_default,
            fmt,
        ),
        AccountCommand::List => list(ctx, fmt),
        AccountCommand::Show { name } => show(ctx, name.as_deref(), fmt),
        AccountCommand::Set { name } => set(ctx, &name),
        AccountCommand::Remove { name } => remove(ctx, &name),
    }
}

/// `account add`: check the arguments, find or import the certificate, then save the
/// profile (and make it the default with `set_default`) and show it.
#[allow(clippy::too_many_arguments)]
fn add(
    ctx: &Ctx,
    endpoint: &str,
    cert: Option<&str>,
    pfx: Option<&Path>,
    password: &PasswordArgs,
    name: Option<&str>,
    subscription_name: Option<String>,
    ca_file: Option<&Path>,
    store: &StoreArg,
    set_default: bool,
    fmt: Format,
) -> Result<()> {
    let Some(subscription) = ctx.global.subscription.clone() else {
        return crate::usage("account add needs --subscription ID");
    };
    if !is_subscription_id(&subscription) {
        return crate::usage(format!(
            "--subscription {subscription:?}: not a subscription id (a GUID)"
        ));
    }
    Endpoint::parse(endpoint)?;
    let ca_pem = read_ca(ca_file)?;
    let s = ctx.open_store(&store.store)?;
    let thumbprint = match (cert, pfx) {
        (Some(t), _) => store_thumbprint(&s, store, t)?,
        (None, Some(pfx)) => import_pfx(&s, pfx, password)?,
        (None, None) => return crate::usage("give --cert THUMBPRINT or --pfx FILE"),
    };
    let mut profiles = load_profiles(ctx)?;
    let name = match name {
        Some(n) => check_name(n)?,
        None => profiles.name_for(subscription_name.as_deref(), &subscription),
    };
    let p = Profile {
        name: name.clone(),
        subscription_id: subscription.to_ascii_lowercase(),
        subscription_name,
        endpoint: endpoint.trim_end_matches('/').to_string(),
        certificate: thumbprint.to_string(),
        store: store.store.to_string(),
        ca_pem,
    };
    profiles.upsert(p);
    if set_default {
        profiles.default = Some(name.clone());
    }
    profiles.save()?;
    let p = profiles.find(&name).cloned();
    if let Some(p) = p {
        show_one(ctx, &p, profiles.default.as_deref(), fmt)?;
    }
    Ok(())
}

/// `account add --cert`: the thumbprint of a certificate of the store that has its private key.
fn store_thumbprint(s: &CertStore, store: &StoreArg, t: &str) -> Result<Thumbprint> {
    let t: Thumbprint = t
        .parse()
        .map_err(|e| crate::UsageError(format!("--cert {t:?}: {e}")))?;
    let e = s
        .get(&t)
        .with_context(|| format!("--cert {t}: not in {}", store.store))?;
    if !e.has_private_key {
        anyhow::bail!("--cert {t}: {} holds no private key for it", store.store);
    }
    Ok(t)
}

/// `account add --pfx`: import the file into the store (key not exportable) and return the
/// certificate's thumbprint.
fn import_pfx(s: &CertStore, pfx: &Path, password: &PasswordArgs) -> Result<Thumbprint> {
    let data = crate::input::read_pkcs12(pfx, 1024 * 1024)?;
    let pw = password.get(
        &format!("Password for {}", crate::input::display(pfx)),
        false,
    )?;
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Default,
    };
    let entry = s
        .import_pfx(&data, &pw, ReadOptions::default(), &policy)
        .with_context(|| format!("{}: cannot import", crate::input::display(pfx)))?;
    if !entry.has_private_key {
        anyhow::bail!("{}: holds no private key", crate::input::display(pfx));
    }
    Ok(entry.thumbprint)
}

/// `account list`: every profile, the default marked.
fn list(ctx: &Ctx, fmt: Format) -> Result<()> {
    let profiles = load_profiles(ctx)?;
    let rows: Vec<ProfileJson> = profiles
        .profiles
        .iter()
        .map(|p| ProfileJson::new(p, profiles.default.as_deref()).with_expiry(ctx))
        .collect();
    print_profiles(&rows, fmt)
}

/// `account show`: the named profile, else the one `--profile`/`--subscription` select,
/// after checking that its certificate and key are usable.
fn show(ctx: &Ctx, name: Option<&str>, fmt: Format) -> Result<()> {
    let profiles = load_profiles(ctx)?;
    let p = match name {
        Some(n) => profiles.select(Some(n), None)?,
        None => profiles.select(
            ctx.global.profile.as_deref(),
            ctx.global.subscription.as_deref(),
        )?,
    };
    // Prove the certificate and key are usable (decrypts the key; no network).
    client_for(ctx, p, &p.subscription_id)?;
    show_one(ctx, p, profiles.default.as_deref(), fmt)
}

/// `account set`: make a profile the default.
fn set(ctx: &Ctx, name: &str) -> Result<()> {
    let mut profiles = load_profiles(ctx)?;
    let found = profiles.select(Some(name), None)?.name.clone();
    profiles.default = Some(found.clone());
    profiles.save()?;
    if !ctx.global.quiet {
        eprintln!("azmc: default profile: {found}");
    }
    Ok(())
}

/// `account remove`: remove a profile; its certificate stays in the store.
fn remove(ctx: &Ctx, name: &str) -> Result<()> {
    let mut profiles = load_profiles(ctx)?;
    let Some(removed) = profiles.remove(name) else {
        return crate::usage(format!(
            "no profile {name:?} (profiles: {})",
            profiles.names().join(", ")
        ));
    };
    profiles.save()?;
    if !ctx.global.quiet {
        eprintln!(
            "azmc: removed profile {} (certificate {} stays in {})",
            removed.name, removed.certificate, removed.store
        );
    }
    Ok(())
}

fn show_one(ctx: &Ctx, p: &Profile, default: Option<&str>, fmt: Format) -> Result<()> {
    let j = ProfileJson::new(p, default).with_expiry(ctx);
    match fmt {
        Format::Json => print_json(&j),
        Format::Table => {
            print_fields(&[
                ("Name", j.name.clone()),
                ("Default", j.default.to_string()),
                ("Subscription", j.subscription_id.clone()),
                (
                    "Subscription name",
                    j.subscription_name.clone().unwrap_or_default(),
                ),
                ("Endpoint", j.endpoint.clone()),
                ("Certificate", j.certificate.clone()),
                ("Store", j.store.clone()),
                ("Expires", j.expires_cell.clone()),
                ("Server trust", j.trust.to_string()),
            ]);
            Ok(())
        }
    }
}

fn check_name(n: &str) -> Result<String> {
    let n = n.trim();
    if n.is_empty() || n.len() > 100 || n.chars().any(char::is_control) {
        return crate::usage(format!(
            "--name {n:?}: 1 to 100 characters, no control characters"
        ));
    }
    Ok(n.to_string())
}

fn read_ca(path: Option<&Path>) -> Result<Option<String>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let data = read_input(path, 1024 * 1024)?;
    let name = path.display().to_string();
    Trust::from_pem(&name, &data)?;
    Ok(Some(String::from_utf8(data).map_err(|_| {
        anyhow::anyhow!("{name}: not a PEM file (not UTF-8)")
    })?))
}

#[allow(clippy::too_many_arguments)]
fn import(
    ctx: &Ctx,
    file: &Path,
    ca_file: Option<&Path>,
    store: &StoreArg,
    delete_file: bool,
    set_default: bool,
    fmt: Format,
) -> Result<()> {
    let ca_pem = read_ca(ca_file)?;
    let mut profiles = load_profiles(ctx)?;
    // Into the store first (all or nothing per certificate), then the profiles.
    let imported = publishsettings::import_to_store(
        ctx,
        file,
        ctx.global.subscription.as_deref(),
        store,
        false,
    )?;
    let mut rows = Vec::new();
    let mut first = None;
    for i in &imported {
        let Some(endpoint) = &i.endpoint else {
            anyhow::bail!(
                "{}: subscription {} has no management endpoint (ServiceManagementUrl)",
                file.display(),
                i.subscription
            );
        };
        Endpoint::parse(endpoint)
            .with_context(|| format!("{}: subscription {}", file.display(), i.subscription))?;
        let name = profiles.name_for(i.name.as_deref(), &i.subscription);
        let p = Profile {
            name: name.clone(),
            subscription_id: i.subscription.to_ascii_lowercase(),
            subscription_name: i.name.clone(),
            endpoint: endpoint.trim_end_matches('/').to_string(),
            certificate: i.thumbprint.clone(),
            store: store.store.to_string(),
            ca_pem: ca_pem.clone(),
        };
        profiles.upsert(p);
        first.get_or_insert(name.clone());
        rows.push(name);
    }
    if set_default && let Some(f) = &first {
        profiles.default = Some(f.clone());
    }
    profiles.save()?;
    if delete_file {
        azmc_certstore::fs::overwrite_and_remove(file)
            .with_context(|| format!("{}: imported, but could not delete it", file.display()))?;
        if !ctx.global.quiet {
            eprintln!("azmc: overwrote and removed {}", file.display());
        }
    }
    let out: Vec<ProfileJson> = rows
        .iter()
        .filter_map(|n| profiles.find(n))
        .map(|p| ProfileJson::new(p, profiles.default.as_deref()))
        .collect();
    print_profiles(&out, fmt)
}
