//! Authentication and authorisation: which certificate may call which route of which
//! subscription, the one 403 answer for every refusal, disabled subscriptions, and the
//! same checks through the real `curl`.

use crate::client::{Req, Response};
use crate::support::{
    Api, Backend, Env, FORBIDDEN, Identity, assert_error, assert_forbidden, assert_request_id,
    on_both_backends, random_hex,
};
use azmc_db::SubscriptionStatus;
use azmc_wire::asm::{parse_subscription, parse_subscription_certificates};
use std::time::Duration;

/// A GUID nobody has.
fn unknown_subscription() -> String {
    azmc_server::domain::subscriptions::new_id().unwrap()
}

const OPS_QUERY: &str =
    "StartTime=2015-01-01T00%3A00%3A00.000Z&EndTime=2099-01-01T00%3A00%3A00.000Z";

/// Every route of this issue, for subscription `s`: (request, status for a linked
/// certificate). `added` is a certificate the POST adds and the DELETE removes; `op` an
/// operation id of `s`.
fn routes(s: &str, added: &Identity, admin_thumbprint: &str, op: &str) -> Vec<(Req, u16)> {
    let t = added.thumbprint();
    vec![
        (Req::get(&format!("/{s}")), 200),
        (Req::get(&format!("/{s}/certificates")), 200),
        (
            Req::post(&format!("/{s}/certificates"), added.python_body()),
            200,
        ),
        (Req::get(&format!("/{s}/certificates/{t}")), 200),
        (
            Req::get(&format!("/{s}/certificates/{admin_thumbprint}")),
            200,
        ),
        (Req::delete(&format!("/{s}/certificates/{t}")), 200),
        (Req::get(&format!("/{s}/operations?{OPS_QUERY}")), 200),
        (Req::get(&format!("/{s}/operations/{op}")), 200),
        (Req::get(&format!("/{s}/nonexistent")), 404),
    ]
}

/// The parts of a 403 that must not differ between refusals (everything but the id).
fn answer_shape(r: &Response) -> (u16, Option<String>, Vec<u8>) {
    (
        r.status,
        r.header("content-type").map(str::to_owned),
        r.body.clone(),
    )
}

async fn auth_matrix(backend: Backend) {
    let env = Env::new(backend).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let admin_thumbprint = api.admin.thumbprint();

    // The bootstrap certificate reads its subscription.
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let r = conn.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_request_id(&r);
    let sub = parse_subscription(&r.body).unwrap();
    assert_eq!(sub.subscription_id, s);
    assert_eq!(sub.subscription_status, "Active");

    // An operation to ask about.
    let seed = Identity::p256("auth seed");
    let r = conn.add_certificate(&s, seed.python_body()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let op = r.request_id();

    // A linked certificate may use every route (one keep-alive connection).
    let added = Identity::p256("auth added");
    let mut ids = std::collections::HashSet::new();
    for (req, want) in routes(&s, &added, &admin_thumbprint, &op) {
        let what = format!("{req:?}");
        let r = conn.send(req).await.unwrap();
        assert_eq!(r.status, want, "{what}: {}", r.text());
        assert!(ids.insert(assert_request_id(&r)), "request ids are unique");
        if want == 404 {
            assert_error(&r, 404, "ResourceNotFound");
        }
    }

    // Refused: a certificate linked to nothing, an expired linked one, a linked one not
    // yet valid, and no certificate at all.
    let unlinked = Identity::p256("auth unlinked");
    let expired = Identity::expired("auth expired");
    let future = Identity::not_yet_valid("auth future");
    api.link(&s, &expired).await;
    api.link(&s, &future).await;
    let callers: Vec<(&str, Option<&Identity>)> = vec![
        ("unlinked", Some(&unlinked)),
        ("expired", Some(&expired)),
        ("not yet valid", Some(&future)),
        ("no certificate", None),
    ];
    let victim = Identity::p256("auth victim");
    let mut reference = None;
    for (who, identity) in callers {
        let client = api.client(identity);
        let mut c = client.connect().await.unwrap();
        for (req, _) in routes(&s, &victim, &admin_thumbprint, &op) {
            let what = format!("{who}: {req:?}");
            let r = c.send(req.clone()).await.unwrap();
            assert_forbidden(&r);
            let shape = answer_shape(&r);
            assert_eq!(reference.get_or_insert(shape.clone()), &shape, "{what}");
            // The version header is not even looked at for a refused caller.
            let r = c.send(req.without("x-ms-version")).await.unwrap();
            assert_forbidden(&r);
        }
        let r = c
            .send(Req::delete(&format!(
                "/{s}/certificates/{admin_thumbprint}"
            )))
            .await
            .unwrap();
        assert_forbidden(&r);
        // A fresh connection is no different.
        let r = client.send(Req::get(&format!("/{s}"))).await.unwrap();
        assert_forbidden(&r);
    }
    // The subscription root and an empty path are refused too.
    for path in ["/", "//"] {
        let r = api.client(None).send(Req::get(path)).await.unwrap();
        assert_forbidden(&r);
    }

    // An unknown subscription, with the (valid, linked elsewhere) bootstrap certificate:
    // the very same answer as an unlinked certificate.
    let other = unknown_subscription();
    for (req, _) in routes(&other, &victim, &admin_thumbprint, &op) {
        let what = format!("unknown subscription: {req:?}");
        let r = conn.send(req).await.unwrap();
        assert_forbidden(&r);
        assert_eq!(reference.as_ref(), Some(&answer_shape(&r)), "{what}");
    }

    // Nothing a refused caller sent changed anything: the DELETE of the bootstrap
    // certificate did not happen, the POSTed certificate was not added, no operation
    // was recorded for them.
    let r = conn.list_certificates(&s).await;
    let listed: Vec<String> = parse_subscription_certificates(&r.body)
        .unwrap()
        .into_iter()
        .map(|c| c.thumbprint)
        .collect();
    assert!(listed.contains(&admin_thumbprint));
    assert!(listed.contains(&seed.thumbprint()));
    assert!(!listed.contains(&victim.thumbprint()));
    assert!(!listed.contains(&added.thumbprint()));
    let r = conn.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200);
    only_the_linked_callers_writes_are_operations(&api).await;

    api.stop().await;
}

