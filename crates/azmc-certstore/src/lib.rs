//! `azmc-certstore`: the local certificate store, in the role Windows' certificate stores
//! (`certmgr.msc`, `Cert:\CurrentUser\My`) play for the Azure tools.
//!
//! A store is a scope ([`Scope::CurrentUser`] or [`Scope::LocalMachine`]) and a name
//! ([`StoreName`]: `My`, `Root`, `TrustedPeople`, or any other). It holds certificates,
//! some with a private key; a key is encrypted at rest, may be marked not exportable (as
//! imports are by default), and may be given "strong protection" (a passphrase asked at
//! every use). [`fs`] has the atomic, owner-only file writing the CLI uses for its own
//! outputs too.
//!
//! Boundary: this crate owns the files of the stores and nothing else. Certificates, keys
//! and PKCS#12 are `azmc-pki`'s; the time comes from a [`azmc_pki::clock::Clock`];
//! passphrases come from a [`PassphraseSource`] the caller supplies (the CLI prompts or
//! reads a file). No terminal, no network, no global state.
//!
//! # On-disk layout
//!
//! ```text
//! <scope root>/                      0700  CurrentUser: $AZMC_HOME, else $XDG_DATA_HOME/azmc,
//!                                          else ~/.local/share/azmc; LocalMachine:
//!                                          $AZMC_MACHINE_STORE, else /var/lib/azmc
//!   master.key                       0600  32 random bytes: the scope's key-encryption key
//!   stores/                          0700
//!     <StoreName>/                   0700  e.g. My, Root, TrustedPeople
//!       .lock                        0600  flock(2): exclusive for changes, shared for reads
//!       <THUMBPRINT>.cer             0600  the certificate, DER; an entry exists iff this does
//!       <THUMBPRINT>.meta            0600  JSON: {format, version, added (unix s), friendly_name}
//!       <THUMBPRINT>.key             0600  JSON key envelope, only with a private key
//! ```
//!
//! `<THUMBPRINT>` is the SHA-1 thumbprint in 40 upper-case hex digits. The key envelope:
//!
//! ```text
//! { "format": "azmc-certstore-key", "version": 1, "thumbprint": "6A7F…",
//!   "exportable": false, "protected": false, "added": 1764288000,
//!   "kdf": null | { "algorithm": "argon2id", "version": 19, "m_cost": 19456, "t_cost": 2,
//!                   "p_cost": 1, "salt": "<b64>", "verifier": "<b64>" },
//!   "cipher": "AES-256-GCM", "nonce": "<b64, 12 bytes>", "ciphertext": "<b64, PKCS#8 + tag>" }
//! ```
//!
//! The PKCS#8 key is sealed with AES-256-GCM under a key derived from `master.key` by
//! HMAC-SHA256; with strong protection the derivation also takes Argon2id(passphrase,
//! salt), so both the master key and the passphrase are needed. The associated data binds
//! the thumbprint, `exportable`, `protected`, `added` and the KDF parameters: editing
//! `"exportable": false` to `true` makes the key fail to decrypt ([`StoreError::Corrupt`])
//! instead of exporting it. A wrong passphrase is told apart from an altered file by a
//! verifier (an HMAC under the master key, useless without it). See `crypto.rs`.
//!
//! `master.key` is created atomically on first need (a temporary file hard-linked into
//! place, so racing processes agree on one). If it is missing while key files exist in the
//! scope, or has the wrong size, that is [`StoreError::Corrupt`]: a new master key is never
//! made silently, since it would orphan every stored key. A master key that other users can
//! read is refused ([`StoreError::InsecurePermissions`]), as ssh refuses such private keys.
//!
//! Every file is written atomically (temporary file with mode 0600 set on the file itself,
//! fsync, rename, fsync of the directory); directories are created with 0700 set on each
//! one, never through the umask. Adding writes `.key`, then `.meta`, then `.cer` last, under
//! the store's exclusive lock; deleting removes the `.key` first (overwritten with zeros,
//! then unlinked). A crash can leave an orphan `.key`/`.meta` without a `.cer`; it is
//! invisible, and the next add of that certificate replaces it. Nothing is written by an
//! operation that fails before its first write (e.g. an import with a wrong password: the
//! PKCS#12 file is read completely before the lock is taken); reads create nothing.
//!
//! # Locking
//!
//! Every change holds an exclusive `flock` on `<store dir>/.lock`, every read a shared one,
//! each for the one operation only (a [`CertStore`] holds no lock between calls, and none
//! while a passphrase is being asked). A process that waits longer than the lock timeout
//! ([`DEFAULT_LOCK_TIMEOUT`], [`CertStore::with_lock_timeout`]) gets
//! [`StoreError::Locked`] instead of hanging. Waiting is done by a helper thread blocked
//! in `flock` (woken by the kernel, no polling); one that outlives a timeout drops the lock
//! as soon as it gets it. `master.key` needs no lock (see above).
//!
//! # Damaged files
//!
//! [`CertStore::list`] returns the entries it can read and leaves out the others, so one
//! damaged or foreign file does not hide the rest of the store; [`CertStore::list_checked`]
//! also returns an error for each entry left out (for a `--verbose` or a doctor command),
//! and [`CertStore::get`] on such a thumbprint is [`StoreError::Corrupt`] naming the file.
//! Files whose names are not `<THUMBPRINT>.cer|.meta|.key` (with the canonical spelling
//! of the thumbprint) are ignored. [`CertStore::delete`] works on damaged entries.
//!
//! # Departures from the brief, and why
//!
//! * The friendly name and the time added live in `<THUMBPRINT>.meta`, not in the key
//!   envelope: certificates without a key have them too, and they are not secret. The
//!   envelope keeps its own `added` (when the key was stored), bound into the AAD.
//! * Times are whole Unix seconds (the workspace's `time` has no parsing feature, and a
//!   number cannot be misread).
//! * Store names other than the well-known ones are matched case-insensitively against
//!   existing store directories (Windows store names are case-insensitive); a new store is
//!   created with the spelling given.

mod crypto;
mod error;
pub mod fs;
mod location;
mod lock;
mod store;

pub use error::StoreError;
pub use location::{
    DEFAULT_MACHINE_STORE, MAX_STORE_NAME, Scope, StoreLocation, StoreName, StorePaths,
};
pub use store::{
    CertStore, DEFAULT_LOCK_TIMEOUT, Entry, FixedPassphrase, KeyPolicy, Listing, MASTER_KEY_FILE,
    MAX_FRIENDLY_NAME, NoPassphrase, PassphraseSource, Protection, Query, STORES_DIR,
};
