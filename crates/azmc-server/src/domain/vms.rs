//! Virtual machines (asm-iaas §2–4): deployments whose roles are persistent VM roles.
//!
//! A virtual machine deployment is a deployment (Production slot, `Running`) with a state
//! document ([`VmState`], JSON in `deployments.vm_state`): for each role its model (the
//! `PersistentVMRole` as Get Role shows it, without its disks), size, OS, host name, state
//! ([`RoleState`]), private address and the disks it uses (by name; the disk repository
//! holds them, `AttachedTo` naming the role); for the deployment its VIP, virtual network,
//! DNS servers and reserved IP. Nothing boots: every change is made to the document at
//! once, in the transitional state of its kind (`Provisioning`, `Starting`, `Stopping`,
//! `Deleting`), and the job [`VmTransition`] moves the roles to their final state when it
//! runs (after the server's async delay). Changes are compare-and-swap on the document:
//! two requests racing on one deployment never lose a change (the loser answers 409).
//!
//! Passwords of provisioning sets are checked and dropped: never stored, never answered.

use super::cloud_services::db_error;
use super::deployments::{DeploymentRef, Service, check_name, slot_of};
use super::{ConflictReason, Ctx, DomainError, ResourceKind, images, networks};
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{
    DbError, Deployment, DeploymentStatus, DiskChange, NewDeployment, NewDisk, VmChange,
};
use azmc_wire::asm::{
    DataVirtualHardDiskXml, InputEndpointXml, NetworkConfigurationSetXml, OsImageInput,
    OsVirtualHardDiskXml, ProvisioningKind, ProvisioningSetXml, RoleOperationXml, RoleXml,
    RolesOperationXml, VmImageXml, parse_role_response,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::str::FromStr;

/// A classic role size: (name, cores, memory MB, max data disks, web/worker resource disk
/// MB, VM resource disk MB), as the live service listed them (List Role Sizes). Every one
/// is a virtual machine size; `MaxDataDiskCount` bounds a role's LUNs.
pub const ROLE_SIZES: &[(&str, u32, u32, u32, u64, u64)] = &[
    ("ExtraSmall", 1, 768, 1, 20_480, 20_480),
    ("Small", 1, 1_792, 2, 230_400, 71_680),
    ("Medium", 2, 3_584, 4, 501_760, 138_240),
    ("Large", 4, 7_168, 8, 1_024_000, 291_840),
    ("ExtraLarge", 8, 14_336, 16, 2_088_960, 619_520),
    ("A5", 2, 14_336, 4, 501_760, 138_240),
    ("A6", 4, 28_672, 8, 1_024_000, 291_840),
    ("A7", 8, 57_344, 16, 2_088_960, 619_520),
    ("Basic_A0", 1, 768, 1, 20_480, 20_480),
    ("Basic_A1", 1, 1_792, 2, 40_960, 40_960),
    ("Basic_A2", 2, 3_584, 4, 61_440, 61_440),
    ("Basic_A3", 4, 7_168, 8, 122_880, 122_880),
    ("Basic_A4", 8, 14_336, 16, 245_760, 245_760),
    ("Standard_D1", 1, 3_584, 2, 51_200, 51_200),
    ("Standard_D2", 2, 7_168, 4, 102_400, 102_400),
    ("Standard_D3", 4, 14_336, 8, 204_800, 204_800),
    ("Standard_D4", 8, 28_672, 16, 409_600, 409_600),
    ("Standard_D11", 2, 14_336, 4, 102_400, 102_400),
    ("Standard_D12", 4, 28_672, 8, 204_800, 204_800),
    ("Standard_D13", 8, 57_344, 16, 409_600, 409_600),
    ("Standard_D14", 16, 114_688, 32, 819_200, 819_200),
];

/// The size named `name` (any case): (name as listed, cores, max data disks).
pub fn vm_size(name: &str) -> Option<(&'static str, u32, u32)> {
    ROLE_SIZES
        .iter()
        .find(|s| s.0.eq_ignore_ascii_case(name))
        .map(|s| (s.0, s.1, s.3))
}

/// Where a role is in its life. The transitional states last until the job of the
/// operation that began them runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleState {
    /// Created or reprovisioned; becomes `Ready`.
    Provisioning,
    /// Started, restarted, resized or redeployed; becomes `Ready`.
    Starting,
    Ready,
    /// Shut down with `Stopped`; becomes `Stopped`.
    Stopping,
    /// Shut down with `StoppedDeallocated`; becomes `Deallocated`.
    Deallocating,
    Stopped,
    /// No cores counted, no private address (unless static).
    Deallocated,
    /// Deleted; removed when the job runs.
    Deleting,
}

impl RoleState {
    /// (`InstanceStatus`, `PowerState`) on the wire.
    pub fn wire(self) -> (&'static str, &'static str) {
        match self {
            RoleState::Provisioning => ("RoleStateUnknown", "Starting"),
            RoleState::Starting => ("StartingVM", "Starting"),
            RoleState::Ready => ("ReadyRole", "Started"),
            RoleState::Stopping | RoleState::Deallocating => ("StoppingVM", "Stopping"),
            RoleState::Stopped => ("StoppedVM", "Stopped"),
            RoleState::Deallocated => ("StoppedDeallocated", "Stopped"),
            RoleState::Deleting => ("DeletingVM", "Stopping"),
        }
    }

    fn transitional(self) -> bool {
        matches!(
            self,
            RoleState::Provisioning
                | RoleState::Starting
                | RoleState::Stopping
                | RoleState::Deallocating
                | RoleState::Deleting
        )
    }

    /// The state a transitional state ends in.
    fn settled(self) -> RoleState {
        match self {
            RoleState::Provisioning | RoleState::Starting => RoleState::Ready,
            RoleState::Stopping => RoleState::Stopped,
            RoleState::Deallocating => RoleState::Deallocated,
            other => other,
        }
    }
}

/// A data disk of a role: the repository's disk at a LUN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataDiskRef {
    pub lun: u32,
    pub name: String,
    pub host_caching: String,
}

/// One persistent VM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmRole {
    pub name: String,
    /// The role as Get Role answers it, without disks (azmc-wire's `PersistentVMRole`).
    pub model: String,
    /// The size as listed (`Small`, `Standard_D2`, …).
    pub size: String,
    /// `Linux` or `Windows`.
    pub os: String,
    pub host_name: String,
    pub state: RoleState,
    /// The private address (none while deallocated).
    pub ip: Option<String>,
    pub os_disk: String,
    pub os_disk_caching: String,
    pub data_disks: Vec<DataDiskRef>,
    /// Deleting with `comp=media`: its disks go too.
    #[serde(default)]
    pub delete_media: bool,
}

impl VmRole {
    fn role(&self) -> Result<RoleXml, DomainError> {
        parse_role_response(self.model.as_bytes()).map_err(|e| {
            tracing::error!(error = %e, role = %self.name, "a stored role model does not read");
            DomainError::Internal
        })
    }

    fn network(&self) -> Result<NetworkConfigurationSetXml, DomainError> {
        Ok(self.role()?.network.unwrap_or_default())
    }

    fn cores(&self) -> i64 {
        if self.state == RoleState::Deallocated {
            return 0;
        }
        vm_size(&self.size).map_or(1, |s| i64::from(s.1))
    }
}

/// The state document of a virtual machine deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmState {
    /// Bumped by every change.
    pub version: u64,
    #[serde(default)]
    pub virtual_network: Option<String>,
    #[serde(default)]
    pub dns_servers: Vec<(String, String)>,
    #[serde(default)]
    pub reserved_ip: Option<String>,
    pub roles: Vec<VmRole>,
}

impl VmState {
    fn role(&self, name: &str) -> Result<&VmRole, DomainError> {
        self.roles
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| DomainError::not_found_named(ResourceKind::Role, name))
    }

    fn role_mut(&mut self, name: &str) -> Result<&mut VmRole, DomainError> {
        self.roles
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| DomainError::not_found_named(ResourceKind::Role, name))
    }

    fn cores(&self) -> i64 {
        self.roles.iter().map(VmRole::cores).sum()
    }
}

/// The state document of `d`, if it is a virtual machine deployment.
pub fn state_of(d: &Deployment) -> Result<Option<VmState>, DomainError> {
    d.vm_state
        .as_deref()
        .map(|s| {
            serde_json::from_str(s).map_err(|e| {
                tracing::error!(error = %e, deployment = %d.name, "a stored VM state does not read");
                DomainError::Internal
            })
        })
        .transpose()
}

