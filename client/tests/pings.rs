//! "Thinking of you": a gesture sent on one device arrives in the partner's inbox on theirs, at a
//! pace that stays sweet (one every 30 seconds, 20 a day), and never before there is a partner.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired};
use jiff::SignedDuration;
use together_client::pings::{self, PER_DAY};
use together_core::view::PingForm;

fn ping(kind: &str, message: &str) -> pings::PingInput {
    pings::form(&PingForm {
        kind: kind.into(),
        message: message.into(),
    })
    .unwrap()
}

fn pings_for(replica: &Replica) -> Vec<serde_json::Value> {
    replica
        .table("notifications")
        .into_iter()
        .filter(|n| n["notification_type"] == "thinking_of_you")
        .collect()
}

fn alice_id(replica: &Replica) -> String {
    replica.store.local_user().unwrap().unwrap().to_string()
}

#[test]
fn a_gesture_reaches_the_partners_inbox_and_keeps_a_sweet_pace() {
    let (mut alice, mut bob) = paired();
    alice
        .store
        .send_ping(&ping("hug", "see you at six"), now())
        .unwrap();
    bob.receive_from(&mut alice);
    let received = pings_for(&bob);
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["title"], "Alice sent you a hug");
    assert_eq!(received[0]["message"], "see you at six");
    let bobs_inbox = bob.store.notifications().unwrap();
    assert!(
        bobs_inbox
            .iter()
            .any(|n| n.title == "Alice sent you a hug" && !n.is_read)
    );
    assert!(
        pings_for(&alice)
            .iter()
            .all(|n| n["user_id"] != alice_id(&alice)),
        "the sender's own inbox stays quiet"
    );

    // A double tap sends one.
    let again = alice
        .store
        .send_ping(&ping("", ""), now() + SignedDuration::from_secs(5))
        .unwrap_err();
    assert!(again.to_string().contains("give it a moment"), "{again}");

    // Twenty in a day, then tomorrow.
    let mut at = now();
    for _ in 1..PER_DAY {
        at += SignedDuration::from_secs(60);
        alice.store.send_ping(&ping("heart", ""), at).unwrap();
    }
    at += SignedDuration::from_secs(60);
    let too_many = alice.store.send_ping(&ping("heart", ""), at).unwrap_err();
    assert!(
        too_many.to_string().contains("keep some for tomorrow"),
        "{too_many}"
    );
    let tomorrow = now() + SignedDuration::from_hours(25);
    alice.store.send_ping(&ping("heart", ""), tomorrow).unwrap();
    bob.receive_from(&mut alice);
    assert_eq!(pings_for(&bob).len(), usize::try_from(PER_DAY).unwrap() + 1);
}

#[test]
fn without_a_partner_there_is_no_one_to_send_it_to() {
    let mut alone = Replica::new();
    alone.profile("Alice", "UTC");
    alone.create_relationship();
    let refused = alone.store.send_ping(&ping("", ""), now()).unwrap_err();
    assert!(
        refused.to_string().contains("invite your partner"),
        "{refused}"
    );
    assert!(pings_for(&alone).is_empty());
}
