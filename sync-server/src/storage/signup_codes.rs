//! Sign-up codes: what every backend stores for `registration = "invite-only"`. The rules (what a
//! code looks like, when one is asked for) are in [`crate::registration`], above the backends.

use crate::storage::{NewAccount, StorageError};

/// A sign-up code as the operator sees it listed: never the code itself (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignupCodeRow {
    /// Its id.
    pub id: String,
    /// How many sign-ups it allows.
    pub max_uses: i64,
    /// How many it has been used for.
    pub uses: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, once used.
    pub last_used_at: Option<String>,
}

/// Sign-up codes.
#[async_trait::async_trait]
pub trait SignupCodes {
    /// Stores a new code (its SHA-256) good for `max_uses` sign-ups.
    async fn create_signup_code(
        &self,
        id: String,
        code_hash: [u8; 32],
        max_uses: i64,
        now: String,
    ) -> Result<(), StorageError>;

    /// Every code, newest first.
    async fn signup_codes(&self) -> Result<Vec<SignupCodeRow>, StorageError>;

    /// Like [`crate::storage::Accounts::create_account`], taking one use of the code whose hash
    /// is `code_hash` in the same transaction: a code that does not exist or is used up is
    /// [`StorageError::SignupCodeRefused`], and a sign-up that fails later gives its use back.
    async fn create_account_with_code(
        &self,
        a: NewAccount,
        code_hash: [u8; 32],
    ) -> Result<(), StorageError>;
}
