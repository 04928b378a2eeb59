//! SQL Database servers, firewall rules, web sites and provider registration end to end:
//! an in-process server, real TLS with the bootstrap management certificate, raw
//! HTTP/1.1 requests.

use crate::resource_api::{Api, Resp};
use azmc_wire::asm::{
    ExtendedErrorXml, OperationStatus, parse_extended_error, parse_firewall_rule,
    parse_firewall_rules, parse_geo_regions, parse_instance_ids, parse_publish_data, parse_site,
    parse_site_config, parse_site_config_json, parse_sites, parse_sql_servers, parse_webspaces,
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

/// The Web Sites error of `r` (the live shape), checked for `status`, `code` and
/// `extended` code; internals never show.
fn site_error(r: &Resp, status: u16, code: &str, extended: &str) -> ExtendedErrorXml {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str()),
        "{:?}",
        r.headers
    );
    let e = parse_extended_error(r.body.as_bytes())
        .unwrap_or_else(|| panic!("not a Web Sites error: {}", r.body));
    assert_eq!(
        (e.code.as_str(), e.extended_code.as_str()),
        (code, extended),
        "{}",
        r.body
    );
    assert!(
        r.body.ends_with("<InnerErrors i:nil=\"true\"/></Error>"),
        "{}",
        r.body
    );
    for leak in ["sqlx", "SQLITE", "database", "panicked"] {
        assert!(!r.body.contains(leak), "{}", r.body);
    }
    e
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
    let r = api
        .req("GET", "/{s}/services/webspaces/marswebspace", None)
        .await;
    let e = site_error(&r, 404, "NotFound", "04002");
    assert_eq!(e.message, "Cannot find WebSpace with name marswebspace.");
    assert_eq!(e.parameters, ["marswebspace"]);
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
    let r = api
        .req("GET", "/{s}/services/WebSpaces?properties=everything", None)
        .await;
    let e = site_error(&r, 400, "BadRequest", "01001");
    assert!(e.message.contains("properties"), "{e:?}");
    assert_eq!(e.message_template, "{0}");

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
    // the operation log names the created site, not the collection
    let ops = crate::resource_api::all_operations(&api).await;
    let op = crate::resource_api::operation_by_id(&ops, &r.request_id());
    assert!(
        op.operation_object_id
            .ends_with("/services/webspaces/eastuswebspace/sites/MySite1"),
        "{op:?}"
    );

    // names are unique across subscriptions (and webspaces), case-insensitively
    let r = api
        .req(
            "POST",
            "/{s}/services/webspaces/westuswebspace/sites",
            Some(&site_body("mysite1", "westuswebspace", "West US")),
        )
        .await;
    let e = site_error(&r, 409, "Conflict", "54001");
    assert_eq!(e.message, "Website with given name mysite1 already exists.");
    assert_eq!(
        e.message_template,
        "Website with given name {0} already exists."
    );
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
        let r = api.req("POST", sites, Some(&body)).await;
        let e = site_error(&r, 400, "BadRequest", "01001");
        assert!(e.message.contains(field), "{field} not in {e:?}");
    }
    let r = api
        .req(
            "POST",
            "/{s}/services/webspaces/marswebspace/sites",
            Some(&site_body("other", "marswebspace", "Mars")),
        )
        .await;
    site_error(&r, 404, "NotFound", "04002");

    // get, list
    let r = api.req("GET", &format!("{sites}/mysite1"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(parse_site(r.body.as_bytes()).unwrap(), site);
    let r = api
        .req(
            "GET",
            "/{s}/services/webspaces/westuswebspace/sites/mysite1",
            None,
        )
        .await;
    site_error(&r, 404, "NotFound", "04009");
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
    let r = api
        .req(
            "PUT",
            &format!("{sites}/MySite1"),
            Some("<Site><State>Paused</State></Site>"),
        )
        .await;
    assert!(
        site_error(&r, 400, "BadRequest", "01001")
            .message
            .contains("State")
    );
    let r = api
        .req(
            "PUT",
            &format!("{sites}/nosuch"),
            Some("<Site><State>Running</State></Site>"),
        )
        .await;
    assert_eq!(
        site_error(&r, 404, "NotFound", "04009").parameters,
        ["nosuch"]
    );

    // restart (Python's path ends with a slash)
    let r = api
        .req("POST", &format!("{sites}/mysite1/restart/"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .req("POST", &format!("{sites}/nosuch/restart/"), None)
        .await;
    site_error(&r, 404, "NotFound", "04009");

    // delete (the clients' query parameters are accepted)
    let r = api
        .req(
            "DELETE",
            &format!("{sites}/mysite1?deleteEmptyServerFarm=true&deleteMetrics=true"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // a missing site: the live service's answer, byte for byte (test_delete_site)
    let r = api.req("GET", &format!("{sites}/mysite1"), None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        "<Error xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Code>NotFound</Code><Message>The web site mysite1 cannot be found.</Message><ExtendedCode>04009</ExtendedCode><MessageTemplate>The web site {0} cannot be found.</MessageTemplate><Parameters xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><a:string>mysite1</a:string></Parameters><InnerErrors i:nil=\"true\"/></Error>"
    );
    let r = api.req("DELETE", &format!("{sites}/mysite1"), None).await;
    site_error(&r, 404, "NotFound", "04009");
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

/// The userPWD of a publish profile answer, checked against the live shape.
fn publish_password(r: &Resp, site: &str) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    let profiles = parse_publish_data(r.body.as_bytes()).unwrap();
    assert_eq!(profiles.len(), 2, "{}", r.body);
    let (web, ftp) = (&profiles[0], &profiles[1]);
    let host = site.to_ascii_lowercase();
    assert_eq!(web.profile_name, format!("{site} - Web Deploy"));
    assert_eq!(web.publish_method, "MSDeploy");
    assert_eq!(
        web.publish_url,
        format!("{host}.scm.azurewebsites.example.test:443")
    );
    assert_eq!(web.msdeploy_site.as_deref(), Some(site));
    assert_eq!(web.user_name, format!("${site}"));
    assert_eq!(ftp.publish_method, "FTP");
    assert_eq!(ftp.user_name, format!("{site}\\${site}"));
    assert_eq!(ftp.ftp_passive_mode.as_deref(), Some("True"));
    assert_eq!(
        web.destination_app_url,
        format!("http://{host}.azurewebsites.example.test")
    );
    assert_eq!(web.user_pwd, ftp.user_pwd);
    assert_eq!(web.user_pwd.len(), 60);
    assert!(web.user_pwd.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(
        r.body
            .starts_with("<publishData><publishProfile profileName="),
        "{}",
        r.body
    );
    web.user_pwd.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_site_config_and_publish_profile() {
    let api = start().await;
    let sites = "/{s}/services/webspaces/eastuswebspace/sites";
    for name in ["ConfSite", "OtherSite"] {
        let r = api
            .req(
                "POST",
                sites,
                Some(&site_body(name, "eastuswebspace", "East US")),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let config = format!("{sites}/ConfSite/config");

    // the defaults of a new site (XML unless JSON is asked for)
    let r = api.req("GET", &config, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .starts_with("<SiteConfig xmlns=\"http://schemas.microsoft.com/windowsazure\""),
        "{}",
        r.body
    );
    let c = parse_site_config(r.body.as_bytes()).unwrap();
    assert_eq!(c.publishing_username.as_deref(), Some("$ConfSite"));
    assert_eq!(c.publishing_password, None);
    assert_eq!(c.app_settings, Some(vec![]));
    assert_eq!(c.connection_strings, Some(vec![]));
    assert_eq!(c.managed_pipeline_mode.as_deref(), Some("Integrated"));
    assert_eq!(c.number_of_workers, Some(1));
    assert_eq!(c.php_version.as_deref(), Some("5.4"));
    assert_eq!(c.web_sockets_enabled, Some(false));
    assert!(
        c.default_documents
            .as_ref()
            .unwrap()
            .contains(&"index.html".to_string())
    );
    let r = api
        .req_with("GET", &config, None, &[("Accept", "application/json")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(parse_site_config_json(r.body.as_bytes()).unwrap(), c);

    // PUT XML: what is sent replaces, what is absent (or nil) is kept
    let put = "<SiteConfig xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><AppSettings><NameValuePair><Name>mode</Name><Value>a&lt;b</Value></NameValuePair></AppSettings><ConnectionStrings><ConnStringInfo><ConnectionString>Server=db;Password=Sup3r-Secret-Value</ConnectionString><Name>main</Name><Type>sqlazure</Type></ConnStringInfo></ConnectionStrings><PhpVersion>5.6</PhpVersion><Metadata i:nil=\"true\"/><PublishingUsername>$someoneelse</PublishingUsername><PythonVersion>3.4</PythonVersion><WebSocketsEnabled>true</WebSocketsEnabled></SiteConfig>";
    let r = api.req("PUT", &config, Some(put)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api.req("GET", &config, None).await;
    let c2 = parse_site_config(r.body.as_bytes()).unwrap();
    assert_eq!(c2.app_settings.as_ref().unwrap()[0].value, "a<b");
    let cs = &c2.connection_strings.as_ref().unwrap()[0];
    assert_eq!((cs.name.as_str(), cs.kind.as_str()), ("main", "SQLAzure"));
    assert_eq!(
        cs.connection_string,
        "Server=db;Password=Sup3r-Secret-Value"
    );
    assert_eq!(c2.php_version.as_deref(), Some("5.6"));
    assert_eq!(c2.python_version.as_deref(), Some("3.4"));
    assert_eq!(c2.web_sockets_enabled, Some(true));
    // kept
    assert_eq!(c2.metadata, c.metadata);
    assert_eq!(c2.net_framework_version, c.net_framework_version);
    assert_eq!(c2.default_documents, c.default_documents);
    assert_eq!(c2.publishing_username.as_deref(), Some("$ConfSite"));

    // PUT JSON (the Node client's): partial again
    let r = api
        .req_with(
            "PUT",
            &config,
            Some(r#"{"NumberOfWorkers":2,"AppSettings":[{"Name":"mode","Value":"json"},{"Name":"two","Value":"2"}],"Unknown":[1]}"#),
            &[("Content-Type", "application/json; charset=utf-8"), ("Accept", "application/json")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .req_with("GET", &config, None, &[("Accept", "application/json")])
        .await;
    let c3 = parse_site_config_json(r.body.as_bytes()).unwrap();
    assert_eq!(c3.number_of_workers, Some(2));
    assert_eq!(c3.app_settings.as_ref().unwrap().len(), 2);
    assert_eq!(c3.connection_strings, c2.connection_strings);
    assert_eq!(c3.php_version.as_deref(), Some("5.6"));

    // refused changes, in the Web Sites error shape; nothing stored
    for (body, field) in [
        (
            "<SiteConfig><NumberOfWorkers>0</NumberOfWorkers></SiteConfig>",
            "NumberOfWorkers",
        ),
        (
            "<SiteConfig><NumberOfWorkers>lots</NumberOfWorkers></SiteConfig>",
            "NumberOfWorkers",
        ),
        (
            "<SiteConfig><ManagedPipelineMode>Fast</ManagedPipelineMode></SiteConfig>",
            "ManagedPipelineMode",
        ),
        (
            "<SiteConfig><ConnectionStrings><ConnStringInfo><Name>x</Name><Type>Oracle</Type></ConnStringInfo></ConnectionStrings></SiteConfig>",
            "ConnectionStrings",
        ),
        (
            "<SiteConfig><AppSettings><NameValuePair><Name>a</Name></NameValuePair><NameValuePair><Name>A</Name></NameValuePair></AppSettings></SiteConfig>",
            "AppSettings",
        ),
        ("<Site/>", "SiteConfig"),
        ("{\"WebSocketsEnabled\":\"maybe\"}", "WebSocketsEnabled"),
        ("{\"PhpVersion\":", "JSON was invalid"),
    ] {
        let kind = if body.starts_with('{') {
            "application/json"
        } else {
            "application/xml"
        };
        let r = api
            .req_with("PUT", &config, Some(body), &[("Content-Type", kind)])
            .await;
        let e = site_error(&r, 400, "BadRequest", "01001");
        assert!(e.message.contains(field), "{field} not in {e:?}");
    }
    let r = api
        .req_with("GET", &config, None, &[("Accept", "application/json")])
        .await;
    assert_eq!(parse_site_config_json(r.body.as_bytes()).unwrap(), c3);
    for (method, body) in [("GET", None), ("PUT", Some("<SiteConfig/>"))] {
        let r = api
            .req(method, &format!("{sites}/nosuch/config"), body)
            .await;
        site_error(&r, 404, "NotFound", "04009");
    }
    let r = api
        .req(
            "GET",
            "/{s}/services/webspaces/marswebspace/sites/ConfSite/config",
            None,
        )
        .await;
    site_error(&r, 404, "NotFound", "04002");

    // publish profile: per site, stable, the path Python sends (double slash, trailing slash)
    let p1 = publish_password(
        &api.req(
            "GET",
            "/{s}/services/webspaces//eastuswebspace/sites/ConfSite/publishxml/",
            None,
        )
        .await,
        "ConfSite",
    );
    let again = publish_password(
        &api.req("GET", &format!("{sites}/confsite/publishxml"), None)
            .await,
        "ConfSite",
    );
    assert_eq!(p1, again);
    let p2 = publish_password(
        &api.req("GET", &format!("{sites}/OtherSite/publishxml"), None)
            .await,
        "OtherSite",
    );
    assert_ne!(p1, p2);
    let r = api
        .req("GET", &format!("{sites}/nosuch/publishxml"), None)
        .await;
    site_error(&r, 404, "NotFound", "04009");
    // instance ids (the classic CLI's `site show` asks): none run here
    let r = api
        .req("GET", &format!("{sites}/ConfSite/instanceids"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(parse_instance_ids(r.body.as_bytes()).unwrap().is_empty());
    let r = api
        .req("GET", &format!("{sites}/nosuch/instanceids"), None)
        .await;
    site_error(&r, 404, "NotFound", "04009");
    // an update keeps the password
    let r = api
        .req(
            "PUT",
            &format!("{sites}/ConfSite"),
            Some("<Site><State>Stopped</State></Site>"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // at rest: sealed, nothing in clear in the row
    let st = api
        .state()
        .db
        .website_settings(&api.sub, "eastuswebspace", "ConfSite")
        .await
        .unwrap();
    let sealed = st.publishing_password_sealed.clone().unwrap();
    let strings = st.connection_strings_sealed.clone().unwrap();
    let config_json = st.config.clone().unwrap();
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(&sealed, p1.as_bytes()));
    assert!(!contains(&strings, b"Sup3r-Secret-Value"));
    assert!(!contains(config_json.as_bytes(), b"Sup3r-Secret-Value"));
    assert!(!contains(config_json.as_bytes(), p1.as_bytes()));
    assert!(contains(config_json.as_bytes(), b"5.6"));
    // the secrets are in no log line or operation record either
    let log = api.log().await;
    assert!(!format!("{log:?}").contains(&p1));
    assert!(
        log.iter()
            .any(|(n, s, _)| n == "UpdateSiteConfig" && *s == Some(200))
    );
    assert!(
        log.iter()
            .any(|(n, s, _)| n == "UpdateSiteConfig" && *s == Some(400))
    );

    // a restart keeps all of it
    let api = api.restart().await;
    let r = api
        .req("GET", &format!("{sites}/ConfSite/publishxml"), None)
        .await;
    assert_eq!(publish_password(&r, "ConfSite"), p1);
    let r = api
        .req_with("GET", &config, None, &[("Accept", "application/json")])
        .await;
    assert_eq!(parse_site_config_json(r.body.as_bytes()).unwrap(), c3);

    // deleting the site deletes its secrets; a new site of that name has a new password
    let r = api.req("DELETE", &format!("{sites}/ConfSite"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .req(
            "POST",
            sites,
            Some(&site_body("ConfSite", "eastuswebspace", "East US")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p3 = publish_password(
        &api.req("GET", &format!("{sites}/ConfSite/publishxml"), None)
            .await,
        "ConfSite",
    );
    assert_ne!(p3, p1);
    let r = api.req("GET", &config, None).await;
    assert_eq!(parse_site_config(r.body.as_bytes()).unwrap(), c);
    api.stop().await;
}

/// A site made before migration 9 has no publishing password: reading its publish profile
/// writes nothing and is refused (409, saying why); its next change makes one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_made_before_publishing_passwords_gets_one_at_its_next_change() {
    let api = start().await;
    let sites = "/{s}/services/webspaces/eastuswebspace/sites";
    for name in ["OldSite", "OldSite2"] {
        let r = api
            .req(
                "POST",
                sites,
                Some(&site_body(name, "eastuswebspace", "East US")),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // as migration 9 leaves an existing row
    let url = api.state().config.database_url();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE websites SET publishing_password_sealed = NULL")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let sealed = |name: &'static str| {
        let api = &api;
        async move {
            api.state()
                .db
                .website_settings(&api.sub, "eastuswebspace", name)
                .await
                .unwrap()
                .publishing_password_sealed
        }
    };
    for _ in 0..2 {
        let r = api
            .req("GET", &format!("{sites}/OldSite/publishxml"), None)
            .await;
        let e = site_error(&r, 409, "Conflict", "54011");
        assert_eq!(e.parameters, ["OldSite"]);
        assert!(e.message.contains("next change"), "{e:?}");
        assert_eq!(sealed("OldSite").await, None, "a read wrote");
    }
    // the configuration reads without it
    let r = api
        .req("GET", &format!("{sites}/OldSite/config"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(sealed("OldSite").await, None);
    // an update of the site makes it, as does one of its configuration
    let r = api
        .req(
            "PUT",
            &format!("{sites}/OldSite"),
            Some("<Site><State>Running</State></Site>"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api
        .req(
            "PUT",
            &format!("{sites}/OldSite2/config"),
            Some("<SiteConfig/>"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let one = publish_password(
        &api.req("GET", &format!("{sites}/OldSite/publishxml"), None)
            .await,
        "OldSite",
    );
    let two = publish_password(
        &api.req("GET", &format!("{sites}/OldSite2/publishxml"), None)
            .await,
        "OldSite2",
    );
    assert_ne!(one, two);
    // and later changes keep it
    let r = api
        .req(
            "PUT",
            &format!("{sites}/OldSite/config"),
            Some("<SiteConfig><PhpVersion>5.6</PhpVersion></SiteConfig>"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        publish_password(
            &api.req("GET", &format!("{sites}/OldSite/publishxml"), None)
                .await,
            "OldSite"
        ),
        one
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
