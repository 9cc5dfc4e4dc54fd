//! Privacy that is applied: what each `relationships.privacy_level` means, and a person's private
//! check-in notes and talk-log entries.
//!
//! The couple's level (chosen when the space is created, `balanced` unless they say otherwise):
//! - **private** — notes stay with their author: a check-in's gratitude note is kept in the
//!   author's own document, never the couple's; the partner sees the scores (after the reveal);
//! - **balanced** — scores and notes are shared, the partner's check-in revealed once you checked
//!   in that day too (the reveal rule);
//! - **open** — everything shared, the partner's check-in shown at once, without waiting for yours.
//!
//! At any level a person may keep one note or talk-log entry to themselves when creating it
//! (`checkin --private-note`, `log add --private`): it goes into their own user document
//! (`together_core::document::private`), which reaches only their own devices. An entry already
//! shared cannot be taken back from the partner's history, so the choice is made at creation.
//! Daily-question answers are for sharing and are never private.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use together_core::document::{
    self as doc, DocAddress, LogInput, PrivateCheckinNote, PrivateLogEntry,
};
use together_core::domain::{PrivacyLevel, optional_text};
use together_core::ids::{RecordId, RelationshipId, UserId};
use together_core::view::{CheckinForm, LogView};

use crate::error::{FormError, Result};
use crate::profile::require_user;
use crate::relationship::require_relationship;
use crate::store::Store;

/// The couple's privacy level (`balanced` when unknown).
pub(crate) fn level(conn: &Connection, relationship: RelationshipId) -> Result<PrivacyLevel> {
    let word: Option<String> = conn
        .prepare_cached("SELECT privacy_level FROM relationships WHERE id = ?1")?
        .query_row([relationship.to_string()], |row| row.get(0))
        .optional()?;
    Ok(word
        .and_then(|w| w.parse().ok())
        .unwrap_or(PrivacyLevel::Balanced))
}

/// Where a check-in's notes go: `(shared, private)`. At the `private` level the gratitude note is
/// the author's alone; a private note is always private; both private ones are kept together.
pub(crate) fn split_notes(
    level: PrivacyLevel,
    note: Option<&str>,
    private_note: Option<&str>,
) -> (Option<String>, Option<String>) {
    match level {
        PrivacyLevel::Private => {
            let kept: Vec<&str> = note.into_iter().chain(private_note).collect();
            (None, (!kept.is_empty()).then(|| kept.join("\n\n")))
        }
        PrivacyLevel::Balanced | PrivacyLevel::Open => {
            (note.map(str::to_owned), private_note.map(str::to_owned))
        }
    }
}

// Forms.

/// A private note on a check-in: trimmed, empty is none, as long as a gratitude note may be.
pub fn private_note(text: &str) -> Result<Option<String>, FormError> {
    Ok(optional_text(
        "private note",
        text,
        CheckinForm::GRATITUDE_MAX_CHARS,
    )?)
}

// Reads.

impl Store {
    /// The local person's own private records (from their own document), or none before a profile.
    fn own_private_document(&self) -> Result<Option<(UserId, doc::Document)>> {
        let Some(me) = self.local_user()? else {
            return Ok(None);
        };
        Ok(self.read_document(DocAddress::User(me))?.map(|d| (me, d)))
    }

    /// The local person's private notes on their check-ins in `relationship`, by day.
    pub(crate) fn private_checkin_notes(
        &self,
        relationship: RelationshipId,
    ) -> Result<BTreeMap<String, String>> {
        let Some((_, own)) = self.own_private_document()? else {
            return Ok(BTreeMap::new());
        };
        let relationship = relationship.to_string();
        Ok(PrivateCheckinNote::list(&own)
            .into_iter()
            .filter(|n| n.relationship_id == relationship)
            .map(|n| (n.date, n.text))
            .collect())
    }

    /// The local person's private talk-log entries in `relationship`.
    pub(crate) fn private_log(&self, relationship: RelationshipId) -> Result<Vec<LogView>> {
        let Some((_, own)) = self.own_private_document()? else {
            return Ok(Vec::new());
        };
        let relationship = relationship.to_string();
        Ok(PrivateLogEntry::list(&own)
            .into_iter()
            .filter(|e| e.relationship_id == relationship)
            .map(|e| LogView {
                id: e.id,
                communication_type: e.communication_type,
                topic: e.topic,
                outcome: e.outcome,
                duration_minutes: e.duration_minutes,
                when: e.when,
                follow_up_needed: e.follow_up_needed,
                private: true,
            })
            .collect())
    }
}

// Actions.

impl Store {
    /// Takes back the local person's private note on their check-in of `date`, if there is one
    /// (the app's form says the whole check-in, so an emptied field means "no note").
    pub fn clear_private_checkin_note(
        &mut self,
        date: jiff::civil::Date,
        now: Timestamp,
    ) -> Result<()> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(());
        };
        if !self
            .private_checkin_notes(relationship)?
            .contains_key(&date.to_string())
        {
            return Ok(());
        }
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            tx.change(DocAddress::User(user), |d| {
                doc::put_private_checkin_note(d, relationship, date, None, now)
            })
        })
    }

    /// Adds a talk-log entry only the local person sees (in their own document); returns its id.
    pub fn add_private_log(&mut self, input: &LogInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::User(user), |d| {
                doc::add_private_log(d, id, relationship, input)
            })?;
            Ok(id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_sends_notes_where_it_says() {
        use PrivacyLevel::*;
        assert_eq!(
            split_notes(Balanced, Some("thanks"), None),
            (Some("thanks".into()), None)
        );
        assert_eq!(
            split_notes(Open, Some("thanks"), Some("mine")),
            (Some("thanks".into()), Some("mine".into()))
        );
        assert_eq!(
            split_notes(Private, Some("thanks"), None),
            (None, Some("thanks".into()))
        );
        assert_eq!(
            split_notes(Private, Some("thanks"), Some("mine")),
            (None, Some("thanks\n\nmine".into()))
        );
        assert_eq!(split_notes(Private, None, None), (None, None));
    }
}
