//! Resource extensions (the VM extensions of classic IaaS): List Resource Extensions
//! (`GET /{s}/services/resourceextensions`: each extension once, at its latest version)
//! and List Resource Extension Versions
//! (`GET /{s}/services/resourceextensions/{publisher}/{extension}`: every version of one).
//! Both answer `<ResourceExtensions>` of `<ResourceExtension>`, element names and order as
//! the live service sent them in the 2015 recordings; the elements an extension has no
//! value for are left out, as the live service did.

use super::common::parse_response_list;
use super::{Element, XmlError, XmlWriter, decode_label, encode_label};

/// One version of a resource extension. The configuration schemas and the sample
/// configuration are base64 on the wire; these fields hold the decoded text (an empty
/// text is an empty element, as the live service sent for extensions without a schema).
/// `label` and `description` are plain text on the wire (not base64, unlike the labels
/// of most resources).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceExtensionXml {
    pub publisher: String,
    pub name: String,
    /// `1.4`, `1207.12.3.0`: List Resource Extensions gives the latest as
    /// major.minor, List Resource Extension Versions every version in full.
    pub version: String,
    pub label: String,
    pub description: String,
    pub public_configuration_schema: Option<String>,
    pub private_configuration_schema: Option<String>,
    pub sample_config: Option<String>,
    pub replication_completed: bool,
    pub eula: Option<String>,
    pub privacy_uri: Option<String>,
    pub homepage_uri: Option<String>,
    /// Whether the extension takes JSON configuration (`false` or absent: XML).
    pub is_json_extension: Option<bool>,
    pub is_internal_extension: Option<bool>,
    pub disallow_major_version_upgrade: Option<bool>,
    /// `Windows` or `Linux`.
    pub supported_os: Option<String>,
    pub company_name: Option<String>,
    /// As the service wrote it (`2015-05-14T14:50:57.3799892Z`).
    pub published_date: Option<String>,
    /// The regions the extension is offered in, `;`-separated; empty: all of them (the
    /// live service always sent it empty).
    pub regions: Option<String>,
}

impl ResourceExtensionXml {
    fn write(&self, w: &mut XmlWriter) {
        let bool_text = |b: Option<bool>| b.map(|b| if b { "true" } else { "false" });
        let base64 = |t: &Option<String>| t.as_deref().map(encode_label);
        w.open("ResourceExtension")
            .text("Publisher", &self.publisher)
            .text("Name", &self.name)
            .text("Version", &self.version)
            .text("Label", &self.label)
            .text("Description", &self.description)
            .opt_text(
                "PublicConfigurationSchema",
                base64(&self.public_configuration_schema).as_deref(),
            )
            .opt_text(
                "PrivateConfigurationSchema",
                base64(&self.private_configuration_schema).as_deref(),
            )
            .opt_text("SampleConfig", base64(&self.sample_config).as_deref())
            .bool("ReplicationCompleted", self.replication_completed)
            .opt_text("Eula", self.eula.as_deref())
            .opt_text("PrivacyUri", self.privacy_uri.as_deref())
            .opt_text("HomepageUri", self.homepage_uri.as_deref())
            .opt_text("IsJsonExtension", bool_text(self.is_json_extension))
            .opt_text("IsInternalExtension", bool_text(self.is_internal_extension))
            .opt_text(
                "DisallowMajorVersionUpgrade",
                bool_text(self.disallow_major_version_upgrade),
            )
            .opt_text("SupportedOS", self.supported_os.as_deref())
            .opt_text("CompanyName", self.company_name.as_deref())
            .opt_text("PublishedDate", self.published_date.as_deref())
            .opt_text("Regions", self.regions.as_deref())
            .close();
    }