fn vm_state(d: &Deployment) -> Result<VmState, DomainError> {
    state_of(d)?.ok_or_else(|| {
        invalid(
            "RoleName",
            format!(
                "The deployment {} is not a virtual machine deployment: it has no persistent VM roles.",
                d.name
            ),
        )
    })
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

/// Another operation runs on the deployment `d` (or one of its roles), or changed it
/// meanwhile.
fn busy(d: &str) -> DomainError {
    DomainError::Conflict(ConflictReason::DeploymentExclusive {
        deployment: d.to_string(),
    })
}

/// A deployment (or role) in the middle of an operation refuses another.
fn check_idle(d: &Deployment, role: Option<&VmRole>) -> Result<(), DomainError> {
    if matches!(
        d.status,
        DeploymentStatus::Deploying | DeploymentStatus::Deleting
    ) || role.is_some_and(|r| r.state.transitional())
    {
        return Err(busy(&d.name));
    }
    Ok(())
}

/// A disk change with owned names (made into [`DiskChange`]s at commit).
#[derive(Debug, Clone)]
enum Disk {
    Create {
        name: String,
        label: String,
        os: Option<String>,
        media_link: String,
        location: String,
        size_gb: i64,
        source_image: Option<String>,
        role: String,
    },
    Attach {
        name: String,
        role: String,
    },
    Detach(String),
    Delete(String),
}

fn borrowed<'a>(subscription: &'a str, disks: &'a [Disk]) -> Vec<DiskChange<'a>> {
    disks
        .iter()
        .map(|d| match d {
            Disk::Create {
                name,
                label,
                os,
                media_link,
                location,
                size_gb,
                source_image,
                role,
            } => DiskChange::Create {
                disk: NewDisk {
                    subscription_id: subscription,
                    name,
                    label,
                    os: os.as_deref(),
                    media_link,
                    location,
                    size_gb: *size_gb,
                },
                source_image: source_image.as_deref(),
                role,
            },
            Disk::Attach { name, role } => DiskChange::Attach { name, role },
            Disk::Detach(name) => DiskChange::Detach { name },
            Disk::Delete(name) => DiskChange::Delete { name },
        })
        .collect()
}

/// The answer of the database for a virtual machine change.
fn vm_db_error(d: &str, e: DbError) -> DomainError {
    use azmc_db::ConflictReason as Stored;
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::Disk,
            id,
        } => DomainError::not_found_named(ResourceKind::Disk, &id),
        DbError::Conflict {
            reason: Stored::Changed,
            ..
        } => busy(d),
        DbError::Conflict {
            reason: Stored::DiskAttached,
            id,
        } => DomainError::Conflict(ConflictReason::DiskInUse { disk: id }),
        DbError::Conflict {
            reason: Stored::MediaInUse,
            id,
        } => DomainError::Conflict(ConflictReason::DiskMediaInUse { disk: id }),
        DbError::Conflict {
            reason: Stored::Exists(azmc_db::ResourceKind::Disk),
            id,
        } => DomainError::Conflict(ConflictReason::DiskExists { name: id }),
        other => db_error(other),
    }
}

fn to_json(state: &VmState) -> Result<String, DomainError> {
    serde_json::to_string(state).map_err(|e| {
        tracing::error!(error = %e, "cannot write a VM state");
        DomainError::Internal
    })
}

/// Stores `state` (made from `d`'s document) with its disk changes and the job of `op`
/// that ends the transitions of `settle` (every role named; `what` for the log).
#[allow(clippy::too_many_arguments)]
async fn commit(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    mut state: VmState,
    disks: &[Disk],
    settle: Vec<String>,
    what: &str,
) -> Result<(), DomainError> {
    let previous = d.vm_state.as_deref().unwrap_or_default();
    state.version += 1;
    let json = to_json(&state)?;
    let roles: Vec<(String, u32)> = state.roles.iter().map(|r| (r.name.clone(), 1)).collect();
    let work = VmTransition {
        deployment: DeploymentRef::new(at, &d.name),
        roles: settle,
        what: what.to_string(),
    };
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    let changes = borrowed(at.subscription, disks);
    ctx.db
        .change_vm_deployment(
            &VmChange {
                subscription_id: at.subscription,
                service: &d.service_name,
                deployment: &d.name,
                previous,
                state: &json,
                roles: &roles,
                cores: state.cores(),
                disks: &changes,
                job: Some(&job),
            },
            ctx.now,
        )
        .await
        .map_err(|e| vm_db_error(&d.name, e))
}

/// `yyyyMMddHHmmssffff` of now: the suffix of the names of new disks.
fn stamp(ctx: &Ctx<'_>) -> String {
    let t = ctx.now;
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:04}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100_000
    )
}

/// The location of a cloud service (its own, or its affinity group's).
async fn service_location(ctx: &Ctx<'_>, at: Service<'_>) -> Result<String, DomainError> {
    let s = ctx
        .db
        .get_hosted_service(at.subscription, at.name)
        .await
        .map_err(db_error)?;
    if let Some(l) = s.location {
        return Ok(l);
    }
    match s.affinity_group {
        Some(ag) => Ok(ctx
            .db
            .get_affinity_group(at.subscription, &ag)
            .await
            .map_err(db_error)?
            .location),
        None => Ok(ctx.locations.first().cloned().unwrap_or_default()),
    }
}

/// What a new role is made in: its cloud service and deployment, their location, the
/// virtual network's subnets, and the suffix of new disk names.
struct Place<'a> {
    at: Service<'a>,
    /// As stored.
    service: String,
    location: String,
    /// (subnet name, address prefix) of the deployment's virtual network.
    subnets: Option<Vec<(String, String)>>,
    stamp: String,
}

fn check_host_caching(value: Option<&str>, default: &str) -> Result<String, DomainError> {
    let v = value.unwrap_or(default);
    ["None", "ReadOnly", "ReadWrite"]
        .iter()
        .find(|c| c.eq_ignore_ascii_case(v))
        .map(|c| (*c).to_string())
        .ok_or_else(|| {
            invalid(
                "HostCaching",
                format!("HostCaching must be None, ReadOnly or ReadWrite, not {v:?}."),
            )
        })
}

fn check_media_link(link: &str, field: &'static str) -> Result<(), DomainError> {
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if r.contains('/') && !r.starts_with('/') => Ok(()),
        _ => Err(invalid(
            field,
            format!("{field} must be the http(s) URL of a blob, not {link:?}."),
        )),
    }
}

/// The directory part of a blob URL (up to and without its last `/`).
fn container_of(link: &str) -> &str {
    link.rsplit_once('/').map_or(link, |(dir, _)| dir)
}

/// The provisioning set a role made from a generalized image needs.
fn check_provisioning(
    p: Option<&ProvisioningSetXml>,
    os: &str,
    role: &str,
) -> Result<(), DomainError> {
    let Some(p) = p else {
        return Err(invalid(
            "ConfigurationSets",
            format!(
                "Role {role} is made from an image: it needs a {os}ProvisioningConfiguration set."
            ),
        ));
    };
    let wanted = if os == "Windows" {
        ProvisioningKind::Windows
    } else {
        ProvisioningKind::Linux
    };
    if p.kind != wanted {
        return Err(invalid(
            "ConfigurationSetType",
            format!(
                "Role {role} runs {os}: its provisioning set must be {os}ProvisioningConfiguration."
            ),
        ));
    }
    let len = |v: &Option<String>| v.as_deref().map_or(0, |s| s.chars().count());
    match wanted {
        ProvisioningKind::Linux => {
            if !(1..=64).contains(&len(&p.host_name)) {
                return Err(invalid(
                    "HostName",
                    "HostName must have 1 to 64 characters.",
                ));
            }
            if !(1..=32).contains(&len(&p.user_name)) {
                return Err(invalid(
                    "UserName",
                    "UserName must have 1 to 32 characters.",
                ));
            }
            if p.password.is_none() && p.ssh_public_keys.is_empty() {
                return Err(invalid(
                    "UserPassword",
                    "A Linux virtual machine needs a UserPassword or an SSH public key.",
                ));
            }
            if p.password.is_none() && p.disable_ssh_password_authentication == Some(false) {
                return Err(invalid(
                    "UserPassword",
                    "DisableSshPasswordAuthentication is false: UserPassword is required.",
                ));
            }
        }
        ProvisioningKind::Windows => {
            if !(1..=15).contains(&len(&p.host_name)) {
                return Err(invalid(
                    "ComputerName",
                    "ComputerName must have 1 to 15 characters.",
                ));
            }
            if !(1..=20).contains(&len(&p.user_name)) {
                return Err(invalid(
                    "AdminUsername",
                    "AdminUsername must have 1 to 20 characters.",
                ));
            }
            if p.password.is_none() {
                return Err(invalid("AdminPassword", "AdminPassword is required."));
            }
        }
    }
    if p.password
        .as_deref()
        .is_some_and(|pw| pw.chars().count() < 6)
    {
        return Err(invalid(
            "UserPassword",
            "The administrator password must have at least 6 characters.",
        ));
    }
    Ok(())
}

/// Every SSH key of a Linux set names a certificate of the cloud service.
async fn check_ssh_keys(
    ctx: &Ctx<'_>,
    at: Service<'_>,
    p: Option<&ProvisioningSetXml>,
) -> Result<(), DomainError> {
    let Some(p) = p else { return Ok(()) };
    for k in p.ssh_public_keys.iter().chain(&p.ssh_key_pairs) {
        let known = match azmc_pki::Thumbprint::from_str(&k.fingerprint) {
            Ok(t) => match ctx
                .db
                .get_service_certificate(at.subscription, at.name, &t)
                .await
            {
                Ok(_) => true,
                Err(e) if e.is_not_found() => false,
                Err(e) => return Err(db_error(e)),
            },
            Err(_) => false,
        };
        if !known {
            return Err(invalid(
                "Fingerprint",
                format!(
                    "The SSH key fingerprint {:?} is not the thumbprint of a certificate of the cloud service {}: add the certificate first.",
                    k.fingerprint, at.name
                ),
            ));
        }
    }
    Ok(())
}

/// A role's network configuration: endpoint names unique, ports and protocols valid,
/// subnets and a static address in the deployment's virtual network.
fn check_network(
    n: &NetworkConfigurationSetXml,
    subnets: Option<&[(String, String)]>,
    role: &str,
) -> Result<(), DomainError> {
    let mut names = std::collections::HashSet::new();
    for e in &n.input_endpoints {
        check_endpoint(e)?;
        if !names.insert(e.name.to_ascii_lowercase()) {
            return Err(invalid(
                "InputEndpoint",
                format!("Role {role} has two endpoints named {}.", e.name),
            ));
        }
    }
    match subnets {
        None if !n.subnet_names.is_empty() || n.static_virtual_network_ip_address.is_some() => {
            Err(invalid(
                "SubnetNames",
                "Subnets and static addresses need the deployment to be in a virtual network (VirtualNetworkName).",
            ))
        }
        None => Ok(()),
        Some(subnets) => {
            for s in &n.subnet_names {
                if !subnets.iter().any(|(name, _)| name.eq_ignore_ascii_case(s)) {
                    return Err(invalid(
                        "SubnetName",
                        format!("The subnet {s} is not in the deployment's virtual network."),
                    ));
                }
            }
            if let Some(ip) = &n.static_virtual_network_ip_address {
                let inside = subnets
                    .iter()
                    .filter(|(name, _)| {
                        n.subnet_names.is_empty()
                            || n.subnet_names.iter().any(|s| s.eq_ignore_ascii_case(name))
                    })
                    .any(|(_, prefix)| {
                        parse_ipv4(ip)
                            .zip(prefix_range(prefix))
                            .is_some_and(|(a, (lo, hi))| a > lo + 3 && a < hi)
                    });
                if !inside {
                    return Err(invalid(
                        "StaticVirtualNetworkIPAddress",
                        format!(
                            "The static address {ip} is not a usable address of the role's subnet."
                        ),
                    ));
                }
            }
            Ok(())
        }
    }
}

