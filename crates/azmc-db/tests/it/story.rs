//! The conformance story: every verb of `Db`, run unchanged against each backend.

use std::time::Duration;

use azmc_pki::Thumbprint;

use azmc_db::{
    Db, DbError, GIVE_UP_MESSAGE, Job, Limit, Limits, NewJob, NewSubscription, OperationFilter,
    OperationOutcome, OperationStatus, Quotas, Role, SubscriptionStatus, Usage,
};

use crate::support::{T0, account, at, cert, names, new_operation};

const S1: &str = "11111111-1111-4111-8111-111111111111";
const S2: &str = "22222222-aaaa-4bbb-8ccc-dddddddddddd";
const S3: &str = "33333333-3333-4333-8333-333333333333";

fn is_not_found(r: Result<impl std::fmt::Debug, DbError>, what: &str) {
    match r {
        Err(DbError::NotFound { kind, .. }) if kind.as_str() == what => {}
        other => panic!("expected NotFound({what}), got {other:?}"),
    }
}

fn is_conflict(r: Result<impl std::fmt::Debug, DbError>, what: &str) {
    match r {
        Err(DbError::Conflict { reason, .. }) if reason.subject() == what => {}
        other => panic!("expected Conflict({what}), got {other:?}"),
    }
}

fn is_bad_request(r: Result<impl std::fmt::Debug, DbError>) {
    match r {
        Err(DbError::Invalid(_)) => {}
        other => panic!("expected BadRequest, got {other:?}"),
    }
}

fn is_limit(r: Result<impl std::fmt::Debug, DbError>, limit: Limit, max: u32) {
    match r {
        Err(DbError::LimitExceeded { limit: l, max: m }) if l == limit && m == max => {}
        other => panic!("expected LimitExceeded({limit:?}, {max}), got {other:?}"),
    }
}

pub async fn story(db: &Db) {
    accounts(db).await;
    subscriptions(db).await;
    coadmins(db).await;
    certificates(db).await;
    operations(db).await;
    jobs(db).await;
    enqueued_jobs(db).await;
    server_ca(db).await;
    retention(db).await;
}

/// Operations past the retention go in batches, oldest first, with their finished jobs;
/// an operation still in progress or with a queued job stays whatever its age.
async fn retention(db: &Db) {
    let finished = |n: u32, t: i64| async move {
        let op = new_operation(n, S1, at(t));
        db.insert_operation(&op).await.unwrap();
        db.complete_operation(&op.id, &azmc_db::OperationOutcome::succeeded(200), at(t))
            .await
            .unwrap();
        op.id
    };
    let old = finished(400, 1).await;
    let running = new_operation(401, S1, at(2));
    db.insert_operation(&running).await.unwrap();
    let (queued, job) = job_for(402, 3);
    db.insert_operation(&queued).await.unwrap();
    db.enqueue_job(&job).await.unwrap();
    let recent = finished(403, 4_000_000).await;
    // The link change log keeps the last revisions asked for; a reader from before them
    // is told to reload everything.
    let rev = db.links_revision().await.unwrap();
    assert!(db.link_changes_since(1).await.unwrap().complete);
    assert!(db.prune_link_changes(2).await.unwrap() > 0);
    assert!(!db.link_changes_since(1).await.unwrap().complete);
    assert!(db.link_changes_since(rev - 2).await.unwrap().complete);
    // Everything else in this database started after t = 5 s.
    assert_eq!(db.delete_operations_before(at(5), 100).await.unwrap(), 1);
    is_not_found(db.get_operation(S1, &old).await, "operation");
    for kept in [&running.id, &queued.id, &recent] {
        db.get_operation(S1, kept).await.unwrap();
    }
    for (n, t) in [(410, 1), (411, 2), (412, 3)] {
        finished(n, t).await;
    }
    assert_eq!(db.delete_operations_before(at(5), 2).await.unwrap(), 2);
    assert_eq!(db.delete_operations_before(at(5), 2).await.unwrap(), 1);
    assert_eq!(db.delete_operations_before(at(5), 2).await.unwrap(), 0);
}

