//! SQL Database databases, server quotas and service objectives end to end: an
//! in-process server (SQLite and PostgreSQL), real TLS with the bootstrap management
//! certificate, raw HTTP/1.1 requests.

use crate::resource_api::{Api, Resp, all_operations, assert_names_logged};
use crate::support::PgDatabase;
use azmc_server::ThrottleConfig;
use azmc_wire::asm::{
    OperationStatus, parse_server_quota, parse_server_quotas, parse_service_objective,
    parse_service_objectives, parse_sql_database, parse_sql_databases,
};

const SQL_NS: &str = "http://schemas.microsoft.com/sqlazure/2010/12/";
const BASIC: &str = "dd6d99bb-f193-4ec1-86f2-43d3bccbc49c";
const SHARED: &str = "910b4fcb-8a29-4c3e-958f-f7ba794388b2";
const S0: &str = "f1173c43-91bd-4aaa-973c-54e79e15235b";
const S1: &str = "1b1ebd4d-d903-4baa-97f9-4ea675f5e928";
const S2: &str = "455330e1-00cd-488b-b5fa-177c226f28b7";
const P1: &str = "7203483a-c4fb-4304-9e9f-17c71c904f5d";
const SYSTEM: &str = "26e021db-f1f9-4c98-84c6-92af8ef433d7";
const GB: i64 = 1 << 30;

/// The suite's server, on PostgreSQL when `pg` is given.
async fn start(pg: Option<&PgDatabase>) -> Api {
    let url = pg.map(|p| p.url.clone());
    Api::start_with(|config| {
        config.dns_suffix = "example.test".into();
        config.database_url = url;
        // the limit test sends more writes than the default throttle lets through
        config.throttle = ThrottleConfig {
            read_per_second: 100_000,
            read_burst: 100_000,
            write_per_second: 100_000,
            write_burst: 100_000,
        };
    })
    .await
}

async fn create_server(api: &Api) -> String {
    let body = format!(
        "<Server xmlns=\"{SQL_NS}\"><AdministratorLogin>azuredb</AdministratorLogin><AdministratorLoginPassword>T5ii-B48x</AdministratorLoginPassword><Location>West US</Location></Server>"
    );
    let r = api
        .req("POST", "/{s}/services/sqlservers/servers", Some(&body))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let start = r.body.find("\">").unwrap() + 2;
    let end = r.body.find("</ServerName>").unwrap();
    r.body[start..end].to_string()
}

/// A database body with these elements (in the clients' order), `None` left out.
fn db_body(fields: &[(&str, &str)]) -> String {
    let mut out =
        String::from("<ServiceResource xmlns=\"http://schemas.microsoft.com/windowsazure\">");
    for (k, v) in fields {
        out.push_str(&format!("<{k}>{v}</{k}>"));
    }
    out.push_str("</ServiceResource>");
    out
}

fn created(r: &Resp) -> azmc_wire::asm::SqlDatabaseXml {
    assert_eq!(r.status, 201, "{}", r.body);
    parse_sql_database(r.body.as_bytes()).unwrap()
}

