//! Get Subscription: `GET /{s}`.

use super::xml;
use crate::domain::{Ctx, subscriptions};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use azmc_wire::asm::{SubscriptionXml, format_time};

fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

pub async fn get(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let (sub, usage, admin_email) = subscriptions::get_with_usage(&Ctx::of(&state), &s).await?;
    let q = &sub.quotas;
    let body = SubscriptionXml {
        subscription_id: sub.id.clone(),
        subscription_name: sub.name.clone(),
        subscription_status: sub.status.to_string(),
        account_admin_live_email_id: admin_email.clone(),
        service_admin_live_email_id: admin_email,
        max_core_count: count(q.max_core_count),
        max_storage_accounts: count(q.max_storage_accounts),
        max_hosted_services: count(q.max_hosted_services),
        current_core_count: count(usage.cores),
        current_hosted_services: count(usage.hosted_services),
        current_storage_accounts: count(usage.storage_accounts),
        max_virtual_network_sites: count(q.max_virtual_network_sites),
        current_virtual_network_sites: count(usage.virtual_network_sites),
        max_local_network_sites: count(q.max_local_network_sites),
        current_local_network_sites: count(usage.local_network_sites),
        max_dns_servers: count(q.max_dns_servers),
        current_dns_servers: count(usage.dns_servers),
        offer_categories: None,
        aad_tenant_id: None,
        created_time: Some(format_time(sub.created_at)),
        max_reserved_ips: count(q.max_reserved_ips),
        current_reserved_ips: count(usage.reserved_ips),
    };
    Ok(xml(StatusCode::OK, body.to_xml()))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(_st: &AppState) -> Router<AppState> {
    Router::new().route("/{s}", routing::get(get))
}
