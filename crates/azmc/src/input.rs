//! The files commands read: `-` is standard input (one argument per run may take it),
//! sizes are capped, a certificate or `.pfx` may come as base64 text of it (how they
//! travel in app settings, CI variables and publish settings), and what a file is gets
//! recognised before any password is asked, so a wrong file is refused at once with what
//! it appears to be.

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

/// What took standard input in this run, if anything.
static STDIN_TAKEN: Mutex<Option<String>> = Mutex::new(None);

/// Claims standard input for `what` (an argument's name); a second claim is a usage error
/// naming both.
pub fn claim_stdin(what: &str) -> Result<()> {
    let mut taken = STDIN_TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = taken.as_ref() {
        return crate::usage(format!(
            "{what} and {first} cannot both be standard input (-): give one of them as a file"
        ));
    }
    *taken = Some(what.to_owned());
    Ok(())
}

/// Whether `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// The name of an input in messages: `standard input` for `-`.
pub fn display(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Read an input file (or standard input for `-`) with a size cap, naming it in errors.
pub fn read_input(path: &Path, limit: usize) -> Result<Vec<u8>> {
    if is_stdin(path) {
        claim_stdin("the input file")?;
        let mut data = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut data)
            .context("standard input: cannot read")?;
        if data.len() > limit {
            bail!("standard input: too large (more than {limit} bytes)");
        }
        return Ok(data);
    }
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    if meta.len() > limit as u64 {
        bail!(
            "{}: too large ({} bytes; the limit is {limit})",
            path.display(),
            meta.len()
        );
    }
    std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// What a file holds, as far as its first bytes tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// DER of a PKCS#12 (`.pfx`): a SEQUENCE opening with the version INTEGER 3.
    Pkcs12,
    /// DER of a certificate: a SEQUENCE opening with a SEQUENCE (the TBS certificate).
    DerCertificate,
    /// DER of a private key (PKCS#1 or PKCS#8): a SEQUENCE opening with INTEGER 0.
    DerPrivateKey,
    /// Some other DER SEQUENCE, or a damaged one: the parser of what the command needs
    /// says what is wrong with it.
    Der,
    /// PEM; the label of its first block (`CERTIFICATE`, `PRIVATE KEY`, …).
    Pem(String),
    /// A publish settings file (`<PublishData`).
    PublishSettings,
    /// Some other XML document.
    Xml,
    /// None of these.
    Unknown,
}

impl Kind {
    /// What the file appears to be, for messages.
    pub fn describe(&self) -> String {
        match self {
            Kind::Pkcs12 => "a PKCS#12 (.pfx) file".into(),
            Kind::DerCertificate => "a DER certificate (.cer)".into(),
            Kind::DerPrivateKey => "a DER private key".into(),
            Kind::Der => "DER of something else".into(),
            Kind::Pem(label) if label == "CERTIFICATE" => "a PEM certificate".into(),
            Kind::Pem(label) if label.ends_with("PRIVATE KEY") => {
                format!("a PEM private key ({label})")
            }
            Kind::Pem(label) => format!("a PEM file ({label})"),
            Kind::PublishSettings => "a publish settings file".into(),
            Kind::Xml => "an XML document".into(),
            Kind::Unknown => "unknown content".into(),
        }
    }

    /// A certificate can be read from it.
    pub fn is_certificate(&self) -> bool {
        matches!(self, Kind::DerCertificate) || matches!(self, Kind::Pem(l) if l == "CERTIFICATE")
    }

    /// The advice for a file that is not what the command needs.
    fn hint(&self) -> &'static str {
        match self {
            Kind::Pkcs12 => ": use `azmc pfx inspect` or `azmc certstore import`",
            Kind::PublishSettings => ": use `azmc publishsettings show` or `extract`",
            Kind::DerCertificate => ": a certificate alone holds no private key",
            Kind::Pem(l) if l == "CERTIFICATE" => ": a certificate alone holds no private key",
            _ => "",
        }
    }
}

