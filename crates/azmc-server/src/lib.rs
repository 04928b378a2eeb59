//! `azmc-server`: the Service Management API endpoint that legacy clients talk to.
//!
//! Layers, outside in: `serve.rs` (listeners, TLS handshake, the client certificate read
//! once per connection into [`identity::Connection`]), `router.rs` (the one route table;
//! request id, authorisation, version header and throttling layers), `ops.rs` (every
//! authorised mutating request becomes an operation), `api/` (thin handlers: extract, call
//! the domain or the database, map), [`domain`] (the rules of each resource family, shared
//! by the API, the portal, `azmc admin` and bootstrap; so far management-certificate
//! links), `error.rs` (the one mapping from errors to ASM XML). Authorisation
//! is decided in memory by [`auth::AuthIndex`]; the database is `azmc-db`; asynchronous
//! work runs on the durable [`jobs::JobRunner`].
//!
//! Boundary: no CLI, no terminal output; `azmc serve` and `azmc admin` (in the `azmc`
//! crate) call [`serve::start`] and [`admin`].

pub mod admin;
pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod config;
pub mod domain;
pub mod error;
pub mod identity;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod ops;
pub mod portal;
pub mod router;
pub mod serve;
pub mod state;
pub mod throttle;
pub mod tls;

pub use config::{ServerConfig, ThrottleConfig};
pub use error::{ApiError, ServerError};
pub use serve::{Server, StartOptions, start};
