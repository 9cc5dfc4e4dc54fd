//! Exports: everything the person may see as JSON, and the raw Automerge documents.

use tauri::State;

use super::now;
use crate::shell::{CommandError, Shell};

/// Writes `exports/better-together-<date>.json` and `exports/documents-<date>/` in the data
/// directory; returns the folder, to show. (No file dialog: the folder is the same on every
/// platform and the person is told where it is.)
#[tauri::command]
pub(crate) fn export_data(shell: State<'_, Shell>) -> Result<String, CommandError> {
    let device = shell.device()?;
    let folder = device.data_dir.join("exports");
    std::fs::create_dir_all(&folder).map_err(|e| CommandError::Export(e.to_string()))?;
    let stamp = now().strftime("%Y-%m-%d-%H%M%S").to_string();
    shell.with_store(|store| {
        let json = store.export_json(now())?;
        let text =
            serde_json::to_string_pretty(&json).map_err(|e| CommandError::Export(e.to_string()))?;
        let file = folder.join(format!("better-together-{stamp}.json"));
        std::fs::write(&file, text).map_err(|e| CommandError::Export(e.to_string()))?;
        store.export_documents(&folder.join(format!("documents-{stamp}")), now())?;
        Ok(())
    })?;
    Ok(folder.display().to_string())
}
