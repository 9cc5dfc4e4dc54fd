//! Usage recorded on this device (`together_client::usage`): the screen the UI shows, "Your
//! data" in Settings, deleting it, and the opt-in switch.

use tauri::State;
use together_client::usage;
use together_core::view::UsageSummary;

use super::now;
use crate::error::CommandError;
use crate::shell::Shell;

/// The UI shows `screen` (called on every route change). A name outside the closed list of
/// screens is refused and nothing is stored.
#[tauri::command]
pub(crate) fn usage_screen(shell: State<'_, Shell>, screen: String) -> Result<(), CommandError> {
    shell.with_store(|store| Ok(usage::show_screen(store, &screen, now())?))
}

/// "Your data": what this device recorded in the last 30 days, and whether counts are shared.
#[tauri::command]
pub(crate) fn usage_summary(shell: State<'_, Shell>) -> Result<UsageSummary, CommandError> {
    shell.with_store(|store| Ok(store.usage_summary(now())?))
}

/// "Delete my usage data" (after the screen's confirmation); answers "Your data" as it is now.
#[tauri::command]
pub(crate) fn delete_usage(shell: State<'_, Shell>) -> Result<UsageSummary, CommandError> {
    shell.with_store(|store| Ok(store.delete_usage(now())?))
}

/// The opt-in switch: on, this device uploads a day's per-feature counts once a day.
#[tauri::command]
pub(crate) fn set_analytics(
    shell: State<'_, Shell>,
    enabled: bool,
) -> Result<UsageSummary, CommandError> {
    shell.with_store(|store| {
        store.set_analytics_opt_in(enabled, now())?;
        Ok(store.usage_summary(now())?)
    })
}
