//! Settings → Management Certificates: every certificate linked to the user's
//! subscriptions, upload of a `.cer` (DER or PEM) to one or several of them, and delete
//! (per subscription or from all, after a confirmation page). Links go through the same
//! database verbs, limits and authorisation-index reload as the API.

use super::access::{active, chosen, role_on, subscriptions_of};
use super::form::pairs;
use super::html::{self, csrf_field};
use super::session::{SignedIn, SignedPost, redirect_with_flash};
use super::subscriptions::name_of;
use super::{Portal, PortalError, oplog};
use crate::domain::{self, Actor, Ctx, DomainError};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use azmc_db::{LinkedCertificate, Subscription};
use azmc_pki::{Certificate, Thumbprint};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
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

/// A certificate as the portal names it in words: its subject, the start of its
/// thumbprint and when it was uploaded (certificates may share a name).
fn cert_words(c: &LinkedCertificate) -> String {
    format!(
        "{} ({}…, uploaded {})",
        c.certificate.subject,
        html::short_thumb(&c.certificate.thumbprint.to_string()),
        html::time_text(c.created_at)
    )
}

/// `A`, `A and B`, `A, B and C`.
pub(super) fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// How the certificates page orders its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Name,
    Expiry,
    LastUsed,
}

impl Sort {
    fn parse(s: &str) -> Sort {
        match s {
            "expiry" => Sort::Expiry,
            "used" => Sort::LastUsed,
            _ => Sort::Name,
        }
    }
}

/// The certificates page's query: search text, subscription, order.
#[derive(Debug, Default)]
struct ListQuery {
    q: String,
    subscription: String,
    sort: String,
}

impl ListQuery {
    fn from_uri(uri: &Uri) -> ListQuery {
        let mut l = ListQuery::default();
        for (k, v) in pairs(uri.query().unwrap_or_default().as_bytes()) {
            match k.as_str() {
                "q" => l.q = v.trim().to_string(),
                "subscription" => l.subscription = v.trim().to_string(),
                "sort" => l.sort = v,
                _ => {}
            }
        }
        l
    }

    /// Whether the row matches the search (name or thumbprint, case-insensitive; spaces
    /// in a pasted thumbprint ignored) and the subscription chosen.
    fn matches(&self, r: &Row) -> bool {
        if !self.subscription.is_empty() && !r.sub.id.eq_ignore_ascii_case(&self.subscription) {
            return false;
        }
        if self.q.is_empty() {
            return true;
        }
        let q = self.q.to_lowercase();
        let compact: String = q
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect();
        r.cert.certificate.subject.to_lowercase().contains(&q)
            || (!compact.is_empty()
                && r.cert
                    .certificate
                    .thumbprint
                    .to_string()
                    .to_lowercase()
                    .contains(&compact))
    }
}

