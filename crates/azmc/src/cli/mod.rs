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
mod doctor;
mod location;
mod mgmt_cert;
mod network;
mod operation;
mod pfx;
mod publishsettings;
mod raw_api;
mod rotate;
mod scan;
mod serve;
mod server_args;
mod service;
mod site;
mod sql;
mod storage;
mod subscription;
mod vm;

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
    #[arg(long, global = true, env = "AZMC_PROFILE", value_name = "NAME", help_heading = API_OPTIONS)]
    pub profile: Option<String>,
    /// The subscription (id or name): picks the profile of that subscription.
    #[arg(long, global = true, value_name = "ID|NAME", help_heading = API_OPTIONS)]
    pub subscription: Option<String>,
    /// Output: table for people, json for programs (docs/json-output.md), xml for the
    /// API's own XML.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Do not wait for asynchronous operations: print their request id and return.
    #[arg(long, global = true, help_heading = API_OPTIONS)]
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

/// The help heading of the options of API commands.
const API_OPTIONS: &str = "API options";

/// The command groups of `azmc --help`, by command name (`completions` and `help` are
/// listed last, under Other).
const GROUPS: [(&str, &[&str]); 3] = [
    (
        "Toolkit: certificates and files on this machine",
        &["cert", "certstore", "pfx", "publishsettings", "scan"],
    ),
    (
        "Client: the Management API, through a profile",
        &[
            "account",
            "subscription",
            "mgmt-cert",
            "location",
            "affinity-group",
            "storage",
            "service",
            "sql",
            "site",
            "network",
            "vm",
            "operation",
            "api",
            "doctor",
        ],
    ),
    ("Server", &["serve", "admin"]),
];

/// The commands that call the API (they take `--profile`; all but `account` `--no-wait`).
fn is_api(name: &str) -> bool {
    GROUPS[1].1.contains(&name)
}

/// The command tree as users see it: the global flags are shown only on the commands they
/// apply to (API flags under their own heading, `xml` output only on API commands), and
/// `azmc --help` lists the commands in groups. Parse with [`parse`].
///
/// A command that defines an argument of a global flag's id keeps its own copy (clap does
/// not propagate the root's over it) and hands it down to the commands under it: so each
/// top-level command gets copies of the global flags, hidden or reworded as they apply.
pub fn command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let global = |id: &str| {
        cmd.get_arguments()
            .find(|a| a.get_id() == id)
            .cloned()
            .unwrap_or_else(|| panic!("no global flag {id}"))
    };
    let (profile, subscription, output, no_wait, quiet) = (
        global("profile"),
        global("subscription"),
        global("output"),
        global("no_wait"),
        global("quiet"),
    );
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in &names {
        let api = is_api(name);
        // `scan` asks the profile's subscription whether what it found is still linked.
        let uses_profile = api || name == "scan";
        let waits = !matches!(name.as_str(), "account" | "doctor");
        let picks_subscription = matches!(name.as_str(), "publishsettings" | "admin");
        let has_output = !matches!(name.as_str(), "serve" | "completions");
        let subscription = if picks_subscription {
            subscription.clone().help_heading(None::<&str>).help(
                "The subscription (id or name) to select where the file or database holds several",
            )
        } else {
            subscription.clone().hide(!uses_profile)
        };
        let output = if !has_output {
            output.clone().hide(true)
        } else if api && waits {
            output.clone()
        } else {
            output
                .clone()
                .hide_possible_values(true)
                .help("Output: table for people, json for programs (docs/json-output.md)")
        };
        let args = [
            profile.clone().hide(!uses_profile),
            subscription,
            output,
            no_wait.clone().hide(!api || !waits),
            quiet.clone().hide(!has_output),
        ];
        cmd = cmd.mut_subcommand(name, |c| c.args(args));
    }
    // `cert rotate` works through the profile's API, unlike the rest of `cert`.
    cmd = cmd.mut_subcommand("cert", |c| {
        c.mut_subcommand("rotate", |r| {
            r.args([profile.clone(), subscription.clone()])
        })
    });
    // The listing is of the built tree, which has clap's own `help` command too.
    let mut built = cmd.clone();
    built.build();
    let names: Vec<String> = built
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let about = |n: &str| {
        built
            .find_subcommand(n)
            .map(|c| c.get_about().map(|a| a.to_string()).unwrap_or_default())
    };
    let mut listing = String::new();
    let others: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !GROUPS.iter().any(|(_, g)| g.contains(n)))
        .collect();
    for (title, group) in GROUPS
        .iter()
        .map(|(t, g)| (*t, g.to_vec()))
        .chain(std::iter::once(("Other", others)))
    {
        listing.push_str(&format!("{title}:\n"));
        for n in group {
            if let Some(a) = about(n) {
                listing.push_str(&format!("  {n:<17}{a}\n"));
            }
        }
        listing.push('\n');
    }
    cmd.help_template(format!(
        "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{listing}Options:\n{{options}}{{after-help}}"
    ))
}

