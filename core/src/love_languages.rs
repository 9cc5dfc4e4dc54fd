//! The love-language quiz and the small gestures each language suggests.
//!
//! A person answers 30 forced choices ("I feel most loved when my partner… A or B"), each side
//! standing for one of the five [`LoveLanguage`]s; the languages chosen most often become the
//! profile's primary and secondary. The quiz and the gestures are written for this product, live in
//! `love_languages/pairs.txt` and `love_languages/gestures.txt`, are compiled into the binary and
//! parsed once. Retaking the quiz just sets the profile again.
//!
//! A partner's languages then shape the day's suggestion on Today ([`gesture_for_day`]: the same
//! on every device, new each day) and the wording of date reminders ([`reminder_hint`]).

use std::sync::LazyLock;

use jiff::civil::Date;

use crate::domain::{InvalidInput, LoveLanguage};
use crate::ids::derived;

const PAIRS_TEXT: &str = include_str!("love_languages/pairs.txt");
const GESTURES_TEXT: &str = include_str!("love_languages/gestures.txt");

/// One side of a choice: a statement and the language it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    /// The language choosing this side counts for.
    pub language: LoveLanguage,
    /// Completes "I feel most loved when my partner…".
    pub text: &'static str,
}

/// One forced choice of the quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Permanent id (`ll-07`).
    pub id: &'static str,
    /// Shown first ("A").
    pub first: Statement,
    /// Shown second ("B").
    pub second: Statement,
}

/// Which side of a pair a person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// The first statement ("A").
    First,
    /// The second statement ("B").
    Second,
}

/// Parses a catalogue of pairs; the one place that reads `pairs.txt`'s format.
fn parse_pairs(text: &'static str) -> Vec<Pair> {
    let statement = |language: &str, text: &'static str| Statement {
        language: language.parse().unwrap_or(LoveLanguage::QualityTime),
        text: text.trim(),
    };
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (id, rest) = line.split_once(' ')?;
            let mut parts = rest.split('|');
            let (a, a_text, b, b_text) =
                (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            Some(Pair {
                id,
                first: statement(a, a_text),
                second: statement(b, b_text),
            })
        })
        .collect()
}

static PAIRS: LazyLock<Vec<Pair>> = LazyLock::new(|| parse_pairs(PAIRS_TEXT));

static GESTURES: LazyLock<Vec<(LoveLanguage, &'static str)>> = LazyLock::new(|| {
    GESTURES_TEXT
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (language, text) = line.split_once(' ')?;
            Some((language.parse().ok()?, text.trim()))
        })
        .collect()
});

/// The quiz, in the order it is asked.
pub fn pairs() -> &'static [Pair] {
    &PAIRS
}

/// Reads choices typed as letters, one per pair in order (`abba…`, case and spaces ignored).
pub fn parse_choices(text: &str) -> Result<Vec<Choice>, InvalidInput> {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .map(|c| match c.to_ascii_lowercase() {
            'a' => Ok(Choice::First),
            'b' => Ok(Choice::Second),
            _ => Err(InvalidInput::Inconsistent(format!(
                "answer each pair with A or B, not {c:?}"
            ))),
        })
        .collect()
}

/// How many times a language was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// The language.
    pub language: LoveLanguage,
    /// Times chosen, out of twelve.
    pub chosen: u32,
}

/// What the quiz found (also the app's answer to the quiz, hence `Deserialize`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuizResult {
    /// The person's primary language: the one chosen most.
    pub primary: LoveLanguage,
    /// The runner-up, when it was chosen at all.
    pub secondary: Option<LoveLanguage>,
    /// Every language, most chosen first.
    pub tally: Vec<Tally>,
}

