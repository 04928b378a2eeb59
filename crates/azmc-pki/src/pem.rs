//! PEM armour (RFC 7468), read leniently (CRLF, indentation, text between blocks,
//! whitespace inside the base64) and written strictly (64-column lines, LF).

use crate::error::{PkiError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

/// One PEM block. The contents may be secret (keys), so they are zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    pub der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PemBlock({}, {} bytes)", self.label, self.der.len())
    }
}

/// Whether the input looks like PEM (starts, after whitespace, with a BEGIN line somewhere).
pub fn looks_like_pem(data: &[u8]) -> bool {
    let head = &data[..data.len().min(64 * 1024)];
    head.windows(11).any(|w| w == b"-----BEGIN ")
}

/// All PEM blocks in the input, in order. Text outside blocks is ignored (OpenSSL's
/// "Bag Attributes" headers, comments). Errors name the block.
pub fn parse_all(data: &[u8]) -> Result<Vec<PemBlock>> {
    let text = std::str::from_utf8(data).map_err(|_| PkiError::BadPem("not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end_line = format!("-----END {label}-----");
        let mut b64 = Zeroizing::new(String::new());
        let mut closed = false;
        for inner in lines.by_ref() {
            let inner = inner.trim();
            if inner == end_line {
                closed = true;
                break;
            }
            if inner.starts_with("-----") {
                return Err(PkiError::BadPem(format!(
                    "block {label} ends with {inner:?} instead of {end_line:?}"
                )));
            }
            // RFC 1421 headers (Proc-Type, DEK-Info) mean an encrypted legacy key.
            if inner.contains(':') {
                return Err(PkiError::Unsupported(format!(
                    "encrypted legacy PEM block {label} (header {inner:?}); decrypt it first, e.g. with `openssl pkey`"
                )));
            }
            b64.extend(inner.chars().filter(|c| !c.is_whitespace()));
        }
        if !closed {
            return Err(PkiError::BadPem(format!("block {label} has no END line")));
        }
        let der = STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| PkiError::BadPem(format!("block {label}: bad base64 ({e})")))?;
        if der.is_empty() {
            return Err(PkiError::BadPem(format!("block {label} is empty")));
        }
        blocks.push(PemBlock {
            label: label.to_string(),
            der: Zeroizing::new(der),
        });
    }
    if blocks.is_empty() {
        return Err(PkiError::BadPem("no PEM block found".into()));
    }
    Ok(blocks)
}

/// Encode one block.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so each chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lenient_read() {
        let der: Vec<u8> = (0..200u8).collect();
        let pem = encode("CERTIFICATE", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let messy = format!(
            "Bag Attributes\r\n  localKeyID: 01\r\n{}\r\n",
            pem.replace('\n', "\r\n  ")
        );
        let blocks = parse_all(messy.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(&*blocks[0].der, &der);
    }

    #[test]
    fn errors_are_specific() {
        let e = parse_all(b"hello").unwrap_err().to_string();
        assert!(e.contains("no PEM block"), "{e}");
        let e = parse_all(b"-----BEGIN X-----\nAAAA\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no END line"), "{e}");
        let e = parse_all(b"-----BEGIN X-----\n!!!!\n-----END X-----\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad base64"), "{e}");
        let e = parse_all(b"-----BEGIN X-----\nAAAA\n-----END Y-----\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("instead of"), "{e}");
        let e = parse_all(
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("encrypted legacy PEM"), "{e}");
        assert!(parse_all(&[0xff, 0xfe]).is_err());
    }
}
