#![no_main]
//! `cargo +nightly fuzz run wire_responses`: the body is `together_fuzz_harness::wire::responses`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::wire::responses(data);
});
