//! Gifts by email: each giver may look up a few addresses an hour, counted in the database so every
//! server instance counts alike (the answer never says who uses the app).

use crate::storage::StorageError;

/// Gift lookups a person may make per hour.
pub const GIFT_LOOKUPS_PER_HOUR: i64 = 5;

/// The rate of gift lookups.
#[async_trait::async_trait]
pub trait Gifts {
    /// Counts a gift lookup by `user_id` at `now` unless they made [`GIFT_LOOKUPS_PER_HOUR`] since
    /// `hour_ago`; returns whether this one is allowed. One conditional insert: concurrent
    /// lookups cannot slip past the limit.
    async fn allow_gift_lookup(
        &self,
        user_id: String,
        now: String,
        hour_ago: String,
    ) -> Result<bool, StorageError>;
}