fn sort_rows(rows: &mut [Row], sort: Sort) {
    rows.sort_by(|a, b| {
        let name = |r: &Row| r.cert.certificate.subject.to_lowercase();
        let tie = |a: &Row, b: &Row| {
            (
                name(a),
                a.cert.created_at,
                a.cert.certificate.thumbprint.to_string(),
                a.sub.name.to_lowercase(),
            )
                .cmp(&(
                    name(b),
                    b.cert.created_at,
                    b.cert.certificate.thumbprint.to_string(),
                    b.sub.name.to_lowercase(),
                ))
        };
        match sort {
            Sort::Name => tie(a, b),
            Sort::Expiry => a
                .cert
                .certificate
                .not_after
                .cmp(&b.cert.certificate.not_after)
                .then_with(|| tie(a, b)),
            // Most recently used first; never used last.
            Sort::LastUsed => b.last_used.cmp(&a.last_used).then_with(|| tie(a, b)),
        }
    });
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
    // In how many of the user's subscriptions each certificate is, and how many
    // certificates share each name.
    let mut links: std::collections::HashMap<Thumbprint, usize> = Default::default();
    let mut names: std::collections::HashMap<String, std::collections::HashSet<Thumbprint>> =
        Default::default();
    for r in &rows {
        *links.entry(r.cert.certificate.thumbprint).or_default() += 1;
        names
            .entry(r.cert.certificate.subject.to_lowercase())
            .or_default()
            .insert(r.cert.certificate.thumbprint);
    }
    let total_certs = links.len();
    let total_rows = rows.len();
    let query = ListQuery::from_uri(&uri);
    let sort = Sort::parse(&query.sort);
    rows.retain(|r| query.matches(r));
    sort_rows(&mut rows, sort);
    let shown_certs: std::collections::HashSet<Thumbprint> =
        rows.iter().map(|r| r.cert.certificate.thumbprint).collect();
    let banner = expiry_banner(&expiring);
    Ok(html::page(
        "Management certificates",
        Some(&user),
        html::Nav::Certificates,
        html! {
            h1 { "Management certificates" }
            (banner)
            p { a class="button" href="/certificates/upload" { "Upload a management certificate (.cer)" } }
            @if total_rows == 0 {
                p { "No management certificate is linked to your subscriptions." }
            } @else {
                form method="get" action="/certificates" class="filters" role="search" {
                    div class="field" {
                        label for="c-q" { "Name or thumbprint" }
                        input type="search" id="c-q" name="q" value=(query.q);
                    }
                    div class="field" {
                        label for="c-sub" { "Subscription" }
                        select id="c-sub" name="subscription" {
                            option value="" selected[query.subscription.is_empty()] { "All my subscriptions" }
                            @for (s, _) in &subs {
                                option value=(s.id) selected[s.id.eq_ignore_ascii_case(&query.subscription)] { (super::subscriptions::option_name(s)) }
                            }
                        }
                    }
                    div class="field" {
                        label for="c-sort" { "Sort by" }
                        select id="c-sort" name="sort" {
                            option value="name" selected[sort == Sort::Name] { "Name" }
                            option value="expiry" selected[sort == Sort::Expiry] { "Expiry (soonest first)" }
                            option value="used" selected[sort == Sort::LastUsed] { "Last used (latest first)" }
                        }
                    }
                    div class="actions" {
                        button type="submit" { "Apply" }
                        a class="button secondary" href="/certificates" { "Clear" }
                    }
                }
                p class="count" role="status" {
                    "Showing " (shown_certs.len()) " of " (total_certs)
                    (if total_certs == 1 { " certificate" } else { " certificates" })
                    " (" (rows.len()) " of " (total_rows) (if total_rows == 1 { " link" } else { " links" }) " to subscriptions)."
                }
                @if rows.is_empty() {
                    p { "No certificate matches. " a href="/certificates" { "Show all" } }
                } @else {
                div class="table-box" { table class="stack" {
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
                            @let t = r.cert.certificate.thumbprint.to_string();
                            @let twin = names.get(&r.cert.certificate.subject.to_lowercase()).is_some_and(|n| n.len() > 1);
                            @let label = format!("{} ({}…)", r.cert.certificate.subject, html::short_thumb(&t));
                            tr {
                                th scope="row" {
                                    (r.cert.certificate.subject)
                                    @if twin { " " span class="mono nowrap" { "(" (html::short_thumb(&t)) "…)" } }
                                    @if r.cert.disabled_at.is_some() { " " strong class="badge disabled" { "Disabled" } }
                                }
                                td data-label="Thumbprint" { (html::thumbprint(&t)) }
                                td data-label="Subscription" { (name_of(&r.sub)) }
                                td data-label="Uploaded" { (html::time(r.cert.created_at)) }
                                td data-label="Expires" { (expiry(r.cert.certificate.not_after, now)) }
                                td data-label="Last used" { @if let Some(u) = r.last_used { (html::time(u)) } @else { "Never" } }
                                td data-label="Actions" { div class="actions" {
                                    @let (verb, action) = if r.cert.disabled_at.is_some() { ("enable", "Enable") } else { ("disable", "Disable") };
                                    form class="inline" method="post" action={ "/certificates/" (t) "/" (verb) } {
                                        (csrf_field(&user.csrf))
                                        input type="hidden" name="subscription" value=(r.sub.id);
                                        button type="submit" class="secondary" aria-label={ (action) " " (label) " on " (r.sub.name) } { (action) }
                                    }
                                    a class="button danger" href={ "/certificates/" (t) "/delete?subscription=" (r.sub.id) }
                                      aria-label={ "Delete " (t) " from " (r.sub.name) } { "Delete…" }
                                    @if links.get(&r.cert.certificate.thumbprint).copied().unwrap_or(0) > 1 {
                                        a class="button danger" href={ "/certificates/" (t) "/delete" }
                                          aria-label={ "Delete " (t) " from all your subscriptions" } { "Delete from all…" }
                                    }
                                } }
                            }
                        }
                    }
                } }
                }
                p { "Last-used times are recorded by the server about once a minute." }
            }
        },
    ))
}

