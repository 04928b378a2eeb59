//! Affinity groups (§4.5): `/{s}/affinitygroups[/{name}]`.

use super::common::{
    list_to_xml, parse_response, parse_response_list, read_compute_capabilities, texts,
    write_compute_capabilities, write_texts,
};
use super::dom::{Element, parse_flat};
use super::{HostedServiceXml, StorageServiceXml};
use super::{XmlError, XmlWriter};

/// The body of Create Affinity Group, as sent (absent, empty or nil → `None`; values
/// trimmed except `Description`); the server validates it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateAffinityGroupInput {
    pub name: Option<String>,
    /// Base64, as sent.
    pub label: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
}

impl CreateAffinityGroupInput {
    /// The Create Affinity Group body as the Python client sends it: root
    /// `CreateAffinityGroup` (windowsazure namespace and the `i` prefix, no XML
    /// declaration), then `Name`, `Label`, `Description`, `Location`; `None` fields are
    /// left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("CreateAffinityGroup");
        w.opt_text("Name", self.name.as_deref())
            .opt_text("Label", self.label.as_deref())
            .opt_text("Description", self.description.as_deref())
            .opt_text("Location", self.location.as_deref());
        w.finish()
    }
}

/// Read a Create Affinity Group body (root `CreateAffinityGroup`).
pub fn parse_create_affinity_group(body: &[u8]) -> Result<CreateAffinityGroupInput, XmlError> {
    let doc = parse_flat(body, "CreateAffinityGroup")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(CreateAffinityGroupInput {
        name: field("Name"),
        label: field("Label"),
        description: doc.get("Description").map(str::to_owned),
        location: field("Location"),
    })
}

/// The body of Update Affinity Group, as sent (absent or nil → `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateAffinityGroupInput {
    /// Base64, as sent.
    pub label: Option<String>,
    pub description: Option<String>,
}

impl UpdateAffinityGroupInput {
    /// The Update Affinity Group body: root `UpdateAffinityGroup`, then `Label`,
    /// `Description`; `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("UpdateAffinityGroup");
        w.opt_text("Label", self.label.as_deref())
            .opt_text("Description", self.description.as_deref());
        w.finish()
    }
}

/// Read an Update Affinity Group body (root `UpdateAffinityGroup`).
pub fn parse_update_affinity_group(body: &[u8]) -> Result<UpdateAffinityGroupInput, XmlError> {
    let doc = parse_flat(body, "UpdateAffinityGroup")?;
    Ok(UpdateAffinityGroupInput {
        label: doc.get_trimmed("Label").map(str::to_owned),
        description: doc.get("Description").map(str::to_owned),
    })
}

/// One affinity group in Get / List Affinity Groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AffinityGroupXml {
    pub name: String,
    /// Base64 label.
    pub label: String,
    pub description: Option<String>,
    pub location: String,
    /// `None` leaves the element out (lists); Get sends both lists, each service with its
    /// properties, as recorded (a cloud service without `ComputeCapabilities` or
    /// deployments).
    pub hosted_services: Option<Vec<HostedServiceXml>>,
    pub storage_services: Option<Vec<StorageServiceXml>>,
    pub capabilities: Vec<String>,
    /// Preformatted (see [`super::format_time`]).
    pub created_time: String,
    /// `ComputeCapabilities`: real Azure sent it in List Affinity Groups only; both lists
    /// empty leave the element out (Get).
    pub web_worker_role_sizes: Vec<String>,
    pub virtual_machines_role_sizes: Vec<String>,
}

fn write_members<T>(
    w: &mut XmlWriter,
    (list, item): (&str, &str),
    members: &[T],
    write: fn(&T, &mut XmlWriter),
) {
    w.open(list);
    for m in members {
        w.open(item);
        write(m, w);
        w.close();
    }
    w.close();
}

fn read_members<T>(el: Option<&Element>, item: &str, read: fn(&Element) -> T) -> Option<Vec<T>> {
    el.map(|l| l.children_named(item).map(read).collect())
}

