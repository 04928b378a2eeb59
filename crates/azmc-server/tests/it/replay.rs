//! Replays the management-endpoint traffic that the Python SDK's tests recorded against
//! live Azure in 2015 (`testdata/recordings/python-sdk`, see its README) against azmc, a
//! fresh server per cassette, and compares every answer with the recorded one:
//!
//! * the HTTP status;
//! * the set of XML element paths of the body (`Subscription/MaxCoreCount`, …): values
//!   differ (names, times, keys), the shape must not;
//! * the ASM error code of an error;
//! * for an operation poll that had finished when it was recorded, the operation's
//!   `Status` and `HttpStatusCode` (the poll waits for the local operation to finish).
//!
//! Requests are sent as recorded (method, path, query, `x-ms-version`, `Content-Type`,
//! body), with the recorded subscription id, request ids and service-chosen SQL server
//! names rewritten to the local ones. Differences that are intended are listed in
//! [`ALLOWED`], each with its reason; an entry that matches no difference fails the test,
//! so the list cannot go stale. Cassettes of areas azmc does not serve are listed in
//! [`NOT_SERVED`]; the test checks that such an area still answers 404, so serving it
//! makes the list fail until its cassettes are replayed.

use crate::client::{Client, Req, Response};
use crate::support::{Backend, Env};
use azmc_wire::asm::{Element, parse_document};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use yaml_rust2::{Yaml, YamlLoader};

const RECORDED_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const MANAGEMENT: &str = "https://management.core.windows.net";

/// Path prefixes (after `/{s}`, lower case) of areas azmc does not serve, with the reason.
const NOT_SERVED: &[(&str, &str)] = &[
    (
        "/cloudservices",
        "the Scheduler service: not in azmc's scope",
    ),
    (
        "/services/servicebus",
        "the Service Bus service: not in azmc's scope",
    ),
];

/// One intended difference: in `cassette` (file name without `test_legacy_mgmt_` and
/// `.yaml`), interaction `index`, what may differ, and why.
struct Allowed {
    cassette: &'static str,
    index: usize,
    difference: Allowance,
    #[allow(dead_code)] // read by people: the reason is the point of an entry
    why: &'static str,
}

/// What an entry of [`ALLOWED`] lets differ.
#[derive(Debug)]
enum Allowance {
    /// azmc answers this status instead of the recorded one.
    Status(u16),
    /// azmc's body has extra element paths, all at or under this one.
    ExtraUnder(&'static str),
    /// azmc's body lacks element paths, all at or under this one.
    MissingUnder(&'static str),
}

impl Allowance {
    fn allows(&self, d: &Difference) -> bool {
        let under = |paths: &[String], top: &str| {
            paths
                .iter()
                .all(|p| p == top || p.starts_with(&format!("{top}/")))
        };
        match (self, d) {
            (Allowance::Status(a), Difference::Status(b)) => a == b,
            (Allowance::ExtraUnder(top), Difference::Extra(p)) => under(p, top),
            (Allowance::MissingUnder(top), Difference::Missing(p)) => under(p, top),
            _ => false,
        }
    }
}

/// How an answer differs from the recorded one.
enum Difference {
    /// azmc answers this status instead of the recorded one.
    Status(u16),
    /// azmc's body has these element paths the recorded one has not.
    Extra(Vec<String>),
    /// azmc's body lacks these element paths of the recorded one.
    Missing(Vec<String>),
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Status(s) => write!(f, "Status({s})"),
            Difference::Extra(p) => write!(f, "Extra({p:?})"),
            Difference::Missing(p) => write!(f, "Missing({p:?})"),
        }
    }
}

const ADD_CERTIFICATE_STATUS: &str = "Add Management Certificate answers 200, not the 201 live \
     Azure sent: the Node client accepts only 200 (README, \"Known differences\").";

const LIVE_VM_IMAGES: &str = "The live subscription held VM images captured from its own \
     virtual machines (ServiceName, DeploymentName, RoleName, RoleStateOnCapture, \
     RoleSizeOnCapture) and made from its own VHDs (OSDiskConfiguration/MediaLink); a fresh \
     azmc subscription has only the platform catalogue and what the cassette made.";

