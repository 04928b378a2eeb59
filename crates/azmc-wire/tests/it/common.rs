//! Shared helpers: fixture paths, error chains, a throw-away certificate.

use azmc_pki::clock::{Clock, SystemClock};
use azmc_pki::{Certificate, KeyKind, NewCertificate, PrivateKey, create_self_signed};
use std::path::PathBuf;
use std::sync::OnceLock;

/// `testdata/publishsettings` at the repository root (sources and licences in its README).
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/publishsettings"
    ))
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

/// The message with its sources, as the CLI prints it (anyhow's `{:#}`).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// One RSA-2048 certificate for all writer tests (key generation is slow).
pub fn test_cert() -> &'static (Certificate, PrivateKey) {
    static CERT: OnceLock<(Certificate, PrivateKey)> = OnceLock::new();
    CERT.get_or_init(|| {
        create_self_signed(&NewCertificate {
            name: "azmc-wire test",
            key: KeyKind::Rsa2048,
            days: 30,
            now: SystemClock.now(),
        })
        .unwrap()
    })
}

/// The value of the first `attr="…"` in `xml`.
pub fn attr<'a>(xml: &'a str, attr: &str) -> &'a str {
    let key = format!("{attr}=\"");
    let start = xml.find(&key).unwrap_or_else(|| panic!("no {attr}")) + key.len();
    let len = xml[start..].find('"').unwrap();
    &xml[start..start + len]
}

/// The "billion laughs" entity declarations: `lol9` expands to 10^9 copies of `lol`.
pub fn billion_laughs_dtd() -> String {
    let mut dtd = String::from("<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        let refs = format!("&{prev};").repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">\n"));
    }
    dtd
}
