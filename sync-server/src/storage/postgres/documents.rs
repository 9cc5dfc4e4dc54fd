//! The encrypted document logs in PostgreSQL, and who may reach them ([`rules::may_reach`]).
//!
//! Appends go through the group commit ([`super::group_commit`]): the appends waiting are decided
//! and written together in one transaction ([`super::batch`]). Either way (a batch, or one append
//! alone when a batch failed), an append locks its document's row, then reads `max(seq)` in a
//! statement of its own (so it sees every append committed before the lock was granted): appends
//! to one document run one after the other, seqs have no gaps and are committed in order.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;

use super::relationships::standing;
use super::{PostgresStorage, exec, one, opt, quota, rows};
use crate::storage::StorageError;
use crate::storage::documents::{
    AppendJob, Appended, DocAccess, Documents, EntryRow, NewSnapshot, page_end,
};
use crate::storage::rules::{self, Intent};

/// Asks [`rules::may_reach`] with the caller's standing read in this transaction; a write holds
/// the caller's membership until the transaction ends (a partner leaving waits for it).
async fn authorize<C: GenericClient>(
    c: &C,
    access: &DocAccess,
    user_id: &str,
    intent: Intent,
) -> Result<(), StorageError> {
    let standing = match access {
        DocAccess::Owner(_) => None,
        DocAccess::Relationship(relationship) => {
            standing(c, relationship, user_id, intent == Intent::Write).await?
        }
    };
    rules::may_reach(access, user_id, standing, intent)
}

/// The latest seq of a document (0 when empty).
async fn latest_seq<C: GenericClient>(c: &C, doc_id: &str) -> Result<i64, StorageError> {
    Ok(one(
        c,
        "SELECT coalesce(max(seq), 0) FROM doc_entries WHERE doc_id = $1",
        &[&doc_id],
    )
    .await?
    .get(0))
}

/// Runs one append in a transaction of its own: the path of an append the group commit's batch
/// could not take ([`super::group_commit`]).
pub(super) async fn append_alone(
    client: &mut deadpool_postgres::Object,
    job: AppendJob,
) -> Result<Appended, StorageError> {
    let tx = client.transaction().await?;
    let appended = append_in(&tx, job).await?;
    tx.commit().await?;
    Ok(appended)
}

/// Runs one append inside the caller's transaction.
async fn append_in<C: GenericClient>(c: &C, job: AppendJob) -> Result<Appended, StorageError> {
    let AppendJob {
        doc_id,
        access,
        user_id,
        device_id,
        entries,
        now,
        max_account_bytes,
    } = job;
    authorize(c, &access, &user_id, Intent::Write).await?;
    let (owner, relationship) = match &access {
        DocAccess::Owner(o) => (Some(o.as_str()), None),
        DocAccess::Relationship(r) => (None, Some(r.as_str())),
    };
    exec(
        c,
        "INSERT INTO documents (doc_id, owner_user_id, relationship_id, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (doc_id) DO NOTHING",
        &[&doc_id, &owner, &relationship, &now],
    )
    .await?;
    exec(
        c,
        "SELECT 1 FROM documents WHERE doc_id = $1 FOR UPDATE",
        &[&doc_id],
    )
    .await?;
    let mut seq = latest_seq(c, &doc_id).await?;
    let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
    let mut known: HashMap<String, i64> = rows(
        c,
        "SELECT entry_id, seq FROM doc_entries WHERE doc_id = $1 AND entry_id = ANY($2)",
        &[&doc_id, &ids],
    )
    .await?
    .into_iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect();
    let mut placed = Vec::with_capacity(entries.len());
    let (mut seqs, mut new_ids, mut blobs) = (Vec::new(), Vec::new(), Vec::new());
    // Only entries stored now count: a retried entry id was charged when first stored.
    let mut new_bytes: u64 = 0;
    for (entry_id, ciphertext) in entries {
        if let Some(existing) = known.get(&entry_id) {
            placed.push((entry_id, *existing));
            continue;
        }
        seq += 1;
        new_bytes = new_bytes.saturating_add(u64::try_from(ciphertext.len()).unwrap_or(u64::MAX));
        known.insert(entry_id.clone(), seq);
        seqs.push(seq);
        new_ids.push(entry_id.clone());
        blobs.push(ciphertext);
        placed.push((entry_id, seq));
    }
    if !seqs.is_empty() {
        exec(
            c,
            "INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at)
             SELECT $1, s, e, $4, b, $6
             FROM unnest($2::bigint[], $3::text[], $5::bytea[]) AS t (s, e, b)",
            &[&doc_id, &seqs, &new_ids, &device_id, &blobs, &now],
        )
        .await?;
    }
    // In this transaction: refused, the entries above roll back with it.
    quota::charge(c, &user_id, new_bytes, max_account_bytes).await?;
    let audience = match access {
        DocAccess::Owner(owner) => vec![owner],
        DocAccess::Relationship(relationship) => rows(
            c,
            "SELECT user_id FROM memberships WHERE relationship_id = $1",
            &[&relationship],
        )
        .await?
        .into_iter()
        .map(|row| row.get(0))
        .collect(),
    };
    Ok(Appended { placed, audience })
}

