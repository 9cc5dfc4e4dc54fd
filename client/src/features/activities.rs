//! Activities the couple plans and does together: planned, completed, and rated by each partner in
//! their own field.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use together_core::document::{self as doc, ActivityInput, DocAddress};
use together_core::domain::{self, InvalidInput, Rating, required_text};
use together_core::ids::RecordId;
use together_core::view::{ActivityForm, ActivityView};

use super::{optional_date, record_id, word_or_other};
use crate::error::{FormError, Result, StoreError};
use crate::profile::require_user;
use crate::relationship::require_relationship;
use crate::store::write::WriteTx;
use crate::store::{Store, rows};

// Reads.

impl Store {
    /// The current relationship's activities, oldest first, with the local person's rating and
    /// the partner's: **the rating reveal**, the partner's rating shows once the person rated too.
    pub fn activities(&self) -> Result<Vec<ActivityView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let me = self.local_user()?.map(|u| u.to_string());
        let i_am_second: bool = self
            .conn()
            .query_row(
                "SELECT user_2_id IS NOT NULL AND user_2_id = ?2 FROM relationships WHERE id = ?1",
                (relationship.to_string(), &me),
                |row| row.get(0),
            )
            .unwrap_or(false);
        rows(
            self.conn(),
            "SELECT id, activity_name, activity_type, status, planned_date, completed_date,
                    satisfaction_rating_user1, satisfaction_rating_user2, duration_minutes,
                    cost_amount
             FROM activities WHERE relationship_id = ?1 ORDER BY id",
            [relationship.to_string()],
            |row| {
                let (one, two): (Option<i64>, Option<i64>) = (row.get(6)?, row.get(7)?);
                let (mine, theirs) = if i_am_second { (two, one) } else { (one, two) };
                let shown = theirs.filter(|_| mine.is_some());
                let (one, two) = if i_am_second {
                    (shown, mine)
                } else {
                    (mine, shown)
                };
                Ok(ActivityView {
                    my_rating: mine,
                    partner_rating: shown,
                    partner_rated: theirs.is_some(),
                    id: row.get(0)?,
                    name: row.get(1)?,
                    activity_type: row.get(2)?,
                    status: row.get(3)?,
                    planned_date: row.get(4)?,
                    completed_date: row.get(5)?,
                    rating_user1: one,
                    rating_user2: two,
                    duration_minutes: row.get(8)?,
                    cost: row
                        .get::<_, Option<f64>>(9)?
                        .map(|amount| format!("{amount:.2}")),
                })
            },
        )
    }
}

// Forms.

/// A planned activity. A planned day means noon of that day in the person's time `zone`; an RFC
/// 3339 time is taken as it is.
pub fn form(form: &ActivityForm, zone: &TimeZone) -> Result<ActivityInput, FormError> {
    let planned = form.planned_date.trim();
    let planned_date = match planned.parse::<Timestamp>() {
        Ok(moment) => Some(moment),
        Err(_) => optional_date("planned date", planned)?
            .map(|day| {
                day.at(12, 0, 0, 0)
                    .to_zoned(zone.clone())
                    .map(|z| z.timestamp())
                    .map_err(|_| FormError::new(format!("{day} does not exist in your time zone")))
            })
            .transpose()?,
    };
    let cost_cents = if form.cost.trim().is_empty() {
        None
    } else {
        Some(cents(&form.cost)?)
    };
    Ok(ActivityInput {
        name: required_text("activity name", &form.name, ActivityForm::NAME_MAX_CHARS)?,
        activity_type: word_or_other(&form.activity_type)?,
        planned_date,
        duration_minutes: form
            .duration_minutes
            .map(|d| domain::in_range("duration", d, 0, ActivityForm::DURATION_MAX_MINUTES))
            .transpose()?,
        cost_cents,
    })
}

/// An amount such as `42`, `42.5` or `42.50`, in cents (at most 1,000,000.00).
pub fn cents(text: &str) -> Result<i64, FormError> {
    let bad = || FormError::new(format!("{text:?} is not an amount such as 42.50"));
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(fraction))
        .filter(|c| *c <= 100_000_000)
        .ok_or_else(bad)
}

// Actions.

impl Store {
    /// Adds an activity; returns its id.
    pub fn add_activity(&mut self, input: &ActivityInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_activity(d, id, user, input, now)
            })?;
            // Only a dated plan goes in a calendar.
            let ask = if input.planned_date.is_some() {
                "Have a look, and add it to your calendar."
            } else {
                "Have a look, and pick a day together."
            };
            crate::inbox::notify_partner_about(
                tx,
                relationship,
                user,
                "activity_planned",
                Some(id.to_string()),
                |name| (format!("{name} planned: {}", input.name), ask.to_owned()),
            )?;
            Ok(id)
        })
    }

    /// Marks an activity of the current relationship done at `when`.
    pub fn complete_activity(
        &mut self,
        id: RecordId,
        when: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            ensure_activity(tx, id, relationship)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::complete_activity(d, id, when)
            })?;
            crate::challenges::settle(tx, relationship, user)
        })
    }

    /// Records the local person's own rating of an activity of the current relationship.
    pub fn rate_activity(&mut self, id: RecordId, rating: Rating, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            ensure_activity(tx, id, relationship)?;
            let done: bool = tx.conn.query_row(
                "SELECT status = 'completed' FROM activities WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )?;
            if !done {
                return Err(StoreError::Invalid(InvalidInput::Inconsistent(
                    "an activity is rated once it is done: mark it done first".into(),
                )));
            }
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::rate_activity(d, id, user, rating)
            })?;
            crate::usage::record(
                tx,
                user,
                Some(relationship),
                crate::usage::UsageEvent::ActivityRated,
                crate::usage::EventData::default(),
            )?;
            // No number: the partner sees it once they rated too.
            crate::inbox::notify_partner_about(
                tx,
                relationship,
                user,
                "activity_rated",
                Some(id.to_string()),
                |name| {
                    (
                        format!("{name} rated an activity"),
                        "Add your own rating to see theirs.".to_owned(),
                    )
                },
            )
        })
    }
}

