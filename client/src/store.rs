//! The local SQLite store: opening, refusing what must not be touched, migrating.
//!
//! Opening happens in two steps. First a read-only look at an existing file decides whether it may be
//! opened at all: it must be a SQLite database, belong to Better Together, and carry a
//! schema no newer than this binary knows. Only then is it opened for writing, switched to WAL and
//! migrated. A refused file is never written to, so a newer app version's data survives an old binary.
//!
//! ## The storage engine (crate-private)
//! - `documents`: the Automerge documents kept in SQLite (snapshot + chunks), with a cache checked
//!   against SQLite before every use.
//! - `write`: the write path: one SQLite transaction per action or merge (change, store, outbox,
//!   projection).
//! - `projection`: documents → the spec's tables, record by record.
//! - `analytics`: the derived tables (relationship analytics, engagement), from `together-core`'s
//!   rules.
//! - `catalog`: seeds the built-in challenges and achievements into their tables.
//! - `queued`: the process-wide nudge a commit that queued a local change raises (the sync
//!   watcher uploads at once).
//! - `settings`: the device's own key/value settings (`app_settings`), such as who uses this
//!   device.
//!
//! The features (`crate::goals`, `crate::checkins`...) read the projected tables and act through
//! `write`; nothing outside this crate reaches the engine.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};

use crate::error::{Result, StoreError};

pub use checkpoint::{BACKGROUND_CHECKPOINT_EVERY, Checkpoint};

pub(crate) mod analytics;
pub(crate) mod catalog;
pub(crate) mod checkpoint;
pub(crate) mod documents;
pub(crate) mod projection;
pub(crate) mod queued;
pub(crate) mod settings;
pub(crate) mod write;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// Marks a SQLite file as Better Together's (`PRAGMA application_id`): ASCII "BTgt".
pub const APPLICATION_ID: i32 = 0x4254_6774;

/// How long a write waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection (rusqlite keeps 16 by default).
const STATEMENT_CACHE: usize = 256;

/// The table in which refinery records applied migrations.
const HISTORY_TABLE: &str = "refinery_schema_history";