/// What the upload form shows again after a refusal or before a confirmation.
#[derive(Debug, Default)]
struct UploadForm {
    /// The subscriptions ticked (ids as sent).
    selected: Vec<String>,
    /// Why the file was refused (shown at the file field).
    file_error: Option<String>,
    /// Why the subscriptions were refused (shown at the fieldset).
    subscriptions_error: Option<String>,
    /// A certificate that needs a confirmation (expired or not yet valid): its DER and why.
    confirm: Option<(Vec<u8>, String)>,
}

pub async fn upload_page(
    State(portal): State<Portal>,
    user: SignedIn,
) -> Result<Response, PortalError> {
    upload_form(&portal, &user, StatusCode::OK, UploadForm::default()).await
}

async fn upload_form(
    portal: &Portal,
    user: &SignedIn,
    status: StatusCode,
    form: UploadForm,
) -> Result<Response, PortalError> {
    let subs = subscriptions_of(portal, user).await?;
    let (offered, disabled) = active(&subs);
    let only = offered.len() == 1 && form.selected.is_empty();
    let limit_kib = portal.app.config.portal.upload_limit / 1024;
    let is_selected = |s: &Subscription| {
        only || form
            .selected
            .iter()
            .any(|id| id.trim().eq_ignore_ascii_case(&s.id))
    };
    let page = html::page(
        "Upload a management certificate",
        Some(user),
        html::Nav::Certificates,
        html! {
            h1 { "Upload a management certificate" }
            p { "Upload the public certificate (.cer, DER or PEM, at most " (limit_kib) " KiB) of a key you keep. Whoever holds its private key can manage the chosen subscriptions. Never upload the private key itself (.pfx, .key)." }
            @if form.file_error.is_some() || form.subscriptions_error.is_some() {
                p class="error" role="alert" { "Nothing was uploaded: see the message at the field." }
            }
            @if offered.is_empty() {
                p { "You administer no active subscription." }
            } @else if let Some((der, why)) = &form.confirm {
                div class="warning" role="alert" {
                    p { strong { (why) } }
                    p { "A management certificate outside its validity period is refused by the API. Upload it anyway only if you know why you need it." }
                }
                form method="post" action="/certificates/upload" {
                    (csrf_field(&user.csrf))
                    input type="hidden" name="certificate_der" value=(STANDARD.encode(der));
                    input type="hidden" name="confirm" value="validity";
                    @for (s, _) in &offered { @if is_selected(s) {
                        input type="hidden" name="subscription" value=(s.id);
                    } }
                    div class="actions" {
                        button type="submit" { "Upload anyway" }
                        a class="button secondary" href="/certificates/upload" { "Choose another file" }
                    }
                }
            } @else {
                form method="post" action="/certificates/upload" enctype="multipart/form-data" {
                    (csrf_field(&user.csrf))
                    div class="field" {
                        label for="certificate" { "Certificate file (.cer)" }
                        @if let Some(e) = &form.file_error {
                            p id="certificate-error" class="field-error" { (e) }
                            input type="file" id="certificate" name="certificate" accept=".cer,.crt,.pem,.der" required
                                aria-invalid="true" aria-describedby="certificate-error";
                        } @else {
                            input type="file" id="certificate" name="certificate" accept=".cer,.crt,.pem,.der" required;
                        }
                    }
                    fieldset aria-describedby=[form.subscriptions_error.as_ref().map(|_| "subscriptions-error")] {
                        legend { "Subscriptions the certificate may manage" }
                        @if let Some(e) = &form.subscriptions_error {
                            p id="subscriptions-error" class="field-error" { (e) }
                        }
                        @for (i, s) in offered.iter().enumerate() {
                            div {
                                input type="checkbox" id={ "sub" (i) } name="subscription" value=(s.0.id) checked[is_selected(&s.0)]
                                    aria-invalid=[form.subscriptions_error.as_ref().map(|_| "true")];
                                " "
                                label for={ "sub" (i) } { (s.0.name) " " span class="mono" { "(" (s.0.id) ")" } }
                            }
                        }
                        @if !disabled.is_empty() {
                            p class="hint" { "Not offered, being disabled: " (and_list(&disabled.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())) "." }
                        }
                    }
                    p { button type="submit" { "Upload" } }
                }
            }
        },
    );
    Ok((status, page).into_response())
}