/// Refused requests never reach the operation log: only the two POSTs and one DELETE of
/// the linked caller are there.
async fn only_the_linked_callers_writes_are_operations(api: &Api) {
    let filter = azmc_db::OperationFilter {
        start: crate::support::now() - time::Duration::hours(1),
        end: crate::support::now() + time::Duration::hours(1),
        object_id: None,
        status: None,
        continuation: None,
        page_size: 100,
    };
    let page = api.db().list_operations(&api.sub, &filter).await.unwrap();
    let names: Vec<&str> = page.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| **n == "AddSubscriptionCertificate")
            .count(),
        2
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| **n == "RemoveSubscriptionCertificate")
            .count(),
        1
    );
}

on_both_backends!([flavor = "multi_thread", worker_threads = 2] auth_matrix_sqlite, auth_matrix_postgres => auth_matrix());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_subscription_refuses_linked_certificates_with_its_own_code() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    api.db()
        .set_subscription_status(&s, SubscriptionStatus::Disabled)
        .await
        .unwrap();
    api.state().auth.refresh(api.db()).await.unwrap();

    let admin = api.admin_client();
    for req in [
        Req::get(&format!("/{s}")),
        Req::get(&format!("/{s}/certificates")),
        Req::post(
            &format!("/{s}/certificates"),
            Identity::p256("x").python_body(),
        ),
    ] {
        let r = admin.send(req).await.unwrap();
        let e = assert_error(&r, 403, "SubscriptionDisabled");
        assert_eq!(e.message, "The subscription is in a disabled state.");
    }
    // A certificate that is not linked learns nothing about the subscription's state.
    let r = api
        .client(Some(&Identity::p256("stranger")))
        .send(Req::get(&format!("/{s}")))
        .await
        .unwrap();
    assert_forbidden(&r);
    api.assert_refused_without_certificate(&format!("/{s}"))
        .await;

    // Enabled again: back to normal, and Get Subscription says so.
    api.db()
        .set_subscription_status(&s, SubscriptionStatus::Active)
        .await
        .unwrap();
    api.state().auth.refresh(api.db()).await.unwrap();
    let r = admin.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        parse_subscription(&r.body).unwrap().subscription_status,
        "Active"
    );
    api.stop().await;
}

/// curl with the server's CA and optionally `--cert both.pem`: (status, headers, body).
fn curl(
    api: &Api,
    dir: &std::path::Path,
    identity: Option<&Identity>,
    path: &str,
) -> (u16, String, String) {
    let headers = dir.join(format!("headers-{}", random_hex(4)));
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-sS", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}"])
        .arg("--cacert")
        .arg(dir.join("ca.pem"))
        .arg("-D")
        .arg(&headers)
        .args(["-H", "x-ms-version: 2014-10-01"]);
    if let Some(i) = identity {
        let pem = dir.join(format!("both-{}.pem", random_hex(4)));
        std::fs::write(&pem, i.both_pem()).unwrap();
        cmd.arg("--cert").arg(pem);
    }
    cmd.arg(format!("https://127.0.0.1:{}{path}", api.addr.port()));
    let out = cmd.output().expect("curl is required for these tests");
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (
        code.trim().parse().unwrap(),
        std::fs::read_to_string(headers).unwrap(),
        body.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_with_and_without_a_client_certificate() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &api.ca_pem).unwrap();
    let s = api.sub.clone();
    let admin = Identity {
        cert: api.admin.cert.clone(),
        key: api.admin.key.clone(),
    };
    let (d, a) = (dir.path().to_path_buf(), api);
    let (a, results) = tokio::task::spawn_blocking(move || {
        let ok = curl(&a, &d, Some(&admin), &format!("/{s}"));
        let none = curl(&a, &d, None, &format!("/{s}"));
        let stranger = curl(
            &a,
            &d,
            Some(&Identity::p256("curl stranger")),
            &format!("/{s}"),
        );
        (a, (ok, none, stranger))
    })
    .await
    .unwrap();
    let (ok, none, stranger) = results;

    assert_eq!(ok.0, 200, "{}", ok.2);
    let sub = parse_subscription(ok.2.as_bytes()).unwrap();
    assert_eq!(sub.subscription_id, a.sub);
    let headers = ok.1.to_ascii_lowercase();
    assert!(headers.contains("x-ms-request-id: "), "{headers}");
    assert!(
        headers.contains("content-type: application/xml; charset=utf-8"),
        "{headers}"
    );

    for (status, headers, body) in [none, stranger] {
        assert_eq!(status, 403, "{body}");
        assert!(
            headers.to_ascii_lowercase().contains("x-ms-request-id: "),
            "{headers}"
        );
        let e = azmc_wire::asm::parse_error(body.as_bytes()).unwrap();
        assert_eq!(e.code, "ForbiddenError");
        assert_eq!(e.message, FORBIDDEN);
    }
    a.stop().await;
}

