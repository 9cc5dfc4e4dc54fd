//! The inbox over two partners' real stores: a notification that asks for something settles once
//! it is done (wherever it was done), a calendar is offered only for a dated plan, and "mark all
//! read" empties the badge.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired};
use jiff::civil::date;
use together_core::document::{ActivityInput, CheckinInput};
use together_core::domain::{ActivityType, Rating, Score};
use together_core::view::NotificationView;

fn checkin(day: jiff::civil::Date) -> CheckinInput {
    CheckinInput {
        date: day,
        connection: Score::new("connection", 7).unwrap(),
        mood: Score::new("mood", 7).unwrap(),
        satisfaction: Score::new("satisfaction", 7).unwrap(),
        note: None,
    }
}

fn activity(name: &str, planned: Option<&str>) -> ActivityInput {
    ActivityInput {
        name: name.into(),
        activity_type: ActivityType::Outdoors,
        planned_date: planned.map(|p| p.parse().unwrap()),
        duration_minutes: None,
        cost_cents: None,
    }
}

/// The one notification of `person` whose title contains `title`.
fn find(person: &Replica, title: &str) -> NotificationView {
    let list = person.store.notifications().unwrap();
    let mut found = list.iter().filter(|n| n.title.contains(title));
    let first = found
        .next()
        .unwrap_or_else(|| panic!("no {title:?} in {list:?}"));
    assert!(found.next().is_none(), "two {title:?} in {list:?}");
    first.clone()
}

#[test]
fn check_in_too_settles_once_the_person_checked_in() {
    let (mut alice, mut bob) = paired();
    // Alice's day (Auckland) is the 25th; Bob's (Honolulu) the 24th.
    alice
        .store
        .checkin(&checkin(date(2026, 11, 25)), now())
        .unwrap();
    bob.receive_from(&mut alice);
    let asked = find(&bob, "Alice checked in");
    assert!(asked.message.contains("Check in too"), "{asked:?}");
    assert!(!asked.is_read && !asked.resolved);
    let unread = bob.store.unread_notifications().unwrap();
    assert!(unread >= 1);

    // A check-in on an earlier day does not answer it.
    bob.store
        .checkin(&checkin(date(2026, 11, 24)), now())
        .unwrap();
    assert!(!find(&bob, "Alice checked in").resolved);

    // Bob checks in on her day: done, read, and out of the badge, without touching the inbox.
    bob.store
        .checkin(&checkin(date(2026, 11, 25)), now())
        .unwrap();
    let settled = find(&bob, "Alice checked in");
    assert!(settled.resolved && settled.is_read, "{settled:?}");
    assert_eq!(bob.store.unread_notifications().unwrap(), unread - 1);
}

#[test]
fn add_your_own_rating_settles_once_the_person_rated_that_activity() {
    let (mut alice, mut bob) = paired();
    let picnic = alice
        .store
        .add_activity(&activity("Picnic", None), now())
        .unwrap();
    let museum = alice
        .store
        .add_activity(&activity("Museum", None), now())
        .unwrap();
    for id in [picnic, museum] {
        alice.store.complete_activity(id, now(), now()).unwrap();
        alice
            .store
            .rate_activity(id, Rating::new(4).unwrap(), now())
            .unwrap();
    }
    bob.receive_from(&mut alice);
    let rated = |bob: &Replica| -> Vec<NotificationView> {
        bob.store
            .notifications()
            .unwrap()
            .into_iter()
            .filter(|n| n.notification_type == "activity_rated")
            .collect()
    };
    assert_eq!(rated(&bob).len(), 2);
    assert!(rated(&bob).iter().all(|n| !n.resolved && !n.is_read));
    let before = bob.store.unread_notifications().unwrap();

    // Rating the picnic settles the picnic's ask only.
    bob.store
        .rate_activity(picnic, Rating::new(5).unwrap(), now())
        .unwrap();
    let settled = rated(&bob).iter().filter(|n| n.resolved).count();
    assert_eq!(settled, 1, "{:?}", rated(&bob));
    assert_eq!(bob.store.unread_notifications().unwrap(), before - 1);

    // Alice, who rated first, has nothing of the kind to settle: Bob's rating asks her nothing
    // new beyond its own notification, which her rating already answers.
    alice.receive_from(&mut bob);
    let hers = find(&alice, "Bob rated an activity");
    assert!(
        hers.resolved,
        "Alice had rated the picnic already: {hers:?}"
    );
}

#[test]
fn a_calendar_is_offered_only_for_a_dated_plan_and_a_finished_plan_asks_nothing() {
    let (mut alice, mut bob) = paired();
    alice
        .store
        .add_activity(&activity("Concert", Some("2026-12-05T19:00:00Z")), now())
        .unwrap();
    let walk = alice
        .store
        .add_activity(&activity("Walk", None), now())
        .unwrap();
    bob.receive_from(&mut alice);
    assert!(find(&bob, "Concert").message.contains("calendar"));
    let undated = find(&bob, "Walk");
    assert!(!undated.message.contains("calendar"), "{undated:?}");
    assert!(!undated.resolved);

    // Done before Bob looked: nothing is left to plan.
    alice.store.complete_activity(walk, now(), now()).unwrap();
    bob.receive_from(&mut alice);
    assert!(find(&bob, "Walk").resolved);
    assert!(!find(&bob, "Concert").resolved);
}

#[test]
fn mark_all_read_empties_the_badge_and_reaches_the_persons_other_device() {
    let (mut alice, mut bob) = paired();
    alice
        .store
        .checkin(&checkin(date(2026, 11, 25)), now())
        .unwrap();
    alice
        .store
        .add_activity(&activity("Concert", None), now())
        .unwrap();
    bob.receive_from(&mut alice);
    assert!(bob.store.unread_notifications().unwrap() >= 2);
    let mut bobs_phone = bob.clone_device();

    let list = together_client::inbox::mark_all_read(&mut bob.store, now()).unwrap();
    assert!(list.iter().all(|n| n.is_read), "{list:?}");
    assert_eq!(bob.store.unread_notifications().unwrap(), 0);
    // Nothing was resolved by it: read is not done.
    assert!(list.iter().all(|n| !n.resolved), "{list:?}");

    bobs_phone.receive_from(&mut bob);
    assert_eq!(bobs_phone.store.unread_notifications().unwrap(), 0);
    // Nothing unread: a second time changes nothing.
    assert_eq!(bob.store.mark_all_notifications_read(now()).unwrap(), 0);
}
