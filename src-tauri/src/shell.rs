//! The state the app's commands share.

use std::path::PathBuf;
use std::sync::Mutex;

use together_client::{Store, paths};

use crate::options::LaunchOptions;

/// Why a command could not answer. Its `Display` text is what the UI shows, so it is written for
/// people, and it serializes as that text.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The local store could not be opened at start; the message says why.
    #[error("{0}")]
    StoreUnavailable(String),
    /// Reading or writing the local store failed.
    #[error("{0}")]
    Store(#[from] together_client::StoreError),
    /// The store lock was poisoned by an earlier panic.
    #[error("the local database is unavailable after an internal error; please restart the app")]
    Poisoned,
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// The app's shared state: the local store (or the reason it is unavailable) and the launch options.
#[derive(Debug)]
pub struct Shell {
    /// The open store. A std mutex: commands hold it only for short synchronous SQLite calls.
    store: Result<Mutex<Store>, String>,
    /// The options the app was launched with.
    pub options: LaunchOptions,
}

impl Shell {
    /// Opens the local store named by the options, else in the platform's app data directory.
    ///
    /// Never fails: a store that cannot be opened (a newer schema, a damaged file) is kept as its
    /// error message, so the window still opens and says what is wrong.
    pub fn start(options: LaunchOptions, app_data_dir: impl FnOnce() -> Option<PathBuf>) -> Self {
        let store = match options.problem.clone() {
            Some(problem) => Err(problem),
            None => Self::open_store(options.data_dir.clone().or_else(app_data_dir)),
        };
        Self { store, options }
    }

    fn open_store(data_dir: Option<PathBuf>) -> Result<Mutex<Store>, String> {
        let data_dir = data_dir.ok_or_else(|| {
            "no data directory is available on this device; start the app with --data-dir DIR"
                .to_owned()
        })?;
        Store::open(&paths::database_path(&data_dir))
            .map(Mutex::new)
            .map_err(|error| error.to_string())
    }

    /// Runs `f` with the store, or explains why it is unavailable.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, together_client::StoreError>,
    ) -> Result<T, CommandError> {
        let store = self
            .store
            .as_ref()
            .map_err(|message| CommandError::StoreUnavailable(message.clone()))?;
        let guard = store.lock().map_err(|_| CommandError::Poisoned)?;
        Ok(f(&guard)?)
    }
}
