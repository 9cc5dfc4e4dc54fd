//! The couple's data as Automerge documents: what each document holds, how it is created, written and
//! read. Versioned and described in `docs/document-schema.md`.
//!
//! ## Documents
//! - **Relationship** (`rel-<relationship id>`): the relationship profile, each member's shared profile,
//!   activities, goals, important dates, challenge participation, earned achievements.
//! - **Series** (`rel-<relationship id>-<year>`): the year's time series: check-ins, talk log, challenge
//!   entries, notifications. One per year keeps every document a device must load for a write small,
//!   however many years a couple has been together.
//! - **User** (`user-<user id>`): what is one person's alone: profile, settings, private notes.
//!
//! ## Genesis
//! Every document starts with the same first change on every device: written by an actor derived from
//! the document id, at time 0, creating the root fields and one map per collection. Two devices that
//! create the same year's document offline therefore produce byte-identical first changes, which merge
//! into one; without this, each would create its own `checkins` map and one partner's check-ins would
//! be hidden by the other's. **The genesis content never changes**: later schema versions add fields in
//! ordinary changes, and collections added later (the daily question's `questions`) each in one
//! deterministic change on top of the genesis (see `upgrade`), identical on every device for the
//! same reason.

mod batch;
mod edit;
mod fields;
mod private;
mod questions;
mod quizzes;
mod records;
mod upgrade;
mod write;

use std::collections::BTreeSet;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjType, Patch, PatchAction, Prop, ROOT, ReadDoc,
};
use jiff::Timestamp;

pub use crate::address::{Collection, DocAddress, DocKind, InvalidAddress};
pub use edit::*;
pub use private::*;
pub use questions::*;
pub use quizzes::*;
pub use records::*;
pub use write::*;

/// Version of the document schema this code writes and understands.
pub const SCHEMA_VERSION: i64 = 1;

/// Why a document operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Automerge refused the bytes or the operation.
    #[error("the document could not be read or changed: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The bytes are a valid Automerge document, but not the one expected.
    #[error("the document is {found}, not {expected}")]
    WrongDocument {
        /// The document asked for.
        expected: String,
        /// What the bytes hold.
        found: String,
    },
    /// Written by a newer version of the app.
    #[error("the document uses schema version {0}, newer than this app understands; please update")]
    SchemaTooNew(i64),
    /// Automerge panicked on the bytes (Automerge 0.12 does on some malformed documents): the
    /// document or change is damaged, and nothing of it was taken.
    #[error("this document is damaged and cannot be read")]
    Damaged,
    /// A record the change refers to does not exist.
    #[error("no {collection} record {key} in this document")]
    NoSuchRecord {
        /// The collection.
        collection: &'static str,
        /// The record's key.
        key: String,
    },
    /// The change is refused by a rule (e.g. rating an activity that is not yours to rate).
    #[error("{0}")]
    Refused(String),
}

/// Convenience alias.
pub type Result<T, E = DocumentError> = std::result::Result<T, E>;

/// A record that a change touched: the projection re-reads exactly these.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordRef {
    /// The collection it lives in.
    pub collection: Collection,
    /// Its key inside the collection (a record id, a user id, or the collection name for single
    /// objects such as the relationship profile).
    pub key: String,
}

/// One Automerge document of the app, with the address that says which one it is.
pub struct Document {
    doc: AutoCommit,
    address: DocAddress,
    /// The records local writes touched since [`Document::take_touched`] last took them: what a
    /// local change must project, known without diffing the document.
    touched: BTreeSet<RecordRef>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("address", &self.address)
            .finish()
    }
}

impl Document {
    /// The document's deterministic first state (see the module docs), ready for `actor`'s changes.
    pub fn genesis(address: DocAddress, actor: &ActorId) -> Result<Self> {
        let genesis_actor = ActorId::from(
            crate::ids::derived(&["genesis", &address.doc_id()])
                .as_bytes()
                .to_vec(),
        );
        let mut doc = AutoCommit::new().with_actor(genesis_actor);
        doc.put(ROOT, "schema", SCHEMA_VERSION)?;
        doc.put(ROOT, "kind", address.kind().as_str())?;
        doc.put(ROOT, "id", address.doc_id())?;
        for collection in address.kind().genesis_collections() {
            doc.put_object(ROOT, collection.as_str(), ObjType::Map)?;
        }
        doc.commit_with(CommitOptions::default().with_time(0));
        doc.set_actor(actor.clone());
        doc.update_diff_cursor();
        Ok(Self {
            doc,
            address,
            touched: BTreeSet::new(),
        })
    }

    /// Loads a saved document (a full save, possibly followed by incremental chunks) and checks it is
    /// the document `address` names.
    pub fn load(address: DocAddress, bytes: &[u8], actor: &ActorId) -> Result<Self> {
        let doc = guarded(|| {
            let mut doc = AutoCommit::load(bytes)?;
            doc.set_actor(actor.clone());
            doc.update_diff_cursor();
            Ok(doc)
        })?;
        let document = Self {
            doc,
            address,
            touched: BTreeSet::new(),
        };
        document.check_identity()?;
        Ok(document)
    }

    /// Declares the current state as the one the caller has already taken into account (for
    /// instance after replaying stored chunks on load), so the next [`Document::changed_since`]
    /// reports only what comes after.
    pub fn mark_seen(&mut self) {
        self.doc.update_diff_cursor();
    }

