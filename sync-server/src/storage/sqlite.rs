//! The embedded SQLite backend: one file in the data directory (`server.sqlite3`, WAL,
//! `synchronous=FULL`), one connection behind a mutex used from blocking tasks — SQLite serialises
//! writers anyway — beside a second, read-only one for the read every request makes (the device's
//! token; its once-a-minute "last seen" write still goes through the first) and pulls, so they do
//! not wait for a batch of appends and its `fsync`. Document appends, the hot path, go
//! through a writer thread that commits whatever is waiting in one transaction
//! ([`group_commit`]); each upload is charged to its account's storage quota inside that
//! transaction ([`quota`]). Migrations are embedded from `migrations/`.

mod accounts;
pub(crate) mod billing;
mod console;
mod documents;
pub(crate) mod group_commit;
mod instance;
mod quota;
pub(crate) mod relationships;
mod signup_codes;
mod usage;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::{AppendJob, Appended, StorageError};

/// Creates `dir` (and its parents) if needed; a directory this creates is the owner's only (0700):
/// it will hold the couples' encrypted logs and the server's signing key.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the database file owner-only (0600) before SQLite opens it; SQLite gives its `-wal`
/// and `-shm` files the same mode. An existing file keeps its mode (the operator's choice).
fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// Held while `serve` runs on a data directory: one server process per SQLite database (two would
/// each keep their own live sockets and sign-in limits). The operating system releases it when the
/// process ends, however it ends; admin commands do not take it and keep working beside the server.
#[derive(Debug)]
pub struct ServeLock {
    _file: std::fs::File,
}

impl ServeLock {
    /// Takes the lock on `data_dir` (creating the directory owner-only if needed), or says which
    /// directory another server already serves.
    pub fn take(data_dir: &Path) -> Result<Self, StorageError> {
        let data_dir_error = |source| StorageError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        };
        private_dir(data_dir).map_err(data_dir_error)?;
        let path = data_dir.join("serve.lock");
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(data_dir_error)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StorageError::InUse {
                path: data_dir.to_path_buf(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(data_dir_error(source)),
        }
    }
}

/// Runs `f` on a blocking thread with `conn` locked (a std mutex: only ever locked there).
async fn locked<T, F>(conn: &Arc<Mutex<Connection>>, f: F) -> Result<T, StorageError>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
{
    let conn = Arc::clone(conn);
    tokio::task::spawn_blocking(move || {
        let guard = conn.lock().map_err(|_| StorageError::Poisoned)?;
        f(&guard)
    })
    .await?
}

/// Keeps a cached statement's plan when new values are bound: the bundled SQLite has STAT4, which
/// otherwise plans a statement again (compiling it anew) whenever a value bound to a range or a
/// `LIMIT` (`seq > ?2`) changes, on every pull and every append. The server never runs `ANALYZE`,
/// so the plans would not change anyway. (The client's store sets the same, for the same reason.)
fn plan_once(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(drop)
}

pub(crate) mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The embedded SQLite backend; cheap to clone.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    /// The connection. A std mutex, not a Tokio one: it is only locked inside `spawn_blocking`.
    conn: Arc<Mutex<Connection>>,
    /// A second connection, for the reads every request makes (the device's token) and pulls:
    /// in WAL mode it reads while the writer commits, so a request does not wait for a batch of
    /// appends and its `fsync` (`PRAGMA query_only`: it never writes).
    reader: Arc<Mutex<Connection>>,
    /// The group-commit writer's queue.
    appends: std::sync::mpsc::Sender<group_commit::Pending>,
}

/// A write transaction that takes SQLite's write lock at its start (`BEGIN IMMEDIATE`). Inside
/// one server every write shares one connection, but an admin command run against a live
/// server's file writes through another: a deferred transaction that reads before it writes then
/// fails at once with "database is locked" when the other wrote in between, where an immediate
/// one waits its turn (the busy timeout).
pub(crate) fn write_transaction(conn: &Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
}

/// Waits for, then holds, the lock that makes migrations of the database at `path` one at a
/// time across processes (`server.sqlite3.lock` beside it, 0600; released on drop or exit).
fn migration_lock(path: &Path) -> std::io::Result<std::fs::File> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path.with_file_name(name))?;
    file.lock()?;
    Ok(file)
}

