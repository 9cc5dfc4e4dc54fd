//! Partner quizzes: "How well do you know me" (one partner answers about themself, the other
//! guesses; scored) and "This or that" (quick pairs both pick; matches shown). The catalogues are
//! written for this product (`quizzes/know_me.txt`, `quizzes/this_or_that.txt`), compiled in and
//! parsed once; ids are permanent, as for the daily questions.
//!
//! Picks are deterministic, so both devices agree offline: a new "know me" round takes, for its
//! subject, the catalogue item they have not been asked yet (else the longest ago), chosen by a
//! hash of (relationship, subject, round count); "this or that" gives the couple the same
//! [`PAIRS_PER_DAY`] pairs on a day.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jiff::civil::Date;

use crate::ids::derived;

const KNOW_ME_TEXT: &str = include_str!("quizzes/know_me.txt");
const THIS_OR_THAT_TEXT: &str = include_str!("quizzes/this_or_that.txt");

/// How many "this or that" pairs a day holds.
pub const PAIRS_PER_DAY: usize = 5;

/// One "know me" item: a prompt about the subject and four choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowMeItem {
    /// Permanent id (`km-017`).
    pub id: &'static str,
    /// "My ideal Sunday morning".
    pub prompt: &'static str,
    /// The four choices, in the order shown.
    pub choices: Vec<&'static str>,
}

/// One "this or that" pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Permanent id (`tt-004`).
    pub id: &'static str,
    /// The first side.
    pub this: &'static str,
    /// The second side.
    pub that: &'static str,
}

fn lines(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
}

static KNOW_ME: LazyLock<Vec<KnowMeItem>> = LazyLock::new(|| {
    lines(KNOW_ME_TEXT)
        .filter_map(|(id, rest)| {
            let mut parts = rest.split('|').map(str::trim);
            let prompt = parts.next()?;
            let choices: Vec<&str> = parts.collect();
            (choices.len() == 4).then_some(KnowMeItem {
                id,
                prompt,
                choices,
            })
        })
        .collect()
});

static PAIRS: LazyLock<Vec<Pair>> = LazyLock::new(|| {
    lines(THIS_OR_THAT_TEXT)
        .filter_map(|(id, rest)| {
            let (this, that) = rest.split_once('|')?;
            Some(Pair {
                id,
                this: this.trim(),
                that: that.trim(),
            })
        })
        .collect()
});

/// The "know me" catalogue, in file order.
pub fn know_me_items() -> &'static [KnowMeItem] {
    &KNOW_ME
}

/// The "know me" item with `id`, if this version knows it.
pub fn know_me_item(id: &str) -> Option<&'static KnowMeItem> {
    KNOW_ME.iter().find(|item| item.id == id)
}

/// The "this or that" catalogue, in file order.
pub fn pairs() -> &'static [Pair] {
    &PAIRS
}

/// The pair with `id`, if this version knows it.
pub fn pair(id: &str) -> Option<&'static Pair> {
    PAIRS.iter().find(|pair| pair.id == id)
}

/// An index below `len` from a hash of `parts`: the same on every device.
fn pick(parts: &[&str], len: usize) -> usize {
    let len_wide = u128::try_from(len.max(1)).unwrap_or(1);
    let hash = derived(parts).as_u128();
    usize::try_from(hash % len_wide).unwrap_or(0)
}

/// The item of a new round about `subject`, given the items of their past rounds, oldest first:
/// one never asked about them, else the one asked longest ago (`None` only for an empty catalogue).
pub fn next_know_me_item(
    relationship: &str,
    subject: &str,
    asked_oldest_first: &[String],
) -> Option<&'static KnowMeItem> {
    let asked: BTreeSet<&str> = asked_oldest_first.iter().map(String::as_str).collect();
    let fresh: Vec<&'static KnowMeItem> = KNOW_ME
        .iter()
        .filter(|item| !asked.contains(item.id))
        .collect();
    let round = asked_oldest_first.len().to_string();
    fresh
        .get(pick(
            &["know-me", relationship, subject, &round],
            fresh.len(),
        ))
        .copied()
        .or_else(|| asked_oldest_first.iter().find_map(|id| know_me_item(id)))
        .or_else(|| KNOW_ME.first())
}

/// The couple's "this or that" pairs on `day`: [`PAIRS_PER_DAY`] distinct pairs, the same on
/// both devices.
pub fn pairs_for_day(relationship: &str, day: Date) -> Vec<&'static Pair> {
    let mut remaining: Vec<&'static Pair> = PAIRS.iter().collect();
    let day = day.to_string();
    let mut chosen = Vec::with_capacity(PAIRS_PER_DAY);
    for slot in 0..PAIRS_PER_DAY {
        if remaining.is_empty() {
            break;
        }
        let index = pick(
            &["this-or-that", relationship, &day, &slot.to_string()],
            remaining.len(),
        );
        chosen.push(remaining.remove(index));
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_are_whole_unique_and_short() {
        let items = know_me_items();
        assert!(items.len() >= 150, "{}", items.len());
        let lines = KNOW_ME_TEXT
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(lines, items.len(), "every line parsed with four choices");
        let ids: BTreeSet<&str> = items.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), items.len());
        for item in items {
            assert!(item.prompt.chars().count() <= 100, "{}", item.id);
            assert!(
                item.choices
                    .iter()
                    .all(|c| !c.is_empty() && c.chars().count() <= 40),
                "{}",
                item.id
            );
            let distinct: BTreeSet<&&str> = item.choices.iter().collect();
            assert_eq!(distinct.len(), 4, "{}", item.id);
        }
        assert!(pairs().len() >= 60);
        let pair_ids: BTreeSet<&str> = pairs().iter().map(|p| p.id).collect();
        assert_eq!(pair_ids.len(), pairs().len());
    }

    #[test]
    fn new_rounds_use_every_item_before_any_comes_back() {
        let mut asked: Vec<String> = Vec::new();
        for _ in 0..know_me_items().len() {
            let item = next_know_me_item("rel", "alice", &asked).unwrap();
            assert!(!asked.iter().any(|a| a == item.id), "{} repeated", item.id);
            asked.push(item.id.to_owned());
        }
        // All asked: the longest ago comes back first.
        assert_eq!(
            next_know_me_item("rel", "alice", &asked).unwrap().id,
            asked[0]
        );
        // The same history gives the same item on every device.
        let some = &asked[..3];
        assert_eq!(
            next_know_me_item("rel", "alice", some),
            next_know_me_item("rel", "alice", some)
        );
    }

    #[test]
    fn a_day_has_distinct_pairs_the_same_on_both_devices() {
        let day = jiff::civil::date(2026, 11, 29);
        let today = pairs_for_day("rel", day);
        assert_eq!(today.len(), PAIRS_PER_DAY);
        let ids: BTreeSet<&str> = today.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), PAIRS_PER_DAY);
        assert_eq!(today, pairs_for_day("rel", day));
        assert_ne!(today, pairs_for_day("rel", day.tomorrow().unwrap()));
    }
}
