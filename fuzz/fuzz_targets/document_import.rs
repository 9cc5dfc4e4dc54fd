#![no_main]
//! `cargo +nightly fuzz run document_import`: the body is `together_fuzz_harness::documents::document_import`.

libfuzzer_sys::fuzz_target!(init: together_fuzz_harness::documents::let_automerge_panics_reach_the_guard(), |data: &[u8]| {
    together_fuzz_harness::documents::document_import(data);
});
