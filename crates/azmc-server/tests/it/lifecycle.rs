//! The server as a running service: throttling, a restart that keeps everything, two
//! nodes on one database, and the health and metrics endpoints.

use crate::client::Req;
use crate::support::{
    Backend, Env, Identity, assert_error, assert_forbidden, eventually, now, on_both_backends,
};
use azmc_pki::KeyKind;
use azmc_server::ThrottleConfig;
use azmc_wire::asm::{OperationStatus, parse_operation_status, parse_subscription_certificates};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_per_subscription_with_separate_read_and_write_budgets() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.throttle = ThrottleConfig {
        read_per_second: 1,
        read_burst: 4,
        write_per_second: 1,
        write_burst: 2,
    };
    let api = env.start_with(config, Default::default()).await;
    let s1 = api.sub.clone();
    let s2 = azmc_server::admin::create_subscription(api.db(), "Other", "admin", None, now())
        .await
        .unwrap()
        .id;
    api.link(&s2, &api.admin).await;
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    // Writes that fail validation still spend the write budget (and are not 503).
    let write = |s: &str| Req::post(&format!("/{s}/certificates"), "<not xml");
    for _ in 0..2 {
        let r = conn.send(write(&s1)).await.unwrap();
        assert_error(&r, 400, "InvalidXmlRequest");
    }
    let r = conn.send(write(&s1)).await.unwrap();
    let e = assert_error(&r, 503, "TooManyRequests");
    assert_eq!(
        e.message,
        "Too many requests received. Retry after some time."
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // A throttled request is not an operation.
    assert!(api.db().get_operation(&s1, &r.request_id()).await.is_err());

    // Reads have their own bucket; another subscription has its own budgets.
    let r = conn.send(Req::get(&format!("/{s1}"))).await.unwrap();
    assert_eq!(r.status, 200);
    let r = conn.send(write(&s2)).await.unwrap();
    assert_error(&r, 400, "InvalidXmlRequest");
    // Reads run out too (4 in a burst, one used above), without touching s2.
    let mut statuses = Vec::new();
    while statuses.last() != Some(&503) {
        statuses.push(conn.send(Req::get(&format!("/{s1}"))).await.unwrap().status);
        assert!(statuses.len() <= 12, "reads never throttled: {statuses:?}");
    }
    assert!(statuses.len() >= 4, "{statuses:?}");
    let r = conn.send(Req::get(&format!("/{s2}"))).await.unwrap();
    assert_eq!(r.status, 200);
    // Refused callers are refused before the throttle: they cannot spend its budget.
    api.assert_refused_without_certificate(&format!("/{s2}"))
        .await;
    // The budget comes back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = conn.send(write(&s1)).await.unwrap();
    assert_error(&r, 400, "InvalidXmlRequest");
    api.stop().await;
}

