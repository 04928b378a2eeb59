//! The server end to end, as its users meet it: `azmc serve` on free ports, real TLS, the
//! real `curl` as the client with linked, unlinked, expired and no certificates.

use super::server::{Served, bootstrap_pem};
use super::{Sandbox, TempPg};
use azmc_pki::clock::{Clock, SystemClock};
use azmc_pki::{KeyKind, NewCertificate, create_self_signed};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FORBIDDEN: &str = "The server failed to authenticate the request. Verify that the certificate is valid and is associated with this subscription.";

/// One curl answer.
#[derive(Debug)]
struct Answer {
    code: u16,
    headers: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
    fn code_is(&self, code: u16, asm: &str) -> &Self {
        assert_eq!(self.code, code, "{}", self.body);
        assert!(
            self.body.contains(&format!("<Code>{asm}</Code>")),
            "want {asm}: {}",
            self.body
        );
        let id = self
            .header("x-ms-request-id")
            .expect("x-ms-request-id on every answer");
        assert!(
            id.len() == 32
                && id
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{id}"
        );
        self
    }
}

/// curl with the server's CA; `args` are extra curl arguments (method, headers, data).
fn call(served: &Served, cert: Option<&Path>, path: &str, args: &[&str]) -> Answer {
    let dir = tempfile::tempdir().unwrap();
    let hfile = dir.path().join("h");
    let mut c = Command::new("curl");
    c.args(["-sS", "-o", "-", "-D"])
        .arg(&hfile)
        .args(["-w", "\n%{http_code}", "--cacert"])
        .arg(served.data.join("ca.pem"));
    if let Some(p) = cert {
        c.arg("--cert").arg(p);
    }
    c.args(args).arg(format!("{}{path}", served.api_url));
    let out = c.output().expect("curl is required");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    let code = code.trim().parse().unwrap_or(0);
    assert!(
        code != 0,
        "curl failed on {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Answer {
        code,
        headers: std::fs::read_to_string(&hfile).unwrap_or_default(),
        body: body.to_string(),
    }
}

const V: [&str; 2] = ["-H", "x-ms-version: 2014-10-01"];

/// A certificate + key PEM for curl; `linked` certificates are added through the API.
fn cert_pem(
    dir: &Path,
    name: &str,
    now: time::OffsetDateTime,
    days: u32,
) -> (PathBuf, String, String) {
    let (cert, key) = create_self_signed(&NewCertificate {
        name,
        key: KeyKind::P256,
        days,
        now,
    })
    .unwrap();
    let p = dir.join(format!("{name}.pem"));
    std::fs::write(
        &p,
        format!("{}{}", cert.to_pem(), key.to_pkcs8_pem().as_str()),
    )
    .unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
    (p, cert.thumbprint().to_string(), b64)
}

/// curl's arguments for a POST of the XML `data` (`@file` reads a file).
fn post_xml(data: &str) -> Vec<&str> {
    let mut args = V.to_vec();
    args.extend([
        "-X",
        "POST",
        "-H",
        "Content-Type: application/xml",
        "--data-binary",
        data,
    ]);
    args
}

/// The server arguments for a write throttle of `rate` requests a second, `burst` at once.
fn write_throttle<'a>(rate: &'a str, burst: &'a str) -> [&'a str; 4] {
    [
        "--throttle-write-rate",
        rate,
        "--throttle-write-burst",
        burst,
    ]
}

fn add_body(b64: &str) -> String {
    format!(
        "<SubscriptionCertificate xmlns=\"http://schemas.microsoft.com/windowsazure\"><SubscriptionCertificateData>{b64}</SubscriptionCertificateData></SubscriptionCertificate>"
    )
}

fn post_cert(served: &Served, cert: &Path, sub: &str, b64: &str) -> Answer {
    let body = add_body(b64);
    let args = post_xml(&body);
    call(served, Some(cert), &format!("/{sub}/certificates"), &args)
}

