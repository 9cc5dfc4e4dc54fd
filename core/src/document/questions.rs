//! The daily question in documents (`docs/document-schema.md`, "questions").
//!
//! Each partner writes only **their own record** about a day's question, keyed by an id derived
//! from (relationship, day, question, person): their answer, their skip, their reaction to the
//! partner's answer. Two partners acting on the same question offline therefore never write the
//! same Automerge object, and the day resolves by the rule of
//! [`crate::questions::select::resolve_day`]. The records live in the series document of the day's
//! year, in the `questions` collection (added after the first release, see `upgrade`). The couple's
//! chosen packs are a field of the relationship profile (last writer wins, as any setting).

use automerge::ObjId;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::fields::{collection, flag, int, keys, object, string};
use super::upgrade::ensure_collection;
use super::write::{
    collection_obj, expect_kind, put, put_opt, record_obj_or_create, timestamp_text,
};
use super::{Collection, DocAddress, DocKind, Document, DocumentError, Result};
use crate::ids::{RecordId, RelationshipId, UserId, derived};
use crate::questions::{CATALOG_VERSION, PackSet, Question};

/// The longest answer, in characters.
pub const MAX_ANSWER_CHARS: usize = crate::view::QuestionView::ANSWER_MAX_CHARS;

/// The longest reply to a partner's answer, in characters.
pub const MAX_REPLY_CHARS: usize = crate::view::ReactionForm::REPLY_MAX_CHARS;

/// The id of `user`'s record about `question` on `date`: derived, so their devices agree and an
/// edit on any of them updates the same record.
pub fn question_entry_id(
    relationship: RelationshipId,
    user: UserId,
    date: Date,
    question: &str,
) -> RecordId {
    RecordId::from_uuid(derived(&[
        "question",
        &relationship.to_string(),
        &date.to_string(),
        question,
        &user.to_string(),
    ]))
}

/// One person's record about a day's question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionEntry {
    /// Record id (see [`question_entry_id`]).
    pub id: String,
    /// Whose record.
    pub user_id: String,
    /// The couple's day, `YYYY-MM-DD`.
    pub date: String,
    /// The question's catalogue id.
    pub question: String,
    /// Its pack.
    pub pack: String,
    /// The question's text as it was asked.
    pub text: String,
    /// The catalogue edition the text came from.
    pub catalog_version: i64,
    /// The person's answer.
    pub answer: Option<String>,
    /// When they last wrote it (RFC 3339).
    pub answered_at: Option<String>,
    /// When they skipped the question (RFC 3339).
    pub skipped_at: Option<String>,
    /// Their heart on the partner's answer.
    pub heart: bool,
    /// Their short reply to the partner's answer.
    pub reply: Option<String>,
    /// When they last reacted (RFC 3339).
    pub reacted_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl QuestionEntry {
    /// Reads one record; `None` if it is not a complete record.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let d = doc.inner();
        let obj = object(d, &collection(d, Collection::Questions)?, id)?;
        Some(Self {
            id: id.to_owned(),
            user_id: string(d, &obj, "user_id")?,
            date: string(d, &obj, "date")?,
            question: string(d, &obj, "question")?,
            pack: string(d, &obj, "pack")?,
            text: string(d, &obj, "text")?,
            catalog_version: int(d, &obj, "catalog_version").unwrap_or(1),
            answer: string(d, &obj, "answer"),
            answered_at: string(d, &obj, "answered_at"),
            skipped_at: string(d, &obj, "skipped_at"),
            heart: flag(d, &obj, "heart"),
            reply: string(d, &obj, "reply"),
            reacted_at: string(d, &obj, "reacted_at"),
            created_at: string(d, &obj, "created_at")?,
        })
    }

    /// Every complete record of the document.
    pub fn all(doc: &Document) -> Vec<Self> {
        let d = doc.inner();
        collection(d, Collection::Questions)
            .map(|map| keys(d, &map))
            .unwrap_or_default()
            .iter()
            .filter_map(|key| Self::read(doc, key))
            .collect()
    }
}

/// Which question on which day an action is about. Borrowed text rather than a catalogue entry:
/// the day's question may come from a partner's record written by a newer app, whose catalogue
/// has questions this one does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayQuestion<'a> {
    /// The couple's day.
    pub date: Date,
    /// The question's id.
    pub id: &'a str,
    /// Its pack.
    pub pack: &'a str,
    /// Its text.
    pub text: &'a str,
}

