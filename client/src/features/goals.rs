//! Shared goals: a target count both partners step towards (their steps add up, even offline), and
//! a note to the partner when one is reached.

use jiff::Timestamp;
use jiff::civil::Date;
use together_core::document::{self as doc, DocAddress, GoalInput, NotificationInput};
use together_core::domain::{self, InvalidInput, required_text};
use together_core::ids::{RecordId, RelationshipId, UserId, derived};
use together_core::view::{GoalForm, GoalView};

use super::{optional_date, record_id, word_or_other};
use crate::error::{FormError, Result, StoreError};
use crate::profile::require_user;
use crate::relationship::require_relationship;
use crate::store::write::WriteTx;
use crate::store::{Store, rows};

/// The most steps one move of a goal may add or take back.
pub const MAX_STEP: i64 = 1000;

// Reads.

impl Store {
    /// The current relationship's goals, oldest first.
    pub fn goals(&self) -> Result<Vec<GoalView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        rows(
            self.conn(),
            "SELECT id, goal_name, goal_type, target_count, current_progress, status
             FROM shared_goals WHERE relationship_id = ?1 ORDER BY id",
            [relationship.to_string()],
            |row| {
                Ok(GoalView {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    goal_type: row.get(2)?,
                    target_count: row.get(3)?,
                    // Steps made on both devices offline at once may overshoot: a reached goal
                    // reads as its target.
                    current_progress: row.get::<_, i64>(4)?.min(row.get(3)?),
                    status: row.get(5)?,
                })
            },
        )
    }
}

// Forms.

/// A shared goal. It starts on the form's start date, else `today`; its target date may not come
/// before its start.
pub fn form(form: &GoalForm, today: Date) -> Result<GoalInput, FormError> {
    let start = optional_date("start date", &form.start_date)?;
    let target_date = optional_date("target date", &form.target_date)?;
    if let Some(end) = target_date {
        match start {
            Some(start) if end < start => {
                return Err(FormError::new(format!(
                    "the target date {end} is before the start date {start}"
                )));
            }
            None if end < today => {
                return Err(FormError::new(format!(
                    "the target date {end} has already passed"
                )));
            }
            _ => {}
        }
    }
    Ok(GoalInput {
        name: required_text("goal name", &form.name, GoalForm::NAME_MAX_CHARS)?,
        goal_type: word_or_other(&form.goal_type)?,
        target_count: domain::in_range("target", form.target_count, 1, GoalForm::TARGET_MAX)?,
        start_date: Some(start.unwrap_or(today)),
        target_date,
    })
}

/// One move of a goal: `by` steps forward (negative to correct a mistake), never 0.
pub fn step(by: i64) -> Result<i64, FormError> {
    let by = domain::in_range("step", by, -MAX_STEP, MAX_STEP)?;
    if by == 0 {
        return Err(FormError::new("a step cannot be 0"));
    }
    Ok(by)
}

// Actions.

impl Store {
    /// Adds a shared goal; returns its id.
    pub fn add_goal(&mut self, input: &GoalInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_goal(d, id, input, now)
            })?;
            crate::challenges::settle(tx, relationship, user)?;
            Ok(id)
        })
    }

    /// Moves a goal of the current relationship forward by `by` steps.
    pub fn progress_goal(&mut self, id: RecordId, by: i64, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            let user = require_user(tx)?;
            let Some(was_reached) = goal_reached(tx, id, relationship)? else {
                return Err(StoreError::NotFound {
                    what: "goal",
                    id: id.to_string(),
                });
            };
            let by = step_back_from_what_shows(tx, id, by)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::progress_goal(d, id, by)
            })?;
            if was_reached && by > 0 {
                return Err(StoreError::Invalid(InvalidInput::Inconsistent(
                    "this goal is reached already; a step back (-1) corrects a mistake".into(),
                )));
            }
            crate::usage::record(
                tx,
                user,
                Some(relationship),
                crate::usage::UsageEvent::GoalProgressed,
                crate::usage::EventData::default(),
            )?;
            crate::challenges::settle(tx, relationship, user)
        })
    }
}

