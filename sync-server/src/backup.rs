//! Backups of the embedded SQLite database, taken while the server serves, and their restore.
//!
//! A backup is SQLite's online backup API copying every page in one step, so it reads one
//! consistent snapshot: in WAL mode that read blocks no writer, and whatever was committed before
//! it began is in the copy. The copy is written beside its destination under a temporary name
//! (owner-only, 0600), checked — `PRAGMA integrity_check`, the schema's migration history, the
//! server's identity — synced to disk, then renamed into place, so a file with the final name is
//! always a complete, verified backup. Everything the server needs is inside: accounts, devices,
//! relationships, the encrypted logs, billing, and the entitlement signing key devices pin
//! (kept in `server_info` since the scale-out work).
//!
//! [`scheduled`] takes one backup into a directory, named by UTC time
//! (`server-20260101T060000Z.sqlite3`), and removes the oldest beyond the number to keep; the
//! server runs it every `backup_every`. A restore verifies the file the same way, then places it
//! in a new, empty data directory (0700, database 0600).
//!
//! PostgreSQL is backed up with its own tools (`pg_dump`); [`POSTGRES_ROUTE`] says how.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// What an operator is told when asking for a backup of a PostgreSQL server.
pub const POSTGRES_ROUTE: &str = "this server's data is in PostgreSQL: back it up with pg_dump \
(for example `pg_dump --format=custom --file=together.dump \"$TOGETHER_DATABASE_URL\"`) and \
restore with pg_restore into an empty database (see docs/operations.md, \"Backups\")";

/// The file name of the database inside a data directory.
const DATABASE_FILE: &str = "server.sqlite3";

/// How scheduled backups are named: this prefix, the UTC time, this suffix.
const SCHEDULED_PREFIX: &str = "server-";
const SCHEDULED_SUFFIX: &str = ".sqlite3";

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// There is no database to back up.
    #[error(
        "there is no server database at {0}: point --data-dir or --config at the server's data"
    )]
    Missing(PathBuf),
    /// The destination exists already: a backup never overwrites one.
    #[error("{0} already exists: choose a new file (a backup never overwrites one)")]
    Exists(PathBuf),
    /// The target data directory holds something already.
    #[error("{0} is not empty: restore into a new, empty data directory")]
    NotEmpty(PathBuf),
    /// The file is not a sound backup of this server.
    #[error("{path} is not a sound together-server backup: {reason}")]
    Unsound {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// SQLite could not read or write.
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The operating system could not read or write.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// What a verified backup holds, for the operator's eyes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The latest schema migration applied in it.
    pub schema_version: i64,
    /// Whether the entitlement signing key is in it (it is once the server has served).
    pub signing_key: bool,
    /// Its size in bytes.
    pub bytes: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> BackupError + '_ {
    move |source| BackupError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// `path` with `.partial` appended: where a file is written before it is complete.
fn partial(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".partial");
    PathBuf::from(name)
}

/// Removes an unfinished copy and the rollback journal SQLite may have left beside it.
fn forget_partial(temporary: &Path) {
    let _ = std::fs::remove_file(temporary);
    let mut journal = temporary.as_os_str().to_os_string();
    journal.push("-journal");
    let _ = std::fs::remove_file(PathBuf::from(journal));
}

/// Creates `path` owner-only (0600), failing if it exists.
fn create_private(path: &Path) -> Result<std::fs::File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io(path))
}