impl DayQuestion<'static> {
    /// A catalogue question asked on `date`.
    pub fn new(date: Date, question: &'static Question) -> Self {
        Self {
            date,
            id: question.id,
            pack: question.pack.as_str(),
            text: question.text,
        }
    }
}

/// `user`'s record about `q`, created (with the question's text and pack) if needed.
fn own_record(
    doc: &mut Document,
    user: UserId,
    q: DayQuestion<'_>,
    now: Timestamp,
) -> Result<ObjId> {
    expect_kind(doc, DocKind::Series)?;
    let DocAddress::Series(relationship, year) = *doc.address() else {
        return Err(DocumentError::Refused("no relationship".into()));
    };
    if year != q.date.year() {
        return Err(DocumentError::Refused(format!(
            "the question of {} belongs in the {} document, not {year}",
            q.date,
            q.date.year()
        )));
    }
    ensure_collection(doc, Collection::Questions)?;
    let id = question_entry_id(relationship, user, q.date, q.id).to_string();
    let obj = record_obj_or_create(doc, Collection::Questions, &id)?;
    if string(doc.inner(), &obj, "created_at").is_none() {
        put(doc, &obj, "user_id", user.to_string())?;
        put(doc, &obj, "date", q.date.to_string())?;
        put(doc, &obj, "question", q.id)?;
        put(doc, &obj, "pack", q.pack)?;
        put(doc, &obj, "text", q.text)?;
        put(doc, &obj, "catalog_version", i64::from(CATALOG_VERSION))?;
        put(doc, &obj, "created_at", timestamp_text(now))?;
    }
    Ok(obj)
}

/// The records of other people about the same question on the same day.
fn partner_records(doc: &Document, user: UserId, q: DayQuestion<'_>) -> Vec<QuestionEntry> {
    let (me, date) = (user.to_string(), q.date.to_string());
    QuestionEntry::all(doc)
        .into_iter()
        .filter(|e| e.user_id != me && e.date == date && e.question == q.id)
        .collect()
}

/// Saves `user`'s answer to the day's question (already validated: trimmed, non-empty, at most
/// [`MAX_ANSWER_CHARS`]). A first answer is always taken; **changing** it is refused once the
/// partner has answered too (what they read must not change under them). Returns the record id.
pub fn answer_question(
    doc: &mut Document,
    user: UserId,
    q: DayQuestion<'_>,
    answer: &str,
    now: Timestamp,
) -> Result<RecordId> {
    let partner_answered = partner_records(doc, user, q)
        .iter()
        .any(|e| e.answer.is_some());
    let obj = own_record(doc, user, q, now)?;
    let already = string(doc.inner(), &obj, "answer").is_some();
    if already && partner_answered {
        return Err(DocumentError::Refused(
            "your partner has answered already: your answer can no longer change".into(),
        ));
    }
    put(doc, &obj, "answer", answer)?;
    put(doc, &obj, "answered_at", timestamp_text(now))?;
    own_id(doc, user, q)
}

/// Records `user`'s skip of the day's question (for both partners; an answer wins over it, see
/// [`crate::questions::select::resolve_day`]).
pub fn skip_question(
    doc: &mut Document,
    user: UserId,
    q: DayQuestion<'_>,
    now: Timestamp,
) -> Result<RecordId> {
    let obj = own_record(doc, user, q, now)?;
    put(doc, &obj, "skipped_at", timestamp_text(now))?;
    own_id(doc, user, q)
}

/// A reaction to the partner's answer: a heart (set or taken back) and/or a reply (already
/// validated, at most [`MAX_REPLY_CHARS`]). Refused unless both answered: one reacts to what one
/// can see.
pub fn react_to_answer(
    doc: &mut Document,
    user: UserId,
    q: DayQuestion<'_>,
    heart: Option<bool>,
    reply: Option<&str>,
    now: Timestamp,
) -> Result<RecordId> {
    let partner_answered = partner_records(doc, user, q)
        .iter()
        .any(|e| e.answer.is_some());
    let id = own_id(doc, user, q)?;
    let mine_answered =
        QuestionEntry::read(doc, &id.to_string()).is_some_and(|e| e.answer.is_some());
    if !(partner_answered && mine_answered) {
        return Err(DocumentError::Refused(
            "you can react once you both answered this question".into(),
        ));
    }
    let obj = own_record(doc, user, q, now)?;
    if let Some(heart) = heart {
        put(doc, &obj, "heart", heart)?;
    }
    put_opt(doc, &obj, "reply", reply)?;
    put(doc, &obj, "reacted_at", timestamp_text(now))?;
    Ok(id)
}

