//! Changes to documents, one function per user action. Each takes validated input and `now`, writes
//! the fields the records in [`super::records`] read, and leaves committing to the caller (one
//! action, one Automerge change, one SQLite transaction).

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ScalarValue};
use jiff::Timestamp;
use jiff::civil::Date;

use super::fields::{collection, object};
use super::{Collection, DocKind, Document, DocumentError, Result};
use crate::domain::{
    ActivityStatus, ActivityType, CommunicationOutcome, CommunicationType, DateEventType,
    GoalStatus, GoalType, LoveLanguage, PrivacyLevel, Rating, RelationshipStatus, RelationshipType,
    Score,
};
use crate::ids::{RecordId, RelationshipId, UserId, derived};

/// Millisecond RFC 3339 in UTC, the one time format of documents and SQLite.
pub fn timestamp_text(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(super) fn expect_kind(doc: &Document, kind: DocKind) -> Result<()> {
    if doc.address().kind() == kind {
        Ok(())
    } else {
        Err(DocumentError::Refused(format!(
            "this change belongs in a {} document, not {}",
            kind.as_str(),
            doc.address()
        )))
    }
}

pub(super) fn collection_obj(doc: &Document, c: Collection) -> Result<ObjId> {
    collection(doc.inner(), c).ok_or(DocumentError::NoSuchRecord {
        collection: c.as_str(),
        key: String::new(),
    })
}

/// The record's map, created if it does not exist yet (so a second write updates in place rather
/// than replacing the record with a new object).
pub(super) fn record_obj_or_create(doc: &mut Document, c: Collection, key: &str) -> Result<ObjId> {
    let parent = collection_obj(doc, c)?;
    doc.touch(c, key);
    if c.is_single() {
        return Ok(parent);
    }
    if let Some(existing) = object(doc.inner(), &parent, key) {
        return Ok(existing);
    }
    Ok(doc.inner_mut().put_object(&parent, key, ObjType::Map)?)
}

/// An existing record's map, which the caller is about to change.
fn existing_record(doc: &mut Document, c: Collection, key: &str) -> Result<ObjId> {
    let parent = collection_obj(doc, c)?;
    let obj = object(doc.inner(), &parent, key).ok_or_else(|| DocumentError::NoSuchRecord {
        collection: c.as_str(),
        key: key.to_owned(),
    })?;
    doc.touch(c, key);
    Ok(obj)
}

pub(super) fn put(
    doc: &mut Document,
    obj: &ObjId,
    key: &str,
    value: impl Into<ScalarValue>,
) -> Result<()> {
    doc.inner_mut().put(obj, key, value)?;
    Ok(())
}

pub(super) fn put_opt<V: Into<ScalarValue>>(
    doc: &mut Document,
    obj: &ObjId,
    key: &str,
    value: Option<V>,
) -> Result<()> {
    match value {
        Some(value) => put(doc, obj, key, value),
        None => {
            doc.inner_mut().delete(obj, key)?;
            Ok(())
        }
    }
}

/// What a person shares about themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInput {
    /// Display name (validated by [`crate::profile::DisplayName`]).
    pub name: String,
    /// Nickname.
    pub nickname: Option<String>,
    /// Photo URL.
    pub photo_url: Option<String>,
    /// IANA time zone (validated by [`crate::domain::parse_time_zone`]).
    pub timezone: String,
    /// Primary love language.
    pub love_language_primary: Option<LoveLanguage>,
    /// Secondary love language.
    pub love_language_secondary: Option<LoveLanguage>,
}

fn write_profile(
    doc: &mut Document,
    obj: &ObjId,
    input: &ProfileInput,
    now: Timestamp,
) -> Result<()> {
    let now = timestamp_text(now);
    if crate::document::fields::string(doc.inner(), obj, "created_at").is_none() {
        put(doc, obj, "created_at", now.as_str())?;
    }
    put(doc, obj, "name", input.name.as_str())?;
    put_opt(doc, obj, "nickname", input.nickname.as_deref())?;
    put_opt(doc, obj, "photo_url", input.photo_url.as_deref())?;
    put(doc, obj, "timezone", input.timezone.as_str())?;
    put_opt(
        doc,
        obj,
        "love_language_primary",
        input.love_language_primary.map(|l| l.as_str()),
    )?;
    put_opt(
        doc,
        obj,
        "love_language_secondary",
        input.love_language_secondary.map(|l| l.as_str()),
    )?;
    put(doc, obj, "updated_at", now.as_str())
}

