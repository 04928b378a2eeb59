//! Virtual machine deployments: the state document created with its disks, changed by
//! compare and swap with the cores checked against the quota and the disk changes made in
//! the same transaction (or none of them), and the disks released when the deployment or
//! its cloud service goes. Both backends.

use crate::support::{
    assert_conflict, assert_limit, assert_not_found, at, random_hex, subscription_with,
};
use azmc_db::{
    ConflictReason, Db, DeploymentStatus, DiskChange, Limit, NewDeployment, NewDisk,
    NewHostedService, Quotas, ResourceKind, VmChange,
};

/// A disk whose blob is named after it (the link leaked: a test's few bytes).
fn disk<'a>(sub: &'a str, name: &'a str, os: Option<&'a str>) -> NewDisk<'a> {
    NewDisk {
        subscription_id: sub,
        name,
        label: name,
        os,
        media_link: String::leak(format!("https://acct.blob.example/vhds/{name}.vhd")),
        location: "West US",
        size_gb: 30,
    }
}

async fn service(db: &Db, sub: &str, name: &str) {
    db.create_hosted_service(
        &NewHostedService {
            subscription_id: sub,
            name,
            label: "svc",
            description: None,
            location: Some("West US"),
            affinity_group: None,
            extended_properties: &[],
        },
        at(1),
    )
    .await
    .unwrap();
}

fn new_deployment<'a>(
    sub: &'a str,
    svc: &'a str,
    roles: &'a [(String, u32)],
    cores: i64,
) -> NewDeployment<'a> {
    NewDeployment {
        subscription_id: sub,
        service: svc,
        slot: "Production",
        name: svc,
        private_id: "0123456789abcdef0123456789abcdef",
        label: "vms",
        package_url: "",
        configuration: "",
        status: DeploymentStatus::Running,
        roles,
        cores,
        extended_properties: &[],
        job: None,
    }
}

fn attached(db_disk: &azmc_db::Disk) -> Option<(&str, &str, &str)> {
    db_disk
        .attached_to
        .as_ref()
        .map(|(s, d, r)| (s.as_str(), d.as_str(), r.as_str()))
}

