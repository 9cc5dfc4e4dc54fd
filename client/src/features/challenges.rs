//! Challenges to take on together (the built-in catalogue, the couple's participations and their
//! daily entries) and achievements, awarded once per couple: keyed by achievement id in the
//! relationship document, so two devices awarding the same one offline still make one.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::Connection;
use together_core::catalog::{ACHIEVEMENTS, Criterion};
use together_core::document::{self as doc, DocAddress, EntryInput};
use together_core::domain::optional_text;
use together_core::ids::{RecordId, RelationshipId, UserId};
use together_core::view::{AchievementView, ChallengeView, ParticipationView};

use super::record_id;
use crate::error::{FormError, Result, StoreError};
use crate::profile::{local_day, require_user};
use crate::relationship::require_relationship;
use crate::store::write::WriteTx;
use crate::store::{Store, analytics, rows};

// Reads.

impl Store {
    /// The challenge catalogue.
    pub fn challenges(&self) -> Result<Vec<ChallengeView>> {
        rows(
            self.conn(),
            "SELECT id, challenge_name, challenge_type, difficulty_level, category, instructions
             FROM challenges ORDER BY category, challenge_name",
            [],
            |row| {
                Ok(ChallengeView {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    challenge_type: row.get(2)?,
                    difficulty_level: row.get(3)?,
                    category: row.get(4)?,
                    instructions: row.get(5)?,
                })
            },
        )
    }

    /// The challenges the couple joined, newest first, with the days marked done.
    pub fn participations(&self) -> Result<Vec<ParticipationView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        rows(
            self.conn(),
            "SELECT p.id, p.challenge_id, c.challenge_name, p.start_date, p.target_end_date,
                    p.status,
                    (SELECT count(DISTINCT e.entry_date) FROM challenge_entries e
                     WHERE e.participation_id = p.id AND e.completion_status = 1)
             FROM challenge_participation p JOIN challenges c ON c.id = p.challenge_id
             WHERE p.relationship_id = ?1 ORDER BY p.start_date DESC, p.id",
            [relationship.to_string()],
            |row| {
                Ok(ParticipationView {
                    id: row.get(0)?,
                    challenge_id: row.get(1)?,
                    name: row.get(2)?,
                    start_date: row.get(3)?,
                    target_end_date: row.get(4)?,
                    status: row.get(5)?,
                    days_done: row.get(6)?,
                })
            },
        )
    }

    /// Every active achievement, with when the current relationship earned it.
    pub fn achievements(&self) -> Result<Vec<AchievementView>> {
        let relationship = self.current_relationship()?.map(|r| r.to_string());
        rows(
            self.conn(),
            "SELECT a.id, a.achievement_name, a.point_value, ua.earned_date
             FROM achievements a
             LEFT JOIN user_achievements ua ON ua.achievement_id = a.id AND ua.relationship_id = ?1
             WHERE a.is_active = 1 ORDER BY ua.earned_date IS NULL, ua.earned_date, a.point_value",
            [relationship],
            |row| {
                Ok(AchievementView {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    points: row.get(2)?,
                    earned_date: row.get(3)?,
                })
            },
        )
    }
}

// Forms.

/// The person's entry for a day of a challenge the couple is doing: what they did or noticed
/// (optional, up to 4,000 characters), and whether the day's task is done.
pub fn entry(
    participation_id: &str,
    date: Date,
    content: &str,
    completed: bool,
) -> Result<EntryInput, FormError> {
    Ok(EntryInput {
        participation_id: record_id(participation_id)?,
        date,
        content: optional_text("entry", content, 4000)?,
        completed,
    })
}

// Actions.

