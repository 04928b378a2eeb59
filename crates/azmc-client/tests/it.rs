//! The client as a library against a real in-process `azmc serve` (SQLite, real TLS):
//! typed calls (virtual machines too), errors, asynchronous operations, retries of
//! throttled requests and of failed connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use azmc_client::api::{CreateStorageAccount, KeyType};
use azmc_client::{
    Client, ClientConfig, ClientError, Endpoint, Identity, RetryPolicy, RetryReason, Submitted,
    Trust, WaitOptions,
};
use azmc_pki::clock;
use azmc_server::{Server, ServerConfig, StartOptions, ThrottleConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Fixture {
    _dir: tempfile::TempDir,
    server: Server,
    subscription: String,
    identity: Identity,
    trust: Trust,
}

async fn start(edit: impl FnOnce(&mut ServerConfig)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path().join("data"));
    config.api_listen = "127.0.0.1:0".parse().unwrap();
    config.portal_listen = "127.0.0.1:0".parse().unwrap();
    edit(&mut config);
    let server = azmc_server::start(config, clock::system(), StartOptions::default())
        .await
        .unwrap();
    let ps = std::fs::read(server.bootstrap.publishsettings_file.as_ref().unwrap()).unwrap();
    let subs = azmc_wire::publishsettings::parse(&ps)
        .unwrap()
        .subscriptions()
        .unwrap();
    let opened = subs[0].open_certificate(false).unwrap();
    let identity = Identity::new(opened.certificate, opened.key).unwrap();
    let ca = std::fs::read(&server.bootstrap.ca_file).unwrap();
    Fixture {
        subscription: subs[0].id.clone(),
        trust: Trust::from_pem("ca.pem", &ca).unwrap(),
        identity,
        server,
        _dir: dir,
    }
}

impl Fixture {
    fn client(&self, retry: RetryPolicy) -> Client {
        let mut config = ClientConfig::new(
            Endpoint::parse(&self.server.api_url).unwrap(),
            &self.subscription,
            self.identity.clone(),
            self.trust.clone(),
        );
        config.retry = retry;
        Client::new(config).unwrap()
    }
}

fn fast_waits() -> WaitOptions {
    WaitOptions {
        poll_interval: Duration::from_millis(20),
        first_poll_after: Duration::from_millis(20),
        timeout: Duration::from_secs(30),
    }
}

