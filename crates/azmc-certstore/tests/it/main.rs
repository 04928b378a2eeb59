//! The one integration-test binary of `azmc-certstore`. Every test works in its own
//! temporary directory (both scope roots inside it), never in the real HOME.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod files;
mod names;
mod pfx;
mod protection;
mod store;

use azmc_certstore::{CertStore, KeyPolicy, Protection, StoreLocation, StorePaths};
use azmc_pki::clock::{FixedClock, SharedClock};
use azmc_pki::{Certificate, KeyKind, NewCertificate, PrivateKey};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::datetime;

pub const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

/// A temporary home for both scopes.
#[derive(Debug)]
pub struct Env {
    pub dir: tempfile::TempDir,
    pub paths: StorePaths,
}

impl Env {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = StorePaths::new(dir.path().join("user"), dir.path().join("machine"));
        Env { dir, paths }
    }

    pub fn clock(&self) -> SharedClock {
        Arc::new(FixedClock(NOW))
    }

    pub fn open(&self, location: &str) -> CertStore {
        let loc: StoreLocation = location.parse().unwrap();
        CertStore::open(&self.paths, &loc, self.clock()).unwrap()
    }

    pub fn my(&self) -> CertStore {
        self.open("CurrentUser/My")
    }

    pub fn user_root(&self) -> &Path {
        &self.paths.current_user
    }

    /// Every file and directory under the temporary home, with contents and mode.
    pub fn snapshot(&self) -> Vec<(PathBuf, Option<Vec<u8>>, u32)> {
        let mut out = Vec::new();
        walk(self.dir.path(), &mut out);
        out.sort();
        out
    }
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Option<Vec<u8>>, u32)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            out.push((p.clone(), None, mode));
            walk(&p, out);
        } else {
            out.push((p.clone(), Some(std::fs::read(&p).unwrap()), mode));
        }
    }
}

/// Every file (not directory) under `root`.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    walk(root, &mut all);
    all.into_iter()
        .filter(|(_, data, _)| data.is_some())
        .map(|(p, _, _)| p)
        .collect()
}

pub fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// A fresh P-256 certificate and key named `CN=<name>`.
pub fn new_cert(name: &str) -> (Certificate, PrivateKey) {
    azmc_pki::create_self_signed(&NewCertificate {
        name,
        key: KeyKind::P256,
        days: 365,
        now: NOW,
    })
    .unwrap()
}

pub const EXPORTABLE: KeyPolicy<'static> = KeyPolicy {
    exportable: true,
    protection: Protection::Default,
};

pub const NOT_EXPORTABLE: KeyPolicy<'static> = KeyPolicy {
    exportable: false,
    protection: Protection::Default,
};
