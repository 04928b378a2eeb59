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
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use azmc_db::{DbError, FirewallRule, NewSqlServer, SqlServer};
use azmc_wire::asm::{
    FirewallRuleXml, SqlServerXml, firewall_rules_to_xml, parse_firewall_rule_input,
    parse_sql_admin_password, parse_sql_server_input, sql_server_name_to_xml, sql_servers_to_xml,
};
use std::net::Ipv4Addr;

/// Login names SQL Database refuses for the server administrator.
const RESERVED_LOGINS: &[&str] = &[
    "admin",
    "administrator",
    "sa",
    "root",
    "guest",
    "dbmanager",
    "loginmanager",
    "dbo",
    "public",
    "sys",
    "information_schema",
];

/// Server versions accepted in Create Server (`2.0` when absent, as live servers showed).
const VERSIONS: &[&str] = &["2.0", "12.0"];
const DEFAULT_VERSION: &str = "2.0";

/// SQL servers per subscription (the classic service's default quota).
pub const MAX_SQL_SERVERS: u32 = 6;

/// Firewall rules per server (the classic service's limit).
pub const MAX_FIREWALL_RULES: u32 = 128;

fn server_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("The SQL server '{name}' does not exist."))
}

fn rule_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("The firewall rule '{name}' does not exist."))
}

fn map_db(e: DbError, server: &str, rule: Option<&str>) -> ApiError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::FirewallRule,
            ..
        } => rule_not_found(rule.unwrap_or_default()),
        DbError::NotFound { .. } => server_not_found(server),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::FirewallRule),
            ..
        } => ApiError::conflict(format!(
            "The firewall rule '{}' already exists on server '{server}'.",
            rule.unwrap_or_default()
        )),
        DbError::Invalid(m) => ApiError::bad_request(m),
        other => ApiError::from_db(other, "SQL server"),
    }
}

/// The administrator login rules: 1–128 characters, a letter first, then letters, digits
/// or `_`; not a reserved name.
pub fn validate_login(login: &str) -> Result<(), ApiError> {
    let n = login.chars().count();
    if n == 0 || n > 128 {
        return Err(ApiError::bad_request(
            "AdministratorLogin must be 1 to 128 characters long.",
        ));
    }
    let mut chars = login.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError::bad_request(
            "AdministratorLogin must start with a letter and contain only letters, digits and underscores.",
        ));
    }
    if RESERVED_LOGINS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(login))
    {
        return Err(ApiError::bad_request(format!(
            "AdministratorLogin '{login}' is a reserved name; choose another login."
        )));
    }
    Ok(())
}

/// The password rules: 8–128 characters, characters of at least three of the four classes
/// (upper case, lower case, digits, others), not containing the login.
pub fn validate_password(password: &str, login: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if !(8..=128).contains(&n) {
        return Err(ApiError::bad_request(
            "AdministratorLoginPassword must be 8 to 128 characters long.",
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Err(ApiError::bad_request(
            "AdministratorLoginPassword is not complex enough: use characters of at least three of upper case, lower case, digits and symbols.",
        ));
    }
    if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
        return Err(ApiError::bad_request(
            "AdministratorLoginPassword must not contain the AdministratorLogin.",
        ));
    }
    Ok(())
}

/// Hash off the async threads (argon2 is deliberately slow).
async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || crate::bootstrap::hash_password(&password))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the hashing task failed");
            ApiError::internal()
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "cannot hash a SQL server password");
            ApiError::internal()
        })
}

/// A generated server name: 10 lower-case letters and digits.
fn generate_server_name() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a server name");
        ApiError::internal()
    })?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

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
    let servers = state
        .db
        .list_sql_servers(&s)
        .await
        .map_err(|e| ApiError::from_db(e, "subscription"))?;
    let items: Vec<_> = servers.iter().map(|x| server_xml(&state, x)).collect();
    Ok(xml(StatusCode::OK, sql_servers_to_xml(&items)))
}

