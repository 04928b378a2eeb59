//! The subscriptions page (role, status, quota use) and a subscription's page with its
//! co-administrators, which its service administrator manages.

use super::access::{role_name, role_on, subscriptions_of};
use super::form::pairs;
use super::html::{self, csrf_field};
use super::session::{SignedIn, SignedPost, redirect_with_flash};
use super::{Portal, PortalError, oplog};
use crate::domain::{Ctx, subscriptions};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use azmc_db::{Role, Subscription, SubscriptionStatus};
use maud::{Markup, html};

/// The subscription's status, a disabled one marked as such.
pub(super) fn status(s: &Subscription) -> Markup {
    html! {
        @if s.status == SubscriptionStatus::Disabled {
            strong class="badge disabled" { "Disabled" }
        } @else {
            (s.status)
        }
    }
}

/// A subscription's name, with a "Disabled" mark when it is.
pub(super) fn name_of(s: &Subscription) -> Markup {
    html! {
        (s.name)
        @if s.status == SubscriptionStatus::Disabled { " " strong class="badge disabled" { "Disabled" } }
    }
}

/// A subscription's name in a `<select>`: "(disabled)" after a disabled one.
pub(super) fn option_name(s: &Subscription) -> String {
    if s.status == SubscriptionStatus::Disabled {
        format!("{} (disabled)", s.name)
    } else {
        s.name.clone()
    }
}

/// What the co-administrator form shows after a refused change: the username typed and
/// why it was refused.
struct FormError {
    username: String,
    message: String,
}

