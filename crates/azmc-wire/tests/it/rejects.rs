//! What the reader refuses, and the message it gives.

use crate::common::{attr, billion_laughs_dtd, chain, fixture, fixture_text};
use azmc_wire::publishsettings::{
    self, MAX_DEPTH, MAX_PUBLISH_SETTINGS_SIZE, PublishSettingsError,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::time::{Duration, Instant};

const V2_TERRAFORM: &str = "hashicorp-terraform__provider_test_revoked.publishsettings";
const TERRAFORM_ID: &str = "a65bf94f-26b3-4fb1-9d50-6e27c6096df1";

fn parse_err(data: impl AsRef<[u8]>) -> PublishSettingsError {
    match publishsettings::parse(data.as_ref()) {
        Ok(ps) => panic!("accepted: {ps:?}"),
        Err(e) => e,
    }
}

fn message(data: impl AsRef<[u8]>) -> String {
    parse_err(data).to_string()
}

/// A schema 2.0 document around one subscription element.
fn doc(subscription: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<PublishData>\n  <PublishProfile SchemaVersion=\"2.0\">\n    {subscription}\n  </PublishProfile>\n</PublishData>\n"
    )
}

#[test]
fn not_xml() {
    let m = message("this is not XML at all");
    assert_eq!(m, "not XML: content outside the root element at byte 0");
    assert!(matches!(
        parse_err("{\"json\": true}"),
        PublishSettingsError::NotXml(_)
    ));
}

#[test]
fn truncated_file() {
    let data = fixture(V2_TERRAFORM);
    // Cut inside an attribute value.
    let m = message(&data[..300]);
    assert!(m.starts_with("not XML: "), "{m}");
    // Cut after a complete tag: the reader notices at the end.
    let text = fixture_text(V2_TERRAFORM);
    let cut = text.find("</PublishProfile>").unwrap();
    let m = message(&text[..cut]);
    assert_eq!(
        m,
        format!("not XML: unexpected end of input at byte {cut}: <PublishProfile> is not closed")
    );
}

#[test]
fn mismatched_and_second_root_elements() {
    let m = message("<PublishData><PublishProfile></PublishData></PublishProfile>");
    assert!(
        m.starts_with("not XML: ") && m.contains("PublishProfile"),
        "{m}"
    );
    let m =
        message(doc("<Subscription Id=\"a\" ManagementCertificate=\"AAAA\"/>") + "<PublishData/>");
    assert!(
        m.starts_with("not XML: a second root element <PublishData>"),
        "{m}"
    );
}

#[test]
fn an_html_page() {
    let m = message(
        "<!-- saved from a browser --><html><head><title>Sign in</title></head><body></body></html>",
    );
    assert_eq!(
        m,
        "not a publish settings file: the root element is <html>, expected <PublishData>"
    );
}

#[test]
fn a_web_deploy_publish_profile() {
    let m = message(
        "<publishData><publishProfile profileName=\"x - Web Deploy\" publishMethod=\"MSDeploy\"/></publishData>",
    );
    assert_eq!(
        m,
        "not a publish settings file: the root element is <publishData>, expected <PublishData> \
         (this looks like a Web Deploy publish profile, not Service Management publish settings)"
    );
}

#[test]
fn billion_laughs_is_refused_fast_and_nothing_is_expanded() {
    let dtd = billion_laughs_dtd();
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE PublishData [\n{dtd}]>\n{}",
        doc("<Subscription Id=\"&lol9;\" Name=\"&lol9;\" ManagementCertificate=\"AAAA\"/>")
    );
    let start = Instant::now();
    let err = parse_err(&xml);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(err, PublishSettingsError::Doctype));
    assert_eq!(
        err.to_string(),
        "DOCTYPE and entity declarations are not allowed"
    );
}

#[test]
fn external_entities_are_refused() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE PublishData [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n{}",
        doc("<Subscription Id=\"&xxe;\" ManagementCertificate=\"AAAA\"/>")
    );
    assert!(matches!(parse_err(&xml), PublishSettingsError::Doctype));
    // An external DTD with no internal subset, too.
    let xml = format!(
        "<!DOCTYPE PublishData SYSTEM \"http://127.0.0.1:9/x.dtd\">{}",
        doc("<Subscription Id=\"a\" ManagementCertificate=\"AAAA\"/>")
    );
    assert!(matches!(parse_err(&xml), PublishSettingsError::Doctype));
    // Spellings XML does not allow are refused too (as a DOCTYPE or as bad XML).
    let sub = doc("<Subscription Id=\"a\" ManagementCertificate=\"AAAA\"/>");
    for prolog in [
        "<!doctype PublishData [<!ENTITY x \"y\">]>",
        "<!ENTITY x \"y\">",
        "<!DOCTYPE PublishData",
    ] {
        let err = parse_err(format!("{prolog}{sub}"));
        assert!(
            matches!(
                err,
                PublishSettingsError::Doctype | PublishSettingsError::NotXml(_)
            ),
            "{prolog}: {err:?}"
        );
    }
}

