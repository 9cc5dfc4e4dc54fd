//! Appends under concurrency, against the storage layer itself (SQLite by default, PostgreSQL with
//! `bash scripts/pg.sh`): many devices appending at once to one document and to many are all
//! acknowledged with gapless increasing seqs; a refused append among good ones fails alone (and
//! one only the database refuses leaves its group commit rolled back, not half-done); and,
//! on PostgreSQL, two instances appending crosswise to the same documents never fail an append
//! (their group commits lock in one order, and a deadlock would be retried, not reported).

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use together_server::secrets::SecretText;
use together_server::storage::{
    AppendJob, Appended, DocAccess, NewAccount, PostgresStorage, Storage, StorageError,
};

const NOW: &str = "2026-11-29T12:00:00.000Z";
const LATER: &str = "2026-11-30T12:00:00.000Z";
const QUOTA: u64 = 1 << 30;

fn user(n: usize) -> String {
    format!("0193a0f0-0000-7000-8000-{n:012}")
}

async fn account(db: &Arc<dyn Storage>, id: &str) {
    db.create_account(NewAccount {
        user_id: id.into(),
        email: format!("{id}@example.com"),
        name: None,
        salt: [1; 16],
        secret_hash: [2; 32],
        device_id: format!("dev-{id}"),
        device_name: "test".into(),
        token_hash: rand::random(),
        now: NOW.into(),
    })
    .await
    .unwrap();
}

/// Two accounts in one relationship; its id.
async fn couple(db: &Arc<dyn Storage>, a: &str, b: &str) -> String {
    let r = "0193a0f0-0000-7000-9000-000000000001".to_owned();
    db.create_relationship(r.clone(), a.into(), NOW.into())
        .await
        .unwrap();
    let secret: [u8; 32] = rand::random();
    db.create_invite(r.clone(), a.into(), secret, None, NOW.into(), LATER.into())
        .await
        .unwrap();
    db.redeem_invite(secret, b.into(), NOW.into())
        .await
        .unwrap();
    r
}

fn job(user: &str, doc: &str, entries: &[(&str, usize)], max: u64) -> AppendJob {
    AppendJob {
        doc_id: doc.into(),
        access: DocAccess::of(doc).unwrap(),
        user_id: user.into(),
        device_id: format!("dev-{user}"),
        entries: entries
            .iter()
            .map(|(id, len)| ((*id).to_owned(), vec![7; *len]))
            .collect(),
        now: NOW.into(),
        max_account_bytes: max,
    }
}

/// The log of `doc` as (seq, entry id), read by `user`.
async fn log(db: &Arc<dyn Storage>, user: &str, doc: &str) -> Vec<(i64, String)> {
    let (rows, more) = db
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
    assert!(!more);
    rows.into_iter().map(|r| (r.seq, r.entry_id)).collect()
}

/// Every acknowledged placement is in the log at its seq, and the log's seqs are 1..=n.
async fn check_log(db: &Arc<dyn Storage>, reader: &str, doc: &str, placed: &BTreeMap<String, i64>) {
    let log = log(db, reader, doc).await;
    let seqs: Vec<i64> = log.iter().map(|(seq, _)| *seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(placed.len()).unwrap()).collect();
    assert_eq!(seqs, expected, "{doc}: gapless, increasing from 1");
    for (seq, id) in &log {
        assert_eq!(
            placed.get(id),
            Some(seq),
            "{doc}: {id} acknowledged at its seq"
        );
    }
}

