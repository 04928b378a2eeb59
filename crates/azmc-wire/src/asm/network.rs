//! Virtual networks (asm-iaas §8): the subscription's network configuration document
//! (`GET`/`PUT /{s}/services/networking/media`, the netcfg schema with attributes) and
//! List Virtual Network Sites (`GET /{s}/services/networking/virtualnetwork`, the
//! windowsazure schema with elements).

use super::XmlWriter;
use super::common::{list_to_xml, parse_response_list, texts, write_texts};
use super::dom::{Element, parse_document};
use super::error::XmlError;

/// The namespace of the network configuration document.
pub const NS_NETCFG: &str =
    "http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration";

/// A DNS server of the configuration (`<DnsServer name=… IPAddress=…/>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsServerConfig {
    pub name: String,
    pub address: String,
}

/// A local (on-premises) network site.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalNetworkSiteConfig {
    pub name: String,
    pub vpn_gateway_address: Option<String>,
    pub address_prefixes: Vec<String>,
}

/// A subnet of a virtual network site.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubnetConfig {
    pub name: String,
    pub address_prefix: String,
}

/// A virtual network site: in a location or an affinity group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualNetworkSiteConfig {
    pub name: String,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    pub address_prefixes: Vec<String>,
    pub subnets: Vec<SubnetConfig>,
    /// Names of the configuration's DNS servers this site uses.
    pub dns_server_refs: Vec<String>,
    /// (local network site name, connection type) of its gateway.
    pub gateway_connections: Vec<(String, String)>,
}

/// The `NetworkConfiguration` document, as far as azmc reads it. The server keeps the
/// document as it was sent and answers it unchanged; this is what it checks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkConfiguration {
    pub dns_servers: Vec<DnsServerConfig>,
    pub local_network_sites: Vec<LocalNetworkSiteConfig>,
    pub virtual_network_sites: Vec<VirtualNetworkSiteConfig>,
}