/// Backs up the database of `data_dir` to `to` while a server may be serving it, verifies the
/// copy and returns what it holds. `to` must not exist.
pub fn backup(data_dir: &Path, to: &Path) -> Result<Verified, BackupError> {
    let source_path = data_dir.join(DATABASE_FILE);
    if !source_path.is_file() {
        return Err(BackupError::Missing(
            std::path::absolute(&source_path).unwrap_or(source_path),
        ));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let temporary = partial(to);
    // A leftover of an interrupted backup (and its journal) is ours to replace.
    forget_partial(&temporary);
    create_private(&temporary)?;
    let copied = copy_online(&source_path, &temporary).and_then(|()| verify(&temporary));
    let verified = match copied {
        Ok(verified) => verified,
        Err(error) => {
            forget_partial(&temporary);
            return Err(error);
        }
    };
    std::fs::File::open(&temporary)
        .and_then(|file| file.sync_all())
        .map_err(io(&temporary))?;
    std::fs::rename(&temporary, to).map_err(io(to))?;
    sync_parent(to);
    Ok(verified)
}

/// Copies every page of `source` into `target` in one step of the online backup API: one read
/// transaction, so one consistent state, and in WAL mode the server's writers go on meanwhile.
fn copy_online(source: &Path, target: &Path) -> Result<(), BackupError> {
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(source))?;
    from.busy_timeout(Duration::from_secs(10))
        .map_err(sqlite(source))?;
    let mut to = Connection::open(target).map_err(sqlite(target))?;
    {
        let backup = Backup::new(&from, &mut to).map_err(sqlite(target))?;
        // Busy or locked (a checkpoint holding the file a moment): try again, a bounded number of
        // times.
        let mut attempts = 0;
        loop {
            match backup.step(-1).map_err(sqlite(source))? {
                StepResult::Done => break,
                StepResult::More | StepResult::Busy | StepResult::Locked if attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {
                    return Err(BackupError::Unsound {
                        path: source.to_path_buf(),
                        reason: "the database stayed locked; try again".into(),
                    });
                }
            }
        }
    }
    // A standalone file: no -wal beside it to lose.
    to.pragma_update(None, "journal_mode", "DELETE")
        .map_err(sqlite(target))?;
    Ok(())
}

/// Opens `path` read-only and checks it is a whole server database this version can serve:
/// SQLite's integrity check passes, its migrations are ones this server knows, and the server's
/// identity is in it.
pub fn verify(path: &Path) -> Result<Verified, BackupError> {
    let unsound = |reason: String| BackupError::Unsound {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(unsound("there is no such file".into()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(path))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|e| unsound(format!("SQLite cannot read it ({e})")))?;
    if integrity != "ok" {
        return Err(unsound(format!("the integrity check found: {integrity}")));
    }
    let schema_version: i64 = conn
        .query_row(
            "SELECT coalesce(max(version), 0) FROM refinery_schema_history",
            [],
            |row| row.get(0),
        )
        .map_err(|_| unsound("it has no migration history".into()))?;
    let known = latest_migration();
    if schema_version < 1 || schema_version > known {
        return Err(unsound(format!(
            "its schema is version {schema_version}; this server knows 1 to {known}"
        )));
    }
    let identity: Option<String> = conn
        .query_row(
            "SELECT value FROM server_info WHERE key = 'instance_id'",
            [],
            |row| row.get(0),
        )
        .map_err(|_| unsound("it has no server identity".into()))?;
    if identity.is_none_or(|id| id.is_empty()) {
        return Err(unsound("it has no server identity".into()));
    }
    let signing_key: i64 = conn
        .query_row(
            "SELECT count(*) FROM server_info WHERE key = 'entitlement_signing_key'",
            [],
            |row| row.get(0),
        )
        .map_err(sqlite(path))?;
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    Ok(Verified {
        schema_version,
        signing_key: signing_key > 0,
        bytes,
    })
}

/// The latest migration this server embeds.
fn latest_migration() -> i64 {
    crate::storage::sqlite::embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// Restores the backup `from` as the database of the new data directory `data_dir` (created
/// 0700; it must not exist or be empty), after verifying it.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Verified, BackupError> {
    // Checked before anything is created, and the copy again before it gets its name.
    verify(from)?;
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir).map_err(io(data_dir))?;
        if entries.next().is_some() {
            return Err(BackupError::NotEmpty(data_dir.to_path_buf()));
        }
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(data_dir).map_err(io(data_dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io(data_dir))?;
    }
    let target = data_dir.join(DATABASE_FILE);
    let temporary = partial(&target);
    let mut out = create_private(&temporary)?;
    let mut input = std::fs::File::open(from).map_err(io(from))?;
    std::io::copy(&mut input, &mut out).map_err(io(&temporary))?;
    out.sync_all().map_err(io(&temporary))?;
    drop(out);
    // What was copied is what is checked: the source may have changed since.
    let verified = match verify(&temporary) {
        Ok(verified) => verified,
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
    };
    std::fs::rename(&temporary, &target).map_err(io(&target))?;
    sync_parent(&target);
    Ok(verified)
}

