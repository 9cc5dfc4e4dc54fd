//! The encrypted document logs, and who may reach them.

use rusqlite::{Connection, OptionalExtension, params};

use super::quota;
use super::relationships::standing;
use crate::storage::StorageError;
use crate::storage::documents::{AppendJob, Appended, DocAccess, Documents, EntryRow, NewSnapshot};
use crate::storage::rules::{self, Intent};

use super::SqliteStorage;

/// Asks [`rules::may_reach`] with the caller's standing read in this transaction.
fn authorize(
    conn: &Connection,
    access: &DocAccess,
    user_id: &str,
    intent: Intent,
) -> Result<(), StorageError> {
    let standing = match access {
        DocAccess::Owner(_) => None,
        DocAccess::Relationship(relationship) => standing(conn, relationship, user_id)?,
    };
    rules::may_reach(access, user_id, standing, intent)
}

/// Runs one append inside the caller's transaction.
pub(super) fn append_in(conn: &Connection, job: AppendJob) -> Result<Appended, StorageError> {
    let AppendJob {
        doc_id,
        access,
        user_id,
        device_id,
        entries,
        now,
        max_account_bytes,
    } = job;
    authorize(conn, &access, &user_id, Intent::Write)?;
    let (owner, relationship) = match &access {
        DocAccess::Owner(o) => (Some(o.as_str()), None),
        DocAccess::Relationship(r) => (None, Some(r.as_str())),
    };
    conn.prepare_cached(
        "INSERT OR IGNORE INTO documents (doc_id, owner_user_id, relationship_id, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![doc_id, owner, relationship, now])?;
    let mut seq: i64 = conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM doc_entries WHERE doc_id = ?1")?
        .query_row([&doc_id], |row| row.get(0))?;
    let mut placed = Vec::with_capacity(entries.len());
    // Only entries stored now count: a retried entry id was charged when first stored.
    let mut new_bytes: u64 = 0;
    for (entry_id, ciphertext) in entries {
        let existing: Option<i64> = conn
            .prepare_cached("SELECT seq FROM doc_entries WHERE doc_id = ?1 AND entry_id = ?2")?
            .query_row([&doc_id, &entry_id], |row| row.get(0))
            .optional()?;
        if let Some(existing) = existing {
            placed.push((entry_id, existing));
            continue;
        }
        seq += 1;
        new_bytes = new_bytes.saturating_add(u64::try_from(ciphertext.len()).unwrap_or(u64::MAX));
        conn.prepare_cached(
            "INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![doc_id, seq, entry_id, device_id, ciphertext, now])?;
        placed.push((entry_id, seq));
    }
    // Within this append's savepoint: refused, the entries above roll back with it.
    quota::charge(conn, &user_id, new_bytes, max_account_bytes)?;
    let audience = match access {
        DocAccess::Owner(owner) => vec![owner],
        DocAccess::Relationship(relationship) => conn
            .prepare_cached("SELECT user_id FROM memberships WHERE relationship_id = ?1")?
            .query_map([&relationship], |row| row.get(0))?
            .collect::<Result<_, _>>()?,
    };
    Ok(Appended { placed, audience })
}

#[async_trait::async_trait]
impl Documents for SqliteStorage {
    async fn append_entries(&self, job: AppendJob) -> Result<Appended, StorageError> {
        self.append_through_writer(job).await
    }
    async fn pull_entries(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
        after: i64,
        limit: i64,
        max_bytes: usize,
    ) -> Result<(Vec<EntryRow>, bool), StorageError> {
        self.with_reader(move |conn| {
            // One snapshot for the access check and both reads (ended, unchanged, on drop).
            let snapshot = conn.unchecked_transaction()?;
            let conn: &Connection = &snapshot;
            authorize(conn, &access, &user_id, Intent::Read)?;
            // First the sizes only: `length()` of a blob reads its header, not its pages, so
            // entries that will not be sent are never read.
            let sizes: Vec<(i64, i64)> = conn
                .prepare_cached(
                    "SELECT seq, length(ciphertext) FROM doc_entries
                     WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                )?
                .query_map(params![doc_id, after, limit.saturating_add(1)], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            let Some((last_seq, more)) =
                crate::storage::documents::page_end(&sizes, limit, max_bytes)
            else {
                return Ok((Vec::new(), false));
            };
            let rows = conn
                .prepare_cached(
                    "SELECT seq, entry_id, device_id, ciphertext, created_at FROM doc_entries
                     WHERE doc_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq",
                )?
                .query_map(params![doc_id, after, last_seq], |row| {
                    Ok(EntryRow {
                        seq: row.get(0)?,
                        entry_id: row.get(1)?,
                        device_id: row.get(2)?,
                        ciphertext: row.get(3)?,
                        created_at: row.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok((rows, more))
        })
        .await
    }
    async fn accessible_documents(
        &self,
        user_id: String,
    ) -> Result<Vec<(String, i64)>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT d.doc_id, coalesce((SELECT max(seq) FROM doc_entries e WHERE e.doc_id = d.doc_id), 0)
                 FROM documents d
                 WHERE d.owner_user_id = ?1
                    OR d.relationship_id IN (SELECT relationship_id FROM memberships WHERE user_id = ?1)
                 ORDER BY d.doc_id",
            )?;
            let rows = stmt
                .query_map([&user_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }
    async fn put_snapshot(&self, snapshot: NewSnapshot) -> Result<bool, StorageError> {
        let NewSnapshot {
            doc_id,
            access,
            user_id,
            device_id,
            covers_seq,
            ciphertext,
            now,
            max_account_bytes,
        } = snapshot;
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            authorize(&tx, &access, &user_id, Intent::Write)?;
            let latest: i64 = tx.query_row(
                "SELECT coalesce(max(seq), 0) FROM doc_entries WHERE doc_id = ?1",
                [&doc_id],
                |row| row.get(0),
            )?;
            if covers_seq > latest {
                return Err(StorageError::Conflict(format!(
                    "the log has {latest} entries; a snapshot cannot cover {covers_seq}"
                )));
            }
            let stored = tx.execute(
                "INSERT INTO doc_snapshots (doc_id, covers_seq, ciphertext, device_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (doc_id) DO UPDATE SET covers_seq = excluded.covers_seq,
                    ciphertext = excluded.ciphertext, device_id = excluded.device_id,
                    created_at = excluded.created_at
                 WHERE excluded.covers_seq > doc_snapshots.covers_seq",
                params![doc_id, covers_seq, ciphertext, device_id, now],
            )?;
            if stored > 0 {
                // The replaced snapshot's bytes were given back by a trigger (migration V8);
                // refused, the transaction rolls back on drop and the old snapshot stays.
                let bytes = u64::try_from(ciphertext.len()).unwrap_or(u64::MAX);
                quota::charge(&tx, &user_id, bytes, max_account_bytes)?;
            }
            tx.commit()?;
            Ok(stored > 0)
        })
        .await
    }
    async fn snapshot(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
    ) -> Result<Option<(i64, Vec<u8>)>, StorageError> {
        self.with_conn(move |conn| {
            authorize(conn, &access, &user_id, Intent::Read)?;
            Ok(conn
                .query_row(
                    "SELECT covers_seq, ciphertext FROM doc_snapshots WHERE doc_id = ?1",
                    [&doc_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?)
        })
        .await
    }
}
