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
        /// The sealed entries, for this instance's devices that asked for them. Never sent to
        /// the other instances (a notification is small): their devices pull.
        #[serde(skip)]
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

/// What an instance's listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Another (or this) instance's news.
    News(Envelope),
    /// The listener lost its connection for a while: news may have been missed, so the local
    /// devices are told to pull everything.
    Gap,
}

/// The instance-wide facts of the database.
#[async_trait::async_trait]
pub trait Instance {
    /// The database's stable identity; also proves the database answers.
    async fn instance_id(&self) -> Result<String, StorageError>;

    /// How many bytes the database takes (SQLite: its pages; PostgreSQL: `pg_database_size`), for
    /// the operator's metrics: a disk filling up is seen before it is full.
    async fn database_bytes(&self) -> Result<u64, StorageError>;

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
