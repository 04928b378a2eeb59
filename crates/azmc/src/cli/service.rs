//! `azmc service ...`: cloud services, their deployments and service certificates.

use super::client_ctx::{DeletedJson, PlacedJson, PlacementArgs, Remote, label};
use super::{Ctx, read_input};
use crate::output::{Tabular, print_fields, print_table};
use anyhow::{Context, Result};
use azmc_client::api::{
    CreateCloudService, CreateDeployment, DeploymentXml, HostedServiceXml, Slot,
};
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// List cloud services (with --deleted: the deleted ones that can be restored).
    List {
        /// List the deleted cloud services that can still be restored, with until when.
        #[arg(long)]
        deleted: bool,
    },
    /// Show a cloud service with its deployments.
    Show {
        /// The cloud service's name.
        name: String,
    },
    /// Create a cloud service in a location or an affinity group.
    Create {
        /// The new cloud service's name.
        name: String,
        #[command(flatten)]
        placement: PlacementArgs,
    },
    /// Delete a cloud service (it must have no deployments).
    Delete {
        /// The cloud service's name.
        name: String,
    },
    /// Restore a deleted cloud service with its properties and certificates (not its
    /// deployments; the server keeps deleted services 14 days by default; see `list
    /// --deleted`).
    Restore {
        /// The deleted cloud service's name.
        name: String,
    },
    /// Is a name free? Exit status 0 either way; see the output.
    CheckName {
        /// The cloud service name to check.
        name: String,
    },
    /// Deployments of a cloud service.
    #[command(subcommand)]
    Deployment(DeploymentCommand),
    /// Service certificates of a cloud service.
    #[command(subcommand)]
    Cert(CertCommand),
}

#[derive(Debug, Subcommand)]
pub enum DeploymentCommand {
    /// Create a deployment in a slot from a package URL and a service configuration file.
    #[command(
        after_help = "Example:\n  azmc service deployment create mysvc --slot staging --name v2 \\\n      --package-url https://example.test/pkg.cspkg --config ServiceConfiguration.cscfg --start"
    )]
    Create {
        /// The cloud service to deploy to.
        service: String,
        /// The deployment slot: production or staging.
        #[arg(long, default_value = "production")]
        slot: Slot,
        /// The deployment's name.
        #[arg(long)]
        name: String,
        /// The URL of the service package (.cspkg), e.g. a blob in a storage account.
        #[arg(long, value_name = "URL")]
        package_url: String,
        /// The service configuration (.cscfg).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The deployment's label (default: its name).
        #[arg(long)]
        label: Option<String>,
        /// Start the deployment at once.
        #[arg(long)]
        start: bool,
    },
    /// Show the deployment in a slot.
    Show {
        /// The cloud service's name.
        service: String,
        /// The deployment slot: production or staging.
        #[arg(long, default_value = "production")]
        slot: Slot,
    },
    /// Delete the deployment in a slot.
    Delete {
        /// The cloud service's name.
        service: String,
        /// The deployment slot: production or staging.
        #[arg(long, default_value = "production")]
        slot: Slot,
    },
    /// Swap the production and staging deployments.
    Swap {
        /// The cloud service's name.
        service: String,
    },
    /// Start (Running) or stop (Suspended) the deployment in a slot.
    Status {
        /// The cloud service's name.
        service: String,
        /// The deployment slot: production or staging.
        #[arg(long, default_value = "production")]
        slot: Slot,
        /// Running or Suspended.
        #[arg(value_parser = ["Running", "Suspended"])]
        status: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// List a cloud service's certificates.
    List {
        /// The cloud service's name.
        service: String,
    },
    /// Show one (by thumbprint).
    Show {
        /// The cloud service's name.
        service: String,
        /// The certificate's thumbprint (SHA-1, hex).
        thumbprint: String,
    },
    /// Add a certificate: a .pfx (with its password) or a .cer.
    Add {
        /// The cloud service's name.
        service: String,
        /// A .pfx/.p12 (with its private key) or a .cer, DER or PEM (- reads standard
        /// input).
        file: PathBuf,
        #[command(flatten)]
        password: crate::secrets::PasswordArgs,
    },
    /// Delete one (by thumbprint).
    Delete {
        /// The cloud service's name.
        service: String,
        /// The certificate's thumbprint (SHA-1, hex).
        thumbprint: String,
    },
}

#[derive(Debug, Serialize)]
struct ServiceJson {
    #[serde(flatten)]
    placed: PlacedJson,
    status: String,
    created: String,
    modified: String,
    deployments: Vec<DeploymentJson>,
    url: String,
}

