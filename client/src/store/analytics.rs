//! Derived tables: `relationship_analytics` (one row per relationship per day) and
//! `engagement_scores` (one row per person per day), computed by `together-core`'s rules from the
//! projected tables.
//!
//! They are computed on this device for the days it looks at (the day of each check-in it saves or
//! merges, and today when stats are asked for); row ids are derived from (relationship or person,
//! day), so a row for a given day is the same on every device that computed it from the same data.

use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};
use together_core::ids::derived;
use together_core::rules::{self, CheckinFact, RelationshipFacts, RelationshipSummary};

use crate::error::{Result, StoreError};

fn parse_day(text: &str) -> Result<Date> {
    text.get(..10)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| StoreError::Damaged(format!("unreadable date {text:?} in the database")))
}

/// The day after `day`, as stored text: the exclusive end of a day's range of stored times.
fn day_after(day: Date) -> String {
    day.tomorrow().unwrap_or(day).to_string()
}

/// A window longer than any relationship's history (about 110 years).
const WHOLE_HISTORY_DAYS: i64 = 40_000;

/// Computes the summary of `relationship` on `day` from the projected tables.
pub(crate) fn summarize(
    conn: &Connection,
    relationship: &str,
    day: Date,
) -> Result<Option<RelationshipSummary>> {
    let row: Option<(String, Option<String>, Option<String>, String)> = conn
        .prepare_cached(
            "SELECT user_1_id, user_2_id, start_date, created_at FROM relationships WHERE id = ?1",
        )?
        .query_row([relationship], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let Some((user_1, user_2, start_date, created_at)) = row else {
        return Ok(None);
    };
    let members: Vec<String> = std::iter::once(user_1).chain(user_2).collect();
    // Stored times start with their UTC date, so a range of text is a range of days (and the
    // (relationship, status) index applies).
    let activities_completed_this_month: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM activities WHERE relationship_id = ?1 AND status = 'completed'
               AND completed_date >= ?2 AND completed_date < ?3",
        )?
        .query_row(
            params![
                relationship,
                day.first_of_month().to_string(),
                day_after(day)
            ],
            |row| row.get(0),
        )?;
    let start_date = start_date.as_deref().map(parse_day).transpose()?;
    let created_date = parse_day(&created_at)?;
    // Averages need 30 days; the streak needs as many days as it is long. Load a window, and only
    // when the streak reaches its edge the whole history (one more query, not a series of
    // widening ones), so most saves never read a five-year history.
    let mut window_days = 64_i64;
    loop {
        let from = day
            .checked_sub(jiff::Span::new().days(window_days))
            .unwrap_or(Date::MIN);
        let checkins = checkins_between(conn, relationship, from, day)?;
        let summary = rules::summarize(&RelationshipFacts {
            date: day,
            members: &members,
            start_date,
            created_date,
            checkins: &checkins,
            activities_completed_this_month,
        });
        let streak_fits = summary.checkin_streak + 2 < window_days;
        let window_holds_everything =
            checkins.is_empty() || from == Date::MIN || window_days >= WHOLE_HISTORY_DAYS;
        if streak_fits || window_holds_everything {
            return Ok(Some(summary));
        }
        window_days = WHOLE_HISTORY_DAYS;
    }
}

fn checkins_between(
    conn: &Connection,
    relationship: &str,
    from: Date,
    to: Date,
) -> Result<Vec<CheckinFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, checkin_date, connection_score, relationship_satisfaction
         FROM daily_checkins
         WHERE relationship_id = ?1 AND checkin_date >= ?2 AND checkin_date <= ?3",
    )?;
    stmt.query_map(
        params![relationship, from.to_string(), to.to_string()],
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get(3)?,
            ))
        },
    )?
    .map(|row| {
        let (user_id, date, connection, satisfaction) = row?;
        Ok(CheckinFact {
            user_id,
            date: parse_day(&date)?,
            connection,
            satisfaction,
        })
    })
    .collect()
}

/// Recomputes and stores the `relationship_analytics` row of `relationship` on `day`.
pub(crate) fn refresh_relationship(
    conn: &Connection,
    relationship: &str,
    day: Date,
) -> Result<Option<RelationshipSummary>> {
    let Some(summary) = summarize(conn, relationship, day)? else {
        return Ok(None);
    };
    let id = derived(&["relationship_analytics", relationship, &day.to_string()]).to_string();
    conn.prepare_cached(
        "INSERT INTO relationship_analytics (id, relationship_id, analytics_date, days_together,
             average_connection_score, average_satisfaction_score, checkin_streak,
             activities_completed_this_month, overall_health_score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (relationship_id, analytics_date) DO UPDATE SET
            days_together = excluded.days_together,
            average_connection_score = excluded.average_connection_score,
            average_satisfaction_score = excluded.average_satisfaction_score,
            checkin_streak = excluded.checkin_streak,
            activities_completed_this_month = excluded.activities_completed_this_month,
            overall_health_score = excluded.overall_health_score",
    )?
    .execute(params![
        id,
        relationship,
        day.to_string(),
        summary.days_together,
        summary.average_connection_30,
        summary.average_satisfaction_30,
        summary.checkin_streak,
        summary.activities_completed_this_month,
        summary.overall_health_score
    ])?;
    Ok(Some(summary))
}

/// Recomputes and stores `user`'s `engagement_scores` row on `day` (their local day).
pub(crate) fn refresh_engagement(
    conn: &Connection,
    user: &str,
    relationship: Option<&str>,
    day: Date,
) -> Result<i64> {
    let day_text = day.to_string();
    let next_day = day_after(day);
    // Check-ins are unique by (relationship, person, day): naming the relationship makes this a
    // lookup in that index rather than a scan of it.
    let checked_in: bool = match relationship {
        Some(relationship) => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM daily_checkins
                                WHERE relationship_id = ?1 AND user_id = ?2 AND checkin_date = ?3)",
            )?
            .query_row(params![relationship, user, day_text], |row| row.get(0))?,
        None => false,
    };
    // Day ranges over stored times (which start with their UTC date), so the indexes apply.
    let activities_logged: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM activities
             WHERE relationship_id = ?1 AND completed_date >= ?2 AND completed_date < ?3",
        )?
        .query_row(params![relationship, day_text, next_day], |row| row.get(0))?;
    let talks: bool = match relationship {
        Some(relationship) => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM communication_log
                                WHERE relationship_id = ?1 AND communication_date >= ?2
                                  AND communication_date < ?3 AND initiated_by_user_id = ?4)",
            )?
            .query_row(params![relationship, day_text, next_day, user], |row| {
                row.get(0)
            })?,
        None => false,
    };
    let features_used = i64::from(checked_in) + i64::from(activities_logged > 0) + i64::from(talks);
    let score = rules::engagement_score(checked_in, activities_logged, features_used);
    let id = derived(&["engagement", user, &day_text]).to_string();
    conn.prepare_cached(
        "INSERT INTO engagement_scores (id, user_id, relationship_id, score_date, engagement_score,
                                        checkin_completed, activities_logged, features_used)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (user_id, score_date) DO UPDATE SET
            relationship_id = excluded.relationship_id, engagement_score = excluded.engagement_score,
            checkin_completed = excluded.checkin_completed,
            activities_logged = excluded.activities_logged, features_used = excluded.features_used",
    )?
    .execute(params![id, user, relationship, day_text, score, checked_in, activities_logged, features_used])?;
    Ok(score)
}
