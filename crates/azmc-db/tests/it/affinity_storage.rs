//! Affinity groups and storage accounts, run against both backends.

use crate::support::{
    assert_conflict, assert_exists, assert_limit, assert_missing, assert_not_found, at, names,
    random_hex, subscription_with,
};
use azmc_db::{
    AffinityGroupUpdate, ConflictReason, Db, DbError, Limit, NewAffinityGroup, NewStorageAccount,
    Quotas, ResourceKind, StorageAccountUpdate, StorageKeyType,
};

async fn subscription(db: &Db, max_storage_accounts: i64) -> String {
    let quotas = Quotas {
        max_storage_accounts,
        ..Quotas::default()
    };
    subscription_with(db, &format!("st{}", random_hex(4)), "storage", &quotas).await
}

fn group<'a>(sub: &'a str, name: &'a str, location: &'a str) -> NewAffinityGroup<'a> {
    NewAffinityGroup {
        subscription_id: sub,
        name,
        label: "group label",
        description: Some("group description"),
        location,
    }
}

fn account_in<'a>(
    sub: &'a str,
    name: &'a str,
    location: Option<&'a str>,
    affinity_group: Option<&'a str>,
    props: &'a [(String, String)],
) -> NewStorageAccount<'a> {
    NewStorageAccount {
        subscription_id: sub,
        name,
        label: "store label",
        description: Some("store description"),
        location,
        affinity_group,
        account_type: "Standard_GRS",
        extended_properties: props,
        primary_key: "cHJpbWFyeQ==",
        secondary_key: "c2Vjb25kYXJ5",
        job: None,
    }
}

pub async fn affinity_groups(db: &Db) {
    let a = subscription(db, 100).await;
    let b = subscription(db, 100).await;
    let g = db
        .create_affinity_group(&group(&a, "MyGroup", "West US"), at(1))
        .await
        .unwrap();
    assert_eq!(g.name, "MyGroup");
    assert_eq!(g.subscription_id, a);
    assert_eq!(g.label, "group label");
    assert_eq!(g.description.as_deref(), Some("group description"));
    assert_eq!(g.location, "West US");
    assert_eq!(g.created_at, at(1));
    // Unique per subscription, any case; the same name is free in another subscription.
    let e = db
        .create_affinity_group(&group(&a, "MYGROUP", "East US"), at(2))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::AffinityGroup);
    db.create_affinity_group(&group(&b, "mygroup", "East US"), at(2))
        .await
        .unwrap();
    let e = db
        .create_affinity_group(
            &group("00000000-0000-4000-8000-00000000dead", "x", "West US"),
            at(2),
        )
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Subscription);
    assert_eq!(db.get_affinity_group(&a, "mygroup").await.unwrap(), g);
    assert_missing(db.get_affinity_group(&a, "other").await);
    db.create_affinity_group(&group(&a, "another", "East Asia"), at(3))
        .await
        .unwrap();
    let names = names(db.list_affinity_groups(&a).await.unwrap(), |g| g.name);
    assert_eq!(names, ["another", "MyGroup"]);
    assert_eq!(db.list_affinity_groups(&b).await.unwrap().len(), 1);

    // Update: None keeps the stored value.
    let u = db
        .update_affinity_group(
            &a,
            "MYGROUP",
            &AffinityGroupUpdate {
                label: Some("new label".into()),
                description: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.label, "new label");
    assert_eq!(u.description.as_deref(), Some("group description"));
    assert_missing(
        db.update_affinity_group(&a, "nope", &AffinityGroupUpdate::default())
            .await,
    );

    // In use while a storage account references it; delete refused until it is gone.
    assert!(!db.affinity_group_in_use(&a, "mygroup").await.unwrap());
    let s = db
        .create_storage_account(
            &account_in(&a, "agstore", None, Some("MYGROUP"), &[]),
            at(4),
        )
        .await
        .unwrap();
    assert_eq!(
        s.affinity_group.as_deref(),
        Some("MyGroup"),
        "the group's spelling"
    );
    assert_eq!(s.location, "West US", "the group's location");
    assert!(db.affinity_group_in_use(&a, "MyGroup").await.unwrap());
    assert!(!db.affinity_group_in_use(&b, "MyGroup").await.unwrap());
    let e = db.delete_affinity_group(&a, "mygroup").await.unwrap_err();
    assert_conflict(&e, ConflictReason::AffinityGroupInUse);
    let members = db
        .list_storage_accounts_in_affinity_group(&a, "mygroup")
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
    // A group of another subscription cannot be used.
    let e = db
        .create_storage_account(&account_in(&b, "bstore", None, Some("another"), &[]), at(4))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::AffinityGroup);
    db.delete_storage_account(&a, "agstore", None, at(90))
        .await
        .unwrap();
    assert!(!db.affinity_group_in_use(&a, "mygroup").await.unwrap());
    db.delete_affinity_group(&a, "MyGroup").await.unwrap();
    assert_missing(db.get_affinity_group(&a, "mygroup").await);
    assert_missing(db.delete_affinity_group(&a, "mygroup").await);
    assert_eq!(db.list_affinity_groups(&b).await.unwrap().len(), 1);
}

