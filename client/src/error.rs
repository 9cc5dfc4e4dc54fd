//! The crate's errors: [`StoreError`] (the local store and every action on it), its [`Result`],
//! and [`FormError`], the sentence a refused form answers with. They live apart from the modules
//! that raise them, so the storage engine and the features import them without importing each
//! other.

use std::path::PathBuf;

use together_core::domain::InvalidInput;

/// Why the store could not be opened or used. Each message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file or its directory could not be read or created (permissions, missing disk...).
    #[error("cannot access {path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The path names a directory where a database file was expected.
    #[error("{path} is a directory, not a database file")]
    IsADirectory {
        /// The path concerned.
        path: PathBuf,
    },
    /// An empty file where the database should be: refused like any other non-database.
    #[error(
        "{path} is empty (0 bytes), not a Better Together database; nothing was changed (move it \
         away and run `together init` again to start a new store)"
    )]
    EmptyFile {
        /// The path concerned.
        path: PathBuf,
    },
    /// The store can only be read here (the file or its folder is read-only for this user).
    #[error("{path} can only be read here (it or its folder is read-only); nothing was changed")]
    ReadOnly {
        /// The path concerned.
        path: PathBuf,
    },
    /// The file does not start like a SQLite database: another kind of file, or badly damaged.
    #[error("{path} is not a Better Together database (it is not a SQLite file, or it is damaged)")]
    NotADatabase {
        /// The path concerned.
        path: PathBuf,
    },
    /// SQLite reports the file as damaged.
    #[error("{path} is damaged and cannot be read: {detail}")]
    Corrupt {
        /// The path concerned.
        path: PathBuf,
        /// SQLite's own description.
        detail: String,
    },
    /// A valid SQLite database, but another application's: left alone.
    #[error(
        "{path} is a SQLite database of another application; Better Together will not modify it"
    )]
    ForeignDatabase {
        /// The path concerned.
        path: PathBuf,
    },
    /// Written by a newer Better Together: this binary does not understand it and leaves it untouched.
    #[error(
        "{path} was written by a newer version of Better Together (schema version {found}, this \
         version knows up to {supported}); please update the app. The file was not changed."
    )]
    SchemaTooNew {
        /// The path concerned.
        path: PathBuf,
        /// The newest schema version recorded in the file.
        found: i64,
        /// The newest schema version this binary carries.
        supported: i64,
    },
    /// Applying a migration failed; SQLite rolled the failed migration back.
    #[error("upgrading the database schema of {path} failed: {source}")]
    Migration {
        /// The path concerned.
        path: PathBuf,
        /// refinery's report.
        #[source]
        source: Box<refinery::Error>,
    },
    /// Any other SQLite error while using the store.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A document could not be read, merged or changed.
    #[error(transparent)]
    Document(#[from] together_core::document::DocumentError),
    /// An input was refused; nothing was written.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// A form (the app's, or the command line's flags) was refused; nothing was written.
    #[error(transparent)]
    Form(#[from] FormError),
    /// The action needs something that does not exist yet (a profile, a relationship, a record).
    #[error("{0}")]
    Missing(String),
    /// The action needs the local person's profile, and there is none yet.
    #[error("set up your profile first: together profile set --name NAME")]
    NeedsProfile,
    /// The action needs the couple's space (a relationship), and this device has none.
    #[error("create a relationship first: together relationship create")]
    NeedsRelationship,
    /// The record named is not there (removed on the partner's device, or a wrong id).
    #[error("there is no {what} with id {id}; it may have been removed on your partner's device")]
    NotFound {
        /// What kind of record ("activity", "goal").
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// A value the store itself wrote cannot be read back (a damaged row or setting).
    #[error("{0}")]
    Damaged(String),
    /// The action would change a relationship that ended (a partner left): it is read-only.
    #[error(
        "this relationship ({0}) ended when a partner left; it is read-only now (together relationships lists it)"
    )]
    Ended(String),
}

/// Convenience alias for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a form was refused: the sentence to show, naming the field. Every feature's `form`
/// function answers it, for the app and for the command line alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormError(String);

impl FormError {
    /// A refusal in the feature's own words.
    pub(crate) fn new(sentence: impl Into<String>) -> Self {
        Self(sentence.into())
    }
}

impl From<InvalidInput> for FormError {
    fn from(error: InvalidInput) -> Self {
        Self(error.to_string())
    }
}
