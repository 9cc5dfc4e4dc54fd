//! Opening the store: migrations are idempotent, and files the store must not touch are refused with
//! a clear error and left byte-identical.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::path::{Path, PathBuf};

use common::file_bytes;
use rusqlite::Connection;
use together_client::{Store, StoreError};

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("together.sqlite3")
}

fn schema_sql(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT coalesce(sql, name) FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The versions of the migration files (`V12__name.sql` is 12), ascending. Numbers may have gaps
/// (a number reserved by a branch not merged yet).
fn migration_versions() -> Vec<i64> {
    let mut versions: Vec<i64> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
            .unwrap()
            .filter_map(|entry| {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                let number = name.strip_prefix('V')?.split_once("__")?.0.to_owned();
                name.ends_with(".sql").then(|| number.parse().unwrap())
            })
            .collect();
    versions.sort_unstable();
    versions
}

#[test]
fn a_new_store_is_migrated_to_the_newest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db_path(&dir)).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        Store::supported_schema_version()
    );
    assert_eq!(
        Some(Store::supported_schema_version()),
        migration_versions().last().copied(),
        "the newest migration file is the newest version"
    );
    assert_eq!(store.path(), db_path(&dir));
}

#[test]
fn opening_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(Store::open(&path).unwrap());
    let first = schema_sql(&path);
    drop(Store::open(&path).unwrap());
    drop(Store::open(&path).unwrap());
    assert_eq!(schema_sql(&path), first);
    let conn = Connection::open(&path).unwrap();
    let mut stmt = conn
        .prepare("SELECT version FROM refinery_schema_history ORDER BY version")
        .unwrap();
    let applied: Vec<i64> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        applied,
        migration_versions(),
        "each migration is recorded exactly once"
    );
}

#[test]
fn creates_missing_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("together.sqlite3");
    Store::open(&path).unwrap();
    assert!(path.is_file());
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(Store::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (99, 'from_the_future', '2027-01-01T00:00:00Z', '1')",
            [],
        )
        .unwrap();
        conn.execute_batch("CREATE TABLE future_feature (id TEXT PRIMARY KEY)")
            .unwrap();
    }
    let before = file_bytes(&path);

    let error = Store::open(&path).unwrap_err();
    match &error {
        StoreError::SchemaTooNew {
            found, supported, ..
        } => {
            assert_eq!(*found, 99);
            assert_eq!(*supported, Store::supported_schema_version());
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("newer version"), "{message}");
    assert!(message.contains("not changed"), "{message}");
    assert_eq!(
        file_bytes(&path),
        before,
        "the refused file must not change"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let text = b"these are our wedding vows, not a database\n".repeat(50);
    std::fs::write(&path, &text).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NotADatabase { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("not a Better Together database"));
    assert_eq!(file_bytes(&path), text);
}

#[test]
fn a_damaged_database_is_reported_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(Store::open(&path).unwrap());
    // Keep the SQLite header, scribble over the rest of the first page (the schema's root).
    let mut bytes = file_bytes(&path);
    for byte in &mut bytes[100..4096] {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Corrupt { .. } | StoreError::NotADatabase { .. }
        ),
        "{error:?}"
    );
    assert_eq!(file_bytes(&path), bytes);
}

#[test]
fn another_applications_database_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('pie');")
            .unwrap();
    }
    let before = file_bytes(&path);
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::ForeignDatabase { .. }),
        "{error:?}"
    );
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn a_directory_in_place_of_the_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::fs::create_dir(&path).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::IsADirectory { .. }),
        "{error:?}"
    );
}

#[test]
fn an_unusable_data_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let error = Store::open(&blocker.join("together.sqlite3")).unwrap_err();
    assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("cannot access"), "{error}");
}

#[test]
fn an_empty_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::fs::write(&path, b"").unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::EmptyFile { .. }), "{error:?}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}
