//! Certificate thumbprints: SHA-1 of the DER encoding, shown as 40 upper-case hex digits
//! (how Windows and Azure show them, and the id ASM uses for management certificates).

use crate::error::PkiError;
use sha1::{Digest, Sha1};
use std::fmt;
use std::str::FromStr;

/// A SHA-1 certificate thumbprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Thumbprint([u8; 20]);

impl Thumbprint {
    /// The thumbprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Self {
        Self(Sha1::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Whether a user-typed fragment (hex, any case, spaces allowed) is a prefix of this
    /// thumbprint. Used by "find" commands; full equality goes through `FromStr`.
    pub fn starts_with_hex(&self, fragment: &str) -> bool {
        let cleaned: String = clean(fragment).collect();
        !cleaned.is_empty() && self.to_string().starts_with(&cleaned.to_ascii_uppercase())
    }
}

/// Characters users paste around thumbprints: spaces (certmgr shows them), colons
/// (OpenSSL shows them), and the invisible marks Windows' certificate dialog copies in
/// front (U+200E LEFT-TO-RIGHT MARK, also U+200F, U+202A..U+202E, U+FEFF).
fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || c == ':'
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{feff}'
        )
}

fn clean(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|&c| !is_ignorable(c))
}

impl FromStr for Thumbprint {
    type Err = PkiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| PkiError::BadThumbprint {
            input: s.chars().take(80).collect(),
            reason,
        };
        let hex: Vec<char> = clean(s).collect();
        if hex.len() != 40 {
            return Err(bad("a thumbprint is 40 hexadecimal digits"));
        }
        let mut out = [0u8; 20];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let hi = pair[0]
                .to_digit(16)
                .ok_or_else(|| bad("not a hexadecimal digit"))?;
            let lo = pair[1]
                .to_digit(16)
                .ok_or_else(|| bad("not a hexadecimal digit"))?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Ok(Self(out))
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Thumbprint({self})")
    }
}

/// Upper-case hex of arbitrary bytes (fingerprints, serials).
pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "6A7F31713273EBE91086040703CC857BB5ECC550";

    #[test]
    fn parses_the_forms_users_paste() {
        let want: Thumbprint = T.parse().unwrap();
        for input in [
            "6a7f31713273ebe91086040703cc857bb5ecc550",
            "6a 7f 31 71 32 73 eb e9 10 86 04 07 03 cc 85 7b b5 ec c5 50",
            "\u{200e}6a 7f 31 71 32 73 eb e9 10 86 04 07 03 cc 85 7b b5 ec c5 50",
            "6A:7F:31:71:32:73:EB:E9:10:86:04:07:03:CC:85:7B:B5:EC:C5:50",
            "  6A7F31713273EBE91086040703CC857BB5ECC550\n",
        ] {
            assert_eq!(input.parse::<Thumbprint>().unwrap(), want, "{input:?}");
        }
        assert_eq!(want.to_string(), T);
    }

    #[test]
    fn rejects_wrong_length_and_non_hex() {
        let e = "6A7F".parse::<Thumbprint>().unwrap_err();
        assert!(e.to_string().contains("40 hexadecimal digits"), "{e}");
        let e = "ZZ7F31713273EBE91086040703CC857BB5ECC550"
            .parse::<Thumbprint>()
            .unwrap_err();
        assert!(e.to_string().contains("not a hexadecimal digit"), "{e}");
        assert!("é".repeat(40).parse::<Thumbprint>().is_err());
    }

    #[test]
    fn of_der_is_sha1() {
        // SHA-1("abc")
        assert_eq!(
            Thumbprint::of_der(b"abc").to_string(),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
    }

    #[test]
    fn prefix_match() {
        let t: Thumbprint = T.parse().unwrap();
        assert!(t.starts_with_hex("6a7f 31"));
        assert!(!t.starts_with_hex("7f"));
        assert!(!t.starts_with_hex(""));
    }
}
