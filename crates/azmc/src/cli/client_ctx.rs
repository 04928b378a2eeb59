//! What every API command shares: the client of the selected profile, a runtime to drive
//! it, waiting for asynchronous operations (with a spinner on a terminal), and output.

use super::Ctx;
use crate::output::{OutputFormat, Tabular, print_fields, print_json, print_rows};
use crate::profiles::{Profile, Profiles};
use crate::secrets::Passphrase;
use anyhow::{Context, Result};
use azmc_certstore::{Scope, StoreLocation};
use azmc_client::{
    Client, ClientConfig, Endpoint, Identity, Submitted, Trust, WaitOptions, is_subscription_id,
};
use azmc_pki::Thumbprint;
use serde::Serialize;
use std::future::Future;
use std::io::IsTerminal;
use std::os::unix::fs::DirBuilderExt;
use std::time::Duration;

/// A connected API command.
pub struct Remote<'a> {
    pub ctx: &'a Ctx,
    pub client: Client,
    pub profile: Profile,
    rt: tokio::runtime::Runtime,
}

impl std::fmt::Debug for Remote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Remote({})", self.profile.name)
    }
}

/// The profiles file of this user.
pub fn load_profiles(ctx: &Ctx) -> Result<Profiles> {
    Profiles::load(Profiles::path_in(ctx.paths.root(Scope::CurrentUser)))
}

/// API commands warn when the profile's certificate expires within this many days.
const EXPIRY_WARNING_DAYS: i64 = 14;

/// Once a day per certificate, on stderr (not with `--quiet`): the profile's certificate
/// has expired or expires within [`EXPIRY_WARNING_DAYS`]. The day of the last warning is
/// kept in `$AZMC_HOME/expiry-warned/THUMBPRINT`; if it cannot be kept, the warning just
/// comes again.
fn warn_if_expiring(ctx: &Ctx, profile: &Profile, cert: &azmc_pki::Certificate) {
    let now = ctx.clock.now();
    let until = cert.not_after();
    let left = (until - now).whole_days();
    if left >= EXPIRY_WARNING_DAYS || ctx.global.quiet {
        return;
    }
    let dir = ctx.paths.root(Scope::CurrentUser).join("expiry-warned");
    let stamp = dir.join(cert.thumbprint().to_string());
    let today = now.date().to_string();
    if std::fs::read_to_string(&stamp).is_ok_and(|d| d.trim() == today) {
        return;
    }
    let when = if until < now {
        format!("expired on {}", until.date())
    } else {
        format!("expires on {} (in {left} days)", until.date())
    };
    eprintln!(
        "azmc: warning: the certificate {} of profile {} {when}: make its successor (`azmc cert new`), upload it and switch the profile (`azmc account add`)",
        cert.thumbprint(),
        profile.name
    );
    let made = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(azmc_certstore::fs::PRIVATE_DIR_MODE)
        .create(&dir);
    if made.is_ok() {
        let _ = azmc_certstore::fs::write_secret_file(&stamp, format!("{today}\n").as_bytes());
    }
}

/// Build the client of a profile (the private key is decrypted from the store).
pub fn client_for(ctx: &Ctx, profile: &Profile, subscription: &str) -> Result<Client> {
    let location: StoreLocation = profile
        .store
        .parse()
        .map_err(|e| anyhow::anyhow!("profile {}: store {:?}: {e}", profile.name, profile.store))?;
    let thumbprint: Thumbprint = profile.certificate.parse().map_err(|e| {
        anyhow::anyhow!(
            "profile {}: certificate {:?}: {e}",
            profile.name,
            profile.certificate
        )
    })?;
    let store = ctx.open_store(&location)?;
    let entry = store.get(&thumbprint).with_context(|| {
        format!(
            "profile {}: certificate {thumbprint} in {location}",
            profile.name
        )
    })?;
    warn_if_expiring(ctx, profile, &entry.certificate);
    let key = store
        .private_key(&thumbprint, &Passphrase { file: None })
        .with_context(|| format!("profile {}: the private key of {thumbprint}", profile.name))?;
    let identity = Identity::new(entry.certificate, key)?;
    let trust = match &profile.ca_pem {
        Some(pem) => Trust::from_pem(&format!("profile {} CA", profile.name), pem.as_bytes())?,
        None => Trust::SystemRoots,
    };
    let endpoint =
        Endpoint::parse(&profile.endpoint).with_context(|| format!("profile {}", profile.name))?;
    let mut config = ClientConfig::new(endpoint, subscription, identity, trust);
    config.retry.max_attempts = retries()? + 1;
    let client = Client::new(config)?;
    let quiet = ctx.global.quiet;
    client.on_retry(move |e| {
        if !quiet {
            eprintln!(
                "azmc: {} {}: {}; retrying in {:.1} s (attempt {} of {})",
                e.method,
                e.path,
                e.reason,
                e.delay.as_secs_f64(),
                e.attempt + 1,
                e.max_attempts
            );
        }
    });
    Ok(client)
}

