//! Cloud (hosted) services (§4.7): `/{s}/services/hostedservices`.

use super::common::{
    list_to_xml, parse_response, parse_response_list, read_extended_properties, texts,
    write_compute_capabilities, write_extended_properties, write_request_extended_properties,
};
use super::dom::{Element, parse_flat};
use super::{DeploymentXml, XmlError, XmlWriter};

/// The body of Create Hosted Service, as sent (absent, empty or nil → `None`; values
/// trimmed except `Description`); the server validates it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateHostedServiceInput {
    pub service_name: Option<String>,
    /// Base64, as sent.
    pub label: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    pub extended_properties: Vec<(String, String)>,
    pub reverse_dns_fqdn: Option<String>,
}

impl CreateHostedServiceInput {
    /// The Create Hosted Service body as the Python client sends it: root
    /// `CreateHostedService` (windowsazure namespace and the `i` prefix, no XML
    /// declaration), then `ServiceName`, `Label`, `Description`, `Location`,
    /// `AffinityGroup`, `ExtendedProperties` (only when there are some) and Node's
    /// `ReverseDnsFqdn`; `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("CreateHostedService");
        w.opt_text("ServiceName", self.service_name.as_deref())
            .opt_text("Label", self.label.as_deref())
            .opt_text("Description", self.description.as_deref())
            .opt_text("Location", self.location.as_deref())
            .opt_text("AffinityGroup", self.affinity_group.as_deref());
        write_request_extended_properties(&mut w, &self.extended_properties);
        w.opt_text("ReverseDnsFqdn", self.reverse_dns_fqdn.as_deref());
        w.finish()
    }
}

/// Read a Create Hosted Service body (root `CreateHostedService`).
pub fn parse_create_hosted_service(body: &[u8]) -> Result<CreateHostedServiceInput, XmlError> {
    let doc = parse_flat(body, "CreateHostedService")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(CreateHostedServiceInput {
        service_name: field("ServiceName"),
        label: field("Label"),
        description: doc.get("Description").map(str::to_owned),
        location: field("Location"),
        affinity_group: field("AffinityGroup"),
        extended_properties: read_extended_properties(doc.element("ExtendedProperties")),
        reverse_dns_fqdn: field("ReverseDnsFqdn"),
    })
}

/// The body of Update Hosted Service, as sent (absent or nil → `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateHostedServiceInput {
    /// Base64, as sent.
    pub label: Option<String>,
    pub description: Option<String>,
    pub extended_properties: Vec<(String, String)>,
}

impl UpdateHostedServiceInput {
    /// The Update Hosted Service body: root `UpdateHostedService`, then `Label`,
    /// `Description`, `ExtendedProperties` (only when there are some); `None` fields are
    /// left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("UpdateHostedService");
        w.opt_text("Label", self.label.as_deref())
            .opt_text("Description", self.description.as_deref());
        write_request_extended_properties(&mut w, &self.extended_properties);
        w.finish()
    }
}

/// Read an Update Hosted Service body (root `UpdateHostedService`).
pub fn parse_update_hosted_service(body: &[u8]) -> Result<UpdateHostedServiceInput, XmlError> {
    let doc = parse_flat(body, "UpdateHostedService")?;
    Ok(UpdateHostedServiceInput {
        label: doc.get_trimmed("Label").map(str::to_owned),
        description: doc.get("Description").map(str::to_owned),
        extended_properties: read_extended_properties(doc.element("ExtendedProperties")),
    })
}

/// One cloud service in Get / List Hosted Services.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostedServiceXml {
    pub url: String,
    pub service_name: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    /// Base64 label.
    pub label: String,
    /// `Created`, `Deleting`, …
    pub status: String,
    /// Preformatted times (see [`super::format_time`]).
    pub date_created: String,
    pub date_last_modified: String,
    pub extended_properties: Vec<(String, String)>,
    /// `None` leaves out `<Deployments>` (lists, and Get without `embed-detail=true`).
    pub deployments: Option<Vec<DeploymentXml>>,
    /// `ComputeCapabilities`: the role sizes offered for web/worker roles and virtual
    /// machines (the same list for both); empty leaves the element out.
    pub role_sizes: Vec<String>,
}

