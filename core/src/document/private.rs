//! A person's private records about their relationship (`docs/document-schema.md`, "private"): a
//! check-in note or a talk-log entry they chose to keep to themselves. They live in the person's
//! own user document — which reaches their own devices only, never the partner's — in the
//! `private` collection (added after the first release, see `upgrade`), each naming the
//! relationship it belongs to. Nothing here is ever written into a couple's document, so an entry
//! made private can never reach the partner; one already shared cannot be taken back, so the
//! choice is made when the entry is created.

use automerge::ObjId;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::fields::{collection, flag, int, object, string};
use super::records::record_keys;
use super::upgrade::ensure_collection;
use super::write::{expect_kind, put, put_opt, record_obj_or_create, timestamp_text};
use super::{Collection, DocKind, Document, LogInput, Result};
use crate::ids::{RecordId, RelationshipId, derived};

/// What a private record is.
const CHECKIN_NOTE: &str = "checkin_note";
pub(super) const TALK: &str = "talk";

fn record(doc: &Document, key: &str) -> Option<ObjId> {
    object(
        doc.inner(),
        &collection(doc.inner(), Collection::Private)?,
        key,
    )
}

/// The id of a person's private note on their check-in of `date`: derived, so writing it again
/// (from any of their devices) edits the same note.
pub fn private_checkin_note_id(relationship: RelationshipId, date: Date) -> RecordId {
    RecordId::from_uuid(derived(&[
        "private-checkin-note",
        &relationship.to_string(),
        &date.to_string(),
    ]))
}

/// Sets (or, with `None`, clears) the owner's private note on their check-in of `date`.
pub fn put_private_checkin_note(
    doc: &mut Document,
    relationship: RelationshipId,
    date: Date,
    text: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::User)?;
    ensure_collection(doc, Collection::Private)?;
    let id = private_checkin_note_id(relationship, date).to_string();
    let obj = record_obj_or_create(doc, Collection::Private, &id)?;
    put(doc, &obj, "kind", CHECKIN_NOTE)?;
    put(doc, &obj, "relationship_id", relationship.to_string())?;
    put(doc, &obj, "date", date.to_string())?;
    put_opt(doc, &obj, "text", text)?;
    put(doc, &obj, "updated_at", timestamp_text(now))
}

/// Adds a talk-log entry only its author sees.
pub fn add_private_log(
    doc: &mut Document,
    id: RecordId,
    relationship: RelationshipId,
    input: &LogInput,
) -> Result<()> {
    expect_kind(doc, DocKind::User)?;
    ensure_collection(doc, Collection::Private)?;
    let obj = record_obj_or_create(doc, Collection::Private, &id.to_string())?;
    put(doc, &obj, "kind", TALK)?;
    put(doc, &obj, "relationship_id", relationship.to_string())?;
    put(doc, &obj, "type", input.communication_type.as_str())?;
    put_opt(doc, &obj, "topic", input.topic.as_deref())?;
    put_opt(doc, &obj, "outcome", input.outcome.map(|o| o.as_str()))?;
    put_opt(doc, &obj, "duration_minutes", input.duration_minutes)?;
    put(doc, &obj, "date", timestamp_text(input.when))?;
    put(doc, &obj, "follow_up", input.follow_up_needed)
}

/// A private note on one's own check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateCheckinNote {
    /// The relationship of the check-in.
    pub relationship_id: String,
    /// The check-in's day, `YYYY-MM-DD`.
    pub date: String,
    /// The note.
    pub text: String,
}

impl PrivateCheckinNote {
    /// Every note (with text) of a user document.
    pub fn list(doc: &Document) -> Vec<Self> {
        record_keys(doc, Collection::Private)
            .into_iter()
            .filter_map(|key| {
                let obj = record(doc, &key)?;
                let d = doc.inner();
                (string(d, &obj, "kind")?.as_str() == CHECKIN_NOTE).then_some(())?;
                Some(Self {
                    relationship_id: string(d, &obj, "relationship_id")?,
                    date: string(d, &obj, "date")?,
                    text: string(d, &obj, "text")?,
                })
            })
            .collect()
    }
}

/// A talk-log entry only its author sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateLogEntry {
    /// Record id.
    pub id: String,
    /// The relationship it is about.
    pub relationship_id: String,
    /// Kind of conversation.
    pub communication_type: String,
    /// Topic.
    pub topic: Option<String>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// When (RFC 3339).
    pub when: String,
    /// Needs a follow-up.
    pub follow_up_needed: bool,
}

impl PrivateLogEntry {
    /// Every live private talk-log entry of a user document.
    pub fn list(doc: &Document) -> Vec<Self> {
        record_keys(doc, Collection::Private)
            .into_iter()
            .filter_map(|id| {
                let obj = record(doc, &id)?;
                let d = doc.inner();
                (string(d, &obj, "kind")?.as_str() == TALK && !flag(d, &obj, "deleted"))
                    .then_some(())?;
                Some(Self {
                    relationship_id: string(d, &obj, "relationship_id")?,
                    communication_type: string(d, &obj, "type")?,
                    topic: string(d, &obj, "topic"),
                    outcome: string(d, &obj, "outcome"),
                    duration_minutes: int(d, &obj, "duration_minutes"),
                    when: string(d, &obj, "date")?,
                    follow_up_needed: flag(d, &obj, "follow_up"),
                    id,
                })
            })
            .collect()
    }
}
