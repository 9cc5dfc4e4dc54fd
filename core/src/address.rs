//! Which document: its kind, its id, and the collections it holds.

use std::fmt;
use std::str::FromStr;

use crate::ids::{RelationshipId, UserId};

/// The three kinds of documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocKind {
    /// A couple's shared, slowly growing data.
    Relationship,
    /// A couple's time series for one year.
    Series,
    /// One person's own data.
    User,
}

impl DocKind {
    /// The word stored in the document's root `kind` field.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Relationship => "relationship",
            Self::Series => "series",
            Self::User => "user",
        }
    }

    /// Every collection a document of this kind holds: those created at genesis, then those added
    /// later (see [`DocKind::later_collections`]).
    pub fn collections(self) -> Vec<Collection> {
        let mut all = self.genesis_collections();
        all.extend(self.later_collections());
        all
    }

    /// Collections added after the first release. The genesis never changes, so each of these is
    /// created by a deterministic change of its own on top of the genesis
    /// (`document::upgrade`), identical on every device, the first time a device writes to it.
    pub fn later_collections(self) -> Vec<Collection> {
        match self {
            Self::Series => vec![Collection::Questions, Collection::Quizzes],
            Self::User => vec![Collection::Private],
            Self::Relationship => Vec::new(),
        }
    }

    /// The collections a document of this kind holds from genesis. **Never changes** (the
    /// genesis bytes depend on it).
    pub fn genesis_collections(self) -> Vec<Collection> {
        use Collection::*;
        match self {
            Self::Relationship => vec![
                Profile,
                Members,
                Activities,
                Goals,
                Dates,
                Challenges,
                Achievements,
            ],
            Self::Series => vec![Checkins, Log, Entries, Notifications],
            Self::User => vec![UserProfile, Settings, Notes],
        }
    }
}

/// A named map at a document's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collection {
    /// The relationship profile (a single object).
    Profile,
    /// Each member's shared profile, keyed by user id.
    Members,
    /// Activities, keyed by record id.
    Activities,
    /// Shared goals, keyed by record id.
    Goals,
    /// Important dates, keyed by record id.
    Dates,
    /// Challenge participation, keyed by record id.
    Challenges,
    /// Earned achievements, keyed by achievement id (so each is earned once per couple).
    Achievements,
    /// Daily check-ins, keyed by an id derived from (person, day).
    Checkins,
    /// The talk log, keyed by record id.
    Log,
    /// Challenge entries, keyed by record id.
    Entries,
    /// Notifications addressed to a partner, keyed by record id.
    Notifications,
    /// A person's own profile (a single object).
    UserProfile,
    /// A person's settings (a single object).
    Settings,
    /// A person's private notes, keyed by record id.
    Notes,
    /// The daily question: each partner's record about a day's question (their answer, their
    /// skip, their reaction to the partner's answer), keyed by an id derived from (relationship,
    /// day, question, person). A later collection of series documents.
    Questions,
    /// A person's private check-in notes and talk-log entries, keyed by record id, each naming its
    /// relationship. A later collection of user documents.
    Private,
    /// Partner quizzes: each partner's record of a "know me" round or a "this or that" pick,
    /// keyed by an id derived from what it is about and who wrote it. A later collection of
    /// series documents.
    Quizzes,
}

impl Collection {
    /// The key of the collection's map at the document root.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Members => "members",
            Self::Activities => "activities",
            Self::Goals => "goals",
            Self::Dates => "dates",
            Self::Challenges => "challenges",
            Self::Achievements => "achievements",
            Self::Checkins => "checkins",
            Self::Log => "log",
            Self::Entries => "entries",
            Self::Notifications => "notifications",
            Self::UserProfile => "user_profile",
            Self::Settings => "settings",
            Self::Notes => "notes",
            Self::Questions => "questions",
            Self::Private => "private",
            Self::Quizzes => "quizzes",
        }
    }

    /// Every collection, in declaration order.
    pub const ALL: [Self; 17] = [
        Self::Profile,
        Self::Members,
        Self::Activities,
        Self::Goals,
        Self::Dates,
        Self::Challenges,
        Self::Achievements,
        Self::Checkins,
        Self::Log,
        Self::Entries,
        Self::Notifications,
        Self::UserProfile,
        Self::Settings,
        Self::Notes,
        Self::Questions,
        Self::Private,
        Self::Quizzes,
    ];

    /// The collection stored under `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Whether the collection is one object rather than a map of records.
    pub const fn is_single(self) -> bool {
        matches!(self, Self::Profile | Self::UserProfile | Self::Settings)
    }
}

