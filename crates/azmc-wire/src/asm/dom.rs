//! A small, bounded element tree for untrusted XML bodies: quick-xml's event reader, no DTD
//! processing at all (the approach of `publishsettings::parse`).

use super::{MAX_DEPTH, MAX_ELEMENTS, MAX_REQUEST_BODY, XmlError};
use crate::xmlcommon::{
    Events, NotText, escape_message, is_xml_char, is_xml_name, resolve_reference, shorten, xml_text,
};
use quick_xml::Error as QxError;
use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};

/// Bounds for [`parse_document_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting (the root is level 1).
    pub max_depth: usize,
    /// Most elements in the document.
    pub max_elements: usize,
}

impl Limits {
    /// For request bodies on the server: 1 MiB, 32 levels, 10,000 elements.
    pub const REQUEST: Limits = Limits {
        max_bytes: MAX_REQUEST_BODY,
        max_depth: MAX_DEPTH,
        max_elements: MAX_ELEMENTS,
    };

    /// For response bodies read by the client: real list responses (the OS image
    /// catalogue) run to several MiB.
    pub const RESPONSE: Limits = Limits {
        max_bytes: 64 * 1024 * 1024,
        max_depth: 64,
        max_elements: 2_000_000,
    };
}

/// One element: its local name (prefix dropped), attributes, the text directly inside it
/// (text, CDATA and references concatenated, line ends normalised, not trimmed) and its
/// child elements in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (`a:Name` → `Name`).
    pub name: String,
    /// The prefix as written (`a` for `a:Name`), if any.
    pub prefix: Option<String>,
    /// Attributes as written: qualified name and normalised value. Namespace declarations
    /// (`xmlns`, `xmlns:*`) are included.
    pub attrs: Vec<(String, String)>,
    /// The element's own character data (not its children's).
    pub text: String,
    /// Child elements, in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The name as written (`prefix:name`).
    pub fn qualified_name(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The value of the first attribute with this local name (namespace declarations
    /// excluded): `attr("nil")` finds `nil="…"` and `i:nil="…"`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find_map(|(k, v)| {
            let (prefix, name) = split_name(k);
            let is_decl = prefix == Some("xmlns") || (prefix.is_none() && name == "xmlns");
            (!is_decl && name == local).then_some(v.as_str())
        })
    }

    /// Whether the element is `nil="true"` (with any prefix or none; also `"1"`).
    pub fn is_nil(&self) -> bool {
        self.attr("nil")
            .is_some_and(|v| matches!(v.trim(), "true" | "1"))
    }

    /// The element's text, or `None` when it is nil.
    pub fn value(&self) -> Option<&str> {
        if self.is_nil() {
            None
        } else {
            Some(&self.text)
        }
    }

    /// The first child with this local name (case-sensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with this local name; `None` when there is no such child
    /// or it is nil. An empty element gives `Some("")`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(Element::value)
    }

    /// The local names of the children, in order (for comparing shapes).
    pub fn child_names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// A document whose root was checked: its direct children by local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatXml {
    root: Element,
}

impl FlatXml {
    /// The root element.
    pub fn root(&self) -> &Element {
        &self.root
    }

    /// The root element, owned.
    pub fn into_root(self) -> Element {
        self.root
    }

    /// The text of the root's first child with this local name; `None` when absent or nil.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.root.child_text(name)
    }

    /// Like [`get`](Self::get), but whitespace-trimmed and `None` when empty.
    pub fn get_trimmed(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty())
    }

    /// The root's first child with this local name.
    pub fn element(&self, name: &str) -> Option<&Element> {
        self.root.child(name)
    }

    /// All of the root's children with this local name (repeated or nested elements).
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.root.children_named(name)
    }
}

/// Parse a request body with [`Limits::REQUEST`] and check that the root's local name is
/// `root` (case-sensitive).
pub fn parse_flat(body: &[u8], root: &str) -> Result<FlatXml, XmlError> {
    let doc = parse_document(body)?;
    expect_root(doc, root).map(|root| FlatXml { root })
}

pub(crate) fn expect_root(doc: Element, expected: &str) -> Result<Element, XmlError> {
    if doc.name == expected {
        Ok(doc)
    } else {
        Err(XmlError::WrongRoot {
            expected: expected.to_owned(),
            found: shorten(&doc.qualified_name()),
        })
    }
}

/// Parse an untrusted body with [`Limits::REQUEST`].
///
/// Accepts: a UTF-8 byte-order mark, an XML declaration or none (`standalone="yes"`
/// included), namespaces and prefixes (ignored: names are local names), comments and
/// processing instructions (skipped), the five predefined entities and character
/// references.
///
/// Refuses: anything but UTF-8, an empty body, malformed XML (an unescaped `&` or `<` in
/// text included), a DOCTYPE (hence every entity declaration; nothing is expanded), any
/// other entity reference, more than the size, depth or element limits.
pub fn parse_document(body: &[u8]) -> Result<Element, XmlError> {
    parse_document_with(body, Limits::REQUEST)
}

/// [`parse_document`] with other limits (the client uses [`Limits::RESPONSE`]).
pub fn parse_document_with(body: &[u8], limits: Limits) -> Result<Element, XmlError> {
    if body.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: body.len(),
            limit: limits.max_bytes,
        });
    }
    let (offset, text) = xml_text(body).map_err(|e| match e {
        NotText::Utf16 => XmlError::NotUtf8("it is UTF-16".to_owned()),
        NotText::NotUtf8(at) => XmlError::NotUtf8(format!("invalid byte at offset {at}")),
        NotText::BadChar(c, at) => malformed(format!(
            "a character XML does not allow (U+{:04X}) at byte {at}",
            u32::from(c)
        )),
        NotText::Empty => XmlError::Empty,
    })?;
    Builder::new(text, offset, limits).run()
}

