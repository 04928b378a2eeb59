//! Virtual networks (asm-iaas §8): the subscription's network configuration (replaced
//! whole by Set Network Configuration, answered as sent by Get Network Configuration) and
//! the virtual network sites it declares. The rules checked before anything is stored:
//! unique names (case-insensitive) for DNS servers, local and virtual network sites and
//! the subnets of a site; each virtual network site in exactly one of an offered location
//! or an existing affinity group, with at least one address space; every address prefix
//! an IPv4 network in CIDR form; subnets inside their site's address space and not
//! overlapping; references to DNS servers and local network sites that exist; the
//! subscription's limits (checked again in the database's transaction).

use std::net::Ipv4Addr;

use super::{Ctx, DomainError, ResourceKind};
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{DbError, NetworkConfigurationChange, NetworkCounts};
use azmc_wire::asm::{NetworkConfiguration, VirtualNetworkSiteConfig};
use serde::{Deserialize, Serialize};

fn db_error(e: DbError) -> DomainError {
    match e {
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
        other => DomainError::from_db(other),
    }
}

fn invalid(message: String) -> DomainError {
    DomainError::Invalid {
        field: "NetworkConfiguration",
        message,
    }
}

/// An IPv4 network in CIDR form: (network address, prefix length).
fn cidr(text: &str, what: &str) -> Result<(u32, u8), DomainError> {
    let bad = || {
        invalid(format!(
            "The address prefix '{text}' of {what} is not an IPv4 network in CIDR form (such as 10.0.0.0/16)."
        ))
    };
    let (addr, len) = text.split_once('/').ok_or_else(bad)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    if len > 32 {
        return Err(bad());
    }
    let a = u32::from(addr);
    let net = a & mask(len);
    if net != a {
        return Err(invalid(format!(
            "The address prefix '{text}' of {what} is not a network address: use {}/{len}.",
            Ipv4Addr::from(net)
        )));
    }
    Ok((net, len))
}

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

/// Whether `inner` lies inside `outer`.
fn contains(outer: (u32, u8), inner: (u32, u8)) -> bool {
    inner.1 >= outer.1 && inner.0 & mask(outer.1) == outer.0
}

fn overlap(a: (u32, u8), b: (u32, u8)) -> bool {
    contains(a, b) || contains(b, a)
}

/// Names that must be given and unique (case-insensitive) among `names`.
fn unique<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<(), DomainError> {
    let mut seen: Vec<String> = Vec::new();
    for n in names {
        if n.trim().is_empty() {
            return Err(invalid(format!("Every {what} needs a name.")));
        }
        let key = n.to_lowercase();
        if seen.contains(&key) {
            return Err(invalid(format!("The {what} name '{n}' is used twice.")));
        }
        seen.push(key);
    }
    Ok(())
}

/// Check a parsed configuration against the rules and the subscription's locations and
/// affinity groups.
async fn check(
    ctx: &Ctx<'_>,
    subscription: &str,
    c: &NetworkConfiguration,
) -> Result<(), DomainError> {
    unique(c.dns_servers.iter().map(|d| d.name.as_str()), "DNS server")?;
    for d in &c.dns_servers {
        if d.address.parse::<Ipv4Addr>().is_err() {
            return Err(invalid(format!(
                "The DNS server '{}' has no valid IPv4 address (IPAddress '{}').",
                d.name, d.address
            )));
        }
    }
    unique(
        c.local_network_sites.iter().map(|s| s.name.as_str()),
        "local network site",
    )?;
    for s in &c.local_network_sites {
        if let Some(a) = &s.vpn_gateway_address
            && a.parse::<Ipv4Addr>().is_err()
        {
            return Err(invalid(format!(
                "The VPN gateway address '{a}' of local network site '{}' is not an IPv4 address.",
                s.name
            )));
        }
        for p in &s.address_prefixes {
            cidr(p, &format!("local network site '{}'", s.name))?;
        }
    }
    unique(
        c.virtual_network_sites.iter().map(|s| s.name.as_str()),
        "virtual network site",
    )?;
    for s in &c.virtual_network_sites {
        check_site(ctx, subscription, c, s).await?;
    }
    Ok(())
}

