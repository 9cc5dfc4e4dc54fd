//! The read API the UI and the CLI share. Rules about what a person may see are enforced here, so
//! no screen or command can show more: a partner's check-in for a day is revealed only once the
//! person has checked in that day too.

use rusqlite::{Connection, Row};
use together_core::ids::RelationshipId;

use crate::store::{Result, Store};

pub use together_core::view::{
    AchievementView, ActivityView, ChallengeView, CheckinView, GoalView, NotificationView,
};

fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, map)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    /// The check-ins of the current relationship the local person may see, newest day first: all of
    /// their own, and their partner's on the days they checked in too.
    pub fn visible_checkins(&self) -> Result<Vec<CheckinView>> {
        match self.current_relationship()? {
            Some(relationship) => self.visible_checkins_of(relationship),
            None => Ok(Vec::new()),
        }
    }

    /// Like [`Store::visible_checkins`], for any relationship the local person is or was in (an
    /// ended one stays readable).
    pub fn visible_checkins_of(&self, relationship: RelationshipId) -> Result<Vec<CheckinView>> {
        let Some(me) = self.local_user()? else {
            return Ok(Vec::new());
        };
        let me = me.to_string();
        collect(
            self.conn(),
            "SELECT c.id, c.user_id, c.checkin_date, c.connection_score, c.mood_score,
                    c.relationship_satisfaction, c.gratitude_note
             FROM daily_checkins c
             WHERE c.relationship_id = ?1
               AND (c.user_id = ?2 OR EXISTS (
                    SELECT 1 FROM daily_checkins mine
                    WHERE mine.relationship_id = c.relationship_id AND mine.user_id = ?2
                      AND mine.checkin_date = c.checkin_date))
             ORDER BY c.checkin_date DESC, c.user_id",
            (relationship.to_string(), &me),
            |row| {
                let user_id: String = row.get(1)?;
                Ok(CheckinView {
                    id: row.get(0)?,
                    mine: user_id == me,
                    user_id,
                    date: row.get(2)?,
                    connection_score: row.get(3)?,
                    mood_score: row.get(4)?,
                    relationship_satisfaction: row.get(5)?,
                    gratitude_note: row.get(6)?,
                })
            },
        )
    }

    /// The current relationship's goals, oldest first.
    pub fn goals(&self) -> Result<Vec<GoalView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        collect(
            self.conn(),
            "SELECT id, goal_name, goal_type, target_count, current_progress, status
             FROM shared_goals WHERE relationship_id = ?1 ORDER BY id",
            [relationship.to_string()],
            |row| {
                Ok(GoalView {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    goal_type: row.get(2)?,
                    target_count: row.get(3)?,
                    current_progress: row.get(4)?,
                    status: row.get(5)?,
                })
            },
        )
    }

    /// The current relationship's activities, oldest first.
    pub fn activities(&self) -> Result<Vec<ActivityView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let me = self.local_user()?.map(|u| u.to_string());
        let i_am_second: bool = self
            .conn()
            .query_row(
                "SELECT user_2_id IS NOT NULL AND user_2_id = ?2 FROM relationships WHERE id = ?1",
                (relationship.to_string(), &me),
                |row| row.get(0),
            )
            .unwrap_or(false);
        collect(
            self.conn(),
            "SELECT id, activity_name, activity_type, status, planned_date, completed_date,
                    satisfaction_rating_user1, satisfaction_rating_user2
             FROM activities WHERE relationship_id = ?1 ORDER BY id",
            [relationship.to_string()],
            |row| {
                let (one, two): (Option<i64>, Option<i64>) = (row.get(6)?, row.get(7)?);
                let (mine, theirs) = if i_am_second { (two, one) } else { (one, two) };
                Ok(ActivityView {
                    my_rating: mine,
                    partner_rating: theirs,
                    id: row.get(0)?,
                    name: row.get(1)?,
                    activity_type: row.get(2)?,
                    status: row.get(3)?,
                    planned_date: row.get(4)?,
                    completed_date: row.get(5)?,
                    rating_user1: row.get(6)?,
                    rating_user2: row.get(7)?,
                })
            },
        )
    }

    /// The challenge catalogue.
    pub fn challenges(&self) -> Result<Vec<ChallengeView>> {
        collect(
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

    /// Every active achievement, with when the current relationship earned it.
    pub fn achievements(&self) -> Result<Vec<AchievementView>> {
        let relationship = self.current_relationship()?.map(|r| r.to_string());
        collect(
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

    /// The local person's notifications, newest first (not those of a relationship that ended).
    pub fn notifications(&self) -> Result<Vec<NotificationView>> {
        let Some(me) = self.local_user()? else {
            return Ok(Vec::new());
        };
        collect(
            self.conn(),
            "SELECT id, notification_type, title, message, is_read, created_at
             FROM notifications WHERE user_id = ?1
               AND coalesce(relationship_id, '') NOT IN (SELECT relationship_id FROM ended_relationships)
             ORDER BY created_at DESC, id DESC",
            [me.to_string()],
            |row| {
                Ok(NotificationView {
                    id: row.get(0)?,
                    notification_type: row.get(1)?,
                    title: row.get(2)?,
                    message: row.get(3)?,
                    is_read: row.get(4)?,
                    created_at: row.get(5)?,
                })
            },
        )
    }

    /// Rows of a projected table as JSON objects, for exports and tests.
    pub fn table_as_json(&self, table: &str) -> Result<Vec<serde_json::Value>> {
        if !crate::projection::PROJECTED_TABLES.contains(&table) {
            return Err(crate::StoreError::Missing(format!(
                "{table} is not a projected table"
            )));
        }
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT * FROM {table} ORDER BY id"))?;
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let rows = stmt.query_map([], |row| {
            let mut object = serde_json::Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                    rusqlite::types::ValueRef::Integer(v) => v.into(),
                    rusqlite::types::ValueRef::Real(v) => v.into(),
                    rusqlite::types::ValueRef::Text(t) => {
                        String::from_utf8_lossy(t).into_owned().into()
                    }
                    rusqlite::types::ValueRef::Blob(b) => b.len().into(),
                };
                object.insert(name.clone(), value);
            }
            Ok(serde_json::Value::Object(object))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
