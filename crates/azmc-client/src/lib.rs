//! A typed client for the Windows Azure Service Management (ASM) API, as served by
//! `management.core.windows.net` in its day and by `azmc serve` today.
//!
//! * **Authentication** is the management certificate, presented as the TLS client
//!   certificate ([`Identity`]); the server is trusted through the system roots or a given
//!   CA file ([`Trust`]). TLS is rustls.
//! * **Calls**: typed methods for every resource of the API (subscription, management
//!   certificates, locations, affinity groups, storage accounts and keys, cloud services,
//!   deployments, service certificates, SQL servers and firewall rules, web sites,
//!   operations), built on the XML of [`azmc_wire::asm`]; and [`Client::send`] for a raw
//!   call.
//! * **Asynchronous operations** answer `202 Accepted` with a request id
//!   ([`Submitted::Accepted`]); [`Client::wait`] polls it until it succeeds or fails.
//! * **Retries**: throttling (503/429, honouring `Retry-After`) and failed connections are
//!   retried with exponential backoff and jitter, a bounded number of times
//!   ([`RetryPolicy`]); a POST is never repeated once it may have reached the server.
//! * **Errors** ([`ClientError`]) carry the service's error code, message and request id.
//!
//! ```no_run
//! use azmc_client::{Client, ClientConfig, Endpoint, Identity, Trust, WaitOptions};
//! use azmc_client::api::CreateStorageAccount;
//! use azmc_pki::{Certificate, PrivateKey};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let cert = Certificate::parse(&std::fs::read("mgmt.cer")?)?;
//! let key = PrivateKey::parse(&std::fs::read("mgmt.key.pem")?)?;
//! let config = ClientConfig::new(
//!     Endpoint::parse("https://127.0.0.1:9443")?,
//!     "0bbbbbbb-1111-2222-3333-444444444444",
//!     Identity::new(cert, key)?,
//!     Trust::from_pem("ca.pem", &std::fs::read("ca.pem")?)?,
//! );
//! let client = Client::new(config)?;
//! for account in client.list_storage_accounts().await? {
//!     println!("{}", account.service_name);
//! }
//! let submitted = client
//!     .create_storage_account(&CreateStorageAccount::new("mystore", "West US"))
//!     .await?;
//! if let Some(id) = submitted.request_id() {
//!     client.wait(id, WaitOptions::default(), |_, _| {}).await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! **From the certificate store, by thumbprint** (what `X509Store.Find(FindByThumbprint)`
//! did for .NET programs): [`azmc_certstore::CertStore::certificate_and_key`] gives the
//! certificate and its decrypted private key, for an [`Identity`]; [`tls_client_config`]
//! turns an identity into a `rustls::ClientConfig` for programs with their own HTTP stack.
//!
//! ```no_run
//! use azmc_certstore::{CertStore, NoPassphrase, StoreLocation, StorePaths};
//! use azmc_client::{Client, ClientConfig, Endpoint, Identity, Trust, tls_client_config};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // CurrentUser/My, where `azmc cert new` and `azmc account import` put certificates.
//! let store = CertStore::open(
//!     &StorePaths::from_env()?,
//!     &"CurrentUser/My".parse::<StoreLocation>()?,
//!     azmc_pki::clock::system(),
//! )?;
//! let thumbprint = "0DA5A16EB0716C0BA056C0E34DC8CE0518292B14".parse()?;
//! // A key protected with a passphrase asks a `PassphraseSource` (e.g. `FixedPassphrase`).
//! let (cert, key) = store.certificate_and_key(&thumbprint, &NoPassphrase)?;
//! let identity = Identity::new(cert, key)?;
//! let trust = Trust::from_pem("ca.pem", &std::fs::read("ca.pem")?)?;
//! let tls: azmc_client::rustls::ClientConfig = tls_client_config(&identity, &trust)?;
//! let client = Client::new(ClientConfig::new(
//!     Endpoint::parse("https://127.0.0.1:9443")?,
//!     "0bbbbbbb-1111-2222-3333-444444444444",
//!     identity,
//!     trust,
//! ))?;
//! # let _ = (tls, client);
//! # Ok(())
//! # }
//! ```
//!
//! The crate has runnable examples: `cargo run -p azmc-client --example list_storage`, and
//! `--example from_store` for a certificate of the store.

pub mod api;
mod client;
mod config;
mod error;
mod retry;
mod transport;
mod wait;

pub use client::{Client, RawRequest, Submitted, is_subscription_id};
pub use config::{ClientConfig, DEFAULT_VERSION, Endpoint, Identity, Trust};
pub use error::{ClientError, Result};
pub use retry::{RetryEvent, RetryPolicy, RetryReason};
/// The rustls this crate builds on, so that [`tls_client_config`]'s type is the caller's.
pub use rustls;
pub use transport::Response;
pub use transport::tls_client_config;
pub use wait::WaitOptions;

/// Re-exported so callers can name methods and read headers without depending on hyper.
pub use hyper::http::{HeaderMap, Method};
