//! Replicas of a couple's data on separate devices (separate data directories), exchanging their
//! documents through real `.automerge` files the way `together doc export|import` does.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use together_client::Store;
use together_core::document::{ProfileInput, RelationshipInput};
use together_core::domain::{PrivacyLevel, RelationshipType};

pub const TABLES: &[&str] = &[
    "users",
    "relationships",
    "daily_checkins",
    "activities",
    "shared_goals",
    "important_dates",
    "communication_log",
    "challenge_participation",
    "challenge_entries",
    "user_achievements",
    "notifications",
    "question_answers",
    "question_settings",
];

pub fn now() -> Timestamp {
    "2026-11-25T08:00:00Z".parse().unwrap()
}

pub struct Replica {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl Replica {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("together.sqlite3")).unwrap();
        Self { dir, store }
    }

    /// A second device with the same person's data (a copy of this device's database, opened by
    /// another process and so writing with its own actor).
    pub fn clone_device(&mut self) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("together.sqlite3");
        // A consistent copy through SQLite itself.
        let source = rusqlite::Connection::open(self.db()).unwrap();
        source
            .execute("VACUUM INTO ?1", [target.to_str().unwrap()])
            .unwrap();
        let store = Store::open(&target).unwrap();
        Self { dir, store }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("together.sqlite3")
    }

    pub fn profile(&mut self, name: &str, timezone: &str) {
        let input = ProfileInput {
            name: name.into(),
            nickname: None,
            photo_url: None,
            timezone: timezone.into(),
            love_language_primary: None,
            love_language_secondary: None,
        };
        self.store.set_profile(&input, now()).unwrap();
    }

    pub fn create_relationship(&mut self) {
        self.create_relationship_with(PrivacyLevel::Balanced);
    }

    pub fn create_relationship_with(&mut self, privacy_level: PrivacyLevel) {
        let input = RelationshipInput {
            relationship_type: RelationshipType::Married,
            start_date: Some(jiff::civil::date(2019, 6, 1)),
            anniversary_date: None,
            privacy_level,
        };
        self.store.create_relationship(&input, now()).unwrap();
    }

    /// Exports every document into a fresh directory.
    pub fn export(&mut self) -> tempfile::TempDir {
        let out = tempfile::tempdir().unwrap();
        self.store.export_documents(out.path(), now()).unwrap();
        out
    }

    /// Merges the documents exported by `other`.
    pub fn receive_from(&mut self, other: &mut Replica) {
        let files = other.export();
        self.import(files.path());
    }

    pub fn import(&mut self, dir: &Path) {
        self.store.import_documents(dir, now()).unwrap();
    }

    /// Every projected row, table by table, as JSON.
    pub fn rows(&self) -> Vec<(String, Vec<serde_json::Value>)> {
        TABLES
            .iter()
            .map(|t| ((*t).to_owned(), self.store.table_as_json(t).unwrap()))
            .collect()
    }

    /// Rows of one table.
    pub fn table(&self, table: &str) -> Vec<serde_json::Value> {
        self.store.table_as_json(table).unwrap()
    }

    /// How far this device recorded merging `doc_id`'s log (`sync_state.last_seq`, 0 before
    /// any pull), read from its database file as any SQLite tool would.
    pub fn pulled_up_to(&self, doc_id: &str) -> i64 {
        self.count(&format!(
            "SELECT coalesce((SELECT last_seq FROM sync_state WHERE doc_id = '{doc_id}'), 0)"
        ))
    }

    /// The seq covered by the newest snapshot this device uploaded or started from
    /// (`sync_state.snapshot_seq`), read from its database file.
    pub fn snapshot_position(&self, doc_id: &str) -> i64 {
        self.count(&format!(
            "SELECT coalesce((SELECT snapshot_seq FROM sync_state WHERE doc_id = '{doc_id}'), 0)"
        ))
    }

    pub fn count(&self, sql: &str) -> i64 {
        rusqlite::Connection::open(self.db())
            .unwrap()
            .query_row(sql, [], |row| row.get(0))
            .unwrap()
    }
}

/// Alice creates the relationship, Bob joins it from her exported documents; both devices are then
/// in sync.
pub fn paired() -> (Replica, Replica) {
    paired_with(PrivacyLevel::Balanced)
}

/// [`paired`], the couple choosing `privacy_level`.
pub fn paired_with(privacy_level: PrivacyLevel) -> (Replica, Replica) {
    let mut alice = Replica::new();
    alice.profile("Alice", "Pacific/Auckland");
    alice.create_relationship_with(privacy_level);
    let mut bob = Replica::new();
    bob.profile("Bob", "Pacific/Honolulu");
    bob.receive_from(&mut alice);
    let relationship = alice.store.current_relationship().unwrap().unwrap();
    bob.store.join_relationship(relationship, now()).unwrap();
    alice.receive_from(&mut bob);
    (alice, bob)
}
