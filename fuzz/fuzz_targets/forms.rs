//! The portal's form readers (`azmc_wire::form`): urlencoded pairs, multipart with the
//! boundary of the data's first line and with a fixed one, and the `Posted` lookups. The
//! body is `bodies/forms.rs`, shared with azmc-wire's `fuzz_bodies` test.
#![no_main]

#[path = "../bodies/forms.rs"]
mod body;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| body::run(data));
