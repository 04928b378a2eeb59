//! The OS images a subscription added: unique names per subscription in any case,
//! label and properties updated (merged), replication regions kept, delete. Both backends.

use crate::support::{assert_exists, assert_missing, at, random_hex, subscription_of};
use azmc_db::{Db, NewOsImage, ResourceKind};

fn new<'a>(sub: &'a str, name: &'a str, props: &'a [(String, String)]) -> NewOsImage<'a> {
    NewOsImage {
        subscription_id: sub,
        name,
        label: "a label",
        os: "Linux",
        media_link: "https://store.blob.example/vhds/os.vhd",
        location: "West US",
        logical_size_gb: 30,
        properties: props,
    }
}

pub async fn story(db: &Db) {
    let a = subscription_of(db, &format!("img{}", random_hex(4))).await;
    let b = subscription_of(db, &format!("img{}", random_hex(4))).await;
    let props = vec![("Eula".to_string(), "http://eula".to_string())];
    let i = db
        .add_os_image(&new(&a, "MyImage", &props), at(1))
        .await
        .unwrap();
    assert_eq!((i.name.as_str(), i.logical_size_gb), ("MyImage", 30));
    assert!(i.replicated_to.is_empty());
    let e = db
        .add_os_image(&new(&a, "myimage", &[]), at(2))
        .await
        .unwrap_err();
    assert_exists(&e, ResourceKind::OsImage);
    // Another subscription may use the name.
    db.add_os_image(&new(&b, "myimage", &[]), at(2))
        .await
        .unwrap();
    assert_eq!(db.list_os_images(&a).await.unwrap().len(), 1);
    assert_missing(db.add_os_image(&new("nope", "x", &[]), at(2)).await);

    let u = db
        .update_os_image(
            &a,
            "MYIMAGE",
            Some("new label"),
            &[("Description".to_string(), String::new())],
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(u.label, "new label");
    assert_eq!(
        u.properties,
        [
            ("Eula".to_string(), "http://eula".to_string()),
            ("Description".to_string(), String::new())
        ]
    );
    assert_eq!(u.modified_at, at(3));
    let r = db
        .replicate_os_image(
            &a,
            "myimage",
            &["West US".into(), "west us".into(), "East US".into()],
            at(4),
        )
        .await
        .unwrap();
    assert_eq!(r.replicated_to, ["West US", "East US"]);
    db.delete_os_image(&a, "myimage").await.unwrap();
    assert_missing(db.get_os_image(&a, "myimage").await);
    assert_missing(db.delete_os_image(&a, "myimage").await);
    assert!(db.get_os_image(&b, "MYIMAGE").await.is_ok());
}
