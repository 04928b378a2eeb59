//! The operation log: every mutating request (successful or not) is an operation whose id
//! is its `x-ms-request-id`; Get Operation Status and List Subscription Operations with
//! the query forms of both clients, filters and paging.

use crate::client::{Conn, Req};
use crate::support::{Api, Backend, Env, Identity, assert_error, now, random_hex};
use azmc_db::{Caller, NewOperation};
use azmc_wire::asm::{
    OperationStatus, SubscriptionOperationXml, format_operation_id, normalize_operation_id,
    parse_operation_status, parse_subscription_operations,
};
use std::collections::HashSet;
use time::OffsetDateTime;

/// Percent-encode a query value the way Node's `encodeURIComponent` does.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `2015-01-01T00:00:00Z` (seconds, as a Python user passes it).
fn python_time(t: OffsetDateTime) -> String {
    azmc_wire::asm::format_time(t)
}

/// `2015-01-01T00:00:00.000Z` (JavaScript's `toISOString()`).
fn node_time(t: OffsetDateTime) -> String {
    python_time(t).replace('Z', &format!(".{:03}Z", t.millisecond()))
}

async fn list(
    conn: &mut Conn,
    s: &str,
    query: &str,
) -> (Vec<SubscriptionOperationXml>, Option<String>) {
    let r = conn
        .send(Req::get(&format!("/{s}/operations?{query}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    let page = parse_subscription_operations(&r.body).unwrap();
    (page.operations, page.continuation_token)
}

fn window() -> String {
    let (a, b) = (
        now() - time::Duration::hours(1),
        now() + time::Duration::hours(1),
    );
    format!(
        "StartTime={}&EndTime={}",
        encode(&node_time(a)),
        encode(&node_time(b))
    )
}

async fn status(conn: &mut Conn, s: &str, id: &str) -> azmc_wire::asm::OperationStatusXml {
    let r = conn
        .send(Req::get(&format!("/{s}/operations/{id}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{id}: {}", r.text());
    parse_operation_status(&r.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutating_request_is_an_operation() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let x = Identity::p256("ops x");
    let certs = format!("/{s}/certificates");
    let one = format!("/{s}/certificates/{}", x.thumbprint());

    // (request, HTTP status, error code) for five mutating requests.
    let mut done = Vec::new();
    for (req, want, code) in [
        (Req::post(&certs, x.python_body()), 200, None),
        (
            Req::post(&certs, x.python_body()),
            409,
            Some("ConflictError"),
        ),
        (Req::post(&certs, "<oops"), 400, Some("InvalidXmlRequest")),
        (Req::delete(&one), 200, None),
        (Req::delete(&one), 404, Some("ResourceNotFound")),
    ] {
        let r = conn.send(req).await.unwrap();
        assert_eq!(r.status, want, "{}", r.text());
        done.push((r.request_id(), want, code));
    }
    // Reads are not operations.
    let mut reads = Vec::new();
    for path in [
        format!("/{s}"),
        certs.clone(),
        format!("/{s}/operations?{}", window()),
    ] {
        let r = conn.send(Req::get(&path)).await.unwrap();
        assert_eq!(r.status, 200);
        reads.push(r.request_id());
    }

    // Get Operation Status, by the id as sent and hyphenated.
    for (id, want, code) in &done {
        let hyphenated = format_operation_id(id).unwrap();
        for asked in [id.clone(), hyphenated.clone(), hyphenated.to_uppercase()] {
            let op = status(&mut conn, &s, &asked).await;
            assert_eq!(op.id, *id);
            assert_eq!(op.http_status, Some(*want));
            match code {
                None => {
                    assert_eq!(op.status, OperationStatus::Succeeded);
                    assert!(op.error.is_none());
                }
                Some(code) => {
                    assert_eq!(op.status, OperationStatus::Failed);
                    let e = op.error.unwrap();
                    assert_eq!(e.code, *code);
                    assert!(!e.message.is_empty());
                }
            }
        }
        // The body writes the id hyphenated, as the live service did.
        let r = conn
            .send(Req::get(&format!("/{s}/operations/{id}")))
            .await
            .unwrap();
        assert!(
            r.text().contains(&format!("<ID>{hyphenated}</ID>")),
            "{}",
            r.text()
        );
    }
    for id in reads
        .iter()
        .chain([&random_hex(16), &"not-an-id".to_string()])
    {
        let r = conn
            .send(Req::get(&format!("/{s}/operations/{id}")))
            .await
            .unwrap();
        let e = assert_error(&r, 404, "ResourceNotFound");
        assert_eq!(e.message, "The operation does not exist.");
    }

    // List Subscription Operations: Node's times, then Python's.
    let (ops, token) = list(&mut conn, &s, &window()).await;
    assert!(token.is_none());
    assert_eq!(ops.len(), done.len(), "reads are not listed");
    let ids: HashSet<String> = ops
        .iter()
        .map(|o| normalize_operation_id(&o.operation_id).unwrap())
        .collect();
    assert_eq!(ids, done.iter().map(|d| d.0.clone()).collect());
    let raw = conn
        .send(Req::get(&format!("/{s}/operations?{}", window())))
        .await
        .unwrap()
        .text();
    for o in &ops {
        // Written hyphenated, as the live service did.
        let hyphenated = format_operation_id(&o.operation_id).unwrap();
        assert!(
            raw.contains(&format!("<OperationId>{hyphenated}</OperationId>")),
            "{raw}"
        );
        let c = &o.operation_caller;
        assert!(c.used_service_management_api);
        assert_eq!(
            c.subscription_certificate_thumbprint.as_deref(),
            Some(api.admin.thumbprint().as_str())
        );
        assert_eq!(c.client_ip.as_deref(), Some("127.0.0.1"));
        assert!(o.operation_started_time.is_some());
        assert!(o.operation_completed_time.is_some());
        // A create that succeeded names the object it made (as ASM did), one that failed
        // the collection it was sent to.
        let added = o.operation_status.status == OperationStatus::Succeeded;
        let (name, object) = match o.operation_name.as_str() {
            "AddSubscriptionCertificate" if added => ("AddSubscriptionCertificate", one.clone()),
            "AddSubscriptionCertificate" => ("AddSubscriptionCertificate", certs.clone()),
            _ => ("RemoveSubscriptionCertificate", one.clone()),
        };
        assert_eq!(o.operation_name, name);
        assert!(
            o.operation_object_id.eq_ignore_ascii_case(&object),
            "{} of {name}",
            o.operation_object_id
        );
        if name == "RemoveSubscriptionCertificate" {
            let p = &o.operation_parameters;
            assert_eq!(p.len(), 1, "{p:?}");
            assert_eq!(p[0].name, "thumbprint");
            assert_eq!(
                p[0].value.as_deref().map(str::to_uppercase),
                Some(x.thumbprint())
            );
        }
    }
    let (a, b) = (
        now() - time::Duration::hours(1),
        now() + time::Duration::hours(1),
    );
    // Python quotes ':' but leaves '/' alone; query names in any case.
    let python = format!(
        "starttime={}&endtime={}",
        python_time(a).replace(':', "%3A"),
        python_time(b).replace(':', "%3A")
    );
    assert_eq!(list(&mut conn, &s, &python).await.0.len(), 5);
    // Date-only times.
    let dates = format!(
        "StartTime={}&EndTime={}",
        &python_time(a)[..10],
        &python_time(b + time::Duration::days(1))[..10]
    );
    assert_eq!(list(&mut conn, &s, &dates).await.0.len(), 5);

    // Filters.
    let by_object = format!("{}&ObjectIdFilter={}", window(), one.to_uppercase());
    let (ops, _) = list(&mut conn, &s, &by_object).await;
    let names: Vec<_> = ops.iter().map(|o| o.operation_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AddSubscriptionCertificate",
            "RemoveSubscriptionCertificate",
            "RemoveSubscriptionCertificate"
        ]
    );
    let (ops, _) = list(
        &mut conn,
        &s,
        &format!("{}&ObjectIdFilter={}", window(), encode(&certs)),
    )
    .await;
    assert_eq!(ops.len(), 2, "the two adds that failed");
    for (filter, n) in [
        ("Succeeded", 2),
        ("Failed", 3),
        ("InProgress", 0),
        ("failed", 3),
    ] {
        let (ops, _) = list(
            &mut conn,
            &s,
            &format!("{}&OperationResultFilter={filter}", window()),
        )
        .await;
        assert_eq!(ops.len(), n, "{filter}");
    }
    let past = "StartTime=2015-01-01&EndTime=2015-01-02";
    assert!(list(&mut conn, &s, past).await.0.is_empty());

    // What List Subscription Operations refuses.
    for (query, contains) in [
        ("EndTime=2099-01-01".to_string(), "StartTime"),
        ("StartTime=2015-01-01".to_string(), "EndTime"),
        (String::new(), "StartTime"),
        (
            "StartTime=yesterday&EndTime=2099-01-01".to_string(),
            "StartTime",
        ),
        (
            "StartTime=2099-01-01&EndTime=2015-01-01".to_string(),
            "EndTime",
        ),
        (
            format!("{}&OperationResultFilter=Maybe", window()),
            "OperationResultFilter",
        ),
    ] {
        let r = conn
            .send(Req::get(&format!("/{s}/operations?{query}")))
            .await
            .unwrap();
        let e = assert_error(&r, 400, "MissingOrInvalidRequiredQueryParameter");
        assert!(e.message.contains(contains), "{query}: {}", e.message);
    }
    // Still five: none of those reads was recorded.
    assert_eq!(list(&mut conn, &s, &window()).await.0.len(), 5);
    api.stop().await;
}

/// Record `n` operations directly, one second apart from `t0`.
async fn seed_operations(api: &Api, n: usize, t0: OffsetDateTime) -> HashSet<String> {
    let mut ids = HashSet::new();
    for i in 0..n {
        let id = random_hex(16);
        api.db()
            .insert_operation(&NewOperation {
                id: id.clone(),
                subscription_id: api.sub.clone(),
                name: "SeededOperation".into(),
                object_id: format!("/{}/seeded/{i}", api.sub),
                parameters: vec![],
                caller: Caller {
                    thumbprint: None,
                    user: Some("seed@example.test".into()),
                    client_ip: None,
                },
                started_at: t0 + time::Duration::seconds(i as i64),
            })
            .await
            .unwrap();
        ids.insert(id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_subscription_operations_pages_with_a_continuation_token() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let t0 = time::macros::datetime!(2020-03-01 00:00 UTC);
    let seeded = seed_operations(&api, 230, t0).await;
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let base = "StartTime=2020-03-01T00%3A00%3A00Z&EndTime=2020-03-02T00%3A00%3A00Z";
    let mut seen = HashSet::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let query = match &token {
            None => base.to_string(),
            Some(t) => format!("{base}&ContinuationToken={}", encode(t)),
        };
        let (ops, next) = list(&mut conn, &s, &query).await;
        pages.push(ops.len());
        for o in &ops {
            assert!(
                seen.insert(normalize_operation_id(&o.operation_id).unwrap()),
                "listed twice"
            );
            assert_eq!(o.operation_status.status, OperationStatus::InProgress);
            assert!(o.operation_status.http_status.is_none());
            assert!(!o.operation_caller.used_service_management_api);
        }
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
        assert!(pages.len() < 10, "paging does not end");
    }
    assert_eq!(pages, vec![100, 100, 30]);
    assert_eq!(seen, seeded);
    // A token that was never issued is refused as a bad parameter.
    let r = conn
        .send(Req::get(&format!(
            "/{s}/operations?{base}&ContinuationToken=garbage%21"
        )))
        .await
        .unwrap();
    assert_error(&r, 400, "MissingOrInvalidRequiredQueryParameter");
    api.stop().await;
}
