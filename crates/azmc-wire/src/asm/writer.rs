//! A minimal writer for compact XML in the live service's style: the responses the server
//! writes and the request bodies the client sends.

use super::{NS_WINDOWS_AZURE, NS_XSI};
use crate::xmlcommon::is_xml_char;
use std::borrow::Cow;

/// Escape text for element content or a double- or single-quoted attribute value: `&`, `<`,
/// `>`, `"`, `'` become entity references; CR, LF and tab become character references (so
/// that they survive attribute-value and line-end normalisation); characters XML 1.0 cannot
/// carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD, so output is always
/// well-formed.
pub fn escape(text: &str) -> Cow<'_, str> {
    let needs =
        |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'' | '\r' | '\n' | '\t') || !is_xml_char(c);
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Builds one compact document: no XML declaration, no whitespace between elements, every
/// value escaped. Element names are trusted (they come from this crate's code), values are
/// not.
///
/// ```
/// use azmc_wire::asm::XmlWriter;
/// let mut w = XmlWriter::root("AvailabilityResponse");
/// w.bool("Result", true).nil("Reason");
/// assert_eq!(
///     w.finish(),
///     "<AvailabilityResponse xmlns=\"http://schemas.microsoft.com/windowsazure\" \
///      xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Result>true</Result>\
///      <Reason i:nil=\"true\"/></AvailabilityResponse>"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct XmlWriter {
    out: String,
    open: Vec<String>,
}

impl XmlWriter {
    /// Start a document whose root declares the windowsazure default namespace and the
    /// `i` prefix for XML Schema instance.
    pub fn root(name: &str) -> Self {
        let mut w = XmlWriter {
            out: String::with_capacity(256),
            open: Vec::new(),
        };
        w.open_with(name, &[("xmlns", NS_WINDOWS_AZURE), ("xmlns:i", NS_XSI)]);
        w
    }

    /// Start a document whose root declares only `ns` as its default namespace (no `i`
    /// prefix): the request bodies that real clients send that way (SQL `Server` and
    /// `AdministratorLoginPassword`, firewall rule `ServiceResource`).
    ///
    /// ```
    /// use azmc_wire::asm::{NS_SQL_AZURE, XmlWriter};
    /// let mut w = XmlWriter::root_ns("Server", NS_SQL_AZURE);
    /// w.text("Location", "West US");
    /// assert_eq!(
    ///     w.finish(),
    ///     "<Server xmlns=\"http://schemas.microsoft.com/sqlazure/2010/12/\">\
    ///      <Location>West US</Location></Server>"
    /// );
    /// ```
    pub fn root_ns(name: &str, ns: &str) -> Self {
        let mut w = XmlWriter {
            out: String::with_capacity(256),
            open: Vec::new(),
        };
        w.open_with(name, &[("xmlns", ns)]);
        w
    }

    /// Text directly inside the innermost open element (escaped).
    pub fn content(&mut self, text: &str) -> &mut Self {
        self.out.push_str(&escape(text));
        self
    }

    /// Open an element (closed by [`close`](Self::close) or [`finish`](Self::finish)).
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.open_with(name, &[])
    }

    /// Open an element with attributes (values are escaped).
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v));
            self.out.push('"');
        }
        self.out.push('>');
        self.open.push(name.to_owned());
        self
    }

    /// Close the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
        self
    }

    /// `<name>text</name>`.
    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>` when `Some`, nothing when `None`.
    pub fn opt_text(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(name, t);
        }
        self
    }

    /// `<name>text</name>` when `Some`, `<name i:nil="true"/>` when `None`.
    pub fn text_or_nil(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        match text {
            Some(t) => self.text(name, t),
            None => self.nil(name),
        }
    }

    /// `<name i:nil="true"/>`.
    pub fn nil(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" i:nil=\"true\"/>");
        self
    }

    /// `<name>true</name>` / `<name>false</name>` (lower case: Node compares `=== 'true'`).
    pub fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        self.text(name, if value { "true" } else { "false" })
    }

    /// `<name>123</name>`: a plain integer (Python reads it with `int()`).
    pub fn int(&mut self, name: &str, value: impl Into<i128>) -> &mut Self {
        self.text(name, &value.into().to_string())
    }

    /// Close every open element and return the document.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}
