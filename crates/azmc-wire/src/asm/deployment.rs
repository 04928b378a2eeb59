//! Deployments of cloud services (§4.8).

use super::common::{
    parse_response, read_extended_properties, write_extended_properties,
    write_request_extended_properties,
};
use super::dom::{Element, parse_flat};
use super::vm::{RoleXml, read_dns, write_dns};
use super::{XmlError, XmlWriter};

/// An endpoint of a role instance (virtual machines).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceEndpointXml {
    pub name: String,
    pub vip: String,
    pub public_port: u32,
    pub local_port: u32,
    pub protocol: String,
    pub idle_timeout_in_minutes: Option<u32>,
}

/// A virtual IP of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualIpXml {
    pub address: String,
    pub is_dns_programmed: bool,
    pub name: String,
    /// The reserved IP it is, if any.
    pub reserved_ip_name: Option<String>,
}

/// One role instance of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleInstanceXml {
    pub role_name: String,
    pub instance_name: String,
    /// `ReadyRole`, `StoppedVM`, …
    pub instance_status: String,
    pub upgrade_domain: u32,
    pub fault_domain: u32,
    pub instance_size: String,
    /// Empty for a deallocated virtual machine (then not written).
    pub ip_address: String,
    /// Virtual machines: the endpoints of the role's network configuration.
    pub instance_endpoints: Vec<InstanceEndpointXml>,
    /// `Started` / `Stopped`.
    pub power_state: String,
    /// Virtual machines, once provisioned.
    pub host_name: Option<String>,
}

/// The upgrade in progress on a deployment (`UpgradeStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpgradeStatusXml {
    /// `Auto`, `Manual` or `Simultaneous`.
    pub upgrade_type: String,
    /// `Before` (the domain is next to walk) or `During`.
    pub current_upgrade_domain_state: String,
    pub current_upgrade_domain: u32,
}

/// A deployment in Get Deployment and in Get Hosted Service with `embed-detail=true`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentXml {
    pub name: String,
    /// `Production` / `Staging`.
    pub slot: String,
    pub private_id: String,
    pub status: String,
    /// Base64 label.
    pub label: String,
    pub url: String,
    /// Base64 of the service configuration.
    pub configuration: String,
    pub role_instances: Vec<RoleInstanceXml>,
    /// Present while an upgrade is in progress.
    pub upgrade_status: Option<UpgradeStatusXml>,
    pub upgrade_domain_count: u32,
    /// Role names.
    pub roles: Vec<String>,
    pub sdk_version: String,
    pub locked: bool,
    pub rollback_allowed: bool,
    /// Preformatted times.
    pub created_time: String,
    pub last_modified_time: String,
    pub extended_properties: Vec<(String, String)>,
    /// Virtual machine deployments: the persistent VM roles (written in `RoleList`
    /// instead of `roles`).
    pub vm_roles: Vec<RoleXml>,
    pub virtual_network_name: Option<String>,
    pub virtual_ips: Vec<VirtualIpXml>,
    /// (Name, Address) of the deployment's DNS servers.
    pub dns_servers: Vec<(String, String)>,
    pub reserved_ip_name: Option<String>,
    pub internal_dns_suffix: Option<String>,
}

