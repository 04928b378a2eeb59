//! Many writers at once: threads with their own `CertStore`, and separate processes.

use crate::{EXPORTABLE, Env, NOW, new_cert};
use azmc_certstore::{CertStore, NoPassphrase, StoreError, StoreLocation, StorePaths};
use azmc_pki::clock::FixedClock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const CHILD_ENV: &str = "AZMC_CERTSTORE_TEST_CHILD_ROOT";

fn open(paths: &StorePaths) -> CertStore {
    CertStore::open(paths, &StoreLocation::default(), Arc::new(FixedClock(NOW))).unwrap()
}

/// Check that every entry is listed with a key that decrypts and matches.
fn check_all_keys(store: &CertStore, expected: usize) {
    let listing = store.list_checked().unwrap();
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    assert_eq!(listing.entries.len(), expected);
    for e in &listing.entries {
        assert!(e.has_private_key, "{}", e.thumbprint);
        let k = store.private_key(&e.thumbprint, &NoPassphrase).unwrap();
        assert!(k.matches(&e.certificate), "{}", e.thumbprint);
    }
}

#[test]
fn threads_adding_at_once_lose_nothing() {
    let env = Env::new();
    const THREADS: usize = 8;
    const EACH: usize = 3;
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let paths = env.paths.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let s = open(&paths);
            let mut rounds = 0;
            while !stop.load(Ordering::Relaxed) {
                let listing = s.list_checked().unwrap();
                assert!(listing.problems.is_empty(), "{:?}", listing.problems);
                assert!(listing.entries.iter().all(|e| e.has_private_key));
                rounds += 1;
            }
            rounds
        })
    };
    let writers: Vec<_> = (0..THREADS)
        .map(|i| {
            let paths = env.paths.clone();
            std::thread::spawn(move || {
                // each thread its own store object, as separate processes would have
                let s = open(&paths);
                for j in 0..EACH {
                    let (c, k) = new_cert(&format!("thread {i} cert {j}"));
                    s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
                    // and some churn: add and delete one more
                    let (t, tk) = new_cert(&format!("thread {i} temp {j}"));
                    s.add(&t, Some((&tk, &EXPORTABLE)), None).unwrap();
                    s.delete(&t.thumbprint()).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    check_all_keys(&open(&env.paths), THREADS * EACH);
}

/// Not a test on its own: the body of a child process of
/// `processes_adding_at_once_lose_nothing` (does nothing unless started by it).
#[test]
fn child_process_worker() {
    let Ok(root) = std::env::var(CHILD_ENV) else {
        return;
    };
    let paths = StorePaths::new(format!("{root}/user"), format!("{root}/machine"));
    let s = open(&paths);
    let me = std::process::id();
    for j in 0..4 {
        let (c, k) = new_cert(&format!("process {me} cert {j}"));
        s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
        let (t, _) = new_cert(&format!("process {me} temp {j}"));
        s.add(&t, None, None).unwrap();
        s.delete(&t.thumbprint()).unwrap();
    }
}

#[test]
fn processes_adding_at_once_lose_nothing() {
    let env = Env::new();
    const CHILDREN: usize = 4;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..CHILDREN)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "concurrency::child_process_worker",
                    "--test-threads=1",
                    "--nocapture",
                ])
                .env(CHILD_ENV, env.dir.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // the worker really ran (and was not filtered away)
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    check_all_keys(&open(&env.paths), CHILDREN * 4);
}

#[test]
fn a_held_lock_makes_others_wait_then_give_up() {
    let env = Env::new();
    let s = open(&env.paths).with_lock_timeout(Duration::from_millis(150));
    let (c, k) = new_cert("locked");
    s.add(&c, None, None).unwrap();
    let lock_path = s.dir().join(".lock");

    // another process holds the exclusive lock: reads and writes give up
    let held = std::fs::File::open(&lock_path).unwrap();
    held.lock().unwrap();
    let err = s.list().unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    assert!(matches!(
        s.add(&c, Some((&k, &EXPORTABLE)), None),
        Err(StoreError::Locked { .. })
    ));
    held.unlock().unwrap();

    // a reader holds the shared lock: reads go on, writes wait
    held.lock_shared().unwrap();
    assert_eq!(s.list().unwrap().len(), 1);
    assert!(matches!(
        s.delete(&c.thumbprint()),
        Err(StoreError::Locked { .. })
    ));
    // ... until it lets go
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
    });
    let patient = open(&env.paths).with_lock_timeout(Duration::from_secs(10));
    patient.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    releaser.join().unwrap();
    assert!(patient.get(&c.thumbprint()).unwrap().has_private_key);
}
