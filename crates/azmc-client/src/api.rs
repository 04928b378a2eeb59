//! Typed calls, one per API operation, grouped by resource. Reads return the
//! [`azmc_wire::asm`] structs; changes return [`Submitted`] (done, or accepted as an
//! asynchronous operation to wait for).
//!
//! Names in paths are percent-encoded where they could hold anything but unreserved
//! characters; the server refuses invalid names with its own error.

use crate::client::{Client, Submitted};
use crate::error::{ClientError, Result};
use azmc_pki::Thumbprint;
use azmc_wire::asm::{self as wire, encode_label};
use hyper::http::Method;

pub use azmc_wire::asm::{
    AffinityGroupXml, DeploymentXml, FirewallRuleXml, HostedServiceXml, LocationXml,
    OperationStatusXml, ServiceCertificateXml, SiteXml, SqlServerXml, StorageServiceKeysXml,
    StorageServiceXml, SubscriptionCertificateXml, SubscriptionOperationCollectionXml,
    SubscriptionXml, WebSpaceXml,
};

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

/// A deployment slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Production,
    Staging,
}

impl Slot {
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Production => "production",
            Slot::Staging => "staging",
        }
    }
}

impl std::str::FromStr for Slot {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "production" => Ok(Slot::Production),
            "staging" => Ok(Slot::Staging),
            _ => Err(format!("{s:?}: the slot is production or staging")),
        }
    }
}

/// Which storage key to regenerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Primary,
    Secondary,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Primary => "Primary",
            KeyType::Secondary => "Secondary",
        }
    }
}

/// Create Storage Account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateStorageAccount {
    pub name: String,
    /// Plain text (sent base64, as the API wants); defaults to the name.
    pub label: Option<String>,
    pub description: Option<String>,
    /// A location, or else an affinity group.
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    /// `Standard_LRS`, `Standard_GRS`, `Standard_RAGRS`, `Standard_ZRS`.
    pub account_type: Option<String>,
}

impl CreateStorageAccount {
    pub fn new(name: impl Into<String>, location: impl Into<String>) -> Self {
        CreateStorageAccount {
            name: name.into(),
            label: None,
            description: None,
            location: Some(location.into()),
            affinity_group: None,
            account_type: None,
        }
    }
}

/// Create Cloud Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCloudService {
    pub name: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
}

/// Create Deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateDeployment {
    pub name: String,
    pub package_url: String,
    pub label: Option<String>,
    /// The service configuration (`.cscfg`) XML, as text.
    pub configuration: String,
    pub start: bool,
}

impl Client {
    // ---- subscription, management certificates, locations ----

    /// Get Subscription.
    pub async fn subscription_info(&self) -> Result<SubscriptionXml> {
        self.get("", "Get Subscription", wire::parse_subscription)
            .await
    }

    /// List Management Certificates.
    pub async fn list_management_certificates(&self) -> Result<Vec<SubscriptionCertificateXml>> {
        self.get(
            "/certificates",
            "List Management Certificates",
            wire::parse_subscription_certificates,
        )
        .await
    }

    /// Get Management Certificate.
    pub async fn management_certificate(
        &self,
        thumbprint: &str,
    ) -> Result<SubscriptionCertificateXml> {
        self.get(
            &format!("/certificates/{}", seg(thumbprint)),
            "Get Management Certificate",
            wire::parse_subscription_certificate_xml,
        )
        .await
    }

