//! Virtual machines: Create Virtual Machine Deployment, Add/Get/Update/Delete Role, the
//! role operations (start, shut down, restart), Get/Delete Deployment by name (with the
//! VM roles, their instances and VIPs) and the data disks of a role.
//!
//! Changes answer [`Submitted`] (the server accepts them as asynchronous operations:
//! wait for the request id); reads answer the [`azmc_wire::asm`] structs.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::Result;
use azmc_wire::asm::{
    self as wire, DataVirtualHardDiskXml, DeploymentXml, RoleOperationXml, RoleXml,
    VmDeploymentInput,
};
use hyper::http::Method;

/// How a virtual machine is shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostShutdownAction {
    /// Stopped, still allocated (its cores count, it keeps its address).
    Stopped,
    /// Stopped and deallocated (`StoppedDeallocated`).
    Deallocated,
}

impl PostShutdownAction {
    /// The `PostShutdownAction` value.
    pub fn as_str(self) -> &'static str {
        match self {
            PostShutdownAction::Stopped => "Stopped",
            PostShutdownAction::Deallocated => "StoppedDeallocated",
        }
    }
}

/// `/services/hostedservices/{svc}/deployments/{d}` (encoded).
fn deployment_path(service: &str, deployment: &str) -> String {
    format!(
        "/services/hostedservices/{}/deployments/{}",
        seg(service),
        seg(deployment)
    )
}

/// `?comp=media` when the media (disks and their blobs) go too.
fn media(yes: bool) -> &'static str {
    if yes { "?comp=media" } else { "" }
}