#[test]
fn undeclared_entities_are_not_xml() {
    let m = message(doc(
        "<Subscription Id=\"&xxe;\" ManagementCertificate=\"AAAA\"/>",
    ));
    assert_eq!(
        m,
        "not XML: unknown entity reference &xxe; in the Id attribute of <Subscription>"
    );
    let m = message(doc(
        "<Subscription Id=\"a\" ManagementCertificate=\"AAAA\"/><Note>&secret;</Note>",
    ));
    assert_eq!(m, "not XML: unknown entity reference &secret;");
    let m = message(doc(
        "<Subscription Id=\"a &amp b\" ManagementCertificate=\"AAAA\"/>",
    ));
    assert!(
        m.starts_with("not XML: ") && m.ends_with("in the Id attribute of <Subscription>"),
        "{m}"
    );
}

#[test]
fn a_subscription_without_id() {
    let err = parse_err(doc(
        "<Subscription Name=\"x\" ManagementCertificate=\"AAAA\"/>",
    ));
    assert!(matches!(
        err,
        PublishSettingsError::MissingAttribute {
            element: "Subscription",
            attribute: "Id"
        }
    ));
    assert_eq!(
        err.to_string(),
        "a <Subscription> element has no Id attribute"
    );
    // Blank counts as missing; attribute names are case-sensitive as in the real files.
    assert_eq!(
        message(doc(
            "<Subscription Id=\"  \" ManagementCertificate=\"AAAA\"/>"
        )),
        "a <Subscription> element has no Id attribute"
    );
    assert_eq!(
        message(doc(
            "<Subscription id=\"a\" ManagementCertificate=\"AAAA\"/>"
        )),
        "a <Subscription> element has no Id attribute"
    );
}

#[test]
fn no_subscriptions() {
    let m = message("<PublishData/>");
    assert_eq!(m, "no subscriptions");
    let m = message("<PublishData><PublishProfile SchemaVersion=\"2.0\"/></PublishData>");
    assert_eq!(m, "no subscriptions");
    let m = message(
        "<PublishData><PublishProfile><Subscription Id=\"a\"/></PublishProfile>\
         <PublishProfile></PublishProfile></PublishData>",
    );
    assert_eq!(m, "PublishProfile 2 has no <Subscription> elements");
}

#[test]
fn a_duplicate_attribute() {
    let m = message(doc(
        "<Subscription Id=\"a\" Id=\"b\" ManagementCertificate=\"AAAA\"/>",
    ));
    assert!(
        m.starts_with("not XML: malformed attributes in <Subscription>: "),
        "{m}"
    );
}

#[test]
fn bad_base64() {
    let xml = fixture_text(V2_TERRAFORM);
    let cert = attr(&xml, "ManagementCertificate");
    let broken = format!("{}!{}", &cert[..100], &cert[101..]);
    let ps = publishsettings::parse(xml.replace(cert, &broken).as_bytes()).unwrap();
    let err = ps.subscriptions().unwrap_err();
    assert!(
        matches!(err, PublishSettingsError::BadBase64 { ref subscription, .. } if subscription == TERRAFORM_ID)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "subscription {TERRAFORM_ID}: ManagementCertificate is not valid base64: \
             unexpected character '!' at position 100 (not counting whitespace)"
        )
    );
    // find() fails the same way for the broken subscription.
    assert!(matches!(
        ps.find(TERRAFORM_ID),
        Err(PublishSettingsError::BadBase64 { .. })
    ));

    // A length no base64 has.
    let ps = publishsettings::parse(
        doc("<Subscription Id=\"x\" ManagementCertificate=\"AAAAA\"/>").as_bytes(),
    )
    .unwrap();
    assert_eq!(
        ps.subscriptions().unwrap_err().to_string(),
        "subscription x: ManagementCertificate is not valid base64: 5 characters cannot be base64"
    );
}

