//! Cloud services and service certificates, run against both backends.

use crate::support::{
    self, assert_conflict, assert_exists, assert_limit, assert_missing, assert_not_found, at,
    names, random_hex, thumb,
};
use azmc_db::{
    ConflictReason, Db, DeploymentStatus, HostedServiceUpdate, Limit, NewDeployment,
    NewHostedService, NewServiceCertificate, Quotas, ResourceKind,
};

async fn subscription(db: &Db, max_hosted_services: i64) -> String {
    subscription_with(db, max_hosted_services, 20).await
}

async fn subscription_with(db: &Db, max_hosted_services: i64, max_core_count: i64) -> String {
    let quotas = Quotas {
        max_hosted_services,
        max_core_count,
        ..Quotas::default()
    };
    support::subscription_with(db, &format!("cs{}", random_hex(4)), "compute", &quotas).await
}

fn svc<'a>(sub: &'a str, name: &'a str, props: &'a [(String, String)]) -> NewHostedService<'a> {
    NewHostedService {
        subscription_id: sub,
        name,
        label: "a label",
        description: Some("a description"),
        location: Some("West US"),
        affinity_group: None,
        extended_properties: props,
    }
}

/// The service `ag-svc` of `sub`, placed in the affinity group `group`.
fn in_group<'a>(sub: &'a str, group: &'a str) -> NewHostedService<'a> {
    NewHostedService {
        location: None,
        affinity_group: Some(group),
        ..svc(sub, "ag-svc", &[])
    }
}

/// How many `Ready` certificates the service has.
async fn cert_count(db: &Db, sub: &str, service: &str) -> usize {
    db.list_service_certificates(sub, service)
        .await
        .unwrap()
        .len()
}

