//! SQL Database servers, firewall rules, web sites and provider registration end to end:
//! an in-process server, real TLS with the bootstrap management certificate, raw
//! HTTP/1.1 requests.

use crate::resource_api::{Api, Resp};
use azmc_wire::asm::{
    OperationStatus, parse_firewall_rule, parse_firewall_rules, parse_geo_regions, parse_site,
    parse_sites, parse_sql_servers, parse_webspaces,
};

/// The suite's server: the SQL server and web site host names it checks are under
/// `example.test` (asynchronous delay and job poll left at their defaults).
async fn start() -> Api {
    Api::start_with(|config| config.dns_suffix = "example.test".into()).await
}

const SQL_NS: &str = "http://schemas.microsoft.com/sqlazure/2010/12/";

fn server_body(login: &str, password: &str, location: &str) -> String {
    format!(
        "<Server xmlns=\"{SQL_NS}\"><AdministratorLogin>{login}</AdministratorLogin><AdministratorLoginPassword>{password}</AdministratorLoginPassword><Location>{location}</Location></Server>"
    )
}

fn rule_body(name: &str, start: &str, end: &str) -> String {
    format!(
        "<ServiceResource xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>{name}</Name><StartIPAddress>{start}</StartIPAddress><EndIPAddress>{end}</EndIPAddress></ServiceResource>"
    )
}

fn password_body(password: &str) -> String {
    format!(
        "<AdministratorLoginPassword xmlns=\"{SQL_NS}\">{password}</AdministratorLoginPassword>"
    )
}

