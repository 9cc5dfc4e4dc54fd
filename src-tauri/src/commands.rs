//! The IPC commands the UI calls. Each is a few lines over `together-client`.

use tauri::State;
use together_core::view::TodayView;

use crate::shell::{CommandError, Shell};

/// The Today screen's data: who is here and which day it is on this device.
#[tauri::command]
pub(crate) fn today(shell: State<'_, Shell>) -> Result<TodayView, CommandError> {
    let local_date = jiff::Zoned::now().date();
    let sync_server = shell.options.server_url.as_deref();
    shell.with_store(|store| together_client::views::today(store, local_date, sync_server))
}