/// Syncs the directory holding `path`, so a rename survives a power cut (best effort).
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::File::open(parent).and_then(|dir| dir.sync_all());
    }
}

/// The name of a scheduled backup taken at `now`: sorting the names sorts them by time.
pub fn scheduled_name(now: jiff::Timestamp) -> String {
    format!(
        "{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}",
        now.strftime("%Y%m%dT%H%M%SZ")
    )
}

/// Whether `name` is one of the scheduled backups' names (only those are ever pruned).
fn is_scheduled(name: &str) -> bool {
    name.strip_prefix(SCHEDULED_PREFIX)
        .and_then(|rest| rest.strip_suffix(SCHEDULED_SUFFIX))
        .is_some_and(|stamp| {
            stamp.len() == 16
                && stamp.ends_with('Z')
                && stamp.chars().filter(|c| !c.is_ascii_digit()).count() == 2
        })
}

/// One scheduled backup: the database of `data_dir` into `dir` (created 0700 if needed), named
/// by `now`; then the oldest scheduled backups beyond `keep` are removed. Returns the new file.
pub fn scheduled(
    data_dir: &Path,
    dir: &Path,
    keep: usize,
    now: jiff::Timestamp,
) -> Result<PathBuf, BackupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    if !dir.is_dir() {
        builder.create(dir).map_err(io(dir))?;
    }
    let file = dir.join(scheduled_name(now));
    backup(data_dir, &file)?;
    prune(dir, keep)?;
    Ok(file)
}

/// Removes the oldest scheduled backups in `dir` beyond the newest `keep` (other files are left
/// alone).
pub fn prune(dir: &Path, keep: usize) -> Result<(), BackupError> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| is_scheduled(name))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep.max(1));
    for name in names.iter().take(excess) {
        let path = dir.join(name);
        std::fs::remove_file(&path).map_err(io(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_names_sort_by_time_and_only_they_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut names = Vec::new();
        for hours in [0, 6, 12, 18, 24, 30] {
            let name = scheduled_name(start + jiff::SignedDuration::from_hours(hours));
            std::fs::write(dir.path().join(&name), b"x").unwrap();
            names.push(name);
        }
        assert_eq!(names[0], "server-20260101T000000Z.sqlite3");
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        std::fs::write(dir.path().join("server-manual.sqlite3"), b"mine").unwrap();
        prune(dir.path(), 4).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected: Vec<String> = names[2..].to_vec();
        expected.push("notes.txt".into());
        expected.push("server-manual.sqlite3".into());
        expected.sort();
        assert_eq!(left, expected, "the two oldest went, nothing else");
    }

    #[test]
    fn a_scheduled_backup_is_verified_and_retention_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let storage =
            crate::storage::SqliteStorage::open(&data.join(DATABASE_FILE)).expect("a database");
        drop(storage);
        let backups = dir.path().join("backups");
        let start: jiff::Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        for hours in 0..5 {
            let at = start + jiff::SignedDuration::from_hours(hours * 6);
            let file = scheduled(&data, &backups, 3, at).unwrap();
            assert!(verify(&file).is_ok());
        }
        let mut left: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "server-20260301T120000Z.sqlite3",
                "server-20260301T180000Z.sqlite3",
                "server-20260302T000000Z.sqlite3"
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(backups.join(&left[0]))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_or_foreign_file_is_not_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.sqlite3");
        std::fs::write(&junk, b"not a database at all, just bytes").unwrap();
        assert!(matches!(verify(&junk), Err(BackupError::Unsound { .. })));
        let foreign = dir.path().join("foreign.sqlite3");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let error = verify(&foreign).unwrap_err().to_string();
        assert!(error.contains("migration history"), "{error}");
        let data = dir.path().join("restored");
        assert!(restore(&foreign, &data).is_err());
        assert!(!data.exists(), "a refused restore creates nothing");
    }
}
