//! A subscription's network configuration: stored as sent, counts within the limits,
//! stable site ids, usage for Get Subscription. Both backends.

use crate::support::{assert_limit, assert_not_found, at, random_hex, subscription_with};
use azmc_db::{Db, Limit, NetworkConfigurationChange, NetworkCounts, Quotas, ResourceKind};

fn change<'a>(
    sub: &'a str,
    document: &'a str,
    sites: &'a [(String, String)],
    dns_servers: i64,
) -> NetworkConfigurationChange<'a> {
    NetworkConfigurationChange {
        subscription_id: sub,
        document,
        counts: NetworkCounts {
            virtual_network_sites: i64::try_from(sites.len()).unwrap(),
            local_network_sites: 1,
            dns_servers,
        },
        sites,
        job: None,
    }
}

fn sites(names: &[(&str, &str)]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|(n, id)| (n.to_string(), id.to_string()))
        .collect()
}

pub async fn story(db: &Db) {
    let quotas = Quotas {
        max_virtual_network_sites: 2,
        max_dns_servers: 3,
        ..Quotas::default()
    };
    let a = subscription_with(db, &format!("nw{}", random_hex(4)), "networks", &quotas).await;
    assert_eq!(db.network_configuration(&a).await.unwrap(), None);
    assert_eq!(
        db.subscription_usage(&a)
            .await
            .unwrap()
            .virtual_network_sites,
        0
    );

    let two = sites(&[("VNet1", "id-1"), ("vnet2", "id-2")]);
    db.set_network_configuration(&change(&a, "<doc1/>", &two, 1), at(1))
        .await
        .unwrap();
    let stored = db.network_configuration(&a).await.unwrap().unwrap();
    assert_eq!(stored.document, "<doc1/>");
    assert_eq!(stored.modified_at, at(1));
    assert_eq!(
        db.virtual_network_site_ids(&a).await.unwrap(),
        [
            ("vnet1".into(), "id-1".into()),
            ("vnet2".into(), "id-2".into())
        ]
    );
    let usage = db.subscription_usage(&a).await.unwrap();
    assert_eq!(
        (
            usage.virtual_network_sites,
            usage.local_network_sites,
            usage.dns_servers
        ),
        (2, 1, 1)
    );

    // A site kept (in any case) keeps its id; a site removed loses it; a new one gets its own.
    let next = sites(&[("VNET1", "id-ignored"), ("vnet3", "id-3")]);
    db.set_network_configuration(&change(&a, "<doc2/>", &next, 0), at(2))
        .await
        .unwrap();
    assert_eq!(
        db.virtual_network_site_ids(&a).await.unwrap(),
        [
            ("vnet1".into(), "id-1".into()),
            ("vnet3".into(), "id-3".into())
        ]
    );

    // Over a limit: refused, nothing changes.
    let three = sites(&[("a", "1"), ("b", "2"), ("c", "3")]);
    let e = db
        .set_network_configuration(&change(&a, "<doc3/>", &three, 0), at(3))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::VirtualNetworkSites, 2);
    let e = db
        .set_network_configuration(&change(&a, "<doc3/>", &next, 4), at(3))
        .await
        .unwrap_err();
    assert_limit(&e, Limit::DnsServers, 3);
    assert_eq!(
        db.network_configuration(&a)
            .await
            .unwrap()
            .unwrap()
            .document,
        "<doc2/>"
    );
    assert_eq!(db.virtual_network_site_ids(&a).await.unwrap().len(), 2);

    // An empty configuration is a configuration (Get answers it), with no sites.
    db.set_network_configuration(&change(&a, "<empty/>", &[], 0), at(4))
        .await
        .unwrap();
    assert!(db.virtual_network_site_ids(&a).await.unwrap().is_empty());
    assert_eq!(
        db.network_configuration(&a)
            .await
            .unwrap()
            .unwrap()
            .document,
        "<empty/>"
    );

    let e = db
        .set_network_configuration(&change("no-such-subscription", "<d/>", &[], 0), at(5))
        .await
        .unwrap_err();
    assert_not_found(&e, ResourceKind::Subscription);
}
