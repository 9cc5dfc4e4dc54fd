//! Typed records read from documents. The projection into SQLite and the exports read through these,
//! so there is one definition of what a stored field means.

use std::collections::BTreeMap;

use automerge::ObjId;
use serde::Serialize;

use super::fields::{Fields, collection, flag, int, keys, object, string};
use super::{Collection, Document};

/// A record's map object, if it exists.
fn record_obj(doc: &Document, collection_: Collection, key: &str) -> Option<ObjId> {
    let inner = doc.inner();
    if collection_.is_single() {
        return collection(inner, collection_);
    }
    object(inner, &collection(inner, collection_)?, key)
}

/// The keys of a collection's records.
pub fn record_keys(doc: &Document, collection_: Collection) -> Vec<String> {
    collection(doc.inner(), collection_)
        .map(|obj| keys(doc.inner(), &obj))
        .unwrap_or_default()
}

/// The relationship profile, from a relationship document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationshipProfile {
    /// `dating`, `married`, ...
    pub relationship_type: String,
    /// When the couple got together.
    pub start_date: Option<String>,
    /// The anniversary they celebrate.
    pub anniversary_date: Option<String>,
    /// `pending` until the partner joins.
    pub status: String,
    /// `private`, `balanced` or `open`.
    pub privacy_level: String,
    /// The partner who created the relationship.
    pub user_1_id: String,
    /// The partner who joined, once they have.
    pub user_2_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl RelationshipProfile {
    /// Reads the profile; `None` until the relationship was created in this document.
    pub fn read(doc: &Document) -> Option<Self> {
        let obj = record_obj(doc, Collection::Profile, "")?;
        let d = doc.inner();
        Some(Self {
            relationship_type: string(d, &obj, "relationship_type")?,
            start_date: string(d, &obj, "start_date"),
            anniversary_date: string(d, &obj, "anniversary_date"),
            status: string(d, &obj, "status")?,
            privacy_level: string(d, &obj, "privacy_level")?,
            user_1_id: string(d, &obj, "user_1_id")?,
            user_2_id: string(d, &obj, "user_2_id"),
            created_at: string(d, &obj, "created_at")?,
            updated_at: string(d, &obj, "updated_at")?,
        })
    }
}

/// A person's profile: their own (user document) or as shared with their partner (member entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonProfile {
    /// The person.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Nickname.
    pub nickname: Option<String>,
    /// Photo URL.
    pub photo_url: Option<String>,
    /// Primary love language.
    pub love_language_primary: Option<String>,
    /// Secondary love language.
    pub love_language_secondary: Option<String>,
    /// IANA time zone: decides which local day a check-in belongs to.
    pub timezone: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl PersonProfile {
    fn read_obj(doc: &Document, obj: &ObjId, user_id: String) -> Option<Self> {
        let d = doc.inner();
        Some(Self {
            user_id,
            name: string(d, obj, "name")?,
            nickname: string(d, obj, "nickname"),
            photo_url: string(d, obj, "photo_url"),
            love_language_primary: string(d, obj, "love_language_primary"),
            love_language_secondary: string(d, obj, "love_language_secondary"),
            timezone: string(d, obj, "timezone").unwrap_or_else(|| "UTC".to_owned()),
            created_at: string(d, obj, "created_at")?,
            updated_at: string(d, obj, "updated_at")?,
        })
    }

    /// A member's shared profile in a relationship document.
    pub fn read_member(doc: &Document, user_id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Members, user_id)?;
        Self::read_obj(doc, &obj, user_id.to_owned())
    }

    /// The owner's profile in a user document.
    pub fn read_own(doc: &Document) -> Option<Self> {
        let obj = record_obj(doc, Collection::UserProfile, "")?;
        let user_id = string(doc.inner(), &obj, "user_id")?;
        Self::read_obj(doc, &obj, user_id)
    }
}

/// A shared activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// Record id.
    pub id: String,
    /// What it is.
    pub name: String,
    /// `date_night`, `outdoors`, ...
    pub activity_type: String,
    /// When it is planned (RFC 3339).
    pub planned_date: Option<String>,
    /// When it was done (RFC 3339).
    pub completed_date: Option<String>,
    /// How long, in minutes.
    pub duration_minutes: Option<i64>,
    /// What it cost, in cents.
    pub cost_cents: Option<i64>,
    /// Each partner's 1–5 rating, by user id: one field per partner, so both ratings survive
    /// concurrent offline edits.
    pub ratings: BTreeMap<String, i64>,
    /// `idea`, `planned`, `completed`, `cancelled`.
    pub status: String,
    /// Who added it.
    pub created_by: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// A tombstone: deleted records stay in the document, the projection drops them.
    pub deleted: bool,
}