/// What a file that is not a certificate is, and what to upload instead; `None` for
/// content not recognised.
fn what_instead(data: &[u8], filename: &str) -> Option<String> {
    let lower = filename.to_ascii_lowercase();
    let head = String::from_utf8_lossy(&data[..data.len().min(4096)]);
    let text = head.trim_start_matches('\u{feff}').trim_start();
    let key = "a private key. Never upload a private key: upload the certificate (.cer) that goes with it, and keep the key to yourself.";
    let pfx = "a PKCS#12 (.pfx) file, which holds a private key. Upload only its certificate: export it as .cer (for example with openssl pkcs12 -in FILE -nokeys -clcerts -out cert.pem).";
    if let Some(at) = text.find("-----BEGIN ") {
        let label = text[at + 11..].split("-----").next().unwrap_or_default();
        if label.contains("PRIVATE KEY") {
            return Some(key.to_string());
        }
        if label.contains("PKCS12") {
            return Some(pfx.to_string());
        }
        let label = label.trim();
        if label == "CERTIFICATE" {
            return None; // a damaged certificate: the parser's message says what is wrong
        }
        if label.contains("REQUEST") {
            return Some("a certificate signing request. Upload the certificate issued for it, or a self-signed certificate (.cer), instead.".to_string());
        }
        return Some(format!(
            "a PEM file holding {label}, not a CERTIFICATE. Upload the certificate (.cer) instead."
        ));
    }
    if text.starts_with('<') && text.contains("<PublishData") {
        return Some("a publish settings file: it already carries its own management certificate. Import it with azmc account import instead; to make a new one for these subscriptions, use Publish settings.".to_string());
    }
    if data.first() == Some(&0x30) {
        let inner = match data.get(1) {
            Some(&l) if l < 0x80 => 2,
            Some(&l) => 2 + usize::from(l & 0x7f),
            None => return None,
        };
        match (data.get(inner), data.get(inner + 1), data.get(inner + 2)) {
            (Some(0x02), Some(0x01), Some(0x03)) => return Some(pfx.to_string()),
            (Some(0x02), Some(0x01), Some(0x00 | 0x01)) => return Some(key.to_string()),
            _ => {}
        }
    }
    if lower.ends_with(".pfx") || lower.ends_with(".p12") {
        return Some(pfx.to_string());
    }
    if lower.ends_with(".key") {
        return Some(key.to_string());
    }
    None
}

