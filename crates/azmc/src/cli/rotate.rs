//! `azmc cert rotate`: replace the profile's management certificate everywhere it is used.
//!
//! The old certificate is the selected profile's; every profile that uses it is rotated
//! with it. In order, per subscription of those profiles: the new certificate is linked
//! (through the API, authenticated by the old one), proved (an authenticated Get
//! Subscription with the new one), the profiles of that subscription are switched to it,
//! and the old one's link is deleted (unless `--keep-old`). A rotation in progress is kept
//! in `$AZMC_HOME/rotations/OLD.json` from the moment the new certificate exists: a run
//! that was interrupted or failed on some subscription is resumed by running the command
//! again (with a profile on the old or on the new certificate), with the same new
//! certificate, and every step is idempotent. Each subscription's outcome is reported.

use super::Ctx;
use super::client_ctx::{client_for, load_profiles, selected_profile};
use crate::output::{Format, Tabular, print_json, print_rows};
use crate::profiles::Profile;
use anyhow::{Context, Result};
use azmc_certstore::{KeyPolicy, Protection, Scope, StoreLocation};
use azmc_pki::{KeyKind, NewCertificate, Thumbprint, create_self_signed};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The new certificate's name (its subject is CN=NAME; default: the old one's name
    /// with the date of the rotation).
    #[arg(long)]
    name: Option<String>,
    /// Key type of the new certificate.
    #[arg(long, default_value = "rsa2048", value_parser = parse_key_kind)]
    key: KeyKind,
    /// Validity of the new certificate in days, from now.
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Leave the old certificate linked (to retire it later yourself).
    #[arg(long)]
    keep_old: bool,
}

fn parse_key_kind(s: &str) -> Result<KeyKind, String> {
    s.parse().map_err(|e: azmc_pki::PkiError| e.to_string())
}

/// A rotation in progress, kept until every subscription is done.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    old: String,
    new: String,
    store: String,
}

/// What happened on one subscription.
#[derive(Debug, Serialize)]
struct Outcome {
    subscription: String,
    profiles: Vec<String>,
    new_linked: bool,
    verified: bool,
    switched: bool,
    old_removed: bool,
    error: Option<String>,
}

impl Tabular for Outcome {
    const HEADER: &'static [&'static str] = &[
        "SUBSCRIPTION",
        "PROFILES",
        "NEW LINKED",
        "VERIFIED",
        "SWITCHED",
        "OLD REMOVED",
    ];
    fn row(&self) -> Vec<String> {
        let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
        let mut row = vec![
            self.subscription.clone(),
            self.profiles.join(", "),
            yes(self.new_linked),
            yes(self.verified),
            yes(self.switched),
            yes(self.old_removed),
        ];
        if let Some(e) = &self.error {
            row[5] = format!("{} (failed: {e})", row[5]);
        }
        row
    }
}

#[derive(Debug, Serialize)]
struct RotationJson<'a> {
    old: &'a str,
    new: &'a str,
    resumed: bool,
    complete: bool,
    subscriptions: &'a [Outcome],
}

fn state_path(ctx: &Ctx, old: &str) -> PathBuf {
    ctx.paths
        .root(Scope::CurrentUser)
        .join("rotations")
        .join(format!("{old}.json"))
}

/// The rotation in progress that `thumbprint` takes part in (as old or new), if any.
fn find_state(ctx: &Ctx, thumbprint: &str) -> Option<State> {
    let dir = ctx.paths.root(Scope::CurrentUser).join("rotations");
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|d| serde_json::from_slice::<State>(&d).ok())
        .find(|s| s.old.eq_ignore_ascii_case(thumbprint) || s.new.eq_ignore_ascii_case(thumbprint))
}

