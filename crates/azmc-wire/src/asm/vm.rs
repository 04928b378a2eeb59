//! Virtual machines (asm-iaas §2–4): the `PersistentVMRole` body of Create Virtual Machine
//! Deployment, Add/Get/Update Role; its configuration sets; OS and data disks; the role
//! operations (`…/roleinstances/{vm}/Operations`, `…/Roles/Operations`); Update
//! Load-Balanced Endpoint Set. One set of types serves both directions: readers take any
//! element order (Python, Node and the CLI each write their own), writers write the order
//! of the live service's answers (the 2015 recordings).
//!
//! Provisioning sets (Linux or Windows, with their passwords) are read and written for
//! requests only: [`RoleXml::to_xml`] leaves them out, as Get Role and Get Deployment did,
//! so that a role read and sent back (the CLI's `vm endpoint` commands) never carries one.

use super::XmlWriter;
use super::common::parse_response;
use super::dom::{Element, parse_flat};
use super::error::XmlError;

fn text(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).map(str::to_owned)
}

/// Trimmed text, `None` when absent, nil or empty (clients write empty defaults).
fn trimmed(el: &Element, name: &str) -> Option<String> {
    el.child_text(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn number(el: &Element, name: &str) -> Result<Option<u32>, XmlError> {
    match el.child_text(name).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<u32>()
            .map(Some)
            .map_err(|_| XmlError::InvalidValue {
                element: name.to_owned(),
                message: "not a whole number from 0 to 4294967295".to_owned(),
            }),
    }
}

fn flag(el: &Element, name: &str) -> Result<Option<bool>, XmlError> {
    match el.child_text(name).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(XmlError::InvalidValue {
            element: name.to_owned(),
            message: "not true or false".to_owned(),
        }),
    }
}

fn list<T>(
    el: &Element,
    outer: &str,
    inner: &str,
    read: impl Fn(&Element) -> Result<T, XmlError>,
) -> Result<Option<Vec<T>>, XmlError> {
    el.child(outer)
        .map(|l| l.children_named(inner).map(&read).collect())
        .transpose()
}

/// `LoadBalancerProbe` of an input endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadBalancerProbeXml {
    pub path: Option<String>,
    pub port: Option<u32>,
    /// `Tcp` or `Http`.
    pub protocol: Option<String>,
    pub interval_in_seconds: Option<u32>,
    pub timeout_in_seconds: Option<u32>,
}

/// One rule of an endpoint's access control list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AclRuleXml {
    pub order: Option<u32>,
    /// `permit` or `deny`.
    pub action: Option<String>,
    pub remote_subnet: Option<String>,
    pub description: Option<String>,
}

/// An input endpoint of a role's network configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputEndpointXml {
    pub load_balanced_endpoint_set_name: Option<String>,
    pub local_port: Option<u32>,
    pub name: String,
    /// The public port.
    pub port: Option<u32>,
    pub load_balancer_probe: Option<LoadBalancerProbeXml>,
    /// `tcp` or `udp`, as given.
    pub protocol: String,
    /// The deployment's VIP (answers only).
    pub vip: Option<String>,
    pub enable_direct_server_return: Option<bool>,
    /// `None` when the body had no `EndpointAcl`.
    pub acl_rules: Option<Vec<AclRuleXml>>,
    pub load_balancer_name: Option<String>,
    pub idle_timeout_in_minutes: Option<u32>,
    pub load_balancer_distribution: Option<String>,
    pub virtual_ip_name: Option<String>,
}

impl InputEndpointXml {
    fn read(el: &Element) -> Result<Self, XmlError> {
        Ok(InputEndpointXml {
            load_balanced_endpoint_set_name: trimmed(el, "LoadBalancedEndpointSetName"),
            local_port: number(el, "LocalPort")?,
            name: text(el, "Name").unwrap_or_default().trim().to_owned(),
            port: number(el, "Port")?,
            load_balancer_probe: el
                .child("LoadBalancerProbe")
                .map(|p| -> Result<_, XmlError> {
                    Ok(LoadBalancerProbeXml {
                        path: trimmed(p, "Path"),
                        port: number(p, "Port")?,
                        protocol: trimmed(p, "Protocol"),
                        interval_in_seconds: number(p, "IntervalInSeconds")?,
                        timeout_in_seconds: number(p, "TimeoutInSeconds")?,
                    })
                })
                .transpose()?,
            protocol: text(el, "Protocol").unwrap_or_default().trim().to_owned(),
            vip: trimmed(el, "Vip"),
            enable_direct_server_return: flag(el, "EnableDirectServerReturn")?,
            acl_rules: el
                .child("EndpointAcl")
                .map(|acl| {
                    list(acl, "Rules", "Rule", |r| {
                        Ok(AclRuleXml {
                            order: number(r, "Order")?,
                            action: trimmed(r, "Action"),
                            remote_subnet: trimmed(r, "RemoteSubnet"),
                            description: text(r, "Description"),
                        })
                    })
                    .map(Option::unwrap_or_default)
                })
                .transpose()?,
            load_balancer_name: trimmed(el, "LoadBalancerName"),
            idle_timeout_in_minutes: number(el, "IdleTimeoutInMinutes")?,
            load_balancer_distribution: trimmed(el, "LoadBalancerDistribution"),
            virtual_ip_name: trimmed(el, "VirtualIPName"),
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.open("InputEndpoint").opt_text(
            "LoadBalancedEndpointSetName",
            self.load_balanced_endpoint_set_name.as_deref(),
        );
        if let Some(p) = self.local_port {
            w.int("LocalPort", p);
        }
        w.text("Name", &self.name);
        if let Some(p) = self.port {
            w.int("Port", p);
        }
        if let Some(p) = &self.load_balancer_probe {
            w.open("LoadBalancerProbe")
                .opt_text("Path", p.path.as_deref());
            if let Some(port) = p.port {
                w.int("Port", port);
            }
            w.opt_text("Protocol", p.protocol.as_deref());
            if let Some(i) = p.interval_in_seconds {
                w.int("IntervalInSeconds", i);
            }
            if let Some(t) = p.timeout_in_seconds {
                w.int("TimeoutInSeconds", t);
            }
            w.close();
        }
        w.text("Protocol", &self.protocol)
            .opt_text("Vip", self.vip.as_deref());
        if let Some(d) = self.enable_direct_server_return {
            w.bool("EnableDirectServerReturn", d);
        }
        if let Some(rules) = &self.acl_rules {
            w.open("EndpointAcl").open("Rules");
            for r in rules {
                w.open("Rule");
                if let Some(o) = r.order {
                    w.int("Order", o);
                }
                w.opt_text("Action", r.action.as_deref())
                    .opt_text("RemoteSubnet", r.remote_subnet.as_deref())
                    .opt_text("Description", r.description.as_deref())
                    .close();
            }
            w.close().close();
        }
        w.opt_text("LoadBalancerName", self.load_balancer_name.as_deref());
        if let Some(t) = self.idle_timeout_in_minutes {
            w.int("IdleTimeoutInMinutes", t);
        }
        w.opt_text(
            "LoadBalancerDistribution",
            self.load_balancer_distribution.as_deref(),
        )
        .opt_text("VirtualIPName", self.virtual_ip_name.as_deref())
        .close();
    }
}

/// An instance-level public IP.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublicIpXml {
    pub name: String,
    pub idle_timeout_in_minutes: Option<u32>,
    pub domain_name_label: Option<String>,
    /// The address (answers only).
    pub address: Option<String>,
}

/// The `NetworkConfiguration` configuration set of a role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkConfigurationSetXml {
    pub input_endpoints: Vec<InputEndpointXml>,
    pub subnet_names: Vec<String>,
    pub static_virtual_network_ip_address: Option<String>,
    pub public_ips: Vec<PublicIpXml>,
    pub network_security_group: Option<String>,
}