fn check_endpoint(e: &InputEndpointXml) -> Result<(), DomainError> {
    if e.name.is_empty() {
        return Err(invalid("Name", "Every InputEndpoint needs a Name."));
    }
    if !["tcp", "udp"]
        .iter()
        .any(|p| e.protocol.eq_ignore_ascii_case(p))
    {
        return Err(invalid(
            "Protocol",
            format!(
                "The endpoint {} has Protocol {:?}: use tcp or udp.",
                e.name, e.protocol
            ),
        ));
    }
    for (field, port) in [("Port", e.port), ("LocalPort", e.local_port)] {
        if !port.is_some_and(|p| (1..=65535).contains(&p)) {
            return Err(invalid(
                field,
                format!("The endpoint {} needs a {field} from 1 to 65535.", e.name),
            ));
        }
    }
    Ok(())
}

/// A public port (with its protocol) serves one endpoint, or one load-balanced set.
fn check_ports(roles: &[(String, NetworkConfigurationSetXml)]) -> Result<(), DomainError> {
    let mut owners: std::collections::HashMap<(u32, String), String> = Default::default();
    for (role, n) in roles {
        for e in &n.input_endpoints {
            let Some(port) = e.port else { continue };
            let owner = match &e.load_balanced_endpoint_set_name {
                Some(set) => format!("set:{}", set.to_ascii_lowercase()),
                None => format!("endpoint:{role}/{}", e.name),
            };
            let key = (port, e.protocol.to_ascii_lowercase());
            match owners.get(&key) {
                Some(o) if *o != owner => {
                    return Err(DomainError::Conflict(ConflictReason::PortTaken { port }));
                }
                _ => {
                    owners.insert(key, owner);
                }
            }
        }
    }
    Ok(())
}

fn parse_ipv4(s: &str) -> Option<u32> {
    s.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// (first, last) address of `a.b.c.d/n`.
fn prefix_range(prefix: &str) -> Option<(u32, u32)> {
    let (addr, len) = prefix.split_once('/')?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 30)?;
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    let base = parse_ipv4(addr)? & mask;
    Some((base, base | !mask))
}

fn dotted(a: u32) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

/// Gives every role that has none (and is not deallocated) a private address: its static
/// address; else the first free address (from the fourth) of its subnet (the first of the
/// virtual network when it names none); else, outside any virtual network, one of
/// 10.x.y.0/24 made from the deployment's private id.
fn assign_addresses(
    state: &mut VmState,
    subnets: Option<&[(String, String)]>,
    private_id: &str,
    elsewhere: &HashSet<u32>,
) -> Result<(), DomainError> {
    let hex =
        |i: usize| u32::from_str_radix(private_id.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    let own_range = {
        let base = (10 << 24) | (hex(0) << 16) | (hex(2) << 8);
        (base, base | 0xff)
    };
    let mut taken: HashSet<u32> = state
        .roles
        .iter()
        .filter_map(|r| r.ip.as_deref().and_then(parse_ipv4))
        .collect();
    taken.extend(elsewhere);
    for i in 0..state.roles.len() {
        let r = &state.roles[i];
        if r.ip.is_some() || matches!(r.state, RoleState::Deallocated | RoleState::Deleting) {
            continue;
        }
        let n = r.network()?;
        if let Some(ip) = &n.static_virtual_network_ip_address {
            state.roles[i].ip = Some(ip.clone());
            if let Some(a) = parse_ipv4(ip) {
                taken.insert(a);
            }
            continue;
        }
        let range = match subnets {
            Some(subnets) => {
                let subnet = n
                    .subnet_names
                    .first()
                    .and_then(|s| {
                        subnets
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(s))
                    })
                    .or_else(|| subnets.first());
                subnet.and_then(|(_, prefix)| prefix_range(prefix))
            }
            None => Some(own_range),
        };
        let Some((lo, hi)) = range else {
            return Err(invalid(
                "SubnetNames",
                "The deployment's virtual network has no subnet to take an address from.",
            ));
        };
        let Some(a) = (lo + 4..hi).find(|a| !taken.contains(a)) else {
            return Err(invalid(
                "SubnetNames",
                "The role's subnet has no free address left.",
            ));
        };
        taken.insert(a);
        state.roles[i].ip = Some(dotted(a));
    }
    Ok(())
}

/// The private addresses the subscription's other virtual machine deployments in the
/// virtual network `vnet` use (none outside a virtual network: each cloud service has its
/// own private network there).
async fn addresses_elsewhere(
    ctx: &Ctx<'_>,
    subscription: &str,
    vnet: Option<&str>,
    this: (&str, &str),
) -> Result<HashSet<u32>, DomainError> {
    let mut taken = HashSet::new();
    let Some(vnet) = vnet else {
        return Ok(taken);
    };
    for svc in ctx
        .db
        .list_hosted_services(subscription)
        .await
        .map_err(db_error)?
    {
        for d in ctx
            .db
            .list_deployments(subscription, &svc.name)
            .await
            .map_err(db_error)?
        {
            let same = svc.name.eq_ignore_ascii_case(this.0) && d.name.eq_ignore_ascii_case(this.1);
            let Ok(Some(state)) = state_of(&d) else {
                continue;
            };
            if same
                || !state
                    .virtual_network
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case(vnet))
            {
                continue;
            }
            taken.extend(
                state
                    .roles
                    .iter()
                    .filter_map(|r| r.ip.as_deref().and_then(parse_ipv4)),
            );
        }
    }
    Ok(taken)
}

/// Gives the roles of `state` (the deployment `this`: cloud service, deployment) that need
/// one a private address ([`assign_addresses`]), avoiding the addresses of the other
/// deployments in its virtual network.
async fn readdress(
    ctx: &Ctx<'_>,
    subscription: &str,
    this: (&str, &str),
    state: &mut VmState,
    subnets: Option<&[(String, String)]>,
    private_id: &str,
) -> Result<(), DomainError> {
    let elsewhere =
        addresses_elsewhere(ctx, subscription, state.virtual_network.as_deref(), this).await?;
    assign_addresses(state, subnets, private_id, &elsewhere)
}

/// The subnets of the virtual network site `name` of the subscription (`None` outside a
/// virtual network).
async fn subnets_of(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: Option<&str>,
) -> Result<Option<Vec<(String, String)>>, DomainError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let sites = networks::sites(ctx, subscription).await?;
    let site = sites
        .iter()
        .find(|s| s.config.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            invalid(
                "VirtualNetworkName",
                format!("The virtual network {name} does not exist in the subscription's network configuration."),
            )
        })?;
    Ok(Some(
        site.config
            .subnets
            .iter()
            .map(|s| (s.name.clone(), s.address_prefix.clone()))
            .collect(),
    ))
}

