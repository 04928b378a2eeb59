//! VM images (asm-iaas §7): `/{s}/services/vmimages[/{name}]`. Element names and order
//! as the live service answered in the 2015 recordings.

use super::XmlWriter;
use super::common::{list_to_xml, parse_response_list};
use super::dom::{Element, parse_document};
use super::error::XmlError;

/// The OS disk of a VM image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsDiskConfigurationXml {
    pub name: Option<String>,
    /// `ReadOnly`, `ReadWrite` or `None`.
    pub host_caching: Option<String>,
    /// `Generalized` or `Specialized`.
    pub os_state: Option<String>,
    /// `Linux` or `Windows`.
    pub os: Option<String>,
    pub media_link: Option<String>,
    pub logical_disk_size_in_gb: Option<u32>,
    pub io_type: Option<String>,
}

/// A data disk of a VM image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataDiskConfigurationXml {
    pub name: Option<String>,
    pub host_caching: Option<String>,
    pub lun: Option<u32>,
    pub media_link: Option<String>,
    pub logical_disk_size_in_gb: Option<u32>,
    pub io_type: Option<String>,
}

/// A VM image, as List VM Images answers it, and the body of Create and Update VM Image
/// (as sent: absent → `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VmImageXml {
    pub name: Option<String>,
    /// Plain text.
    pub label: Option<String>,
    /// `Public` or `User` (answers only).
    pub category: Option<String>,
    pub description: Option<String>,
    pub os_disk: Option<OsDiskConfigurationXml>,
    /// `None`: no `DataDiskConfigurations` element (requests); answers always have one.
    pub data_disks: Option<Vec<DataDiskConfigurationXml>>,
    pub service_name: Option<String>,
    pub deployment_name: Option<String>,
    pub role_name: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    pub created_time: Option<String>,
    pub modified_time: Option<String>,
    pub language: Option<String>,
    pub image_family: Option<String>,
    pub recommended_vm_size: Option<String>,
    pub is_premium: Option<String>,
    pub eula: Option<String>,
    pub icon_uri: Option<String>,
    pub small_icon_uri: Option<String>,
    pub privacy_uri: Option<String>,
    pub publisher_name: Option<String>,
    pub published_date: Option<String>,
    pub show_in_gui: Option<String>,
    pub pricing_detail_link: Option<String>,
    /// `VMImageReadyForUse` (answers only).
    pub state: Option<String>,
}

fn text(el: &Element, name: &str) -> Option<String> {
    el.child(name).and_then(Element::value).map(str::to_owned)
}

fn number(el: &Element, name: &str) -> Option<u32> {
    text(el, name).and_then(|v| v.trim().parse().ok())
}

fn write_os_disk(w: &mut XmlWriter, d: &OsDiskConfigurationXml) {
    w.open("OSDiskConfiguration")
        .opt_text("Name", d.name.as_deref())
        .opt_text("HostCaching", d.host_caching.as_deref())
        .opt_text("OSState", d.os_state.as_deref())
        .opt_text("OS", d.os.as_deref())
        .opt_text("MediaLink", d.media_link.as_deref());
    if let Some(n) = d.logical_disk_size_in_gb {
        w.int("LogicalDiskSizeInGB", n);
    }
    w.opt_text("IOType", d.io_type.as_deref()).close();
}

fn write_data_disk(w: &mut XmlWriter, d: &DataDiskConfigurationXml) {
    w.open("DataDiskConfiguration")
        .opt_text("Name", d.name.as_deref())
        .opt_text("HostCaching", d.host_caching.as_deref());
    if let Some(l) = d.lun {
        w.int("Lun", l);
    }
    w.opt_text("MediaLink", d.media_link.as_deref());
    if let Some(n) = d.logical_disk_size_in_gb {
        w.int("LogicalDiskSizeInGB", n);
    }
    w.opt_text("IOType", d.io_type.as_deref()).close();
}

impl VmImageXml {
    fn write_fields(&self, w: &mut XmlWriter) {
        w.opt_text("Name", self.name.as_deref())
            .opt_text("Label", self.label.as_deref())
            .opt_text("Category", self.category.as_deref())
            .opt_text("Description", self.description.as_deref());
        if let Some(d) = &self.os_disk {
            write_os_disk(w, d);
        }
        if let Some(disks) = &self.data_disks {
            w.open("DataDiskConfigurations");
            for d in disks {
                write_data_disk(w, d);
            }
            w.close();
        }
        w.opt_text("ServiceName", self.service_name.as_deref())
            .opt_text("DeploymentName", self.deployment_name.as_deref())
            .opt_text("RoleName", self.role_name.as_deref())
            .opt_text("Location", self.location.as_deref())
            .opt_text("AffinityGroup", self.affinity_group.as_deref())
            .opt_text("CreatedTime", self.created_time.as_deref())
            .opt_text("ModifiedTime", self.modified_time.as_deref())
            .opt_text("Language", self.language.as_deref())
            .opt_text("ImageFamily", self.image_family.as_deref())
            .opt_text("RecommendedVMSize", self.recommended_vm_size.as_deref())
            .opt_text("IsPremium", self.is_premium.as_deref())
            .opt_text("Eula", self.eula.as_deref())
            .opt_text("IconUri", self.icon_uri.as_deref())
            .opt_text("SmallIconUri", self.small_icon_uri.as_deref())
            .opt_text("PrivacyUri", self.privacy_uri.as_deref())
            .opt_text("PricingDetailLink", self.pricing_detail_link.as_deref())
            .opt_text("PublisherName", self.publisher_name.as_deref())
            .opt_text("PublishedDate", self.published_date.as_deref())
            .opt_text("ShowInGui", self.show_in_gui.as_deref())
            .opt_text("VMImageState", self.state.as_deref());
    }

