//! Secrets at rest: the key-encryption key (KEK).
//!
//! The database keeps two secrets: the server CA's private key and the sealing key of
//! the private keys it stores ([`crate::domain::sealing`]). Both are stored wrapped
//! (AES-256-GCM) by the KEK, which lives outside the database: by default the file `kek`
//! in the data directory (mode 0600, made on the first start of a new database), or a
//! file named by `--kek-file`, or the value of `AZMC_KEK` (for nodes that share one
//! PostgreSQL database: they all need the same KEK). A dump or replica of the database
//! alone opens neither secret.
//!
//! A start unwraps both secrets and keeps them in memory only. It fails, naming what to
//! give, when the database holds wrapped secrets and the KEK is missing or is another one.
//! A database from before the KEK (its secrets stored plain) has them wrapped at its
//! first start with one.
//!
//! [`rotate`] wraps both secrets under a new KEK in one transaction. With a KEK file it
//! writes the new key beside it first (`kek.new`), then changes the database, then moves
//! the new file into place: a start that finds a `kek.new` left by an interrupted rotation
//! keeps whichever of the two opens the database. Running nodes are unaffected (the
//! secrets themselves do not change); each needs the new KEK for its next start.

use crate::domain::sealing::SealingKey;
use crate::error::ServerError;
use crate::tls::LocalCa;
use aws_lc_rs::aead;
use azmc_certstore::fs::write_secret_file;
use azmc_db::Db;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Where the KEK comes from.
#[derive(Clone)]
pub enum KekSource {
    /// A file holding the key in base64 (made on the first start if absent).
    File(PathBuf),
    /// The key itself in base64, from the environment (`AZMC_KEK`): never made here.
    Value(Zeroizing<String>),
}

impl fmt::Debug for KekSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KekSource::File(p) => f.debug_tuple("File").field(p).finish(),
            KekSource::Value(_) => f.write_str("Value(..)"),
        }
    }
}

impl KekSource {
    /// How errors name it.
    pub fn describe(&self) -> String {
        match self {
            KekSource::File(p) => p.display().to_string(),
            KekSource::Value(_) => "AZMC_KEK".into(),
        }
    }
}

/// The key-encryption key (AES-256-GCM, the same construction as the sealing key's).
pub struct Kek(SealingKey);

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(..)")
    }
}

/// Marks wrapped bytes (a plain PKCS#8 key starts with 0x30, a plain sealing key is 32
/// random bytes: neither is this long with this prefix).
const MAGIC: &[u8] = b"azmc-kek-v1:";
/// What each secret is bound to (associated data), so one cannot stand in for the other.
const CA_KEY: &[u8] = b"azmc server CA private key";
const SEALING_KEY: &[u8] = b"azmc sealing key";

fn is_wrapped(stored: &[u8]) -> bool {
    stored.len() > MAGIC.len() + aead::NONCE_LEN + aead::AES_256_GCM.tag_len()
        && stored.starts_with(MAGIC)
}

impl Kek {
    /// A new random KEK.
    pub fn generate() -> Result<Kek, ServerError> {
        SealingKey::generate()
            .map(Kek)
            .map_err(|e| ServerError::Other(format!("no randomness for a key: {e}")))
    }

    /// The KEK in `text` (base64 of 32 bytes, surrounding white space ignored); the error
    /// names `what` the text came from.
    pub fn parse(text: &[u8], what: &str) -> Result<Kek, ServerError> {
        let bad =
            |why: &str| ServerError::Config(format!("{what}: not a key-encryption key: {why}"));
        let text = std::str::from_utf8(text)
            .map_err(|_| bad("not text"))?
            .trim();
        let raw = Zeroizing::new(
            B64.decode(text)
                .map_err(|_| bad("expected the base64 of 32 bytes"))?,
        );
        SealingKey::from_bytes(&raw)
            .map(Kek)
            .ok_or_else(|| bad(&format!("{} bytes, expected 32", raw.len())))
    }

    /// The KEK as it is written to a file or given in `AZMC_KEK`.
    pub fn encoded(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{}\n", B64.encode(self.0.as_bytes())))
    }

