//! `azmc sql ...`: SQL Database servers (`sql server`) and their firewall rules
//! (`sql firewall-rule`).

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::{Tabular, print_rows};
use crate::secrets::PasswordArgs;
use anyhow::Result;
use azmc_client::api::{FirewallRuleXml, SqlServerXml};
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum SqlCommand {
    /// SQL Database servers.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Firewall rules of a server.
    #[command(subcommand, name = "firewall-rule")]
    FirewallRule(RuleCommand),
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// List servers.
    List,
    /// Create a server (its name is generated); the administrator password comes from
    /// --password-file or a prompt.
    #[command(
        after_help = "Example:\n  azmc sql server create --login dbadmin --location \"West US\" --password-file pw.txt"
    )]
    Create {
        /// The new server's administrator login name.
        #[arg(long)]
        login: String,
        /// The location (region) of the server, e.g. "West US".
        #[arg(long)]
        location: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Delete a server.
    Delete {
        /// The server's name (as `azmc sql server list` shows it).
        server: String,
    },
    /// Set a new administrator password.
    ResetPassword {
        /// The server's name.
        server: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

/// A firewall rule of a server and its address range, as Create and Update take them.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The server's name.
    server: String,
    /// The firewall rule's name.
    name: String,
    /// First IPv4 address of the range.
    #[arg(long, value_name = "IP")]
    start: String,
    /// Last IPv4 address of the range.
    #[arg(long, value_name = "IP")]
    end: String,
}

#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// List the firewall rules of a server.
    List {
        /// The server's name.
        server: String,
    },
    /// Allow an address range.
    Create {
        #[command(flatten)]
        rule: RuleArgs,
    },
    /// Change a rule's address range.
    Update {
        #[command(flatten)]
        rule: RuleArgs,
    },
    /// Delete a rule.
    Delete {
        /// The server's name.
        server: String,
        /// The firewall rule's name.
        name: String,
    },
}

#[derive(Debug, Serialize)]
struct ServerJson {
    name: String,
    login: String,
    location: String,
    fqdn: String,
    version: String,
    state: String,
}

impl ServerJson {
    fn new(s: &SqlServerXml) -> Self {
        ServerJson {
            name: s.name.clone(),
            login: s.administrator_login.clone(),
            location: s.location.clone(),
            fqdn: s.fully_qualified_domain_name.clone(),
            version: s.version.clone(),
            state: s.state.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct RuleJson {
    name: String,
    start: String,
    end: String,
}

/// A firewall rule as one table row, JSON or XML.
fn emit_rule(r: &Remote, rule: &FirewallRuleXml) -> Result<()> {
    let j = RuleJson::new(rule);
    r.emit(
        &j,
        || print_rows(std::slice::from_ref(&j)),
        || rule.to_xml(),
    )
}

impl RuleJson {
    fn new(r: &FirewallRuleXml) -> Self {
        RuleJson {
            name: r.name.clone(),
            start: r.start_ip_address.clone(),
            end: r.end_ip_address.clone(),
        }
    }
}

impl Tabular for RuleJson {
    const HEADER: &'static [&'static str] = &["NAME", "START", "END"];
    fn row(&self) -> Vec<String> {
        vec![self.name.clone(), self.start.clone(), self.end.clone()]
    }
}

impl Tabular for ServerJson {
    const HEADER: &'static [&'static str] = &["NAME", "LOGIN", "LOCATION", "FQDN", "STATE"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.login.clone(),
            self.location.clone(),
            self.fqdn.clone(),
            self.state.clone(),
        ]
    }
}

#[derive(Debug, Serialize)]
struct CreatedServerJson {
    name: String,
}

pub fn run(ctx: &Ctx, cmd: SqlCommand) -> Result<()> {
    use super::client_ctx::check_locally;
    use azmc_server::domain::sql_servers;
    match &cmd {
        SqlCommand::Server(ServerCommand::Create { login, .. }) => {
            check_locally(sql_servers::validate_login(login))?;
        }
        SqlCommand::FirewallRule(RuleCommand::Create { rule, .. }) => {
            check_locally(sql_servers::validate_rule_name(&rule.name))?;
        }
        _ => {}
    }
    // Passwords before connecting (a prompt must not race the network).
    let password = match &cmd {
        SqlCommand::Server(ServerCommand::Create {
            password, login, ..
        }) => {
            let pw = password.get(&format!("Password for {login}"), true)?;
            check_locally(sql_servers::validate_password(&pw, login))?;
            Some(pw)
        }
        SqlCommand::Server(ServerCommand::ResetPassword { password, server }) => {
            Some(password.get(&format!("New administrator password for {server}"), true)?)
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    match cmd {
        SqlCommand::Server(ServerCommand::List) => r.list(
            r.client.list_sql_servers(),
            ServerJson::new,
            wire::sql_servers_to_xml,
        ),
        SqlCommand::Server(ServerCommand::Create {
            login, location, ..
        }) => {
            let pw = password.unwrap_or_default();
            let name = r.run(r.client.create_sql_server(&login, &pw, &location))?;
            let j = CreatedServerJson { name: name.clone() };
            r.emit(
                &j,
                || println!("{name}"),
                || wire::sql_server_name_to_xml(&name, ""),
            )
        }
        SqlCommand::Server(ServerCommand::Delete { server }) => {
            let done = r.run(r.client.delete_sql_server(&server))?;
            r.finish(done, &format!("SQL server {server} deleted"))
        }
        SqlCommand::Server(ServerCommand::ResetPassword { server, .. }) => {
            let pw = password.unwrap_or_default();
            let done = r.run(r.client.reset_sql_server_password(&server, &pw))?;
            r.finish(done, &format!("password of SQL server {server} reset"))
        }
        SqlCommand::FirewallRule(RuleCommand::List { server }) => r.list(
            r.client.list_firewall_rules(&server),
            RuleJson::new,
            wire::firewall_rules_to_xml,
        ),
        SqlCommand::FirewallRule(RuleCommand::Create { rule: a }) => {
            let rule = r.run(
                r.client
                    .create_firewall_rule(&a.server, &a.name, &a.start, &a.end),
            )?;
            emit_rule(&r, &rule)
        }
        SqlCommand::FirewallRule(RuleCommand::Update { rule: a }) => {
            let rule = r.run(
                r.client
                    .update_firewall_rule(&a.server, &a.name, &a.start, &a.end),
            )?;
            emit_rule(&r, &rule)
        }
        SqlCommand::FirewallRule(RuleCommand::Delete { server, name }) => {
            let done = r.run(r.client.delete_firewall_rule(&server, &name))?;
            r.finish(done, &format!("firewall rule {name} of {server} deleted"))
        }
    }
}
