//! Edits of existing records. An edit writes **only the fields whose value changes**, so two
//! partners editing different fields of one record offline both keep their edit after the merge
//! (Automerge merges field by field; the same field edited on both sides keeps one of the two
//! values, the same one on every device).
//!
//! A delete is a tombstone (`deleted: true`, see [`super::delete_record`]), a field no edit
//! writes: a record deleted on one device and edited on the other stays deleted once they merge.
//! **The delete wins**, on both devices.

use automerge::transaction::Transactable;
use automerge::{ObjId, ScalarValue};
use jiff::Timestamp;
use jiff::civil::Date;

use super::fields::{collection, flag, object, scalar};
use super::write::{ActivityInput, DateInput, LogInput, expect_kind, timestamp_text};
use super::{Collection, DocKind, Document, DocumentError, Result};
use crate::domain::ActivityStatus;
use crate::ids::RecordId;

/// Writes `value` at `key` (or removes the field for `None`) unless it already holds exactly that.
fn put_if_changed(
    doc: &mut Document,
    obj: &ObjId,
    key: &str,
    value: Option<ScalarValue>,
) -> Result<bool> {
    let current = scalar(doc.inner(), obj, key);
    if current == value {
        return Ok(false);
    }
    match value {
        Some(value) => doc.inner_mut().put(obj, key, value)?,
        None => doc.inner_mut().delete(obj, key)?,
    }
    Ok(true)
}

/// A record that exists and is not deleted, marked as touched by the coming edit.
fn live_record(doc: &mut Document, c: Collection, key: &str) -> Result<ObjId> {
    let missing = || DocumentError::NoSuchRecord {
        collection: c.as_str(),
        key: key.to_owned(),
    };
    let parent = collection(doc.inner(), c).ok_or_else(missing)?;
    let obj = if c.is_single() {
        parent
    } else {
        object(doc.inner(), &parent, key).ok_or_else(missing)?
    };
    if flag(doc.inner(), &obj, "deleted") {
        return Err(missing());
    }
    doc.touch(c, key);
    Ok(obj)
}

fn text(value: &str) -> Option<ScalarValue> {
    Some(ScalarValue::Str(value.into()))
}

fn day(value: Option<Date>) -> Option<ScalarValue> {
    value.map(|d| ScalarValue::Str(d.to_string().into()))
}

/// Sets when the couple got together and their anniversary. Either partner may; each date is
/// its own field, so one partner's start date and the other's anniversary both survive a merge.
/// Returns whether anything changed.
pub fn set_relationship_dates(
    doc: &mut Document,
    start_date: Option<Date>,
    anniversary_date: Option<Date>,
    now: Timestamp,
) -> Result<bool> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = live_record(doc, Collection::Profile, "")?;
    let start = put_if_changed(doc, &obj, "start_date", day(start_date))?;
    let anniversary = put_if_changed(doc, &obj, "anniversary_date", day(anniversary_date))?;
    if start || anniversary {
        doc.inner_mut()
            .put(&obj, "updated_at", timestamp_text(now))?;
    }
    Ok(start || anniversary)
}

/// Changes an activity's details (not its status, completion or ratings). A planned day makes an
/// idea planned, and taking it away makes a planned activity an idea again; a done activity
/// stays done.
pub fn edit_activity(doc: &mut Document, id: RecordId, input: &ActivityInput) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = live_record(doc, Collection::Activities, &id.to_string())?;
    put_if_changed(doc, &obj, "name", text(&input.name))?;
    put_if_changed(doc, &obj, "type", text(input.activity_type.as_str()))?;
    put_if_changed(
        doc,
        &obj,
        "planned_date",
        input
            .planned_date
            .map(|t| ScalarValue::Str(timestamp_text(t).into())),
    )?;
    put_if_changed(
        doc,
        &obj,
        "duration_minutes",
        input.duration_minutes.map(ScalarValue::Int),
    )?;
    put_if_changed(
        doc,
        &obj,
        "cost_cents",
        input.cost_cents.map(ScalarValue::Int),
    )?;
    let status = match scalar(doc.inner(), &obj, "status") {
        Some(ScalarValue::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    let planned = ActivityStatus::Planned.as_str();
    let idea = ActivityStatus::Idea.as_str();
    let new_status = match (status.as_str(), input.planned_date.is_some()) {
        (s, true) if s == idea => Some(planned),
        (s, false) if s == planned => Some(idea),
        _ => None,
    };
    if let Some(new_status) = new_status {
        put_if_changed(doc, &obj, "status", text(new_status))?;
    }
    Ok(())
}

/// Changes a talk-log entry (who started it stays). The entry stays in its year's document, so
/// its new time must fall in the same year (the caller checks, with a sentence).
pub fn edit_log(doc: &mut Document, id: RecordId, input: &LogInput) -> Result<()> {
    expect_kind(doc, DocKind::Series)?;
    if let super::DocAddress::Series(_, year) = doc.address() {
        let new_year = input.when.to_zoned(jiff::tz::TimeZone::UTC).date().year();
        if new_year != *year {
            return Err(DocumentError::Refused(format!(
                "a conversation of {year} cannot move to {new_year}: delete it and log it again"
            )));
        }
    }
    let obj = live_record(doc, Collection::Log, &id.to_string())?;
    put_log_fields(doc, &obj, input)
}

/// Changes one of the owner's private talk-log entries (in their own user document, where it
/// stays). Like [`edit_log`], only the fields that change are written.
pub fn edit_private_log(doc: &mut Document, id: RecordId, input: &LogInput) -> Result<()> {
    expect_kind(doc, DocKind::User)?;
    let obj = live_record(doc, Collection::Private, &id.to_string())?;
    if scalar(doc.inner(), &obj, "kind") != text(super::private::TALK) {
        return Err(DocumentError::NoSuchRecord {
            collection: Collection::Private.as_str(),
            key: id.to_string(),
        });
    }
    put_log_fields(doc, &obj, input)
}

/// The fields a talk-log entry's edit writes, shared and private alike.
fn put_log_fields(doc: &mut Document, obj: &ObjId, input: &LogInput) -> Result<()> {
    put_if_changed(doc, obj, "type", text(input.communication_type.as_str()))?;
    put_if_changed(doc, obj, "topic", input.topic.as_deref().and_then(text))?;
    put_if_changed(
        doc,
        obj,
        "outcome",
        input.outcome.map(|o| o.as_str()).and_then(text),
    )?;
    put_if_changed(
        doc,
        obj,
        "duration_minutes",
        input.duration_minutes.map(ScalarValue::Int),
    )?;
    put_if_changed(doc, obj, "date", text(&timestamp_text(input.when)))?;
    put_if_changed(
        doc,
        obj,
        "follow_up",
        Some(ScalarValue::Boolean(input.follow_up_needed)),
    )?;
    Ok(())
}

/// Changes an important date.
pub fn edit_date(doc: &mut Document, id: RecordId, input: &DateInput) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = live_record(doc, Collection::Dates, &id.to_string())?;
    put_if_changed(doc, &obj, "date", day(Some(input.date)))?;
    put_if_changed(doc, &obj, "name", text(&input.name))?;
    put_if_changed(doc, &obj, "type", text(input.event_type.as_str()))?;
    put_if_changed(
        doc,
        &obj,
        "recurring",
        Some(ScalarValue::Boolean(input.recurring)),
    )?;
    put_if_changed(
        doc,
        &obj,
        "reminder_days_before",
        input.reminder_days_before.map(ScalarValue::Int),
    )?;
    Ok(())
}
