//! Storage accounts (§4.6): `/{s}/services/storageservices[/{name}[/keys]]`. The name
//! check answers with [`super::availability_to_xml`].

use super::common::{
    list_to_xml, parse_response, parse_response_list, read_extended_properties, texts,
    write_extended_properties, write_texts,
};
use super::dom::{Element, parse_flat};
use super::{XmlError, XmlWriter};

/// The body of Create Storage Account, as sent (absent, empty or nil → `None`; values
/// trimmed except `Description`); the server validates it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateStorageServiceInput {
    pub service_name: Option<String>,
    /// Base64, as sent.
    pub label: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub affinity_group: Option<String>,
    pub account_type: Option<String>,
    /// The pre-2014 schema's `GeoReplicationEnabled` (`true`/`false`), if sent.
    pub geo_replication_enabled: Option<String>,
    pub extended_properties: Vec<(String, String)>,
}

/// Read a Create Storage Account body (root `CreateStorageServiceInput`).
pub fn parse_create_storage_service(body: &[u8]) -> Result<CreateStorageServiceInput, XmlError> {
    let doc = parse_flat(body, "CreateStorageServiceInput")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(CreateStorageServiceInput {
        service_name: field("ServiceName"),
        label: field("Label"),
        description: doc.get("Description").map(str::to_owned),
        location: field("Location"),
        affinity_group: field("AffinityGroup"),
        account_type: field("AccountType"),
        geo_replication_enabled: field("GeoReplicationEnabled"),
        extended_properties: read_extended_properties(doc.element("ExtendedProperties")),
    })
}

/// The body of Update Storage Account, as sent (absent, empty or nil → `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateStorageServiceInput {
    /// Base64, as sent.
    pub label: Option<String>,
    pub description: Option<String>,
    pub account_type: Option<String>,
    pub geo_replication_enabled: Option<String>,
    pub extended_properties: Vec<(String, String)>,
}

/// Read an Update Storage Account body (root `UpdateStorageServiceInput`).
pub fn parse_update_storage_service(body: &[u8]) -> Result<UpdateStorageServiceInput, XmlError> {
    let doc = parse_flat(body, "UpdateStorageServiceInput")?;
    let field = |name| doc.get_trimmed(name).map(str::to_owned);
    Ok(UpdateStorageServiceInput {
        label: field("Label"),
        description: doc.get("Description").map(str::to_owned),
        account_type: field("AccountType"),
        geo_replication_enabled: field("GeoReplicationEnabled"),
        extended_properties: read_extended_properties(doc.element("ExtendedProperties")),
    })
}

/// Read a Regenerate Keys body (root `RegenerateKeys`): its `KeyType`, trimmed, if any.
pub fn parse_regenerate_keys(body: &[u8]) -> Result<Option<String>, XmlError> {
    let doc = parse_flat(body, "RegenerateKeys")?;
    Ok(doc.get_trimmed("KeyType").map(str::to_owned))
}

/// One storage account in Get Storage Account Properties / List Storage Accounts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageServiceXml {
    pub url: String,
    pub service_name: String,
    pub description: Option<String>,
    pub affinity_group: Option<String>,
    pub location: Option<String>,
    /// Base64 label.
    pub label: String,
    /// `Creating`, `Created`, …
    pub status: String,
    /// blob, queue, table, file.
    pub endpoints: Vec<String>,
    pub geo_primary_region: Option<String>,
    pub status_of_primary: Option<String>,
    /// `None` → an empty element (no secondary region, as for `Standard_LRS`).
    pub geo_secondary_region: Option<String>,
    pub status_of_secondary: Option<String>,
    /// Preformatted (see [`super::format_time`]).
    pub creation_time: String,
    pub account_type: String,
    pub extended_properties: Vec<(String, String)>,
    pub capabilities: Vec<String>,
}

