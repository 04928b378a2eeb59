//! Virtual machines over the wire, on both backends: a deployment of two roles in a
//! virtual network (addresses from the subnet, unique across the network's deployments),
//! the live service's Get Deployment shape, passwords never stored nor answered, the RDP
//! file, a load-balanced set changed on every role, the package operations refused, racing
//! role operations that never lose a change, and Delete Deployment with its disks.

use crate::resource_api::Api;
use crate::support::{Backend, PgDatabase, on_both_backends};
use azmc_wire::asm::{
    InputEndpointXml, NetworkConfigurationSetXml, OsVirtualHardDiskXml, ProvisioningKind,
    ProvisioningSetXml, RoleOperationXml, RoleXml, VmDeploymentInput, encode_label,
    load_balanced_endpoints_to_xml, parse_deployment, parse_disks, parse_role_response,
};
use std::time::Duration;

const UBUNTU: &str =
    "b39f27a8b8c64d52b05eac6a62ebad85__Ubuntu-15_04-amd64-server-20150616.1-en-us-30GB";
const WINDOWS: &str =
    "a699494373c04fc0bc8f2bb1389d6106__Windows-Server-2012-R2-201505.01-en.us-127GB.vhd";
const SECRET: &str = "S3cret-Pass!word";

fn endpoint(name: &str, port: u32, local: u32, set: Option<&str>) -> InputEndpointXml {
    InputEndpointXml {
        name: name.into(),
        port: Some(port),
        local_port: Some(local),
        protocol: "tcp".into(),
        load_balanced_endpoint_set_name: set.map(str::to_string),
        ..Default::default()
    }
}

