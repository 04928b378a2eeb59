//! Profiles: which endpoint, subscription and management certificate API commands use.
//!
//! Kept in `profiles.json` beside the CurrentUser store (`$AZMC_HOME`). A profile names a
//! certificate by thumbprint and store; the private key stays in the store, encrypted. The
//! file holds no secret, but is still written owner-only and atomically, and a file that
//! does not parse is reported, never overwritten.

use anyhow::{Context, Result, bail};
use azmc_certstore::fs::write_secret_file;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FORMAT: &str = "azmc-profiles";
const VERSION: u32 = 1;
/// A profiles file larger than this is refused.
const MAX_FILE: u64 = 4 * 1024 * 1024;

/// One profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub subscription_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_name: Option<String>,
    pub endpoint: String,
    /// Thumbprint of the management certificate (40 upper-case hex digits).
    pub certificate: String,
    /// The store holding it, e.g. `CurrentUser/My`.
    pub store: String,
    /// PEM of the CA certificates that are trusted for this endpoint (from `--ca-file`);
    /// absent: the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileJson {
    format: String,
    version: u32,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    profiles: Vec<Profile>,
}

/// The profiles of a user.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    path: PathBuf,
    pub default: Option<String>,
    pub profiles: Vec<Profile>,
}

impl Profiles {
    pub fn path_in(store_root: &Path) -> PathBuf {
        store_root.join("profiles.json")
    }