    /// Read one `VMImage` element (of a List VM Images document, or of another document
    /// holding them, such as the server's image catalogue file).
    pub fn from_element(el: &Element) -> VmImageXml {
        VmImageXml {
            name: text(el, "Name"),
            label: text(el, "Label"),
            category: text(el, "Category"),
            description: text(el, "Description"),
            os_disk: el
                .child("OSDiskConfiguration")
                .map(|d| OsDiskConfigurationXml {
                    name: text(d, "Name"),
                    host_caching: text(d, "HostCaching"),
                    os_state: text(d, "OSState"),
                    os: text(d, "OS"),
                    media_link: text(d, "MediaLink"),
                    logical_disk_size_in_gb: number(d, "LogicalDiskSizeInGB"),
                    io_type: text(d, "IOType"),
                }),
            data_disks: el.child("DataDiskConfigurations").map(|l| {
                l.children_named("DataDiskConfiguration")
                    .map(|d| DataDiskConfigurationXml {
                        name: text(d, "Name"),
                        host_caching: text(d, "HostCaching"),
                        lun: number(d, "Lun"),
                        media_link: text(d, "MediaLink"),
                        logical_disk_size_in_gb: number(d, "LogicalDiskSizeInGB"),
                        io_type: text(d, "IOType"),
                    })
                    .collect()
            }),
            service_name: text(el, "ServiceName"),
            deployment_name: text(el, "DeploymentName"),
            role_name: text(el, "RoleName"),
            location: text(el, "Location"),
            affinity_group: text(el, "AffinityGroup"),
            created_time: text(el, "CreatedTime"),
            modified_time: text(el, "ModifiedTime"),
            language: text(el, "Language"),
            image_family: text(el, "ImageFamily"),
            recommended_vm_size: text(el, "RecommendedVMSize"),
            is_premium: text(el, "IsPremium"),
            eula: text(el, "Eula"),
            icon_uri: text(el, "IconUri"),
            small_icon_uri: text(el, "SmallIconUri"),
            privacy_uri: text(el, "PrivacyUri"),
            publisher_name: text(el, "PublisherName"),
            published_date: text(el, "PublishedDate"),
            show_in_gui: text(el, "ShowInGui"),
            pricing_detail_link: text(el, "PricingDetailLink"),
            state: text(el, "VMImageState"),
        }
    }

    /// The body of Create or Update VM Image (root `VMImage`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("VMImage");
        self.write_fields(&mut w);
        w.finish()
    }
}

/// Read a Create or Update VM Image body (root `VMImage`; the Python client may write the
/// root's name with a trailing space in its end tag).
pub fn parse_vm_image_input(body: &[u8]) -> Result<VmImageXml, XmlError> {
    let doc = parse_document(body)?;
    if doc.name != "VMImage" {
        return Err(XmlError::WrongRoot {
            expected: "VMImage".into(),
            found: doc.name,
        });
    }
    Ok(VmImageXml::from_element(&doc))
}

/// List VM Images (root `VMImages`).
pub fn vm_images_to_xml(images: &[VmImageXml]) -> String {
    list_to_xml("VMImages", "VMImage", images, VmImageXml::write_fields)
}

