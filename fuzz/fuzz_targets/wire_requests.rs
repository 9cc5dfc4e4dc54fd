#![no_main]
//! `cargo +nightly fuzz run wire_requests`: the body is `together_fuzz_harness::wire::requests`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::wire::requests(data);
});