const ALLOWED: &[Allowed] = &[
    Allowed {
        cassette: "misc.test_delete_vm_image",
        index: 6,
        difference: Allowance::MissingUnder("VMImages/VMImage"),
        why: LIVE_VM_IMAGES,
    },
    Allowed {
        cassette: "misc.test_update_vm_image",
        index: 5,
        difference: Allowance::MissingUnder("VMImages/VMImage"),
        why: LIVE_VM_IMAGES,
    },
    Allowed {
        cassette: "affinitygroup.test_get_affinity_group_properties",
        index: 3,
        difference: Allowance::ExtraUnder("AffinityGroup/StorageServices/StorageService"),
        why: "The storage account made in the group an instant before (asynchronously, 202) \
              was not listed yet by live Azure; azmc lists an account in the group from \
              the moment it is accepted (status Creating).",
    },
    Allowed {
        cassette: "misc.test_list_hosted_services",
        index: 2,
        difference: Allowance::MissingUnder(
            "HostedServices/HostedService/HostedServiceProperties/AffinityGroup",
        ),
        why: "The live subscription held other cloud services, some in affinity groups; \
              here the list holds only the test's own service, which has a location.",
    },
    Allowed {
        cassette: "sqldatabase.test_delete_server",
        index: 2,
        difference: Allowance::MissingUnder("Servers/Server"),
        why: "The live subscription held other SQL servers; here the list is empty once \
              the test's own server is deleted.",
    },
    Allowed {
        cassette: "managementcertificate.test_add_management_certificate",
        index: 0,
        difference: Allowance::Status(200),
        why: ADD_CERTIFICATE_STATUS,
    },
    Allowed {
        cassette: "managementcertificate.test_delete_management_certificate",
        index: 0,
        difference: Allowance::Status(200),
        why: ADD_CERTIFICATE_STATUS,
    },
    Allowed {
        cassette: "managementcertificate.test_get_management_certificate",
        index: 0,
        difference: Allowance::Status(200),
        why: ADD_CERTIFICATE_STATUS,
    },
    Allowed {
        cassette: "managementcertificate.test_list_management_certificates",
        index: 0,
        difference: Allowance::Status(200),
        why: ADD_CERTIFICATE_STATUS,
    },
];

/// One recorded request and its answer.
#[derive(Debug)]
struct Interaction {
    method: String,
    /// Path and query, as sent to the management host.
    path: String,
    version: String,
    content_type: Option<String>,
    body: Vec<u8>,
    status: u16,
    request_id: Option<String>,
    response: String,
}

fn cassettes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/recordings/python-sdk")
}

fn first_header(headers: &Yaml, name: &str) -> Option<String> {
    let map = headers.as_hash()?;
    map.iter()
        .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
        .and_then(|(_, v)| match v {
            Yaml::Array(a) => a.first().and_then(scalar),
            other => scalar(other),
        })
}

fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A request body: the loader drops YAML tags, so a `!!binary` body comes as its base64
/// text. A recorded body that is XML or JSON has `<` or `{`; base64 has neither.
fn body_bytes(y: &Yaml, cassette: &str) -> Vec<u8> {
    let Some(text) = scalar(y) else {
        return Vec::new();
    };
    if text.contains('<') || text.contains('{') {
        return text.into_bytes();
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact)
        .unwrap_or_else(|e| panic!("{cassette}: a request body is neither XML nor base64: {e}"))
}

/// The management-host interactions of a cassette, in order.
fn load(path: &Path) -> Vec<Interaction> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let interactions = docs[0]["interactions"]
        .as_vec()
        .unwrap_or_else(|| panic!("{name}: no interactions"));
    interactions
        .iter()
        .filter_map(|i| {
            let req = &i["request"];
            let uri = req["uri"].as_str().unwrap();
            let path = uri.strip_prefix(MANAGEMENT)?;
            let resp = &i["response"];
            Some(Interaction {
                method: req["method"].as_str().unwrap().to_string(),
                path: path.to_string(),
                version: first_header(&req["headers"], "x-ms-version").unwrap(),
                content_type: first_header(&req["headers"], "content-type"),
                body: body_bytes(&req["body"], &name),
                status: u16::try_from(resp["status"]["code"].as_i64().unwrap()).unwrap(),
                request_id: first_header(&resp["headers"], "x-ms-request-id"),
                response: scalar(&resp["body"]["string"]).unwrap_or_default(),
            })
        })
        .collect()
}

/// Every element path of a body (`Root/Child/Grandchild`), by local name; empty for a body
/// that is not XML.
fn element_paths(body: &str) -> BTreeSet<String> {
    fn walk(e: &Element, prefix: &str, out: &mut BTreeSet<String>) {
        let path = if prefix.is_empty() {
            e.name.clone()
        } else {
            format!("{prefix}/{}", e.name)
        };
        for c in &e.children {
            walk(c, &path, out);
        }
        out.insert(path);
    }
    let mut out = BTreeSet::new();
    if body.trim_start().starts_with('<') {
        let root =
            parse_document(body.as_bytes()).unwrap_or_else(|e| panic!("not XML ({e}): {body}"));
        walk(&root, "", &mut out);
    }
    out
}

