//! End-to-end tests of the management API: in-process servers on port 0, real TLS, real
//! management certificates, SQLite and PostgreSQL.
//!
//! PostgreSQL is required (`postgres://postgres@127.0.0.1:5432/test`, or
//! `AZMC_TEST_POSTGRES_URL`): the storage-facing scenarios run against both backends, each
//! PostgreSQL run in a database of its own that is dropped afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod certificates;
mod client;
mod images;
mod jobs;
mod keys;
mod lifecycle;
mod networks;
mod operations;
mod portal;
mod replay;
mod reserved_ips;
mod resource_api;
mod resources_compute;
mod resources_sql_databases;
mod resources_sql_web;
mod resources_storage;
mod restore;
mod support;
mod vms;
mod wire;