/// Scores a whole quiz: exactly one choice per pair, in [`pairs`] order.
///
/// Ties are settled by the pairs where the tied languages met head to head, then by the order of
/// [`LoveLanguage::ALL`], so the same answers always give the same result.
pub fn score(choices: &[Choice]) -> Result<QuizResult, InvalidInput> {
    let pairs = pairs();
    if choices.len() != pairs.len() {
        return Err(InvalidInput::Inconsistent(format!(
            "the quiz has {} pairs: answer every one ({} answered)",
            pairs.len(),
            choices.len()
        )));
    }
    let picked = |pair: &Pair, choice: Choice| match choice {
        Choice::First => (pair.first.language, pair.second.language),
        Choice::Second => (pair.second.language, pair.first.language),
    };
    let outcomes: Vec<(LoveLanguage, LoveLanguage)> = pairs
        .iter()
        .zip(choices)
        .map(|(pair, choice)| picked(pair, *choice))
        .collect();
    let chosen = |language: LoveLanguage| -> u32 {
        let count = outcomes.iter().filter(|(won, _)| *won == language).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    };
    // Head-to-head wins against languages chosen exactly as often.
    let head_to_head = |language: LoveLanguage| -> usize {
        outcomes
            .iter()
            .filter(|(won, lost)| *won == language && chosen(*lost) == chosen(language))
            .count()
    };
    let mut order: Vec<(usize, LoveLanguage)> =
        LoveLanguage::ALL.iter().copied().enumerate().collect();
    order.sort_by_key(|(position, language)| {
        (
            std::cmp::Reverse(chosen(*language)),
            std::cmp::Reverse(head_to_head(*language)),
            *position,
        )
    });
    let tally: Vec<Tally> = order
        .iter()
        .map(|(_, language)| Tally {
            language: *language,
            chosen: chosen(*language),
        })
        .collect();
    let primary = tally
        .first()
        .map_or(LoveLanguage::QualityTime, |t| t.language);
    let secondary = tally.get(1).filter(|t| t.chosen > 0).map(|t| t.language);
    Ok(QuizResult {
        primary,
        secondary,
        tally,
    })
}

/// What a language means and how a partner can speak it: the result's explanation.
pub const fn meaning(language: LoveLanguage) -> &'static str {
    match language {
        LoveLanguage::WordsOfAffirmation => {
            "Words reach you: being told, out loud or in writing, what you mean to someone. \
             A partner speaks it with thanks, praise and encouragement said plainly."
        }
        LoveLanguage::QualityTime => {
            "Attention reaches you: time together with nothing else competing for it. \
             A partner speaks it by putting the phone away, listening, and making plans for two."
        }
        LoveLanguage::ReceivingGifts => {
            "Thoughtfulness you can hold reaches you: a small thing that shows you were on someone's \
             mind. A partner speaks it with tokens chosen for you, not with price."
        }
        LoveLanguage::ActsOfService => {
            "Help reaches you: a weight taken off your shoulders. A partner speaks it by doing \
             things for you before you ask, and finishing what they offered."
        }
        LoveLanguage::PhysicalTouch => {
            "Closeness reaches you: a hand, a hug, someone near. A partner speaks it with small \
             touches through the day, not only big moments."
        }
    }
}

/// The day's small gesture for someone whose language is `language`: the same on every device
/// for a given (relationship, day), a different one from day to day.
pub fn gesture_for_day(language: LoveLanguage, relationship: &str, day: Date) -> &'static str {
    let ideas: Vec<&'static str> = GESTURES
        .iter()
        .filter(|(l, _)| *l == language)
        .map(|(_, text)| *text)
        .collect();
    if ideas.is_empty() {
        return "";
    }
    let len = u128::try_from(ideas.len()).unwrap_or(1);
    let hash = derived(&["gesture-of-the-day", relationship, &day.to_string()]).as_u128();
    let index = usize::try_from(hash % len).unwrap_or(0);
    ideas.get(index).copied().unwrap_or_default()
}

