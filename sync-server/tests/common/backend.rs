//! The storage backend the conformance tests run against: SQLite in a temporary directory by
//! default. Every test written against `Arc<dyn Storage>` runs unchanged on every backend.

use std::sync::Arc;

use together_server::storage::{SqliteStorage, Storage};

/// Keeps a test's database alive (and removes it afterwards).
pub struct Backend {
    _dir: tempfile::TempDir,
}

/// A fresh, empty, migrated storage for one test.
pub async fn storage() -> (Backend, Arc<dyn Storage>) {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("server.sqlite3")).unwrap();
    (Backend { _dir: dir }, Arc::new(storage))
}
