//! `azmc vm ...`: classic virtual machines (create, list, show, start, stop, restart,
//! delete; data disks attached and detached), the OS images (the platform catalogue and
//! the subscription's own) and the disk repository.

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::{Tabular, print_fields, print_table};
use anyhow::{Result, bail};
use azmc_client::Submitted;
use azmc_client::api::{
    CreateCloudService, NetworkConfigurationSetXml, OsImageInput, OsImageXml, OsVirtualHardDiskXml,
    PostShutdownAction, ProvisioningKind, ProvisioningSetXml, Slot, SshKeyXml, VmDeploymentInput,
};
use azmc_wire::asm as wire;
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;
use zeroize::Zeroizing;

#[derive(Debug, Subcommand)]
pub enum VmCommand {
    /// Create a virtual machine from an OS image (or an OS disk), with its cloud service.
    #[command(after_help = CREATE_HELP)]
    Create(Box<CreateArgs>),
    /// List the virtual machines of every cloud service (or of one).
    List {
        /// Only the virtual machines of this cloud service.
        #[arg(long)]
        service: Option<String>,
    },
    /// Show a virtual machine with its endpoints and disks.
    Show(VmRef),
    /// Start a stopped virtual machine (waits until it runs, unless --no-wait).
    Start(VmRef),
    /// Shut a virtual machine down (waits until it is stopped, unless --no-wait).
    Stop {
        #[command(flatten)]
        vm: VmRef,
        /// Also deallocate it (StoppedDeallocated): its cores stop counting and it loses
        /// its private address (unless static) until started again.
        #[arg(long)]
        deallocate: bool,
    },
    /// Restart a running virtual machine (waits until it runs again, unless --no-wait).
    Restart(VmRef),
    /// Delete a virtual machine (the last one of a cloud service: its deployment).
    #[command(after_help = DELETE_HELP)]
    Delete {
        #[command(flatten)]
        vm: VmRef,
        /// Also delete its disks (OS and data) and their VHD blobs; without it they stay
        /// in the disk repository (`azmc vm disk list`), detached.
        #[arg(long)]
        delete_disks: bool,
        /// When it is the last virtual machine of its cloud service, delete the cloud
        /// service too (after its deployment is gone, so this waits even with --no-wait).
        #[arg(long)]
        delete_service: bool,
    },
    /// OS images: the platform catalogue and the subscription's own.
    #[command(subcommand)]
    Image(ImageCommand),
    /// The disk repository: OS and data disks made from VHD blobs.
    #[command(subcommand)]
    Disk(DiskCommand),
}

#[derive(Debug, Subcommand)]
pub enum DiskCommand {
    /// Attach a data disk to a virtual machine: an existing disk of the repository
    /// (--disk) or a new empty one (--new-size with --media-link).
    #[command(after_help = ATTACH_HELP)]
    Attach {
        /// The virtual machine's name.
        vm: String,
        /// Its cloud service (default: found by scanning every cloud service).
        #[arg(long)]
        service: Option<String>,
        /// An existing data disk of the repository (see `azmc vm disk list`).
        #[arg(long, value_name = "NAME", required_unless_present = "new_size", conflicts_with_all = ["new_size", "media_link"])]
        disk: Option<String>,
        /// A new empty disk of this size (1 to 1023 GB), at --media-link.
        #[arg(long, value_name = "GB", requires = "media_link", value_parser = clap::value_parser!(u32).range(1..=1023))]
        new_size: Option<u32>,
        /// The URL of the new disk's VHD blob.
        #[arg(long, value_name = "URL", requires = "new_size")]
        media_link: Option<String>,
        /// The LUN (default: the lowest free one).
        #[arg(long, value_name = "N")]
        lun: Option<u32>,
        /// Host caching: None, ReadOnly or ReadWrite (default: the API's, ReadOnly).
        #[arg(long, value_parser = ["None", "ReadOnly", "ReadWrite"])]
        caching: Option<String>,
        /// The new disk's label (default: the server's).
        #[arg(long)]
        label: Option<String>,
    },
    /// Detach the data disk at a LUN from a virtual machine (it stays in the repository
    /// unless --delete-disk).
    Detach {
        /// The virtual machine's name.
        vm: String,
        /// Its cloud service (default: found by scanning every cloud service).
        #[arg(long)]
        service: Option<String>,
        /// The LUN of the disk.
        #[arg(long, value_name = "N")]
        lun: u32,
        /// Also delete the disk and its VHD blob.
        #[arg(long)]
        delete_disk: bool,
    },
    /// List disks.
    List,
    /// Show a disk.
    Show {
        /// The disk's name.
        name: String,
    },
    /// Add a disk from a VHD blob (an OS disk with --os, else a data disk).
    #[command(
        after_help = "Example:\n  azmc vm disk create data1 --media-link https://mystore.blob.core.windows.net/vhds/data1.vhd"
    )]
    Create {
        /// The new disk's name.
        name: String,
        /// The URL of the VHD blob.
        #[arg(long, value_name = "URL")]
        media_link: String,
        /// The operating system on it (an OS disk); without it, a data disk.
        #[arg(long, value_enum)]
        os: Option<Os>,
        /// Label (default: the name).
        #[arg(long)]
        label: Option<String>,
    },
    /// Delete a disk (not while a virtual machine uses it).
    Delete {
        /// The disk's name.
        name: String,
    },
}

