//! Which question a couple gets on a day, and how a day's skips and answers resolve.
//!
//! ## The rule (also in `docs/rules.md`, "A question a day")
//! 1. **The day's records decide first.** A question someone answered on that day is the day's
//!    question ([`resolve_day`]); once a partner answered, the question never changes that day.
//! 2. **Otherwise it is computed**, the same on every device, from the relationship id, the day, the
//!    chosen packs and the questions asked on other days ([`question_for_day`]): the pool is the
//!    chosen packs' questions minus those skipped that day; a question asked within the last
//!    [`NO_REPEAT_DAYS`] days (or on the next [`AHEAD_DAYS`] days, by a partner whose local date is
//!    ahead) is not picked again while any other remains; among the rest, a hash of (relationship
//!    id, day) picks one. When every question of the pool was asked within the year, the one asked
//!    longest ago comes back first.
//! 3. **Skips.** A skip sets the day's question aside for both partners and the next one is
//!    computed (at most [`MAX_SKIPS_PER_DAY`] a day). **An answer wins over a skip**: a question that
//!    one partner skipped while the other answered it (offline, at the same time) stays the day's
//!    question, because an answer someone wrote must never disappear, while a skip only says "not
//!    this one" and costs nothing to undo.
//!
//! Everything here is pure: the caller reads the records and passes them in.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::{PackSet, Question, catalogue};
use crate::ids::derived;

/// How many days must pass before a question is asked again, while the chosen packs hold others.
pub const NO_REPEAT_DAYS: i64 = 365;

/// How far ahead another record may be dated and still count as "asked": partners in different
/// time zones live on local dates up to two days apart (UTC−12 and UTC+14).
pub const AHEAD_DAYS: i64 = 2;

/// How many questions a couple may skip in one day (bounds the records a day can hold).
pub const MAX_SKIPS_PER_DAY: usize = 5;

/// A question that was asked to the couple on a day (someone answered or skipped it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asked<'a> {
    /// The question's id.
    pub question: &'a str,
    /// The couple's day it was asked on.
    pub date: Date,
}

/// One person's record about a question on the day being resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayEntry<'a> {
    /// The question's id.
    pub question: &'a str,
    /// Whether this person answered it.
    pub answered: bool,
    /// Whether this person skipped it.
    pub skipped: bool,
}

/// What a day's records say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DayResolution<'a> {
    /// The question someone answered that day, which is therefore the day's question.
    pub answered: Option<&'a str>,
    /// The questions skipped that day and answered by nobody: out of the day's pool.
    pub skipped: BTreeSet<&'a str>,
}

/// Resolves a day's records: an answered question is the day's question (an answer wins over a
/// skip); skipped, unanswered questions leave the pool. Two partners who answered different
/// questions the same day (possible only when their devices disagreed offline, e.g. packs changed
/// on one side) both keep their answers; the day's question is the one with more answers, then the
/// smallest id, so every device agrees.
pub fn resolve_day<'a>(entries: &[DayEntry<'a>]) -> DayResolution<'a> {
    let mut answers: BTreeMap<&str, usize> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.answered) {
        *answers.entry(e.question).or_default() += 1;
    }
    // The first maximum in id order: `max_by_key` keeps the last, so compare reversed ids.
    let answered = answers
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(q, _)| *q);
    let skipped = entries
        .iter()
        .filter(|e| e.skipped && !answers.contains_key(e.question))
        .map(|e| e.question)
        .collect();
    DayResolution { answered, skipped }
}

/// The computed question for `day` (rule 2 of the module docs); `None` only when every question of
/// the chosen packs was skipped that day.
///
/// `seed` is the relationship id (a person without one uses their user id). `history` may hold any
/// records; those dated `day` are ignored (pass the day's skips in `skipped_today`).
pub fn question_for_day(
    seed: &str,
    day: Date,
    packs: &PackSet,
    history: &[Asked<'_>],
    skipped_today: &BTreeSet<&str>,
) -> Option<&'static Question> {
    let mut last_asked: BTreeMap<&str, Date> = BTreeMap::new();
    for asked in history {
        let offset = days_between(day, asked.date);
        if offset == 0 || offset > AHEAD_DAYS {
            continue;
        }
        let last = last_asked.entry(asked.question).or_insert(asked.date);
        *last = (*last).max(asked.date);
    }
    let pool: Vec<&'static Question> = catalogue()
        .iter()
        .filter(|q| packs.contains(q.pack) && !skipped_today.contains(q.id))
        .collect();
    let blocks = |q: &Question| {
        last_asked
            .get(q.id)
            .is_some_and(|last| days_between(*last, day) < NO_REPEAT_DAYS)
    };
    let fresh: Vec<&'static Question> = pool.iter().copied().filter(|q| !blocks(q)).collect();
    if !fresh.is_empty() {
        return fresh.get(pick(seed, day, fresh.len())).copied();
    }
    // Every question was asked within the year: the longest ago first (ties by the hash).
    let oldest = pool.iter().filter_map(|q| last_asked.get(q.id)).min()?;
    let ties: Vec<&'static Question> = pool
        .iter()
        .copied()
        .filter(|q| last_asked.get(q.id) == Some(oldest))
        .collect();
    ties.get(pick(seed, day, ties.len())).copied()
}

