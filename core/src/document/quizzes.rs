//! Partner quizzes in documents (`docs/document-schema.md`, "quizzes"): each partner writes only
//! their own record — for a "know me" round, the subject's true answer or the partner's guess; for
//! a "this or that" pair of a day, their pick — keyed by an id derived from what it is about and
//! who wrote it, so partners never write the same object and a person's two devices edit the same
//! record. The records live in the series document of the year the round started (or of the
//! day), in the `quizzes` collection (added after the first release, see `upgrade`).

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::fields::{collection, int, object, string};
use super::upgrade::ensure_collection;
use super::write::{expect_kind, put, put_opt, record_obj_or_create, timestamp_text};
use super::{Collection, DocKind, Document, Result};
use crate::ids::{RecordId, RelationshipId, UserId, derived};

/// A "know me" record's kind.
pub const KNOW_ME: &str = "know_me";
/// A "this or that" record's kind.
pub const THIS_OR_THAT: &str = "this_or_that";

/// The id of `writer`'s record in "know me" round `round`.
pub fn know_me_entry_id(relationship: RelationshipId, round: &str, writer: UserId) -> RecordId {
    RecordId::from_uuid(derived(&[
        "know-me",
        &relationship.to_string(),
        round,
        &writer.to_string(),
    ]))
}

/// The id of `writer`'s pick of "this or that" pair `pair` on `date`.
pub fn this_or_that_entry_id(
    relationship: RelationshipId,
    date: Date,
    pair: &str,
    writer: UserId,
) -> RecordId {
    RecordId::from_uuid(derived(&[
        "this-or-that",
        &relationship.to_string(),
        &date.to_string(),
        pair,
        &writer.to_string(),
    ]))
}

/// What a person wrote in a "know me" round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnowMeWrite<'a> {
    /// The round (its id; the subject's first record names it).
    pub round: &'a str,
    /// The catalogue item (`km-017`).
    pub item: &'a str,
    /// Whom the round is about.
    pub subject: UserId,
    /// Who writes: the subject (their true answer) or the partner (a guess).
    pub writer: UserId,
    /// The choice, 0–3; `None` when the subject starts the round before answering.
    pub choice: Option<i64>,
}

/// Writes `w.writer`'s record of a "know me" round.
pub fn put_know_me(
    doc: &mut Document,
    relationship: RelationshipId,
    w: &KnowMeWrite<'_>,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::Series)?;
    ensure_collection(doc, Collection::Quizzes)?;
    let id = know_me_entry_id(relationship, w.round, w.writer).to_string();
    let obj = record_obj_or_create(doc, Collection::Quizzes, &id)?;
    put(doc, &obj, "kind", KNOW_ME)?;
    put(doc, &obj, "round", w.round)?;
    put(doc, &obj, "item", w.item)?;
    put(doc, &obj, "subject", w.subject.to_string())?;
    put(doc, &obj, "user_id", w.writer.to_string())?;
    if string(doc.inner(), &obj, "created_at").is_none() {
        put(doc, &obj, "created_at", timestamp_text(now))?;
    }
    put_opt(doc, &obj, "choice", w.choice)?;
    if w.choice.is_some() {
        put(doc, &obj, "answered_at", timestamp_text(now))?;
    }
    Ok(())
}

/// Writes `writer`'s pick (0 = this, 1 = that) of pair `pair` on `date`.
pub fn put_this_or_that(
    doc: &mut Document,
    relationship: RelationshipId,
    date: Date,
    pair: &str,
    writer: UserId,
    choice: i64,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::Series)?;
    ensure_collection(doc, Collection::Quizzes)?;
    let id = this_or_that_entry_id(relationship, date, pair, writer).to_string();
    let obj = record_obj_or_create(doc, Collection::Quizzes, &id)?;
    put(doc, &obj, "kind", THIS_OR_THAT)?;
    put(doc, &obj, "round", date.to_string())?;
    put(doc, &obj, "item", pair)?;
    put(doc, &obj, "user_id", writer.to_string())?;
    if string(doc.inner(), &obj, "created_at").is_none() {
        put(doc, &obj, "created_at", timestamp_text(now))?;
    }
    put(doc, &obj, "choice", choice)?;
    put(doc, &obj, "answered_at", timestamp_text(now))
}

/// One quiz record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuizEntry {
    /// Record id.
    pub id: String,
    /// [`KNOW_ME`] or [`THIS_OR_THAT`].
    pub kind: String,
    /// The round id, or the day (`YYYY-MM-DD`) of a "this or that" pick.
    pub round: String,
    /// The catalogue item or pair.
    pub item: String,
    /// Whom a "know me" round is about.
    pub subject: Option<String>,
    /// Who wrote it.
    pub user_id: String,
    /// The choice, if given.
    pub choice: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when the choice was given.
    pub answered_at: Option<String>,
}

impl QuizEntry {
    /// The record `key` of a series document, if it is a readable quiz record.
    pub fn read(doc: &Document, key: &str) -> Option<Self> {
        let d = doc.inner();
        let obj = object(d, &collection(d, Collection::Quizzes)?, key)?;
        let kind = string(d, &obj, "kind")?;
        (kind == KNOW_ME || kind == THIS_OR_THAT).then_some(())?;
        Some(Self {
            id: key.to_owned(),
            kind,
            round: string(d, &obj, "round")?,
            item: string(d, &obj, "item")?,
            subject: string(d, &obj, "subject"),
            user_id: string(d, &obj, "user_id")?,
            choice: int(d, &obj, "choice").filter(|c| (0..=3).contains(c)),
            created_at: string(d, &obj, "created_at")?,
            answered_at: string(d, &obj, "answered_at"),
        })
    }
}