fn own_id(doc: &Document, user: UserId, q: DayQuestion<'_>) -> Result<RecordId> {
    let relationship = doc
        .address()
        .relationship()
        .ok_or_else(|| DocumentError::Refused("no relationship".into()))?;
    Ok(question_entry_id(relationship, user, q.date, q.id))
}

/// Sets the couple's question packs (a relationship-document setting; the last change wins).
pub fn set_question_packs(doc: &mut Document, packs: &PackSet, now: Timestamp) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = collection_obj(doc, Collection::Profile)?;
    doc.touch(Collection::Profile, "");
    put(doc, &obj, "question_packs", packs.to_stored())?;
    put(doc, &obj, "updated_at", timestamp_text(now))
}

/// The couple's chosen packs as stored (`light,deep`), if they ever chose.
pub fn question_packs(doc: &Document) -> Option<String> {
    let d = doc.inner();
    string(d, &collection(d, Collection::Profile)?, "question_packs")
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;

    use super::*;
    use crate::questions::find;

    fn rid() -> RelationshipId {
        "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192".parse().unwrap()
    }
    fn alice() -> UserId {
        "0190a4f8-5c1e-7d2a-9b3c-4d5e6f7081a1".parse().unwrap()
    }
    fn bob() -> UserId {
        "0190a4f8-5c1e-7d2a-9b3c-4d5e6f7081b0".parse().unwrap()
    }
    fn now() -> Timestamp {
        "2026-03-14T08:00:00Z".parse().unwrap()
    }
    fn day_question() -> DayQuestion<'static> {
        DayQuestion::new(jiff::civil::date(2026, 3, 14), find("deep-017").unwrap())
    }
    fn series(actor: u8) -> Document {
        Document::genesis(DocAddress::Series(rid(), 2026), &ActorId::from(vec![actor])).unwrap()
    }

    #[test]
    fn answers_written_offline_by_both_partners_both_survive_the_merge() {
        let (mut a, mut b) = (series(1), series(2));
        answer_question(&mut a, alice(), day_question(), "Sunday mornings", now()).unwrap();
        a.commit(now());
        answer_question(&mut b, bob(), day_question(), "Cooking with you", now()).unwrap();
        b.commit(now());
        let from_b = b.save();
        a.merge_bytes(&from_b).unwrap();
        let mut answers: Vec<_> = QuestionEntry::all(&a)
            .into_iter()
            .map(|e| (e.user_id, e.answer.unwrap()))
            .collect();
        answers.sort();
        assert_eq!(answers.len(), 2);
        assert!(answers.contains(&(alice().to_string(), "Sunday mornings".into())));
        assert!(answers.contains(&(bob().to_string(), "Cooking with you".into())));
    }

    #[test]
    fn an_answer_changes_until_the_partner_answered_then_it_is_final() {
        let mut doc = series(1);
        let q = day_question();
        answer_question(&mut doc, alice(), q, "first", now()).unwrap();
        answer_question(&mut doc, alice(), q, "second thoughts", now()).unwrap();
        answer_question(&mut doc, bob(), q, "mine", now()).unwrap();
        let refused = answer_question(&mut doc, alice(), q, "third", now());
        assert!(matches!(refused, Err(DocumentError::Refused(_))));
        let id = question_entry_id(rid(), alice(), q.date, q.id).to_string();
        let entry = QuestionEntry::read(&doc, &id).unwrap();
        assert_eq!(entry.answer.as_deref(), Some("second thoughts"));
        assert_eq!(entry.text, q.text);
        assert_eq!(entry.pack, "deep");
    }

    #[test]
    fn reacting_needs_both_answers() {
        let mut doc = series(1);
        let q = day_question();
        answer_question(&mut doc, alice(), q, "a", now()).unwrap();
        assert!(react_to_answer(&mut doc, alice(), q, Some(true), None, now()).is_err());
        answer_question(&mut doc, bob(), q, "b", now()).unwrap();
        react_to_answer(&mut doc, alice(), q, Some(true), Some("so true"), now()).unwrap();
        let id = question_entry_id(rid(), alice(), q.date, q.id).to_string();
        let entry = QuestionEntry::read(&doc, &id).unwrap();
        assert!(entry.heart);
        assert_eq!(entry.reply.as_deref(), Some("so true"));
    }

    #[test]
    fn a_question_goes_in_its_years_document_only() {
        let mut doc = series(1);
        let q = DayQuestion {
            date: jiff::civil::date(2027, 1, 1),
            ..day_question()
        };
        assert!(answer_question(&mut doc, alice(), q, "x", now()).is_err());
    }
}
