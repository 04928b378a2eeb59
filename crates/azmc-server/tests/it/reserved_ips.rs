//! Reserved IP addresses end to end: an in-process server, real TLS with the bootstrap
//! management certificate, raw HTTP/1.1 requests.

use crate::resource_api::{
    Api, CONFLICT, NOT_FOUND, all_operations, expect_error, operation_by_id,
};
use azmc_db::Quotas;
use azmc_wire::asm::{
    OperationStatus, parse_document, parse_reserved_ip, parse_reserved_ips, parse_subscription,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;

const IPS: &str = "/{s}/services/networking/reservedips";

/// A Create Reserved IP body as the Python client sends it (plain-text label).
fn ip_body(name: &str, location: &str) -> String {
    format!(
        "<ReservedIP xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>{name}</Name><Label>mylabel</Label><Location>{location}</Location></ReservedIP>"
    )
}

fn association(service: &str, deployment: &str) -> String {
    format!(
        "<ReservedIPAssociation xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{service}</ServiceName><DeploymentName>{deployment}</DeploymentName></ReservedIPAssociation>"
    )
}

const CSCFG: &str = r#"<?xml version="1.0" encoding="utf-8"?><ServiceConfiguration serviceName="app" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration"><Role name="Web"><Instances count="1" /></Role></ServiceConfiguration>"#;

/// Creates the cloud service `name` in `location` with the production deployment `d1`.
async fn service_with_deployment(api: &Api, name: &str, location: &str) {
    let body = format!(
        "<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Label>{}</Label><Location>{location}</Location></CreateHostedService>",
        STANDARD.encode(name)
    );
    let r = api
        .req("POST", "/{s}/services/hostedservices", Some(&body))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let dep = format!(
        "<CreateDeployment xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>d1</Name><PackageUrl>https://a.blob.core.windows.net/p/app.cspkg</PackageUrl><Label>{}</Label><Configuration>{}</Configuration><StartDeployment>true</StartDeployment></CreateDeployment>",
        STANDARD.encode("d1"),
        STANDARD.encode(CSCFG)
    );
    let r = api
        .req(
            "POST",
            &format!("/{{s}}/services/hostedservices/{name}/deploymentslots/production"),
            Some(&dep),
        )
        .await;
    api.assert_accepted_and_succeeded(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_ips_are_created_associated_and_deleted() {
    let api = Api::start(Duration::from_millis(300)).await;

    // Create: 202, Creating until its operation succeeds, then Created.
    let r = api
        .req("POST", IPS, Some(&ip_body("MyIp", "west us")))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.body.is_empty());
    let created = r.request_id();
    assert_eq!(api.status_of(&created).await, OperationStatus::InProgress);
    let ip = api.get(&format!("{IPS}/myip"), parse_reserved_ip).await;
    assert_eq!(ip.state, "Creating");
    api.assert_succeeded(&created).await;
    let r = api.req("GET", &format!("{IPS}/MYIP"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ip = parse_reserved_ip(r.body.as_bytes()).unwrap();
    assert_eq!(
        (ip.name.as_str(), ip.state.as_str(), ip.location.as_str()),
        ("MyIp", "Created", "West US")
    );
    assert_eq!(ip.label.as_deref(), Some("mylabel"));
    assert!(!ip.in_use && ip.service_name.is_none());
    assert!(
        ip.address.parse::<std::net::Ipv4Addr>().is_ok(),
        "{}",
        ip.address
    );
    assert_eq!(ip.id.len(), 36);
    // The recorded shape: no InUse/ServiceName/DeploymentName while unused.
    let names = parse_document(r.body.as_bytes()).unwrap();
    assert_eq!(
        names.child_names(),
        ["Name", "Address", "Id", "Label", "State", "Location"]
    );
    let listed = api.get(IPS, parse_reserved_ips).await;
    assert_eq!(listed, std::slice::from_ref(&ip));

    // Errors: the name taken (any case), missing fields, a location not offered, bad
    // names, unknown reserved IPs.
    expect_error(
        &api,
        "POST",
        IPS,
        Some(&ip_body("MYIP", "West US")),
        CONFLICT,
        "already exists",
    )
    .await;
    let r = api
        .req(
            "POST",
            IPS,
            Some("<ReservedIP><Location>West US</Location></ReservedIP>"),
        )
        .await;
    r.bad_request_naming("Name");
    let r = api
        .req("POST", IPS, Some("<ReservedIP><Name>x</Name></ReservedIP>"))
        .await;
    r.bad_request_naming("Location");
    let r = api.req("POST", IPS, Some(&ip_body("x", "Mars"))).await;
    r.bad_request_naming("Location");
    let r = api
        .req("POST", IPS, Some(&ip_body("bad name", "West US")))
        .await;
    r.bad_request_naming("Name");
    let long = format!(
        "<ReservedIP><Name>x</Name><Label>{}</Label><Location>West US</Location></ReservedIP>",
        "l".repeat(101)
    );
    api.req("POST", IPS, Some(&long))
        .await
        .bad_request_naming("Label");
    let r = api
        .req(
            "POST",
            IPS,
            Some("<ReservedIP><Name>x</Name><ServiceName>s</ServiceName><Location>West US</Location></ReservedIP>"),
        )
        .await;
    r.bad_request_naming("DeploymentName");
    assert_eq!(api.req("POST", IPS, Some("<Nope/>")).await.status, 400);
    api.req("GET", &format!("{IPS}/nope"), None)
        .await
        .not_found();
    expect_error(
        &api,
        "DELETE",
        &format!("{IPS}/nope"),
        None,
        NOT_FOUND,
        "reserved IP 'nope'",
    )
    .await;
    expect_error(
        &api,
        "POST",
        &format!("{IPS}/nope/operations/associate"),
        Some(&association("svc", "d1")),
        NOT_FOUND,
        "reserved IP",
    )
    .await;

    // Associate with a deployment of the subscription in the same location.
    service_with_deployment(&api, "ripsvc", "West US").await;
    service_with_deployment(&api, "ripeast", "East US").await;
    let assoc = format!("{IPS}/myip/operations/associate");
    let disassoc = format!("{IPS}/myip/operations/disassociate");
    api.req(
        "POST",
        &assoc,
        Some("<ReservedIPAssociation><ServiceName>ripsvc</ServiceName></ReservedIPAssociation>"),
    )
    .await
    .bad_request_naming("DeploymentName");
    api.req("POST", &assoc, Some(&association("nosuch", "d1")))
        .await
        .bad_request_naming("ServiceName");
    api.req("POST", &assoc, Some(&association("ripsvc", "d9")))
        .await
        .bad_request_naming("DeploymentName");
    let r = api
        .req("POST", &assoc, Some(&association("ripeast", "d1")))
        .await;
    r.bad_request_naming("East US");
    let r = api
        .req("POST", &assoc, Some(&association("ripsvc", "d1")))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let associated = r.request_id();
    api.assert_succeeded(&associated).await;
    let r = api.req("GET", &format!("{IPS}/myip"), None).await;
    let used = parse_reserved_ip(r.body.as_bytes()).unwrap();
    assert!(used.in_use);
    assert_eq!(used.service_name.as_deref(), Some("ripsvc"));
    assert_eq!(used.deployment_name.as_deref(), Some("d1"));
    assert_eq!(used.address, ip.address, "the address stays");
    assert_eq!(
        parse_document(r.body.as_bytes()).unwrap().child_names(),
        [
            "Name",
            "Address",
            "Id",
            "Label",
            "State",
            "InUse",
            "ServiceName",
            "DeploymentName",
            "Location"
        ]
    );
    assert!(r.body.contains("<InUse>true</InUse>"), "{}", r.body);

    // In use: not deleted, not taken by another deployment, not created twice over it.
    expect_error(
        &api,
        "DELETE",
        &format!("{IPS}/myip"),
        None,
        CONFLICT,
        "in use by the deployment 'd1'",
    )
    .await;
    let r = api
        .req("POST", IPS, Some(&ip_body("second", "East US")))
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    service_with_deployment(&api, "ripsvc2", "West US").await;
    expect_error(
        &api,
        "POST",
        &assoc,
        Some(&association("ripsvc2", "d1")),
        CONFLICT,
        "in use",
    )
    .await;
    let born = "<ReservedIP><Name>born</Name><ServiceName>ripsvc</ServiceName><DeploymentName>d1</DeploymentName><Location>West US</Location></ReservedIP>";
    expect_error(
        &api,
        "POST",
        IPS,
        Some(born),
        CONFLICT,
        "already uses the reserved IP 'MyIp'",
    )
    .await;

    // Disassociate: only from the deployment it serves.
    api.req("POST", &disassoc, Some(&association("ripsvc2", "d1")))
        .await
        .bad_request_naming("DeploymentName");
    let r = api
        .req("POST", &disassoc, Some(&association("ripsvc", "d1")))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let disassociated = r.request_id();
    api.assert_succeeded(&disassociated).await;
    let free = api.get(&format!("{IPS}/myip"), parse_reserved_ip).await;
    assert!(!free.in_use && free.deployment_name.is_none());

    // Created associated at once.
    let r = api.req("POST", IPS, Some(born)).await;
    api.assert_accepted_and_succeeded(&r).await;
    let b = api.get(&format!("{IPS}/born"), parse_reserved_ip).await;
    assert_eq!(
        (b.in_use, b.service_name.as_deref()),
        (true, Some("ripsvc"))
    );
    assert_ne!(b.address, ip.address);
    // The association ends with its deployment.
    let r = api
        .req(
            "DELETE",
            "/{s}/services/hostedservices/ripsvc/deployments/d1",
            None,
        )
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let b = api.get(&format!("{IPS}/born"), parse_reserved_ip).await;
    assert!(!b.in_use && b.service_name.is_none(), "{b:?}");

    // Delete: 202, gone at once, its operation succeeds.
    let r = api.req("DELETE", &format!("{IPS}/MyIp"), None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let deleted = r.request_id();
    api.req("GET", &format!("{IPS}/myip"), None)
        .await
        .not_found();
    api.assert_succeeded(&deleted).await;
    let names: Vec<_> = api
        .get(IPS, parse_reserved_ips)
        .await
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["born", "second"]);

    // The operation log names each change, the create naming what it made.
    let ops = all_operations(&api).await;
    for (id, name) in [
        (&created, "CreateReservedIP"),
        (&associated, "AssociateReservedIP"),
        (&disassociated, "DisassociateReservedIP"),
        (&deleted, "DeleteReservedIP"),
    ] {
        let op = operation_by_id(&ops, id);
        assert_eq!(op.operation_name, name);
    }
    assert!(
        operation_by_id(&ops, &created)
            .operation_object_id
            .ends_with("/services/networking/reservedips/MyIp"),
        "{:?}",
        operation_by_id(&ops, &created).operation_object_id
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_ip_quota_and_usage() {
    let api = Api::start(Duration::ZERO).await;
    let second = "5ec0dd00-0000-4000-8000-00000000001b";
    api.second_subscription(
        second,
        &Quotas {
            max_reserved_ips: 1,
            ..Quotas::default()
        },
    )
    .await;
    let ips2 = format!("/{second}/services/networking/reservedips");
    let r = api
        .req("POST", &ips2, Some(&ip_body("only", "West US")))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        api.wait_in(second, &r.request_id()).await,
        OperationStatus::Succeeded
    );
    expect_error(
        &api,
        "POST",
        &ips2,
        Some(&ip_body("more", "West US")),
        CONFLICT,
        "maximum of 1 reserved IPs (MaxReservedIPs)",
    )
    .await;
    // Names are per subscription: the first subscription may use the same one.
    let r = api
        .req("POST", IPS, Some(&ip_body("only", "West US")))
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let other = api.get(&format!("{ips2}/only"), parse_reserved_ip).await;
    let mine = api.get(&format!("{IPS}/only"), parse_reserved_ip).await;
    assert_ne!(other.address, mine.address);
    assert_ne!(other.id, mine.id);
    // Get Subscription counts them.
    let s = api.get(&format!("/{second}"), parse_subscription).await;
    assert_eq!((s.max_reserved_ips, s.current_reserved_ips), (1, 1));
    let r = api.req("DELETE", &format!("{ips2}/only"), None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let s = api.get(&format!("/{second}"), parse_subscription).await;
    assert_eq!(s.current_reserved_ips, 0);
    expect_error(
        &api,
        "GET",
        &format!("{ips2}/only"),
        None,
        NOT_FOUND,
        "does not exist",
    )
    .await;
    api.stop().await;
}
