//! `azmc pfx inspect|to-pem`.

use super::{Ctx, OutputArg, check_output};
use crate::output::{CertJson, Format, cert_lines, print_fields, print_json, yes_no};
use crate::secrets::PasswordArgs;
use anyhow::{Context, Result};
use azmc_certstore::fs as store_fs;
use azmc_pki::pkcs12::{self, MacStatus, PasswordForm, Pkcs12, ReadOptions};
use azmc_pki::{Certificate, KeyAlgorithm, PrivateKey};
use clap::Subcommand;
use serde::Serialize;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

#[derive(Debug, Subcommand)]
pub enum PfxCommand {
    /// Show what a .pfx/.p12 holds and how it is protected (no secrets are printed).
    #[command(after_help = "Examples:
  azmc pfx inspect mgmt.pfx --password-file pw.txt
  azmc pfx inspect azure.pfx --password-file /dev/null --output json")]
    Inspect {
        /// The .pfx/.p12 file to inspect (- reads standard input).
        file: PathBuf,
        #[command(flatten)]
        password: PasswordArgs,
        /// Read the file even if its integrity check (MAC) fails.
        #[arg(long)]
        ignore_mac: bool,
    },
    /// Convert a .pfx/.p12 into one PEM file holding the certificate and then the private
    /// key (unencrypted): what the Python SDK's cert_file and the Node SDK's `pem` want.
    #[command(
        name = "to-pem",
        after_help = "Examples:
  azmc pfx to-pem mgmt.pfx --out mgmt.pem --password-file pw.txt

The key is written as `RSA PRIVATE KEY` (PKCS#1) for RSA keys, the form every legacy client
accepts, and as `PRIVATE KEY` (PKCS#8) otherwise. The file is created with mode 0600."
    )]
    ToPem {
        /// The .pfx/.p12 file to convert (- reads standard input).
        file: PathBuf,
        /// Output file (mode 0600).
        #[arg(long, value_name = "FILE.pem")]
        out: PathBuf,
        #[command(flatten)]
        password: PasswordArgs,
        /// Read the file even if its integrity check (MAC) fails.
        #[arg(long)]
        ignore_mac: bool,
        /// Replace --out if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: PfxCommand) -> Result<()> {
    match cmd {
        PfxCommand::Inspect {
            file,
            password,
            ignore_mac,
        } => inspect(ctx, &file, &password, ignore_mac, ctx.output()?),
        PfxCommand::ToPem {
            file,
            out,
            password,
            ignore_mac,
            force,
        } => {
            check_output(&out, force)?;
            let p = open(&file, &password, ignore_mac)?;
            let (cert, key) = cert_and_key(&file, &p)?;
            let pem = cert_key_pem(cert, key)?;
            store_fs::write_secret_file(&out, pem.as_bytes())
                .with_context(|| format!("{}: cannot write", out.display()))?;
            eprintln!(
                "azmc: wrote certificate {} and its private key to {}",
                cert.thumbprint(),
                out.display()
            );
            Ok(())
        }
    }
}

/// Read a PKCS#12 file, naming it in every error; warns when the MAC was ignored.
pub fn open(file: &Path, password: &PasswordArgs, ignore_mac: bool) -> Result<Pkcs12> {
    let data = crate::input::read_pkcs12(file, pkcs12::MAX_PKCS12_SIZE)?;
    let name = crate::input::display(file);
    let pw = password.get(&format!("Password for {name}"), false)?;
    let p = pkcs12::read(
        &data,
        &pw,
        ReadOptions {
            ignore_mac,
            ..ReadOptions::default()
        },
    )
    .with_context(|| name.clone())?;
    if p.mac == MacStatus::Mismatch {
        eprintln!(
            "azmc: warning: {name}: the integrity check (MAC) does not verify; read anyway because of --ignore-mac"
        );
    }
    Ok(p)
}

/// The certificate and key of a PKCS#12 that must hold both.
pub fn cert_and_key<'a>(file: &Path, p: &'a Pkcs12) -> Result<(&'a Certificate, &'a PrivateKey)> {
    let cert = p
        .certificate
        .as_ref()
        .with_context(|| format!("{}: holds no certificate", crate::input::display(file)))?;
    let key = p
        .key
        .as_ref()
        .with_context(|| format!("{}: holds no private key", crate::input::display(file)))?;
    key.check_matches(cert)
        .with_context(|| crate::input::display(file))?;
    Ok((cert, key))
}

