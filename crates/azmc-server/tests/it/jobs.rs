//! The durable job runner behind asynchronous operations, observed through Get Operation
//! Status: InProgress until the job ends, then Succeeded or Failed with its error; a job
//! survives a restart; a job whose worker died is taken over after its lease, and given
//! up after `job_max_attempts`, so no operation stays InProgress.

use crate::client::{Client, Req};
use crate::support::{Api, Backend, Env, now, random_hex};
use azmc_db::{Caller, Job, NewJob, NewOperation};
use azmc_server::jobs::{JobFuture, JobHandler, JobRegistry, JobResult};
use azmc_server::state::AppState;
use azmc_wire::asm::{OperationStatus, OperationStatusXml, parse_operation_status};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;

/// What a test job does.
#[derive(Debug, Clone)]
enum Behaviour {
    Succeed,
    Fail,
    /// Say it started, then wait for `release`.
    Gate {
        started: Arc<Notify>,
        release: Arc<Notify>,
    },
    /// Say it started, then never finish.
    Hang {
        started: Arc<Notify>,
    },
}

#[derive(Debug)]
struct TestJob(Behaviour);

impl JobHandler for TestJob {
    fn run(&self, _state: AppState, job: Job) -> JobFuture {
        let b = self.0.clone();
        Box::pin(async move {
            assert_eq!(job.payload, "{\"test\":true}");
            match b {
                Behaviour::Succeed => JobResult::Succeeded { http_status: 200 },
                Behaviour::Fail => JobResult::Failed {
                    http_status: 409,
                    code: "ConflictError".into(),
                    message: "The test job failed on purpose.".into(),
                },
                Behaviour::Gate { started, release } => {
                    started.notify_one();
                    release.notified().await;
                    JobResult::Succeeded { http_status: 200 }
                }
                Behaviour::Hang { started } => {
                    started.notify_one();
                    std::future::pending().await
                }
            }
        })
    }
}

fn registry(kinds: &[(&str, Behaviour)]) -> JobRegistry {
    let mut r = JobRegistry::default();
    for (kind, b) in kinds {
        r.register(kind, Arc::new(TestJob(b.clone())));
    }
    r
}

/// Record an InProgress operation with a job of `kind`; returns the operation id.
async fn enqueue(api: &Api, kind: &str, run_after: OffsetDateTime) -> String {
    let id = random_hex(16);
    api.db()
        .start_async_operation(
            &NewOperation {
                id: id.clone(),
                subscription_id: api.sub.clone(),
                name: "TestJob".into(),
                object_id: format!("/{}/testjobs/{id}", api.sub),
                parameters: vec![("kind".into(), kind.into())],
                caller: Caller {
                    thumbprint: Some(api.admin.thumb()),
                    user: None,
                    client_ip: Some("127.0.0.1".into()),
                },
                started_at: now(),
            },
            &NewJob {
                operation_id: id.clone(),
                subscription_id: api.sub.clone(),
                kind: kind.into(),
                payload: "{\"test\":true}".into(),
                run_after,
            },
        )
        .await
        .unwrap();
    id
}

async fn status(client: &Client, s: &str, id: &str) -> OperationStatusXml {
    let r = client
        .send(Req::get(&format!("/{s}/operations/{id}")))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    parse_operation_status(&r.body).unwrap()
}

