//! "A question a day" between two devices: the day's question agrees on both sides, answers made
//! alone are revealed only once both answered (even though the partner's answer is already on the
//! device), offline answers and skips merge by the stated rule, and a person alone gets a question
//! too.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::Command;

use common::couple::{Replica, paired};
use common::server::{paired_through, server, sync};
use jiff::Timestamp;
use together_client::questions;
use together_core::view::ReactionForm;

/// A moment when Alice (Pacific/Auckland, UTC+13) and Bob (UTC) are on the same local date,
/// 2026-11-25.
fn same_day() -> Timestamp {
    "2026-11-25T10:30:00Z".parse().unwrap()
}

/// Bob's profile in UTC, so both partners' "today" is known.
fn bob_in_utc(bob: &mut Replica) {
    bob.profile("Bob", "UTC");
}

#[tokio::test(flavor = "multi_thread")]
async fn both_answer_and_only_then_each_sees_the_other_answer() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    bob_in_utc(&mut bob);
    sync(&mut bob).await;
    sync(&mut alice).await;
    let now = same_day();
    assert_eq!(
        alice.store.local_today(now).unwrap(),
        bob.store.local_today(now).unwrap()
    );

    // Offline, both devices pick the same question.
    let a_today = alice.store.question_today(now).unwrap().unwrap();
    let b_today = bob.store.question_today(now).unwrap().unwrap();
    assert_eq!(a_today.id, b_today.id);
    assert_eq!(a_today.date, "2026-11-25");

    // Bob answers; his answer reaches Alice's device...
    questions::answer(&mut bob.store, "the walk by the river", now).unwrap();
    sync(&mut bob).await;
    sync(&mut alice).await;
    assert_eq!(
        alice.count("SELECT count(*) FROM question_answers WHERE answer = 'the walk by the river'"),
        1,
        "Bob's answer is on Alice's device"
    );
    // ...but the read API hides it until she answers.
    let hidden = alice.store.question_today(now).unwrap().unwrap();
    assert_eq!(hidden.partner_answer, None);
    assert!(hidden.partner_answered);
    assert_eq!(hidden.my_answer, None);
    assert!(
        alice
            .store
            .question_history(Some("river"))
            .unwrap()
            .is_empty()
    );

    let revealed = questions::answer(&mut alice.store, "our first dinner", now).unwrap();
    assert_eq!(revealed.my_answer.as_deref(), Some("our first dinner"));
    assert_eq!(
        revealed.partner_answer.as_deref(),
        Some("the walk by the river")
    );
    sync(&mut alice).await;
    sync(&mut bob).await;
    let bob_sees = bob.store.question_today(now).unwrap().unwrap();
    assert_eq!(bob_sees.partner_answer.as_deref(), Some("our first dinner"));
    assert!(!bob_sees.can_change);
    // Now that Alice answered, Bob's answer is final.
    assert!(questions::answer(&mut bob.store, "changed my mind", now).is_err());

    // Bob reacts; Alice sees the heart and the reply under her answer.
    let react = ReactionForm {
        heart: Some(true),
        reply: "that dinner!".into(),
        ..ReactionForm::default()
    };
    questions::react(&mut bob.store, &react, now).unwrap();
    sync(&mut bob).await;
    sync(&mut alice).await;
    let reaction = alice
        .store
        .question_today(now)
        .unwrap()
        .unwrap()
        .partner_reaction
        .unwrap();
    assert!(reaction.heart);
    assert_eq!(reaction.reply.as_deref(), Some("that dinner!"));

    // History on both sides: the same question with both answers, searchable.
    let history = bob.store.question_history(Some("DINNER")).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].id, a_today.id);
    assert_eq!(
        alice.table("question_answers"),
        bob.table("question_answers")
    );
}

#[test]
fn answers_made_offline_on_both_sides_merge() {
    let (mut alice, mut bob) = paired();
    bob_in_utc(&mut bob);
    alice.receive_from(&mut bob);
    let now = same_day();
    // Neither device has seen the other's answer.
    questions::answer(&mut alice.store, "alice offline", now).unwrap();
    questions::answer(&mut bob.store, "bob offline", now).unwrap();
    alice.receive_from(&mut bob);
    bob.receive_from(&mut alice);
    let a = alice.store.question_today(now).unwrap().unwrap();
    let b = bob.store.question_today(now).unwrap().unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(a.partner_answer.as_deref(), Some("bob offline"));
    assert_eq!(b.partner_answer.as_deref(), Some("alice offline"));
    assert_eq!(
        alice.table("question_answers"),
        bob.table("question_answers")
    );
}

