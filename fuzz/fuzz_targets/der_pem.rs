//! Certificates, private keys, PEM armour and thumbprint strings from arbitrary bytes.
#![no_main]

use azmc_pki::{Certificate, PrivateKey, Thumbprint, pem};
use libfuzzer_sys::fuzz_target;
use std::str::FromStr;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::parse(data) {
        // Whatever parses must re-encode and answer its accessors.
        let again = Certificate::from_der(cert.der());
        assert!(
            again.is_ok(),
            "a parsed certificate's DER does not parse again"
        );
        let _ = cert.to_pem();
        let _ = cert.thumbprint();
        let _ = cert.info();
    }
    if let Ok(key) = PrivateKey::parse(data) {
        let _ = key.to_pkcs8_pem();
        let _ = key.to_pkcs1_pem();
    }
    let _ = pem::parse_all(data);
    let _ = Thumbprint::from_str(&String::from_utf8_lossy(data));
});
