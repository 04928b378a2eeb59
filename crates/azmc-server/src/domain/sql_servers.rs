//! Classic SQL Database servers and their firewall rules: the administrator login and
//! password rules, server versions, generated server names, the quotas, and what the
//! database may refuse, named as the service named it. The password is kept only as an
//! Argon2id hash, computed off the async workers.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use azmc_db::{DbError, FirewallRule, NewSqlServer, SqlServer};
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

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

/// A required field.
fn required(value: Option<String>, field: &'static str) -> Result<String, DomainError> {
    value.ok_or_else(|| invalid(field, format!("{field} is required.")))
}

/// The administrator login rules: 1–128 characters, a letter first, then letters, digits
/// or `_`; not a reserved name.
pub fn validate_login(login: &str) -> Result<(), DomainError> {
    const FIELD: &str = "AdministratorLogin";
    let n = login.chars().count();
    if n == 0 || n > 128 {
        return Err(invalid(
            FIELD,
            "AdministratorLogin must be 1 to 128 characters long.",
        ));
    }
    let mut chars = login.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid(
            FIELD,
            "AdministratorLogin must start with a letter and contain only letters, digits and underscores.",
        ));
    }
    if RESERVED_LOGINS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(login))
    {
        return Err(invalid(
            FIELD,
            format!("AdministratorLogin '{login}' is a reserved name; choose another login."),
        ));
    }
    Ok(())
}

/// The password rules: 8–128 characters, characters of at least three of the four classes
/// (upper case, lower case, digits, others), not containing the login.
pub fn validate_password(password: &str, login: &str) -> Result<(), DomainError> {
    const FIELD: &str = "AdministratorLoginPassword";
    let n = password.chars().count();
    if !(8..=128).contains(&n) {
        return Err(invalid(
            FIELD,
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
        return Err(invalid(
            FIELD,
            "AdministratorLoginPassword is not complex enough: use characters of at least three of upper case, lower case, digits and symbols.",
        ));
    }
    if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
        return Err(invalid(
            FIELD,
            "AdministratorLoginPassword must not contain the AdministratorLogin.",
        ));
    }
    Ok(())
}

/// The firewall rule name rules: 1–128 characters, no control characters and none of
/// `< > * % & : \ / ?`.
pub fn validate_rule_name(name: &str) -> Result<(), DomainError> {
    let n = name.chars().count();
    if n == 0 || n > 128 {
        return Err(invalid("Name", "Name must be 1 to 128 characters long."));
    }
    if name
        .chars()
        .any(|c| c.is_control() || "<>*%&:\\/?".contains(c))
    {
        return Err(invalid(
            "Name",
            "Name must not contain control characters or any of < > * % & : \\ / ?.",
        ));
    }
    Ok(())
}

fn ipv4(field: &'static str, value: Option<String>) -> Result<Ipv4Addr, DomainError> {
    let v = required(value, field)?;
    v.parse()
        .map_err(|_| invalid(field, format!("{field} '{v}' is not a valid IPv4 address.")))
}

/// A firewall rule's address range, start not after end.
pub fn range(start: Option<String>, end: Option<String>) -> Result<(String, String), DomainError> {
    let start = ipv4("StartIPAddress", start)?;
    let end = ipv4("EndIPAddress", end)?;
    if u32::from(start) > u32::from(end) {
        return Err(invalid(
            "StartIPAddress",
            format!("StartIPAddress {start} must not be greater than EndIPAddress {end}."),
        ));
    }
    Ok((start.to_string(), end.to_string()))
}

/// Hash off the async threads (argon2 is deliberately slow), in a hashing slot.
async fn hash(ctx: &Ctx<'_>, password: String) -> Result<String, DomainError> {
    super::accounts::hash_password_blocking(ctx, zeroize::Zeroizing::new(password)).await
}

/// A generated server name: 10 lower-case letters and digits.
pub fn generate_server_name() -> Result<String, DomainError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a server name");
        DomainError::Internal
    })?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// The database's answers about `server` (and its rule `rule`).
fn db_error(e: DbError, server: &str, rule: Option<&str>) -> DomainError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::FirewallRule,
            ..
        } => DomainError::not_found_named(ResourceKind::FirewallRule, rule.unwrap_or_default()),
        DbError::NotFound { .. } => DomainError::not_found_named(ResourceKind::SqlServer, server),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::FirewallRule),
            ..
        } => DomainError::Conflict(ConflictReason::FirewallRuleExists {
            rule: rule.unwrap_or_default().to_string(),
            server: server.to_string(),
        }),
        DbError::Invalid(message) => invalid("", message),
        other => DomainError::from_db(other),
    }
}

/// The new server's administrator, where it is, and its version (`None`: 2.0).
#[derive(Debug)]
pub struct NewServer {
    pub login: Option<String>,
    pub password: Option<String>,
    /// The canonical location name (the API door resolves what the caller sent).
    pub location: String,
    pub version: Option<String>,
}

/// Creates a server with a generated name (a name taken elsewhere is drawn again).
pub async fn create_server(
    ctx: &Ctx<'_>,
    subscription: &str,
    new: NewServer,
) -> Result<SqlServer, DomainError> {
    let login = required(new.login, "AdministratorLogin")?;
    validate_login(&login)?;
    let password = required(new.password, "AdministratorLoginPassword")?;
    validate_password(&password, &login)?;
    let version = match new.version {
        None => DEFAULT_VERSION.to_string(),
        Some(v) if VERSIONS.contains(&v.as_str()) => v,
        Some(v) => {
            return Err(invalid(
                "Version",
                format!(
                    "Version '{v}' is not supported; use one of {}.",
                    VERSIONS.join(", ")
                ),
            ));
        }
    };
    let password_hash = hash(ctx, password).await?;
    let mut attempts = 0;
    loop {
        let name = generate_server_name()?;
        let server = NewSqlServer {
            subscription_id: subscription,
            name: &name,
            admin_login: &login,
            password_hash: &password_hash,
            location: &new.location,
            version: &version,
        };
        match ctx
            .db
            .create_sql_server(&server, MAX_SQL_SERVERS, ctx.now)
            .await
        {
            Ok(server) => return Ok(server),
            Err(DbError::Conflict { .. }) if attempts < 5 => attempts += 1,
            Err(DbError::NotFound { .. }) => {
                return Err(DomainError::not_found(ResourceKind::Subscription));
            }
            Err(e) => return Err(DomainError::from_db(e)),
        }
    }
}