impl Store {
    /// Starts a catalogue challenge today; returns the participation id.
    pub fn join_challenge(&mut self, challenge_id: &str, now: Timestamp) -> Result<RecordId> {
        let challenge = together_core::catalog::challenge(challenge_id).ok_or_else(|| {
            StoreError::NotFound {
                what: "challenge",
                id: challenge_id.to_owned(),
            }
        })?;
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let start = local_day(tx.conn, Some(user), tx.now)?;
            let end = start
                .checked_add(jiff::Span::new().days(challenge.duration_days - 1))
                .map_err(|e| StoreError::Missing(e.to_string()))?;
            let id = RecordId::generate(now, &mut rand::rng());
            let challenge_id = challenge.id();
            tx.change(DocAddress::Relationship(relationship), |d| {
                doc::join_challenge(d, id, &challenge_id, start, end)
            })?;
            crate::inbox::notify_partner(tx, relationship, user, "challenge_update", |name| {
                (
                    format!("{name} started “{}”", challenge.name),
                    challenge.instructions.to_owned(),
                )
            })?;
            crate::usage::record(
                tx,
                user,
                Some(relationship),
                crate::usage::UsageEvent::ChallengeJoined,
                crate::usage::EventData::default(),
            )?;
            Ok(id)
        })
    }

    /// Adds the local person's entry in a challenge the couple is doing; returns its id.
    pub fn add_challenge_entry(&mut self, input: &EntryInput, now: Timestamp) -> Result<RecordId> {
        self.write_local(now, |tx| {
            let user = require_user(tx)?;
            let relationship = require_relationship(tx)?;
            let known: bool = tx
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM challenge_participation WHERE id = ?1 AND relationship_id = ?2)",
                    [input.participation_id.to_string(), relationship.to_string()],
                    |row| row.get(0),
                )?;
            if !known {
                return Err(StoreError::NotFound {
                    what: "challenge participation",
                    id: input.participation_id.to_string(),
                });
            }
            let id = RecordId::generate(now, &mut rand::rng());
            tx.change(DocAddress::Series(relationship, input.date.year()), |d| {
                doc::add_challenge_entry(d, id, user, input)
            })?;
            settle(tx, relationship, user)?;
            Ok(id)
        })
    }
}

impl Store {
    /// After merging the partner's changes (a sync, a `doc import`): what the couple earned
    /// through them is awarded, and the goals they reached are announced to the local person, on
    /// this device too. Nothing without a current relationship.
    pub(crate) fn settle_merged(&mut self, now: Timestamp) -> Result<()> {
        self.write_local(now, |tx| {
            let Some((user, relationship)) = crate::relationship::local_couple(tx)? else {
                return Ok(());
            };
            settle(tx, relationship, user)
        })
    }
}

/// After any change to a relationship: award what the couple has earned, judging the streak on
/// the local person's today, and announce the goals they reached.
pub(crate) fn settle(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    user: UserId,
) -> Result<()> {
    crate::goals::announce_reached(tx, relationship, user)?;
    let today = local_day(tx.conn, Some(user), tx.now)?;
    let summary = analytics::summarize(tx.conn, &relationship.to_string(), today)?;
    let standing = Standing {
        streak: summary.as_ref().map_or(0, |s| s.checkin_streak),
        days_together: summary.as_ref().map_or(0, |s| s.days_together),
    };
    award_achievements(tx, relationship, user, standing)?;
    Ok(())
}

fn count(conn: &Connection, sql: &str, relationship: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([relationship], |row| row.get(0))?)
}

/// What the couple's summary on the local person's today says, for the criteria the projected
/// tables do not hold.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Standing {
    /// The check-in streak.
    pub(crate) streak: i64,
    /// Days since they got together.
    pub(crate) days_together: i64,
}

/// Whether `criterion` holds for the relationship in the projected tables.
fn satisfied(
    conn: &Connection,
    relationship: &str,
    criterion: Criterion,
    standing: Standing,
) -> Result<bool> {
    Ok(match criterion {
        Criterion::Checkins(n) => {
            count(
                conn,
                "SELECT count(*) FROM daily_checkins WHERE relationship_id = ?1",
                relationship,
            )? >= n
        }
        Criterion::Streak(n) => standing.streak >= n,
        Criterion::DaysTogether(n) => standing.days_together >= n,
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
/// names.
pub(crate) fn award_achievements(
    tx: &mut WriteTx<'_>,
    relationship: RelationshipId,
    me: UserId,
    standing: Standing,
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
        if earned.contains(&id) || !satisfied(tx.conn, &rel, achievement.criterion, standing)? {
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

// Screen operations.

/// The Challenges screen's "Start": the challenge joined today, and the couple's challenges.
pub fn join(
    store: &mut Store,
    challenge_id: &str,
    now: Timestamp,
) -> Result<Vec<ParticipationView>> {
    store.join_challenge(&record_id(challenge_id)?.to_string(), now)?;
    store.participations()
}

/// The Challenges screen's "Done today": the person's entry for today, and the couple's
/// challenges.
pub fn done_today(
    store: &mut Store,
    participation_id: &str,
    now: Timestamp,
) -> Result<Vec<ParticipationView>> {
    let input = entry(participation_id, store.local_today(now)?, "", true)?;
    store.add_challenge_entry(&input, now)?;
    store.participations()
}
