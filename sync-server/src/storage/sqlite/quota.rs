//! The per-account storage quota: `users.stored_bytes` counts the ciphertext bytes an account's
//! devices uploaded that are still stored (log entries, in its own and in the couple's
//! documents, and snapshots).
//!
//! An upload is charged inside the transaction (or group-commit savepoint) that stores it, by one
//! conditional update, never by reading the counter and deciding in Rust: two uploads racing,
//! from one server or from several sharing a database, cannot both slip under the quota, and a
//! refused upload rolls back with its savepoint. Bytes leaving the database are given back by
//! triggers (migration V8), whatever deletes them.

use rusqlite::{Connection, OptionalExtension, params};

use crate::storage::StorageError;
use crate::storage::quota::{self, Quota};

use super::SqliteStorage;

/// Adds `bytes` to `user_id`'s usage if that keeps it within `max_bytes`; otherwise refuses with
/// [`StorageError::QuotaExceeded`] and changes nothing (the caller rolls its transaction back).
pub(super) fn charge(
    conn: &Connection,
    user_id: &str,
    bytes: u64,
    max_bytes: u64,
) -> Result<(), StorageError> {
    if bytes == 0 {
        return Ok(());
    }
    let (bytes, max) = quota::sql_figures(bytes, max_bytes)?;
    // The rule of `quota::charged`, as one conditional update.
    let charged = conn
        .prepare_cached(
            "UPDATE users SET stored_bytes = stored_bytes + ?2
             WHERE id = ?1 AND stored_bytes + ?2 <= ?3",
        )?
        .execute(params![user_id, bytes, max])?;
    if charged == 1 {
        return Ok(());
    }
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)")?
        .query_row([user_id], |row| row.get(0))?;
    if exists {
        Err(StorageError::QuotaExceeded { max_bytes })
    } else {
        Err(StorageError::NotFound("no such account".into()))
    }
}