pub async fn storage_accounts(db: &Db) {
    let a = subscription(db, 2).await;
    let b = subscription(db, 100).await;
    let props = vec![("ext1".to_string(), "val1".to_string())];
    let s = db
        .create_storage_account(
            &account_in(&a, "store1", Some("West US"), None, &props),
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(s.status.as_str(), "Creating");
    assert_eq!(s.name, "store1");
    assert_eq!(s.location, "West US");
    assert_eq!(s.affinity_group, None);
    assert_eq!(s.account_type, "Standard_GRS");
    assert_eq!(s.extended_properties, props);
    assert_eq!(
        (s.primary_key.as_str(), s.secondary_key.as_str()),
        ("cHJpbWFyeQ==", "c2Vjb25kYXJ5")
    );
    assert_eq!((s.created_at, s.modified_at), (at(1), at(1)));
    // Created by the job; marking again is harmless.
    let c = db
        .mark_storage_account_created(&a, "store1", at(2))
        .await
        .unwrap();
    assert_eq!(c.status.as_str(), "Created");
    assert_eq!(c.modified_at, at(2));
    let c2 = db
        .mark_storage_account_created(&a, "STORE1", at(3))
        .await
        .unwrap();
    assert_eq!(c2, c);
    assert_missing(db.mark_storage_account_created(&a, "gone", at(3)).await);

    // Names are unique across subscriptions (any case).
    let e = db
        .create_storage_account(&account_in(&b, "STORE1", Some("East US"), None, &[]), at(3))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::StorageAccount);
    assert_eq!(
        db.storage_account_owner("store1").await.unwrap().as_deref(),
        Some(a.as_str())
    );
    assert_eq!(db.storage_account_owner("free1").await.unwrap(), None);
    // No location and no group: refused.
    assert!(matches!(
        db.create_storage_account(&account_in(&a, "nowhere", None, None, &[]), at(3))
            .await
            .unwrap_err(),
        DbError::Invalid(_)
    ));

    // The quota, checked in the insert's transaction (Creating accounts count).
    db.create_storage_account(&account_in(&a, "store2", Some("East US"), None, &[]), at(4))
        .await
        .unwrap();
    let e = db
        .create_storage_account(&account_in(&a, "store3", Some("East US"), None, &[]), at(5))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::StorageAccounts, 2);
    assert_eq!(db.subscription_usage(&a).await.unwrap().storage_accounts, 2);
    assert_eq!(db.subscription_usage(&b).await.unwrap().storage_accounts, 0);
    let names = names(db.list_storage_accounts(&a).await.unwrap(), |s| s.name);
    assert_eq!(names, ["store1", "store2"]);
    assert!(db.list_storage_accounts(&b).await.unwrap().is_empty());
    assert_missing(db.get_storage_account(&b, "store1").await);

    // Update: None keeps; extended properties merge.
    let u = db
        .update_storage_account(
            &a,
            "store1",
            &StorageAccountUpdate {
                label: None,
                description: Some("new description".into()),
                account_type: Some("Standard_LRS".into()),
                extended_properties: vec![
                    ("ext1".into(), "changed".into()),
                    ("ext2".into(), "added".into()),
                ],
            },
            at(6),
        )
        .await
        .unwrap();
    assert_eq!(u.label, "store label");
    assert_eq!(u.description.as_deref(), Some("new description"));
    assert_eq!(u.account_type, "Standard_LRS");
    assert_eq!(
        u.extended_properties,
        vec![
            ("ext1".to_string(), "changed".to_string()),
            ("ext2".to_string(), "added".to_string())
        ]
    );
    assert_eq!(u.modified_at, at(6));
    assert_missing(
        db.update_storage_account(&b, "store1", &StorageAccountUpdate::default(), at(6))
            .await,
    );

    // Keys: one at a time.
    let k = db
        .set_storage_account_key(&a, "store1", StorageKeyType::Primary, "bmV3", at(7))
        .await
        .unwrap();
    assert_eq!(
        (k.primary_key.as_str(), k.secondary_key.as_str()),
        ("bmV3", "c2Vjb25kYXJ5")
    );
    let k = db
        .set_storage_account_key(&a, "store1", StorageKeyType::Secondary, "bmV3Mg==", at(8))
        .await
        .unwrap();
    assert_eq!(
        (k.primary_key.as_str(), k.secondary_key.as_str()),
        ("bmV3", "bmV3Mg==")
    );
    assert_missing(
        db.set_storage_account_key(&b, "store1", StorageKeyType::Primary, "x", at(8))
            .await,
    );

    // Delete frees the name and the quota.
    assert_missing(db.delete_storage_account(&b, "store1", None, at(90)).await);
    db.delete_storage_account(&a, "STORE1", None, at(90))
        .await
        .unwrap();
    assert_missing(db.get_storage_account(&a, "store1").await);
    assert_eq!(db.storage_account_owner("store1").await.unwrap(), None);
    db.create_storage_account(&account_in(&b, "store1", Some("East US"), None, &[]), at(9))
        .await
        .unwrap();
    db.create_storage_account(&account_in(&a, "store3", Some("East US"), None, &[]), at(9))
        .await
        .unwrap();
    assert_eq!(db.subscription_usage(&a).await.unwrap().storage_accounts, 2);
}

