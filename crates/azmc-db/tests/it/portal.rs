//! The portal's verbs: sessions, linking one certificate to several subscriptions at once
//! (all or nothing), batched certificate uses, and the operation-log search.

use crate::support::{T0, at, cert, new_operation, subscription_of, thumb};
use azmc_db::{
    CertificateUse, Db, DbError, Limit, Limits, OperationOutcome, OperationSearch, OperationStatus,
};

fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

pub async fn sessions(db: &Db) {
    let _ = subscription_of(db, "Sess").await;
    db.create_session(&hash(1), "sess", at(0), at(3600))
        .await
        .unwrap();
    db.create_session(&hash(2), "SESS", at(10), at(3600))
        .await
        .unwrap();
    assert!(matches!(
        db.create_session(&hash(3), "nobody", at(0), at(10)).await,
        Err(DbError::NotFound {
            kind: azmc_db::ResourceKind::Account,
            ..
        })
    ));
    assert!(matches!(
        db.create_session(&hash(1), "sess", at(0), at(10)).await,
        Err(DbError::Conflict { .. })
    ));
    assert!(matches!(
        db.create_session("not-hex", "sess", at(0), at(10)).await,
        Err(DbError::Invalid(_))
    ));
    let s = db.get_session(&hash(1)).await.unwrap().unwrap();
    assert_eq!(s.username, "Sess");
    assert_eq!(
        (s.created_at, s.last_seen_at, s.expires_at),
        (at(0), at(0), at(3600))
    );
    assert_eq!(db.get_session(&hash(9)).await.unwrap(), None);
    assert_eq!(db.get_session("garbage").await.unwrap(), None);

    db.touch_session(&hash(1), at(100)).await.unwrap();
    db.touch_session(&hash(1), at(50)).await.unwrap(); // never backwards
    assert_eq!(
        db.get_session(&hash(1))
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        at(100)
    );

    // a password change keeps the current session and ends the others
    db.create_session(&hash(3), "sess", at(20), at(3600))
        .await
        .unwrap();
    assert_eq!(
        db.delete_sessions_of("SESS", Some(&hash(3))).await.unwrap(),
        2
    );
    assert!(db.get_session(&hash(1)).await.unwrap().is_none());
    assert!(db.get_session(&hash(3)).await.unwrap().is_some());

    // expiry: idle and absolute
    db.create_session(&hash(4), "sess", at(0), at(200))
        .await
        .unwrap();
    db.touch_session(&hash(3), at(500)).await.unwrap();
    assert_eq!(
        db.delete_expired_sessions(at(300), at(300 - 250))
            .await
            .unwrap(),
        1,
        "only the session past its absolute expiry"
    );
    assert_eq!(
        db.delete_expired_sessions(at(1000), at(1000 - 100))
            .await
            .unwrap(),
        1,
        "the idle one"
    );
    assert!(!db.delete_session(&hash(9)).await.unwrap());
    db.create_session(&hash(5), "sess", at(0), at(200))
        .await
        .unwrap();
    assert!(db.delete_session(&hash(5)).await.unwrap());
    assert!(db.get_session(&hash(5)).await.unwrap().is_none());
}

pub async fn link_to_all(db: &Db) {
    let a = subscription_of(db, "multi-a").await;
    let b = subscription_of(db, "multi-b").await;
    let limits = Limits {
        per_subscription: 2,
        per_service_admin: 10,
    };
    db.link_certificate(&b, &cert(1), "test", &limits, T0)
        .await
        .unwrap();
    db.link_certificate(&b, &cert(2), "test", &limits, T0)
        .await
        .unwrap();
    let before = db.links_revision().await.unwrap();
    // b is full: nothing is linked, not even to a
    let e = db
        .link_certificate_to_all(&[&a, &b], &cert(3), "user:x", &limits, T0)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        DbError::LimitExceeded {
            limit: Limit::CertificatesPerSubscription,
            max: 2
        }
    ));
    assert_eq!(db.count_links(&a).await.unwrap(), 0);
    assert_eq!(db.links_revision().await.unwrap(), before);
    // already linked to one of them: a conflict, nothing linked
    assert!(matches!(
        db.link_certificate_to_all(&[&a, &b], &cert(1), "user:x", &limits, T0)
            .await,
        Err(DbError::Conflict { .. })
    ));
    assert_eq!(db.count_links(&a).await.unwrap(), 0);
    assert!(matches!(
        db.link_certificate_to_all(&[&a, &a], &cert(4), "user:x", &limits, T0)
            .await,
        Err(DbError::Invalid(_))
    ));
    assert!(matches!(
        db.link_certificate_to_all(&[], &cert(4), "user:x", &limits, T0)
            .await,
        Err(DbError::Invalid(_))
    ));
    let c = subscription_of(db, "multi-c").await;
    let linked = db
        .link_certificate_to_all(&[&c, &a], &cert(4), "user:x", &limits, at(5))
        .await
        .unwrap();
    assert_eq!(linked.len(), 2);
    assert_eq!(linked[0].subscription_id, c);
    assert_eq!(linked[1].subscription_id, a);
    assert_eq!(linked[1].created_by, "user:x");
    assert_eq!(db.links_revision().await.unwrap(), before + 1);

    // the per-service-administrator limit counts links made earlier in the same call
    db.create_subscription(
        &azmc_db::NewSubscription {
            id: "0000000a-0000-4000-8000-000000000000",
            name: "second of multi-a",
            service_admin: "multi-a",
        },
        &azmc_db::Quotas::default(),
        T0,
    )
    .await
    .unwrap();
    let one_each = Limits {
        per_subscription: 10,
        per_service_admin: 2,
    };
    db.link_certificate_to_all(
        &[&a, "0000000a-0000-4000-8000-000000000000"],
        &cert(5),
        "user:x",
        &one_each,
        T0,
    )
    .await
    .unwrap();
    assert!(matches!(
        db.link_certificate_to_all(
            &["0000000a-0000-4000-8000-000000000000", &a],
            &cert(6),
            "user:x",
            &one_each,
            T0
        )
        .await,
        Err(DbError::LimitExceeded {
            limit: Limit::CertificatesPerServiceAdmin,
            ..
        })
    ));

    // last uses: batched, forward only, unknown links ignored
    let t4 = cert(4).thumbprint;
    assert!(db.certificate_last_uses(&a).await.unwrap().is_empty());
    db.record_certificate_uses(&[
        CertificateUse {
            subscription_id: a.clone(),
            thumbprint: t4,
            at: at(60),
        },
        CertificateUse {
            subscription_id: a.clone(),
            thumbprint: cert(9).thumbprint,
            at: at(60),
        },
    ])
    .await
    .unwrap();
    db.record_certificate_uses(&[CertificateUse {
        subscription_id: a.clone(),
        thumbprint: t4,
        at: at(30),
    }])
    .await
    .unwrap();
    let uses = db.certificate_last_uses(&a).await.unwrap();
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[&t4], at(60));
    assert!(db.certificate_last_uses(&c).await.unwrap().is_empty());
}

