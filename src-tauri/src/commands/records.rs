//! The couple's records: activities, goals, dates, talk log, challenges, achievements and the
//! notification inbox.

use tauri::State;
use together_client::talk_log;
use together_client::{activities, challenges as challenge, dates as date, goals as goal, inbox};
use together_core::view::{
    AchievementView, ActivityForm, ActivityView, ChallengeView, DateForm, DateView, GoalForm,
    GoalView, LogForm, LogView, NotificationView, ParticipationView,
};

use super::now;
use crate::error::CommandError;
use crate::shell::Shell;

/// The couple's activities.
#[tauri::command]
pub(crate) fn activities(shell: State<'_, Shell>) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(store.activities()?))
}

/// Plans an activity.
#[tauri::command]
pub(crate) fn plan_activity(
    shell: State<'_, Shell>,
    form: ActivityForm,
) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(activities::plan(store, &form, now())?))
}

/// Marks an activity done now.
#[tauri::command]
pub(crate) fn complete_activity(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(activities::complete(store, &id, now())?))
}

/// The person's rating (1–5) of an activity; each partner rates separately.
#[tauri::command]
pub(crate) fn rate_activity(
    shell: State<'_, Shell>,
    id: String,
    rating: i64,
) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(activities::rate(store, &id, rating, now())?))
}

/// Changes an activity's details.
#[tauri::command]
pub(crate) fn edit_activity(
    shell: State<'_, Shell>,
    id: String,
    form: ActivityForm,
) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(activities::edit(store, &id, &form, now())?))
}

/// Deletes an activity, for both partners.
#[tauri::command]
pub(crate) fn delete_activity(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(activities::delete(store, &id, now())?))
}

/// The couple's goals.
#[tauri::command]
pub(crate) fn goals(shell: State<'_, Shell>) -> Result<Vec<GoalView>, CommandError> {
    shell.with_store(|store| Ok(store.goals()?))
}

/// Adds a shared goal.
#[tauri::command]
pub(crate) fn add_goal(
    shell: State<'_, Shell>,
    form: GoalForm,
) -> Result<Vec<GoalView>, CommandError> {
    shell.with_store(|store| Ok(goal::add(store, &form, now())?))
}

/// Moves a goal's progress by `by` (+1 from the button; both partners' steps add up).
#[tauri::command]
pub(crate) fn progress_goal(
    shell: State<'_, Shell>,
    id: String,
    by: i64,
) -> Result<Vec<GoalView>, CommandError> {
    shell.with_store(|store| Ok(goal::progress(store, &id, by, now())?))
}

/// The couple's important dates, soonest first.
#[tauri::command]
pub(crate) fn dates(shell: State<'_, Shell>) -> Result<Vec<DateView>, CommandError> {
    shell.with_store(|store| Ok(store.dates(now())?))
}

/// Adds an important date.
#[tauri::command]
pub(crate) fn add_date(
    shell: State<'_, Shell>,
    form: DateForm,
) -> Result<Vec<DateView>, CommandError> {
    shell.with_store(|store| Ok(date::add(store, &form, now())?))
}

/// Changes an important date.
#[tauri::command]
pub(crate) fn edit_date(
    shell: State<'_, Shell>,
    id: String,
    form: DateForm,
) -> Result<Vec<DateView>, CommandError> {
    shell.with_store(|store| Ok(date::edit(store, &id, &form, now())?))
}

/// Deletes an important date, for both partners.
#[tauri::command]
pub(crate) fn delete_date(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<DateView>, CommandError> {
    shell.with_store(|store| Ok(date::delete(store, &id, now())?))
}

/// The talk log, newest first.
#[tauri::command]
pub(crate) fn talk_log(shell: State<'_, Shell>) -> Result<Vec<LogView>, CommandError> {
    shell.with_store(|store| Ok(store.talk_log()?))
}

/// Logs a conversation.
#[tauri::command]
pub(crate) fn add_log(
    shell: State<'_, Shell>,
    form: LogForm,
) -> Result<Vec<LogView>, CommandError> {
    shell.with_store(|store| Ok(talk_log::add(store, &form, now())?))
}

/// Changes a talk-log entry (its time kept unless the form gives one).
#[tauri::command]
pub(crate) fn edit_log(
    shell: State<'_, Shell>,
    id: String,
    form: LogForm,
) -> Result<Vec<LogView>, CommandError> {
    shell.with_store(|store| Ok(talk_log::edit(store, &id, &form, now())?))
}

/// Deletes a talk-log entry, for both partners.
#[tauri::command]
pub(crate) fn delete_log(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<LogView>, CommandError> {
    shell.with_store(|store| Ok(talk_log::delete(store, &id, now())?))
}

/// The challenge catalogue and the challenges the couple joined.
#[tauri::command]
pub(crate) fn challenges(
    shell: State<'_, Shell>,
) -> Result<(Vec<ChallengeView>, Vec<ParticipationView>), CommandError> {
    shell.with_store(|store| Ok((store.challenges()?, store.participations()?)))
}

/// Joins a challenge from the catalogue.
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn join_challenge(
    shell: State<'_, Shell>,
    challenge_id: String,
) -> Result<Vec<ParticipationView>, CommandError> {
    shell.with_store(|store| Ok(challenge::join(store, &challenge_id, now())?))
}

/// Marks today done in a joined challenge.
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn challenge_done_today(
    shell: State<'_, Shell>,
    participation_id: String,
) -> Result<Vec<ParticipationView>, CommandError> {
    shell.with_store(|store| Ok(challenge::done_today(store, &participation_id, now())?))
}

/// Achievements, earned first.
#[tauri::command]
pub(crate) fn achievements(shell: State<'_, Shell>) -> Result<Vec<AchievementView>, CommandError> {
    shell.with_store(|store| Ok(store.achievements()?))
}

/// The inbox, newest first (raising any date reminder due first).
#[tauri::command]
pub(crate) fn notifications(
    shell: State<'_, Shell>,
) -> Result<Vec<NotificationView>, CommandError> {
    shell.with_store(|store| Ok(inbox::inbox(store, now())?))
}

/// Marks a notification read.
#[tauri::command]
pub(crate) fn mark_read(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<NotificationView>, CommandError> {
    shell.with_store(|store| Ok(inbox::mark_read(store, &id, now())?))
}

/// Marks every notification read ("Mark all read").
#[tauri::command]
pub(crate) fn mark_all_read(
    shell: State<'_, Shell>,
) -> Result<Vec<NotificationView>, CommandError> {
    shell.with_store(|store| Ok(inbox::mark_all_read(store, now())?))
}
