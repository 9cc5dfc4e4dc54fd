#![no_main]
//! `cargo +nightly fuzz run stripe_event`: the body is `together_fuzz_harness::billing::stripe_event`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::billing::stripe_event(data);
});
