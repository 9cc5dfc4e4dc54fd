//! The vocabulary of the product: enumerations and validated values, matching the CHECK constraints
//! of the SQLite schema (`docs/schema.md`). Input from any shell is parsed here first, so a bad value is
//! refused with one clear message before anything is written.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

/// Why an input was refused. The `Display` text is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// A word outside an enumeration.
    #[error("{value:?} is not a valid {field}; use one of: {allowed}")]
    NotAllowed {
        /// The field.
        field: &'static str,
        /// What was given.
        value: String,
        /// The allowed words, comma-separated.
        allowed: String,
    },
    /// A number outside its range.
    #[error("{field} must be between {min} and {max} (got {value})")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The lowest allowed value.
        min: i64,
        /// The highest allowed value.
        max: i64,
        /// What was given.
        value: i64,
    },
    /// A text that is empty where one is needed.
    #[error("{field} cannot be empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A text longer than allowed.
    #[error("{field} can be at most {max} characters (got {actual})")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
        /// The length given.
        actual: usize,
    },
    /// A date that is not a real `YYYY-MM-DD` day.
    #[error("{field} must be a date written YYYY-MM-DD (got {value:?})")]
    BadDate {
        /// The field.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// A day written right that the calendar does not have (2026-02-30).
    #[error("{field} {value} does not exist in the calendar")]
    NoSuchDay {
        /// The field.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// A time zone name the tz database does not know.
    #[error("{value:?} is not a known time zone (use a name such as Europe/Paris or UTC)")]
    BadTimeZone {
        /// What was given.
        value: String,
    },
    /// Two values that contradict each other.
    #[error("{0}")]
    Inconsistent(String),
}

/// A stored word as people read it: "words_of_affirmation" is "Words of affirmation", the way
/// "Not sure yet" is written beside it. The one rule for every label made from a domain word.
pub fn word_label(word: &str) -> String {
    let spaced = word.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The word stored in documents and SQLite.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }

            /// The word as people read it ("Quality time"): see [`word_label`].
            pub fn label(self) -> String {
                word_label(self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = InvalidInput;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| InvalidInput::NotAllowed {
                        field: $field,
                        value: s.to_owned(),
                        allowed: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

word_enum!(
    /// What kind of relationship a couple has.
    RelationshipType, "relationship type" {
        /// Dating.
        Dating = "dating",
        /// Engaged.
        Engaged = "engaged",
        /// Married.
        Married = "married",
        /// Living together without marriage.
        DomesticPartnership = "domestic_partnership",
        /// Apart most of the time.
        LongDistance = "long_distance",
        /// Anything else.
        Other = "other",
    }
);

word_enum!(
    /// Where a relationship stands in the app.
    RelationshipStatus, "relationship status" {
        /// Created, waiting for the partner to join.
        Pending = "pending",
        /// Both partners are in.
        Active = "active",
        /// Put on hold.
        Paused = "paused",
        /// Over; kept for the record.
        Ended = "ended",
    }
);

word_enum!(
    /// How much partners see of each other's entries.
    PrivacyLevel, "privacy level" {
        /// Notes stay with their author.
        Private = "private",
        /// Scores shared, notes revealed once both checked in.
        Balanced = "balanced",
        /// Everything shared.
        Open = "open",
    }
);

word_enum!(
    /// The five love languages.
    LoveLanguage, "love language" {
        /// Words of affirmation.
        WordsOfAffirmation = "words_of_affirmation",
        /// Quality time.
        QualityTime = "quality_time",
        /// Receiving gifts.
        ReceivingGifts = "receiving_gifts",
        /// Acts of service.
        ActsOfService = "acts_of_service",
        /// Physical touch.
        PhysicalTouch = "physical_touch",
    }
);

word_enum!(
    /// The small gestures "thinking of you" sends.
    PingKind, "gesture" {
        /// A heart.
        Heart = "heart",
        /// A hug.
        Hug = "hug",
        /// "Thinking of you".
        ThinkingOfYou = "thinking_of_you",
    }
);

word_enum!(
    /// Kinds of shared activities.
    ActivityType, "activity type" {
        /// A date night.
        DateNight = "date_night",
        /// Outdoors.
        Outdoors = "outdoors",
        /// A trip.
        Travel = "travel",
        /// At home.
        AtHome = "at_home",
        /// Making something.
        Creative = "creative",
        /// Sport.
        Fitness = "fitness",
        /// Learning together.
        Learning = "learning",
        /// With friends or family.
        Social = "social",
        /// Rest and care.
        SelfCare = "self_care",
        /// Anything else.
        Other = "other",
    }
);

word_enum!(
    /// Where an activity stands.
    ActivityStatus, "activity status" {
        /// An idea, not yet scheduled.
        Idea = "idea",
        /// Scheduled.
        Planned = "planned",
        /// Done.
        Completed = "completed",
        /// Called off.
        Cancelled = "cancelled",
    }
);

word_enum!(
    /// Kinds of shared goals.
    GoalType, "goal type" {
        /// Something repeated.
        Habit = "habit",
        /// A one-off achievement.
        Milestone = "milestone",
        /// Something to experience.
        Experience = "experience",
        /// Money.
        Financial = "financial",
        /// Health.
        Health = "health",
        /// Talking and listening.
        Communication = "communication",
        /// Anything else.
        Other = "other",
    }
);

word_enum!(
    /// Where a goal stands.
    GoalStatus, "goal status" {
        /// Being worked on.
        Active = "active",
        /// Reached.
        Completed = "completed",
        /// On hold.
        Paused = "paused",
        /// Given up.
        Abandoned = "abandoned",
    }
);

word_enum!(
    /// Kinds of important dates.
    DateEventType, "date type" {
        /// An anniversary.
        Anniversary = "anniversary",
        /// A birthday.
        Birthday = "birthday",
        /// The first date.
        FirstDate = "first_date",
        /// A holiday.
        Holiday = "holiday",
        /// A milestone.
        Milestone = "milestone",
        /// A trip.
        Trip = "trip",
        /// Anything else.
        Other = "other",
    }
);

word_enum!(
    /// Kinds of conversations in the talk log.
    CommunicationType, "conversation type" {
        /// Everyday talk.
        DailyTalk = "daily_talk",
        /// A deep conversation.
        DeepConversation = "deep_conversation",
        /// Working through a conflict.
        ConflictResolution = "conflict_resolution",
        /// Planning.
        Planning = "planning",
        /// Saying thanks.
        Appreciation = "appreciation",
        /// A check-in talk.
        CheckIn = "check_in",
        /// Anything else.
        Other = "other",
    }
);

word_enum!(
    /// How a conversation went.
    CommunicationOutcome, "conversation outcome" {
        /// Went well.
        Positive = "positive",
        /// Neither good nor bad.
        Neutral = "neutral",
        /// Settled.
        Resolved = "resolved",
        /// Not settled.
        Unresolved = "unresolved",
        /// To be continued.
        NeedsFollowUp = "needs_follow_up",
    }
);

/// A 1–10 score (connection, mood, satisfaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Score(u8);

impl Score {
    /// The lowest score.
    pub const MIN: i64 = 1;
    /// The highest score.
    pub const MAX: i64 = 10;

    /// Validates a score for `field`.
    pub fn new(field: &'static str, value: i64) -> Result<Self, InvalidInput> {
        in_range(field, value, Self::MIN, Self::MAX).map(|v| Self(v as u8))
    }

    /// The score.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// A 1–5 rating of an activity by one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Rating(u8);

impl Rating {
    /// The lowest rating.
    pub const MIN: i64 = 1;
    /// The highest rating.
    pub const MAX: i64 = 5;

    /// Validates a rating.
    pub fn new(value: i64) -> Result<Self, InvalidInput> {
        in_range("rating", value, Self::MIN, Self::MAX).map(|v| Self(v as u8))
    }

    /// The rating.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// Checks that `value` lies in `min..=max`.
pub fn in_range(field: &'static str, value: i64, min: i64, max: i64) -> Result<i64, InvalidInput> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(InvalidInput::OutOfRange {
            field,
            min,
            max,
            value,
        })
    }
}

/// Trims `value` and checks it is non-empty, at most `max` characters and free of control characters
/// other than newlines (notes may have paragraphs).
pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String, InvalidInput> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(InvalidInput::Empty { field });
    }
    optional_text(field, trimmed, max).map(|t| t.unwrap_or_default())
}

/// Like [`required_text`], but an empty or blank text means "none".
pub fn optional_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<Option<String>, InvalidInput> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let actual = trimmed.chars().count();
    if actual > max {
        return Err(InvalidInput::TooLong { field, max, actual });
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(InvalidInput::Inconsistent(format!(
            "{field} cannot contain control characters"
        )));
    }
    Ok(Some(trimmed.to_owned()))
}

