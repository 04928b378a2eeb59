//! The databases of classic SQL Database servers, their editions, sizes and service
//! objectives (the fixed catalogue of performance levels), and the server quotas: the
//! rules, named as the service named them.
//!
//! Every server has the built-in `master` database (`Id` 1, edition `System`, 5 GB, the
//! `System` objective), as live servers listed it; it is not stored, cannot be changed
//! or deleted, and its name cannot be taken. A server holds at most
//! [`MAX_SQL_DATABASES`] other databases.

use super::{ConflictReason, Ctx, DomainError, ResourceKind};
use azmc_db::{DbError, NewSqlDatabase, SqlDatabase, SqlDatabaseUpdate, SqlServer};

/// Databases per server besides master (the classic service's limit).
pub const MAX_SQL_DATABASES: u32 = 150;

/// The built-in database of every server.
pub const MASTER: &str = "master";

/// The collation of a database created without one (and of master).
pub const DEFAULT_COLLATION: &str = "SQL_Latin1_General_CP1_CI_AS";

/// The one server quota, and its value, as live servers answered.
pub const SERVER_DTU_QUOTA: &str = "server_dtu_quota";
pub const SERVER_DTU_QUOTA_VALUE: i64 = 2000;

const GB: i64 = 1 << 30;
const MB: i64 = 1 << 20;

/// One performance level of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceObjective {
    pub name: &'static str,
    /// Lower case (the ids of the classic service).
    pub id: &'static str,
    pub description: &'static str,
    /// The editions it serves (none: system only).
    pub editions: &'static [&'static str],
    pub is_default: bool,
    pub is_system: bool,
}

const fn objective(
    name: &'static str,
    id: &'static str,
    description: &'static str,
    editions: &'static [&'static str],
) -> ServiceObjective {
    ServiceObjective {
        name,
        id,
        description,
        editions,
        is_default: false,
        is_system: false,
    }
}

/// The service objectives every server offers, with the ids of the classic service: Basic
/// and System as the 2015 recordings show them, the others as Azure's own documentation
/// and SDK tests list them (`Set-AzureSqlDatabase -ServiceObjective`, the .NET SDK's
/// `SqlConstants`).
pub const SERVICE_OBJECTIVES: &[ServiceObjective] = &[
    ServiceObjective {
        is_default: true,
        ..objective(
            "Shared",
            "910b4fcb-8a29-4c3e-958f-f7ba794388b2",
            "Shared resource allocation (Web and Business editions).",
            &["Web", "Business"],
        )
    },
    objective(
        "Basic",
        "dd6d99bb-f193-4ec1-86f2-43d3bccbc49c",
        "Basic resource allocation.",
        &["Basic"],
    ),
    objective(
        "S0",
        "f1173c43-91bd-4aaa-973c-54e79e15235b",
        "Standard S0 resource allocation.",
        &["Standard"],
    ),
    objective(
        "S1",
        "1b1ebd4d-d903-4baa-97f9-4ea675f5e928",
        "Standard S1 resource allocation.",
        &["Standard"],
    ),
    objective(
        "S2",
        "455330e1-00cd-488b-b5fa-177c226f28b7",
        "Standard S2 resource allocation.",
        &["Standard"],
    ),
    objective(
        "S3",
        "789681b8-ca10-4eb0-bdf2-e0b050601b40",
        "Standard S3 resource allocation.",
        &["Standard"],
    ),
    objective(
        "P1",
        "7203483a-c4fb-4304-9e9f-17c71c904f5d",
        "Premium P1 resource allocation.",
        &["Premium"],
    ),
    objective(
        "P2",
        "a7d1b92d-c987-4375-b54d-2b1d0e0f5bb0",
        "Premium P2 resource allocation.",
        &["Premium"],
    ),
    objective(
        "P3",
        "a7c4c615-cfb1-464b-b252-925be0a19446",
        "Premium P3 resource allocation.",
        &["Premium"],
    ),
    ServiceObjective {
        is_system: true,
        ..objective(
            "System",
            "26e021db-f1f9-4c98-84c6-92af8ef433d7",
            "Used for master database only.",
            &[],
        )
    },
];

