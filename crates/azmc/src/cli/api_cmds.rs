//! API commands on the subscription itself: `subscription`, `mgmt-cert`, `location`,
//! `affinity-group`, `operation`, and the raw `api` call.

use super::remote::{Colour, Remote, label, opt, paint};
use super::{Ctx, read_input};
use crate::output::{OutputFormat, Tabular, print_fields, print_json, print_rows, rfc3339};
use anyhow::{Context, Result};
use azmc_client::api::{
    AffinityGroupXml, LocationXml, SubscriptionCertificateXml, SubscriptionXml,
};
use azmc_client::{Method, RawRequest};
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// ---------------------------------------------------------------- subscription

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

pub fn subscription(ctx: &Ctx, cmd: SubscriptionCommand) -> Result<()> {
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

// ---------------------------------------------------------------- mgmt-cert

#[derive(Debug, Subcommand)]
pub enum MgmtCertCommand {
    /// List the management certificates of the subscription.
    List,
    /// Show one management certificate.
    Show { thumbprint: String },
    /// Upload a certificate (.cer: DER or PEM; public part only) as a management
    /// certificate of the subscription.
    Upload { file: PathBuf },
    /// Delete (revoke at once) a management certificate of the subscription.
    Delete { thumbprint: String },
}

#[derive(Debug, Serialize)]
struct MgmtCertJson {
    thumbprint: String,
    subject: Option<String>,
    not_after: Option<String>,
    created: Option<String>,
}

impl MgmtCertJson {
    fn new(c: &SubscriptionCertificateXml) -> Self {
        use base64::Engine;
        let parsed = base64::engine::general_purpose::STANDARD
            .decode(c.data_b64.trim())
            .ok()
            .and_then(|der| azmc_pki::Certificate::from_der(&der).ok());
        MgmtCertJson {
            thumbprint: c.thumbprint.clone(),
            subject: parsed.as_ref().map(|p| p.subject().to_string()),
            not_after: parsed.as_ref().map(|p| rfc3339(p.info().not_after)),
            created: c.created.clone(),
        }
    }
}

impl Tabular for MgmtCertJson {
    const HEADER: &'static [&'static str] = &["THUMBPRINT", "SUBJECT", "EXPIRES", "ADDED"];
    fn row(&self) -> Vec<String> {
        vec![
            self.thumbprint.clone(),
            opt(&self.subject),
            opt(&self.not_after),
            opt(&self.created),
        ]
    }
}