/// A VM image of the catalogue or the subscription, by name (any case).
async fn find_vm_image(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<VmImageXml, DomainError> {
    images::list_vm_images(ctx, subscription, &images::VmImageFilter::default())
        .await?
        .into_iter()
        .find(|i| {
            i.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| DomainError::not_found_named(ResourceKind::VmImage, name))
}

/// A new role from its request body: checked, with the disks it makes or attaches.
async fn new_role(
    ctx: &Ctx<'_>,
    place: &Place<'_>,
    deployment: &str,
    input: &RoleXml,
) -> Result<(VmRole, Vec<Disk>), DomainError> {
    let name = input.role_name.as_str();
    let ok_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok_name {
        return Err(invalid(
            "RoleName",
            format!(
                "RoleName {name:?} is invalid: use 1 to 64 letters, digits, hyphens, underscores and dots."
            ),
        ));
    }
    if let Some(t) = &input.role_type
        && t != "PersistentVMRole"
    {
        return Err(invalid(
            "RoleType",
            format!("RoleType must be PersistentVMRole, not {t:?}."),
        ));
    }
    let size_name = input.role_size.as_deref().unwrap_or("Small");
    let (size, _, max_disks) = vm_size(size_name).ok_or_else(|| {
        invalid(
            "RoleSize",
            format!("RoleSize {size_name:?} is not a virtual machine size (see List Role Sizes)."),
        )
    })?;
    let network = input.network.clone().unwrap_or_default();
    check_network(&network, place.subnets.as_deref(), name)?;
    let svc = &place.service;
    let mut disks = Vec::new();
    let mut data = Vec::new();
    let os_in = input.os_disk.clone().unwrap_or_default();
    let os_caching = check_host_caching(os_in.host_caching.as_deref(), "ReadWrite")?;
    let (os, os_disk) = if let Some(image) = &input.vm_image_name {
        let image = find_vm_image(ctx, place.at.subscription, image).await?;
        let os_conf = image.os_disk.clone().unwrap_or_default();
        let os = os_conf.os.clone().unwrap_or_else(|| "Linux".into());
        if os_conf
            .os_state
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("Generalized"))
        {
            check_provisioning(input.provisioning.as_ref(), &os, name)?;
        }
        let dir = match &input.media_location {
            Some(m) => {
                check_media_link(m, "MediaLocation")?;
                container_of(m).to_string()
            }
            None => container_of(os_conf.media_link.as_deref().unwrap_or_default()).to_string(),
        };
        let disk = format!("{svc}-{name}-0-{}", place.stamp);
        disks.push(Disk::Create {
            name: disk.clone(),
            label: disk.clone(),
            os: Some(os.clone()),
            media_link: format!("{dir}/{disk}.vhd"),
            location: place.location.clone(),
            size_gb: i64::from(os_conf.logical_disk_size_in_gb.unwrap_or(30)),
            source_image: image.name.clone(),
            role: name.to_string(),
        });
        for dd in image.data_disks.iter().flatten() {
            let lun = dd.lun.unwrap_or(0);
            let dname = format!("{svc}-{name}-{}-{}", lun + 1, place.stamp);
            disks.push(Disk::Create {
                name: dname.clone(),
                label: dname.clone(),
                os: None,
                media_link: format!("{dir}/{dname}.vhd"),
                location: place.location.clone(),
                size_gb: i64::from(dd.logical_disk_size_in_gb.unwrap_or(1)),
                source_image: None,
                role: name.to_string(),
            });
            data.push(DataDiskRef {
                lun,
                name: dname,
                host_caching: check_host_caching(dd.host_caching.as_deref(), "ReadOnly")?,
            });
        }
        (os, disk)
    } else if let Some(existing) = &os_in.disk_name {
        let d = ctx
            .db
            .get_disk(place.at.subscription, existing)
            .await
            .map_err(|e| vm_db_error(deployment, e))?;
        let Some(os) = d.os.clone() else {
            return Err(invalid(
                "DiskName",
                format!("The disk {} is a data disk, not an OS disk.", d.name),
            ));
        };
        disks.push(Disk::Attach {
            name: d.name.clone(),
            role: name.to_string(),
        });
        (os, d.name)
    } else if let Some(image) = &os_in.source_image_name {
        let image = images::get(ctx, place.at.subscription, image).await?;
        check_provisioning(input.provisioning.as_ref(), &image.os, name)?;
        let Some(link) = &os_in.media_link else {
            return Err(invalid(
                "MediaLink",
                "OSVirtualHardDisk needs a MediaLink: the blob the new OS disk is made in.",
            ));
        };
        check_media_link(link, "MediaLink")?;
        let disk = format!("{svc}-{name}-0-{}", place.stamp);
        disks.push(Disk::Create {
            name: disk.clone(),
            label: os_in.disk_label.clone().unwrap_or_else(|| disk.clone()),
            os: Some(image.os.clone()),
            media_link: link.clone(),
            location: place.location.clone(),
            size_gb: i64::from(image.logical_size_in_gb),
            source_image: Some(image.name.clone()),
            role: name.to_string(),
        });
        (image.os.clone(), disk)
    } else {
        return Err(invalid(
            "OSVirtualHardDisk",
            "A role needs an OSVirtualHardDisk with SourceImageName (and MediaLink) or DiskName, or a VMImageName.",
        ));
    };
    let mut role = VmRole {
        name: name.to_string(),
        model: String::new(),
        size: size.to_string(),
        os,
        host_name: input
            .provisioning
            .as_ref()
            .and_then(|p| p.host_name.clone())
            .unwrap_or_else(|| name.to_string()),
        state: RoleState::Provisioning,
        ip: None,
        os_disk,
        os_disk_caching: os_caching,
        data_disks: data,
        delete_media: false,
    };
    for dd in input.data_disks.iter().flatten() {
        let (r, d) = data_disk(ctx, place, &role, max_disks, dd).await?;
        role.data_disks.push(r);
        disks.push(d);
    }
    let mut model = input.clone();
    model.provisioning = None;
    model.os_disk = None;
    model.data_disks = None;
    model.network = Some(network);
    model.role_type = Some("PersistentVMRole".into());
    model.role_size = Some(size.to_string());
    role.model = model.to_xml();
    Ok((role, disks))
}

/// A data disk added to `role` (Add Data Disk, or a role body's data disks): an existing
/// data disk by `DiskName`, else a new one made at `MediaLink` (or registered from
/// `SourceMediaLink`) of `LogicalDiskSizeInGB`; at the LUN asked, else the lowest free.
async fn data_disk(
    ctx: &Ctx<'_>,
    place: &Place<'_>,
    role: &VmRole,
    max_disks: u32,
    input: &DataVirtualHardDiskXml,
) -> Result<(DataDiskRef, Disk), DomainError> {
    let taken = |l: u32| role.data_disks.iter().any(|d| d.lun == l);
    let lun = match input.lun {
        Some(l) if taken(l) => {
            return Err(DomainError::Conflict(ConflictReason::LunTaken {
                lun: l,
                role: role.name.clone(),
            }));
        }
        Some(l) => l,
        None => (0..max_disks).find(|l| !taken(*l)).unwrap_or(max_disks),
    };
    if lun >= max_disks {
        return Err(invalid(
            "Lun",
            format!(
                "Lun {lun} is out of range: a {} role has LUNs 0 to {} (MaxDataDiskCount {max_disks}).",
                role.size,
                max_disks.saturating_sub(1)
            ),
        ));
    }
    let caching = check_host_caching(input.host_caching.as_deref(), "ReadOnly")?;
    let disk = if let Some(existing) = &input.disk_name {
        let d = ctx
            .db
            .get_disk(place.at.subscription, existing)
            .await
            .map_err(|e| vm_db_error("", e))?;
        if d.os.is_some() {
            return Err(invalid(
                "DiskName",
                format!("The disk {} is an OS disk, not a data disk.", d.name),
            ));
        }
        Disk::Attach {
            name: d.name,
            role: role.name.clone(),
        }
    } else {
        let link = input
            .media_link
            .as_ref()
            .or(input.source_media_link.as_ref())
            .ok_or_else(|| {
                invalid(
                    "MediaLink",
                    "A new data disk needs a MediaLink (or a SourceMediaLink), or DiskName to attach an existing disk.",
                )
            })?;
        check_media_link(link, "MediaLink")?;
        let size = input.logical_disk_size_in_gb.ok_or_else(|| {
            invalid(
                "LogicalDiskSizeInGB",
                "A new data disk needs LogicalDiskSizeInGB.",
            )
        })?;
        if !(1..=1023).contains(&size) {
            return Err(invalid(
                "LogicalDiskSizeInGB",
                format!("LogicalDiskSizeInGB must be from 1 to 1023, not {size}."),
            ));
        }
        let name = format!(
            "{}-{}-{}-{}",
            place.service,
            role.name,
            lun + 1,
            place.stamp
        );
        Disk::Create {
            label: input.disk_label.clone().unwrap_or_else(|| name.clone()),
            name,
            os: None,
            media_link: link.clone(),
            location: place.location.clone(),
            size_gb: i64::from(size),
            source_image: None,
            role: role.name.clone(),
        }
    };
    let name = match &disk {
        Disk::Attach { name, .. } | Disk::Create { name, .. } => name.clone(),
        Disk::Detach(n) | Disk::Delete(n) => n.clone(),
    };
    Ok((
        DataDiskRef {
            lun,
            name,
            host_caching: caching,
        },
        disk,
    ))
}

/// What Create Virtual Machine Deployment asks for.
#[derive(Debug, Clone)]
pub struct NewVmDeployment<'a> {
    pub slot: &'a str,
    pub name: &'a str,
    /// Plain text.
    pub label: &'a str,
    pub roles: &'a [RoleXml],
    pub virtual_network: Option<&'a str>,
    pub dns_servers: &'a [(String, String)],
    pub reserved_ip: Option<&'a str>,
}

/// The VIP of a deployment without a reserved IP: from its private id, in 104.40.0.0/13.
pub fn vip_of(private_id: &str) -> String {
    let b =
        |i: usize| u8::from_str_radix(private_id.get(i..i + 2).unwrap_or("01"), 16).unwrap_or(1);
    format!("104.{}.{}.{}", 40 + b(0) % 8, b(2), b(4).max(1))
}

