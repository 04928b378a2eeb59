//! Typed calls, one per API operation, grouped by resource. Reads return the
//! [`azmc_wire::asm`] structs; changes return [`Submitted`](crate::Submitted) (done, or
//! accepted as an asynchronous operation to wait for).
//!
//! Names in paths are percent-encoded where they could hold anything but unreserved
//! characters; the server refuses invalid names with its own error.
//!
//! One module per resource family, named as the server's handlers are: `subscription`,
//! `certificates` (management certificates), `locations`, `affinity_groups`,
//! `storage_accounts`, `reserved_ips`, `hosted_services` (cloud services), `deployments`,
//! `service_certificates`, `sql_servers` (with their firewall rules), `vms` (virtual
//! machines: roles, role operations, data disks), `websites` and
//! `operations`, each an `impl Client` block; the path helpers they share are here.

mod affinity_groups;
mod certificates;
mod deployments;
mod hosted_services;
mod images;
mod locations;
mod networks;
mod operations;
mod reserved_ips;
mod service_certificates;
mod sql_servers;
mod storage_accounts;
mod subscription;
mod vms;
mod websites;

pub use azmc_wire::asm::{
    AffinityGroupXml, DeploymentXml, FirewallRuleXml, HostedServiceXml, LocationXml,
    NetworkConfiguration, OperationStatusXml, OsImageInput, OsImageXml, ReservedIpXml,
    ServiceCertificateXml, SiteXml, SqlServerXml, StorageServiceKeysXml, StorageServiceXml,
    SubscriptionCertificateXml, SubscriptionOperationCollectionXml, SubscriptionXml,
    VirtualNetworkSiteXml, WebSpaceXml,
};
pub use azmc_wire::asm::{
    DataVirtualHardDiskXml, InputEndpointXml, NetworkConfigurationSetXml, OsVirtualHardDiskXml,
    ProvisioningKind, ProvisioningSetXml, RoleOperationXml, RoleXml, SshKeyXml, VmDeploymentInput,
};
pub use deployments::{CreateDeployment, Slot};
pub use hosted_services::CreateCloudService;
pub use reserved_ips::CreateReservedIp;
pub use storage_accounts::{CreateStorageAccount, KeyType};
pub use vms::PostShutdownAction;

/// The reason phrase of an HTTP status ("" if unknown).
pub fn status_reason(status: u16) -> &'static str {
    hyper::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// Percent-encode a path segment (RFC 3986 unreserved characters pass).
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encode a query value.
fn query(s: &str) -> String {
    seg(s)
}

/// `sha1-<THUMBPRINT>` as service certificate paths name them.
fn sha1_id(thumbprint: &str) -> String {
    if thumbprint.to_ascii_lowercase().starts_with("sha1-") {
        thumbprint.to_string()
    } else {
        format!("sha1-{}", thumbprint.to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("abc-1.2_~"), "abc-1.2_~");
        assert_eq!(seg("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(seg("é"), "%C3%A9");
        assert_eq!(sha1_id("ab12"), "sha1-AB12");
        assert_eq!(sha1_id("SHA1-AB12"), "SHA1-AB12");
        assert_eq!("Staging".parse::<Slot>(), Ok(Slot::Staging));
        assert!("prod".parse::<Slot>().is_err());
    }
}