pub async fn list(
    State(portal): State<Portal>,
    user: SignedIn,
) -> Result<impl IntoResponse, PortalError> {
    let subs = subscriptions_of(&portal, &user).await?;
    let ctx = Ctx::of(&portal.app);
    let now = portal.app.clock.now();
    let mut expiring = Vec::new();
    for (s, _) in &subs {
        let certs = crate::domain::certificates::list(&ctx, &s.id).await?;
        expiring.push((s, super::certificates::expiring_count(&certs, now)));
    }
    let banner = super::certificates::expiry_banner(&expiring);
    let mut rows = Vec::new();
    for (s, role) in &subs {
        let (usage, certs) = subscriptions::usage(&ctx, &s.id).await?;
        rows.push((s, *role, usage, certs));
    }
    let limit = portal.app.config.cert_limit_per_subscription;
    Ok(html::page(
        "Subscriptions",
        Some(&user),
        html::Nav::Subscriptions,
        html! {
            h1 { "Subscriptions" }
            (banner)
            @if rows.is_empty() {
                p { "You administer no subscription. Ask the server's administrator to make you the service administrator or a co-administrator of one." }
            } @else {
                div class="table-box" { table class="stack" {
                    caption { "The subscriptions you administer or co-administer" }
                    thead { tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Subscription ID" }
                        th scope="col" { "Your role" }
                        th scope="col" { "Status" }
                        th scope="col" { "Service administrator" }
                        th scope="col" { "Cloud services" }
                        th scope="col" { "Storage accounts" }
                        th scope="col" { "Cores" }
                        th scope="col" { "Management certificates" }
                    } }
                    tbody {
                        @for (s, role, usage, certs) in &rows {
                            tr {
                                th scope="row" { a href={ "/subscriptions/" (s.id) } { (s.name) } @if s.status == SubscriptionStatus::Disabled { " " strong class="badge disabled" { "Disabled" } } }
                                td data-label="Subscription ID" { (html::ident(&s.id)) }
                                td data-label="Your role" { (role_name(*role)) }
                                td data-label="Status" { (status(s)) }
                                td data-label="Service administrator" { (s.service_admin) }
                                td data-label="Cloud services" { (usage.hosted_services) " of " (s.quotas.max_hosted_services) }
                                td data-label="Storage accounts" { (usage.storage_accounts) " of " (s.quotas.max_storage_accounts) }
                                td data-label="Cores" { (usage.cores) " of " (s.quotas.max_core_count) }
                                td data-label="Management certificates" { (certs) " of " (limit) }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

fn coadmin_section(
    s: &Subscription,
    role: Role,
    coadmins: &[String],
    user: &SignedIn,
    error: Option<&FormError>,
) -> Markup {
    let manage = role == Role::ServiceAdministrator;
    html! {
        h2 { "Co-administrators" }
        @if coadmins.is_empty() {
            p { "This subscription has no co-administrator." }
        } @else {
            div class="table-box" { table {
                thead { tr {
                    th scope="col" { "Username" }
                    @if manage { th scope="col" { "Action" } }
                } }
                tbody {
                    @for c in coadmins {
                        tr {
                            th scope="row" { (c) }
                            @if manage {
                                td {
                                    a class="button danger" href={ "/subscriptions/" (s.id) "/coadmins/remove?username=" (urlencode(c)) }
                                      aria-label={ "Remove co-administrator " (c) } { "Remove…" }
                                }
                            }
                        }
                    }
                }
            } }
        }
        @if manage {
            form method="post" action={ "/subscriptions/" (s.id) "/coadmins" } {
                (csrf_field(&user.csrf))
                div class="field" {
                    label for="coadmin" { "Add a co-administrator (username of an existing account)" }
                    @if let Some(e) = error {
                        p id="coadmin-error" class="field-error" { (e.message) }
                        input type="text" id="coadmin" name="username" required value=(e.username)
                            aria-invalid="true" aria-describedby="coadmin-error";
                    } @else {
                        input type="text" id="coadmin" name="username" required;
                    }
                }
                p { button type="submit" { "Add co-administrator" } }
            }
        } @else {
            p { "Only the service administrator (" (s.service_admin) ") can add or remove co-administrators." }
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn detail(
    State(portal): State<Portal>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    detail_page(&portal, &user, &id, None).await
}

/// The subscription's page; with `error`, the co-administrator form shows it (and the
/// answer has its status).
async fn detail_page(
    portal: &Portal,
    user: &SignedIn,
    id: &str,
    error: Option<(StatusCode, FormError)>,
) -> Result<Response, PortalError> {
    let (s, role) = role_on(portal, user, id).await?;
    let ctx = Ctx::of(&portal.app);
    let coadmins = subscriptions::coadmins(&ctx, &s.id).await?;
    let (usage, _) = subscriptions::usage(&ctx, &s.id).await?;
    let refusals = refusals_of(portal, &s.id).await?;
    let (code, form_error) = match error {
        Some((c, e)) => (c, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = html::page(
        &s.name,
        Some(user),
        html::Nav::Subscriptions,
        html! {
            h1 { "Subscription " (name_of(&s)) }
            @if let Some(e) = &form_error {
                p class="error" role="alert" { "Not changed: " (e.message) }
            }
            dl {
                dt { "Subscription ID" } dd { (html::ident(&s.id)) }
                dt { "Status" } dd { (status(&s)) }
                dt { "Your role" } dd { (role_name(role)) }
                dt { "Service administrator" } dd { (s.service_admin) }
                dt { "Cloud services" } dd { (usage.hosted_services) " of " (s.quotas.max_hosted_services) }
                dt { "Storage accounts" } dd { (usage.storage_accounts) " of " (s.quotas.max_storage_accounts) }
                dt { "Cores" } dd { (usage.cores) " of " (s.quotas.max_core_count) }
            }
            p {
                a href={ "/resources?subscription=" (s.id) } { "Resources" } " · "
                a href={ "/operations?subscription=" (s.id) } { "Operation log" }
            }
            (coadmin_section(&s, role, &coadmins, user, form_error.as_ref()))
            h2 { "Recent refusals" }
            @if refusals.is_empty() {
                p { "No certificate of this subscription was refused recently." }
            } @else {
                div class="table-box" { table class="stack" {
                    caption { "Requests refused to certificates that are or were management certificates of this subscription (the caller was told only that it was not authorised)" }
                    thead { tr {
                        th scope="col" { "Time" }
                        th scope="col" { "Certificate" }
                        th scope="col" { "Why" }
                    } }
                    tbody {
                        @for r in &refusals {
                            tr {
                                td data-label="Time" { (html::time(r.at)) }
                                td data-label="Certificate" { (html::thumbprint(&r.thumbprint.to_string())) }
                                td data-label="Why" { (r.reason.words()) }
                            }
                        }
                    }
                } }
            }
            p { "Refusals are those this server saw since it last started, at most the latest " (REFUSALS_SHOWN) "." }
        },
    );
    Ok((code, page).into_response())
}

/// How many refusals the subscription page shows.
const REFUSALS_SHOWN: usize = 50;
/// How many distinct certificates of the refusals it looks up in the operation log.
const DISTINCT_CHECKED: usize = 64;

/// The recent refusals on `subscription` of certificates that are linked to it (enabled
/// or not) or once were (their object is in its operation log); others are strangers'
/// certificates, not the administrators' business.
async fn refusals_of(
    portal: &Portal,
    subscription: &str,
) -> Result<Vec<crate::auth::Refused>, PortalError> {
    let all = portal.app.refusals.of(subscription);
    if all.is_empty() {
        return Ok(all);
    }
    let ctx = Ctx::of(&portal.app);
    let linked: Vec<_> = crate::domain::certificates::list(&ctx, subscription)
        .await?
        .into_iter()
        .map(|c| c.certificate.thumbprint)
        .collect();
    let mut ours = std::collections::HashMap::new();
    let mut out = Vec::new();
    for r in all {
        let known = match ours.get(&r.thumbprint) {
            Some(k) => *k,
            // Strangers spraying certificates at the subscription cost a bounded look-up.
            None if ours.len() >= DISTINCT_CHECKED => false,
            None => {
                let k = linked.contains(&r.thumbprint) || {
                    let filter = azmc_db::OperationFilter {
                        start: time::OffsetDateTime::UNIX_EPOCH,
                        end: ctx.now,
                        object_id: Some(format!("/{subscription}/certificates/{}", r.thumbprint)),
                        status: None,
                        continuation: None,
                        page_size: 1,
                    };
                    !crate::domain::operations::list(&ctx, subscription, &filter)
                        .await?
                        .operations
                        .is_empty()
                };
                ours.insert(r.thumbprint, k);
                k
            }
        };
        if known {
            out.push(r);
            if out.len() == REFUSALS_SHOWN {
                break;
            }
        }
    }
    Ok(out)
}

/// The co-administrator change a service administrator may make, else why not.
async fn service_admin_of(
    portal: &Portal,
    user: &SignedIn,
    id: &str,
) -> Result<Subscription, PortalError> {
    let (s, role) = role_on(portal, user, id).await?;
    if role != Role::ServiceAdministrator {
        return Err(PortalError::Forbidden(
            "Only the subscription's service administrator can manage its co-administrators."
                .into(),
        ));
    }
    Ok(s)
}

async fn manage(
    portal: &Portal,
    SignedPost { user, form }: SignedPost,
    id: &str,
    add: bool,
) -> Result<Response, PortalError> {
    let user = &user;
    let s = service_admin_of(portal, user, id).await?;
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let refused = |status: StatusCode, message: String, username: &str| {
        let e = FormError {
            username: username.to_string(),
            message,
        };
        detail_page(portal, user, id, Some((status, e)))
    };
    if username.is_empty() {
        return if add {
            refused(StatusCode::BAD_REQUEST, "Enter a username.".into(), "").await
        } else {
            Err(PortalError::BadRequest(
                "No co-administrator was named.".into(),
            ))
        };
    }
    let name = if add {
        "AddCoAdministrator"
    } else {
        "RemoveCoAdministrator"
    };
    let op = oplog::begin(
        portal,
        user,
        &s.id,
        name,
        format!("/{}/coadmins/{}", s.id, username),
        vec![("username".into(), username.clone())],
    )
    .await?;
    let result = subscriptions::set_coadmin(&Ctx::of(&portal.app), &s.id, &username, add)
        .await
        .map_err(PortalError::from);
    oplog::finish(portal, &[op], result.as_ref().map(|_| ())).await;
    match result {
        Ok(_) => {}
        Err(PortalError::BadRequest(m)) if add => {
            return refused(StatusCode::BAD_REQUEST, m, &username).await;
        }
        Err(PortalError::Conflict(m)) if add => {
            return refused(StatusCode::CONFLICT, m, &username).await;
        }
        Err(e) => return Err(e),
    }
    let (done, message) = if add {
        (
            "added",
            format!("{username} is now a co-administrator of {}.", s.name),
        )
    } else {
        (
            "removed",
            format!("{username} is no longer a co-administrator of {}.", s.name),
        )
    };
    Ok(redirect_with_flash(
        &format!("/subscriptions/{}?done={done}", s.id),
        &message,
    ))
}

pub async fn add_coadmin(
    State(portal): State<Portal>,
    Path(id): Path<String>,
    post: SignedPost,
) -> Result<Response, PortalError> {
    manage(&portal, post, &id, true).await
}

/// `GET .../coadmins/remove?username=`: asks before removing a co-administrator.
pub async fn remove_coadmin_page(
    State(portal): State<Portal>,
    user: SignedIn,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, PortalError> {
    let s = service_admin_of(&portal, &user, &id).await?;
    let q = pairs(uri.query().unwrap_or_default().as_bytes());
    let username = q
        .iter()
        .find(|(k, _)| k == "username")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let coadmins = subscriptions::coadmins(&Ctx::of(&portal.app), &s.id).await?;
    let Some(username) = coadmins
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(&username))
    else {
        return Err(PortalError::NotFound);
    };
    Ok(html::page(
        "Remove a co-administrator",
        Some(&user),
        html::Nav::Subscriptions,
        html! {
            h1 { "Remove co-administrator " (username) "?" }
            p { strong { (username) } " will no longer be able to see or manage " strong { (s.name) } " in the portal." }
            p { "Subscription ID " (html::ident(&s.id)) }
            form method="post" action={ "/subscriptions/" (s.id) "/coadmins/remove" } {
                (csrf_field(&user.csrf))
                input type="hidden" name="username" value=(username);
                div class="actions" {
                    button type="submit" class="danger" { "Remove " (username) }
                    a class="button secondary" href={ "/subscriptions/" (s.id) } { "Cancel" }
                }
            }
        },
    )
    .into_response())
}

pub async fn remove_coadmin(
    State(portal): State<Portal>,
    Path(id): Path<String>,
    post: SignedPost,
) -> Result<Response, PortalError> {
    manage(&portal, post, &id, false).await
}
