//! Inter-process locking of a store directory: `<store dir>/.lock`, locked exclusively
//! around every change and shared around every read (`flock(2)` through
//! `std::fs::File::lock`). The lock belongs to the open file, so threads of one process
//! that each open the store exclude each other as separate processes do.

use crate::error::StoreError;
use std::fs::{File, OpenOptions, Permissions, TryLockError};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Name of the lock file inside a store directory.
pub(crate) const LOCK_FILE: &str = ".lock";

/// A held lock; released when dropped (the file is closed).
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

#[derive(Clone, Copy)]
enum Kind {
    Shared,
    Exclusive,
}

/// Take the lock, waiting at most `timeout`. Uncontended: one `try_lock`. Contended: a
/// helper thread blocks in `flock` on a duplicate of the descriptor (so waiters are woken
/// by the kernel as soon as the lock is free, no polling), and we wait for it with a
/// timeout. If we give up, the helper releases the lock as soon as it gets it.
fn acquire(file: &File, path: &Path, kind: Kind, timeout: Duration) -> Result<(), StoreError> {
    let first = match kind {
        Kind::Shared => file.try_lock_shared(),
        Kind::Exclusive => file.try_lock(),
    };
    match first {
        Ok(()) => return Ok(()),
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Error(e)) => return Err(StoreError::io(path, e)),
    }
    let start = Instant::now();
    let helper = file.try_clone().map_err(|e| StoreError::io(path, e))?;
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("azmc-certstore-lock".into())
        .spawn(move || {
            let r = match kind {
                Kind::Shared => helper.lock_shared(),
                Kind::Exclusive => helper.lock(),
            };
            let locked = r.is_ok();
            if tx.send(r).is_err() && locked {
                // The caller gave up: do not keep the store locked.
                let _ = helper.unlock();
            }
        })
        .map_err(|e| StoreError::io(path, e))?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(StoreError::io(path, e)),
        Err(_) => Err(StoreError::Locked {
            path: path.to_path_buf(),
            waited: start.elapsed(),
        }),
    }
}

impl StoreLock {
    /// Lock `dir` exclusively, creating the lock file (0600) if needed. `dir` must exist.
    pub fn exclusive(dir: &Path, timeout: Duration) -> Result<StoreLock, StoreError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        let meta = file.metadata().map_err(|e| StoreError::io(&path, e))?;
        if meta.mode() & 0o777 != 0o600 {
            file.set_permissions(Permissions::from_mode(0o600))
                .map_err(|e| StoreError::io(&path, e))?;
        }
        acquire(&file, &path, Kind::Exclusive, timeout)?;
        Ok(StoreLock { _file: file })
    }

    /// Lock `dir` shared for reading. Creates nothing: with no lock file (no writer has
    /// ever locked the directory) there is nothing to wait for and `None` is returned.
    pub fn shared(dir: &Path, timeout: Duration) -> Result<Option<StoreLock>, StoreError> {
        let path: PathBuf = dir.join(LOCK_FILE);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        acquire(&file, &path, Kind::Shared, timeout)?;
        Ok(Some(StoreLock { _file: file }))
    }
}