/// Why a document id could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a Better Together document name (expected rel-<id>, rel-<id>-<year> or user-<id>)"
)]
pub struct InvalidAddress(pub String);

/// Names one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocAddress {
    /// A relationship's main document.
    Relationship(RelationshipId),
    /// A relationship's time series for one calendar year.
    Series(RelationshipId, i16),
    /// A person's own document.
    User(UserId),
}

impl DocAddress {
    /// The document's kind.
    pub const fn kind(&self) -> DocKind {
        match self {
            Self::Relationship(_) => DocKind::Relationship,
            Self::Series(..) => DocKind::Series,
            Self::User(_) => DocKind::User,
        }
    }

    /// The relationship the document belongs to, if any.
    pub const fn relationship(&self) -> Option<RelationshipId> {
        match self {
            Self::Relationship(id) | Self::Series(id, _) => Some(*id),
            Self::User(_) => None,
        }
    }

    /// The stable text id, also the file name of an exported document.
    pub fn doc_id(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for DocAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Relationship(id) => write!(f, "rel-{id}"),
            Self::Series(id, year) => write!(f, "rel-{id}-{year:04}"),
            Self::User(id) => write!(f, "user-{id}"),
        }
    }
}

/// Length of a hyphenated UUID, the only spelling a document id uses.
const UUID_LEN: usize = 36;

impl FromStr for DocAddress {
    type Err = InvalidAddress;

    /// Reads a document id, which comes from outside (URLs, file names, the server's lists): only
    /// the exact text [`DocAddress::doc_id`] writes is accepted, so one document has one id, and
    /// the text is cut only where `str::get` finds a character boundary, never by a byte index
    /// that could fall inside a multi-byte character.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidAddress(s.to_owned());
        let address = if let Some(rest) = s.strip_prefix("user-") {
            Self::User(rest.parse().map_err(|_| invalid())?)
        } else {
            let rest = s.strip_prefix("rel-").ok_or_else(invalid)?;
            let (id, tail) = rest
                .get(..UUID_LEN)
                .zip(rest.get(UUID_LEN..))
                .ok_or_else(invalid)?;
            let id: RelationshipId = id.parse().map_err(|_| invalid())?;
            if tail.is_empty() {
                Self::Relationship(id)
            } else {
                let year: i16 = tail
                    .strip_prefix('-')
                    .and_then(|y| y.parse().ok())
                    .filter(|y| (1900..=9999).contains(y))
                    .ok_or_else(invalid)?;
                Self::Series(id, year)
            }
        };
        // Refuses other spellings the UUID parser forgives (upper case, braces, spaces, "+2026").
        if address.doc_id() == s {
            Ok(address)
        } else {
            Err(invalid())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multibyte_character_where_the_year_starts_is_refused_not_a_panic() {
        // 35 ASCII bytes, then "é" (2 bytes) straddling byte 36, then 4 more: 41 bytes after "rel-".
        let crafted = format!("rel-{}é{}", "a".repeat(35), "1234");
        assert_eq!(crafted.len() - "rel-".len(), 41);
        assert_eq!(
            crafted.parse::<DocAddress>(),
            Err(InvalidAddress(crafted.clone()))
        );
        // Same length, the multi-byte character elsewhere.
        let elsewhere = format!("rel-{}é-202", "a".repeat(34));
        assert!(elsewhere.parse::<DocAddress>().is_err());
    }

    #[test]
    fn every_document_id_round_trips_through_text() {
        let id: RelationshipId = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192".parse().unwrap();
        let user: UserId = "0190a4f8-5c1e-7d2a-9b3c-4d5e6f708193".parse().unwrap();
        for address in [
            DocAddress::Relationship(id),
            DocAddress::Series(id, 2026),
            DocAddress::User(user),
        ] {
            assert_eq!(address.doc_id().parse::<DocAddress>(), Ok(address));
        }
        let spaced = format!("rel-  {}  ", id.as_uuid().simple());
        let upper = format!("user-{}", user.to_string().to_uppercase());
        for bad in [
            "",
            "rel-",
            "user-",
            "rel-x",
            "rel-0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192-1899",
            "rel-0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192-+202",
            "rel-0190a4f8-5c1e-7d2a-9b3c-4d5e6f708192-",
            &spaced,
            &upper,
        ] {
            assert!(bad.parse::<DocAddress>().is_err(), "{bad:?}");
        }
    }
}
