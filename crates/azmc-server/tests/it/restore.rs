//! Soft delete and restore of storage accounts and cloud services over the wire
//! (`?comp=deleted` lists, `POST …?comp=restore`), names kept for their subscription, the
//! operation log, and a server that keeps nothing (`restore_window` zero).

use crate::resource_api::{
    Api, CONFLICT, NOT_FOUND, all_operations, assert_names_logged, expect_error,
};
use azmc_db::Quotas;
use azmc_wire::asm::{
    DeletedKind, OperationStatus, parse_availability, parse_deleted, parse_hosted_service,
    parse_storage_keys, parse_storage_service, parse_storage_services,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;

const SS: &str = "/{s}/services/storageservices";
const HS: &str = "/{s}/services/hostedservices";

fn account_body(name: &str) -> String {
    format!(
        "<CreateStorageServiceInput xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Description>kept</Description><Label>{}</Label><Location>West US</Location><ExtendedProperties><ExtendedProperty><Name>ext1</Name><Value>val1</Value></ExtendedProperty></ExtendedProperties><AccountType>Standard_RAGRS</AccountType></CreateStorageServiceInput>",
        STANDARD.encode(format!("{name} label"))
    )
}

fn service_body(name: &str) -> String {
    format!(
        "<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Label>{}</Label><Description>svc</Description><Location>West US</Location></CreateHostedService>",
        STANDARD.encode(format!("{name} label"))
    )
}

fn time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Iso8601::DEFAULT).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_accounts_and_services_are_restored_by_their_subscription() {
    let api = Api::start(Duration::ZERO).await;
    let other = "5ec0dd00-0000-4000-8000-00000000000b";
    api.second_subscription(other, &Quotas::default()).await;

    // A storage account with its keys, deleted: gone from the API, listed as deleted for
    // 14 days (the default window).
    let r = api.req("POST", SS, Some(&account_body("keptstore"))).await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    let account = format!("{SS}/keptstore");
    let keys = api
        .get(&format!("{account}/keys"), parse_storage_keys)
        .await;
    let r = api.req("DELETE", &account, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deleted_id = r.request_id();
    api.req("GET", &account, None).await.not_found();
    assert!(api.get(SS, parse_storage_services).await.is_empty());
    let listed = api
        .get(&format!("{SS}?comp=deleted"), |b| {
            parse_deleted(DeletedKind::StorageServices, b)
        })
        .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].service_name, "keptstore");
    assert_eq!(listed[0].account_type.as_deref(), Some("Standard_RAGRS"));
    let window = time(&listed[0].purge_time) - time(&listed[0].deleted_time);
    assert_eq!(window, time::Duration::days(14));
    let theirs = format!("/{other}/services/storageservices");
    assert!(
        api.get(&format!("{theirs}?comp=deleted"), |b| {
            parse_deleted(DeletedKind::StorageServices, b)
        })
        .await
        .is_empty()
    );

    // The name stays reserved: another subscription cannot take or restore it; its own
    // subscription could create it anew.
    expect_error(
        &api,
        "POST",
        &theirs,
        Some(&account_body("keptstore")),
        CONFLICT,
        "keptstore",
    )
    .await;
    let (free, reason) = api
        .get(
            &format!("{theirs}/operations/isavailable/keptstore"),
            parse_availability,
        )
        .await;
    assert!(!free);
    assert!(reason.unwrap().contains("already taken"));
    let (free, _) = api
        .get(
            &format!("{SS}/operations/isavailable/keptstore"),
            parse_availability,
        )
        .await;
    assert!(free);
    expect_error(
        &api,
        "POST",
        &format!("{theirs}/keptstore?comp=restore"),
        None,
        NOT_FOUND,
        "deleted storage account 'keptstore'",
    )
    .await;
    expect_error(
        &api,
        "POST",
        &account,
        None,
        (400, "MissingOrInvalidRequiredQueryParameter"),
        "comp=restore",
    )
    .await;

    // Restored with the same keys and properties.
    let r = api
        .req("POST", &format!("{account}?comp=restore"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let restored_id = r.request_id();
    let a = api.get(&account, parse_storage_service).await;
    assert_eq!(a.status, "Created");
    assert_eq!(a.label, STANDARD.encode("keptstore label"));
    assert_eq!(
        a.extended_properties,
        [("ext1".to_string(), "val1".to_string())]
    );
    let again = api
        .get(&format!("{account}/keys"), parse_storage_keys)
        .await;
    assert_eq!(
        (again.primary, again.secondary),
        (keys.primary, keys.secondary)
    );
    expect_error(
        &api,
        "POST",
        &format!("{account}?comp=restore"),
        None,
        NOT_FOUND,
        "keptstore",
    )
    .await;

    // A cloud service: deleted, listed, restored; the POST without comp is still Swap
    // Deployment.
    let r = api.req("POST", HS, Some(&service_body("kept-svc"))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let service = format!("{HS}/kept-svc");
    assert_eq!(api.req("DELETE", &service, None).await.status, 200);
    let listed = api
        .get(&format!("{HS}?comp=deleted"), |b| {
            parse_deleted(DeletedKind::HostedServices, b)
        })
        .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (listed[0].service_name.as_str(), listed[0].certificate_count),
        ("kept-svc", Some(0))
    );
    expect_error(
        &api,
        "POST",
        &format!("/{other}/services/hostedservices"),
        Some(&service_body("kept-svc")),
        CONFLICT,
        "DNS name",
    )
    .await;
    let r = api
        .req("POST", &format!("{service}?comp=restore"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let svc_restored = r.request_id();
    let h = api.get(&service, parse_hosted_service).await;
    assert_eq!(h.service_name, "kept-svc");
    let swap = api.req("POST", &service, Some("<Swap/>")).await;
    assert_eq!(swap.status, 400, "{}", swap.body);

    // The operation log names what happened.
    let ops = all_operations(&api).await;
    assert_names_logged(
        &ops,
        &[
            "DeleteStorageService",
            "RestoreStorageService",
            "RestoreHostedService",
        ],
    );
    for (id, name) in [
        (&deleted_id, "DeleteStorageService"),
        (&restored_id, "RestoreStorageService"),
        (&svc_restored, "RestoreHostedService"),
    ] {
        let op = ops.iter().find(|o| &o.operation_id == id).unwrap();
        assert_eq!(op.operation_name, name);
        assert_eq!(op.operation_status.status, OperationStatus::Succeeded);
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_a_restore_window_deletes_at_once() {
    let api = Api::start_with(|c| c.restore_window = Duration::ZERO).await;
    let r = api.req("POST", SS, Some(&account_body("gonestore"))).await;
    api.assert_succeeded(&r.request_id()).await;
    assert_eq!(
        api.req("DELETE", &format!("{SS}/gonestore"), None)
            .await
            .status,
        200
    );
    assert!(
        api.get(&format!("{SS}?comp=deleted"), |b| {
            parse_deleted(DeletedKind::StorageServices, b)
        })
        .await
        .is_empty()
    );
    expect_error(
        &api,
        "POST",
        &format!("{SS}/gonestore?comp=restore"),
        None,
        NOT_FOUND,
        "gonestore",
    )
    .await;
    api.stop().await;
}

/// The job runner's sweep (run at every start, then about once a minute) drops what is
/// past its window, and nothing before: the server's clock is the test's.
#[tokio::test]
async fn the_sweep_purges_deleted_resources_past_their_window() {
    use crate::client::Req;
    use crate::support::{Backend, Env, now};
    use azmc_pki::clock::FixedClock;
    use std::sync::Arc;
    let env = Env::new(Backend::Sqlite).await;
    // Whole seconds: the database keeps microseconds.
    let t0 = now().replace_nanosecond(0).unwrap();
    let at = |d: time::Duration| -> azmc_pki::clock::SharedClock { Arc::new(FixedClock(t0 + d)) };
    let api = env
        .start_clocked(env.config(), at(time::Duration::ZERO))
        .await;
    let c = api.admin_client();
    let sub = api.sub.clone();
    let r = c
        .send(
            Req::post(
                &format!("/{sub}/services/storageservices"),
                account_body("sweptstore"),
            )
            .header("content-type", "application/xml"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 202, "{}", r.text());
    let r = c
        .send(Req::delete(&format!(
            "/{sub}/services/storageservices/sweptstore"
        )))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let kept = api.db().list_deleted_storage_accounts(&sub).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].purge_at, t0 + time::Duration::days(14));
    api.stop().await;

    let api = env
        .start_clocked(
            env.config(),
            at(time::Duration::days(14) - time::Duration::seconds(1)),
        )
        .await;
    assert_eq!(
        api.db()
            .list_deleted_storage_accounts(&sub)
            .await
            .unwrap()
            .len(),
        1
    );
    api.stop().await;
    let api = env
        .start_clocked(env.config(), at(time::Duration::days(14)))
        .await;
    assert!(
        api.db()
            .list_deleted_storage_accounts(&sub)
            .await
            .unwrap()
            .is_empty()
    );
    api.stop().await;
}
