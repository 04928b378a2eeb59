//! What lands on disk: modes, encryption at rest, the master key, and `fs`.

use crate::{EXPORTABLE, Env, files_under, mode, new_cert};
use azmc_certstore::{KeyPolicy, NoPassphrase, Protection, StoreError, fs};
use base64::Engine;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

#[test]
fn every_store_file_is_0600_and_every_directory_0700() {
    let env = Env::new();
    let (c1, k1) = new_cert("modes one");
    let (c2, _) = new_cert("modes two");
    env.my()
        .add(&c1, Some((&k1, &EXPORTABLE)), Some("x"))
        .unwrap();
    env.open("LocalMachine/Root").add(&c2, None, None).unwrap();
    env.open("CurrentUser/TrustedPeople")
        .add(&c2, None, None)
        .unwrap();

    let mut files = 0;
    let mut dirs = 0;
    for (path, data, m) in env.snapshot() {
        if data.is_some() {
            assert_eq!(m, 0o600, "{}", path.display());
            files += 1;
        } else {
            assert_eq!(m, 0o700, "{}", path.display());
            dirs += 1;
        }
    }
    // user: master.key; My: .lock .cer .meta .key; TrustedPeople: .lock .cer .meta;
    // machine: Root: .lock .cer .meta (no key, so no master key)
    assert_eq!(files, 1 + 4 + 3 + 3);
    // user, user/stores, My, TrustedPeople, machine, machine/stores, Root
    assert_eq!(dirs, 7);
    let names: Vec<String> = files_under(env.user_root())
        .iter()
        .map(|p| {
            p.strip_prefix(env.user_root())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert!(names.contains(&"master.key".to_string()), "{names:?}");
    assert!(names.contains(&format!("stores/My/{}.key", c1.thumbprint())));
    assert!(names.contains(&format!("stores/My/{}.cer", c1.thumbprint())));
    assert!(names.contains(&"stores/My/.lock".to_string()));
    // no temporary files are left behind
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn private_keys_are_encrypted_at_rest() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("at rest");
    s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    let (c2, k2) = new_cert("at rest, protected");
    let policy = KeyPolicy {
        exportable: true,
        protection: Protection::Passphrase("correct horse"),
    };
    s.add(&c2, Some((&k2, &policy)), None).unwrap();

    let b64 = base64::engine::general_purpose::STANDARD;
    let needles: Vec<Vec<u8>> = [&k, &k2]
        .iter()
        .flat_map(|k| {
            let der = k.pkcs8_der().to_vec();
            let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
            vec![
                der.clone(),
                b64.encode(&der).into_bytes(),
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(&der)
                    .into_bytes(),
                hex.clone().into_bytes(),
                hex.to_uppercase().into_bytes(),
                k.to_pkcs8_pem().as_bytes().to_vec(),
            ]
        })
        .collect();
    let files = files_under(env.dir.path());
    assert!(files.len() >= 7);
    for f in files {
        let data = std::fs::read(&f).unwrap();
        for n in &needles {
            assert!(
                !data.windows(n.len()).any(|w| w == n.as_slice()),
                "key material in {}",
                f.display()
            );
        }
        assert!(
            !String::from_utf8_lossy(&data).contains("correct horse"),
            "passphrase in {}",
            f.display()
        );
    }
}

#[test]
fn the_master_key_is_32_random_bytes_and_never_silently_replaced() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("master");
    s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    let master = env.user_root().join("master.key");
    let bytes = std::fs::read(&master).unwrap();
    assert_eq!(bytes.len(), 32);
    assert_ne!(bytes, vec![0u8; 32]);
    assert_eq!(mode(&master), 0o600);

    // a second scope gets its own master key
    let (mc, mk) = new_cert("machine");
    env.open("LocalMachine/My")
        .add(&mc, Some((&mk, &EXPORTABLE)), None)
        .unwrap();
    assert_ne!(
        std::fs::read(env.paths.local_machine.join("master.key")).unwrap(),
        bytes
    );

    // wrong size: corrupt, for reading and for adding
    std::fs::write(&master, [1u8; 31]).unwrap();
    let err = s.private_key(&c.thumbprint(), &NoPassphrase).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("master.key"), "{err}");
    let (c2, k2) = new_cert("master two");
    assert!(matches!(
        s.add(&c2, Some((&k2, &EXPORTABLE)), None),
        Err(StoreError::Corrupt { .. })
    ));

    // missing while keys exist: corrupt, and no new master key appears
    std::fs::remove_file(&master).unwrap();
    let err = s.private_key(&c.thumbprint(), &NoPassphrase).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    let err = s.add(&c2, Some((&k2, &EXPORTABLE)), None).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(!master.exists());
    // certificates without keys can still be added and listed
    s.add(&c2, None, None).unwrap();
    assert_eq!(s.list().unwrap().len(), 2);

    // a different master key: the key does not decrypt (corrupt, not a wrong passphrase)
    std::fs::write(&master, [9u8; 32]).unwrap();
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = s.private_key(&c.thumbprint(), &NoPassphrase).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");

    // restored: works again
    std::fs::write(&master, &bytes).unwrap();
    assert_eq!(s.private_key(&c.thumbprint(), &NoPassphrase).unwrap(), k);

    // readable by others: refused until fixed
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = s.private_key(&c.thumbprint(), &NoPassphrase).unwrap_err();
    assert!(
        matches!(err, StoreError::InsecurePermissions { mode: 0o644, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[test]
fn write_secret_file_is_0600_atomic_and_refuses_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.pfx");
    fs::write_secret_file(&p, b"first").unwrap();
    assert_eq!(mode(&p), 0o600);
    assert_eq!(std::fs::read(&p).unwrap(), b"first");

    // replacing an existing, world-readable file: new contents, mode 0600, and a new file
    // (a reader holding the old one still reads the old contents: rename, not rewrite)
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut old = std::fs::File::open(&p).unwrap();
    let old_inode = std::fs::metadata(&p).unwrap().ino();
    fs::write_secret_file(&p, b"second, longer").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"second, longer");
    assert_eq!(mode(&p), 0o600);
    assert_ne!(std::fs::metadata(&p).unwrap().ino(), old_inode);
    let mut seen = String::new();
    old.read_to_string(&mut seen).unwrap();
    assert_eq!(seen, "first");

    // only the target is in the directory: no temporary files left
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.pfx")]);

    // a symbolic link at the target is refused and its target left alone
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let link = dir.path().join("link.pfx");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let err = fs::write_secret_file(&link, b"evil").unwrap_err();
    assert!(matches!(err, StoreError::UnsafePath { .. }), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // a directory at the target is refused; a missing directory is an I/O error naming it
    assert!(fs::write_secret_file(dir.path(), b"x").is_err());
    let err = fs::write_secret_file(&dir.path().join("no/such/dir/f"), b"x").unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }));
    assert!(err.to_string().contains("no/such/dir/f"), "{err}");
}