pub async fn create(
    State(state): State<AppState>,
    Path(s): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_sql_server_input)?;
    let login = required(input.administrator_login, "AdministratorLogin")?;
    validate_login(&login)?;
    let password = required(
        input.administrator_login_password,
        "AdministratorLoginPassword",
    )?;
    validate_password(&password, &login)?;
    let location = required(input.location, "Location")?;
    let location = canonical_location(&state, &location).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Location '{location}' is not a valid location; valid locations: {}.",
            state.config.locations.join(", ")
        ))
    })?;
    let version = match input.version {
        None => DEFAULT_VERSION.to_string(),
        Some(v) if VERSIONS.contains(&v.as_str()) => v,
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "Version '{v}' is not supported; use one of {}.",
                VERSIONS.join(", ")
            )));
        }
    };
    let password_hash = hash(password).await?;
    let now = state.clock.now();
    let mut attempts = 0;
    let server = loop {
        let name = generate_server_name()?;
        let new = NewSqlServer {
            subscription_id: &s,
            name: &name,
            admin_login: &login,
            password_hash: &password_hash,
            location: &location,
            version: &version,
        };
        match state.db.create_sql_server(&new, MAX_SQL_SERVERS, now).await {
            Ok(server) => break server,
            Err(DbError::Conflict { .. }) if attempts < 5 => attempts += 1,
            Err(e) => return Err(ApiError::from_db(e, "SQL server")),
        }
    };
    Ok(xml(
        StatusCode::CREATED,
        sql_server_name_to_xml(&server.name, &fqdn(&state, &server.name)),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .db
        .delete_sql_server(&s, &server)
        .await
        .map_err(|e| map_db(e, &server, None))?;
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
    let password = required(
        parse_input(&body, parse_sql_admin_password)?,
        "AdministratorLoginPassword",
    )?;
    let current = state
        .db
        .get_sql_server(&s, &server)
        .await
        .map_err(|e| map_db(e, &server, None))?;
    validate_password(&password, &current.admin_login)?;
    let password_hash = hash(password).await?;
    state
        .db
        .set_sql_server_password(&s, &server, &password_hash, state.clock.now())
        .await
        .map_err(|e| map_db(e, &server, None))?;
    Ok(empty(StatusCode::OK))
}

/// The firewall rule name rules: 1–128 characters, no control characters and none of
/// `< > * % & : \ / ?`.
fn validate_rule_name(name: &str) -> Result<(), ApiError> {
    let n = name.chars().count();
    if n == 0 || n > 128 {
        return Err(ApiError::bad_request(
            "Name must be 1 to 128 characters long.",
        ));
    }
    if name
        .chars()
        .any(|c| c.is_control() || "<>*%&:\\/?".contains(c))
    {
        return Err(ApiError::bad_request(
            "Name must not contain control characters or any of < > * % & : \\ / ?.",
        ));
    }
    Ok(())
}

fn ipv4(field: &str, value: Option<String>) -> Result<Ipv4Addr, ApiError> {
    let v = required(value, field)?;
    v.parse()
        .map_err(|_| ApiError::bad_request(format!("{field} '{v}' is not a valid IPv4 address.")))
}

fn range(start: Option<String>, end: Option<String>) -> Result<(String, String), ApiError> {
    let start = ipv4("StartIPAddress", start)?;
    let end = ipv4("EndIPAddress", end)?;
    if u32::from(start) > u32::from(end) {
        return Err(ApiError::bad_request(format!(
            "StartIPAddress {start} must not be greater than EndIPAddress {end}."
        )));
    }
    Ok((start.to_string(), end.to_string()))
}

pub async fn list_rules(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let rules = state
        .db
        .list_firewall_rules(&s, &server)
        .await
        .map_err(|e| map_db(e, &server, None))?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = rules.iter().map(|r| rule_xml(&base, &s, r)).collect();
    Ok(xml(StatusCode::OK, firewall_rules_to_xml(&items)))
}

pub async fn get_rule(
    State(state): State<AppState>,
    Path((s, server, rule)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let r = state
        .db
        .get_firewall_rule(&s, &server, &rule)
        .await
        .map_err(|e| map_db(e, &server, Some(&rule)))?;
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
    let name = required(input.name, "Name")?;
    validate_rule_name(&name)?;
    let (start, end) = range(input.start_ip_address, input.end_ip_address)?;
    let r = state
        .db
        .create_firewall_rule(
            &s,
            &server,
            &name,
            (&start, &end),
            MAX_FIREWALL_RULES,
            state.clock.now(),
        )
        .await
        .map_err(|e| map_db(e, &server, Some(&name)))?;
    Ok(xml(
        StatusCode::CREATED,
        rule_xml(&base_url(&headers, &state), &s, &r).to_xml(),
    ))
}

pub async fn update_rule(
    State(state): State<AppState>,
    Path((s, server, rule)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_firewall_rule_input)?;
    if let Some(n) = &input.name
        && n.to_lowercase() != rule.to_lowercase()
    {
        return Err(ApiError::bad_request(format!(
            "Name '{n}' does not match the firewall rule '{rule}' of the request path."
        )));
    }
    let (start, end) = range(input.start_ip_address, input.end_ip_address)?;
    let r = state
        .db
        .update_firewall_rule(&s, &server, &rule, &start, &end, state.clock.now())
        .await
        .map_err(|e| map_db(e, &server, Some(&rule)))?;
    Ok(xml(
        StatusCode::OK,
        rule_xml(&base_url(&headers, &state), &s, &r).to_xml(),
    ))
}

pub async fn delete_rule(
    State(state): State<AppState>,
    Path((s, server, rule)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state
        .db
        .delete_firewall_rule(&s, &server, &rule)
        .await
        .map_err(|e| map_db(e, &server, Some(&rule)))?;
    Ok(empty(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_rules() {
        assert!(validate_login("azuredb").is_ok());
        assert!(validate_login("a_1").is_ok());
        for bad in ["", "Admin", "SA", "root", "guest", "1abc", "a b", "a-b"] {
            let e = validate_login(bad).unwrap_err();
            assert!(e.message.contains("AdministratorLogin"), "{bad}: {e:?}");
        }
        assert!(validate_login(&"a".repeat(129)).is_err());
        assert!(validate_login(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn password_rules() {
        assert!(validate_password("T5ii-B48x", "azuredb").is_ok());
        assert!(validate_password("Abcdefg1", "azuredb").is_ok());
        for bad in ["Ab1-", "abcdefgh", "abcdefg1", "ABCDEFG-", "xxAzureDB1-"] {
            let e = validate_password(bad, "azuredb").unwrap_err();
            assert!(
                e.message.contains("AdministratorLoginPassword"),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn generated_names() {
        for _ in 0..50 {
            let n = generate_server_name().unwrap();
            assert_eq!(n.len(), 10);
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
        }
    }

    #[test]
    fn ranges() {
        assert!(range(Some("0.0.0.0".into()), Some("255.255.255.255".into())).is_ok());
        let e = range(Some("10.0.0.2".into()), Some("10.0.0.1".into())).unwrap_err();
        assert!(e.message.contains("StartIPAddress"));
        let e = range(Some("1.2.3".into()), Some("10.0.0.1".into())).unwrap_err();
        assert!(e.message.contains("StartIPAddress"));
        let e = range(Some("1.2.3.4".into()), None).unwrap_err();
        assert!(e.message.contains("EndIPAddress"));
        assert!(validate_rule_name("AllowAll").is_ok());
        assert!(validate_rule_name("a/b").is_err());
    }
}
