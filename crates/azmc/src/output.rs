//! Presentation: `--output table` (for people) and `--output json` (for programs; the
//! shapes are documented in docs/json-output.md and pinned by tests).

use azmc_pki::cert::{CertInfo, KeyAlgorithm};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Output format of toolkit commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
}

/// `--output`: toolkit commands take table or json; API commands also xml (the API's
/// own XML for what they read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Xml,
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// A certificate expiring within this many days is flagged in lists.
pub const EXPIRY_SOON_DAYS: i64 = 30;

/// How soon a certificate expires: whole days left (negative once expired) and its state
/// (`ok`, `soon`: within [`EXPIRY_SOON_DAYS`], `expired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Expiry {
    pub days_left: i64,
    pub expiry: &'static str,
}

impl Expiry {
    pub fn of(not_after: OffsetDateTime, now: OffsetDateTime) -> Self {
        let left = not_after - now;
        let expiry = if left.is_negative() {
            "expired"
        } else if left.whole_days() < EXPIRY_SOON_DAYS {
            "soon"
        } else {
            "ok"
        };
        Expiry {
            days_left: if left.is_negative() {
                left.whole_days() - 1
            } else {
                left.whole_days()
            },
            expiry,
        }
    }

    /// For a table: `2027-12-07 (364 d)`, `2026-12-10 (3 d, SOON)`, `2025-01-01 (EXPIRED)`.
    pub fn cell(&self, not_after: OffsetDateTime) -> String {
        let day = not_after.date();
        match self.expiry {
            "expired" => format!("{day} (EXPIRED)"),
            "soon" => format!("{day} ({} d, SOON)", self.days_left),
            _ => format!("{day} ({} d)", self.days_left),
        }
    }
}

/// A certificate as JSON.
#[derive(Debug, Serialize)]
pub struct CertJson {
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub key_algorithm: &'static str,
    pub key_bits: Option<usize>,
    pub signature_algorithm: String,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub sha256_fingerprint: String,
    pub self_signed: bool,
    pub expired: bool,
    pub not_yet_valid: bool,
}

pub fn key_parts(k: KeyAlgorithm) -> (&'static str, Option<usize>) {
    match k {
        KeyAlgorithm::Rsa { bits } => ("RSA", Some(bits)),
        KeyAlgorithm::EcP256 => ("EC-P256", Some(256)),
        KeyAlgorithm::EcP384 => ("EC-P384", Some(384)),
        KeyAlgorithm::Other => ("other", None),
    }
}

impl CertJson {
    pub fn new(info: &CertInfo, now: OffsetDateTime) -> Self {
        let (key_algorithm, key_bits) = key_parts(info.key);
        Self {
            thumbprint: info.thumbprint.to_string(),
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
            serial: info.serial.clone(),
            not_before: rfc3339(info.not_before),
            not_after: rfc3339(info.not_after),
            key_algorithm,
            key_bits,
            signature_algorithm: info.signature_algorithm.clone(),
            key_usage: info.key_usage.clone(),
            extended_key_usage: info.extended_key_usage.clone(),
            sha256_fingerprint: info.sha256_fingerprint.clone(),
            self_signed: info.self_signed,
            expired: info.is_expired(now),
            not_yet_valid: info.is_not_yet_valid(now),
        }
    }
}

/// `key: value` lines describing a certificate, for table output.
pub fn cert_lines(info: &CertInfo, now: OffsetDateTime) -> Vec<(&'static str, String)> {
    let status = if info.is_expired(now) {
        "EXPIRED"
    } else if info.is_not_yet_valid(now) {
        "not yet valid"
    } else {
        "valid"
    };
    vec![
        ("Thumbprint", info.thumbprint.to_string()),
        ("Subject", info.subject.clone()),
        ("Issuer", info.issuer.clone()),
        ("Serial", info.serial.clone()),
        ("Not before", rfc3339(info.not_before)),
        (
            "Not after",
            format!("{} ({status})", rfc3339(info.not_after)),
        ),
        ("Key", info.key.to_string()),
        ("Signature", info.signature_algorithm.clone()),
        ("Key usage", join_or_none(&info.key_usage)),
        ("Extended key usage", join_or_none(&info.extended_key_usage)),
        ("SHA-256", info.sha256_fingerprint.clone()),
        ("Self-signed", yes_no(info.self_signed).into()),
    ]
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn join_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

/// Print `key: value` lines with the values aligned.
pub fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in fields {
        println!("{:<width$}  {v}", format!("{k}:"), width = width + 1);
    }
}

/// Print a table with a header row; columns padded to their widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.iter().map(|s| s.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// Print a value as pretty JSON followed by a newline.
/// A type shown as one row of a table by `--output table`.
pub trait Tabular {
    const HEADER: &'static [&'static str];
    fn row(&self) -> Vec<String>;
}

/// Print rows under their header.
pub fn print_rows<T: Tabular>(items: &[T]) {
    let rows: Vec<Vec<String>> = items.iter().map(Tabular::row).collect();
    print_table(T::HEADER, &rows);
}

pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