pub async fn story(db: &Db) {
    let a = subscription(db, 2).await;
    let b = subscription(db, 20).await;
    let props = vec![("k1".to_string(), "v1".to_string())];

    // Create, read back, names are case-insensitive and unique across subscriptions.
    let h = db
        .create_hosted_service(&svc(&a, "My-Svc", &props), at(1))
        .await
        .unwrap();
    assert_eq!(h.name, "My-Svc");
    assert_eq!(h.subscription_id, a);
    assert_eq!(h.location.as_deref(), Some("West US"));
    assert_eq!(h.status.as_str(), "Created");
    assert_eq!(h.extended_properties, props);
    assert_eq!((h.created_at, h.modified_at), (at(1), at(1)));
    assert_eq!(db.get_hosted_service(&a, "my-svc").await.unwrap(), h);
    assert!(
        !db.hosted_service_name_available(&a, "MY-SVC")
            .await
            .unwrap()
    );
    assert!(db.hosted_service_name_available(&a, "other").await.unwrap());
    let e = db
        .create_hosted_service(&svc(&b, "my-svc", &[]), at(2))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::HostedService);
    // Not visible from another subscription.
    assert_missing(db.get_hosted_service(&b, "my-svc").await);
    assert!(db.list_hosted_services(&b).await.unwrap().is_empty());
    // An affinity group that the subscription does not have.
    let e = db
        .create_hosted_service(&in_group(&a, "no-such-group"), at(2))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::AffinityGroup);
    // An affinity group of the subscription: the service keeps its stored name, and the
    // group is in use until the service is gone.
    db.create_affinity_group(
        &azmc_db::NewAffinityGroup {
            subscription_id: &a,
            name: "My-Group",
            label: "g",
            description: None,
            location: "West US",
        },
        at(2),
    )
    .await
    .unwrap();
    let in_group = db
        .create_hosted_service(&in_group(&a, "my-group"), at(2))
        .await
        .unwrap();
    assert_eq!(in_group.affinity_group.as_deref(), Some("My-Group"));
    assert_eq!(in_group.location, None);
    assert!(db.affinity_group_in_use(&a, "MY-GROUP").await.unwrap());
    let e = db.delete_affinity_group(&a, "my-group").await.unwrap_err();
    assert!(e.is_conflict(), "{e:?}");
    db.delete_hosted_service(&a, "ag-svc", false, None, at(90))
        .await
        .unwrap();
    assert!(!db.affinity_group_in_use(&a, "my-group").await.unwrap());
    // Unknown subscription.
    let e = db
        .create_hosted_service(
            &svc("00000000-0000-0000-0000-000000000000", "x", &[]),
            at(2),
        )
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Subscription);

    // The quota: the third service of `a` is refused, nothing half-created.
    db.create_hosted_service(&svc(&a, "second", &[]), at(3))
        .await
        .unwrap();
    let e = db
        .create_hosted_service(&svc(&a, "third", &[]), at(4))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::HostedServices, 2);
    assert!(db.hosted_service_name_available(&a, "third").await.unwrap());
    let names = names(db.list_hosted_services(&a).await.unwrap(), |h| h.name);
    assert_eq!(names, ["My-Svc", "second"]);
    assert_eq!(db.subscription_usage(&a).await.unwrap().hosted_services, 2);
    assert_eq!(db.subscription_usage(&b).await.unwrap().hosted_services, 0);

    // Update: label and description replaced, extended properties merged.
    let u = db
        .update_hosted_service(
            &a,
            "MY-SVC",
            &HostedServiceUpdate {
                label: Some("new".into()),
                description: None,
                extended_properties: vec![
                    ("k1".into(), "changed".into()),
                    ("k2".into(), "added".into()),
                ],
            },
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(u.label, "new");
    assert_eq!(u.description.as_deref(), Some("a description"));
    assert_eq!(
        u.extended_properties,
        vec![
            ("k1".into(), "changed".into()),
            ("k2".into(), "added".into())
        ]
    );
    assert_eq!((u.created_at, u.modified_at), (at(1), at(5)));
    assert_missing(
        db.update_hosted_service(&b, "my-svc", &HostedServiceUpdate::default(), at(5))
            .await,
    );

    // Service certificates: invisible while being added, then listed; the sealed key is
    // kept but is not part of the listing.
    let t1 = thumb(&"AB".repeat(20));
    let t2 = thumb(&"cd".repeat(20));
    db.begin_add_service_certificate(
        &a,
        "my-svc",
        &NewServiceCertificate {
            thumbprint: &t1,
            der: b"der1",
            sealed_key: Some(b"sealed"),
            job: None,
        },
        at(6),
    )
    .await
    .unwrap();
    assert!(
        db.list_service_certificates(&a, "my-svc")
            .await
            .unwrap()
            .is_empty()
    );
    assert_missing(db.get_service_certificate(&a, "my-svc", &t1).await);
    db.finish_add_service_certificate(&a, "my-svc", &t1)
        .await
        .unwrap();
    db.finish_add_service_certificate(&a, "my-svc", &t1)
        .await
        .unwrap(); // idempotent
    db.begin_add_service_certificate(
        &a,
        "my-svc",
        &NewServiceCertificate {
            thumbprint: &t2,
            der: b"der2",
            sealed_key: None,
            job: None,
        },
        at(7),
    )
    .await
    .unwrap();
    db.finish_add_service_certificate(&a, "my-svc", &t2)
        .await
        .unwrap();
    let certs = db.list_service_certificates(&a, "My-Svc").await.unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0].thumbprint, t1);
    assert_eq!(certs[0].der, b"der1");
    assert!(certs[0].has_private_key);
    assert_eq!(certs[0].service_name, "My-Svc");
    assert_eq!(certs[1].thumbprint, t2);
    assert!(!certs[1].has_private_key);
    let c = db.get_service_certificate(&a, "my-svc", &t2).await.unwrap();
    assert_eq!(c.created_at, at(7));
    assert_eq!(
        db.service_certificate_sealed_key(&a, "my-svc", &t1)
            .await
            .unwrap(),
        Some(b"sealed".to_vec())
    );
    // Adding again keeps it Ready.
    db.begin_add_service_certificate(
        &a,
        "my-svc",
        &NewServiceCertificate {
            thumbprint: &t1,
            der: b"der1",
            sealed_key: None,
            job: None,
        },
        at(8),
    )
    .await
    .unwrap();
    assert_eq!(cert_count(db, &a, "my-svc").await, 2);
    assert_eq!(
        db.service_certificate_sealed_key(&a, "my-svc", &t1)
            .await
            .unwrap(),
        Some(b"sealed".to_vec()),
        "a .cer re-add keeps the stored key"
    );
    // Wrong subscription / service / thumbprint.
    let e = db
        .begin_add_service_certificate(
            &b,
            "my-svc",
            &NewServiceCertificate {
                thumbprint: &t1,
                der: b"x",
                sealed_key: None,
                job: None,
            },
            at(8),
        )
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::HostedService);
    assert_missing(db.list_service_certificates(&a, "nope").await);
    // Delete: invisible at once, gone when the job finishes; a second delete is 404.
    db.begin_delete_service_certificate(&a, "my-svc", &t2, None)
        .await
        .unwrap();
    assert_eq!(cert_count(db, &a, "my-svc").await, 1);
    let e = db
        .begin_delete_service_certificate(&a, "my-svc", &t2, None)
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Certificate);
    db.finish_delete_service_certificate(&a, "my-svc", &t2)
        .await
        .unwrap();
    db.finish_delete_service_certificate(&a, "my-svc", &t2)
        .await
        .unwrap(); // idempotent
    assert_missing(db.service_certificate_sealed_key(&a, "my-svc", &t2).await);

    // comp=media marks the service Deleting; deleting removes its certificates.
    db.mark_hosted_service_deleting(&a, "second", None)
        .await
        .unwrap();
    assert_eq!(
        db.get_hosted_service(&a, "second")
            .await
            .unwrap()
            .status
            .as_str(),
        "Deleting"
    );
    assert_missing(db.mark_hosted_service_deleting(&b, "second", None).await);
    db.delete_hosted_service(&a, "my-svc", false, None, at(90))
        .await
        .unwrap();
    assert_missing(db.get_hosted_service(&a, "my-svc").await);
    assert_missing(
        db.delete_hosted_service(&a, "my-svc", false, None, at(90))
            .await,
    );
    assert_missing(db.service_certificate_sealed_key(&a, "my-svc", &t1).await);
    assert!(
        db.hosted_service_name_available(&a, "my-svc")
            .await
            .unwrap()
    );
    // The name is free again, in any subscription.
    db.create_hosted_service(&svc(&b, "MY-SVC", &[]), at(9))
        .await
        .unwrap();
    db.delete_hosted_service(&a, "second", true, None, at(90))
        .await
        .unwrap();
    assert_eq!(db.subscription_usage(&a).await.unwrap().hosted_services, 0);
    assert_eq!(db.subscription_usage(&b).await.unwrap().hosted_services, 1);

    // The sealing key: none until one is stored; then the first one stored wins.
    assert_eq!(db.sealing_key().await.unwrap(), None);
    let k1 = db.sealing_key_or_insert(&[1u8; 32]).await.unwrap();
    let k2 = db.sealing_key_or_insert(&[2u8; 32]).await.unwrap();
    assert_eq!(k1, vec![1u8; 32]);
    assert_eq!(k2, k1);
    assert_eq!(db.sealing_key().await.unwrap(), Some(k1));
}

