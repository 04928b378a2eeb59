//! The read-only catalogues of classic IaaS that every subscription sees the same: the
//! guest OS versions of cloud services, by family, and the resource (VM) extensions.
//!
//! Both are a small built-in excerpt of what live Azure offered in mid-2015 (names,
//! versions, labels, dates and links as the 2015 recordings of the Python SDK show them,
//! `testdata/recordings/python-sdk`): nothing here runs a guest OS or an extension, so
//! the lists only tell clients what they may name.
//!
//! * Guest OS: the families 2, 3 and 4 (Windows Server 2008 R2, 2012, 2012 R2), each with
//!   the releases from February to June 2015: the latest the family's default, those a
//!   newer release of the same month replaced, and those older than three months,
//!   retired (not active), as the live list had them.
//! * Extensions: the ones the era's clients set most (BGInfo, which the portal added to
//!   every Windows VM, the VM access and custom script extensions for Windows and Linux,
//!   Chef), and two more that make the list carry every element the live one did
//!   (Microsoft Antimalware, with a sample configuration; the HPC Pack Linux node
//!   agent, which disallows major version upgrades). Chef lists its eight recorded
//!   versions; of the others only the version the live list named is known, and is the
//!   only one listed.

use azmc_wire::asm::{OperatingSystemFamilyXml, OperatingSystemXml, ResourceExtensionXml};

