//! Storage accounts: list, get, create, update, delete, name availability, keys.

use super::seg;
use crate::client::{Client, Submitted};
use crate::error::{ClientError, Result};
use azmc_wire::asm::{self as wire, StorageServiceKeysXml, StorageServiceXml, encode_label};
use hyper::http::Method;

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

impl Client {
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

    /// The deleted storage accounts that can still be restored (azmc's
    /// `GET …/storageservices?comp=deleted`).
    pub async fn list_deleted_storage_accounts(&self) -> Result<Vec<wire::DeletedResourceXml>> {
        self.get(
            "/services/storageservices?comp=deleted",
            "List Deleted Storage Accounts",
            |b| wire::parse_deleted(wire::DeletedKind::StorageServices, b),
        )
        .await
    }

    /// Restores a deleted storage account with its keys and properties (azmc's
    /// `POST …/storageservices/{name}?comp=restore`).
    pub async fn restore_storage_account(&self, name: &str) -> Result<Submitted> {
        self.submit(
            Method::POST,
            &format!("/services/storageservices/{}?comp=restore", seg(name)),
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
}
