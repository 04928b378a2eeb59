//! Resources per subscription: storage accounts, cloud services with their deployments,
//! deleted ones that can be restored, virtual machines (status, size, private IP, disks),
//! virtual networks, disks and the subscription's own
//! OS images, SQL servers and web sites (read through the same domain operations as the
//! API).

use super::access::subscriptions_of;
use super::form::pairs;
use super::html::{self, csrf_field};
use super::oplog;
use super::session::{SignedIn, SignedPost, redirect_with_flash};
use super::{Portal, PortalError};
use crate::domain::{
    Ctx, DomainError, cloud_services, deployments, disks, images, networks, sql_servers,
    storage_accounts, vms, websites,
};
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

/// A deleted storage account or cloud service as the page lists it.
struct Restorable {
    kind: &'static str,
    what: &'static str,
    name: String,
    place: String,
    deleted: time::OffsetDateTime,
    until: time::OffsetDateTime,
}

/// The subscription's deleted storage accounts and cloud services that can be restored,
/// by when they are purged.
async fn restorable(ctx: &Ctx<'_>, sub: &str) -> Result<Vec<Restorable>, PortalError> {
    let mut all: Vec<Restorable> = storage_accounts::list_deleted(ctx, sub)
        .await?
        .into_iter()
        .map(|d| Restorable {
            kind: "storage",
            what: "Storage account",
            place: d.item.location.clone(),
            name: d.item.name,
            deleted: d.deleted_at,
            until: d.purge_at,
        })
        .collect();
    all.extend(
        cloud_services::list_deleted(ctx, sub)
            .await?
            .into_iter()
            .map(|(d, _)| Restorable {
                kind: "service",
                what: "Cloud service",
                place: d
                    .item
                    .location
                    .clone()
                    .or(d.item.affinity_group.clone())
                    .unwrap_or_default(),
                name: d.item.name,
                deleted: d.deleted_at,
                until: d.purge_at,
            }),
    );
    all.sort_by_key(|r| r.until);
    Ok(all)
}

