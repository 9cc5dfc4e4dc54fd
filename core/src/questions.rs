//! "A question a day": the built-in question catalogue and the rule that picks the couple's
//! question for a day.
//!
//! ## Layout
//! - this file: the catalogue. Its text lives in `questions/catalog.txt` (one `<id> <text>` a line),
//!   compiled into the binary and parsed once on first use; [`CATALOG_VERSION`] names its edition.
//!   The catalogue is part of the app, the same for every operator and offline.
//! - [`select`]: which question a couple gets on a day (deterministic, so both devices agree
//!   offline), and how a day's skips and answers resolve.
//!
//! ## Architecture invariant
//! Question ids are permanent (`deep-017`): documents name questions by id, so an id is never
//! reused or renumbered, and a retired question keeps its line (commented out). A record also keeps
//! the text it was asked with, so history reads the same after a rewording.

pub mod select;

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use crate::domain::InvalidInput;

/// Edition of the catalogue text. Raised whenever a question is added, reworded or retired, so a
/// record can say which edition its text came from.
pub const CATALOG_VERSION: u32 = 1;

/// The longest a catalogue question may be, in characters (a test holds every line to it), so it
/// fits a phone card without scrolling.
pub const MAX_QUESTION_CHARS: usize = 140;

/// The catalogue's source text.
const CATALOG_TEXT: &str = include_str!("questions/catalog.txt");

/// A themed group of questions a couple can switch on or off.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Pack {
    /// Easy, everyday questions.
    Light,
    /// Who we are, what we feel and need.
    Deep,
    /// Our past, together and before.
    Memories,
    /// Plans and hopes.
    Future,
    /// Closeness and affection (tender, never explicit). Off unless the couple chooses it.
    Intimacy,
    /// Playful and imaginative.
    Fun,
    /// What matters and how we choose.
    Values,
}

impl Pack {
    /// Every pack, in the order screens list them.
    pub const ALL: [Self; 7] = [
        Self::Light,
        Self::Deep,
        Self::Memories,
        Self::Future,
        Self::Intimacy,
        Self::Fun,
        Self::Values,
    ];

    /// The packs a couple starts with: every pack but `intimacy`, which a couple opts into.
    pub const DEFAULT: [Self; 6] = [
        Self::Light,
        Self::Deep,
        Self::Memories,
        Self::Future,
        Self::Fun,
        Self::Values,
    ];

    /// The pack's name in ids, documents and the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Deep => "deep",
            Self::Memories => "memories",
            Self::Future => "future",
            Self::Intimacy => "intimacy",
            Self::Fun => "fun",
            Self::Values => "values",
        }
    }

    /// A one-line description for pack lists.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Light => "easy, everyday questions",
            Self::Deep => "who you are, what you feel and need",
            Self::Memories => "your past, together and before",
            Self::Future => "plans, hopes, the life ahead",
            Self::Intimacy => "closeness and affection (tender, never explicit)",
            Self::Fun => "playful and imaginative",
            Self::Values => "what matters and how you choose",
        }
    }
}

impl fmt::Display for Pack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Pack {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let word = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == word)
            .ok_or_else(|| InvalidInput::NotAllowed {
                field: "question pack",
                value: s.trim().to_owned(),
                allowed: Self::ALL.map(Pack::as_str).join(", "),
            })
    }
}

/// A set of packs, as the couple chose them: sorted, without duplicates, never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackSet(Vec<Pack>);

impl PackSet {
    /// The packs, in [`Pack::ALL`] order.
    pub fn packs(&self) -> &[Pack] {
        &self.0
    }

    /// Whether `pack` is chosen.
    pub fn contains(&self, pack: Pack) -> bool {
        self.0.contains(&pack)
    }

    /// A set from packs; `None` when empty (a couple always has at least one pack).
    pub fn new(packs: impl IntoIterator<Item = Pack>) -> Option<Self> {
        let mut packs: Vec<Pack> = packs.into_iter().collect();
        packs.sort_unstable();
        packs.dedup();
        (!packs.is_empty()).then_some(Self(packs))
    }

    /// Reads the stored or typed form (`light,deep`). Unknown words are refused, naming them.
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let packs = text
            .split(',')
            .filter(|w| !w.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Pack>, _>>()?;
        Self::new(packs).ok_or(InvalidInput::Empty {
            field: "the list of packs",
        })
    }

