//! "Thinking of you": one tap sends the partner a small gesture (a heart, a hug, "thinking of you",
//! a short line of one's own). It travels as a notification of kind `thinking_of_you` in the
//! couple's series document, so it is end-to-end encrypted like every record, reaches the
//! partner's devices through the live path, and shows in their inbox and as an OS notification
//! (the app's announcer shows every new unread notification once).
//!
//! Rate limits, so it stays sweet: one every [`MIN_GAP`], at most [`PER_DAY`] in any 24 hours. The
//! sender's device enforces them (the server cannot read what it relays).

use jiff::{SignedDuration, Timestamp};
use together_core::document::timestamp_text;
use together_core::domain::{InvalidInput, PingKind, optional_text};
use together_core::ids::{RelationshipId, UserId};
use together_core::view::PingForm;

use super::optional_word;
use crate::error::{FormError, Result, StoreError};
use crate::inbox::notify_partner;
use crate::profile::require_user;
use crate::relationship::{partner_of, require_relationship};
use crate::store::Store;
use crate::store::write::WriteTx;

/// The shortest time between two gestures: a double tap sends one.
pub const MIN_GAP: SignedDuration = SignedDuration::from_secs(30);
/// The most gestures in any 24 hours.
pub const PER_DAY: i64 = 20;

/// The notification kind a gesture travels as.
const KIND: &str = "thinking_of_you";

/// A validated gesture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingInput {
    /// Which gesture.
    pub kind: PingKind,
    /// The sender's own line, if any.
    pub message: Option<String>,
}

// Forms.

/// A gesture as the app's button or `together ping` gave it.
pub fn form(form: &PingForm) -> Result<PingInput, FormError> {
    let kind: Option<PingKind> = optional_word(&form.kind)?;
    Ok(PingInput {
        kind: kind.unwrap_or(PingKind::ThinkingOfYou),
        message: optional_text("message", &form.message, PingForm::MESSAGE_MAX_CHARS)?,
    })
}

/// What the partner reads, for a gesture from `name`.
fn wording(input: &PingInput, name: &str) -> (String, String) {
    let title = match input.kind {
        PingKind::Heart => format!("{name} sent you a heart ♥"),
        PingKind::Hug => format!("{name} sent you a hug"),
        PingKind::ThinkingOfYou => format!("{name} is thinking of you"),
    };
    let message = input
        .message
        .clone()
        .unwrap_or_else(|| "Just because.".to_owned());
    (title, message)
}

/// Refuses a gesture that comes too soon after the last one, or one too many today.
fn check_pace(
    tx: &WriteTx<'_>,
    relationship: RelationshipId,
    partner: UserId,
    now: Timestamp,
) -> Result<()> {
    let since = now
        .checked_sub(SignedDuration::from_hours(24))
        .unwrap_or(now);
    let (sent, last): (i64, Option<String>) = tx
        .conn
        .prepare_cached(
            "SELECT count(*), max(created_at) FROM notifications
             WHERE relationship_id = ?1 AND user_id = ?2 AND notification_type = ?3
               AND created_at >= ?4",
        )?
        .query_row(
            (
                relationship.to_string(),
                partner.to_string(),
                KIND,
                timestamp_text(since),
            ),
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
    let too_soon = last
        .and_then(|last| last.parse::<Timestamp>().ok())
        .is_some_and(|last| now.duration_since(last) < MIN_GAP);
    if too_soon {
        return Err(InvalidInput::Inconsistent(
            "you just sent one: give it a moment to arrive".into(),
        )
        .into());
    }
    if sent >= PER_DAY {
        return Err(InvalidInput::Inconsistent(format!(
            "that is {PER_DAY} today: keep some for tomorrow"
        ))
        .into());
    }
    Ok(())
}

// Reads.

/// A gesture sent or received, for the export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PingRecord {
    /// `sent` (to the partner) or `received`.
    pub direction: &'static str,
    /// What the partner reads ("Alice sent you a hug").
    pub title: String,
    /// The sender's line ("Just because." when none).
    pub message: String,
    /// When (RFC 3339).
    pub created_at: String,
}

impl Store {
    /// The gestures of the current relationship, sent and received, newest first.
    pub fn pings(&self) -> Result<Vec<PingRecord>> {
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(Vec::new());
        };
        let me = me.to_string();
        crate::store::rows(
            self.conn(),
            "SELECT user_id, title, message, created_at FROM notifications
             WHERE relationship_id = ?1 AND notification_type = ?2
             ORDER BY created_at DESC, id DESC",
            (relationship.to_string(), KIND),
            |row| {
                let to: String = row.get(0)?;
                Ok(PingRecord {
                    direction: if to == me { "received" } else { "sent" },
                    title: row.get(1)?,
                    message: row.get(2)?,
                    created_at: row.get(3)?,
                })
            },
        )
    }
}

// Actions.

impl Store {
    /// Sends the partner a small gesture (see the module docs for the pace it keeps).
    pub fn send_ping(&mut self, input: &PingInput, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let me = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let partner = partner_of(tx.conn, relationship, me)?.ok_or_else(|| {
                StoreError::Missing(
                    "there is no partner to send it to yet: invite your partner first".into(),
                )
            })?;
            check_pace(tx, relationship, partner, now)?;
            notify_partner(tx, relationship, me, KIND, |name| wording(input, name))?;
            crate::usage::record(
                tx,
                me,
                Some(relationship),
                crate::usage::UsageEvent::PingSent,
                crate::usage::EventData::default(),
            )?;
            Ok(())
        })
    }
}

// Screen operations.

/// "Send" beside the "Thinking of you" button: validate, then send (refusals in plain words).
pub fn send(store: &mut Store, form_input: &PingForm, now: Timestamp) -> Result<()> {
    let input = form(form_input)?;
    store.send_ping(&input, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_defaults_to_thinking_of_you_and_bounds_the_line() {
        let plain = form(&PingForm::default()).unwrap();
        assert_eq!(plain.kind, PingKind::ThinkingOfYou);
        assert_eq!(plain.message, None);
        let hug = form(&PingForm {
            kind: "hug".into(),
            message: " miss you ".into(),
        })
        .unwrap();
        assert_eq!(
            (hug.kind, hug.message.as_deref()),
            (PingKind::Hug, Some("miss you"))
        );
        let long = PingForm {
            kind: String::new(),
            message: "x".repeat(PingForm::MESSAGE_MAX_CHARS + 1),
        };
        assert!(form(&long).unwrap_err().to_string().contains("message"));
        assert!(
            form(&PingForm {
                kind: "kiss".into(),
                message: String::new()
            })
            .is_err()
        );
    }

    #[test]
    fn the_partner_reads_who_sent_what() {
        let heart = PingInput {
            kind: PingKind::Heart,
            message: None,
        };
        assert_eq!(wording(&heart, "Alice").0, "Alice sent you a heart ♥");
        let line = PingInput {
            kind: PingKind::ThinkingOfYou,
            message: Some("see you at 6".into()),
        };
        assert_eq!(
            wording(&line, "Bob"),
            ("Bob is thinking of you".into(), "see you at 6".into())
        );
    }
}