/// Recognise what `data` holds (after [`decode_base64_text`]).
pub fn kind(data: &[u8]) -> Kind {
    if data.first() == Some(&0x30) {
        // The first element inside the outer SEQUENCE, after its length octets.
        let inner = match data.get(1) {
            Some(&l) if l < 0x80 => 2,
            Some(&l) => 2 + usize::from(l & 0x7f),
            None => return Kind::Der,
        };
        return match (data.get(inner), data.get(inner + 1), data.get(inner + 2)) {
            (Some(0x02), Some(0x01), Some(0x03)) => Kind::Pkcs12,
            (Some(0x02), Some(0x01), Some(0x00)) => Kind::DerPrivateKey,
            (Some(0x30), _, _) => Kind::DerCertificate,
            _ => Kind::Der,
        };
    }
    let head = &data[..data.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(at) = text.find("-----BEGIN ") {
        let rest = &text[at + 11..];
        if let Some(end) = rest.find("-----") {
            return Kind::Pem(rest[..end].trim().to_owned());
        }
    }
    if text.starts_with('<') {
        if text.contains("<PublishData") {
            return Kind::PublishSettings;
        }
        return Kind::Xml;
    }
    Kind::Unknown
}

/// `data` itself, or the bytes it is base64 text of: one line or wrapped, surrounding
/// whitespace and one pair of quotes allowed, when it decodes to DER (a SEQUENCE).
/// Anything else comes back unchanged (PEM, XML, binary, text that is not base64).
pub fn decode_base64_text(data: Vec<u8>) -> Vec<u8> {
    if data.first() == Some(&0x30) {
        return data;
    }
    let Ok(text) = std::str::from_utf8(&data) else {
        return data;
    };
    let mut t = text.trim().trim_start_matches('\u{feff}');
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            t = t[1..t.len() - 1].trim();
        }
    }
    let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    if compact.len() < 16 || !compact.chars().all(alphabet) {
        return data;
    }
    match STANDARD.decode(compact.as_bytes()) {
        Ok(decoded) if decoded.first() == Some(&0x30) => decoded,
        _ => data,
    }
}

/// Read a certificate or `.pfx` input: the file (or `-`), base64 text decoded.
pub fn read_binary(path: &Path, limit: usize) -> Result<Vec<u8>> {
    // Base64 text is 4/3 the size of what it holds, plus line breaks.
    let data = read_input(path, limit.saturating_mul(3) / 2 + 4096)?;
    let data = decode_base64_text(data);
    if data.len() > limit {
        bail!(
            "{}: too large ({} bytes; the limit is {limit})",
            display(path),
            data.len()
        );
    }
    Ok(data)
}

/// The refusal of an input that is `found`, not `wanted`.
fn refuse<T>(path: &Path, found: &Kind, wanted: &str, hint: &str) -> Result<T> {
    if *found == Kind::Unknown {
        bail!(
            "{}: not {wanted}, nor base64 text of one (not DER, PEM or XML)",
            display(path)
        );
    }
    bail!(
        "{}: this is {}, not {wanted}{hint}",
        display(path),
        found.describe()
    )
}

/// Read an input that must be a PKCS#12 (`.pfx`), refusing anything else by what it
/// appears to be, before any password is asked.
pub fn read_pkcs12(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let data = read_binary(path, limit)?;
    match kind(&data) {
        Kind::Pkcs12 | Kind::Der => Ok(data),
        other => refuse(path, &other, "a PKCS#12 (.pfx) file", other.hint()),
    }
}

/// Read an input that must be a certificate (DER or PEM), refusing anything else by what
/// it appears to be.
pub fn read_certificate(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let data = read_binary(path, limit)?;
    let k = kind(&data);
    if k.is_certificate() || k == Kind::Der {
        return Ok(data);
    }
    let hint = match &k {
        Kind::Pkcs12 => ": use `azmc pfx inspect` (its certificate: `azmc pfx to-pem`)",
        Kind::PublishSettings => ": use `azmc publishsettings show` or `extract`",
        _ => "",
    };
    refuse(path, &k, "a certificate", hint)
}

