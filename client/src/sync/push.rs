//! Uploading: the outbox, oldest first, per document, sealed; and now and then a sealed snapshot
//! of each document. A refusal that lasts (the account's storage is full) stops the uploads of
//! this sync without losing anything: the changes stay queued, the attempt is recorded, and the
//! sync goes on with the pull.

use std::collections::{BTreeMap, HashSet};

use together_core::document::DocAddress;

use super::keys::{Keys, SNAPSHOT_EVERY, snapshot_label};
use super::local::OutboxEntry;
use super::{Blocked, Ended, Result, Session, SyncError, now};
use crate::crypto;

/// What an upload did.
#[derive(Debug, Default, Clone)]
pub(super) struct Pushed {
    /// Local changes the server acknowledged.
    pub(super) count: usize,
    /// Why uploads stopped, if they did.
    pub(super) blocked: Option<Blocked>,
    /// Relationships an upload found ended (`410`).
    pub(super) ended: Vec<Ended>,
}

/// The lasting refusal an upload error stands for, if it is one.
fn blocked_by(error: &SyncError) -> Option<Blocked> {
    error.is_quota_exceeded().then_some(Blocked::QuotaExceeded)
}

impl Session<'_> {
    /// Uploads the outbox, per document, keeping each document's order; acknowledged entries
    /// leave it. A failed upload stays queued with its attempt recorded. Changes to an `ended`
    /// relationship stay on this device.
    pub(super) async fn push(&mut self) -> Result<Pushed> {
        let keys = Keys::load(self.secrets, &self.relationship_ids()?)?;
        let mut pushed = Pushed::default();
        loop {
            let ended: HashSet<String> = self.store.ended_relationship_ids()?.into_iter().collect();
            let batch = self.store.outbox(256)?;
            if batch.is_empty() {
                return Ok(pushed);
            }
            let mut by_doc: BTreeMap<String, Vec<OutboxEntry>> = BTreeMap::new();
            for entry in batch {
                by_doc.entry(entry.doc_id.clone()).or_default().push(entry);
            }
            let mut progressed = false;
            for (doc_id, entries) in by_doc {
                let address: DocAddress =
                    doc_id
                        .parse()
                        .map_err(|e: together_core::address::InvalidAddress| {
                            SyncError::Protocol(e.to_string())
                        })?;
                if address
                    .relationship()
                    .is_some_and(|r| ended.contains(&r.to_string()))
                {
                    continue; // The relationship ended: read-only, stays local.
                }
                let Some(key) = keys.document_key(&address)? else {
                    continue; // No key: stays local.
                };
                let ids: Vec<String> = entries.iter().map(|e| e.entry_id.clone()).collect();
                let sealed = entries
                    .into_iter()
                    .map(|e| {
                        let bytes = crypto::seal(&key, &doc_id, &e.entry_id, &e.bytes);
                        (e.entry_id, bytes)
                    })
                    .collect();
                match self.api.append(&doc_id, sealed).await {
                    Ok(answer) => {
                        // Positions count only when the answer names what was sent, in order.
                        let named = answer.entries.iter().map(|e| &e.entry_id).eq(ids.iter());
                        let seqs: Vec<i64> = if named {
                            answer.entries.iter().map(|e| e.seq).collect()
                        } else {
                            Vec::new()
                        };
                        self.store.acknowledge(&doc_id, &ids, &seqs, now())?;
                        pushed.count += ids.len();
                        progressed = true;
                    }
                    Err(error) if error.is_relationship_ended() => {
                        // It ended since this sync asked: its queued changes stay here.
                        if let Some(relationship) = address.relationship()
                            && let Some(ended) = self.end_here(&relationship.to_string(), None)?
                        {
                            pushed.ended.push(ended);
                        }
                        progressed = true;
                    }
                    Err(error) => {
                        self.store
                            .record_upload_failure(&ids, &error.to_string(), now())?;
                        if let Some(blocked) = blocked_by(&error) {
                            tracing::info!(%error, "uploads wait: {blocked}");
                            pushed.blocked = Some(blocked);
                            return Ok(pushed);
                        }
                        return Err(error);
                    }
                }
            }
            if !progressed {
                return Ok(pushed);
            }
        }
    }

    /// Uploads a sealed snapshot of each document whose log grew by [`SNAPSHOT_EVERY`] entries
    /// since the last one, so a new device starts from it instead of replaying everything.
    pub(super) async fn upload_snapshots(&mut self) -> Result<Pushed> {
        let keys = Keys::load(self.secrets, &self.relationship_ids()?)?;
        let mut uploaded = Pushed::default();
        for info in self.api.documents().await? {
            let Ok(address) = info.doc_id.parse::<DocAddress>() else {
                continue;
            };
            if let Some(relationship) = address.relationship()
                && self.store.is_ended(&relationship.to_string())?
            {
                continue; // Read-only: its snapshots are the partner's business no more.
            }
            let Some(key) = keys.document_key(&address)? else {
                continue;
            };
            let merged = self.store.pulled_up_to(&info.doc_id)?;
            if merged - self.store.snapshot_position(&info.doc_id)? < SNAPSHOT_EVERY {
                continue;
            }
            let Some(bytes) = self.store.save_document(address, now())? else {
                continue;
            };
            let sealed = crypto::seal(&key, &info.doc_id, &snapshot_label(merged), &bytes);
            match self.api.put_snapshot(&info.doc_id, merged, &sealed).await {
                Ok(()) => self.store.record_snapshot(&info.doc_id, merged, now())?,
                Err(error) if error.is_relationship_ended() => {
                    if let Some(relationship) = address.relationship()
                        && let Some(ended) = self.end_here(&relationship.to_string(), None)?
                    {
                        uploaded.ended.push(ended);
                    }
                }
                Err(error) => match blocked_by(&error) {
                    Some(blocked) => {
                        uploaded.blocked = Some(blocked);
                        return Ok(uploaded);
                    }
                    None => return Err(error),
                },
            }
        }
        Ok(uploaded)
    }
}
