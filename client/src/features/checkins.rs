//! The daily check-in (connection, mood, satisfaction, gratitude) and the **reveal rule**: a
//! partner's check-in for a day is shown only once the person checked in that day too. The rule
//! lives in the one read below, so no screen, command or export can show more.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::OptionalExtension;
use together_core::document::{self as doc, CheckinInput, DocAddress};
use together_core::domain::{InvalidInput, Score, optional_text, parse_date};
use together_core::ids::{RecordId, RelationshipId};
use together_core::view::{CheckinForm, CheckinView, TodayView};

use crate::error::{FormError, Result};
use crate::profile::require_user;
use crate::relationship::require_relationship;
use crate::store::write::WriteTx;
use crate::store::{Store, analytics, rows};

// Reads.

impl Store {
    /// The check-ins of the current relationship the local person may see, newest day first: all of
    /// their own, and their partner's on the days they checked in too.
    pub fn visible_checkins(&self) -> Result<Vec<CheckinView>> {
        match self.current_relationship()? {
            Some(relationship) => self.visible_checkins_of(relationship),
            None => Ok(Vec::new()),
        }
    }

    /// Like [`Store::visible_checkins`], for any relationship the local person is or was in (an
    /// ended one stays readable).
    pub fn visible_checkins_of(&self, relationship: RelationshipId) -> Result<Vec<CheckinView>> {
        let Some(me) = self.local_user()? else {
            return Ok(Vec::new());
        };
        let me = me.to_string();
        let mut private_notes = self.private_checkin_notes(relationship)?;
        // The reveal rule, unless the couple chose the `open` level (see `crate::privacy`).
        let mut checkins = rows(
            self.conn(),
            "SELECT c.id, c.user_id, c.checkin_date, c.connection_score, c.mood_score,
                    c.relationship_satisfaction, c.gratitude_note
             FROM daily_checkins c
             WHERE c.relationship_id = ?1
               AND (c.user_id = ?2 OR EXISTS (
                    SELECT 1 FROM daily_checkins mine
                    WHERE mine.relationship_id = c.relationship_id AND mine.user_id = ?2
                      AND mine.checkin_date = c.checkin_date)
                    OR (SELECT privacy_level FROM relationships WHERE id = ?1) = 'open')
             ORDER BY c.checkin_date DESC, c.user_id",
            (relationship.to_string(), &me),
            |row| {
                let user_id: String = row.get(1)?;
                Ok(CheckinView {
                    id: row.get(0)?,
                    mine: user_id == me,
                    user_id,
                    date: row.get(2)?,
                    connection_score: row.get(3)?,
                    mood_score: row.get(4)?,
                    relationship_satisfaction: row.get(5)?,
                    gratitude_note: row.get(6)?,
                    private_note: None,
                })
            },
        )?;
        for checkin in checkins.iter_mut().filter(|c| c.mine) {
            checkin.private_note = private_notes.remove(&checkin.date);
        }
        Ok(checkins)
    }
}

// Forms.

/// A check-in: for the form's day, or the person's local `today` when it names none (the app
/// always checks in for today).
pub fn form(form: &CheckinForm, today: Date) -> Result<CheckinInput, FormError> {
    let date = if form.date.trim().is_empty() {
        today
    } else {
        parse_date("date", &form.date)?
    };
    // Tomorrow still, for a partner whose day has already turned; never further.
    if date > today.tomorrow().unwrap_or(today) {
        return Err(InvalidInput::Inconsistent(format!(
            "a check-in can be for tomorrow at the latest, not {date}"
        ))
        .into());
    }
    Ok(CheckinInput {
        date,
        connection: Score::new("connection", form.connection)?,
        mood: Score::new("mood", form.mood)?,
        satisfaction: Score::new("satisfaction", form.satisfaction)?,
        note: optional_text(
            "gratitude note",
            &form.gratitude,
            CheckinForm::GRATITUDE_MAX_CHARS,
        )?,
    })
}

// Actions.

impl Store {
    /// Saves the local person's check-in for their local day (a second one that day edits it).
    pub fn checkin(&mut self, input: &CheckinInput, now: Timestamp) -> Result<RecordId> {
        self.checkin_with_private_note(input, None, now)
    }

