//! PKCS#12 reader: arbitrary bytes, with the empty password (both conventions) and with a
//! text password, MAC checked and ignored. Must never panic; time is bounded by the
//! reader's own limits (size, iteration counts).
#![no_main]

use azmc_pki::pkcs12::{ReadOptions, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read(data, "", ReadOptions { ignore_mac: true });
    let _ = read(data, "", ReadOptions { ignore_mac: false });
    let _ = read(data, "password", ReadOptions { ignore_mac: true });
});
