//! Resources per subscription: storage accounts, cloud services with their deployments,
//! SQL servers and web sites (read through the same domain operations as the API).

use super::access::subscriptions_of;
use super::form::pairs;
use super::html;
use super::session::SignedIn;
use super::{Portal, PortalError};
use crate::domain::{Ctx, cloud_services, deployments, sql_servers, storage_accounts, websites};
use axum::extract::State;
use axum::http::Uri;
use axum::response::IntoResponse;
use maud::{Markup, html};

async fn section(portal: &Portal, s: &azmc_db::Subscription) -> Result<Markup, PortalError> {
    let ctx = Ctx::of(&portal.app);
    let storage = storage_accounts::list(&ctx, &s.id).await?;
    let mut services = Vec::new();
    for svc in cloud_services::list(&ctx, &s.id).await? {
        let at = deployments::Service {
            subscription: &s.id,
            name: &svc.name,
        };
        let deployments = deployments::list(&ctx, at).await?;
        services.push((svc, deployments));
    }
    let sql = sql_servers::list_servers(&ctx, &s.id).await?;
    let mut sites = Vec::new();
    for space in websites::webspaces(&ctx) {
        sites.extend(websites::list(&ctx, &s.id, &space.name).await?);
    }
    Ok(html! {
        section aria-labelledby={ "h-" (s.id) } {
            h2 id={ "h-" (s.id) } { (super::subscriptions::name_of(s)) }
            p { "Subscription ID " (html::ident(&s.id)) }
            h3 { "Storage accounts" }
            @if storage.is_empty() { p { "None." } } @else {
                div class="table-box" { table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Location" }
                        th scope="col" { "Affinity group" } th scope="col" { "Type" }
                        th scope="col" { "Status" }
                    } }
                    tbody { @for a in &storage { tr {
                        th scope="row" { (a.name) } td { (a.location) }
                        td { (a.affinity_group.as_deref().unwrap_or("—")) } td { (a.account_type) }
                        td { (a.status) }
                    } } }
                } }
            }
            h3 { "Cloud services" }
            @if services.is_empty() { p { "None." } } @else {
                div class="table-box" { table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Location or affinity group" }
                        th scope="col" { "Status" } th scope="col" { "Deployments" }
                    } }
                    tbody { @for (svc, deps) in &services { tr {
                        th scope="row" { (svc.name) }
                        td { (svc.location.as_deref().or(svc.affinity_group.as_deref()).unwrap_or("—")) }
                        td { (svc.status) }
                        td {
                            @if deps.is_empty() { "None" } @else {
                                ul { @for d in deps { li {
                                    (d.slot) ": " (d.name) " — " (d.status)
                                    " (" @for (i, (role, n)) in d.roles.iter().enumerate() {
                                        @if i > 0 { ", " } (role) " × " (n)
                                    } ")"
                                } } }
                            }
                        }
                    } } }
                } }
            }
            h3 { "SQL Database servers" }
            @if sql.is_empty() { p { "None." } } @else {
                div class="table-box" { table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Location" }
                        th scope="col" { "Version" } th scope="col" { "Administrator login" }
                    } }
                    tbody { @for v in &sql { tr {
                        th scope="row" { (v.name) } td { (v.location) } td { (v.version) } td { (v.admin_login) }
                    } } }
                } }
            }
            h3 { "Web sites" }
            @if sites.is_empty() { p { "None." } } @else {
                div class="table-box" { table {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Webspace" }
                        th scope="col" { "Mode" } th scope="col" { "State" }
                    } }
                    tbody { @for w in &sites { tr {
                        th scope="row" { (w.name) } td { (w.webspace) } td { (w.site_mode) } td { (w.state) }
                    } } }
                } }
            }
        }
    })
}

pub async fn page(
    State(portal): State<Portal>,
    user: SignedIn,
    uri: Uri,
) -> Result<impl IntoResponse, PortalError> {
    let q = pairs(uri.query().unwrap_or_default().as_bytes());
    let only = q
        .iter()
        .find(|(k, _)| k == "subscription")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let mut subs = subscriptions_of(&portal, &user).await?;
    if let Some(id) = &only {
        subs.retain(|(s, _)| s.id.eq_ignore_ascii_case(id));
        if subs.is_empty() {
            return Err(PortalError::NotFound);
        }
    }
    let mut sections = Vec::new();
    for (s, _) in &subs {
        sections.push(section(&portal, s).await?);
    }
    Ok(html::page(
        "Resources",
        Some(&user),
        html::Nav::Resources,
        html! {
            h1 { "Resources" }
            @if sections.is_empty() { p { "You administer no subscription." } }
            @for s in &sections { (s) }
        },
    ))
}