/// An open, migrated local database, with the documents this process has loaded.
pub struct Store {
    /// The single connection; SQLite in WAL mode lets other processes (the CLI beside the app) read
    /// and write the same file concurrently.
    pub(crate) conn: Connection,
    /// Where the database lives, for messages.
    path: PathBuf,
    /// This process's Automerge actor. Fresh for every open, so two processes writing the same
    /// documents (the app and the CLI) never reuse an actor's sequence numbers.
    pub(crate) actor: automerge::ActorId,
    /// Documents loaded by this process, checked against SQLite before every use.
    pub(crate) docs: documents::DocCache,
    /// Opened read-only because the file or its folder cannot be written here: reads work,
    /// writes are refused with [`StoreError::ReadOnly`].
    read_only: bool,
    /// The usage session and screen this process is in (`crate::usage`): device-local, never
    /// in a document.
    pub(crate) usage: crate::usage::Recorder,
    /// Whether the connection may commit a write without syncing it, and whether it does now
    /// (`store::write`, `Durability`).
    pub(crate) sync: write::SyncState,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// Creates the parent directory. Refuses, without writing anything, a file that is not a SQLite
    /// database, belongs to another application, or has a newer schema than this binary.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        inspect_existing(path)?;
        match Self::open_writable(path) {
            // An existing store this process may not write (a read-only folder or file, another
            // user's data): it can still be read, as long as its schema is the current one.
            Err(error) if path.is_file() => Self::open_read_only(path).map_err(|_| error),
            opened => opened,
        }
    }

    fn new(conn: Connection, path: &Path, read_only: bool) -> Self {
        let mut actor = [0_u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut actor);
        Self {
            conn,
            path: path.to_path_buf(),
            actor: automerge::ActorId::from(actor.to_vec()),
            docs: documents::DocCache::default(),
            read_only,
            usage: crate::usage::Recorder::default(),
            sync: write::SyncState::default(),
        }
    }

    fn open_writable(path: &Path) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        let mut store = Self::new(conn, path, false);
        store.configure()?;
        store.migrate()?;
        catalog::seed(&mut store.conn, jiff::Timestamp::now())?;
        Ok(store)
    }

    /// Opens an up-to-date store for reading only (see [`open_for_reading`]).
    fn open_read_only(path: &Path) -> Result<Self> {
        let conn = open_for_reading(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        keep_statements(&conn)?;
        let store = Self::new(conn, path, true);
        if store.schema_version()? == Self::supported_schema_version() {
            Ok(store)
        } else {
            Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
            })
        }
    }

    /// Refuses a write to a store opened read-only, before SQLite would.
    pub(crate) fn ensure_writable(&self) -> Result<()> {
        if self.read_only {
            Err(StoreError::ReadOnly {
                path: self.path.clone(),
            })
        } else {
            Ok(())
        }
    }

    /// The newest schema version this binary knows (the highest embedded migration).
    pub fn supported_schema_version() -> i64 {
        embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| i64::from(m.version()))
            .max()
            .unwrap_or(0)
    }

    /// The schema version recorded in the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            &format!("SELECT COALESCE(MAX(version), 0) FROM {HISTORY_TABLE}"),
            [],
            |row| row.get(0),
        )?)
    }

    /// Where the database file lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The document at `address` as stored, read without the write path (see
    /// [`documents::load_uncached`]); `None` when this device does not hold it.
    pub(crate) fn read_document(
        &self,
        address: together_core::document::DocAddress,
    ) -> Result<Option<together_core::document::Document>> {
        documents::load_uncached(&self.conn, &self.actor, address)
    }

    /// The underlying connection, for the modules of this crate that query it.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Per-connection settings: a statement cache that holds every statement of a save, WAL for concurrent readers, enforced foreign keys, a busy timeout, and
    /// full sync so an acknowledged write survives a power cut.
    fn configure(&mut self) -> Result<()> {
        let conn = &self.conn;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| classify(&self.path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // A file system without shared memory support: keep working in the default journal mode.
            tracing::warn!(path = %self.path.display(), %mode, "database is not in WAL mode");
        }
        // Outside WAL an unsynced commit could damage the file on a power cut, not just be lost.
        self.sync.wal = mode.eq_ignore_ascii_case("wal");
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        checkpoint::configure(conn)?;
        keep_statements(conn)?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
        if app_id == 0 {
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        embedded::migrations::runner()
            .run(&mut self.conn)
            .map_err(|source| StoreError::Migration {
                path: self.path.clone(),
                source: Box::new(source),
            })?;
        Ok(())
    }
}

