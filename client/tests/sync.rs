//! Partners' devices syncing through a real `together-server` on loopback, end to end encrypted.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, TABLES};
use common::server::{checkin, paired_through, partner_joins, secrets, server, sync};
use jiff::civil::date;
use together_client::sync::{Session, SyncError};
use together_core::document::{CheckinInput, GoalInput};
use together_core::domain::GoalType;

const NOTE: &str = "grateful for the pancakes at dawn";

#[tokio::test(flavor = "multi_thread")]
async fn partners_converge_through_the_server_which_sees_only_ciphertext() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    assert_eq!(
        bob.store.current_relationship().unwrap(),
        alice.store.current_relationship().unwrap()
    );

    // Offline on both sides, then sync in any order.
    let goal = alice
        .store
        .add_goal(
            &GoalInput {
                name: "Cook together".into(),
                goal_type: GoalType::Habit,
                target_count: 10,
                start_date: None,
                target_date: None,
            },
            common::couple::now(),
        )
        .unwrap();
    sync(&mut alice).await;
    sync(&mut bob).await;
    alice
        .store
        .checkin(&checkin(8, NOTE), common::couple::now())
        .unwrap();
    bob.store
        .checkin(&checkin(6, "the long call"), common::couple::now())
        .unwrap();
    alice
        .store
        .progress_goal(goal, 1, common::couple::now())
        .unwrap();
    bob.store
        .progress_goal(goal, 1, common::couple::now())
        .unwrap();
    for _ in 0..2 {
        sync(&mut bob).await;
        sync(&mut alice).await;
    }
    for table in TABLES {
        assert_eq!(alice.table(table), bob.table(table), "{table} differs");
    }
    assert_eq!(alice.table("shared_goals")[0]["current_progress"], 2);
    let revealed = bob.store.visible_checkins().unwrap();
    assert!(
        revealed
            .iter()
            .any(|c| c.gratitude_note.as_deref() == Some(NOTE)),
        "Bob sees Alice's note"
    );
    assert_eq!(
        alice.count("SELECT count(*) FROM outbox"),
        0,
        "everything uploaded"
    );

    // The server's database holds none of it in clear.
    let db = server.dir.path().join("server/server.sqlite3");
    drop(
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"),
    );
    let mut raw = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(db.with_extension("sqlite3-wal")) {
        raw.extend(wal);
    }
    for secret in [
        NOTE.as_bytes(),
        b"the long call",
        b"Cook together",
        b"Alice",
        b"Bob",
        b"Auckland",
    ] {
        assert!(
            !raw.windows(secret.len()).any(|w| w == secret),
            "{} found on the server",
            String::from_utf8_lossy(secret)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_device_logs_in_with_the_password_and_reads_everything() {
    let server = server().await;
    let (mut alice, _bob) = paired_through(&server).await;
    alice
        .store
        .checkin(&checkin(9, NOTE), common::couple::now())
        .unwrap();
    sync(&mut alice).await;

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
    assert_eq!(
        phone.store.local_user().unwrap(),
        alice.store.local_user().unwrap()
    );
    for table in TABLES {
        assert_eq!(phone.table(table), alice.table(table), "{table} differs");
    }
    assert!(
        phone
            .store
            .visible_checkins()
            .unwrap()
            .iter()
            .any(|c| c.gratitude_note.as_deref() == Some(NOTE))
    );
    let mut wrong = Replica::new();
    let wrong_secrets = secrets(&wrong);
    let refused = Session::login(
        &mut wrong.store,
        &wrong_secrets,
        &server.url,
        "alice@example.com",
        "not her password",
    )
    .await;
    assert!(matches!(
        refused,
        Err(SyncError::Refused { status: 401, .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn after_leaving_the_leaver_receives_nothing_new_and_keeps_their_copy() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    alice
        .store
        .checkin(&checkin(5, "before"), common::couple::now())
        .unwrap();
    sync(&mut alice).await;
    sync(&mut bob).await;
    let kept = bob.table("daily_checkins").len();
    assert_eq!(kept, 1);

    let secrets = secrets(&bob);
    Session::resume(&mut bob.store, &secrets)
        .unwrap()
        .leave()
        .await
        .unwrap();
    alice
        .store
        .checkin(
            &CheckinInput {
                date: date(2026, 11, 26),
                ..checkin(9, "after")
            },
            common::couple::now(),
        )
        .unwrap();
    sync(&mut alice).await;
    sync(&mut bob).await;
    assert_eq!(
        bob.table("daily_checkins").len(),
        kept,
        "nothing new reaches the leaver"
    );
    assert_eq!(bob.table("users").len(), 2, "the local copy stays");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_upload_is_a_no_op() {
    let server = server().await;
    let (mut alice, _bob) = paired_through(&server).await;
    alice
        .store
        .checkin(&checkin(6, NOTE), common::couple::now())
        .unwrap();
    // The upload reaches the server but the acknowledgment is lost: the outbox still holds it.
    let db = alice.db();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE saved_outbox AS SELECT * FROM outbox")
        .unwrap();
    sync(&mut alice).await;
    conn.execute_batch("INSERT INTO outbox SELECT * FROM saved_outbox; DROP TABLE saved_outbox")
        .unwrap();
    let server_db =
        rusqlite::Connection::open(server.dir.path().join("server/server.sqlite3")).unwrap();
    let entries = || -> i64 {
        server_db
            .query_row("SELECT count(*) FROM doc_entries", [], |r| r.get(0))
            .unwrap()
    };
    let before = entries();
    let report = sync(&mut alice).await;
    assert!(report.pushed >= 1, "the outbox was uploaded again");
    assert_eq!(entries(), before, "and the server stored nothing twice");
    assert_eq!(alice.count("SELECT count(*) FROM outbox"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relationship_created_after_signing_up_gets_its_key_and_pairs() {
    let server = server().await;
    let mut alice = Replica::new();
    let alice_secrets = secrets(&alice);
    Session::signup(
        &mut alice.store,
        &alice_secrets,
        &server.url,
        "alice@example.com",
        "Alice",
        "alice-password",
    )
    .await
    .unwrap();
    alice.create_relationship();
    alice
        .store
        .checkin(&checkin(8, NOTE), common::couple::now())
        .unwrap();
    let code = Session::resume(&mut alice.store, &alice_secrets)
        .unwrap()
        .invite()
        .await
        .unwrap()
        .code;

    let mut bob = partner_joins(&server, &code).await;
    bob.store
        .checkin(&checkin(6, "late tea"), common::couple::now())
        .unwrap();
    sync(&mut bob).await;
    assert!(
        bob.store
            .visible_checkins()
            .unwrap()
            .iter()
            .any(|c| c.gratitude_note.as_deref() == Some(NOTE))
    );

    // Alice's second device gets the relationship key from her sealed bundle.
    let mut tablet = Replica::new();
    let tablet_secrets = secrets(&tablet);
    Session::login(
        &mut tablet.store,
        &tablet_secrets,
        &server.url,
        "alice@example.com",
        "alice-password",
    )
    .await
    .unwrap();
    sync(&mut alice).await;
    sync(&mut tablet).await;
    assert_eq!(
        tablet.table("daily_checkins"),
        alice.table("daily_checkins")
    );
    assert_eq!(tablet.table("daily_checkins").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkin_reaches_the_watching_partner_through_live_push() {
    let server = server().await;
    let (mut alice, bob) = paired_through(&server).await;
    let bob_db = bob.db();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // A background syncer runs on its own thread with its own runtime, as the app's will.
    let watcher = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut bob = bob;
            let secrets = secrets(&bob);
            let mut session = Session::resume(&mut bob.store, &secrets).unwrap();
            session
                .watch(
                    async {
                        let _ = stopped.await;
                    },
                    |_| {},
                )
                .await
                .unwrap();
        });
    });
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;

    alice
        .store
        .checkin(&checkin(9, NOTE), common::couple::now())
        .unwrap();
    let saved = std::time::Instant::now();
    sync(&mut alice).await;
    let reader = rusqlite::Connection::open(&bob_db).unwrap();
    let arrived = loop {
        let count: i64 = reader
            .query_row(
                "SELECT count(*) FROM daily_checkins WHERE gratitude_note = ?1",
                [NOTE],
                |r| r.get(0),
            )
            .unwrap();
        if count == 1 {
            break saved.elapsed();
        }
        assert!(
            saved.elapsed() < std::time::Duration::from_secs(5),
            "the check-in never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert!(
        arrived < std::time::Duration::from_secs(2),
        "arrived after {arrived:?}: polling, not push"
    );
    stop.send(()).unwrap();
    watcher.join().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_device_starts_from_a_snapshot_instead_of_the_whole_log() {
    let server = server().await;
    let (mut alice, _bob) = paired_through(&server).await;
    let goal = alice
        .store
        .add_goal(
            &GoalInput {
                name: "Walks".into(),
                goal_type: GoalType::Habit,
                target_count: 1000,
                start_date: None,
                target_date: None,
            },
            common::couple::now(),
        )
        .unwrap();
    for _ in 0..300 {
        alice
            .store
            .progress_goal(goal, 1, common::couple::now())
            .unwrap();
    }
    sync(&mut alice).await;
    let relationship = alice.store.current_relationship().unwrap().unwrap();
    let doc = format!("rel-{relationship}");
    let server_db =
        rusqlite::Connection::open(server.dir.path().join("server/server.sqlite3")).unwrap();
    let covers: i64 = server_db
        .query_row(
            "SELECT covers_seq FROM doc_snapshots WHERE doc_id = ?1",
            [&doc],
            |r| r.get(0),
        )
        .expect("a snapshot was uploaded");
    assert!(covers >= 300, "covers {covers}");

    let mut tablet = Replica::new();
    let tablet_secrets = secrets(&tablet);
    Session::login(
        &mut tablet.store,
        &tablet_secrets,
        &server.url,
        "alice@example.com",
        "alice-password",
    )
    .await
    .unwrap();
    assert_eq!(tablet.table("shared_goals"), alice.table("shared_goals"));
    assert_eq!(tablet.table("shared_goals")[0]["current_progress"], 300);
    // It merged the snapshot and the few entries after it, not 300 separate changes.
    let chunks = tablet.count(&format!(
        "SELECT count(*) FROM document_chunks WHERE doc_id = '{doc}'"
    ));
    assert!(chunks < 20, "{chunks} chunks: the log was replayed");
    assert_eq!(tablet.snapshot_position(&doc), covers);
}