#[test]
fn an_answer_made_offline_wins_over_a_skip_made_at_the_same_time() {
    let (mut alice, mut bob) = paired();
    bob_in_utc(&mut bob);
    alice.receive_from(&mut bob);
    let now = same_day();
    let question = alice.store.question_today(now).unwrap().unwrap();
    questions::answer(&mut alice.store, "I keep it", now).unwrap();
    let next = bob.store.skip_question(now).unwrap().unwrap();
    assert_ne!(next.id, question.id, "on Bob's device the skip moved on");
    alice.receive_from(&mut bob);
    bob.receive_from(&mut alice);
    for replica in [&alice, &bob] {
        let today = replica.store.question_today(now).unwrap().unwrap();
        assert_eq!(today.id, question.id, "the answered question stays");
    }
    // Bob can still answer it, and then both see both.
    let view = questions::answer(&mut bob.store, "fine, me too", now).unwrap();
    assert_eq!(view.partner_answer.as_deref(), Some("I keep it"));
    // A skip made after an answer arrived is refused in words.
    let refused = bob.store.skip_question(now).unwrap_err().to_string();
    assert!(refused.contains("answer wins"), "{refused}");
}

#[test]
fn a_skip_moves_both_partners_to_the_next_question() {
    let (mut alice, mut bob) = paired();
    bob_in_utc(&mut bob);
    alice.receive_from(&mut bob);
    let now = same_day();
    let first = bob.store.question_today(now).unwrap().unwrap();
    let next = alice.store.skip_question(now).unwrap().unwrap();
    assert_ne!(first.id, next.id);
    bob.receive_from(&mut alice);
    assert_eq!(bob.store.question_today(now).unwrap().unwrap().id, next.id);
}

#[test]
fn chosen_packs_are_shared_and_decide_the_question() {
    let (mut alice, mut bob) = paired();
    bob_in_utc(&mut bob);
    alice.receive_from(&mut bob);
    let now = same_day();
    let packs = questions::choose_packs(&mut alice.store, "fun", now).unwrap();
    assert_eq!(
        packs
            .iter()
            .filter(|p| p.chosen)
            .map(|p| p.pack.as_str())
            .collect::<Vec<_>>(),
        ["fun"]
    );
    assert!(questions::choose_packs(&mut alice.store, "fun,spicy", now).is_err());
    bob.receive_from(&mut alice);
    let bob_packs = bob.store.question_packs().unwrap();
    assert!(bob_packs.iter().all(|p| p.chosen == (p.pack == "fun")));
    let today = bob.store.question_today(now).unwrap().unwrap();
    assert_eq!(today.pack, "fun");
    assert_eq!(
        alice.store.question_today(now).unwrap().unwrap().id,
        today.id
    );
}

#[test]
fn a_person_alone_gets_a_question_and_answers_it() {
    let mut solo = Replica::new();
    solo.profile("Sam", "Europe/Paris");
    let now = same_day();
    // Before any relationship: a question to read, but nowhere to keep an answer yet.
    assert!(solo.store.question_today(now).unwrap().is_some());
    let refused = questions::answer(&mut solo.store, "x", now)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("relationship create"), "{refused}");

    solo.create_relationship();
    let today = solo.store.question_today(now).unwrap().unwrap();
    let answered = questions::answer(&mut solo.store, "a quiet morning", now).unwrap();
    assert_eq!(answered.id, today.id);
    assert_eq!(answered.my_answer.as_deref(), Some("a quiet morning"));
    assert_eq!(answered.partner_answer, None);
    // Until a partner answers, the answer may change.
    let changed = questions::answer(&mut solo.store, "a slow morning", now).unwrap();
    assert_eq!(changed.my_answer.as_deref(), Some("a slow morning"));
    assert_eq!(solo.store.question_history(None).unwrap().len(), 1);
}

fn together(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TOGETHER_DATA_DIR")
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

#[test]
fn the_question_commands_print_the_documented_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    together(d, &["profile", "set", "--name", "Sam"]);
    together(d, &["relationship", "create"]);
    let today = together(d, &["question", "today", "--json"]);
    for key in ["id", "text", "pack", "date", "my_answer", "partner_answer"] {
        assert!(today.get(key).is_some(), "{key} missing: {today}");
    }
    assert!(today["id"].is_string());
    assert!(today["my_answer"].is_null());
    assert!(today["partner_answer"].is_null());

    together(d, &["question", "answer", "long", "walks"]);
    let today = together(d, &["question", "today", "--json"]);
    assert_eq!(today["my_answer"], "long walks");
    assert!(today["partner_answer"].is_null());

    let history = together(d, &["question", "history", "--json", "--search", "walks"]);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["id"], today["id"]);
    let none = together(d, &["question", "history", "--json", "--search", "zebra"]);
    assert_eq!(none, serde_json::json!([]));

    let packs = together(d, &["question", "packs", "--json"]);
    assert_eq!(packs.as_array().unwrap().len(), 7);
    let set = together(d, &["question", "packs", "--set", "light,deep", "--json"]);
    let chosen: Vec<&str> = set
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["chosen"] == true)
        .map(|p| p["pack"].as_str().unwrap())
        .collect();
    assert_eq!(chosen, ["light", "deep"]);
}