fn malformed(msg: impl Into<String>) -> XmlError {
    XmlError::Malformed(msg.into())
}

struct Builder<'a> {
    events: Events<'a>,
    limits: Limits,
    /// Open elements, innermost last.
    stack: Vec<Element>,
    root: Option<Element>,
    elements: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, offset: usize, limits: Limits) -> Self {
        Self {
            events: Events::new(text, offset),
            limits,
            stack: Vec::new(),
            root: None,
            elements: 0,
        }
    }

    fn run(mut self) -> Result<Element, XmlError> {
        loop {
            let event = self.events.next().map_err(|(e, at)| reader_error(&e, at))?;
            match event {
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Start(e) => {
                    let el = self.open(&e)?;
                    self.stack.push(el);
                    if self.stack.len() > self.limits.max_depth {
                        return Err(XmlError::TooDeep {
                            limit: self.limits.max_depth,
                        });
                    }
                }
                Event::Empty(e) => {
                    let el = self.open(&e)?;
                    self.close(el);
                }
                Event::End(_) => {
                    // quick-xml has checked that the name matches the open element.
                    if let Some(el) = self.stack.pop() {
                        self.close(el);
                    }
                }
                Event::Text(t) => match self.stack.last_mut() {
                    Some(top) => top.text.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
                    None if t.trim().is_empty() => {}
                    None => return Err(self.outside_root()),
                },
                Event::CData(c) => match self.stack.last_mut() {
                    Some(top) => top.text.push_str(&c.xml_content(XmlVersion::Implicit1_0)),
                    None => return Err(self.outside_root()),
                },
                Event::GeneralRef(r) => {
                    let c = resolve_reference(&r).map_err(malformed)?;
                    match self.stack.last_mut() {
                        Some(top) => top.text.push(c),
                        None => return Err(self.outside_root()),
                    }
                }
                Event::Decl(_) => {
                    if let Some(m) = self.events.misplaced_declaration() {
                        return Err(malformed(m));
                    }
                }
                Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(open) = self.stack.last() {
            return Err(malformed(format!(
                "unexpected end of input: <{}> is not closed",
                shorten(&open.qualified_name())
            )));
        }
        self.root
            .ok_or_else(|| malformed("there is no root element"))
    }

    fn outside_root(&self) -> XmlError {
        malformed(format!(
            "content outside the root element at byte {}",
            self.events.event_start
        ))
    }

    /// An element opens (or is empty): check it and read its name and attributes.
    fn open(&mut self, e: &BytesStart<'_>) -> Result<Element, XmlError> {
        let qname = e.name();
        let qname = qname.as_ref();
        if !is_xml_name(qname) {
            return Err(malformed(format!(
                "invalid element name {:?} at byte {}",
                shorten(qname),
                self.events.event_start
            )));
        }
        if self.stack.is_empty() && self.root.is_some() {
            return Err(malformed(format!(
                "a second root element <{}> at byte {}",
                shorten(qname),
                self.events.event_start
            )));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooManyElements {
                limit: self.limits.max_elements,
            });
        }
        let mut attrs = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| {
                malformed(format!(
                    "malformed attributes in <{}>: {err}",
                    shorten(qname)
                ))
            })?;
            let v = attr_value(&attr, qname)?;
            attrs.push((attr.key.as_ref().to_owned(), v));
        }
        let (prefix, name) = split_name(qname);
        Ok(Element {
            name: name.to_owned(),
            prefix: prefix.map(str::to_owned),
            attrs,
            text: String::new(),
            children: Vec::new(),
        })
    }

    /// A complete element: attach it to its parent, or make it the root.
    fn close(&mut self, el: Element) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None => self.root = Some(el),
        }
    }
}

fn split_name(qname: &str) -> (Option<&str>, &str) {
    match qname.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, qname),
    }
}

/// The attribute's value with references replaced and XML's whitespace normalisation
/// applied. Any entity other than the five predefined ones is an error.
fn attr_value(attr: &Attribute<'_>, element: &str) -> Result<String, XmlError> {
    let key = attr.key.as_ref();
    if attr.value.contains('<') {
        return Err(malformed(format!(
            "a '<' in the {} attribute of <{}>",
            shorten(key),
            shorten(element)
        )));
    }
    let v = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|err| {
            let cause = match &err {
                QxError::Escape(esc) => escape_message(esc),
                other => other.to_string(),
            };
            malformed(format!(
                "{cause} in the {} attribute of <{}>",
                shorten(key),
                shorten(element)
            ))
        })?;
    if let Some(c) = v.chars().find(|&c| !is_xml_char(c)) {
        return Err(malformed(format!(
            "a reference to U+{:04X}, which XML does not allow, in the {} attribute of <{}>",
            u32::from(c),
            shorten(key),
            shorten(element)
        )));
    }
    Ok(v.into_owned())
}

fn reader_error(e: &QxError, at: u64) -> XmlError {
    let cause = match e {
        QxError::IllFormed(quick_xml::errors::IllFormedError::UnclosedReference) => {
            "an '&' that starts no reference (text must escape '&' as '&amp;')".to_owned()
        }
        QxError::Escape(esc) => escape_message(esc),
        other => other.to_string(),
    };
    malformed(format!("{cause} at byte {at}"))
}
