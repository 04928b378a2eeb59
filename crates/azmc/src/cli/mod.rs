//! Command-line definitions: one module per command group, named after it (`mgmt_cert` for
//! `azmc mgmt-cert`, `raw_api` for `azmc api`, ...), each calling the libraries. Two
//! modules are shared, not commands: `client_ctx` (what every API command uses: the client
//! of the profile, waiting for operations, output) and `server_args` (`serve` and `admin`).

mod account;
mod admin;
mod affinity_group;
mod cert;
mod certstore;
mod client_ctx;
mod location;
mod mgmt_cert;
mod operation;
mod pfx;
mod publishsettings;
mod raw_api;
mod serve;
mod server_args;
mod service;
mod site;
mod sql;
mod storage;
mod subscription;

use crate::output::{Format, OutputFormat};
use anyhow::{Context, Result};
use azmc_certstore::{CertStore, StoreLocation, StorePaths};
use azmc_pki::clock::{self, SharedClock};
use clap::{Parser, Subcommand};
use std::path::Path;

const AFTER_HELP: &str = "\
Environment:
  AZMC_HOME            CurrentUser certificate store and profiles (default: $XDG_DATA_HOME/azmc or ~/.local/share/azmc)
  AZMC_MACHINE_STORE   LocalMachine certificate store root (default: /var/lib/azmc)
  AZMC_PROFILE         The profile API commands use (like --profile)
  AZMC_RETRIES         API commands: retries of throttled or failed connections (0-10, default 4)
  AZMC_POLL_INTERVAL_MS  API commands: longest time between status polls of an operation (default 1000; the first poll comes after 100)
  NO_COLOR             No colours, even with CLICOLOR_FORCE (colours only on a terminal otherwise)

Exit status: 0 success, 1 failure, 2 usage error.";

/// azmc: Windows Azure Service Management management certificates: create them, keep them
/// in a local certificate store, move them as .cer/.pfx/PEM, read and write publish
/// settings files, drive the Management API with them, and serve it.
#[derive(Debug, Parser)]
#[command(name = "azmc", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Flags every command takes, before or after the command name.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// The profile API commands use (default: the default profile; see `azmc account`).
    #[arg(long, global = true, env = "AZMC_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// The subscription (id or name): picks the profile of that subscription for API
    /// commands; selects a subscription in publish settings and admin commands.
    #[arg(long, global = true, value_name = "ID|NAME")]
    pub subscription: Option<String>,
    /// Output: table for people, json for programs (docs/json-output.md), xml for the
    /// API's own XML (API commands only).
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Do not wait for asynchronous operations: print their request id and return.
    #[arg(long, global = true)]
    pub no_wait: bool,
    /// No progress or success messages on stderr (errors still are).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

impl GlobalArgs {
    /// The output format of commands that have no XML form.
    pub fn plain_format(&self) -> Result<Format> {
        match self.output {
            OutputFormat::Table => Ok(Format::Table),
            OutputFormat::Json => Ok(Format::Json),
            OutputFormat::Xml => {
                crate::usage("--output xml is only for API commands; use table or json")
            }
        }
    }
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
    /// Profiles: which endpoint, subscription and certificate API commands use.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// The subscription of the profile (Get Subscription).
    #[command(subcommand)]
    Subscription(subscription::SubscriptionCommand),
    /// Management certificates of the subscription.
    #[command(subcommand, name = "mgmt-cert")]
    MgmtCert(mgmt_cert::MgmtCertCommand),
    /// Locations (data centres).
    #[command(subcommand)]
    Location(location::LocationCommand),
    /// Affinity groups.
    #[command(subcommand, name = "affinity-group")]
    AffinityGroup(affinity_group::AffinityGroupCommand),
    /// Storage accounts and their keys.
    #[command(subcommand)]
    Storage(storage::StorageCommand),
    /// Cloud services, their deployments and certificates.
    #[command(subcommand)]
    Service(service::ServiceCommand),
    /// SQL Database servers and their firewall rules.
    #[command(subcommand)]
    Sql(sql::SqlCommand),
    /// Web sites.
    #[command(subcommand)]
    Site(site::SiteCommand),
    /// Asynchronous operations and the subscription's operation log.
    #[command(subcommand)]
    Operation(operation::OperationCommand),
    /// A raw signed call: prints the status line and the body.
    Api(raw_api::ApiArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Run the management API server.
    Serve(serve::ServeArgs),
    /// Administer the server's accounts and subscriptions (directly in its database).
    Admin(admin::AdminArgs),
}

/// What every command gets: the clock, where the stores live, the global flags.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub clock: SharedClock,
    pub paths: StorePaths,
    pub global: GlobalArgs,
}

impl Ctx {
    /// The output format of commands without an XML form (usage error for xml).
    pub fn output(&self) -> Result<OutputArg> {
        Ok(OutputArg {
            output: self.global.plain_format()?,
        })
    }

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

/// The output format of a toolkit command (table or json).
#[derive(Debug, Clone, Copy)]
pub struct OutputArg {
    pub output: Format,
}

pub fn run(cli: Cli) -> Result<()> {
    // The server commands do not use the local certificate store.
    let command = match cli.command {
        Command::Serve(a) => return serve::run(a),
        Command::Admin(a) => return admin::run(a, &cli.global),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "azmc", &mut script);
            return match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(e).context("writing the completion script")
                }
                _ => Ok(()),
            };
        }
        other => other,
    };
    // Toolkit commands have no XML form: refuse it before anything is written.
    if matches!(
        command,
        Command::Cert(_) | Command::Certstore(_) | Command::Pfx(_) | Command::Publishsettings(_)
    ) {
        cli.global.plain_format()?;
    }
    let ctx = Ctx {
        clock: clock::system(),
        paths: StorePaths::from_env().context("locating the certificate stores")?,
        global: cli.global,
    };
    match command {
        Command::Cert(c) => cert::run(&ctx, c),
        Command::Certstore(c) => certstore::run(&ctx, c),
        Command::Pfx(c) => pfx::run(&ctx, c),
        Command::Publishsettings(c) => publishsettings::run(&ctx, c),
        Command::Account(c) => account::run(&ctx, c),
        Command::Subscription(c) => subscription::run(&ctx, c),
        Command::MgmtCert(c) => mgmt_cert::run(&ctx, c),
        Command::Location(c) => location::run(&ctx, c),
        Command::AffinityGroup(c) => affinity_group::run(&ctx, c),
        Command::Storage(c) => storage::run(&ctx, c),
        Command::Service(c) => service::run(&ctx, c),
        Command::Sql(c) => sql::run(&ctx, c),
        Command::Site(c) => site::run(&ctx, c),
        Command::Operation(c) => operation::run(&ctx, c),
        Command::Api(a) => raw_api::run(&ctx, a),
        Command::Serve(_) | Command::Admin(_) | Command::Completions { .. } => {
            unreachable_command()
        }
    }
}

fn unreachable_command() -> Result<()> {
    anyhow::bail!("internal error: server command dispatched twice")
}

pub use crate::input::read_input;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own consistency checks over the whole command tree (a global flag sharing
    /// an id with a command's argument fails here, not at a user's prompt).
    #[test]
    fn the_command_tree_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
