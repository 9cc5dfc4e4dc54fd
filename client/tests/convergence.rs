//! Property: whatever each replica does offline, and in whatever order (with repeats) replicas
//! exchange documents, once everyone has everything the documents and every projected row are
//! identical everywhere. The operations cover every kind of record, the daily loop's included
//! (question answers, skips and reactions; quiz rounds, answers, guesses and this-or-that picks;
//! pings; love-language results), and private notes and entries, which reach every device of
//! their author, no device of the partner, and never the couple's documents.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::{Replica, now, paired};
use proptest::prelude::*;
use together_core::document::{ActivityInput, CheckinInput, DateInput, GoalInput, LogInput};
use together_core::domain::{
    ActivityType, CommunicationType, DateEventType, GoalType, Rating, Score,
};
use together_core::ids::RecordId;

#[derive(Debug, Clone)]
enum Op {
    Checkin {
        day: u16,
        score: i64,
    },
    AddGoal {
        target: i64,
    },
    Progress {
        goal: usize,
        by: i64,
    },
    AddActivity,
    Complete {
        activity: usize,
    },
    Rate {
        activity: usize,
        rating: i64,
    },
    AddDate {
        day: u16,
    },
    AddLog {
        day: u16,
    },
    JoinChallenge {
        which: usize,
    },
    Entry {
        participation: usize,
        day: u16,
    },
    Rename {
        suffix: u8,
    },
    PrivateNote,
    /// Answer the day's question (refused when changing an answer the partner has seen).
    Answer {
        n: u8,
    },
    /// Skip the day's question (refused once it was answered, or after the day's skips).
    Skip,
    /// Choose packs: the bits of `mask` over the packs.
    Packs {
        mask: u8,
    },
    /// React with a heart (refused unless both answered).
    Heart,
    /// Reply to the partner's answer (refused unless both answered).
    Reply {
        n: u8,
    },
    /// Start a "know me" round about oneself.
    StartRound,
    /// Answer a known round (about oneself) or guess (about the partner); refused once revealed.
    KnowMe {
        round: usize,
        choice: i64,
    },
    /// Pick a side of one of today's "this or that" pairs (refused once both picked).
    ThisOrThat {
        pair: usize,
        choice: i64,
    },
    /// "Thinking of you" (refused when too soon after the last one).
    Ping {
        hug: bool,
    },
    /// Take the love-language quiz: pair `i` answered with bit `i % 32` of `picks`.
    LoveLanguages {
        picks: u32,
    },
    /// A check-in with a note kept to oneself.
    PrivateCheckinNote {
        day: u16,
        n: u8,
    },
    /// A talk-log entry kept to oneself.
    PrivateLog {
        n: u8,
    },
}

#[derive(Debug, Clone)]
enum Step {
    /// Replica `at` does `op` (offline).
    Act { at: usize, op: Op },
    /// Replica `to` merges everything replica `from` has.
    Sync { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u16..500, 1i64..=10).prop_map(|(day, score)| Op::Checkin { day, score }),
        (1i64..20).prop_map(|target| Op::AddGoal { target }),
        (0usize..4, 1i64..3).prop_map(|(goal, by)| Op::Progress { goal, by }),
        Just(Op::AddActivity),
        (0usize..4).prop_map(|activity| Op::Complete { activity }),
        (0usize..4, 1i64..=5).prop_map(|(activity, rating)| Op::Rate { activity, rating }),
        (0u16..500).prop_map(|day| Op::AddDate { day }),
        (0u16..500).prop_map(|day| Op::AddLog { day }),
        (0usize..24).prop_map(|which| Op::JoinChallenge { which }),
        (0usize..3, 0u16..500).prop_map(|(participation, day)| Op::Entry { participation, day }),
        any::<u8>().prop_map(|suffix| Op::Rename { suffix }),
        Just(Op::PrivateNote),
        any::<u8>().prop_map(|n| Op::Answer { n }),
        Just(Op::Skip),
        (1u8..128).prop_map(|mask| Op::Packs { mask }),
        Just(Op::Heart),
        any::<u8>().prop_map(|n| Op::Reply { n }),
        Just(Op::StartRound),
        (0usize..3, 0i64..4).prop_map(|(round, choice)| Op::KnowMe { round, choice }),
        (0usize..5, 0i64..2).prop_map(|(pair, choice)| Op::ThisOrThat { pair, choice }),
        any::<bool>().prop_map(|hug| Op::Ping { hug }),
        any::<u32>().prop_map(|picks| Op::LoveLanguages { picks }),
        (0u16..500, any::<u8>()).prop_map(|(day, n)| Op::PrivateCheckinNote { day, n }),
        any::<u8>().prop_map(|n| Op::PrivateLog { n }),
    ]
}