#[async_trait::async_trait]
impl Documents for PostgresStorage {
    async fn append_entries(&self, job: AppendJob) -> Result<Appended, StorageError> {
        self.writers.append(job).await
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
        let client = self.client().await?;
        authorize(&client, &access, &user_id, Intent::Read).await?;
        // First the sizes only (`length` of a stored value reads its header, not its content),
        // so entries that will not be sent are never read.
        let sizes: Vec<(i64, i64)> = rows(
            &client,
            "SELECT seq, length(ciphertext)::bigint FROM doc_entries
             WHERE doc_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&doc_id, &after, &limit.saturating_add(1)],
        )
        .await?
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
        let Some((last_seq, more)) = page_end(&sizes, limit, max_bytes) else {
            return Ok((Vec::new(), false));
        };
        let entries = rows(
            &client,
            "SELECT seq, entry_id, device_id, ciphertext, created_at FROM doc_entries
             WHERE doc_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
            &[&doc_id, &after, &last_seq],
        )
        .await?
        .into_iter()
        .map(|row| EntryRow {
            seq: row.get(0),
            entry_id: row.get(1),
            device_id: row.get(2),
            ciphertext: row.get(3),
            created_at: row.get(4),
        })
        .collect();
        Ok((entries, more))
    }

    async fn accessible_documents(
        &self,
        user_id: String,
    ) -> Result<Vec<(String, i64)>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT d.doc_id,
                    coalesce((SELECT max(seq) FROM doc_entries e WHERE e.doc_id = d.doc_id), 0)
             FROM documents d
             WHERE d.owner_user_id = $1
                OR d.relationship_id IN (SELECT relationship_id FROM memberships WHERE user_id = $1)
             ORDER BY d.doc_id",
            &[&user_id],
        )
        .await?
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect())
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        authorize(&tx, &access, &user_id, Intent::Write).await?;
        let latest = latest_seq(&tx, &doc_id).await?;
        if covers_seq > latest {
            return Err(StorageError::Conflict(format!(
                "the log has {latest} entries; a snapshot cannot cover {covers_seq}"
            )));
        }
        let stored = exec(
            &tx,
            "INSERT INTO doc_snapshots (doc_id, covers_seq, ciphertext, device_id, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (doc_id) DO UPDATE SET covers_seq = excluded.covers_seq,
                ciphertext = excluded.ciphertext, device_id = excluded.device_id,
                created_at = excluded.created_at
             WHERE excluded.covers_seq > doc_snapshots.covers_seq",
            &[&doc_id, &covers_seq, &ciphertext, &device_id, &now],
        )
        .await?;
        if stored > 0 {
            // The replaced snapshot's bytes were given back by a trigger; refused, the
            // transaction rolls back when dropped and the old snapshot stays.
            let bytes = u64::try_from(ciphertext.len()).unwrap_or(u64::MAX);
            quota::charge(&tx, &user_id, bytes, max_account_bytes).await?;
        }
        tx.commit().await?;
        Ok(stored > 0)
    }

    async fn snapshot(
        &self,
        doc_id: String,
        access: DocAccess,
        user_id: String,
    ) -> Result<Option<(i64, Vec<u8>)>, StorageError> {
        let client = self.client().await?;
        authorize(&client, &access, &user_id, Intent::Read).await?;
        Ok(opt(
            &client,
            "SELECT covers_seq, ciphertext FROM doc_snapshots WHERE doc_id = $1",
            &[&doc_id],
        )
        .await?
        .map(|row| (row.get(0), row.get(1))))
    }
}