#[tokio::test]
async fn typed_calls_errors_and_operation_waits() {
    let f = start(|c| c.async_delay = Duration::from_millis(300)).await;
    let client = f.client(RetryPolicy::default());

    let sub = client.subscription_info().await.unwrap();
    assert_eq!(sub.subscription_id, f.subscription);
    assert!(client.list_storage_accounts().await.unwrap().is_empty());

    // An accepted operation is InProgress until its work has run, then Succeeded.
    let submitted = client
        .create_storage_account(&CreateStorageAccount::new("libstore1", "West US"))
        .await
        .unwrap();
    let Submitted::Accepted { request_id } = &submitted else {
        panic!("storage account creation is asynchronous: {submitted:?}");
    };
    let first = client.operation_status(request_id).await.unwrap();
    assert_eq!(first.status.as_str(), "InProgress");
    let mut polls = Vec::new();
    let done = client
        .wait(request_id, fast_waits(), |st, _| polls.push(st.status))
        .await
        .unwrap();
    assert_eq!(done.status.as_str(), "Succeeded");
    assert!(polls.len() >= 2, "polled until done: {polls:?}");
    let accounts = client.list_storage_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].service_name, "libstore1");
    assert_eq!(accounts[0].location.as_deref(), Some("West US"));

    let before = client.storage_account_keys("libstore1").await.unwrap();
    let after = client
        .regenerate_storage_account_key("libstore1", KeyType::Secondary)
        .await
        .unwrap();
    assert_eq!(after.primary, before.primary);
    assert_ne!(after.secondary, before.secondary);

    // A service error carries the ASM code, message, status and request id.
    let e = client.storage_account("nosuchstore").await.unwrap_err();
    match &e {
        ClientError::Api {
            status,
            code,
            message,
            request_id,
        } => {
            assert_eq!(*status, 404);
            assert_eq!(code, "ResourceNotFound");
            assert!(message.contains("nosuchstore"), "{message}");
            assert_eq!(request_id.as_deref().map(str::len), Some(32));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(e.to_string().starts_with("ResourceNotFound: "), "{e}");

    // A failed asynchronous operation is an error with the operation's own error.
    let dup = client
        .create_storage_account(&CreateStorageAccount::new("libstore1", "West US"))
        .await;
    match dup {
        Err(ClientError::Api { status: 409, .. }) => {}
        Ok(Submitted::Accepted { request_id }) => {
            let e = client
                .wait(&request_id, fast_waits(), |_, _| {})
                .await
                .unwrap_err();
            assert!(matches!(e, ClientError::OperationFailed { .. }), "{e}");
        }
        other => panic!("a duplicate name must fail: {other:?}"),
    }

    // Bad ids are refused before any request.
    let e = client.operation_status("not-an-id").await.unwrap_err();
    assert!(matches!(e, ClientError::Config(_)), "{e}");

    // Another subscription's path is refused by the server (the certificate is not
    // linked there), never served.
    let mut config = ClientConfig::new(
        Endpoint::parse(&f.server.api_url).unwrap(),
        "00000000-0000-0000-0000-000000000001",
        f.identity.clone(),
        f.trust.clone(),
    );
    config.retry = RetryPolicy::none();
    let stranger = Client::new(config).unwrap();
    let e = stranger.list_storage_accounts().await.unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    f.server.shutdown().await;
}

#[tokio::test]
async fn throttled_requests_are_retried_after_retry_after() {
    let f = start(|c| {
        c.throttle = ThrottleConfig {
            read_per_second: 1,
            read_burst: 1,
            ..ThrottleConfig::default()
        }
    })
    .await;
    let client = f.client(RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(5),
    });
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    client.on_retry(move |e| seen.lock().unwrap().push(e.clone()));
    // Three reads in a row against a budget of one per second: the later ones are
    // throttled (503 + Retry-After) and succeed when retried.
    for _ in 0..3 {
        client.list_locations().await.unwrap();
    }
    let events: Vec<_> = events.lock().unwrap().clone();
    assert!(!events.is_empty(), "some reads were throttled and retried");
    for e in &events {
        assert_eq!(e.reason, RetryReason::Throttled { status: 503 });
        assert!(
            e.delay >= Duration::from_secs(1),
            "Retry-After honoured: {e:?}"
        );
        assert_eq!(e.method, "GET");
    }

    // Without retries the throttling shows as the service's error.
    let impatient = f.client(RetryPolicy::none());
    let mut throttled = None;
    for _ in 0..3 {
        if let Err(e) = impatient.list_locations().await {
            throttled = Some(e);
            break;
        }
    }
    let e = throttled.expect("a burst of reads is throttled");
    assert_eq!(e.status(), Some(503), "{e}");
    f.server.shutdown().await;
}

#[tokio::test]
async fn failed_connections_are_retried_then_reported() {
    let f = start(|_| {}).await;
    // A listener that accepts and at once closes: every TLS handshake fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(Mutex::new(0u32));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            *count.lock().unwrap() += 1;
            drop(sock);
        }
    });
    let mut config = ClientConfig::new(
        Endpoint::parse(&format!("https://{addr}")).unwrap(),
        &f.subscription,
        f.identity.clone(),
        f.trust.clone(),
    );
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    let client = Client::new(config).unwrap();
    let e = client.list_locations().await.unwrap_err();
    assert!(matches!(e, ClientError::Connect { .. }), "{e}");
    assert_eq!(*accepted.lock().unwrap(), 3, "three attempts in all");
    f.server.shutdown().await;
}

#[tokio::test]
async fn an_untrusted_server_is_refused() {
    let f = start(|_| {}).await;
    let mut config = ClientConfig::new(
        Endpoint::parse(&f.server.api_url).unwrap(),
        &f.subscription,
        f.identity.clone(),
        Trust::SystemRoots,
    );
    config.retry = RetryPolicy::none();
    let client = Client::new(config).unwrap();
    let e = client.subscription_info().await.unwrap_err();
    assert!(e.to_string().contains("not trusted"), "{e}");
    f.server.shutdown().await;
}

/// A TCP relay in front of the server that counts the connections it carries.
async fn counting_relay(target: std::net::SocketAddr) -> (std::net::SocketAddr, Arc<Mutex<u32>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(Mutex::new(0u32));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            *seen.lock().unwrap() += 1;
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, count)
}

#[tokio::test]
async fn connections_are_kept_alive_but_not_reused_after_max_idle() {
    let f = start(|_| {}).await;
    let (relay, connections) = counting_relay(f.server.api_addr).await;
    let client_with = |max_idle: Duration| {
        let mut config = ClientConfig::new(
            Endpoint::parse(&format!("https://{relay}")).unwrap(),
            &f.subscription,
            f.identity.clone(),
            f.trust.clone(),
        );
        config.max_idle = max_idle;
        Client::new(config).unwrap()
    };
    let keep = client_with(Duration::from_secs(15));
    for _ in 0..3 {
        keep.list_locations().await.unwrap();
    }
    assert_eq!(*connections.lock().unwrap(), 1, "one kept-alive connection");
    let fresh = client_with(Duration::ZERO);
    for _ in 0..3 {
        fresh.list_locations().await.unwrap();
    }
    assert_eq!(
        *connections.lock().unwrap(),
        4,
        "an idle connection past max_idle is replaced"
    );
    f.server.shutdown().await;
}

