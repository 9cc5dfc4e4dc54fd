//! Property: whatever each replica does offline, and in whatever order (with repeats) replicas
//! exchange documents, once everyone has everything the documents and every projected row are
//! identical everywhere.

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
    ]
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

fn apply(replica: &mut Replica, op: &Op) {
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
                Step::Act { at, op } => apply(&mut replicas[*at], op),
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
        for replica in &replicas[1..] {
            prop_assert_eq!(&replica.rows(), &reference);
        }
        // The documents themselves are identical: same files after a full save.
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