#[test]
fn every_route_refuses_callers_without_a_linked_valid_certificate() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    let linked = bootstrap_pem(&s, &served);
    let now = SystemClock.now();
    let (unlinked, _, _) = cert_pem(s.home(), "unlinked", now, 30);
    let (expired, _, expired_b64) =
        cert_pem(s.home(), "expired", now - time::Duration::days(400), 30);
    let (future, _, future_b64) = cert_pem(s.home(), "future", now + time::Duration::days(10), 30);
    // link the expired and not-yet-valid ones: linking is not enough
    post_cert(&served, &linked, &sub, &expired_b64).code_is_ok();
    post_cert(&served, &linked, &sub, &future_b64).code_is_ok();
    let t = "ABCDEF0123456789ABCDEF0123456789ABCDEF01";
    let routes: Vec<(&str, String)> = vec![
        ("GET", format!("/{sub}")),
        ("GET", format!("/{sub}/certificates")),
        ("POST", format!("/{sub}/certificates")),
        ("GET", format!("/{sub}/certificates/{t}")),
        ("DELETE", format!("/{sub}/certificates/{t}")),
        (
            "GET",
            format!("/{sub}/operations?StartTime=2020-01-01&EndTime=2099-01-01"),
        ),
        ("GET", format!("/{sub}/operations/{}", "0".repeat(32))),
        ("GET", format!("/{sub}/locations")),
        ("GET", format!("/{sub}/services/storageservices")),
        ("POST", format!("/{sub}/services/hostedservices")),
        ("GET", format!("/{sub}/services/sqlservers/servers")),
        ("GET", format!("/{sub}/nonexistent/route")),
        ("GET", "/".to_string()),
    ];
    for (method, path) in &routes {
        for (who, cert) in [
            ("unlinked", Some(unlinked.as_path())),
            ("expired", Some(expired.as_path())),
            ("not yet valid", Some(future.as_path())),
            ("no certificate", None),
        ] {
            let mut args = V.to_vec();
            args.extend(["-X", method]);
            let a = call(&served, cert, path, &args);
            a.code_is(403, "ForbiddenError");
            assert!(
                a.body.contains(FORBIDDEN),
                "{who} {method} {path}: {}",
                a.body
            );
        }
    }
    // an unknown subscription answers exactly like an unlinked certificate
    let mut args = V.to_vec();
    args.extend(["-X", "GET"]);
    let unknown = call(
        &served,
        Some(&linked),
        "/00000000-0000-0000-0000-000000000000",
        &args,
    );
    unknown.code_is(403, "ForbiddenError");
    let unlinked_answer = call(&served, Some(&unlinked), &format!("/{sub}"), &args);
    assert_eq!(unknown.body, unlinked_answer.body);
    // the linked certificate reaches them all (unknown route: 404 ResourceNotFound)
    call(&served, Some(&linked), &format!("/{sub}"), &V).code_is_ok();
    call(
        &served,
        Some(&linked),
        &format!("/{sub}/nonexistent/route"),
        &V,
    )
    .code_is(404, "ResourceNotFound");
    served.stop();
}

impl Answer {
    fn code_is_ok(&self) -> &Self {
        assert!(
            (200..300).contains(&self.code),
            "{}: {}",
            self.code,
            self.body
        );
        assert!(self.header("x-ms-request-id").is_some());
        self
    }
}

#[test]
fn wire_conventions_and_hostile_bodies() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let c = Some(pem.as_path());
    // version header: required, must look like a date
    call(&served, c, &format!("/{sub}"), &[]).code_is(400, "MissingOrIncorrectVersionHeader");
    call(
        &served,
        c,
        &format!("/{sub}"),
        &["-H", "x-ms-version: yesterday"],
    )
    .code_is(400, "MissingOrIncorrectVersionHeader");
    // tolerant routing: case, double and trailing slashes, query names in any case
    let upper = sub.to_uppercase();
    for path in [
        format!("/{upper}/Certificates/"),
        format!("//{sub}//certificates"),
        format!("/{sub}/CERTIFICATES?x=1"),
    ] {
        call(&served, c, &path, &V).code_is_ok();
    }
    call(
        &served,
        c,
        &format!("/{sub}/operations?starttime=2020-01-01T00%3A00%3A00.000Z&ENDTIME=2099-01-01"),
        &V,
    )
    .code_is_ok();
    // hostile and malformed bodies: 400 InvalidXmlRequest, fast, nothing expanded
    let lol = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><SubscriptionCertificate>&c;</SubscriptionCertificate>";
    let xxe = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><SubscriptionCertificate><SubscriptionCertificateData>&e;</SubscriptionCertificateData></SubscriptionCertificate>";
    for body in [
        lol,
        xxe,
        "<SubscriptionCertificate><Data>a & b</Data></SubscriptionCertificate>",
        "not xml at all",
        "<Wrong/>",
    ] {
        let t = Instant::now();
        let args = post_xml(body);
        let a = call(&served, c, &format!("/{sub}/certificates"), &args);
        assert!(a.code == 400, "{body}: {} {}", a.code, a.body);
        assert!(
            a.body.contains("InvalidXmlRequest") || a.body.contains("BadRequest"),
            "{}",
            a.body
        );
        assert!(!a.body.contains("root:"), "nothing read from disk");
        assert!(t.elapsed() < Duration::from_secs(5));
    }
    // every content type the clients use, chunked bodies, DELETE with a length of 0
    let (_, t, b64) = cert_pem(s.home(), "ctype", SystemClock.now(), 10);
    let body = add_body(&b64);
    let mut args = V.to_vec();
    args.extend([
        "-X",
        "POST",
        "-H",
        "Content-Type: application/atom+xml;type=entry;charset=utf-8",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        &body,
    ]);
    call(&served, c, &format!("/{sub}/certificates"), &args).code_is_ok();
    let mut args = V.to_vec();
    args.extend([
        "-X",
        "DELETE",
        "-H",
        "Content-Type: application/atom+xml;type=entry;charset=utf-8",
        "-H",
        "Content-Length: 0",
    ]);
    call(&served, c, &format!("/{sub}/certificates/{t}"), &args).code_is_ok();
    // more than 1 MiB: 413 with an ASM error
    let big = s.path("big.xml");
    std::fs::write(&big, vec![b'x'; 1024 * 1024 + 10]).unwrap();
    let at = format!("@{}", big.display());
    let args = post_xml(&at);
    call(&served, c, &format!("/{sub}/certificates"), &args).code_is(413, "RequestBodyTooLarge");
    // a verb the resource does not have
    let mut args = V.to_vec();
    args.extend(["-X", "PUT"]);
    call(&served, c, &format!("/{sub}/certificates"), &args).code_is(400, "InvalidHttpVerb");
    // errors never carry internals
    let a = call(
        &served,
        c,
        &format!("/{sub}/certificates/{}", "AB".repeat(20)),
        &V,
    );
    a.code_is(404, "ResourceNotFound");
    for leak in ["sqlx", "sqlite", "postgres", "/tmp", "panicked"] {
        assert!(!a.body.to_lowercase().contains(leak), "{leak}: {}", a.body);
    }
    served.stop();
}

