//! Classic SQL Database databases, server quotas and service objectives (§4.10) on the
//! main endpoint: `/{s}/services/sqlservers/servers/{srv}/databases[/{db}]`,
//! `…/serverquotas[/{name}]` and `…/serviceobjectives[/{id}]`. Statuses are the Node
//! client's (`azure-asm-sql`): list/get 200, create 201 + the database, update 200 + the
//! database, delete 200. At most [`MAX_SQL_DATABASES`] databases per server besides
//! master (409 ConflictError beyond).

use super::validate::{base_url_or_configured as base_url, parse_input};
use super::{empty, xml};
use crate::domain::sql_databases::{self, DatabaseChange, NewDatabase, ServiceObjective};
use crate::domain::{Ctx, sql_databases::is_master};
use crate::error::ApiError;
use crate::ops::{CreatedObject, OpName, methods};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing;
use azmc_db::SqlDatabase;
use azmc_wire::asm::{
    ServerQuotaXml, ServiceObjectiveXml, SqlDatabaseXml, format_time_precise,
    parse_sql_database_input, server_quotas_to_xml, service_objectives_to_xml,
    sql_databases_to_xml,
};

pub use crate::domain::sql_databases::MAX_SQL_DATABASES;

/// A recovery window opens half an hour after a database is created (as live).
const RECOVERY_START: time::Duration = time::Duration::minutes(30);

fn server_link(base: &str, s: &str, server: &str) -> String {
    format!("{base}/{s}/services/sqlservers/servers/{server}")
}

fn database_xml(base: &str, s: &str, d: &SqlDatabase) -> SqlDatabaseXml {
    let parent = server_link(base, s, &d.server_name);
    let system = is_master(d);
    SqlDatabaseXml {
        name: d.name.clone(),
        self_link: format!("{parent}/databases/{}", d.name),
        parent_link: parent,
        id: d.id,
        edition: d.edition.clone(),
        max_size_gb: d.max_size_bytes >> 30,
        collation_name: d.collation.clone(),
        creation_date: format_time_precise(d.created_at),
        is_system_object: system,
        max_size_bytes: d.max_size_bytes,
        service_objective_id: d.service_objective_id.clone(),
        service_objective_assignment_success_date: format_time_precise(d.modified_at),
        recovery_period_start_date: (!system)
            .then(|| format_time_precise(d.created_at + RECOVERY_START)),
    }
}

fn objective_xml(base: &str, s: &str, server: &str, o: &ServiceObjective) -> ServiceObjectiveXml {
    let parent = server_link(base, s, server);
    ServiceObjectiveXml {
        name: o.name.into(),
        self_link: format!("{parent}/serviceobjectives/{}", o.id),
        parent_link: parent,
        id: o.id.into(),
        is_default: o.is_default,
        is_system: o.is_system,
        description: o.description.into(),
        enabled: true,
    }
}

fn quota_xml(base: &str, s: &str, server: &str, (name, value): (&str, i64)) -> ServerQuotaXml {
    let parent = server_link(base, s, server);
    ServerQuotaXml {
        name: name.into(),
        self_link: format!("{parent}/serverquotas/{name}"),
        parent_link: parent,
        value,
    }
}

/// `GET …/databases[?contentview=generic]`.
pub async fn list(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dbs = sql_databases::list_databases(&Ctx::of(&state), &s, &server).await?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = dbs.iter().map(|d| database_xml(&base, &s, d)).collect();
    Ok(xml(StatusCode::OK, sql_databases_to_xml(&items)))
}

pub async fn get(
    State(state): State<AppState>,
    Path((s, server, database)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = sql_databases::get_database(&Ctx::of(&state), &s, &server, &database).await?;
    Ok(xml(
        StatusCode::OK,
        database_xml(&base_url(&headers, &state), &s, &d).to_xml(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_sql_database_input)?;
    let new = NewDatabase {
        name: input.name,
        edition: input.edition,
        max_size_gb: input.max_size_gb,
        max_size_bytes: input.max_size_bytes,
        collation: input.collation_name,
        service_objective_id: input.service_objective_id,
    };
    let d = sql_databases::create_database(&Ctx::of(&state), &s, &server, new).await?;
    Ok(CreatedObject::on(
        format!(
            "/{s}/services/sqlservers/servers/{}/databases/{}",
            d.server_name, d.name
        ),
        xml(
            StatusCode::CREATED,
            database_xml(&base_url(&headers, &state), &s, &d).to_xml(),
        ),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path((s, server, database)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = parse_input(&body, parse_sql_database_input)?;
    let change = DatabaseChange {
        name: input.name,
        edition: input.edition,
        max_size_gb: input.max_size_gb,
        max_size_bytes: input.max_size_bytes,
        collation: input.collation_name,
        service_objective_id: input.service_objective_id,
    };
    let d =
        sql_databases::update_database(&Ctx::of(&state), &s, &server, &database, change).await?;
    Ok(xml(
        StatusCode::OK,
        database_xml(&base_url(&headers, &state), &s, &d).to_xml(),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((s, server, database)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    sql_databases::delete_database(&Ctx::of(&state), &s, &server, &database).await?;
    Ok(empty(StatusCode::OK))
}

pub async fn list_objectives(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let all = sql_databases::list_service_objectives(&Ctx::of(&state), &s, &server).await?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = all
        .iter()
        .map(|o| objective_xml(&base, &s, &server, o))
        .collect();
    Ok(xml(StatusCode::OK, service_objectives_to_xml(&items)))
}

pub async fn get_objective(
    State(state): State<AppState>,
    Path((s, server, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let o = sql_databases::get_service_objective(&Ctx::of(&state), &s, &server, &id).await?;
    Ok(xml(
        StatusCode::OK,
        objective_xml(&base_url(&headers, &state), &s, &server, o).to_xml(),
    ))
}

pub async fn list_quotas(
    State(state): State<AppState>,
    Path((s, server)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let quotas = sql_databases::list_quotas(&Ctx::of(&state), &s, &server).await?;
    let base = base_url(&headers, &state);
    let items: Vec<_> = quotas
        .into_iter()
        .map(|q| quota_xml(&base, &s, &server, q))
        .collect();
    Ok(xml(StatusCode::OK, server_quotas_to_xml(&items)))
}

pub async fn get_quota(
    State(state): State<AppState>,
    Path((s, server, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let q = sql_databases::get_quota(&Ctx::of(&state), &s, &server, &name).await?;
    Ok(xml(
        StatusCode::OK,
        quota_xml(&base_url(&headers, &state), &s, &server, q).to_xml(),
    ))
}

/// The routes of this module (paths in lower case: the router lower-cases request
/// paths), each mutating method with the ASM name of its operation.
pub fn routes(st: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/{s}/services/sqlservers/servers/{server}/databases",
            methods(
                st,
                routing::get(list),
                [(OpName::new("CreateDatabase"), routing::post(create))],
            ),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/databases/{database}",
            methods(
                st,
                routing::get(get),
                [
                    (OpName::new("UpdateDatabase"), routing::put(update)),
                    (OpName::new("DeleteDatabase"), routing::delete(delete)),
                ],
            ),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/serverquotas",
            routing::get(list_quotas),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/serverquotas/{quota}",
            routing::get(get_quota),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/serviceobjectives",
            routing::get(list_objectives),
        )
        .route(
            "/{s}/services/sqlservers/servers/{server}/serviceobjectives/{id}",
            routing::get(get_objective),
        )
}
