//! Adding, listing, finding, getting and deleting.

use crate::{EXPORTABLE, Env, NOT_EXPORTABLE, NOW, new_cert};
use azmc_certstore::{NoPassphrase, Query, StoreError};
use azmc_pki::Thumbprint;
use std::sync::Arc;

#[test]
fn add_list_find_get_delete() {
    let env = Env::new();
    let s = env.my();
    let (c1, k1) = new_cert("Zulu management");
    let (c2, k2) = new_cert("alpha management");
    let (c3, _) = new_cert("Mike partner");
    let e1 = s.add(&c1, Some((&k1, &EXPORTABLE)), Some("zulu")).unwrap();
    s.add(&c2, Some((&k2, &NOT_EXPORTABLE)), None).unwrap();
    let e3 = s.add(&c3, None, None).unwrap();

    assert_eq!(e1.thumbprint, c1.thumbprint());
    assert_eq!(e1.certificate, c1);
    assert!(e1.has_private_key && e1.exportable && !e1.protected);
    assert_eq!(e1.added, NOW);
    assert_eq!(e1.friendly_name.as_deref(), Some("zulu"));
    assert_eq!(e1.location.to_string(), "CurrentUser/My");
    assert!(!e3.has_private_key && !e3.exportable && !e3.protected);

    // sorted by subject, ignoring case
    let list = s.list().unwrap();
    let subjects: Vec<&str> = list.iter().map(|e| e.certificate.subject()).collect();
    assert_eq!(
        subjects,
        [
            "CN=alpha management",
            "CN=Mike partner",
            "CN=Zulu management"
        ]
    );
    assert!(list[0].has_private_key && !list[0].exportable);

    // a thumbprint as Windows' certificate dialog copies it: lower case, spaces, U+200E
    let hex = c1.thumbprint().to_string().to_lowercase();
    let spaced: Vec<String> = hex
        .as_bytes()
        .chunks(2)
        .map(|p| String::from_utf8(p.to_vec()).unwrap())
        .collect();
    let typed = format!("\u{200e}{}", spaced.join(" "));
    let t: Thumbprint = typed.parse().unwrap();
    assert_eq!(s.get(&t).unwrap(), e1);
    assert_eq!(s.find(&Query::Thumbprint(t)).unwrap(), vec![e1.clone()]);

    // subject substring, any case
    let found = s.find(&Query::Subject("MANAGEMENT".into())).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].thumbprint, c2.thumbprint());
    assert_eq!(found[1].thumbprint, c1.thumbprint());
    assert!(
        s.find(&Query::Subject("nothing".into()))
            .unwrap()
            .is_empty()
    );

    // the key decrypts to the same key
    let k = s.private_key(&c1.thumbprint(), &NoPassphrase).unwrap();
    assert_eq!(k, k1);
    assert!(k.matches(&c1));

    // delete_key keeps the certificate
    s.delete_key(&c1.thumbprint()).unwrap();
    let e = s.get(&c1.thumbprint()).unwrap();
    assert!(!e.has_private_key && !e.exportable);
    assert!(matches!(
        s.private_key(&c1.thumbprint(), &NoPassphrase),
        Err(StoreError::NoPrivateKey { .. })
    ));
    assert!(matches!(
        s.delete_key(&c1.thumbprint()),
        Err(StoreError::NoPrivateKey { .. })
    ));
    assert!(!s.dir().join(format!("{}.key", c1.thumbprint())).exists());

    // delete removes the certificate, its key and its metadata
    s.delete(&c2.thumbprint()).unwrap();
    for ext in ["cer", "key", "meta"] {
        assert!(!s.dir().join(format!("{}.{ext}", c2.thumbprint())).exists());
    }
    let err = s.get(&c2.thumbprint()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }));
    assert_eq!(
        err.to_string(),
        format!("certificate {} not found", c2.thumbprint())
    );
    assert!(matches!(
        s.delete(&c2.thumbprint()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.delete_key(&c2.thumbprint()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        s.find(&Query::Thumbprint(c2.thumbprint()))
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.list().unwrap().len(), 2);
}

#[test]
fn adding_again_is_a_no_op_attaches_a_key_or_is_refused() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("again");
    let first = s.add(&c, None, None).unwrap();
    // a later add (clock moved on) does not change anything
    let later = azmc_certstore::CertStore::open(
        &env.paths,
        s.location(),
        Arc::new(azmc_pki::clock::FixedClock(NOW + time::Duration::days(3))),
    )
    .unwrap();
    let before = env.snapshot();
    assert_eq!(later.add(&c, None, Some("ignored")).unwrap(), first);
    assert_eq!(env.snapshot(), before);

    // a key attaches to the certificate-only entry; the time added stays
    let with_key = later
        .add(&c, Some((&k, &EXPORTABLE)), Some("named"))
        .unwrap();
    assert!(with_key.has_private_key && with_key.exportable);
    assert_eq!(with_key.added, NOW);
    assert_eq!(with_key.friendly_name.as_deref(), Some("named"));
    assert_eq!(s.private_key(&c.thumbprint(), &NoPassphrase).unwrap(), k);

    // a second key: refused, nothing changes
    let before = env.snapshot();
    let err = s.add(&c, Some((&k, &NOT_EXPORTABLE)), None).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
    assert!(
        err.to_string().contains(&c.thumbprint().to_string()),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
    // certificate-only add of an entry with a key: no-op, the key stays
    assert!(s.add(&c, None, None).unwrap().has_private_key);
}

#[test]
fn a_key_that_does_not_match_is_refused_and_nothing_is_written() {
    let env = Env::new();
    let s = env.my();
    let (c, _) = new_cert("one");
    let (_, other_key) = new_cert("two");
    let err = s
        .add(&c, Some((&other_key, &EXPORTABLE)), None)
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&c.thumbprint().to_string()));
    assert!(env.snapshot().is_empty(), "{:?}", env.snapshot());
}