impl StorageServiceXml {
    /// The Get Storage Account Properties body (root `StorageService`).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("StorageService");
        self.write_fields(&mut w);
        w.finish()
    }

    fn write_fields(&self, w: &mut XmlWriter) {
        let or_empty = |o: &Option<String>| o.clone().unwrap_or_default();
        w.text("Url", &self.url)
            .text("ServiceName", &self.service_name)
            .open("StorageServiceProperties")
            .text("Description", self.description.as_deref().unwrap_or(""))
            .opt_text("AffinityGroup", self.affinity_group.as_deref())
            .opt_text("Location", self.location.as_deref())
            .text("Label", &self.label)
            .text("Status", &self.status);
        write_texts(w, "Endpoints", "Endpoint", &self.endpoints);
        w.text("GeoPrimaryRegion", &or_empty(&self.geo_primary_region))
            .text("StatusOfPrimary", &or_empty(&self.status_of_primary))
            .text("GeoSecondaryRegion", &or_empty(&self.geo_secondary_region))
            .text("StatusOfSecondary", &or_empty(&self.status_of_secondary))
            .text("CreationTime", &self.creation_time)
            .open("CustomDomains")
            .close()
            .text("AccountType", &self.account_type)
            .close();
        write_extended_properties(w, &self.extended_properties);
        write_texts(w, "Capabilities", "Capability", &self.capabilities);
    }

    fn from_element(el: &Element) -> StorageServiceXml {
        let text = |e: &Element, name| {
            e.child_text(name)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let empty = Element::default();
        let p = el.child("StorageServiceProperties").unwrap_or(&empty);
        StorageServiceXml {
            url: text(el, "Url").unwrap_or_default(),
            service_name: text(el, "ServiceName").unwrap_or_default(),
            description: text(p, "Description"),
            affinity_group: text(p, "AffinityGroup"),
            location: text(p, "Location"),
            label: text(p, "Label").unwrap_or_default(),
            status: text(p, "Status").unwrap_or_default(),
            endpoints: texts(Some(p), "Endpoints", "Endpoint"),
            geo_primary_region: text(p, "GeoPrimaryRegion"),
            status_of_primary: text(p, "StatusOfPrimary"),
            geo_secondary_region: text(p, "GeoSecondaryRegion"),
            status_of_secondary: text(p, "StatusOfSecondary"),
            creation_time: text(p, "CreationTime").unwrap_or_default(),
            account_type: text(p, "AccountType").unwrap_or_default(),
            extended_properties: read_extended_properties(el.child("ExtendedProperties")),
            capabilities: texts(Some(el), "Capabilities", "Capability"),
        }
    }
}

/// The List Storage Accounts body.
pub fn storage_services_to_xml(accounts: &[StorageServiceXml]) -> String {
    list_to_xml(
        "StorageServices",
        "StorageService",
        accounts,
        StorageServiceXml::write_fields,
    )
}

/// Read a Get Storage Account Properties response.
pub fn parse_storage_service(body: &[u8]) -> Result<StorageServiceXml, XmlError> {
    let doc = parse_response(body, "StorageService")?;
    Ok(StorageServiceXml::from_element(&doc))
}

/// Read a List Storage Accounts response.
pub fn parse_storage_services(body: &[u8]) -> Result<Vec<StorageServiceXml>, XmlError> {
    parse_response_list(
        body,
        "StorageServices",
        "StorageService",
        StorageServiceXml::from_element,
    )
}

/// The Get Storage Keys / Regenerate Keys body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageServiceKeysXml {
    pub url: String,
    pub primary: String,
    pub secondary: String,
}

impl StorageServiceKeysXml {
    /// Root `StorageService` with `Url` and `StorageServiceKeys`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::root("StorageService");
        w.text("Url", &self.url)
            .open("StorageServiceKeys")
            .text("Primary", &self.primary)
            .text("Secondary", &self.secondary)
            .close();
        w.finish()
    }
}

