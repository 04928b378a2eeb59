//! A small, strict-enough DER reader and a strict DER writer.
//!
//! The reader accepts definite lengths only (as DER requires), bounds every length by the
//! enclosing element, and never allocates based on a length it has not seen bytes for, so
//! hostile input cannot make it read out of bounds or allocate wildly. It tolerates
//! non-minimal INTEGER encodings (node-forge writes them) because callers compare integer
//! *values* through [`int_value`]. The writer always produces minimal DER.

use std::fmt;

/// A DER decoding problem, with the offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerError {
    /// What was wrong.
    pub what: &'static str,
    /// Byte offset within the buffer that was being read (relative to that buffer).
    pub offset: usize,
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed DER: {} at byte {}", self.what, self.offset)
    }
}

impl std::error::Error for DerError {}

pub type DerResult<T> = Result<T, DerError>;

pub const TAG_BOOLEAN: u8 = 0x01;
pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_BIT_STRING: u8 = 0x03;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_NULL: u8 = 0x05;
pub const TAG_OID: u8 = 0x06;
pub const TAG_UTF8_STRING: u8 = 0x0c;
pub const TAG_BMP_STRING: u8 = 0x1e;
pub const TAG_SEQUENCE: u8 = 0x30;
pub const TAG_SET: u8 = 0x31;

/// Constructed, context-specific tag `[n]`.
pub const fn context(n: u8) -> u8 {
    0xa0 | n
}

/// One decoded element: its tag, its content bytes and the whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Reader over the content of a constructed element.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.content)
    }

    /// Require a given tag.
    pub fn expect(self, tag: u8, what: &'static str) -> DerResult<Self> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(DerError { what, offset: 0 })
        }
    }
}

/// Sequential reader over a run of DER elements.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn err(&self, what: &'static str) -> DerError {
        DerError {
            what,
            offset: self.pos,
        }
    }

    /// Peek at the next tag without consuming it.
    pub fn peek_tag(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Read the next element.
    pub fn read(&mut self) -> DerResult<Tlv<'a>> {
        let start = self.pos;
        let tag = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.err("unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(self.err("multi-byte tags are not supported"));
        }
        self.pos += 1;
        let first = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.err("missing length"))?;
        self.pos += 1;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(self.err("indefinite length (BER) is not DER"));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err(self.err("length field too long"));
            }
            let mut len = 0usize;
            for _ in 0..n {
                let b = *self
                    .buf
                    .get(self.pos)
                    .ok_or_else(|| self.err("truncated length"))?;
                self.pos += 1;
                len = (len << 8) | usize::from(b);
            }
            len
        };
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err("length runs past the end of the data"))?;
        let content = &self.buf[self.pos..end];
        self.pos = end;
        Ok(Tlv {
            tag,
            content,
            raw: &self.buf[start..end],
        })
    }

    /// Read the next element and require its tag.
    pub fn read_tag(&mut self, tag: u8, what: &'static str) -> DerResult<Tlv<'a>> {
        let at = self.pos;
        let tlv = self.read()?;
        if tlv.tag != tag {
            return Err(DerError { what, offset: at });
        }
        Ok(tlv)
    }

    /// Read the next element if it has the given tag.
    pub fn read_optional(&mut self, tag: u8) -> DerResult<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Require that nothing is left.
    pub fn finish(&self, what: &'static str) -> DerResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err(what))
        }
    }
}

/// Parse exactly one element spanning the whole buffer.
pub fn parse_one<'a>(buf: &'a [u8], trailing: &'static str) -> DerResult<Tlv<'a>> {
    let mut r = Reader::new(buf);
    let tlv = r.read()?;
    r.finish(trailing)?;
    Ok(tlv)
}

/// The value of an unsigned INTEGER content with leading zero bytes removed
/// (so `00 ff` and `ff` compare equal; used to compare key moduli).
pub fn int_value(content: &[u8]) -> &[u8] {
    let first = content
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(content.len());
    &content[first..]
}

/// Decode a small non-negative INTEGER (iteration counts, versions).
pub fn small_uint(tlv: &Tlv<'_>) -> DerResult<u64> {
    if tlv.tag != TAG_INTEGER || tlv.content.is_empty() {
        return Err(DerError {
            what: "expected INTEGER",
            offset: 0,
        });
    }
    if tlv.content[0] & 0x80 != 0 {
        return Err(DerError {
            what: "negative INTEGER",
            offset: 0,
        });
    }
    let v = int_value(tlv.content);
    if v.len() > 8 {
        return Err(DerError {
            what: "INTEGER too large",
            offset: 0,
        });
    }
    Ok(v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Encode an OID content (dotted string) — only used with constants, so it accepts `&str`.
pub fn oid_to_string(content: &[u8]) -> String {
    let mut out = String::new();
    let mut value: u64 = 0;
    let mut first = true;
    for &b in content {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, rest) = match value {
                    0..=39 => (0, value),
                    40..=79 => (1, value - 40),
                    _ => (2, value - 80),
                };
                out.push_str(&format!("{a}.{rest}"));
                first = false;
            } else {
                out.push_str(&format!(".{value}"));
            }
            value = 0;
        }
    }
    out
}

