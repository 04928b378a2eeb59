//! Reserved IP addresses (asm-iaas §9): `/{s}/services/networking/reservedips[/{name}]`
//! and `…/{name}/operations/associate|disassociate`. Labels are plain text here, in
//! requests and responses alike (not base64).

use super::common::{list_to_xml, parse_response, parse_response_list};
use super::dom::{Element, parse_flat};
use super::{XmlError, XmlWriter};

/// The body of Create Reserved IP, as sent (absent, empty or nil → `None`; values
/// trimmed); the server validates it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReservedIpInput {
    pub name: Option<String>,
    /// Plain text.
    pub label: Option<String>,
    /// With `deployment_name`: associate the new reserved IP with that deployment.
    pub service_name: Option<String>,
    pub deployment_name: Option<String>,
    pub location: Option<String>,
    pub virtual_ip_name: Option<String>,
}

impl ReservedIpInput {
    /// The Create Reserved IP body: root `ReservedIP`, then `Name`, `Label`,
    /// `ServiceName`, `DeploymentName`, `Location`, `VirtualIPName` (the Node client's
    /// order; Python sends `Name`, `Label`, `Location`); `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ReservedIP");
        w.opt_text("Name", self.name.as_deref())
            .opt_text("Label", self.label.as_deref())
            .opt_text("ServiceName", self.service_name.as_deref())
            .opt_text("DeploymentName", self.deployment_name.as_deref())
            .opt_text("Location", self.location.as_deref())
            .opt_text("VirtualIPName", self.virtual_ip_name.as_deref());
        w.finish()
    }
}

/// Read a Create Reserved IP body (root `ReservedIP`).
pub fn parse_create_reserved_ip(body: &[u8]) -> Result<ReservedIpInput, XmlError> {
    let doc = parse_flat(body, "ReservedIP")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(ReservedIpInput {
        name: field("Name"),
        label: field("Label"),
        service_name: field("ServiceName"),
        deployment_name: field("DeploymentName"),
        location: field("Location"),
        virtual_ip_name: field("VirtualIPName"),
    })
}

/// The body of Associate / Disassociate Reserved IP, as sent (absent, empty or nil →
/// `None`; values trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReservedIpAssociationInput {
    pub service_name: Option<String>,
    pub deployment_name: Option<String>,
    pub virtual_ip_name: Option<String>,
}

impl ReservedIpAssociationInput {
    /// Root `ReservedIPAssociation`, then `ServiceName`, `DeploymentName`,
    /// `VirtualIPName`; `None` fields are left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ReservedIPAssociation");
        w.opt_text("ServiceName", self.service_name.as_deref())
            .opt_text("DeploymentName", self.deployment_name.as_deref())
            .opt_text("VirtualIPName", self.virtual_ip_name.as_deref());
        w.finish()
    }
}

/// Read an Associate / Disassociate Reserved IP body (root `ReservedIPAssociation`).
pub fn parse_reserved_ip_association(body: &[u8]) -> Result<ReservedIpAssociationInput, XmlError> {
    let doc = parse_flat(body, "ReservedIPAssociation")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(ReservedIpAssociationInput {
        service_name: field("ServiceName"),
        deployment_name: field("DeploymentName"),
        virtual_ip_name: field("VirtualIPName"),
    })
}

/// One reserved IP in Get Reserved IP / List Reserved IPs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReservedIpXml {
    pub name: String,
    pub address: String,
    /// A GUID.
    pub id: String,
    /// Plain text; left out when `None`.
    pub label: Option<String>,
    /// `Creating`, `Created`, …
    pub state: String,
    /// `InUse`, `ServiceName`, `DeploymentName` (and `VirtualIPName`) are written only
    /// while in use, as the live service did.
    pub in_use: bool,
    pub service_name: Option<String>,
    pub deployment_name: Option<String>,
    pub location: String,
    pub virtual_ip_name: Option<String>,
}

impl ReservedIpXml {
    /// The Get Reserved IP body (root `ReservedIP`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("ReservedIP");
        self.write_fields(&mut w);
        w.finish()
    }

    /// `Name`, `Address`, `Id`, `Label`, `State`, then `InUse`, `ServiceName`,
    /// `DeploymentName` only when in use, `Location`, then `VirtualIPName` when in use
    /// through a named virtual IP (the 2015 recordings' order).
    fn write_fields(&self, w: &mut XmlWriter) {
        w.text("Name", &self.name)
            .text("Address", &self.address)
            .text("Id", &self.id)
            .opt_text("Label", self.label.as_deref())
            .text("State", &self.state);
        if self.in_use {
            w.bool("InUse", true)
                .opt_text("ServiceName", self.service_name.as_deref())
                .opt_text("DeploymentName", self.deployment_name.as_deref());
        }
        w.text("Location", &self.location);
        if self.in_use {
            w.opt_text("VirtualIPName", self.virtual_ip_name.as_deref());
        }
    }

    fn from_element(el: &Element) -> ReservedIpXml {
        let text = |name| {
            el.child_text(name)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        ReservedIpXml {
            name: text("Name").unwrap_or_default(),
            address: text("Address").unwrap_or_default(),
            id: text("Id").unwrap_or_default(),
            label: text("Label"),
            state: text("State").unwrap_or_default(),
            in_use: text("InUse").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            service_name: text("ServiceName"),
            deployment_name: text("DeploymentName"),
            location: text("Location").unwrap_or_default(),
            virtual_ip_name: text("VirtualIPName"),
        }
    }
}