/// The profile chosen by `--profile` / `--subscription` / the default, and the
/// subscription to act on (`--profile P --subscription ID`: P's endpoint and certificate
/// on another subscription, since one certificate often manages several).
pub fn selected_profile(ctx: &Ctx) -> Result<(Profile, String)> {
    let profiles = load_profiles(ctx)?;
    let g = &ctx.global;
    let profile = profiles
        .select(g.profile.as_deref(), g.subscription.as_deref())?
        .clone();
    let subscription = match (&g.profile, &g.subscription) {
        (Some(_), Some(s))
            if !s.eq_ignore_ascii_case(&profile.subscription_id)
                && !profile
                    .subscription_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(s)) =>
        {
            if !is_subscription_id(s) {
                return crate::usage(format!(
                    "--subscription {s:?}: with --profile, give a subscription id (a GUID)"
                ));
            }
            s.clone()
        }
        _ => profile.subscription_id.clone(),
    };
    Ok((profile, subscription))
}

impl<'a> Remote<'a> {
    /// The client of the profile chosen by `--profile` / `--subscription` / the default.
    pub fn connect(ctx: &'a Ctx) -> Result<Remote<'a>> {
        let (profile, subscription) = selected_profile(ctx)?;
        let client = client_for(ctx, &profile, &subscription)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Remote {
            ctx,
            client,
            profile,
            rt,
        })
    }

    pub fn run<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn format(&self) -> OutputFormat {
        self.ctx.global.output
    }

    /// Print a result in the chosen format.
    pub fn emit<T: Serialize>(
        &self,
        json: &T,
        table: impl FnOnce(),
        xml: impl FnOnce() -> String,
    ) -> Result<()> {
        match self.format() {
            OutputFormat::Json => print_json(json),
            OutputFormat::Table => {
                table();
                Ok(())
            }
            OutputFormat::Xml => {
                println!("{}", xml());
                Ok(())
            }
        }
    }

    /// Print a list: JSON array, table rows, or the API's XML.
    pub fn emit_list<T: Serialize + Tabular>(
        &self,
        items: &[T],
        xml: impl FnOnce() -> String,
    ) -> Result<()> {
        self.emit(&items, || print_rows(items), xml)
    }

    /// A list command: fetches the items and prints them as JSON or table rows (`json`
    /// of each) or as the API's XML (`xml` of all).
    pub fn list<W, J: Serialize + Tabular, E>(
        &self,
        fetch: impl Future<Output = std::result::Result<Vec<W>, E>>,
        json: impl Fn(&W) -> J,
        xml: impl FnOnce(&[W]) -> String,
    ) -> Result<()>
    where
        anyhow::Error: From<E>,
    {
        let all = self.run(fetch)?;
        let j: Vec<J> = all.iter().map(json).collect();
        self.emit_list(&j, || xml(&all))
    }