/// Sets the owner's profile in their user document.
pub fn set_own_profile(
    doc: &mut Document,
    user: UserId,
    input: &ProfileInput,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::User)?;
    let obj = record_obj_or_create(doc, Collection::UserProfile, "")?;
    put(doc, &obj, "user_id", user.to_string())?;
    write_profile(doc, &obj, input, now)
}

/// Sets a member's shared profile in a relationship document.
pub fn set_member_profile(
    doc: &mut Document,
    user: UserId,
    input: &ProfileInput,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = record_obj_or_create(doc, Collection::Members, &user.to_string())?;
    write_profile(doc, &obj, input, now)
}

/// How a couple describes their relationship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipInput {
    /// Kind of relationship.
    pub relationship_type: RelationshipType,
    /// When they got together.
    pub start_date: Option<Date>,
    /// Their anniversary.
    pub anniversary_date: Option<Date>,
    /// Privacy.
    pub privacy_level: PrivacyLevel,
}

/// Creates the relationship profile, with `creator` as its first member.
pub fn create_relationship(
    doc: &mut Document,
    id: RelationshipId,
    creator: UserId,
    input: &RelationshipInput,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    if doc.address().relationship() != Some(id) {
        return Err(DocumentError::Refused(
            "the relationship id does not match the document".into(),
        ));
    }
    let obj = record_obj_or_create(doc, Collection::Profile, "")?;
    let now = timestamp_text(now);
    put(doc, &obj, "user_1_id", creator.to_string())?;
    put(
        doc,
        &obj,
        "relationship_type",
        input.relationship_type.as_str(),
    )?;
    put_opt(
        doc,
        &obj,
        "start_date",
        input.start_date.map(|d| d.to_string()),
    )?;
    put_opt(
        doc,
        &obj,
        "anniversary_date",
        input.anniversary_date.map(|d| d.to_string()),
    )?;
    put(doc, &obj, "status", RelationshipStatus::Pending.as_str())?;
    put(doc, &obj, "privacy_level", input.privacy_level.as_str())?;
    put(doc, &obj, "created_at", now.as_str())?;
    put(doc, &obj, "updated_at", now.as_str())
}

/// A new activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInput {
    /// What it is.
    pub name: String,
    /// Its kind.
    pub activity_type: ActivityType,
    /// When it is planned.
    pub planned_date: Option<Timestamp>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// Cost in cents.
    pub cost_cents: Option<i64>,
}

/// Adds an activity planned by `by`.
pub fn add_activity(
    doc: &mut Document,
    id: RecordId,
    by: UserId,
    input: &ActivityInput,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = record_obj_or_create(doc, Collection::Activities, &id.to_string())?;
    put(doc, &obj, "name", input.name.as_str())?;
    put(doc, &obj, "type", input.activity_type.as_str())?;
    put_opt(
        doc,
        &obj,
        "planned_date",
        input.planned_date.map(timestamp_text),
    )?;
    put_opt(doc, &obj, "duration_minutes", input.duration_minutes)?;
    put_opt(doc, &obj, "cost_cents", input.cost_cents)?;
    let status = if input.planned_date.is_some() {
        ActivityStatus::Planned
    } else {
        ActivityStatus::Idea
    };
    put(doc, &obj, "status", status.as_str())?;
    put(doc, &obj, "created_by", by.to_string())?;
    put(doc, &obj, "created_at", timestamp_text(now))?;
    doc.inner_mut().put_object(&obj, "ratings", ObjType::Map)?;
    Ok(())
}

/// Marks an activity done at `when`.
pub fn complete_activity(doc: &mut Document, id: RecordId, when: Timestamp) -> Result<()> {
    let obj = existing_record(doc, Collection::Activities, &id.to_string())?;
    put(doc, &obj, "status", ActivityStatus::Completed.as_str())?;
    put(doc, &obj, "completed_date", timestamp_text(when))
}