fn child_text(body: &str, name: &str) -> Option<String> {
    if !body.trim_start().starts_with('<') {
        return None;
    }
    let root = parse_document(body.as_bytes()).ok()?;
    root.child_text(name).map(str::to_string)
}

/// The area of `path` (after `/{s}`) that azmc does not serve, if it is one.
fn not_served(path: &str) -> Option<&'static str> {
    let rest = path
        .strip_prefix('/')?
        .split_once('/')
        .map_or("", |(_, r)| r);
    let rest = format!("/{}", rest.to_ascii_lowercase());
    NOT_SERVED
        .iter()
        .find(|(prefix, _)| rest.starts_with(prefix))
        .map(|(p, _)| *p)
}

/// What the local server knows that the recording named differently.
#[derive(Default)]
struct Rewrites {
    /// Recorded text → local text (the subscription, SQL server names).
    names: Vec<(String, String)>,
    /// Recorded request id (32 hex, lower case) → local one.
    request_ids: BTreeMap<String, String>,
}

impl Rewrites {
    fn apply(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (from, to) in &self.names {
            s = s.replace(from, to);
        }
        if let Some((head, id)) = s.rsplit_once("/operations/") {
            let key = id.replace('-', "").to_ascii_lowercase();
            if let Some(ours) = self.request_ids.get(&key) {
                s = format!("{head}/operations/{ours}");
            }
        }
        s
    }
}

fn is_poll(i: &Interaction) -> bool {
    i.method == "GET"
        && i.path
            .rsplit_once("/operations/")
            .is_some_and(|(head, id)| head.matches('/').count() == 1 && !id.contains('/'))
}

/// The differences between a recorded answer and the local one.
fn differences(recorded: &Interaction, ours: &Response) -> Vec<Difference> {
    let mut found = Vec::new();
    if ours.status != recorded.status {
        found.push(Difference::Status(ours.status));
    }
    let (theirs_paths, ours_paths) = (
        element_paths(&recorded.response),
        element_paths(&ours.text()),
    );
    let extra: Vec<String> = ours_paths.difference(&theirs_paths).cloned().collect();
    let missing: Vec<String> = theirs_paths.difference(&ours_paths).cloned().collect();
    if !extra.is_empty() {
        found.push(Difference::Extra(extra));
    }
    if !missing.is_empty() {
        found.push(Difference::Missing(missing));
    }
    found
}

