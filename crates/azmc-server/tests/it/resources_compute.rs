//! Cloud services, service certificates and deployments end to end: an in-process server,
//! real TLS with the bootstrap management certificate, raw HTTP/1.1 requests.

use crate::resource_api::{
    Api, BAD_REQUEST, CONFLICT, NOT_FOUND, all_operations, assert_names_logged, expect_error,
    operation_by_id,
};
use azmc_db::Quotas;
use azmc_pki::pkcs12::{self, Profile};
use azmc_pki::{KeyKind, NewCertificate, create_self_signed};
use azmc_wire::asm::{
    OperationStatus, parse_availability, parse_deployment, parse_document, parse_hosted_service,
    parse_hosted_services, parse_service_certificate, parse_service_certificates,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;

fn create_body(name: &str, label: &str, location: &str) -> String {
    format!(
        "<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Label>{}</Label><Description>desc</Description><Location>{location}</Location><ExtendedProperties><ExtendedProperty><Name>k1</Name><Value>v1</Value></ExtendedProperty></ExtendedProperties></CreateHostedService>",
        STANDARD.encode(label)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_services_create_read_update_delete_and_errors() {
    let api = Api::start(Duration::ZERO).await;
    let hs = "/{s}/services/hostedservices";

    let r = api
        .req("GET", &format!("{hs}/operations/isavailable/svc-one"), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(parse_availability(r.body.as_bytes()).unwrap(), (true, None));

    let r = api
        .req(
            "POST",
            hs,
            Some(&create_body("Svc-One", "first", "west us")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.is_empty());
    assert!(r.header("location").unwrap().ends_with("/compute/Svc-One"));
    let created_id = r.request_id();

    let r = api
        .req("GET", &format!("{hs}/svc-one?embed-detail=false"), None)
        .await;
    assert_eq!(r.status, 200);
    let h = parse_hosted_service(r.body.as_bytes()).unwrap();
    assert_eq!(h.service_name, "Svc-One");
    assert_eq!(h.location.as_deref(), Some("West US"), "canonical spelling");
    assert_eq!(STANDARD.decode(&h.label).unwrap(), b"first");
    assert_eq!(h.status, "Created");
    assert_eq!(h.description.as_deref(), Some("desc"));
    assert_eq!(h.extended_properties, vec![("k1".into(), "v1".into())]);
    // ComputeCapabilities only in List Hosted Services, as real Azure sent them.
    assert!(h.role_sizes.is_empty() && !r.body.contains("ComputeCapabilities"));
    assert!(
        h.url
            .ends_with(&format!("/{}/services/hostedservices/Svc-One", api.sub)),
        "{}",
        h.url
    );
    assert!(h.deployments.is_none());
    let r = api
        .req("GET", &format!("{hs}/SVC-ONE?embed-detail=true"), None)
        .await;
    assert_eq!(
        parse_hosted_service(r.body.as_bytes()).unwrap().deployments,
        Some(vec![])
    );

    let (ok, reason) = api
        .get(
            &format!("{hs}/operations/isavailable/SVC-ONE"),
            parse_availability,
        )
        .await;
    assert!(!ok && reason.unwrap().contains("already exists"));
    assert!(
        !api.get(
            &format!("{hs}/operations/isavailable/bad_name"),
            parse_availability
        )
        .await
        .0
    );

    // 409: the name is taken (any case).
    let conflict = expect_error(
        &api,
        "POST",
        hs,
        Some(&create_body("SVC-one", "x", "West US")),
        CONFLICT,
        "DNS name is already taken",
    )
    .await;
    // 400s naming the field; nothing is created by any of them.
    let bad = [
        ("<CreateHostedService><Label>eA==</Label><Location>West US</Location></CreateHostedService>".to_string(), "ServiceName"),
        (create_body("bad_name", "x", "West US"), "ServiceName"),
        (create_body(&"a".repeat(64), "x", "West US"), "ServiceName"),
        ("<CreateHostedService><ServiceName>svc-two</ServiceName><Location>West US</Location></CreateHostedService>".to_string(), "Label"),
        ("<CreateHostedService><ServiceName>svc-two</ServiceName><Label>!!!</Label><Location>West US</Location></CreateHostedService>".to_string(), "Label"),
        ("<CreateHostedService><ServiceName>svc-two</ServiceName><Label>eA==</Label></CreateHostedService>".to_string(), "Location"),
        (
            "<CreateHostedService><ServiceName>svc-two</ServiceName><Label>eA==</Label><AffinityGroup>nope</AffinityGroup></CreateHostedService>".to_string(),
            "AffinityGroup",
        ),
        (create_body("svc-two", "x", "Mars"), "Location"),
        ("<CreateHostedService><ServiceName>svc-two</ServiceName><Label>eA==</Label><Location>West US</Location><AffinityGroup>ag</AffinityGroup></CreateHostedService>".to_string(), "AffinityGroup"),
        ("<CreateHostedService><ServiceName>svc-two</ServiceName><Label>eA==</Label><Location>West US</Location><ExtendedProperties><ExtendedProperty><Name>1bad</Name><Value>v</Value></ExtendedProperty></ExtendedProperties></CreateHostedService>".to_string(), "ExtendedProperty"),
    ];
    for (body, field) in &bad {
        expect_error(&api, "POST", hs, Some(body), BAD_REQUEST, field).await;
    }
    expect_error(
        &api,
        "POST",
        hs,
        Some("<CreateHostedService><Label>a & b</Label>"),
        (400, "InvalidXmlRequest"),
        "XML",
    )
    .await;
    let r = api.req("GET", hs, None).await;
    let all = parse_hosted_services(r.body.as_bytes()).unwrap();
    assert_eq!(all.len(), 1, "{}", r.body);
    assert!(all[0].role_sizes.iter().any(|s| s == "A7"), "{}", r.body);

    // Update: label and description replaced, properties merged.
    let upd = format!(
        "<UpdateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><Label>{}</Label><Description>new</Description><ExtendedProperties><ExtendedProperty><Name>k2</Name><Value>v2</Value></ExtendedProperty></ExtendedProperties></UpdateHostedService>",
        STANDARD.encode("second")
    );
    let r = api.req("PUT", &format!("{hs}/svc-one"), Some(&upd)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let h = api
        .get(&format!("{hs}/svc-one"), parse_hosted_service)
        .await;
    assert_eq!(STANDARD.decode(&h.label).unwrap(), b"second");
    assert_eq!(h.description.as_deref(), Some("new"));
    assert_eq!(
        h.extended_properties,
        vec![("k1".into(), "v1".into()), ("k2".into(), "v2".into())]
    );
    for (path, body, error, needle) in [
        (
            format!("{hs}/nope").as_str(),
            Some(upd.as_str()),
            NOT_FOUND,
            "hosted service does not exist",
        ),
        (
            format!("{hs}/svc-one").as_str(),
            Some("<UpdateHostedService><Label>***</Label></UpdateHostedService>"),
            BAD_REQUEST,
            "Label",
        ),
    ] {
        expect_error(&api, "PUT", path, body, error, needle).await;
    }

    // Get Subscription counts it.
    let r = api.req("GET", "/{s}", None).await;
    assert!(
        r.body
            .contains("<CurrentHostedServices>1</CurrentHostedServices>"),
        "{}",
        r.body
    );

    // 404s.
    expect_error(
        &api,
        "GET",
        &format!("{hs}/nope"),
        None,
        NOT_FOUND,
        "hosted service does not exist",
    )
    .await;
    // Delete: 200, then 404.
    let r = api.req("DELETE", &format!("{hs}/SVC-ONE"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deleted_id = r.request_id();
    for method in ["DELETE", "GET"] {
        expect_error(
            &api,
            method,
            &format!("{hs}/svc-one"),
            None,
            NOT_FOUND,
            "does not exist",
        )
        .await;
    }
    assert!(api.get(hs, parse_hosted_services).await.is_empty());

    // The operation log: names, outcomes, the caller.
    let (st, code, _) = api.wait(&created_id).await;
    // Answered 201; the operation says 200, as the live service's did.
    assert_eq!((st, code), (OperationStatus::Succeeded, Some(200)));
    api.assert_succeeded(&deleted_id).await;
    let (st, code, err) = api.wait(&conflict.request_id()).await;
    assert_eq!(
        (st, code, err.as_deref()),
        (OperationStatus::Failed, Some(409), Some("ConflictError"))
    );
    let ops = all_operations(&api).await;
    assert_names_logged(
        &ops,
        &[
            "CreateHostedService",
            "UpdateHostedService",
            "DeleteHostedService",
        ],
    );
    let create = operation_by_id(&ops, &created_id);
    assert_eq!(create.operation_name, "CreateHostedService");
    assert_eq!(
        create
            .operation_caller
            .subscription_certificate_thumbprint
            .as_deref(),
        Some(api.cert.thumbprint().to_string().as_str())
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_service_quota_and_names_across_subscriptions() {
    let api = Api::start(Duration::ZERO).await;
    let db = &api.state().db;
    // A second subscription, allowed one cloud service, managed by the same certificate.
    let second = "5ec0dd00-0000-4000-8000-000000000001";
    api.second_subscription(
        second,
        &Quotas {
            max_hosted_services: 1,
            ..Quotas::default()
        },
    )
    .await;

    let hs2 = format!("/{second}/services/hostedservices");
    let r = api
        .req("POST", &hs2, Some(&create_body("quota-a", "a", "East US")))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = expect_error(
        &api,
        "POST",
        &hs2,
        Some(&create_body("quota-b", "b", "East US")),
        CONFLICT,
        "maximum of 1 cloud services",
    )
    .await;
    assert!(r.error().1.contains("MaxHostedServices"));
    // Names are unique across subscriptions.
    expect_error(
        &api,
        "POST",
        "/{s}/services/hostedservices",
        Some(&create_body("QUOTA-A", "a", "East US")),
        CONFLICT,
        "already taken",
    )
    .await;
    assert!(
        !api.get(
            "/{s}/services/hostedservices/operations/isavailable/quota-a",
            parse_availability
        )
        .await
        .0
    );
    // Each subscription sees only its own.
    assert!(
        api.get("/{s}/services/hostedservices", parse_hosted_services)
            .await
            .is_empty()
    );
    expect_error(
        &api,
        "GET",
        "/{s}/services/hostedservices/quota-a",
        None,
        NOT_FOUND,
        "does not exist",
    )
    .await;
    // A cloud service in an affinity group of the subscription.
    db.create_affinity_group(
        &azmc_db::NewAffinityGroup {
            subscription_id: &api.sub,
            name: "Grp-1",
            label: "g",
            description: None,
            location: "West US",
        },
        azmc_pki::clock::system().now(),
    )
    .await
    .unwrap();
    let body = "<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>in-group</ServiceName><Label>Zw==</Label><AffinityGroup>grp-1</AffinityGroup></CreateHostedService>";
    let r = api
        .req("POST", "/{s}/services/hostedservices", Some(body))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let h = api
        .get(
            "/{s}/services/hostedservices/in-group",
            parse_hosted_service,
        )
        .await;
    assert_eq!(
        (h.affinity_group.as_deref(), h.location),
        (Some("Grp-1"), None)
    );
    // The group exists only in the first subscription.
    let body2 = body.replace("in-group", "in-group-2");
    expect_error(
        &api,
        "POST",
        &hs2,
        Some(&body2),
        BAD_REQUEST,
        "AffinityGroup",
    )
    .await;
    assert!(db.affinity_group_in_use(&api.sub, "GRP-1").await.unwrap());
    // After a delete the quota has room again.
    assert_eq!(
        api.req("DELETE", &format!("{hs2}/quota-a"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        api.req("POST", &hs2, Some(&create_body("quota-b", "b", "East US")))
            .await
            .status,
        201
    );
    api.stop().await;
}

fn pfx(name: &str, password: &str) -> (Vec<u8>, azmc_pki::Certificate, azmc_pki::PrivateKey) {
    let (cert, key) = create_self_signed(&NewCertificate {
        name,
        key: KeyKind::Rsa2048,
        days: 30,
        now: azmc_pki::clock::system().now(),
    })
    .unwrap();
    let data = pkcs12::write(&cert, &key, &[], password, Profile::Legacy, None).unwrap();
    (data, cert, key)
}

fn cert_file(data: &[u8], format: &str, password: &str) -> String {
    format!(
        "<CertificateFile xmlns=\"http://schemas.microsoft.com/windowsazure\"><Data>{}</Data><CertificateFormat>{format}</CertificateFormat><Password>{password}</Password></CertificateFile>",
        STANDARD.encode(data)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_certificates_are_added_and_deleted_asynchronously() {
    let api = Api::start(Duration::from_millis(400)).await;
    // The sealing key is stored wrapped by the key-encryption key, never as it is used.
    let stored = api.state().db.sealing_key().await.unwrap().unwrap();
    let in_use = api.state().sealing.as_bytes();
    assert!(
        !stored
            .windows(16)
            .any(|w| in_use.windows(16).any(|k| k == w))
    );
    assert_eq!(format!("{:?}", api.state().sealing), "SealingKey(..)");
    let hs = "/{s}/services/hostedservices";
    assert_eq!(
        api.req("POST", hs, Some(&create_body("certsvc", "c", "West US")))
            .await
            .status,
        201
    );
    let certs = format!("{hs}/certsvc/certificates");
    let (data, cert, key) = pfx("service cert", "s3cret");
    let thumb = cert.thumbprint().to_string();

    // Bad input: 400 naming the field, 404 for an unknown service; no job is queued.
    for (method, path, body, error, needle) in [
        (
            "POST",
            certs.as_str(),
            Some(cert_file(&data, "pfx", "wrong").as_str()),
            BAD_REQUEST,
            "Password",
        ),
        (
            "POST",
            certs.as_str(),
            Some("<CertificateFile><CertificateFormat>pfx</CertificateFormat></CertificateFile>"),
            BAD_REQUEST,
            "Data",
        ),
        (
            "POST",
            certs.as_str(),
            Some("<CertificateFile><Data>@@@</Data></CertificateFile>"),
            BAD_REQUEST,
            "Data",
        ),
        (
            "POST",
            certs.as_str(),
            Some(cert_file(&data, "p7b", "").as_str()),
            BAD_REQUEST,
            "CertificateFormat",
        ),
        (
            "POST",
            certs.as_str(),
            Some(cert_file(b"not a cert", "cer", "").as_str()),
            BAD_REQUEST,
            "Data",
        ),
        (
            "POST",
            format!("{hs}/nope/certificates").as_str(),
            Some(cert_file(&data, "pfx", "s3cret").as_str()),
            NOT_FOUND,
            "hosted service",
        ),
        (
            "GET",
            format!("{hs}/nope/certificates").as_str(),
            None,
            NOT_FOUND,
            "hosted service",
        ),
    ] {
        expect_error(&api, method, path, body, error, needle).await;
    }

    // Add: 202, InProgress (not yet listed), then Succeeded (listed).
    let r = api
        .req("POST", &certs, Some(&cert_file(&data, "PFX", "s3cret")))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let add_id = r.request_id();
    assert_eq!(api.status_of(&add_id).await, OperationStatus::InProgress);
    assert!(api.get(&certs, parse_service_certificates).await.is_empty());
    assert_eq!(
        api.wait(&add_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    let list = api.get(&certs, parse_service_certificates).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].thumbprint, thumb);
    assert_eq!(list[0].thumbprint_algorithm, "sha1");
    assert!(
        list[0]
            .certificate_url
            .ends_with(&format!("/certsvc/certificates/sha1-{thumb}"))
    );
    assert_eq!(STANDARD.decode(&list[0].data_b64).unwrap(), cert.der());
    let r = api
        .req(
            "GET",
            &format!("{certs}/sha1-{}", thumb.to_lowercase()),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let got = parse_service_certificate(r.body.as_bytes()).unwrap();
    assert_eq!(STANDARD.decode(&got.data_b64).unwrap(), cert.der());
    assert!(!r.body.contains("PRIVATE"));

    // The private key is stored sealed, and opens to the key of the .pfx.
    let sealed = api
        .state()
        .db
        .service_certificate_sealed_key(&api.sub, "certsvc", &cert.thumbprint())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !sealed
            .windows(16)
            .any(|w| key.pkcs8_der().windows(16).any(|k| k == w)),
        "the key is not stored in clear"
    );
    let sealing = &api.state().sealing;
    let opened = sealing.open(&sealed, thumb.as_bytes()).unwrap();
    assert_eq!(opened.as_slice(), key.pkcs8_der());
    assert!(sealing.open(&sealed, b"other aad").is_none());

    // A .cer is accepted too (no key).
    let (_, cer, _) = pfx("public only", "x");
    let r = api
        .req("POST", &certs, Some(&cert_file(cer.der(), "cer", "")))
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    assert_eq!(api.get(&certs, parse_service_certificates).await.len(), 2);

    // 404s for unknown ids.
    for (method, path) in [
        ("GET", format!("{certs}/sha1-{}", "00".repeat(20)).as_str()),
        ("GET", format!("{certs}/md5-{thumb}").as_str()),
        (
            "DELETE",
            format!("{certs}/sha1-{}", "00".repeat(20)).as_str(),
        ),
    ] {
        expect_error(&api, method, path, None, NOT_FOUND, "certificate").await;
    }

    // Delete: 202, gone from the list at once, Succeeded; a second delete is 404.
    let r = api
        .req("DELETE", &format!("{certs}/sha1-{thumb}"), None)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let del_id = r.request_id();
    assert_eq!(api.status_of(&del_id).await, OperationStatus::InProgress);
    expect_error(
        &api,
        "GET",
        &format!("{certs}/sha1-{thumb}"),
        None,
        NOT_FOUND,
        "certificate",
    )
    .await;
    api.assert_succeeded(&del_id).await;
    expect_error(
        &api,
        "DELETE",
        &format!("{certs}/sha1-{thumb}"),
        None,
        NOT_FOUND,
        "certificate",
    )
    .await;
    assert!(
        api.state()
            .db
            .service_certificate_sealed_key(&api.sub, "certsvc", &cert.thumbprint())
            .await
            .unwrap_err()
            .is_not_found()
    );

    // The operation log names them.
    let ops = all_operations(&api).await;
    let add = operation_by_id(&ops, &add_id);
    assert_eq!(add.operation_name, "AddCertificate");
    let del = operation_by_id(&ops, &del_id);
    assert_eq!(del.operation_name, "DeleteCertificate");
    assert!(del.operation_completed_time.is_some());

    // comp=media: 202, the service shows Deleting, then it is gone with its certificates.
    let r = api
        .req("DELETE", &format!("{hs}/certsvc?comp=media"), None)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let h = api
        .get(&format!("{hs}/certsvc"), parse_hosted_service)
        .await;
    assert_eq!(h.status, "Deleting");
    api.assert_succeeded(&r.request_id()).await;
    for (method, path) in [
        ("GET", format!("{hs}/certsvc").as_str()),
        ("DELETE", format!("{hs}/certsvc?comp=media").as_str()),
    ] {
        expect_error(&api, method, path, None, NOT_FOUND, "does not exist").await;
    }
    api.stop().await;
}

const CSCFG: &str = r#"<?xml version="1.0" encoding="utf-8"?><ServiceConfiguration serviceName="app" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration"><Role name="Web"><Instances count="2" /></Role></ServiceConfiguration>"#;

fn deployment_body(name: &str, cfg: &str, start: bool) -> String {
    format!(
        "<CreateDeployment xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>{name}</Name><PackageUrl>https://a.blob.core.windows.net/p/app.cspkg</PackageUrl><Label>{}</Label><Configuration>{}</Configuration><StartDeployment>{start}</StartDeployment></CreateDeployment>",
        STANDARD.encode(name),
        STANDARD.encode(cfg)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_are_created_changed_swapped_and_deleted() {
    let api = Api::start(Duration::from_millis(300)).await;
    let hs = "/{s}/services/hostedservices";
    assert_eq!(
        api.req("POST", hs, Some(&create_body("depsvc", "d", "West US")))
            .await
            .status,
        201
    );
    let slots = format!("{hs}/depsvc/deploymentslots");
    let deps = format!("{hs}/depsvc/deployments");

    for (path, body, error, needle) in [
        (
            format!("{slots}/production").as_str(),
            Some(deployment_body("d1", "<nope/>", true).as_str()),
            BAD_REQUEST,
            "Configuration",
        ),
        (
            format!("{slots}/production").as_str(),
            Some("<CreateDeployment><Name>d1</Name></CreateDeployment>"),
            BAD_REQUEST,
            "PackageUrl",
        ),
        (
            format!("{slots}/nowhere").as_str(),
            Some(deployment_body("d1", CSCFG, true).as_str()),
            BAD_REQUEST,
            "slot",
        ),
        (
            format!("{hs}/nope/deploymentslots/production").as_str(),
            Some(deployment_body("d1", CSCFG, true).as_str()),
            NOT_FOUND,
            "hosted service",
        ),
    ] {
        expect_error(&api, "POST", path, body, error, needle).await;
    }

    let r = api
        .req(
            "POST",
            &format!("{slots}/Production"),
            Some(&deployment_body("d1", CSCFG, true)),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.request_id();
    assert_eq!(api.status_of(&id).await, OperationStatus::InProgress);
    let d = api.get(&format!("{deps}/d1"), parse_deployment).await;
    assert_eq!(d.status, "Deploying");
    api.assert_succeeded(&id).await;
    let r = api.req("GET", &format!("{slots}/production"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = parse_deployment(r.body.as_bytes()).unwrap();
    assert_eq!(
        (d.name.as_str(), d.slot.as_str(), d.status.as_str()),
        ("d1", "Production", "Running")
    );
    assert_eq!(STANDARD.decode(&d.configuration).unwrap(), CSCFG.as_bytes());
    let names: Vec<_> = d
        .role_instances
        .iter()
        .map(|i| i.instance_name.as_str())
        .collect();
    assert_eq!(names, ["Web_IN_0", "Web_IN_1"]);
    assert!(
        d.role_instances
            .iter()
            .all(|i| i.instance_status == "ReadyRole")
    );
    assert_eq!(d.private_id.len(), 32);
    let h = api
        .get(
            &format!("{hs}/depsvc?embed-detail=true"),
            parse_hosted_service,
        )
        .await;
    assert_eq!(h.deployments.unwrap(), vec![d.clone()]);
    assert!(
        api.req("GET", "/{s}", None)
            .await
            .body
            .contains("<CurrentCoreCount>2</CurrentCoreCount>")
    );

    // Conflicts: the slot, the name, deleting a service that has deployments.
    for (method, path, body, needle) in [
        (
            "POST",
            format!("{slots}/production").as_str(),
            Some(deployment_body("d9", CSCFG, true).as_str()),
            "Production slot",
        ),
        (
            "POST",
            format!("{slots}/staging").as_str(),
            Some(deployment_body("D1", CSCFG, true).as_str()),
            "already has a deployment named",
        ),
        (
            "DELETE",
            format!("{hs}/depsvc").as_str(),
            None,
            "deployments",
        ),
    ] {
        expect_error(&api, method, path, body, CONFLICT, needle).await;
    }

    // Staging, status change, swap.
    let r = api
        .req(
            "POST",
            &format!("{slots}/staging"),
            Some(&deployment_body("d2", CSCFG, false)),
        )
        .await;
    api.assert_succeeded(&r.request_id()).await;
    assert_eq!(
        api.get(&format!("{deps}/d2"), parse_deployment)
            .await
            .status,
        "Suspended"
    );
    expect_error(
        &api,
        "POST",
        &format!("{deps}/d2?comp=status"),
        Some("<UpdateDeploymentStatus><Status>Dancing</Status></UpdateDeploymentStatus>"),
        BAD_REQUEST,
        "Status",
    )
    .await;
    let r = api.req("POST", &format!("{deps}/d2/?comp=status"), Some("<UpdateDeploymentStatus xmlns=\"http://schemas.microsoft.com/windowsazure\"><Status>Running</Status></UpdateDeploymentStatus>")).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let status_id = r.request_id();
    api.assert_succeeded(&status_id).await;
    assert_eq!(
        api.get(&format!("{deps}/d2"), parse_deployment)
            .await
            .status,
        "Running"
    );
    expect_error(
        &api,
        "POST",
        &format!("{hs}/depsvc"),
        Some("<Swap><Production>d1</Production><SourceDeployment>d1</SourceDeployment></Swap>"),
        BAD_REQUEST,
        "staging",
    )
    .await;
    let r = api.req("POST", &format!("{hs}/depsvc"), Some("<Swap xmlns=\"http://schemas.microsoft.com/windowsazure\"><Production>d1</Production><SourceDeployment>d2</SourceDeployment></Swap>")).await;
    api.assert_accepted_and_succeeded(&r).await;
    assert_eq!(
        api.get(&format!("{slots}/production"), parse_deployment)
            .await
            .name,
        "d2"
    );
    assert_eq!(
        api.get(&format!("{slots}/staging"), parse_deployment)
            .await
            .name,
        "d1"
    );

    // Delete by slot and by name.
    let r = api.req("DELETE", &format!("{slots}/staging"), None).await;
    api.assert_accepted_and_succeeded(&r).await;
    expect_error(
        &api,
        "GET",
        &format!("{deps}/d1"),
        None,
        NOT_FOUND,
        "deployment",
    )
    .await;
    let r = api
        .req("DELETE", &format!("{deps}/d2?comp=media"), None)
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    expect_error(
        &api,
        "DELETE",
        &format!("{deps}/d2"),
        None,
        NOT_FOUND,
        "deployment",
    )
    .await;
    assert!(
        api.req("GET", "/{s}", None)
            .await
            .body
            .contains("<CurrentCoreCount>0</CurrentCoreCount>")
    );
    assert_eq!(
        api.req("DELETE", &format!("{hs}/depsvc"), None)
            .await
            .status,
        200
    );

    let ops = all_operations(&api).await;
    assert_names_logged(
        &ops,
        &[
            "CreateDeployment",
            "UpdateDeploymentStatus",
            "SwapDeployment",
            "DeleteDeployment",
        ],
    );
    assert_eq!(
        operation_by_id(&ops, &status_id).operation_name,
        "UpdateDeploymentStatus"
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_configuration_upgrade_and_role_instances() {
    let api = Api::start(Duration::from_millis(100)).await;
    let hs = "/{s}/services/hostedservices";
    assert_eq!(
        api.req("POST", hs, Some(&create_body("chgsvc", "c", "West US")))
            .await
            .status,
        201
    );
    let dep = format!("{hs}/chgsvc/deployments/d1");
    let slot = format!("{hs}/chgsvc/deploymentslots/production");
    let r = api
        .req("POST", &slot, Some(&deployment_body("d1", CSCFG, true)))
        .await;
    api.assert_succeeded(&r.request_id()).await;

    // Change configuration: 3 instances now; 30 would exceed MaxCoreCount (20).
    let cfg = |n: u32| {
        format!(
            "<ChangeConfiguration xmlns=\"http://schemas.microsoft.com/windowsazure\"><Configuration>{}</Configuration><TreatWarningsAsError>false</TreatWarningsAsError><Mode>Auto</Mode></ChangeConfiguration>",
            STANDARD.encode(CSCFG.replace("count=\"2\"", &format!("count=\"{n}\"")))
        )
    };
    let r = api
        .req("POST", &format!("{dep}/?comp=config"), Some(&cfg(3)))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let config_id = r.request_id();
    api.assert_succeeded(&config_id).await;
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!(d.role_instances.len(), 3);
    assert!(
        api.req("GET", "/{s}", None)
            .await
            .body
            .contains("<CurrentCoreCount>3</CurrentCoreCount>")
    );
    for (body, error, needle) in [
        (Some(cfg(30).as_str()), CONFLICT, "MaxCoreCount"),
        (Some("<ChangeConfiguration/>"), BAD_REQUEST, "Configuration"),
    ] {
        expect_error(
            &api,
            "POST",
            &format!("{dep}/?comp=config"),
            body,
            error,
            needle,
        )
        .await;
    }

    // Upgrade (by slot): package, label and configuration replaced.
    let up = format!(
        "<UpgradeDeployment xmlns=\"http://schemas.microsoft.com/windowsazure\"><Mode>Auto</Mode><PackageUrl>https://a.blob.core.windows.net/p/v2.cspkg</PackageUrl><Configuration>{}</Configuration><Label>{}</Label><Force>false</Force></UpgradeDeployment>",
        STANDARD.encode(CSCFG),
        STANDARD.encode("v2")
    );
    let r = api
        .req("POST", &format!("{slot}/?comp=upgrade"), Some(&up))
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!(
        (STANDARD.decode(&d.label).unwrap(), d.role_instances.len()),
        (b"v2".to_vec(), 2)
    );
    expect_error(
        &api,
        "POST",
        &format!("{dep}/?comp=upgrade"),
        Some("<UpgradeDeployment><Configuration>PEE+</Configuration></UpgradeDeployment>"),
        BAD_REQUEST,
        "Configuration",
    )
    .await;

    // No upgrade in progress (Auto completes at once): nothing to walk or roll back.
    let rollback_body = |mode: &str| {
        format!(
            "<RollbackUpdateOrUpgrade><Mode>{mode}</Mode><Force>false</Force></RollbackUpdateOrUpgrade>"
        )
    };
    let walk = |ud: u32| {
        format!("<WalkUpgradeDomain><UpgradeDomain>{ud}</UpgradeDomain></WalkUpgradeDomain>")
    };
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!(
        (d.upgrade_status.clone(), d.rollback_allowed),
        (None, false)
    );
    for (path, body, error, needle) in [
        (
            format!("{dep}?comp=walkupgradedomain"),
            walk(7),
            BAD_REQUEST,
            "UpgradeDomain",
        ),
        (
            format!("{dep}?comp=walkupgradedomain"),
            walk(0),
            CONFLICT,
            "no upgrade in progress",
        ),
        (
            format!("{dep}/?comp=rollback"),
            rollback_body("Auto"),
            CONFLICT,
            "roll back",
        ),
        (
            format!("{dep}/?comp=frobnicate"),
            String::new(),
            (400, "MissingOrInvalidRequiredQueryParameter"),
            "frobnicate",
        ),
    ] {
        expect_error(&api, "POST", &path, Some(&body), error, needle).await;
    }

    // A Manual upgrade (v3, 3 instances) stays in progress: the deployment shows it, other
    // changes wait, domains are walked in order, and a rollback restores v2 (2 instances).
    let manual = format!(
        "<UpgradeDeployment xmlns=\"http://schemas.microsoft.com/windowsazure\"><Mode>Manual</Mode><PackageUrl>https://a.blob.core.windows.net/p/v3.cspkg</PackageUrl><Configuration>{}</Configuration><Label>{}</Label><Force>false</Force></UpgradeDeployment>",
        STANDARD.encode(CSCFG.replace("count=\"2\"", "count=\"3\"")),
        STANDARD.encode("v3")
    );
    let r = api
        .req("POST", &format!("{dep}/?comp=upgrade"), Some(&manual))
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!(STANDARD.decode(&d.label).unwrap(), b"v3".to_vec());
    assert_eq!(d.role_instances.len(), 3);
    assert!(d.rollback_allowed);
    let status = d.upgrade_status.clone().expect("an upgrade in progress");
    assert_eq!(
        (status.upgrade_type.as_str(), status.current_upgrade_domain),
        ("Manual", 0)
    );
    let raw = api.req("GET", &dep, None).await.body;
    assert!(
        raw.contains("<UpgradeStatus><UpgradeType>Manual</UpgradeType><CurrentUpgradeDomainState>Before</CurrentUpgradeDomainState><CurrentUpgradeDomain>0</CurrentUpgradeDomain></UpgradeStatus><UpgradeDomainCount>"),
        "{raw}"
    );
    for (path, body, error, needle) in [
        (
            format!("{dep}/?comp=config"),
            cfg(2),
            CONFLICT,
            "upgrade is in progress",
        ),
        (
            format!("{dep}/?comp=upgrade"),
            up.clone(),
            CONFLICT,
            "upgrade is in progress",
        ),
        (
            format!("{dep}?comp=walkupgradedomain"),
            walk(1),
            BAD_REQUEST,
            "next upgrade domain",
        ),
        (
            format!("{dep}/?comp=rollback"),
            rollback_body("Sideways"),
            BAD_REQUEST,
            "Mode",
        ),
    ] {
        expect_error(&api, "POST", &path, Some(&body), error, needle).await;
    }
    let r = api
        .req(
            "POST",
            &format!("{dep}?comp=walkupgradedomain"),
            Some(&walk(0)),
        )
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let r = api
        .req(
            "POST",
            &format!("{dep}/?comp=rollback"),
            Some(&rollback_body("Auto")),
        )
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!(STANDARD.decode(&d.label).unwrap(), b"v2".to_vec());
    assert_eq!(d.role_instances.len(), 2);
    assert_eq!(
        (d.upgrade_status.clone(), d.rollback_allowed),
        (None, false)
    );
    assert!(
        api.req("GET", "/{s}", None)
            .await
            .body
            .contains("<CurrentCoreCount>2</CurrentCoreCount>")
    );

    // A Manual configuration change walked to its end is complete: no rollback then.
    let manual_cfg = cfg(2).replace("<Mode>Auto</Mode>", "<Mode>Manual</Mode>");
    let r = api
        .req("POST", &format!("{dep}/?comp=config"), Some(&manual_cfg))
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    for ud in 0..2 {
        let d = api.get(&dep, parse_deployment).await;
        assert_eq!(
            d.upgrade_status.map(|u| u.current_upgrade_domain),
            Some(ud),
            "before walking {ud}"
        );
        let r = api
            .req(
                "POST",
                &format!("{dep}?comp=walkupgradedomain"),
                Some(&walk(ud)),
            )
            .await;
        api.assert_accepted_and_succeeded(&r).await;
    }
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!((d.upgrade_status, d.rollback_allowed), (None, false));
    expect_error(
        &api,
        "POST",
        &format!("{dep}/?comp=rollback"),
        Some(&rollback_body("Manual")),
        CONFLICT,
        "roll back",
    )
    .await;

    // Role instances: reboot / reimage / rebuild, then delete one.
    for action in ["reboot", "reimage", "rebuild&resources=allLocalDrives"] {
        let r = api
            .req(
                "POST",
                &format!("{dep}/roleinstances/web_in_1?comp={action}"),
                Some(""),
            )
            .await;
        assert_eq!(r.status, 202, "{action}: {}", r.body);
        api.assert_succeeded(&r.request_id()).await;
    }
    let r = api
        .req(
            "POST",
            &format!("{slot}/roleinstances/Web_IN_0?comp=reboot"),
            Some(""),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let reboot_id = r.request_id();
    for (path, body, error, needle) in [
        (
            format!("{dep}/roleinstances/Web_IN_9?comp=reboot").as_str(),
            Some(""),
            NOT_FOUND,
            "role instance",
        ),
        (
            format!("{dep}/roleinstances/?comp=delete").as_str(),
            Some("<RoleInstances><Name>Web_IN_0</Name><Name>Web_IN_1</Name></RoleInstances>"),
            BAD_REQUEST,
            "at least one",
        ),
    ] {
        expect_error(&api, "POST", path, body, error, needle).await;
    }
    let r = api.req("POST", &format!("{dep}/roleinstances/?comp=delete"), Some("<RoleInstances xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>Web_IN_1</Name></RoleInstances>")).await;
    api.assert_accepted_and_succeeded(&r).await;
    let d = api.get(&dep, parse_deployment).await;
    assert_eq!(d.role_instances.len(), 1);
    assert!(
        api.req("GET", "/{s}", None)
            .await
            .body
            .contains("<CurrentCoreCount>1</CurrentCoreCount>")
    );

    let ops = all_operations(&api).await;
    let name_of = |id: &str| operation_by_id(&ops, id).operation_name.clone();
    assert_eq!(name_of(&config_id), "ChangeDeploymentConfiguration");
    assert_eq!(name_of(&reboot_id), "RebootRoleInstance");
    assert_names_logged(
        &ops,
        &[
            "UpgradeDeployment",
            "WalkUpgradeDomain",
            "RollbackDeploymentUpdateOrUpgrade",
            "ReimageRoleInstance",
            "RebuildRoleInstance",
            "DeleteRoleInstances",
        ],
    );
    api.stop().await;
}

/// A `.pfx` from a client is read on the blocking pool, in one of a few slots, within a
/// key-derivation budget (issue: a file with 10,000,000 iterations froze the runtime).
/// With every slot taken the answer is 503 `ServerBusy` with `Retry-After` at once, while
/// other requests are served; a file asking for more iterations than the server allows
/// is refused before the work is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_pfx_files_are_read_off_the_workers_within_limits() {
    let api = Api::start_with(|config| {
        // The legacy profile derives with 2,048 iterations: allow less.
        config.pfx.max_iterations = 1_000;
        config.pfx.slots = 1;
    })
    .await;
    let hs = "/{s}/services/hostedservices";
    let svc = create_body("pfxsvc", "p", "West US");
    assert_eq!(api.req("POST", hs, Some(&svc)).await.status, 201);
    let certs = format!("{hs}/pfxsvc/certificates");
    let (data, _, _) = pfx("limited", "pw");
    let body = cert_file(&data, "pfx", "pw");
    let r = expect_error(&api, "POST", &certs, Some(&body), BAD_REQUEST, "Data").await;
    assert!(
        r.error().1.contains("above the limit of 1000"),
        "{}",
        r.body
    );

    // Every slot taken (as by a long read): refused at once, others still served.
    let held = api
        .state()
        .file_slots
        .clone()
        .acquire_owned()
        .await
        .unwrap();
    let busy = api.req("POST", &certs, Some(&body)).await;
    assert_eq!(
        (
            busy.status,
            busy.error().0.as_str(),
            busy.header("retry-after")
        ),
        (503, "ServerBusy", Some("5")),
        "{}",
        busy.body
    );
    assert_eq!(api.req("GET", &certs, None).await.status, 200);
    assert_eq!(api.req("GET", "/{s}/certificates", None).await.status, 200);
    drop(held);
    // The slot is back (a .cer, without key derivation, is read in a slot too).
    let (_, cert, _) = pfx("plain", "pw");
    let cer = cert_file(cert.der(), "cer", "");
    assert_eq!(api.req("POST", &certs, Some(&cer)).await.status, 202);
}

/// List Subscription Operations names the object a create made (`OperationObjectId`), not
/// the collection the request went to, and reports 200 for a create answered 201, as the
/// live service did (2015 recordings).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_name_what_they_made_in_the_operation_log() {
    let api = Api::start(Duration::ZERO).await;
    let s = api.sub.clone();
    let label = STANDARD.encode("l");
    // (request id, the object's path, HTTP status of the answer)
    let mut created: Vec<(String, String, u16)> = Vec::new();
    let create = async |path: &str, body: String| {
        let r = api.req("POST", path, Some(&body)).await;
        assert!(matches!(r.status, 200..=202), "{path}: {}", r.body);
        if r.status == 202 {
            api.assert_succeeded(&r.request_id()).await;
        }
        r
    };
    let r = create(
        "/{s}/affinitygroups",
        format!(
            "<CreateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>Grp</Name><Label>{label}</Label><Location>West US</Location></CreateAffinityGroup>"
        ),
    )
    .await;
    created.push((r.request_id(), format!("/{s}/affinitygroups/Grp"), r.status));
    let r = create(
        "/{s}/services/storageservices",
        format!(
            "<CreateStorageServiceInput xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>opsstore</ServiceName><Label>{label}</Label><AffinityGroup>Grp</AffinityGroup></CreateStorageServiceInput>"
        ),
    )
    .await;
    let object = format!("/{s}/services/storageservices/opsstore");
    created.push((r.request_id(), object, r.status));
    let r = create(
        "/{s}/services/hostedservices",
        create_body("opssvc", "l", "West US"),
    )
    .await;
    let object = format!("/{s}/services/hostedservices/opssvc");
    created.push((r.request_id(), object, r.status));
    let r = create(
        "/{s}/services/hostedservices/opssvc/deploymentslots/production",
        deployment_body("opsdep", CSCFG, false),
    )
    .await;
    let object = format!("/{s}/services/hostedservices/opssvc/deployments/opsdep");
    created.push((r.request_id(), object, r.status));
    let (data, cert, _) = pfx("ops service cert", "pw");
    let r = create(
        "/{s}/services/hostedservices/opssvc/certificates",
        cert_file(&data, "pfx", "pw"),
    )
    .await;
    let object = format!(
        "/{s}/services/hostedservices/opssvc/certificates/sha1-{}",
        cert.thumbprint()
    );
    created.push((r.request_id(), object, r.status));
    let r = create(
        "/{s}/services/sqlservers/servers",
        "<Server xmlns=\"http://schemas.microsoft.com/sqlazure/2010/12/\"><AdministratorLogin>azuredb</AdministratorLogin><AdministratorLoginPassword>T5ii-B48x</AdministratorLoginPassword><Location>West US</Location></Server>".into(),
    )
    .await;
    let server = parse_document(r.body.as_bytes()).unwrap().text;
    let object = format!("/{s}/services/sqlservers/servers/{server}");
    created.push((r.request_id(), object, r.status));
    let r = create(
        &format!("/{{s}}/services/sqlservers/servers/{server}/firewallrules"),
        "<ServiceResource xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>All</Name><StartIPAddress>0.0.0.0</StartIPAddress><EndIPAddress>255.255.255.255</EndIPAddress></ServiceResource>".into(),
    )
    .await;
    let object = format!("/{s}/services/sqlservers/servers/{server}/firewallrules/All");
    created.push((r.request_id(), object, r.status));
    assert_eq!(
        created.iter().filter(|c| c.2 == 201).count(),
        4,
        "affinity group, cloud service, SQL server and firewall rule are answered 201"
    );

    let ops = all_operations(&api).await;
    for (id, object, answered) in &created {
        let op = operation_by_id(&ops, id);
        assert!(
            op.operation_object_id.eq_ignore_ascii_case(object),
            "{} names {}, not {object}",
            op.operation_name,
            op.operation_object_id
        );
        let want = if *answered == 201 { 200 } else { *answered };
        let want = if want == 202 { 200 } else { want };
        assert_eq!(
            (op.operation_status.status, op.operation_status.http_status),
            (OperationStatus::Succeeded, Some(want)),
            "{}",
            op.operation_name
        );
    }
    // A failed create names the collection it was sent to.
    let r = api
        .req(
            "POST",
            "/{s}/services/hostedservices",
            Some(&create_body("opssvc", "l", "West US")),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let ops = all_operations(&api).await;
    assert_eq!(
        operation_by_id(&ops, &r.request_id()).operation_object_id,
        format!("/{s}/services/hostedservices")
    );
    api.stop().await;
}
