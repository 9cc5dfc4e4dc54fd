//! `together activity|log|date edit|delete`: corrections to the couple's records. An edit starts
//! from what the record holds and changes only the flags given, through the same forms as the
//! app; a delete reaches the partner too, and wins over an edit they made meanwhile.

use anyhow::{Result, anyhow};
use serde_json::json;

use super::Cx;
use super::args::{ActivityEditArgs, DateEditArgs, LogEditArgs, parse_moment};
use crate::{activities, dates, talk_log};

/// The record's form as it is now, or a sentence naming the id.
fn current<T>(found: Option<T>, what: &str, id: &str) -> Result<T> {
    found.ok_or_else(|| {
        anyhow!(
            "there is no {what} with id {id}; it may have been removed on your partner's device"
        )
    })
}

/// Says a record was deleted: `deleted ID`, or `{"deleted": ID}`.
fn deleted(cx: &Cx, id: &str) -> Result<()> {
    cx.out.ok(
        json!({ "deleted": id.trim() }),
        &format!("deleted {}", id.trim()),
    )
}

/// `together activity edit ID [--name] [--type] [--planned] [--duration] [--cost]`.
pub(super) fn activity_edit(cx: &mut Cx, a: &ActivityEditArgs) -> Result<()> {
    let id = a.activity_id.trim();
    let found = cx.store.activities()?.into_iter().find(|v| v.id == id);
    let mut form = current(found, "activity", id)?.as_form();
    if let Some(name) = &a.name {
        form.name.clone_from(name);
    }
    if let Some(kind) = &a.r#type {
        form.activity_type.clone_from(kind);
    }
    if let Some(planned) = &a.planned {
        form.planned_date.clone_from(planned);
    }
    if a.duration.is_some() {
        form.duration_minutes = a.duration;
    }
    if let Some(cost) = &a.cost {
        form.cost.clone_from(cost);
    }
    activities::edit(&mut cx.store, id, &form, cx.now)?;
    cx.out.id(id)
}

/// `together activity delete ID`.
pub(super) fn activity_delete(cx: &mut Cx, id: &str) -> Result<()> {
    activities::delete(&mut cx.store, id, cx.now)?;
    deleted(cx, id)
}

/// `together log edit ID [--type] [--topic] [--outcome] [--duration] [--at] [--follow-up B]`.
pub(super) fn log_edit(cx: &mut Cx, a: &LogEditArgs) -> Result<()> {
    let id = a.log_id.trim();
    let found = cx.store.talk_log()?.into_iter().find(|v| v.id == id);
    let mut form = current(found, "talk-log entry", id)?.as_form();
    if let Some(kind) = &a.r#type {
        form.communication_type.clone_from(kind);
    }
    if let Some(topic) = &a.topic {
        form.topic.clone_from(topic);
    }
    if let Some(outcome) = &a.outcome {
        form.outcome.clone_from(outcome);
    }
    if a.duration.is_some() {
        form.duration_minutes = a.duration;
    }
    if let Some(at) = &a.at {
        form.when = parse_moment(at)?.to_string();
    }
    if let Some(follow_up) = a.follow_up {
        form.follow_up_needed = follow_up;
    }
    talk_log::edit(&mut cx.store, id, &form, cx.now)?;
    cx.out.id(id)
}

/// `together log delete ID`.
pub(super) fn log_delete(cx: &mut Cx, id: &str) -> Result<()> {
    talk_log::delete(&mut cx.store, id, cx.now)?;
    deleted(cx, id)
}

/// `together date edit ID [--date] [--name] [--type] [--recurring B] [--remind-days N]`.
pub(super) fn date_edit(cx: &mut Cx, a: &DateEditArgs) -> Result<()> {
    let id = a.date_id.trim();
    let found = cx.store.dates(cx.now)?.into_iter().find(|v| v.id == id);
    let mut form = current(found, "date", id)?.as_form();
    if let Some(date) = &a.date {
        form.date.clone_from(date);
    }
    if let Some(name) = &a.name {
        form.name.clone_from(name);
    }
    if let Some(kind) = &a.r#type {
        form.event_type.clone_from(kind);
    }
    if let Some(recurring) = a.recurring {
        form.recurring = recurring;
    }
    if a.remind_days.is_some() {
        form.reminder_days_before = a.remind_days;
    }
    dates::edit(&mut cx.store, id, &form, cx.now)?;
    cx.out.id(id)
}

/// `together date delete ID`.
pub(super) fn date_delete(cx: &mut Cx, id: &str) -> Result<()> {
    dates::delete(&mut cx.store, id, cx.now)?;
    deleted(cx, id)
}