fn role(name: &str, kind: ProvisioningKind, eps: Vec<InputEndpointXml>) -> RoleXml {
    let (image, host) = match kind {
        ProvisioningKind::Linux => (UBUNTU, format!("{name}host")),
        ProvisioningKind::Windows => (WINDOWS, name.to_string()),
    };
    RoleXml {
        role_name: name.into(),
        role_type: Some("PersistentVMRole".into()),
        role_size: Some("Small".into()),
        provisioning: Some(ProvisioningSetXml {
            host_name: Some(host),
            user_name: Some("azureuser".into()),
            password: Some(SECRET.into()),
            ..ProvisioningSetXml::new(kind)
        }),
        network: Some(NetworkConfigurationSetXml {
            input_endpoints: eps,
            subnet_names: vec!["front".into()],
            ..Default::default()
        }),
        os_disk: Some(OsVirtualHardDiskXml {
            source_image_name: Some(image.into()),
            media_link: Some(format!("https://st.blob.core.windows.net/vhds/{name}.vhd")),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn service(api: &Api, name: &str) {
    let body = format!(
        "<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"><ServiceName>{name}</ServiceName><Label>{}</Label><Location>West US</Location></CreateHostedService>",
        encode_label(name)
    );
    let r = api
        .req("POST", "/{s}/services/hostedservices", Some(&body))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn deploy(api: &Api, svc: &str, roles: Vec<RoleXml>) -> String {
    let body = VmDeploymentInput {
        name: Some(svc.into()),
        deployment_slot: Some("Production".into()),
        label: Some(format!("{svc} label")),
        roles,
        virtual_network_name: Some("vnet1".into()),
        ..Default::default()
    };
    let r = api
        .req(
            "POST",
            &format!("/{{s}}/services/hostedservices/{svc}/deployments"),
            Some(&body.to_xml()),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    r.request_id()
}

async fn story(backend: Backend) {
    let pg = match backend {
        Backend::Postgres => Some(PgDatabase::create().await),
        Backend::Sqlite => None,
    };
    let url = pg.as_ref().map(|p| p.url.clone());
    let api = Api::start_with(|c| {
        c.database_url = url;
        c.async_delay = Duration::from_millis(300);
        c.job_poll_interval = Duration::from_millis(20);
    })
    .await;
    let netcfg = r#"<NetworkConfiguration xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration"><VirtualNetworkConfiguration><VirtualNetworkSites><VirtualNetworkSite name="vnet1" Location="West US"><AddressSpace><AddressPrefix>10.5.0.0/16</AddressPrefix></AddressSpace><Subnets><Subnet name="front"><AddressPrefix>10.5.1.0/24</AddressPrefix></Subnet></Subnets></VirtualNetworkSite></VirtualNetworkSites></VirtualNetworkConfiguration></NetworkConfiguration>"#;
    let r = api
        .req("PUT", "/{s}/services/networking/media", Some(netcfg))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    service(&api, "vmsvc").await;
    service(&api, "vmsvc2").await;

    let web = |port| endpoint("web", port, 80, Some("webset"));
    let op = deploy(
        &api,
        "vmsvc",
        vec![
            role("a", ProvisioningKind::Linux, vec![web(80)]),
            role(
                "b",
                ProvisioningKind::Windows,
                vec![web(80), endpoint("rdp", 53389, 3389, None)],
            ),
        ],
    )
    .await;
    let dep = "/{s}/services/hostedservices/vmsvc/deployments/vmsvc";
    let r = api.req("GET", dep, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for shape in [
        "<Role i:type=\"PersistentVMRole\">",
        "<ConfigurationSet i:type=\"NetworkConfigurationSet\">",
        "<VirtualNetworkName>vnet1</VirtualNetworkName>",
        "<InternalDnsSuffix>vmsvc.d1.internal.cloudapp.",
        "<IsDnsProgrammed>true</IsDnsProgrammed>",
    ] {
        assert!(r.body.contains(shape), "{shape} not in {}", r.body);
    }
    let d = parse_deployment(r.body.as_bytes()).unwrap();
    assert!(
        d.role_instances
            .iter()
            .all(|i| (i.instance_status.as_str(), i.power_state.as_str())
                == ("RoleStateUnknown", "Starting")
                && i.host_name.is_none()),
        "{:?}",
        d.role_instances
    );
    api.assert_succeeded(&op).await;
    let d = parse_deployment(api.req("GET", dep, None).await.body.as_bytes()).unwrap();
    let ips: Vec<_> = d
        .role_instances
        .iter()
        .map(|i| i.ip_address.clone())
        .collect();
    assert_eq!(ips, ["10.5.1.4", "10.5.1.5"]);
    let b = &d.role_instances[1];
    assert_eq!(
        (b.instance_status.as_str(), b.host_name.as_deref()),
        ("ReadyRole", Some("b"))
    );
    assert_eq!(d.vm_roles.len(), 2);
    assert_eq!(d.virtual_ips.len(), 1);
    assert!(
        b.instance_endpoints
            .iter()
            .all(|e| e.vip == d.virtual_ips[0].address)
    );

    // The password is checked and dropped: not stored, not answered.
    let stored = api
        .state()
        .db
        .get_deployment_by_name(&api.sub, "vmsvc", "vmsvc")
        .await
        .unwrap();
    let state = stored.vm_state.unwrap();
    assert!(
        !state.contains(SECRET) && !state.contains("Provisioning"),
        "{state}"
    );
    let r = api.req("GET", &format!("{dep}/roles/a"), None).await;
    assert!(!r.body.contains(SECRET) && !r.body.contains("ProvisioningConfiguration"));
    let a = parse_role_response(r.body.as_bytes()).unwrap();
    assert_eq!(
        a.os_disk.unwrap().source_image_name.as_deref(),
        Some(UBUNTU)
    );

    // Another deployment in the same network takes the next free address.
    let op2 = deploy(
        &api,
        "vmsvc2",
        vec![role("c", ProvisioningKind::Linux, Vec::new())],
    )
    .await;
    api.assert_succeeded(&op2).await;
    let d2 = parse_deployment(
        api.req(
            "GET",
            "/{s}/services/hostedservices/vmsvc2/deploymentslots/production",
            None,
        )
        .await
        .body
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(d2.role_instances[0].ip_address, "10.5.1.6");

    // The RDP file of the role with a 3389 endpoint.
    let r = api
        .req(
            "GET",
            &format!("{dep}/roleinstances/b/ModelFile?FileType=RDP"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/x-rdp"));
    assert!(
        r.body.starts_with("full address:s:vmsvc.cloudapp.") && r.body.contains(":53389\r\n"),
        "{}",
        r.body
    );
    let r = api
        .req(
            "GET",
            &format!("{dep}/roleinstances/a/ModelFile?FileType=RDP"),
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);

    // A load-balanced set changes on every role that has it.
    let r = api
        .req(
            "POST",
            &format!("{dep}?comp=UpdateLbSet"),
            Some(&load_balanced_endpoints_to_xml(&[web(8080)])),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    for vm in ["a", "b"] {
        let role = parse_role_response(
            api.req("GET", &format!("{dep}/roles/{vm}"), None)
                .await
                .body
                .as_bytes(),
        )
        .unwrap();
        let eps = role.network.unwrap().input_endpoints;
        let w = eps.iter().find(|e| e.name == "web").unwrap();
        assert_eq!(w.port, Some(8080), "{vm}");
    }

    // Package operations are not a VM deployment's.
    let r = api
        .req(
            "POST",
            &format!("{dep}?comp=status"),
            Some("<UpdateDeploymentStatus xmlns=\"http://schemas.microsoft.com/windowsazure\"><Status>Suspended</Status></UpdateDeploymentStatus>"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("virtual machine deployment"), "{}", r.body);

    // Two role operations racing on one deployment: each is accepted or refused whole
    // (409), and none is lost.
    let shutdown = RoleOperationXml::Shutdown {
        post_shutdown_action: Some("Stopped".into()),
    }
    .to_xml();
    let (pa, pb) = (
        format!("{dep}/roleinstances/a/Operations"),
        format!("{dep}/roleinstances/b/Operations"),
    );
    let (ra, rb) = tokio::join!(
        api.req("POST", &pa, Some(&shutdown)),
        api.req("POST", &pb, Some(&shutdown)),
    );
    let mut accepted = Vec::new();
    for (vm, r) in [("a", ra), ("b", rb)] {
        match r.status {
            202 => {
                api.assert_succeeded(&r.request_id()).await;
                accepted.push(vm);
            }
            409 => assert!(r.body.contains("exclusive access"), "{}", r.body),
            other => panic!("{vm}: {other} {}", r.body),
        }
    }
    assert!(!accepted.is_empty());
    let d = parse_deployment(api.req("GET", dep, None).await.body.as_bytes()).unwrap();
    for i in &d.role_instances {
        let stopped = i.instance_status == "StoppedVM";
        assert_eq!(
            stopped,
            accepted.contains(&i.role_name.as_str()),
            "{:?}",
            d.role_instances
        );
    }

    // Delete Deployment with comp=media takes the disks of its VMs.
    let r = api.req("DELETE", &format!("{dep}?comp=media"), None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    api.assert_succeeded(&r.request_id()).await;
    let disks = parse_disks(
        api.req("GET", "/{s}/services/disks", None)
            .await
            .body
            .as_bytes(),
    )
    .unwrap();
    let names: Vec<_> = disks.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("vmsvc2-c-0-"), "{names:?}");
    assert!(disks[0].attached_to.is_some());
    drop(api);
    drop(pg);
}

on_both_backends!([flavor = "multi_thread", worker_threads = 2] vms_over_the_wire_on_sqlite, vms_over_the_wire_on_postgres => story());
