//! Settings → Management Certificates: every certificate linked to the user's
//! subscriptions, upload of a `.cer` (DER or PEM) to one or several of them, and delete
//! (per subscription or from all, after a confirmation page). Links go through the same
//! database verbs, limits and authorisation-index reload as the API.

use super::access::{chosen, role_on, subscriptions_of};
use super::form::pairs;
use super::html::{self, csrf_field};
use super::session::{SignedIn, SignedPost};
use super::{Portal, PortalError, oplog};
use crate::domain::{self, Actor, Ctx, DomainError};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use azmc_db::{LinkedCertificate, Subscription};
use azmc_pki::{Certificate, Thumbprint};
use maud::html;
use time::OffsetDateTime;

/// Certificates expiring within this many days are flagged.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// Whether every subscription of `subs` has room for one more management certificate
/// (checked again, atomically, by the link itself); a full one is named as the user knows
/// it.
pub(super) async fn check_room(portal: &Portal, subs: &[Subscription]) -> Result<(), PortalError> {
    let ctx = Ctx::of(&portal.app);
    let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    domain::certificates::check_room(&ctx, &ids)
        .await
        .map_err(|e| match e {
            DomainError::Limit {
                max,
                subscription: Some(id),
                ..
            } => PortalError::Conflict(format!(
                "The subscription {} ({id}) already has {max} management certificates, the most allowed. Delete one before adding another.",
                subs.iter().find(|s| s.id == id).map_or("?", |s| s.name.as_str())
            )),
            other => other.into(),
        })
}

/// Link `cert` to every subscription of `subs` (all or nothing), recording one
/// `AddSubscriptionCertificate` operation per subscription with the portal user.
pub(super) async fn link_to(
    portal: &Portal,
    user: &SignedIn,
    subs: &[Subscription],
    cert: &Certificate,
    via: &str,
) -> Result<(), PortalError> {
    let thumb = cert.thumbprint().to_string();
    check_room(portal, subs).await?;
    let mut ops = Vec::new();
    for s in subs {
        ops.push(
            oplog::begin(
                portal,
                user,
                &s.id,
                "AddSubscriptionCertificate",
                format!("/{}/certificates/{thumb}", s.id),
                vec![
                    ("thumbprint".into(), thumb.clone()),
                    ("via".into(), via.into()),
                ],
            )
            .await?,
        );
    }
    let actor = Actor::User(user.username.clone());
    let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    let result = domain::certificates::link(&Ctx::of(&portal.app), &actor, &ids, cert)
        .await
        .map(|_| ())
        .map_err(PortalError::from);
    oplog::finish(portal, &ops, result.as_ref().map(|_| ())).await;
    result
}

struct Row {
    sub: Subscription,
    cert: LinkedCertificate,
    last_used: Option<OffsetDateTime>,
}

fn expiry(not_after: OffsetDateTime, now: OffsetDateTime) -> maud::Markup {
    let days = (not_after - now).whole_days();
    html! {
        (html::time(not_after))
        @if not_after <= now {
            " " strong class="expired" { "Expired" }
        } @else if days < EXPIRY_WARNING_DAYS {
            " " strong class="expiring" { "Expires in " (days) (if days == 1 { " day" } else { " days" }) }
        }
    }
}

/// How many of `certs` are still valid at `now` but expire within the metrics' window
/// (30 days).
pub(crate) fn expiring_count(certs: &[LinkedCertificate], now: OffsetDateTime) -> usize {
    let until = now + time::Duration::days(crate::metrics::EXPIRING_DAYS);
    certs
        .iter()
        .filter(|c| c.certificate.not_after >= now && c.certificate.not_after < until)
        .count()
}

/// The banner over the subscription and certificate pages: per subscription of the user,
/// how many of its management certificates expire within 30 days (`expiring`, from
/// [`expiring_count`]; subscriptions with none are not named).
pub(crate) fn expiry_banner(expiring: &[(&Subscription, usize)]) -> maud::Markup {
    html! {
        @if expiring.iter().any(|(_, n)| *n > 0) {
            div class="warning" role="alert" {
                @for (s, n) in expiring.iter().filter(|(_, n)| *n > 0) {
                    p {
                        strong { (n) (if *n == 1 { " management certificate" } else { " management certificates" }) }
                        " of " (s.name) " (" span class="mono" { (s.id) } ") "
                        (if *n == 1 { "expires" } else { "expire" })
                        " within " (crate::metrics::EXPIRING_DAYS) " days. "
                        a href="/certificates" { "Upload their successors" }
                        " before they stop working."
                    }
                }
            }
        }
    }
}