/// The objective of master.
pub const SYSTEM_OBJECTIVE: &str = "26e021db-f1f9-4c98-84c6-92af8ef433d7";

/// One edition: its default objective and its sizes.
struct Edition {
    name: &'static str,
    default_objective: &'static str,
    default_size_gb: i64,
    min_size_gb: i64,
    max_size_gb: i64,
    /// Sizes below 1 GB it also takes (bytes).
    small_sizes: &'static [i64],
}

const EDITIONS: &[Edition] = &[
    Edition {
        name: "Web",
        default_objective: "910b4fcb-8a29-4c3e-958f-f7ba794388b2",
        default_size_gb: 1,
        min_size_gb: 1,
        max_size_gb: 5,
        small_sizes: &[],
    },
    Edition {
        name: "Business",
        default_objective: "910b4fcb-8a29-4c3e-958f-f7ba794388b2",
        default_size_gb: 10,
        min_size_gb: 10,
        max_size_gb: 150,
        small_sizes: &[],
    },
    Edition {
        name: "Basic",
        default_objective: "dd6d99bb-f193-4ec1-86f2-43d3bccbc49c",
        default_size_gb: 2,
        min_size_gb: 1,
        max_size_gb: 2,
        small_sizes: &[100 * MB, 500 * MB],
    },
    Edition {
        name: "Standard",
        default_objective: "f1173c43-91bd-4aaa-973c-54e79e15235b",
        default_size_gb: 250,
        min_size_gb: 1,
        max_size_gb: 250,
        small_sizes: &[100 * MB, 500 * MB],
    },
    Edition {
        name: "Premium",
        default_objective: "7203483a-c4fb-4304-9e9f-17c71c904f5d",
        default_size_gb: 500,
        min_size_gb: 1,
        max_size_gb: 500,
        small_sizes: &[100 * MB, 500 * MB],
    },
];

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

fn edition(name: &str) -> Result<&'static Edition, DomainError> {
    EDITIONS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            invalid(
                "Edition",
                format!(
                    "Edition '{name}' is not supported; use one of Web, Business, Basic, Standard, Premium."
                ),
            )
        })
}

/// The objective of `id` (any case).
pub fn service_objective(id: &str) -> Option<&'static ServiceObjective> {
    SERVICE_OBJECTIVES
        .iter()
        .find(|o| o.id.eq_ignore_ascii_case(id.trim()))
}

/// A user database's objective: one of the catalogue's, not the system one.
fn user_objective(id: &str) -> Result<&'static ServiceObjective, DomainError> {
    service_objective(id)
        .filter(|o| !o.is_system)
        .ok_or_else(|| {
            invalid(
                "ServiceObjectiveId",
                format!(
                    "ServiceObjectiveId '{id}' is not one of the server's service objectives (see List Service Objectives)."
                ),
            )
        })
}

/// The database name rules: 1–128 characters, not only spaces, no control characters and
/// none of `< > * % & : \ / ?`, not ending with a space or a period.
pub fn validate_database_name(name: &str) -> Result<(), DomainError> {
    let n = name.chars().count();
    if n == 0 || n > 128 || name.trim().is_empty() {
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
    if name.ends_with(' ') || name.ends_with('.') {
        return Err(invalid(
            "Name",
            "Name must not end with a space or a period.",
        ));
    }
    Ok(())
}

/// The collation rules: a SQL Server collation name (1–128 letters, digits and `_`, a
/// letter first) with a case-sensitivity or binary part (`_CI`, `_CS`, `_BIN`, `_BIN2`).
pub fn validate_collation(collation: &str) -> Result<(), DomainError> {
    let mut chars = collation.chars();
    let shape = collation.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    let parts: Vec<&str> = collation.split('_').collect();
    let sensitivity = parts
        .iter()
        .skip(1)
        .any(|p| ["CI", "CS", "BIN", "BIN2"].contains(&p.to_ascii_uppercase().as_str()));
    if !(shape && sensitivity) {
        return Err(invalid(
            "CollationName",
            format!(
                "CollationName '{collation}' is not a valid collation (for example {DEFAULT_COLLATION})."
            ),
        ));
    }
    Ok(())
}

fn parse_size(field: &'static str, text: &str) -> Result<i64, DomainError> {
    text.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        invalid(
            field,
            format!("{field} '{text}' is not a positive integer."),
        )
    })
}