/// Why `cert` needs a confirmation at `now`, if it does.
fn validity_warning(cert: &Certificate, now: OffsetDateTime) -> Option<String> {
    if cert.not_after() <= now {
        Some(format!(
            "This certificate expired on {}.",
            html::time_text(cert.not_after())
        ))
    } else if cert.not_before() > now {
        Some(format!(
            "This certificate is not valid before {}.",
            html::time_text(cert.not_before())
        ))
    } else {
        None
    }
}

pub async fn upload(
    State(portal): State<Portal>,
    SignedPost { user, form }: SignedPost,
) -> Result<Response, PortalError> {
    let mine = subscriptions_of(&portal, &user).await?;
    let selected: Vec<String> = form
        .all("subscription")
        .iter()
        .map(|s| s.to_string())
        .collect();
    let again = |status: StatusCode, f: UploadForm| upload_form(&portal, &user, status, f);
    let subs = match chosen(&mine, &form.all("subscription")) {
        Ok(s) => s,
        Err(PortalError::BadRequest(m)) => {
            let f = UploadForm {
                selected,
                subscriptions_error: Some(m),
                ..Default::default()
            };
            return again(StatusCode::BAD_REQUEST, f).await;
        }
        Err(e) => return Err(e),
    };
    let refuse_file = |status: StatusCode, message: String| {
        UploadForm {
            selected: selected.clone(),
            file_error: Some(message),
            ..Default::default()
        }
        .with_status(status)
    };
    let confirmed = form.get("confirm") == Some("validity");
    let (data, filename) = match (
        form.file("certificate").filter(|f| !f.data.is_empty()),
        form.get("certificate_der"),
    ) {
        (Some(f), _) => (f.data.clone(), f.filename.clone()),
        (None, Some(b64)) if confirmed => match STANDARD.decode(b64.trim()) {
            Ok(d) => (d, String::new()),
            Err(_) => return Err(PortalError::BadRequest("The form is malformed.".into())),
        },
        _ => {
            let (st, f) = refuse_file(
                StatusCode::BAD_REQUEST,
                "Choose a certificate file (.cer) to upload.".into(),
            );
            return again(st, f).await;
        }
    };
    let shown = if filename.is_empty() {
        "The file"
    } else {
        filename.as_str()
    };
    let cert = match Certificate::parse(&data) {
        Ok(c) => c,
        Err(e) => {
            let message = match what_instead(&data, &filename) {
                Some(what) => format!("{shown} is {what}"),
                None => format!("{shown} is not an X.509 certificate (.cer, DER or PEM): {e}"),
            };
            let (st, f) = refuse_file(StatusCode::BAD_REQUEST, message);
            return again(st, f).await;
        }
    };
    if let Some(why) = validity_warning(&cert, portal.app.clock.now())
        && !confirmed
    {
        let f = UploadForm {
            selected,
            confirm: Some((cert.der().to_vec(), why)),
            ..Default::default()
        };
        return again(StatusCode::OK, f).await;
    }
    let thumb = cert.thumbprint().to_string();
    let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    let linked =
        domain::certificates::already_linked(&Ctx::of(&portal.app), &ids, &cert.thumbprint())
            .await?;
    let already: Vec<&str> = subs
        .iter()
        .filter(|s| linked.contains(&s.id.as_str()))
        .map(|s| s.name.as_str())
        .collect();
    if !already.is_empty() {
        let (st, f) = refuse_file(
            StatusCode::CONFLICT,
            format!(
                "The certificate {thumb} is already a management certificate of {}. Nothing was changed.",
                and_list(&already)
            ),
        );
        return again(st, f).await;
    }
    match link_to(&portal, &user, &subs, &cert, "portal-upload").await {
        Ok(()) => {}
        Err(PortalError::Conflict(m)) => {
            let f = UploadForm {
                selected,
                subscriptions_error: Some(m),
                ..Default::default()
            };
            return again(StatusCode::CONFLICT, f).await;
        }
        Err(e) => return Err(e),
    }
    tracing::info!(user = ?user.username, thumbprint = %thumb, subscriptions = subs.len(), "portal: certificate uploaded");
    let names: Vec<&str> = subs.iter().map(|s| s.name.as_str()).collect();
    Ok(redirect_with_flash(
        "/certificates?done=uploaded",
        &format!(
            "Certificate {} ({}…) uploaded to {}.",
            cert.subject(),
            html::short_thumb(&thumb),
            and_list(&names)
        ),
    ))
}