    fn wrap(&self, plain: &[u8], purpose: &[u8]) -> Result<Vec<u8>, ServerError> {
        let sealed = self
            .0
            .seal(plain, purpose)
            .map_err(|_| ServerError::Other("wrapping a key failed".into()))?;
        Ok([MAGIC, &sealed].concat())
    }

    fn unwrap(&self, stored: &[u8], purpose: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.0.open(stored.strip_prefix(MAGIC)?, purpose)
    }
}

fn io_err(path: &Path, source: std::io::Error) -> ServerError {
    ServerError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The KEK of `source`; `None` for a file that does not exist. A file that others can
/// read or write is refused: the KEK is worth as much as every secret it wraps.
pub fn read(source: &KekSource) -> Result<Option<Kek>, ServerError> {
    match source {
        KekSource::Value(v) => Kek::parse(v.as_bytes(), "AZMC_KEK").map(Some),
        KekSource::File(p) => read_file(p),
    }
}

fn read_file(path: &Path) -> Result<Option<Kek>, ServerError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path, e)),
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ServerError::Config(format!(
            "{}: the key-encryption key is open to other users (mode {mode:o}): chmod 600 it",
            path.display()
        )));
    }
    let text = Zeroizing::new(std::fs::read(path).map_err(|e| io_err(path, e))?);
    Kek::parse(&text, &path.display().to_string()).map(Some)
}

/// `path` with `.new` appended: where a rotation writes the new KEK first.
fn staging(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// Renames `from` to `to` and makes the rename durable.
fn replace(from: &Path, to: &Path) -> Result<(), ServerError> {
    std::fs::rename(from, to).map_err(|e| io_err(to, e))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_err(dir, e))?;
    }
    Ok(())
}

/// The secrets a start unwrapped: the server CA and the sealing key.
#[derive(Debug)]
pub struct Unlocked {
    pub ca: LocalCa,
    pub sealing: SealingKey,
    /// Set when this start made the KEK file (a new database).
    pub created_kek: Option<PathBuf>,
}

fn wrong_kek(source: &KekSource) -> ServerError {
    ServerError::Config(format!(
        "{}: this key-encryption key does not open the database's secrets (the server CA key \
         and the sealing key): give the one this database was set up with (--kek-file or AZMC_KEK)",
        source.describe()
    ))
}

fn missing_kek(source: &KekSource) -> ServerError {
    ServerError::Config(format!(
        "{}: no key-encryption key, and the database's secrets are wrapped by one: give the \
         key this database was set up with (--kek-file or AZMC_KEK; nodes on one database \
         share it)",
        source.describe()
    ))
}

/// A stored secret opened.
struct Opened {
    plain: Zeroizing<Vec<u8>>,
    /// Its wrapped form, to store, when it was stored plain (a database from before the
    /// KEK).
    rewrapped: Option<Vec<u8>>,
}

fn open_stored(
    kek: &Kek,
    stored: &[u8],
    purpose: &[u8],
    source: &KekSource,
) -> Result<Opened, ServerError> {
    if is_wrapped(stored) {
        let plain = kek
            .unwrap(stored, purpose)
            .ok_or_else(|| wrong_kek(source))?;
        Ok(Opened {
            plain,
            rewrapped: None,
        })
    } else {
        Ok(Opened {
            plain: Zeroizing::new(stored.to_vec()),
            rewrapped: Some(kek.wrap(stored, purpose)?),
        })
    }
}

/// Finishes or undoes a rotation that was interrupted (a `kek.new` beside the KEK file):
/// keeps whichever of the two opens the stored CA key.
fn recover_rotation(path: &Path, stored_ca: Option<&[u8]>) -> Result<(), ServerError> {
    let new = staging(path);
    if !new.exists() {
        return Ok(());
    }
    let opens = |k: &Option<Kek>| match (k, stored_ca) {
        (Some(k), Some(s)) => k.unwrap(s, CA_KEY).is_some(),
        _ => false,
    };
    if opens(&read_file(path)?) {
        tracing::warn!(
            "{}: removed: a key-encryption key rotation was interrupted before the database changed",
            new.display()
        );
        std::fs::remove_file(&new).map_err(|e| io_err(&new, e))?;
    } else if opens(&read_file(&new)?) {
        tracing::warn!(
            "{}: in place: a key-encryption key rotation was interrupted after the database changed",
            path.display()
        );
        replace(&new, path)?;
    }
    Ok(())
}

