//! `azmc cert new|show`.

use super::{Ctx, StoreArg, check_output};
use crate::output::{CertJson, Format, cert_lines, print_fields, print_json};
use crate::secrets::Passphrase;
use anyhow::{Context, Result};
use azmc_certstore::{KeyPolicy, Protection, fs as store_fs};
use azmc_pki::{
    CertEncoding, Certificate, KeyKind, NewCertificate, Thumbprint, create_self_signed,
};
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Create a self-signed management certificate: the private key goes into the
    /// certificate store, the public .cer (to upload to the management service) is written
    /// to --out, and the thumbprint is printed.
    #[command(after_help = "Examples:
  azmc cert new --name \"My management cert\"
  azmc cert new --name ci --key p256 --days 30 --out ci.cer --pem
  azmc cert new --name prod --protect --non-exportable")]
    New(NewArgs),
    /// Replace the profile's certificate with a new one on every subscription of every
    /// profile that uses it: link the new one, prove it, switch the profiles, delete the
    /// old one's links. Run it again to resume one that was interrupted.
    #[command(
        after_help = "Examples:\n  azmc cert rotate\n  azmc cert rotate --profile prod --key p256 --keep-old -o json"
    )]
    Rotate(super::rotate::RotateArgs),
    /// Show a certificate: a .cer/.pem file, or a thumbprint in the certificate store.
    #[command(after_help = "Examples:
  azmc cert show mycert.cer
  azmc cert show \"6a 7f 31 71 32 73 eb e9 10 86 04 07 03 cc 85 7b b5 ec c5 50\" --output json")]
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The certificate's name: its subject is CN=NAME.
    #[arg(long)]
    name: String,
    /// Key type.
    #[arg(long, default_value = "rsa2048", value_parser = parse_key_kind)]
    key: KeyKind,
    /// Validity in days, from now (minus five minutes of clock skew).
    #[arg(long, default_value_t = 365)]
    days: u32,
    #[command(flatten)]
    store: StoreArg,
    /// Where to write the public certificate (default: NAME.cer in the current directory).
    #[arg(long, value_name = "FILE.cer")]
    out: Option<PathBuf>,
    /// Write the .cer as PEM instead of DER.
    #[arg(long)]
    pem: bool,
    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,
    /// Do not allow the private key to be exported later.
    #[arg(long)]
    non_exportable: bool,
    /// Strong protection: seal the private key with a passphrase asked at every use.
    #[arg(long)]
    protect: bool,
    /// With --protect, read the passphrase from FILE instead of prompting.
    #[arg(long, value_name = "FILE", requires = "protect")]
    passphrase_file: Option<PathBuf>,
}

fn parse_key_kind(s: &str) -> Result<KeyKind, String> {
    s.parse().map_err(|e: azmc_pki::PkiError| e.to_string())
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A certificate file (DER, PEM or base64) or a thumbprint in the store.
    target: String,
    #[command(flatten)]
    store: StoreArg,
}

pub fn run(ctx: &Ctx, cmd: CertCommand) -> Result<()> {
    match cmd {
        CertCommand::New(a) => new(ctx, a),
        CertCommand::Show(a) => show(ctx, a),
        CertCommand::Rotate(a) => super::rotate::run(ctx, a),
    }
}

/// A file name from a certificate name: keeps letters, digits, `-`, `_` and `.`.
fn file_stem(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('.').to_string();
    if s.is_empty() {
        "certificate".into()
    } else {
        s
    }
}

#[derive(Serialize)]
struct NewJson {
    thumbprint: String,
    store: String,
    cer_file: String,
    certificate: CertJson,
}

fn new(ctx: &Ctx, a: NewArgs) -> Result<()> {
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.cer", file_stem(&a.name))));
    check_output(&out, a.force)?;
    let passphrase = if a.protect {
        let source = Passphrase {
            file: a.passphrase_file.clone(),
        };
        Some(match &source.file {
            Some(f) => crate::secrets::read_secret_file(f)?,
            None => crate::secrets::prompt_secret("New passphrase for the private key", true)?,
        })
    } else {
        None
    };
    if passphrase.as_ref().is_some_and(|p| p.is_empty()) {
        return crate::usage("the passphrase must not be empty");
    }
    let now = ctx.clock.now();
    let (cert, key) = create_self_signed(&NewCertificate {
        name: &a.name,
        key: a.key,
        days: a.days,
        now,
    })
    .context("creating the certificate")?;
    let store = ctx.open_store(&a.store.store)?;
    let policy = KeyPolicy {
        exportable: !a.non_exportable,
        protection: match &passphrase {
            Some(p) => Protection::Passphrase(p),
            None => Protection::Default,
        },
    };
    let encoding = if a.pem {
        CertEncoding::Pem
    } else {
        CertEncoding::Der
    };
    store
        .add(&cert, Some((&key, &policy)), None)
        .with_context(|| format!("adding {} to {}", cert.thumbprint(), a.store.store))?;
    if let Err(e) = store_fs::write_public_file(&out, &cert.encode(encoding)) {
        // Undo: a certificate nobody can upload is of no use, and nothing is left half-done.
        let _ = store.delete(&cert.thumbprint());
        return Err(e).context(format!("{}: cannot write", out.display()));
    }
    match ctx.output()?.output {
        Format::Json => print_json(&NewJson {
            thumbprint: cert.thumbprint().to_string(),
            store: a.store.store.to_string(),
            cer_file: out.display().to_string(),
            certificate: CertJson::new(cert.info(), now),
        }),
        Format::Table => {
            println!("{}", cert.thumbprint());
            eprintln!(
                "azmc: created {} ({}), private key in {}, certificate in {}",
                cert.subject(),
                cert.key_algorithm(),
                a.store.store,
                out.display()
            );
            Ok(())
        }
    }
}

fn show(ctx: &Ctx, a: ShowArgs) -> Result<()> {
    let path = PathBuf::from(&a.target);
    let cert = if path.exists() || crate::input::is_stdin(&path) {
        let data = crate::input::read_certificate(&path, 1024 * 1024)?;
        Certificate::parse(&data).with_context(|| crate::input::display(&path))?
    } else {
        let thumbprint: Thumbprint = a
            .target
            .parse()
            .with_context(|| format!("{}: no such file, and not a thumbprint", a.target))?;
        let store = ctx.open_store(&a.store.store)?;
        store
            .get(&thumbprint)
            .with_context(|| format!("{}", a.store.store))?
            .certificate
    };
    let now = ctx.clock.now();
    match ctx.output()?.output {
        Format::Json => print_json(&CertJson::new(cert.info(), now)),
        Format::Table => {
            print_fields(&cert_lines(cert.info(), now));
            Ok(())
        }
    }
}
