//! Guest operating systems of cloud services: List Operating Systems
//! (`GET /{s}/operatingsystems`: every guest OS version, each with its family) and List
//! Operating System Families (`GET /{s}/operatingsystemfamilies`: each family with its
//! versions). Element names and order as the live service sent them (the 2015 recording
//! of List Operating Systems; the families answer as the Python and Node clients read
//! it). Labels are base64 on the wire; these structs hold the text.

use super::common::{list_to_xml, parse_response, parse_response_list};
use super::{Element, XmlError, XmlWriter, decode_label, encode_label};

/// One guest OS version (`WA-GUEST-OS-4.21_201506-01`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperatingSystemXml {
    pub version: String,
    /// `Windows Azure Guest OS 4.21 (Release 201506-01)`.
    pub label: String,
    /// The version a deployment of the family gets when it names none (one a family).
    pub is_default: bool,
    /// Whether a deployment may still ask for it.
    pub is_active: bool,
    /// The family number (`4`).
    pub family: u32,
    /// `Windows Server 2012 R2`.
    pub family_label: String,
}

/// One guest OS family with its versions. Within the families answer a version does
/// not repeat its family: the reader fills each version's `family` and `family_label`
/// from the family around it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperatingSystemFamilyXml {
    /// The family number (`4`).
    pub name: u32,
    pub label: String,
    pub operating_systems: Vec<OperatingSystemXml>,
}

/// The List Operating Systems body.
pub fn operating_systems_to_xml(versions: &[OperatingSystemXml]) -> String {
    list_to_xml("OperatingSystems", "OperatingSystem", versions, |o, w| {
        write_version(o, w);
        w.int("Family", o.family)
            .text("FamilyLabel", &encode_label(&o.family_label));
    })
}

/// The List Operating System Families body.
pub fn operating_system_families_to_xml(families: &[OperatingSystemFamilyXml]) -> String {
    list_to_xml(
        "OperatingSystemFamilies",
        "OperatingSystemFamily",
        families,
        |f, w| {
            w.int("Name", f.name)
                .text("Label", &encode_label(&f.label))
                .open("OperatingSystems");
            for o in &f.operating_systems {
                w.open("OperatingSystem");
                write_version(o, w);
                w.close();
            }
            w.close();
        },
    )
}

fn write_version(o: &OperatingSystemXml, w: &mut XmlWriter) {
    w.text("Version", &o.version)
        .text("Label", &encode_label(&o.label))
        .bool("IsDefault", o.is_default)
        .bool("IsActive", o.is_active);
}

fn read_version(
    e: &Element,
    family: u32,
    family_label: String,
) -> Result<OperatingSystemXml, XmlError> {
    let flag = |n| e.child_text(n).is_some_and(|t| t.trim() == "true");
    Ok(OperatingSystemXml {
        version: e.child_text("Version").unwrap_or_default().to_owned(),
        label: decode_label(e.child_text("Label").unwrap_or_default())?,
        is_default: flag("IsDefault"),
        is_active: flag("IsActive"),
        family,
        family_label,
    })
}