/// The text of a private note or entry: marked with its author (0 Alice, 1 Bob) so the test can
/// tell where it may be found.
fn secret(person: usize, what: &str, n: u8) -> String {
    format!("secret-{person}-{what}-{n}")
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (2usize..=4).prop_flat_map(|replicas| {
        let step = prop_oneof![
            3 => (0..replicas, op()).prop_map(|(at, op)| Step::Act { at, op }),
            1 => (0..replicas, 0..replicas).prop_map(|(from, to)| Step::Sync { from, to }),
        ];
        (Just(replicas), proptest::collection::vec(step, 1..24))
    })
}

fn day(offset: u16) -> jiff::civil::Date {
    jiff::civil::date(2025, 10, 1)
        .checked_add(jiff::Span::new().days(i64::from(offset)))
        .unwrap()
}

/// Ids of goals and activities as this replica sees them (so an op may refer to one it knows).
fn known(replica: &Replica, table: &str) -> Vec<RecordId> {
    replica
        .table(table)
        .iter()
        .map(|row| row["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Replica `at`'s person: replicas 0 and 2 are Alice's devices, 1 and 3 Bob's.
fn person(at: usize) -> usize {
    at % 2
}

fn apply(replica: &mut Replica, at: usize, op: &Op) {
    let store = &mut replica.store;
    let result = match op {
        Op::Checkin { day: d, score } => {
            let s = Score::new("score", *score).unwrap();
            let input = CheckinInput {
                date: day(*d),
                connection: s,
                mood: s,
                satisfaction: s,
                note: None,
            };
            store.checkin(&input, now()).map(drop)
        }
        Op::AddGoal { target } => {
            let input = GoalInput {
                name: format!("Goal {target}"),
                goal_type: GoalType::Other,
                target_count: *target,
                start_date: None,
                target_date: None,
            };
            store.add_goal(&input, now()).map(drop)
        }
        Op::Progress { goal, by } => match known(replica, "shared_goals").get(*goal) {
            Some(id) => refusal_is_fine(replica.store.progress_goal(*id, *by, now())),
            None => Ok(()),
        },
        Op::AddActivity => {
            let input = ActivityInput {
                name: "Picnic".into(),
                activity_type: ActivityType::Outdoors,
                planned_date: None,
                duration_minutes: Some(60),
                cost_cents: None,
            };
            store.add_activity(&input, now()).map(drop)
        }
        Op::Complete { activity } => match known(replica, "activities").get(*activity) {
            Some(id) => replica.store.complete_activity(*id, now(), now()),
            None => Ok(()),
        },
        Op::Rate { activity, rating } => match known(replica, "activities").get(*activity) {
            // Refused until the activity is done.
            Some(id) => refusal_is_fine(replica.store.rate_activity(
                *id,
                Rating::new(*rating).unwrap(),
                now(),
            )),
            None => Ok(()),
        },
        Op::AddDate { day: d } => {
            let input = DateInput {
                date: day(*d),
                name: "Trip".into(),
                event_type: DateEventType::Trip,
                recurring: false,
                reminder_days_before: Some(3),
            };
            store.add_date(&input, now()).map(drop)
        }
        Op::AddLog { day: d } => {
            let when = day(*d)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp();
            let input = LogInput {
                communication_type: CommunicationType::DailyTalk,
                topic: None,
                outcome: None,
                duration_minutes: Some(10),
                when,
                follow_up_needed: false,
            };
            store.add_log(&input, now()).map(drop)
        }
        Op::JoinChallenge { which } => {
            let challenge = &together_core::catalog::CHALLENGES[*which];
            store.join_challenge(&challenge.id(), now()).map(drop)
        }
        Op::Entry {
            participation,
            day: d,
        } => match known(replica, "challenge_participation").get(*participation) {
            Some(id) => {
                let input = together_core::document::EntryInput {
                    participation_id: *id,
                    date: day(*d),
                    content: Some("done".into()),
                    completed: true,
                };
                replica.store.add_challenge_entry(&input, now()).map(drop)
            }
            None => Ok(()),
        },
        Op::Rename { suffix } => {
            let input = together_core::document::ProfileInput {
                name: format!("Name {suffix}"),
                nickname: None,
                photo_url: None,
                timezone: "Europe/Paris".into(),
                love_language_primary: None,
                love_language_secondary: None,
            };
            store.set_profile(&input, now()).map(drop)
        }
        Op::PrivateNote => store.add_private_note("just for me", now()).map(drop),
        Op::Answer { n } => refusal_is_fine(
            together_client::questions::answer(store, &format!("answer {n}"), now()).map(drop),
        ),
        Op::Skip => refusal_is_fine(store.skip_question(now()).map(drop)),
        Op::Packs { mask } => {
            let packs: Vec<&str> = together_core::questions::Pack::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, p)| p.as_str())
                .collect();
            together_client::questions::choose_packs(store, &packs.join(","), now()).map(drop)
        }
        Op::Heart => {
            let form = together_core::view::ReactionForm {
                heart: Some(true),
                ..Default::default()
            };
            refusal_is_fine(together_client::questions::react(store, &form, now()).map(drop))
        }
        Op::Reply { n } => {
            let form = together_core::view::ReactionForm {
                reply: format!("reply {n}"),
                ..Default::default()
            };
            refusal_is_fine(together_client::questions::react(store, &form, now()).map(drop))
        }
        Op::StartRound => store.start_know_me_round(now()).map(drop),
        Op::KnowMe { round, choice } => {
            let rounds = store.know_me_rounds().unwrap();
            match rounds.get(*round) {
                Some(r) => {
                    refusal_is_fine(store.answer_know_me(&r.round_id, *choice, now()).map(drop))
                }
                None => Ok(()),
            }
        }
        Op::ThisOrThat { pair, choice } => {
            let pairs = store.this_or_that_today(now()).unwrap();
            match pairs.get(*pair) {
                Some(p) => refusal_is_fine(
                    store
                        .pick_this_or_that(&p.pair_id, *choice, now())
                        .map(drop),
                ),
                None => Ok(()),
            }
        }
        Op::Ping { hug } => {
            let form = together_core::view::PingForm {
                kind: if *hug { "hug" } else { "heart" }.into(),
                message: String::new(),
            };
            refusal_is_fine(together_client::pings::send(store, &form, now()))
        }
        Op::LoveLanguages { picks } => {
            use together_core::love_languages::Choice;
            let choices: Vec<Choice> = (0..together_core::love_languages::pairs().len())
                .map(|i| {
                    if picks & (1 << (i % 32)) == 0 {
                        Choice::First
                    } else {
                        Choice::Second
                    }
                })
                .collect();
            store.take_love_language_quiz(&choices, now()).map(drop)
        }
        Op::PrivateCheckinNote { day: d, n } => {
            let s = Score::new("score", 5).unwrap();
            let input = CheckinInput {
                date: day(*d),
                connection: s,
                mood: s,
                satisfaction: s,
                note: Some(format!("shared {n}")),
            };
            let note = secret(person(at), "note", *n);
            store
                .checkin_with_private_note(&input, Some(&note), now())
                .map(drop)
        }
        Op::PrivateLog { n } => {
            let input = LogInput {
                communication_type: CommunicationType::DeepConversation,
                topic: Some(secret(person(at), "log", *n)),
                outcome: None,
                duration_minutes: None,
                when: now(),
                follow_up_needed: false,
            };
            store.add_private_log(&input, now()).map(drop)
        }
    };
    result.unwrap();
}

/// Actions may be refused by a rule (an answer already seen, a skip after an answer, a reaction
/// before both answered, a rating before the activity is done, a step past a reached goal): that is
/// a sentence, not a failure of the test.
fn refusal_is_fine(result: together_client::Result<()>) -> together_client::Result<()> {
    match result {
        Err(
            together_client::StoreError::Missing(_)
            | together_client::StoreError::Invalid(_)
            | together_client::StoreError::Document(together_core::document::DocumentError::Refused(
                _,
            )),
        ) => Ok(()),
        other => other,
    }
}

/// Every byte the replica's store holds on disk (the database and its write-ahead log).
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

fn sync(replicas: &mut [Replica], from: usize, to: usize) {
    if from == to {
        return;
    }
    let files = replicas[from].export();
    replicas[to].import(files.path());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_whatever_the_order((count, steps) in scenario()) {
        // Replica 0 is Alice, 1 is Bob; 2 and 3 are second devices of Alice and of Bob.
        let (mut alice, mut bob) = paired();
        let mut replicas = Vec::new();
        let alice_2 = (count > 2).then(|| alice.clone_device());
        let bob_2 = (count > 3).then(|| bob.clone_device());
        replicas.push(alice);
        replicas.push(bob);
        replicas.extend(alice_2);
        replicas.extend(bob_2);

        for step in &steps {
            match step {
                Step::Act { at, op } => apply(&mut replicas[*at], *at, op),
                Step::Sync { from, to } => sync(&mut replicas, *from, *to),
            }
        }
        // Everyone gets everything (two rounds so changes travel through any replica).
        for _ in 0..2 {
            for from in 0..count {
                for to in 0..count {
                    sync(&mut replicas, from, to);
                }
            }
        }
        let reference = replicas[0].rows();
        let quiz_answers = replicas[0].table("quiz_answers");
        for replica in &replicas[1..] {
            prop_assert_eq!(&replica.rows(), &reference);
            prop_assert_eq!(&replica.table("quiz_answers"), &quiz_answers);
        }
        // Private notes and entries: every device of their author shows the same ones, and the
        // partner's devices hold not a byte of them.
        let secrets: Vec<Vec<String>> = (0..2)
            .map(|who| {
                let mut all: Vec<String> = steps
                    .iter()
                    .filter_map(|step| match step {
                        Step::Act { at, op: Op::PrivateLog { n } } if person(*at) == who => {
                            Some(secret(who, "log", *n))
                        }
                        _ => None,
                    })
                    .collect();
                all.sort();
                all.dedup();
                all
            })
            .collect();
        for (at, replica) in replicas.iter().enumerate() {
            let mut private_logs: Vec<String> = replica
                .store
                .talk_log()
                .unwrap()
                .into_iter()
                .filter(|l| l.private)
                .filter_map(|l| l.topic)
                .collect();
            private_logs.sort();
            private_logs.dedup();
            prop_assert_eq!(&private_logs, &secrets[person(at)]);
            let bytes = raw_bytes(replica);
            let partners = format!("secret-{}-", 1 - person(at));
            prop_assert!(!holds(&bytes, &partners), "replica {} holds {}", at, partners);
        }
        let notes = |r: &Replica| {
            let mut notes: Vec<(String, String)> = r
                .store
                .visible_checkins()
                .unwrap()
                .into_iter()
                .filter_map(|c| c.private_note.map(|n| (c.date, n)))
                .collect();
            notes.sort();
            notes
        };
        for at in 2..count {
            prop_assert_eq!(notes(&replicas[at]), notes(&replicas[at - 2]));
        }
        // The documents themselves are identical: same files after a full save.
        // No couple's document holds a private text, whichever replica saved it.
        for replica in replicas.iter_mut() {
            let dir = replica.export();
            for file in std::fs::read_dir(dir.path()).unwrap() {
                let path = file.unwrap().path();
                if path.file_name().unwrap().to_string_lossy().starts_with("user-") {
                    continue;
                }
                let doc = automerge::Automerge::load(&std::fs::read(&path).unwrap()).unwrap();
                prop_assert!(!holds(&doc.save_nocompress(), "secret-"), "{}", path.display());
            }
        }
        let docs = |r: &mut Replica| {
            let dir = r.export();
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("user-"))
                .map(|p| {
                    let doc = automerge::Automerge::load(&std::fs::read(&p).unwrap()).unwrap();
                    let mut heads = doc.get_heads();
                    heads.sort();
                    (p.file_name().unwrap().to_string_lossy().into_owned(), heads.iter().flat_map(|h| h.0).collect())
                })
                .collect();
            files.sort();
            files
        };
        let reference_docs = docs(&mut replicas[0]);
        for replica in replicas.iter_mut().skip(1) {
            prop_assert_eq!(&docs(replica), &reference_docs);
        }
        // And rebuilding any replica from its documents changes nothing.
        replicas[count - 1].store.rebuild(now()).unwrap();
        prop_assert_eq!(&replicas[count - 1].rows(), &reference);
    }
}
