//! The databases of SQL servers, on both backends: ids, names unique per server in any
//! case, the per-server limit, renames, scoping to the subscription, and the cascade
//! when the server is deleted.

use crate::support::{
    PgTestDb, SqliteTestDb, T0, assert_exists, assert_limit, assert_missing, assert_not_found, at,
    names, subscription_of,
};
use azmc_db::{
    CreateMode, Db, Limit, NewSqlDatabase, NewSqlServer, ResourceKind, SqlDatabaseUpdate,
};

const BASIC: &str = "dd6d99bb-f193-4ec1-86f2-43d3bccbc49c";
const S1: &str = "1b1ebd4d-d903-4baa-97f9-4ea675f5e928";

fn new_server<'a>(sub: &'a str, name: &'a str) -> NewSqlServer<'a> {
    NewSqlServer {
        subscription_id: sub,
        name,
        admin_login: "azuredb",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash",
        location: "West US",
        version: "12.0",
    }
}

fn basic(name: &str) -> NewSqlDatabase<'_> {
    NewSqlDatabase {
        name,
        edition: "Basic",
        max_size_bytes: 2 << 30,
        collation: "SQL_Latin1_General_CP1_CI_AS",
        service_objective_id: BASIC,
    }
}

async fn databases(db: &Db) {
    let a = subscription_of(db, "sqldbadmin1").await;
    let b = subscription_of(db, "sqldbadmin2").await;
    db.create_sql_server(&new_server(&a, "dbsrv00001"), 6, T0)
        .await
        .unwrap();
    let srv = "dbsrv00001";
    let d = db
        .create_sql_database(&a, "DBSRV00001", &basic("Temp"), 3, T0)
        .await
        .unwrap();
    assert_eq!(d.server_name, srv);
    assert_eq!((d.name.as_str(), d.id), ("Temp", 4));
    assert_eq!(d.edition, "Basic");
    assert_eq!(d.max_size_bytes, 2 << 30);
    assert_eq!(d.service_objective_id, BASIC);
    assert_eq!((d.created_at, d.modified_at), (T0, T0));
    // unique per server in any case
    let e = db
        .create_sql_database(&a, srv, &basic("TEMP"), 3, T0)
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::SqlDatabase);
    // scoped to the subscription
    let e = db
        .create_sql_database(&b, srv, &basic("other"), 3, T0)
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::SqlServer);
    assert_missing(db.list_sql_databases(&b, srv).await);
    assert_missing(db.get_sql_database(&b, srv, "temp").await);
    assert_missing(db.delete_sql_database(&b, srv, "temp").await);
    let second = db
        .create_sql_database(&a, srv, &basic("second"), 3, at(1))
        .await
        .unwrap();
    assert_eq!(second.id, 5);
    db.create_sql_database(&a, srv, &basic("third"), 3, at(1))
        .await
        .unwrap();
    // the limit, checked before the name
    let e = db
        .create_sql_database(&a, srv, &basic("fourth"), 3, at(1))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::SqlDatabases, 3);
    let listed = names(db.list_sql_databases(&a, srv).await.unwrap(), |d| d.name);
    assert_eq!(listed, ["Temp", "second", "third"]);
    assert_eq!(db.get_sql_database(&a, srv, "tEmP").await.unwrap(), d);
    let e = db.get_sql_database(&a, srv, "nope").await.unwrap_err();
    assert_not_found(&e, ResourceKind::SqlDatabase);

    // update: settings, a rename, a rename onto another database
    let up = db
        .update_sql_database(
            &a,
            srv,
            "temp",
            &SqlDatabaseUpdate {
                name: "Renamed",
                edition: "Standard",
                max_size_bytes: 250 << 30,
                service_objective_id: S1,
            },
            at(7),
        )
        .await
        .unwrap();
    assert_eq!((up.name.as_str(), up.id), ("Renamed", 4));
    assert_eq!(up.edition, "Standard");
    assert_eq!(up.max_size_bytes, 250 << 30);
    assert_eq!(up.service_objective_id, S1);
    assert_eq!((up.created_at, up.modified_at), (T0, at(7)));
    assert_eq!(up.collation, "SQL_Latin1_General_CP1_CI_AS");
    assert_missing(db.get_sql_database(&a, srv, "temp").await);
    let onto = SqlDatabaseUpdate {
        name: "SECOND",
        edition: "Basic",
        max_size_bytes: 2 << 30,
        service_objective_id: BASIC,
    };
    let e = db
        .update_sql_database(&a, srv, "renamed", &onto, at(8))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::SqlDatabase);
    let e = db
        .update_sql_database(&a, srv, "missing", &onto, at(8))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::SqlDatabase);
    assert_missing(
        db.update_sql_database(&b, srv, "renamed", &onto, at(8))
            .await,
    );

    // delete
    db.delete_sql_database(&a, srv, "THIRD").await.unwrap();
    let e = db.delete_sql_database(&a, srv, "third").await.unwrap_err();
    assert_not_found(&e, ResourceKind::SqlDatabase);
    let listed = names(db.list_sql_databases(&a, srv).await.unwrap(), |d| d.name);
    assert_eq!(listed, ["Renamed", "second"]);

    // deleting the server deletes its databases: a new server of the same name has none
    db.delete_sql_server(&a, srv).await.unwrap();
    assert_missing(db.list_sql_databases(&a, srv).await);
    db.create_sql_server(&new_server(&a, srv), 6, at(9))
        .await
        .unwrap();
    assert!(db.list_sql_databases(&a, srv).await.unwrap().is_empty());
    let again = db
        .create_sql_database(&a, srv, &basic("Renamed"), 3, at(9))
        .await
        .unwrap();
    assert_eq!(again.id, 4);
}

#[tokio::test]
async fn sqlite_sql_databases() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    databases(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_sql_databases() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    databases(&db).await;
    db.close().await;
}
