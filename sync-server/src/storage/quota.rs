//! The per-account storage quota: the ciphertext bytes an account's devices stored.

use crate::storage::StorageError;

/// `bytes` to charge and the `max_bytes` of an account, as the databases' signed 64-bit integers:
/// a charge beyond that range cannot fit under any quota, and a larger maximum is no limit.
pub(crate) fn sql_figures(bytes: u64, max_bytes: u64) -> Result<(i64, i64), StorageError> {
    let bytes = i64::try_from(bytes).map_err(|_| StorageError::QuotaExceeded { max_bytes })?;
    Ok((bytes, i64::try_from(max_bytes).unwrap_or(i64::MAX)))
}

/// The quota rule: an account holding `usage` bytes may store `bytes` more if the sum stays
/// within `max_bytes`; the new usage, or [`StorageError::QuotaExceeded`]. Each backend's
/// single-append charge states the same condition in one conditional `UPDATE` (on
/// [`sql_figures`]), so racing uploads are decided by the database; PostgreSQL's group commit
/// decides its batch here, on usage read under the account's row lock.
pub(crate) fn charged(usage: i64, bytes: u64, max_bytes: u64) -> Result<i64, StorageError> {
    let (bytes, max) = sql_figures(bytes, max_bytes)?;
    // `max - bytes` rather than `usage + bytes`: no overflow (both are >= 0).
    if usage > max - bytes {
        return Err(StorageError::QuotaExceeded { max_bytes });
    }
    Ok(usage + bytes)
}

/// How many bytes more an account may come to hold than `usage` under `max_bytes`: [`charged`]'s
/// condition seen from the usage. What a batch accepted as if its uploader held nothing stays
/// accepted for any real usage up to the least room its charges left (PostgreSQL's one-statement
/// group commit checks exactly that in the database, and reads first when it would refuse).
pub(crate) fn room(usage: i64, max_bytes: u64) -> i64 {
    i64::try_from(max_bytes)
        .unwrap_or(i64::MAX)
        .saturating_sub(usage)
}

/// What the quota counts.
#[async_trait::async_trait]
pub trait Quota {
    /// The ciphertext bytes `user_id`'s devices have stored (what the quota counts).
    async fn stored_bytes(&self, user_id: String) -> Result<u64, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_fits_up_to_the_quota_and_not_a_byte_past_it() {
        assert_eq!(charged(900, 100, 1000).ok(), Some(1000));
        assert!(matches!(
            charged(901, 100, 1000),
            Err(StorageError::QuotaExceeded { max_bytes: 1000 })
        ));
        assert!(matches!(
            charged(0, u64::MAX, u64::MAX),
            Err(StorageError::QuotaExceeded { .. })
        ));
        assert_eq!(
            charged(i64::MAX - 1, 1, u64::MAX).ok(),
            Some(i64::MAX),
            "no overflow"
        );
    }

    #[test]
    fn what_fits_on_top_of_a_charge_is_its_room() {
        // Decided on a usage of 0: 300 bytes under 1000 leave room for 700 more.
        let after = charged(0, 300, 1000).ok().unwrap_or_default();
        assert_eq!(room(after, 1000), 700);
        assert!(charged(700, 300, 1000).is_ok(), "a usage up to the room");
        assert!(charged(701, 300, 1000).is_err(), "and not a byte past it");
        assert_eq!(room(0, u64::MAX), i64::MAX, "no limit");
    }
}
