//! The talk log: conversations the couple had (a daily talk, a deep one, a conflict resolved), with
//! the topic, the outcome and whether it needs another talk.

use jiff::Timestamp;
use rusqlite::OptionalExtension;
use together_core::document::{self as doc, Collection, DocAddress, LogInput};
use together_core::domain::{self, optional_text};
use together_core::ids::{RecordId, RelationshipId};
use together_core::view::{LogForm, LogView};

use super::{optional_word, record_id};
use crate::error::{FormError, Result, StoreError};
use crate::profile::require_user;
use crate::relationship::require_relationship;
use crate::store::write::WriteTx;
use crate::store::{Store, rows};

// Reads.

impl Store {
    /// The current relationship's talk log, newest first.
    pub fn talk_log(&self) -> Result<Vec<LogView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let mut log = rows(
            self.conn(),
            "SELECT id, communication_type, topic, outcome, duration_minutes, communication_date,
                    follow_up_needed
             FROM communication_log WHERE relationship_id = ?1
             ORDER BY communication_date DESC, id DESC",
            [relationship.to_string()],
            |row| {
                Ok(LogView {
                    id: row.get(0)?,
                    communication_type: row.get(1)?,
                    topic: row.get(2)?,
                    outcome: row.get(3)?,
                    duration_minutes: row.get(4)?,
                    when: row.get(5)?,
                    follow_up_needed: row.get(6)?,
                    private: false,
                })
            },
        )?;
        // The person's private entries (their own document) among the shared ones.
        log.extend(self.private_log(relationship)?);
        log.sort_by(|a, b| b.when.cmp(&a.when).then_with(|| b.id.cmp(&a.id)));
        Ok(log)
    }
}

// Forms.

/// A talk-log entry: at the form's time (RFC 3339), else `now`.
pub fn form(form: &LogForm, now: Timestamp) -> Result<LogInput, FormError> {
    let when = if form.when.trim().is_empty() {
        now
    } else {
        form.when.trim().parse().map_err(|_| {
            FormError::new(format!(
                "{:?} is not a time (RFC 3339, such as 2026-11-25T19:30:00Z)",
                form.when
            ))
        })?
    };
    Ok(LogInput {
        communication_type: form.communication_type.parse()?,
        topic: optional_text("topic", &form.topic, LogForm::TOPIC_MAX_CHARS)?,
        outcome: optional_word(&form.outcome)?,
        duration_minutes: form
            .duration_minutes
            .map(|d| domain::in_range("duration", d, 0, LogForm::DURATION_MAX_MINUTES))
            .transpose()?,
        when,
        follow_up_needed: form.follow_up_needed,
    })
}

// Actions.

impl Store {
    /// Adds a talk-log entry; returns its id.
    pub fn add_log(&mut self, input: &LogInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            let year = input.when.to_zoned(jiff::tz::TimeZone::UTC).date().year();
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::add_log(d, id, user, input)
            })?;
            crate::challenges::settle(tx, relationship, user)?;
            Ok(id)
        })
    }
}

impl Store {
    /// Changes a talk-log entry of the current relationship (who started it stays; it stays in
    /// its year). Edits on both devices merge field by field; a delete on the other device wins.
    /// A private entry is changed where it lives, in the person's own document (it stays private:
    /// the choice was made at creation).
    pub fn edit_log(&mut self, id: RecordId, input: &LogInput, now: Timestamp) -> Result<()> {
        if self.is_own_private_log(id)? {
            return self.write_local(now, |tx| {
                let user = require_user(tx)?;
                tx.change(DocAddress::User(user), |d| {
                    doc::edit_private_log(d, id, input)
                })
            });
        }
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            let year = logged_year(tx, id, relationship)?;
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::edit_log(d, id, input)
            })
        })
    }

    /// Deletes a talk-log entry of the current relationship, for both partners (a private one
    /// from the person's own devices).
    pub fn delete_log(&mut self, id: RecordId, now: Timestamp) -> Result<()> {
        if self.is_own_private_log(id)? {
            return self.write_local(now, |tx| {
                let user = require_user(tx)?;
                tx.change(DocAddress::User(user), |d| {
                    doc::delete_record(d, Collection::Private, &id.to_string())
                })
            });
        }
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            let year = logged_year(tx, id, relationship)?;
            tx.change(DocAddress::Series(relationship, year), |d| {
                doc::delete_record(d, Collection::Log, &id.to_string())
            })
        })
    }
}

impl Store {
    /// Whether `id` is one of the local person's private talk-log entries in the current
    /// relationship.
    fn is_own_private_log(&self, id: RecordId) -> Result<bool> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(false);
        };
        let id = id.to_string();
        Ok(self.private_log(relationship)?.iter().any(|e| e.id == id))
    }
}

/// The year whose document holds the relationship's talk-log entry `id`; a sentence when there
/// is no such entry.
fn logged_year(tx: &WriteTx<'_>, id: RecordId, relationship: RelationshipId) -> Result<i16> {
    let missing = || {
        StoreError::Missing(format!(
            "there is no talk-log entry with id {id}; it may have been removed on your partner's device"
        ))
    };
    let when: String = tx
        .conn
        .query_row(
            "SELECT communication_date FROM communication_log WHERE id = ?1 AND relationship_id = ?2",
            [id.to_string(), relationship.to_string()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(missing)?;
    when.parse::<Timestamp>()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().year())
        .map_err(|_| missing())
}

// Screen operations.

/// The Talk log screen's "Log it": the entry added (now; kept to the person when the form says
/// private), and the log as it is now.
pub fn add(store: &mut Store, entry: &LogForm, now: Timestamp) -> Result<Vec<LogView>> {
    let input = form(entry, now)?;
    if entry.private {
        store.add_private_log(&input, now)?;
    } else {
        store.add_log(&input, now)?;
    }
    store.talk_log()
}

/// The Talk log screen's "Save changes": the entry edited (its time kept when the form leaves it
/// empty), and the log.
pub fn edit(store: &mut Store, id: &str, entry: &LogForm, now: Timestamp) -> Result<Vec<LogView>> {
    let id = record_id(id)?;
    let kept = if entry.when.trim().is_empty() {
        store
            .talk_log()?
            .into_iter()
            .find(|l| l.id == id.to_string())
            .map(|l| l.when)
            .unwrap_or_default()
    } else {
        entry.when.clone()
    };
    let input = form(
        &LogForm {
            when: kept,
            ..entry.clone()
        },
        now,
    )?;
    store.edit_log(id, &input, now)?;
    store.talk_log()
}

/// The Talk log screen's "Delete" (after the confirmation): the entry gone, and the log.
pub fn delete(store: &mut Store, id: &str, now: Timestamp) -> Result<Vec<LogView>> {
    store.delete_log(record_id(id)?, now)?;
    store.talk_log()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_kind_of_talk_is_named_and_a_time_is_kept() {
        let unknown = LogForm {
            communication_type: "telepathy".into(),
            ..LogForm::default()
        };
        assert!(
            form(&unknown, Timestamp::UNIX_EPOCH)
                .unwrap_err()
                .to_string()
                .contains("telepathy")
        );
        let talk = LogForm {
            communication_type: "deep_conversation".into(),
            when: "2026-11-25T19:30:00Z".into(),
            ..LogForm::default()
        };
        let input = form(&talk, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(input.when.to_string(), "2026-11-25T19:30:00Z");
        let now = LogForm {
            when: String::new(),
            ..talk
        };
        assert_eq!(
            form(&now, Timestamp::UNIX_EPOCH).unwrap().when,
            Timestamp::UNIX_EPOCH
        );
    }
}
