#![no_main]
//! `cargo +nightly fuzz run stripe_signature`: the body is `together_fuzz_harness::billing::stripe_signature`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::billing::stripe_signature(data);
});
