//! Virtual networks: the network configuration document and List Virtual Network Sites.

use crate::client::{Client, RawRequest, Submitted};
use crate::error::{ClientError, Result};
use azmc_wire::asm::{self as wire, NetworkConfiguration, VirtualNetworkSiteXml};
use hyper::http::Method;

impl Client {
    /// Get Network Configuration: the document as it was set (`None` when the
    /// subscription has none yet: the server's 404).
    pub async fn network_configuration_document(&self) -> Result<Option<String>> {
        let req = RawRequest::new(Method::GET, self.path("/services/networking/media"));
        match self.call(&req).await {
            Ok(resp) => String::from_utf8(resp.body.to_vec())
                .map(Some)
                .map_err(|_| ClientError::BadResponse {
                    what: "Get Network Configuration".into(),
                    reason: "the document is not UTF-8 text".into(),
                }),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Get Network Configuration, read (an empty configuration when there is none).
    pub async fn network_configuration(&self) -> Result<NetworkConfiguration> {
        match self.network_configuration_document().await? {
            None => Ok(NetworkConfiguration::default()),
            Some(doc) => wire::parse_network_configuration(doc.as_bytes()).map_err(|e| {
                ClientError::BadResponse {
                    what: "Get Network Configuration".into(),
                    reason: e.to_string(),
                }
            }),
        }
    }

    /// Set Network Configuration: `document` replaces the subscription's whole
    /// configuration (asynchronous).
    pub async fn set_network_configuration(&self, document: &str) -> Result<Submitted> {
        let req = RawRequest::new(Method::PUT, self.path("/services/networking/media"))
            .header("Content-Type", "application/octet-stream");
        let req = RawRequest {
            body: document.to_owned().into_bytes().into(),
            ..req
        };
        let resp = self.call(&req).await?;
        let request_id = resp.request_id().map(str::to_string);
        match (resp.status, request_id) {
            (202, Some(request_id)) => Ok(Submitted::Accepted { request_id }),
            (202, None) => Err(ClientError::BadResponse {
                what: "Set Network Configuration".into(),
                reason: "202 Accepted without x-ms-request-id".into(),
            }),
            (status, request_id) => Ok(Submitted::Done { request_id, status }),
        }
    }

    /// List Virtual Network Sites.
    pub async fn list_virtual_network_sites(&self) -> Result<Vec<VirtualNetworkSiteXml>> {
        self.get(
            "/services/networking/virtualnetwork",
            "List Virtual Network Sites",
            wire::parse_virtual_network_sites,
        )
        .await
    }
}
