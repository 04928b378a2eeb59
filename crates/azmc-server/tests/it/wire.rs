//! The ASM wire conventions every client relies on: the version header, tolerant
//! routing, content types, body framing and size, hostile XML, verbs and unknown routes.

use crate::client::{Req, Response};
use crate::support::{Backend, Env, Identity, assert_error};
use azmc_wire::asm::{parse_subscription, parse_subscription_certificates};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_header_is_required_and_checked() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let r = conn
        .send(Req::get(&format!("/{s}")).without("x-ms-version"))
        .await
        .unwrap();
    let e = assert_error(&r, 400, "MissingOrIncorrectVersionHeader");
    assert_eq!(
        e.message,
        "The versioning header is not specified or was specified incorrectly."
    );
    for bad in [
        "1.0",
        "2014-13-01",
        "yesterday",
        "",
        "2014-10-01x",
        "1999-01-01",
    ] {
        let r = conn
            .send(Req::get(&format!("/{s}")).header("x-ms-version", bad))
            .await
            .unwrap();
        assert_error(&r, 400, "MissingOrIncorrectVersionHeader");
    }
    // Every version the clients send (Python, Node mgmt/storage/compute/sql/website).
    for good in [
        "2012-03-01",
        "2013-08-01",
        "2014-04-01",
        "2014-10-01",
        "2015-04-01",
        "2016-03-01",
        "2017-01-01",
    ] {
        let r = conn
            .send(Req::get(&format!("/{s}")).header("X-MS-VERSION", good))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{good}: {}", r.text());
        // Get Subscription answers the element set of the version asked: from 2014-10-01
        // the recorded one (network limits, no counters of virtual networks, local
        // networks and DNS servers), before it the older contract's.
        let sub = parse_subscription(&r.body).unwrap();
        let recorded_set = good >= "2014-10-01";
        assert_eq!(sub.network_limits.is_some(), recorded_set, "{good}");
        assert_eq!(
            r.text().contains("<CurrentDnsServers>"),
            !recorded_set,
            "{good}: {}",
            r.text()
        );
    }
    // A write without the header is refused before anything happens.
    let id = Identity::p256("no version");
    let r = conn
        .send(Req::post(&format!("/{s}/certificates"), id.python_body()).without("x-ms-version"))
        .await
        .unwrap();
    assert_error(&r, 400, "MissingOrIncorrectVersionHeader");
    let r = conn
        .send(Req::get(&format!("/{s}/certificates/{}", id.thumbprint())))
        .await
        .unwrap();
    assert_error(&r, 404, "ResourceNotFound");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_is_case_insensitive_and_tolerant() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let upper = s.to_uppercase();
    let t = api.admin.thumbprint();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    for path in [
        format!("/{upper}"),
        format!("/{s}/"),
        format!("//{s}"),
        format!("/{upper}/Certificates/"),
        format!("//{s}//certificates"),
        format!("/{s}/CERTIFICATES//"),
        format!("/{s}/certificates/{}", t.to_lowercase()),
        format!("/{upper}/Certificates/{t}/"),
        format!("/{s}/operations?StartTime=2015-01-01&EndTime=2099-01-01"),
        format!("/{s}/Operations/?starttime=2015-01-01&ENDTIME=2099-01-01"),
        format!(
            "//{upper}//operations?STARTTIME=2015-01-01T00%3A00%3A00Z&eNdTiMe=2099-01-01T00%3A00%3A00.000Z"
        ),
    ] {
        let r = conn.send(Req::get(&path)).await.unwrap();
        assert_eq!(r.status, 200, "{path}: {}", r.text());
    }
    // The subscription id in the body is the stored one, whatever case was asked.
    let r = conn.send(Req::get(&format!("/{upper}"))).await.unwrap();
    assert_eq!(parse_subscription(&r.body).unwrap().subscription_id, s);
    // A write through a tolerant path works and is visible through a strict one.
    let id = Identity::p256("tolerant path");
    let r = conn
        .send(Req::post(
            &format!("//{upper}//Certificates/"),
            id.python_body(),
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = conn
        .send(Req::delete(&format!(
            "/{upper}/CERTIFICATES/{}/",
            id.thumbprint().to_lowercase()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_types_framing_and_sizes() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let list = |r: &Response| -> Vec<String> {
        parse_subscription_certificates(&r.body)
            .unwrap()
            .into_iter()
            .map(|c| c.thumbprint)
            .collect()
    };

    // Every content type the clients send, and none.
    let mut added = Vec::new();
    for ct in [
        Some("application/atom+xml;type=entry;charset=utf-8"),
        Some("application/xml"),
        Some("application/xml;charset=utf-8"),
        Some("text/plain"),
        None,
    ] {
        let id = Identity::p256("content type");
        let mut req = Req::post(&format!("/{s}/certificates"), id.node_body());
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        let r = conn.send(req).await.unwrap();
        assert_eq!(r.status, 200, "{ct:?}: {}", r.text());
        added.push(id);
    }
    // A chunked body (no Content-Length), in small pieces.
    let chunked = Identity::p256("chunked");
    let chunks: Vec<Vec<u8>> = chunked
        .python_body()
        .into_bytes()
        .chunks(7)
        .map(<[u8]>::to_vec)
        .collect();
    let r = conn
        .send(Req::new("POST", &format!("/{s}/certificates")).chunked(chunks))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = conn.list_certificates(&s).await;
    let listed = list(&r);
    assert!(listed.contains(&chunked.thumbprint()));
    for id in &added {
        assert!(listed.contains(&id.thumbprint()));
    }

    // DELETE as Python sends it: Content-Type and Content-Length: 0; and as Node does.
    let r = conn
        .send(
            Req::delete(&format!("/{s}/certificates/{}", added[0].thumbprint()))
                .header(
                    "Content-Type",
                    "application/atom+xml;type=entry;charset=utf-8",
                )
                .header("Content-Length", "0"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = conn
        .send(Req::delete(&format!(
            "/{s}/certificates/{}",
            added[1].thumbprint()
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());

    // Empty bodies on a POST that needs one: an XML error, not a hang.
    for req in [
        Req::new("POST", &format!("/{s}/certificates")).header("Content-Length", "0"),
        Req::new("POST", &format!("/{s}/certificates")).chunked(vec![]),
    ] {
        let r = conn.send(req).await.unwrap();
        assert_error(&r, 400, "InvalidXmlRequest");
    }

    // Bodies over 1 MiB: 413 with an XML error, declared or chunked.
    let big = Identity::p256("big").python_body().replace(
        "<SubscriptionCertificateData>",
        &format!(
            "<Padding>{}</Padding><SubscriptionCertificateData>",
            "x".repeat(1024 * 1024)
        ),
    );
    let r = api
        .admin_client()
        .send(Req::post(&format!("/{s}/certificates"), big.clone()))
        .await
        .unwrap();
    let e = assert_error(&r, 413, "RequestBodyTooLarge");
    assert!(e.message.contains("1048576"), "{}", e.message);
    let chunks: Vec<Vec<u8>> = big
        .into_bytes()
        .chunks(64 * 1024)
        .map(<[u8]>::to_vec)
        .collect();
    let r = api
        .admin_client()
        .send(Req::new("POST", &format!("/{s}/certificates")).chunked(chunks))
        .await
        .unwrap();
    assert_error(&r, 413, "RequestBodyTooLarge");
    // Just under the limit is read (and then judged on its content).
    let padded = Identity::p256("padded");
    let body = padded.python_body().replace(
        "<SubscriptionCertificateData>",
        &format!(
            "<Padding>{}</Padding><SubscriptionCertificateData>",
            "x".repeat(1000 * 1024)
        ),
    );
    let r = conn
        .send(Req::post(&format!("/{s}/certificates"), body))
        .await
        .unwrap();
    assert!(r.status == 200 || r.status == 400, "{}", r.text());
    api.stop().await;
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<SubscriptionCertificate xmlns="http://schemas.microsoft.com/windowsazure"><SubscriptionCertificateData>&lol9;</SubscriptionCertificateData></SubscriptionCertificate>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_malformed_xml_is_refused_fast() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let id = Identity::p256("hostile");
    let external = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file://{}\">]>\
         <SubscriptionCertificate><SubscriptionCertificateData>&e;</SubscriptionCertificateData></SubscriptionCertificate>",
        env.data_dir().join("admin-password").display()
    );
    let deep = format!(
        "<SubscriptionCertificate>{}{}</SubscriptionCertificate>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("billion laughs", BILLION_LAUGHS.as_bytes().to_vec()),
        ("external entity", external.into_bytes()),
        (
            "unescaped ampersand",
            id.python_body()
                .replace(
                    "<SubscriptionCertificateThumbprint>",
                    "<Description>Tom & Jerry</Description><SubscriptionCertificateThumbprint>",
                )
                .into_bytes(),
        ),
        (
            "unclosed element",
            b"<SubscriptionCertificate><SubscriptionCertificateData>AAAA".to_vec(),
        ),
        (
            "mismatched tags",
            b"<SubscriptionCertificate><A></B></SubscriptionCertificate>".to_vec(),
        ),
        ("not XML", b"{\"json\": true}".to_vec()),
        (
            "not UTF-8",
            b"<SubscriptionCertificate>\xff\xfe</SubscriptionCertificate>".to_vec(),
        ),
        ("deeply nested", deep.into_bytes()),
        (
            "wrong root element",
            id.python_body()
                .replace("SubscriptionCertificate ", "StorageService ")
                .replace("</SubscriptionCertificate>", "</StorageService>")
                .into_bytes(),
        ),
        (
            "two roots",
            format!("{0}{0}", id.python_body()).into_bytes(),
        ),
    ];
    for (what, body) in cases {
        let start = Instant::now();
        let r = conn
            .send(Req::post(&format!("/{s}/certificates"), body))
            .await
            .unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{what}: took {:?}",
            start.elapsed()
        );
        let e = assert_error(&r, 400, "InvalidXmlRequest");
        assert!(
            e.message
                .starts_with("The request body's XML was invalid or not correctly specified"),
            "{what}: {}",
            e.message
        );
        assert!(!e.message.contains("lollol"), "{what}: entity expanded");
        assert!(
            !e.message.contains(env.dir.path().to_str().unwrap()),
            "{what}: {}",
            e.message
        );
    }
    // The connection is still good, and nothing was added.
    let r = conn.list_certificates(&s).await;
    assert_eq!(parse_subscription_certificates(&r.body).unwrap().len(), 1);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbs_and_unknown_routes() {
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let s = api.sub.clone();
    let t = api.admin.thumbprint();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    for (method, path) in [
        ("PUT", format!("/{s}/certificates")),
        ("DELETE", format!("/{s}/certificates")),
        ("POST", format!("/{s}/certificates/{t}")),
        ("PUT", format!("/{s}/certificates/{t}")),
        ("PATCH", format!("/{s}")),
        ("DELETE", format!("/{s}")),
        ("POST", format!("/{s}/operations")),
        (
            "DELETE",
            format!("/{s}/operations/00000000000000000000000000000000"),
        ),
    ] {
        let r = conn
            .send(Req::new(method, &path).body(Vec::new()))
            .await
            .unwrap();
        let e = assert_error(&r, 400, "InvalidHttpVerb");
        assert_eq!(
            e.message,
            "The HTTP verb specified was not recognized by the server or isn't valid for this resource.",
            "{method} {path}"
        );
    }
    for (method, path) in [
        ("GET", format!("/{s}/nonexistent")),
        ("POST", format!("/{s}/nonexistent")),
        ("GET", format!("/{s}/certificates/{t}/extra")),
        ("GET", format!("/{s}/services/nonexistent/deeper")),
    ] {
        let r = conn.send(Req::new(method, &path)).await.unwrap();
        let e = assert_error(&r, 404, "ResourceNotFound");
        assert_eq!(e.message, "The requested resource does not exist.");
    }
    // The bootstrap certificate is still there after all that.
    let r = conn
        .send(Req::get(&format!("/{s}/certificates/{t}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    api.stop().await;
}

/// Reads until the server closes the connection (or 10 s pass: then the test fails).
async fn closed_by_server(mut s: impl tokio::io::AsyncRead + Unpin) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut got));
    let _ = read.await.expect("the server closes the connection");
    got
}

/// Connections cannot be held by anyone (issue: 4,096 connections that never sent a byte
/// took every slot): one address holds at most `per_address` of them, a connection that
/// sends no request or goes idle is closed, and a body must arrive in time (API and portal
/// forms alike).
/// A busy HTTP/1.1 connection past its lifetime is ended by a response that says so
/// (`Connection: close`), never by a close between two requests, which would meet a
/// request already on its way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_connection_ends_with_a_response_not_between_requests() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.connections.lifetime = Duration::from_millis(600);
    let api = env
        .start_with(config, azmc_server::jobs::JobRegistry::default())
        .await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    let mut conn = admin.connect().await.unwrap();
    let opened = std::time::Instant::now();
    let mut closing = None;
    for n in 0..100 {
        let r = conn.send(Req::get(&format!("/{s}"))).await.unwrap();
        assert_eq!(r.status, 200);
        if r.header("connection") == Some("close") {
            closing = Some(n);
            break;
        }
        // Well past the lifetime: the old close between requests would have come here.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let n = closing.expect("no response closed the connection");
    assert!(n > 0 && opened.elapsed() >= Duration::from_millis(600));
    assert!(conn.send(Req::get(&format!("/{s}"))).await.is_err());
    assert_eq!(admin.get_status(&format!("/{s}")).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_limited_per_address_and_closed_when_silent() {
    use tokio::io::AsyncWriteExt;
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.handshake_timeout = Duration::from_secs(1);
    config.connections.per_address = 2;
    config.connections.first_request = Duration::from_secs(1);
    config.connections.idle = Duration::from_secs(1);
    config.connections.body = Duration::from_secs(1);
    let api = env
        .start_with(config, azmc_server::jobs::JobRegistry::default())
        .await;
    let s = api.sub.clone();
    let admin = api.admin_client();
    // Two silent connections from 127.0.0.1 hold its share: a third is closed at once,
    // while another address is served.
    let silent: Vec<_> = silent_connections(api.addr).await;
    let third = tokio::net::TcpStream::connect(api.addr).await.unwrap();
    assert!(closed_by_server(third).await.is_empty());
    let elsewhere = admin.clone().connecting_from("127.0.0.2".parse().unwrap());
    assert_eq!(elsewhere.get_status(&format!("/{s}")).await, 200);
    // The silent ones are closed by the handshake deadline; the share is free again.
    for c in silent {
        assert!(closed_by_server(c).await.is_empty());
    }
    assert_eq!(admin.get_status(&format!("/{s}")).await, 200);
    // A TLS connection that sends no request is closed.
    let tls = admin.tls_stream().await.unwrap();
    assert!(closed_by_server(tls).await.is_empty());
    // A keep-alive connection idle past the limit is closed.
    let mut conn = admin.connect().await.unwrap();
    assert_eq!(
        conn.send(Req::get(&format!("/{s}"))).await.unwrap().status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(conn.send(Req::get(&format!("/{s}"))).await.is_err());
    // A body that does not arrive: 400 from the API and from the portal's sign-in form.
    for (client, head) in [
        (
            &admin,
            format!(
                "POST /{s}/services/hostedservices HTTP/1.1\r\nHost: x\r\nx-ms-version: 2014-10-01\r\nContent-Type: application/xml\r\nContent-Length: 100\r\n\r\n"
            ),
        ),
        (
            &api.portal_client(),
            "POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n".to_string(),
        ),
    ] {
        let mut tls = client.tls_stream().await.unwrap();
        tls.write_all(head.as_bytes()).await.unwrap();
        let answer = String::from_utf8_lossy(&closed_by_server(tls).await).into_owned();
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("not received within 1 seconds"), "{answer}");
    }
}

/// Two TCP connections to `addr` that send nothing.
async fn silent_connections(addr: std::net::SocketAddr) -> Vec<tokio::net::TcpStream> {
    vec![
        tokio::net::TcpStream::connect(addr).await.unwrap(),
        tokio::net::TcpStream::connect(addr).await.unwrap(),
    ]
}
