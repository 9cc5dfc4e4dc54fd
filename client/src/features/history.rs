//! History: both partners' scores over a period (the partner's only where the reveal rule allows),
//! the check-in heat map, and the couple's numbers today (`together stats`). Periods longer than
//! [`FREE_HISTORY_DAYS`] come with Premium (the rule is `together_core::view::history_needs_premium`).

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use together_core::rules::RelationshipSummary;
use together_core::view::{
    DEFAULT_HISTORY_DAYS, DayPoint, FREE_HISTORY_DAYS, HISTORY_WINDOWS, HeatDay, HistoryView,
    Scores, history_needs_premium,
};

use crate::error::{FormError, Result};
use crate::store::settings::{SettingKey, get_setting, parse_setting};
use crate::store::{Store, analytics};

// Reads.

impl Store {
    /// The History screen: both partners' scores per day over the last `days` days (one of
    /// [`HISTORY_WINDOWS`]; another number shows the default period), the heat map and today's
    /// analytics.
    pub fn history(&self, now: Timestamp, days: i64) -> Result<HistoryView> {
        let days = if HISTORY_WINDOWS.contains(&days) {
            days
        } else {
            DEFAULT_HISTORY_DAYS
        };
        let today = self.local_today(now)?;
        let first = today.saturating_sub((days - 1).days());
        let mut points: Vec<DayPoint> = (0..days)
            .map(|offset| DayPoint {
                date: first.saturating_add(offset.days()).to_string(),
                mine: None,
                partner: None,
            })
            .collect();
        let mut everyone = vec![0_u8; points.len()];
        let index = |date: &str| -> Option<usize> {
            let date: Date = date.parse().ok()?;
            usize::try_from((date - first).get_days()).ok()
        };
        for checkin in self.visible_checkins()? {
            let Some(i) = index(&checkin.date).filter(|i| *i < points.len()) else {
                continue;
            };
            let scores = Scores {
                connection: checkin.connection_score,
                mood: checkin.mood_score,
                satisfaction: checkin.relationship_satisfaction,
            };
            if checkin.mine {
                points[i].mine = Some(scores);
            } else {
                points[i].partner = Some(scores);
            }
        }
        // The heat map counts the partner's check-ins too (without their answers).
        if let Some(relationship) = self.current_relationship()? {
            let mut stmt = self.conn().prepare(
                "SELECT checkin_date, count(DISTINCT user_id) FROM daily_checkins
                 WHERE relationship_id = ?1 AND checkin_date >= ?2 GROUP BY checkin_date",
            )?;
            let rows = stmt.query_map((relationship.to_string(), first.to_string()), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (date, people) = row?;
                if let Some(i) = index(&date).filter(|i| *i < everyone.len()) {
                    everyone[i] = u8::try_from(people.min(2)).unwrap_or(2);
                }
            }
        }
        let heat = points
            .iter()
            .zip(everyone)
            .map(|(p, level)| HeatDay {
                date: p.date.clone(),
                level,
            })
            .collect();
        let summary = match self.current_relationship()? {
            Some(relationship) => {
                analytics::summarize(self.conn(), &relationship.to_string(), today)?
            }
            None => None,
        };
        Ok(HistoryView {
            days,
            points,
            heat,
            summary,
        })
    }

    /// The current relationship's summary on the local person's today (stored as that day's
    /// `relationship_analytics` row), or `None` before a relationship exists.
    pub fn stats(&mut self, now: Timestamp) -> Result<Option<RelationshipSummary>> {
        let today = self.local_today(now)?;
        self.write(now, |tx| {
            let Some(relationship) = parse_setting::<together_core::ids::RelationshipId>(
                get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
                "relationship id",
            )?
            else {
                return Ok(None);
            };
            let relationship = relationship.to_string();
            if let Some(user) = get_setting(tx.conn, SettingKey::LocalUserId)? {
                analytics::refresh_engagement(tx.conn, &user, Some(&relationship), today)?;
            }
            analytics::refresh_relationship(tx.conn, &relationship, today)
        })
    }
}

// Screen operations.

/// The History screen over `days` days: a period that needs Premium is refused without it.
pub fn view(store: &Store, days: i64, now: Timestamp) -> Result<HistoryView> {
    if history_needs_premium(days) && !store.is_premium(now)? {
        return Err(FormError::new(format!(
            "A full year of history comes with Premium; up to {FREE_HISTORY_DAYS} days are free."
        ))
        .into());
    }
    store.history(now, days)
}
