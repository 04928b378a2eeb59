//! PKCS#12 tests (reader, writer, fixtures, OpenSSL interop, round trips).
