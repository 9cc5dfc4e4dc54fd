#![no_main]
//! `cargo +nightly fuzz run document_merge`: the body is `together_fuzz_harness::documents::document_merge`.

libfuzzer_sys::fuzz_target!(init: together_fuzz_harness::documents::let_automerge_panics_reach_the_guard(), |data: &[u8]| {
    together_fuzz_harness::documents::document_merge(data);
});