#[tokio::test]
async fn many_devices_appending_at_once_all_get_gapless_seqs() {
    let (_backend, db) = common::backend::storage().await;
    let (alice, bob) = (user(1), user(2));
    account(&db, &alice).await;
    account(&db, &bob).await;
    let shared = format!("rel-{}", couple(&db, &alice, &bob).await);
    let mut tasks = Vec::new();
    // 200 appends to the couple's document from both partners, 4 of them retries of an entry id
    // already sent, and 100 to each partner's own document, all at once.
    for i in 0..200 {
        let (who, doc) = if i % 2 == 0 {
            (alice.clone(), shared.clone())
        } else {
            (bob.clone(), shared.clone())
        };
        let id = if i % 50 == 49 {
            format!("e{}", i - 1)
        } else {
            format!("e{i}")
        };
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let placed = db
                .append_entries(job(&who, &doc, &[(id.as_str(), 16)], QUOTA))
                .await;
            (doc, placed)
        }));
    }
    for i in 0..200 {
        let who = if i % 2 == 0 {
            alice.clone()
        } else {
            bob.clone()
        };
        let doc = format!("user-{who}");
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("own{i}");
            let placed = db
                .append_entries(job(&who, &doc, &[(id.as_str(), 8), ("twice", 8)], QUOTA))
                .await;
            (doc, placed)
        }));
    }
    let mut placed: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for task in tasks {
        let (doc, outcome) = task.await.unwrap();
        for (id, seq) in outcome.unwrap().placed {
            let previous = placed
                .entry(doc.clone())
                .or_default()
                .insert(id.clone(), seq);
            assert!(
                previous.is_none_or(|p| p == seq),
                "{id} placed at {previous:?} and {seq}"
            );
        }
    }
    assert_eq!(placed[&shared].len(), 196, "4 retries took no seq");
    check_log(&db, &alice, &shared, &placed[&shared]).await;
    for who in [&alice, &bob] {
        let doc = format!("user-{who}");
        assert_eq!(placed[&doc].len(), 101, "100 own entries and one `twice`");
        check_log(&db, who, &doc, &placed[&doc]).await;
    }
    // Charged once per entry stored (a retry is charged to whichever came first): 16 bytes ×
    // 196 shared, 8 × 101 own each.
    let alice_bytes = db.stored_bytes(alice.clone()).await.unwrap();
    let bob_bytes = db.stored_bytes(bob.clone()).await.unwrap();
    assert_eq!(alice_bytes + bob_bytes, 16 * 196 + 2 * 8 * 101);
}

#[tokio::test]
async fn a_refused_append_among_good_ones_fails_alone() {
    let (_backend, db) = common::backend::storage().await;
    let (alice, bob, carol) = (user(1), user(2), user(3));
    for who in [&alice, &bob, &carol] {
        account(&db, who).await;
    }
    let shared = format!("rel-{}", couple(&db, &alice, &bob).await);
    let (a, b) = (format!("user-{alice}"), format!("user-{bob}"));
    let jobs = vec![
        (job(&alice, &a, &[("a1", 900)], 1000), Ok(())),
        (job(&carol, &b, &[("c1", 10)], 1000), Err("not found")),
        (job(&carol, &shared, &[("c2", 10)], 1000), Err("not found")),
        (
            job(&carol, &format!("user-{carol}"), &[("c3", 10)], 1000),
            Ok(()),
        ),
        (job(&bob, &b, &[("b1", 500)], 1000), Ok(())),
        (job(&bob, &shared, &[("b2", 400)], 1000), Ok(())),
        (job(&bob, &shared, &[("b3", 1001)], 1000), Err("quota")),
    ];
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(job, expected)| {
            let db = db.clone();
            tokio::spawn(async move { (db.append_entries(job).await, expected) })
        })
        .collect();
    for task in tasks {
        let (outcome, expected) = task.await.unwrap();
        match (expected, outcome) {
            (Ok(()), Ok(_)) => {}
            (Err("not found"), Err(StorageError::NotFound(_))) => {}
            (Err("quota"), Err(StorageError::QuotaExceeded { max_bytes: 1000 })) => {}
            (expected, outcome) => panic!("expected {expected:?}, got {outcome:?}"),
        }
    }
    let ids = |log: Vec<(i64, String)>| log.into_iter().map(|(_, id)| id).collect::<Vec<_>>();
    assert_eq!(ids(log(&db, &alice, &a).await), ["a1"]);
    assert_eq!(ids(log(&db, &bob, &b).await), ["b1"]);
    assert_eq!(
        ids(log(&db, &alice, &shared).await),
        ["b2"],
        "b3 refused, c2 not Carol's"
    );
    assert_eq!(db.stored_bytes(alice.clone()).await.unwrap(), 900);
    assert_eq!(db.stored_bytes(bob.clone()).await.unwrap(), 900);
    assert_eq!(db.stored_bytes(carol.clone()).await.unwrap(), 10);
    // Carol reaches her own document only: her refused appends gave her nothing.
    let mut docs: Vec<String> = db
        .accessible_documents(carol.clone())
        .await
        .unwrap()
        .into_iter()
        .map(|(doc, _)| doc)
        .collect();
    docs.sort();
    assert_eq!(docs, [format!("user-{carol}")]);
}

