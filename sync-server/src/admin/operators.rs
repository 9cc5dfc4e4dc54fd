//! Operators' credentials: the rules of a password, and its Argon2id hash (the `argon2` crate,
//! RustCrypto). One home for both, used by `together-server admin create-operator` and the
//! console's sign-in.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::storage::{Storage, StorageError};

/// Fewest characters an operator's password has.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most bytes of a password the server hashes (bounds the work one sign-in costs).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Most bytes of an email.
pub const MAX_EMAIL_BYTES: usize = 254;

/// A hash no password matches, verified when the email is unknown so a sign-in takes as long
/// whether or not the operator exists.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Dw2ZzBoXGwMCcVL3F1uZwp8H6y2hj6E0bXkYv9w4rvU";

/// Why an operator cannot be created as asked.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The email is not shaped like one.
    #[error("--email must look like name@example.org (at most {MAX_EMAIL_BYTES} bytes)")]
    Email,
    /// The password is too short or too long.
    #[error(
        "the password (TOGETHER_OPERATOR_PASSWORD) must be {MIN_PASSWORD_CHARS} characters or more, and at most {MAX_PASSWORD_BYTES} bytes"
    )]
    Password,
    /// Hashing failed (no randomness).
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// Storing failed, or the email is taken.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Whether `password` may be an operator's password.
pub fn acceptable_password(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_CHARS && password.len() <= MAX_PASSWORD_BYTES
}

/// The email, trimmed, if it is shaped like one.
pub fn valid_email(raw: &str) -> Option<String> {
    let email = raw.trim();
    let shaped = (3..=MAX_EMAIL_BYTES).contains(&email.len())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    shaped.then(|| email.to_owned())
}

/// The Argon2id PHC string of `password`, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, OperatorError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| OperatorError::Hash(e.to_string()))
}

/// Whether `password` matches `hash` (a stored PHC string); `None` verifies against a decoy so
/// an unknown email costs the same time. CPU-heavy: call it on a blocking thread.
pub fn verify_password(hash: Option<&str>, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let stored = hash.unwrap_or(DECOY_HASH);
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && hash.is_some()
}

/// Creates an operator who signs in with `email` and `password`.
pub async fn create_operator(
    database: &dyn Storage,
    email: &str,
    password: &str,
    now: jiff::Timestamp,
) -> Result<(), OperatorError> {
    let email = valid_email(email).ok_or(OperatorError::Email)?;
    if !acceptable_password(password) {
        return Err(OperatorError::Password);
    }
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| OperatorError::Hash(e.to_string()))??;
    database
        .create_operator(
            crate::storage::new_id(),
            email,
            hash,
            crate::clock::stamp(now),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").unwrap_or_default();
        assert!(verify_password(Some(&hash), "correct horse battery"));
        assert!(!verify_password(Some(&hash), "correct horse battery!"));
        // The decoy parses (so unknown emails cost a real verification) and matches nothing.
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify_password(None, "correct horse battery"));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(!acceptable_password("eleven char"));
        assert!(acceptable_password("twelve chars"));
        assert!(!acceptable_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)));
    }
}
