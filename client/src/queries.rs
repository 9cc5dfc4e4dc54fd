//! The read API the UI and the CLI share. Rules about what a person may see are enforced here, so
//! no screen or command can show more: a partner's check-in for a day is revealed only once the
//! person has checked in that day too.

use rusqlite::{Connection, Row};
use serde::Serialize;

use crate::store::{Result, Store};

/// A check-in as a person may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckinView {
    /// Record id.
    pub id: String,
    /// Who checked in.
    pub user_id: String,
    /// Whether it is the person's own.
    pub mine: bool,
    /// Their local day.
    pub date: String,
    /// 1–10.
    pub connection_score: i64,
    /// 1–10.
    pub mood_score: i64,
    /// 1–10.
    pub relationship_satisfaction: i64,
    /// Gratitude note.
    pub gratitude_note: Option<String>,
}

/// A goal with its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalView {
    /// Record id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub goal_type: String,
    /// Target.
    pub target_count: i64,
    /// Progress.
    pub current_progress: i64,
    /// Status.
    pub status: String,
}

/// An activity and both partners' ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityView {
    /// Record id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub activity_type: String,
    /// Status.
    pub status: String,
    /// Planned for.
    pub planned_date: Option<String>,
    /// Done at.
    pub completed_date: Option<String>,
    /// The first partner's rating.
    pub rating_user1: Option<i64>,
    /// The second partner's rating.
    pub rating_user2: Option<i64>,
}

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
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
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
        collect(
            self.conn(),
            "SELECT id, activity_name, activity_type, status, planned_date, completed_date,
                    satisfaction_rating_user1, satisfaction_rating_user2
             FROM activities WHERE relationship_id = ?1 ORDER BY id",
            [relationship.to_string()],
            |row| {
                Ok(ActivityView {
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