pub async fn list(
    State(portal): State<Portal>,
    user: SignedIn,
    uri: Uri,
) -> Result<impl IntoResponse, PortalError> {
    let ctx = Ctx::of(&portal.app);
    let mut rows = Vec::new();
    let subs = subscriptions_of(&portal, &user).await?;
    let now = portal.app.clock.now();
    let mut expiring = Vec::new();
    for (sub, _) in &subs {
        let uses = domain::certificates::last_uses(&ctx, &sub.id).await?;
        let certs = domain::certificates::list(&ctx, &sub.id).await?;
        expiring.push((sub, expiring_count(&certs, now)));
        for cert in certs {
            let t = &cert.certificate.thumbprint;
            let stored = uses.get(t).copied();
            let pending = portal.app.auth.pending_use(&sub.id, t);
            rows.push(Row {
                last_used: stored.max(pending),
                sub: sub.clone(),
                cert,
            });
        }
    }
    rows.sort_by(|a, b| {
        (
            &a.cert.certificate.subject,
            &a.cert.certificate.thumbprint,
            &a.sub.name,
        )
            .cmp(&(
                &b.cert.certificate.subject,
                &b.cert.certificate.thumbprint,
                &b.sub.name,
            ))
    });
    let banner = expiry_banner(&expiring);
    let q = pairs(uri.query().unwrap_or_default().as_bytes());
    let done = q
        .iter()
        .find(|(k, _)| k == "done")
        .and_then(|(_, v)| match v.as_str() {
            "uploaded" => Some("The certificate was uploaded."),
            "deleted" => Some("The certificate was deleted."),
            "disabled" => Some("The certificate was disabled: it is refused until enabled again."),
            "enabled" => Some("The certificate was enabled again."),
            _ => None,
        });
    Ok(html::page(
        "Management certificates",
        Some(&user),
        html! {
            h1 { "Management certificates" }
            (banner)
            (html::notice(done))
            p { a href="/certificates/upload" { "Upload a management certificate (.cer)" } }
            @if rows.is_empty() {
                p { "No management certificate is linked to your subscriptions." }
            } @else {
                table {
                    caption { "Certificates that can manage your subscriptions, one row per subscription" }
                    thead { tr {
                        th scope="col" { "Name (subject)" }
                        th scope="col" { "Thumbprint" }
                        th scope="col" { "Subscription" }
                        th scope="col" { "Uploaded" }
                        th scope="col" { "Expires" }
                        th scope="col" { "Last used" }
                        th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for r in &rows {
                            tr {
                                th scope="row" {
                                    (r.cert.certificate.subject)
                                    @if r.cert.disabled_at.is_some() { " " strong class="expired" { "Disabled" } }
                                }
                                td class="mono" { (r.cert.certificate.thumbprint) }
                                td { (r.sub.name) br; span class="mono" { (r.sub.id) } }
                                td { (html::time(r.cert.created_at)) }
                                td { (expiry(r.cert.certificate.not_after, now)) }
                                td { @if let Some(t) = r.last_used { (html::time(t)) } @else { "Never" } }
                                td {
                                    a href={ "/certificates/" (r.cert.certificate.thumbprint) "/delete?subscription=" (r.sub.id) }
                                      aria-label={ "Delete " (r.cert.certificate.thumbprint) " from " (r.sub.name) } { "Delete" }
                                    " · "
                                    a href={ "/certificates/" (r.cert.certificate.thumbprint) "/delete" }
                                      aria-label={ "Delete " (r.cert.certificate.thumbprint) " from all your subscriptions" } { "Delete from all" }
                                    @let (verb, label) = if r.cert.disabled_at.is_some() { ("enable", "Enable") } else { ("disable", "Disable") };
                                    form class="inline" method="post" action={ "/certificates/" (r.cert.certificate.thumbprint) "/" (verb) } {
                                        (csrf_field(&user.csrf))
                                        input type="hidden" name="subscription" value=(r.sub.id);
                                        button type="submit" aria-label={ (label) " " (r.cert.certificate.thumbprint) " on " (r.sub.name) } { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                p { "Last-used times are recorded by the server about once a minute." }
            }
        },
    ))
}

pub async fn upload_page(
    State(portal): State<Portal>,
    user: SignedIn,
) -> Result<impl IntoResponse, PortalError> {
    let subs = subscriptions_of(&portal, &user).await?;
    let only = subs.len() == 1;
    let limit_kib = portal.app.config.portal.upload_limit / 1024;
    Ok(html::page(
        "Upload a management certificate",
        Some(&user),
        html! {
            h1 { "Upload a management certificate" }
            p { "Upload the public certificate (.cer, DER or PEM, at most " (limit_kib) " KiB) of a key you keep. Whoever holds its private key can manage the chosen subscriptions." }
            @if subs.is_empty() {
                p { "You administer no subscription." }
            } @else {
                form method="post" action="/certificates/upload" enctype="multipart/form-data" {
                    (csrf_field(&user.csrf))
                    label for="certificate" { "Certificate file (.cer)" }
                    input type="file" id="certificate" name="certificate" accept=".cer,.crt,.pem,.der" required;
                    fieldset {
                        legend { "Subscriptions the certificate may manage" }
                        @for (i, (s, _)) in subs.iter().enumerate() {
                            div {
                                input type="checkbox" id={ "sub" (i) } name="subscription" value=(s.id) checked[only];
                                " "
                                label for={ "sub" (i) } { (s.name) " " span class="mono" { "(" (s.id) ")" } }
                            }
                        }
                    }
                    button type="submit" { "Upload" }
                }
            }
        },
    ))
}

pub async fn upload(
    State(portal): State<Portal>,
    SignedPost { user, form }: SignedPost,
) -> Result<Response, PortalError> {
    let mine = subscriptions_of(&portal, &user).await?;
    let subs = chosen(&mine, &form.all("subscription"))?;
    let file = form
        .file("certificate")
        .filter(|f| !f.data.is_empty())
        .ok_or_else(|| {
            PortalError::BadRequest("Choose a certificate file (.cer) to upload.".into())
        })?;
    let cert = Certificate::parse(&file.data).map_err(|e| {
        PortalError::BadRequest(format!(
            "{} is not an X.509 certificate (.cer, DER or PEM): {e}",
            if file.filename.is_empty() {
                "The file"
            } else {
                &file.filename
            }
        ))
    })?;
    let thumb = cert.thumbprint().to_string();
    let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    let linked =
        domain::certificates::already_linked(&Ctx::of(&portal.app), &ids, &cert.thumbprint())
            .await?;
    let already: Vec<String> = subs
        .iter()
        .filter(|s| linked.contains(&s.id.as_str()))
        .map(|s| s.name.clone())
        .collect();
    if !already.is_empty() {
        return Err(PortalError::Conflict(format!(
            "The certificate {thumb} is already a management certificate of {}. Nothing was changed.",
            already.join(", ")
        )));
    }
    link_to(&portal, &user, &subs, &cert, "portal-upload").await?;
    tracing::info!(user = ?user.username, thumbprint = %thumb, subscriptions = subs.len(), "portal: certificate uploaded");
    Ok(Redirect::to("/certificates?done=uploaded").into_response())
}

/// The subscriptions a delete concerns: the one named (which must link the
/// certificate), or every subscription of the user that links it.
async fn targets(
    portal: &Portal,
    user: &SignedIn,
    thumb: &Thumbprint,
    subscription: Option<&str>,
) -> Result<Vec<(Subscription, LinkedCertificate)>, PortalError> {
    let ctx = Ctx::of(&portal.app);
    let subs = match subscription.filter(|s| !s.is_empty() && *s != "all") {
        Some(id) => vec![role_on(portal, user, id).await?.0],
        None => subscriptions_of(portal, user)
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
    };
    let mut out = Vec::new();
    for s in subs {
        match domain::certificates::get(&ctx, &s.id, thumb).await {
            Ok(c) => out.push((s, c)),
            Err(DomainError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if out.is_empty() {
        return Err(PortalError::NotFound);
    }
    Ok(out)
}

fn parse_thumbprint(t: &str) -> Result<Thumbprint, PortalError> {
    t.parse::<Thumbprint>().map_err(|_| PortalError::NotFound)
}

pub async fn disable(
    State(portal): State<Portal>,
    Path(thumbprint): Path<String>,
    post: SignedPost,
) -> Result<Response, PortalError> {
    set_disabled(portal, thumbprint, post, true).await
}

pub async fn enable(
    State(portal): State<Portal>,
    Path(thumbprint): Path<String>,
    post: SignedPost,
) -> Result<Response, PortalError> {
    set_disabled(portal, thumbprint, post, false).await
}

/// Disable or enable one link (the subscription named in the form), recorded in the
/// subscription's operation log.
async fn set_disabled(
    portal: Portal,
    thumbprint: String,
    SignedPost { user, form }: SignedPost,
    disabled: bool,
) -> Result<Response, PortalError> {
    let parsed = parse_thumbprint(&thumbprint)?;
    let thumb = parsed.to_string();
    let sub = form
        .get("subscription")
        .filter(|s| !s.is_empty())
        .ok_or(PortalError::NotFound)?;
    let found = targets(&portal, &user, &parsed, Some(sub)).await?;
    let (s, _) = &found[0];
    let op = oplog::begin(
        &portal,
        &user,
        &s.id,
        if disabled {
            "DisableSubscriptionCertificate"
        } else {
            "EnableSubscriptionCertificate"
        },
        format!("/{}/certificates/{thumb}", s.id),
        vec![("thumbprint".into(), thumb.clone())],
    )
    .await?;
    let result =
        domain::certificates::set_disabled(&Ctx::of(&portal.app), &s.id, &parsed, disabled)
            .await
            .map(|_| ())
            .map_err(PortalError::from);
    oplog::finish(&portal, &[op], result.as_ref().map(|_| ())).await;
    result?;
    tracing::info!(user = ?user.username, thumbprint = %thumb, subscription = %s.id, disabled, "portal: certificate link changed");
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/certificates?done={done}")).into_response())
}

pub async fn delete_page(
    State(portal): State<Portal>,
    user: SignedIn,
    Path(thumbprint): Path<String>,
    uri: Uri,
) -> Result<impl IntoResponse, PortalError> {
    let thumb = parse_thumbprint(&thumbprint)?;
    let q = pairs(uri.query().unwrap_or_default().as_bytes());
    let sub = q
        .iter()
        .find(|(k, _)| k == "subscription")
        .map(|(_, v)| v.as_str());
    let found = targets(&portal, &user, &thumb, sub).await?;
    let subject = found[0].1.certificate.subject.clone();
    Ok(html::page(
        "Delete a management certificate",
        Some(&user),
        html! {
            h1 { "Delete a management certificate?" }
            p { "The certificate " strong { (subject) } " (thumbprint " span class="mono" { (thumb) } ") will no longer be able to manage:" }
            ul { @for (s, _) in &found { li { (s.name) " " span class="mono" { "(" (s.id) ")" } } } }
            p class="warning" { "Programs that use this certificate for these subscriptions will be refused from their next request." }
            form method="post" action={ "/certificates/" (thumb) "/delete" } {
                (csrf_field(&user.csrf))
                input type="hidden" name="subscription" value=(sub.unwrap_or("all"));
                button type="submit" { "Delete" }
                " "
                a href="/certificates" { "Cancel" }
            }
        },
    ))
}

pub async fn delete(
    State(portal): State<Portal>,
    Path(thumbprint): Path<String>,
    SignedPost { user, form }: SignedPost,
) -> Result<Response, PortalError> {
    let parsed = parse_thumbprint(&thumbprint)?;
    let thumb = parsed.to_string();
    let found = targets(&portal, &user, &parsed, form.get("subscription")).await?;
    for (s, _) in &found {
        let op = oplog::begin(
            &portal,
            &user,
            &s.id,
            "RemoveSubscriptionCertificate",
            format!("/{}/certificates/{thumb}", s.id),
            vec![("thumbprint".into(), thumb.clone())],
        )
        .await?;
        let result = domain::certificates::unlink(&Ctx::of(&portal.app), &s.id, &parsed)
            .await
            .map_err(PortalError::from);
        oplog::finish(&portal, &[op], result.as_ref().map(|_| ())).await;
        result?;
    }
    tracing::info!(user = ?user.username, thumbprint = %thumb, subscriptions = found.len(), "portal: certificate deleted");
    Ok(Redirect::to("/certificates?done=deleted").into_response())
}
