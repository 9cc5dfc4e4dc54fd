//! Entry points for the fuzz harness (`fuzz-harness`) into parsers that are private to this
//! crate. Not part of the API: hidden from the docs, and only what the fuzz targets need.

/// The pairing code parser, `sync::pairing`, compiled here a second time from the same file:
/// `sync` keeps its `pairing` module private, and this keeps it so. The copy's own items are
/// unused here, and its unit tests run once more.
#[path = "sync/pairing.rs"]
#[allow(dead_code, clippy::duplicate_mod)]
mod pairing;

use crate::sync::{Result, SyncError};

/// Parses `text` as a typed pairing code; on success returns the code written back in its
/// canonical form (which parses to the same code: checked by the harness).
pub fn parse_pairing_code(text: &str) -> Option<String> {
    text.parse::<pairing::PairingCode>()
        .ok()
        .map(|code| code.to_string())
}

/// A fresh pairing code, as an inviter would show it (for seed corpora).
pub fn new_pairing_code() -> String {
    pairing::PairingCode::generate().to_string()
}