    /// Load (an absent file is an empty set of profiles).
    pub fn load(path: PathBuf) -> Result<Profiles> {
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Profiles {
                    path,
                    ..Profiles::default()
                });
            }
            Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
        };
        if meta.len() > MAX_FILE {
            bail!("{}: too large ({} bytes)", path.display(), meta.len());
        }
        let data =
            std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        let file: FileJson = serde_json::from_slice(&data)
            .with_context(|| format!("{}: not a profiles file", path.display()))?;
        if file.format != FORMAT || file.version != VERSION {
            bail!(
                "{}: unsupported profiles file ({} version {})",
                path.display(),
                file.format,
                file.version
            );
        }
        Ok(Profiles {
            path,
            default: file.default,
            profiles: file.profiles,
        })
    }

    pub fn save(&self) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        let file = FileJson {
            format: FORMAT.into(),
            version: VERSION,
            default: self.default.clone(),
            profiles: self.profiles.clone(),
        };
        let mut data = serde_json::to_vec_pretty(&file)?;
        data.push(b'\n');
        write_secret_file(&self.path, &data)
            .with_context(|| format!("{}: cannot write", self.path.display()))
    }

    /// A profile by name or subscription id (ignoring case).
    pub fn find(&self, key: &str) -> Option<&Profile> {
        self.profiles
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(key))
            .or_else(|| {
                self.profiles
                    .iter()
                    .find(|p| p.subscription_id.eq_ignore_ascii_case(key))
            })
    }

    /// Add or replace (by name) a profile; the first profile becomes the default.
    pub fn upsert(&mut self, p: Profile) {
        match self
            .profiles
            .iter_mut()
            .find(|q| q.name.eq_ignore_ascii_case(&p.name))
        {
            Some(q) => *q = p,
            None => self.profiles.push(p),
        }
        if self.default.is_none() {
            self.default = self.profiles.first().map(|p| p.name.clone());
        }
    }

    /// Remove a profile by name or subscription id; the default moves to the first left.
    pub fn remove(&mut self, key: &str) -> Option<Profile> {
        let name = self.find(key)?.name.clone();
        let i = self.profiles.iter().position(|p| p.name == name)?;
        let removed = self.profiles.remove(i);
        if self
            .default
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case(&removed.name))
        {
            self.default = self.profiles.first().map(|p| p.name.clone());
        }
        Some(removed)
    }

    /// A name for a new profile of `subscription`: its name if free (or already this
    /// subscription's), else the name with the id's first block.
    pub fn name_for(&self, name: Option<&str>, subscription_id: &str) -> String {
        let short = subscription_id.get(..8).unwrap_or(subscription_id);
        let base = name
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .unwrap_or(short);
        let clash = |n: &str| {
            self.profiles.iter().any(|p| {
                p.name.eq_ignore_ascii_case(n)
                    && !p.subscription_id.eq_ignore_ascii_case(subscription_id)
            })
        };
        if !clash(base) {
            return base.to_string();
        }
        format!("{base}-{short}")
    }

    /// The profile API commands use: `--profile`, else the one whose subscription id or
    /// name is `--subscription`, else the default.
    pub fn select(&self, profile: Option<&str>, subscription: Option<&str>) -> Result<&Profile> {
        if self.profiles.is_empty() {
            return crate::usage(
                "no profiles: run `azmc account import FILE.publishsettings` or `azmc account add`",
            );
        }
        if let Some(p) = profile {
            return match self.find(p) {
                Some(p) => Ok(p),
                None => crate::usage(format!(
                    "no profile {p:?} (profiles: {})",
                    self.names().join(", ")
                )),
            };
        }
        if let Some(s) = subscription {
            let hit = self.profiles.iter().find(|p| {
                p.subscription_id.eq_ignore_ascii_case(s)
                    || p.subscription_name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(s))
            });
            return match hit {
                Some(p) => Ok(p),
                None => crate::usage(format!(
                    "no profile for subscription {s:?} (import its publish settings or `azmc account add` it)"
                )),
            };
        }
        let default = self
            .default
            .as_deref()
            .and_then(|d| self.find(d))
            .or_else(|| self.profiles.first());
        match default {
            Some(p) => Ok(p),
            None => crate::usage("no default profile: `azmc account set NAME`"),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.profiles.iter().map(|p| p.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, id: &str) -> Profile {
        Profile {
            name: name.into(),
            subscription_id: id.into(),
            subscription_name: Some(name.into()),
            endpoint: "https://127.0.0.1:9443".into(),
            certificate: "AB".repeat(20),
            store: "CurrentUser/My".into(),
            ca_pem: None,
        }
    }

    #[test]
    fn select_default_remove_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut ps = Profiles::load(Profiles::path_in(dir.path())).unwrap();
        assert!(ps.select(None, None).is_err());
        let a = "aaaaaaaa-0000-0000-0000-000000000000";
        let b = "bbbbbbbb-0000-0000-0000-000000000000";
        ps.upsert(p("Dev", a));
        ps.upsert(p("Prod", b));
        assert_eq!(ps.default.as_deref(), Some("Dev"));
        assert_eq!(ps.select(None, None).unwrap().name, "Dev");
        assert_eq!(ps.select(Some("prod"), None).unwrap().name, "Prod");
        assert_eq!(ps.select(None, Some(b)).unwrap().name, "Prod");
        assert_eq!(ps.select(None, Some("PROD")).unwrap().name, "Prod");
        assert!(ps.select(Some("nope"), None).is_err());
        assert_eq!(ps.name_for(Some("Dev"), a), "Dev");
        assert_eq!(ps.name_for(Some("Dev"), b), "Dev-bbbbbbbb");
        assert_eq!(ps.name_for(None, b), "bbbbbbbb");
        ps.save().unwrap();
        let again = Profiles::load(Profiles::path_in(dir.path())).unwrap();
        assert_eq!(again.profiles, ps.profiles);
        ps.remove("dev").unwrap();
        assert_eq!(ps.default.as_deref(), Some("Prod"));
    }

    #[test]
    fn a_broken_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = Profiles::path_in(dir.path());
        std::fs::write(&path, b"{not json").unwrap();
        let e = Profiles::load(path.clone()).unwrap_err();
        assert!(format!("{e:#}").contains("not a profiles file"), "{e:#}");
        std::fs::write(&path, br#"{"format":"other","version":1}"#).unwrap();
        assert!(
            format!("{:#}", Profiles::load(path).unwrap_err())
                .contains("unsupported profiles file")
        );
    }
}