/// A job added to an operation that the request already recorded.
async fn enqueued_jobs(db: &Db) {
    let (op, job) = job_for(300, 50_000);
    db.insert_operation(&op).await.unwrap();
    db.enqueue_job(&job).await.unwrap();
    is_conflict(db.enqueue_job(&job).await, "job");
    let (_, mut orphan) = job_for(301, 50_000);
    orphan.operation_id = format!("{:032x}", 0xdead_u32);
    is_not_found(db.enqueue_job(&orphan).await, "operation");
    // the job runs like any other and completes its operation
    let claimed = loop {
        let j = db
            .claim_job("w-enq", at(50_000), Duration::from_secs(30))
            .await
            .unwrap()
            .expect("a runnable job");
        if j.operation_id == op.id {
            break j;
        }
        db.finish_job(
            j.id,
            "w-enq",
            &azmc_db::OperationOutcome::succeeded(200),
            at(50_000),
        )
        .await
        .unwrap();
    };
    db.finish_job(
        claimed.id,
        "w-enq",
        &azmc_db::OperationOutcome::succeeded(202),
        at(50_001),
    )
    .await
    .unwrap();
    let done = db.get_operation(S1, &op.id).await.unwrap();
    assert_eq!(done.status, azmc_db::OperationStatus::Succeeded);
}

async fn accounts(db: &Db) {
    for name in ["Alice", "bob", "carol"] {
        db.create_account(&account(name)).await.unwrap();
    }
    is_conflict(db.create_account(&account("ALICE")).await, "account");
    is_bad_request(db.create_account(&account("")).await);
    is_bad_request(db.create_account(&account(" padded")).await);

    let alice = db.get_account("aLiCe").await.unwrap();
    assert_eq!(alice, account("Alice"));
    assert_eq!(alice.username, "Alice", "stored as given");
    is_not_found(db.get_account("nobody").await, "account");

    let names = names(db.list_accounts().await.unwrap(), |a| a.username);
    assert_eq!(names, ["Alice", "bob", "carol"]);

    db.set_password("BOB", "$argon2id$new").await.unwrap();
    assert_eq!(
        db.get_account("bob").await.unwrap().password_hash,
        "$argon2id$new"
    );
    is_not_found(db.set_password("nobody", "x").await, "account");
}