/// Create Virtual Machine Deployment: the deployment `Running` with its roles
/// `Provisioning` (ready when the job of `op` runs), their OS disks made from their images
/// (or existing disks attached) and their data disks, in one transaction; with a reserved
/// IP, the IP is associated with it.
pub async fn create(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    new: &NewVmDeployment<'_>,
) -> Result<(), DomainError> {
    let slot = slot_of(new.slot)?;
    check_name(new.name)?;
    if new.label.is_empty() || new.label.chars().count() > 100 {
        return Err(invalid("Label", "Label must have 1 to 100 characters."));
    }
    if new.roles.is_empty() {
        return Err(invalid("RoleList", "RoleList needs at least one Role."));
    }
    let service = ctx
        .db
        .get_hosted_service(at.subscription, at.name)
        .await
        .map_err(db_error)?;
    let subnets = subnets_of(ctx, at.subscription, new.virtual_network).await?;
    let reserved = match new.reserved_ip {
        Some(r) => {
            let ip = ctx
                .db
                .get_reserved_ip(at.subscription, r)
                .await
                .map_err(db_error)?;
            if let Some(used) = &ip.association {
                return Err(DomainError::Conflict(ConflictReason::ReservedIpInUse {
                    name: ip.name,
                    deployment: used.deployment_name.clone(),
                }));
            }
            Some(ip)
        }
        None => None,
    };
    let place = Place {
        at,
        service: service.name.clone(),
        location: service_location(ctx, at).await?,
        subnets,
        stamp: stamp(ctx),
    };
    let private_id = super::deployments::random_hex()?;
    let mut state = VmState {
        version: 1,
        virtual_network: new.virtual_network.map(str::to_string),
        dns_servers: new.dns_servers.to_vec(),
        reserved_ip: reserved.as_ref().map(|r| r.name.clone()),
        roles: Vec::new(),
    };
    let mut disks = Vec::new();
    let mut networks = Vec::new();
    for input in new.roles {
        if state
            .roles
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&input.role_name))
        {
            return Err(DomainError::Conflict(ConflictReason::RoleExists {
                name: input.role_name.clone(),
            }));
        }
        check_ssh_keys(ctx, at, input.provisioning.as_ref()).await?;
        let (role, d) = new_role(ctx, &place, new.name, input).await?;
        networks.push((role.name.clone(), role.network()?));
        state.roles.push(role);
        disks.extend(d);
    }
    check_ports(&networks)?;
    readdress(
        ctx,
        at.subscription,
        (at.name, new.name),
        &mut state,
        place.subnets.as_deref(),
        &private_id,
    )
    .await?;
    let names: Vec<String> = state.roles.iter().map(|r| r.name.clone()).collect();
    let roles: Vec<(String, u32)> = names.iter().map(|n| (n.clone(), 1)).collect();
    let work = VmTransition {
        deployment: DeploymentRef::new(at, new.name),
        roles: names,
        what: "create".into(),
    };
    let job = jobs::new_job(ctx, op, at.subscription, &work)?;
    let json = to_json(&state)?;
    let changes = borrowed(at.subscription, &disks);
    ctx.db
        .create_vm_deployment(
            &NewDeployment {
                subscription_id: at.subscription,
                service: at.name,
                slot,
                name: new.name,
                private_id: &private_id,
                label: new.label,
                package_url: "",
                configuration: "",
                status: DeploymentStatus::Running,
                roles: &roles,
                cores: state.cores(),
                extended_properties: &[],
                job: Some(&job),
            },
            &json,
            &changes,
            ctx.now,
        )
        .await
        .map_err(|e| match e {
            DbError::Conflict {
                reason: azmc_db::ConflictReason::SlotTaken,
                id,
            } => DomainError::Conflict(ConflictReason::SlotTaken { slot: id }),
            DbError::Conflict {
                reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::Deployment),
                id,
            } => DomainError::Conflict(ConflictReason::DeploymentExists { name: id }),
            e => vm_db_error(new.name, e),
        })?;
    if let Some(ip) = &reserved {
        let target = azmc_db::ReservedIpTarget {
            service: at.name,
            deployment: new.name,
            virtual_ip_name: None,
        };
        if let Err(e) = ctx
            .db
            .associate_reserved_ip(at.subscription, &ip.name, &target, None, ctx.now)
            .await
        {
            // Undone: the deployment never had its address.
            if let Err(undo) = ctx
                .db
                .delete_deployment_and_disks(at.subscription, at.name, new.name, true)
                .await
            {
                tracing::error!(error = %undo, "cannot undo a deployment whose reserved IP failed");
            }
            return Err(super::reserved_ips::association_error(&ip.name, e));
        }
    }
    Ok(())
}

async fn place<'a>(
    ctx: &Ctx<'_>,
    at: Service<'a>,
    d: &Deployment,
    state: &VmState,
) -> Result<Place<'a>, DomainError> {
    Ok(Place {
        at,
        service: d.service_name.clone(),
        location: service_location(ctx, at).await?,
        subnets: subnets_of(ctx, at.subscription, state.virtual_network.as_deref()).await?,
        stamp: stamp(ctx),
    })
}

fn all_networks(state: &VmState) -> Result<Vec<(String, NetworkConfigurationSetXml)>, DomainError> {
    state
        .roles
        .iter()
        .map(|r| Ok((r.name.clone(), r.network()?)))
        .collect()
}

/// Add Role: a new role in the deployment, `Provisioning` until the job of `op` runs.
pub async fn add_role(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    input: &RoleXml,
) -> Result<(), DomainError> {
    let mut state = vm_state(d)?;
    check_idle(d, None)?;
    if state
        .roles
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(&input.role_name))
    {
        return Err(DomainError::Conflict(ConflictReason::RoleExists {
            name: input.role_name.clone(),
        }));
    }
    check_ssh_keys(ctx, at, input.provisioning.as_ref()).await?;
    let place = place(ctx, at, d, &state).await?;
    let (role, disks) = new_role(ctx, &place, &d.name, input).await?;
    let name = role.name.clone();
    state.roles.push(role);
    check_ports(&all_networks(&state)?)?;
    readdress(
        ctx,
        at.subscription,
        (&d.service_name, &d.name),
        &mut state,
        place.subnets.as_deref(),
        &d.private_id,
    )
    .await?;
    commit(ctx, op, at, d, state, &disks, vec![name], "add role").await
}

/// Get Role: the role with its disks as the repository has them.
pub async fn get_role(
    ctx: &Ctx<'_>,
    subscription: &str,
    d: &Deployment,
    name: &str,
) -> Result<RoleXml, DomainError> {
    let state = vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, name))?;
    let role = state.role(name)?;
    let disks = ctx.db.list_disks(subscription).await.map_err(db_error)?;
    role_view(role, &disks)
}

/// The wire form of `role`, its disks filled in from the repository's `disks`.
pub fn role_view(role: &VmRole, disks: &[azmc_db::Disk]) -> Result<RoleXml, DomainError> {
    let mut r = role.role()?;
    let find = |name: &str| disks.iter().find(|d| d.name.eq_ignore_ascii_case(name));
    let os = find(&role.os_disk);
    r.os_disk = Some(OsVirtualHardDiskXml {
        host_caching: Some(role.os_disk_caching.clone()),
        disk_label: os.map(|d| d.label.clone()),
        disk_name: Some(role.os_disk.clone()),
        media_link: os.map(|d| d.media_link.clone()),
        source_image_name: os.and_then(|d| d.source_image.clone()),
        os: Some(role.os.clone()),
        io_type: Some("Standard".into()),
        ..Default::default()
    });
    let mut data: Vec<_> = role
        .data_disks
        .iter()
        .map(|dd| {
            let disk = find(&dd.name);
            DataVirtualHardDiskXml {
                host_caching: Some(dd.host_caching.clone()),
                disk_label: disk.map(|d| d.label.clone()),
                disk_name: Some(dd.name.clone()),
                lun: Some(dd.lun),
                logical_disk_size_in_gb: disk.and_then(|d| u32::try_from(d.size_gb).ok()),
                media_link: disk.map(|d| d.media_link.clone()),
                source_media_link: None,
                io_type: Some("Standard".into()),
            }
        })
        .collect();
    data.sort_by_key(|d| d.lun);
    r.data_disks = Some(data);
    Ok(r)
}

/// Update Role: a `NetworkConfiguration` set replaces the endpoints, subnets, static
/// address and public IPs; `RoleSize` resizes (the VM restarts: `Starting` until the job
/// of `op` runs); `AvailabilitySetName`, `ResourceExtensionReferences`, `Label`,
/// `ProvisionGuestAgent` and `DebugSettings` replace what they name. Absent elements keep
/// what is there; disks change through the data disk operations only; provisioning sets
/// are ignored.
pub async fn update_role(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    name: &str,
    input: &RoleXml,
) -> Result<(), DomainError> {
    let mut state =
        vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, name))?;
    let place = place(ctx, at, d, &state).await?;
    let role = state.role(name)?;
    check_idle(d, Some(role))?;
    let mut model = role.role()?;
    let mut settle = Vec::new();
    let mut new_size = None;
    if let Some(size) = &input.role_size {
        let (canonical, _, max) = vm_size(size).ok_or_else(|| {
            invalid(
                "RoleSize",
                format!("RoleSize {size:?} is not a virtual machine size (see List Role Sizes)."),
            )
        })?;
        if role.data_disks.iter().any(|dd| dd.lun >= max) {
            return Err(invalid(
                "RoleSize",
                format!(
                    "The role has data disks at LUNs a {canonical} role does not have (MaxDataDiskCount {max})."
                ),
            ));
        }
        if !canonical.eq_ignore_ascii_case(&role.size) {
            new_size = Some(canonical);
        }
    }
    if let Some(n) = &input.network {
        check_network(n, place.subnets.as_deref(), &role.name)?;
        model.network = Some(n.clone());
    }
    if input.availability_set_name.is_some() {
        model.availability_set_name = input.availability_set_name.clone();
    }
    if input.resource_extension_references.is_some() {
        model.resource_extension_references = input.resource_extension_references.clone();
    }
    if input.label.is_some() {
        model.label = input.label.clone();
    }
    if input.provision_guest_agent.is_some() {
        model.provision_guest_agent = input.provision_guest_agent;
    }
    if input.boot_diagnostics_enabled.is_some() {
        model.boot_diagnostics_enabled = input.boot_diagnostics_enabled;
    }
    let static_changed = input.network.as_ref().is_some_and(|n| {
        n.static_virtual_network_ip_address
            != role
                .network()
                .ok()
                .and_then(|o| o.static_virtual_network_ip_address)
    });
    let role = state.role_mut(name)?;
    if let Some(size) = new_size {
        role.size = size.to_string();
        model.role_size = Some(size.to_string());
        if role.state == RoleState::Ready {
            role.state = RoleState::Starting;
            settle.push(role.name.clone());
        }
    }
    role.model = model.to_xml();
    if static_changed && role.state != RoleState::Deallocated {
        role.ip = None;
    }
    check_ports(&all_networks(&state)?)?;
    readdress(
        ctx,
        at.subscription,
        (&d.service_name, &d.name),
        &mut state,
        place.subnets.as_deref(),
        &d.private_id,
    )
    .await?;
    commit(ctx, op, at, d, state, &[], settle, "update role").await
}

