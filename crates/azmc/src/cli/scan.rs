//! `azmc scan PATH... [--git]`: find management credentials left lying around: publish
//! settings files (by content, whatever their name), PEM private keys, PKCS#12 files that
//! open with an empty password, and `ManagementCertificate` blobs inside other text; with
//! `--git`, in every blob of a repository's history too. Each finding names its path (and
//! commit), its kind and the certificate's thumbprint, and, when the selected profile can
//! reach its endpoint, whether that certificate still manages the profile's subscription.
//! Exit 1 when anything is found (as secret scanners do), 0 when clean.

use super::Ctx;
use super::client_ctx::{client_for, selected_profile};
use crate::output::{Format, Tabular, print_json, print_rows};
use anyhow::{Context, Result};
use azmc_pki::pkcs12::{self, ReadOptions};
use azmc_pki::{Certificate, PrivateKey, Thumbprint};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Files (and git blobs) larger than this are not read.
const MAX_FILE: u64 = 16 * 1024 * 1024;

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A publish settings file: each subscription's certificate with its key, no password.
    PublishSettings,
    /// A PEM private key.
    PemPrivateKey,
    /// A PKCS#12 file that opens with an empty password.
    Pkcs12NoPassword,
    /// A `ManagementCertificate` value (base64 PKCS#12, no password) inside other text.
    ManagementCertificate,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::PublishSettings => "publish settings",
            Kind::PemPrivateKey => "PEM private key",
            Kind::Pkcs12NoPassword => "PKCS#12, no password",
            Kind::ManagementCertificate => "ManagementCertificate blob",
        }
    }
}

/// One finding (the JSON of `azmc scan -o json` is a list of these).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub path: String,
    /// The commit that holds it (`--git`), for a finding in history.
    pub commit: Option<String>,
    pub kind: Kind,
    /// The certificate whose key this is, when it can be told.
    pub thumbprint: Option<String>,
    /// Whether that certificate still manages the profile's subscription (null when it
    /// could not be asked).
    pub linked: Option<bool>,
}

impl Tabular for Finding {
    const HEADER: &'static [&'static str] = &["PATH", "COMMIT", "KIND", "THUMBPRINT", "LINKED"];
    fn row(&self) -> Vec<String> {
        vec![
            self.path.clone(),
            self.commit
                .as_deref()
                .map_or("-".into(), |c| c.chars().take(12).collect()),
            self.kind.words().into(),
            self.thumbprint.clone().unwrap_or_else(|| "-".into()),
            match self.linked {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "?".into(),
            },
        ]
    }
}

/// What the bytes of one file hold: (kind, thumbprint) per finding.
pub fn scan_bytes(data: &[u8]) -> Vec<(Kind, Option<Thumbprint>)> {
    if crate::input::kind(data) == crate::input::Kind::Pkcs12 {
        return match pkcs12::read(data, "", ReadOptions::default()) {
            Ok(p) if p.key.is_some() => vec![(
                Kind::Pkcs12NoPassword,
                p.certificate.as_ref().map(Certificate::thumbprint),
            )],
            _ => Vec::new(),
        };
    }
    let text = String::from_utf8_lossy(data);
    let mut found = Vec::new();
    let mut publish_settings = false;
    if text.contains("<PublishData")
        && let Ok(subs) = azmc_wire::publishsettings::parse(data).and_then(|p| p.subscriptions())
    {
        publish_settings = true;
        let mut seen = BTreeSet::new();
        for s in subs {
            let t = s
                .open_certificate(true)
                .ok()
                .map(|o| o.certificate.thumbprint());
            if seen.insert(t.map(|t| t.to_string())) {
                found.push((Kind::PublishSettings, t));
            }
        }
    }
    if !publish_settings {
        for blob in management_certificate_blobs(&text) {
            let t = STANDARD
                .decode(blob.as_bytes())
                .ok()
                .and_then(|der| pkcs12::read(&der, "", ReadOptions::default()).ok())
                .filter(|p| p.key.is_some())
                .and_then(|p| p.certificate.as_ref().map(Certificate::thumbprint));
            if let Some(t) = t {
                found.push((Kind::ManagementCertificate, Some(t)));
            }
        }
    }
    if text.contains("-----BEGIN ") {
        let blocks = private_key_blocks(&text);
        if !blocks.is_empty() {
            // The certificates of the same text, to tell whose keys these are.
            let certs: Vec<Certificate> = pem_certificates(&text);
            for block in blocks {
                // A block that is no key (a truncated example in a test or a document)
                // is not a finding; an encrypted one cannot be read but is a key.
                let key = PrivateKey::from_pem(block.as_bytes()).ok();
                if key.is_none() && !is_encrypted_key(&block) {
                    continue;
                }
                let owner = key.and_then(|k| {
                    certs
                        .iter()
                        .find(|c| k.matches(c))
                        .map(Certificate::thumbprint)
                });
                found.push((Kind::PemPrivateKey, owner));
            }
        }
    }
    found
}

