//! What the UI sends: typed but not yet validated. `together-client`'s feature modules check each
//! field with the domain rules (`goals::form`, `checkins::form`...), so a bad value is a sentence for
//! people and nothing is saved. The `together` CLI fills the same forms from its flags, so a rule is
//! written once for both; fields only the CLI sets default to empty (and the UI leaves them out).

use serde::{Deserialize, Serialize};

// The limits below are the rules `together-client`'s forms enforce; the UI reads the same
// constants for its inputs' bounds, so a limit is written once.

/// Onboarding and the profile section of Settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileForm {
    /// Display name.
    pub name: String,
    /// IANA time zone (the device's by default).
    pub timezone: String,
    /// Love language word, or empty.
    pub love_language_primary: String,
    /// Second love language word, or empty.
    pub love_language_secondary: String,
    /// A nickname, or empty.
    #[serde(default)]
    pub nickname: String,
    /// A photo URL, or empty.
    #[serde(default)]
    pub photo_url: String,
}

impl ProfileForm {
    /// The longest nickname, in characters.
    pub const NICKNAME_MAX_CHARS: usize = 80;
    /// The longest photo URL, in characters.
    pub const PHOTO_URL_MAX_CHARS: usize = 2048;
}

/// Starting the couple's relationship. Every field may stay empty: a dating couple with balanced
/// privacy, start and anniversary unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipForm {
    /// Relationship type word, or empty.
    pub relationship_type: String,
    /// `YYYY-MM-DD`, or empty.
    pub start_date: String,
    /// `YYYY-MM-DD`, or empty.
    pub anniversary_date: String,
    /// Privacy level word, or empty.
    pub privacy_level: String,
}

/// When the couple got together and the anniversary they celebrate, as set at onboarding and edited
/// in Settings (either partner; each date merges on its own). Empty means not set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipDatesForm {
    /// `YYYY-MM-DD`, or empty: not after the person's today.
    pub start_date: String,
    /// `YYYY-MM-DD`, or empty.
    pub anniversary_date: String,
}

/// Creating an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountForm {
    /// Sync server URL.
    pub server: String,
    /// Sign-in email.
    pub email: String,
    /// Display name (used when no profile exists yet).
    pub name: String,
    /// Password; derived on the device, never sent.
    pub password: String,
    /// A sign-up code from the server's operator, for a server where registration is
    /// invite-only; empty when none was given.
    #[serde(default)]
    pub signup_code: String,
}

/// Signing in to an existing account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginForm {
    /// Sync server URL.
    pub server: String,
    /// Sign-in email.
    pub email: String,
    /// Password; derived on the device, never sent.
    pub password: String,
}

/// Today's check-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinForm {
    /// 1–10.
    pub connection: i64,
    /// 1–10.
    pub mood: i64,
    /// 1–10.
    pub satisfaction: i64,
    /// Gratitude, optional.
    pub gratitude: String,
    /// `YYYY-MM-DD`, or empty for the person's today (the app always leaves it empty).
    #[serde(default)]
    pub date: String,
    /// A note only its author sees (kept in their own document, never the couple's), optional.
    #[serde(default)]
    pub private_note: String,
}

impl CheckinForm {
    /// The longest gratitude note, in characters.
    pub const GRATITUDE_MAX_CHARS: usize = 2000;
}

/// Planning an activity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityForm {
    /// Name.
    pub name: String,
    /// Activity type word.
    pub activity_type: String,
    /// `YYYY-MM-DD` (noon that day in the person's time zone), an RFC 3339 time, or empty.
    pub planned_date: String,
    /// Minutes, optional.
    pub duration_minutes: Option<i64>,
    /// What it costs, such as `42.50`, or empty.
    #[serde(default)]
    pub cost: String,
}

impl ActivityForm {
    /// The longest activity name, in characters.
    pub const NAME_MAX_CHARS: usize = 200;
    /// The longest activity, in minutes (two weeks).
    pub const DURATION_MAX_MINUTES: i64 = 20_160;
}

/// A shared goal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalForm {
    /// Name.
    pub name: String,
    /// Goal type word.
    pub goal_type: String,
    /// How many times.
    pub target_count: i64,
    /// `YYYY-MM-DD`, or empty.
    pub target_date: String,
    /// `YYYY-MM-DD`, or empty for the day it is added.
    #[serde(default)]
    pub start_date: String,
}

impl GoalForm {
    /// The longest goal name, in characters.
    pub const NAME_MAX_CHARS: usize = 200;
    /// The largest target count.
    pub const TARGET_MAX: i64 = 1_000_000;
}

/// An important date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateForm {
    /// What it is.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Event type word.
    pub event_type: String,
    /// Every year.
    pub recurring: bool,
    /// Remind this many days before, optional.
    pub reminder_days_before: Option<i64>,
}

impl DateForm {
    /// The longest name of a date, in characters.
    pub const NAME_MAX_CHARS: usize = 200;
    /// The most days ahead a reminder may come.
    pub const REMINDER_MAX_DAYS: i64 = 365;
}

/// A talk-log entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogForm {
    /// Communication type word.
    pub communication_type: String,
    /// Topic, optional.
    pub topic: String,
    /// Outcome word, or empty.
    pub outcome: String,
    /// Minutes, optional.
    pub duration_minutes: Option<i64>,
    /// Needs a follow-up.
    pub follow_up_needed: bool,
    /// When it happened (RFC 3339), or empty for now.
    #[serde(default)]
    pub when: String,
    /// Kept to its author (their own document): chosen at creation, since an entry once shared
    /// cannot be taken back from the partner's history. Ignored by an edit.
    #[serde(default)]
    pub private: bool,
}

impl LogForm {
    /// The longest topic, in characters.
    pub const TOPIC_MAX_CHARS: usize = 200;
    /// The longest conversation, in minutes.
    pub const DURATION_MAX_MINUTES: i64 = 1440;
}

/// "Thinking of you": a small gesture sent to the partner with one tap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingForm {
    /// `heart`, `hug` or `thinking_of_you` (empty: `thinking_of_you`).
    #[serde(default)]
    pub kind: String,
    /// A short line of the sender's own, optional.
    #[serde(default)]
    pub message: String,
}

impl PingForm {
    /// The longest line, in characters: a gesture, not a letter.
    pub const MESSAGE_MAX_CHARS: usize = 120;
}
