//! The write path: every user action and every merge runs in one SQLite transaction that changes the
//! document, stores the change, queues it for upload (local changes only) and projects exactly the
//! records it touched. Either all of that happens or none of it.

use automerge::ActorId;
use jiff::Timestamp;
use rusqlite::{Connection, TransactionBehavior};
use together_core::document::{DocAddress, Document};
use together_core::ids::RecordId;

use super::documents::{self, DocCache};
use super::projection;
use crate::error::{Result, StoreError};
use crate::store::Store;

/// One open write transaction, handed to an action.
pub(crate) struct WriteTx<'a> {
    pub(crate) conn: &'a Connection,
    docs: &'a mut DocCache,
    actor: &'a ActorId,
    pub(crate) now: Timestamp,
    /// Whether a local change joined the outbox (the watcher is nudged after the commit).
    queued: bool,
    /// The process's usage session, for the event an action records (`crate::usage::record`).
    pub(crate) usage: &'a mut crate::usage::Recorder,
}

/// When foreign keys are checked in a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ForeignKeys {
    /// At commit: rows may be projected in any order (merges, imports, a new relationship whose
    /// members arrive after it). Costs a `PRAGMA defer_foreign_keys`, which expires every prepared
    /// statement of the connection, so the next statements are compiled again.
    AtCommit,
    /// Statement by statement: for a person's action on records that exist already, whose rows
    /// always come after the rows they refer to. Prepared statements stay valid (the hot path).
    PerStatement,
}

/// How a write's commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// Synced before the commit returns (`synchronous=FULL`): a person's action exists nowhere
    /// else until it is uploaded.
    Full,
    /// Not synced by this commit (`synchronous=NORMAL` in WAL: still atomic): what the server
    /// holds anyway (merged entries, with the position that says how far they go) and bookkeeping
    /// whose loss only repeats idempotent work (an acknowledgement: the upload is repeated and
    /// the server answers it by entry id). A power cut may roll such a write back, whole; the
    /// next sync does it again. The next `Full` commit syncs the log, these frames included.
    Refetchable,
}

/// The connection's sync level as this process set it: whether a write may go unsynced (WAL
/// only: outside it an unsynced commit could damage the file on a power cut), and whether the
/// connection is relaxed now. Checked before every write, so a write that did not get to set the
/// level back (a panic, a failed pragma) leaves nothing relaxed for the next one.
#[derive(Debug, Default)]
pub(crate) struct SyncState {
    /// The store runs in WAL mode (set when the store is configured).
    pub(crate) wal: bool,
    /// The connection is at `synchronous=NORMAL` now.
    relaxed: bool,
}

impl Store {
    /// Runs `action` in one IMMEDIATE transaction (so concurrent writers from another process queue
    /// behind it), foreign keys checked at commit. On any error everything is rolled back and the
    /// documents this process had loaded are forgotten, since they may hold the failed change.
    pub(crate) fn write<T>(
        &mut self,
        now: Timestamp,
        action: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(now, ForeignKeys::AtCommit, Durability::Full, action)
    }

    /// Like [`Store::write`] for a person's everyday action (a check-in, a goal step...): foreign
    /// keys are checked statement by statement, which keeps the connection's prepared statements
    /// valid from one save to the next.
    pub(crate) fn write_local<T>(
        &mut self,
        now: Timestamp,
        action: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(now, ForeignKeys::PerStatement, Durability::Full, action)
    }

    /// Like [`Store::write_local`] for sync bookkeeping the server makes good if a power cut takes
    /// it (acknowledged uploads, positions, snapshots): see [`Durability::Refetchable`].
    pub(crate) fn write_bookkeeping<T>(
        &mut self,
        now: Timestamp,
        action: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(
            now,
            ForeignKeys::PerStatement,
            Durability::Refetchable,
            action,
        )
    }

