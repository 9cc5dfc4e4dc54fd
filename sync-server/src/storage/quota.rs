//! The per-account storage quota: the ciphertext bytes an account's devices stored.

use crate::storage::StorageError;

/// What the quota counts.
#[async_trait::async_trait]
pub trait Quota {
    /// The ciphertext bytes `user_id`'s devices have stored (what the quota counts).
    async fn stored_bytes(&self, user_id: String) -> Result<u64, StorageError>;
}