#[async_trait::async_trait]
impl Quota for SqliteStorage {
    async fn stored_bytes(&self, user_id: String) -> Result<u64, StorageError> {
        self.with_conn(move |conn| {
            let bytes: Option<i64> = conn
                .query_row(
                    "SELECT stored_bytes FROM users WHERE id = ?1",
                    [&user_id],
                    |row| row.get(0),
                )
                .optional()?;
            let bytes = bytes.ok_or_else(|| StorageError::NotFound("no such account".into()))?;
            Ok(u64::try_from(bytes).unwrap_or(0))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;
    use crate::storage::prelude::*;
    use crate::storage::{AppendJob, Appended, DocAccess, NewAccount, NewSnapshot, SqliteStorage};

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    async fn account(db: &SqliteStorage, user: &str) {
        db.create_account(NewAccount::for_test(
            user,
            &format!("{user}-phone"),
            token_of(user),
        ))
        .await
        .unwrap();
    }

    /// A distinct token hash per user.
    fn token_of(user: &str) -> [u8; 32] {
        let mut hash = [0_u8; 32];
        for (i, b) in user.bytes().rev().enumerate().take(32) {
            hash[i] = b;
        }
        hash
    }

    fn job(user: &str, doc: &str, entries: &[(&str, usize)], max: u64) -> AppendJob {
        AppendJob {
            doc_id: doc.into(),
            access: DocAccess::of(doc).unwrap(),
            user_id: user.into(),
            device_id: format!("{user}-phone"),
            entries: entries
                .iter()
                .map(|(id, len)| ((*id).to_owned(), vec![7; *len]))
                .collect(),
            now: NOW.into(),
            max_account_bytes: max,
        }
    }

    fn user_doc(user: &str) -> String {
        format!("user-{user}")
    }

    async fn log_ids(db: &SqliteStorage, user: &str, doc: &str) -> Vec<String> {
        let (rows, _) = db
            .pull_entries(
                doc.into(),
                DocAccess::of(doc).unwrap(),
                user.into(),
                0,
                1000,
                usize::MAX,
            )
            .await
            .unwrap();
        rows.into_iter().map(|r| r.entry_id).collect()
    }

    const ALICE: &str = "0190a6f0-0000-7000-8000-00000000a11c";
    const BOB: &str = "0190a6f0-0000-7000-8000-000000000b0b";

    #[tokio::test]
    async fn an_append_over_the_quota_is_refused_and_retries_are_not_counted_twice() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteStorage::open(&dir.path().join("s.sqlite3")).unwrap();
        account(&db, ALICE).await;
        let doc = user_doc(ALICE);
        db.append_entries(job(ALICE, &doc, &[("e1", 600)], 1000))
            .await
            .unwrap();
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 600);
        db.append_entries(job(ALICE, &doc, &[("e1", 600)], 1000))
            .await
            .unwrap();
        assert_eq!(
            db.stored_bytes(ALICE.into()).await.unwrap(),
            600,
            "a retry is free"
        );
        // The same entry twice in one upload counts once too.
        db.append_entries(job(
            ALICE,
            &doc,
            &[("e1", 600), ("e2", 400), ("e2", 400)],
            1000,
        ))
        .await
        .unwrap();
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 1000);
        let refused = db
            .append_entries(job(ALICE, &doc, &[("e3", 1)], 1000))
            .await;
        assert!(
            matches!(
                refused,
                Err(StorageError::QuotaExceeded { max_bytes: 1000 })
            ),
            "{refused:?}"
        );
        assert_eq!(log_ids(&db, ALICE, &doc).await, ["e1", "e2"]);
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 1000);
    }

    #[tokio::test]
    async fn in_one_group_commit_a_refused_append_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteStorage::open(&dir.path().join("s.sqlite3")).unwrap();
        account(&db, ALICE).await;
        account(&db, BOB).await;
        let (a, b) = (user_doc(ALICE), user_doc(BOB));
        let outcomes = {
            let conn = db.conn.lock().unwrap();
            crate::storage::sqlite::group_commit::run_batch(
                &conn,
                vec![
                    job(ALICE, &a, &[("a1", 900)], 1000),
                    job(ALICE, &a, &[("a2", 50), ("a3", 200)], 1000),
                    job(BOB, &b, &[("b1", 500)], 1000),
                    job(ALICE, &a, &[("a4", 100)], 1000),
                ],
            )
            .unwrap()
        };
        let ok: Vec<bool> = outcomes.iter().map(Result::is_ok).collect();
        assert_eq!(ok, [true, false, true, true]);
        assert!(matches!(
            outcomes[1],
            Err(StorageError::QuotaExceeded { .. })
        ));
        assert_eq!(
            log_ids(&db, ALICE, &a).await,
            ["a1", "a4"],
            "a2 went with a3"
        );
        assert_eq!(log_ids(&db, BOB, &b).await, ["b1"]);
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 1000);
        assert_eq!(db.stored_bytes(BOB.into()).await.unwrap(), 500);
        let Ok(Appended { placed, .. }) = &outcomes[3] else {
            unreachable!()
        };
        assert_eq!(
            placed,
            &[("a4".to_owned(), 2)],
            "the refused append took no seq"
        );
    }

    fn snapshot(user: &str, covers_seq: i64, len: usize, max: u64) -> NewSnapshot {
        let doc = user_doc(user);
        NewSnapshot {
            access: DocAccess::of(&doc).unwrap(),
            doc_id: doc,
            user_id: user.into(),
            device_id: format!("{user}-phone"),
            covers_seq,
            ciphertext: vec![5; len],
            now: NOW.into(),
            max_account_bytes: max,
        }
    }

    #[tokio::test]
    async fn snapshots_are_counted_and_a_replaced_one_is_given_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteStorage::open(&dir.path().join("s.sqlite3")).unwrap();
        account(&db, ALICE).await;
        let doc = user_doc(ALICE);
        db.append_entries(job(
            ALICE,
            &doc,
            &[("e1", 100), ("e2", 100), ("e3", 100)],
            1000,
        ))
        .await
        .unwrap();
        assert!(
            db.put_snapshot(snapshot(ALICE, 1, 300, 1000))
                .await
                .unwrap()
        );
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 600);
        // A newer snapshot replaces the old one: 300 + 600, not 300 + 300 + 600.
        assert!(
            db.put_snapshot(snapshot(ALICE, 2, 600, 1000))
                .await
                .unwrap()
        );
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 900);
        // One that would go over (300 + 701) is refused and the stored one stays.
        let refused = db.put_snapshot(snapshot(ALICE, 3, 701, 1000)).await;
        assert!(
            matches!(refused, Err(StorageError::QuotaExceeded { .. })),
            "{refused:?}"
        );
        // One that is not newer is not stored, and nothing is charged.
        assert!(!db.put_snapshot(snapshot(ALICE, 2, 10, 1000)).await.unwrap());
        let (covers, bytes) = db
            .snapshot(doc.clone(), DocAccess::of(&doc).unwrap(), ALICE.into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((covers, bytes.len()), (2, 600));
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 900);
        // Exactly up to the quota is fine.
        assert!(
            db.put_snapshot(snapshot(ALICE, 3, 700, 1000))
                .await
                .unwrap()
        );
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 1000);
    }

    #[tokio::test]
    async fn bytes_deleted_by_any_path_are_given_back_to_their_uploader() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteStorage::open(&dir.path().join("s.sqlite3")).unwrap();
        account(&db, ALICE).await;
        account(&db, BOB).await;
        let rel = "0190a6f0-0000-7000-8000-0000000000e1";
        db.create_relationship(rel.into(), ALICE.into(), NOW.into())
            .await
            .unwrap();
        {
            let conn = db.conn.lock().unwrap();
            conn.execute(
                "INSERT INTO memberships (relationship_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
                params![rel, BOB, NOW],
            )
            .unwrap();
        }
        let shared = format!("rel-{rel}");
        db.append_entries(job(BOB, &shared, &[("b1", 700)], 1000))
            .await
            .unwrap();
        db.append_entries(job(ALICE, &shared, &[("a1", 200)], 1000))
            .await
            .unwrap();
        db.append_entries(job(ALICE, &user_doc(ALICE), &[("a2", 50)], 1000))
            .await
            .unwrap();
        assert_eq!(db.stored_bytes(BOB.into()).await.unwrap(), 700);
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 250);
        // The couple's documents go (as when a relationship is deleted): a cascade, no Rust code.
        {
            let conn = db.conn.lock().unwrap();
            conn.execute("DELETE FROM relationships WHERE id = ?1", [rel])
                .unwrap();
        }
        assert_eq!(db.stored_bytes(BOB.into()).await.unwrap(), 0);
        assert_eq!(db.stored_bytes(ALICE.into()).await.unwrap(), 50);
    }

    #[test]
    fn the_migration_backfills_usage_from_what_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let mut conn = Connection::open(&path).unwrap();
        crate::storage::sqlite::embedded::migrations::runner()
            .set_target(refinery::Target::Version(5))
            .run(&mut conn)
            .unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO users (id, email, created_at, updated_at) VALUES
                ('{ALICE}', 'a@example.com', '{NOW}', '{NOW}'),
                ('{BOB}', 'b@example.com', '{NOW}', '{NOW}');
             INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at) VALUES
                ('a-phone', '{ALICE}', 'phone', zeroblob(32), '{NOW}', '{NOW}'),
                ('a-laptop', '{ALICE}', 'laptop', randomblob(32), '{NOW}', '{NOW}'),
                ('b-phone', '{BOB}', 'phone', randomblob(32), '{NOW}', '{NOW}');
             INSERT INTO documents (doc_id, owner_user_id, created_at) VALUES
                ('user-{ALICE}', '{ALICE}', '{NOW}'), ('user-{BOB}', '{BOB}', '{NOW}');
             INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at) VALUES
                ('user-{ALICE}', 1, 'x', 'a-phone', zeroblob(1000), '{NOW}'),
                ('user-{ALICE}', 2, 'y', 'a-laptop', zeroblob(234), '{NOW}'),
                ('user-{BOB}', 1, 'z', 'b-phone', zeroblob(5), '{NOW}');
             INSERT INTO doc_snapshots (doc_id, covers_seq, ciphertext, device_id, created_at) VALUES
                ('user-{ALICE}', 2, zeroblob(66), 'a-phone', '{NOW}');"
        ))
        .unwrap();
        drop(conn);
        let conn = {
            let db = SqliteStorage::open(&path).unwrap();
            db.conn.clone()
        };
        let conn = conn.lock().unwrap();
        let usage = |user: &str| -> i64 {
            conn.query_row(
                "SELECT stored_bytes FROM users WHERE id = ?1",
                [user],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(usage(ALICE), 1300);
        assert_eq!(usage(BOB), 5);
    }
}