async fn restart_keeps_state(backend: Backend) {
    let env = Env::new(backend).await;
    let api = env.start().await;
    assert!(api.server.as_ref().unwrap().bootstrap.created);
    let s = api.sub.clone();
    let ca = std::fs::read(env.data_dir().join("ca.pem")).unwrap();
    let ps = std::fs::read(env.data_dir().join("bootstrap.publishsettings")).unwrap();
    let kept = Identity::p256("restart kept");
    let r = api
        .admin_client()
        .send(Req::post(&format!("/{s}/certificates"), kept.python_body()))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let op = r.request_id();
    api.stop().await;

    let again = env.start().await;
    let report = &again.server.as_ref().unwrap().bootstrap;
    assert!(!report.created, "bootstrap ran again");
    assert!(report.publishsettings_file.is_none());
    assert!(report.subscription_id.is_none());
    assert!(report.admin_password_file.is_none());
    assert_eq!(std::fs::read(env.data_dir().join("ca.pem")).unwrap(), ca);
    assert_eq!(
        std::fs::read(env.data_dir().join("bootstrap.publishsettings")).unwrap(),
        ps
    );
    assert_eq!(again.sub, s);
    assert_eq!(again.db().subscription_count().await.unwrap(), 1);
    // The certificate added before the restart works, the operation is still there.
    let mut conn = again.client(Some(&kept)).connect().await.unwrap();
    let r = conn.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = conn
        .send(Req::get(&format!("/{s}/operations/{op}")))
        .await
        .unwrap();
    let st = parse_operation_status(&r.body).unwrap();
    assert_eq!(st.status, OperationStatus::Succeeded);
    assert_eq!(st.http_status, Some(200));
    let r = conn.list_certificates(&s).await;
    assert_eq!(parse_subscription_certificates(&r.body).unwrap().len(), 2);
    // The bootstrap certificate from the publish settings still works too.
    let r = again
        .admin_client()
        .send(Req::get(&format!("/{s}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    again.stop().await;
}

on_both_backends!([flavor = "multi_thread", worker_threads = 2] restart_keeps_state_sqlite, restart_keeps_state_postgres => restart_keeps_state());

/// Two servers on one database: what one changes, the other enforces within its index
/// refresh interval (100 ms here).
async fn two_nodes(backend: Backend) {
    let env = Env::new(backend).await;
    let a = env.start().await;
    let b = env.start().await;
    assert_ne!(a.addr, b.addr);
    let s = a.sub.clone();
    let x = Identity::p256("two nodes");
    let r = a
        .admin_client()
        .send(Req::post(&format!("/{s}/certificates"), x.python_body()))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let on_b = b.client(Some(&x));
    eventually(
        Duration::from_secs(3),
        "B accepts the certificate A added",
        || {
            let c = on_b.clone();
            let s = s.clone();
            async move { c.get_status(&format!("/{s}")).await == 200 }
        },
    )
    .await;
    // B holds a keep-alive connection with the certificate; A deletes it.
    let mut held = on_b.connect().await.unwrap();
    assert_eq!(
        held.send(Req::get(&format!("/{s}"))).await.unwrap().status,
        200
    );
    let r = a
        .admin_client()
        .send(Req::delete(&format!(
            "/{s}/certificates/{}",
            x.thumbprint()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    // A refuses it at once; B within the refresh interval, on the same connection.
    assert_forbidden(
        &a.client(Some(&x))
            .send(Req::get(&format!("/{s}")))
            .await
            .unwrap(),
    );
    let start = std::time::Instant::now();
    loop {
        let r = held.send(Req::get(&format!("/{s}"))).await.unwrap();
        if r.status == 403 {
            assert_forbidden(&r);
            break;
        }
        assert_eq!(r.status, 200);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "B still accepts a deleted certificate"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.stop().await;
    b.stop().await;
}

on_both_backends!([flavor = "multi_thread", worker_threads = 2] two_nodes_sqlite, two_nodes_postgres => two_nodes());

/// On PostgreSQL a node learns of another node's link changes when they commit
/// (`LISTEN`/`NOTIFY`), not at its next poll: B here polls once an hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_on_postgresql_are_told_of_link_changes() {
    let env = Env::new(Backend::Postgres).await;
    let a = env.start().await;
    let mut config = env.config();
    config.auth_refresh_interval = Duration::from_secs(3600);
    config.auth_max_staleness = Duration::from_secs(7200);
    let b = env.start_with(config, Default::default()).await;
    let s = a.sub.clone();
    let x = Identity::p256("told");
    let on_b = b.client(Some(&x));
    assert_forbidden(&on_b.send(Req::get(&format!("/{s}"))).await.unwrap());
    let r = a
        .admin_client()
        .send(Req::post(&format!("/{s}/certificates"), x.python_body()))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let b_answers = |status: u16, what: &'static str| {
        let (on_b, s) = (on_b.clone(), s.clone());
        async move {
            let since = std::time::Instant::now();
            eventually(Duration::from_secs(5), what, || {
                let (c, s) = (on_b.clone(), s.clone());
                async move { c.get_status(&format!("/{s}")).await == status }
            })
            .await;
            eprintln!("{what}: after {:?}", since.elapsed());
        }
    };
    b_answers(200, "B accepts the certificate A added").await;
    let r = a
        .admin_client()
        .send(Req::delete(&format!(
            "/{s}/certificates/{}",
            x.thumbprint()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    b_answers(403, "B refuses the certificate A deleted").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_certificate_index_fails_closed() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    // The index is loaded at start and then not refreshed for a minute, but may only be
    // trusted for a second.
    config.auth_refresh_interval = Duration::from_secs(60);
    config.auth_max_staleness = Duration::from_secs(1);
    let api = env.start_with(config, Default::default()).await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    api.state().auth.refresh(api.db()).await.unwrap();
    let r = admin.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    for client in [&admin, &api.client(None)] {
        let r = client.send(Req::get(&format!("/{s}"))).await.unwrap();
        let e = assert_error(&r, 503, "ServerBusy");
        assert!(e.message.contains("Please retry"), "{}", e.message);
    }
    // Fresh again after a refresh.
    api.state().auth.refresh(api.db()).await.unwrap();
    let r = admin.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    api.stop().await;
}

/// `name value` of an unlabelled counter in Prometheus text.
fn counter(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{name} not in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Sum of a labelled counter over its labels.
fn labelled_sum(text: &str, name: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_on_the_portal_listener() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let portal = api.portal_client();
    let mut conn = portal.connect().await.unwrap();
    let r = conn
        .send(Req::get("/healthz").without("x-ms-version"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.text().trim(), "ok");

    let r = conn
        .send(Req::get("/metrics").without("x-ms-version"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let before = r.text();
    assert!(
        before.contains("# TYPE azmc_api_requests_total counter"),
        "{before}"
    );
    assert!(before.contains("# TYPE azmc_api_denied_total counter"));

    // One allowed and one denied request on the API.
    let s = api.sub.clone();
    let r = api
        .admin_client()
        .send(Req::get(&format!("/{s}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    api.assert_refused_without_certificate(&format!("/{s}"))
        .await;
    let stranger = Identity::p256("stranger");
    assert_eq!(
        api.client(Some(&stranger))
            .get_status(&format!("/{s}"))
            .await,
        403
    );

    let after = conn
        .send(Req::get("/metrics").without("x-ms-version"))
        .await
        .unwrap()
        .text();
    assert_eq!(
        counter(&after, "azmc_api_denied_total"),
        counter(&before, "azmc_api_denied_total") + 2
    );
    // The reasons, for the owner (the callers both got ForbiddenError).
    for reason in ["no_certificate", "unknown_certificate"] {
        let name = format!("azmc_api_refusals_total{{reason=\"{reason}\"}}");
        assert_eq!(
            counter(&after, &name),
            counter(&before, &name) + 1,
            "{reason}"
        );
    }
    assert_eq!(
        labelled_sum(&after, "azmc_api_refusals_total"),
        labelled_sum(&before, "azmc_api_refusals_total") + 2
    );
    assert_eq!(
        labelled_sum(&after, "azmc_api_requests_total"),
        labelled_sum(&before, "azmc_api_requests_total") + 3
    );
    assert!(
        counter(&after, "azmc_tls_handshakes_total")
            >= counter(&before, "azmc_tls_handshakes_total") + 3
    );
    assert!(counter(&after, "azmc_certificate_links") >= 1);
    // Certificates expiring within 30 days, per subscription: one of 10 days counts, one
    // of 400 days does not, an expired one does not.
    let gauge = format!("azmc_management_certificates_expiring{{subscription=\"{s}\"}}");
    assert!(!after.contains(&gauge), "{after}");
    let mut admin = api.admin_client().connect().await.unwrap();
    for id in [
        Identity::new("soon", KeyKind::P256, 10, now()),
        Identity::new("later", KeyKind::P256, 400, now()),
        Identity::expired("gone"),
    ] {
        let r = admin.add_certificate(&s, id.python_body()).await;
        assert!(r.status == 200 || r.status == 201, "{}", r.text());
    }
    let expiring = conn
        .send(Req::get("/metrics").without("x-ms-version"))
        .await
        .unwrap()
        .text();
    assert!(
        expiring.contains("# TYPE azmc_management_certificates_expiring gauge"),
        "{expiring}"
    );
    assert!(expiring.contains(&format!("{gauge} 1\n")), "{expiring}");
    // The portal asks for no client certificate, and the API routes are not there.
    let r = conn.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 404);
    api.stop().await;
}

/// A TCP proxy in front of PostgreSQL that can be cut: while cut, it resets the connections
/// it carries and every new one at once, as a database restart does. Returns the database
/// URL through the proxy and the switch. (`set_linger` is deprecated because a non-zero
/// linger blocks on drop; a zero one resets at once, which is the point here.)
#[allow(deprecated)]
async fn cuttable_postgres(url: &str) -> (String, tokio::sync::watch::Sender<bool>) {
    let at = url.find('@').unwrap() + 1;
    let end = at + url[at..].find('/').unwrap();
    let target: std::net::SocketAddr = url[at..end].parse().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxied = format!(
        "{}{}{}",
        &url[..at],
        listener.local_addr().unwrap(),
        &url[end..]
    );
    let (cut, watch) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let mut watch = watch.clone();
            if *watch.borrow() {
                let _ = inbound.set_linger(Some(Duration::ZERO));
                continue;
            }
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = watch.wait_for(|cut| *cut) => {
                        let _ = inbound.set_linger(Some(Duration::ZERO));
                    }
                }
            });
        }
    });
    (proxied, cut)
}

/// While the database cannot be reached (a PostgreSQL restart), reads and writes are
/// answered `503 ServerBusy` with Retry-After, not a 500; once it is back, requests succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_503_with_retry_after_and_then_recovers() {
    let env = Env::new(Backend::Postgres).await;
    let mut config = env.config();
    let (proxied, cut) = cuttable_postgres(config.database_url.as_deref().unwrap()).await;
    config.database_url = Some(proxied);
    let api = env.start_with(config, Default::default()).await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let group = |name: &str| {
        format!(
            "<CreateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>{name}</Name><Label>Zw==</Label><Location>West US</Location></CreateAffinityGroup>"
        )
    };
    let groups = format!("/{s}/affinitygroups");
    let r = admin
        .send(Req::post(&groups, group("before")))
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{:?}", String::from_utf8_lossy(&r.body));

    cut.send_replace(true);
    for req in [Req::get(&groups), Req::post(&groups, group("during"))] {
        let r = admin.send(req).await.unwrap();
        assert_error(&r, 503, "ServerBusy");
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=10).contains(&retry), "Retry-After {retry}");
    }

    cut.send_replace(false);
    eventually(
        Duration::from_secs(10),
        "requests succeed again",
        || async { admin.send(Req::get(&groups)).await.unwrap().status == 200 },
    )
    .await;
    let r = admin
        .send(Req::post(&groups, group("after")))
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{:?}", String::from_utf8_lossy(&r.body));
    api.stop().await;
}
