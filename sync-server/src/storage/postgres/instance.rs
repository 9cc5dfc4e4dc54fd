//! The instance facts in PostgreSQL: `server_info` holds the database's id and the signing key,
//! `job_leases` the leases (conditional upserts, so instances agree), and live news crosses
//! instances as `NOTIFY together_news` (sealed with [`super::news_key`], sent by
//! [`super::notifier`], heard by [`super::listener`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::sync::mpsc::UnboundedReceiver;

use super::news_key::SEAL_BYTES;
use super::{PostgresStorage, exec, one};
use crate::storage::StorageError;
use crate::storage::instance::{Envelope, GroupCommitWays, Heard, Instance};

/// The channel every instance listens on.
pub(super) const CHANNEL: &str = "together_news";

/// The longest payload PostgreSQL notifies (it refuses 8,000 bytes or more, as built by default).
const MAX_PAYLOAD: usize = 7_999;

/// The 32-byte key kept in `server_info` under `name`, or `candidate` stored now when there is
/// none yet (one conditional insert: instances starting together agree on one key).
pub(super) async fn stored_key(
    client: &deadpool_postgres::Object,
    name: &str,
    candidate: [u8; 32],
) -> Result<[u8; 32], StorageError> {
    exec(
        client,
        "INSERT INTO server_info (key, value, updated_at)
         VALUES ($1, $2,
                 to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))
         ON CONFLICT (key) DO NOTHING",
        &[&name, &STANDARD.encode(candidate)],
    )
    .await?;
    let stored: String = one(
        client,
        "SELECT value FROM server_info WHERE key = $1",
        &[&name],
    )
    .await?
    .get(0);
    STANDARD
        .decode(stored)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| StorageError::Corrupt(format!("the stored {name} is not 32 bytes")))
}

#[async_trait::async_trait]
impl Instance for PostgresStorage {
    async fn instance_id(&self) -> Result<String, StorageError> {
        let client = self.client().await?;
        Ok(one(
            &client,
            "SELECT value FROM server_info WHERE key = 'instance_id'",
            &[],
        )
        .await?
        .get(0))
    }

    fn group_commit_ways(&self) -> Option<GroupCommitWays> {
        Some(self.writers.ways.snapshot())
    }

    async fn database_bytes(&self) -> Result<u64, StorageError> {
        let client = self.client().await?;
        let bytes: i64 = one(&client, "SELECT pg_database_size(current_database())", &[])
            .await?
            .get(0);
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    async fn signing_seed(&self, candidate: [u8; 32]) -> Result<[u8; 32], StorageError> {
        let client = self.client().await?;
        stored_key(&client, "entitlement_signing_key", candidate).await
    }

    async fn take_lease(
        &self,
        job: String,
        holder: String,
        now: String,
        until: String,
    ) -> Result<bool, StorageError> {
        let client = self.client().await?;
        let taken = exec(
            &client,
            "INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, $4)
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,
                expires_at = excluded.expires_at
             WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $3",
            &[&job, &holder, &now, &until],
        )
        .await?;
        Ok(taken == 1)
    }

    async fn broadcast(&self, envelope: Envelope) -> Result<(), StorageError> {
        let json = envelope
            .to_json_within(MAX_PAYLOAD - SEAL_BYTES)
            .ok_or_else(|| StorageError::Corrupt("live news too long for a notification".into()))?;
        let payload = self.news_key().await?.seal(&json);
        self.notifier.notify(payload).await
    }

    async fn listen(&self) -> Result<Option<UnboundedReceiver<Heard>>, StorageError> {
        let key = self.news_key().await?.clone();
        Ok(Some(
            super::listener::start(self.config.clone(), key).await?,
        ))
    }
}
