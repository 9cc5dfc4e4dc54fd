//! Partner quizzes between two devices: a "know me" round answered on one side and guessed on the
//! other (in either order, offline), revealed only once both sides are in, scored; "this or that"
//! pairs the same on both devices, the partner's pick hidden until one picked too.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired};
use together_core::view::RoundState;

#[test]
fn a_round_is_answered_guessed_revealed_and_scored_on_both_sides() {
    let (mut alice, mut bob) = paired();
    let round = alice.store.start_know_me_round(now()).unwrap();
    assert!(round.about_me);
    assert_eq!(round.state, RoundState::YourTurn);
    assert_eq!(round.choices.len(), 4);
    let answered = alice
        .store
        .answer_know_me(&round.round_id, 2, now())
        .unwrap();
    assert_eq!(answered.state, RoundState::WaitingForPartner);

    bob.receive_from(&mut alice);
    let to_guess = bob.store.know_me_rounds().unwrap();
    assert_eq!(to_guess.len(), 1);
    assert!(!to_guess[0].about_me);
    assert_eq!(to_guess[0].subject_name, "Alice");
    assert_eq!(to_guess[0].state, RoundState::YourTurn);
    assert_eq!(
        to_guess[0].partner_choice, None,
        "Alice's answer stays hidden before a guess"
    );
    assert_eq!(
        bob.count("SELECT count(*) FROM quiz_answers WHERE choice = 2"),
        1,
        "although it is on Bob's device"
    );

    let guessed = bob.store.answer_know_me(&round.round_id, 2, now()).unwrap();
    assert_eq!(guessed.state, RoundState::Revealed);
    assert_eq!(
        (guessed.partner_choice, guessed.correct),
        (Some(2), Some(true))
    );
    let refused = bob
        .store
        .answer_know_me(&round.round_id, 1, now())
        .unwrap_err();
    assert!(
        refused.to_string().contains("revealed already"),
        "{refused}"
    );

    alice.receive_from(&mut bob);
    let seen = alice.store.know_me_rounds().unwrap();
    assert_eq!(
        (seen[0].state, seen[0].partner_choice),
        (RoundState::Revealed, Some(2))
    );
    let score = alice.store.know_me_score().unwrap();
    assert_eq!((score.partner_right, score.partner_guesses), (1, 1));
    assert_eq!((score.my_right, score.my_guesses), (0, 0));
    let score = bob.store.know_me_score().unwrap();
    assert_eq!((score.my_right, score.my_guesses), (1, 1));
}

#[test]
fn a_guess_made_offline_before_the_answer_merges_into_one_round() {
    let (mut alice, mut bob) = paired();
    let round = bob.store.start_know_me_round(now()).unwrap();
    alice.receive_from(&mut bob);
    // Offline on both sides: Alice guesses, Bob answers.
    alice
        .store
        .answer_know_me(&round.round_id, 0, now())
        .unwrap();
    bob.store.answer_know_me(&round.round_id, 3, now()).unwrap();
    assert_eq!(bob.store.know_me_rounds().unwrap()[0].partner_choice, None);
    alice.receive_from(&mut bob);
    bob.receive_from(&mut alice);
    for side in [&alice, &bob] {
        let rounds = side.store.know_me_rounds().unwrap();
        assert_eq!(rounds.len(), 1);
        assert_eq!(rounds[0].state, RoundState::Revealed);
        assert_eq!(rounds[0].correct, Some(false));
    }
    // The next round about Bob asks something else.
    let next = bob.store.start_know_me_round(now()).unwrap();
    assert_ne!(next.item_id, round.item_id);
}

#[test]
fn this_or_that_agrees_on_the_pairs_and_hides_the_partners_pick_until_one_picks() {
    let (mut alice, mut bob) = paired();
    // A moment that is the same local day for Alice (UTC+13) and Bob (UTC-10).
    let at: jiff::Timestamp = "2026-11-25T10:30:00Z".parse().unwrap();
    let a = alice.store.this_or_that_today(at).unwrap();
    let b = bob.store.this_or_that_today(at).unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(
        a.iter().map(|p| &p.pair_id).collect::<Vec<_>>(),
        b.iter().map(|p| &p.pair_id).collect::<Vec<_>>()
    );
    let (first, second) = (a[0].pair_id.clone(), a[1].pair_id.clone());
    alice.store.pick_this_or_that(&first, 0, at).unwrap();
    alice.store.pick_this_or_that(&second, 1, at).unwrap();
    bob.receive_from(&mut alice);
    let before = bob.store.this_or_that_today(at).unwrap();
    assert!(before.iter().all(|p| p.partner_pick.is_none()));
    let after = bob.store.pick_this_or_that(&first, 0, at).unwrap();
    let picked = after.iter().find(|p| p.pair_id == first).unwrap();
    assert_eq!((picked.partner_pick, picked.matched), (Some(0), Some(true)));
    let other = after.iter().find(|p| p.pair_id == second).unwrap();
    assert_eq!(
        other.partner_pick, None,
        "only the pairs Bob picked are shown"
    );
    assert!(bob.store.pick_this_or_that("tt-999", 0, at).is_err());
}

