//! What follows an action for the couple: notifications addressed to the partner, and achievements
//! awarded once per couple (keyed by achievement id in the relationship document, so two devices
//! awarding the same one offline still make one).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use together_core::catalog::{ACHIEVEMENTS, Criterion};
use together_core::document::{self as doc, DocAddress, NotificationInput};
use together_core::ids::{RecordId, RelationshipId, UserId};

use crate::store::Result;
use crate::write::WriteTx;

/// The other member of `relationship`, once they have joined.
pub(crate) fn partner_of(
    conn: &Connection,
    relationship: RelationshipId,
    me: UserId,
) -> Result<Option<UserId>> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT user_1_id, user_2_id FROM relationships WHERE id = ?1")?
        .query_row([relationship.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let me = me.to_string();
    Ok(row
        .and_then(|(one, two)| if one == me { two } else { Some(one) })
        .filter(|other| *other != me)
        .and_then(|other| other.parse().ok()))
}

pub(crate) fn display_name(conn: &Connection, user: UserId) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |row| row.get(0))
        .optional()?
        .unwrap_or_else(|| "Your partner".to_owned()))
}

/// The notification telling the partner (if there is one yet) about what the local person just
/// did, with its key; `None` before the partner joins.
pub(crate) fn partner_notification(
    tx: &WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    notification_type: &'static str,
    what: impl FnOnce(&str) -> (String, String),
) -> Result<Option<(String, NotificationInput)>> {
    let Some(partner) = partner_of(tx.conn, relationship, me)? else {
        return Ok(None);
    };
    let (title, message) = what(&display_name(tx.conn, me)?);
    let key = RecordId::generate(tx.now, &mut rand::rng()).to_string();
    Ok(Some((
        key,
        NotificationInput {
            recipient: partner,
            notification_type,
            title,
            message,
            priority: "normal",
        },
    )))
}

/// Tells the partner (if there is one yet) about what the local person just did, in this year's
/// series document.
pub(crate) fn notify_partner(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    notification_type: &'static str,
    what: impl FnOnce(&str) -> (String, String),
) -> Result<()> {
    let Some((key, input)) = partner_notification(tx, relationship, me, notification_type, what)?
    else {
        return Ok(());
    };
    let now = tx.now;
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).date().year();
    tx.change(DocAddress::Series(relationship, year), |d| {
        doc::add_notification(d, &key, &input, now)
    })
}

fn count(conn: &Connection, sql: &str, relationship: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([relationship], |row| row.get(0))?)
}

/// Whether `criterion` holds for the relationship in the projected tables.
fn satisfied(
    conn: &Connection,
    relationship: &str,
    criterion: Criterion,
    streak: i64,
) -> Result<bool> {
    Ok(match criterion {
        Criterion::Checkins(n) => {
            count(
                conn,
                "SELECT count(*) FROM daily_checkins WHERE relationship_id = ?1",
                relationship,
            )? >= n
        }
        Criterion::Streak(n) => streak >= n,
        Criterion::ActivitiesCompleted(n) => {
            count(
                conn,
                "SELECT count(*) FROM activities WHERE relationship_id = ?1 AND status = 'completed'",
                relationship,
            )? >= n
        }
        Criterion::GoalsCompleted(n) => {
            count(
                conn,
                "SELECT count(*) FROM shared_goals WHERE relationship_id = ?1 AND status = 'completed'",
                relationship,
            )? >= n
        }
        Criterion::Conversations(n) => {
            count(
                conn,
                "SELECT count(*) FROM communication_log WHERE relationship_id = ?1",
                relationship,
            )? >= n
        }
        Criterion::ImportantDates(n) => {
            count(
                conn,
                "SELECT count(*) FROM important_dates WHERE relationship_id = ?1",
                relationship,
            )? >= n
        }
        Criterion::ChallengesCompleted(n) => {
            count(
                conn,
                "SELECT count(*) FROM challenge_participation WHERE relationship_id = ?1 AND status = 'completed'",
                relationship,
            )? >= n
        }
        Criterion::Paired => {
            count(
                conn,
                "SELECT count(*) FROM relationships WHERE id = ?1 AND user_2_id IS NOT NULL",
                relationship,
            )? > 0
        }
    })
}

/// Awards every achievement the couple now qualifies for and does not have yet; returns their
/// names. `streak` is the couple's current check-in streak.
pub(crate) fn award_achievements(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    streak: i64,
) -> Result<Vec<&'static str>> {
    let rel = relationship.to_string();
    let earned: std::collections::HashSet<String> = tx
        .conn
        .prepare_cached("SELECT achievement_id FROM user_achievements WHERE relationship_id = ?1")?
        .query_map([&rel], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut new = Vec::new();
    for achievement in ACHIEVEMENTS {
        let id = achievement.id();
        if earned.contains(&id) || !satisfied(tx.conn, &rel, achievement.criterion, streak)? {
            continue;
        }
        let now: Timestamp = tx.now;
        tx.change(DocAddress::Relationship(relationship), |d| {
            doc::award_achievement(d, &id, me, now)
        })?;
        new.push(achievement.name);
    }
    Ok(new)
}