/// Days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Date, to: Date) -> i64 {
    from.until(to)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(i64::MAX)
}

/// An index below `len` from a hash of (seed, day): the same on every device, unrelated from one
/// day to the next.
fn pick(seed: &str, day: Date, len: usize) -> usize {
    let Ok(len_wide) = u128::try_from(len) else {
        return 0;
    };
    if len_wide == 0 {
        return 0;
    }
    let hash = derived(&["question-of-the-day", seed, &day.to_string()]).as_u128();
    usize::try_from(hash % len_wide).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;

    use super::*;
    use crate::questions::Pack;

    const SEED: &str = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192";

    fn none() -> BTreeSet<&'static str> {
        BTreeSet::new()
    }

    /// Plays `days` days from `start`, the couple answering every day's question; returns them.
    fn play(
        start: Date,
        days: i64,
        packs: &PackSet,
        history: &mut Vec<Asked<'static>>,
    ) -> Vec<&'static str> {
        let mut asked = Vec::new();
        for n in 0..days {
            let day = start.checked_add(n.days()).unwrap();
            let q = question_for_day(SEED, day, packs, history, &none()).unwrap();
            history.push(Asked {
                question: q.id,
                date: day,
            });
            asked.push(q.id);
        }
        asked
    }

    #[test]
    fn the_same_inputs_give_the_same_question_and_other_couples_or_days_differ() {
        let packs = PackSet::default();
        let day = date(2026, 3, 14);
        let a = question_for_day(SEED, day, &packs, &[], &none()).unwrap();
        let again = question_for_day(SEED, day, &packs, &[], &none()).unwrap();
        assert_eq!(a, again);
        assert!(packs.contains(a.pack));
        // Over a month, another couple and other days do not all get the same question.
        let other = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f700000";
        let days: Vec<Date> = (0..30)
            .map(|n| day.checked_add(n.days()).unwrap())
            .collect();
        let mine: Vec<_> = days
            .iter()
            .map(|d| question_for_day(SEED, *d, &packs, &[], &none()).unwrap().id)
            .collect();
        let theirs: Vec<_> = days
            .iter()
            .map(|d| {
                question_for_day(other, *d, &packs, &[], &none())
                    .unwrap()
                    .id
            })
            .collect();
        assert_ne!(mine, theirs);
        assert!(mine.iter().collect::<BTreeSet<_>>().len() > 20);
    }

    #[test]
    fn only_chosen_packs_are_asked() {
        let packs = PackSet::new([Pack::Fun]).unwrap();
        let asked = play(date(2026, 1, 1), 40, &packs, &mut Vec::new());
        assert!(asked.iter().all(|id| id.starts_with("fun-")), "{asked:?}");
    }

    #[test]
    fn no_question_repeats_within_a_year_while_the_packs_hold_enough() {
        let packs = PackSet::new([Pack::Deep, Pack::Fun, Pack::Light, Pack::Values]).unwrap();
        assert!(
            catalogue()
                .iter()
                .filter(|q| packs.contains(q.pack))
                .count()
                >= 240
        );
        // 240 days with 240 questions available: every day a new one.
        let asked = play(date(2026, 1, 1), 240, &packs, &mut Vec::new());
        assert_eq!(asked.iter().collect::<BTreeSet<_>>().len(), 240);
    }

    #[test]
    fn when_the_packs_run_out_the_longest_ago_comes_back_first() {
        let packs = PackSet::new([Pack::Light]).unwrap();
        let size = catalogue().iter().filter(|q| q.pack == Pack::Light).count();
        let mut history = Vec::new();
        let start = date(2026, 1, 1);
        let first_round = play(start, i64::try_from(size).unwrap(), &packs, &mut history);
        assert_eq!(first_round.iter().collect::<BTreeSet<_>>().len(), size);
        // The pack is exhausted: the next days replay the first round in order.
        let next_start = start
            .checked_add(i64::try_from(size).unwrap().days())
            .unwrap();
        let second_round = play(next_start, 5, &packs, &mut history);
        assert_eq!(second_round, first_round[..5].to_vec());
    }

    #[test]
    fn a_question_asked_over_a_year_ago_may_come_again() {
        let packs = PackSet::new([Pack::Light]).unwrap();
        let day = date(2027, 6, 1);
        let chosen = question_for_day(SEED, day, &packs, &[], &none()).unwrap();
        let long_ago = [Asked {
            question: chosen.id,
            date: day.checked_sub(400.days()).unwrap(),
        }];
        let recent = [Asked {
            question: chosen.id,
            date: day.checked_sub(30.days()).unwrap(),
        }];
        assert_eq!(
            question_for_day(SEED, day, &packs, &long_ago, &none()),
            Some(chosen)
        );
        assert_ne!(
            question_for_day(SEED, day, &packs, &recent, &none()),
            Some(chosen)
        );
    }

    #[test]
    fn a_partners_record_dated_a_day_ahead_counts_as_asked_but_far_future_does_not() {
        let packs = PackSet::default();
        let day = date(2026, 3, 14);
        let chosen = question_for_day(SEED, day, &packs, &[], &none()).unwrap();
        let ahead = |n: i64| {
            [Asked {
                question: chosen.id,
                date: day.checked_add(n.days()).unwrap(),
            }]
        };
        assert_ne!(
            question_for_day(SEED, day, &packs, &ahead(1), &none()),
            Some(chosen)
        );
        assert_eq!(
            question_for_day(SEED, day, &packs, &ahead(30), &none()),
            Some(chosen)
        );
        // A record on the day itself is the caller's business (resolve_day), not history.
        assert_eq!(
            question_for_day(SEED, day, &packs, &ahead(0), &none()),
            Some(chosen)
        );
    }

    #[test]
    fn a_skip_gives_the_next_question_and_skipping_everything_gives_none() {
        let packs = PackSet::new([Pack::Fun]).unwrap();
        let day = date(2026, 3, 14);
        let first = question_for_day(SEED, day, &packs, &[], &none()).unwrap();
        let skipped: BTreeSet<&str> = [first.id].into();
        let second = question_for_day(SEED, day, &packs, &[], &skipped).unwrap();
        assert_ne!(first, second);
        assert_eq!(second.pack, Pack::Fun);
        let all: BTreeSet<&str> = catalogue()
            .iter()
            .filter(|q| q.pack == Pack::Fun)
            .map(|q| q.id)
            .collect();
        assert_eq!(question_for_day(SEED, day, &packs, &[], &all), None);
    }

    #[test]
    fn an_answer_wins_over_a_skip_made_at_the_same_time() {
        let entries = [
            DayEntry {
                question: "deep-001",
                answered: false,
                skipped: true,
            },
            DayEntry {
                question: "deep-001",
                answered: true,
                skipped: false,
            },
        ];
        let day = resolve_day(&entries);
        assert_eq!(day.answered, Some("deep-001"));
        assert!(day.skipped.is_empty());
        // The order in which the records arrive does not matter.
        let mut reversed = entries;
        reversed.reverse();
        assert_eq!(resolve_day(&reversed), day);
    }

    #[test]
    fn a_skip_alone_sets_the_question_aside_for_both() {
        let day = resolve_day(&[DayEntry {
            question: "fun-010",
            answered: false,
            skipped: true,
        }]);
        assert_eq!(day.answered, None);
        assert_eq!(day.skipped, ["fun-010"].into());
    }

    #[test]
    fn two_answered_questions_on_one_day_resolve_the_same_everywhere() {
        let a = DayEntry {
            question: "light-002",
            answered: true,
            skipped: false,
        };
        let b = DayEntry {
            question: "light-001",
            answered: true,
            skipped: false,
        };
        assert_eq!(resolve_day(&[a, b]).answered, Some("light-001"));
        assert_eq!(resolve_day(&[b, a]).answered, Some("light-001"));
        // More answers win over a smaller id.
        let a2 = DayEntry { ..a };
        assert_eq!(resolve_day(&[b, a, a2]).answered, Some("light-002"));
    }
}
