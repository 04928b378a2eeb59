//! OS images (asm-iaas §6): `/{s}/services/images[/{name}[/details|/replicate]]`.
//! Element names and order as the live service answered in the 2015 recordings.

use super::XmlWriter;
use super::common::{list_to_xml, parse_response, parse_response_list};
use super::dom::{Element, parse_flat};
use super::error::XmlError;

/// An OS image as Get/List OS Images answer it. `None` fields are left out; `Some("")`
/// is written as an empty element (the live service answered `<Description/>` for a
/// description set to the empty string).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsImageXml {
    pub affinity_group: Option<String>,
    /// `Public` (the platform catalogue) or `User`.
    pub category: String,
    /// Plain text (not base64).
    pub label: String,
    /// A location, or for platform images the `;`-separated list of them.
    pub location: String,
    pub logical_size_in_gb: u32,
    pub media_link: Option<String>,
    pub name: String,
    /// `Linux` or `Windows`.
    pub os: String,
    pub eula: Option<String>,
    pub description: Option<String>,
    pub image_family: Option<String>,
    pub show_in_gui: Option<bool>,
    pub published_date: Option<String>,
    pub is_premium: bool,
    pub icon_uri: Option<String>,
    pub privacy_uri: Option<String>,
    pub recommended_vm_size: Option<String>,
    pub publisher_name: Option<String>,
    pub small_icon_uri: Option<String>,
    pub language: Option<String>,
    /// `Generalized` for user images.
    pub os_state: Option<String>,
    /// `Standard` (user images) or `Standard_LRS` (platform images); left out when empty.
    pub io_type: String,
}

fn opt(el: &Element, name: &str) -> Option<String> {
    el.child(name).and_then(Element::value).map(str::to_owned)
}

fn boolean(v: Option<String>) -> Option<bool> {
    v.and_then(|v| match v.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    })
}

impl OsImageXml {
    fn write_fields(&self, w: &mut XmlWriter) {
        w.opt_text("AffinityGroup", self.affinity_group.as_deref())
            .text("Category", &self.category)
            .text("Label", &self.label)
            .text("Location", &self.location)
            .int("LogicalSizeInGB", self.logical_size_in_gb)
            .opt_text("MediaLink", self.media_link.as_deref())
            .text("Name", &self.name)
            .text("OS", &self.os)
            .opt_text("Eula", self.eula.as_deref())
            .opt_text("Description", self.description.as_deref())
            .opt_text("ImageFamily", self.image_family.as_deref());
        if let Some(b) = self.show_in_gui {
            w.bool("ShowInGui", b);
        }
        w.opt_text("PublishedDate", self.published_date.as_deref())
            .bool("IsPremium", self.is_premium)
            .opt_text("IconUri", self.icon_uri.as_deref())
            .opt_text("PrivacyUri", self.privacy_uri.as_deref())
            .opt_text("RecommendedVMSize", self.recommended_vm_size.as_deref())
            .opt_text("PublisherName", self.publisher_name.as_deref())
            .opt_text("SmallIconUri", self.small_icon_uri.as_deref())
            .opt_text("Language", self.language.as_deref())
            .opt_text("OSState", self.os_state.as_deref());
        if !self.io_type.is_empty() {
            w.text("IOType", &self.io_type);
        }
    }

    /// Read one `OSImage` element (of a List OS Images document, or of another document
    /// holding them, such as the server's image catalogue file).
    pub fn from_element(el: &Element) -> OsImageXml {
        OsImageXml {
            affinity_group: opt(el, "AffinityGroup"),
            category: opt(el, "Category").unwrap_or_default(),
            label: opt(el, "Label").unwrap_or_default(),
            location: opt(el, "Location").unwrap_or_default(),
            logical_size_in_gb: opt(el, "LogicalSizeInGB")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_default(),
            media_link: opt(el, "MediaLink"),
            name: opt(el, "Name").unwrap_or_default(),
            os: opt(el, "OS").unwrap_or_default(),
            eula: opt(el, "Eula"),
            description: opt(el, "Description"),
            image_family: opt(el, "ImageFamily"),
            show_in_gui: boolean(opt(el, "ShowInGui")),
            published_date: opt(el, "PublishedDate"),
            is_premium: boolean(opt(el, "IsPremium")).unwrap_or(false),
            icon_uri: opt(el, "IconUri"),
            privacy_uri: opt(el, "PrivacyUri"),
            recommended_vm_size: opt(el, "RecommendedVMSize"),
            publisher_name: opt(el, "PublisherName"),
            small_icon_uri: opt(el, "SmallIconUri"),
            language: opt(el, "Language"),
            os_state: opt(el, "OSState"),
            io_type: opt(el, "IOType").unwrap_or_default(),
        }
    }

