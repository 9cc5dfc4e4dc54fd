//! The embedded SQLite backend: one file in the data directory (`server.sqlite3`, WAL,
//! `synchronous=FULL`), one connection behind a mutex used from blocking tasks — SQLite serialises
//! writers anyway — and document appends, the hot path, through a writer thread that commits
//! whatever is waiting in one transaction ([`group_commit`]); each upload is charged to its
//! account's storage quota inside that transaction ([`quota`]). Migrations are embedded from
//! `migrations/`.

mod accounts;
pub(crate) mod billing;
mod documents;
pub(crate) mod group_commit;
mod instance;
mod quota;
pub(crate) mod relationships;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::{AppendJob, Appended, StorageError};

pub(crate) mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The embedded SQLite backend; cheap to clone.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    /// The connection. A std mutex, not a Tokio one: it is only locked inside `spawn_blocking`.
    conn: Arc<Mutex<Connection>>,
    /// The group-commit writer's queue.
    appends: std::sync::mpsc::Sender<group_commit::Pending>,
}

impl SqliteStorage {
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
        let conn = Arc::new(Mutex::new(conn));
        let appends =
            group_commit::start(Arc::clone(&conn)).map_err(|source| StorageError::DataDir {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self { conn, appends })
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

    /// Appends through the group-commit writer: committed with whatever other appends are
    /// waiting, before this returns.
    pub(crate) async fn append_through_writer(
        &self,
        job: AppendJob,
    ) -> Result<Appended, StorageError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.appends
            .send((job, reply))
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }
}
