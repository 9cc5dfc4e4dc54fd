//! A couple's two devices, editing apart and converging through exported documents.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired};
use jiff::civil::date;
use together_core::document::{ActivityInput, CheckinInput, DateInput, GoalInput, LogInput};
use together_core::domain::{
    ActivityType, CommunicationType, DateEventType, GoalType, Rating, Score,
};

fn checkin(day: jiff::civil::Date, score: i64, note: &str) -> CheckinInput {
    CheckinInput {
        date: day,
        connection: Score::new("connection", score).unwrap(),
        mood: Score::new("mood", score).unwrap(),
        satisfaction: Score::new("satisfaction", score).unwrap(),
        note: Some(note.into()),
    }
}

fn goal() -> GoalInput {
    GoalInput {
        name: "Cook together".into(),
        goal_type: GoalType::Habit,
        target_count: 10,
        start_date: None,
        target_date: None,
    }
}

#[test]
fn partners_editing_offline_converge_to_identical_tables() {
    let (mut alice, mut bob) = paired();
    let goal = alice.store.add_goal(&goal(), now()).unwrap();
    let activity = alice
        .store
        .add_activity(
            &ActivityInput {
                name: "Pottery class".into(),
                activity_type: ActivityType::Creative,
                planned_date: Some(now()),
                duration_minutes: Some(90),
                cost_cents: Some(4250),
            },
            now(),
        )
        .unwrap();
    bob.receive_from(&mut alice);

    // Done together (an activity is rated once it is done).
    alice
        .store
        .complete_activity(activity, now(), now())
        .unwrap();
    bob.receive_from(&mut alice);

    // Offline on both sides.
    let day = date(2026, 11, 25);
    alice
        .store
        .checkin(&checkin(day, 8, "our walk"), now())
        .unwrap();
    bob.store
        .checkin(&checkin(day, 6, "breakfast in bed"), now())
        .unwrap();
    alice.store.progress_goal(goal, 1, now()).unwrap();
    bob.store.progress_goal(goal, 1, now()).unwrap();
    alice
        .store
        .rate_activity(activity, Rating::new(5).unwrap(), now())
        .unwrap();
    bob.store
        .rate_activity(activity, Rating::new(3).unwrap(), now())
        .unwrap();
    alice
        .store
        .add_date(
            &DateInput {
                date: date(2019, 6, 1),
                name: "Our anniversary".into(),
                event_type: DateEventType::Anniversary,
                recurring: true,
                reminder_days_before: Some(7),
            },
            now(),
        )
        .unwrap();
    bob.store
        .add_log(
            &LogInput {
                communication_type: CommunicationType::DeepConversation,
                topic: Some("Where to live next year".into()),
                outcome: None,
                duration_minutes: Some(45),
                when: now(),
                follow_up_needed: true,
            },
            now(),
        )
        .unwrap();

    // Exchange in both directions, twice (duplicates must be harmless).
    for _ in 0..2 {
        alice.receive_from(&mut bob);
        bob.receive_from(&mut alice);
    }
    assert_eq!(alice.rows(), bob.rows());

    let goals = alice.table("shared_goals");
    assert_eq!(goals[0]["current_progress"], 2, "concurrent +1s add up");
    let activities = bob.table("activities");
    assert_eq!(
        activities[0]["satisfaction_rating_user1"], 5,
        "Alice's rating"
    );
    assert_eq!(
        activities[0]["satisfaction_rating_user2"], 3,
        "Bob's rating"
    );
    assert_eq!(activities[0]["cost_amount"], 42.5);
    assert_eq!(alice.table("daily_checkins").len(), 2);
    assert_eq!(alice.table("communication_log").len(), 1);
    let relationship = &alice.table("relationships")[0];
    assert_eq!(relationship["status"], "active");
    assert_eq!(alice.table("users").len(), 2);
}