/// Records `by`'s own rating of an activity, in their own field.
pub fn rate_activity(doc: &mut Document, id: RecordId, by: UserId, rating: Rating) -> Result<()> {
    let obj = existing_record(doc, Collection::Activities, &id.to_string())?;
    let ratings = match object(doc.inner(), &obj, "ratings") {
        Some(ratings) => ratings,
        None => doc.inner_mut().put_object(&obj, "ratings", ObjType::Map)?,
    };
    put(doc, &ratings, &by.to_string(), i64::from(rating.get()))
}

/// A new goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalInput {
    /// What the couple aims for.
    pub name: String,
    /// Its kind.
    pub goal_type: GoalType,
    /// Steps to reach it (≥ 1).
    pub target_count: i64,
    /// Start.
    pub start_date: Option<Date>,
    /// Deadline.
    pub target_date: Option<Date>,
}

/// Adds a goal with its progress counter at zero.
pub fn add_goal(doc: &mut Document, id: RecordId, input: &GoalInput, now: Timestamp) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = record_obj_or_create(doc, Collection::Goals, &id.to_string())?;
    put(doc, &obj, "name", input.name.as_str())?;
    put(doc, &obj, "type", input.goal_type.as_str())?;
    put(doc, &obj, "target_count", input.target_count)?;
    put(doc, &obj, "progress", ScalarValue::counter(0))?;
    put(doc, &obj, "status", GoalStatus::Active.as_str())?;
    put_opt(
        doc,
        &obj,
        "start_date",
        input.start_date.map(|d| d.to_string()),
    )?;
    put_opt(
        doc,
        &obj,
        "target_date",
        input.target_date.map(|d| d.to_string()),
    )?;
    put(doc, &obj, "created_at", timestamp_text(now))
}

/// Adds `by` steps to a goal's counter; concurrent increments from both partners add up.
pub fn progress_goal(doc: &mut Document, id: RecordId, by: i64) -> Result<()> {
    let obj = existing_record(doc, Collection::Goals, &id.to_string())?;
    doc.inner_mut().increment(&obj, "progress", by)?;
    Ok(())
}

/// A new important date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateInput {
    /// The day.
    pub date: Date,
    /// What it is.
    pub name: String,
    /// Its kind.
    pub event_type: DateEventType,
    /// Comes back every year.
    pub recurring: bool,
    /// Remind this many days before (0–365).
    pub reminder_days_before: Option<i64>,
}

/// Adds an important date.
pub fn add_date(doc: &mut Document, id: RecordId, input: &DateInput) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = record_obj_or_create(doc, Collection::Dates, &id.to_string())?;
    put(doc, &obj, "date", input.date.to_string())?;
    put(doc, &obj, "name", input.name.as_str())?;
    put(doc, &obj, "type", input.event_type.as_str())?;
    put(doc, &obj, "recurring", input.recurring)?;
    put_opt(
        doc,
        &obj,
        "reminder_days_before",
        input.reminder_days_before,
    )
}

/// A daily check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinInput {
    /// The person's local day.
    pub date: Date,
    /// Connection.
    pub connection: Score,
    /// Mood.
    pub mood: Score,
    /// Satisfaction.
    pub satisfaction: Score,
    /// Gratitude note.
    pub note: Option<String>,
}

/// The id of `user`'s check-in on `date`: derived, so a second check-in that day (on any of their
/// devices, even offline) edits the same record instead of making a duplicate.
pub fn checkin_id(relationship: RelationshipId, user: UserId, date: Date) -> RecordId {
    RecordId::from_uuid(derived(&[
        "checkin",
        &relationship.to_string(),
        &user.to_string(),
        &date.to_string(),
    ]))
}

