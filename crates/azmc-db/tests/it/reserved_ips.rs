//! Reserved IP addresses, run against both backends.

use crate::support::{
    assert_conflict, assert_exists, assert_limit, assert_missing, assert_not_found, at, names,
    random_hex, subscription_with,
};
use azmc_db::{
    ConflictReason, Db, DeploymentStatus, Limit, NewAffinityGroup, NewDeployment, NewHostedService,
    NewReservedIp, Quotas, ReservedIpStatus, ReservedIpTarget, ReservedIpUse, ResourceKind,
};

async fn subscription(db: &Db, max_reserved_ips: i64) -> String {
    let quotas = Quotas {
        max_reserved_ips,
        ..Quotas::default()
    };
    subscription_with(db, &format!("rip{}", random_hex(4)), "network", &quotas).await
}

fn ip<'a>(sub: &'a str, name: &'a str, location: &'a str) -> NewReservedIp<'a> {
    NewReservedIp {
        subscription_id: sub,
        name,
        id: "b2162824-a159-406a-9f3b-fb22085be63f",
        label: Some("mylabel"),
        location,
        associate: None,
        job: None,
    }
}

fn target<'a>(service: &'a str, deployment: &'a str) -> ReservedIpTarget<'a> {
    ReservedIpTarget {
        service,
        deployment,
        virtual_ip_name: None,
    }
}

/// A cloud service `name` of `sub` in `location` (or in the affinity group `group`) with
/// a deployment `dep-{name}` whose private id is `private_id`.
async fn service_with_deployment(
    db: &Db,
    sub: &str,
    name: &str,
    location: Option<&str>,
    group: Option<&str>,
    private_id: &str,
) {
    db.create_hosted_service(
        &NewHostedService {
            subscription_id: sub,
            name,
            label: "svc",
            description: None,
            location,
            affinity_group: group,
            extended_properties: &[],
        },
        at(1),
    )
    .await
    .unwrap();
    deploy(db, sub, name, private_id).await;
}

async fn deploy(db: &Db, sub: &str, service: &str, private_id: &str) {
    let roles = [("Web".to_string(), 1u32)];
    let name = format!("dep-{service}");
    db.create_deployment(
        &NewDeployment {
            subscription_id: sub,
            service,
            slot: "Production",
            name: &name,
            private_id,
            label: "dep",
            package_url: "https://a.blob.example/p.cspkg",
            configuration: "PFNlcnZpY2VDb25maWd1cmF0aW9uLz4=",
            status: DeploymentStatus::Running,
            roles: &roles,
            cores: 1,
            extended_properties: &[],
            job: None,
        },
        at(2),
    )
    .await
    .unwrap();
}

pub async fn story(db: &Db) {
    let a = subscription(db, 3).await;
    let b = subscription(db, 3).await;
    let made = db
        .create_reserved_ip(&ip(&a, "MyIp", "West US"), at(1))
        .await
        .unwrap();
    assert_eq!(
        (
            made.name.as_str(),
            made.location.as_str(),
            made.label.as_deref()
        ),
        ("MyIp", "West US", Some("mylabel"))
    );
    assert_eq!(made.status, ReservedIpStatus::Creating);
    assert_eq!(made.association, None);
    assert_eq!(made.id, "b2162824-a159-406a-9f3b-fb22085be63f");
    assert!(made.address.starts_with("23."), "{}", made.address);
    // Unique per subscription, any case; the same name is free in another subscription,
    // and every reserved IP of the server has its own address.
    assert_exists(
        &db.create_reserved_ip(&ip(&a, "MYIP", "East US"), at(2))
            .await
            .unwrap_err(),
        ResourceKind::ReservedIp,
    );
    let other = db
        .create_reserved_ip(&ip(&b, "myip", "East US"), at(2))
        .await
        .unwrap();
    assert_ne!(other.address, made.address);
    assert_not_found(
        &db.create_reserved_ip(
            &ip("00000000-0000-4000-8000-00000000dead", "x", "West US"),
            at(2),
        )
        .await
        .unwrap_err(),
        ResourceKind::Subscription,
    );
    // Created by its job; idempotent.
    let created = db
        .mark_reserved_ip_created(&a, "myip", at(3))
        .await
        .unwrap();
    assert_eq!(created.status, ReservedIpStatus::Created);
    assert_eq!(created.modified_at, at(3));
    db.mark_reserved_ip_created(&a, "myip", at(4))
        .await
        .unwrap();
    assert_eq!(db.get_reserved_ip(&a, "MYIP").await.unwrap(), created);
    assert_missing(db.get_reserved_ip(&b, "nope").await);
    // The quota counts every reserved IP of the subscription.
    db.create_reserved_ip(&ip(&a, "second", "West US"), at(5))
        .await
        .unwrap();
    db.create_reserved_ip(&ip(&a, "third", "West US"), at(5))
        .await
        .unwrap();
    let e = db
        .create_reserved_ip(&ip(&a, "fourth", "West US"), at(6))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::ReservedIps, 3);
    assert_missing(db.get_reserved_ip(&a, "fourth").await);
    assert_eq!(
        names(db.list_reserved_ips(&a).await.unwrap(), |r| r.name),
        ["MyIp", "second", "third"]
    );
    assert_eq!(db.subscription_usage(&a).await.unwrap().reserved_ips, 3);
    assert_eq!(db.subscription_usage(&b).await.unwrap().reserved_ips, 1);
    // Delete; a second delete finds nothing; the name and quota are free again.
    db.delete_reserved_ip(&a, "THIRD", None).await.unwrap();
    assert_not_found(
        &db.delete_reserved_ip(&a, "third", None).await.unwrap_err(),
        ResourceKind::ReservedIp,
    );
    db.create_reserved_ip(&ip(&a, "fourth", "West US"), at(7))
        .await
        .unwrap();
    let addresses: std::collections::BTreeSet<_> = db
        .list_reserved_ips(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.address)
        .chain([other.address])
        .collect();
    assert_eq!(addresses.len(), 4, "{addresses:?}");
}