/// Runs a read query and collects its rows: the reads of every feature go through it.
pub(crate) fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, map)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Looks at an existing file without writing to it and refuses anything Better Together must not
/// open for writing. A missing file is fine: it becomes a new database. An empty one is not
/// (`init` refuses what is not a database; an empty file is no database either).
fn inspect_existing(path: &Path) -> Result<()> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if metadata.is_dir() {
        return Err(StoreError::IsADirectory {
            path: path.to_path_buf(),
        });
    }
    if metadata.len() == 0 {
        return Err(StoreError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    check_header(path)?;

    let conn = open_for_reading(path)?;
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(|e| classify(path, e))?;
    let has_history: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
            [HISTORY_TABLE],
            |row| row.get(0),
        )
        .map_err(|e| classify(path, e))?;
    let table_count: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |row| row.get(0),
        )
        .map_err(|e| classify(path, e))?;

    let ours = app_id == APPLICATION_ID || (app_id == 0 && (has_history || table_count == 0));
    if !ours {
        return Err(StoreError::ForeignDatabase {
            path: path.to_path_buf(),
        });
    }
    if has_history {
        let found: Option<i64> = conn
            .query_row(
                &format!("SELECT MAX(version) FROM {HISTORY_TABLE}"),
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| classify(path, e))?
            .flatten();
        let supported = Store::supported_schema_version();
        if let Some(found) = found.filter(|&found| found > supported) {
            return Err(StoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
    }
    Ok(())
}

/// Opens an existing database for reading without writing anything: `mode=ro`, which shares the
/// WAL index with writers; where that index cannot be made (a read-only folder), `immutable`,
/// which reads the file as it is.
fn open_for_reading(path: &Path) -> Result<Connection> {
    let open = |parameter: &str| -> Result<Connection> {
        let uri = format!("file:{}?{parameter}", uri_path(path));
        let conn = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        // Opening is lazy: the first read tells whether the file can be read this way.
        conn.query_row("PRAGMA application_id", [], |row| row.get::<_, i32>(0))
            .map_err(|e| classify(path, e))?;
        Ok(conn)
    };
    match open("mode=ro") {
        Err(StoreError::Sqlite(e))
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
            ) =>
        {
            open("immutable=1")
        }
        opened => opened,
    }
}

/// `path` for a SQLite `file:` URI: the characters a URI gives meaning to, percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Checks the 16-byte magic string every SQLite database file starts with.
fn check_header(path: &Path) -> Result<()> {
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let mut header = [0_u8; 16];
    let read = File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::UnexpectedEof => None,
            _ => Some(source),
        });
    match read {
        Ok(()) if &header == MAGIC => Ok(()),
        Ok(()) | Err(None) => Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
        }),
        Err(Some(source)) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Turns SQLite's "not a database" and "corrupt" codes into the store's clear errors.
fn classify(path: &Path, error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: error.to_string(),
        },
        _ => StoreError::Sqlite(error),
    }
}

/// Lets a connection compile each statement once: a cache that holds a save's statements, and
/// plans that do not depend on the values bound.
fn keep_statements(conn: &Connection) -> Result<()> {
    // One save runs a few dozen distinct statements (projection, analytics, achievements): a
    // cache smaller than that evicts them all in turn and every save compiles its SQL again.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Without the query planner's stability guarantee, binding a new value to a range or a LIMIT
    // (`seq > ?2`) makes SQLite plan the statement again on its next step: the store never runs
    // ANALYZE, so those plans would not change anyway.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_statement_is_not_compiled_again_when_its_parameters_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let conn = store.conn();
        let sql = "SELECT min(seq) FROM quarantined_entries WHERE doc_id = ?1 AND seq > ?2";
        for after in [0_i64, 5, 17] {
            let mut statement = conn.prepare_cached(sql).unwrap();
            let _: Option<i64> = statement
                .query_row(rusqlite::params!["d", after], |row| row.get(0))
                .unwrap();
            assert_eq!(
                statement.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "binding {after} made SQLite plan the statement again"
            );
        }
        let sql = "SELECT entry_id FROM outbox ORDER BY created_at, rowid LIMIT ?1";
        for limit in [1_i64, 64, 500] {
            let mut statement = conn.prepare_cached(sql).unwrap();
            let _: Vec<String> = statement
                .query_map([limit], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(
                statement.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "binding {limit} made SQLite plan the statement again"
            );
        }
    }

    #[test]
    fn connection_uses_wal_foreign_keys_busy_timeout_and_is_marked_as_ours() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let conn = store.conn();
        let pragma = |name: &str| -> String {
            conn.query_row(&format!("PRAGMA {name}"), [], |row| {
                row.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "wal");
        assert_eq!(pragma("foreign_keys"), "1");
        assert_eq!(pragma("busy_timeout"), "5000");
        assert_eq!(pragma("synchronous"), "2", "FULL");
        assert_eq!(pragma("application_id"), APPLICATION_ID.to_string());
    }
}