    /// Like [`Store::write`] for merges of what the server holds: their rows may come in any order,
    /// which is rare in practice, so foreign keys are first checked statement by statement (the
    /// connection's prepared statements stay valid); and see [`Durability::Refetchable`].
    pub(crate) fn write_any_order<T>(
        &mut self,
        now: Timestamp,
        mut action: impl FnMut(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        // A refused statement rolled everything back (and the loaded documents were forgotten):
        // the same action runs again from the start, checked at commit, as `write` would run it.
        let durability = Durability::Refetchable;
        match self.write_with(now, ForeignKeys::PerStatement, durability, &mut action) {
            Err(error) if refused_by_a_foreign_key(&error) => {
                tracing::debug!("rows came before the rows they refer to; checking at commit");
                self.write_with(now, ForeignKeys::AtCommit, durability, action)
            }
            other => other,
        }
    }

    fn write_with<T>(
        &mut self,
        now: Timestamp,
        foreign_keys: ForeignKeys,
        durability: Durability,
        action: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        let Store {
            conn,
            docs,
            actor,
            read_only,
            path,
            usage,
            sync,
        } = self;
        if *read_only {
            return read_only_action(conn, docs, actor, now, path, usage, action);
        }
        // The safety level cannot change inside a transaction: set before it.
        let relaxed = durability == Durability::Refetchable && sync.wal;
        if relaxed != sync.relaxed {
            conn.pragma_update(None, "synchronous", if relaxed { "NORMAL" } else { "FULL" })?;
            sync.relaxed = relaxed;
        }
        let (outcome, queued) = transact(conn, foreign_keys, !relaxed, |conn| {
            let mut write = WriteTx {
                conn,
                docs,
                actor,
                now,
                queued: false,
                usage,
            };
            let result = action(&mut write);
            (result, write.queued)
        });
        // Back to FULL at once, for the writes that do not come through here (settings). Should
        // that fail, the next write here tries again before it begins.
        if relaxed {
            match conn.pragma_update(None, "synchronous", "FULL") {
                Ok(()) => sync.relaxed = false,
                Err(error) => {
                    tracing::warn!(%error, "the store's sync level stays relaxed for now")
                }
            }
        }
        match &outcome {
            Ok(_) if queued => super::queued::raise(),
            Ok(_) => {}
            Err(_) => docs.clear(),
        }
        outcome
    }
}

/// Runs `body` in one IMMEDIATE transaction, committed when it succeeds; also returns whether it
/// queued a local change. A local change exists nowhere else, so a write that may go unsynced
/// (`may_queue` false) never makes one: it is rolled back (a mistake in this crate, not the
/// person's).
fn transact<T>(
    conn: &mut Connection,
    foreign_keys: ForeignKeys,
    may_queue: bool,
    body: impl FnOnce(&Connection) -> (Result<T>, bool),
) -> (Result<T>, bool) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => return (Err(error.into()), false),
    };
    if foreign_keys == ForeignKeys::AtCommit
        && let Err(error) = tx.pragma_update(None, "defer_foreign_keys", true)
    {
        return (Err(error.into()), false);
    }
    let (result, queued) = body(&tx);
    let outcome = match result {
        Ok(_) if queued && !may_queue => Err(StoreError::Damaged(
            "a sync write tried to make a local change; nothing was written".into(),
        )),
        Ok(value) => tx.commit().map(|()| value).map_err(Into::into),
        Err(error) => Err(error),
    };
    let committed = outcome.is_ok();
    (outcome, queued && committed)
}

/// Whether a statement was refused because a row it wrote refers to a row not there (yet).
fn refused_by_a_foreign_key(error: &StoreError) -> bool {
    matches!(error, StoreError::Sqlite(e)
        if e.sqlite_error().map(|e| e.extended_code) == Some(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY))
}

