//! Pulling: for each document the device holds a key for, the entries after the last merged seq,
//! a page at a time, opened and merged with their new position in one transaction (entries a
//! live message carried go through the same code). An entry that
//! does not open or merge is set aside ([`super::quarantine`]) and the pull goes on past it; a
//! snapshot that does not open or load is ignored and the log is read from seq 0 instead.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use together_core::document::{DocAddress, Document};
use together_core::wire::StoredEntry;

use super::keys::{Keys, snapshot_label};
use super::quarantine::{PulledEntry, entry_fault};
use super::{Result, Session, SyncError, now};
use crate::crypto::{self, Key};

/// What a pull did.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Pulled {
    /// Entries merged.
    pub(super) merged: usize,
    /// Records that changed because of them.
    pub(super) changed: usize,
}

impl Session<'_> {
    /// Pulls every document this device holds a key for and `wanted` accepts; the person's own
    /// documents first, then relationship documents before the time series that refer to their
    /// people.
    pub(super) async fn pull_documents(
        &mut self,
        keys: &Keys,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Pulled> {
        let mut docs = self.api.documents().await?;
        docs.retain(|d| wanted(&d.doc_id));
        docs.sort_by_key(|d| {
            (
                !d.doc_id.starts_with("user-"),
                d.doc_id.len(),
                d.doc_id.clone(),
            )
        });
        let mut total = Pulled::default();
        for info in docs {
            let Ok(address) = info.doc_id.parse::<DocAddress>() else {
                continue;
            };
            let Some(key) = keys.document_key(&address)? else {
                continue;
            };
            self.merge_snapshot(address, &key).await?;
            let pulled = self.pull_document(address, &key, info.latest_seq).await?;
            total.merged += pulled.merged;
            total.changed += pulled.changed;
        }
        Ok(total)
    }

    /// Merges the server's snapshot of a document, if there is one that opens and loads as this
    /// very document, when this device never pulled the document (it starts from the snapshot
    /// instead of the whole log; a junk snapshot is ignored and the log read from seq 0), or when
    /// it set entries aside that the snapshot covers (the snapshot holds the changes those entries
    /// carried, which later changes depend on: the device then pulls again after the snapshot).
    pub(super) async fn merge_snapshot(&mut self, address: DocAddress, key: &Key) -> Result<()> {
        let doc_id = address.doc_id();
        let never_pulled = self.store.pulled_up_to(&doc_id)? == 0;
        let hole = self
            .store
            .first_quarantined_after(&doc_id, self.store.snapshot_position(&doc_id)?)?;
        if !never_pulled && hole.is_none() {
            return Ok(());
        }
        let Some((covers, sealed)) = self.api.snapshot(&doc_id).await? else {
            return Ok(());
        };
        if !never_pulled && hole.is_some_and(|seq| covers < seq) {
            return Ok(());
        }
        let unusable = |why: String| {
            tracing::warn!(doc = %doc_id, covers, why, "the snapshot is unusable; pulling the log from seq 0 instead");
            Ok(())
        };
        let bytes = match crypto::open(key, &doc_id, &snapshot_label(covers), &sealed) {
            Ok(bytes) => bytes,
            Err(error) => return unusable(format!("it does not open: {error}")),
        };
        // It stands for every entry up to `covers`: it must load completely, as this document.
        let probe = automerge::ActorId::random();
        if let Err(error) = Document::load(address, &bytes, &probe) {
            return unusable(format!("it does not load: {error}"));
        }
        match self.store.merge_pulled(address, &[bytes], covers, now()) {
            Ok(_) => {}
            Err(error) if entry_fault(&error) => {
                return unusable(format!("it does not merge: {error}"));
            }
            Err(error) => return Err(error.into()),
        }
        self.store.record_snapshot(&doc_id, covers, now())?;
        Ok(())
    }

    /// Pulls one document's log up to `latest`, a page at a time: each page is merged with its new
    /// position in one transaction, its bad entries set aside.
    pub(super) async fn pull_document(
        &mut self,
        address: DocAddress,
        key: &Key,
        latest: i64,
    ) -> Result<Pulled> {
        let doc_id = address.doc_id();
        let mut pulled = Pulled::default();
        let mut after = self.store.pulled_up_to(&doc_id)?;
        while after < latest {
            let page = self.api.pull(&doc_id, after).await?;
            let Some(last) = self.merge_entries(address, key, after, &page.entries, &mut pulled)?
            else {
                break;
            };
            after = last;
            if !page.more {
                break;
            }
        }
        Ok(pulled)
    }

    /// Opens and merges entries that follow `after` in seq order (a pulled page, or the entries
    /// a live message carried: one path for both), with the document's new position in one
    /// transaction; what does not open or merge is set aside. Answers the new position, `None`
    /// when there were no entries.
    pub(super) fn merge_entries(
        &mut self,
        address: DocAddress,
        key: &Key,
        after: i64,
        entries: &[StoredEntry],
        pulled: &mut Pulled,
    ) -> Result<Option<i64>> {
        let doc_id = address.doc_id();
        let mut opened = Vec::with_capacity(entries.len());
        for entry in entries {
            // The log only moves forward: anything else is a server bug, not news.
            let newest = opened.last().map_or(after, |e: &PulledEntry| e.seq);
            if entry.seq <= newest {
                return Err(SyncError::Protocol(format!(
                    "the server sent {doc_id} seq {} after seq {newest}",
                    entry.seq
                )));
            }
            opened.push(open_entry(key, &doc_id, entry));
        }
        let Some(last) = opened.last().map(|e| e.seq) else {
            return Ok(None);
        };
        let outcome = self.store.merge_page(address, &opened, now())?;
        pulled.merged += outcome.merged;
        pulled.changed += outcome.changed;
        Ok(Some(last))
    }
}

/// Decodes and opens one pulled entry; what does not open keeps its reason.
fn open_entry(key: &Key, doc_id: &str, entry: &StoredEntry) -> PulledEntry {
    let (sealed, opened) = match STANDARD.decode(&entry.ciphertext) {
        Ok(sealed) => {
            let opened = crypto::open(key, doc_id, &entry.entry_id, &sealed)
                .map_err(|error| error.to_string());
            (sealed, opened)
        }
        Err(error) => (
            entry.ciphertext.clone().into_bytes(),
            Err(format!("it is not base64 ({error})")),
        ),
    };
    PulledEntry {
        seq: entry.seq,
        entry_id: entry.entry_id.clone(),
        sealed,
        opened,
    }
}
