//! The couple's records as screens show them.

use serde::{Deserialize, Serialize};

use crate::rules::RelationshipSummary;

/// A check-in as a person may see it (the reveal rule already applied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Gratitude note (shared with the partner).
    pub gratitude_note: Option<String>,
    /// The person's private note on their own check-in (never on the partner's).
    #[serde(default)]
    pub private_note: Option<String>,
}

/// A goal with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl GoalView {
    /// Progress as a share of the target, 0–100, for the progress bar.
    pub fn percent(&self) -> i64 {
        if self.target_count <= 0 {
            return 0;
        }
        (self.current_progress.max(0) * 100 / self.target_count).min(100)
    }
}

/// An activity and both partners' ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The first partner's rating (the partner's only once the local person rated too).
    pub rating_user1: Option<i64>,
    /// The second partner's rating (likewise).
    pub rating_user2: Option<i64>,
    /// The local person's rating (whichever of the two they are).
    pub my_rating: Option<i64>,
    /// The partner's rating, shown once the local person rated too (as the check-in reveal).
    pub partner_rating: Option<i64>,
    /// Whether the partner rated, even while their rating is still hidden.
    #[serde(default)]
    pub partner_rated: bool,
    /// How long, in minutes.
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    /// What it cost, such as `42.50`.
    #[serde(default)]
    pub cost: Option<String>,
}

impl ActivityView {
    /// The form that edits it, filled with what it holds now (a field left as it is stays).
    pub fn as_form(&self) -> super::ActivityForm {
        super::ActivityForm {
            name: self.name.clone(),
            activity_type: self.activity_type.clone(),
            planned_date: self.planned_date.clone().unwrap_or_default(),
            duration_minutes: self.duration_minutes,
            cost: self.cost.clone().unwrap_or_default(),
        }
    }

    /// Whether it was done (the screen offers "Mark done" until then).
    pub fn is_done(&self) -> bool {
        self.status == crate::domain::ActivityStatus::Completed.as_str()
    }
}

/// A catalogue challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeView {
    /// Id.
    pub id: String,
    /// Title.
    pub name: String,
    /// `daily`, `weekly`, ...
    pub challenge_type: String,
    /// `easy`, `medium`, `hard`.
    pub difficulty_level: String,
    /// Category.
    pub category: String,
    /// What to do.
    pub instructions: String,
}

/// A challenge the couple joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationView {
    /// Participation id.
    pub id: String,
    /// The challenge.
    pub challenge_id: String,
    /// Its title.
    pub name: String,
    /// Started on.
    pub start_date: String,
    /// Planned end.
    pub target_end_date: String,
    /// `active`, `completed`, ...
    pub status: String,
    /// Days marked done.
    pub days_done: i64,
}

impl ParticipationView {
    /// The status of a challenge the couple is doing now.
    pub const RUNNING: &'static str = "active";

    /// Whether the couple is doing it now (not finished): Today suggests a new challenge only
    /// when none runs, and the screen offers "Done today" on running ones.
    pub fn is_running(&self) -> bool {
        self.status == Self::RUNNING
    }
}

/// An achievement, earned or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchievementView {
    /// Id.
    pub id: String,
    /// Title.
    pub name: String,
    /// Points.
    pub points: i64,
    /// When the couple earned it.
    pub earned_date: Option<String>,
}

/// A notification for the local person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    /// Id.
    pub id: String,
    /// Kind.
    pub notification_type: String,
    /// Title.
    pub title: String,
    /// Body.
    pub message: String,
    /// Read: marked read, or settled by acting on it.
    pub is_read: bool,
    /// Settled by acting on what it asked ("Add your own rating" once the person rated): shown
    /// as done, never counted as unread.
    pub resolved: bool,
    /// When.
    pub created_at: String,
}

/// An important date with its countdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateView {
    /// Record id.
    pub id: String,
    /// What it is.
    pub name: String,
    /// Event type.
    pub event_type: String,
    /// The date as entered.
    pub date: String,
    /// Every year.
    pub recurring: bool,
    /// Remind this many days before.
    pub reminder_days_before: Option<i64>,
    /// The next time it comes (this year's or next year's for recurring dates).
    pub next_on: Option<String>,
    /// Days until then; `None` when it has passed and does not recur.
    pub days_until: Option<i64>,
}

impl DateView {
    /// The form that edits it, filled with what it holds now.
    pub fn as_form(&self) -> super::DateForm {
        super::DateForm {
            name: self.name.clone(),
            date: self.date.clone(),
            event_type: self.event_type.clone(),
            recurring: self.recurring,
            reminder_days_before: self.reminder_days_before,
        }
    }
}

/// A talk-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogView {
    /// Record id.
    pub id: String,
    /// Kind of conversation.
    pub communication_type: String,
    /// Topic.
    pub topic: Option<String>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// When (RFC 3339).
    pub when: String,
    /// Needs a follow-up.
    pub follow_up_needed: bool,
    /// Kept to its author (in their own document; the partner never has it).
    #[serde(default)]
    pub private: bool,
}

