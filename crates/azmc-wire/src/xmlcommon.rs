//! Helpers shared by the two XML readers of this crate (`asm` and `publishsettings`): both
//! read untrusted documents with quick-xml's event reader and must judge characters,
//! names and references the same way.

use quick_xml::escape::EscapeError;
use quick_xml::events::BytesRef;

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