impl HostedServiceXml {
    /// The Get Hosted Service Properties body (root `HostedService`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("HostedService");
        self.write_fields(&mut w);
        w.finish()
    }

    pub(crate) fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Url", &self.url)
            .text("ServiceName", &self.service_name)
            .open("HostedServiceProperties")
            .text_or_nil("Description", self.description.as_deref())
            .opt_text("AffinityGroup", self.affinity_group.as_deref())
            .opt_text("Location", self.location.as_deref())
            .text("Label", &self.label)
            .text("Status", &self.status)
            .text("DateCreated", &self.date_created)
            .text("DateLastModified", &self.date_last_modified);
        write_extended_properties(w, &self.extended_properties);
        w.close();
        if !self.role_sizes.is_empty() {
            write_compute_capabilities(w, &self.role_sizes, &self.role_sizes);
        }
        if let Some(deps) = &self.deployments {
            w.open("Deployments");
            for d in deps {
                w.open("Deployment");
                d.write_fields(w);
                w.close();
            }
            w.close();
        }
    }

    pub(crate) fn from_element(el: &Element) -> HostedServiceXml {
        let text = |e: &Element, name| e.child_text(name).map(str::to_owned);
        let empty = Element::default();
        let props = el.child("HostedServiceProperties").unwrap_or(&empty);
        HostedServiceXml {
            url: text(el, "Url").unwrap_or_default(),
            service_name: text(el, "ServiceName").unwrap_or_default(),
            description: text(props, "Description"),
            location: text(props, "Location"),
            affinity_group: text(props, "AffinityGroup"),
            label: text(props, "Label").unwrap_or_default(),
            status: text(props, "Status").unwrap_or_default(),
            date_created: text(props, "DateCreated").unwrap_or_default(),
            date_last_modified: text(props, "DateLastModified").unwrap_or_default(),
            extended_properties: read_extended_properties(props.child("ExtendedProperties")),
            role_sizes: texts(
                el.child("ComputeCapabilities"),
                "WebWorkerRoleSizes",
                "RoleSize",
            ),
            deployments: el.child("Deployments").map(|d| {
                d.children_named("Deployment")
                    .map(DeploymentXml::from_element)
                    .collect()
            }),
        }
    }
}

/// The List Hosted Services body.
pub fn hosted_services_to_xml(services: &[HostedServiceXml]) -> String {
    list_to_xml(
        "HostedServices",
        "HostedService",
        services,
        HostedServiceXml::write_fields,
    )
}

/// Read a Get Hosted Service Properties response.
pub fn parse_hosted_service(body: &[u8]) -> Result<HostedServiceXml, XmlError> {
    let doc = parse_response(body, "HostedService")?;
    Ok(HostedServiceXml::from_element(&doc))
}

/// Read a List Hosted Services response.
pub fn parse_hosted_services(body: &[u8]) -> Result<Vec<HostedServiceXml>, XmlError> {
    parse_response_list(
        body,
        "HostedServices",
        "HostedService",
        HostedServiceXml::from_element,
    )
}

/// An `AvailabilityResponse` (name checks): `<Result>` and a `<Reason>` (nil when
/// available).
pub fn availability_to_xml(available: bool, reason: Option<&str>) -> String {
    let mut w = XmlWriter::root("AvailabilityResponse");
    w.bool("Result", available).text_or_nil("Reason", reason);
    w.finish()
}

