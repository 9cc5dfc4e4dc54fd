//! The live path through a real `together-server` on loopback (issue #13 §5): a partner's change
//! reaches a device through the one document its live message names, a save goes up alone, and
//! the full sync still takes over whenever the cheap path cannot be sure (a document never pulled
//! here, `resync`, a change the upload alone cannot send).

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now};
use common::server::{checkin, paired_through, secrets, server, signed_up};
use common::watcher::Watcher;
use jiff::civil::date;
use together_client::sync::{LiveSocket, Session, SyncReport, SyncScope, WatchEvent};
use together_core::document::CheckinInput;
use together_core::wire::{LiveMessage, StoredEntry};

const NOTE: &str = "grateful for the pancakes at dawn";

/// The device's live socket, opened as the app's watcher opens it.
async fn live(replica: &mut Replica) -> LiveSocket {
    let secrets = secrets(replica);
    Session::resume(&mut replica.store, &secrets)
        .unwrap()
        .connect_live()
        .await
        .unwrap()
}

/// The first news of `doc_id` up to at least `seq` (other documents' news is skipped).
async fn news_of(live: &mut LiveSocket, doc_id: &str, seq: i64) -> LiveMessage {
    let wait = std::time::Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout(wait, live.next())
            .await
            .expect("no news in 10 s")
            .expect("the live socket closed");
        if let LiveMessage::NewEntries {
            doc_id: named,
            latest_seq,
            ..
        } = &message
            && named == doc_id
            && *latest_seq >= seq
        {
            return message;
        }
    }
}

async fn receive(replica: &mut Replica, message: &LiveMessage) -> SyncReport {
    let secrets = secrets(replica);
    Session::resume(&mut replica.store, &secrets)
        .unwrap()
        .receive(message)
        .await
        .unwrap()
}

async fn push_outbox(replica: &mut Replica) -> SyncReport {
    let secrets = secrets(replica);
    Session::resume(&mut replica.store, &secrets)
        .unwrap()
        .push_outbox()
        .await
        .unwrap()
}

fn has_note(replica: &Replica, note: &str) -> bool {
    replica
        .table("daily_checkins")
        .iter()
        .any(|row| row["gratitude_note"] == note)
}

/// The couple's time series of `year`, where that year's check-ins live.
fn series(replica: &Replica, year: i16) -> String {
    let relationship = replica.store.current_relationship().unwrap().unwrap();
    format!("rel-{relationship}-{year}")
}