async fn names(api: &Api, dbs: &str) -> Vec<(String, i64)> {
    let r = api
        .req("GET", &format!("{dbs}?contentview=generic"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    parse_sql_databases(r.body.as_bytes())
        .unwrap()
        .into_iter()
        .map(|d| (d.name, d.id))
        .collect()
}

async fn databases_scenario(api: &Api) {
    let name = create_server(api).await;
    let servers = "/{s}/services/sqlservers/servers";
    let srv = format!("{servers}/{name}");
    let dbs = format!("{srv}/databases");
    let parent = format!(
        "https://{}/{}/services/sqlservers/servers/{name}",
        api.addr, api.sub
    );

    // every server has master
    let r = api
        .req("GET", &format!("{dbs}?contentview=generic"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = parse_sql_databases(r.body.as_bytes()).unwrap();
    assert_eq!(list.len(), 1, "{}", r.body);
    let master = &list[0];
    assert_eq!((master.name.as_str(), master.id), ("master", 1));
    assert_eq!(master.edition, "System");
    assert!(master.is_system_object);
    assert_eq!((master.max_size_gb, master.max_size_bytes), (5, 5 * GB));
    assert_eq!(master.service_objective_id, SYSTEM);
    assert_eq!(master.recovery_period_start_date, None);
    assert!(r.body.contains("<RecoveryPeriodStartDate i:nil=\"true\"/>"));
    assert_eq!(master.self_link, format!("{parent}/databases/master"));
    let r = api.req("GET", &format!("{dbs}/MASTER"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_sql_database(r.body.as_bytes()).unwrap(), *master);

    // create: the recorded request (201 + the database; the log says 200 and names it)
    let r = api
        .req(
            "POST",
            &dbs,
            Some(&db_body(&[
                ("Name", "temp"),
                ("Edition", "Basic"),
                ("ServiceObjectiveId", BASIC),
            ])),
        )
        .await;
    let temp = created(&r);
    let create_id = r.request_id();
    assert_eq!((temp.name.as_str(), temp.id), ("temp", 4));
    assert_eq!(temp.edition, "Basic");
    assert_eq!((temp.max_size_gb, temp.max_size_bytes), (2, 2 * GB));
    assert_eq!(temp.collation_name, "SQL_Latin1_General_CP1_CI_AS");
    assert_eq!(temp.service_objective_id, BASIC);
    assert!(!temp.is_system_object);
    assert!(temp.recovery_period_start_date.is_some());
    assert_eq!(temp.self_link, format!("{parent}/databases/temp"));
    assert_eq!(temp.parent_link, parent);
    assert!(
        r.body
            .contains("<Type>Microsoft.SqlAzure.Database</Type><State>Normal</State>")
    );
    assert!(r.body.contains(&format!(
        "<AssignedServiceObjectiveId>{BASIC}</AssignedServiceObjectiveId>"
    )));
    assert_eq!(
        api.operation(&create_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    let ops = all_operations(api).await;
    let op = ops.iter().find(|o| o.operation_id == create_id).unwrap();
    assert_eq!(op.operation_name, "CreateDatabase");
    assert_eq!(
        op.operation_object_id,
        format!(
            "/{}/services/sqlservers/servers/{name}/databases/temp",
            api.sub
        )
    );

    // defaults: Web with the shared objective; an objective brings its edition
    let web = created(
        &api.req("POST", &dbs, Some(&db_body(&[("Name", "Web Db")])))
            .await,
    );
    assert_eq!((web.edition.as_str(), web.max_size_gb), ("Web", 1));
    assert_eq!((web.service_objective_id.as_str(), web.id), (SHARED, 5));
    let std = created(
        &api.req(
            "POST",
            &dbs,
            Some(&db_body(&[("Name", "Std"), ("ServiceObjectiveId", S1)])),
        )
        .await,
    );
    assert_eq!((std.edition.as_str(), std.max_size_gb), ("Standard", 250));
    assert_eq!(std.service_objective_id, S1);
    let prem = created(
        &api.req(
            "POST",
            &dbs,
            Some(&db_body(&[
                ("Name", "Prem"),
                ("Edition", "Premium"),
                ("MaxSizeGB", "100"),
                ("CollationName", "Latin1_General_100_CS_AS"),
                ("MaxSizeBytes", &(100 * GB).to_string()),
            ])),
        )
        .await,
    );
    assert_eq!(
        (prem.edition.as_str(), prem.max_size_bytes),
        ("Premium", 100 * GB)
    );
    assert_eq!(prem.service_objective_id, P1);
    assert_eq!(prem.collation_name, "Latin1_General_100_CS_AS");

    // refused: 409 for a name taken (master included), 400 naming the field
    for taken in ["TEMP", "Master"] {
        api.req("POST", &dbs, Some(&db_body(&[("Name", taken)])))
            .await
            .conflict();
    }
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("Edition", "Basic")], "Name"),
        (&[("Name", "a/b")], "Name"),
        (&[("Name", "trailing.")], "Name"),
        (&[("Name", "x"), ("Edition", "Gold")], "Edition"),
        (
            &[("Name", "x"), ("Edition", "Basic"), ("MaxSizeGB", "3")],
            "MaxSizeGB",
        ),
        (&[("Name", "x"), ("MaxSizeGB", "many")], "MaxSizeGB"),
        (
            &[("Name", "x"), ("MaxSizeGB", "1"), ("MaxSizeBytes", "1")],
            "MaxSizeBytes",
        ),
        (
            &[("Name", "x"), ("ServiceObjectiveId", "nope")],
            "ServiceObjectiveId",
        ),
        (
            &[("Name", "x"), ("ServiceObjectiveId", SYSTEM)],
            "ServiceObjectiveId",
        ),
        (
            &[
                ("Name", "x"),
                ("Edition", "Basic"),
                ("ServiceObjectiveId", P1),
            ],
            "ServiceObjectiveId",
        ),
        (
            &[("Name", "x"), ("CollationName", "bogus")],
            "CollationName",
        ),
    ];
    for (fields, field) in cases {
        api.req("POST", &dbs, Some(&db_body(fields)))
            .await
            .bad_request_naming(field);
    }
    let r = api
        .req(
            "POST",
            &dbs,
            Some("<ServiceResource><Name>x</ServiceResource>"),
        )
        .await;
    assert_eq!((r.status, r.error().0.as_str()), (400, "InvalidXmlRequest"));

    // 404: a missing server or database
    let other = format!("{servers}/nosuchsrvr/databases");
    api.req("POST", &other, Some(&db_body(&[("Name", "x")])))
        .await
        .not_found();
    api.req("GET", &format!("{other}?contentview=generic"), None)
        .await
        .not_found();
    api.req("GET", &format!("{other}/master"), None)
        .await
        .not_found();
    api.req("PUT", &format!("{other}/temp"), Some(&db_body(&[])))
        .await
        .not_found();
    api.req("DELETE", &format!("{other}/temp"), None)
        .await
        .not_found();
    api.req("GET", &format!("{dbs}/nosuchdb"), None)
        .await
        .not_found();
    api.req("PUT", &format!("{dbs}/nosuchdb"), Some(&db_body(&[])))
        .await
        .not_found();

    // get (names are case-insensitive)
    let r = api.req("GET", &format!("{dbs}/TEMP"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_sql_database(r.body.as_bytes()).unwrap(), temp);

    // update: rename, edition and objective (200 + the database)
    let r = api
        .req(
            "PUT",
            &format!("{dbs}/temp"),
            Some(&db_body(&[
                ("Name", "temp2"),
                ("Edition", "Standard"),
                ("ServiceObjectiveId", S2),
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let up = parse_sql_database(r.body.as_bytes()).unwrap();
    assert_eq!((up.name.as_str(), up.id), ("temp2", 4));
    assert_eq!((up.edition.as_str(), up.max_size_gb), ("Standard", 2));
    assert_eq!(up.service_objective_id, S2);
    assert_eq!(up.creation_date, temp.creation_date);
    api.req("GET", &format!("{dbs}/temp"), None)
        .await
        .not_found();
    // a new edition alone takes its default objective, and its default size when the
    // current one does not fit
    let r = api
        .req(
            "PUT",
            &format!("{dbs}/prem"),
            Some(&db_body(&[("Edition", "Standard")])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let down = parse_sql_database(r.body.as_bytes()).unwrap();
    assert_eq!(
        (down.name.as_str(), down.edition.as_str()),
        ("Prem", "Standard")
    );
    assert_eq!(
        (down.service_objective_id.as_str(), down.max_size_gb),
        (S0, 100)
    );
    let r = api
        .req(
            "PUT",
            &format!("{dbs}/prem"),
            Some(&db_body(&[("MaxSizeGB", "250")])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        parse_sql_database(r.body.as_bytes()).unwrap().max_size_gb,
        250
    );
    let r = api
        .req(
            "PUT",
            &format!("{dbs}/web%20db"),
            Some(&db_body(&[("ServiceObjectiveId", BASIC)])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let basic = parse_sql_database(r.body.as_bytes()).unwrap();
    assert_eq!((basic.edition.as_str(), basic.max_size_gb), ("Basic", 1));
    for (db, fields, field) in [
        ("prem", vec![("MaxSizeGB", "500")], "MaxSizeGB"),
        (
            "prem",
            vec![("Edition", "Basic"), ("ServiceObjectiveId", P1)],
            "ServiceObjectiveId",
        ),
        ("prem", vec![("Name", "bad/name")], "Name"),
        (
            "prem",
            vec![("CollationName", "SQL_Latin1_General_CP1_CI_AS")],
            "CollationName",
        ),
        ("master", vec![("Edition", "Basic")], "master"),
    ] {
        api.req("PUT", &format!("{dbs}/{db}"), Some(&db_body(&fields)))
            .await
            .bad_request_naming(field);
    }
    for onto in ["STD", "master"] {
        api.req(
            "PUT",
            &format!("{dbs}/prem"),
            Some(&db_body(&[("Name", onto)])),
        )
        .await
        .conflict();
    }

    // delete
    let r = api.req("DELETE", &format!("{dbs}/Temp2"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.is_empty());
    api.req("DELETE", &format!("{dbs}/temp2"), None)
        .await
        .not_found();
    api.req("DELETE", &format!("{dbs}/master"), None)
        .await
        .bad_request_naming("master");
    assert_eq!(
        names(api, &dbs).await,
        [
            ("master".to_string(), 1),
            ("Web Db".to_string(), 5),
            ("Std".to_string(), 6),
            ("Prem".to_string(), 7)
        ]
    );
    assert_names_logged(
        &all_operations(api).await,
        &["CreateDatabase", "UpdateDatabase", "DeleteDatabase"],
    );

    // deleting the server deletes its databases
    let r = api.req("DELETE", &srv, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.req("GET", &format!("{dbs}?contentview=generic"), None)
        .await
        .not_found();
    assert!(
        api.state()
            .db
            .list_sql_databases(&api.sub, &name)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

async fn quotas_and_objectives_scenario(api: &Api) {
    let name = create_server(api).await;
    let srv = format!("/{{s}}/services/sqlservers/servers/{name}");
    let parent = format!(
        "https://{}/{}/services/sqlservers/servers/{name}",
        api.addr, api.sub
    );

    let r = api.req("GET", &format!("{srv}/serverquotas"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let quotas = parse_server_quotas(r.body.as_bytes()).unwrap();
    assert_eq!(quotas.len(), 1);
    assert_eq!(
        (quotas[0].name.as_str(), quotas[0].value),
        ("server_dtu_quota", 2000)
    );
    assert_eq!(
        quotas[0].self_link,
        format!("{parent}/serverquotas/server_dtu_quota")
    );
    assert!(
        r.body
            .contains("<Type>Microsoft.SqlAzure.ServerQuota</Type>")
    );
    let r = api
        .req("GET", &format!("{srv}/serverquotas/Server_DTU_Quota"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_server_quota(r.body.as_bytes()).unwrap(), quotas[0]);
    api.req("GET", &format!("{srv}/serverquotas/nosuch"), None)
        .await
        .not_found();

    let r = api
        .req("GET", &format!("{srv}/serviceobjectives"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let all = parse_service_objectives(r.body.as_bytes()).unwrap();
    let by_name = |n: &str| all.iter().find(|o| o.name == n).unwrap().clone();
    for (n, id) in [
        ("Basic", BASIC),
        ("S0", S0),
        ("S1", S1),
        ("S2", S2),
        ("P1", P1),
        ("Shared", SHARED),
        ("System", SYSTEM),
    ] {
        let o = by_name(n);
        assert_eq!(o.id, id, "{n}");
        assert!(o.enabled);
        assert_eq!(o.self_link, format!("{parent}/serviceobjectives/{id}"));
    }
    assert!(by_name("System").is_system && !by_name("Basic").is_system);
    assert!(
        r.body
            .contains("<Type>Microsoft.SqlAzure.ServiceObjective</Type>")
    );
    let r = api
        .req(
            "GET",
            &format!("{srv}/serviceobjectives/{}", S1.to_uppercase()),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        parse_service_objective(r.body.as_bytes()).unwrap(),
        by_name("S1")
    );
    api.req(
        "GET",
        &format!("{srv}/serviceobjectives/00000000-0000-0000-0000-000000000000"),
        None,
    )
    .await
    .not_found();

    let other = "/{s}/services/sqlservers/servers/nosuchsrvr";
    for path in [
        "serverquotas",
        "serverquotas/server_dtu_quota",
        "serviceobjectives",
        "serviceobjectives/dd6d99bb-f193-4ec1-86f2-43d3bccbc49c",
    ] {
        api.req("GET", &format!("{other}/{path}"), None)
            .await
            .not_found();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_databases_end_to_end_sqlite() {
    let api = start(None).await;
    databases_scenario(&api).await;
    quotas_and_objectives_scenario(&api).await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_databases_end_to_end_postgres() {
    let pg = PgDatabase::create().await;
    let api = start(Some(&pg)).await;
    databases_scenario(&api).await;
    quotas_and_objectives_scenario(&api).await;
    api.stop().await;
    drop(pg);
}

/// A server holds at most 150 databases besides master: the next is refused with 409,
/// and a deleted one makes room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_databases_per_server_are_limited() {
    let api = start(None).await;
    let name = create_server(&api).await;
    let dbs = format!("/{{s}}/services/sqlservers/servers/{name}/databases");
    for i in 0..150 {
        let r = api
            .req("POST", &dbs, Some(&db_body(&[("Name", &format!("db{i}"))])))
            .await;
        assert_eq!(r.status, 201, "db{i}: {}", r.body);
    }
    let r = api
        .req("POST", &dbs, Some(&db_body(&[("Name", "one-more")])))
        .await;
    r.conflict();
    assert!(r.error().1.contains("150"), "{}", r.body);
    assert_eq!(names(&api, &dbs).await.len(), 151);
    let r = api.req("DELETE", &format!("{dbs}/db0"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .req("POST", &dbs, Some(&db_body(&[("Name", "one-more")])))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    api.stop().await;
}