#[test]
fn a_partners_checkin_is_revealed_only_after_checking_in_the_same_day() {
    let (mut alice, mut bob) = paired();
    let day = date(2026, 11, 25);
    alice
        .store
        .checkin(&checkin(day, 9, "you made me laugh"), now())
        .unwrap();
    bob.receive_from(&mut alice);
    assert_eq!(bob.table("daily_checkins").len(), 1, "the row is there");
    assert!(
        bob.store.visible_checkins().unwrap().is_empty(),
        "but Bob cannot see it before checking in himself"
    );
    bob.store
        .checkin(&checkin(day, 7, "quiet evening"), now())
        .unwrap();
    let visible = bob.store.visible_checkins().unwrap();
    assert_eq!(visible.len(), 2);
    let hers = visible.iter().find(|c| !c.mine).unwrap();
    assert_eq!(hers.gratitude_note.as_deref(), Some("you made me laugh"));
    // Another day: Alice's check-in stays hidden until Bob checks in on that day too.
    alice
        .store
        .checkin(&checkin(date(2026, 11, 26), 4, "tired"), now())
        .unwrap();
    bob.receive_from(&mut alice);
    assert_eq!(bob.store.visible_checkins().unwrap().len(), 2);
}

#[test]
fn rebuild_reproduces_the_incremental_tables_row_for_row() {
    let (mut alice, mut bob) = paired();
    let goal = alice.store.add_goal(&goal(), now()).unwrap();
    bob.receive_from(&mut alice);
    bob.store.progress_goal(goal, 3, now()).unwrap();
    bob.store
        .checkin(&checkin(date(2026, 1, 2), 5, "new year"), now())
        .unwrap();
    bob.store
        .checkin(&checkin(date(2025, 12, 31), 8, "fireworks"), now())
        .unwrap();
    alice.receive_from(&mut bob);
    let before = alice.rows();
    alice.store.rebuild(now()).unwrap();
    assert_eq!(alice.rows(), before);
    assert_eq!(
        alice.table("daily_checkins").len(),
        2,
        "two years, two documents"
    );
}

#[test]
fn exported_documents_are_standard_automerge_files() {
    let (mut alice, _bob) = paired();
    alice
        .store
        .checkin(&checkin(date(2026, 5, 5), 7, "tea"), now())
        .unwrap();
    let out = alice.export();
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(path.extension().unwrap(), "automerge");
        let doc = automerge::Automerge::load(&std::fs::read(&path).unwrap()).unwrap();
        use automerge::ReadDoc;
        let (kind, _) = doc.get(automerge::ROOT, "kind").unwrap().unwrap();
        kinds.push(kind.as_str().unwrap().to_owned());
    }
    kinds.sort();
    assert_eq!(kinds, ["relationship", "series", "user"]);
}

#[test]
fn another_persons_private_document_is_not_imported() {
    let (mut alice, mut bob) = paired();
    bob.store
        .add_private_note("planning a surprise for her birthday", now())
        .unwrap();
    let files = bob.export();
    let report = alice.store.import_documents(files.path(), now()).unwrap();
    assert_eq!(report.skipped_private, 1);
    let bob_id = bob.store.local_user().unwrap().unwrap();
    assert_eq!(
        alice.count(&format!(
            "SELECT count(*) FROM documents WHERE doc_id = 'user-{bob_id}'"
        )),
        0
    );
    // Not a byte of it in Alice's database, while Bob still reads it.
    drop(
        rusqlite::Connection::open(alice.db())
            .unwrap()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"),
    );
    let raw = std::fs::read(alice.db()).unwrap();
    let needle = b"surprise for her birthday";
    assert!(!raw.windows(needle.len()).any(|w| w == needle));
    let notes = bob.store.private_notes(now()).unwrap();
    assert_eq!(notes.len(), 1);
}

#[test]
fn a_refused_action_writes_nothing() {
    let mut solo = Replica::new();
    let count_all = |r: &Replica| {
        r.count("SELECT (SELECT count(*) FROM documents) + (SELECT count(*) FROM document_chunks) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM app_settings)")
    };
    let before = count_all(&solo);
    let error = solo
        .store
        .checkin(&checkin(date(2026, 1, 1), 5, "x"), now())
        .unwrap_err();
    assert!(error.to_string().contains("profile"), "{error}");
    assert_eq!(count_all(&solo), before);

    solo.profile("Sam", "Europe/Paris");
    let before = count_all(&solo);
    let missing_goal = together_core::ids::RecordId::from_uuid(uuid::Uuid::nil());
    assert!(solo.store.progress_goal(missing_goal, 1, now()).is_err());
    assert_eq!(count_all(&solo), before);
}