#[derive(Debug, Serialize)]
struct DiskJson {
    name: String,
    label: String,
    os: Option<String>,
    location: String,
    size_gb: u32,
    media_link: String,
    attached_to: Option<String>,
}

impl DiskJson {
    fn new(d: &wire::DiskXml) -> Self {
        DiskJson {
            name: d.name.clone(),
            label: d.label.clone(),
            os: d.os.clone(),
            location: d.location.clone(),
            size_gb: d.logical_disk_size_in_gb,
            media_link: d.media_link.clone(),
            attached_to: d.attached_to.as_ref().map(|a| {
                format!(
                    "{}/{}/{}",
                    a.hosted_service_name, a.deployment_name, a.role_name
                )
            }),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Name", self.name.clone()),
            ("Label", self.label.clone()),
            (
                "OS",
                self.os.clone().unwrap_or_else(|| "(data disk)".into()),
            ),
            ("Location", self.location.clone()),
            ("Size (GB)", self.size_gb.to_string()),
            ("Media link", self.media_link.clone()),
            ("Attached to", self.attached_to.clone().unwrap_or_default()),
        ]
    }
}

impl Tabular for DiskJson {
    const HEADER: &'static [&'static str] = &["NAME", "OS", "SIZE (GB)", "LOCATION", "ATTACHED TO"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.os.clone().unwrap_or_default(),
            self.size_gb.to_string(),
            self.location.clone(),
            self.attached_to.clone().unwrap_or_default(),
        ]
    }
}

fn os_name(os: Os) -> &'static str {
    match os {
        Os::Linux => "Linux",
        Os::Windows => "Windows",
    }
}

fn run_disk(r: &Remote<'_>, cmd: DiskCommand) -> Result<()> {
    match cmd {
        DiskCommand::Attach {
            vm,
            service,
            disk,
            new_size,
            media_link,
            lun,
            caching,
            label,
        } => {
            let found = locate(r, &vm, service.as_deref())?;
            let role = found.role();
            let lun = match lun {
                Some(l) => l,
                None => free_lun(role.data_disks.as_deref().unwrap_or_default()),
            };
            let input = wire::DataVirtualHardDiskXml {
                host_caching: caching,
                disk_label: label,
                disk_name: disk,
                lun: Some(lun),
                logical_disk_size_in_gb: new_size,
                media_link,
                ..Default::default()
            };
            let done = r.run(r.client.add_data_disk(
                &found.service,
                &found.deployment.name,
                &role.role_name,
                &input,
            ))?;
            r.finish(
                done,
                &format!("data disk attached to {} at LUN {lun}", role.role_name),
            )
        }
        DiskCommand::Detach {
            vm,
            service,
            lun,
            delete_disk,
        } => {
            let found = locate(r, &vm, service.as_deref())?;
            let role = found.role();
            let done = r.run(r.client.delete_data_disk(
                &found.service,
                &found.deployment.name,
                &role.role_name,
                lun,
                delete_disk,
            ))?;
            let what = if delete_disk {
                "detached and deleted"
            } else {
                "detached"
            };
            r.finish(
                done,
                &format!("data disk at LUN {lun} of {} {what}", role.role_name),
            )
        }
        DiskCommand::List => r.list(r.client.list_disks(), DiskJson::new, wire::disks_to_xml),
        DiskCommand::Show { name } => {
            r.show(r.client.disk(&name), DiskJson::new, DiskJson::fields, |d| {
                d.to_xml()
            })
        }
        DiskCommand::Create {
            name,
            media_link,
            os,
            label,
        } => {
            let input = wire::DiskInput {
                has_operating_system: Some(os.is_some().to_string()),
                os: Some(os.map(os_name).unwrap_or_default().to_string()),
                label: Some(label.unwrap_or_else(|| name.clone())),
                media_link: Some(media_link),
                name: Some(name),
                resized_size_in_gb: None,
            };
            let d = r.run(r.client.add_disk(&input))?;
            let j = DiskJson::new(&d);
            r.emit(&j, || print_fields(&j.fields()), || d.to_xml())
        }
        DiskCommand::Delete { name } => {
            let done = r.run(r.client.delete_disk(&name))?;
            r.finish(done, &format!("disk {name} deleted"))
        }
    }
}

/// Which images `vm image list` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Category {
    /// The platform catalogue.
    Public,
    /// The subscription's own images.
    User,
}

/// An operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Os {
    Linux,
    Windows,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// List OS images.
    List {
        /// Only the platform catalogue (public) or only the subscription's (user).
        #[arg(long, value_enum)]
        category: Option<Category>,
    },
    /// Show an OS image.
    Show {
        /// The image's name.
        name: String,
    },
    /// Add an OS image from a generalized VHD.
    #[command(
        after_help = "Example:\n  azmc vm image create mycentos --os linux --media-link https://mystore.blob.core.windows.net/vhds/centos.vhd"
    )]
    Create {
        /// The new image's name.
        name: String,
        /// The URL of the VHD blob.
        #[arg(long, value_name = "URL")]
        media_link: String,
        /// Its operating system.
        #[arg(long, value_enum)]
        os: Os,
        /// Label (default: the name).
        #[arg(long)]
        label: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete one of the subscription's OS images.
    Delete {
        /// The image's name.
        name: String,
    },
}