/// The management certificate kept in a local store is found by its thumbprint and
/// authenticates a client; its rustls configuration presents it; a store without the
/// certificate, or with the certificate but not its key, says so.
#[tokio::test]
async fn a_certificate_of_the_store_found_by_thumbprint_authenticates() {
    use azmc_certstore::{
        CertStore, KeyPolicy, NoPassphrase, Protection, StoreError, StoreLocation, StorePaths,
    };
    let f = start(|_| {}).await;
    let home = tempfile::tempdir().unwrap();
    let paths = StorePaths::new(home.path().join("user"), home.path().join("machine"));
    let location: StoreLocation = "CurrentUser/My".parse().unwrap();
    let store = CertStore::open(&paths, &location, clock::system()).unwrap();
    let cert = f.identity.certificate().clone();
    let thumbprint = cert.thumbprint();
    assert!(matches!(
        store.certificate_and_key(&thumbprint, &NoPassphrase),
        Err(StoreError::NotFound { .. })
    ));
    store.add(&cert, None, None).unwrap();
    assert!(matches!(
        store.certificate_and_key(&thumbprint, &NoPassphrase),
        Err(StoreError::NoPrivateKey { .. })
    ));
    // The bootstrap key, as `azmc account import` would have stored it.
    let ps = std::fs::read(f.server.bootstrap.publishsettings_file.as_ref().unwrap()).unwrap();
    let opened = azmc_wire::publishsettings::parse(&ps)
        .unwrap()
        .subscriptions()
        .unwrap()[0]
        .open_certificate(false)
        .unwrap();
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Default,
    };
    store
        .add(&cert, Some((&opened.key, &policy)), None)
        .unwrap();

    let (found, key) = store
        .certificate_and_key(&thumbprint, &NoPassphrase)
        .unwrap();
    assert_eq!(found, cert);
    let identity = Identity::new(found, key).unwrap();
    let tls = azmc_client::tls_client_config(&identity, &f.trust).unwrap();
    assert!(tls.client_auth_cert_resolver.has_certs());
    let client = Client::new(ClientConfig::new(
        Endpoint::parse(&f.server.api_url).unwrap(),
        &f.subscription,
        identity,
        f.trust.clone(),
    ))
    .unwrap();
    assert_eq!(
        client.subscription_info().await.unwrap().subscription_id,
        f.subscription
    );
}