/// The size asked for in bytes, from `MaxSizeGB` and/or `MaxSizeBytes` (which must agree).
fn requested_size(gb: Option<&str>, bytes: Option<&str>) -> Result<Option<i64>, DomainError> {
    let gb = gb.map(|g| parse_size("MaxSizeGB", g)).transpose()?;
    let gb_bytes = gb
        .map(|g| {
            g.checked_mul(GB)
                .ok_or_else(|| invalid("MaxSizeGB", "MaxSizeGB is too large."))
        })
        .transpose()?;
    let bytes = bytes.map(|b| parse_size("MaxSizeBytes", b)).transpose()?;
    match (gb_bytes, bytes) {
        (Some(g), Some(b)) if g != b => Err(invalid(
            "MaxSizeBytes",
            "MaxSizeBytes and MaxSizeGB must agree.",
        )),
        (g, b) => Ok(g.or(b)),
    }
}

/// Whether `edition` takes `bytes`.
fn size_fits(edition: &Edition, bytes: i64) -> bool {
    edition.small_sizes.contains(&bytes)
        || (bytes % GB == 0 && (edition.min_size_gb..=edition.max_size_gb).contains(&(bytes / GB)))
}

fn check_size(edition: &Edition, bytes: i64) -> Result<i64, DomainError> {
    if size_fits(edition, bytes) {
        return Ok(bytes);
    }
    Err(invalid(
        "MaxSizeGB",
        format!(
            "MaxSizeGB: the {} edition takes {} to {} GB{} (asked: {bytes} bytes).",
            edition.name,
            edition.min_size_gb,
            edition.max_size_gb,
            if edition.small_sizes.is_empty() {
                ""
            } else {
                ", or 100 or 500 MB"
            }
        ),
    ))
}

/// The objective `id` for `edition`, or the edition's default.
fn objective_for(edition: &Edition, id: Option<&str>) -> Result<&'static str, DomainError> {
    let Some(id) = id else {
        return Ok(edition.default_objective);
    };
    let o = user_objective(id)?;
    if !o.editions.contains(&edition.name) {
        return Err(invalid(
            "ServiceObjectiveId",
            format!(
                "ServiceObjectiveId: the service objective {} ({}) is not one of the {} edition.",
                o.name, o.id, edition.name
            ),
        ));
    }
    Ok(o.id)
}

/// The edition of a request: as named, or the objective's (its first edition), or `or`.
fn edition_of(
    named: Option<&str>,
    objective: Option<&str>,
    or: &str,
) -> Result<&'static Edition, DomainError> {
    if let Some(name) = named {
        return edition(name);
    }
    if let Some(id) = objective {
        let o = user_objective(id)?;
        if !o.editions.iter().any(|e| e.eq_ignore_ascii_case(or)) {
            return edition(o.editions[0]);
        }
    }
    edition(or)
}

/// The built-in master database of `server`.
pub fn master(server: &SqlServer) -> SqlDatabase {
    SqlDatabase {
        server_name: server.name.clone(),
        name: MASTER.into(),
        id: 1,
        edition: "System".into(),
        max_size_bytes: 5 * GB,
        collation: DEFAULT_COLLATION.into(),
        service_objective_id: SYSTEM_OBJECTIVE.into(),
        created_at: server.created_at,
        modified_at: server.created_at,
    }
}

/// Whether `db` is the built-in master.
pub fn is_master(db: &SqlDatabase) -> bool {
    db.id == 1 && db.name == MASTER
}

fn is_master_name(name: &str) -> bool {
    name.eq_ignore_ascii_case(MASTER)
}

/// The database's answers about `server` and its database `database`.
fn db_error(e: DbError, server: &str, database: &str) -> DomainError {
    match e {
        DbError::NotFound {
            kind: azmc_db::ResourceKind::SqlDatabase,
            ..
        } => DomainError::not_found_named(ResourceKind::SqlDatabase, database),
        DbError::NotFound { .. } => DomainError::not_found_named(ResourceKind::SqlServer, server),
        DbError::Conflict {
            reason: azmc_db::ConflictReason::Exists(azmc_db::ResourceKind::SqlDatabase),
            ..
        } => DomainError::Conflict(ConflictReason::SqlDatabaseExists {
            name: database.to_string(),
            server: server.to_string(),
        }),
        other => DomainError::from_db(other),
    }
}

