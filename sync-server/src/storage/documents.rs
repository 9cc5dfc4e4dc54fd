//! The encrypted document logs, and who may reach them.

use rusqlite::{Connection, OptionalExtension, params};
use together_core::address::DocAddress;

use super::relationships::{Standing, standing};
use super::{Database, StorageError};

/// Who may reach a document, decided from its id alone (the server never looks inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocAccess {
    /// A person's own document: only their devices.
    Owner(String),
    /// A couple's document: the relationship's current members.
    Relationship(String),
}

impl DocAccess {
    /// Access rule for a document id; `None` for an id that is not a Better Together document.
    pub fn of(doc_id: &str) -> Option<Self> {
        match doc_id.parse::<DocAddress>().ok()? {
            DocAddress::User(user) => Some(Self::Owner(user.to_string())),
            DocAddress::Relationship(r) | DocAddress::Series(r, _) => {
                Some(Self::Relationship(r.to_string()))
            }
        }
    }
}

/// What a caller wants to do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    /// Pull entries or the snapshot.
    Read,
    /// Append entries or store a snapshot.
    Write,
}

/// Refuses (as "not found", so nothing leaks) a caller who may not reach the document; a former
/// member of an ended relationship may read its documents but not write to them.
fn authorize(
    conn: &Connection,
    access: &DocAccess,
    user_id: &str,
    intent: Intent,
) -> Result<(), StorageError> {
    let not_found = || StorageError::NotFound("no such document".into());
    match access {
        DocAccess::Owner(owner) if owner == user_id => Ok(()),
        DocAccess::Owner(_) => Err(not_found()),
        DocAccess::Relationship(relationship) => {
            match (standing(conn, relationship, user_id)?, intent) {
                (Some(Standing::Current), _) | (Some(Standing::Ended), Intent::Read) => Ok(()),
                (Some(Standing::Ended), Intent::Write) => Err(StorageError::RelationshipEnded),
                (None, _) => Err(not_found()),
            }
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone)]
pub struct EntryRow {
    /// Position.
    pub seq: i64,
    /// The device's id for it.
    pub entry_id: String,
    /// Uploading device.
    pub device_id: Option<String>,
    /// Sealed bytes.
    pub ciphertext: Vec<u8>,
    /// RFC 3339.
    pub created_at: String,
}

/// One device's upload to one document's log.
#[derive(Debug, Clone)]
pub struct AppendJob {
    /// The document.
    pub doc_id: String,
    /// Its access rule.
    pub access: DocAccess,
    /// The uploading account.
    pub user_id: String,
    /// The uploading device.
    pub device_id: String,
    /// (entry id, sealed bytes), in the device's order.
    pub entries: Vec<(String, Vec<u8>)>,
    /// RFC 3339.
    pub now: String,
}

/// What an append did, once committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Each entry id with its seq (an entry id already in the log keeps its first seq).
    pub placed: Vec<(String, i64)>,
    /// The accounts that may read the document as of the commit: who live push tells.
    pub audience: Vec<String>,
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
        conn.prepare_cached(
            "INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![doc_id, seq, entry_id, device_id, ciphertext, now])?;
        placed.push((entry_id, seq));
    }
    let audience = match access {
        DocAccess::Owner(owner) => vec![owner],
        DocAccess::Relationship(relationship) => conn
            .prepare_cached("SELECT user_id FROM memberships WHERE relationship_id = ?1")?
            .query_map([&relationship], |row| row.get(0))?
            .collect::<Result<_, _>>()?,
    };
    Ok(Appended { placed, audience })
}

impl Database {
    /// Up to `limit` entries after `after`, and whether more follow.
    pub async fn pull_entries(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<EntryRow>, bool), StorageError> {
        self.with_conn(move |conn| {
            authorize(conn, &access, &user_id, Intent::Read)?;
            let mut stmt = conn.prepare_cached(
                "SELECT seq, entry_id, device_id, ciphertext, created_at FROM doc_entries
                 WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let mut rows: Vec<EntryRow> = stmt
                .query_map(params![doc_id, after, limit + 1], |row| {
                    Ok(EntryRow {
                        seq: row.get(0)?,
                        entry_id: row.get(1)?,
                        device_id: row.get(2)?,
                        ciphertext: row.get(3)?,
                        created_at: row.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            Ok((rows, more))
        })
        .await
    }

    /// Every document the account can reach now, with its latest seq.
    pub async fn accessible_documents(
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
}

/// A snapshot to store, and who sends it.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    /// The document.
    pub doc_id: String,
    /// Its access rule.
    pub access: DocAccess,
    /// The sender's account.
    pub user_id: String,
    /// The sender's device.
    pub device_id: String,
    /// The snapshot includes every entry with seq ≤ this.
    pub covers_seq: i64,
    /// The sealed full save.
    pub ciphertext: Vec<u8>,
    /// RFC 3339.
    pub now: String,
}

impl Database {
    /// Stores an encrypted snapshot, unless a newer one is already stored; returns whether it was
    /// stored. The snapshot must not claim entries the log does not have.
    pub async fn put_snapshot(&self, snapshot: NewSnapshot) -> Result<bool, StorageError> {
        let NewSnapshot {
            doc_id,
            access,
            user_id,
            device_id,
            covers_seq,
            ciphertext,
            now,
        } = snapshot;
        self.with_conn(move |conn| {
            let tx = conn.unchecked_transaction()?;
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
            tx.commit()?;
            Ok(stored > 0)
        })
        .await
    }

    /// The latest snapshot: (covers_seq, ciphertext).
    pub async fn snapshot(
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
