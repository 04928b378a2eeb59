//! The reader: quick-xml events, a stack of open elements, no DTD processing at all.

use super::{
    MAX_DEPTH, MAX_PUBLISH_SETTINGS_SIZE, PublishProfile, PublishSettings, PublishSettingsError,
    SubscriptionEntry,
};
use crate::xmlcommon::{
    Events, NotText, escape_message, is_xml_char, is_xml_name, resolve_reference, shorten, xml_text,
};
use quick_xml::Error as XmlError;
use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};

type Result<T, E = PublishSettingsError> = std::result::Result<T, E>;

/// The elements we read; everything else is skipped (with its subtree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PublishData,
    PublishProfile,
    Subscription,
    Other,
}

/// Parse a `.publishsettings` document.
///
/// Accepts: a UTF-8 byte-order mark, an XML declaration or none, any layout (single-line
/// files included), attributes in any order, comments, processing instructions, unknown
/// elements and attributes (ignored), several `PublishProfile`s and `Subscription`s,
/// whitespace and line breaks inside the base64 of a certificate.
///
/// Refuses: more than [`MAX_PUBLISH_SETTINGS_SIZE`] bytes, anything but UTF-8, malformed
/// XML, a DOCTYPE (hence every entity declaration; nothing is ever expanded), references
/// to undeclared entities, nesting deeper than [`MAX_DEPTH`], a root other than
/// `PublishData`, a `Subscription` without `Id`, a `PublishProfile` without
/// `Subscription`s, a document without subscriptions.
///
/// Certificates are not decoded here: see [`PublishSettings::subscriptions`].
pub fn parse(data: &[u8]) -> Result<PublishSettings> {
    if data.len() > MAX_PUBLISH_SETTINGS_SIZE {
        return Err(PublishSettingsError::TooLarge {
            size: data.len(),
            limit: MAX_PUBLISH_SETTINGS_SIZE,
        });
    }
    let (offset, text) = xml_text(data).map_err(|e| match e {
        NotText::Utf16 => not_xml("the file is UTF-16; only UTF-8 publish settings are supported"),
        NotText::NotUtf8(at) => not_xml(format!(
            "the file is not UTF-8 text (invalid byte at offset {at})"
        )),
        NotText::BadChar(c, at) => not_xml(format!(
            "a character XML does not allow (U+{:04X}) at byte {at}",
            u32::from(c)
        )),
        NotText::Empty => not_xml("the file is empty"),
    })?;
    Parser::new(text, offset).run()
}

fn not_xml(msg: impl Into<String>) -> PublishSettingsError {
    PublishSettingsError::NotXml(msg.into())
}

struct Parser<'a> {
    events: Events<'a>,
    /// Open elements, innermost last, with their names for messages.
    stack: Vec<(Kind, String)>,
    root_seen: bool,
    profiles: Vec<PublishProfile>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, offset: usize) -> Self {
        Self {
            events: Events::new(text, offset),
            stack: Vec::new(),
            root_seen: false,
            profiles: Vec::new(),
        }
    }

    fn run(mut self) -> Result<PublishSettings> {
        loop {
            let event = self.events.next().map_err(|(e, at)| xml_error(&e, at))?;
            match event {
                Event::DocType(_) => return Err(PublishSettingsError::Doctype),
                Event::Start(e) => {
                    let kind = self.element(&e)?;
                    self.stack.push((kind, e.name().as_ref().to_owned()));
                    if self.stack.len() > MAX_DEPTH {
                        return Err(PublishSettingsError::TooDeep { limit: MAX_DEPTH });
                    }
                }
                Event::Empty(e) => {
                    self.element(&e)?;
                }
                Event::End(_) => {
                    // quick-xml has checked that the name matches the open element.
                    self.stack.pop();
                }
                Event::Text(t) => {
                    if self.stack.is_empty() && !t.trim().is_empty() {
                        return Err(self.outside_root());
                    }
                }
                Event::CData(_) => {
                    if self.stack.is_empty() {
                        return Err(self.outside_root());
                    }
                }
                Event::GeneralRef(r) => {
                    if self.stack.is_empty() {
                        return Err(self.outside_root());
                    }
                    check_reference(&r)?;
                }
                Event::Decl(_) => {
                    if let Some(m) = self.events.misplaced_declaration() {
                        return Err(not_xml(m));
                    }
                }
                Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if let Some((_, name)) = self.stack.last() {
            return Err(not_xml(format!(
                "unexpected end of input at byte {}: <{}> is not closed",
                self.events.position(),
                shorten(name)
            )));
        }
        if !self.root_seen {
            return Err(not_xml("there is no root element"));
        }
        let total: usize = self.profiles.iter().map(|p| p.subscriptions.len()).sum();
        if total == 0 {
            return Err(PublishSettingsError::Empty);
        }
        if let Some(index) = self
            .profiles
            .iter()
            .position(|p| p.subscriptions.is_empty())
        {
            return Err(PublishSettingsError::EmptyProfile { index: index + 1 });
        }
        Ok(PublishSettings {
            profiles: self.profiles,
        })
    }

    fn outside_root(&self) -> PublishSettingsError {
        not_xml(format!(
            "content outside the root element at byte {}",
            self.events.event_start
        ))
    }

    /// An element opens (or is empty): classify it and take what we need from it.
    fn element(&mut self, e: &BytesStart<'_>) -> Result<Kind> {
        let name = e.name();
        let name = name.as_ref();
        if !is_xml_name(name) {
            return Err(not_xml(format!(
                "invalid element name {:?} at byte {}",
                shorten(name),
                self.events.event_start
            )));
        }
        let parent = self.stack.last().map(|(k, _)| *k);
        let kind = match (parent, name) {
            (None, _) if self.root_seen => {
                return Err(not_xml(format!(
                    "a second root element <{}> at byte {}",
                    shorten(name),
                    self.events.event_start
                )));
            }
            (None, "PublishData") => Kind::PublishData,
            (None, other) => {
                let hint = if other.eq_ignore_ascii_case("publishData") {
                    " (this looks like a Web Deploy publish profile, not Service Management publish settings)"
                } else {
                    ""
                };
                return Err(PublishSettingsError::NotPublishSettings(format!(
                    "the root element is <{}>, expected <PublishData>{hint}",
                    shorten(other)
                )));
            }
            (Some(Kind::PublishData), "PublishProfile") => Kind::PublishProfile,
            (Some(Kind::PublishProfile), "Subscription") => Kind::Subscription,
            _ => Kind::Other,
        };
        self.root_seen = true;
        match kind {
            Kind::PublishProfile => {
                let profile = read_profile(e)?;
                self.profiles.push(profile);
            }
            Kind::Subscription => {
                let sub = read_subscription(e)?;
                if let Some(profile) = self.profiles.last_mut() {
                    profile.subscriptions.push(sub);
                }
            }
            Kind::PublishData | Kind::Other => {
                // Not read, but still checked: malformed attributes are malformed XML.
                for attr in e.attributes() {
                    let attr = attr.map_err(|err| attr_error(&err, e))?;
                    value(&attr, e)?;
                }
            }
        }
        Ok(kind)
    }
}

fn read_profile(e: &BytesStart<'_>) -> Result<PublishProfile> {
    let mut p = PublishProfile::default();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| attr_error(&err, e))?;
        let v = value(&attr, e)?;
        match attr.key.as_ref() {
            "SchemaVersion" => p.schema_version = trimmed(v),
            "PublishMethod" => p.publish_method = trimmed(v),
            "Url" => p.url = trimmed(v),
            "ManagementCertificate" => p.management_certificate = non_blank(v),
            _ => {}
        }
    }
    Ok(p)
}