/// Unwraps the server CA and the sealing key with the KEK of `source`, making what a new
/// database lacks (the KEK file, the CA, the sealing key: nodes starting together all
/// end up with the first one stored) and wrapping what an older database stored plain.
pub async fn unlock(
    db: &Db,
    source: &KekSource,
    now: OffsetDateTime,
) -> Result<Unlocked, ServerError> {
    if let KekSource::File(path) = source {
        let stored = db.get_server_ca().await?;
        recover_rotation(path, stored.as_ref().map(|(_, k)| k.as_slice()))?;
    }
    let (kek, created_kek) = match read(source)? {
        Some(k) => (k, None),
        None => {
            let KekSource::File(path) = source else {
                unreachable!("a KEK given as a value is always read or refused");
            };
            let ca = db.get_server_ca().await?;
            let sealing = db.sealing_key().await?;
            if ca.iter().any(|(_, k)| is_wrapped(k)) || sealing.iter().any(|k| is_wrapped(k)) {
                return Err(missing_kek(source));
            }
            let k = Kek::generate()?;
            write_secret_file(path, k.encoded().as_bytes())?;
            (k, Some(path.clone()))
        }
    };
    let r = unlock_with(db, &kek, source, now).await;
    if let (Err(_), Some(path)) = (&r, &created_kek) {
        // A KEK made by this start that opens nothing is of no use to anyone.
        let _ = std::fs::remove_file(path);
    }
    let (ca, sealing) = r?;
    Ok(Unlocked {
        ca,
        sealing,
        created_kek,
    })
}

async fn unlock_with(
    db: &Db,
    kek: &Kek,
    source: &KekSource,
    now: OffsetDateTime,
) -> Result<(LocalCa, SealingKey), ServerError> {
    // Another node may wrap the same plain secrets at the same moment: the loser of that
    // race reads again and finds them wrapped.
    for _ in 0..3 {
        let (cert, stored_ca) = match db.get_server_ca().await? {
            Some(row) => row,
            None => {
                let fresh = LocalCa::generate(now)?;
                let wrapped = kek.wrap(fresh.key_der(), CA_KEY)?;
                db.put_server_ca_if_absent(&fresh.cert_pem, &wrapped)
                    .await?
            }
        };
        let stored_sealing = match db.sealing_key().await? {
            Some(k) => k,
            None => {
                let fresh = SealingKey::generate()
                    .map_err(|e| ServerError::Other(format!("no randomness for a key: {e}")))?;
                let wrapped = kek.wrap(fresh.as_bytes(), SEALING_KEY)?;
                db.sealing_key_or_insert(&wrapped).await?
            }
        };
        let ca_key = open_stored(kek, &stored_ca, CA_KEY, source)?;
        let sealing = open_stored(kek, &stored_sealing, SEALING_KEY, source)?;
        if ca_key.rewrapped.is_some() || sealing.rewrapped.is_some() {
            let done = db
                .replace_stored_keys(
                    ca_key
                        .rewrapped
                        .as_deref()
                        .map(|w| (stored_ca.as_slice(), w)),
                    sealing
                        .rewrapped
                        .as_deref()
                        .map(|w| (stored_sealing.as_slice(), w)),
                )
                .await?;
            if !done {
                continue;
            }
            tracing::info!("the database's secrets are now wrapped by the key-encryption key");
        }
        let sealing = SealingKey::from_bytes(&sealing.plain).ok_or_else(|| {
            ServerError::Other("the stored sealing key is not 32 bytes long".into())
        })?;
        return Ok((LocalCa::from_parts(cert, ca_key.plain.to_vec()), sealing));
    }
    Err(ServerError::Other(
        "the database's secrets kept changing while being wrapped: start again".into(),
    ))
}

/// What [`rotate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// Where the new KEK is.
    pub kek_file: PathBuf,
    /// The KEK file of the source was replaced (else the new KEK is only in `kek_file`).
    pub in_place: bool,
}

