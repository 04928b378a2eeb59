//! The body of the `asm_requests` fuzz target, shared with azmc-wire's `fuzz_bodies` test
//! (which runs it over the seeds and mutations of them on stable): every reader of an ASM
//! request body in `azmc_wire::asm`, on the same bytes.
//!
//! * `parse_document` (with the request limits) and `parse_document_with` the response
//!   limits agree (looser limits never refuse what the tighter ones read, and read it
//!   alike); `parse_flat` with the root's own name gives the same tree; the tree's
//!   accessors answer.
//! * Each `parse_*` of a request body succeeds exactly when the document parses and its
//!   root is the reader's; what it reads is written back with the matching writer
//!   (`to_xml()` / `*_to_xml`), and the written body reads back equal. A written body can
//!   only be refused for the request limits (escaping makes text up to six times longer,
//!   an empty `<ExtendedProperty/>` is written as three elements): not a mismatch.
//! * `parse_service_configuration`: roles named, counts 1..=1000.

use azmc_wire::asm::{self, Element, Limits, XmlError};
use std::fmt::Debug;

/// Run every request-body reader on `data`; panics on a broken invariant.
pub fn run(data: &[u8]) {
    let doc = asm::parse_document(data);
    let loose = asm::parse_document_with(data, Limits::RESPONSE);
    if let Ok(doc) = &doc {
        assert_eq!(
            loose.as_ref().ok(),
            Some(doc),
            "response limits read otherwise"
        );
        let flat = asm::parse_flat(data, &doc.name);
        assert_eq!(flat.as_ref().map(asm::FlatXml::root).ok(), Some(doc));
        walk(doc, 1);
    }
    let root = doc.as_ref().ok().map(|d| d.name.as_str());

    // (reader's root, whether the reader accepted the bytes)
    let results = [
        (
            "CreateAffinityGroup",
            check(data, asm::parse_create_affinity_group, |v| v.to_xml()),
        ),
        (
            "UpdateAffinityGroup",
            check(data, asm::parse_update_affinity_group, |v| v.to_xml()),
        ),
        (
            "SubscriptionCertificate",
            check(data, asm::parse_subscription_certificate, |v| v.to_xml()),
        ),
        (
            "CreateHostedService",
            check(data, asm::parse_create_hosted_service, |v| v.to_xml()),
        ),
        (
            "UpdateHostedService",
            check(data, asm::parse_update_hosted_service, |v| v.to_xml()),
        ),
        (
            "CreateStorageServiceInput",
            check(data, asm::parse_create_storage_service, |v| v.to_xml()),
        ),
        (
            "UpdateStorageServiceInput",
            check(data, asm::parse_update_storage_service, |v| v.to_xml()),
        ),
        (
            "ReservedIP",
            check(data, asm::parse_create_reserved_ip, |v| v.to_xml()),
        ),
        (
            "ReservedIPAssociation",
            check(data, asm::parse_reserved_ip_association, |v| v.to_xml()),
        ),
        (
            "RegenerateKeys",
            check_opt(
                data,
                asm::parse_regenerate_keys,
                asm::regenerate_keys_to_xml,
            ),
        ),
        (
            "CreateDeployment",
            check(data, asm::parse_create_deployment, |v| v.to_xml()),
        ),
        (
            "ChangeConfiguration",
            check(
                data,
                |b| asm::parse_deployment_change(b, "ChangeConfiguration"),
                |v| v.to_xml("ChangeConfiguration"),
            ),
        ),
        (
            "UpgradeDeployment",
            check(
                data,
                |b| asm::parse_deployment_change(b, "UpgradeDeployment"),
                |v| v.to_xml("UpgradeDeployment"),
            ),
        ),
        (
            "UpdateDeploymentStatus",
            check_opt(
                data,
                asm::parse_update_deployment_status,
                asm::update_deployment_status_to_xml,
            ),
        ),
        (
            "Swap",
            check(data, asm::parse_swap, |(p, s)| {
                asm::swap_to_xml(p.as_deref(), s.as_deref())
            }),
        ),
        (
            "WalkUpgradeDomain",
            check_opt(
                data,
                asm::parse_walk_upgrade_domain,
                asm::walk_upgrade_domain_to_xml,
            ),
        ),
        (
            "RoleInstances",
            check(data, asm::parse_role_instance_names, |v| {
                asm::role_instance_names_to_xml(v)
            }),
        ),
        (
            "CertificateFile",
            check(data, asm::parse_certificate_file, |v| v.to_xml()),
        ),
        (
            "Server",
            check(data, asm::parse_sql_server_input, |v| v.to_xml()),
        ),
        (
            "AdministratorLoginPassword",
            check_opt(
                data,
                asm::parse_sql_admin_password,
                asm::sql_admin_password_to_xml,
            ),
        ),
        (
            "ServiceResource",
            check(data, asm::parse_firewall_rule_input, |v| v.to_xml()),
        ),
        (
            "ServiceResource",
            check(data, asm::parse_sql_database_input, |v| v.to_xml()),
        ),
        ("Site", check(data, asm::parse_site_input, |v| v.to_xml())),
        (
            "OSImage",
            check(data, asm::parse_os_image_input, |v| v.to_xml()),
        ),
        (
            "VMImage",
            check(data, asm::parse_vm_image_input, |v| v.to_xml()),
        ),
        ("Disk", check(data, asm::parse_disk_input, |v| v.to_xml())),
        (
            "ReplicationInput",
            check(data, asm::parse_replication_input, |v| {
                asm::replication_input_to_xml(v)
            }),
        ),
    ];
    for (reader, accepted) in results {
        assert_eq!(
            accepted,
            root == Some(reader),
            "the {reader} reader and the document (root {root:?}) disagree"
        );
    }

    // The network configuration's reader skips a byte order mark first, and takes a
    // document without `VirtualNetworkConfiguration` as an empty configuration.
    let unmarked = data.strip_prefix("\u{feff}".as_bytes()).unwrap_or(data);
    let unmarked_root = asm::parse_document(unmarked).ok().map(|d| d.name);
    assert_eq!(
        check(data, asm::parse_network_configuration, |v| v.to_xml()),
        unmarked_root.as_deref() == Some("NetworkConfiguration"),
        "the NetworkConfiguration reader and the document disagree"
    );

    // The virtual machine readers also refuse values of the wrong type (a `Lun` that is
    // not a number, an unknown `ConfigurationSetType`): each accepts only its own root.
    for (reader, accepted) in [
        (
            "Deployment",
            check(data, asm::parse_vm_deployment, |v| v.to_xml()),
        ),
        (
            "PersistentVMRole",
            check(data, asm::parse_role, |v| v.to_request_xml()),
        ),
        (
            "DataVirtualHardDisk",
            check(data, asm::parse_data_disk, |v| v.to_xml()),
        ),
        (
            "LoadBalancedEndpointList",
            check(data, asm::parse_load_balanced_endpoints, |v| {
                asm::load_balanced_endpoints_to_xml(v)
            }),
        ),
    ] {
        if accepted {
            assert_eq!(root, Some(reader), "the {reader} reader took another root");
        }
    }
    // The role operations take any root, telling the known ones apart.
    if let Ok(op) = asm::parse_role_operation(data)
        && !matches!(op, asm::RoleOperationXml::Unknown(_))
    {
        assert_eq!(root, Some(op.operation_type()));
        check(data, asm::parse_role_operation, |v| v.to_xml());
    }
    if let Ok(op) = asm::parse_roles_operation(data)
        && !matches!(op, asm::RolesOperationXml::Unknown(_))
    {
        check(data, asm::parse_roles_operation, |v| v.to_xml());
    }

    // The site configuration's reader also refuses values of the wrong type (a
    // `NumberOfWorkers` that is not a number): it accepts only its own root.
    if check(data, asm::parse_site_config, |v| v.to_xml()) {
        assert_eq!(root, Some("SiteConfig"));
    }

    if let Ok(roles) = asm::parse_service_configuration(data) {
        assert_eq!(root, Some("ServiceConfiguration"));
        assert!(!roles.is_empty());
        for (name, count) in roles {
            assert!(
                !name.is_empty() && name.trim() == name,
                "role name {name:?}"
            );
            assert!((1..=1000).contains(&count), "count {count}");
        }
    }
}

