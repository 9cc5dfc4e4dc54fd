//! One bad entry never stops a device's sync: an entry that does not open (its ciphertext was
//! altered, or sealed with another key) or does not merge is set aside in quarantine, counted and
//! kept, and the pull goes on past it; a junk snapshot makes new devices read the log instead.
//! Real server on loopback; the junk is written through the API with a member's own token, as a
//! misbehaving or compromised partner device could.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use base64::Engine;
use common::couple::{Replica, TABLES, now};
use common::server::{checkin, paired_through, secrets, server, sync};
use jiff::civil::date;
use together_client::crypto;
use together_client::secret_store::SecretStore;
use together_client::sync::{Api, Session};
use together_core::document::CheckinInput;

/// The API as `replica`'s device, with its own token.
fn api_of(server: &common::server::Server, replica: &Replica) -> Api {
    let token = secrets(replica).get("token").unwrap().unwrap();
    Api::new(&server.url, Some(token)).unwrap()
}

/// The key of `doc_id` (a document of the replica's relationship), from its secret store.
fn document_key(replica: &Replica, doc_id: &str) -> crypto::Key {
    let relationship = replica.store.current_relationship().unwrap().unwrap();
    let root = secrets(replica)
        .get(&format!("key:rel:{relationship}"))
        .unwrap()
        .unwrap();
    let root: crypto::Key = base64::engine::general_purpose::STANDARD
        .decode(root)
        .unwrap()
        .try_into()
        .unwrap();
    crypto::document_key(&root, doc_id)
}

fn on(day: i8, score: i64, note: &str) -> CheckinInput {
    CheckinInput {
        date: date(2026, 11, day),
        ..checkin(score, note)
    }
}

