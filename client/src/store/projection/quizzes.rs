//! The partner quizzes' rows: `quiz_answers` from the series documents' `quizzes` collection.

use rusqlite::{Connection, params};
use together_core::document::{Document, QuizEntry};

use super::delete_row;
use crate::error::Result;

/// Writes (or, when the record is gone or unreadable, deletes) one quiz record's row. A record out
/// of the table's bounds (another writer's) is left out rather than failing the merge that
/// brought it.
pub(super) fn project_quiz(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let entry = QuizEntry::read(doc, id)
        .filter(|e| (1..=64).contains(&e.round.len()) && (1..=32).contains(&e.item.len()));
    let (Some(e), Some(relationship)) = (entry, doc.address().relationship()) else {
        return delete_row(conn, "quiz_answers", id);
    };
    conn.prepare_cached(
        "INSERT INTO quiz_answers (id, relationship_id, kind, round_id, item_id, subject_id,
             user_id, choice, created_at, answered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET
             kind = excluded.kind, round_id = excluded.round_id, item_id = excluded.item_id,
             subject_id = excluded.subject_id, user_id = excluded.user_id,
             choice = excluded.choice, created_at = excluded.created_at,
             answered_at = excluded.answered_at",
    )?
    .execute(params![
        e.id,
        relationship.to_string(),
        e.kind,
        e.round,
        e.item,
        e.subject,
        e.user_id,
        e.choice,
        e.created_at,
        e.answered_at,
    ])?;
    Ok(())
}