/// A step back counts from what the goal shows: from its target when offline steps overshot it
/// (so "Undo" on a reached goal always un-reaches it), and never below zero (where there is
/// nothing to take back).
fn step_back_from_what_shows(tx: &WriteTx<'_>, id: RecordId, by: i64) -> Result<i64> {
    if by >= 0 {
        return Ok(by);
    }
    let (progress, target): (i64, i64) = tx.conn.query_row(
        "SELECT current_progress, target_count FROM shared_goals WHERE id = ?1",
        [id.to_string()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let shown = progress.clamp(0, target.max(0));
    if shown == 0 {
        return Err(StoreError::Invalid(InvalidInput::Inconsistent(
            "this goal has no step to take back yet".into(),
        )));
    }
    let back = by.max(-shown);
    Ok(back - (progress - shown).max(0))
}

/// Tells the local person of every reached goal of the relationship, once each: the
/// notification's key is derived from the goal and the person, so whichever device saw the goal
/// reached (the one that took the last step, or the one that merged it), each partner gets
/// "Goal reached" exactly once, even when two of their devices raise it offline.
pub(crate) fn announce_reached(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
) -> Result<()> {
    let reached: Vec<(String, String)> = {
        let mut stmt = tx.conn.prepare_cached(
            "SELECT g.id, g.goal_name FROM shared_goals g
             WHERE g.relationship_id = ?1 AND g.status = 'completed'",
        )?;
        stmt.query_map([relationship.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<Result<_, _>>()?
    };
    for (goal, name) in reached {
        let key = derived(&["goal_reached", &goal, &me.to_string()]).to_string();
        let known: bool = tx.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM notifications WHERE id = ?1)",
            [&key],
            |row| row.get(0),
        )?;
        if known {
            continue;
        }
        let input = NotificationInput {
            recipient: me,
            notification_type: "goal_reached",
            title: format!("Goal reached: {name}"),
            message: "You did it, together.".to_owned(),
            priority: "normal",
            subject: None,
        };
        let now = tx.now;
        let year = now.to_zoned(jiff::tz::TimeZone::UTC).date().year();
        tx.change(DocAddress::Series(relationship, year), |d| {
            doc::add_notification(d, &key, &input, now)
        })?;
    }
    Ok(())
}

/// Whether the relationship's goal `id` is reached; `None` when it has no such goal.
fn goal_reached(
    tx: &WriteTx<'_>,
    id: RecordId,
    relationship: RelationshipId,
) -> Result<Option<bool>> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .conn
        .query_row(
            "SELECT status = 'completed' FROM shared_goals WHERE id = ?1 AND relationship_id = ?2",
            [id.to_string(), relationship.to_string()],
            |row| row.get(0),
        )
        .optional()?)
}

// Screen operations.

/// The Goals screen's "Add goal": the goal added (starting today), and the list as it is now.
pub fn add(store: &mut Store, goal: &GoalForm, now: Timestamp) -> Result<Vec<GoalView>> {
    let input = form(goal, store.local_today(now)?)?;
    store.add_goal(&input, now)?;
    store.goals()
}

/// The Goals screen's "+1" (both partners' steps add up): the goal moved, and the list.
pub fn progress(store: &mut Store, id: &str, by: i64, now: Timestamp) -> Result<Vec<GoalView>> {
    let (id, by) = (record_id(id)?, step(by)?);
    store.progress_goal(id, by, now)?;
    store.goals()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walks(target_date: &str, start_date: &str) -> GoalForm {
        GoalForm {
            name: "Walks".into(),
            goal_type: String::new(),
            target_count: 5,
            target_date: target_date.into(),
            start_date: start_date.into(),
        }
    }

    #[test]
    fn a_goal_starts_today_and_may_not_end_before_it_starts() {
        let day = jiff::civil::date(2026, 11, 25);
        let past = walks("2026-01-01", "");
        assert!(form(&past, day).unwrap_err().to_string().contains("passed"));
        let early = walks("2026-01-01", "2026-02-01");
        assert!(
            form(&early, day)
                .unwrap_err()
                .to_string()
                .contains("before the start")
        );
        let input = form(&walks("", ""), day).unwrap();
        assert_eq!(input.start_date, Some(day));
        assert_eq!(input.goal_type.as_str(), "other");
        let zero = GoalForm {
            target_count: 0,
            ..walks("", "")
        };
        assert!(
            form(&zero, day)
                .unwrap_err()
                .to_string()
                .contains("between 1 and")
        );
    }

    #[test]
    fn a_step_is_bounded_and_never_zero() {
        assert_eq!(step(1).unwrap(), 1);
        assert_eq!(step(-MAX_STEP).unwrap(), -MAX_STEP);
        assert!(step(0).unwrap_err().to_string().contains("cannot be 0"));
        assert!(step(MAX_STEP + 1).is_err());
    }
}