/// The notes of `user`'s check-ins as `replica` holds them (the raw table, not the reveal rule),
/// by date.
fn notes_of(replica: &Replica, user: &str) -> Vec<String> {
    let mut rows: Vec<(String, String)> = replica
        .table("daily_checkins")
        .into_iter()
        .filter(|c| c["user_id"] == user)
        .map(|c| {
            (
                c["checkin_date"].as_str().unwrap_or_default().to_owned(),
                c["gratitude_note"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, note)| note).collect()
}

/// Two Automerge changes by one actor with the same sequence number and different content: each
/// merges alone, but never both (Automerge refuses the second as a duplicate).
fn conflicting_changes() -> (Vec<u8>, Vec<u8>) {
    let actor = automerge::ActorId::random();
    let change = |value: i64| {
        let mut doc = automerge::AutoCommit::new().with_actor(actor.clone());
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "forged", value)
            .unwrap();
        doc.save_after(&[])
    };
    (change(1), change(2))
}

fn quarantine_rows(replica: &Replica) -> Vec<(String, i64, String, Vec<u8>, String)> {
    let conn = rusqlite::Connection::open(replica.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT doc_id, seq, entry_id, sealed, reason FROM quarantined_entries ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn entries_that_do_not_open_or_merge_are_quarantined_and_the_log_goes_on() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let bob_id = bob.store.local_user().unwrap().unwrap().to_string();
    let relationship = bob.store.current_relationship().unwrap().unwrap();
    let series = format!("rel-{relationship}-2026");

    bob.store
        .checkin(&on(25, 6, "before the junk"), now())
        .unwrap();
    sync(&mut bob).await;
    // In the middle of the log: junk ciphertext, then two sealed changes that cannot both merge.
    let junk = b"not a sealed entry at all, just forty-odd bytes".to_vec();
    let (first, second) = conflicting_changes();
    let key = document_key(&bob, &series);
    let appended = api_of(&server, &bob)
        .append(
            &series,
            vec![
                ("junk-entry".into(), junk.clone()),
                (
                    "forged-1".into(),
                    crypto::seal(&key, &series, "forged-1", &first),
                ),
                (
                    "forged-2".into(),
                    crypto::seal(&key, &series, "forged-2", &second),
                ),
            ],
        )
        .await
        .unwrap();
    let seqs: Vec<i64> = appended.entries.iter().map(|e| e.seq).collect();
    bob.store
        .checkin(&on(26, 7, "after the junk"), now())
        .unwrap();
    sync(&mut bob).await;

    let report = sync(&mut alice).await;
    assert_eq!(
        serde_json::to_value(&report).unwrap()["quarantined"],
        2,
        "{report:?}"
    );
    assert_eq!(
        notes_of(&alice, &bob_id),
        ["before the junk", "after the junk"],
        "the entries around the junk merged"
    );
    let rows = quarantine_rows(&alice);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (doc, seq, entry, sealed, reason) = &rows[0];
    assert_eq!(
        (doc.as_str(), *seq, entry.as_str(), sealed),
        (series.as_str(), seqs[0], "junk-entry", &junk)
    );
    assert!(reason.contains("does not open"), "{reason}");
    let (doc, seq, entry, _, reason) = &rows[1];
    assert_eq!(
        (doc.as_str(), *seq, entry.as_str()),
        (series.as_str(), seqs[2], "forged-2")
    );
    assert!(reason.contains("does not merge"), "{reason}");
    let latest = alice.pulled_up_to(&series);
    assert!(
        latest > seqs[2],
        "the position moved past the junk: {latest}"
    );

    // Later entries still arrive, and nothing is set aside twice.
    bob.store.checkin(&on(27, 8, "much later"), now()).unwrap();
    sync(&mut bob).await;
    let report = sync(&mut alice).await;
    assert_eq!(serde_json::to_value(&report).unwrap()["quarantined"], 2);
    assert_eq!(
        notes_of(&alice, &bob_id),
        ["before the junk", "after the junk", "much later"]
    );
    assert_eq!(quarantine_rows(&alice).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_junk_snapshot_does_not_block_a_new_device() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    alice
        .store
        .checkin(&on(25, 9, "restored from the log"), now())
        .unwrap();
    sync(&mut alice).await;
    bob.store.checkin(&on(25, 5, "bob's day"), now()).unwrap();
    sync(&mut bob).await;
    sync(&mut alice).await;

    // Bob's device puts junk where new devices look first: a snapshot that does not open (the
    // series) and one that opens but is no document (the relationship's).
    let relationship = alice.store.current_relationship().unwrap().unwrap();
    let bob_api = api_of(&server, &bob);
    let docs = bob_api.documents().await.unwrap();
    let latest = |doc: &str| docs.iter().find(|d| d.doc_id == doc).unwrap().latest_seq;
    let series = format!("rel-{relationship}-2026");
    bob_api
        .put_snapshot(
            &series,
            latest(&series),
            b"junk that does not open, long enough",
        )
        .await
        .unwrap();
    let rel = format!("rel-{relationship}");
    let covers = latest(&rel);
    let sealed = crypto::seal(
        &document_key(&bob, &rel),
        &rel,
        &format!("snapshot:{covers}"),
        b"opens fine, but is not an Automerge document",
    );
    bob_api.put_snapshot(&rel, covers, &sealed).await.unwrap();

    let mut phone = Replica::new();
    let phone_secrets = secrets(&phone);
    Session::login(
        &mut phone.store,
        &phone_secrets,
        &server.url,
        "alice@example.com",
        "alice-password",
    )
    .await
    .unwrap();
    for table in TABLES {
        assert_eq!(phone.table(table), alice.table(table), "{table} differs");
    }
    assert_eq!(phone.table("daily_checkins").len(), 2);
    assert!(phone.pulled_up_to(&rel) >= covers);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_damaged_on_the_server_is_set_aside_then_healed_by_a_later_snapshot() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let alice_id = alice.store.local_user().unwrap().unwrap().to_string();
    alice
        .store
        .checkin(&on(1, 7, "the damaged one"), now())
        .unwrap();
    sync(&mut alice).await;
    // Someone with access to the server's disk flips a byte of that entry.
    let db = server.db();
    let (doc_id, seq, mut bytes): (String, i64, Vec<u8>) = db
        .query_row(
            "SELECT doc_id, seq, ciphertext FROM doc_entries WHERE doc_id LIKE '%-2026' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    db.execute(
        "UPDATE doc_entries SET ciphertext = ?1 WHERE doc_id = ?2 AND seq = ?3",
        rusqlite::params![bytes, doc_id, seq],
    )
    .unwrap();

    let report = sync(&mut bob).await;
    assert_eq!(report.quarantined, 1);
    assert!(notes_of(&bob, &alice_id).is_empty(), "nothing of it merged");
    let rows = quarantine_rows(&bob);
    assert_eq!((rows[0].0.as_str(), rows[0].1), (doc_id.as_str(), seq));
    assert_eq!(rows[0].3, bytes, "kept as it arrived");
    assert!(bob.pulled_up_to(&doc_id) >= seq);

    // Alice's later check-ins build on the damaged change; once her device uploads a snapshot
    // of the year, Bob's takes it and everything arrives.
    for day in 2..=40 {
        for score in [3, 4, 5, 6, 7, 8, 9] {
            let date = date(2026, 1, 1) + jiff::Span::new().days(day);
            alice
                .store
                .checkin(
                    &CheckinInput {
                        date,
                        ..checkin(score, &format!("day {day}"))
                    },
                    now(),
                )
                .unwrap();
        }
    }
    sync(&mut alice).await;
    let covers: i64 = db
        .query_row(
            "SELECT covers_seq FROM doc_snapshots WHERE doc_id = ?1",
            [&doc_id],
            |r| r.get(0),
        )
        .expect("Alice's device uploaded a snapshot");
    assert!(covers > seq);
    sync(&mut bob).await;
    let notes = notes_of(&bob, &alice_id);
    assert_eq!(notes.len(), 40, "{notes:?}");
    assert!(notes.iter().any(|n| n == "the damaged one"));
    assert!(notes.iter().any(|n| n == "day 40"));
    assert_eq!(bob.table("daily_checkins"), alice.table("daily_checkins"));
}
