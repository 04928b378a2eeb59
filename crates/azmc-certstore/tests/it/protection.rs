//! Tamper detection, strong protection, redaction.

use crate::{EXPORTABLE, Env, NOT_EXPORTABLE, new_cert};
use azmc_certstore::{
    FixedPassphrase, KeyPolicy, NoPassphrase, PassphraseSource, Protection, StoreError,
};
use azmc_pki::pkcs12::Profile;
use std::cell::Cell;
use zeroize::Zeroizing;

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {text}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn flipping_exportable_in_the_envelope_is_detected() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("tamper");
    s.add(&c, Some((&k, &NOT_EXPORTABLE)), None).unwrap();
    let t = c.thumbprint();
    let key_file = s.dir().join(format!("{t}.key"));
    assert!(matches!(
        s.export_pfx(&t, "pw", Profile::Modern, &NoPassphrase),
        Err(StoreError::NotExportable { .. })
    ));

    edit(&key_file, "\"exportable\": false", "\"exportable\": true");
    // the flag now reads true, but the key no longer decrypts
    assert!(s.get(&t).unwrap().exportable);
    let err = s
        .export_pfx(&t, "pw", Profile::Modern, &NoPassphrase)
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&format!("{t}.key")), "{err}");
    assert!(err.to_string().contains("altered"), "{err}");
    assert!(matches!(
        s.private_key(&t, &NoPassphrase),
        Err(StoreError::Corrupt { .. })
    ));
    // flipped back: works again
    edit(&key_file, "\"exportable\": true", "\"exportable\": false");
    assert_eq!(s.private_key(&t, &NoPassphrase).unwrap(), k);

    // the time added is bound too
    edit(&key_file, "\"added\": ", "\"added\": 1");
    assert!(matches!(
        s.private_key(&t, &NoPassphrase),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn a_key_file_moved_to_another_certificate_is_detected() {
    let env = Env::new();
    let s = env.my();
    let (a, ka) = new_cert("a");
    let (b, _) = new_cert("b");
    s.add(&a, Some((&ka, &EXPORTABLE)), None).unwrap();
    s.add(&b, None, None).unwrap();
    let from = s.dir().join(format!("{}.key", a.thumbprint()));
    let to = s.dir().join(format!("{}.key", b.thumbprint()));
    std::fs::copy(&from, &to).unwrap();
    assert!(matches!(
        s.get(&b.thumbprint()),
        Err(StoreError::Corrupt { .. })
    ));
    // even with the thumbprint field edited to match, the AAD does not
    edit(
        &to,
        &a.thumbprint().to_string(),
        &b.thumbprint().to_string(),
    );
    assert!(s.get(&b.thumbprint()).unwrap().has_private_key);
    assert!(matches!(
        s.private_key(&b.thumbprint(), &NoPassphrase),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn strong_protection_needs_the_passphrase() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("strong");
    let policy = KeyPolicy {
        exportable: true,
        protection: Protection::Passphrase("open sesame"),
    };
    let e = s.add(&c, Some((&k, &policy)), None).unwrap();
    assert!(e.protected && e.exportable && e.has_private_key);
    let t = c.thumbprint();
    let key_file = s.dir().join(format!("{t}.key"));
    let text = std::fs::read_to_string(&key_file).unwrap();
    assert!(text.contains("\"argon2id\""), "{text}");
    assert!(text.contains("\"m_cost\": 19456"), "{text}");

    assert_eq!(
        s.private_key(&t, &FixedPassphrase::new("open sesame"))
            .unwrap(),
        k
    );
    let from_file: Zeroizing<String> = Zeroizing::new("open sesame".into());
    assert_eq!(s.private_key(&t, &from_file).unwrap(), k);
    let err = s
        .private_key(&t, &FixedPassphrase::new("open sesame!"))
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongPassphrase), "{err}");
    assert_eq!(err.to_string(), "wrong passphrase for the private key");
    assert!(matches!(
        s.private_key(&t, &NoPassphrase),
        Err(StoreError::PassphraseRequired)
    ));
    // export asks too
    assert!(matches!(
        s.export_pfx(&t, "pw", Profile::Modern, &FixedPassphrase::new("nope")),
        Err(StoreError::WrongPassphrase)
    ));
    s.export_pfx(
        &t,
        "pw",
        Profile::Modern,
        &FixedPassphrase::new("open sesame"),
    )
    .unwrap();

    // a source that fails passes its error through; the prompt names the certificate
    struct Failing;
    impl PassphraseSource for Failing {
        fn passphrase(&self, prompt: &str) -> Result<Zeroizing<String>, StoreError> {
            Err(StoreError::Passphrase(format!(
                "no terminal for {prompt:?}"
            )))
        }
    }
    let err = s.private_key(&t, &Failing).unwrap_err();
    assert!(err.to_string().contains(&t.to_string()), "{err}");

    // unprotected keys never ask
    let (c2, k2) = new_cert("weak");
    s.add(&c2, Some((&k2, &EXPORTABLE)), None).unwrap();
    assert_eq!(s.private_key(&c2.thumbprint(), &Failing).unwrap(), k2);

    // flipping "protected" off is not a way around the passphrase
    edit(&key_file, "\"protected\": true", "\"protected\": false");
    assert!(matches!(s.get(&t), Err(StoreError::Corrupt { .. })));
}

#[test]
fn an_empty_passphrase_is_refused_and_nothing_is_written() {
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("empty");
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Passphrase(""),
    };
    assert!(matches!(
        s.add(&c, Some((&k, &policy)), None),
        Err(StoreError::Passphrase(_))
    ));
    assert!(env.snapshot().is_empty());
}

#[test]
fn export_is_refused_before_asking_for_a_passphrase() {
    struct Counting(Cell<u32>);
    impl PassphraseSource for Counting {
        fn passphrase(&self, _: &str) -> Result<Zeroizing<String>, StoreError> {
            self.0.set(self.0.get() + 1);
            Ok(Zeroizing::new("pp".into()))
        }
    }
    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("asked");
    let policy = KeyPolicy {
        exportable: false,
        protection: Protection::Passphrase("pp"),
    };
    s.add(&c, Some((&k, &policy)), None).unwrap();
    let counting = Counting(Cell::new(0));
    let err = s
        .export_pfx(&c.thumbprint(), "pw", Profile::Legacy, &counting)
        .unwrap_err();
    assert!(matches!(err, StoreError::NotExportable { .. }));
    assert!(err.to_string().contains("not exportable"), "{err}");
    assert_eq!(counting.0.get(), 0);
    // using it (not exporting) is allowed, and asks once
    assert_eq!(s.private_key(&c.thumbprint(), &counting).unwrap(), k);
    assert_eq!(counting.0.get(), 1);
}

#[test]
fn debug_output_shows_no_secrets() {
    let policy = KeyPolicy {
        exportable: true,
        protection: Protection::Passphrase("hunter2"),
    };
    let shown = format!("{policy:?} {:?}", FixedPassphrase::new("hunter2"));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");

    let env = Env::new();
    let s = env.my();
    let (c, k) = new_cert("debug");
    s.add(&c, Some((&k, &policy)), None).unwrap();
    let master = std::fs::read(env.user_root().join("master.key")).unwrap();
    let hex: String = master.iter().map(|b| format!("{b:02x}")).collect();
    let shown = format!("{s:?} {:?}", s.list().unwrap());
    assert!(!shown.to_lowercase().contains(&hex), "{shown}");
    assert!(!shown.contains("hunter2"));
    let key = s
        .private_key(&c.thumbprint(), &FixedPassphrase::new("hunter2"))
        .unwrap();
    assert!(format!("{key:?}").contains("redacted"));
}
