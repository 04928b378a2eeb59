//! The disk repository (asm-iaas §5): `/{s}/services/disks[/{name}]`. Element names and
//! order are the composite both clients parse (no live disk answer was recorded).

use super::XmlWriter;
use super::common::{list_to_xml, parse_response, parse_response_list};
use super::dom::{Element, parse_flat};
use super::error::XmlError;

/// The role a disk is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachedToXml {
    pub hosted_service_name: String,
    pub deployment_name: String,
    pub role_name: String,
}

/// A disk as Get/List Disks answer it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskXml {
    pub affinity_group: Option<String>,
    pub attached_to: Option<AttachedToXml>,
    /// `Linux` or `Windows` for an OS disk; `None` for a data disk.
    pub os: Option<String>,
    pub location: String,
    pub logical_disk_size_in_gb: u32,
    pub media_link: String,
    pub name: String,
    pub source_image_name: Option<String>,
    /// Plain text.
    pub label: String,
    pub is_corrupted: bool,
    pub is_premium: bool,
    pub io_type: String,
}

fn text(el: &Element, name: &str) -> Option<String> {
    el.child(name).and_then(Element::value).map(str::to_owned)
}

impl DiskXml {
    fn write_fields(&self, w: &mut XmlWriter) {
        w.opt_text("AffinityGroup", self.affinity_group.as_deref());
        if let Some(a) = &self.attached_to {
            w.open("AttachedTo")
                .text("HostedServiceName", &a.hosted_service_name)
                .text("DeploymentName", &a.deployment_name)
                .text("RoleName", &a.role_name)
                .close();
        }
        w.opt_text("OS", self.os.as_deref())
            .text("Location", &self.location)
            .int("LogicalDiskSizeInGB", self.logical_disk_size_in_gb)
            .text("MediaLink", &self.media_link)
            .text("Name", &self.name)
            .opt_text("SourceImageName", self.source_image_name.as_deref())
            .text("Label", &self.label)
            .bool("IsCorrupted", self.is_corrupted)
            .bool("IsPremium", self.is_premium)
            .text("IOType", &self.io_type);
    }

    fn from_element(el: &Element) -> DiskXml {
        let flag = |n| text(el, n).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        DiskXml {
            affinity_group: text(el, "AffinityGroup"),
            attached_to: el.child("AttachedTo").map(|a| AttachedToXml {
                hosted_service_name: text(a, "HostedServiceName").unwrap_or_default(),
                deployment_name: text(a, "DeploymentName").unwrap_or_default(),
                role_name: text(a, "RoleName").unwrap_or_default(),
            }),
            os: text(el, "OS").filter(|o| !o.trim().is_empty()),
            location: text(el, "Location").unwrap_or_default(),
            logical_disk_size_in_gb: text(el, "LogicalDiskSizeInGB")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_default(),
            media_link: text(el, "MediaLink").unwrap_or_default(),
            name: text(el, "Name").unwrap_or_default(),
            source_image_name: text(el, "SourceImageName"),
            label: text(el, "Label").unwrap_or_default(),
            is_corrupted: flag("IsCorrupted"),
            is_premium: flag("IsPremium"),
            io_type: text(el, "IOType").unwrap_or_default(),
        }
    }

    /// The Get Disk document (root `Disk`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Disk");
        self.write_fields(&mut w);
        w.finish()
    }
}

/// List Disks (root `Disks`).
pub fn disks_to_xml(disks: &[DiskXml]) -> String {
    list_to_xml("Disks", "Disk", disks, DiskXml::write_fields)
}

/// Read a List Disks response.
pub fn parse_disks(body: &[u8]) -> Result<Vec<DiskXml>, XmlError> {
    parse_response_list(body, "Disks", "Disk", DiskXml::from_element)
}

/// Read a Get Disk (or Add/Update Disk) response.
pub fn parse_disk(body: &[u8]) -> Result<DiskXml, XmlError> {
    Ok(DiskXml::from_element(&parse_response(body, "Disk")?))
}

/// The body of Add Disk and Update Disk (root `Disk`), as sent: absent or nil → `None`;
/// an empty `OS` is `Some("")` (a data disk).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskInput {
    pub has_operating_system: Option<String>,
    pub os: Option<String>,
    pub label: Option<String>,
    pub media_link: Option<String>,
    pub name: Option<String>,
    pub resized_size_in_gb: Option<String>,
}

impl DiskInput {
    /// The body as the Python client writes it: `HasOperatingSystem`, `OS`, `Label`,
    /// `MediaLink`, `Name`, then `ResizedSizeInGB`; `None` fields left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("Disk");
        w.opt_text("HasOperatingSystem", self.has_operating_system.as_deref())
            .opt_text("OS", self.os.as_deref())
            .opt_text("Label", self.label.as_deref())
            .opt_text("MediaLink", self.media_link.as_deref())
            .opt_text("Name", self.name.as_deref())
            .opt_text("ResizedSizeInGB", self.resized_size_in_gb.as_deref());
        w.finish()
    }
}

/// Read an Add or Update Disk body (root `Disk`).
pub fn parse_disk_input(body: &[u8]) -> Result<DiskInput, XmlError> {
    let doc = parse_flat(body, "Disk")?;
    let field = |name| doc.get(name).map(str::to_owned);
    Ok(DiskInput {
        has_operating_system: field("HasOperatingSystem"),
        os: field("OS"),
        label: field("Label"),
        media_link: field("MediaLink"),
        name: field("Name"),
        resized_size_in_gb: field("ResizedSizeInGB"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    #[test]
    fn disks_and_inputs_round_trip() {
        let disk = DiskXml {
            attached_to: Some(AttachedToXml {
                hosted_service_name: "svc".into(),
                deployment_name: "dep".into(),
                role_name: "vm1".into(),
            }),
            os: Some("Linux".into()),
            location: "West US".into(),
            logical_disk_size_in_gb: 30,
            media_link: "http://acct.blob.core.windows.net/vhds/vm1.vhd".into(),
            name: "svc-vm1-0".into(),
            label: HOSTILE.into(),
            io_type: "Standard".into(),
            ..DiskXml::default()
        };
        let data = DiskXml {
            attached_to: None,
            os: None,
            label: "data".into(),
            ..disk.clone()
        };
        let xml = disks_to_xml(&[disk.clone(), data.clone()]);
        let back = parse_disks(xml.as_bytes()).unwrap();
        assert_eq!(back[0].label, HOSTILE_READ);
        assert_eq!(back[0].attached_to, disk.attached_to);
        assert_eq!(back[1], data);
        assert_eq!(parse_disk(data.to_xml().as_bytes()).unwrap(), data);

        let python = r#"<Disk xmlns="http://schemas.microsoft.com/windowsazure"><HasOperatingSystem>false</HasOperatingSystem><OS></OS><Label>l</Label><MediaLink>http://a.blob.core.windows.net/v/d.vhd</MediaLink><Name>d</Name></Disk>"#;
        let input = parse_disk_input(python.as_bytes()).unwrap();
        assert_eq!(input.os.as_deref(), Some(""));
        assert_eq!(parse_disk_input(input.to_xml().as_bytes()).unwrap(), input);
        assert!(parse_disk_input(b"<OSImage/>").is_err());
    }
}
