#![no_main]
//! `cargo +nightly fuzz run doc_ids`: the body is `together_fuzz_harness::ids::doc_ids`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::ids::doc_ids(data);
});