/// Delete Role: `Deleting` until the job of `op` removes it; its disks are then detached
/// (kept in the repository) or, with `media`, deleted. The last role of a deployment is
/// deleted with the deployment (Delete Deployment).
pub async fn delete_role(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    name: &str,
    media: bool,
) -> Result<(), DomainError> {
    let mut state =
        vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, name))?;
    let role = state.role(name)?;
    check_idle(d, Some(role))?;
    if state.roles.len() == 1 {
        return Err(invalid(
            "RoleName",
            format!(
                "Role {} is the last role of the deployment {}: delete the deployment instead.",
                role.name, d.name
            ),
        ));
    }
    let role = state.role_mut(name)?;
    role.state = RoleState::Deleting;
    role.delete_media = media;
    let settle = vec![role.name.clone()];
    commit(ctx, op, at, d, state, &[], settle, "delete role").await
}

/// `Stopped` or `StoppedDeallocated` (absent: `Stopped`).
fn shutdown_state(action: Option<&str>) -> Result<RoleState, DomainError> {
    match action {
        None => Ok(RoleState::Stopping),
        Some(a) if a.eq_ignore_ascii_case("Stopped") => Ok(RoleState::Stopping),
        Some(a) if a.eq_ignore_ascii_case("StoppedDeallocated") => Ok(RoleState::Deallocating),
        Some(a) => Err(invalid(
            "PostShutdownAction",
            format!("PostShutdownAction must be Stopped or StoppedDeallocated, not {a:?}."),
        )),
    }
}

/// The state a power operation moves `role` to (`None`: already there, nothing to do).
fn power(role: &VmRole, start: bool, stop: Option<RoleState>) -> Option<RoleState> {
    match (start, stop) {
        (true, _) if role.state == RoleState::Ready => None,
        (true, _) => Some(RoleState::Starting),
        (false, Some(s)) if role.state == s.settled() => None,
        (false, Some(RoleState::Stopping)) if role.state == RoleState::Deallocated => None,
        (false, Some(s)) => Some(s),
        (false, None) => None,
    }
}

/// A role operation (`…/roleinstances/{vm}/Operations`) on the role `name`.
pub async fn role_operation(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    name: &str,
    operation: &RoleOperationXml,
) -> Result<(), DomainError> {
    let mut state =
        vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, name))?;
    let role = state.role(name)?.clone();
    check_idle(d, Some(&role))?;
    let subnets = subnets_of(ctx, at.subscription, state.virtual_network.as_deref()).await?;
    let next = match operation {
        RoleOperationXml::Start => power(&role, true, None),
        RoleOperationXml::Restart
        | RoleOperationXml::Redeploy
        | RoleOperationXml::PerformMaintenance => Some(RoleState::Starting),
        RoleOperationXml::Shutdown {
            post_shutdown_action,
        } => power(
            &role,
            false,
            Some(shutdown_state(post_shutdown_action.as_deref())?),
        ),
        RoleOperationXml::Capture {
            post_capture_action,
            provisioning,
            target_image_label,
            target_image_name,
        } => {
            return capture(
                ctx,
                op,
                at,
                d,
                state,
                &role,
                CaptureRequest {
                    post_capture_action: post_capture_action.as_deref(),
                    provisioning: provisioning.as_ref(),
                    label: target_image_label.as_deref(),
                    name: target_image_name.as_deref(),
                },
            )
            .await;
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
            return capture_vm_image(
                ctx,
                op,
                at,
                d,
                &role,
                VmImageRequest {
                    os_state: os_state.as_deref(),
                    name: vm_image_name.as_deref(),
                    label: vm_image_label.as_deref(),
                    description: description.clone(),
                    language: language.clone(),
                    image_family: image_family.clone(),
                    recommended_vm_size: recommended_vm_size.clone(),
                },
            )
            .await;
        }
        RoleOperationXml::Unknown(root) => {
            return Err(invalid(
                "OperationType",
                format!(
                    "{root} is not a role operation (StartRoleOperation, ShutdownRoleOperation, RestartRoleOperation, CaptureRoleOperation, CaptureRoleAsVMImageOperation, RedeployRoleOperation, PerformMaintenanceOnRoleOperation)."
                ),
            ));
        }
    };
    let mut settle = Vec::new();
    if let Some(next) = next {
        let r = state.role_mut(name)?;
        r.state = next;
        settle.push(r.name.clone());
    }
    readdress(
        ctx,
        at.subscription,
        (&d.service_name, &d.name),
        &mut state,
        subnets.as_deref(),
        &d.private_id,
    )
    .await?;
    commit(
        ctx,
        op,
        at,
        d,
        state,
        &[],
        settle,
        operation.operation_type(),
    )
    .await
}

/// Start Roles / Shutdown Roles: the roles named (each must exist and be idle).
pub async fn roles_operation(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    operation: &RolesOperationXml,
) -> Result<(), DomainError> {
    let (names, start, stop) = match operation {
        RolesOperationXml::Start { roles } => (roles, true, None),
        RolesOperationXml::Shutdown {
            roles,
            post_shutdown_action,
        } => (
            roles,
            false,
            Some(shutdown_state(post_shutdown_action.as_deref())?),
        ),
        RolesOperationXml::Unknown(root) => {
            return Err(invalid(
                "OperationType",
                format!("{root} is not StartRolesOperation or ShutdownRolesOperation."),
            ));
        }
    };
    if names.is_empty() {
        return Err(invalid("Roles", "Roles names no role."));
    }
    let mut state = vm_state(d)?;
    check_idle(d, None)?;
    let mut settle = Vec::new();
    for n in names {
        let role = state.role(n)?.clone();
        check_idle(d, Some(&role))?;
        if let Some(next) = power(&role, start, stop) {
            state.role_mut(n)?.state = next;
            settle.push(role.name.clone());
        }
    }
    let subnets = subnets_of(ctx, at.subscription, state.virtual_network.as_deref()).await?;
    readdress(
        ctx,
        at.subscription,
        (&d.service_name, &d.name),
        &mut state,
        subnets.as_deref(),
        &d.private_id,
    )
    .await?;
    let what = if start {
        "start roles"
    } else {
        "shutdown roles"
    };
    commit(ctx, op, at, d, state, &[], settle, what).await
}

struct CaptureRequest<'a> {
    post_capture_action: Option<&'a str>,
    provisioning: Option<&'a ProvisioningSetXml>,
    label: Option<&'a str>,
    name: Option<&'a str>,
}

fn check_stopped(role: &VmRole) -> Result<(), DomainError> {
    if matches!(role.state, RoleState::Stopped | RoleState::Deallocated) {
        return Ok(());
    }
    Err(DomainError::Conflict(ConflictReason::VmRunning {
        role: role.name.clone(),
    }))
}

/// Capture Role (as an OS image): the VM must be stopped; its OS disk's VHD becomes the
/// OS image `name` at once. With `Delete` the role is then deleted (`Deleting` until the
/// job of `op` runs; its OS disk record goes, its data disks are detached); with
/// `Reprovision` it is provisioned again.
async fn capture(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    mut state: VmState,
    role: &VmRole,
    req: CaptureRequest<'_>,
) -> Result<(), DomainError> {
    let name = req
        .name
        .ok_or_else(|| invalid("TargetImageName", "TargetImageName is required."))?;
    let label = req
        .label
        .ok_or_else(|| invalid("TargetImageLabel", "TargetImageLabel is required."))?;
    let delete = match req.post_capture_action {
        Some(a) if a.eq_ignore_ascii_case("Delete") => true,
        Some(a) if a.eq_ignore_ascii_case("Reprovision") => false,
        other => {
            return Err(invalid(
                "PostCaptureAction",
                format!("PostCaptureAction must be Delete or Reprovision, not {other:?}."),
            ));
        }
    };
    check_stopped(role)?;
    if !delete {
        check_provisioning(req.provisioning, &role.os, &role.name)?;
    }
    if delete && state.roles.len() == 1 {
        return Err(invalid(
            "PostCaptureAction",
            format!(
                "Role {} is the last role of the deployment {}: capture with Delete would leave it empty; delete the deployment after capturing with Reprovision.",
                role.name, d.name
            ),
        ));
    }
    let os_disk = ctx
        .db
        .get_disk(at.subscription, &role.os_disk)
        .await
        .map_err(|e| vm_db_error(&d.name, e))?;
    let input = OsImageInput {
        name: Some(name.to_string()),
        label: Some(label.to_string()),
        media_link: Some(os_disk.media_link.clone()),
        os: Some(role.os.clone()),
        ..Default::default()
    };
    images::add(ctx, at.subscription, &input).await?;
    let r = state.role_mut(&role.name)?;
    let disks = if delete {
        r.state = RoleState::Deleting;
        r.delete_media = false;
        // The VHD is the image's now: the disk record goes with the role.
        vec![Disk::Delete(role.os_disk.clone())]
    } else {
        r.state = RoleState::Provisioning;
        if let Some(h) = req.provisioning.and_then(|p| p.host_name.clone()) {
            r.host_name = h;
        }
        Vec::new()
    };
    if delete {
        r.os_disk = String::new();
    }
    let settle = vec![role.name.clone()];
    if let Err(e) = commit(ctx, op, at, d, state, &disks, settle, "capture role").await {
        // The image was registered for this capture only.
        if let Err(undo) = images::delete(ctx, at.subscription, name).await {
            tracing::error!(error = %undo, "cannot undo the image of a failed capture");
        }
        return Err(e);
    }
    Ok(())
}

struct VmImageRequest<'a> {
    os_state: Option<&'a str>,
    name: Option<&'a str>,
    label: Option<&'a str>,
    description: Option<String>,
    language: Option<String>,
    image_family: Option<String>,
    recommended_vm_size: Option<String>,
}

