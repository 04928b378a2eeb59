//! The disk repository: names and media links unique per subscription in any case, label
//! and size updated, delete. Both backends.

use crate::support::{
    assert_conflict, assert_exists, assert_missing, at, random_hex, subscription_of,
};
use azmc_db::{ConflictReason, Db, NewDisk, ResourceKind};

fn new<'a>(sub: &'a str, name: &'a str, link: &'a str, os: Option<&'a str>) -> NewDisk<'a> {
    NewDisk {
        subscription_id: sub,
        name,
        label: "a disk",
        os,
        media_link: link,
        location: "West US",
        size_gb: 30,
    }
}

pub async fn story(db: &Db) {
    let a = subscription_of(db, &format!("dsk{}", random_hex(4))).await;
    let b = subscription_of(db, &format!("dsk{}", random_hex(4))).await;
    let link = "https://acct.blob.example/vhds/OS.vhd";
    let d = db
        .add_disk(&new(&a, "OsDisk", link, Some("Linux")), at(1))
        .await
        .unwrap();
    assert_eq!(
        (d.os.as_deref(), d.attached_to.clone()),
        (Some("Linux"), None)
    );
    let data = db
        .add_disk(
            &new(&a, "data", "https://acct.blob.example/vhds/data.vhd", None),
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(data.os, None);
    let e = db
        .add_disk(
            &new(
                &a,
                "osdisk",
                "https://acct.blob.example/vhds/other.vhd",
                None,
            ),
            at(2),
        )
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::Disk);
    let e = db
        .add_disk(&new(&a, "another", &link.to_lowercase(), None), at(2))
        .await
        .unwrap_err();
    assert_conflict(&e, ConflictReason::MediaInUse);
    // Another subscription's disk may use the same name and blob link.
    db.add_disk(&new(&b, "osdisk", link, None), at(2))
        .await
        .unwrap();
    assert_eq!(
        db.list_disks(&a)
            .await
            .unwrap()
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["data", "OsDisk"]
    );
    let u = db
        .update_disk(&a, "OSDISK", Some("relabelled"), Some(60), None, at(3))
        .await
        .unwrap();
    assert_eq!(
        (u.label.as_str(), u.size_gb, u.modified_at),
        ("relabelled", 60, at(3))
    );
    let u = db
        .update_disk(&a, "osdisk", None, None, None, at(4))
        .await
        .unwrap();
    assert_eq!((u.label.as_str(), u.size_gb), ("relabelled", 60));
    assert_missing(db.update_disk(&a, "nope", None, None, None, at(4)).await);
    db.delete_disk(&a, "osdisk").await.unwrap();
    assert_missing(db.delete_disk(&a, "osdisk").await);
    assert_missing(db.get_disk(&a, "osdisk").await);
    // The blob is free again.
    db.add_disk(&new(&a, "again", link, None), at(5))
        .await
        .unwrap();
}