fn read_subscription(e: &BytesStart<'_>) -> Result<SubscriptionEntry> {
    let mut id = None;
    let mut s = SubscriptionEntry::default();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| attr_error(&err, e))?;
        let v = value(&attr, e)?;
        match attr.key.as_ref() {
            "Id" => id = trimmed(v),
            "Name" => s.name = non_blank(v),
            "ServiceManagementUrl" => s.service_management_url = trimmed(v),
            "ManagementCertificate" => s.management_certificate = non_blank(v),
            _ => {}
        }
    }
    s.id = id.ok_or(PublishSettingsError::MissingAttribute {
        element: "Subscription",
        attribute: "Id",
    })?;
    Ok(s)
}

fn trimmed(v: String) -> Option<String> {
    let t = v.trim();
    if t.is_empty() {
        None
    } else if t.len() == v.len() {
        Some(v)
    } else {
        Some(t.to_owned())
    }
}

fn non_blank(v: String) -> Option<String> {
    if v.trim().is_empty() { None } else { Some(v) }
}

/// The attribute's value with character and the five predefined entity references
/// replaced (and XML's whitespace normalisation applied). Any other entity reference is
/// an error: without a DTD no other entity exists.
fn value(attr: &Attribute<'_>, e: &BytesStart<'_>) -> Result<String> {
    if attr.value.contains('<') {
        return Err(not_xml(format!(
            "a '<' in the {} attribute of <{}>",
            shorten(attr.key.as_ref()),
            shorten(e.name().as_ref())
        )));
    }
    let v = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|err| {
            let cause = match &err {
                XmlError::Escape(esc) => escape_message(esc),
                other => other.to_string(),
            };
            not_xml(format!(
                "{cause} in the {} attribute of <{}>",
                shorten(attr.key.as_ref()),
                shorten(e.name().as_ref())
            ))
        })?;
    // Raw characters were checked up front; this catches character references.
    if let Some(c) = v.chars().find(|&c| !is_xml_char(c)) {
        return Err(not_xml(format!(
            "a reference to U+{:04X}, which XML does not allow, in the {} attribute of <{}>",
            u32::from(c),
            shorten(attr.key.as_ref()),
            shorten(e.name().as_ref())
        )));
    }
    Ok(v.into_owned())
}

/// A reference in text content (quick-xml reports them separately): only character
/// references and the five predefined entities exist.
fn check_reference(r: &quick_xml::events::BytesRef<'_>) -> Result<()> {
    resolve_reference(r).map(|_| ()).map_err(not_xml)
}

fn attr_error(
    err: &quick_xml::events::attributes::AttrError,
    e: &BytesStart<'_>,
) -> PublishSettingsError {
    not_xml(format!(
        "malformed attributes in <{}>: {err}",
        shorten(e.name().as_ref())
    ))
}

fn xml_error(e: &XmlError, at: u64) -> PublishSettingsError {
    not_xml(format!("{e} at byte {at}"))
}
