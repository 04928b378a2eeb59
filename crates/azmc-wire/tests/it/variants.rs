//! Variants of real fixtures that real files (or hand edits) produce: they must read the same.

use crate::common::{attr, fixture_text};
use azmc_wire::publishsettings::{self, ResolvedSubscription, SchemaVersion};

const V2_3SUBS: &str = "azure-sdk-for-python__test_legacy_mgmt_misc_3subs.publishsettings";
const V1_2SUBS: &str = "azure-xplat-cli__account-credentials2.publishsettings";
const V1_ELVIS: &str = "c9-azure-cmdlet-node__elvis.publishsettings";
const V2_TERRAFORM: &str = "hashicorp-terraform__provider_test_revoked.publishsettings";

fn resolve(xml: &[u8]) -> Vec<ResolvedSubscription> {
    publishsettings::parse(xml)
        .unwrap_or_else(|e| panic!("{e}"))
        .subscriptions()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `variant` of each base fixture reads exactly as the fixture does.
fn reads_the_same(variant: impl Fn(&str) -> String) {
    for name in [V2_3SUBS, V1_2SUBS, V1_ELVIS, V2_TERRAFORM] {
        let original = fixture_text(name);
        let changed = variant(&original);
        assert_ne!(changed, original, "{name}: the variant changed nothing");
        let expected = resolve(original.as_bytes());
        assert_eq!(resolve(changed.as_bytes()), expected, "{name}");
    }
}

/// Re-wrap every certificate's base64 with line breaks, tabs and padding blanks.
fn wrap_base64(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("ManagementCertificate=\"") {
        let start = i + "ManagementCertificate=\"".len();
        let len = rest[start..].find('"').unwrap();
        out.push_str(&rest[..start]);
        out.push_str("\r\n  ");
        let b64 = &rest[start..start + len];
        for (n, chunk) in b64.as_bytes().chunks(64).enumerate() {
            out.push_str(std::str::from_utf8(chunk).unwrap());
            out.push_str(if n % 2 == 0 { "\n\t " } else { "\r\n" });
        }
        out.push_str("  ");
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Reverse the attribute order of every `PublishProfile` and `Subscription` start tag.
fn reverse_attributes(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    loop {
        let next = [rest.find("<PublishProfile"), rest.find("<Subscription")]
            .into_iter()
            .flatten()
            .min();
        let Some(i) = next else { break };
        let name_end = i + rest[i..].find(char::is_whitespace).unwrap();
        out.push_str(&rest[..name_end]);
        let mut attrs = Vec::new();
        let mut tail = &rest[name_end..];
        loop {
            let trimmed = tail.trim_start();
            if trimmed.starts_with('>') || trimmed.starts_with("/>") {
                tail = trimmed;
                break;
            }
            let eq = trimmed.find("=\"").unwrap();
            let close = eq + 2 + trimmed[eq + 2..].find('"').unwrap();
            attrs.push(&trimmed[..=close]);
            tail = &trimmed[close + 1..];
        }
        assert!(
            attrs.len() >= 2,
            "nothing to reorder in {}",
            &rest[i..name_end]
        );
        for a in attrs.iter().rev() {
            out.push(' ');
            out.push_str(a);
        }
        out.push(' ');
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[test]
fn a_utf8_byte_order_mark() {
    reads_the_same(|xml| format!("\u{FEFF}{xml}"));
}

#[test]
fn whitespace_and_line_breaks_inside_the_base64() {
    reads_the_same(wrap_base64);
}

#[test]
fn everything_on_one_line() {
    reads_the_same(|xml| {
        let one = xml.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
        assert!(!one.contains('\n'));
        one
    });
}

#[test]
fn windows_line_endings() {
    reads_the_same(|xml| xml.replace('\n', "\r\n"));
}

#[test]
fn attributes_in_another_order() {
    reads_the_same(reverse_attributes);
    // The helper really reorders.
    let changed = reverse_attributes(&fixture_text(V2_TERRAFORM));
    assert!(
        changed.contains("<Subscription ManagementCertificate=\"MII"),
        "{}",
        &changed[..300]
    );
}

#[test]
fn comments_everywhere() {
    reads_the_same(|xml| {
        xml.replacen("?>", "?><!-- top -->", 1)
            .replace(
                "<PublishData>",
                "<PublishData><!-- a <Subscription Id=\"fake\"/> in a comment -->",
            )
            .replace(
                "</PublishProfile>",
                "<!-- before the end --></PublishProfile>",
            )
            .replace("</PublishData>", "</PublishData>\n<!-- trailing -->\n")
    });
}

#[test]
fn unknown_elements_attributes_and_processing_instructions_are_ignored() {
    reads_the_same(|xml| {
        xml.replace(
            "<PublishData>",
            "<PublishData xmlns=\"urn:ignored\" Extra=\"1\"><?pi data?><Other a=\"b\"><Subscription Id=\"ignored-not-in-a-profile\"/></Other>",
        )
        .replace(
            "</PublishProfile>",
            "<Unknown><Subscription Id=\"ignored-nested-deeper\"/></Unknown>text &amp; <![CDATA[cdata]]></PublishProfile>",
        )
        .replace("<Subscription\n", "<Subscription Future=\"&lt;x&gt;\"\n")
    });
}

#[test]
fn references_in_attribute_values_are_resolved() {
    let xml = fixture_text(V2_TERRAFORM).replace(
        "Name=\"terraform-testing\"",
        "Name=\"A &amp; B &lt;&#x43;&gt; &#68;&quot;&apos;\"",
    );
    let subs = resolve(xml.as_bytes());
    assert_eq!(subs[0].name.as_deref(), Some("A & B <C> D\"'"));
}

#[test]
fn the_subscription_wins_over_its_profile() {
    // A profile with schema-1.0 attributes holding a subscription with its own.
    let v1 = fixture_text(V1_ELVIS);
    let v2 = fixture_text(V2_TERRAFORM);
    let profile_cert = attr(&v1, "ManagementCertificate");
    let sub_cert = attr(&v2, "ManagementCertificate");
    let xml = format!(
        "<PublishData><PublishProfile Url=\"https://profile.example/\" ManagementCertificate=\"{profile_cert}\">\
         <Subscription Id=\"own\" ServiceManagementUrl=\"https://own.example\" ManagementCertificate=\"{sub_cert}\"/>\
         <Subscription Id=\"inherits\"/>\
         </PublishProfile></PublishData>"
    );
    let subs = resolve(xml.as_bytes());
    let elvis = &resolve(v1.as_bytes())[0];
    let terraform = &resolve(v2.as_bytes())[0];
    assert_eq!(subs[0].endpoint.as_deref(), Some("https://own.example"));
    assert_eq!(subs[0].pkcs12, terraform.pkcs12);
    assert_eq!(
        subs[1].endpoint.as_deref(),
        Some("https://profile.example/")
    );
    assert_eq!(subs[1].pkcs12, elvis.pkcs12);
    assert_eq!(subs[1].name, None);
    assert!(subs.iter().all(|s| s.schema == SchemaVersion::V1));
}

#[test]
fn several_profiles_each_with_their_own_rules() {
    let v1 = fixture_text(V1_2SUBS);
    let v2 = fixture_text(V2_3SUBS);
    let profile = |xml: &str| {
        let start = xml.find("<PublishProfile").unwrap();
        let end = xml.find("</PublishProfile>").unwrap() + "</PublishProfile>".len();
        xml[start..end].to_owned()
    };
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<PublishData>{}{}</PublishData>",
        profile(&v1),
        profile(&v2)
    );
    let ps = publishsettings::parse(xml.as_bytes()).unwrap();
    assert_eq!(ps.profiles.len(), 2);
    let subs = ps.subscriptions().unwrap();
    let mut expected = resolve(v1.as_bytes());
    expected.extend(resolve(v2.as_bytes()));
    assert_eq!(subs, expected);
    assert_eq!(subs.len(), 5);
    assert_eq!(subs[0].schema, SchemaVersion::V1);
    assert_eq!(subs[4].schema, SchemaVersion::V2);
    // find works across profiles.
    assert_eq!(
        ps.find("Other").unwrap().id,
        "db1ab6f0-4769-4b27-930e-01e2ef9c124d"
    );
    assert_eq!(
        ps.find("CAFECAFE-CAFE-1234-1234-1234CAFE0003")
            .unwrap()
            .name
            .as_deref(),
        Some("Work Subscription Something")
    );
}

#[test]
fn no_xml_declaration_and_empty_optional_attributes() {
    let v2 = fixture_text(V2_TERRAFORM);
    let cert = attr(&v2, "ManagementCertificate");
    let xml = format!(
        "<PublishData><PublishProfile SchemaVersion=\" 2.0 \" PublishMethod=\"\">\
         <Subscription Id=\"  x  \" Name=\"\" ServiceManagementUrl=\"\" ManagementCertificate=\"{cert}\"/>\
         </PublishProfile></PublishData>"
    );
    let ps = publishsettings::parse(xml.as_bytes()).unwrap();
    assert_eq!(ps.profiles[0].publish_method, None);
    let sub = &ps.subscriptions().unwrap()[0];
    assert_eq!(sub.id, "x");
    assert_eq!(sub.name, None);
    assert_eq!(sub.endpoint, None);
    assert_eq!(sub.schema, SchemaVersion::V2);
}