    /// [`Store::checkin`] with a note only the person sees (kept in their own document, never the
    /// couple's); the couple's privacy level decides where the gratitude note goes
    /// (`crate::privacy`).
    pub fn checkin_with_private_note(
        &mut self,
        input: &CheckinInput,
        private_note: Option<&str>,
        now: Timestamp,
    ) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let (shared_note, private_note) = crate::privacy::split_notes(
                crate::privacy::level(tx.conn, relationship)?,
                input.note.as_deref(),
                private_note,
            );
            let shared = CheckinInput {
                note: shared_note,
                ..input.clone()
            };
            let input = &shared;
            if let Some(start) = started_on(tx, relationship)?
                && input.date < start
            {
                return Err(InvalidInput::Inconsistent(format!(
                    "a check-in cannot be dated {} before your relationship started ({start})",
                    input.date
                ))
                .into());
            }
            let year = input.date.year();
            // The partner's notification travels in the same change as the check-in.
            let notice = crate::inbox::partner_notification(
                tx,
                relationship,
                user,
                "partner_checkin",
                Some(input.date.to_string()),
                |name| {
                    (
                        format!("{name} checked in"),
                        "Check in too to see how they feel today.".to_owned(),
                    )
                },
            )?;
            let id = tx.change(DocAddress::Series(relationship, year), |d| {
                let id = doc::put_checkin(d, user, input, now)?;
                if let Some((key, notice)) = &notice {
                    doc::add_notification(d, key, notice, now)?;
                }
                Ok(id)
            })?;
            if let Some(text) = &private_note {
                tx.change(DocAddress::User(user), |d| {
                    doc::put_private_checkin_note(d, relationship, input.date, Some(text), now)
                })?;
            }
            // The daily check-in flow: the couple's analytics and the person's engagement that day,
            // then whatever the couple earned (the streak as of the check-in's day).
            let rel = relationship.to_string();
            let summary = analytics::refresh_relationship(tx.conn, &rel, input.date)?;
            analytics::refresh_engagement(tx.conn, &user.to_string(), Some(&rel), input.date)?;
            let standing = crate::challenges::Standing {
                streak: summary.as_ref().map_or(0, |s| s.checkin_streak),
                days_together: summary.as_ref().map_or(0, |s| s.days_together),
            };
            crate::challenges::award_achievements(tx, relationship, user, standing)?;
            // The flow's "track event": the streak as it stands, nothing of the check-in itself.
            crate::usage::record(
                tx,
                user,
                Some(relationship),
                crate::usage::UsageEvent::CheckinSaved,
                crate::usage::EventData {
                    streak_days: Some(standing.streak),
                },
            )?;
            Ok(id)
        })
    }
}

/// When the couple says their relationship started, if they said.
fn started_on(tx: &WriteTx<'_>, relationship: RelationshipId) -> Result<Option<Date>> {
    let start: Option<String> = tx
        .conn
        .prepare_cached("SELECT start_date FROM relationships WHERE id = ?1")?
        .query_row([relationship.to_string()], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(start.and_then(|day| day.parse().ok()))
}

// Screen operations.

/// Today's "Save check-in": the check-in for the person's local day (with the private note, if
/// any), and Today as it is now.
pub fn check_in(store: &mut Store, checkin: &CheckinForm, now: Timestamp) -> Result<TodayView> {
    let input = form(checkin, store.local_today(now)?)?;
    let private_note = crate::privacy::private_note(&checkin.private_note)?;
    store.checkin_with_private_note(&input, private_note.as_deref(), now)?;
    // The form says the whole check-in: nothing left to keep privately takes the old note back.
    if let Some(relationship) = store.current_relationship()? {
        let level = crate::privacy::level(store.conn(), relationship)?;
        let (_, kept) =
            crate::privacy::split_notes(level, input.note.as_deref(), private_note.as_deref());
        if kept.is_none() {
            store.clear_private_checkin_note(input.date, now)?;
        }
    }
    store.today_view(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(connection: i64) -> CheckinForm {
        CheckinForm {
            connection,
            mood: 7,
            satisfaction: 9,
            gratitude: "  the soup  ".into(),
            ..CheckinForm::default()
        }
    }

    #[test]
    fn a_bad_score_is_named_and_a_good_form_is_for_today() {
        let day = jiff::civil::date(2026, 11, 25);
        assert!(
            form(&scores(11), day)
                .unwrap_err()
                .to_string()
                .contains("connection")
        );
        let input = form(&scores(8), day).unwrap();
        assert_eq!(input.note.as_deref(), Some("the soup"));
        assert_eq!(input.date, day);
    }

    #[test]
    fn a_named_day_must_exist() {
        let day = jiff::civil::date(2026, 11, 25);
        let on = |date: &str| CheckinForm {
            date: date.into(),
            ..scores(8)
        };
        assert_eq!(
            form(&on("2026-11-20"), day).unwrap().date,
            jiff::civil::date(2026, 11, 20)
        );
        assert!(
            form(&on("2026-02-30"), day)
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
    }
}
