//! `azmc affinity-group ...`: affinity groups.

use super::Ctx;
use super::client_ctx::{Remote, label, opt};
use crate::output::Tabular;
use anyhow::Result;
use azmc_client::api::AffinityGroupXml;
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum AffinityGroupCommand {
    /// List affinity groups.
    List,
    /// Show an affinity group with its storage accounts and cloud services.
    Show {
        /// The affinity group's name.
        name: String,
    },
    /// Create an affinity group in a location.
    Create {
        /// The new group's name (1 to 63 letters, digits, '-', '_' or '.').
        name: String,
        /// The location (region) of the group, e.g. "West US".
        #[arg(long)]
        location: String,
        /// Label (default: the name).
        #[arg(long)]
        label: Option<String>,
        /// A description of the group.
        #[arg(long)]
        description: Option<String>,
    },
    /// Change an affinity group's label and description.
    Update {
        /// The affinity group's name.
        name: String,
        /// The new label.
        #[arg(long)]
        label: String,
        /// The new description (unchanged when absent).
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete an (empty) affinity group.
    Delete {
        /// The affinity group's name.
        name: String,
    },
}

#[derive(Debug, Serialize)]
struct AffinityGroupJson {
    name: String,
    label: String,
    description: Option<String>,
    location: String,
    storage_accounts: Vec<String>,
    cloud_services: Vec<String>,
    created: String,
}

impl AffinityGroupJson {
    fn new(g: &AffinityGroupXml) -> Self {
        fn names<'a>(m: impl IntoIterator<Item = &'a String>) -> Vec<String> {
            m.into_iter().cloned().collect()
        }
        AffinityGroupJson {
            name: g.name.clone(),
            label: label(&g.label),
            description: g.description.clone(),
            location: g.location.clone(),
            storage_accounts: names(g.storage_services.iter().flatten().map(|x| &x.service_name)),
            cloud_services: names(g.hosted_services.iter().flatten().map(|x| &x.service_name)),
            created: g.created_time.clone(),
        }
    }
}

impl Tabular for AffinityGroupJson {
    const HEADER: &'static [&'static str] = &["NAME", "LABEL", "LOCATION"];
    fn row(&self) -> Vec<String> {
        vec![self.name.clone(), self.label.clone(), self.location.clone()]
    }
}

pub fn run(ctx: &Ctx, cmd: AffinityGroupCommand) -> Result<()> {
    if let AffinityGroupCommand::Create { name, .. } = &cmd {
        super::client_ctx::check_locally(azmc_server::domain::affinity_groups::check_name(name))?;
    }
    let r = Remote::connect(ctx)?;
    match cmd {
        AffinityGroupCommand::List => r.list(
            r.client.list_affinity_groups(),
            AffinityGroupJson::new,
            wire::affinity_groups_to_xml,
        ),
        AffinityGroupCommand::Show { name } => r.show(
            r.client.affinity_group(&name),
            AffinityGroupJson::new,
            |j| {
                vec![
                    ("Name", j.name.clone()),
                    ("Label", j.label.clone()),
                    ("Description", opt(&j.description)),
                    ("Location", j.location.clone()),
                    ("Storage accounts", j.storage_accounts.join(", ")),
                    ("Cloud services", j.cloud_services.join(", ")),
                    ("Created", j.created.clone()),
                ]
            },
            |g| g.to_xml(),
        ),
        AffinityGroupCommand::Create {
            name,
            location,
            label,
            description,
        } => {
            let done = r.run(r.client.create_affinity_group(
                &name,
                &location,
                label.as_deref(),
                description.as_deref(),
            ))?;
            r.finish(done, &format!("affinity group {name} created"))
        }
        AffinityGroupCommand::Update {
            name,
            label,
            description,
        } => {
            let done = r.run(r.client.update_affinity_group(
                &name,
                &label,
                description.as_deref(),
            ))?;
            r.finish(done, &format!("affinity group {name} updated"))
        }
        AffinityGroupCommand::Delete { name } => {
            let done = r.run(r.client.delete_affinity_group(&name))?;
            r.finish(done, &format!("affinity group {name} deleted"))
        }
    }
}