/// The `ManagementCertificate` values in `text`: as an XML attribute
/// (`ManagementCertificate="…"`), element or JSON/YAML-ish key, at least 200 base64
/// characters.
fn management_certificate_blobs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("ManagementCertificate") {
        let after = &rest[at + "ManagementCertificate".len()..];
        let start = after
            .char_indices()
            .take(8)
            .find(|(_, c)| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
            .map(|(i, _)| i);
        if let Some(i) = start {
            let blob: String = after[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                .collect();
            if blob.len() >= 200 {
                out.push(blob);
            }
        }
        rest = after;
    }
    out
}

/// Each PEM private key block of `text` (`PRIVATE KEY`, `RSA …`, `EC …`, `ENCRYPTED …`).
fn private_key_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("-----BEGIN ") {
        let block = &rest[at..];
        let Some(label_end) = block[11..].find("-----") else {
            break;
        };
        let label = &block[11..11 + label_end];
        let end_marker = format!("-----END {label}-----");
        let end = block.find(&end_marker).map(|e| e + end_marker.len());
        if label.ends_with("PRIVATE KEY") {
            out.push(block[..end.unwrap_or(block.len())].to_owned());
        }
        rest = &block[end.unwrap_or(11 + label_end)..];
    }
    out
}

/// An `ENCRYPTED PRIVATE KEY` block whose body is DER of a plausible size (it cannot be
/// read without its passphrase, but it is a key).
fn is_encrypted_key(block: &str) -> bool {
    let Some(body) = block.strip_prefix("-----BEGIN ENCRYPTED PRIVATE KEY-----") else {
        return false;
    };
    let b64: String = body
        .lines()
        .take_while(|l| !l.starts_with("-----END"))
        .flat_map(|l| l.trim().chars())
        .collect();
    STANDARD
        .decode(b64.as_bytes())
        .is_ok_and(|der| der.len() >= 100 && der.first() == Some(&0x30))
}

/// The PEM certificates of `text`.
fn pem_certificates(text: &str) -> Vec<Certificate> {
    let mut out = Vec::new();
    let mut rest = text;
    let end = "-----END CERTIFICATE-----";
    while let Some(at) = rest.find("-----BEGIN CERTIFICATE-----") {
        let block = &rest[at..];
        let Some(e) = block.find(end) else { break };
        if let Ok(c) = Certificate::from_pem(&block.as_bytes()[..e + end.len()]) {
            out.push(c);
        }
        rest = &block[e + end.len()..];
    }
    out
}