#[test]
fn a_person_alone_can_use_every_feature_before_a_partner_joins() {
    let mut solo = Replica::new();
    solo.profile("Sam", "Europe/Paris");
    solo.create_relationship();
    let goal = solo.store.add_goal(&goal(), now()).unwrap();
    solo.store.progress_goal(goal, 2, now()).unwrap();
    solo.store
        .checkin(&checkin(date(2026, 11, 25), 7, "solo day"), now())
        .unwrap();
    assert_eq!(solo.store.visible_checkins().unwrap().len(), 1);
    assert_eq!(solo.table("relationships")[0]["status"], "pending");
    assert_eq!(
        solo.table("relationships")[0]["user_2_id"],
        serde_json::Value::Null
    );
    // Five actions, plus two achievements: "A hundred days together" (they got together in
    // 2019; awarded when the goal was added) and "First check-in": seven changes, each stored
    // and queued for sync.
    assert_eq!(solo.count("SELECT count(*) FROM outbox"), 7);
    assert_eq!(solo.count("SELECT count(*) FROM document_chunks"), 7);
    let first = together_core::catalog::ACHIEVEMENTS[0];
    assert_eq!(first.slug, "first-checkin");
    assert_eq!(
        solo.count(&format!(
            "SELECT count(*) FROM user_achievements WHERE achievement_id = '{}'",
            first.id()
        )),
        1
    );
    assert_eq!(
        solo.count("SELECT count(*) FROM notifications"),
        0,
        "nobody to notify yet"
    );
}

#[test]
fn long_histories_are_compacted_and_reload_identically() {
    let mut solo = Replica::new();
    solo.profile("Sam", "UTC");
    solo.create_relationship();
    let start = date(2026, 1, 1);
    for offset in 0..300 {
        let day = start.checked_add(jiff::Span::new().days(offset)).unwrap();
        solo.store
            .checkin(&checkin(day, 1 + offset % 10, "daily"), now())
            .unwrap();
    }
    // A 300-day streak is counted in full (past the analytics' first 64-day window).
    assert_eq!(
        solo.count(
            "SELECT checkin_streak FROM relationship_analytics ORDER BY analytics_date DESC LIMIT 1"
        ),
        300
    );
    let chunks = solo.count("SELECT count(*) FROM document_chunks");
    assert!(
        chunks < 64,
        "compaction keeps the chunk log short (found {chunks})"
    );
    let rows = solo.rows();
    // A new process loads snapshot + chunks and sees the same data; rebuild agrees.
    let db = solo.db();
    solo.store = together_client::Store::open(&db).unwrap();
    solo.store.rebuild(now()).unwrap();
    assert_eq!(solo.rows(), rows);
    assert_eq!(solo.table("daily_checkins").len(), 300);
}

#[test]
fn two_processes_on_one_device_see_each_others_writes() {
    let mut app = Replica::new();
    app.profile("Sam", "UTC");
    app.create_relationship();
    let goal = app.store.add_goal(&goal(), now()).unwrap();
    // The CLI opens the same database while the app keeps its own loaded documents.
    let mut cli = together_client::Store::open(&app.db()).unwrap();
    cli.progress_goal(goal, 1, now()).unwrap();
    app.store.progress_goal(goal, 1, now()).unwrap();
    cli.progress_goal(goal, 1, now()).unwrap();
    assert_eq!(app.table("shared_goals")[0]["current_progress"], 3);
    app.store.rebuild(now()).unwrap();
    assert_eq!(app.table("shared_goals")[0]["current_progress"], 3);
}