pub async fn associations(db: &Db) {
    let a = subscription(db, 10).await;
    let b = subscription(db, 10).await;
    let svc = format!("ripsvc{}", random_hex(3));
    let east = format!("ripeast{}", random_hex(3));
    let grouped = format!("ripag{}", random_hex(3));
    service_with_deployment(db, &a, &svc, Some("West US"), None, &"1".repeat(32)).await;
    service_with_deployment(db, &a, &east, Some("East US"), None, &"2".repeat(32)).await;
    db.create_affinity_group(
        &NewAffinityGroup {
            subscription_id: &a,
            name: "ripgroup",
            label: "g",
            description: None,
            location: "West US",
        },
        at(1),
    )
    .await
    .unwrap();
    service_with_deployment(db, &a, &grouped, None, Some("ripgroup"), &"3".repeat(32)).await;
    let dep = format!("dep-{svc}");
    db.create_reserved_ip(&ip(&a, "web", "West US"), at(3))
        .await
        .unwrap();
    db.create_reserved_ip(&ip(&b, "web", "West US"), at(3))
        .await
        .unwrap();

    // The cloud service and deployment must be the subscription's, in the same location.
    let e = db
        .associate_reserved_ip(&a, "web", &target("nosuch", &dep), None, at(4))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::HostedService);
    let e = db
        .associate_reserved_ip(&a, "web", &target(&svc, "nosuch"), None, at(4))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Deployment);
    let e = db
        .associate_reserved_ip(&b, "web", &target(&svc, &dep), None, at(4))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::HostedService);
    let e = db
        .associate_reserved_ip(
            &a,
            "web",
            &target(&east, &format!("dep-{east}")),
            None,
            at(4),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::LocationMismatch);
    assert_not_found(
        &db.associate_reserved_ip(&a, "nope", &target(&svc, &dep), None, at(4))
            .await
            .unwrap_err(),
        ResourceKind::ReservedIp,
    );

    // Associated (names in any case); again with the same deployment changes nothing.
    let used = db
        .associate_reserved_ip(&a, "WEB", &target(&svc.to_uppercase(), &dep), None, at(5))
        .await
        .unwrap();
    let expected = ReservedIpUse {
        service_name: svc.clone(),
        deployment_name: dep.clone(),
        virtual_ip_name: None,
    };
    assert_eq!(used.association.as_ref(), Some(&expected));
    db.associate_reserved_ip(&a, "web", &target(&svc, &dep), None, at(6))
        .await
        .unwrap();
    // In use: another deployment cannot take it, it cannot be deleted, and another
    // reserved IP cannot take the same virtual IP of the deployment.
    let e = db
        .associate_reserved_ip(
            &a,
            "web",
            &target(&grouped, &format!("dep-{grouped}")),
            None,
            at(6),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::ReservedIpInUse);
    assert_conflict(
        &db.delete_reserved_ip(&a, "web", None).await.unwrap_err(),
        ConflictReason::ReservedIpInUse,
    );
    db.create_reserved_ip(&ip(&a, "spare", "West US"), at(6))
        .await
        .unwrap();
    let e = db
        .associate_reserved_ip(&a, "spare", &target(&svc, &dep), None, at(6))
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::DeploymentHasReservedIp);
    // ... but a named virtual IP of it is another one; an affinity group's location counts.
    let named = ReservedIpTarget {
        virtual_ip_name: Some("vip2"),
        ..target(&svc, &dep)
    };
    let second = db
        .associate_reserved_ip(&a, "spare", &named, None, at(7))
        .await
        .unwrap();
    assert_eq!(
        second.association.unwrap().virtual_ip_name.as_deref(),
        Some("vip2")
    );
    db.disassociate_reserved_ip(&a, "spare", &named, None, at(7))
        .await
        .unwrap();
    let in_group = db
        .associate_reserved_ip(
            &a,
            "spare",
            &target(&grouped, &format!("dep-{grouped}")),
            None,
            at(7),
        )
        .await
        .unwrap();
    assert_eq!(in_group.association.unwrap().service_name, grouped);

    // Disassociate names the deployment it serves; then it can be deleted.
    let e = db
        .disassociate_reserved_ip(
            &a,
            "web",
            &target(&east, &format!("dep-{east}")),
            None,
            at(8),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::ReservedIpNotAssociated);
    let freed = db
        .disassociate_reserved_ip(&a, "web", &target(&svc, &dep), None, at(8))
        .await
        .unwrap();
    assert_eq!(freed.association, None);
    assert_eq!(freed.modified_at, at(8));
    assert_conflict(
        &db.disassociate_reserved_ip(&a, "web", &target(&svc, &dep), None, at(9))
            .await
            .unwrap_err(),
        ConflictReason::ReservedIpNotAssociated,
    );

    // Created associated; the association ends with its deployment, and a new deployment
    // of the same name does not inherit it.
    let at_create = db
        .create_reserved_ip(
            &NewReservedIp {
                associate: Some(target(&svc, &dep)),
                ..ip(&a, "born", "West US")
            },
            at(10),
        )
        .await
        .unwrap();
    assert_eq!(at_create.association, Some(expected));
    let e = db
        .create_reserved_ip(
            &NewReservedIp {
                associate: Some(target(&east, &format!("dep-{east}"))),
                ..ip(&a, "wrongplace", "West US")
            },
            at(10),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::LocationMismatch);
    assert_missing(db.get_reserved_ip(&a, "wrongplace").await);
    assert!(db.delete_deployment(&a, &svc, &dep).await.unwrap());
    assert_eq!(
        db.get_reserved_ip(&a, "born").await.unwrap().association,
        None
    );
    deploy(db, &a, &svc, &"4".repeat(32)).await;
    assert_eq!(
        db.get_reserved_ip(&a, "born").await.unwrap().association,
        None
    );
    db.delete_reserved_ip(&a, "born", None).await.unwrap();
}

