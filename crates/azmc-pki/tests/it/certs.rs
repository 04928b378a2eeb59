//! Certificate, key and PEM tests.
