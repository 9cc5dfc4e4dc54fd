//! The live path at the least cost (issue #13 §5): acting on one live message touches only the
//! document it names, and uploading after a save sends only the outbox.
//!
//! - **Receive** ([`Session::receive`]): for `new_entries` of a document this device already
//!   pulled and holds the key of, the entries after its last merged seq are opened, merged and
//!   projected exactly as a full sync's pull does them (same code): the ones the message carried
//!   when they run on from the device's position (no request at all), else pulled (one request).
//!   What the merged changes earned or reached is settled as after a full sync (achievements,
//!   "Goal reached"), and what that queued is uploaded. Nothing at all is done when the device
//!   already has that seq (its own uploads come back as news).
//! - **Push** ([`Session::push_outbox`]): the outbox is sealed and appended; nothing else is asked
//!   of the server. An acknowledged upload moves the document's position when it directly follows
//!   it (the device holds those changes), so its own news costs nothing.
//!
//! **The full sync stays the fallback** whenever the cheap path cannot be sure it sees
//! everything: a document never pulled here (its snapshot, a new relationship or year), a
//! document without a key here (a key change), carried entries that start after a gap (news was
//! missed), `resync` and `relationship_ended`, an upload the server refused for another reason
//! than a full account, changes left in the outbox (no key yet, relationship not registered). The
//! watcher also runs a full sync when its socket (re)connects and now and then while live.

use together_core::document::DocAddress;
use together_core::wire::{LiveMessage, StoredEntry};

use super::keys::Keys;
use super::pull::Pulled;
use super::report::SyncScope;
use super::{Result, Session, SyncError, SyncReport};
use crate::crypto::Key;

impl Session<'_> {
    /// Acts on one live message: the document it names alone when that is enough, else a full
    /// [`Session::sync`]. The report's `scope` says which.
    pub async fn receive(&mut self, message: &LiveMessage) -> Result<SyncReport> {
        match message {
            LiveMessage::NewEntries {
                doc_id,
                latest_seq,
                entries,
            } => self.receive_entries(doc_id, *latest_seq, entries).await,
            LiveMessage::Resync | LiveMessage::RelationshipEnded { .. } => self.sync().await,
        }
    }

    /// Uploads the outbox alone (after a save), or runs a full [`Session::sync`] when that is
    /// not enough: the server refused an upload for another reason than a full account, or
    /// changes stayed in the outbox (a key to make, a relationship to register).
    pub async fn push_outbox(&mut self) -> Result<SyncReport> {
        let pushed = match self.push().await {
            Ok(pushed) => pushed,
            Err(error @ SyncError::Offline(_)) => return Err(error),
            Err(error) => {
                tracing::debug!(%error, "the upload alone was refused; syncing everything");
                return self.sync().await;
            }
        };
        if pushed.blocked.is_none() && !self.store.outbox(1)?.is_empty() {
            return self.sync().await;
        }
        Ok(SyncReport {
            pushed: pushed.count,
            blocked: pushed.blocked,
            ended: pushed.ended,
            quarantined: self.store.quarantined_count()?,
            scope: if pushed.count == 0 {
                SyncScope::Nothing
            } else {
                SyncScope::Targeted
            },
            ..SyncReport::default()
        })
    }

    /// `doc_id` has entries up to `latest_seq` (`carried`: some of them, from the message): merges
    /// that document alone when this device already follows it.
    async fn receive_entries(
        &mut self,
        doc_id: &str,
        latest_seq: i64,
        carried: &[StoredEntry],
    ) -> Result<SyncReport> {
        let Some((address, key)) = self.followed_document(doc_id)? else {
            return self.sync().await;
        };
        if latest_seq <= self.store.pulled_up_to(doc_id)? {
            return Ok(SyncReport {
                scope: SyncScope::Nothing,
                quarantined: self.store.quarantined_count()?,
                ..SyncReport::default()
            });
        }
        // Entries set aside earlier may need the snapshot that covers them (no request otherwise).
        self.merge_snapshot(address, &key).await?;
        let position = self.store.pulled_up_to(doc_id)?;
        let mut pulled = Pulled::default();
        match carried_run(carried, position, latest_seq) {
            Run::Carried(entries) => {
                self.merge_entries(address, &key, position, entries, &mut pulled)?;
            }
            Run::Gap => return self.sync().await,
            Run::Pull => pulled = self.pull_document(address, &key, latest_seq).await?,
        }
        let mut report = SyncReport {
            pulled: pulled.merged,
            changed_records: pulled.changed,
            scope: SyncScope::Targeted,
            ..SyncReport::default()
        };
        self.settle(&pulled)?;
        // Merging can award achievements or raise reminders: send those too.
        if !self.store.outbox(1)?.is_empty() {
            let again = self.push_outbox().await?;
            report.pushed = again.pushed;
            report.blocked = again.blocked;
            report.ended = again.ended;
            if again.scope == SyncScope::Full {
                report.pulled += again.pulled;
                report.changed_records += again.changed_records;
                report.scope = SyncScope::Full;
            }
        }
        report.quarantined = self.store.quarantined_count()?;
        Ok(report)
    }

    /// The document `doc_id` and its key, when this device follows it: a canonical document id,
    /// pulled here before, of the person or of a relationship this device knows, whose key it
    /// holds. `None` sends the caller to a full sync.
    fn followed_document(&self, doc_id: &str) -> Result<Option<(DocAddress, Key)>> {
        let Ok(address) = doc_id.parse::<DocAddress>() else {
            return Ok(None);
        };
        if address.doc_id() != doc_id || self.store.pulled_up_to(doc_id)? == 0 {
            return Ok(None);
        }
        let keys = match address.relationship() {
            Some(relationship) => {
                let id = relationship.to_string();
                if !self.relationship_ids()?.contains(&id) {
                    return Ok(None);
                }
                Keys::load(self.secrets, &[id])?
            }
            None => Keys::load(self.secrets, &[])?,
        };
        Ok(keys.document_key(&address)?.map(|key| (address, key)))
    }
}

