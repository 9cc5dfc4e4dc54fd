//! The app frame, Today, the profile and History.

use tauri::State;
use together_client::{checkins, history, overview as frame, profile, relationship};
use together_core::view::{
    AppOverview, CheckinForm, HistoryView, ProfileForm, RelationshipDatesForm, RelationshipForm,
    TodayView,
};

use super::now;
use crate::error::CommandError;
use crate::shell::Shell;

/// Who is here, where data syncs and how: decides onboarding and the sync indicator.
#[tauri::command]
pub(crate) fn overview(shell: State<'_, Shell>) -> Result<AppOverview, CommandError> {
    shell.first_screen();
    let worker = shell.worker().map(|w| w.status());
    shell.with_store_and_secrets(|store, secrets| {
        Ok(frame::overview(
            store,
            secrets,
            worker,
            shell.launch_server(),
            now(),
        )?)
    })
}

/// The Today screen on the person's local day.
#[tauri::command]
pub(crate) fn today_view(shell: State<'_, Shell>) -> Result<TodayView, CommandError> {
    shell.with_store(|store| Ok(store.today_view(now())?))
}

/// Saves (or corrects) today's check-in.
#[tauri::command]
pub(crate) fn check_in(
    shell: State<'_, Shell>,
    form: CheckinForm,
) -> Result<TodayView, CommandError> {
    shell.with_store(|store| Ok(checkins::check_in(store, &form, now())?))
}

/// Creates or updates the person's profile; with `start_space`, also the couple's space (with
/// the day they got together, when given).
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn save_profile(
    shell: State<'_, Shell>,
    form: ProfileForm,
    start_space: bool,
    start_date: Option<String>,
) -> Result<AppOverview, CommandError> {
    let space = start_space.then(|| RelationshipForm {
        start_date: start_date.unwrap_or_default(),
        ..RelationshipForm::default()
    });
    shell.with_store(|store| Ok(profile::save(store, &form, space.as_ref(), now())?))?;
    overview(shell)
}

/// The couple's dates (start, anniversary) for Settings; `None` before a relationship exists.
#[tauri::command]
pub(crate) fn relationship_dates(
    shell: State<'_, Shell>,
) -> Result<Option<RelationshipDatesForm>, CommandError> {
    shell.with_store(|store| Ok(store.relationship_dates()?))
}

/// Saves the couple's dates (either partner may).
#[tauri::command]
pub(crate) fn save_relationship_dates(
    shell: State<'_, Shell>,
    form: RelationshipDatesForm,
) -> Result<RelationshipDatesForm, CommandError> {
    shell.with_store(|store| Ok(relationship::save_dates(store, &form, now())?))
}

/// History over the last `days` days (a year needs Premium).
#[tauri::command(rename_all = "snake_case")]
pub(crate) fn history(shell: State<'_, Shell>, days: i64) -> Result<HistoryView, CommandError> {
    shell.with_store(|store| Ok(history::view(store, days, now())?))
}