    /// A show command: fetches one thing and prints its JSON (`json`), its `fields` as
    /// a table, or its XML (`xml`).
    pub fn show<W, J: Serialize, E>(
        &self,
        fetch: impl Future<Output = std::result::Result<W, E>>,
        json: impl FnOnce(&W) -> J,
        fields: impl FnOnce(&J) -> Vec<(&'static str, String)>,
        xml: impl FnOnce(&W) -> String,
    ) -> Result<()>
    where
        anyhow::Error: From<E>,
    {
        let one = self.run(fetch)?;
        let j = json(&one);
        self.emit(&j, || print_fields(&fields(&j)), || xml(&one))
    }

    /// The answer of a name check.
    pub fn emit_availability(
        &self,
        name: &str,
        available: bool,
        reason: Option<String>,
    ) -> Result<()> {
        let j = NameJson {
            name: name.to_string(),
            available,
            reason,
        };
        self.emit(
            &j,
            || {
                print_fields(&[
                    ("Name", j.name.clone()),
                    ("Available", j.available.to_string()),
                    ("Reason", opt(&j.reason)),
                ])
            },
            || azmc_wire::asm::availability_to_xml(j.available, j.reason.as_deref()),
        )
    }

    /// Finish a change: wait for an accepted operation unless `--no-wait`, then report.
    /// `what` names the change for messages ("storage account mystore created").
    pub fn finish(&self, submitted: Submitted, what: &str) -> Result<()> {
        let g = &self.ctx.global;
        match submitted {
            Submitted::Accepted { request_id } if g.no_wait => {
                self.report_pending(&request_id, what)
            }
            Submitted::Accepted { request_id } => {
                let status = self.wait(&request_id)?;
                self.report_done(Some(&status.id), status.http_status, what)
            }
            Submitted::Done { request_id, status } => {
                self.report_done(request_id.as_deref(), Some(status), what)
            }
        }
    }

    fn report_pending(&self, request_id: &str, what: &str) -> Result<()> {
        match self.format() {
            OutputFormat::Json => print_json(&OperationJson {
                request_id: Some(request_id.to_string()),
                status: "InProgress".into(),
                http_status: None,
                description: what.to_string(),
            }),
            OutputFormat::Xml | OutputFormat::Table => {
                println!("{request_id}");
                if !self.ctx.global.quiet {
                    eprintln!(
                        "azmc: accepted, not waiting; follow it with `azmc operation wait {request_id}`"
                    );
                }
                Ok(())
            }
        }
    }

    fn report_done(&self, request_id: Option<&str>, http: Option<u16>, what: &str) -> Result<()> {
        match self.format() {
            OutputFormat::Json => print_json(&OperationJson {
                request_id: request_id.map(str::to_string),
                status: "Succeeded".into(),
                http_status: http,
                description: what.to_string(),
            }),
            OutputFormat::Xml | OutputFormat::Table => {
                if !self.ctx.global.quiet {
                    eprintln!(
                        "azmc: {what}: {}{}",
                        paint("Succeeded", Colour::Green),
                        request_id
                            .map(|id| format!(" (request id {id})"))
                            .unwrap_or_default()
                    );
                }
                Ok(())
            }
        }
    }

    /// Wait for an operation with a spinner (on a terminal, unless `--quiet`); the final
    /// state goes to stderr. Failure is an error.
    pub fn wait(&self, request_id: &str) -> Result<azmc_client::api::OperationStatusXml> {
        let show = !self.ctx.global.quiet && std::io::stderr().is_terminal();
        let spinner = if show {
            let pb = indicatif::ProgressBar::new_spinner();
            pb.enable_steady_tick(Duration::from_millis(120));
            pb.set_message(format!("operation {request_id}: InProgress"));
            Some(pb)
        } else {
            None
        };
        let options = WaitOptions {
            poll_interval: poll_interval(),
            ..WaitOptions::default()
        };
        let result = self.run(self.client.wait(request_id, options, |st, waited| {
            if let Some(pb) = &spinner {
                pb.set_message(format!(
                    "operation {request_id}: {} ({:.1} s)",
                    st.status,
                    waited.as_secs_f64()
                ));
            }
        }));
        if let Some(pb) = spinner {
            pb.finish_and_clear();
        }
        Ok(result?)
    }
}

/// Retries after the first attempt: `AZMC_RETRIES` (0 to 10), else 4.
fn retries() -> Result<u32> {
    match std::env::var("AZMC_RETRIES") {
        Err(_) => Ok(4),
        Ok(v) => match v.trim().parse::<u32>() {
            Ok(n) if n <= 10 => Ok(n),
            _ => crate::usage(format!("AZMC_RETRIES={v:?}: give a number from 0 to 10")),
        },
    }
}

/// The longest time between two polls (the first comes after 0.1 s and the pauses double
/// up to this): `AZMC_POLL_INTERVAL_MS` (for tests and impatient people), else one second.
fn poll_interval() -> Duration {
    std::env::var("AZMC_POLL_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(|ms| Duration::from_millis(ms.clamp(10, 60_000)))
        .unwrap_or(Duration::from_secs(1))
}

/// The JSON of a name check.
#[derive(Debug, Serialize)]
pub struct NameJson {
    pub name: String,
    pub available: bool,
    pub reason: Option<String>,
}

/// The JSON of a change or an operation.
#[derive(Debug, Serialize)]
pub struct OperationJson {
    pub request_id: Option<String>,
    pub status: String,
    pub http_status: Option<u16>,
    pub description: String,
}

#[derive(Debug, Clone, Copy)]
pub enum Colour {
    Green,
    Red,
    Yellow,
}

/// Colour a word for stderr when colours are on: stderr is a terminal (or
/// `CLICOLOR_FORCE` is set) and `NO_COLOR` is not.
pub fn paint(word: &str, colour: Colour) -> String {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    let on = !set("NO_COLOR") && (set("CLICOLOR_FORCE") || std::io::stderr().is_terminal());
    if !on {
        return word.to_string();
    }
    let code = match colour {
        Colour::Green => 32,
        Colour::Red => 31,
        Colour::Yellow => 33,
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// `Option<String>` for tables.
pub fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// A base64 label decoded for people (as sent if it is not base64 text).
pub fn label(b64: &str) -> String {
    azmc_wire::asm::decode_label(b64).unwrap_or_else(|_| b64.to_string())
}

/// Where and how a cloud service or a storage account is created (`create` of both).
#[derive(Debug, clap::Args)]
pub struct PlacementArgs {
    /// The location (region) to create it in, e.g. "West US"; give this or --affinity-group.
    #[arg(
        long,
        required_unless_present = "affinity_group",
        conflicts_with = "affinity_group"
    )]
    pub location: Option<String>,
    /// The affinity group to create it in (its location is used); give this or --location.
    #[arg(long)]
    pub affinity_group: Option<String>,
    /// Label (default: the name).
    #[arg(long)]
    pub label: Option<String>,
    /// A description.
    #[arg(long)]
    pub description: Option<String>,
}

/// What the JSON of a cloud service and of a storage account start with.
#[derive(Debug, Serialize)]
pub struct PlacedJson {
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
}

impl PlacedJson {
    /// From the API's fields (`b64_label` as sent, base64).
    pub fn new(
        name: &str,
        b64_label: &str,
        description: &Option<String>,
        (location, affinity_group): (&Option<String>, &Option<String>),
    ) -> Self {
        PlacedJson {
            name: name.to_owned(),
            label: label(b64_label),
            description: description.clone(),
            location: location.clone(),
            affinity_group: affinity_group.clone(),
        }
    }

    /// The table's LOCATION column: the location, else the affinity group.
    pub fn place(&self) -> String {
        self.location
            .clone()
            .or_else(|| self.affinity_group.clone())
            .unwrap_or_default()
    }

    /// The first fields of `show`.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Name", self.name.clone()),
            ("Label", self.label.clone()),
            ("Description", opt(&self.description)),
            ("Location", opt(&self.location)),
            ("Affinity group", opt(&self.affinity_group)),
        ]
    }
}

