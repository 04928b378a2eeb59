//! Virtual networks over the wire: Get/Set Network Configuration (the document answered
//! as it was sent, 404 before the first), List Virtual Network Sites with stable ids, the
//! rules a configuration is checked against (nothing stored when one fails), the limits,
//! Get Subscription's counts and the operation log.

use crate::resource_api::{
    Api, CONFLICT, NOT_FOUND, all_operations, assert_names_logged, expect_error,
};
use azmc_db::Quotas;
use azmc_wire::asm::parse_virtual_network_sites;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;

const MEDIA: &str = "/{s}/services/networking/media";
const SITES: &str = "/{s}/services/networking/virtualnetwork";

/// A configuration as the classic azure-cli writes it (pretty-printed, with its
/// declaration), with `sites` inside `VirtualNetworkSites`.
fn document(sites: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<NetworkConfiguration xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration">
  <VirtualNetworkConfiguration>
    <Dns>
      <DnsServers>
        <DnsServer name="dns1" IPAddress="10.0.0.4" />
      </DnsServers>
    </Dns>
    <LocalNetworkSites>
      <LocalNetworkSite name="onprem">
        <VPNGatewayAddress>203.0.113.7</VPNGatewayAddress>
        <AddressSpace>
          <AddressPrefix>192.168.0.0/16</AddressPrefix>
        </AddressSpace>
      </LocalNetworkSite>
    </LocalNetworkSites>
    <VirtualNetworkSites>{sites}
    </VirtualNetworkSites>
  </VirtualNetworkConfiguration>
</NetworkConfiguration>
"#
    )
}

const VNET1: &str = r#"
      <VirtualNetworkSite name="vnet1" Location="West US">
        <AddressSpace><AddressPrefix>10.0.0.0/8</AddressPrefix></AddressSpace>
        <Subnets>
          <Subnet name="Subnet-1"><AddressPrefix>10.0.0.0/11</AddressPrefix></Subnet>
          <Subnet name="Subnet-2"><AddressPrefix>10.32.0.0/11</AddressPrefix></Subnet>
        </Subnets>
        <DnsServersRef><DnsServerRef name="dns1" /></DnsServersRef>
        <Gateway><ConnectionsToLocalNetwork><LocalNetworkSiteRef name="onprem"><Connection type="IPsec" /></LocalNetworkSiteRef></ConnectionsToLocalNetwork></Gateway>
      </VirtualNetworkSite>"#;

const VNET2: &str = r#"
      <VirtualNetworkSite name="vnet2" AffinityGroup="netgroup">
        <AddressSpace><AddressPrefix>172.16.0.0/12</AddressPrefix></AddressSpace>
      </VirtualNetworkSite>"#;

fn group_body() -> String {
    format!(
        "<CreateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\"><Name>netgroup</Name><Label>{}</Label><Location>East US</Location></CreateAffinityGroup>",
        STANDARD.encode("netgroup")
    )
}

