//! [`CertStore`]: one store (scope + name) on disk.

use crate::crypto::{self, MasterKey, OpenError, SealedKey};
use crate::error::StoreError;
use crate::fs::{
    ensure_private_dir, overwrite_and_remove, read_capped, sync_dir, write_secret_file,
};
use crate::location::{StoreLocation, StoreName, StorePaths};
use crate::lock::StoreLock;
use azmc_pki::clock::SharedClock;
use azmc_pki::pkcs12::{self, Profile, ReadOptions};
use azmc_pki::{Certificate, PkiError, PrivateKey, Thumbprint};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Name of the master key file in a scope root.
pub const MASTER_KEY_FILE: &str = "master.key";
/// Name of the directory holding the stores in a scope root.
pub const STORES_DIR: &str = "stores";
/// How long a store operation waits for another process's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest friendly name kept (longer ones are cut).
pub const MAX_FRIENDLY_NAME: usize = 256;

const MAX_KEY_FILE: u64 = 64 * 1024;
const MAX_META_FILE: u64 = 64 * 1024;
const META_FORMAT: &str = "azmc-certstore-meta";
const META_VERSION: u32 = 1;

/// How a private key is protected beyond the scope's master key.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum Protection<'a> {
    /// Encrypted under the master key only: usable without asking.
    #[default]
    Default,
    /// "Strong protection": additionally sealed by this passphrase, which is asked for at
    /// every use of the key. Must not be empty.
    Passphrase(&'a str),
}

impl std::fmt::Debug for Protection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Default => f.write_str("Default"),
            Protection::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
        }
    }
}

/// What may be done with a stored private key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyPolicy<'a> {
    /// Whether [`CertStore::export_pfx`] may export it. Imports default to `false`, as on
    /// Windows.
    pub exportable: bool,
    pub protection: Protection<'a>,
}

/// Where the passphrase of a strongly protected key comes from (a terminal prompt, a
/// file, a fixed string in tests). Asked at every use of such a key.
pub trait PassphraseSource {
    /// The passphrase; `prompt` says which key it is for.
    fn passphrase(&self, prompt: &str) -> Result<Zeroizing<String>, StoreError>;
}

/// A passphrase known in advance (tests, `--passphrase-file` read by the caller).
#[derive(Clone)]
pub struct FixedPassphrase(Zeroizing<String>);

impl FixedPassphrase {
    pub fn new(passphrase: impl Into<String>) -> Self {
        FixedPassphrase(Zeroizing::new(passphrase.into()))
    }
}

impl std::fmt::Debug for FixedPassphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FixedPassphrase(<redacted>)")
    }
}

impl PassphraseSource for FixedPassphrase {
    fn passphrase(&self, _prompt: &str) -> Result<Zeroizing<String>, StoreError> {
        Ok(self.0.clone())
    }
}

/// The passphrase itself (e.g. as read from `--passphrase-file`).
impl PassphraseSource for Zeroizing<String> {
    fn passphrase(&self, _prompt: &str) -> Result<Zeroizing<String>, StoreError> {
        Ok(self.clone())
    }
}

/// No passphrase available: using a strongly protected key fails with
/// [`StoreError::PassphraseRequired`]; other keys work.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPassphrase;

impl PassphraseSource for NoPassphrase {
    fn passphrase(&self, _prompt: &str) -> Result<Zeroizing<String>, StoreError> {
        Err(StoreError::PassphraseRequired)
    }
}

/// A certificate in a store, with what is known about its private key (the key itself
/// comes from [`CertStore::private_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub thumbprint: Thumbprint,
    pub certificate: Certificate,
    pub has_private_key: bool,
    /// The private key may be exported (always `false` without a key).
    pub exportable: bool,
    /// The private key is sealed by a passphrase (always `false` without a key).
    pub protected: bool,
    /// When the certificate was added (whole seconds).
    pub added: OffsetDateTime,
    pub friendly_name: Option<String>,
    pub location: StoreLocation,
}

/// Which certificates [`CertStore::find`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The certificate with this thumbprint.
    Thumbprint(Thumbprint),
    /// Certificates whose subject contains this text, ignoring case.
    Subject(String),
}