// ---------------------------------------------------------------- writer

/// Encode a length in DER.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// One element from a tag and its content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// A constructed element from already-encoded parts.
pub fn constructed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content: Vec<u8> = parts.concat();
    tlv(tag, &content)
}

pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    constructed(TAG_SEQUENCE, parts)
}

/// A SET OF, with elements sorted as DER requires.
pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = parts.to_vec();
    sorted.sort();
    constructed(TAG_SET, &sorted)
}

pub fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(TAG_OCTET_STRING, content)
}

pub fn null() -> Vec<u8> {
    vec![TAG_NULL, 0]
}

/// A non-negative INTEGER from its big-endian magnitude (minimal encoding).
pub fn uint(magnitude: &[u8]) -> Vec<u8> {
    let v = int_value(magnitude);
    let mut content = Vec::with_capacity(v.len() + 1);
    if v.is_empty() || v[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(v);
    tlv(TAG_INTEGER, &content)
}

pub fn small_int(v: u64) -> Vec<u8> {
    uint(&v.to_be_bytes())
}

/// An OID from dotted notation. Panics are impossible for the crate's constants; a
/// malformed string yields an encoding of whatever digits parsed (callers only pass constants).
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|s| s.parse().ok()).collect();
    let mut content = Vec::new();
    if arcs.len() >= 2 {
        let mut push = |mut v: u64| {
            let mut tmp = vec![(v & 0x7f) as u8];
            v >>= 7;
            while v > 0 {
                tmp.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            tmp.reverse();
            content.extend_from_slice(&tmp);
        };
        push(arcs[0] * 40 + arcs[1]);
        for &a in &arcs[2..] {
            push(a);
        }
    }
    tlv(TAG_OID, &content)
}

/// A BMPString (UTF-16BE) from text.
pub fn bmp_string(s: &str) -> Vec<u8> {
    let content: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
    tlv(TAG_BMP_STRING, &content)
}

/// Decode BMPString content to text (lossy for unpaired surrogates).
pub fn bmp_to_string(content: &[u8]) -> String {
    let units: Vec<u16> = content
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip() {
        for s in [
            "1.2.840.113549.1.12.1.3",
            "2.5.29.14",
            "1.3.6.1.4.1.311.17.1",
        ] {
            let enc = oid(s);
            let t = parse_one(&enc, "trailing").unwrap();
            assert_eq!(oid_to_string(t.content), s);
        }
    }

    #[test]
    fn long_lengths_round_trip() {
        let big = vec![7u8; 70_000];
        let enc = octet_string(&big);
        assert_eq!(&enc[..5], &[0x04, 0x83, 0x01, 0x11, 0x70]);
        let t = parse_one(&enc, "trailing").unwrap();
        assert_eq!(t.content.len(), 70_000);
    }

    #[test]
    fn hostile_lengths_are_rejected() {
        assert!(parse_one(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], "t").is_err());
        assert!(parse_one(&[0x30, 0x80, 0, 0], "t").is_err());
        assert!(parse_one(&[0x30, 0x85, 1, 1, 1, 1, 1], "t").is_err());
        assert!(parse_one(&[0x30], "t").is_err());
        assert!(parse_one(&[0x30, 0x00, 0x00], "t").is_err());
        assert!(parse_one(&[], "t").is_err());
    }

    #[test]
    fn integers_are_minimal_and_compare_by_value() {
        assert_eq!(uint(&[0x00, 0x00, 0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(small_int(0), vec![0x02, 0x01, 0x00]);
        assert_eq!(small_int(2000), vec![0x02, 0x02, 0x07, 0xd0]);
        assert_eq!(int_value(&[0, 0, 5]), int_value(&[5]));
        let enc = small_int(2000);
        let t = parse_one(&enc, "t").unwrap();
        assert_eq!(small_uint(&t).unwrap(), 2000);
    }

    #[test]
    fn set_of_is_sorted() {
        let a = small_int(2);
        let b = small_int(1);
        assert_eq!(set_of(&[&a, &b]), constructed(TAG_SET, &[&b, &a]));
    }
}
