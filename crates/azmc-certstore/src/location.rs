//! Where a store is: its scope (`CurrentUser`, `LocalMachine`), its name (`My`, `Root`, ...)
//! and the directories the scopes live in.

use crate::error::StoreError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Whose store: the user's or the machine's (Windows' `CurrentUser` and `LocalMachine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Scope {
    #[default]
    CurrentUser,
    LocalMachine,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::CurrentUser, Scope::LocalMachine];

    /// The canonical spelling, as Windows writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CurrentUser => "CurrentUser",
            Scope::LocalMachine => "LocalMachine",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = StoreError;
    /// `CurrentUser` or `LocalMachine`, in any case.
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let t = s.trim();
        Scope::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| StoreError::BadScope(s.to_string()))
    }
}

/// Store names with a canonical spelling (Windows' system stores), and their aliases.
/// Any of them, in any case, is written in the canonical spelling.
const WELL_KNOWN: &[(&str, &str)] = &[
    ("My", "My"),
    ("Personal", "My"),
    ("Root", "Root"),
    ("TrustedPeople", "TrustedPeople"),
    ("CA", "CA"),
    ("TrustedPublisher", "TrustedPublisher"),
    ("Disallowed", "Disallowed"),
    ("AuthRoot", "AuthRoot"),
    ("AddressBook", "AddressBook"),
];

/// Longest store name.
pub const MAX_STORE_NAME: usize = 64;

/// The name of a store inside a scope: `My` (alias `Personal`), `Root`, `TrustedPeople`, or
/// any other name of 1 to 64 characters from `A-Z a-z 0-9 . _ -` except `.` and `..`.
/// The well-known names are matched case-insensitively and kept in their canonical
/// spelling; other names keep the spelling given (the store directory is then found
/// case-insensitively, see [`crate::CertStore::open`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreName(String);

impl StoreName {
    /// `My`, the personal store (where `azmc cert new` puts certificates).
    pub fn my() -> Self {
        StoreName("My".into())
    }

    /// `Root`, trusted root certificates.
    pub fn root() -> Self {
        StoreName("Root".into())
    }

    /// `TrustedPeople`.
    pub fn trusted_people() -> Self {
        StoreName("TrustedPeople".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` is a valid store name (ignoring canonical spelling).
    fn is_valid(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= MAX_STORE_NAME
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }
}

impl Default for StoreName {
    fn default() -> Self {
        StoreName::my()
    }
}

impl fmt::Display for StoreName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for StoreName {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        if !StoreName::is_valid(s) {
            return Err(StoreError::BadName(s.to_string()));
        }
        if let Some((_, canonical)) = WELL_KNOWN.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
            return Ok(StoreName((*canonical).to_string()));
        }
        Ok(StoreName(s.to_string()))
    }
}

impl AsRef<str> for StoreName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A scope and a store name: `CurrentUser/My`.
///
/// Parsed from `SCOPE/NAME` or `SCOPE\NAME` (scope in any case), from a bare `NAME`
/// (meaning `CurrentUser/NAME`), and from PowerShell's `Cert:\SCOPE\NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct StoreLocation {
    pub scope: Scope,
    pub name: StoreName,
}

impl StoreLocation {
    pub fn new(scope: Scope, name: StoreName) -> Self {
        StoreLocation { scope, name }
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.scope, self.name)
    }
}

impl FromStr for StoreLocation {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::BadLocation(s.to_string());
        let mut t = s.trim();
        if t.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("cert:")) {
            t = &t[5..];
            t = t.trim_start_matches(['/', '\\']);
        }
        let parts: Vec<&str> = t.split(['/', '\\']).collect();
        match parts.as_slice() {
            [name] => Ok(StoreLocation {
                scope: Scope::CurrentUser,
                name: name.parse()?,
            }),
            [scope, name] => Ok(StoreLocation {
                scope: scope.parse().map_err(|_| bad())?,
                name: name.parse()?,
            }),
            _ => Err(bad()),
        }
    }
}

/// The root directories of the two scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePaths {
    /// Root of the `CurrentUser` scope.
    pub current_user: PathBuf,
    /// Root of the `LocalMachine` scope.
    pub local_machine: PathBuf,
}

/// Default root of the `LocalMachine` scope.
pub const DEFAULT_MACHINE_STORE: &str = "/var/lib/azmc";

impl StorePaths {
    /// Both roots given explicitly.
    pub fn new(current_user: impl Into<PathBuf>, local_machine: impl Into<PathBuf>) -> Self {
        StorePaths {
            current_user: current_user.into(),
            local_machine: local_machine.into(),
        }
    }

    /// From the process environment; see [`StorePaths::from_vars`].
    pub fn from_env() -> Result<Self, StoreError> {
        Self::from_vars(|name| std::env::var_os(name).and_then(|v| v.into_string().ok()))
    }

    /// From environment variables looked up with `var` (empty values count as unset):
    ///
    /// * `CurrentUser` root: `$AZMC_HOME` if set, else `$XDG_DATA_HOME/azmc` (only if
    ///   absolute, as the XDG spec demands), else `$HOME/.local/share/azmc`; none of
    ///   them is [`StoreError::NoHome`].
    /// * `LocalMachine` root: `$AZMC_MACHINE_STORE` if set, else `/var/lib/azmc`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, StoreError> {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        let current_user = if let Some(h) = get("AZMC_HOME") {
            PathBuf::from(h)
        } else if let Some(x) = get("XDG_DATA_HOME").filter(|x| Path::new(x).is_absolute()) {
            Path::new(&x).join("azmc")
        } else if let Some(h) = get("HOME") {
            Path::new(&h).join(".local/share/azmc")
        } else {
            return Err(StoreError::NoHome);
        };
        let local_machine = get("AZMC_MACHINE_STORE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_MACHINE_STORE));
        Ok(StorePaths {
            current_user,
            local_machine,
        })
    }

    /// The root directory of `scope`.
    pub fn root(&self, scope: Scope) -> &Path {
        match scope {
            Scope::CurrentUser => &self.current_user,
            Scope::LocalMachine => &self.local_machine,
        }
    }
}
