//! The projection: documents → the spec's SQLite tables. After every local change and every merge,
//! exactly the records the change touched are re-read from their document and written (or, for
//! tombstones, deleted) in the same transaction that stores the change.
//!
//! Everything here is a pure function of document state, so every replica with the same documents
//! has the same rows, and `rebuild` (project every record) equals the incrementally maintained
//! tables.

use std::collections::BTreeSet;

use rusqlite::{Connection, params};
use together_core::document::{
    Activity, ChallengeEntry, ChallengeParticipation, Checkin, Collection, Document,
    EarnedAchievement, Goal, ImportantDate, LogEntry, Notification, PersonProfile, RecordRef,
    RelationshipProfile, record_keys,
};

use crate::error::Result;

mod questions;
mod quizzes;

/// The spec tables the projection owns, children first (the order in which to empty them).
pub(crate) const PROJECTED_TABLES: &[&str] = &[
    "quiz_answers",
    "question_answers",
    "question_settings",
    "challenge_entries",
    "challenge_participation",
    "user_achievements",
    "notifications",
    "daily_checkins",
    "communication_log",
    "activities",
    "shared_goals",
    "important_dates",
    "relationships",
    "users",
];

/// Writes the rows of `records` (all from `doc`) into the tables.
pub(crate) fn project(
    conn: &Connection,
    doc: &Document,
    records: &BTreeSet<RecordRef>,
) -> Result<()> {
    let relationship_id = doc.address().relationship().map(|r| r.to_string());
    let mut reproject_activities = false;
    for record in records {
        let key = record.key.as_str();
        match record.collection {
            Collection::Profile => {
                if let Some(profile) = RelationshipProfile::read(doc) {
                    let id = relationship_id.as_deref().unwrap_or_default();
                    upsert_relationship(conn, id, &profile)?;
                    questions::project_packs(conn, id, doc)?;
                    // The partner slots decide which rating column is whose.
                    reproject_activities = true;
                }
            }
            Collection::Members => {
                if let Some(member) = PersonProfile::read_member(doc, key) {
                    upsert_user(conn, &member)?;
                }
            }
            Collection::UserProfile => {
                if let Some(own) = PersonProfile::read_own(doc) {
                    // A person in a relationship is projected from their shared member entry, which
                    // their partner's device holds too; the user document only fills in until then.
                    if !is_member_somewhere(conn, &own.user_id)? {
                        upsert_user(conn, &own)?;
                    }
                }
            }
            Collection::Activities if !reproject_activities => project_activity(conn, doc, key)?,
            Collection::Goals => project_goal(conn, doc, key)?,
            Collection::Dates => project_date(conn, doc, key)?,
            Collection::Checkins => project_checkin(conn, doc, key)?,
            Collection::Log => project_log(conn, doc, key)?,
            Collection::Challenges => project_participation(conn, doc, key)?,
            Collection::Entries => project_entry(conn, doc, key)?,
            Collection::Achievements => project_achievement(conn, doc, key)?,
            Collection::Notifications => project_notification(conn, doc, key)?,
            Collection::Questions => questions::project_question(conn, doc, key)?,
            Collection::Quizzes => quizzes::project_quiz(conn, doc, key)?,
            // Device-local or private, never projected into shared tables.
            Collection::Settings | Collection::Notes | Collection::Private => {}
            Collection::Activities => {}
        }
    }
    if reproject_activities {
        for key in record_keys(doc, Collection::Activities) {
            project_activity(conn, doc, &key)?;
        }
    }
    Ok(())
}

fn is_member_somewhere(conn: &Connection, user_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM relationships WHERE user_1_id = ?1 OR user_2_id = ?1)",
        )?
        .query_row([user_id], |row| row.get(0))?)
}

fn delete_row(conn: &Connection, table: &str, id: &str) -> Result<()> {
    conn.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
        .execute([id])?;
    Ok(())
}

