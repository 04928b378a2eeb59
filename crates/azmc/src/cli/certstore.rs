//! `azmc certstore list|show|delete|export|import`.

use super::{Ctx, OutputArg, StoreArg, check_output};
use crate::output::{CertJson, Format, cert_lines, print_fields, print_json, print_table, rfc3339};
use crate::secrets::{Passphrase, PasswordArgs};
use anyhow::{Context, Result, bail};
use azmc_certstore::{CertStore, Entry, KeyPolicy, Protection, Query, fs as store_fs};
use azmc_pki::pkcs12::{self, Profile, ReadOptions};
use azmc_pki::{CertEncoding, Certificate, Thumbprint};
use clap::Subcommand;
use serde::Serialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum CertstoreCommand {
    /// List the certificates in a store.
    #[command(after_help = "Examples:
  azmc certstore list
  azmc certstore list --store LocalMachine/Root --output json")]
    List {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Show one certificate of a store.
    Show {
        #[command(flatten)]
        select: Select,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Delete a certificate and its private key from a store.
    Delete {
        #[command(flatten)]
        select: Select,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Export a certificate as .cer (public) or .pfx (with its private key).
    #[command(after_help = "Examples:
  azmc certstore export 6A7F31713273EBE91086040703CC857BB5ECC550 --out mgmt.cer
  azmc certstore export --subject \"My management cert\" --out mgmt.pfx --password-file pw.txt
  azmc certstore export --subject ci --out ci.pfx --pfx-profile legacy --delete-key

The format follows the extension of --out (.cer/.crt/.pem: certificate only; .pfx/.p12: with
the private key) unless --format is given.")]
    Export(ExportArgs),
    /// Import a .pfx/.p12 (certificate and private key) or a .cer (certificate only).
    #[command(after_help = "Examples:
  azmc certstore import mgmt.pfx --password-file pw.txt
  azmc certstore import mgmt.pfx --exportable --protect
  azmc certstore import partner.cer --store TrustedPeople")]
    Import(ImportArgs),
}

/// Which certificate: a thumbprint, or a subject substring that must match exactly one.
#[derive(Debug, Clone, clap::Args)]
pub struct Select {
    /// Thumbprint (40 hex digits; spaces and lower case are fine).
    #[arg(required_unless_present = "subject", conflicts_with = "subject")]
    thumbprint: Option<String>,
    /// A case-insensitive substring of the subject instead of a thumbprint.
    #[arg(long)]
    subject: Option<String>,
}

impl Select {
    pub fn resolve(&self, store: &CertStore) -> Result<Entry> {
        if let Some(t) = &self.thumbprint {
            let t: Thumbprint = t.parse().map_err(|e| crate::UsageError(format!("{e}")))?;
            return store.get(&t).with_context(|| store.location().to_string());
        }
        let subject = self.subject.clone().unwrap_or_default();
        let mut found = store
            .find(&Query::Subject(subject.clone()))
            .with_context(|| store.location().to_string())?;
        match found.len() {
            0 => bail!(
                "{}: no certificate whose subject contains {subject:?}",
                store.location()
            ),
            1 => Ok(found.remove(0)),
            n => bail!(
                "{}: {n} certificates match subject {subject:?} ({}); give a thumbprint",
                store.location(),
                found
                    .iter()
                    .map(|e| e.thumbprint.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Cer,
    Pfx,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    select: Select,
    #[command(flatten)]
    store: StoreArg,
    /// Output file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// cer or pfx (default: from the extension of --out).
    #[arg(long, value_enum)]
    format: Option<ExportFormat>,
    /// For .cer: write PEM instead of DER.
    #[arg(long)]
    pem: bool,
    /// PKCS#12 profile: modern (AES-256, SHA-256) or legacy (3DES, SHA-1; what old clients read).
    #[arg(long = "pfx-profile", value_name = "PROFILE", default_value = "modern")]
    pfx_profile: Profile,
    #[command(flatten)]
    password: PasswordArgs,
    /// Strongly protected keys: read the passphrase from FILE instead of prompting.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// After the .pfx is written and read back successfully, remove the private key from the store.
    #[arg(long)]
    delete_key: bool,
    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A .pfx/.p12 file, or a certificate (.cer DER or PEM).
    file: PathBuf,
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    password: PasswordArgs,
    /// Allow the private key to be exported again later (default: not exportable).
    #[arg(long)]
    exportable: bool,
    /// Strong protection: seal the private key with a passphrase asked at every use.
    #[arg(long)]
    protect: bool,
    /// With --protect, read the passphrase from FILE instead of prompting.
    #[arg(long, value_name = "FILE", requires = "protect")]
    passphrase_file: Option<PathBuf>,
    /// Import even if the PKCS#12 integrity check (MAC) fails.
    #[arg(long)]
    ignore_mac: bool,
}

pub fn run(ctx: &Ctx, cmd: CertstoreCommand) -> Result<()> {
    match cmd {
        CertstoreCommand::List { store } => list(ctx, &store, ctx.output()?),
        CertstoreCommand::Show { select, store } => show(ctx, &select, &store, ctx.output()?),
        CertstoreCommand::Delete { select, store } => delete(ctx, &select, &store),
        CertstoreCommand::Export(a) => export(ctx, a),
        CertstoreCommand::Import(a) => import(ctx, a),
    }
}

/// A store entry as JSON.
#[derive(Debug, Serialize)]
pub struct EntryJson {
    pub store: String,
    pub has_private_key: bool,
    pub exportable: bool,
    pub protected: bool,
    pub friendly_name: Option<String>,
    pub added: String,
    pub certificate: CertJson,
}

impl EntryJson {
    pub fn new(e: &Entry, now: OffsetDateTime) -> Self {
        Self {
            store: e.location.to_string(),
            has_private_key: e.has_private_key,
            exportable: e.exportable,
            protected: e.protected,
            friendly_name: e.friendly_name.clone(),
            added: rfc3339(e.added),
            certificate: CertJson::new(e.certificate.info(), now),
        }
    }
}

fn list(ctx: &Ctx, store: &StoreArg, output: OutputArg) -> Result<()> {
    let s = ctx.open_store(&store.store)?;
    let entries = s.list().with_context(|| store.store.to_string())?;
    let now = ctx.clock.now();
    match output.output {
        Format::Json => print_json(
            &entries
                .iter()
                .map(|e| EntryJson::new(e, now))
                .collect::<Vec<_>>(),
        ),
        Format::Table => {
            if entries.is_empty() {
                eprintln!("azmc: {} is empty", store.store);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    let info = e.certificate.info();
                    vec![
                        e.thumbprint.to_string(),
                        info.subject.clone(),
                        info.not_after.date().to_string(),
                        key_column(e),
                    ]
                })
                .collect();
            print_table(&["THUMBPRINT", "SUBJECT", "EXPIRES", "PRIVATE KEY"], &rows);
            Ok(())
        }
    }
}

fn key_column(e: &Entry) -> String {
    if !e.has_private_key {
        return "no".into();
    }
    let mut s = String::from("yes");
    if e.exportable {
        s.push_str(", exportable");
    }
    if e.protected {
        s.push_str(", protected");
    }
    s
}

fn show(ctx: &Ctx, select: &Select, store: &StoreArg, output: OutputArg) -> Result<()> {
    let s = ctx.open_store(&store.store)?;
    let e = select.resolve(&s)?;
    let now = ctx.clock.now();
    match output.output {
        Format::Json => print_json(&EntryJson::new(&e, now)),
        Format::Table => {
            let mut fields = cert_lines(e.certificate.info(), now);
            fields.push(("Store", e.location.to_string()));
            fields.push(("Private key", key_column(&e)));
            if let Some(n) = &e.friendly_name {
                fields.push(("Friendly name", n.clone()));
            }
            fields.push(("Added", rfc3339(e.added)));
            print_fields(&fields);
            Ok(())
        }
    }
}

fn delete(ctx: &Ctx, select: &Select, store: &StoreArg) -> Result<()> {
    let s = ctx.open_store(&store.store)?;
    let e = select.resolve(&s)?;
    s.delete(&e.thumbprint)
        .with_context(|| format!("{}: deleting {}", store.store, e.thumbprint))?;
    eprintln!(
        "azmc: deleted {} ({}) from {}",
        e.thumbprint,
        e.certificate.subject(),
        store.store
    );
    Ok(())
}

fn export_format(a: &ExportArgs) -> Result<ExportFormat> {
    if let Some(f) = a.format {
        return Ok(f);
    }
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "cer" | "crt" | "der" | "pem" => Ok(ExportFormat::Cer),
        "pfx" | "p12" => Ok(ExportFormat::Pfx),
        _ => crate::usage(format!(
            "{}: cannot tell the format from the extension; use --format cer or --format pfx",
            a.out.display()
        )),
    }
}

fn export(ctx: &Ctx, a: ExportArgs) -> Result<()> {
    let format = export_format(&a)?;
    if a.delete_key && format != ExportFormat::Pfx {
        return crate::usage("--delete-key only makes sense with a .pfx export");
    }
    check_output(&a.out, a.force)?;
    let s = ctx.open_store(&a.store.store)?;
    let e = a.select.resolve(&s)?;
    match format {
        ExportFormat::Cer => {
            let pem = a.pem
                || a.out
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("pem"));
            let enc = if pem {
                CertEncoding::Pem
            } else {
                CertEncoding::Der
            };
            store_fs::write_public_file(&a.out, &e.certificate.encode(enc))
                .with_context(|| format!("{}: cannot write", a.out.display()))?;
            eprintln!(
                "azmc: wrote certificate {} to {}",
                e.thumbprint,
                a.out.display()
            );
        }
        ExportFormat::Pfx => {
            let password = a.password.get("Password for the .pfx", true)?;
            if password.is_empty() && a.pfx_profile == Profile::Modern {
                eprintln!(
                    "azmc: warning: the .pfx has an empty password; anyone who gets the file gets the key"
                );
            }
            let passphrase = Passphrase {
                file: a.passphrase_file.clone(),
            };
            let pfx = s
                .export_pfx(&e.thumbprint, &password, a.pfx_profile, &passphrase)
                .with_context(|| format!("{}: exporting {}", a.store.store, e.thumbprint))?;
            store_fs::write_secret_file(&a.out, &pfx)
                .with_context(|| format!("{}: cannot write", a.out.display()))?;
            if a.delete_key {
                verify_written_pfx(&a.out, &password, &e.certificate)?;
                s.delete_key(&e.thumbprint).with_context(|| {
                    format!("{}: deleting the key of {}", a.store.store, e.thumbprint)
                })?;
                eprintln!(
                    "azmc: wrote {} ({} profile), verified it, and removed the private key from {}",
                    a.out.display(),
                    a.pfx_profile,
                    a.store.store
                );
            } else {
                eprintln!(
                    "azmc: wrote {} ({} profile)",
                    a.out.display(),
                    a.pfx_profile
                );
            }
        }
    }
    Ok(())
}

/// Read the .pfx back from disk and check it holds the certificate and its key, before
/// the only other copy of the key is removed.
fn verify_written_pfx(path: &Path, password: &str, cert: &Certificate) -> Result<()> {
    let data =
        std::fs::read(path).with_context(|| format!("{}: cannot read back", path.display()))?;
    let p = pkcs12::read(&data, password, ReadOptions::default()).with_context(|| {
        format!(
            "{}: reading back the written file failed; the key was NOT deleted",
            path.display()
        )
    })?;
    let ok =
        p.certificate.as_ref() == Some(cert) && p.key.as_ref().is_some_and(|k| k.matches(cert));
    if !ok {
        bail!(
            "{}: the written file does not hold the certificate and its key; the key was NOT deleted",
            path.display()
        );
    }
    Ok(())
}

fn import(ctx: &Ctx, a: ImportArgs) -> Result<()> {
    let (data, is_pkcs12) =
        crate::input::read_certificate_or_pkcs12(&a.file, pkcs12::MAX_PKCS12_SIZE)?;
    let s = ctx.open_store(&a.store.store)?;
    let name = crate::input::display(&a.file);
    let looks_like_cert = if is_pkcs12 {
        None
    } else {
        Some(Certificate::parse(&data).with_context(|| name.clone())?)
    };
    let entry = if let Some(cert) = looks_like_cert {
        if a.protect || a.exportable {
            return crate::usage(format!(
                "{name}: a certificate without a private key; --protect and --exportable do not apply"
            ));
        }
        s.add(&cert, None, None)
            .with_context(|| format!("{}: adding {}", a.store.store, cert.thumbprint()))?
    } else {
        let password = a.password.get(&format!("Password for {name}"), false)?;
        let passphrase = if a.protect {
            let p = match &a.passphrase_file {
                Some(f) => crate::secrets::read_secret_file(f)?,
                None => crate::secrets::prompt_secret("New passphrase for the private key", true)?,
            };
            if p.is_empty() {
                return crate::usage("the passphrase must not be empty");
            }
            Some(p)
        } else {
            None
        };
        let policy = KeyPolicy {
            exportable: a.exportable,
            protection: match &passphrase {
                Some(p) => Protection::Passphrase(p),
                None => Protection::Default,
            },
        };
        s.import_pfx(
            &data,
            &password,
            ReadOptions {
                ignore_mac: a.ignore_mac,
                ..ReadOptions::default()
            },
            &policy,
        )
        .with_context(|| name.clone())?
    };
    let now = ctx.clock.now();
    match ctx.output()?.output {
        Format::Json => print_json(&EntryJson::new(&entry, now)),
        Format::Table => {
            println!("{}", entry.thumbprint);
            eprintln!(
                "azmc: imported {} into {} (private key: {})",
                entry.certificate.subject(),
                a.store.store,
                key_column(&entry)
            );
            Ok(())
        }
    }
}