/// An append only the database refuses (its CHECK on entry ids; the API refuses such an id
/// before) fails its whole group commit: that transaction must be rolled back, nothing of it
/// stored, its good appends stored once each (one by one), and no connection left inside it, so
/// every append after it still succeeds.
#[tokio::test]
async fn an_append_the_database_refuses_fails_alone_and_later_appends_go_on() {
    let (_backend, db) = common::backend::storage().await;
    let (alice, bob) = (user(1), user(2));
    account(&db, &alice).await;
    account(&db, &bob).await;
    let shared = format!("rel-{}", couple(&db, &alice, &bob).await);
    // Refused late (the entry, among the writes) and early (a new document of an account that
    // does not exist, among the reads: no account, no quota row).
    let too_long = "x".repeat(65);
    let ghost = user(9);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let who = if i % 2 == 0 { &alice } else { &bob };
        let (id, job) = match i {
            10 => (
                "ghost".to_owned(),
                job(&ghost, &format!("user-{ghost}"), &[("g", 10)], QUOTA),
            ),
            20 => (
                too_long.clone(),
                job(who, &shared, &[(too_long.as_str(), 10)], QUOTA),
            ),
            _ => (
                format!("e{i}"),
                job(who, &shared, &[(format!("e{i}").as_str(), 10)], QUOTA),
            ),
        };
        let db = db.clone();
        tasks.push(tokio::spawn(
            async move { (id, db.append_entries(job).await) },
        ));
    }
    let mut placed = BTreeMap::new();
    for task in tasks {
        let (id, outcome) = task.await.unwrap();
        match outcome {
            Ok(appended) => placed.extend(appended.placed),
            Err(_) if id == too_long || id == "ghost" => {}
            Err(error) => panic!("{id}: {error}"),
        }
    }
    // The refused ones are not stored: `check_log` below finds exactly the placed entries in the
    // log, and the ghost has no document.
    assert_eq!(db.accessible_documents(ghost.clone()).await.unwrap(), []);
    // Every connection is usable: many appends after it, at once and one after the other.
    let mut later = Vec::new();
    for i in 0..40 {
        let (db, job) = (
            db.clone(),
            job(
                &alice,
                &shared,
                &[(format!("later{i}").as_str(), 10)],
                QUOTA,
            ),
        );
        later.push(tokio::spawn(async move { db.append_entries(job).await }));
    }
    for task in later {
        placed.extend(task.await.unwrap().unwrap().placed);
    }
    for i in 0..10 {
        let job = job(&bob, &shared, &[(format!("last{i}").as_str(), 10)], QUOTA);
        placed.extend(db.append_entries(job).await.unwrap().placed);
    }
    assert_eq!(placed.len(), 38 + 40 + 10);
    check_log(&db, &alice, &shared, &placed).await;
    let charged =
        db.stored_bytes(alice.clone()).await.unwrap() + db.stored_bytes(bob.clone()).await.unwrap();
    assert_eq!(
        charged,
        10 * 88,
        "each stored entry charged once, the refused one not"
    );
}

#[tokio::test]
async fn a_refused_first_append_leaves_no_empty_document() {
    let (_backend, db) = common::backend::storage().await;
    let alice = user(1);
    account(&db, &alice).await;
    let doc = format!("user-{alice}");
    let refused = db
        .append_entries(job(&alice, &doc, &[("too-big", 2000)], 1000))
        .await;
    assert!(
        matches!(refused, Err(StorageError::QuotaExceeded { .. })),
        "{refused:?}"
    );
    assert_eq!(db.accessible_documents(alice.clone()).await.unwrap(), []);
}

