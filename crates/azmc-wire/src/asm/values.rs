//! Value formats: operation ids, timestamps, labels.

use super::XmlError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use time::{OffsetDateTime, UtcOffset};

/// An operation id (the `x-ms-request-id`, 32 hex digits) as the `<ID>` of an operation
/// shows it: lower-case, hyphenated 8-4-4-4-12. Accepts whatever
/// [`normalize_operation_id`] accepts; `None` for anything else.
///
/// `format_operation_id("26803ab0f361bb8a87b11a2f3b4e8c73")` →
/// `Some("26803ab0-f361-bb8a-87b1-1a2f3b4e8c73")`.
pub fn format_operation_id(hex32: &str) -> Option<String> {
    let id = normalize_operation_id(hex32)?;
    Some(format!(
        "{}-{}-{}-{}-{}",
        &id[0..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..32]
    ))
}

/// A subscription id — a GUID 8-4-4-4-12, either case — in lower case. `None` for
/// anything else.
pub fn normalize_subscription_id(input: &str) -> Option<String> {
    let b = input.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    ok.then(|| input.to_ascii_lowercase())
}

/// An operation id as given in a URL or document — 32 hex digits, or hyphenated
/// 8-4-4-4-12, either case — as 32 lower-case hex digits. `None` for anything else
/// (braces, other hyphen positions, surrounding whitespace, non-hex).
pub fn normalize_operation_id(input: &str) -> Option<String> {
    let hex: String = match input.len() {
        32 => input.to_owned(),
        36 => {
            let b = input.as_bytes();
            if [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
                return None;
            }
            input.chars().filter(|&c| c != '-').collect()
        }
        _ => return None,
    };
    if hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(hex.to_ascii_lowercase())
    } else {
        None
    }
}

/// A timestamp as the service writes most of them, in UTC to the second:
/// `2015-07-01T00:11:24Z` (`CreatedTime`, `OperationStartedTime`, …).
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A timestamp with .NET's 100-ns precision, in UTC, as the service writes a management
/// certificate's `Created`: up to seven fractional digits with trailing zeros dropped
/// (.NET's `FFFFFFF`; the live list shows both `2015-06-30T23:59:23.8312837Z` and
/// `2014-02-18T22:06:43.593483Z`), no fraction at all on a whole second.
pub fn format_time_precise(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let base = format_time(t);
    let ticks = t.nanosecond() / 100;
    if ticks == 0 {
        return base;
    }
    let fraction = format!("{ticks:07}");
    let fraction = fraction.trim_end_matches('0');
    let mut out = base;
    out.pop(); // the 'Z'
    out.push('.');
    out.push_str(fraction);
    out.push('Z');
    out
}

/// A `Label` as the wire carries it: base64 (standard alphabet, padded) of the UTF-8 text.
pub fn encode_label(text: &str) -> String {
    STANDARD.encode(text.as_bytes())
}

/// Base64 tolerant of missing padding, as both clients' decoders are.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The text of a `Label`: base64 (standard alphabet; padding optional; ASCII whitespace
/// anywhere ignored) of UTF-8 text. An empty label decodes to the empty string.
pub fn decode_label(b64: &str) -> Result<String, XmlError> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = LENIENT
        .decode(compact.as_bytes())
        .map_err(|e| XmlError::InvalidLabel(format!("not base64 ({e})")))?;
    String::from_utf8(bytes).map_err(|e| {
        XmlError::InvalidLabel(format!(
            "the decoded bytes are not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}