/// The server name of a Create Server answer, checked against the live shape.
fn created_name(r: &Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.body);
    let start = r.body.find("\">").unwrap() + 2;
    let end = r.body.find("</ServerName>").unwrap();
    let name = r.body[start..end].to_string();
    assert_eq!(
        r.body,
        format!(
            "<ServerName FullyQualifiedDomainName=\"{name}.database.example.test\" xmlns=\"{SQL_NS}\">{name}</ServerName>"
        )
    );
    assert_eq!(name.len(), 10);
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    name
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_servers_end_to_end() {
    let api = start().await;
    let servers = "/{s}/services/sqlservers/servers";

    // create
    let r = api
        .req(
            "POST",
            servers,
            Some(&server_body("azuredb", "T5ii-B48x", "west us")),
        )
        .await;
    let name = created_name(&r);
    let create_id = r.request_id();
    // Answered 201; the operation says 200, as the live service's did.
    assert_eq!(
        api.operation(&create_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    // the password is stored only as an argon2id hash
    let hash = api
        .state()
        .db
        .sql_server_password_hash(&api.sub, &name)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("T5ii-B48x"));

    // list (the location as configured, version 2.0 by default)
    let r = api.req("GET", servers, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with(&format!("<Servers xmlns=\"{SQL_NS}\">")));
    assert!(!r.body.contains("T5ii-B48x") && !r.body.contains("argon2"));
    let list = parse_sql_servers(r.body.as_bytes()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, name);
    assert_eq!(list[0].administrator_login, "azuredb");
    assert_eq!(list[0].location, "West US");
    assert_eq!(list[0].version, "2.0");
    assert_eq!(list[0].state, "Ready");
    assert_eq!(
        list[0].fully_qualified_domain_name,
        format!("{name}.database.example.test")
    );

    // bad create requests: 400 naming the field, nothing created
    let cases = [
        (
            server_body("admin", "T5ii-B48x", "West US"),
            "AdministratorLogin",
        ),
        (
            server_body("SA", "T5ii-B48x", "West US"),
            "AdministratorLogin",
        ),
        (
            server_body("9lives", "T5ii-B48x", "West US"),
            "AdministratorLogin",
        ),
        (
            server_body("azuredb", "short1A", "West US"),
            "AdministratorLoginPassword",
        ),
        (
            server_body("azuredb", "alllowercase1", "West US"),
            "AdministratorLoginPassword",
        ),
        (
            server_body("azuredb", "Xazuredb-1", "West US"),
            "AdministratorLoginPassword",
        ),
        (server_body("azuredb", "T5ii-B48x", "Mars"), "Location"),
        (
            format!(
                "<Server xmlns=\"{SQL_NS}\"><AdministratorLoginPassword>T5ii-B48x</AdministratorLoginPassword><Location>West US</Location></Server>"
            ),
            "AdministratorLogin",
        ),
        (
            format!(
                "<Server xmlns=\"{SQL_NS}\"><AdministratorLogin>azuredb</AdministratorLogin><AdministratorLoginPassword>T5ii-B48x</AdministratorLoginPassword><Location>West US</Location><Version>99</Version></Server>"
            ),
            "Version",
        ),
    ];
    for (body, field) in &cases {
        api.req("POST", servers, Some(body))
            .await
            .bad_request_naming(field);
    }
    let r = api
        .req("POST", servers, Some("<Server><Oops></Server>"))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error().0, "InvalidXmlRequest");
    let r = api.req("GET", servers, None).await;
    assert_eq!(parse_sql_servers(r.body.as_bytes()).unwrap().len(), 1);

    // reset the administrator password
    let srv = format!("{servers}/{name}");
    let r = api
        .req(
            "POST",
            &format!("{srv}?op=ResetPassword"),
            Some(&password_body("U6jj-C59y")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.is_empty());
    let new_hash = api
        .state()
        .db
        .sql_server_password_hash(&api.sub, &name)
        .await
        .unwrap();
    assert!(new_hash.starts_with("$argon2id$") && new_hash != hash);
    api.req(
        "POST",
        &format!("{srv}?op=ResetPassword"),
        Some(&password_body("weak")),
    )
    .await
    .bad_request_naming("AdministratorLoginPassword");
    api.req(
        "POST",
        &format!("{srv}?op=ResetPassword"),
        Some(&password_body("")),
    )
    .await
    .bad_request_naming("AdministratorLoginPassword");
    api.req("POST", &srv, Some(&password_body("U6jj-C59y")))
        .await
        .bad_request_naming("op");
    api.req(
        "POST",
        &format!("{servers}/nosuchsrvr?op=ResetPassword"),
        Some(&password_body("U6jj-C59y")),
    )
    .await
    .not_found();

    // firewall rules
    let rules = format!("{srv}/firewallrules");
    let r = api
        .req(
            "POST",
            &rules,
            Some(&rule_body("AllowAll", "0.0.0.0", "255.255.255.255")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rule = parse_firewall_rule(r.body.as_bytes()).unwrap();
    assert_eq!(rule.name, "AllowAll");
    assert_eq!(rule.start_ip_address, "0.0.0.0");
    assert_eq!(rule.end_ip_address, "255.255.255.255");
    assert!(
        r.body
            .contains("<Type>Microsoft.SqlAzure.FirewallRule</Type><State>Normal</State>")
    );
    assert_eq!(
        rule.self_link,
        format!(
            "https://{}/{}/services/sqlservers/servers/{name}/firewallrules/AllowAll",
            api.addr, api.sub
        )
    );
    assert_eq!(
        rule.parent_link,
        format!(
            "https://{}/{}/services/sqlservers/servers/{name}",
            api.addr, api.sub
        )
    );
    api.req(
        "POST",
        &rules,
        Some(&rule_body("allowall", "1.1.1.1", "1.1.1.1")),
    )
    .await
    .conflict();
    for (body, field) in [
        (rule_body("r", "10.0.0.2", "10.0.0.1"), "StartIPAddress"),
        (rule_body("r", "10.0.0", "10.0.0.1"), "StartIPAddress"),
        (rule_body("r", "10.0.0.1", "::1"), "EndIPAddress"),
        (rule_body("a/b", "10.0.0.1", "10.0.0.1"), "Name"),
        (
            "<ServiceResource><StartIPAddress>1.1.1.1</StartIPAddress><EndIPAddress>1.1.1.1</EndIPAddress></ServiceResource>".into(),
            "Name",
        ),
    ] {
        api.req("POST", &rules, Some(&body))
            .await
            .bad_request_naming(field);
    }
    api.req(
        "POST",
        &format!("{servers}/nosuchsrvr/firewallrules"),
        Some(&rule_body("r", "1.1.1.1", "1.1.1.1")),
    )
    .await
    .not_found();
    let r = api
        .req(
            "POST",
            &rules,
            Some(&rule_body("Office", "10.0.0.1", "10.0.0.9")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // update (200 + body; names are case-insensitive in the path)
    let r = api
        .req(
            "PUT",
            &format!("{rules}/ALLOWALL"),
            Some(&rule_body("AllowAll", "192.168.116.0", "192.168.116.255")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rule = parse_firewall_rule(r.body.as_bytes()).unwrap();
    assert_eq!(
        (rule.name.as_str(), rule.start_ip_address.as_str()),
        ("AllowAll", "192.168.116.0")
    );
    api.req(
        "PUT",
        &format!("{rules}/AllowAll"),
        Some(&rule_body("Other", "1.1.1.1", "1.1.1.1")),
    )
    .await
    .bad_request_naming("Name");
    api.req(
        "PUT",
        &format!("{rules}/nosuch"),
        Some(&rule_body("nosuch", "1.1.1.1", "1.1.1.1")),
    )
    .await
    .not_found();

    // get, list
    let r = api.req("GET", &format!("{rules}/office"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        parse_firewall_rule(r.body.as_bytes())
            .unwrap()
            .end_ip_address,
        "10.0.0.9"
    );
    api.req("GET", &format!("{rules}/nosuch"), None)
        .await
        .not_found();
    let r = api.req("GET", &rules, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names: Vec<_> = parse_firewall_rules(r.body.as_bytes())
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["AllowAll", "Office"]);
    api.req("GET", &format!("{servers}/nosuchsrvr/firewallrules"), None)
        .await
        .not_found();

    // delete rule, delete server
    let r = api.req("DELETE", &format!("{rules}/Office"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.req("DELETE", &format!("{rules}/Office"), None)
        .await
        .not_found();
    let r = api.req("DELETE", &srv, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.req("DELETE", &srv, None).await.not_found();
    api.req("GET", &rules, None).await.not_found();
    let r = api.req("GET", servers, None).await;
    assert!(parse_sql_servers(r.body.as_bytes()).unwrap().is_empty());

    // the operation log: every mutating call, with its outcome and the caller
    let log = api.log().await;
    let has = |name: &str, status: u16| log.iter().any(|(n, s, _)| n == name && *s == Some(status));
    for (name, status) in [
        ("CreateServer", 200),
        ("CreateServer", 400),
        ("SetServerAdministratorPassword", 200),
        ("SetServerAdministratorPassword", 400),
        ("SetServerAdministratorPassword", 404),
        ("CreateFirewallRule", 200),
        ("CreateFirewallRule", 409),
        ("CreateFirewallRule", 400),
        ("CreateFirewallRule", 404),
        ("UpdateFirewallRule", 200),
        ("UpdateFirewallRule", 404),
        ("DeleteFirewallRule", 200),
        ("DeleteFirewallRule", 404),
        ("DeleteServer", 200),
        ("DeleteServer", 404),
    ] {
        assert!(has(name, status), "{name} {status} missing from {log:?}");
    }
    assert!(log.iter().all(|(_, _, t)| t.is_some()), "{log:?}");
    api.stop().await;
}

fn site_body(name: &str, webspace: &str, region: &str) -> String {
    format!(
        "<Site xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/windowsazure\"><HostNames xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><a:string>{name}.azurewebsites.net</a:string></HostNames><Name>{name}</Name><ComputeMode>Shared</ComputeMode><WebSpaceToCreate><GeoRegion>{region}</GeoRegion><Name>{webspace}</Name><Plan>VirtualDedicatedPlan</Plan></WebSpaceToCreate></Site>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_sites_end_to_end() {
    let api = start().await;

    // provider registration: 202 (Node's status), the operation complete at once
    let r = api
        .req("PUT", "/{s}/services?service=website&action=register", None)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        api.operation(&r.request_id()).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    assert_eq!(
        api.state()
            .db
            .registered_resource_providers(&api.sub)
            .await
            .unwrap(),
        ["website"]
    );
    api.req("PUT", "/{s}/services?service=website&action=explode", None)
        .await
        .bad_request_naming("action");
    api.req("PUT", "/{s}/services?action=register", None)
        .await
        .bad_request_naming("service");
    let r = api
        .req(
            "PUT",
            "/{s}/services?service=website&action=unregister",
            None,
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(
        api.state()
            .db
            .registered_resource_providers(&api.sub)
            .await
            .unwrap()
            .is_empty()
    );

    // webspaces: one per configured location
    let r = api.req("GET", "/{s}/services/WebSpaces", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let spaces = parse_webspaces(r.body.as_bytes()).unwrap();
    assert_eq!(spaces.len(), api.state().config.locations.len());
    let west = spaces.iter().find(|w| w.name == "westuswebspace").unwrap();
    assert_eq!(west.geo_region, "West US");
    assert_eq!(west.subscription, api.sub);
    let r = api
        .req("GET", "/{s}/services/webspaces/EastUSWebSpace", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<GeoRegion>East US</GeoRegion>"));
    api.req("GET", "/{s}/services/webspaces/marswebspace", None)
        .await
        .not_found();
    let r = api
        .req("GET", "/{s}/services/WebSpaces?properties=georegions", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        parse_geo_regions(r.body.as_bytes()).unwrap(),
        api.state().config.locations
    );
    let r = api
        .req("GET", "/{s}/services/WebSpaces?properties=dnssuffix", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(">azurewebsites.example.test</string>"),
        "{}",
        r.body
    );
    api.req("GET", "/{s}/services/WebSpaces?properties=everything", None)
        .await
        .bad_request_naming("properties");

    // create (Python's path has a double slash)
    let sites = "/{s}/services/webspaces//eastuswebspace/sites";
    let r = api
        .req(
            "POST",
            sites,
            Some(&site_body("MySite1", "eastuswebspace", "East US")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let site = parse_site(r.body.as_bytes()).unwrap();
    assert_eq!(site.name, "MySite1");
    assert_eq!(site.web_space, "eastuswebspace");
    assert_eq!(site.state, "Running");
    assert_eq!(site.compute_mode, "Shared");
    assert_eq!(site.site_mode, "Limited");
    assert_eq!(site.host_names, ["mysite1.azurewebsites.example.test"]);
    assert_eq!(
        site.enabled_host_names,
        [
            "mysite1.azurewebsites.example.test",
            "mysite1.scm.azurewebsites.example.test"
        ]
    );
    assert!(r.body.contains("<HostNames xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><a:string>mysite1.azurewebsites.example.test</a:string></HostNames>"));
    assert_eq!(
        api.operation(&r.request_id()).await,
        (OperationStatus::Succeeded, Some(200), None)
    );

    // names are unique across subscriptions (and webspaces), case-insensitively
    api.req(
        "POST",
        "/{s}/services/webspaces/westuswebspace/sites",
        Some(&site_body("mysite1", "westuswebspace", "West US")),
    )
    .await
    .conflict();
    for (body, field) in [
        (site_body("bad_name", "eastuswebspace", "East US"), "Name"),
        (site_body("-x", "eastuswebspace", "East US"), "Name"),
        (
            site_body("other", "westuswebspace", "East US"),
            "WebSpaceToCreate/Name",
        ),
        (
            site_body("other", "eastuswebspace", "West US"),
            "WebSpaceToCreate/GeoRegion",
        ),
        (
            "<Site><ComputeMode>Shared</ComputeMode></Site>".into(),
            "Name",
        ),
        (
            "<Site><Name>other</Name><ComputeMode>Huge</ComputeMode></Site>".into(),
            "ComputeMode",
        ),
        (
            "<Site><Name>other</Name><SiteMode>Free</SiteMode></Site>".into(),
            "SiteMode",
        ),
    ] {
        api.req("POST", sites, Some(&body))
            .await
            .bad_request_naming(field);
    }
    api.req(
        "POST",
        "/{s}/services/webspaces/marswebspace/sites",
        Some(&site_body("other", "marswebspace", "Mars")),
    )
    .await
    .not_found();

    // get, list
    let r = api.req("GET", &format!("{sites}/mysite1"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_site(r.body.as_bytes()).unwrap(), site);
    api.req(
        "GET",
        "/{s}/services/webspaces/westuswebspace/sites/mysite1",
        None,
    )
    .await
    .not_found();
    let r = api.req("GET", sites, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_sites(r.body.as_bytes()).unwrap(), vec![site.clone()]);
    let r = api
        .req("GET", "/{s}/services/webspaces/westuswebspace/sites", None)
        .await;
    assert!(parse_sites(r.body.as_bytes()).unwrap().is_empty());

    // update
    let r = api
        .req(
            "PUT",
            &format!("{sites}/MySite1"),
            Some("<Site xmlns=\"http://schemas.microsoft.com/windowsazure\"><State>Stopped</State></Site>"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let updated = parse_site(r.body.as_bytes()).unwrap();
    assert_eq!(updated.state, "Stopped");
    assert!(
        r.body.contains("<Enabled>true</Enabled>"),
        "as live: {}",
        r.body
    );
    api.req(
        "PUT",
        &format!("{sites}/MySite1"),
        Some("<Site><State>Paused</State></Site>"),
    )
    .await
    .bad_request_naming("State");
    api.req(
        "PUT",
        &format!("{sites}/nosuch"),
        Some("<Site><State>Running</State></Site>"),
    )
    .await
    .not_found();

    // restart (Python's path ends with a slash)
    let r = api
        .req("POST", &format!("{sites}/mysite1/restart/"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.req("POST", &format!("{sites}/nosuch/restart/"), None)
        .await
        .not_found();

    // delete (the clients' query parameters are accepted)
    let r = api
        .req(
            "DELETE",
            &format!("{sites}/mysite1?deleteEmptyServerFarm=true&deleteMetrics=true"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.req("GET", &format!("{sites}/mysite1"), None)
        .await
        .not_found();
    api.req("DELETE", &format!("{sites}/mysite1"), None)
        .await
        .not_found();
    // the name is free again
    let r = api
        .req(
            "POST",
            "/{s}/services/webspaces/westuswebspace/sites",
            Some(&site_body("mysite1", "westuswebspace", "West US")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let log = api.log().await;
    let has = |name: &str, status: u16| log.iter().any(|(n, s, _)| n == name && *s == Some(status));
    for (name, status) in [
        ("RegisterResourceProvider", 200),
        ("RegisterResourceProvider", 400),
        ("UnregisterResourceProvider", 200),
        ("CreateSite", 200),
        ("CreateSite", 409),
        ("CreateSite", 400),
        ("CreateSite", 404),
        ("UpdateSite", 200),
        ("UpdateSite", 400),
        ("UpdateSite", 404),
        ("DeleteSite", 200),
        ("DeleteSite", 404),
        ("RestartSite", 200),
        ("RestartSite", 404),
    ] {
        assert!(has(name, status), "{name} {status} missing from {log:?}");
    }
    assert!(
        log.iter()
            .all(|(n, s, _)| n != "RegisterResourceProvider" || *s != Some(202)),
        "registration completes at once: {log:?}"
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_server_quota() {
    let api = start().await;
    let servers = "/{s}/services/sqlservers/servers";
    let body = server_body("azuredb", "T5ii-B48x", "East US");
    let mut names = Vec::new();
    for _ in 0..6 {
        names.push(created_name(&api.req("POST", servers, Some(&body)).await));
    }
    let r = api.req("POST", servers, Some(&body)).await;
    r.conflict();
    assert!(
        r.error().1.contains("maximum of 6 SQL servers"),
        "{}",
        r.body
    );
    assert_eq!(
        api.operation(&r.request_id()).await,
        (
            OperationStatus::Failed,
            Some(409),
            Some("ConflictError".into())
        )
    );
    let r = api.req("GET", servers, None).await;
    assert_eq!(parse_sql_servers(r.body.as_bytes()).unwrap().len(), 6);
    let r = api
        .req("DELETE", &format!("{servers}/{}", names[0]), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    created_name(&api.req("POST", servers, Some(&body)).await);
    api.stop().await;
}
