//! The server's SQLite database.
//!
//! One connection behind a mutex, used from blocking tasks: SQLite serialises writers anyway, and a
//! single connection keeps the embedded default simple. A PostgreSQL backend arrives behind a storage
//! trait when the server has more than a health check to store.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

mod accounts;
mod documents;
mod relationships;

pub use accounts::{Credentials, DeviceRow, NewAccount};
pub use documents::{DocAccess, EntryRow, NewSnapshot};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
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
    /// The blocking task running a query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A previous query panicked while holding the connection.
    #[error("database connection is poisoned")]
    Poisoned,
    /// The request conflicts with what is stored (an email already taken...).
    #[error("{0}")]
    Conflict(String),
    /// Nothing the caller may see matches.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
}

/// The server's database handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    /// The connection. A std mutex, not a Tokio one: it is only locked inside `spawn_blocking`.
    conn: Arc<Mutex<Connection>>,
}

impl Database {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_error = |source| StorageError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        })
        .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_error)?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|source| StorageError::Migration {
                path: path.to_path_buf(),
                source: Box::new(source),
            })?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) async fn with_conn<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().map_err(|_| StorageError::Poisoned)?;
            f(&guard)
        })
        .await?
    }

    /// Proves the database answers: reads this server's instance id.
    pub async fn instance_id(&self) -> Result<String, StorageError> {
        self.with_conn(|conn| {
            Ok(conn.query_row(
                "SELECT value FROM server_info WHERE key = 'instance_id'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
    }
}