/// Call every accessor of the tree (depth is bounded by the reader's limits).
fn walk(el: &Element, depth: usize) {
    assert!(depth <= Limits::REQUEST.max_depth, "depth {depth}");
    // The local name may be empty: `<a:/>` is well-formed XML 1.0 (a name may end in a
    // colon) though not namespace-well-formed, and the reader accepts it (no reader's name
    // matches it).
    let _ = el.qualified_name();
    let _ = el.value();
    let _ = el.attr("nil");
    assert_eq!(el.child_names().len(), el.children.len());
    for c in &el.children {
        assert!(el.child(&c.name).is_some());
        let _ = el.child_text(&c.name);
        walk(c, depth + 1);
    }
}

/// Read `data` with `parse`; if it reads, write the value and read it back: it must be
/// equal. Whether `parse` accepted `data`.
fn check<T: PartialEq + Debug>(
    data: &[u8],
    parse: impl Fn(&[u8]) -> Result<T, XmlError>,
    write: impl Fn(&T) -> String,
) -> bool {
    let Ok(first) = parse(data) else {
        return false;
    };
    let xml = write(&first);
    match parse(xml.as_bytes()) {
        Ok(again) => assert_eq!(
            again,
            first,
            "read back otherwise after writing\n{xml}\nfrom\n{:?}",
            String::from_utf8_lossy(data)
        ),
        Err(XmlError::TooLarge { .. } | XmlError::TooManyElements { .. }) => {}
        Err(e) => panic!("the written body does not read back: {e}\n{xml}"),
    }
    true
}

/// [`check`] for the readers of one optional value: `None` has no body to write.
fn check_opt(
    data: &[u8],
    parse: impl Fn(&[u8]) -> Result<Option<String>, XmlError>,
    write: impl Fn(&str) -> String,
) -> bool {
    check(data, parse, |v| match v {
        Some(v) => write(v),
        // Written bodies give `None` only when empty: an empty value stands for `None`.
        None => write(""),
    })
}
