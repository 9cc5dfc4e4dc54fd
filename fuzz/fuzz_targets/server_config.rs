#![no_main]
//! `cargo +nightly fuzz run server_config`: the body is `together_fuzz_harness::config::server_config`.

libfuzzer_sys::fuzz_target!(init: (), |data: &[u8]| {
    together_fuzz_harness::config::server_config(data);
});