impl UploadForm {
    fn with_status(self, s: StatusCode) -> (StatusCode, UploadForm) {
        (s, self)
    }
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
    let (done, words) = if disabled {
        ("disabled", "disabled on")
    } else {
        ("enabled", "enabled again on")
    };
    let c = &found[0].1;
    Ok(redirect_with_flash(
        &format!("/certificates?done={done}"),
        &format!(
            "Certificate {} {words} {}.{}",
            cert_words(c),
            s.name,
            if disabled {
                " It is refused there until enabled again."
            } else {
                ""
            }
        ),
    ))
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
        html::Nav::Certificates,
        html! {
            h1 { "Delete a management certificate?" }
            dl {
                dt { "Certificate" } dd { strong { (subject) } }
                dt { "Thumbprint" } dd { (html::thumbprint(&thumb.to_string())) }
                dt { "Uploaded" } dd { (html::time(found[0].1.created_at)) }
            }
            p { "It will no longer be able to manage:" }
            ul { @for (s, _) in &found { li { strong { (s.name) } " " (html::ident(&s.id)) } } }
            p class="warning" { "Programs that use this certificate for these subscriptions will be refused from their next request." }
            form method="post" action={ "/certificates/" (thumb) "/delete" } {
                (csrf_field(&user.csrf))
                input type="hidden" name="subscription" value=(sub.unwrap_or("all"));
                div class="actions" {
                    button type="submit" class="danger" { "Delete" }
                    a class="button secondary" href="/certificates" { "Cancel" }
                }
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
    let names: Vec<&str> = found.iter().map(|(s, _)| s.name.as_str()).collect();
    Ok(redirect_with_flash(
        "/certificates?done=deleted",
        &format!(
            "Certificate {} deleted from {}.",
            cert_words(&found[0].1),
            and_list(&names)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::{and_list, what_instead};

    #[test]
    fn files_that_are_not_certificates_are_named() {
        let says = |data: &[u8], name: &str| what_instead(data, name).unwrap_or_default();
        assert!(
            says(b"-----BEGIN PRIVATE KEY-----\nMII=\n", "a.pem").starts_with("a private key.")
        );
        assert!(says(b"-----BEGIN RSA PRIVATE KEY-----\n", "k").starts_with("a private key."));
        assert!(says(b"-----BEGIN EC PRIVATE KEY-----\n", "k").starts_with("a private key."));
        assert!(says(&[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03], "x").starts_with("a PKCS#12"));
        assert!(says(&[0x30, 0x03, 0x02, 0x01, 0x00], "x").starts_with("a private key."));
        assert!(says(b"garbage", "me.pfx").starts_with("a PKCS#12"));
        assert!(
            says(b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<PublishData>", "x")
                .starts_with("a publish settings file")
        );
        assert!(
            says(b"-----BEGIN CERTIFICATE REQUEST-----\n", "x")
                .starts_with("a certificate signing request")
        );
        assert_eq!(
            what_instead(b"-----BEGIN CERTIFICATE-----\nbroken", "c.pem"),
            None
        );
        assert_eq!(what_instead(b"just text", "notes.txt"), None);
        assert_eq!(what_instead(b"", ""), None);
    }

    #[test]
    fn lists_read_as_words() {
        assert_eq!(and_list(&[]), "");
        assert_eq!(and_list(&["A"]), "A");
        assert_eq!(and_list(&["A", "B"]), "A and B");
        assert_eq!(and_list(&["A", "B", "C"]), "A, B and C");
    }
}