    /// The Get OS Image document (root `OSImage`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("OSImage");
        self.write_fields(&mut w);
        w.finish()
    }
}

/// List OS Images (root `Images`).
pub fn os_images_to_xml(images: &[OsImageXml]) -> String {
    list_to_xml("Images", "OSImage", images, OsImageXml::write_fields)
}

/// Read a List OS Images response.
pub fn parse_os_images(body: &[u8]) -> Result<Vec<OsImageXml>, XmlError> {
    parse_response_list(body, "Images", "OSImage", OsImageXml::from_element)
}

/// Read a Get OS Image (or Add/Update) response.
pub fn parse_os_image(body: &[u8]) -> Result<OsImageXml, XmlError> {
    Ok(OsImageXml::from_element(&parse_response(body, "OSImage")?))
}

/// Get OS Image Details (root `OSImageDetails`): the image with the progress of its
/// replication to each location it was replicated to. As the live service answered, the
/// details leave out `OSState` and `IOType`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsImageDetailsXml {
    pub image: OsImageXml,
    /// (location, progress in percent).
    pub replication_progress: Vec<(String, u32)>,
}

impl OsImageDetailsXml {
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("OSImageDetails");
        OsImageXml {
            os_state: None,
            io_type: String::new(),
            ..self.image.clone()
        }
        .write_fields(&mut w);
        write_replication_progress(&mut w, &self.replication_progress);
        w.finish()
    }
}

/// `<ReplicationProgress>` with a `ReplicationProgressElement` (Location, Progress) per
/// region (always written, empty when there are none).
pub(crate) fn write_replication_progress(w: &mut XmlWriter, progress: &[(String, u32)]) {
    w.open("ReplicationProgress");
    for (location, p) in progress {
        w.open("ReplicationProgressElement")
            .text("Location", location)
            .int("Progress", *p)
            .close();
    }
    w.close();
}