pub async fn story(db: &Db) {
    let quotas = Quotas {
        max_core_count: 4,
        ..Quotas::default()
    };
    let sub = subscription_with(db, &format!("vm{}", random_hex(4)), "vms", &quotas).await;
    let svc = format!("VmSvc{}", random_hex(3));
    service(db, &sub, &svc).await;
    db.add_disk(&disk(&sub, "spare", None), at(1))
        .await
        .unwrap();
    let roles = vec![("vm1".to_string(), 1)];
    // A disk change that cannot be made leaves nothing behind.
    let bad = [
        DiskChange::Create {
            disk: disk(&sub, "os1", Some("Linux")),
            source_image: Some("img"),
            role: "vm1",
        },
        DiskChange::Attach {
            name: "missing",
            role: "vm1",
        },
    ];
    let e = db
        .create_vm_deployment(
            &new_deployment(&sub, &svc, &roles, 1),
            "{\"v\":1}",
            &bad,
            at(2),
        )
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Disk);
    assert!(db.get_deployment_by_name(&sub, &svc, &svc).await.is_err());
    assert!(db.get_disk(&sub, "os1").await.is_err());
    // Too many cores for the quota.
    let e = db
        .create_vm_deployment(
            &new_deployment(&sub, &svc, &roles, 5),
            "{\"v\":1}",
            &[],
            at(2),
        )
        .await
        .unwrap_err();
    assert_limit(&e, Limit::Cores, 4);

    let good = [
        DiskChange::Create {
            disk: disk(&sub, "os1", Some("Linux")),
            source_image: Some("img"),
            role: "vm1",
        },
        DiskChange::Attach {
            name: "SPARE",
            role: "vm1",
        },
    ];
    let d = db
        .create_vm_deployment(
            &new_deployment(&sub, &svc, &roles, 1),
            "{\"v\":1}",
            &good,
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(d.vm_state.as_deref(), Some("{\"v\":1}"));
    let os1 = db.get_disk(&sub, "os1").await.unwrap();
    assert_eq!(attached(&os1), Some((svc.as_str(), svc.as_str(), "vm1")));
    assert_eq!(os1.source_image.as_deref(), Some("img"));
    assert_eq!(
        attached(&db.get_disk(&sub, "spare").await.unwrap()),
        Some((svc.as_str(), svc.as_str(), "vm1"))
    );
    // An attached disk is neither deleted nor attached again.
    assert_conflict(
        &db.delete_disk(&sub, "spare").await.unwrap_err(),
        ConflictReason::DiskAttached,
    );

    let roles2 = vec![("vm1".to_string(), 1), ("vm2".to_string(), 1)];
    // Compare and swap: a change from a stale document is refused.
    let stale = VmChange {
        subscription_id: &sub,
        service: &d.service_name,
        deployment: &d.name,
        previous: "{\"v\":0}",
        state: "{\"v\":2}",
        roles: &roles2,
        cores: 2,
        disks: &[],
        job: None,
    };
    assert_conflict(
        &db.change_vm_deployment(&stale, at(3)).await.unwrap_err(),
        ConflictReason::Changed,
    );
    // Over the quota: refused, nothing changed.
    let again = [DiskChange::Attach {
        name: "spare",
        role: "vm2",
    }];
    let greedy = VmChange {
        previous: "{\"v\":1}",
        cores: 5,
        ..stale.clone()
    };
    assert_limit(
        &db.change_vm_deployment(&greedy, at(3)).await.unwrap_err(),
        Limit::Cores,
        4,
    );
    let e = db
        .change_vm_deployment(
            &VmChange {
                previous: "{\"v\":1}",
                disks: &again,
                ..stale.clone()
            },
            at(3),
        )
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::DiskAttached);
    let unchanged = db.get_deployment_by_name(&sub, &svc, &svc).await.unwrap();
    assert_eq!(
        (unchanged.vm_state.as_deref(), unchanged.cores),
        (Some("{\"v\":1}"), 1)
    );
    // A new data disk for vm2, spare detached: one transaction.
    let moves = [
        DiskChange::Detach { name: "spare" },
        DiskChange::Create {
            disk: disk(&sub, "data2", None),
            source_image: None,
            role: "vm2",
        },
    ];
    db.change_vm_deployment(
        &VmChange {
            previous: "{\"v\":1}",
            disks: &moves,
            ..stale.clone()
        },
        at(4),
    )
    .await
    .unwrap();
    let now = db.get_deployment_by_name(&sub, &svc, &svc).await.unwrap();
    assert_eq!(
        (now.vm_state.as_deref(), now.cores, now.roles.len()),
        (Some("{\"v\":2}"), 2, 2)
    );
    assert_eq!(attached(&db.get_disk(&sub, "spare").await.unwrap()), None);
    // The name of a new disk is the repository's: taken names conflict.
    let dup = [DiskChange::Create {
        disk: disk(&sub, "DATA2", None),
        source_image: None,
        role: "vm2",
    }];
    let e = db
        .change_vm_deployment(
            &VmChange {
                previous: "{\"v\":2}",
                state: "{\"v\":3}",
                disks: &dup,
                ..stale.clone()
            },
            at(5),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            azmc_db::DbError::Conflict {
                reason: ConflictReason::Exists(ResourceKind::Disk) | ConflictReason::MediaInUse,
                ..
            }
        ),
        "{e:?}"
    );

    // Deleting the deployment detaches its disks; with media they go.
    assert!(
        db.delete_deployment_and_disks(&sub, &svc, &svc, false)
            .await
            .unwrap()
    );
    assert_eq!(attached(&db.get_disk(&sub, "os1").await.unwrap()), None);
    assert_eq!(attached(&db.get_disk(&sub, "data2").await.unwrap()), None);
    let d2 = [DiskChange::Attach {
        name: "os1",
        role: "vm1",
    }];
    db.create_vm_deployment(
        &new_deployment(&sub, &svc, &roles, 1),
        "{\"v\":1}",
        &d2,
        at(6),
    )
    .await
    .unwrap();
    assert!(
        db.delete_deployment_and_disks(&sub, &svc, &svc, true)
            .await
            .unwrap()
    );
    assert!(db.get_disk(&sub, "os1").await.is_err());
    assert!(db.get_disk(&sub, "data2").await.is_ok());
    assert!(
        !db.delete_deployment_and_disks(&sub, &svc, &svc, true)
            .await
            .unwrap()
    );
    // Deleting the cloud service with its deployments takes their disks.
    db.create_vm_deployment(
        &new_deployment(&sub, &svc, &roles, 1),
        "{\"v\":1}",
        &[DiskChange::Attach {
            name: "data2",
            role: "vm1",
        }],
        at(7),
    )
    .await
    .unwrap();
    db.delete_hosted_service(&sub, &svc, true, None, at(8))
        .await
        .unwrap();
    assert!(db.get_disk(&sub, "data2").await.is_err());
    assert!(db.get_disk(&sub, "spare").await.is_ok());
}