    /// Add Management Certificate: the certificate's DER (`.cer`).
    pub async fn add_management_certificate(&self, der: &[u8]) -> Result<Submitted> {
        let cert = azmc_pki::Certificate::from_der(der)
            .map_err(|e| ClientError::Config(format!("certificate: {e}")))?;
        let b64 = |d: &[u8]| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(d)
        };
        let input = wire::SubscriptionCertificateInput {
            public_key: Some(b64(cert.spki_der())),
            thumbprint: Some(cert.thumbprint().to_string()),
            data: Some(b64(der)),
        };
        self.submit(Method::POST, "/certificates", Some(input.to_xml()))
            .await
    }

    /// Delete Management Certificate.
    pub async fn delete_management_certificate(&self, thumbprint: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/certificates/{}", seg(thumbprint)),
            None,
        )
        .await
    }

    /// List Locations.
    pub async fn list_locations(&self) -> Result<Vec<LocationXml>> {
        self.get("/locations", "List Locations", wire::parse_locations)
            .await
    }

    // ---- affinity groups ----

    pub async fn list_affinity_groups(&self) -> Result<Vec<AffinityGroupXml>> {
        self.get(
            "/affinitygroups",
            "List Affinity Groups",
            wire::parse_affinity_groups,
        )
        .await
    }

    pub async fn affinity_group(&self, name: &str) -> Result<AffinityGroupXml> {
        self.get(
            &format!("/affinitygroups/{}", seg(name)),
            "Get Affinity Group",
            wire::parse_affinity_group,
        )
        .await
    }

    pub async fn create_affinity_group(
        &self,
        name: &str,
        location: &str,
        label: Option<&str>,
        description: Option<&str>,
    ) -> Result<Submitted> {
        let input = wire::CreateAffinityGroupInput {
            name: Some(name.to_string()),
            label: Some(encode_label(label.unwrap_or(name))),
            description: description.map(str::to_string),
            location: Some(location.to_string()),
        };
        self.submit(Method::POST, "/affinitygroups", Some(input.to_xml()))
            .await
    }

    pub async fn update_affinity_group(
        &self,
        name: &str,
        label: &str,
        description: Option<&str>,
    ) -> Result<Submitted> {
        let input = wire::UpdateAffinityGroupInput {
            label: Some(encode_label(label)),
            description: description.map(str::to_string),
        };
        self.submit(
            Method::PUT,
            &format!("/affinitygroups/{}", seg(name)),
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_affinity_group(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/affinitygroups/{}", seg(name)),
            None,
        )
        .await
    }

    // ---- storage accounts ----

    pub async fn list_storage_accounts(&self) -> Result<Vec<StorageServiceXml>> {
        self.get(
            "/services/storageservices",
            "List Storage Accounts",
            wire::parse_storage_services,
        )
        .await
    }

    pub async fn storage_account(&self, name: &str) -> Result<StorageServiceXml> {
        self.get(
            &format!("/services/storageservices/{}", seg(name)),
            "Get Storage Account Properties",
            wire::parse_storage_service,
        )
        .await
    }

    pub async fn create_storage_account(&self, a: &CreateStorageAccount) -> Result<Submitted> {
        let input = wire::CreateStorageServiceInput {
            service_name: Some(a.name.clone()),
            label: Some(encode_label(a.label.as_deref().unwrap_or(&a.name))),
            description: a.description.clone(),
            location: a.location.clone(),
            affinity_group: a.affinity_group.clone(),
            account_type: a.account_type.clone(),
            geo_replication_enabled: None,
            extended_properties: Vec::new(),
        };
        self.submit(
            Method::POST,
            "/services/storageservices",
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn update_storage_account(
        &self,
        name: &str,
        label: Option<&str>,
        description: Option<&str>,
        account_type: Option<&str>,
    ) -> Result<Submitted> {
        let input = wire::UpdateStorageServiceInput {
            label: label.map(encode_label),
            description: description.map(str::to_string),
            account_type: account_type.map(str::to_string),
            geo_replication_enabled: None,
            extended_properties: Vec::new(),
        };
        self.submit(
            Method::PUT,
            &format!("/services/storageservices/{}", seg(name)),
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_storage_account(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/storageservices/{}", seg(name)),
            None,
        )
        .await
    }

    /// Check Storage Account Name Availability: (available, reason).
    pub async fn check_storage_account_name(&self, name: &str) -> Result<(bool, Option<String>)> {
        self.get(
            &format!(
                "/services/storageservices/operations/isavailable/{}",
                seg(name)
            ),
            "Check Storage Account Name Availability",
            wire::parse_availability,
        )
        .await
    }

    pub async fn storage_account_keys(&self, name: &str) -> Result<StorageServiceKeysXml> {
        self.get(
            &format!("/services/storageservices/{}/keys", seg(name)),
            "Get Storage Account Keys",
            wire::parse_storage_keys,
        )
        .await
    }

    /// Regenerate Storage Account Keys: the new keys.
    pub async fn regenerate_storage_account_key(
        &self,
        name: &str,
        key: KeyType,
    ) -> Result<StorageServiceKeysXml> {
        let req = crate::RawRequest::new(
            Method::POST,
            self.path(&format!(
                "/services/storageservices/{}/keys?action=regenerate",
                seg(name)
            )),
        )
        .xml(wire::regenerate_keys_to_xml(key.as_str()));
        let resp = self.call(&req).await?;
        wire::parse_storage_keys(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Regenerate Storage Account Keys".into(),
            reason: e.to_string(),
        })
    }

    // ---- cloud services, deployments, service certificates ----

    pub async fn list_cloud_services(&self) -> Result<Vec<HostedServiceXml>> {
        self.get(
            "/services/hostedservices",
            "List Cloud Services",
            wire::parse_hosted_services,
        )
        .await
    }

    /// Get Cloud Service Properties, with its deployments.
    pub async fn cloud_service(&self, name: &str) -> Result<HostedServiceXml> {
        self.get(
            &format!("/services/hostedservices/{}?embed-detail=true", seg(name)),
            "Get Cloud Service Properties",
            wire::parse_hosted_service,
        )
        .await
    }

    pub async fn create_cloud_service(&self, s: &CreateCloudService) -> Result<Submitted> {
        let input = wire::CreateHostedServiceInput {
            service_name: Some(s.name.clone()),
            label: Some(encode_label(s.label.as_deref().unwrap_or(&s.name))),
            description: s.description.clone(),
            location: s.location.clone(),
            affinity_group: s.affinity_group.clone(),
            extended_properties: Vec::new(),
            reverse_dns_fqdn: None,
        };
        self.submit(
            Method::POST,
            "/services/hostedservices",
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_cloud_service(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/hostedservices/{}", seg(name)),
            None,
        )
        .await
    }

    /// Check Cloud Service Name Availability: (available, reason).
    pub async fn check_cloud_service_name(&self, name: &str) -> Result<(bool, Option<String>)> {
        self.get(
            &format!(
                "/services/hostedservices/operations/isavailable/{}",
                seg(name)
            ),
            "Check Cloud Service Name Availability",
            wire::parse_availability,
        )
        .await
    }

    pub async fn deployment(&self, service: &str, slot: Slot) -> Result<DeploymentXml> {
        self.get(
            &format!(
                "/services/hostedservices/{}/deploymentslots/{}",
                seg(service),
                slot.as_str()
            ),
            "Get Deployment",
            wire::parse_deployment,
        )
        .await
    }

    pub async fn create_deployment(
        &self,
        service: &str,
        slot: Slot,
        d: &CreateDeployment,
    ) -> Result<Submitted> {
        use base64::Engine;
        let input = wire::CreateDeploymentInput {
            name: Some(d.name.clone()),
            package_url: Some(d.package_url.clone()),
            label: Some(encode_label(d.label.as_deref().unwrap_or(&d.name))),
            configuration: Some(
                base64::engine::general_purpose::STANDARD.encode(d.configuration.as_bytes()),
            ),
            start_deployment: Some(d.start.to_string()),
            treat_warnings_as_error: None,
            extended_properties: Vec::new(),
        };
        self.submit(
            Method::POST,
            &format!(
                "/services/hostedservices/{}/deploymentslots/{}",
                seg(service),
                slot.as_str()
            ),
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_deployment(&self, service: &str, slot: Slot) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "/services/hostedservices/{}/deploymentslots/{}",
                seg(service),
                slot.as_str()
            ),
            None,
        )
        .await
    }

    /// Update Deployment Status: `Running` or `Suspended`.
    pub async fn set_deployment_status(
        &self,
        service: &str,
        slot: Slot,
        status: &str,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!(
                "/services/hostedservices/{}/deploymentslots/{}?comp=status",
                seg(service),
                slot.as_str()
            ),
            Some(wire::update_deployment_status_to_xml(status)),
        )
        .await
    }

    /// Swap Deployment: the staging deployment (by name) moves to production, and the
    /// production deployment, if any, to staging.
    pub async fn swap_deployments(
        &self,
        service: &str,
        production: Option<&str>,
        staging: &str,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!("/services/hostedservices/{}", seg(service)),
            Some(wire::swap_to_xml(production, Some(staging))),
        )
        .await
    }

    pub async fn list_service_certificates(
        &self,
        service: &str,
    ) -> Result<Vec<ServiceCertificateXml>> {
        self.get(
            &format!("/services/hostedservices/{}/certificates", seg(service)),
            "List Service Certificates",
            wire::parse_service_certificates,
        )
        .await
    }

    /// Get Service Certificate by its `sha1-THUMBPRINT` id (the prefix is added if missing).
    pub async fn service_certificate(
        &self,
        service: &str,
        thumbprint: &str,
    ) -> Result<ServiceCertificateXml> {
        self.get(
            &format!(
                "/services/hostedservices/{}/certificates/{}",
                seg(service),
                seg(&sha1_id(thumbprint))
            ),
            "Get Service Certificate",
            wire::parse_service_certificate,
        )
        .await
    }

    /// Add Service Certificate: `data` is the `.pfx` (with `password`) or the `.cer`.
    pub async fn add_service_certificate(
        &self,
        service: &str,
        data: &[u8],
        format: &str,
        password: Option<&str>,
    ) -> Result<Submitted> {
        use base64::Engine;
        let input = wire::CertificateFileInput {
            data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
            certificate_format: Some(format.to_string()),
            password: password.map(str::to_string),
        };
        self.submit(
            Method::POST,
            &format!("/services/hostedservices/{}/certificates", seg(service)),
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_service_certificate(
        &self,
        service: &str,
        thumbprint: &str,
    ) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "/services/hostedservices/{}/certificates/{}",
                seg(service),
                seg(&sha1_id(thumbprint))
            ),
            None,
        )
        .await
    }

    // ---- SQL servers and firewall rules ----

    pub async fn list_sql_servers(&self) -> Result<Vec<SqlServerXml>> {
        self.get(
            "/services/sqlservers/servers",
            "List SQL Servers",
            wire::parse_sql_servers,
        )
        .await
    }

    /// Create SQL Server: the generated server name.
    pub async fn create_sql_server(
        &self,
        login: &str,
        password: &str,
        location: &str,
    ) -> Result<String> {
        let input = wire::SqlServerInput {
            administrator_login: Some(login.to_string()),
            administrator_login_password: Some(password.to_string()),
            location: Some(location.to_string()),
            version: None,
        };
        let req = crate::RawRequest::new(Method::POST, self.path("/services/sqlservers/servers"))
            .xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_sql_server_name(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Create SQL Server".into(),
            reason: e.to_string(),
        })
    }

    pub async fn delete_sql_server(&self, server: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/sqlservers/servers/{}", seg(server)),
            None,
        )
        .await
    }

    pub async fn reset_sql_server_password(
        &self,
        server: &str,
        password: &str,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!(
                "/services/sqlservers/servers/{}?op=ResetPassword",
                seg(server)
            ),
            Some(wire::sql_admin_password_to_xml(password)),
        )
        .await
    }

    pub async fn list_firewall_rules(&self, server: &str) -> Result<Vec<FirewallRuleXml>> {
        self.get(
            &format!("/services/sqlservers/servers/{}/firewallrules", seg(server)),
            "List Firewall Rules",
            wire::parse_firewall_rules,
        )
        .await
    }

    pub async fn create_firewall_rule(
        &self,
        server: &str,
        name: &str,
        start: &str,
        end: &str,
    ) -> Result<FirewallRuleXml> {
        let input = wire::FirewallRuleInput {
            name: Some(name.to_string()),
            start_ip_address: Some(start.to_string()),
            end_ip_address: Some(end.to_string()),
        };
        let req = crate::RawRequest::new(
            Method::POST,
            self.path(&format!(
                "/services/sqlservers/servers/{}/firewallrules",
                seg(server)
            )),
        )
        .xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_firewall_rule(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Create Firewall Rule".into(),
            reason: e.to_string(),
        })
    }

    pub async fn update_firewall_rule(
        &self,
        server: &str,
        name: &str,
        start: &str,
        end: &str,
    ) -> Result<FirewallRuleXml> {
        let input = wire::FirewallRuleInput {
            name: Some(name.to_string()),
            start_ip_address: Some(start.to_string()),
            end_ip_address: Some(end.to_string()),
        };
        let req = crate::RawRequest::new(
            Method::PUT,
            self.path(&format!(
                "/services/sqlservers/servers/{}/firewallrules/{}",
                seg(server),
                seg(name)
            )),
        )
        .xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_firewall_rule(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Update Firewall Rule".into(),
            reason: e.to_string(),
        })
    }

    pub async fn delete_firewall_rule(&self, server: &str, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "/services/sqlservers/servers/{}/firewallrules/{}",
                seg(server),
                seg(name)
            ),
            None,
        )
        .await
    }

    // ---- web sites ----

    pub async fn list_webspaces(&self) -> Result<Vec<WebSpaceXml>> {
        self.get(
            "/services/webspaces",
            "List Web Spaces",
            wire::parse_webspaces,
        )
        .await
    }

    /// Every site of every webspace.
    pub async fn list_sites(&self) -> Result<Vec<SiteXml>> {
        let mut all = Vec::new();
        for ws in self.list_webspaces().await? {
            let sites = self
                .get(
                    &format!("/services/webspaces/{}/sites", seg(&ws.name)),
                    "List Sites",
                    wire::parse_sites,
                )
                .await?;
            all.extend(sites);
        }
        Ok(all)
    }

    /// The site named `name` in whichever webspace holds it.
    pub async fn site(&self, name: &str) -> Result<SiteXml> {
        let site = self
            .list_sites()
            .await?
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case(name));
        let site = site.ok_or_else(|| ClientError::Api {
            status: 404,
            code: "NotFound".into(),
            message: format!("No web site named {name}."),
            request_id: None,
        })?;
        self.get(
            &format!(
                "/services/webspaces/{}/sites/{}",
                seg(&site.web_space),
                seg(&site.name)
            ),
            "Get Site",
            wire::parse_site,
        )
        .await
    }

    /// Create Site in `webspace` (e.g. `westuswebspace`, from [`Client::list_webspaces`]).
    pub async fn create_site(
        &self,
        webspace: &str,
        name: &str,
        geo_region: &str,
    ) -> Result<SiteXml> {
        let input = wire::SiteInput {
            name: Some(name.to_string()),
            host_names: Vec::new(),
            compute_mode: None,
            site_mode: None,
            server_farm: None,
            state: None,
            webspace_name: Some(webspace.to_string()),
            webspace_geo_region: Some(geo_region.to_string()),
            webspace_plan: Some("VirtualDedicatedPlan".into()),
            web_space: None,
        };
        let req = crate::RawRequest::new(
            Method::POST,
            self.path(&format!("/services/webspaces/{}/sites", seg(webspace))),
        )
        .xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_site(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Create Site".into(),
            reason: e.to_string(),
        })
    }

    pub async fn delete_site(&self, webspace: &str, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/webspaces/{}/sites/{}", seg(webspace), seg(name)),
            None,
        )
        .await
    }

    // ---- operations ----

    /// List Subscription Operations between two RFC 3339 times; follows continuation
    /// tokens up to `max_pages`. With `thumbprint`, only the operations made with that
    /// management certificate (the API has no such filter: it is applied here).
    pub async fn list_operations(
        &self,
        start: &str,
        end: &str,
        thumbprint: Option<&str>,
        max_pages: usize,
    ) -> Result<Vec<wire::SubscriptionOperationXml>> {
        let wanted = match thumbprint {
            Some(t) => Some(
                t.parse::<Thumbprint>()
                    .map_err(|e| ClientError::Config(format!("thumbprint {t:?}: {e}")))?,
            ),
            None => None,
        };
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..max_pages.max(1) {
            let mut rest = format!(
                "/operations?StartTime={}&EndTime={}",
                query(start),
                query(end)
            );
            if let Some(t) = &token {
                rest.push_str(&format!("&ContinuationToken={}", query(t)));
            }
            let page = self
                .get(
                    &rest,
                    "List Subscription Operations",
                    wire::parse_subscription_operations,
                )
                .await?;
            out.extend(page.operations.into_iter().filter(|o| {
                wanted.is_none_or(|w| {
                    o.operation_caller
                        .subscription_certificate_thumbprint
                        .as_deref()
                        .and_then(|t| t.parse::<Thumbprint>().ok())
                        == Some(w)
                })
            }));
            match page.continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(out)
    }
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
