//! The SQLite side: the server's file opened read-only (`SQLITE_OPEN_READ_ONLY`, and
//! `query_only` on top), inside one read transaction, so the copy and its verification see one
//! state of the data and nothing is ever written to it. A `serve` on the same data directory is
//! refused: copying a database a server is changing would copy half of its writes.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::MigrateError;
use super::tables::{is_bookkeeping, plain_identifier};

/// The source database, read-only, with the data directory's serve lock held so no server
/// starts on it while it is copied.
pub struct Source {
    /// The connection, inside its read transaction.
    pub conn: Connection,
    /// The file, for messages.
    pub path: PathBuf,
    _serve_lock: Option<File>,
}

impl Source {
    /// Opens `path` read-only, after checking that no `together-server serve` runs on its
    /// directory (and keeping one from starting until this is dropped).
    pub fn open(path: &Path) -> Result<Self, MigrateError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if !path.is_file() {
            return Err(MigrateError::SourceMissing { path });
        }
        let serve_lock = hold_serve_lock(&path)?;
        let open_error = |source| MigrateError::SourceOpen {
            path: path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_error)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(open_error)?;
        conn.execute_batch("BEGIN").map_err(open_error)?;
        Ok(Self {
            conn,
            path,
            _serve_lock: serve_lock,
        })
    }

    /// The schema version refinery recorded (the highest migration applied).
    pub fn schema_version(&self) -> Result<Option<i64>, MigrateError> {
        let has_history: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
            [],
            |row| row.get(0),
        )?;
        if !has_history {
            return Ok(None);
        }
        Ok(self.conn.query_row(
            "SELECT max(version) FROM refinery_schema_history",
            [],
            |row| row.get(0),
        )?)
    }

    /// The tables of the database (not SQLite's own, not refinery's).
    pub fn tables(&self) -> Result<Vec<String>, MigrateError> {
        let mut statement = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let names = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(names.into_iter().filter(|t| !is_bookkeeping(t)).collect())
    }

    /// The columns of `table`, in their declared order.
    pub fn columns(&self, table: &str) -> Result<Vec<String>, MigrateError> {
        let mut statement = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
        let names = statement
            .query_map([table], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(odd) = names.iter().find(|name| !plain_identifier(name)) {
            return Err(MigrateError::Schema(format!(
                "the SQLite column {table}.{odd} has a name this copier does not expect"
            )));
        }
        Ok(names)
    }

    /// How many rows `table` has.
    pub fn count(&self, table: &str) -> Result<u64, MigrateError> {
        let count: i64 =
            self.conn
                .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| {
                    row.get(0)
                })?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

/// Refuses when a server holds `DATA_DIR/serve.lock` (the directory of `path`); otherwise holds the
/// lock itself until the copy is done. A directory this process may not write to (a read-only
/// copy, a backup mount) cannot be served either: it is read without the lock.
fn hold_serve_lock(path: &Path) -> Result<Option<File>, MigrateError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let lock_path = dir.join("serve.lock");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = match options.open(&lock_path) {
        Ok(file) => file,
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            match File::open(&lock_path) {
                Ok(file) => file,
                Err(_) => return Ok(None),
            }
        }
        Err(source) => {
            return Err(MigrateError::SourceLock {
                path: lock_path,
                source,
            });
        }
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(MigrateError::SourceServing {
            dir: dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(MigrateError::SourceLock {
            path: lock_path,
            source,
        }),
    }
}