async fn subscriptions(db: &Db) {
    let quotas = Quotas {
        max_core_count: 8,
        ..Quotas::default()
    };
    let s1 = db
        .create_subscription(
            &NewSubscription {
                id: S1,
                name: "One",
                service_admin: "alice",
            },
            &quotas,
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(s1.service_admin, "Alice");
    assert_eq!(s1.status, SubscriptionStatus::Active);
    assert_eq!(s1.quotas, quotas);
    assert_eq!(s1.created_at, T0);
    // Upper-case id, differently cased admin name: both normalised.
    db.create_subscription(
        &NewSubscription {
            id: &S2.to_uppercase(),
            name: "Two",
            service_admin: "ALICE",
        },
        &Quotas::default(),
        at(1),
    )
    .await
    .unwrap();
    db.create_subscription(
        &NewSubscription {
            id: S3,
            name: "Three",
            service_admin: "bob",
        },
        &Quotas::default(),
        at(2),
    )
    .await
    .unwrap();

    let dup = NewSubscription {
        id: S1,
        name: "again",
        service_admin: "bob",
    };
    is_conflict(
        db.create_subscription(&dup, &Quotas::default(), at(3))
            .await,
        "subscription",
    );
    let orphan = NewSubscription {
        id: "44444444-4444-4444-8444-444444444444",
        name: "orphan",
        service_admin: "nobody",
    };
    is_not_found(
        db.create_subscription(&orphan, &Quotas::default(), at(3))
            .await,
        "account",
    );
    let bad = NewSubscription {
        id: "not-a-guid",
        name: "bad",
        service_admin: "bob",
    };
    is_bad_request(
        db.create_subscription(&bad, &Quotas::default(), at(3))
            .await,
    );

    let s2 = db.get_subscription(&S2.to_uppercase()).await.unwrap();
    assert_eq!(s2.id, S2);
    assert_eq!(s2.name, "Two");
    assert_eq!(s2.service_admin, "Alice");
    assert_eq!(s2.quotas, Quotas::default());
    assert_eq!(db.get_subscription(S1).await.unwrap(), s1);
    is_not_found(
        db.get_subscription("44444444-4444-4444-8444-444444444444")
            .await,
        "subscription",
    );

    let ids: Vec<String> = db
        .list_subscriptions()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, [S1, S2, S3]);
    assert_eq!(db.subscription_count().await.unwrap(), 3);

    let rev = db.links_revision().await.unwrap();
    db.set_subscription_status(S3, SubscriptionStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(
        db.get_subscription(S3).await.unwrap().status,
        SubscriptionStatus::Disabled
    );
    assert_eq!(db.links_revision().await.unwrap(), rev + 1);
    let changes = db.link_changes_since(rev).await.unwrap();
    assert!(changes.complete && changes.thumbprints.is_empty());
    assert_eq!(changes.subscriptions, [S3.to_ascii_lowercase()]);
    is_not_found(
        db.set_subscription_status(
            "44444444-4444-4444-8444-444444444444",
            SubscriptionStatus::Active,
        )
        .await,
        "subscription",
    );
    assert_eq!(db.links_revision().await.unwrap(), rev + 1);

    assert_eq!(db.subscription_usage(S1).await.unwrap(), Usage::default());
    is_not_found(
        db.subscription_usage("44444444-4444-4444-8444-444444444444")
            .await,
        "subscription",
    );
}

async fn coadmins(db: &Db) {
    db.add_coadmin(S1, "bob").await.unwrap();
    is_conflict(db.add_coadmin(&S1.to_uppercase(), "BOB").await, "coadmin");
    is_conflict(db.add_coadmin(S1, "alice").await, "coadmin");
    is_not_found(db.add_coadmin(S1, "nobody").await, "account");
    is_not_found(
        db.add_coadmin("44444444-4444-4444-8444-444444444444", "bob")
            .await,
        "subscription",
    );
    db.add_coadmin(S1, "Carol").await.unwrap();
    assert_eq!(db.list_coadmins(S1).await.unwrap(), ["bob", "carol"]);
    db.remove_coadmin(S1, "CAROL").await.unwrap();
    is_not_found(db.remove_coadmin(S1, "carol").await, "coadmin");
    assert_eq!(db.list_coadmins(S1).await.unwrap(), ["bob"]);
    assert!(db.list_coadmins(S2).await.unwrap().is_empty());
    is_not_found(
        db.list_coadmins("44444444-4444-4444-8444-444444444444")
            .await,
        "subscription",
    );

    let roles = |v: Vec<(azmc_db::Subscription, Role)>| {
        v.into_iter().map(|(s, r)| (s.id, r)).collect::<Vec<_>>()
    };
    assert_eq!(
        roles(db.subscriptions_for_user("BOB").await.unwrap()),
        [
            (S3.to_owned(), Role::ServiceAdministrator),
            (S1.to_owned(), Role::CoAdministrator)
        ]
    );
    assert_eq!(
        roles(db.subscriptions_for_user("alice").await.unwrap()),
        [
            (S1.to_owned(), Role::ServiceAdministrator),
            (S2.to_owned(), Role::ServiceAdministrator)
        ]
    );
    assert!(db.subscriptions_for_user("carol").await.unwrap().is_empty());
    assert!(
        db.subscriptions_for_user("nobody")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn certificates(db: &Db) {
    let limits = Limits {
        per_subscription: 3,
        per_service_admin: 4,
    };
    let rev = db.links_revision().await.unwrap();

    let l1 = db
        .link_certificate(S1, &cert(0xa1), "bootstrap", &limits, at(10))
        .await
        .unwrap();
    assert_eq!(l1.certificate, cert(0xa1));
    assert_eq!(l1.subscription_id, S1);
    assert_eq!(l1.created_at, at(10));
    assert_eq!(l1.created_by, "bootstrap");
    assert_eq!(db.links_revision().await.unwrap(), rev + 1);
    // The change log says what the bump changed.
    let changes = db.link_changes_since(rev).await.unwrap();
    assert_eq!(
        changes,
        azmc_db::LinkChanges {
            revision: rev + 1,
            thumbprints: vec![cert(0xa1).thumbprint],
            subscriptions: vec![S1.to_ascii_lowercase()],
            complete: true,
        }
    );
    let links = db
        .links_of(&[cert(0xa1).thumbprint, cert(0xee).thumbprint])
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].subscription_id.as_str(), &links[0].der),
        (S1.to_ascii_lowercase().as_str(), &cert(0xa1).der)
    );
    let none = db.link_changes_since(rev + 1).await.unwrap();
    assert!(none.complete && none.thumbprints.is_empty() && none.revision == rev + 1);

    is_conflict(
        db.link_certificate(S1, &cert(0xa1), "user:alice", &limits, at(11))
            .await,
        "certificate",
    );
    assert_eq!(
        db.links_revision().await.unwrap(),
        rev + 1,
        "no bump on failure"
    );

    let by = format!("cert:{}", cert(0xa1).thumbprint);
    db.link_certificate(S1, &cert(0xa2), &by, &limits, at(12))
        .await
        .unwrap();
    db.link_certificate(S1, &cert(0xa3), "user:Alice", &limits, at(13))
        .await
        .unwrap();
    assert_eq!(db.count_links(S1).await.unwrap(), 3);
    is_limit(
        db.link_certificate(S1, &cert(0xa4), "bootstrap", &limits, at(14))
            .await,
        Limit::CertificatesPerSubscription,
        3,
    );

    // Alice administers S1 and S2: 4 distinct certificates at most across both. A
    // certificate she already has does not count twice.
    db.link_certificate(S2, &cert(0xa1), "bootstrap", &limits, at(15))
        .await
        .unwrap();
    db.link_certificate(S2, &cert(0xa4), "bootstrap", &limits, at(16))
        .await
        .unwrap();
    is_limit(
        db.link_certificate(S2, &cert(0xa5), "bootstrap", &limits, at(17))
            .await,
        Limit::CertificatesPerServiceAdmin,
        4,
    );
    db.link_certificate(S2, &cert(0xa2), "bootstrap", &limits, at(18))
        .await
        .unwrap();
    assert_eq!(db.count_links(S2).await.unwrap(), 3);
    // Bob's subscription has its own budget.
    db.link_certificate(S3, &cert(0xa5), "bootstrap", &limits, at(19))
        .await
        .unwrap();
    assert_eq!(db.links_revision().await.unwrap(), rev + 7);

    is_not_found(
        db.link_certificate(
            "44444444-4444-4444-8444-444444444444",
            &cert(0xb1),
            "bootstrap",
            &limits,
            at(20),
        )
        .await,
        "subscription",
    );
    let got = db
        .get_linked_certificate(&S2.to_uppercase(), &cert(0xa1).thumbprint)
        .await
        .unwrap();
    assert_eq!(got.certificate, cert(0xa1));
    assert_eq!(got.subscription_id, S2);
    assert_eq!(got.created_at, at(15));
    is_not_found(
        db.get_linked_certificate(S3, &cert(0xa1).thumbprint).await,
        "certificate",
    );

    let listed: Vec<Thumbprint> = db
        .list_linked_certificates(S1)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.certificate.thumbprint)
        .collect();
    assert_eq!(
        listed,
        [cert(0xa1), cert(0xa2), cert(0xa3)].map(|c| c.thumbprint)
    );
    let s1_links = db.list_linked_certificates(S1).await.unwrap();
    assert_eq!(s1_links[1].created_by, by);

    let links = db.all_links().await.unwrap();
    assert_eq!(links.len(), 7);
    // Page by page (3 at a time), the same links in the same order.
    let mut paged = Vec::new();
    loop {
        let after = paged
            .last()
            .map(|l: &azmc_db::Link| (l.subscription_id.clone(), l.thumbprint));
        let page = db
            .links_after(after.as_ref().map(|(s, t)| (s.as_str(), t)), 3)
            .await
            .unwrap();
        let done = page.len() < 3;
        paged.extend(page);
        if done {
            break;
        }
    }
    assert_eq!(paged, links);
    let l = links
        .iter()
        .find(|l| l.subscription_id == S3)
        .expect("S3 link");
    assert_eq!(l.thumbprint, cert(0xa5).thumbprint);
    assert_eq!(l.not_before, cert(0xa5).not_before);
    assert_eq!(l.not_after, cert(0xa5).not_after);

    // Unlink a certificate used only by S1: its row goes (a new link stores the new
    // subject). Unlink a shared one: its row stays (the old subject is kept).
    let rev = db.links_revision().await.unwrap();
    db.unlink_certificate(S1, &cert(0xa3).thumbprint)
        .await
        .unwrap();
    assert_eq!(db.links_revision().await.unwrap(), rev + 1);
    is_not_found(
        db.unlink_certificate(S1, &cert(0xa3).thumbprint).await,
        "certificate",
    );
    assert_eq!(db.links_revision().await.unwrap(), rev + 1);
    let mut renamed = cert(0xa3);
    renamed.subject = "CN=renamed".into();
    let relinked = db
        .link_certificate(S3, &renamed, "bootstrap", &limits, at(21))
        .await
        .unwrap();
    assert_eq!(
        relinked.certificate.subject, "CN=renamed",
        "row was deleted"
    );

    db.unlink_certificate(S1, &cert(0xa1).thumbprint)
        .await
        .unwrap();
    let mut renamed = cert(0xa1);
    renamed.subject = "CN=renamed".into();
    let relinked = db
        .link_certificate(S1, &renamed, "bootstrap", &limits, at(22))
        .await
        .unwrap();
    assert_eq!(
        relinked.certificate.subject,
        cert(0xa1).subject,
        "row is shared"
    );
    assert_eq!(db.count_links(S1).await.unwrap(), 2);
    assert_eq!(db.all_links().await.unwrap().len(), 7);
    assert_eq!(db.links_revision().await.unwrap(), rev + 4);

    // Disabled, a link still counts and is listed, but the index no longer reads it;
    // each change is a revision with its change record; enabled, it is back.
    let t = cert(0xa1).thumbprint;
    assert!(db.set_link_disabled(S1, &t, Some(at(23))).await.unwrap());
    assert!(!db.set_link_disabled(S1, &t, Some(at(24))).await.unwrap());
    assert_eq!(db.links_revision().await.unwrap(), rev + 5);
    let changes = db.link_changes_since(rev + 4).await.unwrap();
    assert_eq!(changes.thumbprints, vec![t]);
    assert_eq!(db.count_links(S1).await.unwrap(), 2);
    let listed = db.get_linked_certificate(S1, &t).await.unwrap();
    assert_eq!(listed.disabled_at, Some(at(23)));
    assert_eq!(db.all_links().await.unwrap().len(), 6);
    assert!(
        !db.all_links()
            .await
            .unwrap()
            .iter()
            .any(|l| l.subscription_id == S1 && l.thumbprint == t)
    );
    assert!(
        db.links_of(&[t])
            .await
            .unwrap()
            .iter()
            .all(|l| l.subscription_id != S1)
    );
    assert!(
        db.links_after(None, 100)
            .await
            .unwrap()
            .iter()
            .all(|l| !(l.subscription_id == S1 && l.thumbprint == t))
    );
    assert!(db.set_link_disabled(S1, &t, None).await.unwrap());
    assert_eq!(
        db.get_linked_certificate(S1, &t).await.unwrap().disabled_at,
        None
    );
    assert_eq!(db.all_links().await.unwrap().len(), 7);
    assert_eq!(db.links_revision().await.unwrap(), rev + 6);
    is_not_found(
        db.set_link_disabled(S2, &cert(0xa3).thumbprint, None).await,
        "certificate",
    );
}