/// Read an input that is a certificate or a PKCS#12 (or damaged DER, left to the PKCS#12
/// reader); `true` for a PKCS#12.
pub fn read_certificate_or_pkcs12(path: &Path, limit: usize) -> Result<(Vec<u8>, bool)> {
    let data = read_binary(path, limit)?;
    let k = kind(&data);
    if k.is_certificate() {
        return Ok((data, false));
    }
    // Damaged DER goes to the PKCS#12 reader, which names the damage.
    if matches!(k, Kind::Pkcs12 | Kind::Der) {
        return Ok((data, true));
    }
    let hint = if k == Kind::PublishSettings {
        ": use `azmc publishsettings import` or `extract`"
    } else {
        ""
    };
    refuse(path, &k, "a certificate or a PKCS#12 (.pfx) file", hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use azmc_pki::create::{KeyKind, NewCertificate, create_self_signed};

    fn sample() -> (Vec<u8>, Vec<u8>, String) {
        let (cert, key) = create_self_signed(&NewCertificate {
            name: "input-test",
            key: KeyKind::P256,
            days: 30,
            now: azmc_pki::clock::system().now(),
        })
        .unwrap();
        let pfx = azmc_pki::pkcs12::write(
            &cert,
            &key,
            &[],
            "pw",
            azmc_pki::pkcs12::Profile::Modern,
            None,
        )
        .unwrap();
        (cert.der().to_vec(), pfx, cert.to_pem())
    }

    #[test]
    fn kinds_are_recognised() {
        let (der, pfx, pem) = sample();
        assert_eq!(kind(&der), Kind::DerCertificate);
        assert_eq!(kind(&pfx), Kind::Pkcs12);
        assert_eq!(kind(pem.as_bytes()), Kind::Pem("CERTIFICATE".into()));
        assert_eq!(
            kind(b"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"),
            Kind::Pem("RSA PRIVATE KEY".into())
        );
        assert_eq!(
            kind(b"<?xml version=\"1.0\"?>\n<PublishData><PublishProfile/></PublishData>"),
            Kind::PublishSettings
        );
        assert_eq!(kind(b"<a/>"), Kind::Xml);
        assert_eq!(kind(b"hello\n"), Kind::Unknown);
        assert_eq!(kind(b""), Kind::Unknown);
        assert_eq!(kind(&[0x30]), Kind::Der);
        assert_eq!(kind(b"\x30\x82\xff\xff junk"), Kind::Der);
        assert_eq!(
            kind(&[0x30, 0x84, 0, 0, 1, 0, 0x02, 0x01, 0x00]),
            Kind::DerPrivateKey
        );
    }

    #[test]
    fn base64_text_is_decoded_in_its_usual_forms() {
        let (der, pfx, pem) = sample();
        for bytes in [&der, &pfx] {
            let b64 = STANDARD.encode(bytes);
            let wrapped: String = b64
                .as_bytes()
                .chunks(64)
                .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
                .collect();
            for text in [
                b64.clone(),
                format!("{b64}\n"),
                format!("  \"{b64}\"  \n"),
                format!("'{b64}'"),
                wrapped,
            ] {
                assert_eq!(&decode_base64_text(text.into_bytes()), bytes);
            }
        }
        // Left alone: DER, PEM, XML, short or non-base64 text, base64 of something not DER.
        for data in [
            der.clone(),
            pem.clone().into_bytes(),
            b"<PublishData/>".to_vec(),
            b"abcd".to_vec(),
            b"not base64 at all, with spaces and commas".to_vec(),
            STANDARD
                .encode("plain text that is long enough")
                .into_bytes(),
        ] {
            assert_eq!(decode_base64_text(data.clone()), data);
        }
    }
}
