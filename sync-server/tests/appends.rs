//! Appends under concurrency, against the storage layer itself (SQLite by default, PostgreSQL with
//! `bash scripts/pg.sh`): many devices appending at once to one document and to many are all
//! acknowledged with gapless increasing seqs; a refused append among good ones fails alone (and
//! one only the database refuses leaves its group commit rolled back, not half-done); and,
//! on PostgreSQL, two instances appending crosswise to the same documents never fail an append
//! (their group commits lock in one order, and a deadlock would be retried, not reported).
//! PostgreSQL's one-statement batches have their own tests in `one_statement.rs`.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::appends::{QUOTA, account, check_log, connect, couple, job, log, postgres_only, user};
use together_server::secrets::SecretText;
use together_server::storage::{PostgresStorage, Storage, StorageError};

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
    let Some((database, first)) =
        postgres_only("two_instances_appending_crosswise_never_fail_an_append").await
    else {
        return;
    };
    let one: Arc<dyn Storage> = first;
    let url = SecretText::new(database.url.clone());
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
    let (holder, driver) = connect(&database.url).await;
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
