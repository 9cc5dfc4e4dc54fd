//! What the server instances sharing one database must agree on: the database's identity, the
//! entitlement signing key (devices pin the first public key they see, so every instance, a moved
//! server and a restored backup must sign with the same one), which instance runs a once-only job
//! (leases), and the live news one instance must pass to the others (a partner connected to
//! instance 1 hears, live, what their partner appended through instance 2).

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::storage::StorageError;

/// News every instance applies to its own live sockets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Broadcast {
    /// `doc_id` has entries up to `seq`; `audience` may read it (as of the commit).
    NewEntries {
        /// Who may read the document.
        audience: Vec<String>,
        /// The document.
        doc_id: String,
        /// Its newest seq.
        seq: i64,
        /// The sealed entries, for the devices that asked for them: sent to the other instances
        /// too when the notification stays within PostgreSQL's bound (else their devices pull).
        #[serde(default, skip_serializing_if = "crate::hub::Carried::is_empty")]
        carried: crate::hub::Carried,
    },
    /// A partner left: the relationship ended for its members.
    RelationshipEnded {
        /// Its members.
        members: Vec<String>,
        /// The relationship.
        relationship_id: String,
    },
    /// A device was signed out: its sockets close.
    DeviceSignedOut {
        /// Its account.
        user_id: String,
        /// The device.
        device_id: String,
    },
    /// An account was deleted: all its sockets close.
    AccountDeleted {
        /// The account.
        user_id: String,
    },
}

/// A broadcast with the instance it came from (an instance ignores its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The sending instance's random id (per process).
    pub origin: String,
    /// The news.
    pub news: Broadcast,
}

impl Envelope {
    /// The envelope as JSON of at most `max_bytes`, dropping carried entries if they make it
    /// longer (the other instances' devices then pull); `None` when even that is too long.
    pub fn to_json_within(&self, max_bytes: usize) -> Option<String> {
        let json = serde_json::to_string(self).ok()?;
        if json.len() <= max_bytes {
            return Some(json);
        }
        let Broadcast::NewEntries {
            audience,
            doc_id,
            seq,
            carried,
        } = &self.news
        else {
            return None;
        };
        if carried.is_empty() {
            return None;
        }
        let lighter = Self {
            origin: self.origin.clone(),
            news: Broadcast::NewEntries {
                audience: audience.clone(),
                doc_id: doc_id.clone(),
                seq: *seq,
                carried: crate::hub::Carried::default(),
            },
        };
        serde_json::to_string(&lighter)
            .ok()
            .filter(|json| json.len() <= max_bytes)
    }
}

/// What an instance's listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Another (or this) instance's news.
    News(Envelope),
    /// The listener lost its connection for a while: news may have been missed, so the local
    /// devices are told to pull everything.
    Gap,
}

/// How a backend's group commit has written its batches of appends since this instance started
/// (PostgreSQL's one-statement way and its fallbacks), for the operator's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitWays {
    /// In one statement, on what the writer knew.
    pub one_statement: u64,
    /// Tried in one statement, rolled back because an assumption did not hold, then read first.
    pub assumed_wrong: u64,
    /// Tried in one statement, failed for another reason, then read first.
    pub failed: u64,
    /// Written after reading the facts first.
    pub read_first: u64,
    /// Failed as a whole, then written one append at a time.
    pub one_by_one: u64,
}

/// The instance-wide facts of the database.
#[async_trait::async_trait]
pub trait Instance {
    /// The database's stable identity; also proves the database answers.
    async fn instance_id(&self) -> Result<String, StorageError>;

    /// How many bytes the database takes (SQLite: its pages; PostgreSQL: `pg_database_size`), for
    /// the operator's metrics: a disk filling up is seen before it is full.
    async fn database_bytes(&self) -> Result<u64, StorageError>;

    /// How this instance's group commit wrote its batches so far; `None` when the backend has no
    /// such ways to tell apart (SQLite's writer commits every batch alike).
    fn group_commit_ways(&self) -> Option<GroupCommitWays>;

    /// The entitlement signing key's seed: the stored one, or `candidate` stored now when there is
    /// none yet (one conditional insert: instances starting together agree on one key).
    async fn signing_seed(&self, candidate: [u8; 32]) -> Result<[u8; 32], StorageError>;

    /// Takes (or renews) the lease of once-only job `job` for `holder` until `until`, unless
    /// another holder's lease runs past `now`; returns whether `holder` holds it.
    async fn take_lease(
        &self,
        job: String,
        holder: String,
        now: String,
        until: String,
    ) -> Result<bool, StorageError>;

    /// Passes `envelope` to every instance sharing this database (none for an embedded one).
    async fn broadcast(&self, envelope: Envelope) -> Result<(), StorageError>;

    /// Starts listening to other instances' broadcasts; `None` when this backend has only one
    /// instance (the embedded SQLite file).
    async fn listen(&self) -> Result<Option<UnboundedReceiver<Heard>>, StorageError>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;
    use crate::hub::Carried;

    fn news(size: usize) -> Envelope {
        let sent = vec![("e1".to_owned(), vec![5; size])];
        let placed = vec![("e1".to_owned(), 1)];
        Envelope {
            origin: "one".into(),
            news: Broadcast::NewEntries {
                audience: vec!["alice".into(), "bob".into()],
                doc_id: "rel-x".into(),
                seq: 1,
                carried: Carried::of_append(&sent, &placed, "d", "2026-11-30T00:00:00.000Z"),
            },
        }
    }

    #[test]
    fn small_entries_cross_inside_the_notification_and_large_ones_are_left_out() {
        let small = news(1000);
        let json = small.to_json_within(7_999).unwrap();
        let heard: Envelope = serde_json::from_str(&json).unwrap();
        assert_eq!(heard, small, "carried entries and all");

        // 7,000 sealed bytes are carried locally (within 8 KiB) but are 9,336 in base64.
        let large = news(7000);
        let Broadcast::NewEntries { carried, .. } = &large.news else {
            unreachable!()
        };
        assert!(!carried.is_empty());
        let json = large.to_json_within(7_999).unwrap();
        assert!(json.len() <= 7_999);
        let heard: Envelope = serde_json::from_str(&json).unwrap();
        let Broadcast::NewEntries { carried, seq, .. } = heard.news else {
            unreachable!()
        };
        assert!(carried.is_empty(), "told without entries");
        assert_eq!(seq, 1);
        assert_eq!(large.to_json_within(10), None);
    }
}
