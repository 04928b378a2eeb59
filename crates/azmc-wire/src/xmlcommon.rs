//! Helpers shared by the two XML readers of this crate (`asm` and `publishsettings`): both
//! read untrusted documents with quick-xml's event reader and must judge characters,
//! names and references the same way.

use quick_xml::Reader;
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesRef, Event};

pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// XML 1.0 `Char`: no control characters but tab, LF and CR; no U+FFFE, U+FFFF.
pub(crate) fn is_xml_char(c: char) -> bool {
    (c >= ' ' || matches!(c, '\t' | '\n' | '\r')) && c != '\u{FFFE}' && c != '\u{FFFF}'
}

/// XML's `Name` production, simplified: every non-ASCII character is allowed (quick-xml
/// does not check names at all).
pub(crate) fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let start_ok = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii();
    match chars.next() {
        Some(c) if start_ok(c) => {
            chars.all(|c| start_ok(c) || c.is_ascii_digit() || c == '-' || c == '.')
        }
        _ => false,
    }
}

/// Names in messages come from untrusted input: keep them short.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// A one-line description of an escaping problem.
pub(crate) fn escape_message(e: &EscapeError) -> String {
    match e {
        EscapeError::UnrecognizedEntity(_, name) => {
            format!("unknown entity reference &{};", shorten(name))
        }
        EscapeError::UnterminatedEntity(_) => "an '&' that starts no reference".to_owned(),
        EscapeError::InvalidCharRef(err) => format!("invalid character reference ({err})"),
        other => other.to_string(),
    }
}

/// A reference in text: a character reference or one of the five predefined entities
/// (there are no others: DTDs are refused). The error is the message to report.
pub(crate) fn resolve_reference(r: &BytesRef<'_>) -> Result<char, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            _ => Err(format!("invalid character reference &{};", shorten(r))),
        };
    }
    match &**r {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!("unknown entity reference &{};", shorten(other))),
    }
}

/// Why a body is not XML text, found before any parsing (both readers check the same).
#[derive(Debug)]
pub(crate) enum NotText {
    /// It starts with a UTF-16 byte order mark.
    Utf16,
    /// Not UTF-8: the offset of the first bad byte.
    NotUtf8(usize),
    /// A character XML does not allow, and its offset.
    BadChar(char, usize),
    /// Nothing but whitespace.
    Empty,
}

/// `body` as XML text: (the offset of the text, after a UTF-8 BOM; the text).
pub(crate) fn xml_text(body: &[u8]) -> Result<(usize, &str), NotText> {
    let (offset, data) = match body.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, body),
    };
    if data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF") {
        return Err(NotText::Utf16);
    }
    let text = std::str::from_utf8(data).map_err(|e| NotText::NotUtf8(e.valid_up_to() + offset))?;
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(NotText::BadChar(c, at + offset));
    }
    if text.trim().is_empty() {
        return Err(NotText::Empty);
    }
    Ok((offset, text))
}

/// quick-xml's event reader as both readers use it: end names and comments checked, empty
/// elements left as such, no dangling `&`; positions count from the start of the body
/// (`offset` is the length of the BOM before the text).
pub(crate) struct Events<'a> {
    reader: Reader<&'a [u8]>,
    offset: usize,
    /// Where the event read last starts (for messages).
    pub(crate) event_start: u64,
}

impl<'a> Events<'a> {
    pub(crate) fn new(text: &'a str, offset: usize) -> Self {
        let mut reader = Reader::from_reader(text.as_bytes());
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.allow_dangling_amp = false;
        Self {
            reader,
            offset,
            event_start: 0,
        }
    }

    /// The current position in the body.
    pub(crate) fn position(&self) -> u64 {
        self.reader.buffer_position() + self.offset as u64
    }

    /// The next event, or quick-xml's error and where in the body it is.
    pub(crate) fn next(&mut self) -> Result<Event<'a>, (quick_xml::Error, u64)> {
        self.event_start = self.position();
        self.reader
            .read_event()
            .map_err(|e| (e, self.reader.error_position() + self.offset as u64))
    }

    /// A message if the event read last (an XML declaration) is not at the start.
    pub(crate) fn misplaced_declaration(&self) -> Option<String> {
        (self.event_start != self.offset as u64).then(|| {
            format!(
                "an XML declaration that is not at the start, at byte {}",
                self.event_start
            )
        })
    }
}