/// Saves `user`'s check-in for the day; returns its id.
pub fn put_checkin(
    doc: &mut Document,
    user: UserId,
    input: &CheckinInput,
    now: Timestamp,
) -> Result<RecordId> {
    expect_kind(doc, DocKind::Series)?;
    let relationship = doc
        .address()
        .relationship()
        .ok_or_else(|| DocumentError::Refused("no relationship".into()))?;
    if let super::DocAddress::Series(_, year) = doc.address()
        && *year != input.date.year()
    {
        return Err(DocumentError::Refused(format!(
            "a check-in for {} belongs in the {} document, not {year}",
            input.date,
            input.date.year()
        )));
    }
    let id = checkin_id(relationship, user, input.date);
    super::batch::write_record(
        doc,
        Collection::Checkins,
        &id.to_string(),
        vec![
            ("user_id", Some(user.to_string().into())),
            ("date", Some(input.date.to_string().into())),
            ("connection", Some(i64::from(input.connection.get()).into())),
            ("mood", Some(i64::from(input.mood.get()).into())),
            (
                "satisfaction",
                Some(i64::from(input.satisfaction.get()).into()),
            ),
            ("note", input.note.as_deref().map(ScalarValue::from)),
            ("deleted", Some(false.into())),
        ],
        vec![("created_at", Some(timestamp_text(now).into()))],
    )?;
    Ok(id)
}

/// A talk-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogInput {
    /// Kind of conversation.
    pub communication_type: CommunicationType,
    /// Topic.
    pub topic: Option<String>,
    /// Outcome.
    pub outcome: Option<CommunicationOutcome>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// When it happened.
    pub when: Timestamp,
    /// Needs another talk.
    pub follow_up_needed: bool,
}

/// Adds a talk-log entry started by `by`.
pub fn add_log(doc: &mut Document, id: RecordId, by: UserId, input: &LogInput) -> Result<()> {
    expect_kind(doc, DocKind::Series)?;
    super::batch::write_record(
        doc,
        Collection::Log,
        &id.to_string(),
        vec![
            ("type", Some(input.communication_type.as_str().into())),
            ("topic", input.topic.as_deref().map(ScalarValue::from)),
            ("outcome", input.outcome.map(|o| o.as_str().into())),
            (
                "duration_minutes",
                input.duration_minutes.map(ScalarValue::from),
            ),
            ("initiated_by", Some(by.to_string().into())),
            ("date", Some(timestamp_text(input.when).into())),
            ("follow_up", Some(input.follow_up_needed.into())),
        ],
        Vec::new(),
    )?;
    Ok(())
}

/// Deletes a record by tombstone: it stays in the document (so a concurrent edit cannot resurrect a
/// half record) and the projection drops its row.
pub fn delete_record(doc: &mut Document, c: Collection, key: &str) -> Result<()> {
    let obj = existing_record(doc, c, key)?;
    put(doc, &obj, "deleted", true)
}

/// Adds `user` as the relationship's second partner and activates it. Refused when two other people
/// are already its partners; joining again is harmless.
pub fn join_relationship(doc: &mut Document, user: UserId, now: Timestamp) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let profile = super::RelationshipProfile::read(doc).ok_or_else(|| {
        DocumentError::Refused("this relationship has not been created yet".into())
    })?;
    let me = user.to_string();
    if profile.user_1_id == me || profile.user_2_id.as_deref() == Some(me.as_str()) {
        return Ok(());
    }
    if profile.user_2_id.is_some() {
        return Err(DocumentError::Refused(
            "this relationship already has two partners".into(),
        ));
    }
    let obj = collection_obj(doc, Collection::Profile)?;
    doc.touch(Collection::Profile, "");
    put(doc, &obj, "user_2_id", me)?;
    put(doc, &obj, "status", RelationshipStatus::Active.as_str())?;
    put(doc, &obj, "updated_at", timestamp_text(now))
}

/// Starts a challenge from the catalogue.
pub fn join_challenge(
    doc: &mut Document,
    id: RecordId,
    challenge_id: &str,
    start: Date,
    target_end: Date,
) -> Result<()> {
    expect_kind(doc, DocKind::Relationship)?;
    let obj = record_obj_or_create(doc, Collection::Challenges, &id.to_string())?;
    put(doc, &obj, "challenge_id", challenge_id)?;
    put(doc, &obj, "start_date", start.to_string())?;
    put(doc, &obj, "target_end_date", target_end.to_string())?;
    put(doc, &obj, "status", "active")
}

/// A day's entry in a challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInput {
    /// The participation it belongs to.
    pub participation_id: RecordId,
    /// The day.
    pub date: Date,
    /// What they did or noticed.
    pub content: Option<String>,
    /// Whether the day's task is done.
    pub completed: bool,
}