/// The result of [`CertStore::list_checked`]: the readable entries, and an error for each
/// entry that could not be read.
#[derive(Debug, Default)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub problems: Vec<StoreError>,
}

/// `<THUMBPRINT>.meta`: properties of the certificate that are neither the certificate
/// nor the key.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: String,
    version: u32,
    /// Unix time (seconds) the certificate was added.
    added: i64,
    friendly_name: Option<String>,
}

impl Meta {
    fn new(added: i64, friendly_name: Option<String>) -> Self {
        Meta {
            format: META_FORMAT.into(),
            version: META_VERSION,
            added,
            friendly_name,
        }
    }

    fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    fn from_json(data: &[u8]) -> Result<Meta, String> {
        let m: Meta =
            serde_json::from_slice(data).map_err(|e| format!("not a metadata file: {e}"))?;
        if m.format != META_FORMAT {
            return Err(format!("not a metadata file (format {:?})", m.format));
        }
        if m.version != META_VERSION {
            return Err(format!(
                "metadata version {} is not supported (this azmc reads version {META_VERSION})",
                m.version
            ));
        }
        Ok(m)
    }
}

/// Friendly names are shown in lists: control characters are dropped, surrounding white
/// space trimmed, the length capped, and an empty result is no name.
fn normalize_friendly_name(name: &str) -> Option<String> {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FRIENDLY_NAME)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_string())
}

/// One certificate store on disk. See the crate documentation for the layout.
///
/// Opening reads nothing but the list of store directories; every operation takes the
/// store's lock for its own duration, so many `CertStore`s (in one or many processes) can
/// work on the same store.
#[derive(Debug, Clone)]
pub struct CertStore {
    location: StoreLocation,
    root: PathBuf,
    dir: PathBuf,
    clock: SharedClock,
    lock_timeout: Duration,
}

/// An entry as read from disk, with its sealed key.
struct Loaded {
    entry: Entry,
    sealed: Option<SealedKey>,
}

impl CertStore {
    /// Open the store at `location`. Creates nothing: directories are made (0700) on the
    /// first write. Store names other than the well-known ones are matched
    /// case-insensitively against the existing store directories, so `elsewhere` opens a
    /// store created as `Elsewhere` (and reports its name as `Elsewhere`).
    pub fn open(
        paths: &StorePaths,
        location: &StoreLocation,
        clock: SharedClock,
    ) -> Result<Self, StoreError> {
        let root = paths.root(location.scope).to_path_buf();
        let stores = root.join(STORES_DIR);
        let mut location = location.clone();
        if let Some(existing) = find_store_dir(&stores, &location.name)? {
            location.name = existing;
        }
        let dir = stores.join(location.name.as_str());
        Ok(CertStore {
            location,
            root,
            dir,
            clock,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        })
    }

