#![no_main]
//! `cargo +nightly fuzz run pairing_code`: the body is `together_fuzz_harness::ids::pairing_code`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::ids::pairing_code(data);
});
