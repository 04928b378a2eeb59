//! OS images (the platform catalogue and the subscription's own) and the disk repository.

use super::seg;
use crate::client::{Client, RawRequest, Submitted};
use crate::error::{ClientError, Result};
use azmc_wire::asm::{self as wire, OsImageInput, OsImageXml};
use hyper::http::Method;

impl Client {
    /// List OS Images (the catalogue's and the subscription's).
    pub async fn list_os_images(&self) -> Result<Vec<OsImageXml>> {
        self.get("/services/images", "List OS Images", wire::parse_os_images)
            .await
    }

    /// Get OS Image.
    pub async fn os_image(&self, name: &str) -> Result<OsImageXml> {
        self.get(
            &format!("/services/images/{}", seg(name)),
            "Get OS Image",
            wire::parse_os_image,
        )
        .await
    }

    /// Add OS Image: the image as added, with the request id of its operation.
    pub async fn add_os_image(&self, input: &OsImageInput) -> Result<(OsImageXml, Option<String>)> {
        let req = RawRequest::new(Method::POST, self.path("/services/images")).xml(input.to_xml());
        let resp = self.call(&req).await?;
        let image = wire::parse_os_image(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Add OS Image".into(),
            reason: e.to_string(),
        })?;
        Ok((image, resp.request_id().map(str::to_string)))
    }

    /// Delete OS Image.
    pub async fn delete_os_image(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/images/{}", seg(name)),
            None,
        )
        .await
    }
}

impl Client {
    /// List Disks.
    pub async fn list_disks(&self) -> Result<Vec<wire::DiskXml>> {
        self.get("/services/disks", "List Disks", wire::parse_disks)
            .await
    }

    /// Get Disk.
    pub async fn disk(&self, name: &str) -> Result<wire::DiskXml> {
        self.get(
            &format!("/services/disks/{}", seg(name)),
            "Get Disk",
            wire::parse_disk,
        )
        .await
    }

    /// Add Disk: the disk as added.
    pub async fn add_disk(&self, input: &wire::DiskInput) -> Result<wire::DiskXml> {
        let req = RawRequest::new(Method::POST, self.path("/services/disks")).xml(input.to_xml());
        let resp = self.call(&req).await?;
        wire::parse_disk(&resp.body).map_err(|e| ClientError::BadResponse {
            what: "Add Disk".into(),
            reason: e.to_string(),
        })
    }

    /// Delete Disk.
    pub async fn delete_disk(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!("/services/disks/{}", seg(name)),
            None,
        )
        .await
    }
}
