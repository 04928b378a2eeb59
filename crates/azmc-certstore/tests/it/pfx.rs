//! PKCS#12 export and import.

use crate::{EXPORTABLE, Env, NOT_EXPORTABLE, new_cert};
use azmc_certstore::{FixedPassphrase, KeyPolicy, NoPassphrase, Protection, StoreError};
use azmc_pki::PkiError;
use azmc_pki::pkcs12::{self, Profile, ReadOptions};

#[test]
fn export_pfx_round_trips_in_both_profiles() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("export me");
    s.add(&c, Some((&k, &EXPORTABLE)), Some("my friendly name"))
        .unwrap();
    for profile in [Profile::Modern, Profile::Legacy] {
        for password in ["s3cret", ""] {
            let pfx = s
                .export_pfx(&c.thumbprint(), password, profile, &NoPassphrase)
                .unwrap();
            let p = pkcs12::read(&pfx, password, ReadOptions::default()).unwrap();
            assert_eq!(p.key.as_ref(), Some(&k), "{profile} {password:?}");
            assert_eq!(p.certificate.as_ref(), Some(&c));
            assert_eq!(p.friendly_name.as_deref(), Some("my friendly name"));
            assert!(matches!(
                pkcs12::read(&pfx, "wrong", ReadOptions::default()),
                Err(PkiError::WrongPassword)
            ));
        }
    }
}

#[test]
fn export_needs_an_exportable_key() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("locked in");
    s.add(&c, Some((&k, &NOT_EXPORTABLE)), None).unwrap();
    let err = s
        .export_pfx(&c.thumbprint(), "pw", Profile::Modern, &NoPassphrase)
        .unwrap_err();
    assert!(matches!(err, StoreError::NotExportable { .. }), "{err}");
    assert!(err.to_string().contains(&c.thumbprint().to_string()));

    let (c2, _) = new_cert("no key");
    s.add(&c2, None, None).unwrap();
    let err = s
        .export_pfx(&c2.thumbprint(), "pw", Profile::Modern, &NoPassphrase)
        .unwrap_err();
    assert!(matches!(err, StoreError::NoPrivateKey { .. }), "{err}");
    assert!(err.to_string().contains("private key"), "{err}");
    assert!(matches!(
        s.export_pfx(
            &new_cert("absent").0.thumbprint(),
            "pw",
            Profile::Modern,
            &NoPassphrase
        ),
        Err(StoreError::NotFound { .. })
    ));
}

fn make_pfx(name: &str, password: &str) -> (azmc_pki::Certificate, azmc_pki::PrivateKey, Vec<u8>) {
    let (c, k) = new_cert(name);
    let pfx = pkcs12::write(&c, &k, &[], password, Profile::Modern, Some(name)).unwrap();
    (c, k, pfx)
}

#[test]
fn import_pfx_is_not_exportable_unless_asked() {
    let env = Env::new();
    let (c, k, pfx) = make_pfx("imported", "pw");

    let a = env.open("A");
    let e = a
        .import_pfx(&pfx, "pw", ReadOptions::default(), &KeyPolicy::default())
        .unwrap();
    assert!(e.has_private_key && !e.exportable && !e.protected);
    assert_eq!(e.certificate, c);
    assert_eq!(e.friendly_name.as_deref(), Some("imported"));
    assert_eq!(e.location.to_string(), "CurrentUser/A");
    assert_eq!(a.private_key(&c.thumbprint(), &NoPassphrase).unwrap(), k);
    assert!(matches!(
        a.export_pfx(&c.thumbprint(), "x", Profile::Modern, &NoPassphrase),
        Err(StoreError::NotExportable { .. })
    ));
    // importing it again: the key is already there
    assert!(matches!(
        a.import_pfx(&pfx, "pw", ReadOptions::default(), &EXPORTABLE),
        Err(StoreError::AlreadyExists { .. })
    ));

    let b = env.open("B");
    let e = b
        .import_pfx(&pfx, "pw", ReadOptions::default(), &EXPORTABLE)
        .unwrap();
    assert!(e.exportable);
    let out = b
        .export_pfx(&c.thumbprint(), "x", Profile::Legacy, &NoPassphrase)
        .unwrap();
    assert_eq!(
        pkcs12::read(&out, "x", ReadOptions::default()).unwrap().key,
        Some(k.clone())
    );

    let p = env.open("P");
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Passphrase("pp"),
    };
    let e = p
        .import_pfx(&pfx, "pw", ReadOptions::default(), &policy)
        .unwrap();
    assert!(e.protected);
    assert_eq!(
        p.private_key(&c.thumbprint(), &FixedPassphrase::new("pp"))
            .unwrap(),
        k
    );
}

#[test]
fn a_failed_import_leaves_the_store_unchanged() {
    let env = Env::new();
    let (_, _, pfx) = make_pfx("kept out", "right");
    // into a store that does not exist yet: nothing is created
    let fresh = env.open("Fresh");
    let err = fresh
        .import_pfx(&pfx, "wrong", ReadOptions::default(), &EXPORTABLE)
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Pki(PkiError::WrongPassword)),
        "{err}"
    );
    assert_eq!(err.to_string(), "wrong password");
    assert!(env.snapshot().is_empty(), "{:?}", env.snapshot());

    // into an existing store: byte for byte the same
    let s = env.my();
    let (c, k) = new_cert("already here");
    s.add(&c, Some((&k, &EXPORTABLE)), None).unwrap();
    let before = env.snapshot();
    assert!(matches!(
        s.import_pfx(&pfx, "wrong", ReadOptions::default(), &EXPORTABLE),
        Err(StoreError::Pki(PkiError::WrongPassword))
    ));
    let err = s
        .import_pfx(
            b"\x30\x03\x02\x01\x03",
            "right",
            ReadOptions::default(),
            &EXPORTABLE,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("not a valid PKCS#12 file"),
        "{err}"
    );
    assert!(
        s.import_pfx(b"", "right", ReadOptions::default(), &EXPORTABLE)
            .is_err()
    );
    let empty = KeyPolicy {
        exportable: true,
        protection: Protection::Passphrase(""),
    };
    assert!(
        s.import_pfx(&pfx, "right", ReadOptions::default(), &empty)
            .is_err()
    );
    assert_eq!(env.snapshot(), before);
}