impl ServiceJson {
    fn new(s: &HostedServiceXml) -> Self {
        ServiceJson {
            placed: PlacedJson::new(
                &s.service_name,
                &s.label,
                &s.description,
                (&s.location, &s.affinity_group),
            ),
            status: s.status.clone(),
            created: s.date_created.clone(),
            modified: s.date_last_modified.clone(),
            deployments: s
                .deployments
                .iter()
                .flatten()
                .map(DeploymentJson::new)
                .collect(),
            url: s.url.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct InstanceJson {
    role: String,
    name: String,
    status: String,
    size: String,
}

#[derive(Debug, Serialize)]
struct DeploymentJson {
    name: String,
    slot: String,
    status: String,
    label: String,
    url: String,
    private_id: String,
    roles: Vec<String>,
    instances: Vec<InstanceJson>,
    created: String,
}

impl DeploymentJson {
    fn new(d: &DeploymentXml) -> Self {
        DeploymentJson {
            name: d.name.clone(),
            slot: d.slot.clone(),
            status: d.status.clone(),
            label: label(&d.label),
            url: d.url.clone(),
            private_id: d.private_id.clone(),
            roles: d.roles.clone(),
            instances: d
                .role_instances
                .iter()
                .map(|i| InstanceJson {
                    role: i.role_name.clone(),
                    name: i.instance_name.clone(),
                    status: i.instance_status.clone(),
                    size: i.instance_size.clone(),
                })
                .collect(),
            created: d.created_time.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ServiceCertJson {
    thumbprint: String,
    algorithm: String,
    url: String,
}

impl Tabular for ServiceJson {
    const HEADER: &'static [&'static str] = &["NAME", "LABEL", "LOCATION", "STATUS"];
    fn row(&self) -> Vec<String> {
        vec![
            self.placed.name.clone(),
            self.placed.label.clone(),
            self.placed.place(),
            self.status.clone(),
        ]
    }
}

impl Tabular for ServiceCertJson {
    const HEADER: &'static [&'static str] = &["THUMBPRINT", "ALGORITHM"];
    fn row(&self) -> Vec<String> {
        vec![self.thumbprint.clone(), self.algorithm.clone()]
    }
}

pub fn run(ctx: &Ctx, cmd: ServiceCommand) -> Result<()> {
    use azmc_server::domain::{cloud_services, deployments};
    match &cmd {
        ServiceCommand::Create { name, .. } => {
            super::client_ctx::check_locally(cloud_services::check_service_name(name))?;
        }
        ServiceCommand::Deployment(DeploymentCommand::Create { name, .. }) => {
            super::client_ctx::check_locally(deployments::check_name(name))?;
        }
        _ => {}
    }
    // Local files first: a missing file fails before any network traffic.
    let local = match &cmd {
        ServiceCommand::Deployment(DeploymentCommand::Create { config, .. }) => {
            let data = read_input(config, 4 * 1024 * 1024)?;
            Some(String::from_utf8(data).with_context(|| {
                format!("{}: the configuration is not UTF-8 text", config.display())
            })?)
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    match cmd {
        ServiceCommand::List { deleted: true } => r.list(
            r.client.list_deleted_cloud_services(),
            DeletedJson::new,
            |d| wire::deleted_to_xml(wire::DeletedKind::HostedServices, d),
        ),
        ServiceCommand::List { deleted: false } => r.list(
            r.client.list_cloud_services(),
            ServiceJson::new,
            wire::hosted_services_to_xml,
        ),
        ServiceCommand::Show { name } => r.show(
            r.client.cloud_service(&name),
            ServiceJson::new,
            |j| {
                let mut fields = j.placed.fields();
                fields.extend([
                    ("Status", j.status.clone()),
                    ("Created", j.created.clone()),
                    (
                        "Deployments",
                        j.deployments
                            .iter()
                            .map(|d| format!("{} ({}, {})", d.name, d.slot, d.status))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ]);
                fields
            },
            |s| s.to_xml(),
        ),
        ServiceCommand::Create { name, placement } => {
            let req = CreateCloudService {
                name: name.clone(),
                label: placement.label,
                description: placement.description,
                location: placement.location,
                affinity_group: placement.affinity_group,
            };
            let done = r.run(r.client.create_cloud_service(&req))?;
            r.finish(done, &format!("cloud service {name} created"))
        }
        ServiceCommand::Delete { name } => {
            let done = r.run(r.client.delete_cloud_service(&name))?;
            r.finish(done, &format!("cloud service {name} deleted"))
        }
        ServiceCommand::Restore { name } => {
            let done = r.run(r.client.restore_cloud_service(&name))?;
            r.finish(done, &format!("cloud service {name} restored"))
        }
        ServiceCommand::CheckName { name } => {
            let (available, reason) = r.run(r.client.check_cloud_service_name(&name))?;
            r.emit_availability(&name, available, reason)
        }
        ServiceCommand::Deployment(d) => deployment(&r, d, local),
        ServiceCommand::Cert(c) => cert(&r, c),
    }
}

fn deployment(r: &Remote<'_>, cmd: DeploymentCommand, config: Option<String>) -> Result<()> {
    match cmd {
        DeploymentCommand::Create {
            service,
            slot,
            name,
            package_url,
            config: _,
            label,
            start,
        } => {
            let req = CreateDeployment {
                name: name.clone(),
                package_url,
                label,
                configuration: config.unwrap_or_default(),
                start,
            };
            let done = r.run(r.client.create_deployment(&service, slot, &req))?;
            r.finish(
                done,
                &format!("deployment {name} created in {service}/{}", slot.as_str()),
            )
        }
        DeploymentCommand::Show { service, slot } => {
            let d = r.run(r.client.deployment(&service, slot))?;
            let j = DeploymentJson::new(&d);
            r.emit(
                &j,
                || {
                    print_fields(&[
                        ("Name", j.name.clone()),
                        ("Slot", j.slot.clone()),
                        ("Status", j.status.clone()),
                        ("Label", j.label.clone()),
                        ("URL", j.url.clone()),
                        ("Roles", j.roles.join(", ")),
                        ("Instances", j.instances.len().to_string()),
                        ("Created", j.created.clone()),
                    ]);
                    if !j.instances.is_empty() {
                        println!();
                        print_table(
                            &["ROLE", "INSTANCE", "STATUS", "SIZE"],
                            &j.instances
                                .iter()
                                .map(|i| {
                                    vec![
                                        i.role.clone(),
                                        i.name.clone(),
                                        i.status.clone(),
                                        i.size.clone(),
                                    ]
                                })
                                .collect::<Vec<_>>(),
                        );
                    }
                },
                || d.to_xml(),
            )
        }
        DeploymentCommand::Delete { service, slot } => {
            let done = r.run(r.client.delete_deployment(&service, slot))?;
            r.finish(
                done,
                &format!("deployment in {service}/{} deleted", slot.as_str()),
            )
        }
        DeploymentCommand::Swap { service } => {
            // Swap names the deployments: read both slots first.
            let (prod, staging) = r.run(async {
                let p = r.client.deployment(&service, Slot::Production).await;
                let s = r.client.deployment(&service, Slot::Staging).await;
                (p, s)
            });
            let staging = staging.context("the staging slot")?;
            let production = prod.ok().map(|d| d.name);
            let done = r.run(r.client.swap_deployments(
                &service,
                production.as_deref(),
                &staging.name,
            ))?;
            r.finish(done, &format!("deployments of {service} swapped"))
        }
        DeploymentCommand::Status {
            service,
            slot,
            status,
        } => {
            let done = r.run(r.client.set_deployment_status(&service, slot, &status))?;
            r.finish(
                done,
                &format!("deployment in {service}/{} set {status}", slot.as_str()),
            )
        }
    }
}

fn cert(r: &Remote<'_>, cmd: CertCommand) -> Result<()> {
    match cmd {
        CertCommand::List { service } => {
            let all = r.run(r.client.list_service_certificates(&service))?;
            let j: Vec<ServiceCertJson> = all
                .iter()
                .map(|c| ServiceCertJson {
                    thumbprint: c.thumbprint.clone(),
                    algorithm: c.thumbprint_algorithm.clone(),
                    url: c.certificate_url.clone(),
                })
                .collect();
            r.emit_list(&j, || wire::service_certificates_to_xml(&all))
        }
        CertCommand::Show {
            service,
            thumbprint,
        } => {
            let c = r.run(r.client.service_certificate(&service, &thumbprint))?;
            let j = ServiceCertJson {
                thumbprint: c.thumbprint.clone(),
                algorithm: c.thumbprint_algorithm.clone(),
                url: c.certificate_url.clone(),
            };
            r.emit(
                &j,
                || {
                    print_fields(&[
                        ("Thumbprint", j.thumbprint.clone()),
                        ("Algorithm", j.algorithm.clone()),
                        ("URL", j.url.clone()),
                    ])
                },
                || c.to_xml(),
            )
        }
        CertCommand::Add {
            service,
            file,
            password,
        } => {
            let (data, is_pfx) = crate::input::read_certificate_or_pkcs12(&file, 1024 * 1024)?;
            let (format, pw) = if is_pfx {
                let pw = password.get(
                    &format!("Password for {}", crate::input::display(&file)),
                    false,
                )?;
                // Check locally that the file and password are right before sending.
                azmc_pki::pkcs12::read(&data, &pw, azmc_pki::pkcs12::ReadOptions::default())
                    .with_context(|| {
                        format!("{}: not a certificate or a readable .pfx", file.display())
                    })?;
                ("pfx", Some(pw))
            } else {
                ("cer", None)
            };
            let done = r.run(r.client.add_service_certificate(
                &service,
                &data,
                format,
                pw.as_ref().map(|p| p.as_str()),
            ))?;
            r.finish(
                done,
                &format!("certificate {} added to {service}", file.display()),
            )
        }
        CertCommand::Delete {
            service,
            thumbprint,
        } => {
            let done = r.run(r.client.delete_service_certificate(&service, &thumbprint))?;
            r.finish(
                done,
                &format!("certificate {thumbprint} deleted from {service}"),
            )
        }
    }
}
