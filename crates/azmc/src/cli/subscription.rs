//! `azmc subscription ...`: the subscription of the profile (Get Subscription).

use super::Ctx;
use super::client_ctx::Remote;
use crate::output::print_fields;
use anyhow::Result;
use azmc_client::api::SubscriptionXml;
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Show the subscription: name, status, administrators, quotas and their use.
    Show,
}

#[derive(Debug, Serialize)]
struct QuotaJson {
    used: u32,
    max: u32,
}

#[derive(Debug, Serialize)]
struct SubscriptionJson {
    id: String,
    name: String,
    status: String,
    account_admin: String,
    service_admin: String,
    created: Option<String>,
    cores: QuotaJson,
    storage_accounts: QuotaJson,
    cloud_services: QuotaJson,
    virtual_network_sites: QuotaJson,
    local_network_sites: QuotaJson,
    dns_servers: QuotaJson,
    reserved_ips: QuotaJson,
}

impl SubscriptionJson {
    fn new(s: &SubscriptionXml) -> Self {
        let q = |used, max| QuotaJson { used, max };
        SubscriptionJson {
            id: s.subscription_id.clone(),
            name: s.subscription_name.clone(),
            status: s.subscription_status.clone(),
            account_admin: s.account_admin_live_email_id.clone(),
            service_admin: s.service_admin_live_email_id.clone(),
            created: s.created_time.clone(),
            cores: q(s.current_core_count, s.max_core_count),
            storage_accounts: q(s.current_storage_accounts, s.max_storage_accounts),
            cloud_services: q(s.current_hosted_services, s.max_hosted_services),
            virtual_network_sites: q(s.current_virtual_network_sites, s.max_virtual_network_sites),
            local_network_sites: q(s.current_local_network_sites, s.max_local_network_sites),
            dns_servers: q(s.current_dns_servers, s.max_dns_servers),
            reserved_ips: q(s.current_reserved_ips, s.max_reserved_ips),
        }
    }
}

pub fn run(ctx: &Ctx, cmd: SubscriptionCommand) -> Result<()> {
    let r = Remote::connect(ctx)?;
    match cmd {
        SubscriptionCommand::Show => {
            let s = r.run(r.client.subscription_info())?;
            let j = SubscriptionJson::new(&s);
            r.emit(
                &j,
                || {
                    let quota = |q: &QuotaJson| format!("{} of {}", q.used, q.max);
                    print_fields(&[
                        ("Subscription", j.id.clone()),
                        ("Name", j.name.clone()),
                        ("Status", j.status.clone()),
                        ("Service admin", j.service_admin.clone()),
                        ("Account admin", j.account_admin.clone()),
                        ("Cores", quota(&j.cores)),
                        ("Storage accounts", quota(&j.storage_accounts)),
                        ("Cloud services", quota(&j.cloud_services)),
                        ("Reserved IPs", quota(&j.reserved_ips)),
                    ]);
                },
                || s.to_xml(),
            )
        }
    }
}
