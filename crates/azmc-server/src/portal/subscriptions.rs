//! The subscriptions page (role, status, quota use) and a subscription's page with its
//! co-administrators, which its service administrator manages.

use super::access::{role_name, role_on, subscriptions_of};
use super::form::pairs;
use super::html::{self, csrf_field};
use super::session::{SignedIn, SignedPost};
use super::{Portal, PortalError, oplog};
use crate::domain::{Ctx, subscriptions};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use azmc_db::{Role, Subscription};
use maud::html;

fn done_message(uri: &Uri) -> Option<String> {
    let q = pairs(uri.query().unwrap_or_default().as_bytes());
    let done = q.iter().find(|(k, _)| k == "done")?;
    Some(match done.1.as_str() {
        "added" => "The co-administrator was added.".to_string(),
        "removed" => "The co-administrator was removed.".to_string(),
        _ => return None,
    })
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
        html! {
            h1 { "Subscriptions" }
            (banner)
            @if rows.is_empty() {
                p { "You administer no subscription. Ask the server's administrator to make you the service administrator or a co-administrator of one." }
            } @else {
                table {
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
                                th scope="row" { a href={ "/subscriptions/" (s.id) } { (s.name) } }
                                td class="mono" { (s.id) }
                                td { (role_name(*role)) }
                                td { (s.status) }
                                td { (s.service_admin) }
                                td { (usage.hosted_services) " of " (s.quotas.max_hosted_services) }
                                td { (usage.storage_accounts) " of " (s.quotas.max_storage_accounts) }
                                td { (usage.cores) " of " (s.quotas.max_core_count) }
                                td { (certs) " of " (limit) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn coadmin_section(
    s: &Subscription,
    role: Role,
    coadmins: &[String],
    user: &SignedIn,
) -> maud::Markup {
    let manage = role == Role::ServiceAdministrator;
    html! {
        h2 { "Co-administrators" }
        @if coadmins.is_empty() {
            p { "This subscription has no co-administrator." }
        } @else {
            table {
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
                                    form class="inline" method="post" action={ "/subscriptions/" (s.id) "/coadmins/remove" } {
                                        (csrf_field(&user.csrf))
                                        input type="hidden" name="username" value=(c);
                                        button type="submit" aria-label={ "Remove co-administrator " (c) } { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage {
            form method="post" action={ "/subscriptions/" (s.id) "/coadmins" } {
                (csrf_field(&user.csrf))
                label for="coadmin" { "Add a co-administrator (username of an existing account)" }
                input type="text" id="coadmin" name="username" required;
                " "
                button type="submit" { "Add co-administrator" }
            }
        } @else {
            p { "Only the service administrator (" (s.service_admin) ") can add or remove co-administrators." }
        }
    }
}

pub async fn detail(
    State(portal): State<Portal>,
    user: SignedIn,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<impl IntoResponse, PortalError> {
    let (s, role) = role_on(&portal, &user, &id).await?;
    let ctx = Ctx::of(&portal.app);
    let coadmins = subscriptions::coadmins(&ctx, &s.id).await?;
    let (usage, _) = subscriptions::usage(&ctx, &s.id).await?;
    let refusals = refusals_of(&portal, &s.id).await?;
    let done = done_message(&uri);
    Ok(html::page(
        &s.name,
        Some(&user),
        html! {
            h1 { "Subscription " (s.name) }
            (html::notice(done.as_deref()))
            dl {
                dt { "Subscription ID" } dd class="mono" { (s.id) }
                dt { "Status" } dd { (s.status) }
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
            (coadmin_section(&s, role, &coadmins, &user))
            h2 { "Recent refusals" }
            @if refusals.is_empty() {
                p { "No certificate of this subscription was refused recently." }
            } @else {
                table {
                    caption { "Requests refused to certificates that are or were management certificates of this subscription (the caller was told only that it was not authorised)" }
                    thead { tr {
                        th scope="col" { "Time" }
                        th scope="col" { "Certificate" }
                        th scope="col" { "Why" }
                    } }
                    tbody {
                        @for r in &refusals {
                            tr {
                                td { (html::time(r.at)) }
                                td class="mono" { (r.thumbprint) }
                                td { (r.reason.words()) }
                            }
                        }
                    }
                }
            }
            p { "Refusals are those this server saw since it last started, at most the latest " (REFUSALS_SHOWN) "." }
        },
    ))
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

async fn manage(
    portal: &Portal,
    SignedPost { user, form }: SignedPost,
    id: &str,
    add: bool,
) -> Result<Response, PortalError> {
    let user = &user;
    let (s, role) = role_on(portal, user, id).await?;
    if role != Role::ServiceAdministrator {
        return Err(PortalError::Forbidden(
            "Only the subscription's service administrator can manage its co-administrators."
                .into(),
        ));
    }
    let username = form.get("username").unwrap_or_default().trim().to_string();
    if username.is_empty() {
        return Err(PortalError::BadRequest("Enter a username.".into()));
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
    result?;
    let done = if add { "added" } else { "removed" };
    Ok(Redirect::to(&format!("/subscriptions/{}?done={done}", s.id)).into_response())
}

pub async fn add_coadmin(
    State(portal): State<Portal>,
    Path(id): Path<String>,
    post: SignedPost,
) -> Result<Response, PortalError> {
    manage(&portal, post, &id, true).await
}

pub async fn remove_coadmin(
    State(portal): State<Portal>,
    Path(id): Path<String>,
    post: SignedPost,
) -> Result<Response, PortalError> {
    manage(&portal, post, &id, false).await
}
