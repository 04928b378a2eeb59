//! `azmc location ...`: the locations (data centres).

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::Tabular;
use anyhow::Result;
use azmc_client::api::LocationXml;
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum LocationCommand {
    /// List the locations and the services each offers.
    List,
}

#[derive(Debug, Serialize)]
struct LocationJson {
    name: String,
    display_name: String,
    services: Vec<String>,
    storage_account_types: Vec<String>,
}

impl Tabular for LocationJson {
    const HEADER: &'static [&'static str] = &["NAME", "SERVICES"];
    fn row(&self) -> Vec<String> {
        vec![self.name.clone(), self.services.join(", ")]
    }
}

pub fn run(ctx: &Ctx, cmd: LocationCommand) -> Result<()> {
    let r = Remote::connect(ctx)?;
    match cmd {
        LocationCommand::List => {
            let locs: Vec<LocationXml> = r.run(r.client.list_locations())?;
            let j: Vec<LocationJson> = locs
                .iter()
                .map(|l| LocationJson {
                    name: l.name.clone(),
                    display_name: l.display_name.clone(),
                    services: l.available_services.clone(),
                    storage_account_types: l.storage_account_types.clone(),
                })
                .collect();
            r.emit_list(&j, || wire::locations_to_xml(&locs))
        }
    }
}