/// A check-in on `day` (the couple's 2026 series is the one pairing already made).
fn checkin_on(day: jiff::civil::Date, score: i64, note: &str) -> CheckinInput {
    CheckinInput {
        date: day,
        ..checkin(score, note)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partners_checkin_arrives_through_the_one_document_the_live_message_names() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let mut alice_live = live(&mut alice).await;
    let mut bob_live = live(&mut bob).await;
    let this_year = series(&alice, 2026);
    assert!(
        bob.pulled_up_to(&this_year) > 0,
        "pairing made this year's series"
    );

    // A change to this year's series reaches Bob through that document alone.
    alice.store.checkin(&checkin(9, NOTE), now()).unwrap();
    let pushed = push_outbox(&mut alice).await;
    assert_eq!(pushed.scope, SyncScope::Targeted, "{pushed:?}");
    assert!(pushed.pushed >= 1);
    let uploaded = alice.pulled_up_to(&this_year);
    assert!(
        uploaded > 0,
        "the acknowledged upload moved Alice's position"
    );
    let news = news_of(&mut bob_live, &this_year, uploaded).await;
    assert!(
        matches!(&news, LiveMessage::NewEntries { entries, .. } if !entries.is_empty()),
        "a small change travels inside the news: {news:?}"
    );
    let report = receive(&mut bob, &news).await;
    assert_eq!(report.scope, SyncScope::Targeted, "{report:?}");
    assert!(
        report.pulled >= 1 && report.changed_records >= 1,
        "{report:?}"
    );
    assert!(has_note(&bob, NOTE), "Bob sees Alice's check-in");
    assert!(bob.pulled_up_to(&this_year) >= uploaded);
    assert_eq!(alice.table("daily_checkins"), bob.table("daily_checkins"));

    // Alice hears of her own upload: she has it already, nothing is asked of the server.
    let echo = receive(
        &mut alice,
        &news_of(&mut alice_live, &this_year, uploaded).await,
    )
    .await;
    assert_eq!(echo.scope, SyncScope::Nothing, "{echo:?}");

    // A check-in of last year: a series Bob never pulled, so he syncs everything.
    let last_year = series(&alice, 2025);
    alice
        .store
        .checkin(&checkin_on(date(2025, 11, 25), 7, "last year"), now())
        .unwrap();
    push_outbox(&mut alice).await;
    let uploaded = alice.pulled_up_to(&last_year);
    assert_eq!(bob.pulled_up_to(&last_year), 0);
    let report = receive(
        &mut bob,
        &news_of(&mut bob_live, &last_year, uploaded).await,
    )
    .await;
    assert_eq!(
        report.scope,
        SyncScope::Full,
        "a document never pulled here"
    );
    assert!(has_note(&bob, "last year"));
}

#[tokio::test(flavor = "multi_thread")]
async fn resync_and_news_of_an_unknown_document_fall_back_to_a_full_sync() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    alice.store.checkin(&checkin(7, NOTE), now()).unwrap();
    push_outbox(&mut alice).await;

    let report = receive(&mut bob, &LiveMessage::Resync).await;
    assert_eq!(report.scope, SyncScope::Full);
    assert!(has_note(&bob, NOTE));

    // A document id this device knows nothing of (a relationship it holds no key for).
    let stranger = format!("rel-{}", uuid::Uuid::new_v4());
    let report = receive(
        &mut bob,
        &LiveMessage::NewEntries {
            doc_id: stranger,
            latest_seq: 3,
            entries: Vec::new(),
        },
    )
    .await;
    assert_eq!(report.scope, SyncScope::Full);
}

