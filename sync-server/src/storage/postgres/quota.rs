//! The per-account storage quota in PostgreSQL (what it counts: `storage/sqlite/quota.rs`). An
//! upload is charged by one conditional update of the uploader's row inside the transaction that
//! stores it: PostgreSQL re-checks the condition after waiting for a concurrent charge, so two
//! uploads racing (on one instance or two) cannot both slip under the quota.

use deadpool_postgres::GenericClient;

use super::{PostgresStorage, exec, one, opt};
use crate::storage::StorageError;
use crate::storage::quota::{self, Quota};

/// Adds `bytes` to `user_id`'s usage if that keeps it within `max_bytes`; otherwise refuses with
/// [`StorageError::QuotaExceeded`] and changes nothing (the caller rolls its transaction back).
pub(super) async fn charge<C: GenericClient>(
    c: &C,
    user_id: &str,
    bytes: u64,
    max_bytes: u64,
) -> Result<(), StorageError> {
    if bytes == 0 {
        return Ok(());
    }
    let (bytes, max) = quota::sql_figures(bytes, max_bytes)?;
    // The rule of `quota::charged`, as one conditional update.
    let charged = exec(
        c,
        "UPDATE users SET stored_bytes = stored_bytes + $2
         WHERE id = $1 AND stored_bytes <= $3::bigint - $2::bigint",
        &[&user_id, &bytes, &max],
    )
    .await?;
    if charged == 1 {
        return Ok(());
    }
    let exists: bool = one(
        c,
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)",
        &[&user_id],
    )
    .await?
    .get(0);
    if exists {
        Err(StorageError::QuotaExceeded { max_bytes })
    } else {
        Err(StorageError::NotFound("no such account".into()))
    }
}

#[async_trait::async_trait]
impl Quota for PostgresStorage {
    async fn stored_bytes(&self, user_id: String) -> Result<u64, StorageError> {
        let client = self.client().await?;
        let bytes: i64 = opt(
            &client,
            "SELECT stored_bytes FROM users WHERE id = $1",
            &[&user_id],
        )
        .await?
        .map(|row| row.get(0))
        .ok_or_else(|| StorageError::NotFound("no such account".into()))?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }
}