/// Parses a `YYYY-MM-DD` calendar date, refusing impossible days such as February 30.
pub fn parse_date(field: &'static str, value: &str) -> Result<Date, InvalidInput> {
    let bad = || InvalidInput::BadDate {
        field,
        value: value.to_owned(),
    };
    let trimmed = value.trim();
    let written_right = trimmed.len() == 10
        && trimmed.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !written_right {
        return Err(bad());
    }
    trimmed
        .parse::<Date>()
        .map_err(|_| InvalidInput::NoSuchDay {
            field,
            value: trimmed.to_owned(),
        })
}

/// Checks an IANA time zone name against the tz database jiff was built with.
pub fn parse_time_zone(value: &str) -> Result<String, InvalidInput> {
    let name = value.trim();
    jiff::tz::TimeZone::get(name)
        .map(|_| name.to_owned())
        .map_err(|_| InvalidInput::BadTimeZone {
            value: value.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_sentences() {
        assert_eq!(
            LoveLanguage::WordsOfAffirmation.label(),
            "Words of affirmation"
        );
        assert_eq!(LoveLanguage::QualityTime.label(), "Quality time");
        assert_eq!(ActivityType::DateNight.label(), "Date night");
        assert_eq!(word_label(""), "");
        for language in LoveLanguage::ALL {
            let label = language.label();
            assert!(!label.contains('_'), "{label}");
            assert!(label.starts_with(char::is_uppercase), "{label}");
        }
    }

    #[test]
    fn enumerations_parse_their_words_leniently_and_list_the_choices_on_error() {
        assert_eq!(
            "Date-Night".parse::<ActivityType>(),
            Ok(ActivityType::DateNight)
        );
        let error = "picnic".parse::<ActivityType>().unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("\"picnic\" is not a valid activity type"),
            "{message}"
        );
        assert!(message.contains("date_night"), "{message}");
    }

    #[test]
    fn scores_and_ratings_have_their_ranges() {
        assert_eq!(Score::new("mood", 10).unwrap().get(), 10);
        assert!(Score::new("mood", 0).is_err());
        assert!(Score::new("mood", 11).is_err());
        assert!(Rating::new(5).is_ok());
        assert_eq!(
            Rating::new(6).unwrap_err().to_string(),
            "rating must be between 1 and 5 (got 6)"
        );
    }

    #[test]
    fn dates_must_be_real_days_in_iso_form() {
        assert_eq!(
            parse_date("date", "2024-02-29").unwrap(),
            jiff::civil::date(2024, 2, 29)
        );
        assert!(matches!(
            parse_date("date", "2023-02-29"),
            Err(InvalidInput::NoSuchDay { .. })
        ));
        assert!(matches!(
            parse_date("date", "2026-13-01"),
            Err(InvalidInput::NoSuchDay { .. })
        ));
        assert!(parse_date("date", "2024-2-9").is_err());
        assert!(parse_date("date", "yesterday").is_err());
    }

    #[test]
    fn texts_are_trimmed_bounded_and_clean() {
        assert_eq!(required_text("name", "  Dinner  ", 10).unwrap(), "Dinner");
        assert!(matches!(
            required_text("name", "   ", 10),
            Err(InvalidInput::Empty { .. })
        ));
        assert!(matches!(
            required_text("name", "abcdefghijk", 10),
            Err(InvalidInput::TooLong { .. })
        ));
        assert_eq!(
            optional_text("note", "line one\nline two", 100)
                .unwrap()
                .unwrap(),
            "line one\nline two"
        );
        assert!(optional_text("note", "bell\u{7}", 100).is_err());
    }

    #[test]
    fn time_zones_come_from_the_tz_database() {
        assert_eq!(
            parse_time_zone("Pacific/Auckland").unwrap(),
            "Pacific/Auckland"
        );
        assert!(parse_time_zone("Mars/Olympus_Mons").is_err());
    }
}
