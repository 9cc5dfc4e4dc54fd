//! Keeping documents in SQLite: loading (snapshot + chunks), appending a change, compacting, and the
//! in-process cache that is checked against SQLite before every use (another process may have
//! written since).

use std::collections::HashMap;

use automerge::ActorId;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use together_core::document::{DocAddress, Document, timestamp_text};

use crate::error::Result;

/// After this many chunks, a change also rewrites the snapshot and drops the chunks it covers, so
/// loading never replays a long tail. Rewriting a year's snapshot costs a few milliseconds; at 256
/// it happens on fewer than 1 % of saves, and replaying up to 255 small chunks on the first load
/// of a document stays in the low milliseconds (see the five-year benchmark).
pub(crate) const COMPACT_AFTER_CHUNKS: i64 = 256;

/// A loaded document and the last chunk sequence number it includes.
pub(crate) struct Cached {
    pub(crate) doc: Document,
    pub(crate) seq: i64,
}

/// Documents loaded by this process.
#[derive(Default)]
pub(crate) struct DocCache {
    entries: HashMap<DocAddress, Cached>,
}

impl DocCache {
    /// Forgets everything, after a failed transaction left in-memory documents ahead of SQLite.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// What SQLite holds for a document: where its snapshot ends and its newest chunk.
fn stored_position(conn: &Connection, doc_id: &str) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT d.snapshot_seq,
                    coalesce((SELECT max(seq) FROM document_chunks c WHERE c.doc_id = d.doc_id), 0)
             FROM documents d WHERE d.doc_id = ?1",
        )?
        .query_row([doc_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

fn load_from_sqlite(
    conn: &Connection,
    actor: &ActorId,
    address: DocAddress,
) -> Result<Option<Cached>> {
    let doc_id = address.doc_id();
    let row: Option<(Option<Vec<u8>>, i64)> = conn
        .query_row(
            "SELECT snapshot, snapshot_seq FROM documents WHERE doc_id = ?1",
            [&doc_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((snapshot, snapshot_seq)) = row else {
        return Ok(None);
    };
    let mut doc = match snapshot {
        Some(bytes) => Document::load(address, &bytes, actor)?,
        None => Document::genesis(address, actor)?,
    };
    let seq = merge_chunks_after(conn, &mut doc, snapshot_seq)?.unwrap_or(snapshot_seq);
    // What SQLite holds is already projected: track changes from here on.
    doc.mark_seen();
    Ok(Some(Cached { doc, seq }))
}

/// Merges the stored chunks newer than `after`; returns the newest sequence number merged.
fn merge_chunks_after(conn: &Connection, doc: &mut Document, after: i64) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, bytes FROM document_chunks WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![doc.address().doc_id(), after])?;
    let mut last = None;
    while let Some(row) = rows.next()? {
        let bytes: Vec<u8> = row.get(1)?;
        doc.merge_bytes(&bytes)?;
        last = Some(row.get(0)?);
    }
    Ok(last)
}

/// The document at `address`, current with SQLite: from the cache when nothing newer was stored,
/// else loaded; `None` when this device does not hold it.
pub(crate) fn checkout<'c>(
    conn: &Connection,
    cache: &'c mut DocCache,
    actor: &ActorId,
    address: DocAddress,
) -> Result<Option<&'c mut Cached>> {
    let Some((snapshot_seq, newest_chunk)) = stored_position(conn, &address.doc_id())? else {
        cache.entries.remove(&address);
        return Ok(None);
    };
    let newest = snapshot_seq.max(newest_chunk);
    let usable = cache
        .entries
        .get(&address)
        .is_some_and(|cached| cached.seq >= snapshot_seq && cached.seq <= newest);
    if usable {
        let cached = cache.entries.get_mut(&address).expect("checked above");
        if cached.seq < newest {
            // Another process stored (and projected) newer changes: take them in.
            let after = cached.seq;
            cached.seq = merge_chunks_after(conn, &mut cached.doc, after)?.unwrap_or(after);
            cached.doc.mark_seen();
        }
    } else {
        match load_from_sqlite(conn, actor, address)? {
            Some(loaded) => {
                cache.entries.insert(address, loaded);
            }
            None => return Ok(None),
        }
    }
    Ok(cache.entries.get_mut(&address))
}

