//! `azmc vm ...`: classic virtual machine resources; for now the OS images (the platform
//! catalogue and the subscription's own) and the disk repository.

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::{Tabular, print_fields};
use anyhow::Result;
use azmc_client::api::{OsImageInput, OsImageXml};
use azmc_wire::asm as wire;
use clap::{Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum VmCommand {
    /// OS images: the platform catalogue and the subscription's own.
    #[command(subcommand)]
    Image(ImageCommand),
    /// The disk repository: OS and data disks made from VHD blobs.
    #[command(subcommand)]
    Disk(DiskCommand),
}

#[derive(Debug, Subcommand)]
pub enum DiskCommand {
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
    let r = Remote::connect(ctx)?;
    let cmd = match cmd {
        VmCommand::Image(c) => c,
        VmCommand::Disk(c) => return run_disk(&r, c),
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