async fn section(
    portal: &Portal,
    user: &SignedIn,
    s: &azmc_db::Subscription,
) -> Result<Markup, PortalError> {
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
    let mut machines = Vec::new();
    for (svc, deps) in &services {
        for d in deps {
            if let Some(state) = vms::state_of(d)? {
                machines.extend(state.roles.into_iter().map(|r| (svc.name.clone(), r)));
            }
        }
    }
    let dns_suffix = &portal.app.config.dns_suffix;
    let deleted = restorable(&ctx, &s.id).await?;
    let vnets = networks::sites(&ctx, &s.id).await?;
    let disks = disks::list(&ctx, &s.id).await?;
    let own_images: Vec<_> = images::list(&ctx, &s.id)
        .await?
        .into_iter()
        .filter(|i| i.category == "User")
        .collect();
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
            h3 { "Virtual machines" }
            @if machines.is_empty() { p { "None." } } @else {
                div class="table-box" { table class="stack" {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Cloud service" }
                        th scope="col" { "Status" } th scope="col" { "Size" }
                        th scope="col" { "OS" } th scope="col" { "Private IP" }
                        th scope="col" { "Disks" }
                    } }
                    tbody { @for (svc, vm) in &machines { tr {
                        th scope="row" { (vm.name) }
                        td data-label="Cloud service" { (svc) " (" (svc.to_ascii_lowercase()) ".cloudapp." (dns_suffix) ")" }
                        td data-label="Status" { (vm.state.wire().0) " / " (vm.state.wire().1) }
                        td data-label="Size" { (vm.size) }
                        td data-label="OS" { (vm.os) }
                        td data-label="Private IP" { (vm.ip.as_deref().unwrap_or("—")) }
                        td data-label="Disks" {
                            ul {
                                @if !vm.os_disk.is_empty() { li { "OS: " (vm.os_disk) } }
                                @for dd in &vm.data_disks { li { "LUN " (dd.lun) ": " (dd.name) } }
                            }
                        }
                    } } }
                } }
            }
            @if !deleted.is_empty() {
                h3 { "Deleted, can be restored" }
                div class="table-box" { table class="stack" {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Kind" }
                        th scope="col" { "Location or affinity group" }
                        th scope="col" { "Deleted" } th scope="col" { "Restorable until" }
                        th scope="col" { "Action" }
                    } }
                    tbody { @for d in &deleted { tr {
                        th scope="row" { (d.name) } td data-label="Kind" { (d.what) } td data-label="Location or affinity group" { (d.place) }
                        td data-label="Deleted" { (html::time(d.deleted)) } td data-label="Restorable until" { (html::time(d.until)) }
                        td data-label="Action" {
                            form method="post" action="/resources/restore" {
                                (csrf_field(&user.csrf))
                                input type="hidden" name="subscription" value=(s.id);
                                input type="hidden" name="kind" value=(d.kind);
                                input type="hidden" name="name" value=(d.name);
                                button type="submit" class="secondary" aria-label={ "Restore " (d.name) } { "Restore" }
                            }
                        }
                    } } }
                } }
            }
            h3 { "Virtual networks" }
            @if vnets.is_empty() { p { "None." } } @else {
                div class="table-box" { table class="stack" {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Location or affinity group" }
                        th scope="col" { "Address space" } th scope="col" { "Subnets" }
                        th scope="col" { "DNS servers" }
                    } }
                    tbody { @for v in &vnets { tr {
                        th scope="row" { (v.config.name) }
                        td data-label="Location or affinity group" { (v.config.affinity_group.as_deref().or(v.location.as_deref()).unwrap_or("—")) }
                        td data-label="Address space" { (v.config.address_prefixes.join(", ")) }
                        td data-label="Subnets" {
                            @if v.config.subnets.is_empty() { "None" } @else {
                                ul { @for n in &v.config.subnets { li { (n.name) ": " (n.address_prefix) } } }
                            }
                        }
                        td data-label="DNS servers" {
                            @for (i, (name, address)) in v.dns_servers.iter().enumerate() {
                                @if i > 0 { ", " } (name) " (" (address) ")"
                            }
                        }
                    } } }
                } }
            }
            h3 { "Disks" }
            @if disks.is_empty() { p { "None." } } @else {
                div class="table-box" { table class="stack" {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Kind" }
                        th scope="col" { "Size" } th scope="col" { "Location" }
                        th scope="col" { "Attached to" }
                    } }
                    tbody { @for d in &disks { tr {
                        th scope="row" { (d.name) }
                        td data-label="Kind" { @if let Some(os) = &d.os { (os) " OS disk" } @else { "Data disk" } }
                        td data-label="Size" { (d.size_gb) " GB" }
                        td data-label="Location" { (d.location) }
                        td data-label="Attached to" {
                            @if let Some((svc, _, role)) = &d.attached_to { (role) " (" (svc) ")" } @else { "—" }
                        }
                    } } }
                } }
            }
            h3 { "OS images" }
            @if own_images.is_empty() { p { "None of the subscription's own (the platform catalogue is offered to every subscription)." } } @else {
                div class="table-box" { table class="stack" {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "OS" }
                        th scope="col" { "Location" } th scope="col" { "Label" }
                    } }
                    tbody { @for i in &own_images { tr {
                        th scope="row" { (i.name) }
                        td data-label="OS" { (i.os) }
                        td data-label="Location" { (i.location) }
                        td data-label="Label" { (i.label) }
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
        sections.push(section(&portal, &user, s).await?);
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

/// `POST /resources/restore`: restore a deleted storage account or cloud service of a
/// subscription the user administers, recorded in its operation log as the API's
/// `RestoreStorageService` / `RestoreHostedService`.
pub async fn restore(
    State(portal): State<Portal>,
    SignedPost { user, form }: SignedPost,
) -> Result<Response, PortalError> {
    let field = |k: &str| form.get(k).filter(|v| !v.is_empty()).map(str::to_owned);
    let (Some(sub), Some(kind), Some(name)) = (field("subscription"), field("kind"), field("name"))
    else {
        return Err(PortalError::BadRequest(
            "Choose a deleted resource to restore.".into(),
        ));
    };
    let subs = subscriptions_of(&portal, &user).await?;
    let Some((s, _)) = subs.iter().find(|(s, _)| s.id.eq_ignore_ascii_case(&sub)) else {
        return Err(PortalError::NotFound);
    };
    let (op_name, object) = match kind.as_str() {
        "storage" => (
            "RestoreStorageService",
            format!("/{}/services/storageservices/{name}", s.id),
        ),
        "service" => (
            "RestoreHostedService",
            format!("/{}/services/hostedservices/{name}", s.id),
        ),
        _ => return Err(PortalError::BadRequest("Unknown kind of resource.".into())),
    };
    let op = oplog::begin(
        &portal,
        &user,
        &s.id,
        op_name,
        object,
        vec![("name".into(), name.clone())],
    )
    .await?;
    let ctx = Ctx::of(&portal.app);
    let result = match kind.as_str() {
        "storage" => storage_accounts::restore(&ctx, &s.id, &name)
            .await
            .map(|_| ()),
        _ => cloud_services::restore(&ctx, &s.id, &name)
            .await
            .map(|_| ()),
    }
    .map_err(|e| match e {
        DomainError::Limit { limit, max, .. } => PortalError::Conflict(format!(
            "Limit reached: at most {max} {limit}. Delete one before restoring {name}."
        )),
        other => PortalError::from(other),
    });
    oplog::finish(&portal, &[op], result.as_ref().map(|_| ())).await;
    result?;
    tracing::info!(user = ?user.username, subscription = %s.id, kind = %kind, name = %name, "portal: deleted resource restored");
    let what = if kind == "storage" {
        "Storage account"
    } else {
        "Cloud service"
    };
    Ok(redirect_with_flash(
        &format!(
            "/resources?restored={}",
            form_urlencoded::byte_serialize(format!("{kind}:{name}").as_bytes())
                .collect::<String>()
        ),
        &format!("{what} {name} restored. It is in {} again.", s.name),
    ))
}