#[derive(Debug, Serialize)]
struct ImageJson {
    name: String,
    label: String,
    category: String,
    os: String,
    location: String,
    size_gb: u32,
    media_link: Option<String>,
    publisher: Option<String>,
    family: Option<String>,
    description: Option<String>,
}

impl ImageJson {
    fn new(i: &OsImageXml) -> Self {
        ImageJson {
            name: i.name.clone(),
            label: i.label.clone(),
            category: i.category.clone(),
            os: i.os.clone(),
            location: i.location.clone(),
            size_gb: i.logical_size_in_gb,
            media_link: i.media_link.clone(),
            publisher: i.publisher_name.clone(),
            family: i.image_family.clone(),
            description: i.description.clone(),
        }
    }
}

impl Tabular for ImageJson {
    const HEADER: &'static [&'static str] = &["NAME", "CATEGORY", "OS", "PUBLISHER"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.category.clone(),
            self.os.clone(),
            self.publisher.clone().unwrap_or_default(),
        ]
    }
}

pub fn run(ctx: &Ctx, cmd: VmCommand) -> Result<()> {
    // Local input first: a missing password file fails before any network traffic.
    let local = match &cmd {
        VmCommand::Create(a) => {
            check_vm_name(&a.name)?;
            super::client_ctx::check_locally(
                azmc_server::domain::cloud_services::check_service_name(&a.service),
            )?;
            if azmc_server::domain::vms::vm_size(&a.size).is_none() {
                return crate::usage(format!(
                    "--size {:?} is not a virtual machine size: one of {}",
                    a.size,
                    azmc_server::domain::vms::ROLE_SIZES
                        .iter()
                        .map(|s| s.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            a.password_file
                .as_deref()
                .map(crate::secrets::read_secret_file)
                .transpose()?
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    let cmd = match cmd {
        VmCommand::Image(c) => c,
        VmCommand::Disk(c) => return run_disk(&r, c),
        other => return run_vm(&r, other, local),
    };
    match cmd {
        ImageCommand::List { category } => {
            let wanted = category.map(|c| match c {
                Category::Public => "Public",
                Category::User => "User",
            });
            r.list(
                async {
                    let all = r.client.list_os_images().await?;
                    Ok::<_, azmc_client::ClientError>(
                        all.into_iter()
                            .filter(|i| wanted.is_none_or(|w| i.category == w))
                            .collect::<Vec<_>>(),
                    )
                },
                ImageJson::new,
                wire::os_images_to_xml,
            )
        }
        ImageCommand::Show { name } => r.show(
            r.client.os_image(&name),
            ImageJson::new,
            |j| {
                vec![
                    ("Name", j.name.clone()),
                    ("Label", j.label.clone()),
                    ("Category", j.category.clone()),
                    ("OS", j.os.clone()),
                    ("Location", j.location.clone()),
                    ("Size (GB)", j.size_gb.to_string()),
                    ("Media link", j.media_link.clone().unwrap_or_default()),
                    ("Publisher", j.publisher.clone().unwrap_or_default()),
                    ("Family", j.family.clone().unwrap_or_default()),
                    ("Description", j.description.clone().unwrap_or_default()),
                ]
            },
            |i| i.to_xml(),
        ),
        ImageCommand::Create {
            name,
            media_link,
            os,
            label,
            description,
        } => {
            let input = OsImageInput {
                label: Some(label.unwrap_or_else(|| name.clone())),
                description,
                media_link: Some(media_link),
                name: Some(name),
                os: Some(os_name(os).into()),
                ..OsImageInput::default()
            };
            let (image, _) = r.run(r.client.add_os_image(&input))?;
            let j = ImageJson::new(&image);
            r.emit(
                &j,
                || {
                    print_fields(&[
                        ("Name", j.name.clone()),
                        ("OS", j.os.clone()),
                        ("Location", j.location.clone()),
                    ])
                },
                || image.to_xml(),
            )
        }
        ImageCommand::Delete { name } => {
            let done = r.run(r.client.delete_os_image(&name))?;
            r.finish(done, &format!("OS image {name} deleted"))
        }
    }
}

const CREATE_HELP: &str = "\
The cloud service --service is created first if it does not exist (give --location or
--affinity-group then; they are ignored when it exists). The virtual machine goes into the
service's production deployment, which is created (named after the service) for the first
virtual machine; later ones are added to it.

Linux or Windows provisioning follows the image's operating system: the host (computer)
name is the virtual machine's name (its first 15 characters on Windows), the administrator
is --user. The password is read from --password-file (its first line; `-` reads standard
input) or asked for on the terminal; it is never taken on the command line, never printed
or logged. A Linux virtual machine given --ssh-key and no --password-file gets no password
(SSH password logins disabled); the key is the thumbprint of a certificate of the cloud
service (`azmc service cert add`), installed as ~USER/.ssh/authorized_keys.

The OS disk is made at --media-link; without it, at
https://ACCOUNT.blob.SUFFIX/vhds/SERVICE-NAME.vhd in the first storage account of the
subscription in the cloud service's location (else the first one at all).

No endpoint is opened unless given: --endpoint NAME:PROTOCOL:PUBLIC:LOCAL (tcp or udp),
e.g. --endpoint ssh:tcp:22:22 --endpoint web:tcp:80:8080.

Examples:
  azmc vm create web1 --service mysvc --location \"West US\" \\
      --image b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB \\
      --password-file pw.txt --endpoint ssh:tcp:22:22
  azmc vm create app2 --service mysvc --image MyWindowsImage --size Medium --password-file -";

const DELETE_HELP: &str = "\
The last virtual machine of a cloud service is deleted with its deployment (Delete
Deployment); the cloud service itself stays unless --delete-service. Without
--delete-disks the disks stay in the repository, detached, and can be attached again or
deleted with `azmc vm disk delete`.

Example:
  azmc vm delete web1 --delete-disks --delete-service";

const ATTACH_HELP: &str = "\
Examples:
  azmc vm disk attach web1 --new-size 10 --media-link https://mystore.blob.core.windows.net/vhds/web1-data.vhd
  azmc vm disk attach web1 --disk spare --lun 1 --caching ReadOnly";

/// A virtual machine, by name, with its cloud service if known.
#[derive(Debug, Clone, clap::Args)]
pub struct VmRef {
    /// The virtual machine's name.
    pub name: String,
    /// Its cloud service (default: found by scanning every cloud service).
    #[arg(long)]
    pub service: Option<String>,
}

/// `vm create`.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    /// The virtual machine's name (also its host name).
    pub name: String,
    /// The cloud service to put it in (created if it does not exist).
    #[arg(long)]
    pub service: String,
    /// The OS image to make it from (see `azmc vm image list`).
    #[arg(long, required_unless_present = "os_disk", conflicts_with = "os_disk")]
    pub image: Option<String>,
    /// Boot an existing OS disk of the repository instead of an image (no provisioning:
    /// no user or password).
    #[arg(long, value_name = "DISK")]
    pub os_disk: Option<String>,
    /// The size (Small, Medium, Large, ExtraLarge, A5…, Standard_D1…).
    #[arg(long, default_value = "Small")]
    pub size: String,
    /// The location of the cloud service, when it is created.
    #[arg(long, short = 'l', conflicts_with = "affinity_group")]
    pub location: Option<String>,
    /// The affinity group of the cloud service, when it is created.
    #[arg(long)]
    pub affinity_group: Option<String>,
    /// The administrator's user name.
    #[arg(long, default_value = "azureuser")]
    pub user: String,
    /// Read the administrator's password from the first line of FILE (`-`: standard
    /// input); without it (and without --ssh-key), it is asked for on the terminal.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Linux: an SSH public key, by the thumbprint of a certificate of the cloud service
    /// (repeatable).
    #[arg(long, value_name = "THUMBPRINT")]
    pub ssh_key: Vec<String>,
    /// The URL of the OS disk's VHD blob (default: see below).
    #[arg(long, value_name = "URL")]
    pub media_link: Option<String>,
    /// The virtual network of the deployment (with --subnet).
    #[arg(long, requires = "subnet")]
    pub vnet: Option<String>,
    /// The subnet of the virtual network to put it in.
    #[arg(long, requires = "vnet")]
    pub subnet: Option<String>,
    /// An input endpoint NAME:PROTOCOL:PUBLIC_PORT:LOCAL_PORT (repeatable).
    #[arg(long, value_name = "NAME:tcp|udp:PUBLIC:LOCAL", value_parser = parse_endpoint)]
    pub endpoint: Vec<wire::InputEndpointXml>,
}

/// `NAME:PROTOCOL:PUBLIC:LOCAL` as an input endpoint.
fn parse_endpoint(s: &str) -> std::result::Result<wire::InputEndpointXml, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [name, protocol, public, local] = parts[..] else {
        return Err(format!(
            "{s:?}: give NAME:PROTOCOL:PUBLIC_PORT:LOCAL_PORT, e.g. ssh:tcp:22:22"
        ));
    };
    if name.is_empty() {
        return Err(format!("{s:?}: the endpoint needs a name"));
    }
    let protocol = protocol.to_ascii_lowercase();
    if protocol != "tcp" && protocol != "udp" {
        return Err(format!("{s:?}: the protocol is tcp or udp"));
    }
    let port = |p: &str| -> std::result::Result<u32, String> {
        match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => Ok(n),
            _ => Err(format!("{s:?}: {p:?} is not a port from 1 to 65535")),
        }
    };
    Ok(wire::InputEndpointXml {
        name: name.to_string(),
        protocol,
        port: Some(port(public)?),
        local_port: Some(port(local)?),
        ..Default::default()
    })
}

/// The server's rule for role names, checked before any request.
fn check_vm_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        crate::usage(format!(
            "virtual machine name {name:?} is invalid: use 1 to 64 letters, digits, hyphens, underscores and dots"
        ))
    }
}