fn attr(el: &Element, name: &str) -> Option<String> {
    el.attr(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn child_texts(el: &Element, list: &str, item: &str) -> Vec<String> {
    texts(Some(el), list, item)
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Read a network configuration document (root `NetworkConfiguration`, any namespace; a
/// document without `VirtualNetworkConfiguration` is an empty configuration).
pub fn parse_network_configuration(body: &[u8]) -> Result<NetworkConfiguration, XmlError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let root = parse_document(body)?;
    if root.name != "NetworkConfiguration" {
        return Err(XmlError::WrongRoot {
            expected: "NetworkConfiguration".into(),
            found: root.name,
        });
    }
    let Some(v) = root.child("VirtualNetworkConfiguration") else {
        return Ok(NetworkConfiguration::default());
    };
    let dns_servers = v
        .child("Dns")
        .and_then(|d| d.child("DnsServers"))
        .map(|l| {
            l.children_named("DnsServer")
                .map(|s| DnsServerConfig {
                    name: attr(s, "name").unwrap_or_default(),
                    address: attr(s, "IPAddress").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let local_network_sites = v
        .child("LocalNetworkSites")
        .map(|l| {
            l.children_named("LocalNetworkSite")
                .map(|s| LocalNetworkSiteConfig {
                    name: attr(s, "name").unwrap_or_default(),
                    vpn_gateway_address: s
                        .child_text("VPNGatewayAddress")
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned),
                    address_prefixes: child_texts(s, "AddressSpace", "AddressPrefix"),
                })
                .collect()
        })
        .unwrap_or_default();
    let virtual_network_sites = v
        .child("VirtualNetworkSites")
        .map(|l| {
            l.children_named("VirtualNetworkSite")
                .map(|s| VirtualNetworkSiteConfig {
                    name: attr(s, "name").unwrap_or_default(),
                    location: attr(s, "Location"),
                    affinity_group: attr(s, "AffinityGroup"),
                    address_prefixes: child_texts(s, "AddressSpace", "AddressPrefix"),
                    subnets: s
                        .child("Subnets")
                        .map(|n| {
                            n.children_named("Subnet")
                                .map(|sn| SubnetConfig {
                                    name: attr(sn, "name").unwrap_or_default(),
                                    address_prefix: sn
                                        .child_text("AddressPrefix")
                                        .map(|t| t.trim().to_owned())
                                        .unwrap_or_default(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    dns_server_refs: s
                        .child("DnsServersRef")
                        .map(|r| {
                            r.children_named("DnsServerRef")
                                .filter_map(|d| attr(d, "name"))
                                .collect()
                        })
                        .unwrap_or_default(),
                    gateway_connections: s
                        .child("Gateway")
                        .and_then(|g| g.child("ConnectionsToLocalNetwork"))
                        .map(|c| {
                            c.children_named("LocalNetworkSiteRef")
                                .map(|r| {
                                    (
                                        attr(r, "name").unwrap_or_default(),
                                        r.child("Connection")
                                            .and_then(|c| attr(c, "type"))
                                            .unwrap_or_else(|| "IPsec".into()),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(NetworkConfiguration {
        dns_servers,
        local_network_sites,
        virtual_network_sites,
    })
}

impl NetworkConfiguration {
    /// The document in the element order the classic azure-cli writes (XML declaration,
    /// netcfg namespace; every list wrapper written only when it has items).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root_ns("NetworkConfiguration", NS_NETCFG);
        w.open("VirtualNetworkConfiguration");
        if !self.dns_servers.is_empty() {
            w.open("Dns").open("DnsServers");
            for d in &self.dns_servers {
                w.open_with("DnsServer", &[("name", &d.name), ("IPAddress", &d.address)])
                    .close();
            }
            w.close().close();
        }
        if !self.local_network_sites.is_empty() {
            w.open("LocalNetworkSites");
            for s in &self.local_network_sites {
                w.open_with("LocalNetworkSite", &[("name", &s.name)]);
                w.opt_text("VPNGatewayAddress", s.vpn_gateway_address.as_deref());
                write_texts(&mut w, "AddressSpace", "AddressPrefix", &s.address_prefixes);
                w.close();
            }
            w.close();
        }
        if !self.virtual_network_sites.is_empty() {
            w.open("VirtualNetworkSites");
            for s in &self.virtual_network_sites {
                let mut attrs = vec![("name", s.name.as_str())];
                if let Some(l) = &s.location {
                    attrs.push(("Location", l));
                }
                if let Some(g) = &s.affinity_group {
                    attrs.push(("AffinityGroup", g));
                }
                w.open_with("VirtualNetworkSite", &attrs);
                write_texts(&mut w, "AddressSpace", "AddressPrefix", &s.address_prefixes);
                if !s.subnets.is_empty() {
                    w.open("Subnets");
                    for n in &s.subnets {
                        w.open_with("Subnet", &[("name", &n.name)])
                            .text("AddressPrefix", &n.address_prefix)
                            .close();
                    }
                    w.close();
                }
                if !s.dns_server_refs.is_empty() {
                    w.open("DnsServersRef");
                    for d in &s.dns_server_refs {
                        w.open_with("DnsServerRef", &[("name", d)]).close();
                    }
                    w.close();
                }
                if !s.gateway_connections.is_empty() {
                    w.open("Gateway").open("ConnectionsToLocalNetwork");
                    for (site, kind) in &s.gateway_connections {
                        w.open_with("LocalNetworkSiteRef", &[("name", site)])
                            .open_with("Connection", &[("type", kind)])
                            .close()
                            .close();
                    }
                    w.close().close();
                }
                w.close();
            }
            w.close();
        }
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{}", w.finish())
    }
}

/// A local network site as List Virtual Network Sites shows it under a site's gateway.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewaySiteXml {
    pub name: String,
    pub vpn_gateway_address: Option<String>,
    pub address_prefixes: Vec<String>,
    pub connections: Vec<String>,
}

/// One entry of List Virtual Network Sites.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualNetworkSiteXml {
    pub name: String,
    pub label: String,
    /// A GUID, stable for the site's name.
    pub id: String,
    pub affinity_group: Option<String>,
    pub location: Option<String>,
    /// `Created`.
    pub state: String,
    pub address_prefixes: Vec<String>,
    /// (name, address prefix).
    pub subnets: Vec<(String, String)>,
    /// (name, address).
    pub dns_servers: Vec<(String, String)>,
    /// The gateway's local sites; no `Gateway` element when empty.
    pub gateway_sites: Vec<GatewaySiteXml>,
}

impl VirtualNetworkSiteXml {
    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Label", &self.label)
            .text("Id", &self.id)
            .opt_text("AffinityGroup", self.affinity_group.as_deref())
            .opt_text("Location", self.location.as_deref())
            .text("State", &self.state);
        w.open("AddressSpace");
        write_texts(
            w,
            "AddressPrefixes",
            "AddressPrefix",
            &self.address_prefixes,
        );
        w.close();
        w.open("Subnets");
        for (name, prefix) in &self.subnets {
            w.open("Subnet")
                .text("Name", name)
                .text("AddressPrefix", prefix)
                .close();
        }
        w.close();
        if !self.dns_servers.is_empty() {
            w.open("Dns").open("DnsServers");
            for (name, address) in &self.dns_servers {
                w.open("DnsServer")
                    .text("Name", name)
                    .text("Address", address)
                    .close();
            }
            w.close().close();
        }
        if !self.gateway_sites.is_empty() {
            w.open("Gateway").text("Profile", "Small").open("Sites");
            for g in &self.gateway_sites {
                w.open("LocalNetworkSite")
                    .text("Name", &g.name)
                    .opt_text("VpnGatewayAddress", g.vpn_gateway_address.as_deref());
                w.open("AddressSpace");
                write_texts(w, "AddressPrefixes", "AddressPrefix", &g.address_prefixes);
                w.close();
                w.open("Connections");
                for c in &g.connections {
                    w.open("Connection").text("Type", c).close();
                }
                w.close().close();
            }
            w.close().close();
        }
    }

    fn from_element(el: &Element) -> Self {
        let text = |e: &Element, name| {
            e.child_text(name)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let prefixes =
            |e: &Element| texts(e.child("AddressSpace"), "AddressPrefixes", "AddressPrefix");
        VirtualNetworkSiteXml {
            name: text(el, "Name").unwrap_or_default(),
            label: text(el, "Label").unwrap_or_default(),
            id: text(el, "Id").unwrap_or_default(),
            affinity_group: text(el, "AffinityGroup"),
            location: text(el, "Location"),
            state: text(el, "State").unwrap_or_default(),
            address_prefixes: prefixes(el),
            subnets: el
                .child("Subnets")
                .map(|s| {
                    s.children_named("Subnet")
                        .map(|n| {
                            (
                                text(n, "Name").unwrap_or_default(),
                                text(n, "AddressPrefix").unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            dns_servers: el
                .child("Dns")
                .and_then(|d| d.child("DnsServers"))
                .map(|s| {
                    s.children_named("DnsServer")
                        .map(|n| {
                            (
                                text(n, "Name").unwrap_or_default(),
                                text(n, "Address").unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            gateway_sites: el
                .child("Gateway")
                .and_then(|g| g.child("Sites"))
                .map(|s| {
                    s.children_named("LocalNetworkSite")
                        .map(|n| GatewaySiteXml {
                            name: text(n, "Name").unwrap_or_default(),
                            vpn_gateway_address: text(n, "VpnGatewayAddress"),
                            address_prefixes: prefixes(n),
                            connections: texts(n.child("Connections"), "Connection", "Type"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The List Virtual Network Sites document (root `VirtualNetworkSites`).
pub fn virtual_network_sites_to_xml(sites: &[VirtualNetworkSiteXml]) -> String {
    list_to_xml(
        "VirtualNetworkSites",
        "VirtualNetworkSite",
        sites,
        VirtualNetworkSiteXml::write_fields,
    )
}

/// Read a List Virtual Network Sites response.
pub fn parse_virtual_network_sites(body: &[u8]) -> Result<Vec<VirtualNetworkSiteXml>, XmlError> {
    parse_response_list(
        body,
        "VirtualNetworkSites",
        "VirtualNetworkSite",
        VirtualNetworkSiteXml::from_element,
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    /// The document the classic azure-cli writes (`vnet.util.js`), pretty-printed.
    const CLI_DOCUMENT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<NetworkConfiguration xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration">
  <VirtualNetworkConfiguration>
    <Dns>
      <DnsServers>
        <DnsServer name="dns1" IPAddress="10.0.0.4" />
      </DnsServers>
    </Dns>
    <LocalNetworkSites>
      <LocalNetworkSite name="onprem">
        <VPNGatewayAddress>203.0.113.7</VPNGatewayAddress>
        <AddressSpace>
          <AddressPrefix>192.168.0.0/16</AddressPrefix>
        </AddressSpace>
      </LocalNetworkSite>
    </LocalNetworkSites>
    <VirtualNetworkSites>
      <VirtualNetworkSite name="vnet1" Location="West US">
        <AddressSpace>
          <AddressPrefix>10.0.0.0/8</AddressPrefix>
        </AddressSpace>
        <Subnets>
          <Subnet name="Subnet-1">
            <AddressPrefix>10.0.0.0/11</AddressPrefix>
          </Subnet>
        </Subnets>
        <DnsServersRef>
          <DnsServerRef name="dns1" />
        </DnsServersRef>
        <Gateway>
          <ConnectionsToLocalNetwork>
            <LocalNetworkSiteRef name="onprem">
              <Connection type="IPsec" />
            </LocalNetworkSiteRef>
          </ConnectionsToLocalNetwork>
        </Gateway>
      </VirtualNetworkSite>
      <VirtualNetworkSite name="vnet2" AffinityGroup="ag1">
        <AddressSpace>
          <AddressPrefix>172.16.0.0/12</AddressPrefix>
        </AddressSpace>
      </VirtualNetworkSite>
    </VirtualNetworkSites>
  </VirtualNetworkConfiguration>
</NetworkConfiguration>"#;

    #[test]
    fn reads_the_cli_document_and_round_trips() {
        let c = parse_network_configuration(CLI_DOCUMENT.as_bytes()).unwrap();
        assert_eq!(
            c.dns_servers,
            [DnsServerConfig {
                name: "dns1".into(),
                address: "10.0.0.4".into()
            }]
        );
        assert_eq!(
            c.local_network_sites[0].vpn_gateway_address.as_deref(),
            Some("203.0.113.7")
        );
        let v = &c.virtual_network_sites;
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].location.as_deref(), Some("West US"));
        assert_eq!(v[0].subnets[0].address_prefix, "10.0.0.0/11");
        assert_eq!(v[0].dns_server_refs, ["dns1"]);
        assert_eq!(
            v[0].gateway_connections,
            [("onprem".to_string(), "IPsec".to_string())]
        );
        assert_eq!(v[1].affinity_group.as_deref(), Some("ag1"));
        assert_eq!(v[1].location, None);
        let again = parse_network_configuration(c.to_xml().as_bytes()).unwrap();
        assert_eq!(again, c);
        // With a byte order mark, as files saved on Windows have.
        let bom = [b"\xef\xbb\xbf".as_slice(), CLI_DOCUMENT.as_bytes()].concat();
        assert_eq!(parse_network_configuration(&bom).unwrap(), c);
    }

    #[test]
    fn empty_wrong_and_malformed_documents() {
        let empty = r#"<NetworkConfiguration xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration"/>"#;
        assert_eq!(
            parse_network_configuration(empty.as_bytes()).unwrap(),
            NetworkConfiguration::default()
        );
        assert!(matches!(
            parse_network_configuration(b"<Other/>"),
            Err(XmlError::WrongRoot { .. })
        ));
        assert!(parse_network_configuration(b"<NetworkConfiguration>").is_err());
        assert!(parse_network_configuration(b"").is_err());
        let doctype = b"<!DOCTYPE x [<!ENTITY a 'b'>]><NetworkConfiguration/>";
        assert!(matches!(
            parse_network_configuration(doctype),
            Err(XmlError::Doctype)
        ));
    }

    #[test]
    fn site_lists_round_trip() {
        let site = VirtualNetworkSiteXml {
            name: "vnet1".into(),
            label: HOSTILE.into(),
            id: "5f3c0000-0000-4000-8000-000000000001".into(),
            affinity_group: None,
            location: Some("West US".into()),
            state: "Created".into(),
            address_prefixes: vec!["10.0.0.0/8".into()],
            subnets: vec![("Subnet-1".into(), "10.0.0.0/11".into())],
            dns_servers: vec![("dns1".into(), "10.0.0.4".into())],
            gateway_sites: vec![GatewaySiteXml {
                name: "onprem".into(),
                vpn_gateway_address: Some("203.0.113.7".into()),
                address_prefixes: vec!["192.168.0.0/16".into()],
                connections: vec!["IPsec".into()],
            }],
        };
        let bare = VirtualNetworkSiteXml {
            name: "vnet2".into(),
            label: "vnet2".into(),
            affinity_group: Some("ag1".into()),
            location: Some("East US".into()),
            dns_servers: vec![],
            gateway_sites: vec![],
            subnets: vec![],
            ..site.clone()
        };
        let xml = virtual_network_sites_to_xml(&[site.clone(), bare.clone()]);
        assert!(
            !xml.contains("<Gateway>") || xml.matches("<Gateway>").count() == 1,
            "{xml}"
        );
        let back = parse_virtual_network_sites(xml.as_bytes()).unwrap();
        assert_eq!(back[0].label, HOSTILE_READ);
        assert_eq!(back[0].gateway_sites, site.gateway_sites);
        assert_eq!(
            VirtualNetworkSiteXml {
                label: site.label.clone(),
                ..back[0].clone()
            },
            site
        );
        assert_eq!(back[1], bare);
        // The AddressSpace is always there (the CLI reads its first prefix).
        assert!(xml.contains("<AddressSpace><AddressPrefixes><AddressPrefix>10.0.0.0/8"));
    }
}
