//! PKCS#12 reader: arbitrary bytes, with the empty password (both conventions) and with a
//! text password, MAC checked and ignored. Must never panic; time is bounded by the
//! reader's own limits (size, iteration counts), here set low as a server reading
//! strangers' files would set them (and so that each input is quick).
#![no_main]

use azmc_pki::pkcs12::{ReadOptions, read};
use libfuzzer_sys::fuzz_target;

fn options(ignore_mac: bool) -> ReadOptions {
    ReadOptions {
        ignore_mac,
        max_iterations: Some(4_096),
        work_budget: Some(20_000),
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = read(data, "", options(true));
    let _ = read(data, "", options(false));
    let _ = read(data, "password", options(true));
});
