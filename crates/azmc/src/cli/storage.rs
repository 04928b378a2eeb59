//! `azmc storage account ...`: storage accounts and their keys.

use super::Ctx;
use super::client_ctx::{DeletedJson, PlacedJson, PlacementArgs, Remote};
use crate::output::{Tabular, print_fields};
use anyhow::Result;
use azmc_client::api::{CreateStorageAccount, KeyType, StorageServiceKeysXml, StorageServiceXml};
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// Storage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// List storage accounts (with --deleted: the deleted ones that can be restored).
    List {
        /// List the deleted accounts that can still be restored, with until when.
        #[arg(long)]
        deleted: bool,
    },
    /// Show a storage account.
    Show {
        /// The storage account's name.
        name: String,
    },
    /// Create a storage account (3 to 24 lower-case letters and digits) in a location or
    /// an affinity group.
    #[command(
        after_help = "Example:\n  azmc storage account create mystore --location \"West US\" --type Standard_GRS"
    )]
    Create {
        /// The new account's name (3 to 24 lower-case letters and digits).
        name: String,
        #[command(flatten)]
        placement: PlacementArgs,
        /// Standard_LRS, Standard_GRS (default), Standard_RAGRS or Standard_ZRS.
        #[arg(long = "type", value_name = "TYPE")]
        account_type: Option<String>,
    },
    /// Change a storage account's label, description or replication type.
    Update {
        /// The storage account's name.
        name: String,
        /// The new label.
        #[arg(long)]
        label: Option<String>,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
        /// The new replication type: Standard_LRS, Standard_GRS or Standard_RAGRS (a ZRS
        /// account cannot change type).
        #[arg(long = "type", value_name = "TYPE")]
        account_type: Option<String>,
    },
    /// Delete a storage account.
    Delete {
        /// The storage account's name.
        name: String,
    },
    /// Restore a deleted storage account with its keys and properties (the server keeps
    /// deleted accounts 14 days by default; see `list --deleted`).
    Restore {
        /// The deleted storage account's name.
        name: String,
    },
    /// Is a name free? Exit status 0 either way; see the output.
    CheckName {
        /// The storage account name to check.
        name: String,
    },
    /// The access keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show the primary and secondary access keys.
    List {
        /// The storage account's name.
        name: String,
    },
    /// Regenerate one key (the other keeps working).
    Renew {
        /// The storage account's name.
        name: String,
        /// Regenerate the primary key.
        #[arg(
            long,
            conflicts_with = "secondary",
            required_unless_present = "secondary"
        )]
        primary: bool,
        /// Regenerate the secondary key.
        #[arg(long)]
        secondary: bool,
    },
}

#[derive(Debug, Serialize)]
struct AccountJson {
    #[serde(flatten)]
    placed: PlacedJson,
    status: String,
    account_type: String,
    endpoints: Vec<String>,
    created: String,
    url: String,
}

impl AccountJson {
    fn new(a: &StorageServiceXml) -> Self {
        AccountJson {
            placed: PlacedJson::new(
                &a.service_name,
                &a.label,
                &a.description,
                (&a.location, &a.affinity_group),
            ),
            status: a.status.clone(),
            account_type: a.account_type.clone(),
            endpoints: a.endpoints.clone(),
            created: a.creation_time.clone(),
            url: a.url.clone(),
        }
    }
}

impl Tabular for AccountJson {
    const HEADER: &'static [&'static str] = &["NAME", "LABEL", "LOCATION", "TYPE", "STATUS"];
    fn row(&self) -> Vec<String> {
        vec![
            self.placed.name.clone(),
            self.placed.label.clone(),
            self.placed.place(),
            self.account_type.clone(),
            self.status.clone(),
        ]
    }
}

#[derive(Debug, Serialize)]
struct KeysJson {
    name: String,
    primary: String,
    secondary: String,
}

fn keys_out(r: &Remote<'_>, name: &str, k: &StorageServiceKeysXml) -> Result<()> {
    let j = KeysJson {
        name: name.to_string(),
        primary: k.primary.clone(),
        secondary: k.secondary.clone(),
    };
    r.emit(
        &j,
        || {
            print_fields(&[
                ("Primary", j.primary.clone()),
                ("Secondary", j.secondary.clone()),
            ])
        },
        || k.to_xml(),
    )
}

pub fn run(ctx: &Ctx, cmd: StorageCommand) -> Result<()> {
    let StorageCommand::Account(cmd) = cmd;
    if let AccountCommand::Create { name, .. } = &cmd {
        super::client_ctx::check_locally(azmc_server::domain::storage_accounts::check_name(name))?;
    }
    let r = Remote::connect(ctx)?;
    match cmd {
        AccountCommand::List { deleted: true } => r.list(
            r.client.list_deleted_storage_accounts(),
            DeletedJson::new,
            |d| wire::deleted_to_xml(wire::DeletedKind::StorageServices, d),
        ),
        AccountCommand::List { deleted: false } => r.list(
            r.client.list_storage_accounts(),
            AccountJson::new,
            wire::storage_services_to_xml,
        ),
        AccountCommand::Show { name } => r.show(
            r.client.storage_account(&name),
            AccountJson::new,
            |j| {
                let mut fields = j.placed.fields();
                fields.extend([
                    ("Type", j.account_type.clone()),
                    ("Status", j.status.clone()),
                    ("Endpoints", j.endpoints.join(" ")),
                    ("Created", j.created.clone()),
                ]);
                fields
            },
            |a| a.to_xml(),
        ),
        AccountCommand::Create {
            name,
            placement,
            account_type,
        } => {
            let req = CreateStorageAccount {
                name: name.clone(),
                label: placement.label,
                description: placement.description,
                location: placement.location,
                affinity_group: placement.affinity_group,
                account_type,
            };
            let done = r.run(r.client.create_storage_account(&req))?;
            r.finish(done, &format!("storage account {name} created"))
        }
        AccountCommand::Update {
            name,
            label,
            description,
            account_type,
        } => {
            if label.is_none() && description.is_none() && account_type.is_none() {
                return crate::usage("nothing to change: give --label, --description or --type");
            }
            let done = r.run(r.client.update_storage_account(
                &name,
                label.as_deref(),
                description.as_deref(),
                account_type.as_deref(),
            ))?;
            r.finish(done, &format!("storage account {name} updated"))
        }
        AccountCommand::Delete { name } => {
            let done = r.run(r.client.delete_storage_account(&name))?;
            r.finish(done, &format!("storage account {name} deleted"))
        }
        AccountCommand::Restore { name } => {
            let done = r.run(r.client.restore_storage_account(&name))?;
            r.finish(done, &format!("storage account {name} restored"))
        }
        AccountCommand::CheckName { name } => {
            let (available, reason) = r.run(r.client.check_storage_account_name(&name))?;
            r.emit_availability(&name, available, reason)
        }
        AccountCommand::Keys(KeysCommand::List { name }) => {
            let k = r.run(r.client.storage_account_keys(&name))?;
            keys_out(&r, &name, &k)
        }
        AccountCommand::Keys(KeysCommand::Renew {
            name,
            primary,
            secondary: _,
        }) => {
            let which = if primary {
                KeyType::Primary
            } else {
                KeyType::Secondary
            };
            let k = r.run(r.client.regenerate_storage_account_key(&name, which))?;
            keys_out(&r, &name, &k)
        }
    }
}