impl AffinityGroupXml {
    /// The Get Affinity Group Properties body (root `AffinityGroup`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("AffinityGroup");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Label", &self.label)
            .text("Description", self.description.as_deref().unwrap_or(""))
            .text("Location", &self.location);
        if let Some(h) = &self.hosted_services {
            let names = ("HostedServices", "HostedService");
            write_members(w, names, h, HostedServiceXml::write_fields);
        }
        if let Some(s) = &self.storage_services {
            let names = ("StorageServices", "StorageService");
            write_members(w, names, s, StorageServiceXml::write_fields);
        }
        write_texts(w, "Capabilities", "Capability", &self.capabilities);
        w.text("CreatedTime", &self.created_time);
        if !(self.web_worker_role_sizes.is_empty() && self.virtual_machines_role_sizes.is_empty()) {
            write_compute_capabilities(
                w,
                &self.web_worker_role_sizes,
                &self.virtual_machines_role_sizes,
            );
        }
    }

    fn from_element(el: &Element) -> AffinityGroupXml {
        let text = |name| el.child_text(name).map(str::to_owned);
        let (web, vm) = read_compute_capabilities(el.child("ComputeCapabilities"));
        AffinityGroupXml {
            name: text("Name").unwrap_or_default(),
            label: text("Label").unwrap_or_default(),
            description: text("Description").filter(|d| !d.is_empty()),
            location: text("Location").unwrap_or_default(),
            hosted_services: read_members(
                el.child("HostedServices"),
                "HostedService",
                HostedServiceXml::from_element,
            ),
            storage_services: read_members(
                el.child("StorageServices"),
                "StorageService",
                StorageServiceXml::from_element,
            ),
            capabilities: texts(Some(el), "Capabilities", "Capability"),
            created_time: text("CreatedTime").unwrap_or_default(),
            web_worker_role_sizes: web,
            virtual_machines_role_sizes: vm,
        }
    }
}

/// The List Affinity Groups body.
pub fn affinity_groups_to_xml(groups: &[AffinityGroupXml]) -> String {
    list_to_xml(
        "AffinityGroups",
        "AffinityGroup",
        groups,
        AffinityGroupXml::write_fields,
    )
}

/// Read a Get Affinity Group Properties response.
pub fn parse_affinity_group(body: &[u8]) -> Result<AffinityGroupXml, XmlError> {
    let doc = parse_response(body, "AffinityGroup")?;
    Ok(AffinityGroupXml::from_element(&doc))
}