impl Store {
    /// Changes an activity of the current relationship (its details; done and ratings stay).
    /// Edits on both devices merge field by field; a delete on the other device wins.
    pub fn edit_activity(
        &mut self,
        id: RecordId,
        input: &ActivityInput,
        now: Timestamp,
    ) -> Result<()> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            ensure_activity(tx, id, relationship)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::edit_activity(d, id, input)
            })
        })
    }

    /// Deletes an activity of the current relationship, for both partners (a tombstone: it wins
    /// over an edit made meanwhile on the other device).
    pub fn delete_activity(&mut self, id: RecordId, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            ensure_activity(tx, id, relationship)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::delete_record(
                    d,
                    together_core::document::Collection::Activities,
                    &id.to_string(),
                )
            })
        })
    }
}

/// Refuses an id that is not one of the relationship's activities, in words.
fn ensure_activity(
    tx: &WriteTx<'_>,
    id: RecordId,
    relationship: together_core::ids::RelationshipId,
) -> Result<()> {
    let known: bool = tx.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM activities WHERE id = ?1 AND relationship_id = ?2)",
        [id.to_string(), relationship.to_string()],
        |row| row.get(0),
    )?;
    if known {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            what: "activity",
            id: id.to_string(),
        })
    }
}

// Screen operations.

/// The Activities screen's "Plan": the activity added, and the list as it is now.
pub fn plan(
    store: &mut Store,
    activity: &ActivityForm,
    now: Timestamp,
) -> Result<Vec<ActivityView>> {
    let input = form(activity, &store.local_zone()?)?;
    store.add_activity(&input, now)?;
    store.activities()
}

/// The Activities screen's "Done": the activity completed now, and the list.
pub fn complete(store: &mut Store, id: &str, now: Timestamp) -> Result<Vec<ActivityView>> {
    store.complete_activity(record_id(id)?, now, now)?;
    store.activities()
}

/// The Activities screen's stars: the person's own rating (1–5), and the list.
pub fn rate(store: &mut Store, id: &str, rating: i64, now: Timestamp) -> Result<Vec<ActivityView>> {
    let (id, rating) = (
        record_id(id)?,
        Rating::new(rating).map_err(FormError::from)?,
    );
    store.rate_activity(id, rating, now)?;
    store.activities()
}

/// The Activities screen's "Save changes": the activity edited, and the list.
pub fn edit(
    store: &mut Store,
    id: &str,
    activity: &ActivityForm,
    now: Timestamp,
) -> Result<Vec<ActivityView>> {
    let (id, input) = (record_id(id)?, form(activity, &store.local_zone()?)?);
    store.edit_activity(id, &input, now)?;
    store.activities()
}

/// The Activities screen's "Delete" (after the confirmation): the activity gone, and the list.
pub fn delete(store: &mut Store, id: &str, now: Timestamp) -> Result<Vec<ActivityView>> {
    store.delete_activity(record_id(id)?, now)?;
    store.activities()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_cents() {
        assert_eq!(cents("42").unwrap(), 4200);
        assert_eq!(cents("42.5").unwrap(), 4250);
        assert_eq!(cents("0.07").unwrap(), 7);
        for bad in ["-1", "1.234", "abc", ".5", "1e3"] {
            assert!(cents(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_planned_day_is_noon_where_the_person_lives_and_a_time_is_kept() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let picnic = |planned: &str| ActivityForm {
            name: "Picnic".into(),
            activity_type: String::new(),
            planned_date: planned.into(),
            duration_minutes: Some(90),
            cost: String::new(),
        };
        let day = form(&picnic("2026-12-01"), &paris).unwrap();
        assert_eq!(
            day.planned_date.unwrap().to_string(),
            "2026-12-01T11:00:00Z"
        );
        let moment = form(&picnic("2026-12-01T00:00:00Z"), &paris).unwrap();
        assert_eq!(
            moment.planned_date.unwrap().to_string(),
            "2026-12-01T00:00:00Z"
        );
        let costly = ActivityForm {
            cost: "12.5".into(),
            ..picnic("")
        };
        assert_eq!(form(&costly, &paris).unwrap().cost_cents, Some(1250));
        let odd = ActivityForm {
            activity_type: "skydiving".into(),
            ..picnic("")
        };
        assert!(
            form(&odd, &paris)
                .unwrap_err()
                .to_string()
                .contains("not a valid activity type")
        );
    }
}