/// Read a Get Storage Keys / Regenerate Keys response.
pub fn parse_storage_keys(body: &[u8]) -> Result<StorageServiceKeysXml, XmlError> {
    let doc = parse_response(body, "StorageService")?;
    let keys = doc
        .child("StorageServiceKeys")
        .ok_or_else(|| XmlError::Missing {
            element: "StorageServiceKeys".into(),
        })?;
    let text = |e: &Element, n| e.child_text(n).unwrap_or_default().to_owned();
    Ok(StorageServiceKeysXml {
        url: text(&doc, "Url"),
        primary: text(keys, "Primary"),
        secondary: text(keys, "Secondary"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_and_update_bodies_as_python_sends_them() {
        let body = r#"<CreateStorageServiceInput xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/windowsazure"><ServiceName>utstor36ea155e</ServiceName><Description>啊齄丂狛狜</Description><Label>dXRzdG9yMzZlYTE1NWVsYWJlbA==</Label><Location>West US</Location><ExtendedProperties><ExtendedProperty><Name>ext1</Name><Value>val1</Value></ExtendedProperty><ExtendedProperty><Name>ext2</Name><Value>42</Value></ExtendedProperty></ExtendedProperties><AccountType>Standard_GRS</AccountType></CreateStorageServiceInput>"#;
        let i = parse_create_storage_service(body.as_bytes()).unwrap();
        assert_eq!(i.service_name.as_deref(), Some("utstor36ea155e"));
        assert_eq!(i.description.as_deref(), Some("啊齄丂狛狜"));
        assert_eq!(i.location.as_deref(), Some("West US"));
        assert_eq!(i.affinity_group, None);
        assert_eq!(i.account_type.as_deref(), Some("Standard_GRS"));
        assert_eq!(i.extended_properties.len(), 2);
        let body = br#"<UpdateStorageServiceInput xmlns="http://schemas.microsoft.com/windowsazure"><Description>d2</Description><Label>bA==</Label><AccountType>Standard_LRS</AccountType></UpdateStorageServiceInput>"#;
        let u = parse_update_storage_service(body).unwrap();
        assert_eq!(u.account_type.as_deref(), Some("Standard_LRS"));
        assert_eq!(u.label.as_deref(), Some("bA=="));
        let body = br#"<RegenerateKeys xmlns="http://schemas.microsoft.com/windowsazure"><KeyType>Secondary</KeyType></RegenerateKeys>"#;
        assert_eq!(
            parse_regenerate_keys(body).unwrap().as_deref(),
            Some("Secondary")
        );
    }

    #[test]
    fn properties_match_the_recording_and_round_trip() {
        let s = StorageServiceXml {
            url: "https://h/s/services/storageservices/st".into(),
            service_name: "st".into(),
            description: Some("d".into()),
            affinity_group: None,
            location: Some("West US".into()),
            label: "bA==".into(),
            status: "Created".into(),
            endpoints: vec!["https://st.blob.x/".into(), "https://st.queue.x/".into()],
            geo_primary_region: Some("West US".into()),
            status_of_primary: Some("Available".into()),
            geo_secondary_region: None,
            status_of_secondary: None,
            creation_time: "2015-07-01T00:10:49Z".into(),
            account_type: "Standard_LRS".into(),
            extended_properties: vec![("ext1".into(), "val1".into())],
            capabilities: vec!["PersistentVMRole".into()],
        };
        let xml = s.to_xml();
        assert!(xml.contains("<Url>https://h/s/services/storageservices/st</Url><ServiceName>st</ServiceName><StorageServiceProperties><Description>d</Description><Location>West US</Location><Label>bA==</Label><Status>Created</Status><Endpoints><Endpoint>https://st.blob.x/</Endpoint><Endpoint>https://st.queue.x/</Endpoint></Endpoints><GeoPrimaryRegion>West US</GeoPrimaryRegion><StatusOfPrimary>Available</StatusOfPrimary><GeoSecondaryRegion></GeoSecondaryRegion><StatusOfSecondary></StatusOfSecondary><CreationTime>2015-07-01T00:10:49Z</CreationTime><CustomDomains></CustomDomains><AccountType>Standard_LRS</AccountType></StorageServiceProperties><ExtendedProperties><ExtendedProperty><Name>ext1</Name><Value>val1</Value></ExtendedProperty></ExtendedProperties><Capabilities><Capability>PersistentVMRole</Capability></Capabilities></StorageService>"), "{xml}");
        assert_eq!(parse_storage_service(xml.as_bytes()).unwrap(), s);
        let list = storage_services_to_xml(std::slice::from_ref(&s));
        assert_eq!(parse_storage_services(list.as_bytes()).unwrap(), vec![s]);
        let k = StorageServiceKeysXml {
            url: "u".into(),
            primary: "p==".into(),
            secondary: "s==".into(),
        };
        let xml = k.to_xml();
        assert!(xml.ends_with("<Url>u</Url><StorageServiceKeys><Primary>p==</Primary><Secondary>s==</Secondary></StorageServiceKeys></StorageService>"));
        assert_eq!(parse_storage_keys(xml.as_bytes()).unwrap(), k);
    }
}
