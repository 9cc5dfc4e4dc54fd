//! PostgreSQL's one-statement group commit (`storage/postgres/batch_predicted.rs`), against the
//! storage layer on real PostgreSQL (`bash scripts/pg.sh`; on SQLite these tests return at once):
//! a batch decided on what the writer assumes is never acknowledged wrong when an assumption no
//! longer holds, several waiting appends go in one statement, and the way failing or meeting a
//! conflict never fails an append.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::appends::{
    LATER, QUOTA, account, check_log, connect, couple, job, postgres_only, user,
};
use together_server::secrets::SecretText;
use together_server::storage::{Appended, Instance, PostgresStorage, Storage, StorageError};

/// The ways `storage`'s group commit has gone so far: (in one round trip, rolled back because an
/// assumption did not hold, read first).
fn ways(storage: &PostgresStorage) -> (u64, u64, u64) {
    let ways = storage.group_commit_ways().unwrap();
    (ways.one_statement, ways.assumed_wrong, ways.read_first)
}

/// Waits until a session of this database waits for a row lock (what the tests hold to line
/// appends up), at most ten seconds.
async fn until_someone_waits_for_a_lock(client: &tokio_postgres::Client) {
    for _ in 0..1000 {
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("nobody waited for the held row");
}

/// PostgreSQL's writer commits a batch in one round trip when it knows its documents' latest
/// seqs, decided on what it assumes (current members, entries not stored yet, room in the quota).
/// Whatever it assumed that no longer holds (another instance appended, an entry is sent again, the
/// quota is nearly full, the relationship ended) is caught inside the transaction, and the batch
/// is decided again on what the database holds: never acknowledged wrong.
#[tokio::test]
async fn a_writer_that_assumed_wrong_never_acknowledges_wrong() {
    let Some((database, first)) =
        postgres_only("a_writer_that_assumed_wrong_never_acknowledges_wrong").await
    else {
        return;
    };
    let one: Arc<dyn Storage> = first.clone();
    let url = SecretText::new(database.url.clone());
    let two: Arc<dyn Storage> = Arc::new(PostgresStorage::open(&url).await.unwrap());
    let (alice, bob) = (user(1), user(2));
    account(&one, &alice).await;
    account(&one, &bob).await;
    let relationship = couple(&one, &alice, &bob).await;
    let shared = format!("rel-{relationship}");
    let append = |db: &Arc<dyn Storage>, who: &str, id: &str, bytes: usize, max: u64| {
        let (db, job) = (db.clone(), job(who, &shared, &[(id, bytes)], max));
        async move { db.append_entries(job).await }
    };
    let seq = |appended: Appended| appended.placed[0].1;
    let mut placed = BTreeMap::new();

    // Nothing known of the document: read first; then known, in one round trip.
    assert_eq!(seq(append(&one, &alice, "e1", 16, QUOTA).await.unwrap()), 1);
    assert_eq!(ways(&first), (0, 0, 1));
    assert_eq!(seq(append(&one, &alice, "e2", 16, QUOTA).await.unwrap()), 2);
    assert_eq!(ways(&first), (1, 0, 1), "one round trip");

    // Another instance appends: this one's latest seq is out of date.
    assert_eq!(seq(append(&two, &bob, "e3", 16, QUOTA).await.unwrap()), 3);
    assert_eq!(seq(append(&one, &alice, "e4", 16, QUOTA).await.unwrap()), 4);
    assert_eq!(ways(&first), (1, 1, 2), "assumed seq 3: rolled back, read");

    // An entry sent again is placed where it is, and charged once.
    let before = one.stored_bytes(alice.clone()).await.unwrap();
    assert_eq!(seq(append(&one, &alice, "e4", 16, QUOTA).await.unwrap()), 4);
    assert_eq!(ways(&first), (1, 2, 3), "assumed new: rolled back, read");
    assert_eq!(one.stored_bytes(alice.clone()).await.unwrap(), before);
    assert_eq!(seq(append(&one, &alice, "e5", 16, QUOTA).await.unwrap()), 5);
    assert_eq!(ways(&first), (2, 2, 3));

    // Ten bytes of room left: eleven are refused, though the batch was decided as if Alice held
    // nothing; ten fit.
    let stored = one.stored_bytes(alice.clone()).await.unwrap();
    let max = stored + 10;
    let refused = append(&one, &alice, "e6", 11, max).await;
    assert!(
        matches!(refused, Err(StorageError::QuotaExceeded { .. })),
        "{refused:?}"
    );
    assert_eq!(ways(&first), (2, 3, 4), "assumed room: rolled back, read");
    assert_eq!(seq(append(&one, &alice, "e7", 10, max).await.unwrap()), 6);
    assert_eq!(
        ways(&first),
        (3, 3, 4),
        "exactly the room left, in one round trip"
    );
    assert_eq!(one.stored_bytes(alice.clone()).await.unwrap(), max);

    // Bob ends the relationship through the other instance: Alice can no longer write to it.
    two.leave_relationship(relationship.clone(), bob.clone(), LATER.into())
        .await
        .unwrap();
    let refused = append(&one, &alice, "e8", 16, QUOTA).await;
    assert!(
        matches!(refused, Err(StorageError::RelationshipEnded)),
        "{refused:?}"
    );
    assert_eq!(
        ways(&first),
        (3, 4, 5),
        "assumed a member: rolled back, read"
    );

    for (id, seq) in [
        ("e1", 1),
        ("e2", 2),
        ("e3", 3),
        ("e4", 4),
        ("e5", 5),
        ("e7", 6),
    ] {
        placed.insert(id.to_owned(), seq);
    }
    check_log(&one, &alice, &shared, &placed).await;
}

/// An entry sent again after its account went over a lowered quota is placed where it is, as it
/// would be alone: a batch decided on what the writer assumes never refuses anything (a refusal is
/// decided on what the database holds).
#[tokio::test]
async fn an_entry_sent_again_over_a_lowered_quota_is_placed_where_it_is() {
    let Some((_database, first)) =
        postgres_only("an_entry_sent_again_over_a_lowered_quota_is_placed_where_it_is").await
    else {
        return;
    };
    let db: Arc<dyn Storage> = first.clone();
    let alice = user(1);
    account(&db, &alice).await;
    let doc = format!("user-{alice}");
    let placed = |appended: Appended| appended.placed;
    db.append_entries(job(&alice, &doc, &[("small", 10)], QUOTA))
        .await
        .unwrap();
    let big = db
        .append_entries(job(&alice, &doc, &[("big", 100)], QUOTA))
        .await
        .unwrap();
    assert_eq!(placed(big), [("big".to_owned(), 2)]);
    // The quota lowered under what Alice holds; her device sends `big` again (it never heard the
    // answer).
    let again = db
        .append_entries(job(&alice, &doc, &[("big", 100)], 50))
        .await;
    assert_eq!(
        again.map(placed).map_err(|e| e.to_string()),
        Ok(vec![("big".to_owned(), 2)])
    );
    assert_eq!(db.stored_bytes(alice.clone()).await.unwrap(), 110);
}

/// Appends that waited behind a held document go in one batch of several, in one statement: each
/// placed in turn, the log gapless.
#[tokio::test]
async fn appends_that_waited_together_go_in_one_statement() {
    let Some((database, first)) =
        postgres_only("appends_that_waited_together_go_in_one_statement").await
    else {
        return;
    };
    let db: Arc<dyn Storage> = first.clone();
    let (alice, bob) = (user(1), user(2));
    account(&db, &alice).await;
    account(&db, &bob).await;
    let shared = format!("rel-{}", couple(&db, &alice, &bob).await);
    let mut placed = BTreeMap::new();
    placed.extend(
        db.append_entries(job(&alice, &shared, &[("first", 16)], QUOTA))
            .await
            .unwrap()
            .placed,
    );
    let before = ways(&first);
    let (holder, driver) = connect(&database.url).await;
    holder.batch_execute("BEGIN").await.unwrap();
    holder
        .execute(
            "SELECT 1 FROM documents WHERE doc_id = $1 FOR UPDATE",
            &[&shared],
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let who = if i % 2 == 0 { &alice } else { &bob };
        let (db, job) = (
            db.clone(),
            job(who, &shared, &[(format!("e{i}").as_str(), 16)], QUOTA),
        );
        tasks.push(tokio::spawn(async move { db.append_entries(job).await }));
        if i == 0 {
            // The first append's batch is in PostgreSQL, waiting for the document.
            until_someone_waits_for_a_lock(&holder).await;
        }
    }
    // The 19 others queue in the writer meanwhile (this test's runtime has one thread: they are
    // all queued before the writer can answer the first).
    tokio::task::yield_now().await;
    holder.batch_execute("COMMIT").await.unwrap();
    drop(holder);
    let _ = driver.await;
    for task in tasks {
        placed.extend(task.await.unwrap().unwrap().placed);
    }
    let after = ways(&first);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1, after.2 - before.2),
        (2, 0, 0),
        "the first append alone, then the 19 that waited, each batch in one statement"
    );
    assert_eq!(placed.len(), 21);
    check_log(&db, &alice, &shared, &placed).await;
}