/// Sends `req`, and for a poll of an operation that had finished when recorded, polls
/// until the local one has finished too.
async fn send(client: &Client, req: Req, wait_for_end: bool) -> Response {
    let start = Instant::now();
    loop {
        let r = client.send(req.clone()).await.unwrap();
        let in_progress = child_text(&r.text(), "Status").as_deref() == Some("InProgress");
        if !(wait_for_end && in_progress) {
            return r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the operation did not finish: {}",
            r.text()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

struct Outcome {
    replayed: usize,
    /// Interactions answered with the recorded status; with the recorded shape; with
    /// both and the recorded error code and operation outcome (allowed differences
    /// counted as differences).
    same_status: usize,
    same_shape: usize,
    same_all: usize,
    skipped: Vec<(String, &'static str)>,
    /// The differences no entry of [`ALLOWED`] names, described.
    unexpected: Vec<String>,
    /// The entries of [`ALLOWED`] that matched a difference.
    used: BTreeSet<usize>,
}

async fn replay(name: &str, interactions: &[Interaction], out: &mut Outcome) {
    if let Some(area) = interactions.iter().find_map(|i| not_served(&i.path)) {
        // Still not served: its first request answers 404.
        let env = Env::new(Backend::Sqlite).await;
        let api = env.start().await;
        let first = interactions
            .iter()
            .find(|i| not_served(&i.path).is_some())
            .unwrap();
        let path = first.path.replace(RECORDED_SUBSCRIPTION, &api.sub);
        let r = api
            .admin_client()
            .send(Req::new(&first.method, &path).body(first.body.clone()))
            .await
            .unwrap();
        assert_eq!(
            r.status, 404,
            "{name}: {} {} is in NOT_SERVED ({area}) but answers {}: replay its cassettes",
            first.method, first.path, r.status
        );
        api.stop().await;
        out.skipped.push((name.to_string(), area));
        return;
    }
    let env = Env::new(Backend::Sqlite).await;
    let api = env.start().await;
    let client = api.admin_client();
    let mut rw = Rewrites {
        names: vec![(RECORDED_SUBSCRIPTION.to_string(), api.sub.clone())],
        ..Rewrites::default()
    };
    for (index, i) in interactions.iter().enumerate() {
        let mut req = Req::new(&i.method, &rw.apply(&i.path)).header("x-ms-version", &i.version);
        if let Some(ct) = &i.content_type {
            req = req.header("content-type", ct);
        }
        if !i.body.is_empty() {
            req = req.body(i.body.clone());
        }
        let recorded_status = child_text(&i.response, "Status");
        let finished = is_poll(i)
            && recorded_status
                .as_deref()
                .is_some_and(|s| s != "InProgress");
        let r = send(&client, req, finished).await;
        out.replayed += 1;
        if let (Some(theirs), Some(ours)) = (&i.request_id, r.header("x-ms-request-id")) {
            rw.request_ids
                .insert(theirs.to_ascii_lowercase(), ours.to_string());
        }
        // A SQL server's name is chosen by the service: use ours from here on.
        if i.status == 201
            && r.status == 201
            && i.path.to_ascii_lowercase().ends_with("/sqlservers/servers")
        {
            let (theirs, ours) = (
                parse_document(i.response.as_bytes()).unwrap().text,
                parse_document(&r.body).unwrap().text,
            );
            rw.names.push((theirs, ours));
        }
        let mut found = differences(i, &r);
        // A poll the recording caught InProgress may find the local operation finished
        // (it is not made to wait): its shape is compared only in the same state.
        if is_poll(i) && !finished && child_text(&r.text(), "Status") != recorded_status {
            found.retain(|d| matches!(d, Difference::Status(_)));
        }
        let reported = out.unexpected.len();
        if i.status >= 400 {
            let (theirs, ours) = (
                child_text(&i.response, "Code"),
                child_text(&r.text(), "Code"),
            );
            if theirs != ours {
                out.unexpected.push(format!(
                    "{name} #{index} {} {}: error code {ours:?}, recorded {theirs:?}",
                    i.method, i.path
                ));
            }
        }
        if finished {
            for field in ["Status", "HttpStatusCode"] {
                let (theirs, ours) = (child_text(&i.response, field), child_text(&r.text(), field));
                if theirs != ours {
                    out.unexpected.push(format!(
                        "{name} #{index} {} {}: operation {field} {ours:?}, recorded {theirs:?}",
                        i.method, i.path
                    ));
                }
            }
        }
        let status_ok = !found.iter().any(|d| matches!(d, Difference::Status(_)));
        let shape_ok = found.iter().all(|d| matches!(d, Difference::Status(_)));
        out.same_status += usize::from(status_ok);
        out.same_shape += usize::from(shape_ok);
        out.same_all += usize::from(found.is_empty() && out.unexpected.len() == reported);
        found.retain(|d| {
            let allowed = ALLOWED
                .iter()
                .position(|a| a.cassette == name && a.index == index && a.difference.allows(d));
            if let Some(a) = allowed {
                out.used.insert(a);
            }
            allowed.is_none()
        });
        for d in found {
            out.unexpected.push(format!(
                "{name} #{index} {} {}: {d} (recorded {}, azmc {}: {})",
                i.method,
                i.path,
                i.status,
                r.status,
                r.text().chars().take(300).collect::<String>()
            ));
        }
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorded_management_traffic_replays_with_the_recorded_shapes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cassettes_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 75, "the recordings of testdata/recordings");
    let mut out = Outcome {
        replayed: 0,
        same_status: 0,
        same_shape: 0,
        same_all: 0,
        skipped: Vec::new(),
        unexpected: Vec::new(),
        used: BTreeSet::new(),
    };
    // For work on one area: `AZMC_REPLAY_ONLY=sqldatabase` replays only the cassettes whose
    // name contains it (the stale-entry and count checks then apply to those only).
    let only = std::env::var("AZMC_REPLAY_ONLY").ok();
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy();
        let name = stem.trim_start_matches("test_legacy_mgmt_").to_string();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let interactions = load(f);
        if interactions.is_empty() {
            continue;
        }
        replay(&name, &interactions, &mut out).await;
    }
    let stale: Vec<_> = ALLOWED
        .iter()
        .enumerate()
        .filter(|(k, a)| {
            !out.used.contains(k) && only.as_deref().is_none_or(|o| a.cassette.contains(o))
        })
        .map(|(_, a)| format!("{} #{} {:?}", a.cassette, a.index, a.difference))
        .collect();
    eprintln!(
        "replayed {} interactions: {} with the recorded status, {} with the recorded shape, \
         {} the same in all that is compared; not replayed: {} cassettes of areas not served",
        out.replayed,
        out.same_status,
        out.same_shape,
        out.same_all,
        out.skipped.len()
    );
    assert!(
        out.unexpected.is_empty() && stale.is_empty(),
        "{} differences from the recordings:\n{}\n{} allow-list entries match nothing:\n{}",
        out.unexpected.len(),
        out.unexpected.join("\n"),
        stale.len(),
        stale.join("\n")
    );
    if only.is_none() {
        assert!(out.replayed >= 120, "replayed only {}", out.replayed);
    }
}