fn dep<'a>(
    sub: &'a str,
    service: &'a str,
    slot: &'a str,
    name: &'a str,
    roles: &'a [(String, u32)],
) -> NewDeployment<'a> {
    NewDeployment {
        subscription_id: sub,
        service,
        slot,
        name,
        private_id: "0123456789abcdef0123456789abcdef",
        label: "dep label",
        package_url: "https://a.blob.example/p.cspkg",
        configuration: "PFNlcnZpY2VDb25maWd1cmF0aW9uLz4=",
        status: DeploymentStatus::Deploying,
        roles,
        cores: roles.iter().map(|(_, n)| i64::from(*n)).sum(),
        extended_properties: &[],
        job: None,
    }
}

/// A base64 service configuration (the database keeps it as given).
const STANDARD_CFG: &str = "PFNlcnZpY2VDb25maWd1cmF0aW9uLz4=";

pub async fn deployments(db: &Db) {
    let a = subscription_with(db, 20, 4).await;
    let other = subscription(db, 20).await;
    db.create_hosted_service(&svc(&a, "depsvc", &[]), at(1))
        .await
        .unwrap();
    let two = vec![("Web".to_string(), 2u32)];
    let d = db
        .create_deployment(&dep(&a, "DEPSVC", "production", "Dep1", &two), at(2))
        .await
        .unwrap();
    assert_eq!(
        (d.slot.as_str(), d.name.as_str(), d.status.as_str()),
        ("Production", "Dep1", "Deploying")
    );
    assert_eq!(d.roles, two);
    assert_eq!(d.service_name, "depsvc");
    assert_eq!(
        db.get_deployment_by_name(&a, "depsvc", "dep1")
            .await
            .unwrap(),
        d
    );
    assert_eq!(
        db.get_deployment_by_slot(&a, "depsvc", "PRODUCTION")
            .await
            .unwrap(),
        d
    );
    assert_missing(db.get_deployment_by_slot(&a, "depsvc", "staging").await);
    assert_missing(db.get_deployment_by_name(&other, "depsvc", "dep1").await);
    assert_eq!(db.subscription_usage(&a).await.unwrap().cores, 2);
    // Slot taken, name taken, cores quota (2 used of 4).
    let e = db
        .create_deployment(&dep(&a, "depsvc", "Production", "x", &two), at(3))
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::SlotTaken);
    let e = db
        .create_deployment(&dep(&a, "depsvc", "Staging", "DEP1", &two), at(3))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::Deployment);
    let three = vec![("Web".to_string(), 3u32)];
    let e = db
        .create_deployment(&dep(&a, "depsvc", "Staging", "big", &three), at(3))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::Cores, 4);
    let e = db
        .create_deployment(&dep(&other, "depsvc", "Staging", "x", &two), at(3))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::HostedService);
    db.create_deployment(&dep(&a, "depsvc", "Staging", "dep2", &two), at(3))
        .await
        .unwrap();
    // A Manual change keeps what it replaced until walked to its end or rolled back.
    let one = vec![("Web".to_string(), 1u32)];
    let manual = |roles: &[(String, u32)], label: &str| azmc_db::DeploymentChange {
        package_url: Some(format!("https://p/{label}.cspkg")),
        label: Some(label.into()),
        configuration: Some((STANDARD_CFG.into(), roles.to_vec(), roles[0].1.into())),
        manual_mode: Some("Manual".into()),
    };
    let e = db
        .walk_upgrade_domain(&a, "depsvc", "dep1", 0, 2, at(3), None)
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::NoUpgradeInProgress);
    let e = db
        .rollback_deployment_change(&a, "depsvc", "dep1", at(3), None)
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::NoUpgradeInProgress);
    let before = db
        .get_deployment_by_name(&a, "depsvc", "dep1")
        .await
        .unwrap();
    let changed = db
        .change_deployment(&a, "depsvc", "dep1", &manual(&one, "v2"), at(3), None)
        .await
        .unwrap();
    assert_eq!((changed.label.as_str(), changed.cores), ("v2", 1));
    let progress = |walked| {
        Some(azmc_db::UpgradeProgress {
            mode: "Manual".into(),
            walked,
        })
    };
    assert_eq!(changed.upgrade, progress(0));
    // The other deployment takes the freed core: restoring two would exceed 4.
    let auto = azmc_db::DeploymentChange {
        configuration: Some((STANDARD_CFG.into(), three.clone(), 3)),
        ..Default::default()
    };
    db.change_deployment(&a, "depsvc", "dep2", &auto, at(3), None)
        .await
        .unwrap();
    let e = db
        .rollback_deployment_change(&a, "depsvc", "dep1", at(4), None)
        .await
        .unwrap_err();
    assert_limit(&e, Limit::Cores, 4);
    let auto = azmc_db::DeploymentChange {
        configuration: Some((STANDARD_CFG.into(), two.clone(), 2)),
        ..Default::default()
    };
    db.change_deployment(&a, "depsvc", "dep2", &auto, at(3), None)
        .await
        .unwrap();
    let back = db
        .rollback_deployment_change(&a, "depsvc", "dep1", at(4), None)
        .await
        .unwrap();
    assert_eq!(
        (
            &back.label,
            &back.package_url,
            &back.configuration,
            &back.roles,
            back.cores,
            &back.upgrade
        ),
        (
            &before.label,
            &before.package_url,
            &before.configuration,
            &before.roles,
            2,
            &None
        )
    );
    assert_eq!(db.subscription_usage(&a).await.unwrap().cores, 4);
    // Walked in order; the last domain ends the upgrade.
    db.change_deployment(&a, "depsvc", "dep1", &manual(&two, "v3"), at(4), None)
        .await
        .unwrap();
    db.walk_upgrade_domain(&a, "depsvc", "dep1", 0, 2, at(4), None)
        .await
        .unwrap();
    let e = db
        .walk_upgrade_domain(&a, "depsvc", "dep1", 0, 2, at(4), None)
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::NoUpgradeInProgress);
    let d = db
        .get_deployment_by_name(&a, "depsvc", "dep1")
        .await
        .unwrap();
    assert_eq!(d.upgrade, progress(1));
    db.walk_upgrade_domain(&a, "depsvc", "dep1", 1, 2, at(4), None)
        .await
        .unwrap();
    let d = db
        .get_deployment_by_name(&a, "depsvc", "dep1")
        .await
        .unwrap();
    assert_eq!((d.upgrade, d.label.as_str()), (None, "v3"));
    assert_missing(
        db.walk_upgrade_domain(&a, "depsvc", "nope", 0, 2, at(4), None)
            .await,
    );

    // Status, swap, and the 409 of a plain service delete.
    db.set_deployment_status(&a, "depsvc", "DEP1", DeploymentStatus::Running, at(4), None)
        .await
        .unwrap();
    assert_missing(
        db.set_deployment_status(&a, "depsvc", "nope", DeploymentStatus::Running, at(4), None)
            .await,
    );
    db.swap_deployments(&a, "depsvc", at(5)).await.unwrap();
    let p = db
        .get_deployment_by_slot(&a, "depsvc", "Production")
        .await
        .unwrap();
    let s = db
        .get_deployment_by_slot(&a, "depsvc", "Staging")
        .await
        .unwrap();
    assert_eq!(
        (p.name.as_str(), s.name.as_str(), s.status.as_str()),
        ("dep2", "Dep1", "Running")
    );
    assert_eq!(s.modified_at, at(5));
    assert_eq!(db.list_deployments(&a, "depsvc").await.unwrap().len(), 2);
    let e = db
        .delete_hosted_service(&a, "depsvc", false, None, at(90))
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::HasDeployments);
    assert!(db.delete_deployment(&a, "depsvc", "dep2").await.unwrap());
    assert!(!db.delete_deployment(&a, "depsvc", "dep2").await.unwrap());
    db.swap_deployments(&a, "depsvc", at(6)).await.unwrap(); // a lone deployment moves
    assert_eq!(
        db.get_deployment_by_slot(&a, "depsvc", "Production")
            .await
            .unwrap()
            .name,
        "Dep1"
    );
    // comp=media: the deployments go with the service.
    db.delete_hosted_service(&a, "depsvc", true, None, at(90))
        .await
        .unwrap();
    assert!(db.list_deployments(&a, "depsvc").await.unwrap().is_empty());
    assert_eq!(db.subscription_usage(&a).await.unwrap().cores, 0);
}

