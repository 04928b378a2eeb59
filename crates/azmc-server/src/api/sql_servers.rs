//! Classic SQL Database servers (§4.10) on the main endpoint:
//! `/{s}/services/sqlservers/servers[/{srv}[/firewallrules[/{rule}]]]`.
//! Statuses are the Node client's (`azure-asm-sql`): list 200, create 201 + `ServerName`,
//! delete 200, reset password (`POST …/{srv}?op=ResetPassword`) 200; firewall rules:
//! list/get 200, create 201 + body, update 200 + body, delete 200. At most
//! [`MAX_SQL_SERVERS`] servers per subscription and [`MAX_FIREWALL_RULES`] rules per
//! server (409 ConflictError beyond).
//!
//! Administrator passwords are checked for complexity, hashed with argon2id and never
//! returned.

use super::locations::canonical_location;
use super::validate::{base_url_or_configured as base_url, parse_input, required};
use super::{empty, query_params, xml};
use crate::domain::{Ctx, sql_servers};
use crate::error::ApiError;
use crate::ops::CreatedObject;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use azmc_db::{FirewallRule, SqlServer};
use azmc_wire::asm::{
    FirewallRuleXml, SqlServerXml, firewall_rules_to_xml, parse_firewall_rule_input,
    parse_sql_admin_password, parse_sql_server_input, sql_server_name_to_xml, sql_servers_to_xml,
};

pub use crate::domain::sql_servers::{MAX_FIREWALL_RULES, MAX_SQL_SERVERS};
use crate::ops::{OpName, methods};
use axum::Router;
use axum::routing::{self, MethodRouter};

fn fqdn(state: &AppState, name: &str) -> String {
    format!("{name}.database.{}", state.config.dns_suffix)
}

fn server_xml(state: &AppState, s: &SqlServer) -> SqlServerXml {
    SqlServerXml {
        name: s.name.clone(),
        administrator_login: s.admin_login.clone(),
        location: s.location.clone(),
        fully_qualified_domain_name: fqdn(state, &s.name),
        version: s.version.clone(),
        state: "Ready".into(),
    }
}

fn rule_xml(base: &str, s: &str, r: &FirewallRule) -> FirewallRuleXml {
    let parent = format!("{base}/{s}/services/sqlservers/servers/{}", r.server_name);
    FirewallRuleXml {
        name: r.name.clone(),
        self_link: format!("{parent}/firewallrules/{}", r.name),
        parent_link: parent,
        start_ip_address: r.start_ip.clone(),
        end_ip_address: r.end_ip.clone(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(s): Path<String>,
) -> Result<Response, ApiError> {
    let servers = sql_servers::list_servers(&Ctx::of(&state), &s).await?;
    let items: Vec<_> = servers.iter().map(|x| server_xml(&state, x)).collect();
    Ok(xml(StatusCode::OK, sql_servers_to_xml(&items)))
}

pub async fn create(
    State(state): State<AppState>,
    Path(s): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_sql_server_input)?;
    let location = required(input.location, "Location")?;
    let location = canonical_location(&state, &location).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Location '{location}' is not a valid location; valid locations: {}.",
            state.config.locations.join(", ")
        ))
    })?;
    let new = sql_servers::NewServer {
        login: input.administrator_login,
        password: input.administrator_login_password,
        location,
        version: input.version,
    };
    let server = sql_servers::create_server(&Ctx::of(&state), &s, new).await?;
    Ok(CreatedObject::on(
        format!("/{s}/services/sqlservers/servers/{}", server.name),
        xml(
            StatusCode::CREATED,
            sql_server_name_to_xml(&server.name, &fqdn(&state, &server.name)),
        ),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    sql_servers::delete_server(&Ctx::of(&state), &s, &server).await?;
    Ok(empty(StatusCode::OK))
}

/// `POST …/servers/{srv}?op=ResetPassword`.
pub async fn post_server(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = query_params(uri.query());
    let op = params
        .iter()
        .find(|(k, _)| k == "op")
        .map(|(_, v)| v.as_str());
    if !op.is_some_and(|o| o.eq_ignore_ascii_case("ResetPassword")) {
        return Err(ApiError::bad_query(
            "The query parameter 'op' must be 'ResetPassword'.",
        ));
    }
    let password = parse_input(&body, parse_sql_admin_password)?;
    sql_servers::reset_password(&Ctx::of(&state), &s, &server, password).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn list_rules(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let rules = sql_servers::list_rules(&Ctx::of(&state), &s, &server).await?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = rules.iter().map(|r| rule_xml(&base, &s, r)).collect();
    Ok(xml(StatusCode::OK, firewall_rules_to_xml(&items)))
}

pub async fn get_rule(
    State(state): State<AppState>,
    Path((s, server, rule)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let r = sql_servers::get_rule(&Ctx::of(&state), &s, &server, &rule).await?;
    Ok(xml(
        StatusCode::OK,
        rule_xml(&base_url(&headers, &state), &s, &r).to_xml(),
    ))
}

pub async fn create_rule(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_firewall_rule_input)?;
    let range = (input.start_ip_address, input.end_ip_address);
    let r = sql_servers::create_rule(&Ctx::of(&state), &s, &server, input.name, range).await?;
    Ok(CreatedObject::on(
        format!(
            "/{s}/services/sqlservers/servers/{server}/firewallrules/{}",
            r.name
        ),
        xml(
            StatusCode::CREATED,
            rule_xml(&base_url(&headers, &state), &s, &r).to_xml(),
        ),
    ))
}

pub async fn update_rule(
    State(state): State<AppState>,
    Path((s, server, rule)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_firewall_rule_input)?;
    let range = (input.start_ip_address, input.end_ip_address);
    let r = sql_servers::update_rule(
        &Ctx::of(&state),
        &s,
        &server,
        &rule,
        input.name.as_deref(),
        range,
    )
    .await?;
    Ok(xml(
        StatusCode::OK,
        rule_xml(&base_url(&headers, &state), &s, &r).to_xml(),
    ))
}

pub async fn delete_rule(
    State(state): State<AppState>,
    Path((s, server, rule)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    sql_servers::delete_rule(&Ctx::of(&state), &s, &server, &rule).await?;
    Ok(empty(StatusCode::OK))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/sqlservers/servers",
            methods(
                st,
                routing::get(list),
                [(OpName::new("CreateServer"), routing::post(create))],
            ),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}",
            methods(
                st,
                MethodRouter::new(),
                [
                    (
                        OpName::new("SetServerAdministratorPassword"),
                        routing::post(post_server),
                    ),
                    (OpName::new("DeleteServer"), routing::delete(delete)),
                ],
            ),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/firewallrules",
            methods(
                st,
                routing::get(list_rules),
                [(
                    OpName::new("CreateFirewallRule"),
                    routing::post(create_rule),
                )],
            ),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/firewallrules/{rule}",
            methods(
                st,
                routing::get(get_rule),
                [
                    (OpName::new("UpdateFirewallRule"), routing::put(update_rule)),
                    (
                        OpName::new("DeleteFirewallRule"),
                        routing::delete(delete_rule),
                    ),
                ],
            ),
        )
}
