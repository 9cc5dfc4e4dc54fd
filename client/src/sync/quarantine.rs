//! Setting bad entries aside: a pulled entry that does not open (decrypt) or does not merge is
//! kept in `quarantined_entries` (sealed, as it arrived, with its document, seq, entry id, reason
//! and time), counted, and passed over, so one bad entry never stops a document's sync.
//!
//! A page of the log is merged in one transaction, with its new position. Only when that fails
//! because of an entry (a merge or projection error, not the disk or a lock) is the page merged
//! again entry by entry, each in its own transaction, and the entries that fail alone are set aside.

use jiff::Timestamp;
use rusqlite::params;
use together_core::document::{DocAddress, timestamp_text};

use super::local::record_position;
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::store::write::WriteTx;

/// One entry of a pulled page, opened or not.
#[derive(Debug, Clone)]
pub(crate) struct PulledEntry {
    /// Its position in the document's log.
    pub(crate) seq: i64,
    /// The uploading device's id for it.
    pub(crate) entry_id: String,
    /// The bytes as the server sent them (base64-decoded when they were base64).
    pub(crate) sealed: Vec<u8>,
    /// The opened change, or why it does not open.
    pub(crate) opened: Result<Vec<u8>, String>,
}

/// What merging a page did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageOutcome {
    /// Entries merged.
    pub(crate) merged: usize,
    /// Records that changed because of them.
    pub(crate) changed: usize,
    /// Entries set aside.
    pub(crate) quarantined: usize,
}

/// Whether a failed merge is the entry's fault (it does not merge, or its records do not
/// project), rather than the device's (disk, locks, memory), which must stop the sync instead.
pub(super) fn entry_fault(error: &StoreError) -> bool {
    match error {
        StoreError::Document(_) | StoreError::Invalid(_) | StoreError::Missing(_) => true,
        StoreError::Sqlite(e) => {
            e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
        }
        _ => false,
    }
}

impl Store {
    /// Merges one pulled page of `address`'s log (entries in seq order) and moves the document's
    /// position to its last entry; entries that do not open or do not merge are set aside.
    pub(crate) fn merge_page(
        &mut self,
        address: DocAddress,
        entries: &[PulledEntry],
        now: Timestamp,
    ) -> Result<PageOutcome> {
        let Some(last) = entries.last().map(|e| e.seq) else {
            return Ok(PageOutcome::default());
        };
        let whole = self.write_any_order(now, |tx| {
            let mut outcome = PageOutcome::default();
            for entry in entries {
                apply(tx, address, entry, &mut outcome)?;
            }
            record_position(tx.conn, &address.doc_id(), last, now)?;
            Ok(outcome)
        });
        match whole {
            Err(error) if entry_fault(&error) => {
                tracing::warn!(doc = %address, %error, "a page does not merge; merging it entry by entry");
            }
            other => return other,
        }
        let mut outcome = PageOutcome::default();
        for entry in entries {
            let alone = self.write_any_order(now, |tx| {
                let mut one = PageOutcome::default();
                apply(tx, address, entry, &mut one)?;
                record_position(tx.conn, &address.doc_id(), entry.seq, now)?;
                Ok(one)
            });
            let one = match alone {
                Ok(one) => one,
                Err(error) if entry_fault(&error) => self.write_local(now, |tx| {
                    set_aside(tx, address, entry, &format!("does not merge: {error}"))?;
                    record_position(tx.conn, &address.doc_id(), entry.seq, now)?;
                    Ok(PageOutcome {
                        quarantined: 1,
                        ..PageOutcome::default()
                    })
                })?,
                Err(error) => return Err(error),
            };
            outcome.merged += one.merged;
            outcome.changed += one.changed;
            outcome.quarantined += one.quarantined;
        }
        Ok(outcome)
    }

    /// How many pulled entries this device has set aside.
    pub(crate) fn quarantined_count(&self) -> Result<usize> {
        let count: i64 = self
            .conn()
            .prepare_cached("SELECT count(*) FROM quarantined_entries")?
            .query_row([], |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The first seq of `doc_id` set aside after `after`, if any.
    pub(crate) fn first_quarantined_after(&self, doc_id: &str, after: i64) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT min(seq) FROM quarantined_entries WHERE doc_id = ?1 AND seq > ?2",
            )?
            .query_row(params![doc_id, after], |row| row.get(0))?)
    }
}

/// Merges an opened entry, or sets aside one that does not open.
fn apply(
    tx: &mut WriteTx<'_>,
    address: DocAddress,
    entry: &PulledEntry,
    outcome: &mut PageOutcome,
) -> Result<()> {
    match &entry.opened {
        Ok(change) => {
            outcome.changed += tx.merge(address, change)?;
            outcome.merged += 1;
        }
        Err(reason) => {
            set_aside(tx, address, entry, &format!("does not open: {reason}"))?;
            outcome.quarantined += 1;
        }
    }
    Ok(())
}

fn set_aside(
    tx: &WriteTx<'_>,
    address: DocAddress,
    entry: &PulledEntry,
    reason: &str,
) -> Result<()> {
    tracing::warn!(doc = %address, seq = entry.seq, entry = %entry.entry_id, reason, "entry set aside");
    tx.conn.execute(
        "INSERT OR IGNORE INTO quarantined_entries (doc_id, seq, entry_id, sealed, reason, quarantined_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            address.doc_id(),
            entry.seq,
            entry.entry_id,
            entry.sealed,
            reason,
            timestamp_text(tx.now)
        ],
    )?;
    Ok(())
}