#[test]
fn certificate_limit_and_operations_log() {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &write_throttle("1000", "1000"));
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let now = SystemClock.now();
    // the bootstrap certificate is the first of 100
    let mut last_ok = String::new();
    for i in 1..100 {
        let (_, _, b64) = cert_pem(s.home(), &format!("c{i}"), now, 5);
        let a = post_cert(&served, &pem, &sub, &b64);
        a.code_is_ok();
        last_ok = a.header("x-ms-request-id").unwrap();
    }
    let (_, _, b64) = cert_pem(s.home(), "one too many", now, 5);
    let refused = post_cert(&served, &pem, &sub, &b64);
    assert!((400..500).contains(&refused.code), "{}", refused.body);
    assert!(
        refused
            .body
            .contains("maximum of 100 management certificates"),
        "{}",
        refused.body
    );
    // the operation log has both, with the caller and the outcome
    let status = call(
        &served,
        Some(&pem),
        &format!("/{sub}/operations/{last_ok}"),
        &V,
    );
    status.code_is_ok();
    assert!(
        status.body.contains("<Status>Succeeded</Status>")
            && status.body.contains("<HttpStatusCode>200</HttpStatusCode>"),
        "{}",
        status.body
    );
    let failed_id = refused.header("x-ms-request-id").unwrap();
    let hyphenated = format!(
        "{}-{}-{}-{}-{}",
        &failed_id[0..8],
        &failed_id[8..12],
        &failed_id[12..16],
        &failed_id[16..20],
        &failed_id[20..]
    );
    let status = call(
        &served,
        Some(&pem),
        &format!("/{sub}/operations/{}", hyphenated.to_uppercase()),
        &V,
    );
    assert!(
        status.body.contains("<Status>Failed</Status>")
            && status.body.contains("<Error><Code>ConflictError</Code>"),
        "{}",
        status.body
    );
    let list = call(
        &served,
        Some(&pem),
        &format!(
            "/{sub}/operations?StartTime=2020-01-01&EndTime=2099-01-01&OperationResultFilter=Failed"
        ),
        &V,
    );
    list.code_is_ok();
    assert_eq!(
        list.body.matches("<SubscriptionOperation>").count(),
        1,
        "{}",
        list.body
    );
    assert!(
        list.body.contains("<ClientIP>127.0.0.1</ClientIP>")
            && list.body.contains("<SubscriptionCertificateThumbprint>"),
        "{}",
        list.body
    );
    call(&served, Some(&pem), &format!("/{sub}/operations"), &V)
        .code_is(400, "MissingOrInvalidRequiredQueryParameter");
    served.stop();
}