/// A deleted storage account or cloud service that can still be restored (`list
/// --deleted`).
#[derive(Debug, Serialize)]
pub struct DeletedJson {
    pub name: String,
    pub label: String,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// Cloud services: the certificates a restore brings back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificates: Option<u32>,
    pub deleted: String,
    /// When it is dropped for good unless restored.
    pub restorable_until: String,
}

impl DeletedJson {
    pub fn new(d: &azmc_wire::asm::DeletedResourceXml) -> Self {
        DeletedJson {
            name: d.service_name.clone(),
            label: label(&d.label),
            location: d.location.clone(),
            affinity_group: d.affinity_group.clone(),
            account_type: d.account_type.clone(),
            certificates: d.certificate_count,
            deleted: d.deleted_time.clone(),
            restorable_until: d.purge_time.clone(),
        }
    }
}

impl Tabular for DeletedJson {
    const HEADER: &'static [&'static str] = &["NAME", "LOCATION", "DELETED", "RESTORABLE UNTIL"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.location
                .clone()
                .or_else(|| self.affinity_group.clone())
                .unwrap_or_default(),
            self.deleted.clone(),
            self.restorable_until.clone(),
        ]
    }
}

/// Refuse, before any request, what the API would refuse, by the server's own rule and in
/// its words (a usage error: nothing was sent).
pub fn check_locally(rule: Result<(), azmc_server::domain::DomainError>) -> Result<()> {
    match rule {
        Ok(()) => Ok(()),
        Err(azmc_server::domain::DomainError::Invalid { message, .. }) => crate::usage(message),
        Err(e) => crate::usage(e.to_string()),
    }
}