fn filter(page_size: u32) -> OperationFilter {
    OperationFilter {
        start: at(0),
        end: at(86_400),
        object_id: None,
        status: None,
        continuation: None,
        page_size,
    }
}

async fn operations(db: &Db) {
    // Seven operations of S1, one of S2. Operations 3 and 4 start at the same instant, on
    // both sides of the first page boundary (page size 3): id decides their order.
    let times = [100, 200, 300, 300, 400, 500, 600];
    for (n, t) in times.iter().enumerate() {
        db.insert_operation(&new_operation(n as u32 + 1, S1, at(*t)))
            .await
            .unwrap();
    }
    db.insert_operation(&new_operation(99, S2, at(150)))
        .await
        .unwrap();

    is_conflict(
        db.insert_operation(&new_operation(1, S1, at(100))).await,
        "operation",
    );
    is_not_found(
        db.insert_operation(&new_operation(
            50,
            "44444444-4444-4444-8444-444444444444",
            at(100),
        ))
        .await,
        "subscription",
    );
    let mut bad = new_operation(51, S1, at(100));
    bad.id = "not-hex".into();
    is_bad_request(db.insert_operation(&bad).await);

    let id1 = format!("{:032x}", 1);
    let id2 = format!("{:032x}", 2);
    db.complete_operation(&id1, &OperationOutcome::succeeded(200), at(110))
        .await
        .unwrap();
    is_conflict(
        db.complete_operation(&id1, &OperationOutcome::succeeded(200), at(111))
            .await,
        "operation",
    );
    is_not_found(
        db.complete_operation(
            &format!("{:032x}", 77),
            &OperationOutcome::succeeded(200),
            at(111),
        )
        .await,
        "operation",
    );
    let in_progress = OperationOutcome {
        status: OperationStatus::InProgress,
        http_status: 200,
        error_code: None,
        error_message: None,
    };
    is_bad_request(db.complete_operation(&id2, &in_progress, at(111)).await);
    db.complete_operation(
        &id2.to_uppercase(),
        &OperationOutcome::failed(409, "ConflictError", "It already exists."),
        at(210),
    )
    .await
    .unwrap();

    // Both id forms, any case.
    let hyphenated = "00000000-0000-0000-0000-000000000001".to_uppercase();
    let op1 = db
        .get_operation(&S1.to_uppercase(), &hyphenated)
        .await
        .unwrap();
    assert_eq!(op1.id, id1);
    assert_eq!(op1.subscription_id, S1);
    assert_eq!(op1.status, OperationStatus::Succeeded);
    assert_eq!(op1.http_status, Some(200));
    assert_eq!(op1.error_code, None);
    assert_eq!(op1.started_at, at(100));
    assert_eq!(op1.completed_at, Some(at(110)));
    let expected = new_operation(1, S1, at(100));
    assert_eq!(op1.name, expected.name);
    assert_eq!(op1.object_id, expected.object_id);
    assert_eq!(op1.parameters, expected.parameters);
    assert_eq!(op1.caller, expected.caller);
    let op2 = db.get_operation(S1, &id2.to_uppercase()).await.unwrap();
    assert_eq!(op2.status, OperationStatus::Failed);
    assert_eq!(op2.http_status, Some(409));
    assert_eq!(op2.error_code.as_deref(), Some("ConflictError"));
    assert_eq!(op2.error_message.as_deref(), Some("It already exists."));
    let op3 = db.get_operation(S1, &format!("{:032x}", 3)).await.unwrap();
    assert_eq!(op3.status, OperationStatus::InProgress);
    assert_eq!((op3.http_status, op3.completed_at), (None, None));
    is_not_found(db.get_operation(S2, &id1).await, "operation");
    is_not_found(db.get_operation(S1, "garbage").await, "operation");

    // Paging: 7 operations, 3 per page.
    let mut f = filter(3);
    let mut pages = Vec::new();
    loop {
        let page = db.list_operations(S1, &f).await.unwrap();
        pages.push(
            page.operations
                .iter()
                .map(|o| o.id.clone())
                .collect::<Vec<_>>(),
        );
        match page.continuation {
            Some(token) => f.continuation = Some(token),
            None => break,
        }
        assert!(pages.len() < 10, "paging does not end");
    }
    let ids = |ns: &[u32]| ns.iter().map(|n| format!("{n:032x}")).collect::<Vec<_>>();
    assert_eq!(pages, [ids(&[1, 2, 3]), ids(&[4, 5, 6]), ids(&[7])]);
    // Exactly one page's worth: no continuation.
    let mut f = filter(7);
    let page = db.list_operations(S1, &f).await.unwrap();
    assert_eq!((page.operations.len(), page.continuation), (7, None));
    f.page_size = 0;
    assert_eq!(
        db.list_operations(S1, &f).await.unwrap().operations.len(),
        7
    );

    // Filters.
    let mut f = filter(100);
    f.status = Some(OperationStatus::Succeeded);
    let page = db.list_operations(S1, &f).await.unwrap();
    assert_eq!(
        page.operations.iter().map(|o| &o.id).collect::<Vec<_>>(),
        [&id1]
    );
    let mut f = filter(100);
    f.object_id = Some(new_operation(2, S1, at(0)).object_id.to_uppercase());
    let page = db.list_operations(S1, &f).await.unwrap();
    assert_eq!(page.operations.len(), 1);
    assert_eq!(page.operations[0], op2);
    let mut f = filter(100);
    f.start = at(300);
    f.end = at(400);
    let page = db.list_operations(S1, &f).await.unwrap();
    assert_eq!(
        page.operations
            .iter()
            .map(|o| o.id.clone())
            .collect::<Vec<_>>(),
        ids(&[3, 4, 5])
    );
    let page = db.list_operations(S2, &filter(100)).await.unwrap();
    assert_eq!(page.operations.len(), 1);

    let mut f = filter(3);
    f.continuation = Some("not a token!".into());
    is_bad_request(db.list_operations(S1, &f).await);

    // After a crash: operations 3..=5 of S1 and 99 of S2 (started before 450 s, no job)
    // fail; 6 and 7 stay.
    let n = db
        .fail_interrupted_operations(at(450), at(1000), "the server restarted")
        .await
        .unwrap();
    assert_eq!(n, 4);
    let op3 = db.get_operation(S1, &format!("{:032x}", 3)).await.unwrap();
    assert_eq!(op3.status, OperationStatus::Failed);
    assert_eq!(op3.http_status, Some(500));
    assert_eq!(op3.error_code.as_deref(), Some("InternalError"));
    assert_eq!(op3.error_message.as_deref(), Some("the server restarted"));
    assert_eq!(op3.completed_at, Some(at(1000)));
    let op6 = db.get_operation(S1, &format!("{:032x}", 6)).await.unwrap();
    assert_eq!(op6.status, OperationStatus::InProgress);
    // Untouched: already completed.
    assert_eq!(db.get_operation(S1, &id1).await.unwrap(), op1);
    // Clean up the rest so the job story starts with no job-less operation in progress.
    let n = db
        .fail_interrupted_operations(at(86_400), at(1000), "the server restarted")
        .await
        .unwrap();
    assert_eq!(n, 2, "6 and 7");
}

