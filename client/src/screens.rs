//! Read models for the app's screens, built from the local store. The Tauri shell hands them to the
//! UI unchanged, so a screen shows exactly what these functions (and their tests) decide: the reveal
//! rule, countdowns, chart points.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rusqlite::OptionalExtension;
use together_core::rules::reminder_due;
use together_core::view::{
    DateView, DayPoint, HeatDay, HistoryView, LogView, ParticipationView, PartnerToday,
    ProfileSummary, Scores, TodayView,
};

use crate::analytics;
use crate::social;
use crate::store::{Result, Store};

/// Windows the History screen offers, in days.
pub const HISTORY_WINDOWS: [i64; 4] = [7, 30, 90, 365];

impl Store {
    /// The local person's profile, once set up.
    pub fn profile_summary(&self) -> Result<Option<ProfileSummary>> {
        let Some(user) = self.local_user()? else {
            return Ok(None);
        };
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, timezone, love_language_primary, love_language_secondary
                 FROM users WHERE id = ?1",
                [user.to_string()],
                |row| {
                    Ok(ProfileSummary {
                        user_id: row.get(0)?,
                        name: row.get(1)?,
                        timezone: row.get(2)?,
                        love_language_primary: row.get(3)?,
                        love_language_secondary: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// The partner's name, once they joined the current relationship.
    pub fn partner_name(&self) -> Result<Option<String>> {
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(None);
        };
        match social::partner_of(self.conn(), relationship, me)? {
            Some(partner) => Ok(Some(social::display_name(self.conn(), partner)?)),
            None => Ok(None),
        }
    }

    /// Unread notifications of the local person.
    pub fn unread_notifications(&self) -> Result<i64> {
        let Some(me) = self.local_user()? else {
            return Ok(0);
        };
        Ok(self.conn().query_row(
            "SELECT count(*) FROM notifications WHERE user_id = ?1 AND is_read = 0
               AND coalesce(relationship_id, '') NOT IN (SELECT relationship_id FROM ended_relationships)",
            [me.to_string()],
            |row| row.get(0),
        )?)
    }

    /// Local changes waiting to be uploaded.
    pub fn pending_changes(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))?)
    }

    /// The Today screen on the person's local day at `now`.
    pub fn today_view(&self, now: Timestamp, sync_server: Option<&str>) -> Result<TodayView> {
        let today = self.local_today(now)?;
        let mut view =
            TodayView::empty(today.to_string(), today.strftime("%A, %B %-d").to_string());
        view.display_name = self.local_display_name()?;
        view.sync_server = sync_server.map(str::to_owned);
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(view);
        };
        let date = today.to_string();
        let visible = self.visible_checkins()?;
        view.my_checkin = visible.iter().find(|c| c.mine && c.date == date).cloned();
        if let Some(partner) = social::partner_of(self.conn(), relationship, me)? {
            let name = social::display_name(self.conn(), partner)?;
            let partner_checked_in: bool = self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM daily_checkins
                 WHERE relationship_id = ?1 AND user_id = ?2 AND checkin_date = ?3)",
                (relationship.to_string(), partner.to_string(), &date),
                |row| row.get(0),
            )?;
            let revealed = visible.iter().find(|c| !c.mine && c.date == date).cloned();
            view.partner = match (partner_checked_in, revealed) {
                (_, Some(checkin)) => PartnerToday::Revealed { name, checkin },
                (true, None) => PartnerToday::Sealed { name },
                (false, None) => PartnerToday::Waiting { name },
            };
        }
        view.streak = analytics::summarize(self.conn(), &relationship.to_string(), today)?
            .map_or(0, |s| s.checkin_streak);
        view.reminders = self
            .dates(now)?
            .into_iter()
            .filter_map(|d| {
                let (days, before) = (d.days_until?, d.reminder_days_before?);
                (days <= before).then(|| match days {
                    0 => format!("{} is today", d.name),
                    1 => format!("{} is tomorrow", d.name),
                    n => format!("{} is in {n} days", d.name),
                })
            })
            .collect();
        if self.participations()?.iter().all(|p| p.status != "active") {
            let challenges = self.challenges()?;
            if !challenges.is_empty() {
                let pick = usize::try_from(today.day_of_year()).unwrap_or(0) % challenges.len();
                view.suggestion = challenges.into_iter().nth(pick);
            }
        }
        Ok(view)
    }

    /// The History screen: both partners' scores per day over the last `days` days (the partner's
    /// only where the reveal rule allows), the heat map and today's analytics.
    pub fn history(&self, now: Timestamp, days: i64) -> Result<HistoryView> {
        let days = if HISTORY_WINDOWS.contains(&days) {
            days
        } else {
            30
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

    /// The current relationship's important dates, soonest first, with countdowns.
    pub fn dates(&self, now: Timestamp) -> Result<Vec<DateView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let today = self.local_today(now)?;
        let mut stmt = self.conn().prepare(
            "SELECT id, event_name, event_type, date_value, is_recurring, reminder_days_before
             FROM important_dates WHERE relationship_id = ?1 ORDER BY date_value, id",
        )?;
        let mut dates: Vec<DateView> = stmt
            .query_map([relationship.to_string()], |row| {
                Ok(DateView {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    event_type: row.get(2)?,
                    date: row.get(3)?,
                    recurring: row.get(4)?,
                    reminder_days_before: row.get(5)?,
                    next_on: None,
                    days_until: None,
                })
            })?
            .collect::<Result<_, _>>()?;
        for date in &mut dates {
            let Ok(value) = date.date.parse::<Date>() else {
                continue;
            };
            if let Some(next) = reminder_due(value, date.recurring, 366, today) {
                date.next_on = Some(next.to_string());
                date.days_until = Some(i64::from((next - today).get_days()));
            }
        }
        dates.sort_by_key(|d| (d.days_until.is_none(), d.days_until));
        Ok(dates)
    }

    /// The current relationship's talk log, newest first.
    pub fn talk_log(&self) -> Result<Vec<LogView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn().prepare(
            "SELECT id, communication_type, topic, outcome, duration_minutes, communication_date,
                    follow_up_needed
             FROM communication_log WHERE relationship_id = ?1
             ORDER BY communication_date DESC, id DESC",
        )?;
        let rows = stmt
            .query_map([relationship.to_string()], |row| {
                Ok(LogView {
                    id: row.get(0)?,
                    communication_type: row.get(1)?,
                    topic: row.get(2)?,
                    outcome: row.get(3)?,
                    duration_minutes: row.get(4)?,
                    when: row.get(5)?,
                    follow_up_needed: row.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The challenges the couple joined, newest first, with the days marked done.
    pub fn participations(&self) -> Result<Vec<ParticipationView>> {
        let Some(relationship) = self.current_relationship()? else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn().prepare(
            "SELECT p.id, p.challenge_id, c.challenge_name, p.start_date, p.target_end_date,
                    p.status,
                    (SELECT count(DISTINCT e.entry_date) FROM challenge_entries e
                     WHERE e.participation_id = p.id AND e.completion_status = 1)
             FROM challenge_participation p JOIN challenges c ON c.id = p.challenge_id
             WHERE p.relationship_id = ?1 ORDER BY p.start_date DESC, p.id",
        )?;
        let rows = stmt
            .query_map([relationship.to_string()], |row| {
                Ok(ParticipationView {
                    id: row.get(0)?,
                    challenge_id: row.get(1)?,
                    name: row.get(2)?,
                    start_date: row.get(3)?,
                    target_end_date: row.get(4)?,
                    status: row.get(5)?,
                    days_done: row.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
