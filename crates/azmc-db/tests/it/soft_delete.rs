//! Soft delete (migration 12): deleted storage accounts and cloud services kept with their
//! keys, properties and ready certificates, names reserved for their subscription,
//! restored, dropped when created anew, purged after their window. Both backends.

use crate::support::{
    assert_conflict, assert_exists, assert_limit, assert_missing, assert_not_found, at, random_hex,
    subscription_with, thumb,
};
use azmc_db::{
    ConflictReason, Db, Limit, NewAffinityGroup, NewHostedService, NewServiceCertificate,
    NewStorageAccount, Quotas, ResourceKind, StorageAccountStatus,
};

fn account<'a>(sub: &'a str, name: &'a str, group: Option<&'a str>) -> NewStorageAccount<'a> {
    NewStorageAccount {
        subscription_id: sub,
        name,
        label: "kept label",
        description: Some("kept description"),
        location: if group.is_some() {
            None
        } else {
            Some("West US")
        },
        affinity_group: group,
        account_type: "Standard_RAGRS",
        extended_properties: &[],
        primary_key: "cHJpbWFyeQ==",
        secondary_key: "c2Vjb25kYXJ5",
        job: None,
    }
}

fn service<'a>(sub: &'a str, name: &'a str, group: Option<&'a str>) -> NewHostedService<'a> {
    NewHostedService {
        subscription_id: sub,
        name,
        label: "svc label",
        description: Some("svc description"),
        location: if group.is_some() {
            None
        } else {
            Some("West US")
        },
        affinity_group: group,
        extended_properties: &[],
    }
}

async fn group(db: &Db, sub: &str, name: &str) {
    db.create_affinity_group(
        &NewAffinityGroup {
            subscription_id: sub,
            name,
            label: "group",
            description: None,
            location: "West US",
        },
        at(0),
    )
    .await
    .unwrap();
}

