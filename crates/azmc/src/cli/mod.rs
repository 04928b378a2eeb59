//! Command-line definitions: one module per command group, each calling the libraries.

mod admin;
mod cert;
mod certstore;
mod pfx;
mod publishsettings;
mod serve;
mod server_args;

use crate::output::Format;
use anyhow::{Context, Result};
use azmc_certstore::{CertStore, StoreLocation, StorePaths};
use azmc_pki::clock::{self, SharedClock};
use clap::{Parser, Subcommand};
use std::path::Path;

const AFTER_HELP: &str = "\
Environment:
  AZMC_HOME            CurrentUser certificate store root (default: $XDG_DATA_HOME/azmc or ~/.local/share/azmc)
  AZMC_MACHINE_STORE   LocalMachine certificate store root (default: /var/lib/azmc)

Exit status: 0 success, 1 failure, 2 usage error.";

/// azmc: Windows Azure Service Management management certificates: create them, keep them
/// in a local certificate store, move them as .cer/.pfx/PEM, and read and write publish
/// settings files.
#[derive(Debug, Parser)]
#[command(name = "azmc", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create and inspect management certificates.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Manage the local certificate store (list, show, delete, export, import).
    #[command(subcommand)]
    Certstore(certstore::CertstoreCommand),
    /// Inspect PKCS#12 (.pfx/.p12) files and convert them to PEM.
    #[command(subcommand)]
    Pfx(pfx::PfxCommand),
    /// Read publish settings files and take their certificates out.
    #[command(subcommand)]
    Publishsettings(publishsettings::PublishsettingsCommand),
    /// Run the management API server.
    Serve(serve::ServeArgs),
    /// Administer the server's accounts and subscriptions (directly in its database).
    Admin(admin::AdminArgs),
}

/// What every command gets: the clock, where the stores live, the output format.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub clock: SharedClock,
    pub paths: StorePaths,
}

impl Ctx {
    pub fn open_store(&self, location: &StoreLocation) -> Result<CertStore> {
        CertStore::open(&self.paths, location, self.clock.clone())
            .with_context(|| format!("certificate store {location}"))
    }
}

/// `--store` and `--output`, shared by several commands.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArg {
    /// Certificate store: SCOPE/NAME (CurrentUser/My, LocalMachine/Root, ...) or just NAME
    /// (CurrentUser is the default scope).
    #[arg(long, value_name = "SCOPE/NAME", default_value = "CurrentUser/My")]
    pub store: StoreLocation,
}

#[derive(Debug, Clone, Copy, clap::Args)]
pub struct OutputArg {
    /// Output format: table for people, json for programs (see docs/json-output.md).
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

pub fn run(cli: Cli) -> Result<()> {
    // The server commands do not use the local certificate store.
    let command = match cli.command {
        Command::Serve(a) => return serve::run(a),
        Command::Admin(a) => return admin::run(a),
        other => other,
    };
    let ctx = Ctx {
        clock: clock::system(),
        paths: StorePaths::from_env().context("locating the certificate stores")?,
    };
    match command {
        Command::Cert(c) => cert::run(&ctx, c),
        Command::Certstore(c) => certstore::run(&ctx, c),
        Command::Pfx(c) => pfx::run(&ctx, c),
        Command::Publishsettings(c) => publishsettings::run(&ctx, c),
        Command::Serve(_) | Command::Admin(_) => unreachable_command(),
    }
}

fn unreachable_command() -> Result<()> {
    anyhow::bail!("internal error: server command dispatched twice")
}

/// Read an input file with a size cap, naming it in errors.
pub fn read_input(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("{}: not a regular file", path.display());
    }
    if meta.len() > limit as u64 {
        anyhow::bail!(
            "{}: too large ({} bytes; the limit is {limit})",
            path.display(),
            meta.len()
        );
    }
    std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// Refuse to replace an existing output file unless `--force` was given.
pub fn check_output(path: &Path, force: bool) -> Result<()> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return crate::usage(format!(
            "{}: already exists (use --force to replace it)",
            path.display()
        ));
    }
    Ok(())
}
