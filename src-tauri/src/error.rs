//! The error every command answers with: a sentence for people.

/// Why a command could not answer. Its `Display` text is what the UI shows, so it is written for
/// people, and it serializes as that text.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The local store could not be opened at start; the message says why.
    #[error("{0}")]
    StoreUnavailable(String),
    /// Reading or writing the local store failed, or a form was refused (nothing was saved).
    #[error("{0}")]
    Store(#[from] together_client::StoreError),
    /// The sync server refused or could not be reached.
    #[error("{0}")]
    Sync(#[from] together_client::sync::SyncError),
    /// The device's secrets could not be read or written.
    #[error("{0}")]
    Secrets(#[from] together_client::secret_store::SecretStoreError),
    /// A payment page was not opened (refused, or no browser).
    #[error("{0}")]
    Browser(String),
    /// The store lock was poisoned by an earlier panic, or a background task died.
    #[error("the app hit an internal error; please restart it")]
    Internal,
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}