/// Waits for an accepted change (a VM change always is one) and checks it succeeded.
async fn settle(client: &Client, submitted: Submitted) {
    let Submitted::Accepted { request_id } = &submitted else {
        panic!("VM changes are asynchronous: {submitted:?}");
    };
    let done = client
        .wait(request_id, fast_waits(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(done.status.as_str(), "Succeeded", "{done:?}");
}

#[tokio::test]
async fn virtual_machine_calls() {
    use azmc_client::api::{
        CreateCloudService, DataVirtualHardDiskXml, OsVirtualHardDiskXml, PostShutdownAction,
        ProvisioningKind, ProvisioningSetXml, RoleXml, Slot, VmDeploymentInput,
    };
    const UBUNTU: &str =
        "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB";
    const BLOB: &str = "https://libvms.blob.core.windows.net/vhds/";
    let f = start(|_| {}).await;
    let client = f.client(RetryPolicy::default());
    client
        .create_cloud_service(&CreateCloudService {
            name: "libvms".into(),
            label: None,
            description: None,
            location: Some("West US".into()),
            affinity_group: None,
        })
        .await
        .unwrap();
    let mut p = ProvisioningSetXml::new(ProvisioningKind::Linux);
    p.host_name = Some("vm1".into());
    p.user_name = Some("azureuser".into());
    p.password = Some("Passw0rd!x".into());
    let role = RoleXml {
        role_name: "vm1".into(),
        provisioning: Some(p),
        os_disk: Some(OsVirtualHardDiskXml {
            source_image_name: Some(UBUNTU.into()),
            media_link: Some(format!("{BLOB}vm1.vhd")),
            ..Default::default()
        }),
        role_size: Some("Small".into()),
        ..Default::default()
    };
    let input = VmDeploymentInput {
        name: Some("dep".into()),
        deployment_slot: Some("Production".into()),
        label: Some("dep".into()),
        roles: vec![role],
        ..Default::default()
    };
    settle(
        &client,
        client.create_vm_deployment("libvms", &input).await.unwrap(),
    )
    .await;
    let d = client.deployment_by_name("libvms", "dep").await.unwrap();
    assert_eq!(d.vm_roles.len(), 1);
    assert_eq!(d.role_instances[0].instance_status, "ReadyRole");
    assert_eq!(
        client
            .deployment("libvms", Slot::Production)
            .await
            .unwrap()
            .name,
        "dep"
    );

    // Get Role never answers the provisioning set; Update Role resizes.
    let mut got = client.role("libvms", "dep", "vm1").await.unwrap();
    assert!(got.provisioning.is_none());
    assert_eq!(got.role_size.as_deref(), Some("Small"));
    got.role_size = Some("Medium".into());
    settle(
        &client,
        client.update_role("libvms", "dep", &got).await.unwrap(),
    )
    .await;
    let got = client.role("libvms", "dep", "vm1").await.unwrap();
    assert_eq!(got.role_size.as_deref(), Some("Medium"));

    // Data disks: add, get, update, delete with its media.
    let disk = DataVirtualHardDiskXml {
        lun: Some(0),
        logical_disk_size_in_gb: Some(5),
        media_link: Some(format!("{BLOB}data0.vhd")),
        ..Default::default()
    };
    settle(
        &client,
        client
            .add_data_disk("libvms", "dep", "vm1", &disk)
            .await
            .unwrap(),
    )
    .await;
    let dd = client.data_disk("libvms", "dep", "vm1", 0).await.unwrap();
    assert_eq!(dd.logical_disk_size_in_gb, Some(5));
    let update = DataVirtualHardDiskXml {
        host_caching: Some("ReadWrite".into()),
        lun: Some(0),
        ..Default::default()
    };
    client
        .update_data_disk("libvms", "dep", "vm1", 0, &update)
        .await
        .unwrap();
    let dd2 = client.data_disk("libvms", "dep", "vm1", 0).await.unwrap();
    assert_eq!(dd2.host_caching.as_deref(), Some("ReadWrite"));
    settle(
        &client,
        client
            .delete_data_disk("libvms", "dep", "vm1", 0, true)
            .await
            .unwrap(),
    )
    .await;
    let e = client
        .data_disk("libvms", "dep", "vm1", 0)
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = client
        .disk(dd.disk_name.as_deref().unwrap())
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "the disk went with its media: {e}");

    // Role operations.
    let instance = |d: azmc_client::api::DeploymentXml| {
        let i = &d.role_instances[0];
        (i.instance_status.clone(), i.power_state.clone())
    };
    settle(
        &client,
        client
            .shutdown_role("libvms", "dep", "vm1", PostShutdownAction::Deallocated)
            .await
            .unwrap(),
    )
    .await;
    let d = client.deployment_by_name("libvms", "dep").await.unwrap();
    assert_eq!(instance(d), ("StoppedDeallocated".into(), "Stopped".into()));
    settle(
        &client,
        client.start_role("libvms", "dep", "vm1").await.unwrap(),
    )
    .await;
    settle(
        &client,
        client.restart_role("libvms", "dep", "vm1").await.unwrap(),
    )
    .await;
    let d = client.deployment_by_name("libvms", "dep").await.unwrap();
    assert_eq!(instance(d), ("ReadyRole".into(), "Started".into()));

    // A second role, deleted with its media; then the deployment with its media.
    let mut p = ProvisioningSetXml::new(ProvisioningKind::Linux);
    p.host_name = Some("vm2".into());
    p.user_name = Some("azureuser".into());
    p.password = Some("Passw0rd!x".into());
    let vm2 = RoleXml {
        role_name: "vm2".into(),
        provisioning: Some(p),
        os_disk: Some(OsVirtualHardDiskXml {
            source_image_name: Some(UBUNTU.into()),
            media_link: Some(format!("{BLOB}vm2.vhd")),
            ..Default::default()
        }),
        ..Default::default()
    };
    settle(
        &client,
        client.add_role("libvms", "dep", &vm2).await.unwrap(),
    )
    .await;
    settle(
        &client,
        client
            .delete_role("libvms", "dep", "vm2", true)
            .await
            .unwrap(),
    )
    .await;
    let e = client.role("libvms", "dep", "vm2").await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    settle(
        &client,
        client
            .delete_deployment_by_name("libvms", "dep", true)
            .await
            .unwrap(),
    )
    .await;
    assert!(client.list_disks().await.unwrap().is_empty());
    let e = client
        .deployment_by_name("libvms", "dep")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
}
