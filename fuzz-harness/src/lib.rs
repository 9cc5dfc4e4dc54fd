//! # together-fuzz-harness
//!
//! The body of every fuzz target, written once and called from two places: the libFuzzer targets
//! in `fuzz/fuzz_targets/` (nightly, `cargo fuzz run TARGET`) and the stable replay test
//! (`tests/replay.rs`), which runs every seed and every saved crasher under `fuzz/corpus/` and
//! `fuzz/regressions/` through the same bodies on every `cargo test`. See `fuzz/README.md`.
//!
//! A body takes arbitrary bytes and must never panic; where a decoder accepts its input, the body
//! also checks what it got reads back the same.

pub mod billing;
pub mod config;
pub mod documents;
pub mod ids;
pub mod sealed;
pub mod seeds;
pub mod wire;

/// One fuzz target: its name (the file under `fuzz/fuzz_targets/` and the corpus folder) and body.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// `cargo fuzz run <name>`.
    pub name: &'static str,
    /// The body, on arbitrary bytes.
    pub run: fn(&[u8]),
}

/// Every target, one per decoder that takes bytes from outside.
pub const TARGETS: &[Target] = &[
    Target {
        name: "wire_requests",
        run: wire::requests,
    },
    Target {
        name: "wire_responses",
        run: wire::responses,
    },
    Target {
        name: "doc_ids",
        run: ids::doc_ids,
    },
    Target {
        name: "pairing_code",
        run: ids::pairing_code,
    },
    Target {
        name: "sealed_envelope",
        run: sealed::sealed_envelope,
    },
    Target {
        name: "document_import",
        run: documents::document_import,
    },
    Target {
        name: "document_merge",
        run: documents::document_merge,
    },
    Target {
        name: "stripe_event",
        run: billing::stripe_event,
    },
    Target {
        name: "stripe_signature",
        run: billing::stripe_signature,
    },
    Target {
        name: "server_config",
        run: config::server_config,
    },
];