fn job_for(n: u32, run_after: i64) -> (azmc_db::NewOperation, NewJob) {
    let op = new_operation(n, S1, at(run_after));
    let job = NewJob {
        operation_id: op.id.clone(),
        subscription_id: S1.to_owned(),
        kind: "CreateStorageService".into(),
        payload: format!("{{\"n\":{n}}}"),
        run_after: at(run_after),
    };
    (op, job)
}

async fn jobs(db: &Db) {
    let lease = Duration::from_secs(30);
    let base = 10_000;
    let (op_a, job_a) = job_for(200, base);
    let (op_b, job_b) = job_for(201, base + 3600);
    db.start_async_operation(&op_a, &job_a).await.unwrap();
    db.start_async_operation(&op_b, &job_b).await.unwrap();
    let (op_c, mut job_c) = job_for(202, base);
    job_c.operation_id = format!("{:032x}", 999);
    is_bad_request(db.start_async_operation(&op_c, &job_c).await);
    is_not_found(db.get_operation(S1, &op_c.id).await, "operation");
    is_conflict(db.start_async_operation(&op_a, &job_a).await, "operation");

    // Operations with a pending job are not "interrupted".
    assert_eq!(
        db.fail_interrupted_operations(at(base + 86_400), at(base), "restart")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        db.get_operation(S1, &op_a.id).await.unwrap().status,
        OperationStatus::InProgress
    );

    // Nothing runnable before run_after.
    assert_eq!(db.claim_job("w1", at(base - 1), lease).await.unwrap(), None);
    let a: Job = db.claim_job("w1", at(base), lease).await.unwrap().unwrap();
    assert_eq!(a.operation_id, op_a.id);
    assert_eq!(a.subscription_id, S1);
    assert_eq!(a.kind, "CreateStorageService");
    assert_eq!(a.payload, "{\"n\":200}");
    assert_eq!(a.attempts, 1);
    assert_eq!(a.lease_owner.as_deref(), Some("w1"));
    assert_eq!(a.lease_until, Some(at(base + 30)));

    // Leased: a second worker gets nothing (B is not due yet).
    assert_eq!(
        db.claim_job("w2", at(base + 10), lease).await.unwrap(),
        None
    );
    assert!(
        db.renew_lease(a.id, "w1", at(base + 20), lease)
            .await
            .unwrap()
    );
    assert!(
        !db.renew_lease(a.id, "w2", at(base + 20), lease)
            .await
            .unwrap()
    );
    // The renewed lease runs to base+50.
    assert_eq!(
        db.claim_job("w2", at(base + 40), lease).await.unwrap(),
        None
    );

    // The lease expires: another worker takes over; the first one has lost it.
    let a2 = db
        .claim_job("w2", at(base + 60), lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a2.id, a2.attempts), (a.id, 2));
    assert_eq!(a2.lease_owner.as_deref(), Some("w2"));
    let done = OperationOutcome::succeeded(200);
    is_conflict(db.finish_job(a.id, "w1", &done, at(base + 61)).await, "job");
    assert!(
        !db.renew_lease(a.id, "w1", at(base + 61), lease)
            .await
            .unwrap()
    );
    db.finish_job(a.id, "w2", &done, at(base + 62))
        .await
        .unwrap();
    let op = db.get_operation(S1, &op_a.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Succeeded);
    assert_eq!(op.http_status, Some(200));
    assert_eq!(op.completed_at, Some(at(base + 62)));
    is_conflict(db.finish_job(a.id, "w2", &done, at(base + 63)).await, "job");
    is_not_found(db.finish_job(-1, "w2", &done, at(base + 63)).await, "job");
    // A finished job is never claimed again.
    assert_eq!(
        db.claim_job("w3", at(base + 3000), lease).await.unwrap(),
        None
    );

    // B fails three times (its worker dies each time), then is given up.
    let t = base + 3600;
    let mut last = None;
    for (i, worker) in ["w1", "w2", "w3"].into_iter().enumerate() {
        let now = t + 100 * i as i64;
        let b = db.claim_job(worker, at(now), lease).await.unwrap().unwrap();
        assert_eq!(b.operation_id, op_b.id);
        assert_eq!(b.attempts, i as u32 + 1);
        // Not given up while leased, nor while attempts remain.
        assert_eq!(db.give_up_jobs(3, at(now + 10)).await.unwrap(), 0);
        last = Some(b);
    }
    let b = last.unwrap();
    assert_eq!(db.give_up_jobs(3, at(t + 200 + 30)).await.unwrap(), 1);
    let op = db.get_operation(S1, &op_b.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Failed);
    assert_eq!(op.http_status, Some(500));
    assert_eq!(op.error_code.as_deref(), Some("InternalError"));
    assert_eq!(op.error_message.as_deref(), Some(GIVE_UP_MESSAGE));
    assert_eq!(op.completed_at, Some(at(t + 230)));
    assert_eq!(db.claim_job("w4", at(t + 1000), lease).await.unwrap(), None);
    assert!(
        !db.renew_lease(b.id, "w3", at(t + 1000), lease)
            .await
            .unwrap()
    );
    is_conflict(db.finish_job(b.id, "w3", &done, at(t + 1000)).await, "job");
    assert_eq!(db.give_up_jobs(3, at(t + 1000)).await.unwrap(), 0);
}