#[test]
fn throttling_answers_503_with_retry_after() {
    let s = Sandbox::new();
    let served = Served::start(
        &s,
        &[],
        &[
            &write_throttle("1", "2")[..],
            &["--throttle-read-rate", "1", "--throttle-read-burst", "3"],
        ]
        .concat(),
    );
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let mut args = V.to_vec();
    args.extend(["-X", "DELETE"]);
    let path = format!("/{sub}/certificates/{}", "AB".repeat(20));
    let codes: Vec<u16> = (0..3)
        .map(|_| call(&served, Some(&pem), &path, &args).code)
        .collect();
    assert_eq!(&codes[..2], &[404, 404]);
    let a = call(&served, Some(&pem), &path, &args);
    a.code_is(503, "TooManyRequests");
    let wait: u64 = a
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // reads have their own budget
    call(&served, Some(&pem), &format!("/{sub}"), &V).code_is_ok();
    served.stop();
}

#[test]
fn an_interrupted_job_is_finished_by_the_next_server() {
    let s = Sandbox::new();
    let args = ["--async-delay-ms", "4000", "--job-lease-secs", "1"];
    let served = Served::start(&s, &[], &args);
    let sub = served.subscription();
    let pem = bootstrap_pem(&s, &served);
    let body = "<CreateStorageServiceInput xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>durablejob1</ServiceName><Label>ZHVyYWJsZQ==</Label><Location>West US</Location></CreateStorageServiceInput>";
    let a = post_xml(body);
    let created = call(
        &served,
        Some(&pem),
        &format!("/{sub}/services/storageservices"),
        &a,
    );
    assert_eq!(created.code, 202, "{}", created.body);
    let id = created.header("x-ms-request-id").unwrap();
    let status = call(&served, Some(&pem), &format!("/{sub}/operations/{id}"), &V);
    assert!(
        status.body.contains("<Status>InProgress</Status>"),
        "{}",
        status.body
    );
    // the node dies in the middle of the job
    std::thread::sleep(Duration::from_millis(500));
    let mut served = served;
    served.kill();
    let again = Served::start(
        &s,
        &[],
        &["--async-delay-ms", "100", "--job-lease-secs", "1"],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let st = call(&again, Some(&pem), &format!("/{sub}/operations/{id}"), &V);
        if st.body.contains("<Status>Succeeded</Status>") {
            break;
        }
        assert!(!st.body.contains("<Status>Failed</Status>"), "{}", st.body);
        assert!(
            Instant::now() < deadline,
            "the job was never finished: {}",
            st.body
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let props = call(
        &again,
        Some(&pem),
        &format!("/{sub}/services/storageservices/durablejob1"),
        &V,
    );
    props.code_is_ok();
    assert!(
        props.body.contains("<Status>Created</Status>"),
        "{}",
        props.body
    );
    // metrics saw it
    let m = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(again.data.join("ca.pem"))
        .arg(format!("{}/metrics", again.portal_url))
        .output()
        .unwrap();
    let m = String::from_utf8_lossy(&m.stdout);
    assert!(m.contains("azmc_jobs_succeeded_total 1"), "{m}");
    again.stop();
}

#[test]
fn two_nodes_on_postgresql_share_revocations() {
    let s = Sandbox::new();
    let pg = TempPg::create(&s, "azmc_nodes");
    let url = pg.url.clone();
    let a = Served::start(&s, &[], &["--database-url", &url]);
    let s2 = Sandbox::new();
    // Node B has its own data directory and node A's key-encryption key.
    let kek = a.data.join("kek");
    let b = Served::start_in(
        &s2,
        s.path("node-b"),
        &["--database-url", &url, "--kek-file", kek.to_str().unwrap()],
    );
    assert!(
        !b.lines.iter().any(|l| l.starts_with("Publish settings")),
        "node B does not bootstrap again"
    );
    // both nodes serve under the same CA
    assert_eq!(
        std::fs::read(a.data.join("ca.pem")).unwrap(),
        std::fs::read(b.data.join("ca.pem")).unwrap()
    );
    let sub = a.subscription();
    let pem = bootstrap_pem(&s, &a);
    let (other, t, b64) = cert_pem(s.home(), "shared", SystemClock.now(), 5);
    post_cert(&a, &pem, &sub, &b64).code_is_ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    while call(&b, Some(&other), &format!("/{sub}"), &V).code != 200 {
        assert!(
            Instant::now() < deadline,
            "node B never accepted a certificate added on node A"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut del = V.to_vec();
    del.extend(["-X", "DELETE"]);
    call(&a, Some(&pem), &format!("/{sub}/certificates/{t}"), &del).code_is_ok();
    // refused at once on A, within the refresh interval on B
    call(&a, Some(&other), &format!("/{sub}"), &V).code_is(403, "ForbiddenError");
    let deadline = Instant::now() + Duration::from_secs(5);
    while call(&b, Some(&other), &format!("/{sub}"), &V).code != 403 {
        assert!(
            Instant::now() < deadline,
            "node B still accepts a revoked certificate"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    a.stop();
    b.stop();
}
