//! Management certificates: add as each client sends it, list and get, the validation of
//! what is uploaded, duplicates, unknown thumbprints, a certificate deleted while its
//! holder is connected, and the two certificate limits.

use crate::client::Req;
use crate::support::{
    Backend, Env, Identity, assert_error, assert_forbidden, cert_body, now, on_both_backends,
};
use azmc_pki::KeyKind;
use azmc_wire::asm::{
    SubscriptionCertificateXml, parse_subscription_certificate_xml, parse_subscription_certificates,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ATOM: &str = "application/atom+xml;type=entry;charset=utf-8";

/// What list/get must show for `id`.
fn check_listed(c: &SubscriptionCertificateXml, id: &Identity) {
    assert_eq!(c.thumbprint, id.thumbprint());
    assert_eq!(c.data_b64, STANDARD.encode(id.cert.der()));
    assert_eq!(c.public_key_b64, id.public_key_b64());
    let created = OffsetDateTime::parse(c.created.as_deref().unwrap(), &Rfc3339).unwrap();
    assert!(
        (now() - created).abs() < time::Duration::hours(1),
        "Created {created}"
    );
}

/// For RSA the public key is the PKCS#1 `RSAPublicKey` (not the SubjectPublicKeyInfo),
/// as the live service sent it: `MIIBCgKCAQEA…` for 2048 bits.
fn check_rsa_public_key(c: &SubscriptionCertificateXml, id: &Identity) {
    assert!(c.public_key_b64.starts_with("MIIBCgKCAQEA"), "{c:?}");
    let pk = STANDARD.decode(&c.public_key_b64).unwrap();
    assert!(id.cert.spki_der().ends_with(&pk));
    assert_eq!(pk.len(), 270);
}

async fn certificates(backend: Backend) {
    let env = Env::new(backend).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();

    // Add, as Python sends it (atom content type, no declaration) and as Node does.
    let rsa = Identity::new("certs rsa", KeyKind::Rsa2048, 30, now());
    let node = Identity::p256("certs node");
    let r = conn
        .send(
            Req::post(&format!("/{s}/certificates"), rsa.python_body())
                .header("Content-Type", ATOM),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.is_empty());
    let r = conn
        .send(
            Req::post(&format!("/{s}/certificates"), node.node_body())
                .header("Content-Type", "application/xml"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());

    // List and get show them.
    let r = conn.list_certificates(&s).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    let listed = parse_subscription_certificates(&r.body).unwrap();
    assert_eq!(listed.len(), 3, "{}", r.text());
    for id in [&api.admin, &rsa, &node] {
        let c = listed
            .iter()
            .find(|c| c.thumbprint == id.thumbprint())
            .unwrap_or_else(|| panic!("{} not listed", id.thumbprint()));
        check_listed(c, id);
    }
    for id in [&api.admin, &rsa] {
        let c = listed.iter().find(|c| c.thumbprint == id.thumbprint());
        check_rsa_public_key(c.unwrap(), id);
    }
    // Get, with the thumbprint in lower case.
    let r = conn
        .send(Req::get(&format!(
            "/{s}/certificates/{}",
            rsa.thumbprint().to_lowercase()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let got = parse_subscription_certificate_xml(&r.body).unwrap();
    check_listed(&got, &rsa);
    check_rsa_public_key(&got, &rsa);

    // A new certificate works at once, on a new connection.
    let r = api
        .client(Some(&node))
        .send(Req::get(&format!("/{s}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());

    // What is refused, and how.
    let other = Identity::p256("certs other");
    let bad: Vec<(String, u16, &str, &str)> = vec![
        (
            cert_body("", "", &rsa.thumbprint(), &other.data_b64()),
            400,
            "BadRequest",
            "does not match the certificate data",
        ),
        (
            cert_body("", "", "not-a-thumbprint", &other.data_b64()),
            400,
            "BadRequest",
            "SubscriptionCertificateThumbprint is not a 40-digit hex thumbprint.",
        ),
        (
            cert_body("", "", &other.thumbprint(), "!!!not base64!!!"),
            400,
            "BadRequest",
            "SubscriptionCertificateData is not valid base64.",
        ),
        (
            cert_body("", "", "", &STANDARD.encode(b"hello, not a certificate")),
            400,
            "BadRequest",
            "SubscriptionCertificateData is not an X.509 certificate",
        ),
        (
            cert_body("", "", &other.thumbprint(), ""),
            400,
            "BadRequest",
            "SubscriptionCertificateData is required.",
        ),
        (
            cert_body(
                "",
                &rsa.public_key_b64(),
                &other.thumbprint(),
                &other.data_b64(),
            ),
            400,
            "BadRequest",
            "SubscriptionCertificatePublicKey does not match",
        ),
        (rsa.python_body(), 409, "ConflictError", "already"),
    ];
    for (body, status, code, message) in bad {
        let r = conn
            .send(Req::post(&format!("/{s}/certificates"), body.clone()))
            .await
            .unwrap();
        let e = assert_error(&r, status, code);
        assert!(e.message.contains(message), "{body}: {}", e.message);
    }
    let r = conn
        .send(Req::get(&format!(
            "/{s}/certificates/{}",
            other.thumbprint()
        )))
        .await
        .unwrap();
    assert_eq!(
        assert_error(&r, 404, "ResourceNotFound").message,
        "The certificate does not exist."
    );
    for path in [
        format!("/{s}/certificates/{}", other.thumbprint()),
        format!("/{s}/certificates/not-a-thumbprint"),
    ] {
        let r = conn.send(Req::delete(&path)).await.unwrap();
        assert_error(&r, 404, "ResourceNotFound");
        let r = conn.send(Req::get(&path)).await.unwrap();
        assert_error(&r, 404, "ResourceNotFound");
    }
    // None of the refused uploads was added.
    let r = conn.list_certificates(&s).await;
    assert_eq!(parse_subscription_certificates(&r.body).unwrap().len(), 3);

    // Deleted mid-test: `node` holds an open keep-alive connection; a second certificate
    // deletes it; its very next request on that same connection is refused.
    let second = Identity::p256("certs second");
    let r = conn.add_certificate(&s, second.python_body()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let node_client = api.client(Some(&node));
    let mut held = node_client.connect().await.unwrap();
    let r = held.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_eq!(r.status, 200);
    let r = api
        .client(Some(&second))
        .send(Req::delete(&format!(
            "/{s}/certificates/{}",
            node.thumbprint()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.is_empty());
    let r = held.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_forbidden(&r);
    let r = held
        .send(Req::get(&format!("/{s}/certificates")))
        .await
        .unwrap();
    assert_forbidden(&r);
    let r = node_client.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_forbidden(&r);
    let r = conn
        .send(Req::get(&format!(
            "/{s}/certificates/{}",
            node.thumbprint()
        )))
        .await
        .unwrap();
    assert_error(&r, 404, "ResourceNotFound");
    // The deleting certificate still works; it may delete itself (rotation), and then
    // it is refused too.
    let second_client = api.client(Some(&second));
    let mut c2 = second_client.connect().await.unwrap();
    let r = c2
        .send(Req::delete(&format!(
            "/{s}/certificates/{}",
            second.thumbprint()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c2.send(Req::get(&format!("/{s}"))).await.unwrap();
    assert_forbidden(&r);
    api.stop().await;
}

on_both_backends!([flavor = "multi_thread", worker_threads = 2] certificates_sqlite, certificates_postgres => certificates());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_subscription_certificate_limit() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.cert_limit_per_subscription = 3;
    let api = env.start_with(config, Default::default()).await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    // The bootstrap certificate is the first of three.
    for n in 2..=3 {
        let id = Identity::p256(&format!("limit {n}"));
        let r = conn.add_certificate(&s, id.python_body()).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let fourth = Identity::p256("limit 4");
    let r = conn.add_certificate(&s, fourth.python_body()).await;
    let e = assert_error(&r, 409, "ConflictError");
    assert!(
        e.message.contains("maximum of 3 management certificates"),
        "{}",
        e.message
    );
    assert!(e.message.contains("subscription"), "{}", e.message);
    // The refusal is an operation like any other, Failed with the same error.
    let op = api.db().get_operation(&s, &r.request_id()).await.unwrap();
    assert_eq!(op.http_status, Some(409));
    assert_eq!(op.error_message.as_deref(), Some(e.message.as_str()));
    // Deleting one makes room.
    let r = conn.list_certificates(&s).await;
    let victim = parse_subscription_certificates(&r.body)
        .unwrap()
        .into_iter()
        .find(|c| c.thumbprint != api.admin.thumbprint())
        .unwrap();
    let r = conn
        .send(Req::delete(&format!(
            "/{s}/certificates/{}",
            victim.thumbprint
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let r = conn.add_certificate(&s, fourth.python_body()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_service_administrator_certificate_limit() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.cert_limit_per_service_admin = 3;
    let api = env.start_with(config, Default::default()).await;
    let s1 = api.sub.clone();
    // A second subscription of the same administrator; the bootstrap certificate is
    // linked to it too (it is already counted for this administrator).
    let second = azmc_server::admin::create_subscription(api.db(), "Second", "admin", None, now())
        .await
        .unwrap();
    let s2 = second.id.clone();
    azmc_server::admin::add_certificate(
        api.db(),
        &s2,
        api.admin.cert.der(),
        &azmc_db::Limits {
            per_subscription: 100,
            per_service_admin: 3,
        },
        now(),
    )
    .await
    .unwrap();
    api.state().auth.reload(api.db()).await.unwrap();

    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    // Distinct certificates of this administrator: bootstrap, a (on s1), b (on s2) = 3.
    let a = Identity::p256("admin limit a");
    let b = Identity::p256("admin limit b");
    for (s, id) in [(&s1, &a), (&s2, &b)] {
        let r = conn.add_certificate(s, id.python_body()).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // A fourth distinct certificate is refused on either subscription …
    let c = Identity::p256("admin limit c");
    for s in [&s1, &s2] {
        let r = conn.add_certificate(s, c.python_body()).await;
        let e = assert_error(&r, 409, "ConflictError");
        assert!(
            e.message.contains("service administrator")
                && e.message.contains("maximum of 3 management certificates"),
            "{}",
            e.message
        );
    }
    // Subscriptions are separate: s2 does not show s1's certificate `a`, nor s1's
    // operations, even to a caller linked to both.
    let r = conn
        .send(Req::get(&format!("/{s2}/certificates/{}", a.thumbprint())))
        .await
        .unwrap();
    assert_error(&r, 404, "ResourceNotFound");
    let r = conn.list_certificates(&s2).await;
    let on_s2: Vec<String> = parse_subscription_certificates(&r.body)
        .unwrap()
        .into_iter()
        .map(|c| c.thumbprint)
        .collect();
    assert_eq!(on_s2.len(), 2);
    assert!(on_s2.contains(&b.thumbprint()) && !on_s2.contains(&a.thumbprint()));
    let r = conn
        .send(Req::post(&format!("/{s1}/certificates"), "<bad"))
        .await
        .unwrap();
    let s1_op = r.request_id();
    let r = conn
        .send(Req::get(&format!("/{s2}/operations/{s1_op}")))
        .await
        .unwrap();
    assert_error(&r, 404, "ResourceNotFound");
    let r = conn
        .send(Req::get(&format!("/{s1}/operations/{s1_op}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    // `b` (linked to s2 only) cannot reach s1.
    let r = api
        .client(Some(&b))
        .send(Req::get(&format!("/{s1}")))
        .await
        .unwrap();
    assert_forbidden(&r);

    // … but linking one the administrator already has to another of their
    // subscriptions is not a new certificate.
    let r = conn.add_certificate(&s2, a.python_body()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // The certificate works on both subscriptions now.
    let ac = api.client(Some(&a));
    for s in [&s1, &s2] {
        let r = ac.send(Req::get(&format!("/{s}"))).await.unwrap();
        assert_eq!(r.status, 200);
    }
    api.stop().await;
}