/// A guest OS family: number, label, and its releases (version, whether still active);
/// the last release is the default.
type Family = (u32, &'static str, &'static [(&'static str, bool)]);

const FAMILIES: &[Family] = &[
    (
        2,
        "Windows Server 2008 R2",
        &[
            ("WA-GUEST-OS-2.36_201502-01", false),
            ("WA-GUEST-OS-2.37_201503-01", true),
            ("WA-GUEST-OS-2.38_201504-01", true),
            ("WA-GUEST-OS-2.39_201505-01", false),
            ("WA-GUEST-OS-2.39_201505-02", true),
            ("WA-GUEST-OS-2.40_201506-01", true),
        ],
    ),
    (
        3,
        "Windows Server 2012",
        &[
            ("WA-GUEST-OS-3.24_201502-01", false),
            ("WA-GUEST-OS-3.25_201503-01", true),
            ("WA-GUEST-OS-3.26_201504-01", true),
            ("WA-GUEST-OS-3.27_201505-01", false),
            ("WA-GUEST-OS-3.27_201505-02", true),
            ("WA-GUEST-OS-3.28_201506-01", true),
        ],
    ),
    (
        4,
        "Windows Server 2012 R2",
        &[
            ("WA-GUEST-OS-4.17_201502-01", false),
            ("WA-GUEST-OS-4.18_201503-01", true),
            ("WA-GUEST-OS-4.19_201504-01", true),
            ("WA-GUEST-OS-4.20_201505-01", false),
            ("WA-GUEST-OS-4.20_201505-02", true),
            ("WA-GUEST-OS-4.21_201506-01", true),
        ],
    ),
];

/// The label of a guest OS version: `WA-GUEST-OS-4.21_201506-01` is
/// `Windows Azure Guest OS 4.21 (Release 201506-01)`.
fn guest_os_label(version: &str) -> String {
    let rest = version.strip_prefix("WA-GUEST-OS-").unwrap_or(version);
    match rest.split_once('_') {
        Some((number, release)) => format!("Windows Azure Guest OS {number} (Release {release})"),
        None => format!("Windows Azure Guest OS {rest}"),
    }
}

/// The guest OS families with their versions (List Operating System Families).
pub fn guest_os_families() -> Vec<OperatingSystemFamilyXml> {
    FAMILIES
        .iter()
        .map(|&(number, label, releases)| OperatingSystemFamilyXml {
            name: number,
            label: label.to_string(),
            operating_systems: releases
                .iter()
                .enumerate()
                .map(|(k, &(version, is_active))| OperatingSystemXml {
                    version: version.to_string(),
                    label: guest_os_label(version),
                    is_default: k + 1 == releases.len(),
                    is_active,
                    family: number,
                    family_label: label.to_string(),
                })
                .collect(),
        })
        .collect()
}

/// Every guest OS version, family by family (List Operating Systems).
pub fn guest_os_versions() -> Vec<OperatingSystemXml> {
    guest_os_families()
        .into_iter()
        .flat_map(|f| f.operating_systems)
        .collect()
}

/// What the versions of an extension share (or one version alone has).
struct Details {
    label: &'static str,
    description: &'static str,
    /// Whether the (empty) public and private configuration schemas are listed.
    schemas: bool,
    sample_config: Option<&'static str>,
    /// Licence, privacy statement and home page.
    links: Option<(&'static str, &'static str, &'static str)>,
    is_json: Option<bool>,
    disallow_major_version_upgrade: Option<bool>,
    supported_os: Option<&'static str>,
    company: Option<&'static str>,
}

/// One version: its number, its publication date (the newer publications carry one,
/// with an empty `Regions`: offered everywhere) and its details.
type Version = (&'static str, Option<&'static str>, &'static Details);

/// An extension: publisher, name and versions, oldest first.
type Extension = (&'static str, &'static str, &'static [Version]);

const NONE: Details = Details {
    label: "",
    description: "",
    schemas: false,
    sample_config: None,
    links: None,
    is_json: None,
    disallow_major_version_upgrade: None,
    supported_os: None,
    company: None,
};

const LINUX_LINKS: (&str, &str, &str) = (
    "https://github.com/Azure/azure-linux-extensions/blob/1.0/LICENSE-2_0.txt",
    "https://github.com/Azure/azure-linux-extensions/blob/1.0/LICENSE-2_0.txt",
    "https://github.com/Azure/azure-linux-extensions",
);

const BGINFO: Details = Details {
    label: "Windows Azure BGinfo Extension for IaaS",
    description: "Windows Azure BGInfo Extension for IaaS",
    schemas: true,
    ..NONE
};

const CUSTOM_SCRIPT: Details = Details {
    label: "Windows Azure Script Handler Extension for IaaS",
    description: "Windows Azure Script Handler Extension for IaaS",
    schemas: true,
    is_json: Some(true),
    company: Some("Microsoft Azure"),
    ..NONE
};

const VM_ACCESS: Details = Details {
    label: "Windows Azure Json VMAccess Extension for IaaS",
    description: "Windows Azure Json VMAccess Extension for IaaS",
    schemas: true,
    is_json: Some(true),
    company: Some("Microsoft"),
    ..NONE
};

const VM_ACCESS_LINUX: Details = Details {
    label: "Microsoft Azure VMAccess Extension for Linux IaaS",
    description: "Microsoft Azure VMAccess Extension for Linux IaaS",
    links: Some(LINUX_LINKS),
    is_json: Some(true),
    company: Some("Microsoft"),
    ..NONE
};

const CUSTOM_SCRIPT_LINUX: Details = Details {
    label: "Microsoft Azure Custom Script Extension for Linux IaaS",
    description: "Microsoft Azure Custom Script Extension for Linux IaaS",
    links: Some(LINUX_LINKS),
    is_json: Some(true),
    supported_os: Some("Linux"),
    company: Some("Microsoft"),
    ..NONE
};

/// Chef's first versions (2014), before its extension took its later name.
const CHEF_CLIENT_11: Details = Details {
    label: "Chef Client",
    description: "Chef configuration requires a client.rb with valid settings for \
                  chef_server_url, validation_client_name values.A validation key must also \
                  be included and an optional runlist can be supplied.",
    schemas: true,
    links: Some((
        "https://github.com/opscode/chef/blob/master/LICENSE",
        "https://github.com/opscode/chef/blob/master/LICENSE",
        "http://www.getchef.com/",
    )),
    is_json: Some(true),
    ..NONE
};

const CHEF_CLIENT: Details = Details {
    label: "Chef Extension for windows",
    description: "Chef Extension that sets up chef-client on VM",
    links: Some((
        "http://www.getchef.com/about/",
        "http://www.getchef.com/about/",
        "http://www.getchef.com/",
    )),
    is_json: Some(true),
    company: Some("Chef Software, Inc."),
    ..NONE
};

const ANTIMALWARE: Details = Details {
    label: "Microsoft Antimalware",
    description: "Microsoft Antimalware",
    schemas: true,
    sample_config: Some(r#"{"PublicConfig":"{\"AntimalwareEnabled\":true}","PrivateConfig":null}"#),
    links: Some((
        "http://azure.microsoft.com/en-us/support/legal/subscription-agreement/",
        "http://azure.microsoft.com/en-us/support/legal/privacy-statement/",
        "http://go.microsoft.com/fwlink/?LinkId=398023",
    )),
    is_json: Some(true),
    company: Some("Microsoft Corporation"),
    ..NONE
};

const HPC_LINUX_NODE_AGENT: Details = Details {
    label: "Microsoft HPC Pack Linux Node Agent",
    description: "Microsoft HPC Pack Linux node agent is an internal VM extension used to \
                  install necessary HPC Pack Linux agent and configure the Linux VMs. This is \
                  required for a Linux VM to join the HPC Pack cluster and managed by HPC Pack \
                  head node for job scheduling and monitoring. ",
    schemas: true,
    links: Some((
        "http://go.microsoft.com/fwlink/?LinkID=507756",
        "http://go.microsoft.com/fwlink/?LinkID=507755",
        "http://www.microsoft.com/hpc",
    )),
    is_json: Some(true),
    disallow_major_version_upgrade: Some(true),
    supported_os: Some("Linux"),
    company: Some("Microsoft"),
    ..NONE
};

const EXTENSIONS: &[Extension] = &[
    (
        "Chef.Bootstrap.WindowsAzure",
        "ChefClient",
        &[
            ("11.10.4", None, &CHEF_CLIENT_11),
            ("11.12.0.0", None, &CHEF_CLIENT_11),
            (
                "11.18.6.1",
                Some("2015-03-30T10:52:17.2842953Z"),
                &CHEF_CLIENT,
            ),
            (
                "1203.12.1.1",
                Some("2015-03-19T17:20:57.6386844Z"),
                &CHEF_CLIENT,
            ),
            (
                "1204.12.2.1",
                Some("2015-03-31T14:38:08.3362393Z"),
                &CHEF_CLIENT,
            ),
            (
                "1205.12.2.1",
                Some("2015-04-01T09:51:47.8019787Z"),
                &CHEF_CLIENT,
            ),
            (
                "1206.12.3.0",
                Some("2015-05-11T12:42:01.0940341Z"),
                &CHEF_CLIENT,
            ),
            (
                "1207.12.3.0",
                Some("2015-05-14T14:50:57.3799892Z"),
                &CHEF_CLIENT,
            ),
        ],
    ),
    (
        "Microsoft.Azure.Security",
        "IaaSAntimalware",
        &[("1.2", Some("2015-05-01T03:34:05.8378024Z"), &ANTIMALWARE)],
    ),
    (
        "Microsoft.OSTCExtensions",
        "CustomScriptForLinux",
        &[(
            "1.3",
            Some("2015-06-25T03:39:53.9179473Z"),
            &CUSTOM_SCRIPT_LINUX,
        )],
    ),
    (
        "Microsoft.OSTCExtensions",
        "VMAccessForLinux",
        &[(
            "1.1",
            Some("2014-12-12T08:33:33.4125573Z"),
            &VM_ACCESS_LINUX,
        )],
    ),
    ("Microsoft.Compute", "BGInfo", &[("1.1", None, &BGINFO)]),
    (
        "Microsoft.Compute",
        "CustomScriptExtension",
        &[("1.4", Some("2015-03-31T18:22:51.7207767Z"), &CUSTOM_SCRIPT)],
    ),
    (
        "Microsoft.Compute",
        "VMAccessAgent",
        &[("2.0", Some("2015-02-07T01:54:39.2945583Z"), &VM_ACCESS)],
    ),
    (
        "Microsoft.HpcPack",
        "LinuxNodeAgent",
        &[(
            "1.2",
            Some("2015-05-27T11:11:03.3764998Z"),
            &HPC_LINUX_NODE_AGENT,
        )],
    ),
];

fn extension_version(
    publisher: &str,
    name: &str,
    &(version, published, d): &Version,
) -> ResourceExtensionXml {
    let schema = d.schemas.then(String::new);
    let link = |pick: fn(&(&'static str, &'static str, &'static str)) -> &'static str| {
        d.links.as_ref().map(|l| pick(l).to_string())
    };
    ResourceExtensionXml {
        publisher: publisher.to_string(),
        name: name.to_string(),
        version: version.to_string(),
        label: d.label.to_string(),
        description: d.description.to_string(),
        public_configuration_schema: schema.clone(),
        private_configuration_schema: schema,
        sample_config: d.sample_config.map(str::to_string),
        replication_completed: true,
        eula: link(|l| l.0),
        privacy_uri: link(|l| l.1),
        homepage_uri: link(|l| l.2),
        is_json_extension: d.is_json,
        is_internal_extension: None,
        disallow_major_version_upgrade: d.disallow_major_version_upgrade,
        supported_os: d.supported_os.map(str::to_string),
        company_name: d.company.map(str::to_string),
        published_date: published.map(str::to_string),
        regions: published.map(|_| String::new()),
    }
}

/// `1207.12.3.0` as List Resource Extensions names it: `1207.12`.
fn major_minor(version: &str) -> &str {
    match version.match_indices('.').nth(1) {
        Some((k, _)) => &version[..k],
        None => version,
    }
}

/// Every extension at its latest version, that version named major.minor as the live
/// service did (List Resource Extensions).
pub fn resource_extensions() -> Vec<ResourceExtensionXml> {
    EXTENSIONS
        .iter()
        .filter_map(|&(publisher, name, versions)| {
            let mut latest = extension_version(publisher, name, versions.last()?);
            latest.version = major_minor(&latest.version).to_string();
            Some(latest)
        })
        .collect()
}

/// The versions of one extension, oldest first (List Resource Extension Versions);
/// publisher and name are matched ignoring case (request paths arrive in lower case),
/// and answered in the catalogue's spelling. `None`: no such extension.
pub fn resource_extension_versions(
    publisher: &str,
    name: &str,
) -> Option<Vec<ResourceExtensionXml>> {
    let &(publisher, name, versions) = EXTENSIONS
        .iter()
        .find(|(p, n, _)| p.eq_ignore_ascii_case(publisher) && n.eq_ignore_ascii_case(name))?;
    Some(
        versions
            .iter()
            .map(|v| extension_version(publisher, name, v))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn each_family_has_one_default_version_and_it_is_active() {
        let families = guest_os_families();
        assert_eq!(
            families.iter().map(|f| f.name).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        for f in &families {
            let defaults: Vec<_> = f
                .operating_systems
                .iter()
                .filter(|o| o.is_default)
                .collect();
            assert_eq!(defaults.len(), 1, "family {}", f.name);
            assert!(defaults[0].is_active);
            for o in &f.operating_systems {
                assert!(
                    o.version.starts_with(&format!("WA-GUEST-OS-{}.", f.name)),
                    "{}",
                    o.version
                );
                assert_eq!(
                    (o.family, o.family_label.as_str()),
                    (f.name, f.label.as_str())
                );
            }
        }
        let all = guest_os_versions();
        assert_eq!(all.len(), 18);
        assert_eq!(
            all.iter()
                .find(|o| o.version == "WA-GUEST-OS-4.21_201506-01")
                .unwrap()
                .label,
            "Windows Azure Guest OS 4.21 (Release 201506-01)"
        );
        assert_eq!(
            all.iter()
                .map(|o| &o.version)
                .collect::<BTreeSet<_>>()
                .len(),
            all.len()
        );
    }

    #[test]
    fn extensions_list_their_latest_version_as_major_minor() {
        let listed = resource_extensions();
        assert_eq!(listed.len(), EXTENSIONS.len());
        let chef = listed.iter().find(|e| e.name == "ChefClient").unwrap();
        assert_eq!(chef.version, "1207.12");
        assert_eq!(
            chef.published_date.as_deref(),
            Some("2015-05-14T14:50:57.3799892Z")
        );
        let mut seen = BTreeSet::new();
        for e in &listed {
            assert!(seen.insert((e.publisher.to_lowercase(), e.name.to_lowercase())));
            assert!(!e.label.is_empty() && !e.description.is_empty(), "{e:?}");
        }
        assert_eq!(major_minor("1.4"), "1.4");
        assert_eq!(major_minor("11.10.4"), "11.10");
        assert_eq!(major_minor("2"), "2");
    }

    #[test]
    fn versions_are_found_ignoring_case_and_answered_in_the_catalogue_spelling() {
        let chef =
            resource_extension_versions("chef.bootstrap.windowsazure", "chefclient").unwrap();
        assert_eq!(chef.len(), 8);
        assert_eq!(chef[0].version, "11.10.4");
        assert_eq!(chef[0].label, "Chef Client");
        assert_eq!(chef[0].published_date, None);
        assert_eq!(chef[7].version, "1207.12.3.0");
        assert!(
            chef.iter()
                .all(|e| e.publisher == "Chef.Bootstrap.WindowsAzure")
        );
        let bginfo = resource_extension_versions("Microsoft.Compute", "BGInfo").unwrap();
        assert_eq!(bginfo.len(), 1);
        assert_eq!(bginfo[0].regions, None);
        assert!(resource_extension_versions("Microsoft.Compute", "NoSuch").is_none());
        assert!(resource_extension_versions("NoSuch", "BGInfo").is_none());
    }
}