#[test]
fn reading_creates_nothing() {
    let env = Env::new();
    let s = env.open("LocalMachine/Root");
    let (c, _) = new_cert("absent");
    assert!(s.list().unwrap().is_empty());
    assert!(matches!(
        s.get(&c.thumbprint()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.find(&Query::Subject(String::new())).unwrap().is_empty());
    assert!(matches!(
        s.delete(&c.thumbprint()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.private_key(&c.thumbprint(), &NoPassphrase),
        Err(StoreError::NotFound { .. })
    ));
    assert!(env.snapshot().is_empty(), "{:?}", env.snapshot());
}

#[test]
fn scopes_and_stores_are_separate() {
    let env = Env::new();
    let (c, k) = new_cert("separate");
    let machine = env.open("LocalMachine/Root");
    machine.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    assert!(env.my().list().unwrap().is_empty());
    assert!(env.open("CurrentUser/Root").list().unwrap().is_empty());
    assert!(env.open("LocalMachine/My").list().unwrap().is_empty());
    let e = env.open("localmachine\\root").get(&c.thumbprint()).unwrap();
    assert_eq!(e.location.to_string(), "LocalMachine/Root");
    let machine_root = &env.paths.local_machine;
    assert!(machine_root.join("master.key").is_file());
    assert!(
        machine_root
            .join(format!("stores/Root/{}.cer", c.thumbprint()))
            .is_file()
    );
    assert!(!env.user_root().exists());
}

#[test]
fn custom_store_names_match_existing_directories_ignoring_case() {
    let env = Env::new();
    let (c, _) = new_cert("custom");
    env.open("Elsewhere").add(&c, None, None).unwrap();
    let s = env.open("CurrentUser/ELSEWHERE");
    assert_eq!(s.location().to_string(), "CurrentUser/Elsewhere");
    assert_eq!(s.list().unwrap().len(), 1);
    assert_eq!(
        s.get(&c.thumbprint()).unwrap().location.to_string(),
        "CurrentUser/Elsewhere"
    );
}

#[test]
fn damaged_and_foreign_files_do_not_break_the_list() {
    let env = Env::new();
    let s = env.my();
    let (good, k) = new_cert("good");
    let (bad, _) = new_cert("bad");
    let (wrong_name, _) = new_cert("misnamed");
    s.add(&good, Some((&k, &EXPORTABLE)), None).unwrap();
    let dir = s.dir().to_path_buf();
    // a garbage .cer, a .cer holding another certificate, foreign files and directories
    std::fs::write(dir.join(format!("{}.cer", bad.thumbprint())), b"garbage").unwrap();
    std::fs::write(
        dir.join(format!("{}.cer", wrong_name.thumbprint())),
        good.der(),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), b"hello").unwrap();
    std::fs::write(dir.join("0123.cer"), b"short name").unwrap();
    std::fs::write(
        dir.join(format!(
            "{}.cer",
            good.thumbprint().to_string().to_lowercase()
        )),
        b"lower-case name: not ours",
    )
    .unwrap();
    std::fs::create_dir(dir.join("subdir")).unwrap();

    let list = s.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].thumbprint, good.thumbprint());
    let checked = s.list_checked().unwrap();
    assert_eq!(checked.entries.len(), 1);
    assert_eq!(checked.problems.len(), 2, "{:?}", checked.problems);
    assert!(
        checked
            .problems
            .iter()
            .all(|p| matches!(p, StoreError::Corrupt { .. }))
    );

    let err = s.get(&bad.thumbprint()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{}.cer", bad.thumbprint()))
            && msg.contains("unreadable certificate"),
        "{msg}"
    );
    let err = s.get(&wrong_name.thumbprint()).unwrap_err();
    assert!(
        err.to_string().contains("not the one its name says"),
        "{err}"
    );
    // subject search skips the damaged ones too
    assert_eq!(s.find(&Query::Subject("o".into())).unwrap().len(), 1);

    // a damaged entry can be deleted
    s.delete(&bad.thumbprint()).unwrap();
    assert_eq!(s.list_checked().unwrap().problems.len(), 1);

    // a damaged key envelope or metadata file makes that entry corrupt
    let key_path = dir.join(format!("{}.key", good.thumbprint()));
    std::fs::write(&key_path, b"{not json").unwrap();
    let err = s.get(&good.thumbprint()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }));
    assert!(err.to_string().contains(".key"), "{err}");
}

