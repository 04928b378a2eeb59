//! Cloud services (hosted services in the API's paths): list, get, create, delete, name
//! availability.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::Result;
use azmc_wire::asm::{self as wire, HostedServiceXml, encode_label};
use hyper::http::Method;

/// Create Cloud Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCloudService {
    pub name: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
}

impl Client {
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

    /// The deleted cloud services that can still be restored (azmc's
    /// `GET …/hostedservices?comp=deleted`).
    pub async fn list_deleted_cloud_services(&self) -> Result<Vec<wire::DeletedResourceXml>> {
        self.get(
            "/services/hostedservices?comp=deleted",
            "List Deleted Cloud Services",
            |b| wire::parse_deleted(wire::DeletedKind::HostedServices, b),
        )
        .await
    }

    /// Restores a deleted cloud service with its properties and certificates, not its
    /// deployments (azmc's `POST …/hostedservices/{name}?comp=restore`).
    pub async fn restore_cloud_service(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!("/services/hostedservices/{}?comp=restore", seg(name)),
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
}
