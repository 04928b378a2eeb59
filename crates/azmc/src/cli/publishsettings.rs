//! `azmc publishsettings show|import|extract`.

use super::pfx::cert_key_pem;
use super::{Ctx, OutputArg, StoreArg, check_output, read_input};
use crate::output::{CertJson, Format, print_json, print_table};
use crate::secrets::PasswordArgs;
use anyhow::{Context, Result};
use azmc_certstore::{KeyPolicy, Protection, fs as store_fs};
use azmc_pki::pkcs12::{self, MacStatus, Profile};
use azmc_wire::publishsettings::{self, OpenedCertificate, ResolvedSubscription, SchemaVersion};
use clap::Subcommand;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum PublishsettingsCommand {
    /// List the subscriptions of a .publishsettings file with their endpoints and
    /// certificates (thumbprint, validity). No secrets are printed.
    #[command(after_help = "Examples:
  azmc publishsettings show my.publishsettings
  azmc publishsettings show my.publishsettings --output json")]
    Show {
        /// The .publishsettings file (- reads standard input).
        file: PathBuf,
        /// Read certificates even if their integrity check (MAC) fails.
        #[arg(long)]
        ignore_mac: bool,
    },
    /// Put the certificates of a .publishsettings file into the certificate store (their
    /// keys not exportable), and optionally destroy the file afterwards.
    #[command(after_help = "Examples:
  azmc publishsettings import my.publishsettings --delete-file
  azmc publishsettings import my.publishsettings --subscription \"Pay-As-You-Go\"

A publish settings file holds private keys with no password: keep it private, and delete it
once imported (--delete-file overwrites it before removing it, and only after the import
succeeded).")]
    Import {
        /// The file (with --subscription ID|NAME: import only that subscription).
        file: PathBuf,
        #[command(flatten)]
        store: StoreArg,
        /// Overwrite and remove the file after a successful import.
        #[arg(long)]
        delete_file: bool,
        /// Read certificates even if their integrity check (MAC) fails.
        #[arg(long)]
        ignore_mac: bool,
    },
    /// Write the management certificate of one subscription as a .pfx (password-protected)
    /// or a .pem (certificate and unencrypted key, mode 0600).
    #[command(after_help = "Examples:
  azmc publishsettings extract my.publishsettings --out mgmt.pem
  azmc publishsettings extract my.publishsettings --subscription 8a4a0a51-728e-482e-8daa-c477f03c541d --out mgmt.pfx --password-file pw.txt")]
    Extract {
        /// The file. Choose the subscription with --subscription ID|NAME when it holds
        /// several certificates.
        file: PathBuf,
        /// Output file: .pfx/.p12 or .pem.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        password: PasswordArgs,
        /// PKCS#12 profile for a .pfx: modern or legacy.
        #[arg(long = "pfx-profile", value_name = "PROFILE", default_value = "modern")]
        pfx_profile: Profile,
        /// Read certificates even if their integrity check (MAC) fails.
        #[arg(long)]
        ignore_mac: bool,
        /// Replace --out if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a schema 2.0 .publishsettings file for a certificate of the store (its key
    /// must be exportable), for one or more subscriptions of a management endpoint. The
    /// certificate is embedded in the PKCS#12 profile every legacy client reads.
    #[command(after_help = "Examples:
  azmc publishsettings create --subject ci --endpoint https://127.0.0.1:9443 \\
      --include 8a4a0a51-728e-482e-8daa-c477f03c541d=Dev --out dev.publishsettings

The file holds the private key without a password; it is written with mode 0600.")]
    Create {
        #[command(flatten)]
        select: super::certstore::Select,
        #[command(flatten)]
        store: StoreArg,
        /// The management endpoint (ServiceManagementUrl), e.g. https://127.0.0.1:9443.
        #[arg(long, value_name = "URL")]
        endpoint: String,
        /// A subscription to include: ID or ID=NAME. Repeat for several.
        #[arg(long = "include", value_name = "ID[=NAME]", required = true)]
        subscription: Vec<String>,
        /// Output file (mode 0600).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Strongly protected keys: read the passphrase from FILE instead of prompting.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// Replace --out if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: PublishsettingsCommand) -> Result<()> {
    match cmd {
        PublishsettingsCommand::Show { file, ignore_mac } => {
            show(ctx, &file, ignore_mac, ctx.output()?)
        }
        PublishsettingsCommand::Import {
            file,
            store,
            delete_file,
            ignore_mac,
        } => import(
            ctx,
            &file,
            ctx.global.subscription.as_deref(),
            &store,
            delete_file,
            ignore_mac,
            ctx.output()?,
        ),
        PublishsettingsCommand::Extract {
            file,
            out,
            password,
            pfx_profile,
            ignore_mac,
            force,
        } => extract(
            &file,
            ctx.global.subscription.as_deref(),
            &out,
            &password,
            pfx_profile,
            ignore_mac,
            force,
        ),
        PublishsettingsCommand::Create {
            select,
            store,
            endpoint,
            subscription,
            out,
            passphrase_file,
            force,
        } => create(
            ctx,
            &select,
            &store,
            &endpoint,
            &subscription,
            &out,
            passphrase_file,
            force,
        ),
    }
}

fn load(file: &Path) -> Result<Vec<ResolvedSubscription>> {
    let data = read_input(file, publishsettings::MAX_PUBLISH_SETTINGS_SIZE)?;
    let name = file.display().to_string();
    let ps = publishsettings::parse(&data).with_context(|| name.clone())?;
    ps.subscriptions().with_context(|| name)
}

fn open_cert(
    file: &Path,
    sub: &ResolvedSubscription,
    ignore_mac: bool,
) -> Result<OpenedCertificate> {
    let opened = sub
        .open_certificate(ignore_mac)
        .with_context(|| file.display().to_string())?;
    if opened.mac == MacStatus::Mismatch {
        eprintln!(
            "azmc: warning: {}: subscription {}: the certificate's integrity check (MAC) does not verify; read anyway because of --ignore-mac",
            file.display(),
            sub.id
        );
    }
    Ok(opened)
}

fn schema_name(s: SchemaVersion) -> &'static str {
    match s {
        SchemaVersion::V1 => "1.0",
        SchemaVersion::V2 => "2.0",
    }
}

#[derive(Serialize)]
struct SubscriptionJson {
    id: String,
    name: Option<String>,
    endpoint: Option<String>,
    schema_version: &'static str,
    mac: &'static str,
    certificate: CertJson,
}

fn show(ctx: &Ctx, file: &Path, ignore_mac: bool, output: OutputArg) -> Result<()> {
    let subs = load(file)?;
    let now = ctx.clock.now();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for sub in &subs {
        let opened = open_cert(file, sub, ignore_mac)?;
        let info = opened.certificate.info();
        rows.push(vec![
            sub.id.clone(),
            sub.name.clone().unwrap_or_default(),
            sub.endpoint.clone().unwrap_or_else(|| "(none)".into()),
            info.thumbprint.to_string(),
            format!(
                "{}{}",
                info.not_after.date(),
                if info.is_expired(now) { " EXPIRED" } else { "" }
            ),
        ]);
        json.push(SubscriptionJson {
            id: sub.id.clone(),
            name: sub.name.clone(),
            endpoint: sub.endpoint.clone(),
            schema_version: schema_name(sub.schema),
            mac: super::pfx::mac_name(opened.mac),
            certificate: CertJson::new(info, now),
        });
    }
    match output.output {
        Format::Json => print_json(&json),
        Format::Table => {
            print_table(
                &["SUBSCRIPTION", "NAME", "ENDPOINT", "CERTIFICATE", "EXPIRES"],
                &rows,
            );
            Ok(())
        }
    }
}

fn select<'a>(
    subs: &'a [ResolvedSubscription],
    wanted: Option<&str>,
    file: &Path,
) -> Result<Vec<&'a ResolvedSubscription>> {
    let Some(w) = wanted else {
        return Ok(subs.iter().collect());
    };
    let by_id: Vec<_> = subs
        .iter()
        .filter(|s| s.id.eq_ignore_ascii_case(w))
        .collect();
    if !by_id.is_empty() {
        return Ok(by_id);
    }
    let by_name: Vec<_> = subs
        .iter()
        .filter(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(w)))
        .collect();
    match by_name.len() {
        0 => anyhow::bail!(
            "{}: no subscription {w:?} (the file has {})",
            file.display(),
            subs.iter().map(describe).collect::<Vec<_>>().join(", ")
        ),
        1 => Ok(by_name),
        _ => crate::usage(format!(
            "{}: several subscriptions are named {w:?}; give the id ({})",
            file.display(),
            by_name
                .iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn describe(s: &ResolvedSubscription) -> String {
    match &s.name {
        Some(n) => format!("{} \"{n}\"", s.id),
        None => s.id.clone(),
    }
}

#[derive(Serialize)]
struct ImportedJson {
    subscription: String,
    name: Option<String>,
    thumbprint: String,
    store: String,
}

/// A subscription whose certificate is now in the store.
#[derive(Debug)]
pub struct Imported {
    pub subscription: String,
    pub name: Option<String>,
    /// Its management endpoint, if the file names one.
    pub endpoint: Option<String>,
    pub thumbprint: String,
}

/// Put the certificates of a publish settings file (or of one subscription in it) into a
/// store, keys not exportable. Every certificate is opened before the store is touched.
pub fn import_to_store(
    ctx: &Ctx,
    file: &Path,
    wanted: Option<&str>,
    store: &StoreArg,
    ignore_mac: bool,
) -> Result<Vec<Imported>> {
    let subs = load(file)?;
    // Only for a file that is publish settings: then it does hold keys.
    if store_fs::readable_by_others(file).unwrap_or(false) && !ctx.global.quiet {
        eprintln!(
            "azmc: warning: {} is readable by other users and holds private keys without a password; delete it after import (--delete-file)",
            file.display()
        );
    }
    let chosen = select(&subs, wanted, file)?;
    // Open everything before touching the store: a bad certificate leaves the store unchanged.
    let mut opened = Vec::new();
    for sub in &chosen {
        opened.push((*sub, open_cert(file, sub, ignore_mac)?));
    }
    let s = ctx.open_store(&store.store)?;
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Default,
    };
    let mut done = Vec::new();
    let mut seen = BTreeSet::new();
    for (sub, o) in &opened {
        let t = o.certificate.thumbprint();
        if seen.insert(t) {
            let friendly = format!("publishsettings: {}", describe(sub));
            match s.add(&o.certificate, Some((&o.key, &policy)), Some(&friendly)) {
                Ok(_) => {}
                Err(azmc_certstore::StoreError::AlreadyExists { .. }) => {
                    if !ctx.global.quiet {
                        eprintln!(
                            "azmc: {t} is already in {} with its private key; kept as it is",
                            store.store
                        );
                    }
                }
                Err(e) => return Err(e).context(format!("{}: adding {t}", store.store)),
            }
        }
        done.push(Imported {
            subscription: sub.id.clone(),
            name: sub.name.clone(),
            endpoint: sub.endpoint.clone(),
            thumbprint: t.to_string(),
        });
    }
    Ok(done)
}

fn import(
    ctx: &Ctx,
    file: &Path,
    wanted: Option<&str>,
    store: &StoreArg,
    delete_file: bool,
    ignore_mac: bool,
    output: OutputArg,
) -> Result<()> {
    let done: Vec<ImportedJson> = import_to_store(ctx, file, wanted, store, ignore_mac)?
        .into_iter()
        .map(|i| ImportedJson {
            subscription: i.subscription,
            name: i.name,
            thumbprint: i.thumbprint,
            store: store.store.to_string(),
        })
        .collect();
    if delete_file {
        store_fs::overwrite_and_remove(file)
            .with_context(|| format!("{}: imported, but could not delete it", file.display()))?;
        eprintln!("azmc: overwrote and removed {}", file.display());
    }
    match output.output {
        Format::Json => print_json(&done),
        Format::Table => {
            let rows: Vec<Vec<String>> = done
                .iter()
                .map(|d| {
                    vec![
                        d.subscription.clone(),
                        d.name.clone().unwrap_or_default(),
                        d.thumbprint.clone(),
                    ]
                })
                .collect();
            print_table(&["SUBSCRIPTION", "NAME", "THUMBPRINT"], &rows);
            Ok(())
        }
    }
}

fn extract(
    file: &Path,
    wanted: Option<&str>,
    out: &Path,
    password: &PasswordArgs,
    profile: Profile,
    ignore_mac: bool,
    force: bool,
) -> Result<()> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let as_pem = match ext.as_str() {
        "pem" => true,
        "pfx" | "p12" => false,
        _ => {
            return crate::usage(format!(
                "{}: the output must end in .pfx, .p12 or .pem",
                out.display()
            ));
        }
    };
    check_output(out, force)?;
    let subs = load(file)?;
    let chosen = select(&subs, wanted, file)?;
    let mut opened = Vec::new();
    for sub in &chosen {
        opened.push((*sub, open_cert(file, sub, ignore_mac)?));
    }
    let distinct: BTreeSet<_> = opened
        .iter()
        .map(|(_, o)| o.certificate.thumbprint())
        .collect();
    if distinct.len() > 1 {
        return crate::usage(format!(
            "{}: the subscriptions use {} different certificates; choose one with --subscription ({})",
            file.display(),
            distinct.len(),
            chosen
                .iter()
                .map(|s| describe(s))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let Some((sub, o)) = opened.first() else {
        anyhow::bail!("{}: no subscriptions", file.display());
    };
    let bytes = if as_pem {
        cert_key_pem(&o.certificate, &o.key)?.as_bytes().to_vec()
    } else {
        let pw = password.get("Password for the .pfx", true)?;
        if pw.is_empty() {
            eprintln!(
                "azmc: warning: the .pfx has an empty password; anyone who gets the file gets the key"
            );
        }
        pkcs12::write(&o.certificate, &o.key, &[], &pw, profile, None)
            .context("writing the .pfx")?
    };
    store_fs::write_secret_file(out, &bytes)
        .with_context(|| format!("{}: cannot write", out.display()))?;
    eprintln!(
        "azmc: wrote the certificate {} of subscription {} to {}",
        o.certificate.thumbprint(),
        describe(sub),
        out.display()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn create(
    ctx: &Ctx,
    select: &super::certstore::Select,
    store: &StoreArg,
    endpoint: &str,
    subscriptions: &[String],
    out: &Path,
    passphrase_file: Option<PathBuf>,
    force: bool,
) -> Result<()> {
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
        return crate::usage(format!("--endpoint {endpoint:?}: expected an https:// URL"));
    }
    let mut subs = Vec::new();
    for s in subscriptions {
        let (id, name) = match s.split_once('=') {
            Some((id, name)) => (id.trim(), name.trim()),
            None => (s.trim(), s.trim()),
        };
        if id.is_empty() {
            return crate::usage(format!("--include {s:?}: the id is empty"));
        }
        subs.push((id.to_string(), name.to_string()));
    }
    check_output(out, force)?;
    let st = ctx.open_store(&store.store)?;
    let entry = select.resolve(&st)?;
    if !entry.exportable {
        anyhow::bail!(
            "{}: the private key of {} is not exportable, so it cannot go into a publish settings file",
            store.store,
            entry.thumbprint
        );
    }
    let key = st
        .private_key(
            &entry.thumbprint,
            &crate::secrets::Passphrase {
                file: passphrase_file,
            },
        )
        .with_context(|| format!("{}: {}", store.store, entry.thumbprint))?;
    let entries: Vec<publishsettings::PublishEntry<'_>> = subs
        .iter()
        .map(|(id, name)| publishsettings::PublishEntry {
            id,
            name,
            endpoint,
            certificate: &entry.certificate,
            key: &key,
        })
        .collect();
    let xml = publishsettings::write(&entries).context("writing the publish settings")?;
    store_fs::write_secret_file(out, xml.as_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    eprintln!(
        "azmc: wrote {} ({} subscription(s), certificate {})",
        out.display(),
        subs.len(),
        entry.thumbprint
    );
    Ok(())
}
