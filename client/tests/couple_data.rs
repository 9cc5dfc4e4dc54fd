//! Data a couple can get right, on two devices that merge through exported documents: the
//! relationship's start date, goals reached, records edited and deleted, one-time challenges.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now};
use jiff::civil::date;
use together_client::relationship;
use together_core::document::RelationshipInput;
use together_core::domain::{PrivacyLevel, RelationshipType};
use together_core::view::RelationshipDatesForm;

/// Alice and Bob, paired, with no start date said: the app counts from the day it was created.
fn paired_without_dates() -> (Replica, Replica) {
    let mut alice = Replica::new();
    alice.profile("Alice", "Europe/Paris");
    let input = RelationshipInput {
        relationship_type: RelationshipType::Dating,
        start_date: None,
        anniversary_date: None,
        privacy_level: PrivacyLevel::Balanced,
    };
    alice.store.create_relationship(&input, now()).unwrap();
    let mut bob = Replica::new();
    bob.profile("Bob", "Europe/Paris");
    bob.receive_from(&mut alice);
    let id = alice.store.current_relationship().unwrap().unwrap();
    bob.store.join_relationship(id, now()).unwrap();
    alice.receive_from(&mut bob);
    (alice, bob)
}

fn earned(replica: &Replica, slug: &str) -> bool {
    let id = together_core::catalog::ACHIEVEMENTS
        .iter()
        .find(|a| a.slug == slug)
        .unwrap()
        .id();
    replica
        .store
        .achievements()
        .unwrap()
        .into_iter()
        .any(|a| a.id == id && a.earned_date.is_some())
}

