//! Important dates (anniversaries, birthdays, trips), with countdowns and reminders a set number of
//! days before (raised into the inbox by `inbox`, shown on Today).

use jiff::Timestamp;
use jiff::civil::Date;
use together_core::document::{self as doc, Collection, DateInput, DocAddress};
use together_core::domain::{self, parse_date, required_text};
use together_core::ids::{RecordId, RelationshipId};
use together_core::rules::reminder_due;
use together_core::view::{DateForm, DateView};

use super::{record_id, word_or_other};
use crate::error::{FormError, Result, StoreError};
use crate::profile::require_user;
use crate::relationship::require_relationship;
use crate::store::Store;
use crate::store::write::WriteTx;

// Reads.

impl Store {
    /// The current relationship's important dates, soonest first, with countdowns.
    pub fn dates(&self, now: Timestamp) -> Result<Vec<DateView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let today = self.local_today(now)?;
        let mut dates = crate::store::rows(
            self.conn(),
            "SELECT id, event_name, event_type, date_value, is_recurring, reminder_days_before
             FROM important_dates WHERE relationship_id = ?1 ORDER BY date_value, id",
            [relationship.to_string()],
            |row| {
                Ok(DateView {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    event_type: row.get(2)?,
                    date: row.get(3)?,
                    recurring: row.get(4)?,
                    reminder_days_before: row.get(5)?,
                    next_on: None,
                    days_until: None,
                })
            },
        )?;
        for date in &mut dates {
            let Ok(value) = date.date.parse::<Date>() else {
                continue;
            };
            if let Some(next) = reminder_due(value, date.recurring, 366, today) {
                date.next_on = Some(next.to_string());
                date.days_until = Some(i64::from((next - today).get_days()));
            }
        }
        dates.sort_by_key(|d| (d.days_until.is_none(), d.days_until));
        Ok(dates)
    }
}

/// How a date coming up reads, `days` ahead: "Anniversary is tomorrow". Today's reminders and
/// the inbox's say it the same way.
pub(crate) fn coming_up(name: &str, days: i64) -> String {
    match days {
        0 => format!("{name} is today"),
        1 => format!("{name} is tomorrow"),
        n => format!("{name} is in {n} days"),
    }
}

// Forms.

/// An important date.
pub fn form(form: &DateForm) -> Result<DateInput, FormError> {
    Ok(DateInput {
        date: parse_date("date", &form.date)?,
        name: required_text("name", &form.name, DateForm::NAME_MAX_CHARS)?,
        event_type: word_or_other(&form.event_type)?,
        recurring: form.recurring,
        reminder_days_before: form
            .reminder_days_before
            .map(|d| domain::in_range("reminder days", d, 0, DateForm::REMINDER_MAX_DAYS))
            .transpose()?,
    })
}

// Actions.

impl Store {
    /// Adds an important date; returns its id.
    pub fn add_date(&mut self, input: &DateInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::add_date(d, id, input)
            })?;
            crate::challenges::settle(tx, relationship, user)?;
            Ok(id)
        })
    }
}

impl Store {
    /// Changes an important date of the current relationship. Edits on both devices merge field
    /// by field; a delete on the other device wins.
    pub fn edit_date(&mut self, id: RecordId, input: &DateInput, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            ensure_date(tx, id, relationship)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::edit_date(d, id, input)
            })
        })
    }

    /// Deletes an important date of the current relationship, for both partners.
    pub fn delete_date(&mut self, id: RecordId, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let relationship = require_relationship(tx)?;
            ensure_date(tx, id, relationship)?;
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::delete_record(d, Collection::Dates, &id.to_string())
            })
        })
    }
}

/// Refuses an id that is not one of the relationship's dates, in words.
fn ensure_date(tx: &WriteTx<'_>, id: RecordId, relationship: RelationshipId) -> Result<()> {
    let known: bool = tx.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM important_dates WHERE id = ?1 AND relationship_id = ?2)",
        [id.to_string(), relationship.to_string()],
        |row| row.get(0),
    )?;
    if known {
        Ok(())
    } else {
        Err(StoreError::Missing(format!(
            "there is no date with id {id}; it may have been removed on your partner's device"
        )))
    }
}

// Screen operations.

/// The Dates screen's "Add": the date added (its reminder raised at once when due), and the list.
pub fn add(store: &mut Store, date: &DateForm, now: Timestamp) -> Result<Vec<DateView>> {
    let input = form(date)?;
    store.add_date(&input, now)?;
    store.refresh_reminders(now)?;
    store.dates(now)
}

/// The Dates screen's "Save changes": the date edited (its reminder raised at once when now
/// due), and the list.
pub fn edit(store: &mut Store, id: &str, date: &DateForm, now: Timestamp) -> Result<Vec<DateView>> {
    let (id, input) = (record_id(id)?, form(date)?);
    store.edit_date(id, &input, now)?;
    store.refresh_reminders(now)?;
    store.dates(now)
}

/// The Dates screen's "Delete" (after the confirmation): the date gone, and the list.
pub fn delete(store: &mut Store, id: &str, now: Timestamp) -> Result<Vec<DateView>> {
    store.delete_date(record_id(id)?, now)?;
    store.dates(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_must_exist_and_countdowns_read_like_sentences() {
        let feb30 = DateForm {
            name: "Odd".into(),
            date: "2026-02-30".into(),
            ..DateForm::default()
        };
        assert!(form(&feb30).is_err());
        let far = DateForm {
            name: "Trip".into(),
            date: "2026-12-01".into(),
            reminder_days_before: Some(DateForm::REMINDER_MAX_DAYS + 1),
            ..DateForm::default()
        };
        assert!(
            form(&far)
                .unwrap_err()
                .to_string()
                .contains("reminder days")
        );
        assert_eq!(coming_up("Trip", 1), "Trip is tomorrow");
        assert_eq!(coming_up("Trip", 5), "Trip is in 5 days");
    }
}
