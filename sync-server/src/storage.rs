//! The storage seam: what the server stores, whatever the database.
//!
//! One trait per concept — [`Accounts`], [`Relationships`], [`Documents`], [`Quota`],
//! [`SignupCodes`], [`Usage`], [`Console`] (the operator console), and
//! billing's ([`crate::billing::store`]) — joined in [`Storage`], which the handlers use as
//! `Arc<dyn Storage>` (a boxed state: one router for every backend, chosen at start). Each backend
//! implements each trait once, in its own module, with its own SQL:
//! - [`sqlite`]: the embedded default, one file in the data directory, one connection behind a
//!   mutex on blocking threads (and a read-only one for token checks and pulls), appends through
//!   a group-commit writer;
//! - [`postgres`]: PostgreSQL (`database_url = "postgres://…"`), a pool of connections, row locks
//!   and conditional updates where SQLite relies on its single writer; any number of server
//!   instances share one database, and their live news crosses through `LISTEN`/`NOTIFY`.
//!
//! The rules of the data — who may reach a document, when an invite can be used, the two-member
//! limit, what a subscription entitles — are plain functions above the backends ([`rules`],
//! [`crate::billing::store::entitlements`]), so no backend can decide differently. Futures are
//! boxed (`async_trait`) so the traits work behind `dyn`.

pub mod accounts;
pub mod console;
pub mod documents;
pub mod instance;
pub mod migrate;
pub mod postgres;
pub mod quota;
pub mod relationships;
pub mod rules;
pub mod signup_codes;
pub mod sqlite;
pub mod usage;

use std::path::PathBuf;

pub use accounts::{Accounts, Credentials, DeviceRow, NewAccount};
pub use console::Console;
pub use documents::{AppendJob, Appended, DocAccess, Documents, EntryRow, NewSnapshot};
pub use instance::{Broadcast, Envelope, GroupCommitWays, Heard, Instance};
pub use postgres::PostgresStorage;
pub use quota::Quota;
pub use relationships::{RelationshipRow, Relationships, Standing};
pub use signup_codes::{SignupCodeRow, SignupCodes};
pub use sqlite::SqliteStorage;
pub use usage::Usage;

/// Every storage trait, for callers of `dyn Storage`: `use crate::storage::prelude::*;`.
pub mod prelude {
    pub use super::{
        Accounts, Console, Documents, Instance, Quota, Relationships, SignupCodes, Storage, Usage,
    };
    pub use crate::billing::store::{
        Catalog, Checkouts, Credits, Discounts, Entitlements, Gifts, Ledger, OwedActions, Revenue,
        Webhooks,
    };
}

/// Opens the storage `config` names: PostgreSQL when it has a `database_url`, else the embedded
/// SQLite database in its data directory.
pub async fn open(config: &crate::Config) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    match &config.database_url {
        Some(url) => Ok(std::sync::Arc::new(PostgresStorage::open(url).await?)),
        None => Ok(std::sync::Arc::new(SqliteStorage::open(
            &config.database_path(),
        )?)),
    }
}

/// Opens the storage `config` names only if it already exists: for the commands that read or change
/// an existing server's data, so one run from the wrong directory never creates an empty database.
/// (A PostgreSQL database exists or the connection fails; its tables are migrated as by `serve`.)
pub async fn open_existing(
    config: &crate::Config,
) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    match &config.database_url {
        Some(_) => open(config).await,
        None => Ok(std::sync::Arc::new(SqliteStorage::open_existing(
            &config.database_path(),
        )?)),
    }
}

/// Claims the storage for one serving process where the backend needs it (SQLite: one server per
/// data directory; PostgreSQL: none, any number of instances share it); dropped when the server
/// stops.
pub fn claim_for_serving(
    config: &crate::Config,
) -> Result<Option<sqlite::ServeLock>, StorageError> {
    match &config.database_url {
        Some(_) => Ok(None),
        None => sqlite::ServeLock::take(&config.data_dir).map(Some),
    }
}

