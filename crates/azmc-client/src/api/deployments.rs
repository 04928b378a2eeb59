//! Deployments of a cloud service, by slot: get, create, delete, status, swap.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::Result;
use azmc_wire::asm::{self as wire, DeploymentXml, encode_label};
use hyper::http::Method;

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
}
