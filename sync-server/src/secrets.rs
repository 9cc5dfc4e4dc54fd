//! Tokens and hashes. RustCrypto's SHA-256 and `subtle` for constant-time comparison; the OS RNG
//! through `rand`. Nothing hand-rolled.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret from the operator (a Stripe key, a webhook signing secret, an AI key): usable where
/// needed, never shown by `Debug` (logs, panics, `{:?}` of a configuration).
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps a secret.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for SecretText {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl std::str::FromStr for SecretText {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(text))
    }
}

/// `N` random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes
}

/// SHA-256 of `parts`, concatenated.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// A new device token (256 random bits, URL-safe base64) and the hash the server stores.
pub fn new_token() -> (String, [u8; 32]) {
    let raw = random_bytes::<32>();
    (URL_SAFE_NO_PAD.encode(raw), sha256(&[&raw]))
}

/// The stored hash of a presented token; `None` if it is not a well-formed token.
pub fn token_hash(token: &str) -> Option<[u8; 32]> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    (raw.len() == 32).then(|| sha256(&[&raw]))
}

/// What the server stores for an authentication secret: SHA-256(salt || secret). The secret is
/// already the output of Argon2id on the device, so a fast hash suffices to keep a database leak
/// from being replayable.
pub fn secret_hash(salt: &[u8; 16], secret: &[u8; 32]) -> [u8; 32] {
    sha256(&[salt, secret])
}

/// Decodes standard base64 that must hold exactly 32 bytes.
pub fn decode_32(text: &str) -> Option<[u8; 32]> {
    STANDARD.decode(text.trim()).ok()?.try_into().ok()
}

/// Standard base64, for ciphertext in JSON.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

/// Compares two hashes in constant time.
pub fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_hash_to_what_the_server_stored() {
        let (token, stored) = new_token();
        assert_eq!(token_hash(&token), Some(stored));
        assert_eq!(token_hash("not a token"), None);
        let (other, _) = new_token();
        assert_ne!(token_hash(&other), Some(stored));
    }

    #[test]
    fn secrets_are_salted() {
        let secret = [7_u8; 32];
        assert_ne!(
            secret_hash(&[1; 16], &secret),
            secret_hash(&[2; 16], &secret)
        );
        assert!(same(
            &secret_hash(&[1; 16], &secret),
            &secret_hash(&[1; 16], &secret)
        ));
    }
}