/// An action on a store opened read-only: it runs in a read transaction, so the reads some
/// actions make through the write path (loading a document) work; a write it attempts is refused
/// as [`StoreError::ReadOnly`] and nothing is kept.
fn read_only_action<T>(
    conn: &mut Connection,
    docs: &mut DocCache,
    actor: &ActorId,
    now: Timestamp,
    path: &std::path::Path,
    usage: &mut crate::usage::Recorder,
    action: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let mut write = WriteTx {
        conn: &tx,
        docs,
        actor,
        now,
        queued: false,
        usage,
    };
    let result = action(&mut write);
    drop(tx); // Rolled back: nothing to keep.
    docs.clear();
    result.map_err(|error| match error {
        StoreError::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) => {
            StoreError::ReadOnly {
                path: path.to_path_buf(),
            }
        }
        other => other,
    })
}

impl WriteTx<'_> {
    /// Applies a local change to the document at `address` (created at genesis if this device does
    /// not hold it yet), stores it, queues it for upload and projects it. A relationship that
    /// ended is read-only: changes to its documents are refused.
    pub(crate) fn change<T>(
        &mut self,
        address: DocAddress,
        edit: impl FnOnce(&mut Document) -> together_core::document::Result<T>,
    ) -> Result<T> {
        if let Some(relationship) = address.relationship() {
            crate::relationship::ensure_open(self.conn, relationship)?;
        }
        let cached =
            documents::checkout_or_create(self.conn, self.docs, self.actor, address, self.now)?;
        let before = cached.doc.heads();
        let value = edit(&mut cached.doc)?;
        cached.doc.commit(self.now);
        // The records the edit touched are known without diffing the document.
        let changed = cached.doc.take_touched();
        if cached.doc.heads() == before {
            return Ok(value);
        }
        let bytes = cached.doc.save_after(&before);
        let entry_id = RecordId::generate(self.now, &mut rand::rng()).to_string();
        documents::append(self.conn, cached, &bytes, self.now, Some(entry_id))?;
        self.queued = true;
        projection::project(self.conn, &cached.doc, &changed)?;
        Ok(value)
    }

    /// Merges changes from another replica into the document at `address`, stores what was new and
    /// projects the records it touched. Returns how many records changed (0 for bytes already seen).
    pub(crate) fn merge(&mut self, address: DocAddress, bytes: &[u8]) -> Result<usize> {
        let cached =
            documents::checkout_or_create(self.conn, self.docs, self.actor, address, self.now)?;
        let before = cached.doc.heads();
        cached.doc.merge_bytes(bytes)?;
        if cached.doc.heads() == before {
            return Ok(0);
        }
        let new_changes = cached.doc.save_after(&before);
        let changed = cached.doc.changed_since(&before);
        documents::append(self.conn, cached, &new_changes, self.now, None)?;
        projection::project(self.conn, &cached.doc, &changed)?;
        Ok(changed.len())
    }

    /// A full, standard Automerge save of the document at `address`, if this device holds it.
    pub(crate) fn save_document(&mut self, address: DocAddress) -> Result<Option<Vec<u8>>> {
        Ok(documents::checkout(self.conn, self.docs, self.actor, address)?.map(|c| c.doc.save()))
    }

    /// Projects every record of the document at `address` (for `rebuild`).
    pub(crate) fn reproject(&mut self, address: DocAddress) -> Result<()> {
        if let Some(cached) = documents::checkout(self.conn, self.docs, self.actor, address)? {
            let records = cached.doc.all_records();
            projection::project(self.conn, &cached.doc, &records)?;
        }
        Ok(())
    }

    /// The document at `address` as stored, if this device holds it.
    pub(crate) fn document(&mut self, address: DocAddress) -> Result<Option<&Document>> {
        Ok(documents::checkout(self.conn, self.docs, self.actor, address)?.map(|c| &c.doc))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use jiff::Timestamp;
    use rusqlite::StatementStatus;

    use crate::store::Store;

    const COUNT_SETTINGS: &str = "SELECT count(*) FROM app_settings";

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        (dir, store)
    }

    /// How often the connection's cached `COUNT_SETTINGS` had to be compiled again.
    fn recompiled(store: &Store) -> i32 {
        let mut statement = store.conn().prepare_cached(COUNT_SETTINGS).unwrap();
        let _: i64 = statement.query_row([], |row| row.get(0)).unwrap();
        statement.get_status(StatementStatus::RePrepare)
    }

    fn put_setting(tx: &mut super::WriteTx<'_>) -> crate::error::Result<()> {
        tx.conn.execute(
            "INSERT OR REPLACE INTO app_settings (key, value, updated_at) VALUES ('t', 'v', '2026-01-01T00:00:00Z')",
            [],
        )?;
        Ok(())
    }

    #[test]
    fn a_write_in_any_order_that_needs_no_deferral_keeps_prepared_statements_valid() {
        let (_dir, mut store) = store();
        assert_eq!(recompiled(&store), 0);
        store
            .write_any_order(Timestamp::now(), put_setting)
            .unwrap();
        assert_eq!(
            recompiled(&store),
            0,
            "the defer pragma expired the connection's statements"
        );
        // What the check sees when the pragma runs: the statement is compiled again.
        store.write(Timestamp::now(), put_setting).unwrap();
        assert_eq!(recompiled(&store), 1);
    }

    fn synchronous(store: &Store) -> i64 {
        store
            .conn()
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn after_a_merge_or_bookkeeping_the_next_local_save_is_synced_again() {
        const FULL: i64 = 2;
        let (_dir, mut store) = store();
        assert_eq!(synchronous(&store), FULL);
        store
            .write_any_order(Timestamp::now(), put_setting)
            .unwrap();
        assert_eq!(synchronous(&store), FULL);
        store
            .write_bookkeeping(Timestamp::now(), put_setting)
            .unwrap();
        assert_eq!(synchronous(&store), FULL);
        // A failed relaxed write too.
        let failed = store.write_bookkeeping(Timestamp::now(), |tx| {
            put_setting(tx)?;
            Err::<(), _>(crate::error::StoreError::Missing("on purpose".into()))
        });
        assert!(failed.is_err());
        assert_eq!(synchronous(&store), FULL);
    }

    #[test]
    fn a_relaxed_write_that_panics_leaves_the_next_write_synced() {
        const FULL: i64 = 2;
        let (_dir, mut store) = store();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.write_bookkeeping(Timestamp::now(), |_| -> crate::error::Result<()> {
                panic!("on purpose")
            });
        }));
        assert!(panicked.is_err());
        store.write_local(Timestamp::now(), put_setting).unwrap();
        assert_eq!(synchronous(&store), FULL);
    }

    #[test]
    fn a_write_in_any_order_may_write_a_row_before_the_row_it_refers_to() {
        let (_dir, mut store) = store();
        let child_then_parent = |tx: &mut super::WriteTx<'_>| -> crate::error::Result<()> {
            tx.conn.execute(
                "INSERT INTO daily_checkins (id, relationship_id, user_id, checkin_date,
                     connection_score, mood_score, relationship_satisfaction, created_at)
                 VALUES ('c', 'r', 'u', '2026-01-01', 5, 5, 5, '2026-01-01T00:00:00Z')",
                [],
            )?;
            tx.conn.execute(
                "INSERT INTO users (id, email, name, timezone, created_at, updated_at)
                 VALUES ('u', NULL, 'U', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                [],
            )?;
            tx.conn.execute(
                "INSERT INTO relationships (id, user_1_id, relationship_type, created_at, updated_at)
                 VALUES ('r', 'u', 'dating', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                [],
            )?;
            Ok(())
        };
        assert!(
            store
                .write_local(Timestamp::now(), child_then_parent)
                .is_err(),
            "checked statement by statement, the check-in's relationship is missing"
        );
        store
            .write_any_order(Timestamp::now(), child_then_parent)
            .unwrap();
        let checkins: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM daily_checkins", [], |row| row.get(0))
            .unwrap();
        assert_eq!(checkins, 1);
    }
}