/// A line a date reminder adds for a partner whose language is `language` ("Their language is
/// quality time: plan an evening for the two of you.").
pub const fn reminder_hint(language: LoveLanguage) -> &'static str {
    match language {
        LoveLanguage::WordsOfAffirmation => {
            "Their language is words of affirmation: write them a few lines for the day."
        }
        LoveLanguage::QualityTime => {
            "Their language is quality time: plan an evening for the two of you."
        }
        LoveLanguage::ReceivingGifts => {
            "Their language is receiving gifts: find something small that says you remembered."
        }
        LoveLanguage::ActsOfService => {
            "Their language is acts of service: take something off their plate that day."
        }
        LoveLanguage::PhysicalTouch => {
            "Their language is physical touch: keep the day close, hand in hand."
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn the_quiz_is_balanced_every_pair_of_languages_meets_three_times() {
        let pairs = pairs();
        assert_eq!(pairs.len(), 30);
        let lines = PAIRS_TEXT
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(lines, 30, "a line did not parse");
        let ids: BTreeSet<&str> = pairs.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 30, "ids are unique");
        let mut meetings: BTreeMap<(LoveLanguage, LoveLanguage), u32> = BTreeMap::new();
        let mut appearances: BTreeMap<LoveLanguage, u32> = BTreeMap::new();
        for pair in pairs {
            let (a, b) = (pair.first.language, pair.second.language);
            assert_ne!(a, b, "{}", pair.id);
            *meetings.entry((a.min(b), a.max(b))).or_default() += 1;
            *appearances.entry(a).or_default() += 1;
            *appearances.entry(b).or_default() += 1;
            for text in [pair.first.text, pair.second.text] {
                assert!(
                    !text.is_empty() && text.chars().count() <= 90,
                    "{}: {text}",
                    pair.id
                );
            }
        }
        assert_eq!(meetings.len(), 10);
        assert!(meetings.values().all(|n| *n == 3), "{meetings:?}");
        assert!(appearances.values().all(|n| *n == 12), "{appearances:?}");
    }

    #[test]
    fn the_language_chosen_most_is_primary_and_the_runner_up_secondary() {
        // Always the side that stands for quality time, else for touch, else the first.
        let choices: Vec<Choice> = pairs()
            .iter()
            .map(|p| {
                let wants = |l| l == LoveLanguage::QualityTime;
                let touch = |l| l == LoveLanguage::PhysicalTouch;
                if wants(p.second.language)
                    || (touch(p.second.language) && !wants(p.first.language))
                {
                    Choice::Second
                } else {
                    Choice::First
                }
            })
            .collect();
        let result = score(&choices).unwrap();
        assert_eq!(result.primary, LoveLanguage::QualityTime);
        assert_eq!(result.tally[0].chosen, 12);
        assert_eq!(result.secondary, Some(LoveLanguage::PhysicalTouch));
        assert_eq!(result.tally.iter().map(|t| t.chosen).sum::<u32>(), 30);
    }

    #[test]
    fn ties_are_settled_head_to_head_and_the_same_answers_give_the_same_result() {
        let all_first = vec![Choice::First; 30];
        let once = score(&all_first).unwrap();
        assert_eq!(once, score(&all_first).unwrap());
        let top = once.tally[0].chosen;
        let tied: Vec<LoveLanguage> = once
            .tally
            .iter()
            .filter(|t| t.chosen == top)
            .map(|t| t.language)
            .collect();
        if tied.len() > 1 {
            // The primary beat the runner-up where they met, or met it as often as it lost.
            let (p, r) = (tied[0], tied[1]);
            let wins = |w: LoveLanguage, l: LoveLanguage| {
                pairs()
                    .iter()
                    .filter(|pair| pair.first.language == w && pair.second.language == l)
                    .count()
            };
            assert!(wins(p, r) >= wins(r, p) || once.primary == p);
        }
    }

    #[test]
    fn incomplete_or_unreadable_answers_are_refused_in_words() {
        assert!(
            score(&[Choice::First; 29])
                .unwrap_err()
                .to_string()
                .contains("30 pairs")
        );
        assert_eq!(parse_choices("a B, ab").unwrap().len(), 4);
        assert!(
            parse_choices("abc")
                .unwrap_err()
                .to_string()
                .contains("A or B")
        );
    }

    #[test]
    fn every_language_has_gestures_and_the_day_picks_one_the_same_way_everywhere() {
        let day = jiff::civil::date(2026, 11, 29);
        for language in LoveLanguage::ALL {
            let count = GESTURES.iter().filter(|(l, _)| l == language).count();
            assert!(count >= 6, "{language}: {count}");
            let idea = gesture_for_day(*language, "rel-1", day);
            assert!(!idea.is_empty());
            assert_eq!(idea, gesture_for_day(*language, "rel-1", day));
            assert!(!meaning(*language).is_empty() && !reminder_hint(*language).is_empty());
        }
        let week: BTreeSet<&str> = (0..7)
            .map(|n| {
                let d = day.checked_add(jiff::Span::new().days(n)).unwrap();
                gesture_for_day(LoveLanguage::QualityTime, "rel-1", d)
            })
            .collect();
        assert!(week.len() >= 3, "ideas change from day to day: {week:?}");
    }
}