pub fn run(ctx: &Ctx, paths: &[PathBuf], git: bool) -> Result<()> {
    let format = ctx.output()?.output;
    let mut findings = Vec::new();
    for p in paths {
        if !p.exists() {
            return crate::usage(format!("{}: no such file or directory", p.display()));
        }
        scan_tree(p, &mut findings)?;
        if git {
            scan_git(p, &mut findings)?;
        }
    }
    mark_linked(ctx, &mut findings);
    match format {
        Format::Json => print_json(&findings)?,
        Format::Table if findings.is_empty() => println!("nothing found"),
        Format::Table => print_rows(&findings),
    }
    if !findings.is_empty() {
        anyhow::bail!(
            "{} finding{}: remove them, and revoke the certificates that are still linked (`azmc mgmt-cert revoke THUMBPRINT --everywhere`)",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn push(findings: &mut Vec<Finding>, path: &str, commit: Option<&str>, data: &[u8]) {
    for (kind, t) in scan_bytes(data) {
        findings.push(Finding {
            path: path.to_owned(),
            commit: commit.map(str::to_owned),
            kind,
            thumbprint: t.map(|t| t.to_string()),
            linked: None,
        });
    }
}

/// Every regular file under `root` (not following symbolic links; `.git` directories
/// are history, read with `--git`).
fn scan_tree(root: &Path, findings: &mut Vec<Finding>) -> Result<()> {
    let meta = std::fs::symlink_metadata(root)
        .with_context(|| format!("{}: cannot read", root.display()))?;
    if meta.is_file() {
        if meta.len() <= MAX_FILE
            && let Ok(data) = std::fs::read(root)
        {
            push(findings, &root.display().to_string(), None, &data);
        }
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root)
        .with_context(|| format!("{}: cannot list", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        // A directory that cannot be read is skipped, not fatal.
        let _ = scan_tree(&e, findings);
    }
    Ok(())
}

/// Every blob in the history of the repository at `root` (all refs), once each, named
/// by the path and the newest commit that holds it.
fn scan_git(root: &Path, findings: &mut Vec<Finding>) -> Result<()> {
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.arg("-C").arg(root).args(args);
        c
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"])
        .stderr(Stdio::null())
        .output()
        .context("running git (is it installed?)")?;
    if !inside.status.success() {
        return crate::usage(format!("{}: --git needs a git repository", root.display()));
    }
    let commits = git(&["rev-list", "--all"])
        .output()
        .context("git rev-list")?;
    let commits = String::from_utf8_lossy(&commits.stdout).into_owned();
    let mut seen: HashSet<String> = HashSet::new();
    for commit in commits.lines() {
        let tree = git(&["ls-tree", "-r", "-l", "-z", commit])
            .output()
            .context("git ls-tree")?;
        let mut wanted = Vec::new();
        for entry in tree.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            // "<mode> blob <id> <size>\t<path>"
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let fields: Vec<&str> = meta.split_whitespace().collect();
            let [_, "blob", id, size] = fields.as_slice() else {
                continue;
            };
            let small = size.parse::<u64>().is_ok_and(|s| s <= MAX_FILE);
            if small && seen.insert((*id).to_owned()) {
                wanted.push(((*id).to_owned(), path.to_owned()));
            }
        }
        if wanted.is_empty() {
            continue;
        }
        let mut batch = git(&["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("git cat-file")?;
        let mut stdin = batch.stdin.take().context("git cat-file stdin")?;
        let ids: String = wanted.iter().map(|(id, _)| format!("{id}\n")).collect();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(ids.as_bytes());
        });
        let mut out = BufReader::new(batch.stdout.take().context("git cat-file stdout")?);
        for (_, path) in &wanted {
            let mut header = String::new();
            out.read_line(&mut header)?;
            let size: usize = header
                .split_whitespace()
                .nth(2)
                .and_then(|s| s.parse().ok())
                .context("git cat-file: unexpected output")?;
            let mut data = vec![0; size + 1];
            out.read_exact(&mut data)?;
            data.pop();
            push(findings, path, Some(commit), &data);
        }
        let _ = writer.join();
        let _ = batch.wait();
    }
    Ok(())
}

/// Ask the selected profile's subscription which of the found certificates still manage
/// it. Without a usable profile the answer stays unknown (said once on stderr).
fn mark_linked(ctx: &Ctx, findings: &mut [Finding]) {
    if findings.iter().all(|f| f.thumbprint.is_none()) {
        return;
    }
    let linked = (|| -> Result<Vec<String>> {
        let (profile, subscription) = selected_profile(ctx)?;
        let client = client_for(ctx, &profile, &subscription)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let certs = rt.block_on(client.list_management_certificates())?;
        Ok(certs
            .into_iter()
            .map(|c| c.thumbprint.to_ascii_uppercase())
            .collect())
    })();
    match linked {
        Ok(linked) => {
            for f in findings.iter_mut() {
                f.linked = f.thumbprint.as_ref().map(|t| linked.iter().any(|l| l == t));
            }
        }
        Err(e) if !ctx.global.quiet => {
            eprintln!("azmc: note: whether the certificates are still linked is unknown: {e:#}");
        }
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azmc_pki::create::{KeyKind, NewCertificate, create_self_signed};

    fn pair(name: &str) -> (Certificate, PrivateKey) {
        create_self_signed(&NewCertificate {
            name,
            key: KeyKind::P256,
            days: 30,
            now: azmc_pki::clock::system().now(),
        })
        .unwrap()
    }

    /// Whatever a scanned file holds (truncated, flipped, random), scanning answers
    /// without panicking: the seeds are a publish settings fixture, a PKCS#12, PEM and a
    /// config file with a blob, cut and mutated with a fixed pseudo-random sequence.
    #[test]
    fn hostile_bytes_never_panic() {
        let (cert, key) = pair("hostile");
        let pfx = pkcs12::write(&cert, &key, &[], "", pkcs12::Profile::Legacy, None).unwrap();
        let fixture = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "../../testdata/publishsettings/azure-xplat-cli__account-credentials.publishsettings",
        ))
        .unwrap();
        let pem = format!("{}{}", cert.to_pem(), key.to_pkcs8_pem().as_str()).into_bytes();
        let blob = format!("<a ManagementCertificate=\"{}\"/>", STANDARD.encode(&pfx)).into_bytes();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for seed in [&fixture, &pfx, &pem, &blob] {
            for _ in 0..60 {
                let mut d = seed.to_vec();
                let cut = (next() as usize) % (d.len() + 1);
                d.truncate(cut.max(d.len() / 2));
                for _ in 0..(next() % 8) {
                    if d.is_empty() {
                        break;
                    }
                    let i = (next() as usize) % d.len();
                    d[i] = next() as u8;
                }
                let _ = scan_bytes(&d);
                let _ = crate::input::kind(&d);
                let _ = crate::input::decode_base64_text(d);
            }
        }
        let random: Vec<u8> = (0..4096).map(|_| next() as u8).collect();
        assert!(scan_bytes(&random).is_empty());
    }

    #[test]
    fn what_a_file_holds() {
        let (cert, key) = pair("scan");
        let t = Some(cert.thumbprint());
        let open = pkcs12::write(&cert, &key, &[], "", pkcs12::Profile::Legacy, None).unwrap();
        let closed = pkcs12::write(&cert, &key, &[], "pw", pkcs12::Profile::Modern, None).unwrap();
        assert_eq!(scan_bytes(&open), vec![(Kind::Pkcs12NoPassword, t)]);
        assert!(scan_bytes(&closed).is_empty());
        // A key beside its certificate is named; a lone key is found all the same.
        let pem = format!("{}{}", cert.to_pem(), key.to_pkcs8_pem().as_str());
        assert_eq!(scan_bytes(pem.as_bytes()), vec![(Kind::PemPrivateKey, t)]);
        assert_eq!(
            scan_bytes(key.to_pkcs8_pem().as_bytes()),
            vec![(Kind::PemPrivateKey, None)]
        );
        // A blob in a config file.
        let blob = STANDARD.encode(&open);
        let config = format!(
            "<appSettings>\n  <add key=\"x\" ManagementCertificate=\"{blob}\" />\n</appSettings>"
        );
        assert_eq!(
            scan_bytes(config.as_bytes()),
            vec![(Kind::ManagementCertificate, t)]
        );
        let json = format!("{{\"ManagementCertificate\": \"{blob}\"}}");
        assert_eq!(
            scan_bytes(json.as_bytes()),
            vec![(Kind::ManagementCertificate, t)]
        );
        // Nothing in plain text, a certificate alone, a short mention, a truncated key.
        for clean in [
            b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n".to_vec(),
            b"hello world".to_vec(),
            cert.to_pem().into_bytes(),
            cert.der().to_vec(),
            b"the ManagementCertificate attribute holds the key".to_vec(),
        ] {
            assert!(scan_bytes(&clean).is_empty());
        }
    }
}
