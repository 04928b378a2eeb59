//! `azmc site ...`: web sites.

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::Tabular;
use anyhow::Result;
use azmc_client::api::SiteXml;
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// List web sites (of every webspace).
    List,
    /// Show a web site.
    Show {
        /// The web site's name.
        name: String,
    },
    /// Create a web site in a webspace's region (e.g. "West US").
    Create {
        /// The new web site's name (the first label of its host name).
        name: String,
        /// The region (a webspace's GeoRegion, e.g. "West US").
        #[arg(long)]
        location: String,
    },
    /// Delete a web site.
    Delete {
        /// The web site's name.
        name: String,
    },
}

#[derive(Debug, Serialize)]
struct SiteJson {
    name: String,
    webspace: String,
    state: String,
    host_names: Vec<String>,
    compute_mode: String,
    site_mode: String,
    modified: String,
}

impl SiteJson {
    fn new(s: &SiteXml) -> Self {
        SiteJson {
            name: s.name.clone(),
            webspace: s.web_space.clone(),
            state: s.state.clone(),
            host_names: s.host_names.clone(),
            compute_mode: s.compute_mode.clone(),
            site_mode: s.site_mode.clone(),
            modified: s.last_modified_time_utc.clone(),
        }
    }
}

impl Tabular for SiteJson {
    const HEADER: &'static [&'static str] = &["NAME", "WEBSPACE", "STATE", "HOST NAMES"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.webspace.clone(),
            self.state.clone(),
            self.host_names.join(" "),
        ]
    }
}

pub fn run(ctx: &Ctx, cmd: SiteCommand) -> Result<()> {
    if let SiteCommand::Create { name, .. } = &cmd {
        super::client_ctx::check_locally(azmc_server::domain::websites::check_site_name(name))?;
    }
    let r = Remote::connect(ctx)?;
    match cmd {
        SiteCommand::List => r.list(r.client.list_sites(), SiteJson::new, wire::sites_to_xml),
        SiteCommand::Show { name } => r.show(
            r.client.site(&name),
            SiteJson::new,
            |j| {
                vec![
                    ("Name", j.name.clone()),
                    ("Webspace", j.webspace.clone()),
                    ("State", j.state.clone()),
                    ("Host names", j.host_names.join(" ")),
                    ("Compute mode", j.compute_mode.clone()),
                    ("Site mode", j.site_mode.clone()),
                    ("Modified", j.modified.clone()),
                ]
            },
            |s| s.to_xml(),
        ),
        SiteCommand::Create { name, location } => {
            let spaces = r.run(r.client.list_webspaces())?;
            let Some(ws) = spaces
                .iter()
                .find(|w| w.geo_region.eq_ignore_ascii_case(&location))
            else {
                return crate::usage(format!(
                    "--location {location:?}: no webspace there (regions: {})",
                    spaces
                        .iter()
                        .map(|w| w.geo_region.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let s = r.run(r.client.create_site(&ws.name, &name, &ws.geo_region))?;
            let j = SiteJson::new(&s);
            r.emit(
                &j,
                || {
                    if !r.ctx.global.quiet {
                        eprintln!("azmc: web site {} created in {}", j.name, j.webspace);
                    }
                    println!("{}", j.host_names.join(" "));
                },
                || s.to_xml(),
            )
        }
        SiteCommand::Delete { name } => {
            let s = r.run(r.client.site(&name))?;
            let done = r.run(r.client.delete_site(&s.web_space, &s.name))?;
            r.finish(done, &format!("web site {name} deleted"))
        }
    }
}
