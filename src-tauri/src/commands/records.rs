//! The couple's records: activities, goals, dates, talk log, challenges, achievements and the
//! notification inbox.

use tauri::{AppHandle, State};
use together_client::forms;
use together_core::domain::{self, Rating};
use together_core::view::{
    AchievementView, ActivityForm, ActivityView, ChallengeView, DateForm, DateView, GoalForm,
    GoalView, LogForm, LogView, NotificationView, ParticipationView,
};

use super::{changed, known_record, now, today};
use crate::shell::{CommandError, Shell};

/// The couple's activities.
#[tauri::command]
pub(crate) fn activities(shell: State<'_, Shell>) -> Result<Vec<ActivityView>, CommandError> {
    shell.with_store(|store| Ok(store.activities()?))
}

/// Plans an activity.
#[tauri::command]
pub(crate) fn plan_activity(
    shell: State<'_, Shell>,
    app: AppHandle,
    form: ActivityForm,
) -> Result<Vec<ActivityView>, CommandError> {
    let list = shell.with_store(|store| {
        let zone = store
            .profile_summary()?
            .and_then(|p| jiff::tz::TimeZone::get(&p.timezone).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        store.add_activity(&forms::activity(&form, &zone)?, now())?;
        Ok(store.activities()?)
    })?;
    changed(&app);
    Ok(list)
}

fn activity_ids(store: &together_client::Store) -> Result<Vec<String>, CommandError> {
    Ok(store.activities()?.into_iter().map(|a| a.id).collect())
}

/// Marks an activity done now.
#[tauri::command]
pub(crate) fn complete_activity(
    shell: State<'_, Shell>,
    app: AppHandle,
    id: String,
) -> Result<Vec<ActivityView>, CommandError> {
    let list = shell.with_store(|store| {
        let id = known_record(&id, activity_ids(store)?, "activity")?;
        store.complete_activity(id, now(), now())?;
        Ok(store.activities()?)
    })?;
    changed(&app);
    Ok(list)
}

/// The person's rating (1–5) of an activity; each partner rates separately.
#[tauri::command]
pub(crate) fn rate_activity(
    shell: State<'_, Shell>,
    app: AppHandle,
    id: String,
    rating: i64,
) -> Result<Vec<ActivityView>, CommandError> {
    let rating = Rating::new(rating).map_err(forms::FormError::from)?;
    let list = shell.with_store(|store| {
        let id = known_record(&id, activity_ids(store)?, "activity")?;
        store.rate_activity(id, rating, now())?;
        Ok(store.activities()?)
    })?;
    changed(&app);
    Ok(list)
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
    app: AppHandle,
    form: GoalForm,
) -> Result<Vec<GoalView>, CommandError> {
    let list = shell.with_store(|store| {
        store.add_goal(&forms::goal(&form, today(store)?)?, now())?;
        Ok(store.goals()?)
    })?;
    changed(&app);
    Ok(list)
}

/// Moves a goal's progress by `by` (+1 from the button; both partners' steps add up).
#[tauri::command]
pub(crate) fn progress_goal(
    shell: State<'_, Shell>,
    app: AppHandle,
    id: String,
    by: i64,
) -> Result<Vec<GoalView>, CommandError> {
    let by = domain::in_range("step", by, -1000, 1000).map_err(forms::FormError::from)?;
    if by == 0 {
        return Err(CommandError::Invalid("a step cannot be 0".into()));
    }
    let list = shell.with_store(|store| {
        let known = store.goals()?.into_iter().map(|g| g.id);
        let id = known_record(&id, known, "goal")?;
        store.progress_goal(id, by, now())?;
        Ok(store.goals()?)
    })?;
    changed(&app);
    Ok(list)
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
    app: AppHandle,
    form: DateForm,
) -> Result<Vec<DateView>, CommandError> {
    let input = forms::important_date(&form)?;
    let list = shell.with_store(|store| {
        store.add_date(&input, now())?;
        store.refresh_reminders(now())?;
        Ok(store.dates(now())?)
    })?;
    changed(&app);
    Ok(list)
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
    app: AppHandle,
    form: LogForm,
) -> Result<Vec<LogView>, CommandError> {
    let input = forms::log(&form, now())?;
    let list = shell.with_store(|store| {
        store.add_log(&input, now())?;
        Ok(store.talk_log()?)
    })?;
    changed(&app);
    Ok(list)
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
    app: AppHandle,
    challenge_id: String,
) -> Result<Vec<ParticipationView>, CommandError> {
    let list = shell.with_store(|store| {
        let known = store.challenges()?.into_iter().map(|c| c.id);
        let id = known_record(&challenge_id, known, "challenge")?;
        store.join_challenge(&id.to_string(), now())?;
        Ok(store.participations()?)
    })?;
    changed(&app);
    Ok(list)
}

/// Marks today done in a joined challenge.
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn challenge_done_today(
    shell: State<'_, Shell>,
    app: AppHandle,
    participation_id: String,
) -> Result<Vec<ParticipationView>, CommandError> {
    let list = shell.with_store(|store| {
        let known = store.participations()?.into_iter().map(|p| p.id);
        let id = known_record(&participation_id, known, "challenge")?;
        let input = together_core::document::EntryInput {
            participation_id: id,
            date: today(store)?,
            content: None,
            completed: true,
        };
        store.add_challenge_entry(&input, now())?;
        Ok(store.participations()?)
    })?;
    changed(&app);
    Ok(list)
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
    shell.with_store(|store| {
        store.refresh_reminders(now())?;
        Ok(store.notifications()?)
    })
}

/// Marks a notification read.
#[tauri::command]
pub(crate) fn mark_read(
    shell: State<'_, Shell>,
    app: AppHandle,
    id: String,
) -> Result<Vec<NotificationView>, CommandError> {
    let list = shell.with_store(|store| {
        if !store.notifications()?.iter().any(|n| n.id == id) {
            return Err(CommandError::Invalid(
                "this notification no longer exists".into(),
            ));
        }
        store.mark_notification_read(&id, now())?;
        Ok(store.notifications()?)
    })?;
    changed(&app);
    Ok(list)
}