/// The one-statement way failing for a reason of its own (here its function is gone) never fails
/// an append: the batch is read first instead, and the writer stops trying that way for a while
/// rather than paying a failed call at every batch.
#[tokio::test]
async fn when_the_one_statement_way_fails_appends_go_on_the_other_way() {
    let Some((database, first)) =
        postgres_only("when_the_one_statement_way_fails_appends_go_on_the_other_way").await
    else {
        return;
    };
    let db: Arc<dyn Storage> = first.clone();
    let alice = user(1);
    account(&db, &alice).await;
    let doc = format!("user-{alice}");
    let seq = |appended: Appended| appended.placed[0].1;
    for (n, id) in ["e1", "e2"].into_iter().enumerate() {
        let appended = db.append_entries(job(&alice, &doc, &[(id, 8)], QUOTA));
        assert_eq!(seq(appended.await.unwrap()), i64::try_from(n).unwrap() + 1);
    }
    assert_eq!(ways(&first), (1, 0, 1));
    let (admin, driver) = connect(&database.url).await;
    admin
        .batch_execute("DROP FUNCTION together_append_batch")
        .await
        .unwrap();
    for (n, id) in ["e3", "e4", "e5"].into_iter().enumerate() {
        let appended = db.append_entries(job(&alice, &doc, &[(id, 8)], QUOTA));
        assert_eq!(seq(appended.await.unwrap()), i64::try_from(n).unwrap() + 3);
    }
    assert_eq!(ways(&first), (1, 0, 4), "read first, every one");
    assert_eq!(
        first.group_commit_ways().unwrap().failed,
        1,
        "tried once, then not again for a while"
    );
    drop(admin);
    let _ = driver.await;
}