/// The servers of `subscription`.
pub async fn list_servers(
    ctx: &Ctx<'_>,
    subscription: &str,
) -> Result<Vec<SqlServer>, DomainError> {
    ctx.db
        .list_sql_servers(subscription)
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
            other => DomainError::from_db(other),
        })
}

/// Sets a new administrator password (Reset Password).
pub async fn reset_password(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
    password: Option<String>,
) -> Result<(), DomainError> {
    let password = required(password, "AdministratorLoginPassword")?;
    let current = ctx
        .db
        .get_sql_server(subscription, server)
        .await
        .map_err(|e| db_error(e, server, None))?;
    validate_password(&password, &current.admin_login)?;
    let password_hash = hash(ctx, password).await?;
    ctx.db
        .set_sql_server_password(subscription, server, &password_hash, ctx.now)
        .await
        .map_err(|e| db_error(e, server, None))
}

/// Deletes a server with its firewall rules.
pub async fn delete_server(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
) -> Result<(), DomainError> {
    ctx.db
        .delete_sql_server(subscription, server)
        .await
        .map_err(|e| db_error(e, server, None))
}

/// The firewall rules of `server`.
pub async fn list_rules(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
) -> Result<Vec<FirewallRule>, DomainError> {
    ctx.db
        .list_firewall_rules(subscription, server)
        .await
        .map_err(|e| db_error(e, server, None))
}

/// The firewall rule `rule` of `server`.
pub async fn get_rule(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
    rule: &str,
) -> Result<FirewallRule, DomainError> {
    ctx.db
        .get_firewall_rule(subscription, server, rule)
        .await
        .map_err(|e| db_error(e, server, Some(rule)))
}

/// Creates the rule `name` on `server` for the addresses `start`..=`end`.
pub async fn create_rule(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
    name: Option<String>,
    (start, end): (Option<String>, Option<String>),
) -> Result<FirewallRule, DomainError> {
    let name = required(name, "Name")?;
    validate_rule_name(&name)?;
    let (start, end) = range(start, end)?;
    ctx.db
        .create_firewall_rule(
            subscription,
            server,
            &name,
            (&start, &end),
            MAX_FIREWALL_RULES,
            ctx.now,
        )
        .await
        .map_err(|e| db_error(e, server, Some(&name)))
}

/// Changes the addresses of the rule `rule` (a name in the body must be the same rule).
pub async fn update_rule(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
    rule: &str,
    name: Option<&str>,
    (start, end): (Option<String>, Option<String>),
) -> Result<FirewallRule, DomainError> {
    if let Some(n) = name
        && n.to_lowercase() != rule.to_lowercase()
    {
        return Err(invalid(
            "Name",
            format!("Name '{n}' does not match the firewall rule '{rule}' of the request path."),
        ));
    }
    let (start, end) = range(start, end)?;
    ctx.db
        .update_firewall_rule(subscription, server, rule, &start, &end, ctx.now)
        .await
        .map_err(|e| db_error(e, server, Some(rule)))
}

/// Deletes the rule `rule` of `server`.
pub async fn delete_rule(
    ctx: &Ctx<'_>,
    subscription: &str,
    server: &str,
    rule: &str,
) -> Result<(), DomainError> {
    ctx.db
        .delete_firewall_rule(subscription, server, rule)
        .await
        .map_err(|e| db_error(e, server, Some(rule)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: DomainError) -> String {
        match e {
            DomainError::Invalid { message, .. } => message,
            other => panic!("not Invalid: {other:?}"),
        }
    }

    #[test]
    fn login_rules() {
        assert!(validate_login("azuredb").is_ok());
        assert!(validate_login("a_1").is_ok());
        for bad in ["", "Admin", "SA", "root", "guest", "1abc", "a b", "a-b"] {
            let e = message(validate_login(bad).unwrap_err());
            assert!(e.contains("AdministratorLogin"), "{bad}: {e:?}");
        }
        assert!(validate_login(&"a".repeat(129)).is_err());
        assert!(validate_login(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn password_rules() {
        assert!(validate_password("T5ii-B48x", "azuredb").is_ok());
        assert!(validate_password("Abcdefg1", "azuredb").is_ok());
        for bad in ["Ab1-", "abcdefgh", "abcdefg1", "ABCDEFG-", "xxAzureDB1-"] {
            let e = message(validate_password(bad, "azuredb").unwrap_err());
            assert!(e.contains("AdministratorLoginPassword"), "{bad}: {e:?}");
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
        let e = message(range(Some("10.0.0.2".into()), Some("10.0.0.1".into())).unwrap_err());
        assert!(e.contains("StartIPAddress"));
        let e = message(range(Some("1.2.3".into()), Some("10.0.0.1".into())).unwrap_err());
        assert!(e.contains("StartIPAddress"));
        let e = message(range(Some("1.2.3.4".into()), None).unwrap_err());
        assert!(e.contains("EndIPAddress"));
        assert!(validate_rule_name("AllowAll").is_ok());
        assert!(validate_rule_name("a/b").is_err());
    }
}