async fn check_site(
    ctx: &Ctx<'_>,
    subscription: &str,
    c: &NetworkConfiguration,
    s: &VirtualNetworkSiteConfig,
) -> Result<(), DomainError> {
    let site = format!("virtual network site '{}'", s.name);
    match (&s.location, &s.affinity_group) {
        (Some(l), None) => {
            if !ctx.locations.iter().any(|o| o.eq_ignore_ascii_case(l)) {
                return Err(invalid(format!(
                    "The location '{l}' of {site} is not one of the offered locations ({}).",
                    ctx.locations.join(", ")
                )));
            }
        }
        (None, Some(g)) => {
            super::affinity_groups::get(ctx, subscription, g)
                .await
                .map_err(|e| match e {
                    DomainError::NotFound { .. } => invalid(format!(
                        "The affinity group '{g}' of {site} does not exist in this subscription."
                    )),
                    other => other,
                })?;
        }
        _ => {
            return Err(invalid(format!(
                "The {site} needs exactly one of Location and AffinityGroup."
            )));
        }
    }
    if s.address_prefixes.is_empty() {
        return Err(invalid(format!(
            "The {site} needs an address space (AddressSpace/AddressPrefix)."
        )));
    }
    let spaces = s
        .address_prefixes
        .iter()
        .map(|p| cidr(p, &site))
        .collect::<Result<Vec<_>, _>>()?;
    unique(s.subnets.iter().map(|n| n.name.as_str()), "subnet")?;
    let mut subnets: Vec<((u32, u8), &str)> = Vec::new();
    for n in &s.subnets {
        let what = format!("subnet '{}' of {site}", n.name);
        let net = cidr(&n.address_prefix, &what)?;
        if !spaces.iter().any(|&sp| contains(sp, net)) {
            return Err(invalid(format!(
                "The {what} ({}) is outside the site's address space ({}).",
                n.address_prefix,
                s.address_prefixes.join(", ")
            )));
        }
        if let Some((_, other)) = subnets.iter().find(|(o, _)| overlap(*o, net)) {
            return Err(invalid(format!(
                "The subnets '{other}' and '{}' of {site} overlap.",
                n.name
            )));
        }
        subnets.push((net, &n.name));
    }
    for r in &s.dns_server_refs {
        if !c.dns_servers.iter().any(|d| d.name.eq_ignore_ascii_case(r)) {
            return Err(invalid(format!(
                "The {site} refers to the DNS server '{r}', which the configuration does not declare."
            )));
        }
    }
    for (r, _) in &s.gateway_connections {
        if !c
            .local_network_sites
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(r))
        {
            return Err(invalid(format!(
                "The {site} connects to the local network site '{r}', which the configuration does not declare."
            )));
        }
    }
    Ok(())
}

/// Get Network Configuration: the document as it was set; not found when the
/// subscription never had one.
pub async fn configuration(ctx: &Ctx<'_>, subscription: &str) -> Result<String, DomainError> {
    ctx.db
        .network_configuration(subscription)
        .await
        .map_err(db_error)?
        .map(|c| c.document)
        .ok_or(DomainError::not_found(ResourceKind::NetworkConfiguration))
}

/// Set Network Configuration: checks `parsed` (read from `document`), stores the
/// document with a job that completes the operation `op`, in one transaction.
pub async fn set_configuration(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    document: &str,
    parsed: &NetworkConfiguration,
) -> Result<(), DomainError> {
    check(ctx, subscription, parsed).await?;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mut sites = Vec::with_capacity(parsed.virtual_network_sites.len());
    for s in &parsed.virtual_network_sites {
        let id = super::new_guid("a virtual network site id")?;
        sites.push((s.name.clone(), id));
    }
    let work = SetConfiguration {
        subscription: subscription.to_string(),
    };
    let job = jobs::new_job(ctx, op, subscription, &work)?;
    ctx.db
        .set_network_configuration(
            &NetworkConfigurationChange {
                subscription_id: subscription,
                document,
                counts: NetworkCounts {
                    virtual_network_sites: count(parsed.virtual_network_sites.len()),
                    local_network_sites: count(parsed.local_network_sites.len()),
                    dns_servers: count(parsed.dns_servers.len()),
                },
                sites: &sites,
                job: Some(&job),
            },
            ctx.now,
        )
        .await
        .map_err(db_error)
}

