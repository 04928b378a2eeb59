//! Atomic, permission-explicit file writing, for the store's own files and for what the
//! CLI writes (`.pfx`, `.pem`, `.cer`, publish settings).
//!
//! Every write goes to a temporary file in the target's directory, created with its final
//! mode set on the file itself (`OpenOptions::mode` plus an explicit `set_permissions`, so
//! the umask plays no part), is flushed to disk, renamed over the target and the directory
//! is flushed. A reader sees the old file or the new one, never a mixture, and a crash
//! leaves at most a stray `.<name>.<random>.tmp` file behind.

use crate::error::StoreError;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of files holding secrets, and of every file in a store.
pub const SECRET_FILE_MODE: u32 = 0o600;
/// Mode of public output files (certificates).
pub const PUBLIC_FILE_MODE: u32 = 0o644;
/// Mode of store directories.
pub const PRIVATE_DIR_MODE: u32 = 0o700;

/// Write `data` to `path` atomically, readable and writable by the owner only (0600).
/// Refuses to replace a symbolic link or anything but a regular file.
pub fn write_secret_file(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    write_atomic(path, data, SECRET_FILE_MODE)
}

/// Write `data` to `path` atomically with mode 0644 (certificates and other public files).
/// Refuses to replace a symbolic link or anything but a regular file.
pub fn write_public_file(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    write_atomic(path, data, PUBLIC_FILE_MODE)
}

/// Overwrite a regular file with zeros, flush that to disk, then remove it.
///
/// On copy-on-write or log-structured file systems and on SSDs the old blocks may
/// survive; this removes the easy copy, it is not a guarantee. Refuses symbolic links
/// (overwriting would zero the link's target).
pub fn overwrite_and_remove(path: &Path) -> Result<(), StoreError> {
    let meta = fs::symlink_metadata(path).map_err(|e| StoreError::io(path, e))?;
    if meta.file_type().is_symlink() {
        return Err(StoreError::UnsafePath {
            path: path.to_path_buf(),
            reason: "is a symbolic link; refusing to overwrite its target",
        });
    }
    if !meta.is_file() {
        return Err(StoreError::UnsafePath {
            path: path.to_path_buf(),
            reason: "is not a regular file",
        });
    }
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    let zeros = [0u8; 8192];
    let mut left = meta.len();
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        f.write_all(&zeros[..n])
            .map_err(|e| StoreError::io(path, e))?;
        left -= n as u64;
    }
    f.sync_all().map_err(|e| StoreError::io(path, e))?;
    drop(f);
    fs::remove_file(path).map_err(|e| StoreError::io(path, e))?;
    sync_dir(parent_of(path));
    Ok(())
}

/// Whether users other than the owner may read or write the file (`mode & 0o077 != 0`).
pub fn readable_by_others(path: &Path) -> Result<bool, StoreError> {
    let meta = fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
    Ok(meta.mode() & 0o077 != 0)
}

/// The directory a path is in (`.` for a bare file name).
pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Flush a directory (after a rename or removal in it). Errors are ignored: some file
/// systems cannot fsync a directory, and the operation itself has already succeeded.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// 8 random bytes as hex, for temporary file names.
fn random_suffix() -> Result<String, StoreError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| StoreError::Io {
        path: PathBuf::from("<random>"),
        source: io::Error::other(e.to_string()),
    })?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Create a temporary file next to `path` with `mode`, write `data` and flush it.
/// Returns the temporary path; the caller renames or links it into place.
fn write_temp(path: &Path, data: &[u8], mode: u32) -> Result<PathBuf, StoreError> {
    let dir = parent_of(path);
    let name = path
        .file_name()
        .ok_or_else(|| StoreError::UnsafePath {
            path: path.to_path_buf(),
            reason: "has no file name",
        })?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", random_suffix()?));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.set_permissions(Permissions::from_mode(mode))?;
        f.write_all(data)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(StoreError::io(path, e))
        }
    }
}

/// Refuse to write over a symbolic link, a directory or a device.
fn check_target(path: &Path) -> Result<(), StoreError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(StoreError::UnsafePath {
            path: path.to_path_buf(),
            reason: "is a symbolic link; refusing to replace it",
        }),
        Ok(m) if !m.is_file() => Err(StoreError::UnsafePath {
            path: path.to_path_buf(),
            reason: "exists and is not a regular file",
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<(), StoreError> {
    check_target(path)?;
    let tmp = write_temp(path, data, mode)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::io(path, e));
    }
    sync_dir(parent_of(path));
    Ok(())
}

/// Create `path` holding `data` (mode 0600) only if it does not exist yet, atomically:
/// the complete file appears at once or not at all (temporary file + hard link, which
/// fails when the name is taken). Returns `false` if another writer got there first.
pub(crate) fn create_secret_file_new(path: &Path, data: &[u8]) -> Result<bool, StoreError> {
    let tmp = write_temp(path, data, SECRET_FILE_MODE)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(parent_of(path));
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Create one directory with mode 0700 (set explicitly, whatever the umask) and sync its
/// parent.
fn create_private_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(PRIVATE_DIR_MODE).create(path)?;
    fs::set_permissions(path, Permissions::from_mode(PRIVATE_DIR_MODE))?;
    sync_dir(parent_of(path));
    Ok(())
}

/// Create a directory (and missing parents) with mode 0700, set explicitly on each
/// directory created. Existing directories are left as they are.
pub(crate) fn ensure_private_dir(path: &Path) -> Result<(), StoreError> {
    match create_private_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let m = fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
            if m.is_dir() {
                Ok(())
            } else {
                Err(StoreError::UnsafePath {
                    path: path.to_path_buf(),
                    reason: "exists and is not a directory",
                })
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            match path.parent() {
                Some(p) if !p.as_os_str().is_empty() && p != path => ensure_private_dir(p)?,
                _ => return Err(StoreError::io(path, e)),
            }
            // The parent exists now; one more try (racing creators end in AlreadyExists).
            match create_private_dir(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
                Err(e) => Err(StoreError::io(path, e)),
            }
        }
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Read a whole file of at most `limit` bytes. `Ok(None)` if it does not exist; a larger
/// file is [`StoreError::Corrupt`]. Symbolic links are not followed (they are not ours).
pub(crate) fn read_capped(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(StoreError::corrupt(path, "not a regular file"));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    }
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    // Allocated once at full size, so a secret read here is never copied by a reallocation.
    let mut out = Vec::with_capacity(usize::try_from(limit + 1).unwrap_or(0));
    f.take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| StoreError::io(path, e))?;
    if out.len() as u64 > limit {
        return Err(StoreError::corrupt(
            path,
            format!("larger than {limit} bytes; not a file of this store"),
        ));
    }
    Ok(Some(out))
}