async fn server(ctx: &Ctx<'_>, subscription: &str, server: &str) -> Result<SqlServer, DomainError> {
    ctx.db
        .get_sql_server(subscription, server)
        .await
        .map_err(|e| db_error(e, server, ""))
}

fn exists(name: &str, server: &str) -> DomainError {
    DomainError::Conflict(ConflictReason::SqlDatabaseExists {
        name: name.to_string(),
        server: server.to_string(),
    })
}

fn system_database() -> DomainError {
    invalid(
        "Name",
        "The master database is a system database: it cannot be changed or deleted.",
    )
}

/// What Create Database asks for, as sent (absent: the defaults).
#[derive(Debug, Default)]
pub struct NewDatabase {
    pub name: Option<String>,
    pub edition: Option<String>,
    pub max_size_gb: Option<String>,
    pub max_size_bytes: Option<String>,
    pub collation: Option<String>,
    pub service_objective_id: Option<String>,
}

/// What Update Database asks for, as sent (absent: unchanged, or what a new edition
/// needs).
#[derive(Debug, Default)]
pub struct DatabaseChange {
    /// A new name (the same name, any case: no rename).
    pub name: Option<String>,
    pub edition: Option<String>,
    pub max_size_gb: Option<String>,
    pub max_size_bytes: Option<String>,
    /// Cannot change: only the current collation is accepted.
    pub collation: Option<String>,
    pub service_objective_id: Option<String>,
}

/// Creates a database (the edition Web when neither it nor an objective is named; the
/// edition's default objective and size when not named).
pub async fn create_database(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
    new: NewDatabase,
) -> Result<SqlDatabase, DomainError> {
    let name = new
        .name
        .ok_or_else(|| invalid("Name", "Name is required."))?;
    validate_database_name(&name)?;
    let slo = new.service_objective_id.as_deref();
    let edition = edition_of(new.edition.as_deref(), slo, "Web")?;
    let objective = objective_for(edition, slo)?;
    let size = match requested_size(new.max_size_gb.as_deref(), new.max_size_bytes.as_deref())? {
        Some(bytes) => check_size(edition, bytes)?,
        None => edition.default_size_gb * GB,
    };
    let collation = new.collation.unwrap_or_else(|| DEFAULT_COLLATION.into());
    validate_collation(&collation)?;
    if is_master_name(&name) {
        server(ctx, subscription, server_name).await?;
        return Err(exists(&name, server_name));
    }
    let row = NewSqlDatabase {
        name: &name,
        edition: edition.name,
        max_size_bytes: size,
        collation: &collation,
        service_objective_id: objective,
    };
    ctx.db
        .create_sql_database(subscription, server_name, &row, MAX_SQL_DATABASES, ctx.now)
        .await
        .map_err(|e| db_error(e, server_name, &name))
}

/// The databases of a server: master first, then by `Id`.
pub async fn list_databases(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
) -> Result<Vec<SqlDatabase>, DomainError> {
    let srv = server(ctx, subscription, server_name).await?;
    let mut all = vec![master(&srv)];
    all.extend(
        ctx.db
            .list_sql_databases(subscription, server_name)
            .await
            .map_err(|e| db_error(e, server_name, ""))?,
    );
    Ok(all)
}

/// One database of a server (master included).
pub async fn get_database(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
    name: &str,
) -> Result<SqlDatabase, DomainError> {
    if is_master_name(name) {
        return Ok(master(&server(ctx, subscription, server_name).await?));
    }
    ctx.db
        .get_sql_database(subscription, server_name, name)
        .await
        .map_err(|e| db_error(e, server_name, name))
}