fn save_state(ctx: &Ctx, state: &State) -> Result<()> {
    let path = state_path(ctx, &state.old);
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(azmc_certstore::fs::PRIVATE_DIR_MODE)
            .create(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    azmc_certstore::fs::write_secret_file(&path, &serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("{}: cannot write", path.display()))
}

pub fn run(ctx: &Ctx, a: RotateArgs) -> Result<()> {
    let format = ctx.output()?.output;
    let (selected, _) = selected_profile(ctx)?;
    let (state, resumed) = match find_state(ctx, &selected.certificate) {
        Some(s) => (s, true),
        None => (begin(ctx, &selected, &a)?, false),
    };
    let mut profiles = load_profiles(ctx)?;
    let rotated = |p: &Profile| {
        p.store.eq_ignore_ascii_case(&state.store)
            && (p.certificate.eq_ignore_ascii_case(&state.old)
                || p.certificate.eq_ignore_ascii_case(&state.new))
    };
    // The subscriptions of the rotated profiles, each with its profiles.
    let mut subscriptions: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, p) in profiles
        .profiles
        .iter()
        .enumerate()
        .filter(|(_, p)| rotated(p))
    {
        match subscriptions
            .iter_mut()
            .find(|(s, _)| s.eq_ignore_ascii_case(&p.subscription_id))
        {
            Some((_, list)) => list.push(i),
            None => subscriptions.push((p.subscription_id.clone(), vec![i])),
        }
    }
    let store = ctx.open_store(&state.store.parse::<StoreLocation>()?)?;
    let new_thumb: Thumbprint = state.new.parse()?;
    let new_der = store
        .get(&new_thumb)
        .with_context(|| format!("the new certificate {} of the rotation", state.new))?
        .certificate
        .der()
        .to_vec();
    let mut outcomes = Vec::new();
    for (sub, members) in &subscriptions {
        let first = profiles.profiles[members[0]].clone();
        let mut o = Outcome {
            subscription: sub.clone(),
            profiles: members
                .iter()
                .map(|i| profiles.profiles[*i].name.clone())
                .collect(),
            new_linked: false,
            verified: false,
            switched: false,
            old_removed: false,
            error: None,
        };
        let as_new = Profile {
            certificate: state.new.clone(),
            ..first.clone()
        };
        let step = (|| -> Result<()> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            if first.certificate.eq_ignore_ascii_case(&state.old) {
                let old_client = client_for(ctx, &first, sub)?;
                match rt.block_on(old_client.add_management_certificate(&new_der)) {
                    Ok(_) => {}
                    Err(e) if e.code() == Some("ConflictError") => {} // linked by a run before
                    Err(e) => return Err(e).context("linking the new certificate"),
                }
            }
            o.new_linked = true;
            let new_client = client_for(ctx, &as_new, sub)?;
            rt.block_on(new_client.subscription_info())
                .context("proving the new certificate (Get Subscription)")?;
            o.verified = true;
            for i in members {
                profiles.profiles[*i].certificate = state.new.clone();
            }
            profiles.save()?;
            o.switched = true;
            if !a.keep_old {
                match rt.block_on(new_client.delete_management_certificate(&state.old)) {
                    Ok(_) => {}
                    Err(e) if e.code() == Some("ResourceNotFound") => {} // removed before
                    Err(e) => return Err(e).context("deleting the old certificate's link"),
                }
                o.old_removed = true;
            }
            Ok(())
        })();
        if let Err(e) = step {
            o.error = Some(format!("{e:#}"));
        }
        outcomes.push(o);
    }
    let complete = outcomes.iter().all(|o| o.error.is_none());
    if complete {
        let _ = std::fs::remove_file(state_path(ctx, &state.old));
    }
    match format {
        Format::Json => print_json(&RotationJson {
            old: &state.old,
            new: &state.new,
            resumed,
            complete,
            subscriptions: &outcomes,
        })?,
        Format::Table => {
            println!(
                "{} rotation {} -> {}",
                if resumed { "resumed" } else { "new" },
                state.old,
                state.new
            );
            print_rows(&outcomes);
        }
    }
    if !complete {
        anyhow::bail!(
            "the rotation is not complete: mend what failed and run `azmc cert rotate` again to resume it (the new certificate {} is kept)",
            state.new
        );
    }
    if !ctx.global.quiet {
        eprintln!(
            "azmc: rotated {} -> {}{}; the old key is still in {} (`azmc certstore delete {}` when nothing else needs it)",
            state.old,
            state.new,
            if a.keep_old {
                " (the old certificate is still linked: --keep-old)"
            } else {
                ""
            },
            state.store,
            state.old
        );
    }
    Ok(())
}

/// A new certificate in the old one's store, and the state that names both.
fn begin(ctx: &Ctx, selected: &Profile, a: &RotateArgs) -> Result<State> {
    let location: StoreLocation = selected.store.parse()?;
    let store = ctx.open_store(&location)?;
    let old: Thumbprint = selected.certificate.parse()?;
    let old_cert = store
        .get(&old)
        .with_context(|| format!("profile {}: certificate {old}", selected.name))?
        .certificate;
    let now = ctx.clock.now();
    let name = a.name.clone().unwrap_or_else(|| {
        let subject = old_cert.subject().to_string();
        let cn: String = subject
            .strip_prefix("CN=")
            .unwrap_or(&subject)
            .chars()
            .take(40)
            .collect();
        format!("{cn} (rotated {})", now.date())
    });
    let (cert, key) = create_self_signed(&NewCertificate {
        name: &name,
        key: a.key,
        days: a.days,
        now,
    })
    .context("creating the new certificate")?;
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Default,
    };
    store
        .add(&cert, Some((&key, &policy)), None)
        .with_context(|| format!("adding {} to {location}", cert.thumbprint()))?;
    let state = State {
        old: old.to_string(),
        new: cert.thumbprint().to_string(),
        store: location.to_string(),
    };
    save_state(ctx, &state)?;
    Ok(state)
}
