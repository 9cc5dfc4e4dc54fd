//! Gifts by email: who may look up whom, how often. The answer to a gift never says whether the
//! address uses the app, has a partner or has Premium (one sentence for all), and each giver may
//! try a few addresses an hour, counted in the database so every server instance counts alike.

use rusqlite::params;

use crate::billing::store::gifts::{GIFT_LOOKUPS_PER_HOUR, Gifts};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

#[async_trait::async_trait]
impl Gifts for SqliteStorage {
    async fn allow_gift_lookup(
        &self,
        user_id: String,
        now: String,
        hour_ago: String,
    ) -> Result<bool, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            tx.execute(
                "DELETE FROM gift_lookups WHERE user_id = ?1 AND looked_up_at < ?2",
                params![user_id, hour_ago],
            )?;
            let counted = tx.execute(
                "INSERT INTO gift_lookups (user_id, looked_up_at)
                 SELECT ?1, ?2
                 WHERE (SELECT count(*) FROM gift_lookups WHERE user_id = ?1 AND looked_up_at >= ?3) < ?4",
                params![user_id, now, hour_ago, GIFT_LOOKUPS_PER_HOUR],
            )?;
            tx.commit()?;
            Ok(counted == 1)
        })
        .await
    }
}