impl Activity {
    /// Reads one activity.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Activities, id)?;
        let d = doc.inner();
        let ratings = object(d, &obj, "ratings")
            .map(|r| {
                keys(d, &r)
                    .into_iter()
                    .filter_map(|user| int(d, &r, &user).map(|v| (user, v)))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            id: id.to_owned(),
            name: string(d, &obj, "name")?,
            activity_type: string(d, &obj, "type")?,
            planned_date: string(d, &obj, "planned_date"),
            completed_date: string(d, &obj, "completed_date"),
            duration_minutes: int(d, &obj, "duration_minutes"),
            cost_cents: int(d, &obj, "cost_cents"),
            ratings,
            status: string(d, &obj, "status")?,
            created_by: string(d, &obj, "created_by"),
            created_at: string(d, &obj, "created_at")?,
            deleted: flag(d, &obj, "deleted"),
        })
    }
}

/// A shared goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Goal {
    /// Record id.
    pub id: String,
    /// What the couple aims for.
    pub name: String,
    /// `habit`, `milestone`, ...
    pub goal_type: String,
    /// How many steps make it.
    pub target_count: i64,
    /// Steps so far: an Automerge counter, so concurrent +1s from both partners add up.
    pub progress: i64,
    /// The status set by hand (`active`, `paused`, `abandoned`); see [`Goal::effective_status`].
    pub status: String,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// Tombstone.
    pub deleted: bool,
}

impl Goal {
    /// Reads one goal.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Goals, id)?;
        let d = doc.inner();
        Some(Self {
            id: id.to_owned(),
            name: string(d, &obj, "name")?,
            goal_type: string(d, &obj, "type")?,
            target_count: int(d, &obj, "target_count")?,
            progress: int(d, &obj, "progress").unwrap_or(0),
            status: string(d, &obj, "status")?,
            start_date: string(d, &obj, "start_date"),
            target_date: string(d, &obj, "target_date"),
            created_at: string(d, &obj, "created_at")?,
            deleted: flag(d, &obj, "deleted"),
        })
    }

    /// `completed` once progress reaches the target (derived, so concurrent increments that reach
    /// it on two devices agree), otherwise the status set by hand.
    pub fn effective_status(&self) -> &str {
        if self.progress >= self.target_count && self.status == "active" {
            "completed"
        } else {
            &self.status
        }
    }
}

/// An important date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportantDate {
    /// Record id.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub date_value: String,
    /// What it is.
    pub event_name: String,
    /// `anniversary`, `birthday`, ...
    pub event_type: String,
    /// Comes back every year.
    pub is_recurring: bool,
    /// Remind this many days before.
    pub reminder_days_before: Option<i64>,
    /// Tombstone.
    pub deleted: bool,
}

impl ImportantDate {
    /// Reads one date.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Dates, id)?;
        let d = doc.inner();
        Some(Self {
            id: id.to_owned(),
            date_value: string(d, &obj, "date")?,
            event_name: string(d, &obj, "name")?,
            event_type: string(d, &obj, "type")?,
            is_recurring: flag(d, &obj, "recurring"),
            reminder_days_before: int(d, &obj, "reminder_days_before"),
            deleted: flag(d, &obj, "deleted"),
        })
    }
}

/// One partner's daily check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkin {
    /// Record id, derived from (relationship, person, day).
    pub id: String,
    /// Who checked in.
    pub user_id: String,
    /// Their local calendar day, `YYYY-MM-DD`.
    pub date: String,
    /// 1–10.
    pub connection: i64,
    /// 1–10.
    pub mood: i64,
    /// 1–10.
    pub satisfaction: i64,
    /// What they are grateful for.
    pub note: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// Tombstone.
    pub deleted: bool,
}

impl Checkin {
    /// Reads one check-in.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Checkins, id)?;
        let f = Fields::read(doc.inner(), &obj);
        Some(Self {
            id: id.to_owned(),
            user_id: f.string("user_id")?,
            date: f.string("date")?,
            connection: f.int("connection")?,
            mood: f.int("mood")?,
            satisfaction: f.int("satisfaction")?,
            note: f.string("note"),
            created_at: f.string("created_at")?,
            deleted: f.flag("deleted"),
        })
    }
}

/// A talk-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Record id.
    pub id: String,
    /// `deep_conversation`, ...
    pub communication_type: String,
    /// What it was about.
    pub topic: Option<String>,
    /// How it went.
    pub outcome: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// Who started it.
    pub initiated_by: Option<String>,
    /// When (RFC 3339).
    pub communication_date: String,
    /// Needs another talk.
    pub follow_up_needed: bool,
    /// Tombstone.
    pub deleted: bool,
}