impl LogView {
    /// What the entry is called in a list: its topic, else its kind of talk ("deep conversation").
    pub fn headline(&self) -> String {
        match self.topic.as_deref().map(str::trim) {
            Some(topic) if !topic.is_empty() => topic.to_owned(),
            _ => self.communication_type.replace('_', " "),
        }
    }

    /// The line under the headline: the kind of talk (unless the headline already is it), the
    /// day and the outcome, joined by " · ".
    pub fn details(&self) -> String {
        let kind = self.communication_type.replace('_', " ");
        let mut parts = Vec::new();
        if self.headline() != kind {
            parts.push(kind);
        }
        parts.push(self.when.get(..10).unwrap_or(&self.when).to_owned());
        if let Some(outcome) = &self.outcome {
            parts.push(outcome.replace('_', " "));
        }
        parts.join(" · ")
    }

    /// The form that edits it, filled with what it holds now (its time kept).
    pub fn as_form(&self) -> super::LogForm {
        super::LogForm {
            communication_type: self.communication_type.clone(),
            topic: self.topic.clone().unwrap_or_default(),
            outcome: self.outcome.clone().unwrap_or_default(),
            duration_minutes: self.duration_minutes,
            follow_up_needed: self.follow_up_needed,
            when: self.when.clone(),
            private: self.private,
        }
    }
}

/// One person's scores on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores {
    /// 1–10.
    pub connection: i64,
    /// 1–10.
    pub mood: i64,
    /// 1–10.
    pub satisfaction: i64,
}

/// A day on the history charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPoint {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The local person's scores.
    pub mine: Option<Scores>,
    /// The partner's (only on days both checked in: the reveal rule).
    pub partner: Option<Scores>,
}

/// A day of the calendar heat map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// 0 nobody checked in, 1 one of them, 2 both.
    pub level: u8,
}

/// The periods the History screen offers, in days.
pub const HISTORY_WINDOWS: [i64; 4] = [7, 30, 90, 365];

/// The period History shows first, and instead of a period it does not offer.
pub const DEFAULT_HISTORY_DAYS: i64 = 30;

/// The longest History period that is free; longer ones come with Premium.
pub const FREE_HISTORY_DAYS: i64 = 90;

/// Whether a History period of `days` is a Premium feature. The shell refuses it without Premium
/// and the UI marks its button: one rule for both.
pub const fn history_needs_premium(days: i64) -> bool {
    days > FREE_HISTORY_DAYS
}

/// The History screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    /// The window, in days (one of [`HISTORY_WINDOWS`]).
    pub days: i64,
    /// One point per day of the window, oldest first.
    pub points: Vec<DayPoint>,
    /// One cell per day of the window, oldest first.
    pub heat: Vec<HeatDay>,
    /// Relationship analytics and health score for today, once a relationship exists.
    pub summary: Option<RelationshipSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goal_progress_is_a_bounded_percentage() {
        let goal = |current, target| GoalView {
            id: "g".into(),
            name: "Walks".into(),
            goal_type: "other".into(),
            target_count: target,
            current_progress: current,
            status: "active".into(),
        };
        assert_eq!(goal(2, 8).percent(), 25);
        assert_eq!(goal(12, 8).percent(), 100);
        assert_eq!(goal(-3, 8).percent(), 0);
        assert_eq!(goal(1, 0).percent(), 0);
    }

    #[test]
    fn a_talk_without_a_topic_is_named_by_its_kind_once() {
        let talk = |topic: Option<&str>| LogView {
            id: "l".into(),
            communication_type: "deep_conversation".into(),
            topic: topic.map(str::to_owned),
            outcome: Some("resolved".into()),
            duration_minutes: None,
            when: "2026-11-25T19:30:00.000Z".into(),
            follow_up_needed: false,
            private: false,
        };
        for empty in [None, Some(""), Some("  ")] {
            let entry = talk(empty);
            assert_eq!(entry.headline(), "deep conversation");
            assert_eq!(entry.details(), "2026-11-25 · resolved");
        }
        let holidays = talk(Some("Holidays"));
        assert_eq!(holidays.headline(), "Holidays");
        assert_eq!(
            holidays.details(),
            "deep conversation · 2026-11-25 · resolved"
        );
    }

    #[test]
    fn only_the_year_of_history_needs_premium() {
        let premium: Vec<i64> = HISTORY_WINDOWS
            .into_iter()
            .filter(|d| history_needs_premium(*d))
            .collect();
        assert_eq!(premium, [365]);
        assert!(HISTORY_WINDOWS.contains(&DEFAULT_HISTORY_DAYS));
        assert!(!history_needs_premium(DEFAULT_HISTORY_DAYS));
    }
}
