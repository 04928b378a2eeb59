//! `azmc network ...`: virtual networks and the subscription's network configuration, and
//! reserved IP addresses.
//!
//! A virtual network is a site of the subscription's one network configuration document:
//! `vnet create` and `vnet delete` read the document, change that site and set the whole
//! document again (as the classic azure-cli did), so a concurrent change by someone else
//! between the two calls is overwritten.

use super::client_ctx::Remote;
use super::{Ctx, read_input};
use crate::output::{Tabular, print_fields};
use anyhow::{Context, Result};
use azmc_client::api::{
    CreateReservedIp, NetworkConfiguration, ReservedIpXml, VirtualNetworkSiteXml,
};
use azmc_wire::asm::{self as wire, DnsServerConfig, SubnetConfig, VirtualNetworkSiteConfig};
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Virtual networks (the sites of the network configuration).
    #[command(subcommand)]
    Vnet(VnetCommand),
    /// The subscription's whole network configuration document.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Reserved IP addresses.
    #[command(subcommand)]
    ReservedIp(ReservedIpCommand),
}

#[derive(Debug, Subcommand)]
pub enum VnetCommand {
    /// List virtual networks.
    List,
    /// Show a virtual network with its subnets, DNS servers and gateway.
    Show {
        /// The virtual network's name.
        name: String,
    },
    /// Create a virtual network in a location or an affinity group.
    #[command(
        after_help = "Example:\n  azmc network vnet create vnet1 --location \"West US\" --address-space 10.0.0.0/16 \\\n      --subnet frontend=10.0.1.0/24 --subnet backend=10.0.2.0/24 --dns-server dns1=10.0.0.4"
    )]
    Create {
        /// The new virtual network's name.
        name: String,
        /// The location (region) to create it in; give this or --affinity-group.
        #[arg(
            long,
            required_unless_present = "affinity_group",
            conflicts_with = "affinity_group"
        )]
        location: Option<String>,
        /// The affinity group to create it in; give this or --location.
        #[arg(long)]
        affinity_group: Option<String>,
        /// Its address space in CIDR form (repeatable).
        #[arg(
            long = "address-space",
            value_name = "CIDR",
            default_value = "10.0.0.0/16"
        )]
        address_spaces: Vec<String>,
        /// A subnet, NAME=CIDR inside the address space (repeatable; default: one subnet
        /// Subnet-1 spanning the first address space).
        #[arg(long = "subnet", value_name = "NAME=CIDR")]
        subnets: Vec<String>,
        /// A DNS server for it, NAME=IP (repeatable; added to the configuration's DNS
        /// servers if new, else the existing one of that name is used).
        #[arg(long = "dns-server", value_name = "NAME=IP")]
        dns_servers: Vec<String>,
    },
    /// Delete a virtual network.
    Delete {
        /// The virtual network's name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the network configuration document as the server keeps it.
    Show,
    /// Replace the whole network configuration with a document (a file, or - for
    /// standard input); checked here for well-formed XML first.
    Set {
        /// The NetworkConfiguration document.
        file: PathBuf,
    },
}

#[derive(Debug, Serialize)]
struct SubnetJson {
    name: String,
    address_prefix: String,
}

#[derive(Debug, Serialize)]
struct DnsJson {
    name: String,
    address: String,
}

#[derive(Debug, Serialize)]
struct VnetJson {
    name: String,
    id: String,
    location: Option<String>,
    affinity_group: Option<String>,
    state: String,
    address_spaces: Vec<String>,
    subnets: Vec<SubnetJson>,
    dns_servers: Vec<DnsJson>,
    gateway_sites: Vec<String>,
}

impl VnetJson {
    fn new(v: &VirtualNetworkSiteXml) -> Self {
        VnetJson {
            name: v.name.clone(),
            id: v.id.clone(),
            location: v.location.clone(),
            affinity_group: v.affinity_group.clone(),
            state: v.state.clone(),
            address_spaces: v.address_prefixes.clone(),
            subnets: v
                .subnets
                .iter()
                .map(|(name, address_prefix)| SubnetJson {
                    name: name.clone(),
                    address_prefix: address_prefix.clone(),
                })
                .collect(),
            dns_servers: v
                .dns_servers
                .iter()
                .map(|(name, address)| DnsJson {
                    name: name.clone(),
                    address: address.clone(),
                })
                .collect(),
            gateway_sites: v.gateway_sites.iter().map(|g| g.name.clone()).collect(),
        }
    }
}

