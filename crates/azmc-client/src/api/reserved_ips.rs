//! Reserved IP addresses: list, get, create, delete, associate, disassociate.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::Result;
use azmc_wire::asm::{self as wire, ReservedIpXml};
use hyper::http::Method;

/// Create Reserved IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateReservedIp {
    pub name: String,
    pub location: String,
    /// Plain text (reserved IP labels are not base64).
    pub label: Option<String>,
    /// Associate at creation with this (cloud service, deployment).
    pub associate: Option<(String, String)>,
}

impl CreateReservedIp {
    pub fn new(name: impl Into<String>, location: impl Into<String>) -> Self {
        CreateReservedIp {
            name: name.into(),
            location: location.into(),
            label: None,
            associate: None,
        }
    }
}

impl Client {
    pub async fn list_reserved_ips(&self) -> Result<Vec<ReservedIpXml>> {
        self.get(
            "/services/networking/reservedips",
            "List Reserved IPs",
            wire::parse_reserved_ips,
        )
        .await
    }

    pub async fn reserved_ip(&self, name: &str) -> Result<ReservedIpXml> {
        self.get(
            &format!("/services/networking/reservedips/{}", seg(name)),
            "Get Reserved IP",
            wire::parse_reserved_ip,
        )
        .await
    }

    pub async fn create_reserved_ip(&self, ip: &CreateReservedIp) -> Result<Submitted> {
        let input = wire::ReservedIpInput {
            name: Some(ip.name.clone()),
            label: ip.label.clone(),
            service_name: ip.associate.as_ref().map(|(s, _)| s.clone()),
            deployment_name: ip.associate.as_ref().map(|(_, d)| d.clone()),
            location: Some(ip.location.clone()),
            virtual_ip_name: None,
        };
        self.submit(
            Method::POST,
            "/services/networking/reservedips",
            Some(input.to_xml()),
        )
        .await
    }

    pub async fn delete_reserved_ip(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/networking/reservedips/{}", seg(name)),
            None,
        )
        .await
    }

    /// Associate (`associate = true`) or disassociate the reserved IP `name` with the
    /// deployment `deployment` of the cloud service `service`.
    pub async fn set_reserved_ip_association(
        &self,
        name: &str,
        service: &str,
        deployment: &str,
        associate: bool,
    ) -> Result<Submitted> {
        let input = wire::ReservedIpAssociationInput {
            service_name: Some(service.to_string()),
            deployment_name: Some(deployment.to_string()),
            virtual_ip_name: None,
        };
        let verb = if associate {
            "associate"
        } else {
            "disassociate"
        };
        self.submit(
            Method::POST,
            &format!(
                "/services/networking/reservedips/{}/operations/{verb}",
                seg(name)
            ),
            Some(input.to_xml()),
        )
        .await
    }
}
