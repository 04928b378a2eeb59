//! `azmc api METHOD PATH`: a raw signed call to the API; prints the status line and
//! the body.

use super::client_ctx::Remote;
use super::{Ctx, read_input};
use crate::output::{OutputFormat, print_json};
use anyhow::Result;
use azmc_client::{Method, RawRequest};
use serde::Serialize;
use std::path::PathBuf;

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

pub fn run(ctx: &Ctx, a: ApiArgs) -> Result<()> {
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