async fn server_ca(db: &Db) {
    assert_eq!(db.get_server_ca().await.unwrap(), None);
    let first = (
        "-----BEGIN CERTIFICATE-----\nfirst\n-----END CERTIFICATE-----\n".to_owned(),
        vec![1u8, 2, 3],
    );
    assert_eq!(
        db.put_server_ca_if_absent(&first.0, &first.1)
            .await
            .unwrap(),
        first
    );
    assert_eq!(
        db.put_server_ca_if_absent("second", &[4, 5, 6])
            .await
            .unwrap(),
        first
    );
    assert_eq!(db.get_server_ca().await.unwrap(), Some(first.clone()));

    // Replacing the stored keys: all or nothing, and only over the bytes expected.
    let seal = db.sealing_key_or_insert(&[9u8; 4]).await.unwrap();
    let stale = db
        .replace_stored_keys(Some((&first.1, &[7u8; 3])), Some((&[0u8; 4], &[8u8; 4])))
        .await
        .unwrap();
    assert!(!stale, "the sealing key was not the expected one");
    assert_eq!(db.get_server_ca().await.unwrap(), Some(first.clone()));
    assert_eq!(db.sealing_key().await.unwrap(), Some(seal.clone()));
    assert!(
        db.replace_stored_keys(Some((&first.1, &[7u8; 3])), Some((&seal, &[8u8; 4])))
            .await
            .unwrap()
    );
    assert_eq!(
        db.get_server_ca().await.unwrap(),
        Some((first.0.clone(), vec![7u8; 3]))
    );
    assert_eq!(db.sealing_key().await.unwrap(), Some(vec![8u8; 4]));
    assert!(
        !db.replace_stored_keys(Some((&first.1, &[1u8])), None)
            .await
            .unwrap()
    );
}