impl SqliteStorage {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            private_dir(dir).map_err(|source| StorageError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        private_file(path).map_err(|source| StorageError::DataDir {
            path: path.to_path_buf(),
            source,
        })?;
        let open_error = |source| StorageError::Open {
            path: path.to_path_buf(),
            source,
        };
        // Processes opening one file at once (a server starting, an admin command beside it)
        // set it up and migrate one after the other: each would otherwise apply the same step,
        // and switching a new file to WAL can answer "database is locked" without waiting.
        let migrating = migration_lock(path).map_err(|source| StorageError::DataDir {
            path: path.to_path_buf(),
            source,
        })?;
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
        drop(migrating);
        plan_once(&conn).map_err(open_error)?;
        let reader = Connection::open(path).map_err(open_error)?;
        plan_once(&reader).map_err(open_error)?;
        reader
            .busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        reader
            .pragma_update(None, "query_only", true)
            .map_err(open_error)?;
        let conn = Arc::new(Mutex::new(conn));
        let appends =
            group_commit::start(Arc::clone(&conn)).map_err(|source| StorageError::DataDir {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            conn,
            reader: Arc::new(Mutex::new(reader)),
            appends,
        })
    }

    /// Opens the database at `path` only if it exists: for commands that read or change an existing
    /// server's data, so a command run from the wrong directory never creates an empty database.
    pub fn open_existing(path: &Path) -> Result<Self, StorageError> {
        if !path.is_file() {
            return Err(StorageError::Missing {
                path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
            });
        }
        Self::open(path)
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) async fn with_conn<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    {
        locked(&self.conn, f).await
    }

    /// Runs `f` with the reading connection on a blocking thread: reads that must not wait for
    /// the writer (each statement sees what was committed when it started).
    pub(crate) async fn with_reader<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    {
        locked(&self.reader, f).await
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;
    use crate::storage::accounts::{Accounts, NewAccount};

    /// The hot statements (an append's latest seq, a pull's page) are compiled once: binding a
    /// new seq or limit does not make SQLite plan them again.
    #[tokio::test]
    async fn cached_statements_are_not_compiled_again_when_their_parameters_change() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("server.sqlite3")).unwrap();
        for connection in [&storage.conn, &storage.reader] {
            let conn = connection.lock().unwrap();
            let sql = "SELECT seq, length(ciphertext) FROM doc_entries
                       WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
            for (after, limit) in [(0_i64, 10_i64), (5, 100), (17, 1)] {
                let mut statement = conn.prepare_cached(sql).unwrap();
                let _: Vec<i64> = statement
                    .query_map(rusqlite::params!["d", after, limit], |row| row.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                assert_eq!(
                    statement.get_status(rusqlite::StatementStatus::RePrepare),
                    0,
                    "binding ({after}, {limit}) made SQLite plan the statement again"
                );
            }
        }
    }

    /// Every request checks its device's token: that read must not wait for the writer, which
    /// holds its connection through a batch of appends and its `fsync`. The writer here holds it
    /// until the token check has answered: were the check to need it, this would never end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_devices_token_is_checked_while_the_writer_holds_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("server.sqlite3")).unwrap();
        let now = "2026-11-30T01:00:00.000Z".to_owned();
        storage
            .create_account(NewAccount {
                now: now.clone(),
                ..NewAccount::for_test("u1", "d1", [3; 32])
            })
            .await
            .unwrap();
        let (locked, is_locked) = tokio::sync::oneshot::channel();
        let (checked, was_checked) = std::sync::mpsc::channel::<()>();
        let writer = storage.clone();
        let holding = tokio::spawn(async move {
            writer
                .with_conn(move |_conn| {
                    let _ = locked.send(());
                    was_checked
                        .recv_timeout(Duration::from_secs(20))
                        .map_err(|_| StorageError::Batch("the token check waited".into()))
                })
                .await
        });
        is_locked.await.unwrap();
        let found = storage.authenticate([3; 32], now).await.unwrap();
        checked.send(()).unwrap();
        assert_eq!(found, Some(("u1".to_owned(), "d1".to_owned())));
        holding.await.unwrap().unwrap();
    }

    #[test]
    fn several_processes_opening_a_new_database_at_once_each_find_it_migrated() {
        // Several rounds: without the lock, one round in three already fails.
        for _ in 0..8 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data").join("server.sqlite3");
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || SqliteStorage::open(&path).map(|_| ()))
                })
                .collect();
            for opener in openers {
                opener.join().unwrap().expect("every opener succeeds");
            }
        }
    }
}
