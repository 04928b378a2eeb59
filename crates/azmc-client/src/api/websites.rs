//! Web sites and their webspaces.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::{ClientError, Result};
use azmc_wire::asm::{self as wire, SiteXml, WebSpaceXml};
use hyper::http::Method;

impl Client {
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
}