/// Where the storage `config` names lives, in words for an operator (a path, or PostgreSQL's user,
/// host, port and database; never a password).
pub fn describe(config: &crate::Config) -> String {
    match &config.database_url {
        Some(url) => postgres::describe_url(url),
        None => {
            let path = config.database_path();
            std::path::absolute(&path)
                .unwrap_or(path)
                .display()
                .to_string()
        }
    }
}

/// A new row id: time-ordered (UUID v7), so ids sort by creation, whatever the backend.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Why the database could not be opened or used, whatever the backend.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A command that works on an existing server's data found no database there.
    #[error(
        "there is no server database at {path}: point --data-dir or --config at the server's data (`together-server serve` creates it)"
    )]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// Another `serve` process already runs on this SQLite data directory.
    #[error(
        "another together-server is already serving {path}: stop it first, or give this one its own --data-dir (several instances share one database only on PostgreSQL)"
    )]
    InUse {
        /// The data directory.
        path: PathBuf,
    },
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused to open the file.
    #[error("cannot open the server database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed and was rolled back.
    #[error("upgrading the server database {path} failed: {source}")]
    Migration {
        /// The database file.
        path: PathBuf,
        /// refinery's report.
        #[source]
        source: Box<refinery::Error>,
    },
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] rusqlite::Error),
    /// A PostgreSQL query failed, or its connection did.
    #[error("database query failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had (the database is down, or every connection busy).
    #[error("no database connection available: {0}")]
    Pool(String),
    /// The PostgreSQL database URL is not valid (the URL itself is never repeated: it may hold a
    /// password).
    #[error("the database URL is not valid: {0}")]
    Url(String),
    /// A PostgreSQL migration failed and was rolled back.
    #[error("upgrading the PostgreSQL database failed: {source}")]
    PostgresMigration {
        /// refinery's report.
        #[source]
        source: Box<refinery::Error>,
    },
    /// The blocking task running a query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The transaction that held this append with others failed to commit.
    #[error("committing a batch of appends failed: {0}")]
    Batch(String),
    /// The appends writer thread could not be started or has stopped.
    #[error("the appends writer is not running")]
    WriterGone,
    /// A previous query panicked while holding the connection.
    #[error("database connection is poisoned")]
    Poisoned,
    /// The request conflicts with what is stored (an email already taken...).
    #[error("{0}")]
    Conflict(String),
    /// Storing this would take the account over its storage quota.
    #[error("this upload would take the account over its storage quota of {max_bytes} bytes")]
    QuotaExceeded {
        /// The quota.
        max_bytes: u64,
    },
    /// Nothing the caller may see matches.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The relationship ended (a partner left): it is read-only from now on.
    #[error("this relationship has ended: a partner left, so nothing more can be added to it")]
    RelationshipEnded,
    /// A stored value could not be read back (written by a newer version, or damaged).
    #[error("a stored value could not be read: {0}")]
    Corrupt(String),
    /// Sign-up codes are asked for and this one does not exist or is used up (one answer for
    /// both: it tells nothing about which codes exist).
    #[error("this sign-up code is not valid")]
    SignupCodeRefused,
    /// The account already belongs to another current relationship.
    #[error("you are already in a relationship; leave it before starting or joining another")]
    AlreadyInRelationship,
}

/// Everything the server stores, whatever the database: the traits of every concept.
pub trait Storage:
    Instance
    + Accounts
    + Console
    + Relationships
    + Documents
    + Quota
    + SignupCodes
    + Usage
    + crate::billing::store::BillingStore
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
}

impl<T> Storage for T where
    T: Instance
        + Accounts
        + Console
        + Relationships
        + Documents
        + Quota
        + SignupCodes
        + Usage
        + crate::billing::store::BillingStore
        + std::fmt::Debug
        + Send
        + Sync
        + 'static
{
}
