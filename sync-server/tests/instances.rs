//! Several `together-server` processes on one PostgreSQL database, over real HTTP and WebSockets
//! on loopback: they start together (migrating once), a partner on instance 2 hears live what was
//! appended through instance 1 (LISTEN/NOTIFY; small entries inside the news), a device signed out through one instance loses
//! its socket on the other, and `kill -9` of an instance during uploads loses no acknowledged entry
//! while its devices carry on through the other. Runs only on PostgreSQL
//! (`TOGETHER_TEST_DATABASE_URL`); otherwise each test says so and passes.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::backend::TestDatabase;
use common::instances::{
    Heard, append, connect, connect_to, couple_across, hear, log_of, next, postgres_or_skip,
    two_instances,
};

#[tokio::test]
async fn live_news_and_sign_outs_cross_instances() {
    let Some(server) = postgres_or_skip("live_news_and_sign_outs_cross_instances") else {
        return;
    };
    let database = TestDatabase::create(&server).await;
    // Both start at once on an empty database: one of them migrates, the other waits for it.
    let (one, two) = two_instances(&database.url).await;

    let (alice, bob, relationship) = couple_across(&one.base, &two.base, 1).await;
    let mut bob_live = connect(&bob).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let doc = format!("rel-{relationship}-2026");
    assert_eq!(append(&alice, &doc, "through-one").await, Ok(1));
    assert_eq!(
        next(&mut bob_live, Duration::from_secs(5)).await,
        Heard::Message(
            serde_json::json!({ "type": "new_entries", "doc_id": doc, "latest_seq": 1 })
        ),
        "Bob, on instance 2, hears what Alice appended through instance 1"
    );
    // And the other way round.
    let mut alice_live = connect(&alice).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(append(&bob, &doc, "through-two").await, Ok(2));
    assert!(
        hear(&mut alice_live, Duration::from_secs(5), |m| m["latest_seq"]
            == 2)
        .await,
        "Alice, on instance 1, hears Bob's append through instance 2"
    );

    // Bob's device is signed out through instance 1: its socket on instance 2 closes.
    let mut bob_on_one = bob.clone();
    bob_on_one.base = one.base.clone();
    let signed_out = bob_on_one
        .delete(&format!("/v1/devices/{}", bob.device_id))
        .await;
    assert_eq!(signed_out.status, 204, "{}", signed_out.body);
    let mut closed = false;
    for _ in 0..10 {
        match next(&mut bob_live, Duration::from_secs(5)).await {
            Heard::Closed => {
                closed = true;
                break;
            }
            Heard::Message(_) => continue,
            Heard::Nothing => break,
        }
    }
    assert!(
        closed,
        "the signed-out device's socket on instance 2 closes"
    );
    assert_eq!(bob.get("/v1/devices").await.status, 401);
}

