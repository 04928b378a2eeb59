//! The reader: quick-xml events, a stack of open elements, no DTD processing at all.

use super::{
    MAX_DEPTH, MAX_PUBLISH_SETTINGS_SIZE, PublishProfile, PublishSettings, PublishSettingsError,
    SubscriptionEntry,
};
use crate::xmlcommon::{
    UTF8_BOM, escape_message, is_xml_char, is_xml_name, resolve_reference, shorten,
};
use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Error as XmlError, Reader};

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
    let (offset, body) = match data.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, data),
    };
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        return Err(not_xml(
            "the file is UTF-16; only UTF-8 publish settings are supported",
        ));
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        not_xml(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to() + offset
        ))
    })?;
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(not_xml(format!(
            "a character XML does not allow (U+{:04X}) at byte {}",
            u32::from(c),
            at + offset
        )));
    }
    if text.trim().is_empty() {
        return Err(not_xml("the file is empty"));
    }
    Parser::new(text, offset).run()
}

fn not_xml(msg: impl Into<String>) -> PublishSettingsError {
    PublishSettingsError::NotXml(msg.into())
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    /// Bytes before `text` in the caller's input (a BOM), added to reported offsets.
    offset: usize,
    /// Open elements, innermost last, with their names for messages.
    stack: Vec<(Kind, String)>,
    root_seen: bool,
    profiles: Vec<PublishProfile>,
    /// Where the event being handled starts (for messages).
    event_start: u64,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, offset: usize) -> Self {
        let mut reader = Reader::from_reader(text.as_bytes());
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        Self {
            reader,
            offset,
            stack: Vec::new(),
            root_seen: false,
            profiles: Vec::new(),
            event_start: 0,
        }
    }

    fn position(&self) -> u64 {
        self.reader.buffer_position() + self.offset as u64
    }

    fn run(mut self) -> Result<PublishSettings> {
        loop {
            self.event_start = self.position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = self.reader.error_position() + self.offset as u64;
                    return Err(xml_error(&e, at));
                }
            };
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
                    if self.event_start != self.offset as u64 {
                        return Err(not_xml(format!(
                            "an XML declaration that is not at the start, at byte {}",
                            self.event_start
                        )));
                    }
                }
                Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if let Some((_, name)) = self.stack.last() {
            return Err(not_xml(format!(
                "unexpected end of input at byte {}: <{}> is not closed",
                self.position(),
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
            self.event_start
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
                self.event_start
            )));
        }
        let parent = self.stack.last().map(|(k, _)| *k);
        let kind = match (parent, name) {
            (None, _) if self.root_seen => {
                return Err(not_xml(format!(
                    "a second root element <{}> at byte {}",
                    shorten(name),
                    self.event_start
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