    /// How long to wait for another process's lock before [`StoreError::Locked`].
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The store's directory (`<scope root>/stores/<name>`); it may not exist yet.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn cer_path(&self, t: &Thumbprint) -> PathBuf {
        self.dir.join(format!("{t}.cer"))
    }

    fn key_path(&self, t: &Thumbprint) -> PathBuf {
        self.dir.join(format!("{t}.key"))
    }

    fn meta_path(&self, t: &Thumbprint) -> PathBuf {
        self.dir.join(format!("{t}.meta"))
    }

    fn master_path(&self) -> PathBuf {
        self.root.join(MASTER_KEY_FILE)
    }

    fn lock_shared(&self) -> Result<Option<StoreLock>, StoreError> {
        if !self.dir.is_dir() {
            return Ok(None);
        }
        StoreLock::shared(&self.dir, self.lock_timeout)
    }

    fn lock_exclusive(&self) -> Result<StoreLock, StoreError> {
        ensure_private_dir(&self.dir)?;
        StoreLock::exclusive(&self.dir, self.lock_timeout)
    }

    /// Read one entry (`None` if its `.cer` does not exist).
    fn load(&self, t: &Thumbprint) -> Result<Option<Loaded>, StoreError> {
        let cer_path = self.cer_path(t);
        let Some(der) = read_capped(&cer_path, azmc_pki::cert::MAX_CERT_SIZE as u64)? else {
            return Ok(None);
        };
        let certificate = Certificate::from_der(&der)
            .map_err(|e| StoreError::corrupt(&cer_path, format!("unreadable certificate: {e}")))?;
        if certificate.thumbprint() != *t {
            return Err(StoreError::corrupt(
                &cer_path,
                format!(
                    "holds certificate {}, not the one its name says",
                    certificate.thumbprint()
                ),
            ));
        }
        let meta_path = self.meta_path(t);
        let (added, friendly_name) = match read_capped(&meta_path, MAX_META_FILE)? {
            Some(data) => {
                let m = Meta::from_json(&data).map_err(|r| StoreError::corrupt(&meta_path, r))?;
                let added = OffsetDateTime::from_unix_timestamp(m.added).map_err(|_| {
                    StoreError::corrupt(&meta_path, "the time added is out of range")
                })?;
                (added, m.friendly_name)
            }
            // A certificate copied in by hand: the file's time stands in.
            None => {
                let modified = std::fs::metadata(&cer_path)
                    .and_then(|m| m.modified())
                    .map_err(|e| StoreError::io(&cer_path, e))?;
                let added = OffsetDateTime::from(modified);
                (added.replace_nanosecond(0).unwrap_or(added), None)
            }
        };
        let key_path = self.key_path(t);
        let sealed = match read_capped(&key_path, MAX_KEY_FILE)? {
            None => None,
            Some(data) => {
                let s =
                    SealedKey::from_json(&data).map_err(|r| StoreError::corrupt(&key_path, r))?;
                if s.thumbprint != t.to_string() {
                    return Err(StoreError::corrupt(
                        &key_path,
                        format!("the key file is for certificate {}", s.thumbprint),
                    ));
                }
                Some(s)
            }
        };
        let entry = Entry {
            thumbprint: *t,
            certificate,
            has_private_key: sealed.is_some(),
            exportable: sealed.as_ref().is_some_and(|s| s.exportable),
            protected: sealed.as_ref().is_some_and(SealedKey::protected),
            added,
            friendly_name,
            location: self.location.clone(),
        };
        Ok(Some(Loaded { entry, sealed }))
    }

    fn load_required(&self, t: &Thumbprint) -> Result<Loaded, StoreError> {
        self.load(t)?.ok_or(StoreError::NotFound { thumbprint: *t })
    }

    /// The master key for sealing a new key: created on first need, but never when private
    /// keys of this scope exist already (they were sealed under the lost one).
    fn master_for_write(&self) -> Result<MasterKey, StoreError> {
        let path = self.master_path();
        if let Some(m) = crypto::load_master_key(&path)? {
            return Ok(m);
        }
        let orphans = count_key_files(&self.root.join(STORES_DIR));
        if orphans > 0 {
            return Err(StoreError::corrupt(
                &path,
                format!(
                    "missing, but {orphans} private key file(s) in this scope were sealed under it; not creating a new one (restore it from a backup, or delete those keys)"
                ),
            ));
        }
        crypto::create_master_key(&path)
    }

    fn master_for_read(&self, t: &Thumbprint) -> Result<MasterKey, StoreError> {
        let path = self.master_path();
        crypto::load_master_key(&path)?.ok_or_else(|| {
            StoreError::corrupt(
                &path,
                format!("missing, but the private key of {t} was sealed under it"),
            )
        })
    }

    /// Add a certificate, optionally with its private key.
    ///
    /// * The key must belong to the certificate ([`StoreError::KeyMismatch`]).
    /// * The certificate already there: without a key this is a no-op that returns the
    ///   entry; with a key it is attached if the entry has none, else
    ///   [`StoreError::AlreadyExists`].
    /// * An existing entry that cannot be read is reported, not overwritten.
    pub fn add(
        &self,
        cert: &Certificate,
        key: Option<(&PrivateKey, &KeyPolicy<'_>)>,
        friendly_name: Option<&str>,
    ) -> Result<Entry, StoreError> {
        let t = cert.thumbprint();
        let friendly = friendly_name.and_then(normalize_friendly_name);
        if let Some((k, policy)) = key {
            if !k.matches(cert) {
                return Err(StoreError::KeyMismatch { thumbprint: t });
            }
            if matches!(policy.protection, Protection::Passphrase(p) if p.is_empty()) {
                return Err(StoreError::Passphrase(
                    "the passphrase must not be empty".into(),
                ));
            }
        }
        if key.is_none()
            && let Some(existing) = self.read_locked(|| self.load(&t))?
        {
            return Ok(existing.entry);
        }

        let _lock = self.lock_exclusive()?;
        let existing = self.load(&t)?;
        let now = self.clock.now().unix_timestamp();
        match (&existing, key) {
            (Some(e), None) => return Ok(e.entry.clone()),
            (Some(e), Some(_)) if e.entry.has_private_key => {
                return Err(StoreError::AlreadyExists { thumbprint: t });
            }
            _ => {}
        }
        if let Some((k, policy)) = key {
            let master = self.master_for_write()?;
            let passphrase = match policy.protection {
                Protection::Default => None,
                Protection::Passphrase(p) => Some(p),
            };
            let sealed = SealedKey::seal(
                &master,
                &t.to_string(),
                k.pkcs8_der(),
                policy.exportable,
                passphrase,
                now,
            )?;
            write_secret_file(&self.key_path(&t), &sealed.to_json())?;
        }
        match &existing {
            None => {
                write_secret_file(&self.meta_path(&t), &Meta::new(now, friendly).to_json())?;
                // The .cer last: an entry exists once its certificate does.
                write_secret_file(&self.cer_path(&t), cert.der())?;
            }
            Some(e) if e.entry.friendly_name.is_none() && friendly.is_some() => {
                let added = e.entry.added.unix_timestamp();
                write_secret_file(&self.meta_path(&t), &Meta::new(added, friendly).to_json())?;
            }
            Some(_) => {}
        }
        Ok(self.load_required(&t)?.entry)
    }

    fn read_locked<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let _lock = self.lock_shared()?;
        f()
    }

    /// Every readable entry, sorted by subject (ignoring case), then thumbprint. Entries
    /// that cannot be read are left out (see [`CertStore::list_checked`] to learn which).
    pub fn list(&self) -> Result<Vec<Entry>, StoreError> {
        Ok(self.list_checked()?.entries)
    }

    /// Every readable entry (sorted as [`CertStore::list`]), and a
    /// [`StoreError::Corrupt`] (or I/O error) for each entry that could not be read.
    /// Files whose names are not `<THUMBPRINT>.cer|.key|.meta` are ignored.
    pub fn list_checked(&self) -> Result<Listing, StoreError> {
        let _lock = self.lock_shared()?;
        let mut listing = Listing::default();
        for t in self.thumbprints()? {
            match self.load(&t) {
                Ok(Some(l)) => listing.entries.push(l.entry),
                Ok(None) => {}
                Err(e) => listing.problems.push(e),
            }
        }
        listing.entries.sort_by(|a, b| {
            let (sa, sb) = (a.certificate.subject(), b.certificate.subject());
            sa.to_lowercase()
                .cmp(&sb.to_lowercase())
                .then_with(|| sa.cmp(sb))
                .then_with(|| a.thumbprint.as_bytes().cmp(b.thumbprint.as_bytes()))
        });
        Ok(listing)
    }

    /// The thumbprints of the `.cer` files in the store directory.
    fn thumbprints(&self) -> Result<Vec<Thumbprint>, StoreError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&self.dir, e)),
        };
        let mut out = Vec::new();
        for item in rd {
            let item = item.map_err(|e| StoreError::io(&self.dir, e))?;
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".cer") else {
                continue;
            };
            if let Ok(t) = stem.parse::<Thumbprint>()
                && t.to_string() == stem
            {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Entries matching `query` (an empty vector if none).
    pub fn find(&self, query: &Query) -> Result<Vec<Entry>, StoreError> {
        match query {
            Query::Thumbprint(t) => match self.get(t) {
                Ok(e) => Ok(vec![e]),
                Err(StoreError::NotFound { .. }) => Ok(Vec::new()),
                Err(e) => Err(e),
            },
            Query::Subject(s) => {
                let needle = s.to_lowercase();
                Ok(self
                    .list()?
                    .into_iter()
                    .filter(|e| e.certificate.subject().to_lowercase().contains(&needle))
                    .collect())
            }
        }
    }

    /// The entry with this thumbprint: [`StoreError::NotFound`] if there is none,
    /// [`StoreError::Corrupt`] if its files cannot be read.
    pub fn get(&self, thumbprint: &Thumbprint) -> Result<Entry, StoreError> {
        self.read_locked(|| self.load_required(thumbprint))
            .map(|l| l.entry)
    }

    /// Remove a certificate and its key (the key file is overwritten first). Works on
    /// entries whose files are damaged too.
    pub fn delete(&self, thumbprint: &Thumbprint) -> Result<(), StoreError> {
        let t = thumbprint;
        if !self.dir.is_dir() {
            return Err(StoreError::NotFound { thumbprint: *t });
        }
        let _lock = self.lock_exclusive()?;
        let paths = [self.key_path(t), self.cer_path(t), self.meta_path(t)];
        if !paths.iter().any(|p| std::fs::symlink_metadata(p).is_ok()) {
            return Err(StoreError::NotFound { thumbprint: *t });
        }
        // The secret first, so an interrupted delete never leaves a key behind a
        // certificate that looks deleted.
        remove_key_file(&paths[0])?;
        for p in &paths[1..] {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(p, e)),
            }
        }
        sync_dir(&self.dir);
        Ok(())
    }

    /// Remove only the private key (overwritten with zeros, then removed); the certificate
    /// stays. [`StoreError::NoPrivateKey`] if it has none.
    pub fn delete_key(&self, thumbprint: &Thumbprint) -> Result<(), StoreError> {
        let t = thumbprint;
        if !self.dir.is_dir() {
            return Err(StoreError::NotFound { thumbprint: *t });
        }
        let _lock = self.lock_exclusive()?;
        if std::fs::symlink_metadata(self.cer_path(t)).is_err() {
            return Err(StoreError::NotFound { thumbprint: *t });
        }
        let key = self.key_path(t);
        if std::fs::symlink_metadata(&key).is_err() {
            return Err(StoreError::NoPrivateKey { thumbprint: *t });
        }
        remove_key_file(&key)
    }

    /// The certificate `thumbprint` and its decrypted private key, to authenticate with
    /// (what `X509Store.Find(FindByThumbprint)` and the certificate's private key gave
    /// .NET programs). [`StoreError::NotFound`] if the store does not hold it,
    /// [`StoreError::NoPrivateKey`] if it holds no key for it; a strongly protected key
    /// asks `passphrase`.
    pub fn certificate_and_key(
        &self,
        thumbprint: &Thumbprint,
        passphrase: &dyn PassphraseSource,
    ) -> Result<(Certificate, PrivateKey), StoreError> {
        let key = self.private_key(thumbprint, passphrase)?;
        let entry = self.get(thumbprint)?;
        Ok((entry.certificate, key))
    }

    /// Decrypt a stored private key to use it (sign requests, TLS). There is no export
    /// check here; a strongly protected key asks `passphrase`.
    pub fn private_key(
        &self,
        thumbprint: &Thumbprint,
        passphrase: &dyn PassphraseSource,
    ) -> Result<PrivateKey, StoreError> {
        let (loaded, master) = self.read_locked(|| {
            let l = self.load_required(thumbprint)?;
            if l.sealed.is_none() {
                return Err(StoreError::NoPrivateKey {
                    thumbprint: *thumbprint,
                });
            }
            let m = self.master_for_read(thumbprint)?;
            Ok((l, m))
        })?;
        // The lock is released: a passphrase prompt must not hold up other processes.
        self.unseal(&loaded, &master, passphrase)
    }

    fn unseal(
        &self,
        loaded: &Loaded,
        master: &MasterKey,
        source: &dyn PassphraseSource,
    ) -> Result<PrivateKey, StoreError> {
        let t = loaded.entry.thumbprint;
        let key_path = self.key_path(&t);
        let Some(sealed) = &loaded.sealed else {
            return Err(StoreError::NoPrivateKey { thumbprint: t });
        };
        let passphrase = if sealed.protected() {
            let p = source.passphrase(&format!(
                "Passphrase for the private key of {t} ({})",
                loaded.entry.certificate.subject()
            ))?;
            Some(p)
        } else {
            None
        };
        let pkcs8 = sealed
            .open(master, passphrase.as_ref().map(|p| p.as_str()))
            .map_err(|e| match e {
                OpenError::WrongPassphrase => StoreError::WrongPassphrase,
                OpenError::Failed(reason) => StoreError::corrupt(&key_path, reason),
            })?;
        let key = PrivateKey::from_pkcs8_der(&pkcs8).map_err(|e| {
            StoreError::corrupt(&key_path, format!("the decrypted key is unreadable: {e}"))
        })?;
        if !key.matches(&loaded.entry.certificate) {
            return Err(StoreError::corrupt(
                &key_path,
                "the decrypted key does not belong to the certificate",
            ));
        }
        Ok(key)
    }

    /// Export the certificate and its private key as PKCS#12. Refused with
    /// [`StoreError::NotExportable`] for keys stored as not exportable (before any
    /// passphrase is asked), [`StoreError::NoPrivateKey`] without a key.
    pub fn export_pfx(
        &self,
        thumbprint: &Thumbprint,
        password: &str,
        profile: Profile,
        passphrase: &dyn PassphraseSource,
    ) -> Result<Vec<u8>, StoreError> {
        let (loaded, master) = self.read_locked(|| {
            let l = self.load_required(thumbprint)?;
            match &l.sealed {
                None => {
                    return Err(StoreError::NoPrivateKey {
                        thumbprint: *thumbprint,
                    });
                }
                Some(s) if !s.exportable => {
                    return Err(StoreError::NotExportable {
                        thumbprint: *thumbprint,
                    });
                }
                Some(_) => {}
            }
            let m = self.master_for_read(thumbprint)?;
            Ok((l, m))
        })?;
        // Decryption authenticates the exportable flag read above.
        let key = self.unseal(&loaded, &master, passphrase)?;
        Ok(pkcs12::write(
            &loaded.entry.certificate,
            &key,
            &[],
            password,
            profile,
            loaded.entry.friendly_name.as_deref(),
        )?)
    }

    /// Import a PKCS#12 file: its end-entity certificate, and its private key under
    /// `policy` (pass `KeyPolicy::default()` for a non-exportable key, as Windows does).
    /// Other certificates in the file (a chain) are not imported. Nothing is written
    /// unless the file reads completely (a wrong password changes nothing).
    pub fn import_pfx(
        &self,
        data: &[u8],
        password: &str,
        options: ReadOptions,
        policy: &KeyPolicy<'_>,
    ) -> Result<Entry, StoreError> {
        let p = pkcs12::read(data, password, options)?;
        let cert = p.certificate.ok_or_else(|| {
            StoreError::Pki(PkiError::BadPkcs12("the file holds no certificate".into()))
        })?;
        if let Some(k) = &p.key
            && !k.matches(&cert)
        {
            return Err(StoreError::KeyMismatch {
                thumbprint: cert.thumbprint(),
            });
        }
        self.add(
            &cert,
            p.key.as_ref().map(|k| (k, policy)),
            p.friendly_name.as_deref(),
        )
    }
}

/// Overwrite-and-remove a key file if it exists.
fn remove_key_file(path: &Path) -> Result<(), StoreError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(path, e)),
        Ok(m) if m.is_file() => overwrite_and_remove(path),
        // Not something we wrote: remove the name without touching any target.
        Ok(_) => std::fs::remove_file(path).map_err(|e| StoreError::io(path, e)),
    }
}

/// The existing store directory whose name equals `name` ignoring case (exact spelling
/// preferred), if any.
fn find_store_dir(stores: &Path, name: &StoreName) -> Result<Option<StoreName>, StoreError> {
    if stores.join(name.as_str()).is_dir() {
        return Ok(None);
    }
    let rd = match std::fs::read_dir(stores) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(stores, e)),
    };
    let mut found: Vec<StoreName> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.eq_ignore_ascii_case(name.as_str()))
        .filter_map(|n| n.parse::<StoreName>().ok())
        .filter(|n| n.as_str() != name.as_str())
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

/// How many `*.key` files the stores of a scope hold.
fn count_key_files(stores: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(stores) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .filter(|d| d.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .flat_map(|files| files.filter_map(Result::ok))
        .filter(|f| {
            f.file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(".key") && !n.starts_with('.'))
        })
        .count()
}
