//! The store's side of sync: the outbox to upload, how far each document was pulled, snapshots,
//! and which account this device acts for. Crate-private: only the sync engine keeps these books.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use together_core::document::{DocAddress, timestamp_text};

use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::store::settings::{SettingKey, get_setting, put_setting};

/// A local change waiting for upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboxEntry {
    /// The idempotency key.
    pub(crate) entry_id: String,
    /// The document.
    pub(crate) doc_id: String,
    /// The Automerge change bytes (plaintext: sealed just before upload).
    pub(crate) bytes: Vec<u8>,
}

impl Store {
    /// Local changes waiting to be uploaded, for the sync indicator.
    pub(crate) fn pending_changes(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))?)
    }

    /// The oldest `limit` changes waiting for upload.
    pub(crate) fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn().prepare(
            "SELECT entry_id, doc_id, bytes FROM outbox ORDER BY created_at, rowid LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                Ok(OutboxEntry {
                    entry_id: row.get(0)?,
                    doc_id: row.get(1)?,
                    bytes: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Forgets uploaded changes (the server acknowledged them).
    pub(crate) fn acknowledge(&mut self, entry_ids: &[String], now: Timestamp) -> Result<()> {
        self.write(now, |tx| {
            for id in entry_ids {
                tx.conn
                    .execute("DELETE FROM outbox WHERE entry_id = ?1", [id])?;
            }
            Ok(())
        })
    }

    /// Records a failed upload attempt, for diagnostics.
    pub(crate) fn record_upload_failure(
        &mut self,
        entry_ids: &[String],
        error: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.write(now, |tx| {
            for id in entry_ids {
                tx.conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE entry_id = ?1",
                    params![id, error],
                )?;
            }
            Ok(())
        })
    }

    /// The last seq of `doc_id` this device has merged.
    pub(crate) fn pulled_up_to(&self, doc_id: &str) -> Result<i64> {
        Ok(self
            .conn()
            .query_row(
                "SELECT last_seq FROM sync_state WHERE doc_id = ?1",
                [doc_id],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Merges pulled changes (already opened) into the document and records `last_seq`, in one
    /// transaction; returns how many records changed.
    pub(crate) fn merge_pulled(
        &mut self,
        address: DocAddress,
        changes: &[Vec<u8>],
        last_seq: i64,
        now: Timestamp,
    ) -> Result<usize> {
        self.write(now, |tx| {
            let mut changed = 0;
            for bytes in changes {
                changed += tx.merge(address, bytes)?;
            }
            record_position(tx.conn, &address.doc_id(), last_seq, now)?;
            Ok(changed)
        })
    }

    /// The seq covered by the newest snapshot this device uploaded or started from.
    pub(crate) fn snapshot_position(&self, doc_id: &str) -> Result<i64> {
        Ok(self
            .conn()
            .query_row(
                "SELECT snapshot_seq FROM sync_state WHERE doc_id = ?1",
                [doc_id],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Records that a snapshot covering `seq` exists for `doc_id`.
    pub(crate) fn record_snapshot(&mut self, doc_id: &str, seq: i64, now: Timestamp) -> Result<()> {
        self.write(now, |tx| {
            tx.conn.execute(
                "INSERT INTO sync_state (doc_id, last_seq, snapshot_seq, updated_at) VALUES (?1, 0, ?2, ?3)
                 ON CONFLICT (doc_id) DO UPDATE SET snapshot_seq = max(snapshot_seq, excluded.snapshot_seq),
                    updated_at = excluded.updated_at",
                params![doc_id, seq, timestamp_text(now)],
            )?;
            Ok(())
        })
    }

    /// A full, standard save of a document this device holds (what a snapshot carries).
    pub(crate) fn save_document(
        &mut self,
        address: DocAddress,
        now: Timestamp,
    ) -> Result<Option<Vec<u8>>> {
        self.write(now, |tx| tx.save_document(address))
    }

    /// Makes this device act for the account `user_id` (after signing in on a new device). A device
    /// already used by someone else is refused: its local data is theirs.
    pub(crate) fn adopt_user(&mut self, user_id: &str, now: Timestamp) -> Result<()> {
        self.write(now, |tx| match get_setting(tx.conn, SettingKey::LocalUserId)? {
            Some(existing) if existing != user_id => Err(StoreError::Missing(format!(
                "this device already belongs to another person ({existing}); use another data directory"
            ))),
            Some(_) => Ok(()),
            None => put_setting(tx.conn, SettingKey::LocalUserId, user_id, now),
        })
    }

    /// Forgets which account and server this device used (after the account was deleted); the
    /// couple's data stays.
    pub(crate) fn clear_sync_account(&mut self) -> Result<()> {
        for key in [SettingKey::SyncServer, SettingKey::SyncEmail] {
            self.conn()
                .execute("DELETE FROM app_settings WHERE key = ?1", [key.as_str()])?;
        }
        Ok(())
    }
}

/// Records that `doc_id` was merged up to `last_seq` (inside the merge's transaction).
pub(super) fn record_position(
    conn: &rusqlite::Connection,
    doc_id: &str,
    last_seq: i64,
    now: Timestamp,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_state (doc_id, last_seq, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at",
        params![doc_id, last_seq, timestamp_text(now)],
    )?;
    Ok(())
}
