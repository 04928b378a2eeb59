//! End-to-end tests of the management API: an in-process server, real TLS, real
//! management certificates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod resources_compute;
mod resources_sql_web;
mod resources_storage;
