//! `azmc sql ...` (SQL Database servers, firewall rules) and `azmc site ...` (web sites).

use super::Ctx;
use super::remote::Remote;
use crate::output::{Tabular, print_fields, print_rows};
use crate::secrets::PasswordArgs;
use anyhow::Result;
use azmc_client::api::{FirewallRuleXml, SiteXml, SqlServerXml};
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
        #[arg(long)]
        login: String,
        #[arg(long)]
        location: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Delete a server.
    Delete { server: String },
    /// Set a new administrator password.
    ResetPassword {
        server: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// List the firewall rules of a server.
    List { server: String },
    /// Allow an address range.
    Create {
        server: String,
        name: String,
        #[arg(long, value_name = "IP")]
        start: String,
        #[arg(long, value_name = "IP")]
        end: String,
    },
    /// Change a rule's address range.
    Update {
        server: String,
        name: String,
        #[arg(long, value_name = "IP")]
        start: String,
        #[arg(long, value_name = "IP")]
        end: String,
    },
    /// Delete a rule.
    Delete { server: String, name: String },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// List web sites (of every webspace).
    List,
    /// Show a web site.
    Show { name: String },
    /// Create a web site in a webspace's region (e.g. "West US").
    Create {
        name: String,
        /// The region (a webspace's GeoRegion, e.g. "West US").
        #[arg(long)]
        location: String,
    },
    /// Delete a web site.
    Delete { name: String },
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
struct SiteJson {
    name: String,
    webspace: String,
    state: String,
    host_names: Vec<String>,
    compute_mode: String,
    site_mode: String,
    modified: String,
}

impl SiteJson {
    fn new(s: &SiteXml) -> Self {
        SiteJson {
            name: s.name.clone(),
            webspace: s.web_space.clone(),
            state: s.state.clone(),
            host_names: s.host_names.clone(),
            compute_mode: s.compute_mode.clone(),
            site_mode: s.site_mode.clone(),
            modified: s.last_modified_time_utc.clone(),
        }
    }
}

impl Tabular for SiteJson {
    const HEADER: &'static [&'static str] = &["NAME", "WEBSPACE", "STATE", "HOST NAMES"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.webspace.clone(),
            self.state.clone(),
            self.host_names.join(" "),
        ]
    }
}

#[derive(Debug, Serialize)]
struct CreatedServerJson {
    name: String,
}

pub fn sql(ctx: &Ctx, cmd: SqlCommand) -> Result<()> {
    // Passwords before connecting (a prompt must not race the network).
    let password = match &cmd {
        SqlCommand::Server(ServerCommand::Create {
            password, login, ..
        }) => Some(password.get(&format!("Password for {login}"), true)?),
        SqlCommand::Server(ServerCommand::ResetPassword { password, server }) => {
            Some(password.get(&format!("New administrator password for {server}"), true)?)
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    match cmd {
        SqlCommand::Server(ServerCommand::List) => {
            let all = r.run(r.client.list_sql_servers())?;
            let j: Vec<ServerJson> = all.iter().map(ServerJson::new).collect();
            r.emit_list(&j, || wire::sql_servers_to_xml(&all))
        }
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
        SqlCommand::FirewallRule(RuleCommand::List { server }) => {
            let all = r.run(r.client.list_firewall_rules(&server))?;
            let j: Vec<RuleJson> = all.iter().map(RuleJson::new).collect();
            r.emit_list(&j, || wire::firewall_rules_to_xml(&all))
        }
        SqlCommand::FirewallRule(RuleCommand::Create {
            server,
            name,
            start,
            end,
        }) => {
            let rule = r.run(r.client.create_firewall_rule(&server, &name, &start, &end))?;
            let j = RuleJson::new(&rule);
            r.emit(
                &j,
                || print_rows(std::slice::from_ref(&j)),
                || rule.to_xml(),
            )
        }
        SqlCommand::FirewallRule(RuleCommand::Update {
            server,
            name,
            start,
            end,
        }) => {
            let rule = r.run(r.client.update_firewall_rule(&server, &name, &start, &end))?;
            let j = RuleJson::new(&rule);
            r.emit(
                &j,
                || print_rows(std::slice::from_ref(&j)),
                || rule.to_xml(),
            )
        }
        SqlCommand::FirewallRule(RuleCommand::Delete { server, name }) => {
            let done = r.run(r.client.delete_firewall_rule(&server, &name))?;
            r.finish(done, &format!("firewall rule {name} of {server} deleted"))
        }
    }
}

pub fn site(ctx: &Ctx, cmd: SiteCommand) -> Result<()> {
    let r = Remote::connect(ctx)?;
    match cmd {
        SiteCommand::List => {
            let all = r.run(r.client.list_sites())?;
            let j: Vec<SiteJson> = all.iter().map(SiteJson::new).collect();
            r.emit_list(&j, || wire::sites_to_xml(&all))
        }
        SiteCommand::Show { name } => {
            let s = r.run(r.client.site(&name))?;
            let j = SiteJson::new(&s);
            r.emit(
                &j,
                || {
                    print_fields(&[
                        ("Name", j.name.clone()),
                        ("Webspace", j.webspace.clone()),
                        ("State", j.state.clone()),
                        ("Host names", j.host_names.join(" ")),
                        ("Compute mode", j.compute_mode.clone()),
                        ("Site mode", j.site_mode.clone()),
                        ("Modified", j.modified.clone()),
                    ])
                },
                || s.to_xml(),
            )
        }
        SiteCommand::Create { name, location } => {
            let spaces = r.run(r.client.list_webspaces())?;
            let Some(ws) = spaces
                .iter()
                .find(|w| w.geo_region.eq_ignore_ascii_case(&location))
            else {
                return crate::usage(format!(
                    "--location {location:?}: no webspace there (regions: {})",
                    spaces
                        .iter()
                        .map(|w| w.geo_region.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let s = r.run(r.client.create_site(&ws.name, &name, &ws.geo_region))?;
            let j = SiteJson::new(&s);
            r.emit(
                &j,
                || {
                    if !r.ctx.global.quiet {
                        eprintln!("azmc: web site {} created in {}", j.name, j.webspace);
                    }
                    println!("{}", j.host_names.join(" "));
                },
                || s.to_xml(),
            )
        }
        SiteCommand::Delete { name } => {
            let s = r.run(r.client.site(&name))?;
            let done = r.run(r.client.delete_site(&s.web_space, &s.name))?;
            r.finish(done, &format!("web site {name} deleted"))
        }
    }
}