#[tokio::test(flavor = "multi_thread")]
async fn carried_entries_after_a_gap_fall_back_to_a_full_sync() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let mut bob_live = live(&mut bob).await;
    let this_year = series(&alice, 2026);
    let before = bob.pulled_up_to(&this_year);

    // Bob misses the news of Alice's first check-in...
    alice.store.checkin(&checkin(6, "missed"), now()).unwrap();
    push_outbox(&mut alice).await;
    let missed = news_of(&mut bob_live, &this_year, alice.pulled_up_to(&this_year)).await;
    drop(missed);
    // ...so the next news carries entries that start after a hole in his log.
    alice.store.checkin(&checkin(9, NOTE), now()).unwrap();
    push_outbox(&mut alice).await;
    let news = news_of(&mut bob_live, &this_year, alice.pulled_up_to(&this_year)).await;
    let LiveMessage::NewEntries { entries, .. } = &news else {
        unreachable!("news_of answers new_entries")
    };
    assert!(
        entries.first().is_some_and(|e| e.seq > before + 1),
        "{news:?}"
    );
    let report = receive(&mut bob, &news).await;
    assert_eq!(report.scope, SyncScope::Full, "{report:?}");
    assert!(has_note(&bob, NOTE));
    assert_eq!(alice.table("daily_checkins"), bob.table("daily_checkins"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_carried_entry_is_checked_exactly_as_a_pulled_one() {
    let server = server().await;
    let (_alice, mut bob) = paired_through(&server).await;
    let this_year = series(&bob, 2026);
    let position = bob.pulled_up_to(&this_year);
    // Bytes that were never sealed with the couple's key, carried right after Bob's position.
    let forged = StoredEntry {
        seq: position + 1,
        entry_id: "forged".into(),
        device_id: None,
        ciphertext: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj".into(),
        created_at: "2026-11-25T08:00:00.000Z".into(),
    };
    let report = receive(
        &mut bob,
        &LiveMessage::NewEntries {
            doc_id: this_year.clone(),
            latest_seq: position + 1,
            entries: vec![forged],
        },
    )
    .await;
    assert_eq!(report.scope, SyncScope::Targeted, "{report:?}");
    assert_eq!(
        (report.pulled, report.quarantined),
        (0, 1),
        "set aside, as a pulled one"
    );
    assert_eq!(bob.pulled_up_to(&this_year), position + 1);
    assert_eq!(
        bob.count("SELECT count(*) FROM quarantined_entries WHERE entry_id = 'forged'"),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_the_upload_alone_cannot_send_goes_up_with_a_full_sync() {
    let server = server().await;
    // Signed up alone; the relationship is created afterwards: it has no key yet.
    let mut alice = signed_up(&server, "alice@example.com", "Alice").await;
    alice.create_relationship();
    let report = push_outbox(&mut alice).await;
    assert_eq!(report.scope, SyncScope::Full, "{report:?}");
    assert!(report.pushed >= 1);
    assert_eq!(alice.count("SELECT count(*) FROM outbox"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watching_device_uploads_a_save_from_another_connection_alone() {
    let server = server().await;
    let (alice, _bob) = paired_through(&server).await;
    // The app's watcher: its own thread, runtime and connection.
    let mut watcher = Watcher::start(&alice);
    // Live first, so the save below is not swept up by the watcher's opening sync.
    watcher
        .until("live socket", |e| *e == WatchEvent::Live)
        .await;

    // The screens' connection (the replica's own store) saves.
    let mut alice = alice;
    alice.store.checkin(&checkin(8, NOTE), now()).unwrap();
    let uploaded = watcher
        .until(
            "upload of the save",
            |e| matches!(e, WatchEvent::Synced(report) if report.pushed > 0),
        )
        .await;
    let WatchEvent::Synced(report) = uploaded else {
        unreachable!("until returns what it waited for")
    };
    assert_eq!(report.scope, SyncScope::Targeted, "{report:?}");
    assert_eq!(alice.count("SELECT count(*) FROM outbox"), 0);
    watcher.stop().await;
}

fn goal_reached_notices(replica: &Replica) -> Vec<String> {
    replica
        .store
        .notifications()
        .unwrap()
        .into_iter()
        .filter(|n| n.notification_type == "goal_reached")
        .map(|n| n.title)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_goal_the_partner_reached_is_announced_on_the_targeted_path_too() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let goal = alice
        .store
        .add_goal(
            &together_core::document::GoalInput {
                name: "One walk".into(),
                goal_type: together_core::domain::GoalType::Habit,
                target_count: 1,
                start_date: None,
                target_date: None,
            },
            now(),
        )
        .unwrap();
    push_outbox(&mut alice).await;
    common::server::sync(&mut bob).await;
    let mut bob_live = live(&mut bob).await;
    let couple = format!(
        "rel-{}",
        alice.store.current_relationship().unwrap().unwrap()
    );
    assert!(
        bob.pulled_up_to(&couple) > 0,
        "Bob follows the couple's document"
    );

    // Alice takes the last step: her device announces it to her, and Bob's must to him.
    alice.store.progress_goal(goal, 1, now()).unwrap();
    assert_eq!(goal_reached_notices(&alice), ["Goal reached: One walk"]);
    push_outbox(&mut alice).await;
    let news = news_of(&mut bob_live, &couple, alice.pulled_up_to(&couple)).await;
    let report = receive(&mut bob, &news).await;
    assert_eq!(report.scope, SyncScope::Targeted, "{report:?}");
    assert_eq!(
        goal_reached_notices(&bob),
        ["Goal reached: One walk"],
        "merging the partner's step settles what it reached, as a full sync does"
    );
}