impl NetworkConfigurationSetXml {
    fn read(el: &Element) -> Result<Self, XmlError> {
        Ok(NetworkConfigurationSetXml {
            input_endpoints: list(
                el,
                "InputEndpoints",
                "InputEndpoint",
                InputEndpointXml::read,
            )?
            .unwrap_or_default(),
            subnet_names: el
                .child("SubnetNames")
                .map(|l| {
                    l.children_named("SubnetName")
                        .filter_map(|s| s.value().map(str::trim))
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            static_virtual_network_ip_address: trimmed(el, "StaticVirtualNetworkIPAddress"),
            public_ips: list(el, "PublicIPs", "PublicIP", |p| {
                Ok(PublicIpXml {
                    name: text(p, "Name").unwrap_or_default().trim().to_owned(),
                    idle_timeout_in_minutes: number(p, "IdleTimeoutInMinutes")?,
                    domain_name_label: trimmed(p, "DomainNameLabel"),
                    address: trimmed(p, "Address"),
                })
            })?
            .unwrap_or_default(),
            network_security_group: trimmed(el, "NetworkSecurityGroup"),
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.open_with("ConfigurationSet", &[("i:type", "NetworkConfigurationSet")])
            .text("ConfigurationSetType", "NetworkConfiguration");
        if !self.input_endpoints.is_empty() {
            w.open("InputEndpoints");
            for e in &self.input_endpoints {
                e.write(w);
            }
            w.close();
        }
        w.open("SubnetNames");
        for s in &self.subnet_names {
            w.text("SubnetName", s);
        }
        w.close().opt_text(
            "StaticVirtualNetworkIPAddress",
            self.static_virtual_network_ip_address.as_deref(),
        );
        if !self.public_ips.is_empty() {
            w.open("PublicIPs");
            for p in &self.public_ips {
                w.open("PublicIP").text("Name", &p.name);
                if let Some(t) = p.idle_timeout_in_minutes {
                    w.int("IdleTimeoutInMinutes", t);
                }
                w.opt_text("DomainNameLabel", p.domain_name_label.as_deref())
                    .opt_text("Address", p.address.as_deref())
                    .close();
            }
            w.close();
        }
        w.opt_text(
            "NetworkSecurityGroup",
            self.network_security_group.as_deref(),
        )
        .close();
    }
}

/// Linux or Windows provisioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisioningKind {
    Linux,
    Windows,
}

/// An SSH public key or key pair: the thumbprint of a service certificate and a path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SshKeyXml {
    pub fingerprint: String,
    pub path: String,
}

/// A `LinuxProvisioningConfiguration` or `WindowsProvisioningConfiguration` set. Write-only
/// on the service: it holds the administrator's password, which is never stored and never
/// answered. `Debug` leaves the password and custom data out.
#[derive(Clone, PartialEq, Eq)]
pub struct ProvisioningSetXml {
    pub kind: ProvisioningKind,
    /// `HostName` (Linux) or `ComputerName` (Windows).
    pub host_name: Option<String>,
    /// `UserName` (Linux) or `AdminUsername` (Windows).
    pub user_name: Option<String>,
    /// `UserPassword` (Linux) or `AdminPassword` (Windows).
    pub password: Option<String>,
    pub disable_ssh_password_authentication: Option<bool>,
    pub ssh_public_keys: Vec<SshKeyXml>,
    pub ssh_key_pairs: Vec<SshKeyXml>,
    pub reset_password_on_first_logon: Option<bool>,
    pub enable_automatic_updates: Option<bool>,
    pub time_zone: Option<String>,
    /// Base64, as sent.
    pub custom_data: Option<String>,
}

impl std::fmt::Debug for ProvisioningSetXml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvisioningSetXml")
            .field("kind", &self.kind)
            .field("host_name", &self.host_name)
            .field("user_name", &self.user_name)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "disable_ssh_password_authentication",
                &self.disable_ssh_password_authentication,
            )
            .field("ssh_public_keys", &self.ssh_public_keys)
            .field("ssh_key_pairs", &self.ssh_key_pairs)
            .field(
                "custom_data",
                &self.custom_data.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl ProvisioningSetXml {
    /// An empty set of `kind`.
    pub fn new(kind: ProvisioningKind) -> Self {
        ProvisioningSetXml {
            kind,
            host_name: None,
            user_name: None,
            password: None,
            disable_ssh_password_authentication: None,
            ssh_public_keys: Vec::new(),
            ssh_key_pairs: Vec::new(),
            reset_password_on_first_logon: None,
            enable_automatic_updates: None,
            time_zone: None,
            custom_data: None,
        }
    }

    /// Reads the children of a provisioning set (a `ConfigurationSet`, or a capture's
    /// `ProvisioningConfiguration`, which has no `ConfigurationSetType`: then `kind`
    /// comes from which names it uses).
    fn read(el: &Element, kind: Option<ProvisioningKind>) -> Result<Self, XmlError> {
        let kind = kind.unwrap_or(
            if el.child("ComputerName").is_some() || el.child("AdminUsername").is_some() {
                ProvisioningKind::Windows
            } else {
                ProvisioningKind::Linux
            },
        );
        let (host, user, password) = match kind {
            ProvisioningKind::Linux => ("HostName", "UserName", "UserPassword"),
            ProvisioningKind::Windows => ("ComputerName", "AdminUsername", "AdminPassword"),
        };
        let keys = |name: &str| -> Vec<SshKeyXml> {
            el.child("SSH")
                .and_then(|s| s.child(&format!("{name}s")))
                .map(|l| {
                    l.children_named(name)
                        .map(|k| SshKeyXml {
                            fingerprint: trimmed(k, "Fingerprint").unwrap_or_default(),
                            path: trimmed(k, "Path").unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let linux = kind == ProvisioningKind::Linux;
        let mut set = ProvisioningSetXml {
            host_name: trimmed(el, host),
            user_name: trimmed(el, user),
            // Passwords are taken as sent: spaces may be part of them.
            password: text(el, password).filter(|p| !p.is_empty()),
            custom_data: trimmed(el, "CustomData"),
            ..ProvisioningSetXml::new(kind)
        };
        // Each kind reads its own elements only (the other kind's mean nothing to it).
        if linux {
            set.disable_ssh_password_authentication = flag(el, "DisableSshPasswordAuthentication")?;
            set.ssh_public_keys = keys("PublicKey");
            set.ssh_key_pairs = keys("KeyPair");
        } else {
            set.reset_password_on_first_logon = flag(el, "ResetPasswordOnFirstLogon")?;
            set.enable_automatic_updates = flag(el, "EnableAutomaticUpdates")?;
            set.time_zone = trimmed(el, "TimeZone");
        }
        Ok(set)
    }

    /// The children, in the Python client's order.
    fn write_children(&self, w: &mut XmlWriter) {
        match self.kind {
            ProvisioningKind::Linux => {
                w.opt_text("HostName", self.host_name.as_deref())
                    .opt_text("UserName", self.user_name.as_deref())
                    .opt_text("UserPassword", self.password.as_deref());
                if let Some(d) = self.disable_ssh_password_authentication {
                    w.bool("DisableSshPasswordAuthentication", d);
                }
                if !self.ssh_public_keys.is_empty() || !self.ssh_key_pairs.is_empty() {
                    w.open("SSH");
                    for (list, item, keys) in [
                        ("PublicKeys", "PublicKey", &self.ssh_public_keys),
                        ("KeyPairs", "KeyPair", &self.ssh_key_pairs),
                    ] {
                        w.open(list);
                        for k in keys {
                            w.open(item)
                                .text("Fingerprint", &k.fingerprint)
                                .text("Path", &k.path)
                                .close();
                        }
                        w.close();
                    }
                    w.close();
                }
            }
            ProvisioningKind::Windows => {
                w.opt_text("ComputerName", self.host_name.as_deref())
                    .opt_text("AdminPassword", self.password.as_deref());
                if let Some(r) = self.reset_password_on_first_logon {
                    w.bool("ResetPasswordOnFirstLogon", r);
                }
                if let Some(u) = self.enable_automatic_updates {
                    w.bool("EnableAutomaticUpdates", u);
                }
                w.opt_text("TimeZone", self.time_zone.as_deref())
                    .opt_text("AdminUsername", self.user_name.as_deref());
            }
        }
        w.opt_text("CustomData", self.custom_data.as_deref());
    }

    fn set_type(&self) -> &'static str {
        match self.kind {
            ProvisioningKind::Linux => "LinuxProvisioningConfiguration",
            ProvisioningKind::Windows => "WindowsProvisioningConfiguration",
        }
    }
}

/// A resource extension reference of a role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceExtensionReferenceXml {
    pub reference_name: String,
    pub publisher: String,
    pub name: String,
    pub version: String,
    /// (Key, Value, Type): values as sent (base64 from Node).
    pub parameter_values: Vec<(String, String, Option<String>)>,
    pub state: Option<String>,
}

/// An OS disk of a role (`OSVirtualHardDisk`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsVirtualHardDiskXml {
    pub host_caching: Option<String>,
    pub disk_label: Option<String>,
    pub disk_name: Option<String>,
    pub media_link: Option<String>,
    pub source_image_name: Option<String>,
    /// `Linux` / `Windows`.
    pub os: Option<String>,
    pub remote_source_image_link: Option<String>,
    pub io_type: Option<String>,
    pub resized_size_in_gb: Option<u32>,
}

impl OsVirtualHardDiskXml {
    fn read(el: &Element) -> Result<Self, XmlError> {
        Ok(OsVirtualHardDiskXml {
            host_caching: trimmed(el, "HostCaching"),
            disk_label: trimmed(el, "DiskLabel"),
            disk_name: trimmed(el, "DiskName"),
            media_link: trimmed(el, "MediaLink"),
            source_image_name: trimmed(el, "SourceImageName"),
            os: trimmed(el, "OS"),
            remote_source_image_link: trimmed(el, "RemoteSourceImageLink"),
            io_type: trimmed(el, "IOType"),
            resized_size_in_gb: number(el, "ResizedSizeInGB")?,
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.open("OSVirtualHardDisk")
            .opt_text("HostCaching", self.host_caching.as_deref())
            .opt_text("DiskLabel", self.disk_label.as_deref())
            .opt_text("DiskName", self.disk_name.as_deref())
            .opt_text("MediaLink", self.media_link.as_deref())
            .opt_text("SourceImageName", self.source_image_name.as_deref())
            .opt_text("OS", self.os.as_deref())
            .opt_text(
                "RemoteSourceImageLink",
                self.remote_source_image_link.as_deref(),
            )
            .opt_text("IOType", self.io_type.as_deref());
        if let Some(s) = self.resized_size_in_gb {
            w.int("ResizedSizeInGB", s);
        }
        w.close();
    }
}

/// A data disk of a role (`DataVirtualHardDisk`), in a role body or on its own (Add, Get
/// and Update Data Disk).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataVirtualHardDiskXml {
    /// `None`, `ReadOnly` or `ReadWrite`.
    pub host_caching: Option<String>,
    pub disk_label: Option<String>,
    pub disk_name: Option<String>,
    pub lun: Option<u32>,
    pub logical_disk_size_in_gb: Option<u32>,
    pub media_link: Option<String>,
    pub source_media_link: Option<String>,
    pub io_type: Option<String>,
}

impl DataVirtualHardDiskXml {
    fn read(el: &Element) -> Result<Self, XmlError> {
        Ok(DataVirtualHardDiskXml {
            host_caching: trimmed(el, "HostCaching"),
            disk_label: trimmed(el, "DiskLabel"),
            disk_name: trimmed(el, "DiskName"),
            lun: number(el, "Lun")?,
            logical_disk_size_in_gb: number(el, "LogicalDiskSizeInGB")?,
            media_link: trimmed(el, "MediaLink"),
            source_media_link: trimmed(el, "SourceMediaLink"),
            io_type: trimmed(el, "IOType"),
        })
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.opt_text("HostCaching", self.host_caching.as_deref())
            .opt_text("DiskLabel", self.disk_label.as_deref())
            .opt_text("DiskName", self.disk_name.as_deref());
        if let Some(l) = self.lun {
            w.int("Lun", l);
        }
        if let Some(s) = self.logical_disk_size_in_gb {
            w.int("LogicalDiskSizeInGB", s);
        }
        w.opt_text("MediaLink", self.media_link.as_deref())
            .opt_text("SourceMediaLink", self.source_media_link.as_deref())
            .opt_text("IOType", self.io_type.as_deref());
    }

    /// The Get Data Disk answer, and the Add/Update Data Disk body (root
    /// `DataVirtualHardDisk`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("DataVirtualHardDisk");
        self.write_fields(&mut w);
        w.finish()
    }
}

/// Read an Add/Update Data Disk body (root `DataVirtualHardDisk`).
pub fn parse_data_disk(body: &[u8]) -> Result<DataVirtualHardDiskXml, XmlError> {
    DataVirtualHardDiskXml::read(parse_flat(body, "DataVirtualHardDisk")?.root())
}

/// Read a Get Data Disk answer.
pub fn parse_data_disk_response(body: &[u8]) -> Result<DataVirtualHardDiskXml, XmlError> {
    DataVirtualHardDiskXml::read(&parse_response(body, "DataVirtualHardDisk")?)
}

/// A persistent VM role: what Create Deployment's `RoleList/Role`, Add Role, Update Role
/// and Get Role carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleXml {
    pub role_name: String,
    /// `PersistentVMRole`.
    pub role_type: Option<String>,
    /// `None` when the body had no `NetworkConfiguration` set.
    pub network: Option<NetworkConfigurationSetXml>,
    /// Requests only (never answered).
    pub provisioning: Option<ProvisioningSetXml>,
    /// `None` when the body had no `ResourceExtensionReferences`.
    pub resource_extension_references: Option<Vec<ResourceExtensionReferenceXml>>,
    pub vm_image_name: Option<String>,
    pub media_location: Option<String>,
    pub availability_set_name: Option<String>,
    /// `None` when the body had no `DataVirtualHardDisks`.
    pub data_disks: Option<Vec<DataVirtualHardDiskXml>>,
    /// Plain text (Node only).
    pub label: Option<String>,
    pub os_disk: Option<OsVirtualHardDiskXml>,
    pub role_size: Option<String>,
    pub default_winrm_certificate_thumbprint: Option<String>,
    pub provision_guest_agent: Option<bool>,
    /// `DebugSettings/BootDiagnosticsEnabled`.
    pub boot_diagnostics_enabled: Option<bool>,
    pub license_type: Option<String>,
}

impl RoleXml {
    /// Reads a role element (`Role`, `PersistentVMRole`).
    pub fn read(el: &Element) -> Result<Self, XmlError> {
        let mut network = None;
        let mut provisioning = None;
        if let Some(sets) = el.child("ConfigurationSets") {
            for set in sets.children_named("ConfigurationSet") {
                let kind = set
                    .child_text("ConfigurationSetType")
                    .map(str::trim)
                    .unwrap_or_default();
                match kind {
                    "NetworkConfiguration" => {
                        network = Some(NetworkConfigurationSetXml::read(set)?);
                    }
                    "LinuxProvisioningConfiguration" => {
                        provisioning = Some(ProvisioningSetXml::read(
                            set,
                            Some(ProvisioningKind::Linux),
                        )?);
                    }
                    "WindowsProvisioningConfiguration" => {
                        provisioning = Some(ProvisioningSetXml::read(
                            set,
                            Some(ProvisioningKind::Windows),
                        )?);
                    }
                    other => {
                        return Err(XmlError::InvalidValue {
                            element: "ConfigurationSetType".to_owned(),
                            message: format!(
                                "{:?} is not NetworkConfiguration, LinuxProvisioningConfiguration or WindowsProvisioningConfiguration",
                                crate::xmlcommon::shorten(other)
                            ),
                        });
                    }
                }
            }
        }
        Ok(RoleXml {
            role_name: text(el, "RoleName").unwrap_or_default().trim().to_owned(),
            role_type: trimmed(el, "RoleType"),
            network,
            provisioning,
            resource_extension_references: list(
                el,
                "ResourceExtensionReferences",
                "ResourceExtensionReference",
                |r| {
                    Ok(ResourceExtensionReferenceXml {
                        reference_name: trimmed(r, "ReferenceName").unwrap_or_default(),
                        publisher: trimmed(r, "Publisher").unwrap_or_default(),
                        name: trimmed(r, "Name").unwrap_or_default(),
                        version: trimmed(r, "Version").unwrap_or_default(),
                        parameter_values: r
                            .child("ResourceExtensionParameterValues")
                            .map(|l| {
                                l.children_named("ResourceExtensionParameterValue")
                                    .map(|p| {
                                        (
                                            trimmed(p, "Key").unwrap_or_default(),
                                            text(p, "Value").unwrap_or_default(),
                                            trimmed(p, "Type"),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        state: trimmed(r, "State"),
                    })
                },
            )?,
            vm_image_name: trimmed(el, "VMImageName"),
            media_location: trimmed(el, "MediaLocation"),
            availability_set_name: trimmed(el, "AvailabilitySetName"),
            data_disks: list(
                el,
                "DataVirtualHardDisks",
                "DataVirtualHardDisk",
                DataVirtualHardDiskXml::read,
            )?,
            label: trimmed(el, "Label"),
            os_disk: el
                .child("OSVirtualHardDisk")
                .map(OsVirtualHardDiskXml::read)
                .transpose()?,
            role_size: trimmed(el, "RoleSize"),
            default_winrm_certificate_thumbprint: trimmed(el, "DefaultWinRmCertificateThumbprint"),
            provision_guest_agent: flag(el, "ProvisionGuestAgent")?,
            boot_diagnostics_enabled: el
                .child("DebugSettings")
                .map(|d| flag(d, "BootDiagnosticsEnabled"))
                .transpose()?
                .flatten(),
            license_type: trimmed(el, "LicenseType"),
        })
    }

    /// The role's elements in the live service's order. The provisioning set is written
    /// only when `with_provisioning` (request bodies).
    pub fn write_fields(&self, w: &mut XmlWriter, with_provisioning: bool) {
        w.text("RoleName", &self.role_name);
        if !with_provisioning {
            w.text("OsVersion", "");
        }
        if with_provisioning {
            w.opt_text("RoleType", self.role_type.as_deref());
        } else {
            w.text(
                "RoleType",
                self.role_type.as_deref().unwrap_or("PersistentVMRole"),
            );
        }
        let provisioning = self.provisioning.as_ref().filter(|_| with_provisioning);
        if provisioning.is_some() || self.network.is_some() || !with_provisioning {
            w.open("ConfigurationSets");
            if let Some(p) = provisioning {
                w.open("ConfigurationSet")
                    .text("ConfigurationSetType", p.set_type());
                p.write_children(w);
                w.close();
            }
            match &self.network {
                Some(n) => n.write(w),
                // Answers always show a network set (asm-iaas §2.4).
                None if !with_provisioning => NetworkConfigurationSetXml::default().write(w),
                None => {}
            }
            w.close();
        }
        if let Some(refs) = &self.resource_extension_references {
            w.open("ResourceExtensionReferences");
            for r in refs {
                w.open("ResourceExtensionReference")
                    .text("ReferenceName", &r.reference_name)
                    .text("Publisher", &r.publisher)
                    .text("Name", &r.name)
                    .text("Version", &r.version)
                    .open("ResourceExtensionParameterValues");
                for (k, v, t) in &r.parameter_values {
                    w.open("ResourceExtensionParameterValue")
                        .text("Key", k)
                        .text("Value", v)
                        .opt_text("Type", t.as_deref())
                        .close();
                }
                w.close().opt_text("State", r.state.as_deref()).close();
            }
            w.close();
        }
        w.opt_text("VMImageName", self.vm_image_name.as_deref())
            .opt_text("MediaLocation", self.media_location.as_deref())
            .opt_text("AvailabilitySetName", self.availability_set_name.as_deref());
        match &self.data_disks {
            Some(disks) => {
                w.open("DataVirtualHardDisks");
                for d in disks {
                    w.open("DataVirtualHardDisk");
                    d.write_fields(w);
                    w.close();
                }
                w.close();
            }
            None if !with_provisioning => {
                w.open("DataVirtualHardDisks").close();
            }
            None => {}
        }
        w.opt_text("Label", self.label.as_deref());
        if let Some(d) = &self.os_disk {
            d.write(w);
        }
        w.opt_text("RoleSize", self.role_size.as_deref()).opt_text(
            "DefaultWinRmCertificateThumbprint",
            self.default_winrm_certificate_thumbprint.as_deref(),
        );
        if let Some(p) = self.provision_guest_agent {
            w.bool("ProvisionGuestAgent", p);
        }
        if let Some(b) = self.boot_diagnostics_enabled {
            w.open("DebugSettings")
                .bool("BootDiagnosticsEnabled", b)
                .close();
        }
        w.opt_text("LicenseType", self.license_type.as_deref());
    }

    /// The Get Role answer (root `PersistentVMRole`, no provisioning set).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("PersistentVMRole");
        self.write_fields(&mut w, false);
        w.finish()
    }

    /// The Add Role / Update Role body (root `PersistentVMRole`, with the provisioning set).
    pub fn to_request_xml(&self) -> String {
        let mut w = XmlWriter::root("PersistentVMRole");
        self.write_fields(&mut w, true);
        w.finish()
    }
}

/// Read an Add Role / Update Role body (root `PersistentVMRole`).
pub fn parse_role(body: &[u8]) -> Result<RoleXml, XmlError> {
    RoleXml::read(parse_flat(body, "PersistentVMRole")?.root())
}

/// Read a Get Role answer.
pub fn parse_role_response(body: &[u8]) -> Result<RoleXml, XmlError> {
    RoleXml::read(&parse_response(body, "PersistentVMRole")?)
}

/// The body of Create Virtual Machine Deployment (root `Deployment`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VmDeploymentInput {
    pub name: Option<String>,
    pub deployment_slot: Option<String>,
    /// Plain text (not base64).
    pub label: Option<String>,
    pub roles: Vec<RoleXml>,
    pub virtual_network_name: Option<String>,
    /// (Name, Address).
    pub dns_servers: Vec<(String, String)>,
    pub reserved_ip_name: Option<String>,
}

impl VmDeploymentInput {
    /// The body as the Python client writes it.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Deployment");
        w.opt_text("Name", self.name.as_deref())
            .opt_text("DeploymentSlot", self.deployment_slot.as_deref())
            .opt_text("Label", self.label.as_deref())
            .open("RoleList");
        for r in &self.roles {
            w.open("Role");
            r.write_fields(&mut w, true);
            w.close();
        }
        w.close()
            .opt_text("VirtualNetworkName", self.virtual_network_name.as_deref());
        write_dns(&mut w, &self.dns_servers);
        w.opt_text("ReservedIPName", self.reserved_ip_name.as_deref());
        w.finish()
    }
}

pub(crate) fn write_dns(w: &mut XmlWriter, servers: &[(String, String)]) {
    if servers.is_empty() {
        return;
    }
    w.open("Dns").open("DnsServers");
    for (name, address) in servers {
        w.open("DnsServer")
            .text("Name", name)
            .text("Address", address)
            .close();
    }
    w.close().close();
}

pub(crate) fn read_dns(el: &Element) -> Vec<(String, String)> {
    el.child("Dns")
        .and_then(|d| d.child("DnsServers"))
        .map(|l| {
            l.children_named("DnsServer")
                .map(|s| {
                    (
                        trimmed(s, "Name").unwrap_or_default(),
                        trimmed(s, "Address").unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Read a Create Virtual Machine Deployment body.
pub fn parse_vm_deployment(body: &[u8]) -> Result<VmDeploymentInput, XmlError> {
    let doc = parse_flat(body, "Deployment")?;
    let root = doc.root();
    Ok(VmDeploymentInput {
        name: trimmed(root, "Name"),
        deployment_slot: trimmed(root, "DeploymentSlot"),
        label: trimmed(root, "Label"),
        roles: list(root, "RoleList", "Role", RoleXml::read)?.unwrap_or_default(),
        virtual_network_name: trimmed(root, "VirtualNetworkName"),
        dns_servers: read_dns(root),
        reserved_ip_name: trimmed(root, "ReservedIPName"),
    })
}

/// A role operation (`POST …/roleinstances/{vm}/Operations`), told apart by its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleOperationXml {
    Start,
    /// `PostShutdownAction`: `Stopped` or `StoppedDeallocated` (`None`: `Stopped`).
    Shutdown {
        post_shutdown_action: Option<String>,
    },
    Restart,
    /// Capture the OS disk as an OS image.
    Capture {
        /// `Delete` or `Reprovision`.
        post_capture_action: Option<String>,
        provisioning: Option<ProvisioningSetXml>,
        target_image_label: Option<String>,
        target_image_name: Option<String>,
    },
    /// Capture the role's disks as a VM image.
    CaptureVmImage {
        /// `Generalized` or `Specialized`.
        os_state: Option<String>,
        vm_image_name: Option<String>,
        vm_image_label: Option<String>,
        description: Option<String>,
        language: Option<String>,
        image_family: Option<String>,
        recommended_vm_size: Option<String>,
    },
    Redeploy,
    PerformMaintenance,
    /// Any other root (the server answers 400 naming it).
    Unknown(String),
}

impl RoleOperationXml {
    /// The root element and `OperationType` of this operation.
    pub fn operation_type(&self) -> &str {
        match self {
            RoleOperationXml::Start => "StartRoleOperation",
            RoleOperationXml::Shutdown { .. } => "ShutdownRoleOperation",
            RoleOperationXml::Restart => "RestartRoleOperation",
            RoleOperationXml::Capture { .. } => "CaptureRoleOperation",
            RoleOperationXml::CaptureVmImage { .. } => "CaptureRoleAsVMImageOperation",
            RoleOperationXml::Redeploy => "RedeployRoleOperation",
            RoleOperationXml::PerformMaintenance => "PerformMaintenanceOnRoleOperation",
            RoleOperationXml::Unknown(root) => root,
        }
    }

    /// The body as the Python client writes it.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root(self.operation_type());
        w.text("OperationType", self.operation_type());
        match self {
            RoleOperationXml::Shutdown {
                post_shutdown_action,
            } => {
                w.opt_text("PostShutdownAction", post_shutdown_action.as_deref());
            }
            RoleOperationXml::Capture {
                post_capture_action,
                provisioning,
                target_image_label,
                target_image_name,
            } => {
                w.opt_text("PostCaptureAction", post_capture_action.as_deref());
                if let Some(p) = provisioning {
                    w.open("ProvisioningConfiguration");
                    p.write_children(&mut w);
                    w.close();
                }
                w.opt_text("TargetImageLabel", target_image_label.as_deref())
                    .opt_text("TargetImageName", target_image_name.as_deref());
            }
            RoleOperationXml::CaptureVmImage {
                os_state,
                vm_image_name,
                vm_image_label,
                description,
                language,
                image_family,
                recommended_vm_size,
            } => {
                w.opt_text("OSState", os_state.as_deref())
                    .opt_text("VMImageName", vm_image_name.as_deref())
                    .opt_text("VMImageLabel", vm_image_label.as_deref())
                    .opt_text("Description", description.as_deref())
                    .opt_text("Language", language.as_deref())
                    .opt_text("ImageFamily", image_family.as_deref())
                    .opt_text("RecommendedVMSize", recommended_vm_size.as_deref());
            }
            _ => {}
        }
        w.finish()
    }
}

/// Read a role operation body: the root's local name says which (whitespace after the
/// name, as Python writes `CaptureRoleAsVMImageOperation `, is allowed by XML).
pub fn parse_role_operation(body: &[u8]) -> Result<RoleOperationXml, XmlError> {
    let root = super::dom::parse_document(body)?;
    let el = &root;
    Ok(match root.name.as_str() {
        "StartRoleOperation" => RoleOperationXml::Start,
        "ShutdownRoleOperation" => RoleOperationXml::Shutdown {
            post_shutdown_action: trimmed(el, "PostShutdownAction"),
        },
        "RestartRoleOperation" => RoleOperationXml::Restart,
        "CaptureRoleOperation" => RoleOperationXml::Capture {
            post_capture_action: trimmed(el, "PostCaptureAction"),
            provisioning: el
                .child("ProvisioningConfiguration")
                .map(|p| ProvisioningSetXml::read(p, None))
                .transpose()?,
            target_image_label: trimmed(el, "TargetImageLabel"),
            target_image_name: trimmed(el, "TargetImageName"),
        },
        "CaptureRoleAsVMImageOperation" => RoleOperationXml::CaptureVmImage {
            os_state: trimmed(el, "OSState"),
            vm_image_name: trimmed(el, "VMImageName"),
            vm_image_label: trimmed(el, "VMImageLabel"),
            description: trimmed(el, "Description"),
            language: trimmed(el, "Language"),
            image_family: trimmed(el, "ImageFamily"),
            recommended_vm_size: trimmed(el, "RecommendedVMSize"),
        },
        "RedeployRoleOperation" => RoleOperationXml::Redeploy,
        "PerformMaintenanceOnRoleOperation" => RoleOperationXml::PerformMaintenance,
        other => RoleOperationXml::Unknown(crate::xmlcommon::shorten(other)),
    })
}

/// Start Roles / Shutdown Roles (`POST …/Roles/Operations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolesOperationXml {
    Start {
        roles: Vec<String>,
    },
    Shutdown {
        roles: Vec<String>,
        post_shutdown_action: Option<String>,
    },
    /// Any other root.
    Unknown(String),
}

impl RolesOperationXml {
    /// The body as the Python client writes it.
    pub fn to_xml(&self) -> String {
        let (root, roles, action) = match self {
            RolesOperationXml::Start { roles } => ("StartRolesOperation", roles, None),
            RolesOperationXml::Shutdown {
                roles,
                post_shutdown_action,
            } => (
                "ShutdownRolesOperation",
                roles,
                post_shutdown_action.as_deref(),
            ),
            RolesOperationXml::Unknown(root) => (root.as_str(), &Vec::new(), None),
        };
        let mut w = XmlWriter::root(root);
        w.text("OperationType", root).open("Roles");
        for r in roles {
            w.text("Name", r);
        }
        w.close().opt_text("PostShutdownAction", action);
        w.finish()
    }
}

/// Read a Start Roles / Shutdown Roles body.
pub fn parse_roles_operation(body: &[u8]) -> Result<RolesOperationXml, XmlError> {
    let root = super::dom::parse_document(body)?;
    let roles = || {
        root.child("Roles")
            .map(|l| {
                l.children_named("Name")
                    .filter_map(|n| n.value().map(str::trim))
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(match root.name.as_str() {
        "StartRolesOperation" => RolesOperationXml::Start { roles: roles() },
        "ShutdownRolesOperation" => RolesOperationXml::Shutdown {
            roles: roles(),
            post_shutdown_action: trimmed(&root, "PostShutdownAction"),
        },
        other => RolesOperationXml::Unknown(crate::xmlcommon::shorten(other)),
    })
}

/// Read an Update Load-Balanced Endpoint Set body (root `LoadBalancedEndpointList`).
pub fn parse_load_balanced_endpoints(body: &[u8]) -> Result<Vec<InputEndpointXml>, XmlError> {
    let doc = parse_flat(body, "LoadBalancedEndpointList")?;
    doc.children("InputEndpoint")
        .map(InputEndpointXml::read)
        .collect()
}

/// The Update Load-Balanced Endpoint Set body.
pub fn load_balanced_endpoints_to_xml(endpoints: &[InputEndpointXml]) -> String {
    let mut w = XmlWriter::root("LoadBalancedEndpointList");
    for e in endpoints {
        e.write(&mut w);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Python client's Create Virtual Machine Deployment body of `test_add_role_linux`
    /// (2015 recording; the password replaced).
    const PY_CREATE: &str = "<Deployment xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>utsvc604310ca</Name><DeploymentSlot>production</DeploymentSlot><Label>utsvc604310calabel</Label><RoleList><Role><RoleName>utsvc604310caa</RoleName><RoleType>PersistentVMRole</RoleType><ConfigurationSets><ConfigurationSet><ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType><HostName>hntsvc604310caa</HostName><UserName>unittest</UserName><UserPassword>pa ss&amp;word</UserPassword><DisableSshPasswordAuthentication>false</DisableSshPasswordAuthentication><SSH><PublicKeys><PublicKey><Fingerprint>BEA4B74B</Fingerprint><Path>/home/unittest/.ssh/authorized_keys</Path></PublicKey></PublicKeys><KeyPairs><KeyPair><Fingerprint>BEA4B74B</Fingerprint><Path>/home/unittest/.ssh/id_rsa</Path></KeyPair></KeyPairs></SSH></ConfigurationSet><ConfigurationSet><ConfigurationSetType>NetworkConfiguration</ConfigurationSetType><InputEndpoints><InputEndpoint><LoadBalancedEndpointSetName></LoadBalancedEndpointSetName><LocalPort>3394</LocalPort><Name>utendpoint</Name><Port>59913</Port><Protocol>tcp</Protocol><EnableDirectServerReturn>false</EnableDirectServerReturn><IdleTimeoutInMinutes>4</IdleTimeoutInMinutes></InputEndpoint></InputEndpoints><SubnetNames></SubnetNames></ConfigurationSet></ConfigurationSets><OSVirtualHardDisk><DiskLabel>utsvc604310caa.vhd</DiskLabel><MediaLink>http://storagename.blob.core.windows.net/utctnr604310ca/utsvc604310caa.vhd</MediaLink><SourceImageName>b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB</SourceImageName></OSVirtualHardDisk><RoleSize>Small</RoleSize></Role></RoleList></Deployment>";

    #[test]
    fn reads_the_python_create_deployment_body() {
        let d = parse_vm_deployment(PY_CREATE.as_bytes()).unwrap();
        assert_eq!(d.name.as_deref(), Some("utsvc604310ca"));
        assert_eq!(d.deployment_slot.as_deref(), Some("production"));
        assert_eq!(d.label.as_deref(), Some("utsvc604310calabel"));
        assert_eq!(d.roles.len(), 1);
        let r = &d.roles[0];
        assert_eq!(r.role_name, "utsvc604310caa");
        assert_eq!(r.role_size.as_deref(), Some("Small"));
        let p = r.provisioning.as_ref().unwrap();
        assert_eq!(p.kind, ProvisioningKind::Linux);
        assert_eq!(p.host_name.as_deref(), Some("hntsvc604310caa"));
        assert_eq!(p.password.as_deref(), Some("pa ss&word"));
        assert_eq!(p.ssh_public_keys.len(), 1);
        assert_eq!(p.ssh_key_pairs[0].path, "/home/unittest/.ssh/id_rsa");
        let n = r.network.as_ref().unwrap();
        assert_eq!(n.input_endpoints.len(), 1);
        let e = &n.input_endpoints[0];
        assert_eq!((e.port, e.local_port), (Some(59913), Some(3394)));
        // An empty set name is no set name.
        assert_eq!(e.load_balanced_endpoint_set_name, None);
        assert!(n.subnet_names.is_empty());
        let os = r.os_disk.as_ref().unwrap();
        assert!(
            os.source_image_name
                .as_deref()
                .unwrap()
                .contains("Ubuntu-15_04")
        );
        assert_eq!(r.data_disks, None);
    }

    #[test]
    fn the_password_never_shows_in_debug_or_in_answers() {
        let d = parse_vm_deployment(PY_CREATE.as_bytes()).unwrap();
        let r = &d.roles[0];
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("pa ss"), "{dbg}");
        let answer = r.to_xml();
        assert!(!answer.contains("pa ss"), "{answer}");
        assert!(!answer.contains("LinuxProvisioningConfiguration"));
        assert!(
            answer.contains("<ConfigurationSetType>NetworkConfiguration</ConfigurationSetType>")
        );
        // A request keeps it, escaped.
        assert!(
            r.to_request_xml()
                .contains("<UserPassword>pa ss&amp;word</UserPassword>")
        );
    }

    #[test]
    fn roles_round_trip_through_request_and_answer() {
        let d = parse_vm_deployment(PY_CREATE.as_bytes()).unwrap();
        let again = parse_vm_deployment(d.to_xml().as_bytes()).unwrap();
        assert_eq!(again, d);
        let mut r = d.roles[0].clone();
        r.data_disks = Some(vec![DataVirtualHardDiskXml {
            host_caching: Some("ReadOnly".into()),
            disk_name: Some("d1".into()),
            lun: Some(0),
            logical_disk_size_in_gb: Some(10),
            media_link: Some("http://a.blob.core.windows.net/v/d1.vhd".into()),
            ..Default::default()
        }]);
        r.resource_extension_references = Some(vec![ResourceExtensionReferenceXml {
            reference_name: "BGInfo".into(),
            publisher: "Microsoft.Compute".into(),
            name: "BGInfo".into(),
            version: "1.*".into(),
            parameter_values: vec![("k".into(), "dg==".into(), Some("Public".into()))],
            state: Some("Enable".into()),
        }]);
        r.boot_diagnostics_enabled = Some(true);
        let read = parse_role_response(r.to_xml().as_bytes()).unwrap();
        let mut expected = r.clone();
        expected.provisioning = None;
        assert_eq!(read, expected);
        assert_eq!(parse_role(r.to_request_xml().as_bytes()).unwrap(), r);
    }

    #[test]
    fn an_answer_always_has_a_network_set_and_a_disk_list() {
        let r = RoleXml {
            role_name: "vm".into(),
            ..Default::default()
        };
        let xml = r.to_xml();
        assert!(xml.contains("<ConfigurationSet i:type=\"NetworkConfigurationSet\"><ConfigurationSetType>NetworkConfiguration</ConfigurationSetType><SubnetNames></SubnetNames></ConfigurationSet>"), "{xml}");
        assert!(xml.contains("<DataVirtualHardDisks></DataVirtualHardDisks>"));
    }

    #[test]
    fn role_operations_by_root() {
        let py_capture = "<CaptureRoleAsVMImageOperation  xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/windowsazure\"><OperationType>CaptureRoleAsVMImageOperation</OperationType><OSState>Generalized</OSState><VMImageName>img</VMImageName><VMImageLabel>l</VMImageLabel></CaptureRoleAsVMImageOperation >";
        match parse_role_operation(py_capture.as_bytes()).unwrap() {
            RoleOperationXml::CaptureVmImage {
                os_state,
                vm_image_name,
                ..
            } => {
                assert_eq!(os_state.as_deref(), Some("Generalized"));
                assert_eq!(vm_image_name.as_deref(), Some("img"));
            }
            other => panic!("{other:?}"),
        }
        // Node's literal string: no declaration, no xmlns:i.
        let node = "<StartRoleOperation xmlns=\"http://schemas.microsoft.com/windowsazure\"><OperationType>StartRoleOperation</OperationType></StartRoleOperation>";
        assert_eq!(
            parse_role_operation(node.as_bytes()).unwrap(),
            RoleOperationXml::Start
        );
        for op in [
            RoleOperationXml::Shutdown {
                post_shutdown_action: Some("StoppedDeallocated".into()),
            },
            RoleOperationXml::Restart,
            RoleOperationXml::Capture {
                post_capture_action: Some("Reprovision".into()),
                provisioning: Some(ProvisioningSetXml {
                    host_name: Some("h".into()),
                    user_name: Some("u".into()),
                    password: Some("secret1!".into()),
                    ..ProvisioningSetXml::new(ProvisioningKind::Windows)
                }),
                target_image_label: Some("l".into()),
                target_image_name: Some("n".into()),
            },
        ] {
            assert_eq!(parse_role_operation(op.to_xml().as_bytes()).unwrap(), op);
        }
        assert_eq!(
            parse_role_operation(b"<Dance/>").unwrap(),
            RoleOperationXml::Unknown("Dance".into())
        );
        let roles = RolesOperationXml::Shutdown {
            roles: vec!["a".into(), "b".into()],
            post_shutdown_action: Some("Stopped".into()),
        };
        assert_eq!(
            parse_roles_operation(roles.to_xml().as_bytes()).unwrap(),
            roles
        );
    }

    #[test]
    fn bad_numbers_and_flags_are_named() {
        let body = "<DataVirtualHardDisk><Lun>x</Lun></DataVirtualHardDisk>";
        let e = parse_data_disk(body.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("<Lun>"), "{e}");
        let body = "<PersistentVMRole><RoleName>a</RoleName><ProvisionGuestAgent>maybe</ProvisionGuestAgent></PersistentVMRole>";
        let e = parse_role(body.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("ProvisionGuestAgent"), "{e}");
        let body = "<PersistentVMRole><ConfigurationSets><ConfigurationSet><ConfigurationSetType>Odd</ConfigurationSetType></ConfigurationSet></ConfigurationSets></PersistentVMRole>";
        assert!(parse_role(body.as_bytes()).is_err());
    }

    #[test]
    fn data_disks_and_lb_sets_round_trip() {
        let d = DataVirtualHardDiskXml {
            host_caching: Some("None".into()),
            disk_label: Some("svc-d-vm-0".into()),
            lun: Some(0),
            logical_disk_size_in_gb: Some(5),
            media_link: Some("http://dummy".into()),
            ..Default::default()
        };
        assert!(d.to_xml().contains("<Lun>0</Lun>"));
        assert_eq!(parse_data_disk(d.to_xml().as_bytes()).unwrap(), d);
        assert_eq!(parse_data_disk_response(d.to_xml().as_bytes()).unwrap(), d);
        let eps = vec![InputEndpointXml {
            load_balanced_endpoint_set_name: Some("web".into()),
            local_port: Some(80),
            name: "http".into(),
            port: Some(80),
            protocol: "tcp".into(),
            load_balancer_probe: Some(LoadBalancerProbeXml {
                path: Some("/".into()),
                port: Some(80),
                protocol: Some("Http".into()),
                interval_in_seconds: Some(15),
                timeout_in_seconds: Some(31),
            }),
            acl_rules: Some(vec![AclRuleXml {
                order: Some(1),
                action: Some("permit".into()),
                remote_subnet: Some("10.0.0.0/8".into()),
                description: Some("inside".into()),
            }]),
            ..Default::default()
        }];
        let xml = load_balanced_endpoints_to_xml(&eps);
        assert_eq!(parse_load_balanced_endpoints(xml.as_bytes()).unwrap(), eps);
    }
}