#[test]
fn write_public_file_is_0644() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mgmt.cer");
    fs::write_public_file(&p, b"cert").unwrap();
    assert_eq!(mode(&p), 0o644);
    assert!(fs::readable_by_others(&p).unwrap());
    fs::write_secret_file(&p, b"cert").unwrap();
    assert!(!fs::readable_by_others(&p).unwrap());
    // a relative path in the current directory has a parent too
    assert!(matches!(
        fs::readable_by_others(&dir.path().join("missing")),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn overwrite_and_remove_zeroes_then_removes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("settings.publishsettings");
    std::fs::write(&p, vec![0x41u8; 20_000]).unwrap();
    // a hard link shows what the overwrite did to the blocks
    let witness = dir.path().join("witness");
    std::fs::hard_link(&p, &witness).unwrap();
    fs::overwrite_and_remove(&p).unwrap();
    assert!(!p.exists());
    let left = std::fs::read(&witness).unwrap();
    assert_eq!(left.len(), 20_000);
    assert!(left.iter().all(|b| *b == 0));

    // symbolic links are refused, the target untouched
    let target = dir.path().join("target");
    std::fs::write(&target, b"keep").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(matches!(
        fs::overwrite_and_remove(&link),
        Err(StoreError::UnsafePath { .. })
    ));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    assert!(matches!(
        fs::overwrite_and_remove(&dir.path().join("missing")),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn delete_key_overwrites_the_key_file() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("wipe");
    s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    let key_file = s.dir().join(format!("{}.key", c.thumbprint()));
    let witness = env.dir.path().join("witness");
    std::fs::hard_link(&key_file, &witness).unwrap();
    s.delete_key(&c.thumbprint()).unwrap();
    assert!(!key_file.exists());
    assert!(std::fs::read(&witness).unwrap().iter().all(|b| *b == 0));
}

const UMASK_CHILD_ENV: &str = "AZMC_CERTSTORE_TEST_UMASK_DIR";

/// Not a test on its own: the body of the child processes of
/// `modes_do_not_depend_on_the_umask` (does nothing unless started by it).
#[test]
fn umask_child_worker() {
    let Ok(dir) = std::env::var(UMASK_CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let paths = azmc_certstore::StorePaths::new(dir.join("user"), dir.join("machine"));
    let s = azmc_certstore::CertStore::open(
        &paths,
        &"CurrentUser/My".parse().unwrap(),
        std::sync::Arc::new(azmc_pki::clock::FixedClock(crate::NOW)),
    )
    .unwrap();
    let (c, k) = new_cert("umask");
    s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    fs::write_public_file(&dir.join("public.cer"), b"cert").unwrap();
    fs::write_secret_file(&dir.join("secret.pfx"), b"pfx").unwrap();
}

#[test]
fn modes_do_not_depend_on_the_umask() {
    let exe = std::env::current_exe().unwrap();
    for umask in ["000", "077", "027"] {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" --exact files::umask_child_worker --test-threads=1"
            ))
            .arg(&exe)
            .env(UMASK_CHILD_ENV, dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "umask {umask}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(mode(&dir.path().join("public.cer")), 0o644, "umask {umask}");
        assert_eq!(mode(&dir.path().join("secret.pfx")), 0o600, "umask {umask}");
        let root = dir.path().join("user");
        let mut seen = 0;
        for p in [root.clone(), root.join("stores"), root.join("stores/My")] {
            assert_eq!(mode(&p), 0o700, "umask {umask}: {}", p.display());
            seen += 1;
        }
        for f in files_under(&root) {
            assert_eq!(mode(&f), 0o600, "umask {umask}: {}", f.display());
            seen += 1;
        }
        assert_eq!(seen, 3 + 5, "umask {umask}");
    }
}
