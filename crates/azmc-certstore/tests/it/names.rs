//! Scope, StoreName, StoreLocation and StorePaths.

use azmc_certstore::{Scope, StoreError, StoreLocation, StoreName, StorePaths};
use std::collections::HashMap;
use std::path::PathBuf;

#[test]
fn scopes_parse_in_any_case() {
    for (input, want) in [
        ("CurrentUser", Scope::CurrentUser),
        ("currentuser", Scope::CurrentUser),
        ("LOCALMACHINE", Scope::LocalMachine),
        (" LocalMachine ", Scope::LocalMachine),
    ] {
        assert_eq!(input.parse::<Scope>().unwrap(), want, "{input}");
    }
    assert_eq!(Scope::LocalMachine.to_string(), "LocalMachine");
    assert_eq!(Scope::CurrentUser.to_string(), "CurrentUser");
    let err = "Machine".parse::<Scope>().unwrap_err();
    assert!(matches!(err, StoreError::BadScope(_)));
    assert!(
        err.to_string().contains("CurrentUser or LocalMachine"),
        "{err}"
    );
}

#[test]
fn store_names_well_known_and_custom() {
    for (input, want) in [
        ("My", "My"),
        ("my", "My"),
        ("MY", "My"),
        ("Personal", "My"),
        ("personal", "My"),
        ("root", "Root"),
        ("ROOT", "Root"),
        ("trustedpeople", "TrustedPeople"),
        ("TrustedPeople", "TrustedPeople"),
        ("Elsewhere", "Elsewhere"),
        ("elsewhere", "elsewhere"),
        ("a.b_c-1", "a.b_c-1"),
        ("...", "..."),
    ] {
        let n: StoreName = input.parse().unwrap();
        assert_eq!(n.to_string(), want, "{input}");
        assert_eq!(n.as_str(), want);
    }
    assert_eq!(StoreName::my().to_string(), "My");
    assert_eq!(StoreName::default(), StoreName::my());
    assert!("x".repeat(64).parse::<StoreName>().is_ok());
    for bad in ["", ".", "..", "a/b", "a\\b", "a b", "é", "My\n", "x\0"] {
        let err = bad.parse::<StoreName>().unwrap_err();
        assert!(matches!(err, StoreError::BadName(_)), "{bad:?}");
    }
    let long = "x".repeat(65);
    let err = long.parse::<StoreName>().unwrap_err();
    assert!(err.to_string().contains("1 to 64"), "{err}");
}

#[test]
fn store_locations() {
    for (input, want) in [
        ("CurrentUser/My", "CurrentUser/My"),
        ("LocalMachine/Root", "LocalMachine/Root"),
        ("My", "CurrentUser/My"),
        ("Personal", "CurrentUser/My"),
        ("root", "CurrentUser/Root"),
        ("CurrentUser\\My", "CurrentUser/My"),
        ("localmachine\\trustedpeople", "LocalMachine/TrustedPeople"),
        ("Cert:\\CurrentUser\\My", "CurrentUser/My"),
        ("cert:/LocalMachine/Root", "LocalMachine/Root"),
        ("currentuser/Elsewhere", "CurrentUser/Elsewhere"),
    ] {
        let l: StoreLocation = input.parse().unwrap();
        assert_eq!(l.to_string(), want, "{input}");
    }
    let d = StoreLocation::default();
    assert_eq!(d.scope, Scope::CurrentUser);
    assert_eq!(d.name, StoreName::my());
    assert_eq!(d.to_string(), "CurrentUser/My");

    for bad in [
        "",
        "Machine/My",
        "CurrentUser/My/Extra",
        "/My",
        "CurrentUser/",
    ] {
        assert!(bad.parse::<StoreLocation>().is_err(), "{bad:?}");
    }
    let err = "Nowhere/My".parse::<StoreLocation>().unwrap_err();
    assert!(matches!(err, StoreError::BadLocation(_)));
    assert!(err.to_string().contains("SCOPE/NAME"), "{err}");
    let err = "CurrentUser/a b".parse::<StoreLocation>().unwrap_err();
    assert!(matches!(err, StoreError::BadName(_)), "{err}");
}

fn paths(vars: &[(&str, &str)]) -> Result<StorePaths, StoreError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    StorePaths::from_vars(|k| map.get(k).cloned())
}

#[test]
fn store_paths_precedence() {
    let all = [
        ("AZMC_HOME", "/a/home"),
        ("XDG_DATA_HOME", "/x/data"),
        ("HOME", "/h"),
        ("AZMC_MACHINE_STORE", "/m"),
    ];
    let p = paths(&all).unwrap();
    assert_eq!(p.current_user, PathBuf::from("/a/home"));
    assert_eq!(p.local_machine, PathBuf::from("/m"));

    let p = paths(&all[1..3]).unwrap();
    assert_eq!(p.current_user, PathBuf::from("/x/data/azmc"));
    assert_eq!(p.local_machine, PathBuf::from("/var/lib/azmc"));

    let p = paths(&[("HOME", "/h")]).unwrap();
    assert_eq!(p.current_user, PathBuf::from("/h/.local/share/azmc"));

    // empty values are unset; a relative XDG_DATA_HOME is ignored (XDG spec)
    let p = paths(&[
        ("AZMC_HOME", ""),
        ("XDG_DATA_HOME", "relative/data"),
        ("HOME", "/h"),
        ("AZMC_MACHINE_STORE", ""),
    ])
    .unwrap();
    assert_eq!(p.current_user, PathBuf::from("/h/.local/share/azmc"));
    assert_eq!(p.local_machine, PathBuf::from("/var/lib/azmc"));

    let err = paths(&[("AZMC_MACHINE_STORE", "/m")]).unwrap_err();
    assert!(matches!(err, StoreError::NoHome));
    assert!(err.to_string().contains("AZMC_HOME"), "{err}");

    // AZMC_HOME alone is enough
    assert_eq!(
        paths(&[("AZMC_HOME", "/only")])
            .unwrap()
            .root(Scope::CurrentUser),
        std::path::Path::new("/only")
    );
}
