//! End-to-end encryption of the couple's data, with RustCrypto primitives only.
//!
//! - **Password → secrets**: Argon2id(password, salt from the email) gives 64 bytes: the first 32 are
//!   the authentication secret sent to the server (which hashes it again), the last 32 the key that
//!   wraps this person's keys. The password and the wrapping key never leave the device.
//! - **Keys**: each person has a random root key for their own documents; each relationship has a
//!   random root key shared by the partners through the invite code. Every document gets its own
//!   256-bit key, derived with HKDF-SHA256 from its root key and its id.
//! - **Sealing**: XChaCha20-Poly1305 with a random 192-bit nonce; the additional data binds the
//!   document id and the entry id, so a sealed change cannot be replayed into another document or
//!   under another entry id.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

/// A 256-bit key.
pub type Key = [u8; 32];

/// Why opening or deriving failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The sealed bytes were altered, or sealed with another key, document or entry id.
    #[error("the data could not be decrypted: it was altered or does not belong here")]
    Tampered,
    /// Too short to hold a nonce and a tag.
    #[error("the sealed data is truncated")]
    Truncated,
    /// The key derivation failed (bad parameters).
    #[error("deriving keys from the password failed: {0}")]
    Derivation(String),
}

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// The two secrets derived from a password.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordSecrets {
    /// Sent to the server to sign in.
    pub auth_secret: Key,
    /// Wraps this person's keys; never sent.
    pub wrapping_key: Key,
}

impl std::fmt::Debug for PasswordSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordSecrets([redacted])")
    }
}

/// Argon2id memory cost in KiB (19 MiB, the OWASP recommendation with 2 passes).
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;

/// Derives the authentication secret and the wrapping key from a password. The salt comes from the
/// email, so any of the person's devices derives the same secrets without asking the server first.
pub fn derive_from_password(password: &str, email: &str) -> Result<PasswordSecrets, CryptoError> {
    let salt =
        Sha256::digest(format!("better-together/v1/{}", email.trim().to_lowercase()).as_bytes());
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, Some(64))
        .map_err(|e| CryptoError::Derivation(e.to_string()))?;
    let mut output = [0_u8; 64];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &salt[..16], &mut output)
        .map_err(|e| CryptoError::Derivation(e.to_string()))?;
    let mut auth_secret = [0_u8; 32];
    let mut wrapping_key = [0_u8; 32];
    auth_secret.copy_from_slice(&output[..32]);
    wrapping_key.copy_from_slice(&output[32..]);
    Ok(PasswordSecrets {
        auth_secret,
        wrapping_key,
    })
}

/// A fresh random key from the operating system.
pub fn random_key() -> Key {
    let mut key = [0_u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    key
}

/// The key of one document, derived from its root key (the relationship's or the person's).
pub fn document_key(root: &Key, doc_id: &str) -> Key {
    let hkdf = Hkdf::<Sha256>::new(Some(b"better-together/v1/document"), root);
    let mut key = [0_u8; 32];
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
    let _ = hkdf.expand(doc_id.as_bytes(), &mut key);
    key
}

fn additional_data(context: &str, label: &str) -> Vec<u8> {
    let mut aad = b"better-together/v1\0".to_vec();
    aad.extend_from_slice(context.as_bytes());
    aad.push(0);
    aad.extend_from_slice(label.as_bytes());
    aad
}

/// Seals `plaintext` under `key`, bound to `context` and `label` (for document changes: the
/// document id and the entry id). Output: nonce ‖ ciphertext ‖ tag.
pub fn seal(key: &Key, context: &str, label: &str, plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0_u8; NONCE_LEN];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
    let aad = additional_data(context, label);
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        // XChaCha20-Poly1305 only refuses inputs past 256 GiB; never pretend to have sealed.
        .expect("XChaCha20-Poly1305 seals any input below 256 GiB");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    out
}

/// Opens what [`seal`] produced with the same key, context and label.
pub fn open(key: &Key, context: &str, label: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Truncated);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    let aad = additional_data(context, label);
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_changes_open_only_with_their_key_document_and_entry() {
        let key = random_key();
        let sealed = seal(&key, "rel-1", "entry-1", b"grateful for the walk");
        assert_eq!(
            open(&key, "rel-1", "entry-1", &sealed).unwrap(),
            b"grateful for the walk"
        );
        assert_eq!(
            open(&random_key(), "rel-1", "entry-1", &sealed),
            Err(CryptoError::Tampered)
        );
        assert_eq!(
            open(&key, "rel-2", "entry-1", &sealed),
            Err(CryptoError::Tampered),
            "other document"
        );
        assert_eq!(
            open(&key, "rel-1", "entry-2", &sealed),
            Err(CryptoError::Tampered),
            "replayed id"
        );
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert_eq!(
            open(&key, "rel-1", "entry-1", &flipped),
            Err(CryptoError::Tampered)
        );
        assert_eq!(
            open(&key, "rel-1", "entry-1", &sealed[..10]),
            Err(CryptoError::Truncated)
        );
        assert!(
            !sealed.windows(8).any(|w| w == b"grateful"),
            "no plaintext in the sealed bytes"
        );
    }

    #[test]
    fn each_document_has_its_own_key() {
        let root = [7_u8; 32];
        assert_eq!(document_key(&root, "rel-a"), document_key(&root, "rel-a"));
        assert_ne!(
            document_key(&root, "rel-a"),
            document_key(&root, "rel-a-2026")
        );
        assert_ne!(
            document_key(&root, "rel-a"),
            document_key(&[8_u8; 32], "rel-a")
        );
    }

    #[test]
    fn the_password_gives_the_same_secrets_on_every_device_and_two_distinct_halves() {
        let a = derive_from_password("correct horse", "Alice@Example.com").unwrap();
        let b = derive_from_password("correct horse", "alice@example.com ").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.auth_secret, a.wrapping_key);
        assert_ne!(
            a,
            derive_from_password("correct horse", "bob@example.com").unwrap()
        );
        assert_ne!(
            a,
            derive_from_password("battery staple", "alice@example.com").unwrap()
        );
        assert_eq!(format!("{a:?}"), "PasswordSecrets([redacted])");
    }
}
