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

    /// The collections a document of this kind holds, created at genesis.
    pub fn collections(self) -> Vec<Collection> {
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
        }
    }

    /// Every collection, in declaration order.
    pub const ALL: [Self; 14] = [
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

impl FromStr for DocAddress {
    type Err = InvalidAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidAddress(s.to_owned());
        if let Some(rest) = s.strip_prefix("user-") {
            return rest.parse().map(Self::User).map_err(|_| invalid());
        }
        let rest = s.strip_prefix("rel-").ok_or_else(invalid)?;
        // A UUID is 36 characters; a series id adds "-YYYY".
        match rest.len() {
            36 => rest.parse().map(Self::Relationship).map_err(|_| invalid()),
            41 => {
                let (id, year) = rest.split_at(36);
                let year: i16 = year
                    .strip_prefix('-')
                    .and_then(|y| y.parse().ok())
                    .filter(|y| (1900..=9999).contains(y))
                    .ok_or_else(invalid)?;
                id.parse()
                    .map(|id| Self::Series(id, year))
                    .map_err(|_| invalid())
            }
            _ => Err(invalid()),
        }
    }
}