/// Read a List Affinity Groups response.
pub fn parse_affinity_groups(body: &[u8]) -> Result<Vec<AffinityGroupXml>, XmlError> {
    parse_response_list(
        body,
        "AffinityGroups",
        "AffinityGroup",
        AffinityGroupXml::from_element,
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    #[test]
    fn create_body_as_python_sends_it() {
        let body = br#"<CreateAffinityGroup xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><Name>utaffgrp77aa1b0d</Name><Label>dHN0bWdtdGFmZmdycA==</Label><Description>tstmgmt affinity group</Description><Location>West US</Location></CreateAffinityGroup>"#;
        let i = parse_create_affinity_group(body).unwrap();
        assert_eq!(i.name.as_deref(), Some("utaffgrp77aa1b0d"));
        assert_eq!(i.label.as_deref(), Some("dHN0bWdtdGFmZmdycA=="));
        assert_eq!(i.description.as_deref(), Some("tstmgmt affinity group"));
        assert_eq!(i.location.as_deref(), Some("West US"));
        let node = br#"<?xml version="1.0" encoding="utf-8" standalone="yes"?><UpdateAffinityGroup xmlns="http://schemas.microsoft.com/windowsazure"><Label>eA==</Label><Description nil="true"/></UpdateAffinityGroup>"#;
        let u = parse_update_affinity_group(node).unwrap();
        assert_eq!(u.label.as_deref(), Some("eA=="));
        assert_eq!(u.description, None);
    }

    #[test]
    fn create_and_update_bodies_round_trip() {
        let full = CreateAffinityGroupInput {
            name: Some("ag1".into()),
            label: Some(super::super::encode_label(HOSTILE)),
            description: Some(HOSTILE.into()),
            location: Some("West US".into()),
        };
        let xml = full.to_xml();
        assert!(xml.starts_with("<CreateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Name>ag1</Name><Label>"), "{xml}");
        assert!(
            xml.contains("<Description>a&lt;b&gt;&amp;amp; &quot;q&quot;"),
            "{xml}"
        );
        let back = parse_create_affinity_group(xml.as_bytes()).unwrap();
        assert_eq!(
            back,
            CreateAffinityGroupInput {
                description: Some(HOSTILE_READ.into()),
                ..full.clone()
            }
        );
        assert_eq!(
            super::super::decode_label(back.label.as_deref().unwrap()).unwrap(),
            HOSTILE
        );
        let bare = CreateAffinityGroupInput {
            name: Some("ag1".into()),
            label: Some("YWc=".into()),
            location: Some("West US".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_create_affinity_group(bare.to_xml().as_bytes()).unwrap(),
            bare
        );
        let empty = CreateAffinityGroupInput::default();
        assert_eq!(
            parse_create_affinity_group(empty.to_xml().as_bytes()).unwrap(),
            empty
        );

        let update = UpdateAffinityGroupInput {
            label: Some("eA==".into()),
            description: Some(HOSTILE.into()),
        };
        assert_eq!(
            parse_update_affinity_group(update.to_xml().as_bytes()).unwrap(),
            UpdateAffinityGroupInput {
                description: Some(HOSTILE_READ.into()),
                ..update
            }
        );
        let label_only = UpdateAffinityGroupInput {
            label: Some("eA==".into()),
            description: None,
        };
        assert_eq!(
            label_only.to_xml(),
            "<UpdateAffinityGroup xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Label>eA==</Label></UpdateAffinityGroup>"
        );
        assert_eq!(
            parse_update_affinity_group(label_only.to_xml().as_bytes()).unwrap(),
            label_only
        );
        // An empty description is sent (and read back) as such, not dropped.
        let cleared = UpdateAffinityGroupInput {
            label: None,
            description: Some(String::new()),
        };
        assert_eq!(
            parse_update_affinity_group(cleared.to_xml().as_bytes()).unwrap(),
            cleared
        );
    }

    /// The Create Affinity Group body of the 2015 live recording
    /// (test_delete_affinity_group, interaction 0).
    const RECORDED_CREATE: &str = r#"<CreateAffinityGroup xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><Name>utaffgrpaa2c1794</Name><Label>dHN0bWdtdGFmZmdycA==</Label><Description>tstmgmt affinity group</Description><Location>West US</Location></CreateAffinityGroup>"#;

    #[test]
    fn create_body_matches_the_recording() {
        let recorded = parse_create_affinity_group(RECORDED_CREATE.as_bytes()).unwrap();
        let ours = CreateAffinityGroupInput {
            name: Some("utaffgrpaa2c1794".into()),
            label: Some(super::super::encode_label("tstmgmtaffgrp")),
            description: Some("tstmgmt affinity group".into()),
            location: Some("West US".into()),
        };
        assert_eq!(
            parse_create_affinity_group(ours.to_xml().as_bytes()).unwrap(),
            recorded
        );
        let a = super::super::parse_document(RECORDED_CREATE.as_bytes()).unwrap();
        let b = super::super::parse_document(ours.to_xml().as_bytes()).unwrap();
        assert_eq!(a.child_names(), b.child_names());
    }

    #[test]
    fn get_body_matches_the_recording_and_round_trips() {
        let g = AffinityGroupXml {
            name: "ag".into(),
            label: "dA==".into(),
            description: Some("d".into()),
            location: "West US".into(),
            hosted_services: Some(vec![HostedServiceXml {
                url: "https://h/s/services/hostedservices/svc".into(),
                service_name: "svc".into(),
                description: Some("affgrptestdesc".into()),
                affinity_group: Some("ag".into()),
                label: "YWZmZ3JwdGVzdGxhYmVs".into(),
                status: "Created".into(),
                date_created: "2015-06-30T23:58:19Z".into(),
                date_last_modified: "2015-06-30T23:58:23Z".into(),
                ..HostedServiceXml::default()
            }]),
            storage_services: Some(vec![]),
            capabilities: vec!["PersistentVMRole".into(), "HighMemory".into()],
            created_time: "2015-06-30T23:58:19Z".into(),
            web_worker_role_sizes: vec![],
            virtual_machines_role_sizes: vec![],
        };
        let xml = g.to_xml();
        // As recorded (test_get_affinity_group_properties): each member with its
        // properties, no ComputeCapabilities in Get.
        assert!(xml.contains("<Name>ag</Name><Label>dA==</Label><Description>d</Description><Location>West US</Location><HostedServices><HostedService><Url>https://h/s/services/hostedservices/svc</Url><ServiceName>svc</ServiceName><HostedServiceProperties><Description>affgrptestdesc</Description><AffinityGroup>ag</AffinityGroup><Label>YWZmZ3JwdGVzdGxhYmVs</Label><Status>Created</Status><DateCreated>2015-06-30T23:58:19Z</DateCreated><DateLastModified>2015-06-30T23:58:23Z</DateLastModified><ExtendedProperties></ExtendedProperties></HostedServiceProperties></HostedService></HostedServices><StorageServices></StorageServices><Capabilities><Capability>PersistentVMRole</Capability><Capability>HighMemory</Capability></Capabilities><CreatedTime>2015-06-30T23:58:19Z</CreatedTime></AffinityGroup>"), "{xml}");
        assert_eq!(parse_affinity_group(xml.as_bytes()).unwrap(), g);
        let list = affinity_groups_to_xml(&[AffinityGroupXml {
            hosted_services: None,
            storage_services: None,
            description: None,
            web_worker_role_sizes: vec!["Small".into()],
            virtual_machines_role_sizes: vec!["Small".into()],
            ..g.clone()
        }]);
        assert!(!list.contains("HostedServices"));
        assert!(list.contains("<ComputeCapabilities>"), "{list}");
        assert!(list.contains("<Description></Description>"));
        assert_eq!(parse_affinity_groups(list.as_bytes()).unwrap().len(), 1);
    }
}