#[test]
fn the_partner_is_notified_and_achievements_are_earned_once_per_couple() {
    let (mut alice, mut bob) = paired();
    // Both check in offline: both devices award "First check-in" on their own.
    alice
        .store
        .checkin(&checkin(date(2026, 11, 25), 8, "sun"), now())
        .unwrap();
    bob.store
        .checkin(&checkin(date(2026, 11, 25), 7, "rain"), now())
        .unwrap();
    for _ in 0..2 {
        alice.receive_from(&mut bob);
        bob.receive_from(&mut alice);
    }
    let first = together_core::catalog::ACHIEVEMENTS[0].id();
    for replica in [&alice, &bob] {
        assert_eq!(
            replica.count(&format!(
                "SELECT count(*) FROM user_achievements WHERE achievement_id = '{first}'"
            )),
            1,
            "earned once per couple"
        );
    }
    assert_eq!(alice.rows(), bob.rows());
    // Each got a notification about the other's check-in (and Alice one about Bob joining).
    let bob_id = bob.store.local_user().unwrap().unwrap().to_string();
    let for_bob: Vec<_> = bob
        .table("notifications")
        .into_iter()
        .filter(|n| n["user_id"] == bob_id.as_str())
        .collect();
    assert_eq!(for_bob.len(), 1);
    assert_eq!(for_bob[0]["notification_type"], "partner_checkin");
    assert_eq!(for_bob[0]["title"], "Alice checked in");
    let kinds: Vec<_> = alice
        .table("notifications")
        .into_iter()
        .filter(|n| n["user_id"] != bob_id.as_str())
        .map(|n| n["notification_type"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"partner_joined".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"partner_checkin".to_owned()), "{kinds:?}");
    // Reading it marks it read, on every device once synced.
    let id = for_bob[0]["id"].as_str().unwrap().to_owned();
    bob.store.mark_notification_read(&id, now()).unwrap();
    alice.receive_from(&mut bob);
    let on_alice = alice
        .table("notifications")
        .into_iter()
        .find(|n| n["id"] == id.as_str())
        .unwrap();
    assert_eq!(on_alice["is_read"], 1);
}

#[test]
fn a_challenge_progresses_with_both_partners_entries() {
    let (mut alice, mut bob) = paired();
    let challenge = together_core::catalog::CHALLENGES
        .iter()
        .find(|c| c.slug == "love-notes")
        .unwrap();
    let participation = alice.store.join_challenge(&challenge.id(), now()).unwrap();
    bob.receive_from(&mut alice);
    let entry = |day: i8| together_core::document::EntryInput {
        participation_id: participation,
        date: date(2026, 11, day),
        content: Some("a note in the coat pocket".into()),
        completed: true,
    };
    alice.store.add_challenge_entry(&entry(25), now()).unwrap();
    alice.store.add_challenge_entry(&entry(26), now()).unwrap();
    bob.store.add_challenge_entry(&entry(27), now()).unwrap();
    bob.store.add_challenge_entry(&entry(28), now()).unwrap();
    alice.receive_from(&mut bob);
    let row = &alice.table("challenge_participation")[0];
    assert_eq!(row["progress_percentage"], 80, "4 of 5 days");
    assert_eq!(row["status"], "active");
    alice.store.add_challenge_entry(&entry(29), now()).unwrap();
    let row = &alice.table("challenge_participation")[0];
    assert_eq!(row["progress_percentage"], 100);
    assert_eq!(row["status"], "completed");
    bob.receive_from(&mut alice);
    assert_eq!(alice.rows(), bob.rows());
    // An unknown participation is refused.
    let mut stranger = entry(30);
    stranger.participation_id = together_core::ids::RecordId::from_uuid(uuid::Uuid::nil());
    assert!(bob.store.add_challenge_entry(&stranger, now()).is_err());
}

#[test]
fn date_reminders_arrive_once_in_the_window() {
    let (mut alice, _bob) = paired();
    alice
        .store
        .add_date(
            &DateInput {
                date: date(2019, 11, 28),
                name: "Our anniversary".into(),
                event_type: DateEventType::Anniversary,
                recurring: true,
                reminder_days_before: Some(7),
            },
            now(),
        )
        .unwrap();
    // now() is 2026-11-25 08:00 UTC, 21:00 in Auckland: three days before.
    assert_eq!(alice.store.refresh_reminders(now()).unwrap(), 1);
    assert_eq!(
        alice.store.refresh_reminders(now()).unwrap(),
        0,
        "raised once"
    );
    let reminders: Vec<_> = alice
        .store
        .notifications()
        .unwrap()
        .into_iter()
        .filter(|n| n.notification_type == "date_reminder")
        .collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].title, "Our anniversary is in 3 days");
}