#[test]
fn base64_of_something_else_is_not_pkcs12() {
    let b64 =
        STANDARD.encode(b"-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n");
    let ps = publishsettings::parse(
        doc(&format!(
            "<Subscription Id=\"x\" ManagementCertificate=\"{b64}\"/>"
        ))
        .as_bytes(),
    )
    .unwrap();
    let sub = ps.find("x").unwrap();
    let err = sub.open_certificate(false).unwrap_err();
    assert!(
        matches!(err, PublishSettingsError::NotPkcs12 { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "subscription x: ManagementCertificate is not PKCS#12"
    );
    let full = chain(&err);
    assert!(
        full.starts_with(
            "subscription x: ManagementCertificate is not PKCS#12: not a valid PKCS#12 file"
        ),
        "{full}"
    );
    assert!(!full.contains(&b64), "{full}");
}

#[test]
fn no_certificate_anywhere() {
    let ps = publishsettings::parse(doc("<Subscription Id=\"x\"/>").as_bytes()).unwrap();
    assert_eq!(
        ps.subscriptions().unwrap_err().to_string(),
        "subscription x: no ManagementCertificate (neither on the <Subscription> nor on its <PublishProfile>)"
    );
}

#[test]
fn an_unknown_schema_version() {
    let xml = doc("<Subscription Id=\"x\" ManagementCertificate=\"AAAA\"/>").replace("2.0", "3.0");
    let err = publishsettings::parse(xml.as_bytes())
        .unwrap()
        .subscriptions()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "subscription x: unsupported SchemaVersion \"3.0\" (expected 2.0, or none for schema 1.0)"
    );
}

#[test]
fn an_empty_file() {
    for data in [&b""[..], b"\xEF\xBB\xBF", b"  \n\t\r\n "] {
        assert_eq!(message(data), "not XML: the file is empty");
    }
    assert_eq!(
        message("<?xml version=\"1.0\"?>\n<!-- nothing -->\n"),
        "not XML: there is no root element"
    );
}

#[test]
fn not_utf8() {
    let mut data = fixture(V2_TERRAFORM);
    data[50] = 0xFF;
    assert_eq!(
        message(&data),
        "not XML: the file is not UTF-8 text (invalid byte at offset 50)"
    );
    let utf16: Vec<u8> = "\u{FEFF}<PublishData/>"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(
        message(&utf16),
        "not XML: the file is UTF-16; only UTF-8 publish settings are supported"
    );
}

#[test]
fn too_large() {
    let mut data = fixture_text(V2_TERRAFORM).into_bytes();
    data.resize(5 * 1024 * 1024, b' ');
    let err = parse_err(&data);
    assert!(matches!(
        err,
        PublishSettingsError::TooLarge { size, limit } if size == 5 * 1024 * 1024 && limit == MAX_PUBLISH_SETTINGS_SIZE
    ));
    assert_eq!(
        err.to_string(),
        "too large for a publish settings file (5242880 bytes; the limit is 4194304)"
    );
    // Just under the limit is fine.
    data.truncate(MAX_PUBLISH_SETTINGS_SIZE);
    publishsettings::parse(&data).unwrap();
}

#[test]
fn deep_nesting() {
    let depth = 100_000;
    let xml = format!(
        "<PublishData><PublishProfile>{}{}</PublishProfile></PublishData>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let start = Instant::now();
    let err = parse_err(&xml);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(matches!(
        err,
        PublishSettingsError::TooDeep { limit: MAX_DEPTH }
    ));
    assert_eq!(err.to_string(), "elements are nested deeper than 32 levels");

    // Exactly the limit is fine.
    let inner = MAX_DEPTH - 2; // inside PublishData and PublishProfile
    let xml = format!(
        "<PublishData><PublishProfile><Subscription Id=\"x\"/>{}{}</PublishProfile></PublishData>",
        "<a>".repeat(inner),
        "</a>".repeat(inner)
    );
    publishsettings::parse(xml.as_bytes()).unwrap();
}

#[test]
fn messages_never_quote_the_certificate() {
    let xml = fixture_text(V2_TERRAFORM);
    let cert = attr(&xml, "ManagementCertificate");
    let cases = [
        xml.replace(cert, &format!("{cert}&bogus;")),
        xml.replace(cert, &format!("{}<{}", &cert[..50], &cert[50..])),
        xml.replace(cert, &format!("{}!{}", &cert[..50], &cert[51..])),
    ];
    for case in &cases {
        let err = match publishsettings::parse(case.as_bytes()) {
            Err(e) => e,
            Ok(ps) => ps.subscriptions().unwrap_err(),
        };
        let text = format!("{} {:?}", chain(&err), err);
        assert!(!text.contains(&cert[..40]), "{text}");
        assert!(!text.contains(&cert[60..100]), "{text}");
    }
}

/// Things quick-xml lets through that XML forbids: the reader checks them itself.
#[test]
fn what_xml_forbids_and_quick_xml_allows() {
    let sub = "<Subscription Id=\"a\" ManagementCertificate=\"AAAA\"/>";
    let cases = [
        (
            format!("<?xml version=\"1.0\"?>{}", doc(sub)),
            "not XML: an XML declaration that is not at the start, at byte 21",
        ),
        (
            doc(sub).replace("</PublishProfile>", "<</PublishProfile>"),
            "not XML: invalid element name \"</PublishProfile\" at byte 150",
        ),
        (
            doc("<Subscription Id=\"a\" Name=\"<b>\" ManagementCertificate=\"AAAA\"/>"),
            "not XML: a '<' in the Name attribute of <Subscription>",
        ),
        (
            doc("<Subscription Id=\"a\" Name=\"\u{1b}[31mred\" ManagementCertificate=\"AAAA\"/>"),
            "not XML: a character XML does not allow (U+001B) at byte 123",
        ),
        (
            doc("<Subscription Id=\"a\" Name=\"&#27;[31mred\" ManagementCertificate=\"AAAA\"/>"),
            "not XML: a reference to U+001B, which XML does not allow, in the Name attribute of <Subscription>",
        ),
        (
            doc(&format!("{sub}<Note>&#0;</Note>")),
            "not XML: invalid character reference &#0;",
        ),
        (
            doc(sub) + "trailing text",
            "not XML: content outside the root element at byte 182",
        ),
    ];
    for (xml, expected) in cases {
        assert_eq!(message(&xml), expected, "{xml}");
    }
}
