//! Entry points for the fuzz harness (`fuzz-harness`) into parsers that are private to this
//! crate. Not part of the API: hidden from the docs, and only what the fuzz targets need.

use crate::sync::pairing::PairingCode;

/// Parses `text` as a typed invite code; on success returns the code written back in its
/// canonical form (which parses to the same code: checked by the harness).
pub fn parse_pairing_code(text: &str) -> Option<String> {
    text.parse::<PairingCode>()
        .ok()
        .map(|code| code.to_string())
}

/// A fresh invite code, as an inviter would show it (for seed corpora).
pub fn new_pairing_code() -> String {
    PairingCode::generate().to_string()
}
