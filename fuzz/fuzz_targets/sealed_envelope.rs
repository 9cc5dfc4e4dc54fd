#![no_main]
//! `cargo +nightly fuzz run sealed_envelope`: the body is `together_fuzz_harness::sealed::sealed_envelope`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::sealed::sealed_envelope(data);
});
