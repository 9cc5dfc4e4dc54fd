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
        let mut stmt = self.conn().prepare_cached(
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

    /// Forgets uploaded changes of `doc_id` (the server acknowledged them at `seqs`, in the order
    /// they were sent). When those seqs directly follow the document's position, the position
    /// moves to the last of them in the same transaction: this device holds those changes (it
    /// made them), so its own upload is never pulled back, and the live news of it costs nothing.
    pub(crate) fn acknowledge(
        &mut self,
        doc_id: &str,
        entry_ids: &[String],
        seqs: &[i64],
        now: Timestamp,
    ) -> Result<()> {
        self.write_bookkeeping(now, |tx| {
            for id in entry_ids {
                tx.conn
                    .prepare_cached("DELETE FROM outbox WHERE entry_id = ?1")?
                    .execute([id])?;
            }
            let position = position(tx.conn, doc_id)?;
            if let Some(last) = follows(position, seqs) {
                record_position(tx.conn, doc_id, last, now)?;
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
        self.write_bookkeeping(now, |tx| {
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
        position(self.conn(), doc_id)
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
        self.write_any_order(now, |tx| {
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
            .prepare_cached("SELECT snapshot_seq FROM sync_state WHERE doc_id = ?1")?
            .query_row([doc_id], |row| row.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Records that a snapshot covering `seq` exists for `doc_id`.
    pub(crate) fn record_snapshot(&mut self, doc_id: &str, seq: i64, now: Timestamp) -> Result<()> {
        self.write_bookkeeping(now, |tx| {
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
        self.write_local(now, |tx| tx.save_document(address))
    }

    /// Makes this device act for the account `user_id` (after signing in on a new device). A device
    /// already used by someone else is refused: its local data is theirs.
    pub(crate) fn adopt_user(&mut self, user_id: &str, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| match get_setting(tx.conn, SettingKey::LocalUserId)? {
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

/// The last seq of `doc_id` merged here (0 before any).
fn position(conn: &rusqlite::Connection, doc_id: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT last_seq FROM sync_state WHERE doc_id = ?1")?
        .query_row([doc_id], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The new position when `seqs` (as acknowledged, in order) run on from `position` without a
/// gap: the log then holds nothing this device lacks up to their last. `None` otherwise (a
/// partner's entries came between, or a retried upload kept older seqs).
fn follows(position: i64, seqs: &[i64]) -> Option<i64> {
    let mut expected = position.checked_add(1)?;
    for &seq in seqs {
        if seq != expected {
            return None;
        }
        expected = seq.checked_add(1)?;
    }
    seqs.last().copied()
}

/// Records that `doc_id` was merged up to `last_seq` (inside the merge's transaction).
pub(super) fn record_position(
    conn: &rusqlite::Connection,
    doc_id: &str,
    last_seq: i64,
    now: Timestamp,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_state (doc_id, last_seq, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at",
    )?
    .execute(params![doc_id, last_seq, timestamp_text(now)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::follows;

    #[test]
    fn an_upload_moves_the_position_only_when_it_runs_on_from_it() {
        assert_eq!(follows(0, &[1, 2, 3]), Some(3));
        assert_eq!(follows(7, &[8]), Some(8));
        assert_eq!(follows(7, &[9]), None, "a partner's entry came between");
        assert_eq!(follows(7, &[8, 10]), None);
        assert_eq!(
            follows(7, &[3, 4]),
            None,
            "a retried upload kept older seqs"
        );
        assert_eq!(follows(7, &[]), None);
        assert_eq!(follows(i64::MAX, &[1]), None);
    }
}
