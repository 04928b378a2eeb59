//! Races that must be decided by the database, not by luck.

use std::collections::HashSet;
use std::time::Duration;

use azmc_db::{Db, DbError, Limit, Limits, NewJob};

use crate::support::{T0, at, cert, new_operation, subscription_of};

/// 20 tasks link 20 different certificates to one subscription allowing 5: exactly 5
/// succeed, the others are refused by the limit.
pub async fn racing_links(db: &Db) {
    let sub = subscription_of(db, "racer").await;
    let rev0 = db.links_revision().await.unwrap();
    let limits = Limits {
        per_subscription: 5,
        per_service_admin: 100,
    };
    let tasks: Vec<_> = (1..=20u8)
        .map(|n| {
            let (db, sub) = (db.clone(), sub.clone());
            tokio::spawn(async move {
                db.link_certificate(&sub, &cert(n), "bootstrap", &limits, T0)
                    .await
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(DbError::LimitExceeded {
                limit: Limit::CertificatesPerSubscription,
                max: 5,
            }) => refused += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((ok, refused), (5, 15));
    assert_eq!(db.count_links(&sub).await.unwrap(), 5);
    assert_eq!(db.links_revision().await.unwrap(), rev0 + 5);
}

/// Four workers drain ten jobs: every job is claimed exactly once.
pub async fn racing_claims(db: &Db) {
    let sub = subscription_of(db, "worker-owner").await;
    for n in 0..10u32 {
        let op = new_operation(1000 + n, &sub, T0);
        let job = NewJob {
            operation_id: op.id.clone(),
            subscription_id: sub.clone(),
            kind: "Test".into(),
            payload: "{}".into(),
            run_after: T0,
        };
        db.start_async_operation(&op, &job).await.unwrap();
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut empty_rounds = 0;
                while empty_rounds < 3 {
                    match db
                        .claim_job(&format!("w{w}"), at(1), Duration::from_secs(600))
                        .await
                        .unwrap()
                    {
                        Some(job) => {
                            assert_eq!(job.attempts, 1);
                            mine.push(job.id);
                        }
                        None => empty_rounds += 1,
                    }
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 10, "claimed: {all:?}");
    assert_eq!(unique.len(), 10);
}