/// Racing creates never pass the quota, and a name is given out once.
pub async fn racing_creates(db: &Db) {
    let a = subscription(db, 3).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = db.clone();
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("race{i}");
            db.create_storage_account(&account_in(&a, &name, Some("West US"), None, &[]), at(1))
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(DbError::LimitExceeded { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 3);
    assert_eq!(db.list_storage_accounts(&a).await.unwrap().len(), 3);
    let b = subscription(db, 100).await;
    let c = subscription(db, 100).await;
    let (nb, nc) = (
        account_in(&b, "samename", Some("West US"), None, &[]),
        account_in(&c, "samename", Some("West US"), None, &[]),
    );
    let (r1, r2) = tokio::join!(
        db.create_storage_account(&nb, at(2)),
        db.create_storage_account(&nc, at(2)),
    );
    assert!(r1.is_ok() != r2.is_ok(), "{r1:?} {r2:?}");
}

/// An account and the job that finishes its creation commit together: a job that cannot
/// be queued (no such operation, or the operation has one already) leaves no account, and
/// a queued one is there to claim.
pub async fn created_with_their_job(db: &Db) {
    let a = subscription(db, 10).await;
    let op = crate::support::new_operation(0x5a, &a, at(1));
    let job = azmc_db::NewJob {
        operation_id: op.id.clone(),
        subscription_id: a.clone(),
        kind: "CreateStorageService".into(),
        payload: "{}".into(),
        run_after: at(1),
    };
    let with_job = |name| NewStorageAccount {
        job: Some(&job),
        ..account_in(&a, name, Some("East US"), None, &[])
    };
    // No operation yet: refused, and no account.
    assert_not_found(
        &db.create_storage_account(&with_job("jobless"), at(1))
            .await
            .unwrap_err(),
        ResourceKind::Operation,
    );
    assert_missing(db.get_storage_account(&a, "jobless").await);
    db.insert_operation(&op).await.unwrap();
    let made = db
        .create_storage_account(&with_job("withjob"), at(2))
        .await
        .unwrap();
    assert_eq!(made.name, "withjob");
    // The operation has its job now: a second account with it is refused, and not made.
    assert_exists(
        &db.create_storage_account(&with_job("twice"), at(3))
            .await
            .unwrap_err(),
        ResourceKind::Job,
    );
    assert_missing(db.get_storage_account(&a, "twice").await);
    let claimed = db
        .claim_job("w-sa", at(5), std::time::Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the account's job is queued");
    assert_eq!(claimed.operation_id, op.id);
}