/// Read an `AvailabilityResponse`: (result, reason).
pub fn parse_availability(body: &[u8]) -> Result<(bool, Option<String>), XmlError> {
    let doc = parse_response(body, "AvailabilityResponse")?;
    Ok((
        doc.child_text("Result") == Some("true"),
        doc.child_text("Reason").map(str::to_owned),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{
        HOSTILE, HOSTILE_READ, read_back, read_back_properties, read_back_trimmed, strategies,
    };
    use super::*;
    use proptest::prelude::*;

    fn full_create() -> CreateHostedServiceInput {
        CreateHostedServiceInput {
            service_name: Some("svc1".into()),
            label: Some("c3ZjMQ==".into()),
            description: Some(HOSTILE.into()),
            location: Some("West US".into()),
            affinity_group: Some("ag1".into()),
            extended_properties: vec![
                ("ext1".into(), HOSTILE.into()),
                ("ext2".into(), String::new()),
            ],
            reverse_dns_fqdn: Some("svc1.example.com.".into()),
        }
    }

    #[test]
    fn create_and_update_bodies_round_trip() {
        let full = full_create();
        let xml = full.to_xml();
        assert!(xml.starts_with("<CreateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><ServiceName>svc1</ServiceName><Label>c3ZjMQ==</Label><Description>"), "{xml}");
        assert!(xml.ends_with("<Location>West US</Location><AffinityGroup>ag1</AffinityGroup><ExtendedProperties><ExtendedProperty><Name>ext1</Name><Value>a&lt;b&gt;&amp;amp; &quot;q&quot; &apos;p&apos; é漢🎉&#9;x&#10;y\u{FFFD}z]]&gt;</Value></ExtendedProperty><ExtendedProperty><Name>ext2</Name><Value></Value></ExtendedProperty></ExtendedProperties><ReverseDnsFqdn>svc1.example.com.</ReverseDnsFqdn></CreateHostedService>"), "{xml}");
        assert_eq!(
            parse_create_hosted_service(xml.as_bytes()).unwrap(),
            CreateHostedServiceInput {
                description: Some(HOSTILE_READ.into()),
                extended_properties: vec![
                    ("ext1".into(), HOSTILE_READ.into()),
                    ("ext2".into(), String::new()),
                ],
                ..full
            }
        );
        let bare = CreateHostedServiceInput {
            service_name: Some("svc1".into()),
            label: Some("c3ZjMQ==".into()),
            location: Some("West US".into()),
            ..Default::default()
        };
        assert!(!bare.to_xml().contains("ExtendedProperties"));
        assert_eq!(
            parse_create_hosted_service(bare.to_xml().as_bytes()).unwrap(),
            bare
        );

        let update = UpdateHostedServiceInput {
            label: Some("bA==".into()),
            description: Some(HOSTILE.into()),
            extended_properties: vec![("k".into(), "v".into())],
        };
        assert_eq!(
            parse_update_hosted_service(update.to_xml().as_bytes()).unwrap(),
            UpdateHostedServiceInput {
                description: Some(HOSTILE_READ.into()),
                ..update
            }
        );
        let none = UpdateHostedServiceInput::default();
        assert_eq!(
            none.to_xml(),
            "<UpdateHostedService xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"></UpdateHostedService>"
        );
        assert_eq!(
            parse_update_hosted_service(none.to_xml().as_bytes()).unwrap(),
            none
        );
    }

    /// Request bodies of the 2015 live recordings (test_get_affinity_group_properties #1,
    /// test_create_update_delete_hosted_service #3).
    const RECORDED_CREATE: &str = r#"<CreateHostedService xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><ServiceName>utsvc77aa1b0d</ServiceName><Label>YWZmZ3JwdGVzdGxhYmVs</Label><Description>affgrptestdesc</Description><AffinityGroup>utaffgrp77aa1b0d</AffinityGroup></CreateHostedService>"#;
    const RECORDED_UPDATE: &str = r#"<UpdateHostedService xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><Label>cHR2c2xhYmVsdXBkYXRl</Label><Description>ptvs description update</Description><ExtendedProperties><ExtendedProperty><Name>ext2</Name><Value>val2update</Value></ExtendedProperty><ExtendedProperty><Name>ext1</Name><Value>val1update</Value></ExtendedProperty><ExtendedProperty><Name>ext3</Name><Value>brandnew</Value></ExtendedProperty></ExtendedProperties></UpdateHostedService>"#;

    #[test]
    fn bodies_match_the_recordings() {
        let ours = CreateHostedServiceInput {
            service_name: Some("utsvc77aa1b0d".into()),
            label: Some(super::super::encode_label("affgrptestlabel")),
            description: Some("affgrptestdesc".into()),
            affinity_group: Some("utaffgrp77aa1b0d".into()),
            ..Default::default()
        };
        let recorded = parse_create_hosted_service(RECORDED_CREATE.as_bytes()).unwrap();
        assert_eq!(
            parse_create_hosted_service(ours.to_xml().as_bytes()).unwrap(),
            recorded
        );
        let shape = |xml: &str| {
            super::super::parse_document(xml.as_bytes())
                .unwrap()
                .children
        };
        assert_eq!(shape(&ours.to_xml()), shape(RECORDED_CREATE));
        let ours = UpdateHostedServiceInput {
            label: Some(super::super::encode_label("ptvslabelupdate")),
            description: Some("ptvs description update".into()),
            extended_properties: vec![
                ("ext2".into(), "val2update".into()),
                ("ext1".into(), "val1update".into()),
                ("ext3".into(), "brandnew".into()),
            ],
        };
        let recorded = parse_update_hosted_service(RECORDED_UPDATE.as_bytes()).unwrap();
        assert_eq!(
            parse_update_hosted_service(ours.to_xml().as_bytes()).unwrap(),
            recorded
        );
        assert_eq!(shape(&ours.to_xml()), shape(RECORDED_UPDATE));
        // The Python create body of the test above, rebuilt from what it reads as.
        let python = parse_create_hosted_service(br#"<CreateHostedService xmlns="http://schemas.microsoft.com/windowsazure"><ServiceName>s</ServiceName><ExtendedProperties><ExtendedProperty><Name>ext2</Name><Value>val2</Value></ExtendedProperty></ExtendedProperties></CreateHostedService>"#).unwrap();
        assert_eq!(
            parse_create_hosted_service(python.to_xml().as_bytes()).unwrap(),
            python
        );
    }

    proptest! {
        #[test]
        fn create_round_trips(
            service_name in strategies::opt_text(),
            label in strategies::opt_text(),
            description in strategies::opt_text(),
            location in strategies::opt_text(),
            affinity_group in strategies::opt_text(),
            extended_properties in strategies::properties(),
            reverse_dns_fqdn in strategies::opt_text(),
        ) {
            let input = CreateHostedServiceInput {
                service_name, label, description, location, affinity_group,
                extended_properties, reverse_dns_fqdn,
            };
            let back = parse_create_hosted_service(input.to_xml().as_bytes()).unwrap();
            let expected = CreateHostedServiceInput {
                service_name: read_back_trimmed(input.service_name.as_deref()),
                label: read_back_trimmed(input.label.as_deref()),
                description: input.description.as_deref().map(read_back),
                location: read_back_trimmed(input.location.as_deref()),
                affinity_group: read_back_trimmed(input.affinity_group.as_deref()),
                extended_properties: read_back_properties(&input.extended_properties),
                reverse_dns_fqdn: read_back_trimmed(input.reverse_dns_fqdn.as_deref()),
            };
            prop_assert_eq!(back, expected);
        }
    }

    #[test]
    fn create_body_as_python_sends_it() {
        let body = br#"<CreateHostedService xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><ServiceName>utsvc1ee3195f</ServiceName><Label>cHl0aG9ubGFiZWw=</Label><Description>python hosted service description</Description><Location>West US</Location><ExtendedProperties><ExtendedProperty><Name>ext2</Name><Value>val2</Value></ExtendedProperty><ExtendedProperty><Name>ext1</Name><Value>val1</Value></ExtendedProperty></ExtendedProperties></CreateHostedService>"#;
        let i = parse_create_hosted_service(body).unwrap();
        assert_eq!(i.service_name.as_deref(), Some("utsvc1ee3195f"));
        assert_eq!(i.label.as_deref(), Some("cHl0aG9ubGFiZWw="));
        assert_eq!(i.location.as_deref(), Some("West US"));
        assert_eq!(i.affinity_group, None);
        assert_eq!(
            i.extended_properties,
            vec![
                ("ext2".into(), "val2".into()),
                ("ext1".into(), "val1".into())
            ]
        );
    }

    #[test]
    fn get_body_matches_the_recording() {
        let x = HostedServiceXml {
            url: "https://h/s/services/hostedservices/a".into(),
            service_name: "a".into(),
            description: Some("d".into()),
            location: Some("West US".into()),
            affinity_group: None,
            label: "bA==".into(),
            status: "Created".into(),
            date_created: "2015-07-02T16:45:20Z".into(),
            date_last_modified: "2015-07-02T16:45:20Z".into(),
            extended_properties: vec![("ext1".into(), "v&1".into())],
            deployments: None,
            role_sizes: Vec::new(),
        };
        let xml = x.to_xml();
        assert!(
            xml.starts_with("<HostedService xmlns=\"http://schemas.microsoft.com/windowsazure\"")
        );
        assert!(xml.contains("<Url>https://h/s/services/hostedservices/a</Url><ServiceName>a</ServiceName><HostedServiceProperties><Description>d</Description><Location>West US</Location><Label>bA==</Label><Status>Created</Status><DateCreated>2015-07-02T16:45:20Z</DateCreated><DateLastModified>2015-07-02T16:45:20Z</DateLastModified><ExtendedProperties><ExtendedProperty><Name>ext1</Name><Value>v&amp;1</Value></ExtendedProperty></ExtendedProperties></HostedServiceProperties></HostedService>"), "{xml}");
        assert_eq!(parse_hosted_service(xml.as_bytes()).unwrap(), x);
        let bare = HostedServiceXml {
            description: None,
            role_sizes: vec!["Small".into(), "A5".into()],
            ..x.clone()
        };
        let xml = bare.to_xml();
        assert!(
            xml.contains("<HostedServiceProperties><Description i:nil=\"true\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<ComputeCapabilities><WebWorkerRoleSizes><RoleSize>Small</RoleSize><RoleSize>A5</RoleSize></WebWorkerRoleSizes><VirtualMachinesRoleSizes>"), "{xml}");
        assert_eq!(parse_hosted_service(xml.as_bytes()).unwrap(), bare);
        let list = hosted_services_to_xml(std::slice::from_ref(&x));
        assert_eq!(parse_hosted_services(list.as_bytes()).unwrap(), vec![x]);
    }

    #[test]
    fn availability() {
        let yes = availability_to_xml(true, None);
        assert!(yes.contains("<Result>true</Result><Reason i:nil=\"true\"/>"));
        assert_eq!(parse_availability(yes.as_bytes()).unwrap(), (true, None));
        let no = availability_to_xml(false, Some("taken"));
        assert_eq!(
            parse_availability(no.as_bytes()).unwrap(),
            (false, Some("taken".into()))
        );
    }
}
