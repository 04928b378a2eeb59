//! `azmc network reserved-ip ...`: reserved IP addresses.

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::Tabular;
use anyhow::Result;
use azmc_client::api::{CreateReservedIp, ReservedIpXml};
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Reserved IP addresses.
    #[command(subcommand)]
    ReservedIp(ReservedIpCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReservedIpCommand {
    /// List the subscription's reserved IP addresses.
    List,
    /// Show a reserved IP address.
    Show {
        /// The reserved IP's name.
        name: String,
    },
    /// Reserve a public IP address in a location.
    #[command(
        after_help = "Example:\n  azmc network reserved-ip create myip --location \"West US\" --label \"web front end\""
    )]
    Create {
        /// The new reserved IP's name (1 to 80 letters, digits, periods, underscores and
        /// hyphens, starting with a letter or a digit).
        name: String,
        /// The location (one of `azmc location list`).
        #[arg(long, short = 'l')]
        location: String,
        /// A label (plain text, up to 100 characters).
        #[arg(long)]
        label: Option<String>,
    },
    /// Delete a reserved IP address (refused while a deployment uses it).
    Delete {
        /// The reserved IP's name.
        name: String,
    },
    /// Give a deployment the reserved address (same location as its cloud service).
    Associate {
        /// The reserved IP's name.
        name: String,
        /// The cloud service of the deployment.
        #[arg(long)]
        service: String,
        /// The deployment's name.
        #[arg(long)]
        deployment: String,
    },
    /// Take the reserved address back from the deployment it serves.
    Disassociate {
        /// The reserved IP's name.
        name: String,
        /// The cloud service of the deployment.
        #[arg(long)]
        service: String,
        /// The deployment's name.
        #[arg(long)]
        deployment: String,
    },
}

#[derive(Debug, Serialize)]
struct ReservedIpJson {
    name: String,
    address: String,
    id: String,
    label: Option<String>,
    location: String,
    state: String,
    in_use: bool,
    service_name: Option<String>,
    deployment_name: Option<String>,
}

impl ReservedIpJson {
    fn new(ip: &ReservedIpXml) -> Self {
        ReservedIpJson {
            name: ip.name.clone(),
            address: ip.address.clone(),
            id: ip.id.clone(),
            label: ip.label.clone(),
            location: ip.location.clone(),
            state: ip.state.clone(),
            in_use: ip.in_use,
            service_name: ip.service_name.clone(),
            deployment_name: ip.deployment_name.clone(),
        }
    }

    /// `service/deployment` while in use, else `-`.
    fn used_by(&self) -> String {
        match (&self.service_name, &self.deployment_name) {
            (Some(s), Some(d)) if self.in_use => format!("{s}/{d}"),
            _ => "-".into(),
        }
    }
}

impl Tabular for ReservedIpJson {
    const HEADER: &'static [&'static str] = &["NAME", "ADDRESS", "LOCATION", "STATE", "USED BY"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.address.clone(),
            self.location.clone(),
            self.state.clone(),
            self.used_by(),
        ]
    }
}

pub fn run(ctx: &Ctx, cmd: NetworkCommand) -> Result<()> {
    let NetworkCommand::ReservedIp(cmd) = cmd;
    if let ReservedIpCommand::Create { name, .. } = &cmd {
        super::client_ctx::check_locally(azmc_server::domain::reserved_ips::check_name(name))?;
    }
    let r = Remote::connect(ctx)?;
    match cmd {
        ReservedIpCommand::List => r.list(
            r.client.list_reserved_ips(),
            ReservedIpJson::new,
            wire::reserved_ips_to_xml,
        ),
        ReservedIpCommand::Show { name } => r.show(
            r.client.reserved_ip(&name),
            ReservedIpJson::new,
            |j| {
                vec![
                    ("Name", j.name.clone()),
                    ("Address", j.address.clone()),
                    ("Id", j.id.clone()),
                    ("Label", j.label.clone().unwrap_or_default()),
                    ("Location", j.location.clone()),
                    ("State", j.state.clone()),
                    ("Used by", j.used_by()),
                ]
            },
            |ip| ip.to_xml(),
        ),
        ReservedIpCommand::Create {
            name,
            location,
            label,
        } => {
            let req = CreateReservedIp {
                label,
                ..CreateReservedIp::new(name.clone(), location)
            };
            let done = r.run(r.client.create_reserved_ip(&req))?;
            r.finish(done, &format!("reserved IP {name} created"))
        }
        ReservedIpCommand::Delete { name } => {
            let done = r.run(r.client.delete_reserved_ip(&name))?;
            r.finish(done, &format!("reserved IP {name} deleted"))
        }
        ReservedIpCommand::Associate {
            name,
            service,
            deployment,
        } => {
            let done =
                r.run(
                    r.client
                        .set_reserved_ip_association(&name, &service, &deployment, true),
                )?;
            r.finish(
                done,
                &format!("reserved IP {name} associated with {service}/{deployment}"),
            )
        }
        ReservedIpCommand::Disassociate {
            name,
            service,
            deployment,
        } => {
            let done =
                r.run(
                    r.client
                        .set_reserved_ip_association(&name, &service, &deployment, false),
                )?;
            r.finish(
                done,
                &format!("reserved IP {name} disassociated from {service}/{deployment}"),
            )
        }
    }
}
