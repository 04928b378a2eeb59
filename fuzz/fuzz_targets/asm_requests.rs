//! Every ASM request-body reader of `azmc_wire::asm` on the same bytes, and for what reads,
//! a round trip through the matching writer. The body is `bodies/asm_requests.rs`, shared
//! with azmc-wire's `fuzz_bodies` test.
#![no_main]

#[path = "../bodies/asm_requests.rs"]
mod body;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| body::run(data));