/// Parse the process's arguments with [`command`].
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches()?;
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
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
    /// Virtual networks, the network configuration and reserved IP addresses.
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Classic virtual machines (create, list, show, start, stop, restart, delete), their
    /// data disks, the disk repository and OS images.
    #[command(subcommand)]
    Vm(vm::VmCommand),
    /// Asynchronous operations and the subscription's operation log.
    #[command(subcommand)]
    Operation(operation::OperationCommand),
    /// A raw signed call: prints the status line and the body.
    Api(raw_api::ApiArgs),
    /// Find management credentials left lying around: publish settings files, PEM private
    /// keys, PKCS#12 files without a password, ManagementCertificate blobs (exit 1 when any).
    #[command(
        after_help = "Examples:\n  azmc scan ~/projects ~/Downloads\n  azmc scan . --git -o json\n\nWith a profile that reaches its endpoint, each certificate found is checked against its\nsubscription's management certificates (LINKED). Exit status: 1 when anything is found,\n0 when clean, 2 on a usage error."
    )]
    Scan {
        /// Files or directories to search (directories recursively, without following
        /// symbolic links).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<std::path::PathBuf>,
        /// Search every blob of each PATH's git history as well (all refs).
        #[arg(long)]
        git: bool,
    },
    /// Check that the profile can manage its subscription, step by step, and say what to fix.
    #[command(
        after_help = "Examples:\n  azmc doctor\n  azmc doctor --profile prod -o json\n\nExit status: 0 when no check failed (warnings allowed), 1 otherwise."
    )]
    Doctor,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to write the script for.
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
            let mut cmd = command();
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
        Command::Network(c) => network::run(&ctx, c),
        Command::Vm(c) => vm::run(&ctx, c),
        Command::Operation(c) => operation::run(&ctx, c),
        Command::Api(a) => raw_api::run(&ctx, a),
        Command::Doctor => doctor::run(&ctx),
        Command::Scan { paths, git } => scan::run(&ctx, &paths, git),
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
        command().debug_assert();
    }

    /// Every option and argument a user can see has a description.
    #[test]
    fn every_visible_argument_is_described() {
        fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in c.get_arguments() {
                if !a.is_hide_set() && a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {}", a.get_id()));
                }
            }
            for sc in c.get_subcommands() {
                walk(sc, &format!("{path} {}", sc.get_name()), missing);
            }
        }
        let mut cmd = command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "azmc", &mut missing);
        assert!(
            missing.is_empty(),
            "{} undescribed:\n{}",
            missing.len(),
            missing.join("\n")
        );
    }

    /// Global flags are shown only where they apply; API flags under their own heading.
    #[test]
    fn global_flags_show_only_where_they_apply() {
        let mut cmd = command();
        cmd.build();
        let find = |path: &[&str]| {
            let mut c = &cmd;
            for p in path {
                c = c.find_subcommand(p).unwrap_or_else(|| panic!("{path:?}"));
            }
            c.clone()
        };
        let shown = |c: &clap::Command, id: &str| {
            c.get_arguments()
                .find(|a| a.get_id() == id)
                .is_some_and(|a| !a.is_hide_set())
        };
        for path in [
            &["cert", "new"][..],
            &["pfx", "inspect"],
            &["certstore", "list"],
        ] {
            let c = find(path);
            for id in ["profile", "subscription", "no_wait"] {
                assert!(!shown(&c, id), "{path:?} shows {id}");
            }
            assert!(shown(&c, "output"), "{path:?}");
        }
        for path in [
            &["storage", "account", "create"][..],
            &["api"],
            &["operation", "wait"],
        ] {
            let c = find(path);
            for id in ["profile", "subscription", "no_wait", "output"] {
                assert!(shown(&c, id), "{path:?} hides {id}");
            }
            let heading = c
                .get_arguments()
                .find(|a| a.get_id() == "no_wait")
                .and_then(|a| a.get_help_heading());
            assert_eq!(heading, Some(API_OPTIONS), "{path:?}");
        }
        let c = find(&["cert", "rotate"]);
        assert!(shown(&c, "profile") && shown(&c, "subscription") && !shown(&c, "no_wait"));
        let c = find(&["admin", "subscription", "create"]);
        assert!(shown(&c, "subscription") && !shown(&c, "no_wait") && !shown(&c, "profile"));
        let c = find(&["serve"]);
        for id in ["profile", "subscription", "no_wait", "output", "quiet"] {
            assert!(!shown(&c, id), "serve shows {id}");
        }
        let c = find(&["account", "list"]);
        assert!(shown(&c, "profile") && !shown(&c, "no_wait"));
        // The grouped listing names every command exactly once.
        let help = command().render_help().to_string();
        for sc in cmd.get_subcommands() {
            let line = format!("\n  {:<17}", sc.get_name());
            assert_eq!(
                help.matches(&line).count(),
                1,
                "{} in\n{help}",
                sc.get_name()
            );
        }
    }
}