impl Client {
    /// Create Virtual Machine Deployment (the first roles of a cloud service).
    pub async fn create_vm_deployment(
        &self,
        service: &str,
        input: &VmDeploymentInput,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!("/services/hostedservices/{}/deployments", seg(service)),
            Some(input.to_xml()),
        )
        .await
    }

    /// Get Deployment by name (a VM deployment shows its roles, instances and VIPs).
    pub async fn deployment_by_name(
        &self,
        service: &str,
        deployment: &str,
    ) -> Result<DeploymentXml> {
        self.get(
            &deployment_path(service, deployment),
            "Get Deployment",
            wire::parse_deployment,
        )
        .await
    }

    /// Delete Deployment by name; `media`: the disks and their blobs go too.
    pub async fn delete_deployment_by_name(
        &self,
        service: &str,
        deployment: &str,
        media_too: bool,
    ) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "{}{}",
                deployment_path(service, deployment),
                media(media_too)
            ),
            None,
        )
        .await
    }

    /// Add Role: one more virtual machine in a VM deployment.
    pub async fn add_role(
        &self,
        service: &str,
        deployment: &str,
        role: &RoleXml,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!("{}/roles", deployment_path(service, deployment)),
            Some(role.to_request_xml()),
        )
        .await
    }

    /// Get Role.
    pub async fn role(&self, service: &str, deployment: &str, name: &str) -> Result<RoleXml> {
        self.get(
            &format!(
                "{}/roles/{}",
                deployment_path(service, deployment),
                seg(name)
            ),
            "Get Role",
            wire::parse_role_response,
        )
        .await
    }

    /// Update Role (the role named `role.role_name`).
    pub async fn update_role(
        &self,
        service: &str,
        deployment: &str,
        role: &RoleXml,
    ) -> Result<Submitted> {
        self.submit(
            Method::PUT,
            &format!(
                "{}/roles/{}",
                deployment_path(service, deployment),
                seg(&role.role_name)
            ),
            Some(role.to_request_xml()),
        )
        .await
    }

    /// Delete Role (not the last of its deployment: delete the deployment then);
    /// `media_too`: its disks and their blobs go too.
    pub async fn delete_role(
        &self,
        service: &str,
        deployment: &str,
        name: &str,
        media_too: bool,
    ) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "{}/roles/{}{}",
                deployment_path(service, deployment),
                seg(name),
                media(media_too)
            ),
            None,
        )
        .await
    }

    /// A role operation (`POST …/roleinstances/{vm}/Operations`).
    pub async fn role_operation(
        &self,
        service: &str,
        deployment: &str,
        name: &str,
        operation: &RoleOperationXml,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!(
                "{}/roleinstances/{}/Operations",
                deployment_path(service, deployment),
                seg(name)
            ),
            Some(operation.to_xml()),
        )
        .await
    }

    /// Start Role.
    pub async fn start_role(
        &self,
        service: &str,
        deployment: &str,
        name: &str,
    ) -> Result<Submitted> {
        self.role_operation(service, deployment, name, &RoleOperationXml::Start)
            .await
    }

    /// Shutdown Role, stopped or stopped and deallocated.
    pub async fn shutdown_role(
        &self,
        service: &str,
        deployment: &str,
        name: &str,
        action: PostShutdownAction,
    ) -> Result<Submitted> {
        let op = RoleOperationXml::Shutdown {
            post_shutdown_action: Some(action.as_str().to_string()),
        };
        self.role_operation(service, deployment, name, &op).await
    }

    /// Restart Role.
    pub async fn restart_role(
        &self,
        service: &str,
        deployment: &str,
        name: &str,
    ) -> Result<Submitted> {
        self.role_operation(service, deployment, name, &RoleOperationXml::Restart)
            .await
    }

    /// Add Data Disk: a new disk (`media_link` and `logical_disk_size_in_gb`) or an
    /// existing one of the repository (`disk_name`), at `lun`.
    pub async fn add_data_disk(
        &self,
        service: &str,
        deployment: &str,
        role: &str,
        disk: &DataVirtualHardDiskXml,
    ) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!(
                "{}/roles/{}/DataDisks",
                deployment_path(service, deployment),
                seg(role)
            ),
            Some(disk.to_xml()),
        )
        .await
    }

    /// Get Data Disk.
    pub async fn data_disk(
        &self,
        service: &str,
        deployment: &str,
        role: &str,
        lun: u32,
    ) -> Result<DataVirtualHardDiskXml> {
        self.get(
            &format!(
                "{}/roles/{}/DataDisks/{lun}",
                deployment_path(service, deployment),
                seg(role)
            ),
            "Get Data Disk",
            wire::parse_data_disk_response,
        )
        .await
    }

    /// Update Data Disk (the one at `lun`; `disk.lun` may move it).
    pub async fn update_data_disk(
        &self,
        service: &str,
        deployment: &str,
        role: &str,
        lun: u32,
        disk: &DataVirtualHardDiskXml,
    ) -> Result<Submitted> {
        self.submit(
            Method::PUT,
            &format!(
                "{}/roles/{}/DataDisks/{lun}",
                deployment_path(service, deployment),
                seg(role)
            ),
            Some(disk.to_xml()),
        )
        .await
    }

    /// Delete Data Disk: detach the disk at `lun`; `media_too`: delete the disk and its
    /// blob as well (else it stays in the repository).
    pub async fn delete_data_disk(
        &self,
        service: &str,
        deployment: &str,
        role: &str,
        lun: u32,
        media_too: bool,
    ) -> Result<Submitted> {
        self.submit(
            Method::DELETE,
            &format!(
                "{}/roles/{}/DataDisks/{lun}{}",
                deployment_path(service, deployment),
                seg(role),
                media(media_too)
            ),
            None,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_and_media_is_a_query() {
        assert_eq!(
            deployment_path("svc", "a b"),
            "/services/hostedservices/svc/deployments/a%20b"
        );
        assert_eq!(media(true), "?comp=media");
        assert_eq!(media(false), "");
        assert_eq!(
            PostShutdownAction::Deallocated.as_str(),
            "StoppedDeallocated"
        );
        assert_eq!(PostShutdownAction::Stopped.as_str(), "Stopped");
    }
}