/// Changes a database's name, edition, size or objective. A new edition without an
/// objective takes its default objective, and its default size when the current one
/// does not fit it; an objective without an edition brings its edition.
pub async fn update_database(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
    name: &str,
    change: DatabaseChange,
) -> Result<SqlDatabase, DomainError> {
    let current = get_database(ctx, subscription, server_name, name).await?;
    if is_master(&current) {
        return Err(system_database());
    }
    let new_name = match change.name {
        Some(n) if !n.eq_ignore_ascii_case(&current.name) => {
            validate_database_name(&n)?;
            if is_master_name(&n) {
                return Err(exists(&n, server_name));
            }
            n
        }
        _ => current.name.clone(),
    };
    if let Some(c) = &change.collation
        && !c.eq_ignore_ascii_case(&current.collation)
    {
        return Err(invalid(
            "CollationName",
            "CollationName cannot be changed by Update Database.",
        ));
    }
    let slo = change.service_objective_id.as_deref();
    let edition = edition_of(change.edition.as_deref(), slo, &current.edition)?;
    let same_edition = edition.name == current.edition;
    let objective = match slo {
        Some(_) => objective_for(edition, slo)?,
        None if same_edition => {
            // The current objective stays (one of the catalogue's, as stored).
            service_objective(&current.service_objective_id)
                .map_or(edition.default_objective, |o| o.id)
        }
        None => edition.default_objective,
    };
    let size = match requested_size(
        change.max_size_gb.as_deref(),
        change.max_size_bytes.as_deref(),
    )? {
        Some(bytes) => check_size(edition, bytes)?,
        None if size_fits(edition, current.max_size_bytes) => current.max_size_bytes,
        None => edition.default_size_gb * GB,
    };
    let update = SqlDatabaseUpdate {
        name: &new_name,
        edition: edition.name,
        max_size_bytes: size,
        service_objective_id: objective,
    };
    ctx.db
        .update_sql_database(subscription, server_name, name, &update, ctx.now)
        .await
        .map_err(|e| match e {
            DbError::Conflict { .. } => exists(&new_name, server_name),
            other => db_error(other, server_name, name),
        })
}

/// Deletes a database (never master).
pub async fn delete_database(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
    name: &str,
) -> Result<(), DomainError> {
    if is_master_name(name) {
        server(ctx, subscription, server_name).await?;
        return Err(system_database());
    }
    ctx.db
        .delete_sql_database(subscription, server_name, name)
        .await
        .map_err(|e| db_error(e, server_name, name))
}

/// The service objectives of a server (the catalogue).
pub async fn list_service_objectives(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
) -> Result<&'static [ServiceObjective], DomainError> {
    server(ctx, subscription, server_name).await?;
    Ok(SERVICE_OBJECTIVES)
}

/// One service objective of a server, by id.
pub async fn get_service_objective(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
    id: &str,
) -> Result<&'static ServiceObjective, DomainError> {
    server(ctx, subscription, server_name).await?;
    service_objective(id)
        .ok_or_else(|| DomainError::not_found_named(ResourceKind::ServiceObjective, id))
}

/// The quotas of a server: (name, value).
pub async fn list_quotas(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
) -> Result<Vec<(&'static str, i64)>, DomainError> {
    server(ctx, subscription, server_name).await?;
    Ok(vec![(SERVER_DTU_QUOTA, SERVER_DTU_QUOTA_VALUE)])
}