/// Read a Get OS Image Details response.
pub fn parse_os_image_details(body: &[u8]) -> Result<OsImageDetailsXml, XmlError> {
    let doc = parse_response(body, "OSImageDetails")?;
    let replication_progress = doc
        .child("ReplicationProgress")
        .map(|r| {
            r.children_named("ReplicationProgressElement")
                .map(|e| {
                    (
                        opt(e, "Location").unwrap_or_default(),
                        opt(e, "Progress")
                            .and_then(|p| p.trim().parse().ok())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(OsImageDetailsXml {
        image: OsImageXml::from_element(&doc),
        replication_progress,
    })
}

/// The body of Add OS Image and Update OS Image (root `OSImage`), as sent: absent or nil
/// → `None`; values as sent (an empty element is `Some("")`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsImageInput {
    pub label: Option<String>,
    pub media_link: Option<String>,
    pub name: Option<String>,
    pub os: Option<String>,
    pub eula: Option<String>,
    pub description: Option<String>,
    pub image_family: Option<String>,
    pub published_date: Option<String>,
    pub is_premium: Option<String>,
    pub show_in_gui: Option<String>,
    pub privacy_uri: Option<String>,
    pub icon_uri: Option<String>,
    pub recommended_vm_size: Option<String>,
    pub small_icon_uri: Option<String>,
    pub language: Option<String>,
}

impl OsImageInput {
    /// The body as the Python client writes it: `Label, MediaLink, Name, OS`, then the
    /// optional properties; `None` fields left out.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("OSImage");
        w.opt_text("Label", self.label.as_deref())
            .opt_text("Description", self.description.as_deref())
            .opt_text("MediaLink", self.media_link.as_deref())
            .opt_text("Name", self.name.as_deref())
            .opt_text("OS", self.os.as_deref())
            .opt_text("Eula", self.eula.as_deref())
            .opt_text("ImageFamily", self.image_family.as_deref())
            .opt_text("PublishedDate", self.published_date.as_deref())
            .opt_text("IsPremium", self.is_premium.as_deref())
            .opt_text("ShowInGui", self.show_in_gui.as_deref())
            .opt_text("PrivacyUri", self.privacy_uri.as_deref())
            .opt_text("IconUri", self.icon_uri.as_deref())
            .opt_text("RecommendedVMSize", self.recommended_vm_size.as_deref())
            .opt_text("SmallIconUri", self.small_icon_uri.as_deref())
            .opt_text("Language", self.language.as_deref());
        w.finish()
    }
}

/// Read an Add or Update OS Image body (root `OSImage`).
pub fn parse_os_image_input(body: &[u8]) -> Result<OsImageInput, XmlError> {
    let doc = parse_flat(body, "OSImage")?;
    let field = |name| doc.get(name).map(str::to_owned);
    Ok(OsImageInput {
        label: field("Label"),
        media_link: field("MediaLink"),
        name: field("Name"),
        os: field("OS"),
        eula: field("Eula"),
        description: field("Description"),
        image_family: field("ImageFamily"),
        published_date: field("PublishedDate"),
        is_premium: field("IsPremium"),
        show_in_gui: field("ShowInGui"),
        privacy_uri: field("PrivacyUri"),
        icon_uri: field("IconUri"),
        recommended_vm_size: field("RecommendedVMSize"),
        small_icon_uri: field("SmallIconUri"),
        language: field("Language"),
    })
}

/// Read a Replicate OS Image body (root `ReplicationInput`): the target regions.
pub fn parse_replication_input(body: &[u8]) -> Result<Vec<String>, XmlError> {
    let doc = parse_flat(body, "ReplicationInput")?;
    Ok(doc
        .root()
        .child("TargetLocations")
        .map(|t| {
            t.children_named("Region")
                .filter_map(Element::value)
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default())
}

/// The Replicate OS Image body for `regions`.
pub fn replication_input_to_xml(regions: &[String]) -> String {
    let mut w = XmlWriter::root("ReplicationInput");
    w.open("TargetLocations");
    for r in regions {
        w.text("Region", r);
    }
    w.close();
    w.finish()
}

/// The Replicate OS Image answer: the published name, in a serialised `string`.
pub fn replicated_name_to_xml(name: &str) -> String {
    let mut w = XmlWriter::root_ns(
        "string",
        "http://schemas.microsoft.com/2003/10/Serialization/",
    );
    w.content(name);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::*;

    /// The live Add OS Image answer of the recordings.
    const RECORDED: &str = r#"<OSImage xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Category>User</Category><Label>utcentosimg</Label><Location>West US</Location><LogicalSizeInGB>30</LogicalSizeInGB><MediaLink>http://storagename.blob.core.windows.net/inputtestdatadonotdelete/ubuntu.vhd</MediaLink><Name>utosimg3efb0fcd</Name><OS>Linux</OS><IsPremium>false</IsPremium><OSState>Generalized</OSState><IOType>Standard</IOType></OSImage>"#;

    #[test]
    fn writes_what_the_live_service_answered() {
        let image = parse_os_image(RECORDED.as_bytes()).unwrap();
        assert_eq!(image.logical_size_in_gb, 30);
        assert_eq!(image.os_state.as_deref(), Some("Generalized"));
        assert_eq!(image.to_xml(), RECORDED);
        let listed = os_images_to_xml(&[image.clone(), image.clone()]);
        assert_eq!(
            parse_os_images(listed.as_bytes()).unwrap(),
            [image.clone(), image.clone()]
        );
        let details = OsImageDetailsXml {
            image: OsImageXml {
                description: Some(String::new()),
                label: HOSTILE.into(),
                ..image
            },
            replication_progress: vec![("West US".into(), 100), ("West Europe".into(), 100)],
        };
        let xml = details.to_xml();
        assert!(
            !xml.contains("<OSState>") && !xml.contains("<IOType>"),
            "{xml}"
        );
        let back = parse_os_image_details(xml.as_bytes()).unwrap();
        assert_eq!(back.image.label, HOSTILE_READ);
        assert_eq!(back.image.description.as_deref(), Some(""));
        assert_eq!(back.replication_progress, details.replication_progress);
    }

    #[test]
    fn inputs_round_trip() {
        let python = r#"<OSImage xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><Label>newlabel</Label><Description></Description><MediaLink>http://storagename.blob.core.windows.net/x/ubuntu.vhd</MediaLink><Name>img</Name><OS>Linux</OS><Language></Language><PublishedDate></PublishedDate></OSImage>"#;
        let input = parse_os_image_input(python.as_bytes()).unwrap();
        assert_eq!(input.label.as_deref(), Some("newlabel"));
        assert_eq!(input.description.as_deref(), Some(""));
        assert_eq!(input.eula, None);
        assert_eq!(
            parse_os_image_input(input.to_xml().as_bytes()).unwrap(),
            input
        );
        assert!(parse_os_image_input(b"<VMImage/>").is_err());
        let regions = vec!["West US".to_string(), "West Europe".to_string()];
        assert_eq!(
            parse_replication_input(replication_input_to_xml(&regions).as_bytes()).unwrap(),
            regions
        );
        assert_eq!(
            replicated_name_to_xml("a__b"),
            "<string xmlns=\"http://schemas.microsoft.com/2003/10/Serialization/\">a__b</string>"
        );
    }
}