    fn read(e: &Element) -> Result<Self, XmlError> {
        let text = |n: &str| e.child_text(n).unwrap_or_default().to_owned();
        let opt = |n: &str| e.child_text(n).map(str::to_owned);
        let flag = |n: &str| e.child_text(n).map(|t| t.trim() == "true");
        let base64 = |n: &str| e.child_text(n).map(decode_label).transpose();
        Ok(Self {
            publisher: text("Publisher"),
            name: text("Name"),
            version: text("Version"),
            label: text("Label"),
            description: text("Description"),
            public_configuration_schema: base64("PublicConfigurationSchema")?,
            private_configuration_schema: base64("PrivateConfigurationSchema")?,
            sample_config: base64("SampleConfig")?,
            replication_completed: flag("ReplicationCompleted").unwrap_or(false),
            eula: opt("Eula"),
            privacy_uri: opt("PrivacyUri"),
            homepage_uri: opt("HomepageUri"),
            is_json_extension: flag("IsJsonExtension"),
            is_internal_extension: flag("IsInternalExtension"),
            disallow_major_version_upgrade: flag("DisallowMajorVersionUpgrade"),
            supported_os: opt("SupportedOS"),
            company_name: opt("CompanyName"),
            published_date: opt("PublishedDate"),
            regions: opt("Regions"),
        })
    }
}

/// The List Resource Extensions (and List Resource Extension Versions) body.
pub fn resource_extensions_to_xml(extensions: &[ResourceExtensionXml]) -> String {
    let mut w = XmlWriter::root("ResourceExtensions");
    for e in extensions {
        e.write(&mut w);
    }
    w.finish()
}