/// A notification's `created_at` comes from a document another device wrote, and SQLite's check
/// (`julianday(created_at)`) lets through short spellings such as a bare date: `together
/// notifications` once cut that text at byte 16 and panicked.
#[test]
fn a_notification_with_a_short_date_is_listed_without_a_panic() {
    let (mut alice, _bob) = paired();
    let anniversary = DateInput {
        date: date(2019, 11, 28),
        name: "Our anniversary".into(),
        event_type: DateEventType::Anniversary,
        recurring: true,
        reminder_days_before: Some(7),
    };
    alice.store.add_date(&anniversary, now()).unwrap();
    assert_eq!(alice.store.refresh_reminders(now()).unwrap(), 1);

    // Another replica rewrites the notification's date in the series document.
    let files = alice.export();
    let mut rewritten = 0;
    for entry in std::fs::read_dir(files.path()).unwrap() {
        let path = entry.unwrap().path();
        let mut doc = automerge::AutoCommit::load(&std::fs::read(&path).unwrap()).unwrap();
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let Some((_, notifications)) = doc.get(automerge::ROOT, "notifications").unwrap() else {
            continue;
        };
        // A copy of each notification under a new key, so that it arrives as a new row.
        let keys: Vec<String> = doc.keys(&notifications).collect();
        for key in keys {
            let (_, record) = doc.get(&notifications, &key).unwrap().unwrap();
            let fields: Vec<(String, automerge::ScalarValue)> = doc
                .keys(&record)
                .filter_map(|field| {
                    let (value, _) = doc.get(&record, &field).unwrap()?;
                    Some((field, value.into_scalar().ok()?))
                })
                .collect();
            let copy = doc
                .put_object(
                    &notifications,
                    format!("{key}-copy"),
                    automerge::ObjType::Map,
                )
                .unwrap();
            for (field, value) in fields {
                doc.put(&copy, &field, value).unwrap();
            }
            doc.put(&copy, "created_at", "2026-11-22").unwrap();
            rewritten += 1;
        }
        std::fs::write(&path, doc.save()).unwrap();
    }
    assert!(rewritten >= 1);
    alice.import(files.path());

    let notification = alice
        .store
        .notifications()
        .unwrap()
        .into_iter()
        .find(|n| n.notification_type == "date_reminder" && n.id.ends_with("-copy"))
        .unwrap();
    assert_eq!(notification.created_at, "2026-11-22");
    alice
        .store
        .mark_notification_read(&notification.id, now())
        .unwrap();

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(alice.dir.path())
        .arg("notifications")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("2026-11-22  Our anniversary is in 3 days"),
        "{output:?}"
    );
}

#[test]
fn an_activity_is_rated_once_done_and_the_partners_rating_shows_once_you_rated_too() {
    let (mut alice, mut bob) = paired();
    let picnic = alice
        .store
        .add_activity(
            &ActivityInput {
                name: "Picnic".into(),
                activity_type: ActivityType::Outdoors,
                planned_date: Some(now()),
                duration_minutes: None,
                cost_cents: None,
            },
            now(),
        )
        .unwrap();
    let early = alice
        .store
        .rate_activity(picnic, Rating::new(4).unwrap(), now())
        .unwrap_err();
    assert!(early.to_string().contains("once it is done"), "{early}");
    alice.store.complete_activity(picnic, now(), now()).unwrap();
    alice
        .store
        .rate_activity(picnic, Rating::new(4).unwrap(), now())
        .unwrap();
    bob.receive_from(&mut alice);

    let seen = &bob.store.activities().unwrap()[0];
    assert_eq!((seen.partner_rating, seen.partner_rated), (None, true));
    assert!(seen.rating_user1.is_none() && seen.rating_user2.is_none());
    let export = bob.store.export_json(now()).unwrap();
    let row = &export["tables"]["activities"][0];
    assert!(
        row["satisfaction_rating_user1"].is_null() && row["satisfaction_rating_user2"].is_null(),
        "the export hides it too: {row}"
    );

    bob.store
        .rate_activity(picnic, Rating::new(5).unwrap(), now())
        .unwrap();
    let seen = &bob.store.activities().unwrap()[0];
    assert_eq!((seen.my_rating, seen.partner_rating), (Some(5), Some(4)));
}