#[test]
fn a_certificate_copied_in_by_hand_is_listed() {
    let env = Env::new();
    let s = env.my();
    let (a, _) = new_cert("placeholder");
    s.add(&a, None, None).unwrap();
    let (c, _) = new_cert("by hand");
    std::fs::write(s.dir().join(format!("{}.cer", c.thumbprint())), c.der()).unwrap();
    let e = s.get(&c.thumbprint()).unwrap();
    assert!(!e.has_private_key);
    assert_eq!(e.friendly_name, None);
    assert_eq!(s.list().unwrap().len(), 2);
}

#[test]
fn friendly_names_are_cleaned() {
    let env = Env::new();
    let s = env.my();
    let (c, _) = new_cert("friendly");
    let e = s.add(&c, None, Some("  two\nlines\u{7}  ")).unwrap();
    assert_eq!(e.friendly_name.as_deref(), Some("twolines"));
    let (c, _) = new_cert("blank");
    assert_eq!(s.add(&c, None, Some(" \t ")).unwrap().friendly_name, None);
    let (c, _) = new_cert("long");
    let long = "x".repeat(1000);
    let e = s.add(&c, None, Some(&long)).unwrap();
    assert_eq!(
        e.friendly_name.unwrap().len(),
        azmc_certstore::MAX_FRIENDLY_NAME
    );
}
