//! Exports: everything the person may see as JSON, and the raw Automerge documents.

use tauri::State;

use super::now;
use crate::error::CommandError;
use crate::shell::Shell;

/// Writes the exports into the data directory's `exports/` folder; answers the folder, to show.
#[tauri::command]
pub(crate) fn export_data(shell: State<'_, Shell>) -> Result<String, CommandError> {
    let data_dir = shell.device()?.data_dir;
    let folder = shell.with_store(|store| {
        Ok(together_client::data::export_to_folder(
            store,
            &data_dir,
            now(),
        )?)
    })?;
    Ok(folder.display().to_string())
}