/// The document at `address` as SQLite holds it, loaded afresh and not cached: for reads that
/// hold the store only shared (a person's own small user document, say).
pub(crate) fn load_uncached(
    conn: &Connection,
    actor: &ActorId,
    address: DocAddress,
) -> Result<Option<Document>> {
    Ok(load_from_sqlite(conn, actor, address)?.map(|cached| cached.doc))
}

/// Like [`checkout`], but creates the document (at genesis) when this device does not hold it yet.
pub(crate) fn checkout_or_create<'c>(
    conn: &Connection,
    cache: &'c mut DocCache,
    actor: &ActorId,
    address: DocAddress,
    now: Timestamp,
) -> Result<&'c mut Cached> {
    if stored_position(conn, &address.doc_id())?.is_none() {
        conn.execute(
            "INSERT INTO documents (doc_id, kind, relationship_id, year, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                address.doc_id(),
                address.kind().as_str(),
                address.relationship().map(|r| r.to_string()),
                match address {
                    DocAddress::Series(_, year) => Some(year),
                    _ => None,
                },
                timestamp_text(now),
            ],
        )?;
        cache.entries.insert(
            address,
            Cached {
                doc: Document::genesis(address, actor)?,
                seq: 0,
            },
        );
    }
    checkout(conn, cache, actor, address)?
        .ok_or_else(|| crate::StoreError::Damaged(format!("document {address} vanished")))
}

/// Appends the change `bytes` to a checked-out document's stored log, compacting when the log is
/// long; queues it for upload when `outbox` is set. Returns the chunk's sequence number.
pub(crate) fn append(
    conn: &Connection,
    cached: &mut Cached,
    bytes: &[u8],
    now: Timestamp,
    outbox_entry: Option<String>,
) -> Result<i64> {
    let doc_id = cached.doc.address().doc_id();
    let seq = cached.seq + 1;
    let now_text = timestamp_text(now);
    conn.prepare_cached(
        "INSERT INTO document_chunks (doc_id, seq, bytes, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![doc_id, seq, bytes, now_text])?;
    if let Some(entry_id) = outbox_entry {
        conn.prepare_cached(
            "INSERT INTO outbox (entry_id, doc_id, bytes, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![entry_id, doc_id, bytes, now_text])?;
    }
    let snapshot_seq: i64 = conn
        .prepare_cached("SELECT snapshot_seq FROM documents WHERE doc_id = ?1")?
        .query_row([&doc_id], |row| row.get(0))?;
    if seq - snapshot_seq >= COMPACT_AFTER_CHUNKS {
        let snapshot = cached.doc.save();
        conn.execute(
            "UPDATE documents SET snapshot = ?2, snapshot_seq = ?3, updated_at = ?4 WHERE doc_id = ?1",
            params![doc_id, snapshot, seq, now_text],
        )?;
        conn.execute(
            "DELETE FROM document_chunks WHERE doc_id = ?1 AND seq <= ?2",
            params![doc_id, seq],
        )?;
    } else {
        conn.prepare_cached("UPDATE documents SET updated_at = ?2 WHERE doc_id = ?1")?
            .execute(params![doc_id, now_text])?;
    }
    cached.seq = seq;
    Ok(seq)
}

/// The addresses of every document this device holds, relationship documents first (their
/// members must be projected before the check-ins that name them).
pub(crate) fn all_addresses(conn: &Connection) -> Result<Vec<DocAddress>> {
    let mut stmt = conn.prepare(
        "SELECT doc_id FROM documents
         ORDER BY CASE kind WHEN 'user' THEN 0 WHEN 'relationship' THEN 1 ELSE 2 END, doc_id",
    )?;
    let ids: Vec<String> = stmt
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter()
        .map(|id| {
            id.parse()
                .map_err(|e: together_core::document::InvalidAddress| {
                    crate::StoreError::Missing(e.to_string())
                })
        })
        .collect()
}