/// The lowest LUN no data disk uses.
fn free_lun(disks: &[wire::DataVirtualHardDiskXml]) -> u32 {
    (0..)
        .find(|l| !disks.iter().any(|d| d.lun == Some(*l)))
        .unwrap_or(0)
}

/// The host name of a URL (`http://svc.cloudapp.net/` → `svc.cloudapp.net`).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A virtual machine found in the production deployment of its cloud service.
struct Found {
    service: String,
    deployment: wire::DeploymentXml,
    index: usize,
}

impl Found {
    fn role(&self) -> &wire::RoleXml {
        &self.deployment.vm_roles[self.index]
    }
}

/// The production deployment of a cloud service if it holds virtual machines.
async fn vm_deployment(
    client: &azmc_client::Client,
    service: &str,
) -> std::result::Result<Option<wire::DeploymentXml>, azmc_client::ClientError> {
    match client.deployment(service, Slot::Production).await {
        Ok(d) if !d.vm_roles.is_empty() => Ok(Some(d)),
        Ok(_) => Ok(None),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every VM deployment: of `service` alone (its absence is the server's 404), or of every
/// cloud service (services without one are skipped).
fn scan(r: &Remote<'_>, service: Option<&str>) -> Result<Vec<(String, wire::DeploymentXml)>> {
    r.run(async {
        let names = match service {
            Some(s) => {
                // A missing service is an error (404), not an empty list.
                r.client.cloud_service(s).await?;
                vec![s.to_string()]
            }
            None => r
                .client
                .list_cloud_services()
                .await?
                .into_iter()
                .map(|s| s.service_name)
                .collect(),
        };
        let mut out = Vec::new();
        for name in names {
            if let Some(d) = vm_deployment(&r.client, &name).await? {
                out.push((name, d));
            }
        }
        Ok(out)
    })
}

/// Find a virtual machine by name (in `service`, or in whichever cloud service has it).
fn locate(r: &Remote<'_>, name: &str, service: Option<&str>) -> Result<Found> {
    let mut hits = Vec::new();
    for (svc, d) in scan(r, service)? {
        if let Some(i) = d
            .vm_roles
            .iter()
            .position(|role| role.role_name.eq_ignore_ascii_case(name))
        {
            hits.push(Found {
                service: svc,
                deployment: d,
                index: i,
            });
        }
    }
    match hits.len() {
        0 => match service {
            Some(s) => bail!("no virtual machine {name} in cloud service {s}"),
            None => bail!("no virtual machine {name} in any cloud service"),
        },
        1 => Ok(hits.remove(0)),
        _ => crate::usage(format!(
            "there are virtual machines named {name} in cloud services {}: give --service",
            hits.iter()
                .map(|h| h.service.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[derive(Debug, Serialize)]
struct EndpointJson {
    name: String,
    protocol: String,
    public_port: Option<u32>,
    local_port: Option<u32>,
    vip: Option<String>,
}

#[derive(Debug, Serialize)]
struct DataDiskJson {
    lun: Option<u32>,
    name: Option<String>,
    label: Option<String>,
    size_gb: Option<u32>,
    caching: Option<String>,
    media_link: Option<String>,
}

#[derive(Debug, Serialize)]
struct OsDiskJson {
    name: Option<String>,
    os: Option<String>,
    image: Option<String>,
    caching: Option<String>,
    media_link: Option<String>,
}

/// A virtual machine as `vm list` and `vm show` give it.
#[derive(Debug, Serialize)]
struct VmJson {
    name: String,
    service: String,
    deployment: String,
    /// `InstanceStatus`: ReadyRole, StoppedVM, StoppedDeallocated, …
    status: String,
    /// Started, Stopped, Starting, Stopping.
    power_state: String,
    size: String,
    os: Option<String>,
    ip_address: Option<String>,
    host_name: Option<String>,
    dns_name: String,
    vip: Option<String>,
    virtual_network: Option<String>,
    subnets: Vec<String>,
    endpoints: Vec<EndpointJson>,
    os_disk: OsDiskJson,
    data_disks: Vec<DataDiskJson>,
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.is_empty())
}

impl VmJson {
    fn new(service: &str, d: &wire::DeploymentXml, role: &wire::RoleXml) -> Self {
        let instance = d
            .role_instances
            .iter()
            .find(|i| i.role_name.eq_ignore_ascii_case(&role.role_name));
        let network = role.network.clone().unwrap_or_default();
        let os = role.os_disk.clone().unwrap_or_default();
        VmJson {
            name: role.role_name.clone(),
            service: service.to_string(),
            deployment: d.name.clone(),
            status: instance
                .map(|i| i.instance_status.clone())
                .unwrap_or_default(),
            power_state: instance.map(|i| i.power_state.clone()).unwrap_or_default(),
            size: role
                .role_size
                .clone()
                .or_else(|| instance.map(|i| i.instance_size.clone()))
                .unwrap_or_default(),
            os: os.os.clone(),
            ip_address: instance.and_then(|i| some(&i.ip_address)),
            host_name: instance.and_then(|i| i.host_name.clone()),
            dns_name: host_of(&d.url),
            vip: d.virtual_ips.first().map(|v| v.address.clone()),
            virtual_network: d.virtual_network_name.clone(),
            subnets: network.subnet_names.clone(),
            endpoints: network
                .input_endpoints
                .iter()
                .map(|e| EndpointJson {
                    name: e.name.clone(),
                    protocol: e.protocol.clone(),
                    public_port: e.port,
                    local_port: e.local_port,
                    vip: e
                        .vip
                        .clone()
                        .or_else(|| d.virtual_ips.first().map(|v| v.address.clone())),
                })
                .collect(),
            os_disk: OsDiskJson {
                name: os.disk_name,
                os: os.os,
                image: os.source_image_name,
                caching: os.host_caching,
                media_link: os.media_link,
            },
            data_disks: role
                .data_disks
                .iter()
                .flatten()
                .map(|x| DataDiskJson {
                    lun: x.lun,
                    name: x.disk_name.clone(),
                    label: x.disk_label.clone(),
                    size_gb: x.logical_disk_size_in_gb,
                    caching: x.host_caching.clone(),
                    media_link: x.media_link.clone(),
                })
                .collect(),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            ("Name", self.name.clone()),
            ("Cloud service", self.service.clone()),
            ("Deployment", self.deployment.clone()),
            ("Status", self.status.clone()),
            ("Power state", self.power_state.clone()),
            ("Size", self.size.clone()),
            ("OS", o(&self.os)),
            ("Image", o(&self.os_disk.image)),
            ("IP address", o(&self.ip_address)),
            ("Host name", o(&self.host_name)),
            ("DNS name", self.dns_name.clone()),
            ("VIP", o(&self.vip)),
            ("Virtual network", o(&self.virtual_network)),
            ("Subnets", self.subnets.join(", ")),
            ("OS disk", o(&self.os_disk.name)),
            ("OS disk media link", o(&self.os_disk.media_link)),
        ]
    }

    /// `show` as a table: the fields, then the endpoints and the data disks.
    fn print(&self) {
        print_fields(&self.fields());
        let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        if !self.endpoints.is_empty() {
            println!();
            print_table(
                &["ENDPOINT", "PROTOCOL", "PUBLIC PORT", "LOCAL PORT", "VIP"],
                &self
                    .endpoints
                    .iter()
                    .map(|e| {
                        vec![
                            e.name.clone(),
                            e.protocol.clone(),
                            n(e.public_port),
                            n(e.local_port),
                            o(&e.vip),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
        }
        if !self.data_disks.is_empty() {
            println!();
            print_table(
                &["LUN", "DATA DISK", "SIZE (GB)", "CACHING", "MEDIA LINK"],
                &self
                    .data_disks
                    .iter()
                    .map(|x| {
                        vec![
                            n(x.lun),
                            o(&x.name),
                            n(x.size_gb),
                            o(&x.caching),
                            o(&x.media_link),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
        }
    }
}

impl Tabular for VmJson {
    const HEADER: &'static [&'static str] = &[
        "NAME",
        "SERVICE",
        "STATUS",
        "POWER STATE",
        "SIZE",
        "IP",
        "DNS NAME",
    ];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.service.clone(),
            self.status.clone(),
            self.power_state.clone(),
            self.size.clone(),
            self.ip_address.clone().unwrap_or_default(),
            self.dns_name.clone(),
        ]
    }
}

/// The Get Deployment answers of the deployments `vm list` scanned, in one document.
fn deployments_xml(all: &[(String, wire::DeploymentXml)]) -> String {
    let mut out = String::from(
        "<Deployments xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">",
    );
    for (_, d) in all {
        out.push_str(&d.to_xml());
    }
    out.push_str("</Deployments>");
    out
}

fn run_vm(r: &Remote<'_>, cmd: VmCommand, password: Option<Zeroizing<String>>) -> Result<()> {
    match cmd {
        VmCommand::Create(a) => create(r, *a, password),
        VmCommand::List { service } => {
            let all = scan(r, service.as_deref())?;
            let mut vms: Vec<VmJson> = all
                .iter()
                .flat_map(|(svc, d)| d.vm_roles.iter().map(move |role| VmJson::new(svc, d, role)))
                .collect();
            vms.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
            r.emit_list(&vms, || deployments_xml(&all))
        }
        VmCommand::Show(v) => {
            let found = locate(r, &v.name, v.service.as_deref())?;
            let j = VmJson::new(&found.service, &found.deployment, found.role());
            r.emit(&j, || j.print(), || found.role().to_xml())
        }
        VmCommand::Start(v) => {
            let f = locate(r, &v.name, v.service.as_deref())?;
            let name = &f.role().role_name;
            let done = r.run(r.client.start_role(&f.service, &f.deployment.name, name))?;
            r.finish(done, &format!("virtual machine {name} started"))
        }
        VmCommand::Stop { vm, deallocate } => {
            let f = locate(r, &vm.name, vm.service.as_deref())?;
            let name = &f.role().role_name;
            let action = if deallocate {
                PostShutdownAction::Deallocated
            } else {
                PostShutdownAction::Stopped
            };
            let done =
                r.run(
                    r.client
                        .shutdown_role(&f.service, &f.deployment.name, name, action),
                )?;
            let what = if deallocate {
                "stopped (deallocated)"
            } else {
                "stopped"
            };
            r.finish(done, &format!("virtual machine {name} {what}"))
        }
        VmCommand::Restart(v) => {
            let f = locate(r, &v.name, v.service.as_deref())?;
            let name = &f.role().role_name;
            let done = r.run(r.client.restart_role(&f.service, &f.deployment.name, name))?;
            r.finish(done, &format!("virtual machine {name} restarted"))
        }
        VmCommand::Delete {
            vm,
            delete_disks,
            delete_service,
        } => {
            let f = locate(r, &vm.name, vm.service.as_deref())?;
            let name = &f.role().role_name;
            let (svc, dep) = (&f.service, &f.deployment.name);
            let what = if delete_disks {
                format!("virtual machine {name} deleted with its disks")
            } else {
                format!("virtual machine {name} deleted")
            };
            if f.deployment.vm_roles.len() > 1 {
                let done = r.run(r.client.delete_role(svc, dep, name, delete_disks))?;
                return r.finish(done, &what);
            }
            // The last one: the deployment goes, and the service if asked.
            let done = r.run(r.client.delete_deployment_by_name(svc, dep, delete_disks))?;
            if !delete_service {
                return r.finish(done, &format!("{what} (and its deployment {dep})"));
            }
            if let Submitted::Accepted { request_id } = &done {
                r.wait(request_id)?;
            }
            let done = r.run(r.client.delete_cloud_service(svc))?;
            r.finish(
                done,
                &format!("{what} (and its deployment {dep} and cloud service {svc})"),
            )
        }
        VmCommand::Image(_) | VmCommand::Disk(_) => unreachable!("dispatched by run"),
    }
}

/// `https://ACCOUNT.blob.SUFFIX/vhds/SERVICE-NAME.vhd` in the first storage account of
/// `location` (else the first at all).
fn default_media_link(
    r: &Remote<'_>,
    location: Option<&str>,
    service: &str,
    name: &str,
) -> Result<String> {
    let accounts = r.run(r.client.list_storage_accounts())?;
    let blob = |a: &azmc_client::api::StorageServiceXml| {
        a.endpoints
            .iter()
            .find(|e| e.contains(".blob."))
            .map(|e| e.trim_end_matches('/').to_string())
    };
    let in_place = accounts
        .iter()
        .filter(|a| location.is_some_and(|l| a.location.as_deref() == Some(l)))
        .find_map(blob);
    match in_place.or_else(|| accounts.iter().find_map(blob)) {
        Some(endpoint) => Ok(format!("{endpoint}/vhds/{service}-{name}.vhd")),
        None => crate::usage(
            "the subscription has no storage account for the OS disk: give --media-link URL or create one (`azmc storage account create`)",
        ),
    }
}

fn create(r: &Remote<'_>, a: CreateArgs, password: Option<Zeroizing<String>>) -> Result<()> {
    // The image (its OS decides the provisioning) or the OS disk.
    let (os, image) = match (&a.image, &a.os_disk) {
        (Some(i), _) => {
            let image = r.run(r.client.os_image(i))?;
            (image.os.clone(), Some(image.name))
        }
        (None, Some(d)) => {
            let disk = r.run(r.client.disk(d))?;
            let Some(os) = disk.os.filter(|o| !o.is_empty()) else {
                return crate::usage(format!(
                    "disk {d} is a data disk: --os-disk needs an OS disk"
                ));
            };
            (os, None)
        }
        (None, None) => unreachable!("clap requires --image or --os-disk"),
    };
    let windows = os.eq_ignore_ascii_case("windows");
    if windows && !a.ssh_key.is_empty() {
        return crate::usage("--ssh-key is for Linux images; this image runs Windows");
    }
    if image.is_none() && (password.is_some() || !a.ssh_key.is_empty()) {
        return crate::usage(
            "an existing OS disk is not provisioned: --password-file and --ssh-key are for --image",
        );
    }
    // Read everything first; change nothing until the whole request is known.
    let service = match r.run(r.client.cloud_service(&a.service)) {
        Ok(s) => Some(s),
        Err(e) if e.is_not_found() => {
            if a.location.is_none() && a.affinity_group.is_none() {
                return crate::usage(format!(
                    "cloud service {} does not exist: give --location or --affinity-group to create it",
                    a.service
                ));
            }
            None
        }
        Err(e) => return Err(e.into()),
    };
    let location = match &service {
        Some(s) => s.location.clone(),
        None => a.location.clone(),
    };
    let existing = match &service {
        None => None,
        Some(_) => r.run(async {
            match r.client.deployment(&a.service, Slot::Production).await {
                Ok(d) => Ok(Some(d)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })?,
    };
    if let Some(d) = &existing
        && d.vm_roles.is_empty()
    {
        return crate::usage(format!(
            "cloud service {} has a deployment of web or worker roles in production: give the virtual machine a cloud service of its own",
            a.service
        ));
    }
    if let (Some(d), Some(v)) = (&existing, &a.vnet)
        && !d
            .virtual_network_name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(v))
    {
        return crate::usage(format!(
            "the virtual machines of cloud service {} are not in virtual network {v}: a cloud service's virtual machines share one",
            a.service
        ));
    }
    let provisioning = match &image {
        None => None,
        Some(_) => {
            let kind = if windows {
                ProvisioningKind::Windows
            } else {
                ProvisioningKind::Linux
            };
            let password = match password {
                Some(p) => Some(p),
                None if windows || a.ssh_key.is_empty() => Some(crate::secrets::prompt_secret(
                    &format!("Password for {} on {}", a.user, a.name),
                    true,
                )?),
                None => None,
            };
            let mut p = ProvisioningSetXml::new(kind);
            p.host_name = Some(if windows {
                a.name.chars().take(15).collect()
            } else {
                a.name.clone()
            });
            p.user_name = Some(a.user.clone());
            p.password = password.as_ref().map(|p| p.to_string());
            if !windows {
                p.disable_ssh_password_authentication = Some(password.is_none());
                p.ssh_public_keys = a
                    .ssh_key
                    .iter()
                    .map(|t| SshKeyXml {
                        fingerprint: t.to_ascii_uppercase(),
                        path: format!("/home/{}/.ssh/authorized_keys", a.user),
                    })
                    .collect();
            }
            Some(p)
        }
    };
    let os_disk = match &image {
        Some(img) => {
            let media_link = match &a.media_link {
                Some(m) => m.clone(),
                None => default_media_link(r, location.as_deref(), &a.service, &a.name)?,
            };
            OsVirtualHardDiskXml {
                media_link: Some(media_link),
                source_image_name: Some(img.clone()),
                ..Default::default()
            }
        }
        None => OsVirtualHardDiskXml {
            disk_name: a.os_disk.clone(),
            ..Default::default()
        },
    };
    if service.is_none() {
        let done = r.run(r.client.create_cloud_service(&CreateCloudService {
            name: a.service.clone(),
            label: None,
            description: None,
            location: a.location.clone(),
            affinity_group: a.affinity_group.clone(),
        }))?;
        if let Submitted::Accepted { request_id } = &done {
            r.wait(request_id)?;
        }
        if !r.ctx.global.quiet {
            eprintln!("azmc: cloud service {} created", a.service);
        }
    }
    let role = wire::RoleXml {
        role_name: a.name.clone(),
        role_type: Some("PersistentVMRole".into()),
        network: Some(NetworkConfigurationSetXml {
            input_endpoints: a.endpoint.clone(),
            subnet_names: a.subnet.iter().cloned().collect(),
            ..Default::default()
        }),
        provisioning,
        os_disk: Some(os_disk),
        role_size: azmc_server::domain::vms::vm_size(&a.size).map(|s| s.0.to_string()),
        provision_guest_agent: Some(true),
        ..Default::default()
    };
    let (done, what) = match &existing {
        Some(d) => (
            r.run(r.client.add_role(&a.service, &d.name, &role))?,
            format!(
                "virtual machine {} created in {} (deployment {})",
                a.name, a.service, d.name
            ),
        ),
        None => {
            let input = VmDeploymentInput {
                name: Some(a.service.clone()),
                deployment_slot: Some("Production".into()),
                label: Some(a.service.clone()),
                roles: vec![role],
                virtual_network_name: a.vnet.clone(),
                ..Default::default()
            };
            (
                r.run(r.client.create_vm_deployment(&a.service, &input))?,
                format!(
                    "virtual machine {} created in {} (new deployment {})",
                    a.name, a.service, a.service
                ),
            )
        }
    };
    r.finish(done, &what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        cmd: VmCommand,
    }

    fn parse(args: &[&str]) -> std::result::Result<VmCommand, clap::Error> {
        T::try_parse_from([&["t"], args].concat()).map(|t| t.cmd)
    }

    #[test]
    fn endpoints_are_name_protocol_public_local() {
        let e = parse_endpoint("ssh:TCP:2222:22").unwrap();
        assert_eq!(
            (e.name.as_str(), e.protocol.as_str(), e.port, e.local_port),
            ("ssh", "tcp", Some(2222), Some(22))
        );
        for bad in [
            "ssh:tcp:22",
            ":tcp:1:2",
            "x:icmp:1:2",
            "x:tcp:0:2",
            "x:tcp:1:70000",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn create_needs_an_image_or_a_disk_and_takes_no_password() {
        let Ok(VmCommand::Create(a)) =
            parse(&["create", "vm1", "--service", "s", "--image", "img"])
        else {
            panic!("create did not parse");
        };
        assert_eq!((a.size.as_str(), a.user.as_str()), ("Small", "azureuser"));
        assert!(a.password_file.is_none() && a.endpoint.is_empty());
        let bad: [&[&str]; 4] = [
            &[],
            &["--image", "i", "--os-disk", "d"],
            &["--image", "i", "--password", "p"],
            &["--image", "i", "--vnet", "v"],
        ];
        for rest in bad {
            let args = [&["create", "vm1", "--service", "s"][..], rest].concat();
            assert!(parse(&args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn attach_takes_a_disk_or_a_new_size_with_a_media_link() {
        assert!(parse(&["disk", "attach", "vm1", "--disk", "d"]).is_ok());
        assert!(
            parse(&[
                "disk",
                "attach",
                "vm1",
                "--new-size",
                "10",
                "--media-link",
                "u"
            ])
            .is_ok()
        );
        assert!(parse(&["disk", "attach", "vm1"]).is_err());
        assert!(parse(&["disk", "attach", "vm1", "--new-size", "10"]).is_err());
        assert!(parse(&["disk", "attach", "vm1", "--disk", "d", "--new-size", "1"]).is_err());
        assert!(
            parse(&[
                "disk",
                "attach",
                "vm1",
                "--new-size",
                "2000",
                "--media-link",
                "u"
            ])
            .is_err()
        );
        assert!(parse(&["disk", "attach", "vm1", "--disk", "d", "--caching", "Bad"]).is_err());
        assert!(parse(&["disk", "detach", "vm1"]).is_err());
    }

    #[test]
    fn helpers() {
        let d = |l| wire::DataVirtualHardDiskXml {
            lun: Some(l),
            ..Default::default()
        };
        assert_eq!(free_lun(&[]), 0);
        assert_eq!(free_lun(&[d(0), d(2)]), 1);
        assert_eq!(host_of("http://svc.cloudapp.net/"), "svc.cloudapp.net");
        assert_eq!(host_of("https://h:443/x"), "h");
        assert!(check_vm_name("web-1.a_b").is_ok());
        assert!(check_vm_name("bad name").is_err());
        assert!(check_vm_name("").is_err());
    }
}
