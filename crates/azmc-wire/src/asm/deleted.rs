//! Deleted storage accounts and cloud services (an azmc extension, not in ASM): listed by
//! `GET /{s}/services/storageservices?comp=deleted` and
//! `GET /{s}/services/hostedservices?comp=deleted`, restored by `POST` on the resource's
//! URL with `comp=restore`. The documents follow the ASM conventions (windowsazure
//! namespace, base64 labels, ISO 8601 UTC times).

use super::XmlWriter;
use super::common::{list_to_xml, parse_response_list};
use super::dom::Element;
use super::error::XmlError;

/// One deleted resource that can still be restored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletedResourceXml {
    pub service_name: String,
    /// Base64, as in the resource's own properties.
    pub label: String,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    /// Storage accounts: `Standard_LRS`, ….
    pub account_type: Option<String>,
    /// Cloud services: how many certificates a restore brings back.
    pub certificate_count: Option<u32>,
    /// When it was deleted ([`super::format_time`]).
    pub deleted_time: String,
    /// When it is dropped for good unless restored.
    pub purge_time: String,
}

impl DeletedResourceXml {
    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("ServiceName", &self.service_name)
            .text("Label", &self.label)
            .opt_text("Location", self.location.as_deref())
            .opt_text("AffinityGroup", self.affinity_group.as_deref())
            .opt_text("AccountType", self.account_type.as_deref());
        if let Some(n) = self.certificate_count {
            w.int("CertificateCount", n);
        }
        w.text("DeletedTime", &self.deleted_time)
            .text("PurgeTime", &self.purge_time);
    }

    fn from_element(el: &Element) -> Self {
        let text = |name| {
            el.child_text(name)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        DeletedResourceXml {
            service_name: text("ServiceName").unwrap_or_default(),
            label: text("Label").unwrap_or_default(),
            location: text("Location"),
            affinity_group: text("AffinityGroup"),
            account_type: text("AccountType"),
            certificate_count: text("CertificateCount").and_then(|n| n.parse().ok()),
            deleted_time: text("DeletedTime").unwrap_or_default(),
            purge_time: text("PurgeTime").unwrap_or_default(),
        }
    }
}

/// Which list: the roots and item names of the two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletedKind {
    StorageServices,
    HostedServices,
}

impl DeletedKind {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            DeletedKind::StorageServices => ("DeletedStorageServices", "DeletedStorageService"),
            DeletedKind::HostedServices => ("DeletedHostedServices", "DeletedHostedService"),
        }
    }
}

/// The list document: root `DeletedStorageServices` / `DeletedHostedServices`.
pub fn deleted_to_xml(kind: DeletedKind, items: &[DeletedResourceXml]) -> String {
    let (root, item) = kind.names();
    list_to_xml(root, item, items, DeletedResourceXml::write_fields)
}

/// Read a list of deleted resources.
pub fn parse_deleted(kind: DeletedKind, body: &[u8]) -> Result<Vec<DeletedResourceXml>, XmlError> {
    let (root, item) = kind.names();
    parse_response_list(body, root, item, DeletedResourceXml::from_element)
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    #[test]
    fn round_trips_and_checks_the_root() {
        let account = DeletedResourceXml {
            service_name: "store1".into(),
            label: "bGFiZWw=".into(),
            location: Some(HOSTILE.into()),
            affinity_group: None,
            account_type: Some("Standard_GRS".into()),
            certificate_count: None,
            deleted_time: "2030-01-01T00:00:00Z".into(),
            purge_time: "2030-01-15T00:00:00Z".into(),
        };
        let service = DeletedResourceXml {
            service_name: "svc".into(),
            affinity_group: Some("group".into()),
            certificate_count: Some(2),
            ..account.clone()
        };
        let xml = deleted_to_xml(DeletedKind::StorageServices, std::slice::from_ref(&account));
        assert!(
            xml.starts_with(
                "<DeletedStorageServices xmlns=\"http://schemas.microsoft.com/windowsazure\""
            ),
            "{xml}"
        );
        let back = parse_deleted(DeletedKind::StorageServices, xml.as_bytes()).unwrap();
        assert_eq!(back[0].location.as_deref(), Some(HOSTILE_READ));
        assert_eq!(back[0].account_type.as_deref(), Some("Standard_GRS"));
        assert_eq!(back[0].purge_time, "2030-01-15T00:00:00Z");
        let xml = deleted_to_xml(DeletedKind::HostedServices, &[service.clone(), service]);
        let back = parse_deleted(DeletedKind::HostedServices, xml.as_bytes()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].certificate_count, Some(2));
        assert_eq!(back[1].affinity_group.as_deref(), Some("group"));
        // A storage list is not a cloud service list.
        assert!(parse_deleted(DeletedKind::StorageServices, xml.as_bytes()).is_err());
        assert!(parse_deleted(DeletedKind::HostedServices, b"<x").is_err());
    }
}