/// Poll until the operation leaves InProgress (or `within` passes).
async fn finished(client: &Client, s: &str, id: &str, within: Duration) -> OperationStatusXml {
    let start = std::time::Instant::now();
    loop {
        let op = status(client, s, id).await;
        if op.status != OperationStatus::InProgress {
            return op;
        }
        assert!(start.elapsed() < within, "operation {id} still InProgress");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn started(n: &Notify) {
    tokio::time::timeout(Duration::from_secs(5), n.notified())
        .await
        .expect("the job never started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_go_from_in_progress_to_succeeded_or_failed() {
    let env = Env::new(Backend::Sqlite).await;
    let (go, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let jobs = registry(&[
        (
            "test.gate",
            Behaviour::Gate {
                started: go.clone(),
                release: release.clone(),
            },
        ),
        ("test.fail", Behaviour::Fail),
    ]);
    let api = env.start_with(env.config(), jobs).await;
    let s = api.sub.clone();
    let client = api.admin_client();

    let gated = enqueue(&api, "test.gate", now()).await;
    started(&go).await;
    let op = status(&client, &s, &gated).await;
    assert_eq!(op.status, OperationStatus::InProgress);
    assert_eq!(op.http_status, None);
    assert!(op.error.is_none());
    let r = client
        .send(Req::get(&format!("/{s}/operations/{gated}")))
        .await
        .unwrap();
    assert!(!r.text().contains("HttpStatusCode"), "{}", r.text());
    release.notify_one();
    let op = finished(&client, &s, &gated, Duration::from_secs(5)).await;
    assert_eq!(op.status, OperationStatus::Succeeded);
    assert_eq!(op.http_status, Some(200));
    assert!(op.error.is_none());

    let failing = enqueue(&api, "test.fail", now()).await;
    let op = finished(&client, &s, &failing, Duration::from_secs(5)).await;
    assert_eq!(op.status, OperationStatus::Failed);
    assert_eq!(op.http_status, Some(409));
    let e = op.error.unwrap();
    assert_eq!(e.code, "ConflictError");
    assert_eq!(e.message, "The test job failed on purpose.");

    // A kind no node knows fails (rather than staying InProgress), without details.
    let orphan = enqueue(&api, "test.nobody", now()).await;
    let op = finished(&client, &s, &orphan, Duration::from_secs(5)).await;
    assert_eq!(op.status, OperationStatus::Failed);
    assert_eq!(op.http_status, Some(500));
    let e = op.error.unwrap();
    assert_eq!(e.code, "InternalError");
    assert!(!e.message.contains("test.nobody"), "{}", e.message);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_survives_a_restart() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.job_lease = Duration::from_millis(600);
    // The first node starts the job and hangs in it until it is shut down.
    let go = Arc::new(Notify::new());
    let first = env
        .start_with(
            config.clone(),
            registry(&[(
                "test.durable",
                Behaviour::Hang {
                    started: go.clone(),
                },
            )]),
        )
        .await;
    let s = first.sub.clone();
    let id = enqueue(&first, "test.durable", now()).await;
    started(&go).await;
    let op = status(&first.admin_client(), &s, &id).await;
    assert_eq!(op.status, OperationStatus::InProgress);
    let t = std::time::Instant::now();
    first.stop().await;
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "shutdown waited {:?} for a hanging job",
        t.elapsed()
    );

    // The next start (with a handler that works) finishes it once the lease is over.
    let second = env
        .start_with(config, registry(&[("test.durable", Behaviour::Succeed)]))
        .await;
    let op = finished(&second.admin_client(), &s, &id, Duration::from_secs(5)).await;
    assert_eq!(op.status, OperationStatus::Succeeded, "{op:?}");
    assert_eq!(op.http_status, Some(200));
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_a_dead_worker_are_taken_over_then_given_up() {
    let env = Env::new(Backend::Sqlite).await;
    let mut config = env.config();
    config.job_lease = Duration::from_millis(200);
    config.job_max_attempts = 2;
    let api = env
        .start_with(config, registry(&[("test.ok", Behaviour::Succeed)]))
        .await;
    let s = api.sub.clone();
    let client = api.admin_client();
    // Both jobs become runnable one second from now, so the server cannot claim them
    // before the "dead worker" below does (it claims with its own notion of now).
    let t = now() + time::Duration::seconds(1);
    let exhausted = enqueue(&api, "test.ok", t).await;
    let taken_over = enqueue(&api, "test.ok", t).await;
    let lease = Duration::from_millis(100);
    let db = api.db();
    let j1 = db
        .claim_job("dead-worker", t, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (j1.operation_id.as_str(), j1.attempts),
        (exhausted.as_str(), 1)
    );
    let later = t + time::Duration::milliseconds(100);
    let j2 = db
        .claim_job("dead-worker", later, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (j2.operation_id.as_str(), j2.attempts),
        (exhausted.as_str(), 2)
    );
    let j3 = db
        .claim_job("dead-worker", later, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (j3.operation_id.as_str(), j3.attempts),
        (taken_over.as_str(), 1)
    );
    // The dead worker never renews or finishes. Meanwhile both are InProgress.
    for id in [&exhausted, &taken_over] {
        assert_eq!(
            status(&client, &s, id).await.status,
            OperationStatus::InProgress
        );
    }
    // Once the leases are over: one attempt left → the server runs it; none left →
    // given up, Failed with an error (Python stops polling only on an <Error>).
    let op = finished(&client, &s, &taken_over, Duration::from_secs(5)).await;
    assert_eq!(op.status, OperationStatus::Succeeded, "{op:?}");
    assert_eq!(op.http_status, Some(200));
    let op = finished(&client, &s, &exhausted, Duration::from_secs(5)).await;
    assert_eq!(op.status, OperationStatus::Failed, "{op:?}");
    assert_eq!(op.http_status, Some(500));
    let e = op.error.unwrap();
    assert_eq!(e.code, "InternalError");
    assert!(e.message.contains("interrupted"), "{}", e.message);
    // Nothing is left InProgress.
    let r = client
        .send(Req::get(&format!(
            "/{s}/operations?StartTime=2015-01-01&EndTime=2099-01-01&OperationResultFilter=InProgress"
        )))
        .await
        .unwrap();
    let page = azmc_wire::asm::parse_subscription_operations(&r.body).unwrap();
    assert!(page.operations.is_empty(), "{}", r.text());
    api.stop().await;
}

/// A request that queues a job wakes this node's runner: with a poll of an hour, the
/// operation still finishes (a runner left to its poll would leave it InProgress, and
/// `assert_accepted_and_succeeded` gives up after 10 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_job_runs_without_waiting_for_the_poll() {
    let api = crate::resource_api::Api::start_with(|c| {
        c.async_delay = Duration::ZERO;
        c.job_poll_interval = Duration::from_secs(3600);
    })
    .await;
    for name in ["wakeone", "waketwo"] {
        let body = format!(
            "<CreateStorageServiceInput xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Label>{}</Label><Location>West US</Location></CreateStorageServiceInput>",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, name)
        );
        let r = api
            .req("POST", "/{s}/services/storageservices", Some(&body))
            .await;
        api.assert_accepted_and_succeeded(&r).await;
    }
    api.stop().await;
}