/// Read a List Resource Extensions or List Resource Extension Versions answer (a schema
/// or sample configuration that is not base64 of UTF-8 text is an error).
pub fn parse_resource_extensions(body: &[u8]) -> Result<Vec<ResourceExtensionXml>, XmlError> {
    parse_response_list(
        body,
        "ResourceExtensions",
        "ResourceExtension",
        ResourceExtensionXml::read,
    )?
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::{HOSTILE, HOSTILE_READ};
    use super::super::parse_document;
    use super::*;

    /// Two entries of the live List Resource Extensions answer of the recordings
    /// (`test_list_resource_extensions`), whose elements between them are all the
    /// elements that answer held (the HPC Pack description shortened).
    const RECORDED: &str = r#"<ResourceExtensions xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ResourceExtension><Publisher>Microsoft.Azure.Security</Publisher><Name>IaaSAntimalware</Name><Version>1.2</Version><Label>Microsoft Antimalware</Label><Description>Microsoft Antimalware</Description><PublicConfigurationSchema/><PrivateConfigurationSchema/><SampleConfig>eyJQdWJsaWNDb25maWciOiJ7XCJBbnRpbWFsd2FyZUVuYWJsZWRcIjp0cnVlfSIsIlByaXZhdGVDb25maWciOm51bGx9</SampleConfig><ReplicationCompleted>true</ReplicationCompleted><Eula>http://azure.microsoft.com/en-us/support/legal/subscription-agreement/</Eula><PrivacyUri>http://azure.microsoft.com/en-us/support/legal/privacy-statement/</PrivacyUri><HomepageUri>http://go.microsoft.com/fwlink/?LinkId=398023</HomepageUri><IsJsonExtension>true</IsJsonExtension><CompanyName>Microsoft Corporation</CompanyName><PublishedDate>2015-05-01T03:34:05.8378024Z</PublishedDate><Regions/></ResourceExtension><ResourceExtension><Publisher>Microsoft.HpcPack</Publisher><Name>LinuxNodeAgent</Name><Version>1.2</Version><Label>Microsoft HPC Pack Linux Node Agent</Label><Description>Microsoft HPC Pack Linux node agent</Description><PublicConfigurationSchema/><PrivateConfigurationSchema/><ReplicationCompleted>true</ReplicationCompleted><Eula>http://go.microsoft.com/fwlink/?LinkID=507756</Eula><PrivacyUri>http://go.microsoft.com/fwlink/?LinkID=507755</PrivacyUri><HomepageUri>http://www.microsoft.com/hpc</HomepageUri><IsJsonExtension>true</IsJsonExtension><DisallowMajorVersionUpgrade>true</DisallowMajorVersionUpgrade><SupportedOS>Linux</SupportedOS><CompanyName>Microsoft</CompanyName><PublishedDate>2015-05-27T11:11:03.3764998Z</PublishedDate><Regions/></ResourceExtension></ResourceExtensions>"#;

    fn child_names(xml: &str) -> Vec<Vec<String>> {
        parse_document(xml.as_bytes())
            .unwrap()
            .children
            .iter()
            .map(|e| e.children.iter().map(|c| c.name.clone()).collect())
            .collect()
    }

    #[test]
    fn writes_the_recorded_elements_in_the_recorded_order() {
        let read = parse_resource_extensions(RECORDED.as_bytes()).unwrap();
        assert_eq!(read.len(), 2);
        let antimalware = &read[0];
        assert_eq!(antimalware.publisher, "Microsoft.Azure.Security");
        assert_eq!(
            antimalware.sample_config.as_deref(),
            Some(r#"{"PublicConfig":"{\"AntimalwareEnabled\":true}","PrivateConfig":null}"#)
        );
        assert_eq!(antimalware.public_configuration_schema.as_deref(), Some(""));
        assert_eq!(antimalware.is_json_extension, Some(true));
        assert_eq!(antimalware.disallow_major_version_upgrade, None);
        assert_eq!(antimalware.regions.as_deref(), Some(""));
        let hpc = &read[1];
        assert_eq!(hpc.disallow_major_version_upgrade, Some(true));
        assert_eq!(hpc.supported_os.as_deref(), Some("Linux"));
        assert_eq!(hpc.sample_config, None);
        let written = resource_extensions_to_xml(&read);
        assert!(
            written.starts_with("<ResourceExtensions xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><ResourceExtension><Publisher>Microsoft.Azure.Security</Publisher>"),
            "{written}"
        );
        assert_eq!(child_names(&written), child_names(RECORDED));
        assert_eq!(parse_resource_extensions(written.as_bytes()).unwrap(), read);
    }

    #[test]
    fn round_trips_every_field() {
        let e = ResourceExtensionXml {
            publisher: "Chef.Bootstrap.WindowsAzure".into(),
            name: "ChefClient".into(),
            version: "1207.12.3.0".into(),
            label: HOSTILE.into(),
            description: "Chef Extension that sets up chef-client on VM".into(),
            public_configuration_schema: Some(HOSTILE.into()),
            private_configuration_schema: Some(String::new()),
            sample_config: Some("{\"a\": 1}".into()),
            replication_completed: true,
            eula: Some("http://www.getchef.com/about/".into()),
            privacy_uri: Some("http://www.getchef.com/about/".into()),
            homepage_uri: Some("http://www.getchef.com/".into()),
            is_json_extension: Some(true),
            is_internal_extension: Some(false),
            disallow_major_version_upgrade: Some(false),
            supported_os: Some("Windows".into()),
            company_name: Some("Chef Software, Inc.".into()),
            published_date: Some("2015-05-14T14:50:57.3799892Z".into()),
            regions: Some("West US;East US".into()),
        };
        let xml = resource_extensions_to_xml(&[e.clone(), ResourceExtensionXml::default()]);
        let back = parse_resource_extensions(xml.as_bytes()).unwrap();
        // The schema is base64: it comes back whole, control character included.
        assert_eq!(
            back[0].public_configuration_schema.as_deref(),
            Some(HOSTILE)
        );
        assert_eq!(
            back[0],
            ResourceExtensionXml {
                label: HOSTILE_READ.into(),
                ..e
            }
        );
        assert_eq!(back[1], ResourceExtensionXml::default());
        assert!(resource_extensions_to_xml(&[]).ends_with("></ResourceExtensions>"));
        assert!(parse_resource_extensions(b"<OperatingSystems/>").is_err());
        assert!(
            parse_resource_extensions(
                b"<ResourceExtensions><ResourceExtension><SampleConfig>not base64!</SampleConfig></ResourceExtension></ResourceExtensions>"
            )
            .is_err()
        );
    }
}