pub async fn storage_accounts(db: &Db) {
    let quotas = Quotas {
        max_storage_accounts: 2,
        ..Quotas::default()
    };
    let a = subscription_with(db, &format!("sd{}", random_hex(4)), "keeper", &quotas).await;
    let b = subscription_with(db, &format!("sd{}", random_hex(4)), "other", &quotas).await;
    let props = vec![("k".to_string(), "v".to_string())];
    let created = db
        .create_storage_account(
            &NewStorageAccount {
                extended_properties: &props,
                ..account(&a, "keepme", None)
            },
            at(1),
        )
        .await
        .unwrap();

    // Deleted while still Creating: kept, gone from the live lists, the name reserved.
    db.delete_storage_account(&a, "KeepMe", Some(at(100)), at(10))
        .await
        .unwrap();
    assert_missing(db.get_storage_account(&a, "keepme").await);
    assert!(db.list_storage_accounts(&a).await.unwrap().is_empty());
    let deleted = db.list_deleted_storage_accounts(&a).await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        (deleted[0].deleted_at, deleted[0].purge_at),
        (at(10), at(100))
    );
    assert_eq!(deleted[0].item.name, "keepme");
    assert_eq!(deleted[0].item.primary_key, "cHJpbWFyeQ==");
    assert!(
        db.list_deleted_storage_accounts(&b)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.deleted_storage_account_owner("KEEPME").await.unwrap(),
        Some(a.to_ascii_lowercase())
    );
    assert_eq!(db.storage_account_owner("keepme").await.unwrap(), None);
    let e = db
        .create_storage_account(&account(&b, "keepme", None), at(11))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::StorageAccount);
    let e = db
        .restore_storage_account(&b, "keepme", at(11))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::DeletedStorageAccount);
    // A hard delete (no window) keeps nothing.
    db.create_storage_account(&account(&b, "gone", None), at(11))
        .await
        .unwrap();
    db.delete_storage_account(&b, "gone", None, at(12))
        .await
        .unwrap();
    assert!(
        db.list_deleted_storage_accounts(&b)
            .await
            .unwrap()
            .is_empty()
    );
    assert_missing(
        db.delete_storage_account(&b, "gone", Some(at(99)), at(12))
            .await,
    );

    // A restore over the quota is refused and loses nothing.
    for n in ["fill1", "fill2"] {
        db.create_storage_account(&account(&a, n, None), at(12))
            .await
            .unwrap();
    }
    let e = db
        .restore_storage_account(&a, "keepme", at(13))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::StorageAccounts, 2);
    assert_eq!(db.list_deleted_storage_accounts(&a).await.unwrap().len(), 1);
    db.delete_storage_account(&a, "fill2", None, at(13))
        .await
        .unwrap();

    // Restored with keys and properties, Created.
    let r = db
        .restore_storage_account(&a, "KEEPME", at(14))
        .await
        .unwrap();
    assert_eq!(r.status, StorageAccountStatus::Created);
    assert_eq!(
        (r.primary_key.as_str(), r.secondary_key.as_str()),
        ("cHJpbWFyeQ==", "c2Vjb25kYXJ5")
    );
    assert_eq!(r.extended_properties, props);
    assert_eq!(
        (
            r.label.as_str(),
            r.description.as_deref(),
            r.account_type.as_str()
        ),
        ("kept label", Some("kept description"), "Standard_RAGRS")
    );
    assert_eq!((r.created_at, r.modified_at), (created.created_at, at(14)));
    assert!(
        db.list_deleted_storage_accounts(&a)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.deleted_storage_account_owner("keepme").await.unwrap(),
        None
    );
    assert_missing(db.restore_storage_account(&a, "keepme", at(15)).await);

    // Its affinity group deleted meanwhile: refused until the group exists again.
    db.delete_storage_account(&a, "fill1", None, at(15))
        .await
        .unwrap();
    group(db, &a, "grp").await;
    db.create_storage_account(&account(&a, "ingroup", Some("grp")), at(15))
        .await
        .unwrap();
    db.delete_storage_account(&a, "ingroup", Some(at(200)), at(16))
        .await
        .unwrap();
    db.delete_affinity_group(&a, "grp").await.unwrap();
    let e = db
        .restore_storage_account(&a, "ingroup", at(17))
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::AffinityGroupGone);
    group(db, &a, "GRP").await;
    let r = db
        .restore_storage_account(&a, "ingroup", at(18))
        .await
        .unwrap();
    assert_eq!(r.affinity_group.as_deref(), Some("grp"));

    // The same subscription creating the name anew drops the deleted copy.
    db.delete_storage_account(&a, "keepme", Some(at(100)), at(19))
        .await
        .unwrap();
    let fresh = db
        .create_storage_account(
            &NewStorageAccount {
                primary_key: "bmV3",
                ..account(&a, "keepme", None)
            },
            at(20),
        )
        .await
        .unwrap();
    assert_eq!(fresh.primary_key, "bmV3");
    assert!(
        db.list_deleted_storage_accounts(&a)
            .await
            .unwrap()
            .is_empty()
    );

    // Purged once past the window, not before.
    db.delete_storage_account(&a, "keepme", Some(at(50)), at(21))
        .await
        .unwrap();
    db.delete_storage_account(&a, "ingroup", Some(at(500)), at(21))
        .await
        .unwrap();
    assert_eq!(db.purge_deleted(at(49)).await.unwrap().storage_accounts, 0);
    let purged = db.purge_deleted(at(50)).await.unwrap();
    assert!(purged.storage_accounts >= 1, "{purged:?}");
    let left: Vec<String> = db
        .list_deleted_storage_accounts(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.item.name)
        .collect();
    assert_eq!(left, ["ingroup"]);
    assert_missing(db.restore_storage_account(&a, "keepme", at(51)).await);
    // The purged name is free for everyone again.
    db.create_storage_account(&account(&b, "keepme", None), at(52))
        .await
        .unwrap();
}