/// Read a List VM Images response.
pub fn parse_vm_images(body: &[u8]) -> Result<Vec<VmImageXml>, XmlError> {
    parse_response_list(body, "VMImages", "VMImage", VmImageXml::from_element)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Python client's Create VM Image body of the recordings.
    const CREATE: &str = r#"<VMImage xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><Name>utsvc71d41118image</Name><Label>utsvc71d41118imagelabel</Label><Description>utsvc71d41118imagedescription</Description><OSDiskConfiguration><OSState>Specialized</OSState><OS>Linux</OS><MediaLink>https://storagename.blob.core.windows.net/utctnr71d41118/imagecopy.vhd</MediaLink></OSDiskConfiguration><Language>English</Language><ShowInGui>true</ShowInGui></VMImage>"#;

    #[test]
    fn reads_the_python_bodies_and_round_trips() {
        let v = parse_vm_image_input(CREATE.as_bytes()).unwrap();
        assert_eq!(v.name.as_deref(), Some("utsvc71d41118image"));
        let os = v.os_disk.as_ref().unwrap();
        assert_eq!(
            (os.os_state.as_deref(), os.os.as_deref()),
            (Some("Specialized"), Some("Linux"))
        );
        assert_eq!(v.data_disks, None);
        assert_eq!(parse_vm_image_input(v.to_xml().as_bytes()).unwrap(), v);
        let update = r#"<VMImage xmlns="http://schemas.microsoft.com/windowsazure"><Label>Updated label</Label><OSDiskConfiguration><HostCaching>ReadOnly</HostCaching></OSDiskConfiguration><DataDiskConfigurations></DataDiskConfigurations><Eula>Updated eula</Eula><ShowInGui>false</ShowInGui></VMImage >"#;
        let u = parse_vm_image_input(update.as_bytes()).unwrap();
        assert_eq!(u.data_disks, Some(vec![]));
        assert_eq!(u.os_disk.unwrap().host_caching.as_deref(), Some("ReadOnly"));
        assert!(parse_vm_image_input(b"<OSImage/>").is_err());
    }

    #[test]
    fn lists_round_trip() {
        let image = VmImageXml {
            name: Some("img".into()),
            category: Some("User".into()),
            os_disk: Some(OsDiskConfigurationXml {
                os: Some("Windows".into()),
                logical_disk_size_in_gb: Some(128),
                ..OsDiskConfigurationXml::default()
            }),
            data_disks: Some(vec![DataDiskConfigurationXml {
                lun: Some(0),
                logical_disk_size_in_gb: Some(1023),
                ..DataDiskConfigurationXml::default()
            }]),
            state: Some("VMImageReadyForUse".into()),
            ..VmImageXml::default()
        };
        let xml = vm_images_to_xml(std::slice::from_ref(&image));
        assert!(xml.contains("<Lun>0</Lun>"), "{xml}");
        assert_eq!(parse_vm_images(xml.as_bytes()).unwrap(), [image]);
    }
}

/// Get VM Image Details (`GET /{s}/services/vmimages/{name}/details`, Node): the VM image
/// with its publishing state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VmImageDetailsXml {
    pub image: VmImageXml,
    pub is_corrupted: bool,
    /// The name other subscriptions see once it is shared (`{subscription}__{name}`).
    pub published_name: Option<String>,
    /// `Private`, `Public` or `Msdn`.
    pub sharing_status: String,
    /// (location, progress in percent).
    pub replication_progress: Vec<(String, u32)>,
}

impl VmImageDetailsXml {
    /// The answer (root `VMImageDetails`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("VMImageDetails");
        self.image.write_fields(&mut w);
        w.bool("IsCorrupted", self.is_corrupted)
            .opt_text("PublishedName", self.published_name.as_deref())
            .text("SharingStatus", &self.sharing_status);
        super::image::write_replication_progress(&mut w, &self.replication_progress);
        w.finish()
    }
}

/// Read a Get VM Image Details answer.
pub fn parse_vm_image_details(body: &[u8]) -> Result<VmImageDetailsXml, XmlError> {
    let doc = super::common::parse_response(body, "VMImageDetails")?;
    let text = |n: &str| doc.child_text(n).map(str::to_owned);
    Ok(VmImageDetailsXml {
        image: VmImageXml::from_element(&doc),
        is_corrupted: text("IsCorrupted").is_some_and(|v| v.trim() == "true"),
        published_name: text("PublishedName").filter(|v| !v.is_empty()),
        sharing_status: text("SharingStatus").unwrap_or_default(),
        replication_progress: doc
            .child("ReplicationProgress")
            .map(|l| {
                l.children_named("ReplicationProgressElement")
                    .map(|e| {
                        (
                            e.child_text("Location").unwrap_or_default().to_owned(),
                            e.child_text("Progress")
                                .and_then(|p| p.trim().parse().ok())
                                .unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod details_tests {
    use super::*;

    #[test]
    fn details_round_trip() {
        let d = VmImageDetailsXml {
            image: VmImageXml {
                name: Some("img".into()),
                label: Some("l".into()),
                category: Some("User".into()),
                ..Default::default()
            },
            is_corrupted: false,
            published_name: Some("0123__img".into()),
            sharing_status: "Public".into(),
            replication_progress: vec![("West US".into(), 100)],
        };
        let back = parse_vm_image_details(d.to_xml().as_bytes()).unwrap();
        assert_eq!(back.published_name, d.published_name);
        assert_eq!(back.sharing_status, "Public");
        assert_eq!(back.replication_progress, d.replication_progress);
        assert_eq!(back.image.name.as_deref(), Some("img"));
    }
}