    /// Reads a stored value leniently: words this version does not know (a newer app's pack) are
    /// ignored; nothing usable gives the default set.
    pub fn from_stored(text: Option<&str>) -> Self {
        let packs = text
            .unwrap_or_default()
            .split(',')
            .filter_map(|w| w.parse().ok());
        Self::new(packs).unwrap_or_default()
    }

    /// The stored form, `light,deep`.
    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Default for PackSet {
    fn default() -> Self {
        Self(Pack::DEFAULT.to_vec())
    }
}

/// One question of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Permanent id, `<pack>-<number>` (`deep-017`).
    pub id: &'static str,
    /// The pack it belongs to (the id's prefix).
    pub pack: Pack,
    /// The question as shown.
    pub text: &'static str,
}

/// The whole catalogue, in file order (packs together, numbers rising).
pub fn catalogue() -> &'static [Question] {
    static CATALOGUE: LazyLock<Vec<Question>> = LazyLock::new(|| parse(CATALOG_TEXT));
    &CATALOGUE
}

/// The question with `id`, if the catalogue (still) has it.
pub fn find(id: &str) -> Option<&'static Question> {
    catalogue().iter().find(|q| q.id == id)
}

/// Parses catalogue text; a line that is not `<pack>-<digits> <text>` is left out (a unit test
/// checks that no line of the shipped catalogue is).
fn parse(text: &'static str) -> Vec<Question> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &'static str) -> Option<Question> {
    let (id, text) = line.split_once(' ')?;
    let (pack, number) = id.rsplit_once('-')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = text.trim();
    (!text.is_empty()).then_some(Question {
        id,
        pack: pack.parse().ok()?,
        text,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn question_lines() -> Vec<&'static str> {
        CATALOG_TEXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    }

    #[test]
    fn every_line_of_the_catalogue_is_a_question() {
        assert_eq!(catalogue().len(), question_lines().len());
    }

    #[test]
    fn the_catalogue_holds_at_least_400_questions_and_every_pack_at_least_50() {
        assert!(catalogue().len() >= 400, "{}", catalogue().len());
        for pack in Pack::ALL {
            let n = catalogue().iter().filter(|q| q.pack == pack).count();
            assert!(n >= 50, "{pack}: {n}");
        }
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for q in catalogue() {
            assert!(seen.insert(q.id), "duplicate id {}", q.id);
            let (pack, number) = q.id.rsplit_once('-').unwrap();
            assert_eq!(pack, q.pack.as_str());
            assert_eq!(number.len(), 3, "{}", q.id);
            assert_eq!(find(q.id), Some(q));
        }
    }

    #[test]
    fn texts_are_unique_non_empty_bounded_questions() {
        let mut seen = BTreeSet::new();
        for q in catalogue() {
            assert!(!q.text.trim().is_empty(), "{}", q.id);
            assert!(
                q.text.chars().count() <= MAX_QUESTION_CHARS,
                "{} is too long",
                q.id
            );
            assert!(q.text.ends_with('?'), "{} is not a question", q.id);
            assert!(
                seen.insert(q.text.to_lowercase()),
                "{} repeats another question",
                q.id
            );
        }
    }

    #[test]
    fn a_malformed_line_is_left_out_not_a_panic() {
        for bad in [
            "deep-",
            "deep-01x What?",
            "nopack-001 What?",
            "deep-001",
            "-001 x",
        ] {
            assert_eq!(parse_line(bad), None, "{bad}");
        }
        assert_eq!(parse_line("fun-999 Why?").unwrap().pack, Pack::Fun);
    }

    #[test]
    fn pack_sets_parse_strictly_and_read_stored_values_leniently() {
        let set = PackSet::parse(" deep, light,deep ").unwrap();
        assert_eq!(set.packs(), &[Pack::Light, Pack::Deep]);
        assert_eq!(set.to_stored(), "light,deep");
        assert!(PackSet::parse("light,spicy").is_err());
        assert!(PackSet::parse(" , ").is_err());
        assert_eq!(
            PackSet::from_stored(Some("fun,newer-pack")).packs(),
            &[Pack::Fun]
        );
        assert_eq!(PackSet::from_stored(None), PackSet::default());
        assert!(!PackSet::default().contains(Pack::Intimacy));
    }
}