/// A device that asked for entries hears a small append made through the other instance with
/// its sealed entries inside the news (no pull), exactly as a pull answers, and nothing of news
/// another database client forged; an append too large
/// for a notification (PostgreSQL's 8,000 bytes) but small enough to carry locally is told
/// without them, and still told.
#[tokio::test]
async fn small_entries_cross_instances_inside_the_news() {
    let Some(server) = postgres_or_skip("small_entries_cross_instances_inside_the_news") else {
        return;
    };
    let database = TestDatabase::create(&server).await;
    let (one, two) = two_instances(&database.url).await;
    let (alice, bob, relationship) = couple_across(&one.base, &two.base, 1).await;
    let mut bob_live = connect_to(&bob, "/v1/live?entries=true").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let doc = format!("rel-{relationship}-2026");
    let path = format!("/v1/docs/{doc}/entries");

    // Anyone who can connect to the database may NOTIFY: news not sealed by an instance (a forged
    // entry at seq 1, Bob's account "deleted") is dropped, unsealed or sealed with a made-up key.
    let forged = serde_json::json!({
        "origin": "elsewhere",
        "news": { "kind": "new_entries", "audience": [bob.user_id], "doc_id": doc, "seq": 1,
                  "carried": [{ "seq": 1, "entry_id": "forged", "device_id": null,
                                "ciphertext": common::b64(b"forged"), "created_at": "t" }] }
    })
    .to_string();
    let deleted = serde_json::json!({
        "origin": "elsewhere", "news": { "kind": "account_deleted", "user_id": bob.user_id }
    })
    .to_string();
    let (intruder, connection) = tokio_postgres::connect(&database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for payload in [
        forged.clone(),
        deleted.clone(),
        format!("{}.{forged}", common::b64(&[0; 32])),
        format!("{}.{deleted}", common::b64(&[0; 32])),
    ] {
        intruder
            .execute("SELECT pg_notify('together_news', $1)", &[&payload])
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(append(&alice, &doc, "small").await, Ok(1));
    let Heard::Message(heard) = next(&mut bob_live, Duration::from_secs(5)).await else {
        panic!("Bob hears nothing");
    };
    assert_eq!(heard["latest_seq"], 1);
    let pulled = bob.get(&format!("{path}?after=0")).await;
    assert_eq!(pulled.status, 200);
    assert_eq!(
        heard["entries"], pulled.body["entries"],
        "carried across instances: {heard}"
    );

    let large = common::b64(&vec![7_u8; 7000]);
    let appended = alice
        .post(
            &path,
            serde_json::json!({ "entries": [{ "entry_id": "large", "ciphertext": large }] }),
        )
        .await;
    assert_eq!(appended.status, 200, "{}", appended.body);
    assert_eq!(
        next(&mut bob_live, Duration::from_secs(5)).await,
        Heard::Message(
            serde_json::json!({ "type": "new_entries", "doc_id": doc, "latest_seq": 2 })
        ),
        "too large for a notification: told without entries"
    );
}

#[tokio::test]
async fn kill_9_of_an_instance_during_uploads_loses_no_acknowledged_entry() {
    let Some(server) = postgres_or_skip("kill_9_of_an_instance_during_uploads") else {
        return;
    };
    let database = TestDatabase::create(&server).await;
    let (mut one, two) = two_instances(&database.url).await;

    const DEVICES: usize = 6;
    const ENTRIES: usize = 80;
    let mut couples = Vec::new();
    for n in 0..DEVICES / 2 {
        couples.push(couple_across(&one.base, &one.base, n).await);
    }
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut uploads = Vec::new();
    for (a, b, relationship) in &couples {
        for device in [a.clone(), b.clone()] {
            let doc = format!("rel-{relationship}");
            let other = two.base.clone();
            let acknowledged = Arc::clone(&acknowledged);
            // Every device uploads through instance 1 until it fails, then through instance 2;
            // an upload that was not acknowledged is retried with the same entry id.
            uploads.push(tokio::spawn(async move {
                let mut device = device;
                let mut acked = BTreeMap::new();
                let mut moved = false;
                for k in 0..ENTRIES {
                    let entry = format!("{}-{k}", device.device_id);
                    let mut tries = 0;
                    loop {
                        match append(&device, &doc, &entry).await {
                            Ok(seq) => {
                                acked.insert(entry.clone(), seq);
                                acknowledged.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Err(error) => {
                                tries += 1;
                                assert!(tries < 50, "{entry} never stored: {error}");
                                if !moved {
                                    device.base = other.clone();
                                    moved = true;
                                } else {
                                    tokio::time::sleep(Duration::from_millis(50)).await;
                                }
                            }
                        }
                    }
                }
                (doc, acked, moved)
            }));
        }
    }
    // Kill instance 1 while the uploads run.
    while acknowledged.load(Ordering::Relaxed) < DEVICES * 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    one.kill();
    let at_kill = acknowledged.load(Ordering::Relaxed);
    assert!(
        at_kill < DEVICES * ENTRIES,
        "the uploads were still running when instance 1 died"
    );

    let mut by_doc: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut moved_devices = 0;
    for upload in uploads {
        let (doc, acked, moved) = upload.await.unwrap();
        moved_devices += usize::from(moved);
        by_doc.entry(doc).or_default().extend(acked);
    }
    assert_eq!(
        moved_devices, DEVICES,
        "every device carried on through instance 2"
    );
    let reader = {
        let mut reader = couples[0].0.clone();
        reader.base = two.base.clone();
        reader
    };
    for (n, (a, _, relationship)) in couples.iter().enumerate() {
        let mut a = a.clone();
        a.base = two.base.clone();
        let doc = format!("rel-{relationship}");
        let log = log_of(if n == 0 { &reader } else { &a }, &doc).await;
        let seqs: Vec<i64> = log.iter().map(|(_, seq)| *seq).collect();
        let expected: Vec<i64> = (1..=i64::try_from(log.len()).unwrap()).collect();
        assert_eq!(seqs, expected, "seqs 1..n without gaps in {doc}");
        let stored: BTreeMap<String, i64> = log.into_iter().collect();
        let acked = &by_doc[&doc];
        for (entry, seq) in acked {
            assert_eq!(
                stored.get(entry),
                Some(seq),
                "acknowledged {entry} (seq {seq}) is stored where it was acknowledged"
            );
        }
        let ids: BTreeSet<&String> = stored.keys().collect();
        assert_eq!(
            ids.len(),
            2 * ENTRIES,
            "each entry once, retries included, in {doc}"
        );
    }
}