/// Certificate PEM followed by the key PEM (PKCS#1 for RSA).
pub fn cert_key_pem(cert: &Certificate, key: &PrivateKey) -> Result<Zeroizing<String>> {
    let key_pem = match key.algorithm() {
        KeyAlgorithm::Rsa { .. } => key.to_pkcs1_pem()?,
        _ => key.to_pkcs8_pem(),
    };
    let mut out = Zeroizing::new(cert.to_pem());
    out.push_str(&key_pem);
    Ok(out)
}

pub fn mac_name(m: MacStatus) -> &'static str {
    match m {
        MacStatus::Verified => "verified",
        MacStatus::Absent => "absent",
        MacStatus::Mismatch => "mismatch",
    }
}

fn password_name(p: PasswordForm) -> &'static str {
    match p {
        PasswordForm::Text => "text",
        PasswordForm::Null => "null",
        PasswordForm::EmptyBmp => "empty-bmp",
    }
}

#[derive(Serialize)]
struct InspectJson {
    file: String,
    mac: &'static str,
    mac_algorithm: String,
    mac_iterations: u64,
    key_encryption: String,
    cert_encryption: String,
    password: &'static str,
    friendly_name: Option<String>,
    has_private_key: bool,
    key_matches_certificate: bool,
    certificate: Option<CertJson>,
    other_certificates: Vec<CertJson>,
}

fn inspect(
    ctx: &Ctx,
    file: &Path,
    password: &PasswordArgs,
    ignore_mac: bool,
    output: OutputArg,
) -> Result<()> {
    let p = open(file, password, ignore_mac)?;
    let now = ctx.clock.now();
    let matches = match (&p.key, &p.certificate) {
        (Some(k), Some(c)) => k.matches(c),
        _ => false,
    };
    match output.output {
        Format::Json => print_json(&InspectJson {
            file: crate::input::display(file),
            mac: mac_name(p.mac),
            mac_algorithm: p.layout.mac_algorithm.clone(),
            mac_iterations: p.layout.mac_iterations,
            key_encryption: p.layout.key_encryption.clone(),
            cert_encryption: p.layout.cert_encryption.clone(),
            password: password_name(p.layout.password_form),
            friendly_name: p.friendly_name.clone(),
            has_private_key: p.key.is_some(),
            key_matches_certificate: matches,
            certificate: p.certificate.as_ref().map(|c| CertJson::new(c.info(), now)),
            other_certificates: p
                .other_certificates
                .iter()
                .map(|c| CertJson::new(c.info(), now))
                .collect(),
        }),
        Format::Table => {
            let mut fields = vec![
                ("File", crate::input::display(file)),
                (
                    "Integrity (MAC)",
                    format!(
                        "{} ({}, {} iterations)",
                        mac_name(p.mac),
                        p.layout.mac_algorithm,
                        p.layout.mac_iterations
                    ),
                ),
                ("Key encryption", p.layout.key_encryption.clone()),
                ("Certificate encryption", p.layout.cert_encryption.clone()),
                (
                    "Password",
                    password_name(p.layout.password_form).to_string(),
                ),
                (
                    "Friendly name",
                    p.friendly_name.clone().unwrap_or_else(|| "(none)".into()),
                ),
                (
                    "Private key",
                    match &p.key {
                        Some(k) => format!(
                            "{} (matches the certificate: {})",
                            k.algorithm(),
                            yes_no(matches)
                        ),
                        None => "none".into(),
                    },
                ),
                ("Other certificates", p.other_certificates.len().to_string()),
            ];
            if let Some(c) = &p.certificate {
                fields.extend(cert_lines(c.info(), now));
            }
            print_fields(&fields);
            Ok(())
        }
    }
}