#[test]
fn quizzes_need_a_partner() {
    let mut alone = Replica::new();
    alone.profile("Alice", "UTC");
    alone.create_relationship();
    let refused = alone.store.start_know_me_round(now()).unwrap_err();
    assert!(
        refused.to_string().contains("invite them first"),
        "{refused}"
    );
}

#[test]
fn free_shows_ninety_days_of_quiz_history_and_the_score_counts_every_round() {
    let (mut alice, mut bob) = paired();
    let long_ago = now() - jiff::SignedDuration::from_hours(24 * 120);
    let old = alice.store.start_know_me_round(long_ago).unwrap();
    alice
        .store
        .answer_know_me(&old.round_id, 1, long_ago)
        .unwrap();
    bob.receive_from(&mut alice);
    bob.store
        .answer_know_me(&old.round_id, 1, long_ago)
        .unwrap();
    let open = alice.store.start_know_me_round(now()).unwrap();
    bob.receive_from(&mut alice);

    // Bob's device has no Premium: the revealed round of four months ago is left out of the
    // list (counted, so the screen can say so), the open one is there, the score has both.
    let board = together_client::quizzes::board(&bob.store, now()).unwrap();
    let ids: Vec<&str> = board.rounds.iter().map(|r| r.round_id.as_str()).collect();
    assert_eq!(ids, [open.round_id.as_str()]);
    assert_eq!(board.older_rounds_hidden, 1);
    assert_eq!((board.score.my_right, board.score.my_guesses), (1, 1));
    assert!(board.has_partner);
    assert_eq!(board.this_or_that.len(), 5);

    // An open round never hides, however old: it can still be played.
    let stale = alice.store.start_know_me_round(long_ago).unwrap();
    bob.receive_from(&mut alice);
    let board = together_client::quizzes::board(&bob.store, now()).unwrap();
    assert!(board.rounds.iter().any(|r| r.round_id == stale.round_id));
    // With Premium every round shows (the entitlement itself: tests/premium.rs).
    let all = bob.store.quiz_board(now(), true).unwrap();
    assert_eq!((all.rounds.len(), all.older_rounds_hidden), (3, 0));
}

#[test]
fn the_export_has_the_questions_quizzes_and_pings_as_the_person_may_see_them() {
    let (mut alice, mut bob) = paired();
    // A moment that is the same local day for Alice (UTC+13) and Bob (UTC-10): one question.
    let at: jiff::Timestamp = "2026-11-25T10:30:00Z".parse().unwrap();
    let question = alice.store.answer_question("alice-answer-5e1", at).unwrap();
    bob.receive_from(&mut alice);
    bob.store.answer_question("bob-answer-77c", at).unwrap();
    let round = alice.store.start_know_me_round(at).unwrap();
    alice.store.answer_know_me(&round.round_id, 3, at).unwrap();
    let pair = alice.store.this_or_that_today(at).unwrap()[0]
        .pair_id
        .clone();
    alice.store.pick_this_or_that(&pair, 1, at).unwrap();
    let ping = together_core::view::PingForm {
        kind: "hug".into(),
        message: "ping-line-3f9".into(),
    };
    together_client::pings::send(&mut alice.store, &ping, at).unwrap();
    bob.receive_from(&mut alice);

    // Bob has answered the question (so he sees Alice's answer) but not guessed or picked.
    let export = bob.store.export_json(at).unwrap();
    assert_eq!(export["format"], "better-together-export");
    assert!(export["tables"].is_object(), "the existing shape is kept");
    let questions = export["questions"].as_array().unwrap();
    assert_eq!(questions[0]["id"], question.id.as_str());
    assert_eq!(questions[0]["my_answer"], "bob-answer-77c");
    assert_eq!(questions[0]["partner_answer"], "alice-answer-5e1");
    let rounds = export["quizzes"]["know_me"].as_array().unwrap();
    assert_eq!(rounds[0]["round_id"], round.round_id.as_str());
    assert_eq!(
        rounds[0]["partner_choice"],
        serde_json::Value::Null,
        "not revealed before Bob guesses"
    );
    assert!(export["quizzes"]["score"].is_object());
    assert_eq!(
        export["quizzes"]["this_or_that"],
        serde_json::json!([]),
        "Alice's pick stays hidden until Bob picks"
    );
    let pings = export["pings"].as_array().unwrap();
    assert_eq!(pings.len(), 1, "{pings:?}");
    assert_eq!(pings[0]["direction"], "received");
    assert!(
        pings[0]["message"]
            .as_str()
            .unwrap()
            .contains("ping-line-3f9")
    );

    // Alice's export: her own pick, the ping as sent, her answer with Bob's.
    alice.receive_from(&mut bob);
    let export = alice.store.export_json(at).unwrap();
    assert_eq!(export["questions"][0]["partner_answer"], "bob-answer-77c");
    let picks = export["quizzes"]["this_or_that"].as_array().unwrap();
    assert_eq!(
        (picks[0]["pair_id"].as_str(), picks[0]["my_pick"].as_i64()),
        (Some(pair.as_str()), Some(1))
    );
    assert_eq!(export["pings"][0]["direction"], "sent");
    assert_eq!(export["quizzes"]["know_me"][0]["my_choice"], 3);
}
