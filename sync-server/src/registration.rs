//! Who may create an account: everyone (`open`, the default), only people holding a sign-up code
//! the operator issued (`invite-only`), or nobody (`closed`). Existing accounts sign in whatever
//! the setting.
//!
//! A sign-up code is 128 random bits shown once as 32 hexadecimal digits in groups of eight; the
//! server keeps only its SHA-256 ([`crate::storage::SignupCodes`]) and counts its uses in the
//! sign-up's own transaction. A refusal is one answer for a missing, unknown or used-up code, so
//! it tells nothing about which codes exist; and it is given before the email is looked at, so it
//! tells nothing about which accounts exist either. Guessing a code is hopeless (2^128), so no
//! limiter is needed.

use together_core::wire::ErrorCode;

use crate::http::ApiError;

/// Most sign-ups one code can be issued for.
pub const MAX_USES: i64 = 1_000_000;

/// Who may create an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Registration {
    /// Anyone who reaches the server.
    #[default]
    Open,
    /// Only with a sign-up code from `together-server admin signup-code create`.
    InviteOnly,
    /// Nobody: the server serves its existing accounts only.
    Closed,
}

impl std::fmt::Display for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Open => "open",
            Self::InviteOnly => "invite-only",
            Self::Closed => "closed",
        })
    }
}

/// A new code to show the operator once, and the hash to store.
pub fn new_code() -> (String, [u8; 32]) {
    let digits = hex::encode(crate::secrets::random_bytes::<16>());
    let shown = digits
        .as_bytes()
        .chunks(8)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-");
    let hash = crate::secrets::sha256(&[digits.as_bytes()]);
    (shown, hash)
}

/// The hash of the code a person typed: dashes, spaces and case do not matter. `None` when it
/// cannot be a code (no database lookup is made for it).
pub fn code_hash(typed: &str) -> Option<[u8; 32]> {
    if typed.len() > 128 {
        return None;
    }
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (digits.len() == 32 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| crate::secrets::sha256(&[digits.as_bytes()]))
}

/// The answer to a sign-up on a closed server.
pub fn closed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "this server is not accepting new accounts; ask its operator",
    )
    .with_code(ErrorCode::RegistrationClosed)
}

/// The answer to a sign-up on an invite-only server without a valid code: the same whether the
/// code was missing, unknown or used up.
pub fn code_refused() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "this server accepts new accounts only with a sign-up code from its operator, and this \
         code is missing, not valid or used up",
    )
    .with_code(ErrorCode::SignupCodeRequired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_code_hashes_the_same_however_it_is_typed() {
        let (shown, hash) = new_code();
        assert_eq!(shown.len(), 35, "{shown}");
        assert_eq!(code_hash(&shown), Some(hash));
        assert_eq!(code_hash(&shown.to_uppercase()), Some(hash));
        assert_eq!(
            code_hash(&format!("  {}  ", shown.replace('-', " "))),
            Some(hash)
        );
        assert_ne!(new_code().0, shown, "codes are random");
    }

    #[test]
    fn text_that_cannot_be_a_code_is_refused_without_a_lookup() {
        for typed in [
            "",
            "abc",
            "zzzzzzzz-zzzzzzzz-zzzzzzzz-zzzzzzzz",
            &"a".repeat(500),
        ] {
            assert_eq!(code_hash(typed), None, "{typed}");
        }
        assert_eq!(code_hash("é".repeat(32).as_str()), None);
    }
}