pub async fn search(db: &Db) {
    let a = subscription_of(db, "search-a").await;
    let b = subscription_of(db, "search-b").await;
    let other = subscription_of(db, "search-other").await;
    for n in 0..6u32 {
        let sub = if n % 2 == 0 { &a } else { &b };
        let mut op = new_operation(1000 + n, sub, at(i64::from(n) * 10));
        if n == 4 {
            op.caller.thumbprint = None;
            op.caller.user = Some("search-a".into());
            op.object_id = format!("/{a}/certificates/{}", "CD".repeat(20));
        }
        db.insert_operation(&op).await.unwrap();
        if n < 3 {
            db.complete_operation(&op.id, &OperationOutcome::succeeded(200), at(99))
                .await
                .unwrap();
        }
    }
    db.insert_operation(&new_operation(2000, &other, at(0)))
        .await
        .unwrap();
    let all = |s: OperationSearch| async move { db.search_operations(&s).await.unwrap() };
    let base = OperationSearch {
        subscriptions: vec![a.clone(), b.to_uppercase()],
        limit: 100,
        ..OperationSearch::default()
    };
    let got = all(base.clone()).await;
    assert_eq!(got.len(), 6, "never the other user's subscription");
    assert!(
        got.windows(2).all(|w| w[0].started_at >= w[1].started_at),
        "newest first"
    );
    let got = all(OperationSearch {
        start: Some(at(10)),
        end: Some(at(30)),
        ..base.clone()
    })
    .await;
    assert_eq!(got.len(), 3);
    let got = all(OperationSearch {
        status: Some(OperationStatus::InProgress),
        ..base.clone()
    })
    .await;
    assert_eq!(got.len(), 3);
    let got = all(OperationSearch {
        thumbprint: Some(thumb(&"cd".repeat(20))),
        ..base.clone()
    })
    .await;
    assert_eq!(got.len(), 1, "an operation on the certificate");
    assert_eq!(got[0].caller.user.as_deref(), Some("search-a"));
    let got = all(OperationSearch {
        thumbprint: Some(thumb(&"AB".repeat(20))),
        ..base.clone()
    })
    .await;
    assert_eq!(got.len(), 5, "operations made with the certificate");
    let page = all(OperationSearch {
        offset: 4,
        limit: 10,
        ..base.clone()
    })
    .await;
    assert_eq!(page.len(), 2);
    assert!(all(OperationSearch::default()).await.is_empty());
    // Counts: the same filters, paging ignored.
    let count = |s: OperationSearch| async move { db.count_operations(&s).await.unwrap() };
    assert_eq!(count(base.clone()).await, 6);
    let some = OperationSearch {
        start: Some(at(10)),
        end: Some(at(30)),
        offset: 2,
        limit: 1,
        ..base.clone()
    };
    assert_eq!(count(some).await, 3);
    let made_with = OperationSearch {
        thumbprint: Some(thumb(&"AB".repeat(20))),
        status: Some(OperationStatus::InProgress),
        ..base.clone()
    };
    let listed = all(made_with.clone()).await.len();
    assert_eq!(count(made_with).await, listed as u64);
    assert_eq!(count(OperationSearch::default()).await, 0);
}