fn number(e: &Element, name: &str) -> u32 {
    e.child_text(name)
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

/// Read a List Operating Systems answer (a label that is not base64 of UTF-8 text is an
/// error; an unparseable family number reads as 0).
pub fn parse_operating_systems(body: &[u8]) -> Result<Vec<OperatingSystemXml>, XmlError> {
    parse_response_list(body, "OperatingSystems", "OperatingSystem", |e| {
        let family_label = decode_label(e.child_text("FamilyLabel").unwrap_or_default())?;
        read_version(e, number(e, "Family"), family_label)
    })?
    .into_iter()
    .collect()
}

/// Read a List Operating System Families answer (as [`parse_operating_systems`]).
pub fn parse_operating_system_families(
    body: &[u8],
) -> Result<Vec<OperatingSystemFamilyXml>, XmlError> {
    parse_response(body, "OperatingSystemFamilies")?
        .children_named("OperatingSystemFamily")
        .map(|f| {
            let name = number(f, "Name");
            let label = decode_label(f.child_text("Label").unwrap_or_default())?;
            let operating_systems = f
                .child("OperatingSystems")
                .into_iter()
                .flat_map(|l| l.children_named("OperatingSystem"))
                .map(|o| read_version(o, name, label.clone()))
                .collect::<Result<_, _>>()?;
            Ok(OperatingSystemFamilyXml {
                name,
                label,
                operating_systems,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::HOSTILE;
    use super::super::parse_document;
    use super::*;

    /// Two entries of the live List Operating Systems answer of the recordings
    /// (`test_list_operating_systems`).
    const RECORDED: &str = r#"<OperatingSystems xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><OperatingSystem><Version>WA-GUEST-OS-4.20_201505-02</Version><Label>V2luZG93cyBBenVyZSBHdWVzdCBPUyA0LjIwIChSZWxlYXNlIDIwMTUwNS0wMik=</Label><IsDefault>false</IsDefault><IsActive>true</IsActive><Family>4</Family><FamilyLabel>V2luZG93cyBTZXJ2ZXIgMjAxMiBSMg==</FamilyLabel></OperatingSystem><OperatingSystem><Version>WA-GUEST-OS-4.21_201506-01</Version><Label>V2luZG93cyBBenVyZSBHdWVzdCBPUyA0LjIxIChSZWxlYXNlIDIwMTUwNi0wMSk=</Label><IsDefault>true</IsDefault><IsActive>true</IsActive><Family>4</Family><FamilyLabel>V2luZG93cyBTZXJ2ZXIgMjAxMiBSMg==</FamilyLabel></OperatingSystem></OperatingSystems>"#;

    fn version(family: u32, v: &str, default: bool) -> OperatingSystemXml {
        OperatingSystemXml {
            version: v.into(),
            label: format!("Guest OS {v}"),
            is_default: default,
            is_active: true,
            family,
            family_label: format!("Family {family}"),
        }
    }

    #[test]
    fn writes_what_the_live_service_answered() {
        let read = parse_operating_systems(RECORDED.as_bytes()).unwrap();
        assert_eq!(
            read[1],
            OperatingSystemXml {
                version: "WA-GUEST-OS-4.21_201506-01".into(),
                label: "Windows Azure Guest OS 4.21 (Release 201506-01)".into(),
                is_default: true,
                is_active: true,
                family: 4,
                family_label: "Windows Server 2012 R2".into(),
            }
        );
        assert!(!read[0].is_default);
        assert_eq!(operating_systems_to_xml(&read), RECORDED);
    }

    #[test]
    fn families_round_trip_in_the_documented_shape() {
        let families = vec![
            OperatingSystemFamilyXml {
                name: 3,
                label: "Family 3".into(),
                operating_systems: vec![version(3, "a", false), version(3, "b", true)],
            },
            OperatingSystemFamilyXml {
                name: 4,
                label: "Family 4".into(),
                operating_systems: vec![OperatingSystemXml {
                    label: HOSTILE.into(),
                    is_active: false,
                    ..version(4, "c", false)
                }],
            },
        ];
        let xml = operating_system_families_to_xml(&families);
        let root = parse_document(xml.as_bytes()).unwrap();
        let family = &root.children[0];
        assert_eq!(family.child_names(), ["Name", "Label", "OperatingSystems"]);
        assert_eq!(family.child_text("Name"), Some("3"));
        assert_eq!(
            family.child("OperatingSystems").unwrap().children[0].child_names(),
            ["Version", "Label", "IsDefault", "IsActive"]
        );
        // Base64 labels come back whole, control characters included.
        assert_eq!(
            parse_operating_system_families(xml.as_bytes()).unwrap(),
            families
        );
        let flat: Vec<_> = families
            .iter()
            .flat_map(|f| f.operating_systems.clone())
            .collect();
        let xml = operating_systems_to_xml(&flat);
        assert_eq!(parse_operating_systems(xml.as_bytes()).unwrap(), flat);
        assert!(parse_operating_systems(b"<OperatingSystemFamilies/>").is_err());
        assert!(
            parse_operating_systems(
                b"<OperatingSystems><OperatingSystem><Label>*</Label></OperatingSystem></OperatingSystems>"
            )
            .is_err()
        );
    }
}