#[test]
fn the_start_date_set_by_one_and_the_anniversary_by_the_other_both_survive_and_count_days() {
    let (mut alice, mut bob) = paired_without_dates();
    assert_eq!(alice.store.stats(now()).unwrap().unwrap().days_together, 0);
    assert!(!earned(&alice, "hundred-days"));

    // Offline, Alice says when they got together and Bob sets their anniversary.
    let start = RelationshipDatesForm {
        start_date: "2026-08-01".into(),
        anniversary_date: String::new(),
    };
    relationship::save_dates(&mut alice.store, &start, now()).unwrap();
    let anniversary = RelationshipDatesForm {
        start_date: String::new(),
        anniversary_date: "2026-08-15".into(),
    };
    relationship::save_dates(&mut bob.store, &anniversary, now()).unwrap();
    alice.receive_from(&mut bob);
    bob.receive_from(&mut alice);

    let both = RelationshipDatesForm {
        start_date: "2026-08-01".into(),
        anniversary_date: "2026-08-15".into(),
    };
    for replica in [&mut alice, &mut bob] {
        assert_eq!(
            replica.store.relationship_dates().unwrap(),
            Some(both.clone())
        );
        // 2026-08-01 to 2026-11-25.
        let summary = replica.store.stats(now()).unwrap().unwrap();
        assert_eq!(summary.days_together, 116);
    }
    // A hundred days together counts from the start date, not from the app's first day.
    assert!(earned(&alice, "hundred-days"));
    bob.receive_from(&mut alice);
    assert!(earned(&bob, "hundred-days"));
    assert_eq!(alice.rows(), bob.rows());

    // Not in the future: refused in words, nothing changed.
    let tomorrow = RelationshipDatesForm {
        start_date: "2026-11-26".into(),
        ..both.clone()
    };
    let refused = relationship::save_dates(&mut alice.store, &tomorrow, now()).unwrap_err();
    assert!(refused.to_string().contains("in the future"), "{refused}");
    assert_eq!(alice.store.relationship_dates().unwrap(), Some(both));
    // Cleared, it counts from the app's first day again.
    relationship::save_dates(&mut alice.store, &RelationshipDatesForm::default(), now()).unwrap();
    assert_eq!(alice.store.stats(now()).unwrap().unwrap().days_together, 0);
    let _ = date(2026, 1, 1);
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

#[test]
fn goal_reached_reaches_both_partners_once_whoever_took_the_last_step() {
    let (mut alice, mut bob) = paired_without_dates();
    let goal = alice
        .store
        .add_goal(
            &together_core::document::GoalInput {
                name: "Ten walks".into(),
                goal_type: together_core::domain::GoalType::Habit,
                target_count: 2,
                start_date: None,
                target_date: None,
            },
            now(),
        )
        .unwrap();
    bob.receive_from(&mut alice);
    // Alice's second device, offline too.
    let mut alice_laptop = alice.clone_device();

    // Each partner takes one step offline: neither device saw the goal reached.
    alice.store.progress_goal(goal, 1, now()).unwrap();
    bob.store.progress_goal(goal, 1, now()).unwrap();
    assert!(goal_reached_notices(&alice).is_empty());
    assert!(goal_reached_notices(&bob).is_empty());

    // Merged, each device tells its own person; Alice's laptop does too, offline from her phone.
    alice.receive_from(&mut bob);
    bob.receive_from(&mut alice);
    alice_laptop.receive_from(&mut bob);
    for replica in [&alice, &bob, &alice_laptop] {
        assert_eq!(goal_reached_notices(replica), ["Goal reached: Ten walks"]);
    }
    // Everyone merges everything: still once each, and every device holds the same rows.
    for _ in 0..2 {
        alice.receive_from(&mut alice_laptop);
        alice.receive_from(&mut bob);
        bob.receive_from(&mut alice);
        alice_laptop.receive_from(&mut alice);
    }
    for replica in [&alice, &bob, &alice_laptop] {
        assert_eq!(goal_reached_notices(replica), ["Goal reached: Ten walks"]);
    }
    let alice_id = alice.store.local_user().unwrap().unwrap().to_string();
    let for_alice = alice
        .table("notifications")
        .into_iter()
        .filter(|n| n["notification_type"] == "goal_reached" && n["user_id"] == alice_id.as_str())
        .count();
    assert_eq!(for_alice, 1, "never duplicated");
    assert_eq!(alice.rows(), bob.rows());
}

#[test]
fn undo_takes_a_reached_goal_back_from_what_it_shows_and_never_below_zero() {
    let (mut alice, mut bob) = paired_without_dates();
    let goal = alice
        .store
        .add_goal(
            &together_core::document::GoalInput {
                name: "Sunday brunch".into(),
                goal_type: together_core::domain::GoalType::Habit,
                target_count: 1,
                start_date: None,
                target_date: None,
            },
            now(),
        )
        .unwrap();
    bob.receive_from(&mut alice);
    // Both reach it offline: 2 steps on a target of 1 reads 1/1.
    alice.store.progress_goal(goal, 1, now()).unwrap();
    bob.store.progress_goal(goal, 1, now()).unwrap();
    alice.receive_from(&mut bob);
    let shown = |r: &Replica| {
        let g = &r.store.goals().unwrap()[0];
        (g.current_progress, g.status.clone())
    };
    assert_eq!(shown(&alice), (1, "completed".to_owned()));
    // One Undo un-reaches it.
    together_client::goals::progress(&mut alice.store, &goal.to_string(), -1, now()).unwrap();
    assert_eq!(shown(&alice), (0, "active".to_owned()));
    bob.receive_from(&mut alice);
    assert_eq!(shown(&bob), (0, "active".to_owned()));
    // Nothing to take back at zero: refused in words.
    let error = together_client::goals::progress(&mut alice.store, &goal.to_string(), -1, now())
        .unwrap_err();
    assert!(
        error.to_string().contains("no step to take back"),
        "{error}"
    );
    // A step forward reaches it again.
    alice.store.progress_goal(goal, 1, now()).unwrap();
    assert_eq!(shown(&alice), (1, "completed".to_owned()));
}

#[test]
fn edits_merge_field_by_field_and_a_delete_wins_over_an_edit_made_meanwhile() {
    use together_client::{activities, dates, talk_log};
    use together_core::view::{ActivityForm, DateForm, LogForm};
    let (mut alice, mut bob) = paired_without_dates();
    let picnic = ActivityForm {
        name: "Picnic".into(),
        activity_type: "outdoors".into(),
        ..ActivityForm::default()
    };
    activities::plan(&mut alice.store, &picnic, now()).unwrap();
    let trip = DateForm {
        name: "Trip to Rome".into(),
        date: "2027-04-01".into(),
        event_type: "trip".into(),
        ..DateForm::default()
    };
    dates::add(&mut alice.store, &trip, now()).unwrap();
    let talk = LogForm {
        communication_type: "deep_conversation".into(),
        topic: "Moving in".into(),
        ..LogForm::default()
    };
    talk_log::add(&mut alice.store, &talk, now()).unwrap();
    bob.receive_from(&mut alice);
    let activity = alice.store.activities().unwrap()[0].clone();
    let date_id = alice.store.dates(now()).unwrap()[0].id.clone();
    let log = alice.store.talk_log().unwrap()[0].clone();

    // Offline: Alice renames the picnic, Bob gives it a day; Alice deletes the trip while Bob
    // moves it; Bob clears the talk's topic while Alice marks it for a follow-up.
    let renamed = ActivityForm {
        name: "Picnic by the lake".into(),
        ..activity.as_form()
    };
    activities::edit(&mut alice.store, &activity.id, &renamed, now()).unwrap();
    let planned = ActivityForm {
        planned_date: "2026-12-05".into(),
        ..activity.as_form()
    };
    activities::edit(&mut bob.store, &activity.id, &planned, now()).unwrap();
    dates::delete(&mut alice.store, &date_id, now()).unwrap();
    let moved = DateForm {
        date: "2027-05-01".into(),
        ..bob.store.dates(now()).unwrap()[0].as_form()
    };
    dates::edit(&mut bob.store, &date_id, &moved, now()).unwrap();
    let untitled = LogForm {
        topic: String::new(),
        ..log.as_form()
    };
    talk_log::edit(&mut bob.store, &log.id, &untitled, now()).unwrap();
    let follow_up = LogForm {
        follow_up_needed: true,
        ..log.as_form()
    };
    talk_log::edit(&mut alice.store, &log.id, &follow_up, now()).unwrap();

    alice.receive_from(&mut bob);
    bob.receive_from(&mut alice);
    for replica in [&alice, &bob] {
        let a = &replica.store.activities().unwrap()[0];
        assert_eq!(a.name, "Picnic by the lake", "Alice's edit stays");
        assert_eq!(a.status, "planned", "Bob's day stays and makes it planned");
        assert!(a.planned_date.as_deref().unwrap().starts_with("2026-12-05"));
        assert!(
            replica.store.dates(now()).unwrap().is_empty(),
            "the delete wins over Bob's edit"
        );
        let l = &replica.store.talk_log().unwrap()[0];
        assert_eq!((l.topic.as_deref(), l.follow_up_needed), (None, true));
        assert_eq!(l.headline(), "deep conversation");
        assert!(
            !l.details().contains("deep conversation"),
            "{}",
            l.details()
        );
    }
    assert_eq!(alice.rows(), bob.rows());

    // What this device knows deleted cannot be edited; the sentence says why.
    let error = dates::edit(&mut bob.store, &date_id, &moved, now()).unwrap_err();
    assert!(
        error.to_string().contains("removed on your partner"),
        "{error}"
    );
    // A conversation stays in its year.
    let next_year = LogForm {
        when: "2027-01-02T10:00:00Z".into(),
        ..log.as_form()
    };
    let error = talk_log::edit(&mut alice.store, &log.id, &next_year, now()).unwrap_err();
    assert!(
        error.to_string().contains("delete it and log it again"),
        "{error}"
    );
    // Deleting the rest empties both lists, on both devices.
    activities::delete(&mut bob.store, &activity.id, now()).unwrap();
    talk_log::delete(&mut bob.store, &log.id, now()).unwrap();
    alice.receive_from(&mut bob);
    assert!(alice.store.activities().unwrap().is_empty());
    assert!(alice.store.talk_log().unwrap().is_empty());
    assert_eq!(alice.rows(), bob.rows());
}

#[test]
fn a_one_time_challenge_is_done_once_done_and_earns_challenge_accepted_on_both_devices() {
    let (mut alice, mut bob) = paired_without_dates();
    let sunrise = together_core::catalog::CHALLENGES
        .iter()
        .find(|c| c.slug == "sunrise")
        .unwrap();
    assert_eq!(sunrise.challenge_type, "one_time");
    together_client::challenges::join(&mut alice.store, &sunrise.id(), now()).unwrap();
    bob.receive_from(&mut alice);
    assert!(alice.store.participations().unwrap()[0].is_running());
    assert!(!earned(&alice, "first-challenge"));

    // Bob marks it done on his device: it is no longer running, and the couple earned it.
    let participation = bob.store.participations().unwrap()[0].id.clone();
    together_client::challenges::done_today(&mut bob.store, &participation, now()).unwrap();
    let done = &bob.store.participations().unwrap()[0];
    assert_eq!(done.status, "completed");
    assert!(!done.is_running());
    assert!(earned(&bob, "first-challenge"), "Challenge accepted");
    alice.receive_from(&mut bob);
    assert!(!alice.store.participations().unwrap()[0].is_running());
    assert!(earned(&alice, "first-challenge"));
    assert_eq!(alice.rows(), bob.rows());
}

/// The pages in the store's write-ahead log (nothing is copied: `NOOP`).
fn log_frames(replica: &Replica) -> i64 {
    let conn = rusqlite::Connection::open(replica.db()).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(NOOP)", [], |row| row.get(1))
        .unwrap()
}

#[test]
fn stats_asked_again_with_nothing_new_write_nothing() {
    let (mut alice, mut bob) = paired_without_dates();
    let checkin = |day| together_core::document::CheckinInput {
        date: day,
        connection: together_core::domain::Score::new("connection", 8).unwrap(),
        mood: together_core::domain::Score::new("mood", 7).unwrap(),
        satisfaction: together_core::domain::Score::new("satisfaction", 9).unwrap(),
        note: None,
    };
    let today = alice.store.local_today(now()).unwrap();
    alice.store.checkin(&checkin(today), now()).unwrap();
    bob.store.checkin(&checkin(today), now()).unwrap();
    alice.receive_from(&mut bob);
    let first = alice.store.stats(now()).unwrap().unwrap();
    assert_eq!(first.checkin_streak, 1);

    // The same day's rows hold the same numbers: SQLite leaves a row whose new values equal its
    // old ones untouched, so the upserts need no "only when changed" of their own (a rewrite
    // would cost the log pages and a sync).
    let before = log_frames(&alice);
    let again = alice.store.stats(now()).unwrap().unwrap();
    assert_eq!(again, first);
    assert_eq!(log_frames(&alice), before, "asking again wrote pages");
}
