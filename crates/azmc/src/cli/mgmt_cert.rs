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
    /// Revoke a management certificate (a leaked one, say) from the profile's
    /// subscription, or with --everywhere from every subscription the profile's
    /// certificate manages (the subscriptions of every profile that uses it).
    #[command(
        after_help = "Example:\n  azmc mgmt-cert revoke 6A7F317132… --everywhere\n\nExit status: 1 when a subscription could not be asked; one where the certificate\nwas not linked counts as done."
    )]
    Revoke {
        /// The thumbprint (SHA-1, hex) of the certificate to revoke.
        thumbprint: String,
        /// From every subscription of every profile that uses the profile's certificate.
        #[arg(long)]
        everywhere: bool,
    },
}

/// The outcome of a revocation on one subscription.
#[derive(Debug, Serialize)]
struct RevokedJson {
    subscription: String,
    endpoint: String,
    /// `revoked`, `not-linked` or `failed`.
    outcome: &'static str,
    error: Option<String>,
}

impl Tabular for RevokedJson {
    const HEADER: &'static [&'static str] = &["SUBSCRIPTION", "ENDPOINT", "OUTCOME"];
    fn row(&self) -> Vec<String> {
        vec![
            self.subscription.clone(),
            self.endpoint.clone(),
            match &self.error {
                Some(e) => format!("failed: {e}"),
                None => self.outcome.to_owned(),
            },
        ]
    }
}

/// `mgmt-cert revoke`: delete `thumbprint` from the selected subscription, or from every
/// subscription of every profile that uses the selected profile's certificate.
fn revoke(ctx: &Ctx, thumbprint: &str, everywhere: bool) -> Result<()> {
    let t: azmc_pki::Thumbprint = thumbprint
        .parse()
        .map_err(|e| crate::UsageError(format!("{thumbprint:?}: {e}")))?;
    let (profile, subscription) = super::client_ctx::selected_profile(ctx)?;
    if profile.certificate.eq_ignore_ascii_case(&t.to_string()) {
        return crate::usage(format!(
            "{t} is the certificate of profile {}: revoking it would cut this profile off; use a profile with another certificate",
            profile.name
        ));
    }
    let mut targets = vec![(profile.clone(), subscription)];
    if everywhere {
        for p in super::client_ctx::load_profiles(ctx)?.profiles {
            let same_cert = p.certificate.eq_ignore_ascii_case(&profile.certificate);
            let known = targets
                .iter()
                .any(|(_, s)| s.eq_ignore_ascii_case(&p.subscription_id));
            if same_cert && !known {
                let s = p.subscription_id.clone();
                targets.push((p, s));
            }
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    for (p, sub) in &targets {
        let outcome = super::client_ctx::client_for(ctx, p, sub)
            .and_then(|c| Ok(rt.block_on(c.delete_management_certificate(&t.to_string()))?));
        let (outcome, error) = match outcome {
            Ok(_) => ("revoked", None),
            Err(e) => match e.downcast_ref::<azmc_client::ClientError>() {
                Some(c) if c.code() == Some("ResourceNotFound") => ("not-linked", None),
                _ => ("failed", Some(format!("{e:#}"))),
            },
        };
        rows.push(RevokedJson {
            subscription: sub.clone(),
            endpoint: p.endpoint.clone(),
            outcome,
            error,
        });
    }
    match ctx.global.plain_format()? {
        crate::output::Format::Json => crate::output::print_json(&rows)?,
        crate::output::Format::Table => print_rows(&rows),
    }
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 {
        anyhow::bail!(
            "{t}: {failed} of {} subscriptions could not be asked",
            rows.len()
        );
    }
    Ok(())
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
    if let MgmtCertCommand::Revoke {
        thumbprint,
        everywhere,
    } = &cmd
    {
        return revoke(ctx, thumbprint, *everywhere);
    }
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
        MgmtCertCommand::Revoke { .. } => Ok(()),
    }
}
