//! The one integration-test binary of azmc-wire.

// clippy.toml allows these inside #[test] functions only; the helpers here panic on purpose too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod asm;
mod common;
mod fixtures;
mod fuzz_bodies;
mod rejects;
mod variants;
mod writer;