/// What the entries a live message carried allow a device at `position`.
#[derive(Debug, PartialEq, Eq)]
enum Run<'a> {
    /// They run on from the position up to the announced seq: merge them, no request.
    Carried(&'a [StoredEntry]),
    /// They start after a hole: news was missed, a full sync finds what else was.
    Gap,
    /// None carried, or not a run ending at the announced seq: pull the document.
    Pull,
}

fn carried_run(carried: &[StoredEntry], position: i64, latest: i64) -> Run<'_> {
    let whole = carried.last().is_some_and(|entry| entry.seq == latest)
        && carried
            .windows(2)
            .all(|pair| pair[0].seq.checked_add(1) == Some(pair[1].seq));
    if !whole {
        return Run::Pull;
    }
    let fresh = &carried[carried.partition_point(|entry| entry.seq <= position)..];
    match fresh.first() {
        Some(first) if Some(first.seq) == position.checked_add(1) => Run::Carried(fresh),
        Some(_) => Run::Gap,
        None => Run::Pull,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(seqs: &[i64]) -> Vec<StoredEntry> {
        seqs.iter()
            .map(|&seq| StoredEntry {
                seq,
                entry_id: format!("e{seq}"),
                device_id: None,
                ciphertext: String::new(),
                created_at: String::new(),
            })
            .collect()
    }

    fn seqs(run: &Run<'_>) -> Vec<i64> {
        match run {
            Run::Carried(entries) => entries.iter().map(|e| e.seq).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn carried_entries_are_used_only_when_they_run_on_from_the_position() {
        let run = entries(&[5, 6, 7]);
        assert_eq!(seqs(&carried_run(&run, 4, 7)), [5, 6, 7]);
        assert_eq!(
            seqs(&carried_run(&run, 5, 7)),
            [6, 7],
            "what is here is skipped"
        );
        assert_eq!(carried_run(&run, 3, 7), Run::Gap, "seq 4 was missed");
        assert_eq!(
            carried_run(&run, 4, 8),
            Run::Pull,
            "not up to the announced seq"
        );
        assert_eq!(
            carried_run(&entries(&[5, 7]), 4, 7),
            Run::Pull,
            "a hole inside"
        );
        assert_eq!(carried_run(&[], 4, 7), Run::Pull, "nothing carried");
        assert_eq!(
            carried_run(&entries(&[i64::MAX]), i64::MAX, i64::MAX),
            Run::Pull
        );
    }
}
