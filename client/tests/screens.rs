//! The app's read models over real stores of two partners.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired};
use jiff::civil::date;
use together_core::document::{CheckinInput, DateInput, GoalInput};
use together_core::domain::{DateEventType, GoalType, Score};
use together_core::view::PartnerToday;

fn checkin(day: jiff::civil::Date, score: i64, note: &str) -> CheckinInput {
    CheckinInput {
        date: day,
        connection: Score::new("connection", score).unwrap(),
        mood: Score::new("mood", score).unwrap(),
        satisfaction: Score::new("satisfaction", score).unwrap(),
        note: Some(note.into()),
    }
}

#[test]
fn today_reveals_the_partner_only_after_the_person_checked_in() {
    let mut solo = Replica::new();
    solo.profile("Robin", "UTC");
    let view = solo.store.today_view(now()).unwrap();
    assert_eq!(view.display_name.as_deref(), Some("Robin"));
    assert_eq!(view.partner, PartnerToday::Alone);
    assert_eq!(view.local_date, "2026-11-25");
    assert_eq!(view.date_label, "Wednesday, November 25");

    let (mut alice, mut bob) = paired();
    // Bob lives in Honolulu: at 08:00 UTC on the 25th, his today is the 24th.
    let today = date(2026, 11, 24);
    let bob_view = bob.store.today_view(now()).unwrap();
    assert!(
        matches!(bob_view.partner, PartnerToday::Waiting { .. }),
        "{bob_view:?}"
    );

    alice
        .store
        .checkin(&checkin(today, 9, "soup"), now())
        .unwrap();
    bob.receive_from(&mut alice);
    let sealed = bob.store.today_view(now()).unwrap();
    assert!(
        matches!(sealed.partner, PartnerToday::Sealed { .. }),
        "{sealed:?}"
    );
    assert!(
        !serde_json::to_string(&sealed).unwrap().contains("soup"),
        "no answer leaks"
    );

    bob.store
        .checkin(&checkin(today, 7, "walk"), now())
        .unwrap();
    let revealed = bob.store.today_view(now()).unwrap();
    let PartnerToday::Revealed { checkin, .. } = &revealed.partner else {
        panic!("{revealed:?}")
    };
    assert_eq!(checkin.gratitude_note.as_deref(), Some("soup"));
    assert_eq!(revealed.my_checkin.as_ref().unwrap().connection_score, 7);
    assert_eq!(revealed.streak, 1);
}

#[test]
fn history_has_a_point_per_day_and_the_heat_map_counts_both() {
    let (mut alice, mut bob) = paired();
    // Bob's today (Honolulu) is the 24th.
    alice
        .store
        .checkin(&checkin(date(2026, 11, 23), 6, "a"), now())
        .unwrap();
    alice
        .store
        .checkin(&checkin(date(2026, 11, 24), 8, "b"), now())
        .unwrap();
    bob.receive_from(&mut alice);
    bob.store
        .checkin(&checkin(date(2026, 11, 24), 5, "c"), now())
        .unwrap();
    let history = bob.store.history(now(), 7).unwrap();
    assert_eq!(history.days, 7);
    assert_eq!(history.points.len(), 7);
    assert_eq!(history.points.last().unwrap().date, "2026-11-24");
    let last = history.points.last().unwrap();
    assert_eq!(last.mine.unwrap().connection, 5);
    assert_eq!(last.partner.unwrap().connection, 8);
    let before = &history.points[5];
    assert_eq!(
        before.partner, None,
        "Bob did not check in on the 23rd: hidden"
    );
    let levels: Vec<u8> = history.heat.iter().map(|h| h.level).collect();
    assert_eq!(levels, vec![0, 0, 0, 0, 0, 1, 2]);
    assert!(history.summary.is_some());
    assert_eq!(
        bob.store.history(now(), 12).unwrap().days,
        30,
        "unknown windows fall back"
    );
}

#[test]
fn dates_count_down_and_remind_on_today() {
    let (mut alice, _bob) = paired();
    for (name, day, recurring, remind) in [
        ("Anniversary", date(2020, 11, 27), true, Some(3)),
        ("Trip", date(2026, 12, 20), false, None),
        ("Old", date(2025, 1, 1), false, None),
    ] {
        alice
            .store
            .add_date(
                &DateInput {
                    date: day,
                    name: name.into(),
                    event_type: DateEventType::Other,
                    recurring,
                    reminder_days_before: remind,
                },
                now(),
            )
            .unwrap();
    }
    let dates = alice.store.dates(now()).unwrap();
    let names: Vec<&str> = dates.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Anniversary", "Trip", "Old"]);
    assert_eq!(dates[0].days_until, Some(2));
    assert_eq!(dates[0].next_on.as_deref(), Some("2026-11-27"));
    assert_eq!(dates[1].days_until, Some(25));
    assert_eq!(dates[2].days_until, None);
    let today = alice.store.today_view(now()).unwrap();
    assert_eq!(today.reminders, vec!["Anniversary is in 2 days".to_owned()]);
}

#[test]
fn a_suggestion_is_offered_until_a_challenge_runs() {
    let (mut alice, _bob) = paired();
    let suggestion = alice.store.today_view(now()).unwrap().suggestion.unwrap();
    alice.store.join_challenge(&suggestion.id, now()).unwrap();
    let joined = alice.store.participations().unwrap();
    assert_eq!(joined.len(), 1);
    assert_eq!(joined[0].name, suggestion.name);
    assert_eq!(alice.store.today_view(now()).unwrap().suggestion, None);
    alice
        .store
        .add_goal(
            &GoalInput {
                name: "Walks".into(),
                goal_type: GoalType::Habit,
                target_count: 4,
                start_date: None,
                target_date: None,
            },
            now(),
        )
        .unwrap();
    assert_eq!(alice.store.goals().unwrap()[0].percent(), 0);
}
