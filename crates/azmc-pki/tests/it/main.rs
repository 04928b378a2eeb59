//! The one integration-test binary of azmc-pki.

mod certs;
mod pkcs12;
