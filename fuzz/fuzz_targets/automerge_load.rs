#![no_main]
//! `cargo +nightly fuzz run automerge_load`: the body is `together_fuzz_harness::documents::automerge_load`.

libfuzzer_sys::fuzz_target!(init: together_fuzz_harness::documents::let_automerge_panics_reach_the_guard(), |data: &[u8]| {
    together_fuzz_harness::documents::automerge_load(data);
});
