//! Gifts by email, in PostgreSQL: each giver's lookups an hour, counted in the database (so every
//! instance counts alike), under the giver's lock so concurrent lookups count one after the other.

use crate::billing::store::gifts::{GIFT_LOOKUPS_PER_HOUR, Gifts};
use crate::storage::StorageError;
use crate::storage::postgres::accounts::lock_user;
use crate::storage::postgres::{PostgresStorage, exec};

#[async_trait::async_trait]
impl Gifts for PostgresStorage {
    async fn allow_gift_lookup(
        &self,
        user_id: String,
        now: String,
        hour_ago: String,
    ) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_user(&tx, &user_id).await?;
        exec(
            &tx,
            "DELETE FROM gift_lookups WHERE user_id = $1 AND looked_up_at < $2",
            &[&user_id, &hour_ago],
        )
        .await?;
        let counted = exec(
            &tx,
            "INSERT INTO gift_lookups (user_id, looked_up_at)
             SELECT $1, $2
             WHERE (SELECT count(*) FROM gift_lookups
                    WHERE user_id = $1 AND looked_up_at >= $3) < $4",
            &[&user_id, &now, &hour_ago, &GIFT_LOOKUPS_PER_HOUR],
        )
        .await?;
        tx.commit().await?;
        Ok(counted == 1)
    }
}