/// One quota of a server, by name (any case).
pub async fn get_quota(
    ctx: &Ctx<'_>,
    subscription: &str,
    server_name: &str,
    name: &str,
) -> Result<(&'static str, i64), DomainError> {
    list_quotas(ctx, subscription, server_name)
        .await?
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| DomainError::not_found_named(ResourceKind::ServerQuota, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: DomainError) -> (&'static str, String) {
        match e {
            DomainError::Invalid { field, message } => (field, message),
            other => panic!("not Invalid: {other:?}"),
        }
    }

    #[test]
    fn names_and_collations() {
        for ok in ["temp", "My Db", "a.b", "db-1", "漢字", &"x".repeat(128)] {
            assert!(validate_database_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "   ", "a/b", "a?b", "a<b", "ends.", "ends ", "a\u{1}b"] {
            assert_eq!(
                message(validate_database_name(bad).unwrap_err()).0,
                "Name",
                "{bad:?}"
            );
        }
        assert!(validate_database_name(&"x".repeat(129)).is_err());
        for ok in [
            "SQL_Latin1_General_CP1_CI_AS",
            "Latin1_General_100_CS_AS_KS",
            "Latin1_General_BIN2",
        ] {
            assert!(validate_collation(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Latin1",
            "SQL Latin1_CI",
            "_CI_AS",
            "Latin1-General_CI_AS",
        ] {
            assert_eq!(
                message(validate_collation(bad).unwrap_err()).0,
                "CollationName",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn editions_sizes_and_objectives() {
        let basic = edition("basic").unwrap();
        assert_eq!(basic.name, "Basic");
        assert_eq!(message(edition("Gold").err().unwrap()).0, "Edition");
        assert!(edition("System").is_err());
        assert_eq!(check_size(basic, 2 * GB).unwrap(), 2 * GB);
        assert_eq!(check_size(basic, 100 * MB).unwrap(), 100 * MB);
        assert_eq!(
            message(check_size(basic, 5 * GB).unwrap_err()).0,
            "MaxSizeGB"
        );
        let web = edition("Web").unwrap();
        assert!(check_size(web, 5 * GB).is_ok() && check_size(web, 6 * GB).is_err());
        assert!(check_size(web, 100 * MB).is_err());
        assert_eq!(requested_size(Some("2"), None).unwrap(), Some(2 * GB));
        assert_eq!(
            requested_size(None, Some("2147483648")).unwrap(),
            Some(2 * GB)
        );
        assert_eq!(
            requested_size(Some("2"), Some("2147483648")).unwrap(),
            Some(2 * GB)
        );
        assert_eq!(
            message(requested_size(Some("2"), Some("1")).unwrap_err()).0,
            "MaxSizeBytes"
        );
        assert_eq!(
            message(requested_size(Some("two"), None).unwrap_err()).0,
            "MaxSizeGB"
        );
        assert_eq!(
            message(requested_size(Some("0"), None).unwrap_err()).0,
            "MaxSizeGB"
        );
        assert_eq!(
            message(requested_size(None, Some("-1")).unwrap_err()).0,
            "MaxSizeBytes"
        );
        assert_eq!(requested_size(None, None).unwrap(), None);
        // the objective brings its edition; an edition its default objective
        let s1 = "1b1ebd4d-d903-4baa-97f9-4ea675f5e928";
        assert_eq!(edition_of(None, Some(s1), "Web").unwrap().name, "Standard");
        assert_eq!(edition_of(None, None, "Web").unwrap().name, "Web");
        let shared = "910b4fcb-8a29-4c3e-958f-f7ba794388b2";
        assert_eq!(
            edition_of(None, Some(shared), "Business").unwrap().name,
            "Business"
        );
        assert_eq!(
            edition_of(None, Some(shared), "Premium").unwrap().name,
            "Web"
        );
        let standard = edition("Standard").unwrap();
        assert_eq!(
            objective_for(standard, None).unwrap(),
            "f1173c43-91bd-4aaa-973c-54e79e15235b"
        );
        assert_eq!(
            objective_for(standard, Some(&s1.to_uppercase())).unwrap(),
            s1
        );
        let (field, m) = message(objective_for(basic, Some(s1)).unwrap_err());
        assert_eq!(field, "ServiceObjectiveId");
        assert!(m.contains("S1") && m.contains("Basic"), "{m}");
        assert_eq!(
            message(objective_for(basic, Some(SYSTEM_OBJECTIVE)).unwrap_err()).0,
            "ServiceObjectiveId"
        );
        assert_eq!(
            message(objective_for(basic, Some("nope")).unwrap_err()).0,
            "ServiceObjectiveId"
        );
        // every edition's default objective and size are its own
        for e in EDITIONS {
            assert!(
                service_objective(e.default_objective)
                    .unwrap()
                    .editions
                    .contains(&e.name)
            );
            assert!(size_fits(e, e.default_size_gb * GB), "{}", e.name);
        }
        // ids are unique GUIDs in lower case
        let mut ids: Vec<_> = SERVICE_OBJECTIVES.iter().map(|o| o.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), SERVICE_OBJECTIVES.len());
        assert!(ids.iter().all(|i| i.len() == 36 && *i == i.to_lowercase()));
    }
}