/// Adds `by`'s entry in a challenge.
pub fn add_challenge_entry(
    doc: &mut Document,
    id: RecordId,
    by: UserId,
    input: &EntryInput,
) -> Result<()> {
    expect_kind(doc, DocKind::Series)?;
    let obj = record_obj_or_create(doc, Collection::Entries, &id.to_string())?;
    put(
        doc,
        &obj,
        "participation_id",
        input.participation_id.to_string(),
    )?;
    put(doc, &obj, "user_id", by.to_string())?;
    put(doc, &obj, "date", input.date.to_string())?;
    put_opt(doc, &obj, "content", input.content.as_deref())?;
    put(doc, &obj, "completed", input.completed)
}

/// Records an achievement as earned, unless the couple already has it: it is keyed by the
/// achievement's id, so two devices awarding it offline still make one. Returns whether it is new.
pub fn award_achievement(
    doc: &mut Document,
    achievement_id: &str,
    by: UserId,
    when: Timestamp,
) -> Result<bool> {
    expect_kind(doc, DocKind::Relationship)?;
    let parent = collection_obj(doc, Collection::Achievements)?;
    if object(doc.inner(), &parent, achievement_id).is_some() {
        return Ok(false);
    }
    doc.touch(Collection::Achievements, achievement_id);
    let obj = doc
        .inner_mut()
        .put_object(&parent, achievement_id, ObjType::Map)?;
    put(doc, &obj, "earned_by", by.to_string())?;
    put(doc, &obj, "earned_date", timestamp_text(when))?;
    Ok(true)
}

/// A notification for one partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationInput {
    /// Who it is for.
    pub recipient: UserId,
    /// `partner_checkin`, `activity_planned`, ... (the `notifications.notification_type` values).
    pub notification_type: &'static str,
    /// Title.
    pub title: String,
    /// Body.
    pub message: String,
    /// `low`, `normal`, `high`.
    pub priority: &'static str,
    /// What it is about, so acting on that settles it: the activity's id for `activity_planned`
    /// and `activity_rated`, the partner's check-in day (`YYYY-MM-DD`) for `partner_checkin`.
    pub subject: Option<String>,
}

/// Adds a notification under `key` (a record id, or a derived id for reminders so two devices
/// raising the same reminder make one).
pub fn add_notification(
    doc: &mut Document,
    key: &str,
    input: &NotificationInput,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::Series)?;
    let parent = collection_obj(doc, Collection::Notifications)?;
    if object(doc.inner(), &parent, key).is_some() {
        return Ok(());
    }
    super::batch::write_record(
        doc,
        Collection::Notifications,
        key,
        vec![
            ("user_id", Some(input.recipient.to_string().into())),
            ("type", Some(input.notification_type.into())),
            ("title", Some(input.title.as_str().into())),
            ("message", Some(input.message.as_str().into())),
            ("priority", Some(input.priority.into())),
            ("created_at", Some(timestamp_text(now).into())),
            ("subject", input.subject.as_deref().map(ScalarValue::from)),
            ("read", Some(false.into())),
        ],
        Vec::new(),
    )?;
    Ok(())
}

/// Marks a notification read.
pub fn mark_notification_read(doc: &mut Document, key: &str) -> Result<()> {
    let obj = existing_record(doc, Collection::Notifications, key)?;
    put(doc, &obj, "read", true)
}

/// Adds one of the owner's private notes (user document only: never shared with the partner).
pub fn add_private_note(
    doc: &mut Document,
    id: RecordId,
    text: &str,
    now: Timestamp,
) -> Result<()> {
    expect_kind(doc, DocKind::User)?;
    super::batch::write_record(
        doc,
        Collection::Notes,
        &id.to_string(),
        vec![
            ("text", Some(text.into())),
            ("created_at", Some(timestamp_text(now).into())),
        ],
        Vec::new(),
    )?;
    Ok(())
}

/// Sets whether the owner shares anonymous usage analytics (off unless they say so).
pub fn set_analytics_opt_in(doc: &mut Document, opt_in: bool, now: Timestamp) -> Result<()> {
    expect_kind(doc, DocKind::User)?;
    let obj = collection_obj(doc, Collection::Settings)?;
    doc.touch(Collection::Settings, "");
    put(doc, &obj, "analytics_opt_in", opt_in)?;
    put(doc, &obj, "updated_at", timestamp_text(now))
}