impl DeploymentXml {
    /// The Get Deployment body (root `Deployment`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Deployment");
        self.write_fields(&mut w);
        w.finish()
    }

    pub(crate) fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("DeploymentSlot", &self.slot)
            .text("PrivateID", &self.private_id)
            .text("Status", &self.status)
            .text("Label", &self.label)
            .text("Url", &self.url)
            .text("Configuration", &self.configuration)
            .open("RoleInstanceList");
        for i in &self.role_instances {
            w.open("RoleInstance")
                .text("RoleName", &i.role_name)
                .text("InstanceName", &i.instance_name)
                .text("InstanceStatus", &i.instance_status)
                .int("InstanceUpgradeDomain", i.upgrade_domain)
                .int("InstanceFaultDomain", i.fault_domain)
                .text("InstanceSize", &i.instance_size)
                .text("InstanceStateDetails", "");
            if !i.ip_address.is_empty() {
                w.text("IpAddress", &i.ip_address);
            }
            if !i.instance_endpoints.is_empty() {
                w.open("InstanceEndpoints");
                for e in &i.instance_endpoints {
                    w.open("InstanceEndpoint")
                        .text("Name", &e.name)
                        .text("Vip", &e.vip)
                        .int("PublicPort", e.public_port)
                        .int("LocalPort", e.local_port)
                        .text("Protocol", &e.protocol);
                    if let Some(t) = e.idle_timeout_in_minutes {
                        w.int("IdleTimeoutInMinutes", t);
                    }
                    w.close();
                }
                w.close();
            }
            w.text("PowerState", &i.power_state)
                .opt_text("HostName", i.host_name.as_deref())
                .close();
        }
        w.close();
        if let Some(u) = &self.upgrade_status {
            w.open("UpgradeStatus")
                .text("UpgradeType", &u.upgrade_type)
                .text("CurrentUpgradeDomainState", &u.current_upgrade_domain_state)
                .int("CurrentUpgradeDomain", u.current_upgrade_domain)
                .close();
        }
        w.int("UpgradeDomainCount", self.upgrade_domain_count)
            .open("RoleList");
        for r in &self.roles {
            w.open("Role")
                .text("RoleName", r)
                .text("OsVersion", "*")
                .close();
        }
        for r in &self.vm_roles {
            w.open_with("Role", &[("i:type", "PersistentVMRole")]);
            r.write_fields(w, false);
            w.close();
        }
        w.close()
            .text("SdkVersion", &self.sdk_version)
            .bool("Locked", self.locked)
            .bool("RollbackAllowed", self.rollback_allowed)
            .text("CreatedTime", &self.created_time)
            .text("LastModifiedTime", &self.last_modified_time)
            .opt_text("VirtualNetworkName", self.virtual_network_name.as_deref());
        write_extended_properties(w, &self.extended_properties);
        if !self.virtual_ips.is_empty() {
            w.open("VirtualIPs");
            for v in &self.virtual_ips {
                w.open("VirtualIP")
                    .text("Address", &v.address)
                    .bool("IsDnsProgrammed", v.is_dns_programmed)
                    .text("Name", &v.name);
                if let Some(r) = &v.reserved_ip_name {
                    w.bool("IsReserved", true).text("ReservedIPName", r);
                }
                w.close();
            }
            w.close();
        }
        write_dns(w, &self.dns_servers);
        w.opt_text("ReservedIPName", self.reserved_ip_name.as_deref())
            .opt_text("InternalDnsSuffix", self.internal_dns_suffix.as_deref());
    }

    pub(crate) fn from_element(el: &Element) -> DeploymentXml {
        let text = |e: &Element, n| e.child_text(n).unwrap_or_default().to_owned();
        let num = |e: &Element, n| {
            e.child_text(n)
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0)
        };
        DeploymentXml {
            name: text(el, "Name"),
            slot: text(el, "DeploymentSlot"),
            private_id: text(el, "PrivateID"),
            status: text(el, "Status"),
            label: text(el, "Label"),
            url: text(el, "Url"),
            configuration: text(el, "Configuration"),
            role_instances: el
                .child("RoleInstanceList")
                .map(|l| {
                    l.children_named("RoleInstance")
                        .map(|i| RoleInstanceXml {
                            role_name: text(i, "RoleName"),
                            instance_name: text(i, "InstanceName"),
                            instance_status: text(i, "InstanceStatus"),
                            upgrade_domain: num(i, "InstanceUpgradeDomain"),
                            fault_domain: num(i, "InstanceFaultDomain"),
                            instance_size: text(i, "InstanceSize"),
                            ip_address: text(i, "IpAddress"),
                            instance_endpoints: i
                                .child("InstanceEndpoints")
                                .map(|l| {
                                    l.children_named("InstanceEndpoint")
                                        .map(|e| InstanceEndpointXml {
                                            name: text(e, "Name"),
                                            vip: text(e, "Vip"),
                                            public_port: num(e, "PublicPort"),
                                            local_port: num(e, "LocalPort"),
                                            protocol: text(e, "Protocol"),
                                            idle_timeout_in_minutes: e
                                                .child_text("IdleTimeoutInMinutes")
                                                .and_then(|t| t.trim().parse().ok()),
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            power_state: text(i, "PowerState"),
                            host_name: i
                                .child_text("HostName")
                                .filter(|h| !h.is_empty())
                                .map(str::to_owned),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            upgrade_status: el.child("UpgradeStatus").map(|u| UpgradeStatusXml {
                upgrade_type: text(u, "UpgradeType"),
                current_upgrade_domain_state: text(u, "CurrentUpgradeDomainState"),
                current_upgrade_domain: num(u, "CurrentUpgradeDomain"),
            }),
            upgrade_domain_count: num(el, "UpgradeDomainCount"),
            roles: el
                .child("RoleList")
                .map(|l| {
                    l.children_named("Role")
                        .filter(|r| !is_vm_role(r))
                        .map(|r| text(r, "RoleName"))
                        .collect()
                })
                .unwrap_or_default(),
            vm_roles: el
                .child("RoleList")
                .map(|l| {
                    l.children_named("Role")
                        .filter(|r| is_vm_role(r))
                        .filter_map(|r| RoleXml::read(r).ok())
                        .collect()
                })
                .unwrap_or_default(),
            virtual_network_name: el
                .child_text("VirtualNetworkName")
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            virtual_ips: el
                .child("VirtualIPs")
                .map(|l| {
                    l.children_named("VirtualIP")
                        .map(|v| VirtualIpXml {
                            address: text(v, "Address"),
                            is_dns_programmed: v.child_text("IsDnsProgrammed") == Some("true"),
                            name: text(v, "Name"),
                            reserved_ip_name: v
                                .child_text("ReservedIPName")
                                .filter(|r| !r.is_empty())
                                .map(str::to_owned),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            dns_servers: read_dns(el),
            reserved_ip_name: el
                .child_text("ReservedIPName")
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            internal_dns_suffix: el
                .child_text("InternalDnsSuffix")
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            sdk_version: text(el, "SdkVersion"),
            locked: el.child_text("Locked") == Some("true"),
            rollback_allowed: el.child_text("RollbackAllowed") == Some("true"),
            created_time: text(el, "CreatedTime"),
            last_modified_time: text(el, "LastModifiedTime"),
            extended_properties: read_extended_properties(el.child("ExtendedProperties")),
        }
    }
}

/// A `RoleList/Role` of a virtual machine deployment.
fn is_vm_role(r: &Element) -> bool {
    r.child_text("RoleType").map(str::trim) == Some("PersistentVMRole")
}

/// Read a Get Deployment response.
pub fn parse_deployment(body: &[u8]) -> Result<DeploymentXml, XmlError> {
    let doc = parse_response(body, "Deployment")?;
    Ok(DeploymentXml::from_element(&doc))
}

/// The body of Create Deployment, as sent (absent, empty or nil → `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateDeploymentInput {
    pub name: Option<String>,
    pub package_url: Option<String>,
    /// Base64, as sent.
    pub label: Option<String>,
    /// Base64 of the .cscfg, as sent.
    pub configuration: Option<String>,
    pub start_deployment: Option<String>,
    pub treat_warnings_as_error: Option<String>,
    pub extended_properties: Vec<(String, String)>,
}

impl CreateDeploymentInput {
    /// The Create Deployment body as the Python client sends it: root `CreateDeployment`
    /// (windowsazure namespace and the `i` prefix, no XML declaration), then `Name`,
    /// `PackageUrl`, `Label`, `Configuration`, `StartDeployment`, `TreatWarningsAsError`,
    /// `ExtendedProperties` (only when there are some); `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("CreateDeployment");
        w.opt_text("Name", self.name.as_deref())
            .opt_text("PackageUrl", self.package_url.as_deref())
            .opt_text("Label", self.label.as_deref())
            .opt_text("Configuration", self.configuration.as_deref())
            .opt_text("StartDeployment", self.start_deployment.as_deref())
            .opt_text(
                "TreatWarningsAsError",
                self.treat_warnings_as_error.as_deref(),
            );
        write_request_extended_properties(&mut w, &self.extended_properties);
        w.finish()
    }
}

/// Read a Create Deployment body (root `CreateDeployment`).
pub fn parse_create_deployment(body: &[u8]) -> Result<CreateDeploymentInput, XmlError> {
    let doc = parse_flat(body, "CreateDeployment")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(CreateDeploymentInput {
        name: field("Name"),
        package_url: field("PackageUrl"),
        label: field("Label"),
        configuration: field("Configuration"),
        start_deployment: field("StartDeployment"),
        treat_warnings_as_error: field("TreatWarningsAsError"),
        extended_properties: read_extended_properties(doc.element("ExtendedProperties")),
    })
}

/// Read an Update Deployment Status body (root `UpdateDeploymentStatus`): its `Status`.
pub fn parse_update_deployment_status(body: &[u8]) -> Result<Option<String>, XmlError> {
    let doc = parse_flat(body, "UpdateDeploymentStatus")?;
    Ok(doc.get_trimmed("Status").map(str::to_owned))
}

/// The Update Deployment Status body:
/// `<UpdateDeploymentStatus><Status>Running|Suspended</Status></UpdateDeploymentStatus>`.
pub fn update_deployment_status_to_xml(status: &str) -> String {
    let mut w = XmlWriter::root("UpdateDeploymentStatus");
    w.text("Status", status);
    w.finish()
}

/// The Swap Deployment body: `<Swap><Production>…</Production><SourceDeployment>…</SourceDeployment></Swap>`,
/// a `None` name left out.
pub fn swap_to_xml(production: Option<&str>, source_deployment: Option<&str>) -> String {
    let mut w = XmlWriter::root("Swap");
    w.opt_text("Production", production)
        .opt_text("SourceDeployment", source_deployment);
    w.finish()
}

/// Read a Swap Deployment body (root `Swap`): (`Production`, `SourceDeployment`).
pub fn parse_swap(body: &[u8]) -> Result<(Option<String>, Option<String>), XmlError> {
    let doc = parse_flat(body, "Swap")?;
    Ok((
        doc.get_trimmed("Production").map(str::to_owned),
        doc.get_trimmed("SourceDeployment").map(str::to_owned),
    ))
}

/// The roles of a service configuration (`.cscfg`): (role name, `Instances count`), in
/// document order. Errors name what is wrong.
pub fn parse_service_configuration(xml: &[u8]) -> Result<Vec<(String, u32)>, String> {
    let doc = super::parse_document(xml).map_err(|e| e.to_string())?;
    if doc.name != "ServiceConfiguration" {
        return Err(format!(
            "the root element is {:?}, not ServiceConfiguration",
            doc.name
        ));
    }
    let mut roles = Vec::new();
    for r in doc.children_named("Role") {
        let name = r
            .attr("name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or("a Role has no name attribute")?;
        let count = r
            .child("Instances")
            .and_then(|i| i.attr("count"))
            .ok_or_else(|| format!("role {name} has no <Instances count=\"N\"/>"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| format!("role {name}: Instances count {count:?} is not 1..1000"))?;
        roles.push((name.to_owned(), count));
    }
    if roles.is_empty() {
        return Err("the configuration has no Role".into());
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{
        HOSTILE, HOSTILE_READ, read_back_properties, read_back_trimmed, strategies,
    };
    use super::*;
    use proptest::prelude::*;

    const ROOT_ATTRS: &str = "xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"";

    #[test]
    fn create_body_round_trips() {
        let full = CreateDeploymentInput {
            name: Some("dep1".into()),
            package_url: Some("https://acct.blob.core.windows.net/pkgs/app.cspkg?a=1&b=2".into()),
            label: Some(super::super::encode_label(HOSTILE)),
            configuration: Some(super::super::encode_label("<ServiceConfiguration/>")),
            start_deployment: Some("true".into()),
            treat_warnings_as_error: Some("false".into()),
            extended_properties: vec![("k".into(), HOSTILE.into())],
        };
        let xml = full.to_xml();
        assert!(xml.starts_with(&format!("<CreateDeployment {ROOT_ATTRS}><Name>dep1</Name><PackageUrl>https://acct.blob.core.windows.net/pkgs/app.cspkg?a=1&amp;b=2</PackageUrl><Label>")), "{xml}");
        assert!(xml.contains("</Configuration><StartDeployment>true</StartDeployment><TreatWarningsAsError>false</TreatWarningsAsError><ExtendedProperties><ExtendedProperty><Name>k</Name>"), "{xml}");
        assert_eq!(
            parse_create_deployment(xml.as_bytes()).unwrap(),
            CreateDeploymentInput {
                extended_properties: vec![("k".into(), HOSTILE_READ.into())],
                ..full
            }
        );
        let bare = CreateDeploymentInput {
            name: Some("dep1".into()),
            package_url: Some("https://p".into()),
            label: Some("ZA==".into()),
            configuration: Some("PGEvPg==".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_create_deployment(bare.to_xml().as_bytes()).unwrap(),
            bare
        );
    }

    #[test]
    fn change_and_upgrade_bodies_round_trip() {
        let upgrade = DeploymentChangeInput {
            configuration: Some("PGEvPg==".into()),
            package_url: Some("https://p/app.cspkg".into()),
            label: Some("bA==".into()),
            mode: Some("Auto".into()),
            extended_properties: vec![("k".into(), HOSTILE.into())],
        };
        let xml = upgrade.to_xml("UpgradeDeployment");
        assert!(xml.starts_with(&format!("<UpgradeDeployment {ROOT_ATTRS}><Mode>Auto</Mode><PackageUrl>https://p/app.cspkg</PackageUrl><Configuration>PGEvPg==</Configuration><Label>bA==</Label><Force>false</Force><ExtendedProperties>")), "{xml}");
        let expected = DeploymentChangeInput {
            extended_properties: vec![("k".into(), HOSTILE_READ.into())],
            ..upgrade.clone()
        };
        assert_eq!(
            parse_deployment_change(xml.as_bytes(), "UpgradeDeployment").unwrap(),
            expected
        );
        assert!(parse_deployment_change(xml.as_bytes(), "ChangeConfiguration").is_err());

        let change = DeploymentChangeInput {
            configuration: Some("PGEvPg==".into()),
            mode: Some("Manual".into()),
            ..Default::default()
        };
        let xml = change.to_xml("ChangeConfiguration");
        assert_eq!(
            xml,
            format!(
                "<ChangeConfiguration {ROOT_ATTRS}><Configuration>PGEvPg==</Configuration><Mode>Manual</Mode></ChangeConfiguration>"
            )
        );
        assert_eq!(
            parse_deployment_change(xml.as_bytes(), "ChangeConfiguration").unwrap(),
            change
        );
        // Nothing set is dropped, whatever the root.
        let xml = upgrade.to_xml("ChangeConfiguration");
        assert_eq!(
            parse_deployment_change(xml.as_bytes(), "ChangeConfiguration").unwrap(),
            expected
        );
        let none = DeploymentChangeInput::default();
        assert_eq!(
            parse_deployment_change(
                none.to_xml("UpgradeDeployment").as_bytes(),
                "UpgradeDeployment"
            )
            .unwrap(),
            none
        );
    }

    #[test]
    fn small_bodies_round_trip() {
        let status = update_deployment_status_to_xml("Suspended");
        assert_eq!(
            status,
            format!(
                "<UpdateDeploymentStatus {ROOT_ATTRS}><Status>Suspended</Status></UpdateDeploymentStatus>"
            )
        );
        assert_eq!(
            parse_update_deployment_status(status.as_bytes())
                .unwrap()
                .as_deref(),
            Some("Suspended")
        );
        assert_eq!(
            parse_update_deployment_status(update_deployment_status_to_xml(HOSTILE).as_bytes())
                .unwrap()
                .as_deref(),
            Some(HOSTILE_READ)
        );

        let rollback = rollback_to_xml("Manual", true);
        assert_eq!(
            rollback,
            format!(
                "<RollbackUpdateOrUpgrade {ROOT_ATTRS}><Mode>Manual</Mode><Force>true</Force></RollbackUpdateOrUpgrade>"
            )
        );
        assert_eq!(
            parse_rollback(rollback.as_bytes()).unwrap(),
            (Some("Manual".into()), Some("true".into()))
        );
        assert_eq!(
            parse_rollback(b"<RollbackUpdateOrUpgrade/>").unwrap(),
            (None, None)
        );
        let e = parse_rollback(b"<Rollback><Mode>Auto</Mode></Rollback>").unwrap_err();
        assert!(e.to_string().contains("RollbackUpdateOrUpgrade"), "{e}");
        assert!(parse_rollback(b"<RollbackUpdateOrUpgrade><Mode>").is_err());

        // A deployment with an upgrade in progress reads back with it; one without has none.
        let mut d = DeploymentXml {
            name: "d".into(),
            upgrade_domain_count: 3,
            rollback_allowed: true,
            upgrade_status: Some(UpgradeStatusXml {
                upgrade_type: "Manual".into(),
                current_upgrade_domain_state: "Before".into(),
                current_upgrade_domain: 2,
            }),
            ..Default::default()
        };
        let xml = d.to_xml();
        assert!(xml.contains("</RoleInstanceList><UpgradeStatus><UpgradeType>Manual</UpgradeType><CurrentUpgradeDomainState>Before</CurrentUpgradeDomainState><CurrentUpgradeDomain>2</CurrentUpgradeDomain></UpgradeStatus><UpgradeDomainCount>3</UpgradeDomainCount>"), "{xml}");
        assert_eq!(parse_deployment(xml.as_bytes()).unwrap(), d);
        d.upgrade_status = None;
        d.rollback_allowed = false;
        let xml = d.to_xml();
        assert!(!xml.contains("UpgradeStatus"), "{xml}");
        assert_eq!(parse_deployment(xml.as_bytes()).unwrap(), d);

        let swap = swap_to_xml(Some("prod-dep"), Some("staging-dep"));
        assert_eq!(
            swap,
            format!(
                "<Swap {ROOT_ATTRS}><Production>prod-dep</Production><SourceDeployment>staging-dep</SourceDeployment></Swap>"
            )
        );
        assert_eq!(
            parse_swap(swap.as_bytes()).unwrap(),
            (Some("prod-dep".into()), Some("staging-dep".into()))
        );
        assert_eq!(
            parse_swap(swap_to_xml(None, Some(HOSTILE)).as_bytes()).unwrap(),
            (None, Some(HOSTILE_READ.into()))
        );
        assert_eq!(
            parse_swap(swap_to_xml(None, None).as_bytes()).unwrap(),
            (None, None)
        );

        let walk = walk_upgrade_domain_to_xml("1");
        assert_eq!(
            walk,
            format!(
                "<WalkUpgradeDomain {ROOT_ATTRS}><UpgradeDomain>1</UpgradeDomain></WalkUpgradeDomain>"
            )
        );
        assert_eq!(
            parse_walk_upgrade_domain(walk.as_bytes())
                .unwrap()
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            parse_walk_upgrade_domain(walk_upgrade_domain_to_xml(HOSTILE).as_bytes())
                .unwrap()
                .as_deref(),
            Some(HOSTILE_READ)
        );

        let names = vec!["WebRole1_IN_0".to_owned(), HOSTILE.to_owned()];
        let xml = role_instance_names_to_xml(&names);
        assert!(
            xml.starts_with(&format!(
                "<RoleInstances {ROOT_ATTRS}><Name>WebRole1_IN_0</Name><Name>a&lt;b"
            )),
            "{xml}"
        );
        assert_eq!(
            parse_role_instance_names(xml.as_bytes()).unwrap(),
            vec!["WebRole1_IN_0".to_owned(), HOSTILE_READ.to_owned()]
        );
        assert_eq!(
            parse_role_instance_names(role_instance_names_to_xml(&[]).as_bytes()).unwrap(),
            Vec::<String>::new()
        );
    }

    proptest! {
        #[test]
        fn create_round_trips(
            name in strategies::opt_text(),
            package_url in strategies::opt_text(),
            label in strategies::opt_text(),
            configuration in strategies::opt_text(),
            start_deployment in strategies::opt_text(),
            treat_warnings_as_error in strategies::opt_text(),
            extended_properties in strategies::properties(),
        ) {
            let input = CreateDeploymentInput {
                name, package_url, label, configuration, start_deployment,
                treat_warnings_as_error, extended_properties,
            };
            let back = parse_create_deployment(input.to_xml().as_bytes()).unwrap();
            let t = |o: &Option<String>| read_back_trimmed(o.as_deref());
            let expected = CreateDeploymentInput {
                name: t(&input.name),
                package_url: t(&input.package_url),
                label: t(&input.label),
                configuration: t(&input.configuration),
                start_deployment: t(&input.start_deployment),
                treat_warnings_as_error: t(&input.treat_warnings_as_error),
                extended_properties: read_back_properties(&input.extended_properties),
            };
            prop_assert_eq!(back, expected);
        }

        #[test]
        fn role_instance_names_round_trip(names in proptest::collection::vec(strategies::text(), 0..5)) {
            let back = parse_role_instance_names(role_instance_names_to_xml(&names).as_bytes()).unwrap();
            let expected: Vec<String> = names
                .iter()
                .filter_map(|n| read_back_trimmed(Some(n)))
                .collect();
            prop_assert_eq!(back, expected);
        }
    }

    #[test]
    fn configuration_roles_and_round_trip() {
        let cfg = br#"<?xml version="1.0"?><ServiceConfiguration serviceName="x" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration"><Role name="WebRole1"><Instances count="2" /></Role><Role name="Worker"><Instances count="1"/></Role></ServiceConfiguration>"#;
        assert_eq!(
            parse_service_configuration(cfg).unwrap(),
            vec![("WebRole1".into(), 2), ("Worker".into(), 1)]
        );
        assert!(parse_service_configuration(b"<ServiceConfiguration/>").is_err());
        assert!(
            parse_service_configuration(
                b"<ServiceConfiguration><Role name=\"a\"><Instances count=\"0\"/></Role></ServiceConfiguration>"
            )
            .is_err()
        );
        let d = DeploymentXml {
            name: "d".into(),
            slot: "Production".into(),
            role_instances: vec![RoleInstanceXml {
                role_name: "r".into(),
                instance_name: "r_IN_0".into(),
                upgrade_domain: 1,
                ..Default::default()
            }],
            roles: vec!["r".into()],
            extended_properties: vec![("a".into(), "b".into())],
            ..Default::default()
        };
        assert_eq!(parse_deployment(d.to_xml().as_bytes()).unwrap(), d);
    }
}

/// The body of Change Deployment Configuration (root `ChangeConfiguration`) or Upgrade
/// Deployment (root `UpgradeDeployment`), as sent (absent, empty or nil → `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentChangeInput {
    /// Base64 of the .cscfg.
    pub configuration: Option<String>,
    /// Upgrade only.
    pub package_url: Option<String>,
    /// Base64 label (upgrade only).
    pub label: Option<String>,
    /// `Auto` / `Manual` / `Simultaneous`.
    pub mode: Option<String>,
    pub extended_properties: Vec<(String, String)>,
}

impl DeploymentChangeInput {
    /// The Change Deployment Configuration (`root` = `ChangeConfiguration`) or Upgrade
    /// Deployment (`root` = `UpgradeDeployment`) body, in the element order of the Python
    /// client; `None` fields are left out, `ExtendedProperties` only when there are some.
    ///
    /// * `UpgradeDeployment`: `Mode`, `PackageUrl`, `Configuration`, `Label`, then
    ///   `<Force>false</Force>` (the live service requires `Force`; the server here ignores
    ///   it and this struct does not carry it), `ExtendedProperties`.
    /// * Any other root (`ChangeConfiguration`): `Configuration`, `Mode`,
    ///   `ExtendedProperties`; `PackageUrl` and `Label` belong to upgrades and should be
    ///   `None` here — if set they are written (after `Mode`) rather than dropped.
    pub fn to_xml(&self, root: &str) -> String {
        let mut w = XmlWriter::root(root);
        if root == "UpgradeDeployment" {
            w.opt_text("Mode", self.mode.as_deref())
                .opt_text("PackageUrl", self.package_url.as_deref())
                .opt_text("Configuration", self.configuration.as_deref())
                .opt_text("Label", self.label.as_deref())
                .bool("Force", false);
        } else {
            w.opt_text("Configuration", self.configuration.as_deref())
                .opt_text("Mode", self.mode.as_deref())
                .opt_text("PackageUrl", self.package_url.as_deref())
                .opt_text("Label", self.label.as_deref());
        }
        write_request_extended_properties(&mut w, &self.extended_properties);
        w.finish()
    }
}

/// Read a Change Deployment Configuration (`ChangeConfiguration`) or Upgrade Deployment
/// (`UpgradeDeployment`) body.
pub fn parse_deployment_change(body: &[u8], root: &str) -> Result<DeploymentChangeInput, XmlError> {
    let doc = parse_flat(body, root)?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(DeploymentChangeInput {
        configuration: field("Configuration"),
        package_url: field("PackageUrl"),
        label: field("Label"),
        mode: field("Mode"),
        extended_properties: read_extended_properties(doc.element("ExtendedProperties")),
    })
}

/// The Walk Upgrade Domain body: `<WalkUpgradeDomain><UpgradeDomain>0</UpgradeDomain></WalkUpgradeDomain>`.
pub fn walk_upgrade_domain_to_xml(domain: &str) -> String {
    let mut w = XmlWriter::root("WalkUpgradeDomain");
    w.text("UpgradeDomain", domain);
    w.finish()
}

/// Read a Walk Upgrade Domain body (root `WalkUpgradeDomain`): its `UpgradeDomain`.
pub fn parse_walk_upgrade_domain(body: &[u8]) -> Result<Option<String>, XmlError> {
    let doc = parse_flat(body, "WalkUpgradeDomain")?;
    Ok(doc.get_trimmed("UpgradeDomain").map(str::to_owned))
}

/// The Rollback Update or Upgrade body:
/// `<RollbackUpdateOrUpgrade><Mode>Auto</Mode><Force>false</Force></RollbackUpdateOrUpgrade>`.
pub fn rollback_to_xml(mode: &str, force: bool) -> String {
    let mut w = XmlWriter::root("RollbackUpdateOrUpgrade");
    w.text("Mode", mode).bool("Force", force);
    w.finish()
}

/// Read a Rollback Update or Upgrade body (root `RollbackUpdateOrUpgrade`): its `Mode`
/// and `Force`, as given (trimmed).
pub fn parse_rollback(body: &[u8]) -> Result<(Option<String>, Option<String>), XmlError> {
    let doc = parse_flat(body, "RollbackUpdateOrUpgrade")?;
    Ok((
        doc.get_trimmed("Mode").map(str::to_owned),
        doc.get_trimmed("Force").map(str::to_owned),
    ))
}

/// The Delete Role Instances body: `<RoleInstances><Name>…</Name>…</RoleInstances>`, one
/// `Name` per instance, in order.
pub fn role_instance_names_to_xml(names: &[String]) -> String {
    let mut w = XmlWriter::root("RoleInstances");
    for n in names {
        w.text("Name", n);
    }
    w.finish()
}

/// Read a Delete Role Instances body (root `RoleInstances`): the `Name`s.
pub fn parse_role_instance_names(body: &[u8]) -> Result<Vec<String>, XmlError> {
    let doc = parse_flat(body, "RoleInstances")?;
    Ok(doc
        .children("Name")
        .filter_map(|n| n.value().map(|v| v.trim().to_owned()))
        .filter(|n| !n.is_empty())
        .collect())
}