pub fn mgmt_cert(ctx: &Ctx, cmd: MgmtCertCommand) -> Result<()> {
    // Read local input before any network traffic: a bad file fails fast.
    let upload = match &cmd {
        MgmtCertCommand::Upload { file } => {
            let data = read_input(file, 1024 * 1024)?;
            let cert = azmc_pki::Certificate::parse(&data)
                .with_context(|| format!("{}: not a certificate", file.display()))?;
            Some(cert)
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    match cmd {
        MgmtCertCommand::List => {
            let certs = r.run(r.client.list_management_certificates())?;
            let j: Vec<MgmtCertJson> = certs.iter().map(MgmtCertJson::new).collect();
            r.emit_list(&j, || wire::subscription_certificates_to_xml(&certs))
        }
        MgmtCertCommand::Show { thumbprint } => {
            let c = r.run(r.client.management_certificate(&thumbprint))?;
            let j = MgmtCertJson::new(&c);
            r.emit(&j, || print_rows(std::slice::from_ref(&j)), || c.to_xml())
        }
        MgmtCertCommand::Upload { .. } => {
            let Some(cert) = upload else {
                return Ok(());
            };
            let t = cert.thumbprint();
            let done = r.run(r.client.add_management_certificate(cert.der()))?;
            r.finish(done, &format!("management certificate {t} added"))
        }
        MgmtCertCommand::Delete { thumbprint } => {
            let done = r.run(r.client.delete_management_certificate(&thumbprint))?;
            r.finish(
                done,
                &format!("management certificate {thumbprint} deleted"),
            )
        }
    }
}

// ---------------------------------------------------------------- location

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

pub fn location(ctx: &Ctx, cmd: LocationCommand) -> Result<()> {
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

// ---------------------------------------------------------------- affinity-group

#[derive(Debug, Subcommand)]
pub enum AffinityGroupCommand {
    /// List affinity groups.
    List,
    /// Show an affinity group with its storage accounts and cloud services.
    Show { name: String },
    /// Create an affinity group in a location.
    Create {
        name: String,
        #[arg(long)]
        location: String,
        /// Label (default: the name).
        #[arg(long)]
        label: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Change an affinity group's label and description.
    Update {
        name: String,
        #[arg(long)]
        label: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete an (empty) affinity group.
    Delete { name: String },
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
        let names = |m: &Option<Vec<wire::AffinityGroupMemberXml>>| {
            m.iter()
                .flatten()
                .map(|x| x.service_name.clone())
                .collect::<Vec<_>>()
        };
        AffinityGroupJson {
            name: g.name.clone(),
            label: label(&g.label),
            description: g.description.clone(),
            location: g.location.clone(),
            storage_accounts: names(&g.storage_services),
            cloud_services: names(&g.hosted_services),
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

pub fn affinity_group(ctx: &Ctx, cmd: AffinityGroupCommand) -> Result<()> {
    let r = Remote::connect(ctx)?;
    match cmd {
        AffinityGroupCommand::List => {
            let groups = r.run(r.client.list_affinity_groups())?;
            let j: Vec<AffinityGroupJson> = groups.iter().map(AffinityGroupJson::new).collect();
            r.emit_list(&j, || wire::affinity_groups_to_xml(&groups))
        }
        AffinityGroupCommand::Show { name } => {
            let g = r.run(r.client.affinity_group(&name))?;
            let j = AffinityGroupJson::new(&g);
            r.emit(
                &j,
                || {
                    print_fields(&[
                        ("Name", j.name.clone()),
                        ("Label", j.label.clone()),
                        ("Description", opt(&j.description)),
                        ("Location", j.location.clone()),
                        ("Storage accounts", j.storage_accounts.join(", ")),
                        ("Cloud services", j.cloud_services.join(", ")),
                        ("Created", j.created.clone()),
                    ])
                },
                || g.to_xml(),
            )
        }
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

// ---------------------------------------------------------------- operation

#[derive(Debug, Subcommand)]
pub enum OperationCommand {
    /// The status of an asynchronous operation (by request id).
    Show { id: String },
    /// Wait for an asynchronous operation to finish (exit 1 if it failed).
    Wait { id: String },
    /// The subscription's operation log.
    #[command(after_help = "Examples:
  azmc operation list --since 2h
  azmc operation list --since 2026-11-01T00:00:00Z --cert 6A7F3171...  --output json")]
    List {
        /// From: an RFC 3339 time or an age (30m, 12h, 7d). Default: 24h.
        #[arg(long, default_value = "24h")]
        since: String,
        /// Only operations made with this management certificate.
        #[arg(long, value_name = "THUMBPRINT")]
        cert: Option<String>,
    },
}

#[derive(Debug, Serialize)]
struct StatusJson {
    id: String,
    status: String,
    http_status: Option<u16>,
    error_code: Option<String>,
    error_message: Option<String>,
}

impl StatusJson {
    fn new(s: &wire::OperationStatusXml) -> Self {
        StatusJson {
            id: s.id.clone(),
            status: s.status.to_string(),
            http_status: s.http_status,
            error_code: s.error.as_ref().map(|e| e.code.clone()),
            error_message: s.error.as_ref().map(|e| e.message.clone()),
        }
    }
}

fn status_fields(j: &StatusJson) {
    let colour = match j.status.as_str() {
        "Succeeded" => Colour::Green,
        "Failed" => Colour::Red,
        _ => Colour::Yellow,
    };
    let mut f = vec![
        ("Operation", j.id.clone()),
        ("Status", paint(&j.status, colour)),
    ];
    if let Some(h) = j.http_status {
        f.push(("HTTP status", h.to_string()));
    }
    if let (Some(c), Some(m)) = (&j.error_code, &j.error_message) {
        f.push(("Error", format!("{c}: {m}")));
    }
    print_fields(&f);
}

#[derive(Debug, Serialize)]
struct LogJson {
    id: String,
    name: String,
    object: String,
    status: String,
    http_status: Option<u16>,
    started: Option<String>,
    completed: Option<String>,
    caller_certificate: Option<String>,
    caller_user: Option<String>,
    caller_ip: Option<String>,
    parameters: Vec<(String, Option<String>)>,
}

impl Tabular for LogJson {
    const HEADER: &'static [&'static str] = &["STARTED", "OPERATION", "STATUS", "OBJECT", "CALLER"];
    fn row(&self) -> Vec<String> {
        vec![
            opt(&self.started),
            self.name.clone(),
            self.status.clone(),
            self.object.clone(),
            self.caller_certificate
                .clone()
                .or_else(|| self.caller_user.clone())
                .unwrap_or_default(),
        ]
    }
}

pub fn operation(ctx: &Ctx, cmd: OperationCommand) -> Result<()> {
    // Validate arguments before connecting.
    let since = match &cmd {
        OperationCommand::List { since, .. } => Some(parse_since(since, ctx.clock.now())?),
        OperationCommand::Show { id } | OperationCommand::Wait { id } => {
            if wire::normalize_operation_id(id).is_none() {
                return crate::usage(format!(
                    "operation id {id:?}: not a request id (32 hex digits, hyphens allowed)"
                ));
            }
            None
        }
    };
    let r = Remote::connect(ctx)?;
    match cmd {
        OperationCommand::Show { id } => {
            let s = r.run(r.client.operation_status(&id))?;
            let j = StatusJson::new(&s);
            r.emit(&j, || status_fields(&j), || s.to_xml())
        }
        OperationCommand::Wait { id } => {
            let s = r.wait(&id)?;
            let j = StatusJson::new(&s);
            r.emit(&j, || status_fields(&j), || s.to_xml())
        }
        OperationCommand::List { cert, .. } => {
            let now = ctx.clock.now();
            let start = since.unwrap_or(now);
            let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
            // The end a minute ahead: operations of this very second count.
            let end = now + time::Duration::minutes(1);
            let ops =
                r.run(
                    r.client
                        .list_operations(&fmt(start), &fmt(end), cert.as_deref(), 100),
                )?;
            let j: Vec<LogJson> = ops
                .iter()
                .map(|o| LogJson {
                    id: o.operation_id.clone(),
                    name: o.operation_name.clone(),
                    object: o.operation_object_id.clone(),
                    status: o.operation_status.status.to_string(),
                    http_status: o.operation_status.http_status,
                    started: o.operation_started_time.clone(),
                    completed: o.operation_completed_time.clone(),
                    caller_certificate: o
                        .operation_caller
                        .subscription_certificate_thumbprint
                        .clone(),
                    caller_user: o.operation_caller.user_email_address.clone(),
                    caller_ip: o.operation_caller.client_ip.clone(),
                    parameters: o
                        .operation_parameters
                        .iter()
                        .map(|p| (p.name.clone(), p.value.clone()))
                        .collect(),
                })
                .collect();
            r.emit_list(&j, || {
                wire::SubscriptionOperationCollectionXml {
                    operations: ops.clone(),
                    continuation_token: None,
                }
                .to_xml()
            })
        }
    }
}

/// `--since`: RFC 3339, or an age like `90s`, `30m`, `12h`, `7d`.
fn parse_since(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = num.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
        crate::UsageError(format!(
            "--since {s:?}: give an RFC 3339 time or an age like 30m, 12h, 7d"
        ))
    })?;
    let d = match unit {
        "s" => time::Duration::seconds(n),
        "m" => time::Duration::minutes(n),
        "h" => time::Duration::hours(n),
        "d" => time::Duration::days(n),
        _ => {
            return crate::usage(format!("--since {s:?}: the age unit is s, m, h or d"));
        }
    };
    Ok(now - d)
}

// ---------------------------------------------------------------- api

/// `azmc api METHOD PATH`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  azmc api GET services/storageservices             # relative: below /<subscription>/
  azmc api GET /<subscription-id>/locations
  azmc api POST services/hostedservices --body svc.xml
  azmc api GET operations/<request-id> --header x-ms-version:2012-03-01

Prints the status line, then the body. Exit status 1 for HTTP status 400 and above.")]
pub struct ApiArgs {
    /// GET, POST, PUT, DELETE, ...
    pub method: String,
    /// The path (and query); relative paths are below /<subscription>/.
    pub path: String,
    /// The request body (sent as application/xml unless --header Content-Type:... says otherwise).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// An extra header, NAME:VALUE (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
}

#[derive(Debug, Serialize)]
struct RawJson {
    status: u16,
    request_id: Option<String>,
    body: String,
}

pub fn api(ctx: &Ctx, a: ApiArgs) -> Result<()> {
    let method = Method::from_bytes(a.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| crate::UsageError(format!("{:?}: not an HTTP method", a.method)))?;
    let mut headers = Vec::new();
    for h in &a.headers {
        let Some((k, v)) = h.split_once(':') else {
            return crate::usage(format!("--header {h:?}: give NAME:VALUE"));
        };
        if k.trim().is_empty() {
            return crate::usage(format!("--header {h:?}: the name is empty"));
        }
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let body = match &a.body {
        Some(f) => Some(read_input(f, 8 * 1024 * 1024)?),
        None => None,
    };
    let r = Remote::connect(ctx)?;
    let path = if a.path.starts_with('/') {
        a.path.clone()
    } else {
        r.client.path(&format!("/{}", a.path))
    };
    let mut req = RawRequest::new(method, path);
    if let Some(b) = body {
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), "application/xml".into()));
        }
        req.body = b.into();
    }
    req.headers = headers;
    let resp = r.run(r.client.send(&req))?;
    let text = String::from_utf8_lossy(&resp.body).into_owned();
    match r.format() {
        OutputFormat::Json => print_json(&RawJson {
            status: resp.status,
            request_id: resp.request_id().map(str::to_string),
            body: text,
        })?,
        OutputFormat::Table | OutputFormat::Xml => {
            let reason = azmc_client::api::status_reason(resp.status);
            println!("HTTP {} {reason}", resp.status);
            if let Some(id) = resp.request_id() {
                println!("x-ms-request-id: {id}");
            }
            if !text.is_empty() {
                println!();
                println!("{text}");
            }
        }
    }
    if resp.status >= 400 {
        anyhow::bail!("the server answered HTTP {}", resp.status);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_times_and_ages() {
        let now = OffsetDateTime::parse("2026-11-29T12:00:00Z", &Rfc3339).unwrap();
        let t = |s| parse_since(s, now).unwrap().format(&Rfc3339).unwrap();
        assert_eq!(t("2h"), "2026-11-29T10:00:00Z");
        assert_eq!(t("7d"), "2026-11-22T12:00:00Z");
        assert_eq!(t("2026-11-01T00:00:00Z"), "2026-11-01T00:00:00Z");
        for bad in ["", "h", "-1h", "3w", "yesterday"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }
}
