//! The daily question's rows: `question_answers` from the series documents' `questions`
//! collection, `question_settings` from the relationship profile's `question_packs`.

use rusqlite::{Connection, params};
use together_core::document::{Document, QuestionEntry, question_packs};

use super::delete_row;
use crate::error::Result;

/// Writes (or, when the record is gone or unreadable, deletes) one question record's row. A record
/// whose day is not a real date is left out rather than failing the merge that brought it.
pub(super) fn project_question(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let entry =
        QuestionEntry::read(doc, id).filter(|e| e.date.parse::<jiff::civil::Date>().is_ok());
    let (Some(e), Some(relationship)) = (entry, doc.address().relationship()) else {
        return delete_row(conn, "question_answers", id);
    };
    conn.prepare_cached(
        "INSERT INTO question_answers (id, relationship_id, user_id, question_date, question_id,
             pack, question_text, catalog_version, answer, answered_at, skipped_at, heart, reply,
             reacted_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET
             user_id = excluded.user_id, question_date = excluded.question_date,
             question_id = excluded.question_id, pack = excluded.pack,
             question_text = excluded.question_text, catalog_version = excluded.catalog_version,
             answer = excluded.answer, answered_at = excluded.answered_at,
             skipped_at = excluded.skipped_at, heart = excluded.heart, reply = excluded.reply,
             reacted_at = excluded.reacted_at, created_at = excluded.created_at",
    )?
    .execute(params![
        e.id,
        relationship.to_string(),
        e.user_id,
        e.date,
        e.question,
        e.pack,
        e.text,
        e.catalog_version,
        e.answer,
        e.answered_at,
        e.skipped_at,
        e.heart,
        e.reply,
        e.reacted_at,
        e.created_at,
    ])?;
    Ok(())
}

/// Writes the couple's chosen packs, once they chose (no row: the default packs).
pub(super) fn project_packs(
    conn: &Connection,
    relationship_id: &str,
    doc: &Document,
) -> Result<()> {
    if let Some(packs) = question_packs(doc) {
        conn.prepare_cached(
            "INSERT INTO question_settings (id, packs) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET packs = excluded.packs",
        )?
        .execute(params![relationship_id, packs])?;
    }
    Ok(())
}