pub async fn cloud_services(db: &Db) {
    let quotas = Quotas {
        max_hosted_services: 1,
        ..Quotas::default()
    };
    let a = subscription_with(db, &format!("sd{}", random_hex(4)), "svc keeper", &quotas).await;
    let b = subscription_with(db, &format!("sd{}", random_hex(4)), "svc other", &quotas).await;
    group(db, &a, "svcgroup").await;
    db.create_hosted_service(&service(&a, "soft-svc", Some("svcgroup")), at(1))
        .await
        .unwrap();
    let (ready, adding) = (thumb(&"AA".repeat(20)), thumb(&"BB".repeat(20)));
    for (t, key) in [(&ready, Some(&b"sealed"[..])), (&adding, None)] {
        db.begin_add_service_certificate(
            &a,
            "soft-svc",
            &NewServiceCertificate {
                thumbprint: t,
                der: b"der",
                sealed_key: key,
                job: None,
            },
            at(2),
        )
        .await
        .unwrap();
    }
    db.finish_add_service_certificate(&a, "soft-svc", &ready)
        .await
        .unwrap();

    db.delete_hosted_service(&a, "Soft-Svc", false, Some(at(60)), at(3))
        .await
        .unwrap();
    assert_missing(db.get_hosted_service(&a, "soft-svc").await);
    let deleted = db.list_deleted_hosted_services(&a).await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0].0.item.affinity_group.as_deref(),
        Some("svcgroup")
    );
    assert_eq!(deleted[0].1, 1, "only the ready certificate is kept");
    assert!(
        !db.hosted_service_name_available(&b, "soft-svc")
            .await
            .unwrap()
    );
    assert!(
        db.hosted_service_name_available(&a, "soft-svc")
            .await
            .unwrap()
    );
    let e = db
        .create_hosted_service(&service(&b, "soft-svc", None), at(4))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::HostedService);
    let e = db
        .restore_hosted_service(&b, "soft-svc", at(4))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::DeletedHostedService);

    // At the quota: refused, nothing lost.
    db.create_hosted_service(&service(&a, "filler", None), at(4))
        .await
        .unwrap();
    let e = db
        .restore_hosted_service(&a, "soft-svc", at(5))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::HostedServices, 1);
    db.delete_hosted_service(&a, "filler", false, None, at(5))
        .await
        .unwrap();

    // The group gone: refused; back: restored with its certificate and sealed key.
    db.delete_affinity_group(&a, "svcgroup").await.unwrap();
    let e = db
        .restore_hosted_service(&a, "soft-svc", at(6))
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::AffinityGroupGone);
    group(db, &a, "svcgroup").await;
    let h = db
        .restore_hosted_service(&a, "SOFT-SVC", at(7))
        .await
        .unwrap();
    assert_eq!(
        (h.label.as_str(), h.description.as_deref(), h.modified_at),
        ("svc label", Some("svc description"), at(7))
    );
    let certs = db.list_service_certificates(&a, "soft-svc").await.unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(
        db.service_certificate_sealed_key(&a, "soft-svc", &ready)
            .await
            .unwrap()
            .as_deref(),
        Some(&b"sealed"[..])
    );
    assert!(
        db.list_deleted_hosted_services(&a)
            .await
            .unwrap()
            .is_empty()
    );

    // Deleted with its deployments (comp=media) it is kept too; created anew by its
    // subscription, the copy is dropped; purged with its certificates after the window.
    db.delete_hosted_service(&a, "soft-svc", true, Some(at(60)), at(8))
        .await
        .unwrap();
    db.create_hosted_service(&service(&a, "soft-svc", None), at(9))
        .await
        .unwrap();
    assert!(
        db.list_deleted_hosted_services(&a)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.list_service_certificates(&a, "soft-svc")
            .await
            .unwrap()
            .is_empty()
    );
    db.delete_hosted_service(&a, "soft-svc", false, Some(at(60)), at(10))
        .await
        .unwrap();
    assert_eq!(db.purge_deleted(at(59)).await.unwrap().hosted_services, 0);
    assert!(db.purge_deleted(at(60)).await.unwrap().hosted_services >= 1);
    assert_missing(db.restore_hosted_service(&a, "soft-svc", at(61)).await);
    assert!(
        db.hosted_service_name_available(&b, "soft-svc")
            .await
            .unwrap()
    );
}