#[tokio::test]
async fn two_instances_appending_crosswise_never_fail_an_append() {
    let Some(database) = common::backend::fresh_database().await else {
        eprintln!(
            "two_instances_appending_crosswise_never_fail_an_append: PostgreSQL only; skipped"
        );
        return;
    };
    let url = SecretText::new(database.url.clone());
    let one: Arc<dyn Storage> = Arc::new(PostgresStorage::open(&url).await.unwrap());
    let two: Arc<dyn Storage> = Arc::new(PostgresStorage::open(&url).await.unwrap());
    const ROUNDS: usize = 16;
    let people: Vec<String> = (1..=8).map(user).collect();
    for who in &people {
        account(&one, who).await;
    }
    // Each device appends to every document in turn, starting at a different one, through one
    // instance or the other: batches on both instances hold many of the same documents.
    let docs: Vec<String> = people.iter().map(|who| format!("user-{who}")).collect();
    for doc in &docs {
        let owner = doc.trim_start_matches("user-");
        one.append_entries(job(owner, doc, &[("first", 32)], QUOTA))
            .await
            .unwrap();
    }
    // The documents are held for a moment by someone else, so the first batches of both
    // instances all wait, then start together: the moment two lock orders would meet.
    let (holder, connection) = tokio_postgres::connect(&database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    holder.batch_execute("BEGIN").await.unwrap();
    holder
        .execute(
            "SELECT 1 FROM documents WHERE doc_id = ANY($1) FOR UPDATE",
            &[&docs],
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for device in 0..64_usize {
        let db = if (device / 2) % 2 == 0 {
            one.clone()
        } else {
            two.clone()
        };
        let docs = docs.clone();
        tasks.push(tokio::spawn(async move {
            let mut placed = Vec::new();
            for round in 0..ROUNDS {
                let index = (device + round * if device % 8 < 4 { 1 } else { 7 }) % docs.len();
                let doc = &docs[index];
                let owner = doc.trim_start_matches("user-");
                let id = format!("d{device}-r{round}");
                let outcome = db
                    .append_entries(job(owner, doc, &[(id.as_str(), 32)], QUOTA))
                    .await;
                placed.push((doc.clone(), outcome));
            }
            placed
        }));
    }
    // Not a timing assertion: gives the tasks time to queue behind the held rows.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    holder.batch_execute("COMMIT").await.unwrap();
    drop(holder);
    let _ = driver.await;
    let mut placed: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for doc in &docs {
        placed
            .entry(doc.clone())
            .or_default()
            .insert("first".into(), 1);
    }
    for task in tasks {
        for (doc, outcome) in task.await.unwrap() {
            let outcome = outcome.unwrap_or_else(|e| panic!("an append failed: {e:?}"));
            for (id, seq) in outcome.placed {
                placed.entry(doc.clone()).or_default().insert(id, seq);
            }
        }
    }
    for doc in &docs {
        let owner = doc.trim_start_matches("user-");
        assert_eq!(placed[doc].len(), 1 + 64 * ROUNDS / docs.len());
        check_log(&one, owner, doc, &placed[doc]).await;
    }
}

/// The ways `storage`'s group commit has gone so far: (in one round trip, rolled back because an
/// assumption did not hold, read first).
fn ways(storage: &PostgresStorage) -> (u64, u64, u64) {
    let ways = storage.batch_ways();
    (
        ways.predicted.load(Ordering::Relaxed),
        ways.mispredicted.load(Ordering::Relaxed),
        ways.read_first.load(Ordering::Relaxed),
    )
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
    let Some(database) = common::backend::fresh_database().await else {
        eprintln!("a_writer_that_assumed_wrong_never_acknowledges_wrong: PostgreSQL only; skipped");
        return;
    };
    let url = SecretText::new(database.url.clone());
    let first = Arc::new(PostgresStorage::open(&url).await.unwrap());
    let one: Arc<dyn Storage> = first.clone();
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
    let Some(database) = common::backend::fresh_database().await else {
        eprintln!(
            "an_entry_sent_again_over_a_lowered_quota_is_placed_where_it_is: PostgreSQL only; skipped"
        );
        return;
    };
    let url = SecretText::new(database.url.clone());
    let first = Arc::new(PostgresStorage::open(&url).await.unwrap());
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
    let Some(database) = common::backend::fresh_database().await else {
        eprintln!("appends_that_waited_together_go_in_one_statement: PostgreSQL only; skipped");
        return;
    };
    let url = SecretText::new(database.url.clone());
    let first = Arc::new(PostgresStorage::open(&url).await.unwrap());
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
    let (holder, connection) = tokio_postgres::connect(&database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
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
    let Some(database) = common::backend::fresh_database().await else {
        eprintln!(
            "when_the_one_statement_way_fails_appends_go_on_the_other_way: PostgreSQL only; skipped"
        );
        return;
    };
    let url = SecretText::new(database.url.clone());
    let first = Arc::new(PostgresStorage::open(&url).await.unwrap());
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
    let (admin, connection) = tokio_postgres::connect(&database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
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
        first.batch_ways().failed.load(Ordering::Relaxed),
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
    let (holder, connection) = tokio_postgres::connect(&database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
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
    assert_eq!(first.batch_ways().failed.load(Ordering::Relaxed), 0);
    drop(holder);
    let _ = driver.await;
}
