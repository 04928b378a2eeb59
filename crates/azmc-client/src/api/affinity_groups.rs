//! Affinity groups: list, get, create, update, delete.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::Result;
use azmc_wire::asm::{self as wire, AffinityGroupXml, encode_label};
use hyper::http::Method;

impl Client {
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
}
