//! Where Better Together keeps its data on a device by default.

use std::path::PathBuf;

/// The app's identifier, as in `tauri.conf.json`. The default data directory is named after it so the
/// `together` CLI and the desktop app open the same local store.
pub const APP_IDENTIFIER: &str = "com.bettertogether.couples";

/// File name of the local database inside a data directory.
pub const DATABASE_FILE: &str = "together.sqlite3";

/// The platform's per-user data directory for the app (on Linux `~/.local/share/<identifier>`, on
/// macOS `~/Library/Application Support/<identifier>`), or `None` when the platform has no home.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.data_dir().join(APP_IDENTIFIER))
}

/// The database path inside a data directory.
pub fn database_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}
