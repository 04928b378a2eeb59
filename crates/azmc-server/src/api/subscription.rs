//! Get Subscription: `GET /{s}`.

use super::xml;
use crate::domain::{Ctx, subscriptions};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing;
use azmc_wire::asm::{NetworkLimitsXml, SubscriptionXml, format_time};

fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// The first x-ms-version whose answer is the element set recorded from live Azure in 2015
/// (network limits; no counters of virtual networks, local networks and DNS servers).
const NETWORK_LIMITS_SINCE: &str = "2014-10-01";

/// The network limits of the 2014-10-01 answer. azmc keeps no network security groups
/// or route tables, so these are Azure's default limits of the time, as recorded.
const NETWORK_LIMITS: NetworkLimitsXml = NetworkLimitsXml {
    max_public_ip_count: 5,
    current_network_security_groups: 0,
    max_network_security_groups: 100,
    max_network_security_rules_per_group: 200,
    max_route_tables: 100,
    max_routes_per_route_table: 100,
};

/// Whether the request asks for x-ms-version 2014-10-01 or later (the router has checked
/// that the header is a `YYYY-MM-DD` date, so dates compare as strings).
fn network_limits_version(headers: &HeaderMap) -> bool {
    headers
        .get("x-ms-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() >= NETWORK_LIMITS_SINCE)
}

pub async fn get(
    State(state): State<AppState>,
    Path(s): Path<String>,
    headers: HeaderMap,
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
        // Python reads both as strings; azmc has no offers and no Azure AD tenant. The
        // 2014-10-01 set has both, so they are sent empty rather than left out.
        offer_categories: Some(String::new()),
        aad_tenant_id: Some(String::new()),
        created_time: Some(format_time(sub.created_at)),
        max_reserved_ips: count(q.max_reserved_ips),
        current_reserved_ips: count(usage.reserved_ips),
        network_limits: network_limits_version(&headers).then_some(NETWORK_LIMITS),
    };
    Ok(xml(StatusCode::OK, body.to_xml()))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(_st: &AppState) -> Router<AppState> {
    Router::new().route("/{s}", routing::get(get))
}