/// Capture Role as VM Image: the OS disk (a generalized one from a stopped VM) and the
/// data disks of the role become the VM image `name`, made by the operation `op`.
async fn capture_vm_image(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    role: &VmRole,
    req: VmImageRequest<'_>,
) -> Result<(), DomainError> {
    let os_state = req.os_state.ok_or_else(|| {
        invalid(
            "OSState",
            "OSState is required (Generalized or Specialized).",
        )
    })?;
    if os_state.eq_ignore_ascii_case("Generalized") {
        check_stopped(role)?;
    }
    let disks = ctx.db.list_disks(at.subscription).await.map_err(db_error)?;
    let find = |n: &str| disks.iter().find(|x| x.name.eq_ignore_ascii_case(n));
    let os = find(&role.os_disk)
        .ok_or_else(|| DomainError::not_found_named(ResourceKind::Disk, &role.os_disk))?;
    let image = VmImageXml {
        name: req.name.map(str::to_string),
        label: req.label.map(str::to_string),
        description: req.description,
        os_disk: Some(azmc_wire::asm::OsDiskConfigurationXml {
            host_caching: Some(role.os_disk_caching.clone()),
            os_state: Some(os_state.to_string()),
            os: Some(role.os.clone()),
            media_link: Some(os.media_link.clone()),
            logical_disk_size_in_gb: u32::try_from(os.size_gb).ok(),
            ..Default::default()
        }),
        data_disks: Some(
            role.data_disks
                .iter()
                .filter_map(|dd| {
                    find(&dd.name).map(|x| azmc_wire::asm::DataDiskConfigurationXml {
                        host_caching: Some(dd.host_caching.clone()),
                        lun: Some(dd.lun),
                        media_link: Some(x.media_link.clone()),
                        logical_disk_size_in_gb: u32::try_from(x.size_gb).ok(),
                        ..Default::default()
                    })
                })
                .collect(),
        ),
        service_name: Some(d.service_name.clone()),
        deployment_name: Some(d.name.clone()),
        role_name: Some(role.name.clone()),
        language: req.language,
        image_family: req.image_family,
        recommended_vm_size: req.recommended_vm_size,
        ..Default::default()
    };
    images::create_vm_image(ctx, op, at.subscription, &image).await
}

/// Get Data Disk.
pub async fn get_data_disk(
    ctx: &Ctx<'_>,
    subscription: &str,
    d: &Deployment,
    role: &str,
    lun: u32,
) -> Result<DataVirtualHardDiskXml, DomainError> {
    let r = get_role(ctx, subscription, d, role).await?;
    r.data_disks
        .unwrap_or_default()
        .into_iter()
        .find(|x| x.lun == Some(lun))
        .ok_or_else(|| DomainError::not_found_named(ResourceKind::DataDisk, &lun.to_string()))
}

/// Add Data Disk: attach an existing data disk, or make a new one (§4 of the IaaS
/// reference), at a free LUN of the role's size.
pub async fn add_data_disk(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    role: &str,
    input: &DataVirtualHardDiskXml,
) -> Result<(), DomainError> {
    let mut state =
        vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, role))?;
    let r = state.role(role)?.clone();
    check_idle(d, Some(&r))?;
    let max = vm_size(&r.size).map_or(1, |s| s.2);
    let place = place(ctx, at, d, &state).await?;
    let (disk_ref, change) = data_disk(ctx, &place, &r, max, input).await?;
    state.role_mut(role)?.data_disks.push(disk_ref);
    commit(
        ctx,
        op,
        at,
        d,
        state,
        &[change],
        Vec::new(),
        "add data disk",
    )
    .await
}

/// Update Data Disk: `HostCaching` and a new `Lun` (if free) change; the disk's name,
/// media link and size, if given, must be the current ones.
pub async fn update_data_disk(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    role: &str,
    lun: u32,
    input: &DataVirtualHardDiskXml,
) -> Result<(), DomainError> {
    let current = get_data_disk(ctx, at.subscription, d, role, lun).await?;
    let mut state = vm_state(d)?;
    let r = state.role(role)?.clone();
    check_idle(d, Some(&r))?;
    let same = |a: &Option<String>, b: &Option<String>| {
        a.is_none()
            || a.as_deref().map(str::to_ascii_lowercase)
                == b.as_deref().map(str::to_ascii_lowercase)
    };
    if !same(&input.disk_name, &current.disk_name)
        || !same(&input.media_link, &current.media_link)
        || input
            .logical_disk_size_in_gb
            .is_some_and(|s| Some(s) != current.logical_disk_size_in_gb)
    {
        return Err(invalid(
            "DataVirtualHardDisk",
            "Update Data Disk changes HostCaching and Lun only: DiskName, MediaLink and LogicalDiskSizeInGB must be the disk's own.",
        ));
    }
    let max = vm_size(&r.size).map_or(1, |s| s.2);
    let new_lun = input.lun.unwrap_or(lun);
    if new_lun != lun {
        if new_lun >= max {
            return Err(invalid(
                "Lun",
                format!("Lun {new_lun} is out of range (MaxDataDiskCount {max})."),
            ));
        }
        if r.data_disks.iter().any(|x| x.lun == new_lun) {
            return Err(DomainError::Conflict(ConflictReason::LunTaken {
                lun: new_lun,
                role: r.name.clone(),
            }));
        }
    }
    let caching = match &input.host_caching {
        Some(c) => Some(check_host_caching(Some(c), "ReadOnly")?),
        None => None,
    };
    let rm = state.role_mut(role)?;
    if let Some(x) = rm.data_disks.iter_mut().find(|x| x.lun == lun) {
        x.lun = new_lun;
        if let Some(c) = caching {
            x.host_caching = c;
        }
    }
    commit(ctx, op, at, d, state, &[], Vec::new(), "update data disk").await
}

/// Delete Data Disk: detached (kept in the repository), or deleted with `media`.
pub async fn delete_data_disk(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    role: &str,
    lun: u32,
    media: bool,
) -> Result<(), DomainError> {
    let mut state =
        vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, role))?;
    let r = state.role(role)?.clone();
    check_idle(d, Some(&r))?;
    let Some(pos) = r.data_disks.iter().position(|x| x.lun == lun) else {
        return Err(DomainError::not_found_named(
            ResourceKind::DataDisk,
            &lun.to_string(),
        ));
    };
    let name = state.role_mut(role)?.data_disks.remove(pos).name;
    let change = if media {
        Disk::Delete(name)
    } else {
        Disk::Detach(name)
    };
    commit(
        ctx,
        op,
        at,
        d,
        state,
        &[change],
        Vec::new(),
        "delete data disk",
    )
    .await
}

/// Update Load-Balanced Endpoint Set: every endpoint of the body (its set name required)
/// replaces the endpoints of that set with that name, on every role; other endpoints stay.
pub async fn update_lb_set(
    ctx: &Ctx<'_>,
    op: &RequestId,
    at: Service<'_>,
    d: &Deployment,
    endpoints: &[InputEndpointXml],
) -> Result<(), DomainError> {
    let mut state = vm_state(d)?;
    check_idle(d, None)?;
    if endpoints.is_empty() {
        return Err(invalid(
            "InputEndpoint",
            "LoadBalancedEndpointList has no InputEndpoint.",
        ));
    }
    for e in endpoints {
        let Some(set) = &e.load_balanced_endpoint_set_name else {
            return Err(invalid(
                "LoadBalancedEndpointSetName",
                format!(
                    "The endpoint {} needs a LoadBalancedEndpointSetName.",
                    e.name
                ),
            ));
        };
        let mut matched = false;
        for role in &mut state.roles {
            let mut model = role.role()?;
            let mut changed = false;
            if let Some(n) = &mut model.network {
                for current in &mut n.input_endpoints {
                    let same_set = current
                        .load_balanced_endpoint_set_name
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(set));
                    if same_set && current.name.eq_ignore_ascii_case(&e.name) {
                        let mut next = e.clone();
                        next.name = current.name.clone();
                        next.port = e.port.or(current.port);
                        next.local_port = e.local_port.or(current.local_port);
                        if next.protocol.is_empty() {
                            next.protocol = current.protocol.clone();
                        }
                        check_endpoint(&next)?;
                        *current = next;
                        changed = true;
                    }
                }
            }
            if changed {
                matched = true;
                role.model = model.to_xml();
            }
        }
        if !matched {
            return Err(invalid(
                "InputEndpoint",
                format!(
                    "No role of the deployment has an endpoint {} in the set {set}.",
                    e.name
                ),
            ));
        }
    }
    check_ports(&all_networks(&state)?)?;
    commit(
        ctx,
        op,
        at,
        d,
        state,
        &[],
        Vec::new(),
        "update load-balanced set",
    )
    .await
}

/// Download RDP File: the remote desktop connection to the role's endpoint for port 3389.
pub fn rdp_file(d: &Deployment, role: &str, dns_suffix: &str) -> Result<String, DomainError> {
    let state = vm_state(d).map_err(|_| DomainError::not_found_named(ResourceKind::Role, role))?;
    let r = state.role(role)?;
    let n = r.network()?;
    let e = n
        .input_endpoints
        .iter()
        .find(|e| e.local_port == Some(3389))
        .ok_or_else(|| {
            invalid(
                "RoleName",
                format!(
                    "Role {} has no remote desktop endpoint (local port 3389).",
                    r.name
                ),
            )
        })?;
    Ok(format!(
        "full address:s:{}.cloudapp.{dns_suffix}:{}\r\nprompt for user name:i:1\r\n",
        d.service_name.to_ascii_lowercase(),
        e.port.unwrap_or(3389)
    ))
}

/// Ends the transitions of the roles named: each transitional role takes its final
/// state (a deleted role goes, its disks detached or deleted). Roles not named, or no
/// longer transitional, are left alone; no roles named: only reports the end (404 if the
/// deployment is gone). Idempotent; retried when another change came first.
#[derive(Debug, Serialize, Deserialize)]
pub struct VmTransition {
    #[serde(flatten)]
    pub deployment: DeploymentRef,
    pub roles: Vec<String>,
    pub what: String,
}