/// Every change that a job finishes commits with its job: when the job cannot be queued
/// (its operation does not exist) nothing changes; when it can, the job is there to claim.
pub async fn changes_with_their_jobs(db: &Db) {
    let a = subscription_with(db, 20, 8).await;
    db.create_hosted_service(&svc(&a, "jobsvc", &[]), at(1))
        .await
        .unwrap();
    let n = std::sync::atomic::AtomicU32::new(0x7000);
    // A job for a new operation; the operation is recorded only if `recorded`.
    let job = |recorded: bool| {
        let a = a.clone();
        let op = support::new_operation(
            n.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            &a,
            at(1),
        );
        async move {
            if recorded {
                db.insert_operation(&op).await.unwrap();
            }
            azmc_db::NewJob {
                operation_id: op.id,
                subscription_id: a,
                kind: "Test".into(),
                payload: "{}".into(),
                run_after: at(1),
            }
        }
    };
    let no_operation = |e: azmc_db::DbError| assert_not_found(&e, ResourceKind::Operation);
    let two = vec![("Web".to_string(), 2u32)];

    // Deployment creation.
    let orphan = job(false).await;
    no_operation(
        db.create_deployment(
            &NewDeployment {
                job: Some(&orphan),
                ..dep(&a, "jobsvc", "production", "jobdep", &two)
            },
            at(2),
        )
        .await
        .unwrap_err(),
    );
    assert_missing(db.get_deployment_by_name(&a, "jobsvc", "jobdep").await);
    let queued = job(true).await;
    db.create_deployment(
        &NewDeployment {
            job: Some(&queued),
            ..dep(&a, "jobsvc", "production", "jobdep", &two)
        },
        at(2),
    )
    .await
    .unwrap();
    let mut jobs = vec![queued.operation_id];

    // A change of a deployment (its end is reported by the job).
    let relabel = azmc_db::DeploymentChange {
        package_url: None,
        label: Some("relabelled".into()),
        configuration: None,
        manual_mode: None,
    };
    let orphan = job(false).await;
    no_operation(
        db.change_deployment(&a, "jobsvc", "jobdep", &relabel, at(2), Some(&orphan))
            .await
            .unwrap_err(),
    );
    let label = |d: azmc_db::Deployment| d.label;
    assert_eq!(
        label(
            db.get_deployment_by_name(&a, "jobsvc", "jobdep")
                .await
                .unwrap()
        ),
        "dep label"
    );
    let queued = job(true).await;
    db.change_deployment(&a, "jobsvc", "jobdep", &relabel, at(2), Some(&queued))
        .await
        .unwrap();
    assert_eq!(
        label(
            db.get_deployment_by_name(&a, "jobsvc", "jobdep")
                .await
                .unwrap()
        ),
        "relabelled"
    );
    jobs.push(queued.operation_id);

    // A deployment's status.
    let orphan = job(false).await;
    no_operation(
        db.set_deployment_status(
            &a,
            "jobsvc",
            "jobdep",
            DeploymentStatus::Deleting,
            at(3),
            Some(&orphan),
        )
        .await
        .unwrap_err(),
    );
    let d = db
        .get_deployment_by_name(&a, "jobsvc", "jobdep")
        .await
        .unwrap();
    assert_eq!(d.status, DeploymentStatus::Deploying);
    let queued = job(true).await;
    db.set_deployment_status(
        &a,
        "jobsvc",
        "jobdep",
        DeploymentStatus::Deleting,
        at(3),
        Some(&queued),
    )
    .await
    .unwrap();
    jobs.push(queued.operation_id);

    // Service certificates: adding, then deleting.
    let t = thumb(&"5C".repeat(20));
    let orphan = job(false).await;
    no_operation(
        db.begin_add_service_certificate(
            &a,
            "jobsvc",
            &NewServiceCertificate {
                thumbprint: &t,
                der: b"der",
                sealed_key: None,
                job: Some(&orphan),
            },
            at(4),
        )
        .await
        .unwrap_err(),
    );
    assert_missing(db.get_service_certificate(&a, "jobsvc", &t).await);
    let queued = job(true).await;
    db.begin_add_service_certificate(
        &a,
        "jobsvc",
        &NewServiceCertificate {
            thumbprint: &t,
            der: b"der",
            sealed_key: None,
            job: Some(&queued),
        },
        at(4),
    )
    .await
    .unwrap();
    jobs.push(queued.operation_id);
    db.finish_add_service_certificate(&a, "jobsvc", &t)
        .await
        .unwrap();
    let orphan = job(false).await;
    no_operation(
        db.begin_delete_service_certificate(&a, "jobsvc", &t, Some(&orphan))
            .await
            .unwrap_err(),
    );
    assert_eq!(cert_count(db, &a, "jobsvc").await, 1, "still listed");
    let queued = job(true).await;
    db.begin_delete_service_certificate(&a, "jobsvc", &t, Some(&queued))
        .await
        .unwrap();
    jobs.push(queued.operation_id);
    assert_eq!(cert_count(db, &a, "jobsvc").await, 0);

    // The service's deletion with its media.
    let orphan = job(false).await;
    no_operation(
        db.mark_hosted_service_deleting(&a, "jobsvc", Some(&orphan))
            .await
            .unwrap_err(),
    );
    let status = |s: azmc_db::HostedService| s.status.as_str().to_string();
    assert_eq!(
        status(db.get_hosted_service(&a, "jobsvc").await.unwrap()),
        "Created"
    );
    let queued = job(true).await;
    db.mark_hosted_service_deleting(&a, "jobsvc", Some(&queued))
        .await
        .unwrap();
    jobs.push(queued.operation_id);
    assert_eq!(
        status(db.get_hosted_service(&a, "jobsvc").await.unwrap()),
        "Deleting"
    );

    // Exactly the jobs of the changes made are queued.
    let mut claimed = Vec::new();
    while let Some(j) = db
        .claim_job("w-cs", at(10), std::time::Duration::from_secs(30))
        .await
        .unwrap()
    {
        claimed.push(j.operation_id);
    }
    claimed.sort();
    jobs.sort();
    assert_eq!(claimed, jobs);
}
