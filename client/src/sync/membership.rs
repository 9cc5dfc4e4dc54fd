//! Which relationships a device syncs, and their end.
//!
//! The **current** relationship is registered, written and read. A relationship that **ended** (a
//! partner left, here or on the other device) is read-only: never registered or written again,
//! still pulled (former members may read it, so the person's new devices restore it too; its key
//! stays in the key bundle). A device learns the end from `GET /v1/relationships` (`ended_at`) at
//! every sync, from a `410 relationship_ended` answer to an upload, or by leaving; the live
//! socket's `relationship_ended` wakes a sync. It then marks the relationship ended in its store
//! ([`crate::relationship`]), which takes the changes still queued for it out of the upload
//! queue, counted.

use together_core::ids::RelationshipId;

use super::keys::relationship_key_name;
use super::{Result, Session, SyncError, now};
use crate::relationship::Ended;

impl Session<'_> {
    /// Registers the current relationship, once this device holds its key (harmless when
    /// registered before); an ended one is never registered again.
    pub(super) async fn register_relationships(&self) -> Result<()> {
        if let Some(id) = self.store.current_relationship()?.map(|r| r.to_string())
            && self.secrets.get(&relationship_key_name(&id))?.is_some()
        {
            self.api.register_relationship(&id).await?;
        }
        Ok(())
    }

    /// Every relationship whose documents this device reads (and whose keys its bundle carries):
    /// the current one and those that ended.
    pub(super) fn relationship_ids(&self) -> Result<Vec<String>> {
        let mut ids = self.store.ended_relationship_ids()?;
        if let Some(current) = self.store.current_relationship()? {
            ids.push(current.to_string());
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Asks the server which of the account's relationships ended, and marks them so here.
    /// Answers those this device had not marked yet.
    pub(super) async fn learn_ended(&mut self) -> Result<Vec<Ended>> {
        let mut learned = Vec::new();
        for info in self.api.relationships().await? {
            let Some(ended_at) = info.ended_at else {
                continue;
            };
            if let Some(ended) = self.end_here(&info.relationship_id, Some(&ended_at))? {
                learned.push(ended);
            }
        }
        Ok(learned)
    }

    /// Marks a relationship ended on this device (it may have ended on the other one); `None`
    /// when it was marked before.
    pub(super) fn end_here(
        &mut self,
        relationship_id: &str,
        ended_at: Option<&str>,
    ) -> Result<Option<Ended>> {
        let id: RelationshipId = relationship_id.parse().map_err(|_| {
            SyncError::Protocol(format!("{relationship_id:?} is not a relationship id"))
        })?;
        let ended = self
            .store
            .end_relationship(&id.to_string(), ended_at, now())?;
        if let Some(ended) = &ended {
            tracing::info!(
                relationship = %ended.relationship_id,
                kept = ended.kept_on_device,
                "the relationship ended; it is read-only on this device"
            );
        }
        Ok(ended)
    }
}
