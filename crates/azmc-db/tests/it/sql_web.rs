//! SQL servers, firewall rules, web sites and provider registrations, on both backends.

use crate::support::{
    PgTestDb, SqliteTestDb, T0, assert_exists, assert_limit, assert_missing, assert_not_found, at,
    names, subscription_of,
};
use azmc_db::{
    CreateMode, Db, DbError, Limit, NewSqlServer, NewWebsite, ResourceKind, WebsiteConfigChange,
    WebsiteUpdate,
};

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

async fn sql_servers(db: &Db) {
    let a = subscription_of(db, "sqladmin1").await;
    let b = subscription_of(db, "sqladmin2").await;
    let s = db
        .create_sql_server(&new_server(&a, "abcde12345"), 6, T0)
        .await
        .unwrap();
    assert_eq!(s.name, "abcde12345");
    assert_eq!(s.admin_login, "azuredb");
    assert_eq!(s.location, "West US");
    assert_eq!(s.created_at, T0);
    // names are unique across subscriptions
    let e = db
        .create_sql_server(&new_server(&b, "ABCDE12345"), 6, T0)
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::SqlServer);
    let e = db
        .create_sql_server(
            &new_server("00000000-0000-0000-0000-000000000099", "zzz"),
            6,
            T0,
        )
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Subscription);
    db.create_sql_server(&new_server(&a, "0second00"), 6, T0)
        .await
        .unwrap();
    let names = names(db.list_sql_servers(&a).await.unwrap(), |s| s.name);
    assert_eq!(names, ["0second00", "abcde12345"]);
    assert!(db.list_sql_servers(&b).await.unwrap().is_empty());
    // scoped to the subscription
    assert_missing(db.get_sql_server(&b, "abcde12345").await);
    assert_eq!(db.get_sql_server(&a, "ABCDE12345").await.unwrap(), s);
    // password
    db.set_sql_server_password(&a, "abcde12345", "$argon2id$new", at(5))
        .await
        .unwrap();
    assert_eq!(
        db.sql_server_password_hash(&a, "abcde12345").await.unwrap(),
        "$argon2id$new"
    );
    assert_eq!(
        db.get_sql_server(&a, "abcde12345")
            .await
            .unwrap()
            .modified_at,
        at(5)
    );
    assert_missing(
        db.set_sql_server_password(&b, "abcde12345", "x", at(5))
            .await,
    );

    // firewall rules
    let r = db
        .create_firewall_rule(
            &a,
            "abcde12345",
            "AllowAll",
            ("0.0.0.0", "255.255.255.255"),
            128,
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.name.as_str(), r.start_ip.as_str(), r.end_ip.as_str()),
        ("AllowAll", "0.0.0.0", "255.255.255.255")
    );
    let e = db
        .create_firewall_rule(
            &a,
            "abcde12345",
            "allowall",
            ("1.1.1.1", "1.1.1.1"),
            128,
            at(1),
        )
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::FirewallRule);
    let e = db
        .create_firewall_rule(&b, "abcde12345", "x", ("1.1.1.1", "1.1.1.1"), 128, at(1))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::SqlServer);
    db.create_firewall_rule(
        &a,
        "abcde12345",
        "Office",
        ("10.0.0.1", "10.0.0.9"),
        128,
        at(1),
    )
    .await
    .unwrap();
    let u = db
        .update_firewall_rule(
            &a,
            "abcde12345",
            "ALLOWALL",
            "192.168.1.0",
            "192.168.1.255",
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(
        (u.name.as_str(), u.start_ip.as_str(), u.modified_at),
        ("AllowAll", "192.168.1.0", at(2))
    );
    let e = db
        .update_firewall_rule(&a, "abcde12345", "nope", "1.1.1.1", "1.1.1.1", at(2))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::FirewallRule);
    let list = db.list_firewall_rules(&a, "abcde12345").await.unwrap();
    assert_eq!(
        list.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["AllowAll", "Office"]
    );
    assert_eq!(
        db.get_firewall_rule(&a, "abcde12345", "office")
            .await
            .unwrap()
            .end_ip,
        "10.0.0.9"
    );
    assert_missing(db.list_firewall_rules(&b, "abcde12345").await);
    db.delete_firewall_rule(&a, "abcde12345", "Office")
        .await
        .unwrap();
    assert_missing(db.delete_firewall_rule(&a, "abcde12345", "Office").await);
    assert_missing(db.get_firewall_rule(&a, "abcde12345", "office").await);

    // limits, checked in the insert's transaction
    let e = db
        .create_firewall_rule(&a, "abcde12345", "third", ("1.1.1.1", "1.1.1.1"), 1, at(1))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::FirewallRules, 1);
    let e = db
        .create_sql_server(&new_server(&a, "third0000"), 2, T0)
        .await
        .unwrap_err();
    assert_limit(&e, Limit::SqlServers, 2);
    db.create_sql_server(&new_server(&a, "third0000"), 3, T0)
        .await
        .unwrap();
    // delete (with its rules); the name becomes free again
    assert_missing(db.delete_sql_server(&b, "abcde12345").await);
    db.delete_sql_server(&a, "abcde12345").await.unwrap();
    assert_missing(db.get_sql_server(&a, "abcde12345").await);
    assert_missing(db.delete_sql_server(&a, "abcde12345").await);
    db.create_sql_server(&new_server(&b, "abcde12345"), 6, T0)
        .await
        .unwrap();
    assert!(
        db.list_firewall_rules(&b, "abcde12345")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn websites(db: &Db) {
    let a = subscription_of(db, "webadmin1").await;
    let b = subscription_of(db, "webadmin2").await;
    let site = db
        .create_website(
            &NewWebsite {
                subscription_id: &a,
                name: "MySite",
                webspace: "westuswebspace",
                compute_mode: "Shared",
                site_mode: "Limited",
                server_farm: None,
                publishing_password_sealed: b"sealed-password",
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            site.name.as_str(),
            site.state.as_str(),
            site.webspace.as_str()
        ),
        ("MySite", "Running", "westuswebspace")
    );
    let e = db
        .create_website(
            &NewWebsite {
                subscription_id: &b,
                name: "mysite",
                webspace: "eastuswebspace",
                compute_mode: "Shared",
                site_mode: "Limited",
                server_farm: None,
                publishing_password_sealed: b"sealed-password",
            },
            T0,
        )
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::WebSite);
    let e = db
        .create_website(
            &NewWebsite {
                subscription_id: &b,
                name: "other",
                webspace: "eastuswebspace",
                compute_mode: "Huge",
                site_mode: "Limited",
                server_farm: None,
                publishing_password_sealed: b"sealed-password",
            },
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e:?}");
    assert_eq!(
        db.list_websites(&a, "WestUSWebSpace").await.unwrap(),
        vec![site.clone()]
    );
    assert!(
        db.list_websites(&a, "eastuswebspace")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.list_websites(&b, "westuswebspace")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.get_website(&a, "westuswebspace", "mysite")
            .await
            .unwrap(),
        site
    );
    assert_missing(db.get_website(&b, "westuswebspace", "mysite").await);
    assert_missing(db.get_website(&a, "eastuswebspace", "mysite").await);
    let u = db
        .update_website(
            &a,
            "westuswebspace",
            "mysite",
            &WebsiteUpdate {
                state: Some("Stopped".into()),
                ..Default::default()
            },
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(
        (u.state.as_str(), u.compute_mode.as_str(), u.modified_at),
        ("Stopped", "Shared", at(3))
    );
    let e = db
        .update_website(
            &a,
            "westuswebspace",
            "mysite",
            &WebsiteUpdate {
                state: Some("Paused".into()),
                ..Default::default()
            },
            at(3),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e:?}");
    assert_missing(
        db.update_website(
            &b,
            "westuswebspace",
            "mysite",
            &WebsiteUpdate::default(),
            at(3),
        )
        .await,
    );
    assert_missing(db.delete_website(&b, "westuswebspace", "mysite").await);

    // configuration and secrets (migration 9): optimistic, whole-document writes
    let st = db
        .website_settings(&a, "westuswebspace", "MySite")
        .await
        .unwrap();
    assert_eq!(st.config, None);
    assert_eq!(st.connection_strings_sealed, None);
    assert_eq!(
        st.publishing_password_sealed.as_deref(),
        Some(&b"sealed-password"[..])
    );
    let change = WebsiteConfigChange {
        config: "{\"PhpVersion\":\"5.6\"}",
        connection_strings_sealed: Some(b"sealed-strings"),
        publishing_password_sealed: b"another",
        expected_version: st.version,
    };
    assert!(
        db.set_website_config(&a, "westuswebspace", "mysite", &change, at(4))
            .await
            .unwrap()
    );
    // a change computed from the old version is refused
    assert!(
        !db.set_website_config(&a, "westuswebspace", "mysite", &change, at(5))
            .await
            .unwrap()
    );
    let st2 = db
        .website_settings(&a, "westuswebspace", "mysite")
        .await
        .unwrap();
    assert_eq!(st2.config.as_deref(), Some("{\"PhpVersion\":\"5.6\"}"));
    assert_eq!(
        st2.connection_strings_sealed.as_deref(),
        Some(&b"sealed-strings"[..])
    );
    // the existing password is kept
    assert_eq!(
        st2.publishing_password_sealed.as_deref(),
        Some(&b"sealed-password"[..])
    );
    assert!(st2.version > st.version);
    assert_missing(
        db.set_website_config(&b, "westuswebspace", "mysite", &change, at(5))
            .await,
    );
    assert_missing(db.website_settings(&b, "westuswebspace", "mysite").await);

    db.delete_website(&a, "westuswebspace", "MYSITE")
        .await
        .unwrap();
    assert_missing(db.delete_website(&a, "westuswebspace", "mysite").await);

    // provider registrations
    assert!(
        db.registered_resource_providers(&a)
            .await
            .unwrap()
            .is_empty()
    );
    db.set_resource_provider(&a, "Website", true, T0)
        .await
        .unwrap();
    db.set_resource_provider(&a, "website", true, at(1))
        .await
        .unwrap();
    assert_eq!(
        db.registered_resource_providers(&a).await.unwrap(),
        ["website"]
    );
    db.set_resource_provider(&a, "website", false, at(2))
        .await
        .unwrap();
    assert!(
        db.registered_resource_providers(&a)
            .await
            .unwrap()
            .is_empty()
    );
    assert_missing(
        db.set_resource_provider("00000000-0000-0000-0000-000000000099", "website", true, T0)
            .await,
    );
}

#[tokio::test]
async fn sqlite_sql_servers_and_websites() {
    let t = SqliteTestDb::new();
    let db = t.connect().await;
    sql_servers(&db).await;
    websites(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_sql_servers_and_websites() {
    let pg = PgTestDb::create().await;
    let db = Db::connect(&pg.url, CreateMode::MustExist).await.unwrap();
    sql_servers(&db).await;
    websites(&db).await;
    db.close().await;
}