/// Under a stricter default isolation, a write that commits while a one-statement batch waits for
/// its lock is a serialization failure: an assumption that did not hold, like any other (read
/// first, no pause of the one-statement way), not a failure of that way.
#[tokio::test]
async fn under_repeatable_read_a_conflict_is_an_assumption_that_did_not_hold() {
    let Some(database) = common::backend::fresh_database().await else {
        eprintln!(
            "under_repeatable_read_a_conflict_is_an_assumption_that_did_not_hold: PostgreSQL only; skipped"
        );
        return;
    };
    let (holder, driver) = connect(&database.url).await;
    holder
        .batch_execute(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation \
             = %L', current_database(), 'repeatable read'); END $$",
        )
        .await
        .unwrap();
    let url = SecretText::new(database.url.clone());
    let first = Arc::new(PostgresStorage::open(&url).await.unwrap());
    let db: Arc<dyn Storage> = first.clone();
    let alice = user(1);
    account(&db, &alice).await;
    let doc = format!("user-{alice}");
    let append = |id: &str| {
        let (db, job) = (db.clone(), job(&alice, &doc, &[(id, 8)], QUOTA));
        async move { db.append_entries(job).await.unwrap().placed[0].1 }
    };
    assert_eq!(append("e1").await, 1);
    assert_eq!(append("e2").await, 2);
    // Someone else holds Alice's row (as a charge on another instance would), so e3's call takes
    // its snapshot, then waits for the row; the row changes under it.
    holder
        .batch_execute(&format!(
            "BEGIN; UPDATE users SET stored_bytes = stored_bytes WHERE id = '{alice}'"
        ))
        .await
        .unwrap();
    let e3 = tokio::spawn(append("e3"));
    until_someone_waits_for_a_lock(&holder).await;
    holder.batch_execute("COMMIT").await.unwrap();
    assert_eq!(e3.await.unwrap(), 3);
    assert_eq!(append("e4").await, 4);
    assert_eq!(
        ways(&first),
        (2, 1, 2),
        "e3 met a serialization failure and was read first; e4 in one statement again"
    );
    assert_eq!(first.group_commit_ways().unwrap().failed, 0);
    drop(holder);
    let _ = driver.await;
}