fn upsert_user(conn: &Connection, p: &PersonProfile) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO users (id, name, nickname, profile_photo_url, timezone, love_language_primary,
                            love_language_secondary, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, nickname = excluded.nickname,
            profile_photo_url = excluded.profile_photo_url, timezone = excluded.timezone,
            love_language_primary = excluded.love_language_primary,
            love_language_secondary = excluded.love_language_secondary,
            created_at = excluded.created_at, updated_at = excluded.updated_at",
    )?
    .execute(params![
        p.user_id,
        p.name,
        p.nickname,
        p.photo_url,
        p.timezone,
        p.love_language_primary,
        p.love_language_secondary,
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

fn upsert_relationship(conn: &Connection, id: &str, p: &RelationshipProfile) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO relationships (id, user_1_id, user_2_id, relationship_type, start_date,
                                    anniversary_date, status, privacy_level, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET
            user_1_id = excluded.user_1_id, user_2_id = excluded.user_2_id,
            relationship_type = excluded.relationship_type, start_date = excluded.start_date,
            anniversary_date = excluded.anniversary_date, status = excluded.status,
            privacy_level = excluded.privacy_level, created_at = excluded.created_at,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        id,
        p.user_1_id,
        p.user_2_id,
        p.relationship_type,
        p.start_date,
        p.anniversary_date,
        p.status,
        p.privacy_level,
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

fn project_activity(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(a) = Activity::read(doc, id).filter(|a| !a.deleted) else {
        return delete_row(conn, "activities", id);
    };
    let profile = RelationshipProfile::read(doc);
    let rating_of = |slot: Option<&str>| slot.and_then(|user| a.ratings.get(user).copied());
    let rating_1 = rating_of(profile.as_ref().map(|p| p.user_1_id.as_str()));
    let rating_2 = rating_of(profile.as_ref().and_then(|p| p.user_2_id.as_deref()));
    let cost = a.cost_cents.map(|cents| cents as f64 / 100.0);
    conn.prepare_cached(
        "INSERT INTO activities (id, relationship_id, activity_name, activity_type, planned_date,
                                 completed_date, duration_minutes, cost_amount,
                                 satisfaction_rating_user1, satisfaction_rating_user2, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET
            activity_name = excluded.activity_name, activity_type = excluded.activity_type,
            planned_date = excluded.planned_date, completed_date = excluded.completed_date,
            duration_minutes = excluded.duration_minutes, cost_amount = excluded.cost_amount,
            satisfaction_rating_user1 = excluded.satisfaction_rating_user1,
            satisfaction_rating_user2 = excluded.satisfaction_rating_user2,
            status = excluded.status",
    )?
    .execute(params![
        a.id,
        doc.address().relationship().map(|r| r.to_string()),
        a.name,
        a.activity_type,
        a.planned_date,
        a.completed_date,
        a.duration_minutes,
        cost,
        rating_1,
        rating_2,
        a.status
    ])?;
    Ok(())
}

fn project_goal(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(g) = Goal::read(doc, id).filter(|g| !g.deleted) else {
        return delete_row(conn, "shared_goals", id);
    };
    conn.prepare_cached(
        "INSERT INTO shared_goals (id, relationship_id, goal_name, goal_type, target_count,
                                   current_progress, status, start_date, target_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
            goal_name = excluded.goal_name, goal_type = excluded.goal_type,
            target_count = excluded.target_count, current_progress = excluded.current_progress,
            status = excluded.status, start_date = excluded.start_date,
            target_date = excluded.target_date",
    )?
    .execute(params![
        g.id,
        doc.address().relationship().map(|r| r.to_string()),
        g.name,
        g.goal_type,
        g.target_count,
        g.progress.max(0),
        g.effective_status(),
        g.start_date,
        g.target_date
    ])?;
    Ok(())
}

fn project_date(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(d) = ImportantDate::read(doc, id).filter(|d| !d.deleted) else {
        return delete_row(conn, "important_dates", id);
    };
    conn.prepare_cached(
        "INSERT INTO important_dates (id, relationship_id, date_value, event_name, event_type,
                                      is_recurring, reminder_days_before)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
            date_value = excluded.date_value, event_name = excluded.event_name,
            event_type = excluded.event_type, is_recurring = excluded.is_recurring,
            reminder_days_before = excluded.reminder_days_before",
    )?
    .execute(params![
        d.id,
        doc.address().relationship().map(|r| r.to_string()),
        d.date_value,
        d.event_name,
        d.event_type,
        d.is_recurring,
        d.reminder_days_before
    ])?;
    Ok(())
}

fn project_checkin(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(c) = Checkin::read(doc, id).filter(|c| !c.deleted) else {
        return delete_row(conn, "daily_checkins", id);
    };
    conn.prepare_cached(
        "INSERT INTO daily_checkins (id, relationship_id, user_id, checkin_date, connection_score,
                                     mood_score, relationship_satisfaction, gratitude_note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
            connection_score = excluded.connection_score, mood_score = excluded.mood_score,
            relationship_satisfaction = excluded.relationship_satisfaction,
            gratitude_note = excluded.gratitude_note, created_at = excluded.created_at",
    )?
    .execute(params![
        c.id,
        doc.address().relationship().map(|r| r.to_string()),
        c.user_id,
        c.date,
        c.connection,
        c.mood,
        c.satisfaction,
        c.note,
        c.created_at
    ])?;
    Ok(())
}

fn project_log(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(l) = LogEntry::read(doc, id).filter(|l| !l.deleted) else {
        return delete_row(conn, "communication_log", id);
    };
    conn.prepare_cached(
        "INSERT INTO communication_log (id, relationship_id, communication_type, topic, outcome,
                                        duration_minutes, initiated_by_user_id, communication_date,
                                        follow_up_needed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
            communication_type = excluded.communication_type, topic = excluded.topic,
            outcome = excluded.outcome, duration_minutes = excluded.duration_minutes,
            initiated_by_user_id = excluded.initiated_by_user_id,
            communication_date = excluded.communication_date,
            follow_up_needed = excluded.follow_up_needed",
    )?
    .execute(params![
        l.id,
        doc.address().relationship().map(|r| r.to_string()),
        l.communication_type,
        l.topic,
        l.outcome,
        l.duration_minutes,
        l.initiated_by,
        l.communication_date,
        l.follow_up_needed
    ])?;
    Ok(())
}

fn project_participation(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(p) = ChallengeParticipation::read(doc, id).filter(|p| !p.deleted) else {
        return delete_row(conn, "challenge_participation", id);
    };
    conn.prepare_cached(
        "INSERT INTO challenge_participation (id, relationship_id, challenge_id, start_date,
                                              target_end_date, status, progress_percentage)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
         ON CONFLICT (id) DO UPDATE SET
            challenge_id = excluded.challenge_id, start_date = excluded.start_date,
            target_end_date = excluded.target_end_date, status = excluded.status",
    )?
    .execute(params![
        p.id,
        doc.address().relationship().map(|r| r.to_string()),
        p.challenge_id,
        p.start_date,
        p.target_end_date,
        p.status
    ])?;
    update_challenge_progress(conn, id)
}

/// Progress is the share of the challenge's days that have a completed entry (by either partner);
/// at 100 an active challenge is completed. A one-time challenge ("Catch a sunrise") is done
/// once: its first completed entry completes it (its days are the window to do it in). Derived
/// from the projected entries, so it is the same whichever document arrived first.
fn update_challenge_progress(conn: &Connection, participation_id: &str) -> Result<()> {
    let row: Option<(String, String, String)> = conn
        .prepare_cached(
            "SELECT challenge_id, start_date, status FROM challenge_participation WHERE id = ?1",
        )?
        .query_row([participation_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .ok();
    let Some((challenge_id, _start, status)) = row else {
        return Ok(());
    };
    let template = together_core::catalog::challenge(&challenge_id);
    let days = template
        .filter(|c| !c.is_one_time())
        .map_or(1, |c| c.duration_days);
    let done: i64 = conn
        .prepare_cached(
            "SELECT count(DISTINCT entry_date) FROM challenge_entries
             WHERE participation_id = ?1 AND completion_status = 1",
        )?
        .query_row([participation_id], |row| row.get(0))?;
    let progress = (done * 100 / days.max(1)).min(100);
    let status = if progress >= 100 && status == "active" {
        "completed".to_owned()
    } else {
        status
    };
    conn.prepare_cached(
        "UPDATE challenge_participation SET progress_percentage = ?2, status = ?3 WHERE id = ?1",
    )?
    .execute(params![participation_id, progress, status])?;
    Ok(())
}

fn project_entry(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(e) = ChallengeEntry::read(doc, id).filter(|e| !e.deleted) else {
        return delete_row(conn, "challenge_entries", id);
    };
    conn.prepare_cached(
        "INSERT INTO challenge_entries (id, participation_id, user_id, entry_date, entry_content,
                                        completion_status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET
            entry_date = excluded.entry_date, entry_content = excluded.entry_content,
            completion_status = excluded.completion_status",
    )?
    .execute(params![
        e.id,
        e.participation_id,
        e.user_id,
        e.entry_date,
        e.content,
        e.completed
    ])?;
    update_challenge_progress(conn, &e.participation_id)
}

fn project_achievement(conn: &Connection, doc: &Document, achievement_id: &str) -> Result<()> {
    let relationship = doc
        .address()
        .relationship()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let id = together_core::ids::derived(&["user_achievement", &relationship, achievement_id])
        .to_string();
    let Some(a) = EarnedAchievement::read(doc, achievement_id) else {
        return delete_row(conn, "user_achievements", &id);
    };
    conn.prepare_cached(
        "INSERT INTO user_achievements (id, relationship_id, achievement_id, earned_by_user_id, earned_date)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET
            earned_by_user_id = excluded.earned_by_user_id, earned_date = excluded.earned_date",
    )?
    .execute(params![id, relationship, a.achievement_id, a.earned_by, a.earned_date])?;
    Ok(())
}

fn project_notification(conn: &Connection, doc: &Document, id: &str) -> Result<()> {
    let Some(n) = Notification::read(doc, id) else {
        return delete_row(conn, "notifications", id);
    };
    conn.prepare_cached(
        "INSERT INTO notifications (id, user_id, relationship_id, notification_type, title, message,
                                    is_read, priority, created_at, subject_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET
            is_read = excluded.is_read, title = excluded.title, message = excluded.message",
    )?
    .execute(params![
        n.id,
        n.user_id,
        doc.address().relationship().map(|r| r.to_string()),
        n.notification_type,
        n.title,
        n.message,
        n.read,
        n.priority,
        n.created_at,
        // A subject out of bounds (another writer's) is dropped, not the notification.
        n.subject.filter(|s| (1..=64).contains(&s.len()))
    ])?;
    Ok(())
}