/// Delete, associate and disassociate queue their job in their own transaction.
pub async fn changes_with_their_jobs(db: &Db) {
    let a = subscription(db, 10).await;
    db.create_reserved_ip(&ip(&a, "jobbed", "West US"), at(1))
        .await
        .unwrap();
    let op = crate::support::new_operation(0x7b, &a, at(1));
    let job = azmc_db::NewJob {
        operation_id: op.id.clone(),
        subscription_id: a.clone(),
        kind: "ReservedIPChange".into(),
        payload: "{}".into(),
        run_after: at(1),
    };
    // No operation yet: refused, and nothing deleted.
    assert_not_found(
        &db.delete_reserved_ip(&a, "jobbed", Some(&job))
            .await
            .unwrap_err(),
        ResourceKind::Operation,
    );
    db.get_reserved_ip(&a, "jobbed").await.unwrap();
    db.insert_operation(&op).await.unwrap();
    db.delete_reserved_ip(&a, "jobbed", Some(&job))
        .await
        .unwrap();
    assert_missing(db.get_reserved_ip(&a, "jobbed").await);
    let claimed = db
        .claim_job("w-rip", at(5), std::time::Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the delete's job is queued");
    assert_eq!(claimed.kind, "ReservedIPChange");
}

/// Racing creates: one subscription's quota holds, and creates in different
/// subscriptions never share an address.
pub async fn racing_creates(db: &Db) {
    let a = subscription(db, 3).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = db.clone();
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("race{i}");
            db.create_reserved_ip(&ip(&a, &name, "West US"), at(1))
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(azmc_db::DbError::LimitExceeded { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 3);
    assert_eq!(db.list_reserved_ips(&a).await.unwrap().len(), 3);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let sub = subscription(&db, 5).await;
            db.create_reserved_ip(&ip(&sub, &format!("spread{i}"), "West US"), at(2))
                .await
                .unwrap()
                .address
        }));
    }
    let mut addresses = std::collections::BTreeSet::new();
    for t in tasks {
        assert!(addresses.insert(t.await.unwrap()), "{addresses:?}");
    }
    assert_eq!(addresses.len(), 8);
}