/// A virtual network site as List Virtual Network Sites shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub config: VirtualNetworkSiteConfig,
    pub id: String,
    /// Its location, or its affinity group's.
    pub location: Option<String>,
    /// (name, address) of the DNS servers it uses.
    pub dns_servers: Vec<(String, String)>,
    /// The local network sites its gateway connects to, with the connection type.
    pub gateway: Vec<(azmc_wire::asm::LocalNetworkSiteConfig, String)>,
}

/// List Virtual Network Sites: the sites of the stored configuration, in its order.
pub async fn sites(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<Site>, DomainError> {
    let Some(stored) = ctx
        .db
        .network_configuration(subscription)
        .await
        .map_err(db_error)?
    else {
        return Ok(Vec::new());
    };
    let c =
        azmc_wire::asm::parse_network_configuration(stored.document.as_bytes()).map_err(|e| {
            tracing::error!(error = %e, "a stored network configuration does not read");
            DomainError::Internal
        })?;
    let ids = ctx
        .db
        .virtual_network_site_ids(subscription)
        .await
        .map_err(db_error)?;
    let mut out = Vec::with_capacity(c.virtual_network_sites.len());
    for s in &c.virtual_network_sites {
        let key = s.name.to_lowercase();
        let id = ids
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, id)| id.clone())
            .unwrap_or_default();
        let location = match (&s.location, &s.affinity_group) {
            (Some(l), _) => Some(l.clone()),
            (None, Some(g)) => super::affinity_groups::get(ctx, subscription, g)
                .await
                .ok()
                .map(|g| g.location),
            (None, None) => None,
        };
        let dns_servers = s
            .dns_server_refs
            .iter()
            .filter_map(|r| {
                c.dns_servers
                    .iter()
                    .find(|d| d.name.eq_ignore_ascii_case(r))
                    .map(|d| (d.name.clone(), d.address.clone()))
            })
            .collect();
        let gateway = s
            .gateway_connections
            .iter()
            .filter_map(|(r, kind)| {
                c.local_network_sites
                    .iter()
                    .find(|l| l.name.eq_ignore_ascii_case(r))
                    .map(|l| (l.clone(), kind.clone()))
            })
            .collect();
        out.push(Site {
            config: s.clone(),
            id,
            location,
            dns_servers,
            gateway,
        });
    }
    Ok(out)
}

/// Set Network Configuration: the change is stored with the request; the job completes
/// its operation. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetConfiguration {
    pub subscription: String,
}

impl JobKind for SetConfiguration {
    const KIND: &'static str = "SetNetworkConfiguration";
    async fn run(self, _state: AppState) -> JobResult {
        JobResult::ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_forms_containment_and_overlap() {
        assert_eq!(cidr("10.0.0.0/8", "x").unwrap(), (0x0a00_0000, 8));
        assert_eq!(cidr("0.0.0.0/0", "x").unwrap(), (0, 0));
        for bad in [
            "10.0.0.0",
            "10.0.0/8",
            "10.0.0.0/33",
            "a.b.c.d/8",
            "10.0.0.0/-1",
            "",
        ] {
            assert!(cidr(bad, "x").is_err(), "{bad}");
        }
        let e = cidr("10.0.0.1/8", "the site").unwrap_err().to_string();
        assert!(e.contains("use 10.0.0.0/8"), "{e}");
        let space = cidr("10.0.0.0/8", "x").unwrap();
        let sub = cidr("10.0.0.0/11", "x").unwrap();
        let other = cidr("10.32.0.0/11", "x").unwrap();
        let outside = cidr("192.168.0.0/16", "x").unwrap();
        assert!(contains(space, sub) && contains(space, other));
        assert!(!contains(space, outside) && !contains(sub, space));
        assert!(!overlap(sub, other));
        assert!(overlap(space, sub));
    }

    #[test]
    fn names_are_required_and_unique_in_any_case() {
        assert!(unique(["a", "b"].into_iter(), "subnet").is_ok());
        let e = unique(["Sub", "sub"].into_iter(), "subnet").unwrap_err();
        assert!(e.to_string().contains("'sub' is used twice"), "{e}");
        assert!(unique([" "].into_iter(), "subnet").is_err());
    }
}