impl LogEntry {
    /// Reads one entry.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Log, id)?;
        let d = doc.inner();
        Some(Self {
            id: id.to_owned(),
            communication_type: string(d, &obj, "type")?,
            topic: string(d, &obj, "topic"),
            outcome: string(d, &obj, "outcome"),
            duration_minutes: int(d, &obj, "duration_minutes"),
            initiated_by: string(d, &obj, "initiated_by"),
            communication_date: string(d, &obj, "date")?,
            follow_up_needed: flag(d, &obj, "follow_up"),
            deleted: flag(d, &obj, "deleted"),
        })
    }
}

/// A couple's participation in a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChallengeParticipation {
    /// Record id.
    pub id: String,
    /// The catalogue challenge.
    pub challenge_id: String,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// `YYYY-MM-DD`.
    pub target_end_date: String,
    /// `active`, `completed`, `abandoned` (completion is derived from entries).
    pub status: String,
    /// Tombstone.
    pub deleted: bool,
}

impl ChallengeParticipation {
    /// Reads one participation.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Challenges, id)?;
        let d = doc.inner();
        Some(Self {
            id: id.to_owned(),
            challenge_id: string(d, &obj, "challenge_id")?,
            start_date: string(d, &obj, "start_date")?,
            target_end_date: string(d, &obj, "target_end_date")?,
            status: string(d, &obj, "status")?,
            deleted: flag(d, &obj, "deleted"),
        })
    }
}

/// One partner's entry in a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChallengeEntry {
    /// Record id.
    pub id: String,
    /// The participation.
    pub participation_id: String,
    /// Who wrote it.
    pub user_id: String,
    /// `YYYY-MM-DD`.
    pub entry_date: String,
    /// What they wrote.
    pub content: Option<String>,
    /// The day's task is done.
    pub completed: bool,
    /// Tombstone.
    pub deleted: bool,
}

impl ChallengeEntry {
    /// Reads one entry.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Entries, id)?;
        let d = doc.inner();
        Some(Self {
            id: id.to_owned(),
            participation_id: string(d, &obj, "participation_id")?,
            user_id: string(d, &obj, "user_id")?,
            entry_date: string(d, &obj, "date")?,
            content: string(d, &obj, "content"),
            completed: flag(d, &obj, "completed"),
            deleted: flag(d, &obj, "deleted"),
        })
    }
}

/// An achievement the couple earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarnedAchievement {
    /// The catalogue achievement.
    pub achievement_id: String,
    /// Whose action earned it.
    pub earned_by: Option<String>,
    /// When (RFC 3339).
    pub earned_date: String,
}

impl EarnedAchievement {
    /// Reads one earned achievement.
    pub fn read(doc: &Document, achievement_id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Achievements, achievement_id)?;
        let d = doc.inner();
        Some(Self {
            achievement_id: achievement_id.to_owned(),
            earned_by: string(d, &obj, "earned_by"),
            earned_date: string(d, &obj, "earned_date")?,
        })
    }
}

/// A notification for one partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Record key.
    pub id: String,
    /// Who it is for.
    pub user_id: String,
    /// Kind.
    pub notification_type: String,
    /// Title.
    pub title: String,
    /// Body.
    pub message: String,
    /// `low`, `normal`, `high`.
    pub priority: String,
    /// RFC 3339.
    pub created_at: String,
    /// Read.
    pub read: bool,
    /// What it is about (a record id or a day), when the writer said; older notifications have
    /// none.
    pub subject: Option<String>,
}

impl Notification {
    /// Reads one notification.
    pub fn read(doc: &Document, id: &str) -> Option<Self> {
        let obj = record_obj(doc, Collection::Notifications, id)?;
        let f = Fields::read(doc.inner(), &obj);
        Some(Self {
            id: id.to_owned(),
            user_id: f.string("user_id")?,
            notification_type: f.string("type")?,
            title: f.string("title")?,
            message: f.string("message")?,
            priority: f.string("priority")?,
            created_at: f.string("created_at")?,
            read: f.flag("read"),
            subject: f.string("subject"),
        })
    }
}

/// One of a person's private notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateNote {
    /// Record id.
    pub id: String,
    /// The note.
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
    /// Tombstone.
    pub deleted: bool,
}

impl PrivateNote {
    /// Every live note of a user document, oldest first (ids are time-ordered).
    pub fn list(doc: &Document) -> Vec<Self> {
        record_keys(doc, Collection::Notes)
            .into_iter()
            .filter_map(|id| {
                let obj = record_obj(doc, Collection::Notes, &id)?;
                let d = doc.inner();
                Some(Self {
                    text: string(d, &obj, "text")?,
                    created_at: string(d, &obj, "created_at")?,
                    deleted: flag(d, &obj, "deleted"),
                    id,
                })
            })
            .filter(|n| !n.deleted)
            .collect()
    }
}

/// Whether a user document says its owner shares usage analytics (off by default).
pub fn analytics_opt_in(doc: &Document) -> bool {
    record_obj(doc, Collection::Settings, "")
        .is_some_and(|obj| flag(doc.inner(), &obj, "analytics_opt_in"))
}
