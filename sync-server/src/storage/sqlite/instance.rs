//! The instance facts in SQLite: `server_info` holds the id and the signing key, `job_leases` the
//! leases. One embedded file has one server instance (`serve` locks its data directory), so there
//! is nobody to broadcast to.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rusqlite::params;
use tokio::sync::mpsc::UnboundedReceiver;

use super::SqliteStorage;
use crate::storage::StorageError;
use crate::storage::instance::{Envelope, GroupCommitWays, Heard, Instance};

#[async_trait::async_trait]
impl Instance for SqliteStorage {
    async fn instance_id(&self) -> Result<String, StorageError> {
        self.with_conn(|conn| {
            Ok(conn.query_row(
                "SELECT value FROM server_info WHERE key = 'instance_id'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }

    fn group_commit_ways(&self) -> Option<GroupCommitWays> {
        None
    }

    async fn database_bytes(&self) -> Result<u64, StorageError> {
        self.with_conn(|conn| {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |row| row.get(0))?;
            let size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
            Ok(u64::try_from(pages.saturating_mul(size)).unwrap_or(0))
        })
        .await
    }

    async fn signing_seed(&self, candidate: [u8; 32]) -> Result<[u8; 32], StorageError> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO server_info (key, value, updated_at)
                 VALUES ('entitlement_signing_key', ?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                 ON CONFLICT (key) DO NOTHING",
                [STANDARD.encode(candidate)],
            )?;
            let stored: String = conn.query_row(
                "SELECT value FROM server_info WHERE key = 'entitlement_signing_key'",
                [],
                |row| row.get(0),
            )?;
            STANDARD
                .decode(stored)
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| {
                    StorageError::Corrupt("the stored signing key is not 32 bytes".into())
                })
        })
        .await
    }

    async fn take_lease(
        &self,
        job: String,
        holder: String,
        now: String,
        until: String,
    ) -> Result<bool, StorageError> {
        self.with_conn(move |conn| {
            let taken = conn.execute(
                "INSERT INTO job_leases (job, holder, expires_at) VALUES (?1, ?2, ?4)
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,
                    expires_at = excluded.expires_at
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= ?3",
                params![job, holder, now, until],
            )?;
            Ok(taken == 1)
        })
        .await
    }

    async fn broadcast(&self, _envelope: Envelope) -> Result<(), StorageError> {
        Ok(())
    }

    async fn listen(&self) -> Result<Option<UnboundedReceiver<Heard>>, StorageError> {
        Ok(None)
    }
}
