//! Locations, role sizes, the catalogues of classic IaaS (guest OS versions, resource
//! extensions), affinity groups and storage accounts end to end: an in-process server,
//! real TLS with the bootstrap management certificate, raw HTTP/1.1 requests.

use crate::resource_api::{Api, BAD_REQUEST, CONFLICT, NOT_FOUND, expect_error, operation_names};
use azmc_db::Quotas;
use azmc_wire::asm::{
    OperationStatus, parse_affinity_group, parse_affinity_groups, parse_availability,
    parse_locations, parse_operating_system_families, parse_operating_systems,
    parse_resource_extensions, parse_role_sizes, parse_storage_keys, parse_storage_service,
    parse_storage_services, parse_subscription,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_os_versions_and_resource_extensions_are_read_only_catalogues() {
    let api = Api::start(Duration::ZERO).await;
    let r = api.req("GET", "/{s}/operatingsystems", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let versions = parse_operating_systems(r.body.as_bytes()).unwrap();
    assert_eq!(versions.len(), 18);
    let r = api.req("GET", "/{s}/OperatingSystemFamilies", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let families = parse_operating_system_families(r.body.as_bytes()).unwrap();
    assert_eq!(
        families.iter().map(|f| f.name).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    // The same versions, family by family.
    let flat: Vec<_> = families
        .into_iter()
        .flat_map(|f| f.operating_systems)
        .collect();
    assert_eq!(flat, versions);

    let r = api
        .req("GET", "/{s}/services/resourceextensions", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = parse_resource_extensions(r.body.as_bytes()).unwrap();
    for (publisher, name) in [
        ("Microsoft.Compute", "BGInfo"),
        ("Microsoft.Compute", "VMAccessAgent"),
        ("Microsoft.Compute", "CustomScriptExtension"),
        ("Microsoft.OSTCExtensions", "VMAccessForLinux"),
        ("Microsoft.OSTCExtensions", "CustomScriptForLinux"),
        ("Chef.Bootstrap.WindowsAzure", "ChefClient"),
    ] {
        let e = listed
            .iter()
            .find(|e| e.publisher == publisher && e.name == name)
            .unwrap_or_else(|| panic!("{publisher}/{name} not listed"));
        // Each listed version is the last of its versions, as major.minor.
        let r = api
            .req(
                "GET",
                &format!("/{{s}}/services/resourceextensions/{publisher}/{name}"),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let all = parse_resource_extensions(r.body.as_bytes()).unwrap();
        assert!(
            all.iter()
                .all(|v| v.publisher == publisher && v.name == name)
        );
        assert!(all.last().unwrap().version.starts_with(&e.version), "{e:?}");
    }
    // Any case; answered in the catalogue's spelling.
    let r = api
        .req(
            "GET",
            "/{s}/services/resourceextensions/CHEF.bootstrap.windowsazure/chefCLIENT",
            None,
        )
        .await;
    let chef = parse_resource_extensions(r.body.as_bytes()).unwrap();
    assert_eq!(chef.len(), 8);
    assert_eq!(chef[0].publisher, "Chef.Bootstrap.WindowsAzure");
    expect_error(
        &api,
        "GET",
        "/{s}/services/resourceextensions/Microsoft.Compute/NoSuch",
        None,
        NOT_FOUND,
        "microsoft.compute/nosuch",
    )
    .await;
    expect_error(
        &api,
        "GET",
        "/{s}/services/resourceextensions/Microsoft.Compute",
        None,
        NOT_FOUND,
        "",
    )
    .await;
    // Read-only.
    for path in [
        "/{s}/operatingsystems",
        "/{s}/services/resourceextensions",
        "/{s}/services/resourceextensions/Microsoft.Compute/BGInfo",
    ] {
        let r = api.req("DELETE", path, None).await;
        assert!(r.status >= 400, "DELETE {path}: {} {}", r.status, r.body);
    }
    assert!(operation_names(&api).await.is_empty());
}

fn ag_body(name: &str, label: &str, location: &str) -> String {
    format!(
        "<CreateAffinityGroup xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>{name}</Name><Label>{}</Label><Description>group</Description><Location>{location}</Location></CreateAffinityGroup>",
        STANDARD.encode(label)
    )
}

fn sa_body(name: &str, place: &str, account_type: &str) -> String {
    format!(
        "<CreateStorageServiceInput xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Description>desc</Description><Label>{}</Label>{place}<ExtendedProperties><ExtendedProperty><Name>ext1</Name><Value>val1</Value></ExtendedProperty></ExtendedProperties><AccountType>{account_type}</AccountType></CreateStorageServiceInput>",
        STANDARD.encode(format!("{name}label"))
    )
}

fn at(location: &str) -> String {
    format!("<Location>{location}</Location>")
}

fn in_group(group: &str) -> String {
    format!("<AffinityGroup>{group}</AffinityGroup>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_and_role_sizes() {
    let api = Api::start(Duration::ZERO).await;
    let r = api.req("GET", "/{s}/locations", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/xml")
    );
    let locs = parse_locations(r.body.as_bytes()).unwrap();
    let names: Vec<_> = locs.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "West US",
            "East US",
            "North Europe",
            "West Europe",
            "East Asia",
            "Southeast Asia"
        ]
    );
    for l in &locs {
        assert_eq!(l.display_name, l.name);
        assert!(l.available_services.iter().any(|s| s == "Compute"));
        assert!(l.available_services.iter().any(|s| s == "Storage"));
        assert!(l.web_worker_role_sizes.iter().any(|s| s == "Small"));
        // The Basic tier is for virtual machines only.
        assert!(!l.web_worker_role_sizes.iter().any(|s| s == "Basic_A1"));
        assert!(
            l.virtual_machines_role_sizes
                .iter()
                .any(|s| s == "Basic_A1")
        );
        assert!(l.virtual_machines_role_sizes.iter().any(|s| s == "A7"));
        assert_eq!(l.storage_account_types.len(), 5);
        assert!(l.storage_account_types.iter().any(|s| s == "Premium_LRS"));
    }
    let r = api.req("GET", "/{s}/rolesizes", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sizes = parse_role_sizes(r.body.as_bytes()).unwrap();
    let names: Vec<_> = sizes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ExtraSmall",
            "Small",
            "Medium",
            "Large",
            "ExtraLarge",
            "A5",
            "A6",
            "A7",
            "Basic_A0",
            "Basic_A1",
            "Basic_A2",
            "Basic_A3",
            "Basic_A4",
            "Standard_D1",
            "Standard_D2",
            "Standard_D3",
            "Standard_D4",
            "Standard_D11",
            "Standard_D12",
            "Standard_D13",
            "Standard_D14",
        ]
    );
    let a7 = sizes.iter().find(|s| s.name == "A7").unwrap();
    assert_eq!(
        (a7.cores, a7.memory_in_mb, a7.max_data_disk_count),
        (8, 57344, 16)
    );
    assert_eq!(a7.label, "A7 (8 cores, 57344 MB)");
    let xs = sizes.iter().find(|s| s.name == "ExtraSmall").unwrap();
    assert_eq!((xs.cores, xs.memory_in_mb), (1, 768));
    assert!(xs.supported_by_virtual_machines && xs.supported_by_web_worker_roles);
    // Reads are not operations.
    assert!(operation_names(&api).await.is_empty());
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn affinity_groups_create_read_update_delete_and_errors() {
    let api = Api::start(Duration::ZERO).await;
    let ags = "/{s}/affinitygroups";

    let r = api
        .req(
            "POST",
            ags,
            Some(&ag_body("MyGroup", "my label", "west us")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.is_empty());
    assert!(
        r.header("location")
            .unwrap()
            .ends_with(&format!("/subscriptions/{}/affinitygroup/MyGroup", api.sub)),
        "{:?}",
        r.header("location")
    );
    let created_id = r.request_id();

    let r = api.req("GET", &format!("{ags}/mygroup"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let g = parse_affinity_group(r.body.as_bytes()).unwrap();
    assert_eq!(g.name, "MyGroup");
    assert_eq!(STANDARD.decode(&g.label).unwrap(), b"my label");
    assert_eq!(g.description.as_deref(), Some("group"));
    assert_eq!(g.location, "West US", "canonical spelling");
    assert_eq!(g.hosted_services, Some(vec![]));
    assert_eq!(g.storage_services, Some(vec![]));
    assert_eq!(g.capabilities, ["PersistentVMRole", "HighMemory"]);
    assert!(g.created_time.ends_with('Z') && g.created_time.len() == 20);
    // ComputeCapabilities only in lists, as real Azure sent them.
    assert!(g.web_worker_role_sizes.is_empty() && !r.body.contains("ComputeCapabilities"));
    let listed = api.get(ags, parse_affinity_groups).await;
    assert!(listed[0].web_worker_role_sizes.iter().any(|s| s == "Small"));

    // 409: the name is taken in this subscription (any case).
    let conflict = expect_error(
        &api,
        "POST",
        ags,
        Some(&ag_body("MYGROUP", "x", "East US")),
        CONFLICT,
        "already exists",
    )
    .await;
    // 400s naming the field.
    let long_label = STANDARD.encode("x".repeat(101));
    let bad = [
        (
            "<CreateAffinityGroup><Label>eA==</Label><Location>West US</Location></CreateAffinityGroup>"
                .to_string(),
            "BadRequest",
            "Name",
        ),
        (ag_body("bad name", "x", "West US"), "BadRequest", "Name"),
        (
            "<CreateAffinityGroup><Name>g2</Name><Location>West US</Location></CreateAffinityGroup>"
                .to_string(),
            "BadRequest",
            "Label",
        ),
        (
            "<CreateAffinityGroup><Name>g2</Name><Label>!!notbase64</Label><Location>West US</Location></CreateAffinityGroup>"
                .to_string(),
            "BadRequest",
            "Label",
        ),
        (
            format!("<CreateAffinityGroup><Name>g2</Name><Label>{long_label}</Label><Location>West US</Location></CreateAffinityGroup>"),
            "BadRequest",
            "Label",
        ),
        (
            format!("<CreateAffinityGroup><Name>g2</Name><Label>eA==</Label><Description>{}</Description><Location>West US</Location></CreateAffinityGroup>", "d".repeat(1025)),
            "BadRequest",
            "Description",
        ),
        (
            "<CreateAffinityGroup><Name>g2</Name><Label>eA==</Label></CreateAffinityGroup>"
                .to_string(),
            "BadRequest",
            "Location",
        ),
        (ag_body("g2", "x", "Mars North"), "BadRequest", "Location"),
        (
            "<CreateAffinityGroup><Name>g2</Name><Label>a&b</Label></CreateAffinityGroup>"
                .to_string(),
            "InvalidXmlRequest",
            "XML",
        ),
        (
            "<CreateHostedService><Name>g2</Name></CreateHostedService>".to_string(),
            "InvalidXmlRequest",
            "CreateAffinityGroup",
        ),
    ];
    for (body, code, field) in &bad {
        expect_error(&api, "POST", ags, Some(body), (400, code), field).await;
    }
    let list = api.get(ags, parse_affinity_groups).await;
    assert_eq!(list.len(), 1, "nothing created by the failed requests");
    assert_eq!(list[0].name, "MyGroup");
    assert_eq!(list[0].hosted_services, None, "lists omit members");

    // Update: label and description.
    let upd = format!(
        "<UpdateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\"><Label>{}</Label><Description>new desc</Description></UpdateAffinityGroup>",
        STANDARD.encode("new label")
    );
    let r = api.req("PUT", &format!("{ags}/MyGroup"), Some(&upd)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.is_empty());
    let updated_id = r.request_id();
    let g = api
        .get(&format!("{ags}/MyGroup"), parse_affinity_group)
        .await;
    assert_eq!(STANDARD.decode(&g.label).unwrap(), b"new label");
    assert_eq!(g.description.as_deref(), Some("new desc"));
    expect_error(
        &api,
        "PUT",
        &format!("{ags}/MyGroup"),
        Some("<UpdateAffinityGroup><Description>x</Description></UpdateAffinityGroup>"),
        BAD_REQUEST,
        "Label",
    )
    .await;

    // 404s.
    for (method, body) in [("GET", None), ("PUT", Some(upd.as_str())), ("DELETE", None)] {
        expect_error(
            &api,
            method,
            &format!("{ags}/nosuchgroup"),
            body,
            NOT_FOUND,
            "nosuchgroup",
        )
        .await;
    }

    // In use by a storage account: delete refused, the group lists the account.
    let r = api
        .req(
            "POST",
            "/{s}/services/storageservices",
            Some(&sa_body("agstore1", &in_group("mygroup"), "Standard_LRS")),
        )
        .await;
    api.assert_accepted_and_succeeded(&r).await;
    let a = api
        .get(
            "/{s}/services/storageservices/agstore1",
            parse_storage_service,
        )
        .await;
    assert_eq!(a.affinity_group.as_deref(), Some("MyGroup"));
    assert_eq!(
        a.location.as_deref(),
        Some("West US"),
        "the group's location"
    );
    let g = api
        .get(&format!("{ags}/MyGroup"), parse_affinity_group)
        .await;
    let members = g.storage_services.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].service_name, "agstore1");
    assert!(
        members[0]
            .url
            .ends_with(&format!("/{}/services/storageservices/agstore1", api.sub))
    );
    // Each member with its properties, as recorded.
    assert_eq!(members[0].affinity_group.as_deref(), Some("MyGroup"));
    assert_eq!(members[0].status, "Created");
    assert_eq!(
        STANDARD.decode(&members[0].label).unwrap(),
        b"agstore1label"
    );
    let hosted = format!(
        "<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>aghosted</ServiceName><Label>{}</Label><Description>in the group</Description><AffinityGroup>mygroup</AffinityGroup></CreateHostedService>",
        STANDARD.encode("hosted label")
    );
    let r = api
        .req("POST", "/{s}/services/hostedservices", Some(&hosted))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = api.req("GET", &format!("{ags}/MyGroup"), None).await;
    let g = parse_affinity_group(r.body.as_bytes()).unwrap();
    let services = g.hosted_services.unwrap();
    assert_eq!(services.len(), 1);
    let h = &services[0];
    assert_eq!(h.service_name, "aghosted");
    assert_eq!(h.description.as_deref(), Some("in the group"));
    assert_eq!(h.affinity_group.as_deref(), Some("MyGroup"));
    assert_eq!(
        (h.status.as_str(), h.location.as_deref()),
        ("Created", None)
    );
    assert_eq!(STANDARD.decode(&h.label).unwrap(), b"hosted label");
    assert!(h.date_created.ends_with('Z') && h.date_last_modified.ends_with('Z'));
    assert!(
        r.body.contains("<ServiceName>aghosted</ServiceName><HostedServiceProperties><Description>in the group</Description><AffinityGroup>MyGroup</AffinityGroup><Label>")
            && !r.body.contains("ComputeCapabilities"),
        "{}",
        r.body
    );
    let r = api
        .req("DELETE", "/{s}/services/hostedservices/aghosted", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        api.state()
            .db
            .affinity_group_in_use(&api.sub, "MYGROUP")
            .await
            .unwrap()
    );
    let in_use = expect_error(
        &api,
        "DELETE",
        &format!("{ags}/MyGroup"),
        None,
        CONFLICT,
        "in use",
    )
    .await;
    assert!(in_use.error().1.to_lowercase().contains("mygroup"));
    assert_eq!(
        api.req("DELETE", "/{s}/services/storageservices/agstore1", None)
            .await
            .status,
        200
    );
    assert!(
        !api.state()
            .db
            .affinity_group_in_use(&api.sub, "mygroup")
            .await
            .unwrap()
    );
    let r = api.req("DELETE", &format!("{ags}/MyGroup"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deleted_id = r.request_id();
    expect_error(
        &api,
        "GET",
        &format!("{ags}/MyGroup"),
        None,
        NOT_FOUND,
        "does not exist",
    )
    .await;
    assert!(api.get(ags, parse_affinity_groups).await.is_empty());

    // The operation log: names, outcomes, the caller.
    // Answered 201; the operation says 200, as the live service's did.
    assert_eq!(
        api.wait(&created_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    assert_eq!(
        api.wait(&updated_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    assert_eq!(
        api.wait(&deleted_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    api.assert_failed(&conflict.request_id(), 409, "ConflictError")
        .await;
    assert_eq!(
        api.wait(&in_use.request_id()).await.2.as_deref(),
        Some("ConflictError")
    );
    api.assert_logged(&[
        (&created_id, "CreateAffinityGroup"),
        (&updated_id, "UpdateAffinityGroup"),
        (&deleted_id, "DeleteAffinityGroup"),
    ])
    .await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_accounts_end_to_end() {
    let api = Api::start(Duration::from_millis(600)).await;
    let ss = "/{s}/services/storageservices";

    let r = api
        .req(
            "GET",
            &format!("{ss}/operations/isavailable/mystore1"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<Reason i:nil=\"true\"/>"), "{}", r.body);
    assert_eq!(parse_availability(r.body.as_bytes()).unwrap(), (true, None));

    // Create: 202, InProgress while the job waits, then Succeeded 200.
    let r = api
        .req(
            "POST",
            ss,
            Some(&sa_body("mystore1", &at("west us"), "Standard_GRS")),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.body.is_empty());
    assert!(
        r.header("location")
            .unwrap()
            .ends_with(&format!("/subscriptions/{}/storage/mystore1", api.sub))
    );
    let create_id = r.request_id();
    assert_eq!(api.status_of(&create_id).await, OperationStatus::InProgress);
    let a = api
        .get(&format!("{ss}/mystore1"), parse_storage_service)
        .await;
    assert_eq!(a.status, "Creating");
    assert_eq!(
        api.wait(&create_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );

    let r = api.req("GET", &format!("{ss}/MyStore1"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = parse_storage_service(r.body.as_bytes()).unwrap();
    assert_eq!(a.service_name, "mystore1");
    assert!(
        a.url
            .ends_with(&format!("/{}/services/storageservices/mystore1", api.sub)),
        "{}",
        a.url
    );
    assert_eq!(a.status, "Created");
    assert_eq!(a.location.as_deref(), Some("West US"));
    assert_eq!(a.affinity_group, None);
    assert_eq!(STANDARD.decode(&a.label).unwrap(), b"mystore1label");
    assert_eq!(a.description.as_deref(), Some("desc"));
    assert_eq!(a.account_type, "Standard_GRS");
    assert_eq!(
        a.endpoints,
        [
            "https://mystore1.blob.azmc.localhost/",
            "https://mystore1.queue.azmc.localhost/",
            "https://mystore1.table.azmc.localhost/",
            "https://mystore1.file.azmc.localhost/"
        ]
    );
    assert_eq!(a.geo_primary_region.as_deref(), Some("West US"));
    assert_eq!(a.geo_secondary_region.as_deref(), Some("East US"));
    assert_eq!(a.status_of_primary.as_deref(), Some("Available"));
    assert_eq!(a.extended_properties, vec![("ext1".into(), "val1".into())]);
    assert_eq!(a.capabilities, ["PersistentVMRole"]);
    let list = api.get(ss, parse_storage_services).await;
    assert_eq!(list, vec![a.clone()]);

    // Keys: two 64-byte keys; regenerate replaces exactly the one asked for.
    let r = api.req("GET", &format!("{ss}/mystore1/keys"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let k = parse_storage_keys(r.body.as_bytes()).unwrap();
    assert_eq!(STANDARD.decode(&k.primary).unwrap().len(), 64);
    assert_eq!(STANDARD.decode(&k.secondary).unwrap().len(), 64);
    assert_ne!(k.primary, k.secondary);
    assert!(k.url.ends_with("/services/storageservices/mystore1"));
    let regen = |t: &str| {
        format!(
            "<RegenerateKeys xmlns=\"http://schemas.microsoft.com/windowsazure\"><KeyType>{t}</KeyType></RegenerateKeys>"
        )
    };
    let r = api
        .req(
            "POST",
            &format!("{ss}/mystore1/keys?action=regenerate"),
            Some(&regen("Primary")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let regen_id = r.request_id();
    let k2 = parse_storage_keys(r.body.as_bytes()).unwrap();
    assert_ne!(k2.primary, k.primary);
    assert_eq!(k2.secondary, k.secondary);
    assert_eq!(STANDARD.decode(&k2.primary).unwrap().len(), 64);
    let r = api
        .req(
            "POST",
            &format!("{ss}/mystore1/keys?action=regenerate"),
            Some(&regen("secondary")),
        )
        .await;
    let k3 = parse_storage_keys(r.body.as_bytes()).unwrap();
    assert_eq!(k3.primary, k2.primary);
    assert_ne!(k3.secondary, k2.secondary);
    assert_eq!(
        api.get(&format!("{ss}/mystore1/keys"), parse_storage_keys)
            .await,
        k3
    );
    for (path, body, error, needle) in [
        (
            format!("{ss}/mystore1/keys?action=regenerate").as_str(),
            Some(regen("Tertiary").as_str()),
            BAD_REQUEST,
            "KeyType",
        ),
        (
            format!("{ss}/mystore1/keys?action=regenerate").as_str(),
            Some("<RegenerateKeys/>"),
            BAD_REQUEST,
            "KeyType",
        ),
        (
            format!("{ss}/mystore1/keys").as_str(),
            Some(regen("Primary").as_str()),
            (400, "MissingOrInvalidRequiredQueryParameter"),
            "action=regenerate",
        ),
    ] {
        expect_error(&api, "POST", path, body, error, needle).await;
    }

    // Update: label, description, account type (GRS → LRS), extended properties merged.
    let upd = |t: &str| {
        format!(
            "<UpdateStorageServiceInput xmlns=\"http://schemas.microsoft.com/windowsazure\"><Description>new desc</Description><Label>{}</Label><ExtendedProperties><ExtendedProperty><Name>ext2</Name><Value>two</Value></ExtendedProperty></ExtendedProperties><AccountType>{t}</AccountType></UpdateStorageServiceInput>",
            STANDARD.encode("new label")
        )
    };
    let r = api
        .req("PUT", &format!("{ss}/mystore1"), Some(&upd("Standard_LRS")))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.is_empty());
    let update_id = r.request_id();
    let a = api
        .get(&format!("{ss}/mystore1"), parse_storage_service)
        .await;
    assert_eq!(STANDARD.decode(&a.label).unwrap(), b"new label");
    assert_eq!(a.description.as_deref(), Some("new desc"));
    assert_eq!(a.account_type, "Standard_LRS");
    assert_eq!(a.geo_secondary_region, None, "no secondary for LRS");
    assert_eq!(
        a.extended_properties,
        vec![
            ("ext1".into(), "val1".into()),
            ("ext2".into(), "two".into())
        ]
    );
    for (body, field) in [
        (upd("Premium_LRS"), "AccountType"),
        (upd("Standard_Fast"), "AccountType"),
        (
            "<UpdateStorageServiceInput><Label>%%%</Label></UpdateStorageServiceInput>".into(),
            "Label",
        ),
    ] {
        expect_error(
            &api,
            "PUT",
            &format!("{ss}/mystore1"),
            Some(&body),
            BAD_REQUEST,
            field,
        )
        .await;
    }

    // Name availability now: taken in this subscription; invalid names are never free.
    let (ok, reason) = api
        .get(
            &format!("{ss}/operations/isavailable/mystore1"),
            parse_availability,
        )
        .await;
    assert!(!ok);
    assert_eq!(
        reason.as_deref(),
        Some("A storage account named 'mystore1' already exists in the subscription.")
    );
    let (ok, reason) = api
        .get(
            &format!("{ss}/operations/isavailable/ab"),
            parse_availability,
        )
        .await;
    assert!(!ok && reason.unwrap().contains("between 3 and 24"));

    // 409 on a taken name, 400s naming the field; nothing created by any of them.
    let conflict = expect_error(
        &api,
        "POST",
        ss,
        Some(&sa_body("mystore1", &at("East US"), "Standard_LRS")),
        CONFLICT,
        "mystore1",
    )
    .await;
    let bad = [
        (
            "<CreateStorageServiceInput><Label>eA==</Label><Location>West US</Location></CreateStorageServiceInput>".to_string(),
            "BadRequest",
            "ServiceName",
        ),
        (sa_body("ab", &at("West US"), "Standard_LRS"), "BadRequest", "ServiceName"),
        (sa_body(&"a".repeat(25), &at("West US"), "Standard_LRS"), "BadRequest", "ServiceName"),
        (sa_body("UpperCase", &at("West US"), "Standard_LRS"), "BadRequest", "ServiceName"),
        (sa_body("with-hyphen", &at("West US"), "Standard_LRS"), "BadRequest", "ServiceName"),
        (
            "<CreateStorageServiceInput><ServiceName>okname1</ServiceName><Location>West US</Location></CreateStorageServiceInput>".to_string(),
            "BadRequest",
            "Label",
        ),
        (
            "<CreateStorageServiceInput><ServiceName>okname1</ServiceName><Label>***</Label><Location>West US</Location></CreateStorageServiceInput>".to_string(),
            "BadRequest",
            "Label",
        ),
        (
            format!("<CreateStorageServiceInput><ServiceName>okname1</ServiceName><Label>eA==</Label><Description>{}</Description><Location>West US</Location></CreateStorageServiceInput>", "d".repeat(1025)),
            "BadRequest",
            "Description",
        ),
        (sa_body("okname1", "", "Standard_LRS"), "BadRequest", "Location or AffinityGroup"),
        (
            sa_body("okname1", &format!("{}{}", at("West US"), in_group("g")), "Standard_LRS"),
            "BadRequest",
            "either Location or AffinityGroup",
        ),
        (sa_body("okname1", &at("Atlantis"), "Standard_LRS"), "BadRequest", "Location"),
        (sa_body("okname1", &in_group("nosuchgroup"), "Standard_LRS"), "BadRequest", "AffinityGroup"),
        (sa_body("okname1", &at("West US"), "Standard_Fast"), "BadRequest", "AccountType"),
        (
            "<CreateStorageServiceInput><ServiceName>okname1</ServiceName>".to_string(),
            "InvalidXmlRequest",
            "XML",
        ),
    ];
    for (body, code, field) in &bad {
        expect_error(&api, "POST", ss, Some(body), (400, code), field).await;
    }
    assert_eq!(api.get(ss, parse_storage_services).await.len(), 1);

    // Older callers: no AccountType, GeoReplicationEnabled=false → Standard_LRS; ZRS kept.
    let r = api
        .req(
            "POST",
            ss,
            Some(&format!(
                "<CreateStorageServiceInput><ServiceName>oldstyle</ServiceName><Label>{}</Label><Location>East Asia</Location><GeoReplicationEnabled>false</GeoReplicationEnabled></CreateStorageServiceInput>",
                STANDARD.encode("old")
            )),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.wait(&r.request_id()).await;
    let a = api
        .get(&format!("{ss}/oldstyle"), parse_storage_service)
        .await;
    assert_eq!(a.account_type, "Standard_LRS");
    assert_eq!(a.location.as_deref(), Some("East Asia"));

    // Get Subscription counts storage accounts.
    let sub = api.get("/{s}", parse_subscription).await;
    assert_eq!(sub.current_storage_accounts, 2);

    // 404s.
    for (method, path, body) in [
        ("GET", format!("{ss}/nosuchacct"), None),
        ("GET", format!("{ss}/nosuchacct/keys"), None),
        (
            "POST",
            format!("{ss}/nosuchacct/keys?action=regenerate"),
            Some(regen("Primary")),
        ),
        ("PUT", format!("{ss}/nosuchacct"), Some(upd("Standard_LRS"))),
        ("DELETE", format!("{ss}/nosuchacct"), None),
    ] {
        expect_error(
            &api,
            method,
            &path,
            body.as_deref(),
            NOT_FOUND,
            "The storage account 'nosuchacct' was not found.",
        )
        .await;
    }

    // Delete: 200, the operation Succeeded, the account gone, the name free again.
    let r = api.req("DELETE", &format!("{ss}/mystore1"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.is_empty());
    let delete_id = r.request_id();
    assert_eq!(
        api.wait(&delete_id).await,
        (OperationStatus::Succeeded, Some(200), None)
    );
    expect_error(
        &api,
        "GET",
        &format!("{ss}/mystore1"),
        None,
        NOT_FOUND,
        "was not found",
    )
    .await;
    assert!(
        api.get(
            &format!("{ss}/operations/isavailable/mystore1"),
            parse_availability
        )
        .await
        .0
    );
    let sub = api.get("/{s}", parse_subscription).await;
    assert_eq!(sub.current_storage_accounts, 1);

    // The operation log.
    api.assert_failed(&conflict.request_id(), 409, "ConflictError")
        .await;
    api.assert_logged(&[
        (&create_id, "CreateStorageService"),
        (&regen_id, "RegenerateStorageServiceKeys"),
        (&update_id, "UpdateStorageService"),
        (&delete_id, "DeleteStorageService"),
    ])
    .await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_quota_and_names_across_subscriptions() {
    let api = Api::start(Duration::ZERO).await;
    // A second subscription, allowed one storage account, managed by the same certificate.
    let second = "5ec0dd00-0000-4000-8000-00000000000a";
    api.second_subscription(
        second,
        &Quotas {
            max_storage_accounts: 1,
            ..Quotas::default()
        },
    )
    .await;

    let ss2 = format!("/{second}/services/storageservices");
    let r = api
        .req(
            "POST",
            &ss2,
            Some(&sa_body("quotaa", &at("East US"), "Standard_LRS")),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        api.wait_in(second, &r.request_id()).await,
        OperationStatus::Succeeded
    );
    let r = expect_error(
        &api,
        "POST",
        &ss2,
        Some(&sa_body("quotab", &at("East US"), "Standard_LRS")),
        CONFLICT,
        "maximum of 1 storage accounts",
    )
    .await;
    assert!(r.error().1.contains("MaxStorageAccounts"));
    // Names are unique across subscriptions.
    expect_error(
        &api,
        "POST",
        "/{s}/services/storageservices",
        Some(&sa_body("quotaa", &at("East US"), "Standard_LRS")),
        CONFLICT,
        "quotaa",
    )
    .await;
    let (ok, reason) = api
        .get(
            "/{s}/services/storageservices/operations/isavailable/quotaa",
            parse_availability,
        )
        .await;
    assert!(!ok);
    assert!(reason.unwrap().contains("already taken"));
    // Each subscription sees only its own.
    assert!(
        api.get("/{s}/services/storageservices", parse_storage_services)
            .await
            .is_empty()
    );
    expect_error(
        &api,
        "GET",
        "/{s}/services/storageservices/quotaa",
        None,
        NOT_FOUND,
        "was not found",
    )
    .await;
    // An affinity group of the other subscription is not usable here.
    let r = api
        .req(
            "POST",
            &format!("/{second}/affinitygroups"),
            Some(&ag_body("sharedname", "x", "East US")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    expect_error(
        &api,
        "POST",
        "/{s}/services/storageservices",
        Some(&sa_body("other1", &in_group("sharedname"), "Standard_LRS")),
        BAD_REQUEST,
        "AffinityGroup",
    )
    .await;
    // ... and the same group name is free in this subscription.
    let r = api
        .req(
            "POST",
            "/{s}/affinitygroups",
            Some(&ag_body("SharedName", "x", "West US")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // After a delete the quota has room again.
    assert_eq!(
        api.req("DELETE", &format!("{ss2}/quotaa"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        api.req(
            "POST",
            &ss2,
            Some(&sa_body("quotab", &at("East US"), "Standard_LRS"))
        )
        .await
        .status,
        202
    );
    api.stop().await;
}
