//! Privacy that is applied: a private check-in note or talk-log entry never reaches the partner's
//! device (its raw bytes are checked, through the real server), the `private` level keeps every
//! gratitude note with its author, and the `open` level shows the partner's check-in at once.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired_with};
use common::server::{checkin, paired_through, server, sync};
use together_core::domain::PrivacyLevel;
use together_core::view::LogForm;

/// Every byte the device's store holds on disk (the database and its write-ahead log).
fn raw_bytes(replica: &Replica) -> Vec<u8> {
    let db = replica.db();
    let mut bytes = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(db.with_extension("sqlite3-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

fn talk(topic: &str) -> together_core::document::LogInput {
    together_client::talk_log::form(
        &LogForm {
            communication_type: "deep_conversation".into(),
            topic: topic.into(),
            ..LogForm::default()
        },
        now(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn private_entries_never_reach_the_partners_device() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let secret_note = "private-note-7f3a: I worry about money";
    let secret_topic = "private-topic-91c2: my sister";
    alice
        .store
        .checkin_with_private_note(
            &checkin(8, "the shared gratitude"),
            Some(secret_note),
            now(),
        )
        .unwrap();
    alice
        .store
        .add_private_log(&talk(secret_topic), now())
        .unwrap();
    alice.store.add_log(&talk("the holidays"), now()).unwrap();
    sync(&mut alice).await;
    bob.store.checkin(&checkin(7, "bob's"), now()).unwrap();
    sync(&mut bob).await;
    sync(&mut alice).await;
    sync(&mut bob).await;

    // Alice sees her own private records beside the shared ones.
    let mine = alice.store.visible_checkins().unwrap();
    let own = mine.iter().find(|c| c.mine).unwrap();
    assert_eq!(own.private_note.as_deref(), Some(secret_note));
    assert_eq!(own.gratitude_note.as_deref(), Some("the shared gratitude"));
    let log = alice.store.talk_log().unwrap();
    assert!(
        log.iter()
            .any(|l| l.private && l.topic.as_deref() == Some(secret_topic))
    );
    assert!(
        log.iter()
            .any(|l| !l.private && l.topic.as_deref() == Some("the holidays"))
    );

    // Bob got the shared ones, and not one byte of the private ones.
    let theirs = bob.store.visible_checkins().unwrap();
    let alices = theirs.iter().find(|c| !c.mine).unwrap();
    assert_eq!(
        alices.gratitude_note.as_deref(),
        Some("the shared gratitude")
    );
    assert_eq!(alices.private_note, None);
    assert!(bob.store.talk_log().unwrap().iter().all(|l| !l.private));
    assert!(
        bob.store
            .talk_log()
            .unwrap()
            .iter()
            .any(|l| l.topic.as_deref() == Some("the holidays"))
    );
    let bytes = raw_bytes(&bob);
    assert!(
        holds(&bytes, "the holidays"),
        "the check on bytes can see text"
    );
    assert!(!holds(&bytes, "private-note-7f3a"));
    assert!(!holds(&bytes, "private-topic-91c2"));
    // Nor can the server read it (it holds only ciphertext).
    drop(bob);
    let mut server_bytes = Vec::new();
    for file in ["server.sqlite3", "server.sqlite3-wal"] {
        server_bytes
            .extend(std::fs::read(server.dir.path().join("server").join(file)).unwrap_or_default());
    }
    assert!(server_bytes.len() > 10_000, "the server's files were read");
    assert!(!holds(&server_bytes, "private-note-7f3a"));
    assert!(
        !holds(&server_bytes, "the holidays"),
        "shared entries are ciphertext there too"
    );
}

#[test]
fn the_private_level_keeps_gratitude_notes_with_their_author() {
    let (mut alice, mut bob) = paired_with(PrivacyLevel::Private);
    alice
        .store
        .checkin(&checkin(9, "grateful-5d1e for the soup"), now())
        .unwrap();
    bob.store.checkin(&checkin(6, ""), now()).unwrap();
    bob.receive_from(&mut alice);

    let own = alice.store.visible_checkins().unwrap();
    let own = own.iter().find(|c| c.mine).unwrap();
    assert_eq!(
        own.gratitude_note, None,
        "nothing of it in the couple's document"
    );
    assert_eq!(
        own.private_note.as_deref(),
        Some("grateful-5d1e for the soup")
    );
    let seen = bob.store.visible_checkins().unwrap();
    let alices = seen
        .iter()
        .find(|c| !c.mine)
        .expect("scores still shared after the reveal");
    assert_eq!(alices.connection_score, 9);
    assert_eq!(alices.gratitude_note, None);
    assert!(!holds(&raw_bytes(&bob), "grateful-5d1e"));
}

#[test]
fn the_open_level_shows_the_partners_check_in_at_once() {
    let (mut open_alice, mut open_bob) = paired_with(PrivacyLevel::Open);
    open_alice.store.checkin(&checkin(8, "hi"), now()).unwrap();
    open_bob.receive_from(&mut open_alice);
    let seen = open_bob.store.visible_checkins().unwrap();
    assert!(
        seen.iter().any(|c| !c.mine && c.connection_score == 8),
        "{seen:?}"
    );

    // The default (balanced) keeps the reveal rule.
    let (mut alice, mut bob) = paired_with(PrivacyLevel::Balanced);
    alice.store.checkin(&checkin(8, "hi"), now()).unwrap();
    bob.receive_from(&mut alice);
    assert!(bob.store.visible_checkins().unwrap().is_empty());
}

#[test]
fn a_person_edits_and_deletes_their_own_private_entry_and_it_stays_private() {
    let (mut alice, mut bob) = paired_with(PrivacyLevel::Balanced);
    let secret = |topic: &str| LogForm {
        communication_type: "deep_conversation".into(),
        topic: topic.into(),
        private: true,
        ..LogForm::default()
    };
    // The app's "Log it" with "keep private" ticked.
    let log =
        together_client::talk_log::add(&mut alice.store, &secret("private-a1b2 first"), now())
            .unwrap();
    let entry = log.iter().find(|l| l.private).expect("logged as private");
    assert_eq!(entry.topic.as_deref(), Some("private-a1b2 first"));
    let id = entry.id.clone();

    let edited = together_client::talk_log::edit(
        &mut alice.store,
        &id,
        &LogForm {
            outcome: "resolved".into(),
            ..secret("private-c3d4 changed")
        },
        now(),
    )
    .unwrap();
    let entry = edited.iter().find(|l| l.id == id).unwrap();
    assert!(entry.private, "an edit keeps it private");
    assert_eq!(entry.topic.as_deref(), Some("private-c3d4 changed"));
    assert_eq!(entry.outcome.as_deref(), Some("resolved"));
    assert_eq!(edited.len(), 1, "edited in place, not copied");

    bob.receive_from(&mut alice);
    assert!(bob.store.talk_log().unwrap().is_empty());
    assert!(!holds(&raw_bytes(&bob), "private-c3d4"));

    // Her phone has the entry; deleting it on the laptop removes it there too.
    let mut phone = alice.clone_device();
    assert_eq!(phone.store.talk_log().unwrap().len(), 1);
    let left = together_client::talk_log::delete(&mut alice.store, &id, now()).unwrap();
    assert!(left.is_empty(), "{left:?}");
    phone.receive_from(&mut alice);
    assert!(phone.store.talk_log().unwrap().is_empty());
}

#[test]
fn an_edit_cannot_make_a_shared_entry_private() {
    let (mut alice, _bob) = paired_with(PrivacyLevel::Balanced);
    let shared = LogForm {
        communication_type: "daily_talk".into(),
        topic: "the week".into(),
        ..LogForm::default()
    };
    let log = together_client::talk_log::add(&mut alice.store, &shared, now()).unwrap();
    let id = log[0].id.clone();
    let edited = together_client::talk_log::edit(
        &mut alice.store,
        &id,
        &LogForm {
            private: true,
            ..shared
        },
        now(),
    )
    .unwrap();
    assert!(
        !edited[0].private,
        "already shared: it cannot be taken back, so it stays shared"
    );
}

#[test]
fn the_apps_check_in_form_writes_and_takes_back_a_private_note() {
    let (mut alice, mut bob) = paired_with(PrivacyLevel::Balanced);
    let form = |private_note: &str| together_core::view::CheckinForm {
        connection: 8,
        mood: 7,
        satisfaction: 9,
        gratitude: "shared-9a0".into(),
        private_note: private_note.into(),
        ..Default::default()
    };
    let today =
        together_client::checkins::check_in(&mut alice.store, &form("app-private-4c2"), now())
            .unwrap();
    let mine = today.my_checkin.unwrap();
    assert_eq!(mine.private_note.as_deref(), Some("app-private-4c2"));
    assert_eq!(mine.gratitude_note.as_deref(), Some("shared-9a0"));
    bob.receive_from(&mut alice);
    assert!(!holds(&raw_bytes(&bob), "app-private-4c2"));

    let today = together_client::checkins::check_in(&mut alice.store, &form(""), now()).unwrap();
    assert_eq!(
        today.my_checkin.unwrap().private_note,
        None,
        "emptied, so gone"
    );
}