/// Wraps the database's secrets under a new KEK. With a KEK file and no `new_file`, the
/// file is replaced; otherwise the new KEK is written to `new_file` (which must not
/// exist) for the operator to hand to every node.
pub async fn rotate(
    db: &Db,
    source: &KekSource,
    new_file: Option<&Path>,
) -> Result<Rotated, ServerError> {
    let (target, in_place) = match (source, new_file) {
        (_, Some(f)) => {
            if f.exists() {
                return Err(ServerError::Config(format!(
                    "{}: exists; the new key-encryption key goes to a new file",
                    f.display()
                )));
            }
            (f.to_path_buf(), None)
        }
        (KekSource::File(p), None) => (staging(p), Some(p.clone())),
        (KekSource::Value(_), None) => {
            return Err(ServerError::Config(
                "the key-encryption key comes from AZMC_KEK: give --new-kek-file FILE for the new one"
                    .into(),
            ));
        }
    };
    let old = read(source)?.ok_or_else(|| missing_kek(source))?;
    let not_wrapped = || {
        ServerError::Config(
            "the database's secrets are not wrapped by a key-encryption key yet: start `azmc serve` on it once"
                .into(),
        )
    };
    let (_, stored_ca) = db.get_server_ca().await?.ok_or_else(not_wrapped)?;
    let stored_sealing = db.sealing_key().await?.ok_or_else(not_wrapped)?;
    if !is_wrapped(&stored_ca) || !is_wrapped(&stored_sealing) {
        return Err(not_wrapped());
    }
    let ca_key = old
        .unwrap(&stored_ca, CA_KEY)
        .ok_or_else(|| wrong_kek(source))?;
    let sealing = old
        .unwrap(&stored_sealing, SEALING_KEY)
        .ok_or_else(|| wrong_kek(source))?;
    let new = Kek::generate()?;
    let new_ca = new.wrap(&ca_key, CA_KEY)?;
    let new_sealing = new.wrap(&sealing, SEALING_KEY)?;
    write_secret_file(&target, new.encoded().as_bytes())?;
    let done = db
        .replace_stored_keys(
            Some((&stored_ca, &new_ca)),
            Some((&stored_sealing, &new_sealing)),
        )
        .await;
    match done {
        Ok(true) => {}
        Ok(false) => {
            let _ = std::fs::remove_file(&target);
            return Err(ServerError::Other(
                "the database's secrets changed during the rotation (another rotation?): nothing was changed"
                    .into(),
            ));
        }
        // The commit may or may not have happened: the next start keeps whichever key
        // opens the database.
        Err(e) => return Err(e.into()),
    }
    match in_place {
        Some(path) => {
            replace(&target, &path)?;
            Ok(Rotated {
                kek_file: path,
                in_place: true,
            })
        }
        None => Ok(Rotated {
            kek_file: target,
            in_place: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_bytes_open_only_with_their_key_and_purpose() {
        let (a, b) = (Kek::generate().unwrap(), Kek::generate().unwrap());
        let w = a.wrap(b"secret", CA_KEY).unwrap();
        assert!(is_wrapped(&w));
        assert!(!w.windows(6).any(|x| x == b"secret"));
        assert_eq!(a.unwrap(&w, CA_KEY).unwrap().as_slice(), b"secret");
        assert!(a.unwrap(&w, SEALING_KEY).is_none());
        assert!(b.unwrap(&w, CA_KEY).is_none());
        assert!(!is_wrapped(&[0x30; 32]));
        assert!(!is_wrapped(MAGIC));
    }

    #[test]
    fn a_kek_reads_back_and_bad_text_is_named() {
        let k = Kek::generate().unwrap();
        let back = Kek::parse(k.encoded().as_bytes(), "f").unwrap();
        assert_eq!(back.0.as_bytes(), k.0.as_bytes());
        assert_eq!(format!("{k:?}"), "Kek(..)");
        let e = Kek::parse(b"c2hvcnQ=", "the file").unwrap_err().to_string();
        assert!(e.contains("the file") && e.contains("5 bytes"), "{e}");
        let e = Kek::parse(b"not base64!", "AZMC_KEK")
            .unwrap_err()
            .to_string();
        assert!(e.contains("AZMC_KEK") && e.contains("base64"), "{e}");
        let v = KekSource::Value(Zeroizing::new("c2VjcmV0".into()));
        assert_eq!(format!("{v:?}"), "Value(..)");
    }
}
