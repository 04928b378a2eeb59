//! `azmc operation ...`: asynchronous operations (status, wait) and the subscription's
//! operation log.

use super::Ctx;
use super::client_ctx::{Colour, Remote, opt, paint};
use crate::output::{Tabular, print_fields};
use anyhow::Result;
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Subcommand)]
pub enum OperationCommand {
    /// The status of an asynchronous operation (by request id).
    Show {
        /// The operation's request id (x-ms-request-id: 32 hex digits, hyphens allowed).
        id: String,
    },
    /// Wait for an asynchronous operation to finish (exit 1 if it failed).
    Wait {
        /// The operation's request id (x-ms-request-id: 32 hex digits, hyphens allowed).
        id: String,
    },
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

pub fn run(ctx: &Ctx, cmd: OperationCommand) -> Result<()> {
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
