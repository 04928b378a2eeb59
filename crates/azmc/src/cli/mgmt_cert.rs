//! `azmc mgmt-cert ...`: the management certificates of the subscription.

use super::Ctx;
use super::client_ctx::{Remote, opt};
use crate::output::{Expiry, Tabular, print_rows, rfc3339};
use anyhow::{Context, Result};
use azmc_client::api::SubscriptionCertificateXml;
use azmc_wire::asm as wire;
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum MgmtCertCommand {
    /// List the management certificates of the subscription.
    List,
    /// Show one management certificate.
    Show {
        /// The certificate's thumbprint (SHA-1, hex).
        thumbprint: String,
    },
    /// Upload a certificate (.cer: DER or PEM; public part only) as a management
    /// certificate of the subscription.
    Upload {
        /// The certificate file: .cer, DER or PEM (- reads standard input).
        file: PathBuf,
    },
    /// Delete (revoke at once) a management certificate of the subscription.
    Delete {
        /// The thumbprint (SHA-1, hex) of the certificate to delete.
        thumbprint: String,
    },
}

#[derive(Debug, Serialize)]
struct MgmtCertJson {
    thumbprint: String,
    subject: Option<String>,
    not_after: Option<String>,
    /// Whole days left (negative once expired) and `ok`, `soon` (within 30 days) or
    /// `expired`; absent when the certificate cannot be read.
    #[serde(flatten)]
    expiry: Option<Expiry>,
    created: Option<String>,
    #[serde(skip)]
    expires_cell: Option<String>,
}

impl MgmtCertJson {
    fn new(c: &SubscriptionCertificateXml, now: time::OffsetDateTime) -> Self {
        use base64::Engine;
        let parsed = base64::engine::general_purpose::STANDARD
            .decode(c.data_b64.trim())
            .ok()
            .and_then(|der| azmc_pki::Certificate::from_der(&der).ok());
        let expiry = parsed
            .as_ref()
            .map(|p| (p.not_after(), Expiry::of(p.not_after(), now)));
        MgmtCertJson {
            thumbprint: c.thumbprint.clone(),
            subject: parsed.as_ref().map(|p| p.subject().to_string()),
            not_after: parsed.as_ref().map(|p| rfc3339(p.info().not_after)),
            expiry: expiry.map(|(_, e)| e),
            created: c.created.clone(),
            expires_cell: expiry.map(|(at, e)| e.cell(at)),
        }
    }
}

impl Tabular for MgmtCertJson {
    const HEADER: &'static [&'static str] = &["THUMBPRINT", "SUBJECT", "EXPIRES", "ADDED"];
    fn row(&self) -> Vec<String> {
        vec![
            self.thumbprint.clone(),
            opt(&self.subject),
            opt(&self.expires_cell),
            opt(&self.created),
        ]
    }
}

pub fn run(ctx: &Ctx, cmd: MgmtCertCommand) -> Result<()> {
    // Read local input before any network traffic: a bad file fails fast.
    let upload = match &cmd {
        MgmtCertCommand::Upload { file } => {
            let data = crate::input::read_certificate(file, 1024 * 1024)?;
            let cert = azmc_pki::Certificate::parse(&data)
                .with_context(|| format!("{}: not a certificate", crate::input::display(file)))?;
            Some(cert)
        }
        _ => None,
    };
    let r = Remote::connect(ctx)?;
    let now = ctx.clock.now();
    match cmd {
        MgmtCertCommand::List => r.list(
            r.client.list_management_certificates(),
            |c| MgmtCertJson::new(c, now),
            wire::subscription_certificates_to_xml,
        ),
        MgmtCertCommand::Show { thumbprint } => {
            let c = r.run(r.client.management_certificate(&thumbprint))?;
            let j = MgmtCertJson::new(&c, now);
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
