//! The one integration-test binary of azmc-pki.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod certs;
mod pkcs12;