/// The index a node keeps up to date from the change log authorises exactly as one read
/// whole from the database, after every kind of change and after the log was pruned.
async fn incremental_index_matches_a_full_reload(backend: Backend) {
    use azmc_db::{Limits, NewSubscription, Quotas};
    use azmc_server::auth::AuthIndex;
    use azmc_server::domain::certificates::record_of;
    use azmc_server::identity::ClientIdentity;

    let env = Env::new(backend).await;
    let api = env.start().await;
    let db = api.db();
    let now = azmc_pki::clock::system().now();
    let mut subs = vec![api.sub.clone()];
    for (i, name) in ["second", "third"].iter().enumerate() {
        let id = format!("0000000{i}-0000-4000-8000-000000000000");
        db.create_subscription(
            &NewSubscription {
                id: &id,
                name,
                service_admin: "admin",
            },
            &Quotas::default(),
            now,
        )
        .await
        .unwrap();
        subs.push(id);
    }
    let ids: Vec<Identity> = ["a", "b", "c"].iter().map(|n| Identity::p256(n)).collect();
    let clients: Vec<ClientIdentity> = ids
        .iter()
        .map(|i| ClientIdentity::from_der(i.cert.der()).unwrap())
        .chain([ClientIdentity::from_der(api.admin.cert.der()).unwrap()])
        .collect();
    let kept = AuthIndex::new(Duration::from_secs(30));
    kept.reload(db).await.unwrap();
    let limits = Limits::default();
    let link = |i: usize, s: usize| {
        let rec = record_of(&ids[i].cert);
        let sub = subs[s].clone();
        async move {
            db.link_certificate(&sub, &rec, "test", &limits, now)
                .await
                .unwrap();
        }
    };
    let unlink = |i: usize, s: usize| {
        let t = ids[i].cert.thumbprint();
        let sub = subs[s].clone();
        async move { db.unlink_certificate(&sub, &t).await.unwrap() }
    };
    let same = |step: &'static str| {
        let (kept, clients, subs) = (&kept, &clients, &subs);
        async move {
            kept.refresh(db).await.unwrap();
            let whole = AuthIndex::new(Duration::from_secs(30));
            whole.reload(db).await.unwrap();
            let mut allowed = 0;
            for c in clients {
                for s in subs {
                    let (a, b) = (
                        kept.authorize(Some(c), s, now),
                        whole.authorize(Some(c), s, now),
                    );
                    assert_eq!(a, b, "{step}: {s}");
                    allowed += usize::from(a.is_ok());
                }
            }
            assert_eq!(kept.link_count(), whole.link_count(), "{step}");
            allowed
        }
    };
    assert_eq!(same("start").await, 1);
    link(0, 1).await;
    link(0, 2).await;
    link(1, 1).await;
    assert_eq!(same("links").await, 4);
    unlink(0, 1).await;
    assert_eq!(same("one link of a certificate removed").await, 3);
    db.set_subscription_status(&subs[2], SubscriptionStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(same("a subscription disabled").await, 2);
    unlink(1, 1).await;
    assert_eq!(same("a certificate's last link removed").await, 1);
    // Changes this index has not seen, then the log pruned past them: it reloads.
    link(2, 0).await;
    db.set_subscription_status(&subs[2], SubscriptionStatus::Active)
        .await
        .unwrap();
    db.prune_link_changes(0).await.unwrap();
    assert_eq!(same("after pruning").await, 3);
    api.stop().await;
}

on_both_backends!([flavor = "multi_thread", worker_threads = 2] incremental_index_sqlite, incremental_index_postgres => incremental_index_matches_a_full_reload());