    /// The records this process's writes touched since the last call (what a local change must
    /// project), and marks the current state seen, like [`Document::mark_seen`]: a local change
    /// needs no diff, which costs as much as the rest of the save on a year's document.
    pub fn take_touched(&mut self) -> BTreeSet<RecordRef> {
        self.doc.update_diff_cursor();
        std::mem::take(&mut self.touched)
    }

    /// Notes that a write is about to change record `key` of `collection` (for singles, the key is
    /// the collection's own name, as [`Document::all_records`] and the diff name them).
    pub(crate) fn touch(&mut self, collection: Collection, key: &str) {
        let key = if collection.is_single() {
            collection.as_str()
        } else {
            key
        };
        self.touched.insert(RecordRef {
            collection,
            key: key.to_owned(),
        });
    }

    fn check_identity(&self) -> Result<()> {
        let found = fields::root_str(&self.doc, "id").unwrap_or_default();
        if found != self.address.doc_id() {
            return Err(DocumentError::WrongDocument {
                expected: self.address.doc_id(),
                found,
            });
        }
        match fields::root_i64(&self.doc, "schema") {
            Some(version) if version > SCHEMA_VERSION => Err(DocumentError::SchemaTooNew(version)),
            _ => Ok(()),
        }
    }

    /// Which document this is.
    pub fn address(&self) -> &DocAddress {
        &self.address
    }

    /// The current heads: the identity of this exact state.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The whole document as a standard Automerge file.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads`, as bytes any Automerge replica can `load_incremental`.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// Merges changes from another replica (a saved document or incremental chunks). Duplicates are
    /// ignored, so merging the same bytes twice is harmless.
    ///
    /// After [`DocumentError::Damaged`] the document may hold part of the damaged bytes: the caller
    /// must drop it and load it again from storage (the client's write path forgets every loaded
    /// document when a transaction fails).
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let doc = &mut self.doc;
        guarded(|| Ok(doc.load_incremental(bytes).map(drop)?))
    }

    /// Commits pending operations with `now` as the change's (advisory) time.
    pub fn commit(&mut self, now: Timestamp) -> Option<ChangeHash> {
        self.doc
            .commit_with(CommitOptions::default().with_time(now.as_second()))
    }

    /// The records that differ between `before` and the current state: what the projection must
    /// re-read after a local change or a merge.
    ///
    /// When `before` is the state last seen (the usual case: the heads taken just before the
    /// change), Automerge answers from its patch log instead of scanning the whole document, so the
    /// cost follows the size of the change, not of the document.
    pub fn changed_since(&mut self, before: &[ChangeHash]) -> BTreeSet<RecordRef> {
        let patches = if self.doc.diff_cursor() == before {
            self.doc.diff_incremental()
        } else {
            let after = self.doc.get_heads();
            let patches = self.doc.diff(before, &after);
            self.doc.update_diff_cursor();
            patches
        };
        patches.iter().filter_map(|p| self.record_of(p)).collect()
    }

    /// Every record of the document, for a full rebuild of the projection.
    pub fn all_records(&self) -> BTreeSet<RecordRef> {
        let mut refs = BTreeSet::new();
        for collection in self.address.kind().collections() {
            if collection.is_single() {
                refs.insert(RecordRef {
                    collection,
                    key: collection.as_str().to_owned(),
                });
                continue;
            }
            if let Some(map) = fields::collection(&self.doc, collection) {
                for key in self.doc.keys(&map) {
                    refs.insert(RecordRef { collection, key });
                }
            }
        }
        refs
    }

    /// Maps a patch to the record it belongs to: the first two steps of its path are the collection
    /// and the record key.
    fn record_of(&self, patch: &Patch) -> Option<RecordRef> {
        let mut props = patch.path.iter().map(|(_, prop)| prop.clone());
        let own_key = match &patch.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                Some(Prop::Map(key.clone()))
            }
            PatchAction::Increment { prop, .. } => Some(prop.clone()),
            _ => None,
        };
        let first = props.next().or_else(|| own_key.clone())?;
        let Prop::Map(collection_name) = first else {
            return None;
        };
        let collection = Collection::from_name(&collection_name)?;
        if collection.is_single() {
            return Some(RecordRef {
                collection,
                key: collection.as_str().to_owned(),
            });
        }
        let second = if patch.path.is_empty() {
            None
        } else {
            props.next().or(own_key)
        }?;
        match second {
            Prop::Map(key) => Some(RecordRef { collection, key }),
            Prop::Seq(_) => None,
        }
    }

    pub(crate) fn inner(&self) -> &AutoCommit {
        &self.doc
    }

    pub(crate) fn inner_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }
}

/// Runs an Automerge call on bytes from outside the process. Automerge 0.12 panics on some
/// malformed documents instead of returning an error; the panic is caught here, at the lowest layer
/// that reads outside bytes, and becomes [`DocumentError::Damaged`], so a damaged file or a hostile
/// peer's change is refused instead of taking the app down.
fn guarded<T>(call: impl FnOnce() -> Result<T>) -> Result<T> {
    // Unwind safety: on a panic the caller gets `Damaged` and must drop the document (see
    // `merge_bytes`); `load` builds its document inside the closure, so nothing half-made escapes.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call))
        .unwrap_or(Err(DocumentError::Damaged))
}

#[cfg(test)]
mod tests;