impl Tabular for VnetJson {
    const HEADER: &'static [&'static str] =
        &["NAME", "LOCATION", "STATE", "ADDRESS SPACE", "SUBNETS"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            match (&self.affinity_group, &self.location) {
                (Some(g), _) => format!("{g} (affinity group)"),
                (None, l) => l.clone().unwrap_or_default(),
            },
            self.state.clone(),
            self.address_spaces.join(" "),
            self.subnets.len().to_string(),
        ]
    }
}

#[derive(Debug, Serialize)]
struct DocumentJson {
    document: Option<String>,
}

/// `NAME=VALUE`, or a usage error naming the flag.
fn pair(text: &str, flag: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((n, v)) if !n.trim().is_empty() && !v.trim().is_empty() => {
            Ok((n.trim().to_string(), v.trim().to_string()))
        }
        _ => crate::usage(format!("{flag} takes NAME=VALUE, not {text:?}")),
    }
}

pub fn run(ctx: &Ctx, cmd: NetworkCommand) -> Result<()> {
    // A document to set is read and checked before anything is sent.
    let document = match &cmd {
        NetworkCommand::Config(ConfigCommand::Set { file }) => {
            let data = read_input(file, 1024 * 1024)?;
            let shown = file.display();
            wire::parse_network_configuration(&data)
                .with_context(|| format!("{shown}: not a network configuration"))?;
            Some(String::from_utf8(data).with_context(|| format!("{shown}: not UTF-8 text"))?)
        }
        NetworkCommand::ReservedIp(ReservedIpCommand::Create { name, .. }) => {
            super::client_ctx::check_locally(azmc_server::domain::reserved_ips::check_name(name))?;
            None
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    match cmd {
        NetworkCommand::Vnet(VnetCommand::List) => r.list(
            r.client.list_virtual_network_sites(),
            VnetJson::new,
            wire::virtual_network_sites_to_xml,
        ),
        NetworkCommand::Vnet(VnetCommand::Show { name }) => {
            let sites = r.run(r.client.list_virtual_network_sites())?;
            let Some(v) = sites.iter().find(|s| s.name.eq_ignore_ascii_case(&name)) else {
                return crate::usage(format!("there is no virtual network named {name}"));
            };
            let j = VnetJson::new(v);
            r.emit(
                &j,
                || {
                    print_fields(&[
                        ("Name", j.name.clone()),
                        ("Id", j.id.clone()),
                        ("Location", j.location.clone().unwrap_or_default()),
                        (
                            "Affinity group",
                            j.affinity_group.clone().unwrap_or_default(),
                        ),
                        ("State", j.state.clone()),
                        ("Address space", j.address_spaces.join(" ")),
                        (
                            "Subnets",
                            j.subnets
                                .iter()
                                .map(|s| format!("{}={}", s.name, s.address_prefix))
                                .collect::<Vec<_>>()
                                .join(" "),
                        ),
                        (
                            "DNS servers",
                            j.dns_servers
                                .iter()
                                .map(|d| format!("{}={}", d.name, d.address))
                                .collect::<Vec<_>>()
                                .join(" "),
                        ),
                        ("Gateway sites", j.gateway_sites.join(" ")),
                    ])
                },
                || wire::virtual_network_sites_to_xml(std::slice::from_ref(v)),
            )
        }
        NetworkCommand::Vnet(VnetCommand::Create {
            name,
            location,
            affinity_group,
            address_spaces,
            subnets,
            dns_servers,
        }) => {
            let subnets = subnets
                .iter()
                .map(|s| pair(s, "--subnet"))
                .collect::<Result<Vec<_>>>()?;
            let dns = dns_servers
                .iter()
                .map(|s| pair(s, "--dns-server"))
                .collect::<Result<Vec<_>>>()?;
            let mut config = r.run(r.client.network_configuration())?;
            if config
                .virtual_network_sites
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(&name))
            {
                return crate::usage(format!("a virtual network named {name} exists already"));
            }
            add_site(
                &mut config,
                VirtualNetworkSiteConfig {
                    name: name.clone(),
                    location,
                    affinity_group,
                    subnets: if subnets.is_empty() {
                        vec![SubnetConfig {
                            name: "Subnet-1".into(),
                            address_prefix: address_spaces[0].clone(),
                        }]
                    } else {
                        subnets
                            .into_iter()
                            .map(|(name, address_prefix)| SubnetConfig {
                                name,
                                address_prefix,
                            })
                            .collect()
                    },
                    address_prefixes: address_spaces,
                    dns_server_refs: Vec::new(),
                    gateway_connections: Vec::new(),
                },
                dns,
            );
            let done = r.run(r.client.set_network_configuration(&config.to_xml()))?;
            r.finish(done, &format!("virtual network {name} created"))
        }
        NetworkCommand::Vnet(VnetCommand::Delete { name }) => {
            let mut config = r.run(r.client.network_configuration())?;
            let before = config.virtual_network_sites.len();
            config
                .virtual_network_sites
                .retain(|s| !s.name.eq_ignore_ascii_case(&name));
            if config.virtual_network_sites.len() == before {
                return crate::usage(format!("there is no virtual network named {name}"));
            }
            let done = r.run(r.client.set_network_configuration(&config.to_xml()))?;
            r.finish(done, &format!("virtual network {name} deleted"))
        }
        NetworkCommand::Config(ConfigCommand::Show) => {
            let document = r.run(r.client.network_configuration_document())?;
            let j = DocumentJson { document };
            let text = j.document.clone().unwrap_or_default();
            r.emit(
                &j,
                || match &j.document {
                    Some(d) => println!("{d}"),
                    None => eprintln!("azmc: the subscription has no network configuration"),
                },
                || text,
            )
        }
        NetworkCommand::Config(ConfigCommand::Set { .. }) => {
            let document = document.unwrap_or_default();
            let done = r.run(r.client.set_network_configuration(&document))?;
            r.finish(done, "network configuration set")
        }
        NetworkCommand::ReservedIp(c) => reserved_ip(&r, c),
    }
}

/// Add `site` to `config` with the DNS servers `dns` (NAME, IP): a server of that name
/// already in the configuration is referred to as it is; a new one is added.
fn add_site(
    config: &mut NetworkConfiguration,
    mut site: VirtualNetworkSiteConfig,
    dns: Vec<(String, String)>,
) {
    for (name, address) in dns {
        let known = config
            .dns_servers
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&name))
            .map(|d| d.name.clone());
        let name = match known {
            Some(existing) => existing,
            None => {
                config.dns_servers.push(DnsServerConfig {
                    name: name.clone(),
                    address,
                });
                name
            }
        };
        site.dns_server_refs.push(name);
    }
    config.virtual_network_sites.push(site);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_dns_servers() {
        assert_eq!(
            pair("a=10.0.0.0/24", "--subnet").unwrap(),
            ("a".to_string(), "10.0.0.0/24".to_string())
        );
        for bad in ["a", "=x", "a=", ""] {
            assert!(pair(bad, "--subnet").is_err(), "{bad}");
        }
        let mut c = NetworkConfiguration {
            dns_servers: vec![DnsServerConfig {
                name: "DNS1".into(),
                address: "10.0.0.4".into(),
            }],
            ..NetworkConfiguration::default()
        };
        add_site(
            &mut c,
            VirtualNetworkSiteConfig {
                name: "v".into(),
                ..VirtualNetworkSiteConfig::default()
            },
            vec![
                ("dns1".into(), "10.9.9.9".into()),
                ("dns2".into(), "10.0.0.5".into()),
            ],
        );
        assert_eq!(c.dns_servers.len(), 2);
        assert_eq!(c.dns_servers[0].address, "10.0.0.4", "kept as it was");
        assert_eq!(c.virtual_network_sites[0].dns_server_refs, ["DNS1", "dns2"]);
    }
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

/// `azmc network reserved-ip ...`.
fn reserved_ip(r: &Remote<'_>, cmd: ReservedIpCommand) -> Result<()> {
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