/// The List Reserved IPs body (root `ReservedIPs`).
pub fn reserved_ips_to_xml(ips: &[ReservedIpXml]) -> String {
    list_to_xml(
        "ReservedIPs",
        "ReservedIP",
        ips,
        ReservedIpXml::write_fields,
    )
}

/// Read a Get Reserved IP response.
pub fn parse_reserved_ip(body: &[u8]) -> Result<ReservedIpXml, XmlError> {
    Ok(ReservedIpXml::from_element(&parse_response(
        body,
        "ReservedIP",
    )?))
}

/// Read a List Reserved IPs response.
pub fn parse_reserved_ips(body: &[u8]) -> Result<Vec<ReservedIpXml>, XmlError> {
    parse_response_list(
        body,
        "ReservedIPs",
        "ReservedIP",
        ReservedIpXml::from_element,
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    /// The Create Reserved IP body of the 2015 live recording
    /// (test_create_reserved_ip_address, interaction 0).
    const RECORDED_CREATE: &str = r#"<ReservedIP xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><Name>ip49ef15b1</Name><Label>mylabel</Label><Location>West US</Location></ReservedIP>"#;

    /// The Get Reserved IP answer of the same recording (interaction 3, as YAML reads it).
    const RECORDED_GET: &str = "<ReservedIP xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Name>ip49ef15b1</Name><Address>23.99.56.121</Address><Id>b2162824-a159-406a-9f3b-fb22085be63f</Id><Label>mylabel</Label><State>Created</State><Location>West US</Location></ReservedIP>";

    #[test]
    fn create_body_matches_the_recording_and_round_trips() {
        let recorded = parse_create_reserved_ip(RECORDED_CREATE.as_bytes()).unwrap();
        let ours = ReservedIpInput {
            name: Some("ip49ef15b1".into()),
            label: Some("mylabel".into()),
            location: Some("West US".into()),
            ..ReservedIpInput::default()
        };
        assert_eq!(recorded, ours);
        let a = super::super::parse_document(RECORDED_CREATE.as_bytes()).unwrap();
        let b = super::super::parse_document(ours.to_xml().as_bytes()).unwrap();
        assert_eq!(a.child_names(), b.child_names());
        let full = ReservedIpInput {
            name: Some("n".into()),
            label: Some(HOSTILE.into()),
            service_name: Some("svc".into()),
            deployment_name: Some("dep".into()),
            location: Some("West US".into()),
            virtual_ip_name: Some("vip".into()),
        };
        assert_eq!(
            parse_create_reserved_ip(full.to_xml().as_bytes()).unwrap(),
            ReservedIpInput {
                label: Some(HOSTILE_READ.into()),
                ..full.clone()
            }
        );
        let assoc = ReservedIpAssociationInput {
            service_name: Some("svc".into()),
            deployment_name: Some(HOSTILE.into()),
            virtual_ip_name: None,
        };
        let xml = assoc.to_xml();
        assert!(xml.starts_with("<ReservedIPAssociation xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><ServiceName>svc</ServiceName><DeploymentName>"), "{xml}");
        assert_eq!(
            parse_reserved_ip_association(xml.as_bytes()).unwrap(),
            ReservedIpAssociationInput {
                deployment_name: Some(HOSTILE_READ.into()),
                ..assoc
            }
        );
        assert!(parse_reserved_ip_association(RECORDED_CREATE.as_bytes()).is_err());
    }

    #[test]
    fn get_body_matches_the_recording_and_round_trips() {
        let recorded = parse_reserved_ip(RECORDED_GET.as_bytes()).unwrap();
        let ours = ReservedIpXml {
            name: "ip49ef15b1".into(),
            address: "23.99.56.121".into(),
            id: "b2162824-a159-406a-9f3b-fb22085be63f".into(),
            label: Some("mylabel".into()),
            state: "Created".into(),
            location: "West US".into(),
            ..ReservedIpXml::default()
        };
        assert_eq!(recorded, ours);
        let a = super::super::parse_document(RECORDED_GET.as_bytes()).unwrap();
        let b = super::super::parse_document(ours.to_xml().as_bytes()).unwrap();
        assert_eq!(a.child_names(), b.child_names());
        let used = ReservedIpXml {
            in_use: true,
            service_name: Some("svc".into()),
            deployment_name: Some("dep".into()),
            virtual_ip_name: Some("vip".into()),
            location: "West US".into(),
            ..ours
        };
        let list = reserved_ips_to_xml(std::slice::from_ref(&used));
        let doc = super::super::parse_document(list.as_bytes()).unwrap();
        assert_eq!(
            doc.child("ReservedIP").unwrap().child_names(),
            [
                "Name",
                "Address",
                "Id",
                "Label",
                "State",
                "InUse",
                "ServiceName",
                "DeploymentName",
                "Location",
                "VirtualIPName"
            ]
        );
        assert_eq!(parse_reserved_ips(list.as_bytes()).unwrap(), [used]);
        assert!(parse_reserved_ips(b"<ReservedIP/>").is_err());
    }
}