async fn put(api: &Api, path: &str, doc: &str) -> crate::resource_api::Resp {
    api.req_with(
        "PUT",
        path,
        Some(doc),
        &[("content-type", "application/octet-stream")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_configuration_is_checked_stored_and_listed() {
    let api = Api::start(Duration::ZERO).await;
    expect_error(&api, "GET", MEDIA, None, NOT_FOUND, "network configuration").await;
    assert!(api.get(SITES, parse_virtual_network_sites).await.is_empty());
    assert_eq!(
        api.req("POST", "/{s}/affinitygroups", Some(&group_body()))
            .await
            .status,
        201
    );

    let doc = document(&format!("{VNET1}{VNET2}"));
    let r = put(&api, MEDIA, &doc).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let set_id = r.request_id();
    api.assert_succeeded(&set_id).await;
    let got = api.req("GET", MEDIA, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, doc, "answered as it was sent");

    let sites = api.get(SITES, parse_virtual_network_sites).await;
    assert_eq!(sites.len(), 2);
    let (v1, v2) = (&sites[0], &sites[1]);
    assert_eq!((v1.name.as_str(), v1.state.as_str()), ("vnet1", "Created"));
    assert_eq!(v1.location.as_deref(), Some("West US"));
    assert_eq!(v1.address_prefixes, ["10.0.0.0/8"]);
    assert_eq!(
        v1.subnets,
        [
            ("Subnet-1".to_string(), "10.0.0.0/11".to_string()),
            ("Subnet-2".to_string(), "10.32.0.0/11".to_string())
        ]
    );
    assert_eq!(
        v1.dns_servers,
        [("dns1".to_string(), "10.0.0.4".to_string())]
    );
    assert_eq!(v1.gateway_sites[0].name, "onprem");
    assert_eq!(v1.gateway_sites[0].connections, ["IPsec"]);
    assert_eq!(v2.affinity_group.as_deref(), Some("netgroup"));
    assert_eq!(
        v2.location.as_deref(),
        Some("East US"),
        "the group's location"
    );
    assert!(v2.gateway_sites.is_empty());
    assert_eq!(v1.id.len(), 36);
    assert_ne!(v1.id, v2.id);
    // Get Subscription's counts (its Current* network elements are sent for versions
    // before 2014-10-01, as the live service did).
    let usage = api.state().db.subscription_usage(&api.sub).await.unwrap();
    assert_eq!(
        (
            usage.virtual_network_sites,
            usage.local_network_sites,
            usage.dns_servers
        ),
        (2, 1, 1)
    );

    // A site kept keeps its id; a removed one is gone.
    let r = put(&api, MEDIA, &document(VNET1)).await;
    api.assert_succeeded(&r.request_id()).await;
    let again = api.get(SITES, parse_virtual_network_sites).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, v1.id);
    let kept = api.req("GET", MEDIA, None).await.body;

    // What the rules refuse: 400 naming the cause, nothing stored.
    let bad_sites = [
        (VNET1.replace("10.32.0.0/11", "10.16.0.0/12"), "overlap"),
        (
            VNET1.replace("10.32.0.0/11", "11.0.0.0/11"),
            "outside the site's address space",
        ),
        (
            VNET1.replace("10.0.0.0/8<", "10.0.0.1/8<"),
            "not a network address",
        ),
        (VNET1.replace("10.0.0.0/8<", "10.0.0.0/40<"), "CIDR"),
        (VNET1.replace("West US", "Mars"), "offered locations"),
        (
            VNET2.replace("netgroup", "nogroup"),
            "affinity group 'nogroup'",
        ),
        (
            VNET1.replace("DnsServerRef name=\"dns1\"", "DnsServerRef name=\"dns9\""),
            "dns9",
        ),
        (
            VNET1.replace(
                "LocalNetworkSiteRef name=\"onprem\"",
                "LocalNetworkSiteRef name=\"far\"",
            ),
            "far",
        ),
        (
            format!("{VNET1}{}", VNET1.replace("vnet1", "VNET1")),
            "used twice",
        ),
        (VNET1.replace("Subnet-2", "subnet-1"), "used twice"),
        (
            VNET1.replace(" Location=\"West US\"", ""),
            "exactly one of Location and AffinityGroup",
        ),
    ];
    for (sites, needle) in bad_sites {
        let r = put(&api, MEDIA, &document(&sites)).await;
        assert_eq!(r.status, 400, "{needle}: {}", r.body);
        let (code, message) = r.error();
        assert_eq!(code, "BadRequest");
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
    }
    for (body, code) in [
        ("<NetworkConfiguration><Broken>", "InvalidXmlRequest"),
        ("<Other/>", "InvalidXmlRequest"),
    ] {
        let r = put(&api, MEDIA, body).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.error().0, code);
    }
    assert_eq!(api.req("GET", MEDIA, None).await.body, kept);

    // The limits of another subscription (one virtual network site).
    let other = "5ec0dd00-0000-4000-8000-00000000000c";
    api.second_subscription(
        other,
        &Quotas {
            max_virtual_network_sites: 1,
            ..Quotas::default()
        },
    )
    .await;
    let two = document(&format!("{VNET1}{}", VNET1.replace("vnet1", "vnet3")));
    let r = put(&api, &format!("/{other}/services/networking/media"), &two).await;
    assert_eq!(r.status, CONFLICT.0, "{}", r.body);
    assert!(r.error().1.contains("MaxVirtualNetworkSites"), "{}", r.body);

    let ops = all_operations(&api).await;
    assert_names_logged(&ops, &["SetNetworkConfiguration"]);
    api.stop().await;
}