impl JobKind for VmTransition {
    const KIND: &'static str = "VmRoleTransition";
    async fn run(self, state: AppState) -> JobResult {
        let r = &self.deployment;
        for _ in 0..10 {
            let d = match state
                .db
                .get_deployment_by_name(&r.subscription, &r.service, &r.name)
                .await
            {
                Ok(d) => d,
                Err(e) => {
                    return JobResult::of(
                        Err::<(), _>(e),
                        DomainError::not_found(ResourceKind::Deployment),
                    );
                }
            };
            let Ok(Some(mut vm)) = state_of(&d) else {
                return JobResult::ok();
            };
            let mut disks = Vec::new();
            let mut changed = false;
            for name in &self.roles {
                let Some(pos) = vm
                    .roles
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(name))
                else {
                    continue;
                };
                let role = &mut vm.roles[pos];
                match role.state {
                    RoleState::Deleting => {
                        let role = vm.roles.remove(pos);
                        let all = std::iter::once(role.os_disk.clone())
                            .filter(|n| !n.is_empty())
                            .chain(role.data_disks.iter().map(|x| x.name.clone()));
                        for n in all {
                            disks.push(if role.delete_media {
                                Disk::Delete(n)
                            } else {
                                Disk::Detach(n)
                            });
                        }
                        changed = true;
                    }
                    s if s.transitional() => {
                        role.state = s.settled();
                        if role.state == RoleState::Deallocated {
                            let static_ip = role
                                .network()
                                .ok()
                                .and_then(|n| n.static_virtual_network_ip_address);
                            role.ip = static_ip;
                        }
                        changed = true;
                    }
                    _ => {}
                }
            }
            if !changed {
                return JobResult::ok();
            }
            let previous = d.vm_state.clone().unwrap_or_default();
            vm.version += 1;
            let Ok(json) = to_json(&vm) else {
                return JobResult::internal();
            };
            let roles: Vec<(String, u32)> = vm.roles.iter().map(|x| (x.name.clone(), 1)).collect();
            let changes = borrowed(&r.subscription, &disks);
            let now = state.clock.now();
            match state
                .db
                .change_vm_deployment(
                    &VmChange {
                        subscription_id: &r.subscription,
                        service: &d.service_name,
                        deployment: &d.name,
                        previous: &previous,
                        state: &json,
                        roles: &roles,
                        cores: vm.cores(),
                        disks: &changes,
                        job: None,
                    },
                    now,
                )
                .await
            {
                Ok(()) => return JobResult::ok(),
                Err(DbError::Conflict {
                    reason: azmc_db::ConflictReason::Changed,
                    ..
                }) => continue,
                Err(e) => return vm_db_error(&d.name, e).into(),
            }
        }
        JobResult::from(busy(&r.name))
    }
}

/// What Get Deployment shows of a virtual machine deployment.
#[derive(Debug, Clone)]
pub struct VmView {
    pub roles: Vec<RoleXml>,
    pub instances: Vec<azmc_wire::asm::RoleInstanceXml>,
    pub state: VmState,
}

/// The roles and role instances of a virtual machine deployment, as Get Deployment
/// shows them; `None` for the deployment of a package.
pub async fn view(
    ctx: &Ctx<'_>,
    subscription: &str,
    d: &Deployment,
    vip: &str,
) -> Result<Option<VmView>, DomainError> {
    let Some(state) = state_of(d)? else {
        return Ok(None);
    };
    let disks = ctx.db.list_disks(subscription).await.map_err(db_error)?;
    let mut roles = Vec::new();
    let mut instances = Vec::new();
    for r in &state.roles {
        let role = role_view(r, &disks)?;
        let (status, power) = r.state.wire();
        let endpoints = role
            .network
            .as_ref()
            .map(|n| {
                n.input_endpoints
                    .iter()
                    .map(|e| azmc_wire::asm::InstanceEndpointXml {
                        name: e.name.clone(),
                        vip: vip.to_string(),
                        public_port: e.port.unwrap_or_default(),
                        local_port: e.local_port.unwrap_or_default(),
                        protocol: e.protocol.clone(),
                        idle_timeout_in_minutes: Some(e.idle_timeout_in_minutes.unwrap_or(4)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        instances.push(azmc_wire::asm::RoleInstanceXml {
            role_name: r.name.clone(),
            instance_name: r.name.clone(),
            instance_status: status.into(),
            upgrade_domain: 0,
            fault_domain: 0,
            instance_size: r.size.clone(),
            ip_address: r.ip.clone().unwrap_or_default(),
            instance_endpoints: endpoints,
            power_state: power.into(),
            host_name: (r.state == RoleState::Ready).then(|| r.host_name.clone()),
        });
        roles.push(role);
    }
    Ok(Some(VmView {
        roles,
        instances,
        state,
    }))
}

/// The service configuration Get Deployment shows for a virtual machine deployment.
pub fn configuration(roles: &[RoleXml]) -> String {
    let mut cscfg = String::from(
        "<ServiceConfiguration xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration\">",
    );
    for r in roles {
        cscfg.push_str(&format!(
            "<Role name=\"{}\"><Instances count=\"1\" /></Role>",
            azmc_wire::asm::escape(&r.role_name)
        ));
    }
    cscfg.push_str("</ServiceConfiguration>");
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(cscfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_settle_as_the_live_service_showed_them() {
        assert_eq!(
            RoleState::Provisioning.wire(),
            ("RoleStateUnknown", "Starting")
        );
        assert_eq!(
            RoleState::Provisioning.settled().wire(),
            ("ReadyRole", "Started")
        );
        assert_eq!(
            RoleState::Deallocating.settled().wire(),
            ("StoppedDeallocated", "Stopped")
        );
        assert_eq!(
            RoleState::Stopping.settled().wire(),
            ("StoppedVM", "Stopped")
        );
        assert!(!RoleState::Ready.transitional());
    }

    #[test]
    fn addresses_come_from_the_subnet_and_skip_the_taken() {
        let role = |name: &str, ip: Option<&str>, n: NetworkConfigurationSetXml| VmRole {
            name: name.into(),
            model: RoleXml {
                role_name: name.into(),
                network: Some(n),
                ..Default::default()
            }
            .to_xml(),
            size: "Small".into(),
            os: "Linux".into(),
            host_name: name.into(),
            state: RoleState::Provisioning,
            ip: ip.map(str::to_string),
            os_disk: "d".into(),
            os_disk_caching: "ReadWrite".into(),
            data_disks: Vec::new(),
            delete_media: false,
        };
        let in_subnet = |s: &str| NetworkConfigurationSetXml {
            subnet_names: vec![s.into()],
            ..Default::default()
        };
        let mut state = VmState {
            version: 1,
            virtual_network: Some("v".into()),
            dns_servers: Vec::new(),
            reserved_ip: None,
            roles: vec![
                role("a", Some("10.1.0.4"), in_subnet("front")),
                role("b", None, in_subnet("front")),
                role("c", None, in_subnet("back")),
                role(
                    "d",
                    None,
                    NetworkConfigurationSetXml {
                        subnet_names: vec!["back".into()],
                        static_virtual_network_ip_address: Some("10.1.1.50".into()),
                        ..Default::default()
                    },
                ),
            ],
        };
        let subnets = vec![
            ("front".to_string(), "10.1.0.0/24".to_string()),
            ("back".to_string(), "10.1.1.0/24".to_string()),
        ];
        let elsewhere: HashSet<u32> = [parse_ipv4("10.1.0.5").unwrap()].into();
        assign_addresses(&mut state, Some(&subnets), "00", &elsewhere).unwrap();
        let ips: Vec<_> = state.roles.iter().map(|r| r.ip.clone().unwrap()).collect();
        // 10.1.0.5 is another deployment's in the same virtual network.
        assert_eq!(ips, ["10.1.0.4", "10.1.0.6", "10.1.1.4", "10.1.1.50"]);
        // Outside a virtual network: 10.x.y.0/24 from the private id.
        let mut alone = VmState {
            virtual_network: None,
            roles: vec![role("e", None, NetworkConfigurationSetXml::default())],
            ..state
        };
        assign_addresses(&mut alone, None, "0a0b0c", &HashSet::new()).unwrap();
        assert_eq!(alone.roles[0].ip.as_deref(), Some("10.10.11.4"));
    }

    #[test]
    fn ports_are_shared_only_within_a_load_balanced_set() {
        let ep = |name: &str, port: u32, set: Option<&str>| InputEndpointXml {
            name: name.into(),
            port: Some(port),
            local_port: Some(80),
            protocol: "tcp".into(),
            load_balanced_endpoint_set_name: set.map(str::to_string),
            ..Default::default()
        };
        let net = |eps: Vec<InputEndpointXml>| NetworkConfigurationSetXml {
            input_endpoints: eps,
            ..Default::default()
        };
        let shared = vec![
            ("a".to_string(), net(vec![ep("web", 80, Some("lb"))])),
            ("b".to_string(), net(vec![ep("web", 80, Some("LB"))])),
        ];
        check_ports(&shared).unwrap();
        let clash = vec![
            ("a".to_string(), net(vec![ep("ssh", 22, None)])),
            ("b".to_string(), net(vec![ep("ssh", 22, None)])),
        ];
        assert!(check_ports(&clash).is_err());
    }

    #[test]
    fn linux_provisioning_needs_a_password_or_a_key() {
        let mut p = ProvisioningSetXml::new(ProvisioningKind::Linux);
        p.host_name = Some("h".into());
        p.user_name = Some("u".into());
        assert!(check_provisioning(Some(&p), "Linux", "vm").is_err());
        p.password = Some("short".into());
        assert!(check_provisioning(Some(&p), "Linux", "vm").is_err());
        p.password = Some("longer1!".into());
        check_provisioning(Some(&p), "Linux", "vm").unwrap();
        assert!(check_provisioning(Some(&p), "Windows", "vm").is_err());
        assert!(check_provisioning(None, "Linux", "vm").is_err());
    }
}
