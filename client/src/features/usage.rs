//! Usage recorded on the device (issue #15 §1): sessions, screens viewed and feature events, in the
//! spec's `user_sessions`, `page_views` and `analytics_events` tables of this device's SQLite file.
//!
//! ## What is recorded
//! - **Events** ([`UsageEvent`]): a check-in saved, a goal progressed, an activity rated… written
//!   by the action's own transaction (one cached `INSERT`), so an event exists exactly when its
//!   action happened. `event_data` is small and typed ([`EventData`]) and never holds content.
//! - **Sessions**: a stretch of use without a gap of [`IDLE_MINUTES`] minutes, per device type
//!   (`desktop`, `mobile`, `cli`). The app starts one at launch and closes it at exit; the CLI
//!   continues the person's latest `cli` session when it is recent, else starts one.
//! - **Page views**: the app's UI names the screen it shows ([`UsageScreen`], a closed list); the
//!   view is written when the person leaves it, with the seconds spent on it (at most
//!   [`IDLE_MINUTES`] minutes) and `bounce` = left within [`BOUNCE_SECONDS`] seconds.
//!
//! ## Architecture invariant
//! None of this is ever in an Automerge document or synced: it is the device's own. The only
//! thing that may leave the device is a day's per-feature counts ([`report`], [`upload`]), and only
//! when the person opted in.

pub mod report;
pub mod upload;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use together_core::document::timestamp_text;
use together_core::ids::RecordId;
use together_core::view::{NamedCount, USAGE_SUMMARY_DAYS, UsageScreen, UsageSummary};
use together_core::wire::usage::UsageFeature;

use crate::error::{FormError, Result};
use crate::store::settings::{SettingKey, get_setting};
use crate::store::write::WriteTx;
use crate::store::{Store, rows};

/// Minutes without any activity after which the next activity starts a new session; also the most
/// one page view counts.
pub const IDLE_MINUTES: i64 = 30;
/// A screen left within this many seconds is a bounce.
pub const BOUNCE_SECONDS: i64 = 5;

const IDLE_SECONDS: i64 = IDLE_MINUTES * 60;

/// Which kind of device a session or an event comes from (`device_type` in the spec's tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceType {
    /// The desktop app.
    Desktop,
    /// The phone app.
    Mobile,
    /// The `together` command line.
    Cli,
}

impl DeviceType {
    /// The word stored in `device_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Mobile => "mobile",
            Self::Cli => "cli",
        }
    }
}

/// A feature event: what a person did, never what they wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageEvent {
    /// A check-in saved (or corrected).
    CheckinSaved,
    /// A goal moved forward.
    GoalProgressed,
    /// An activity rated.
    ActivityRated,
    /// A challenge joined.
    ChallengeJoined,
    /// The question of the day answered.
    QuestionAnswered,
    /// A partner-quiz question answered (know-me or this-or-that).
    QuizAnswered,
    /// A "thinking of you" ping sent.
    PingSent,
    /// The love-language quiz taken.
    LoveLanguageQuizTaken,
    /// An account created on a sync server (the spec's sign-up flow).
    SignUp,
    /// Premium bought: the couple's access became Premium (the spec's purchase flow).
    Conversion,
}

impl UsageEvent {
    /// Every event, in a stable order.
    pub const ALL: [UsageEvent; 10] = [
        Self::CheckinSaved,
        Self::GoalProgressed,
        Self::ActivityRated,
        Self::ChallengeJoined,
        Self::QuestionAnswered,
        Self::QuizAnswered,
        Self::PingSent,
        Self::LoveLanguageQuizTaken,
        Self::SignUp,
        Self::Conversion,
    ];

    /// `analytics_events.event_name`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CheckinSaved => "checkin_saved",
            Self::GoalProgressed => "goal_progressed",
            Self::ActivityRated => "activity_rated",
            Self::ChallengeJoined => "challenge_joined",
            Self::QuestionAnswered => "question_answered",
            Self::QuizAnswered => "quiz_answered",
            Self::PingSent => "ping_sent",
            Self::LoveLanguageQuizTaken => "love_language_quiz_taken",
            Self::SignUp => "sign_up",
            Self::Conversion => "conversion",
        }
    }

    /// The event named `name`, if it is one of ours.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// `analytics_events.event_category` (one of the spec's categories).
    pub fn category(self) -> &'static str {
        match self {
            Self::CheckinSaved => "checkin",
            Self::GoalProgressed => "goal",
            Self::ActivityRated => "activity",
            Self::ChallengeJoined => "challenge",
            Self::QuestionAnswered
            | Self::QuizAnswered
            | Self::PingSent
            | Self::LoveLanguageQuizTaken => "engagement",
            Self::SignUp => "system",
            Self::Conversion => "conversion",
        }
    }

    /// The feature the event counts for in an opt-in report.
    pub fn feature(self) -> UsageFeature {
        match self {
            Self::CheckinSaved => UsageFeature::Checkin,
            Self::GoalProgressed => UsageFeature::Goals,
            Self::ActivityRated => UsageFeature::Activities,
            Self::ChallengeJoined => UsageFeature::Challenges,
            Self::QuestionAnswered => UsageFeature::Question,
            Self::QuizAnswered => UsageFeature::Quiz,
            Self::PingSent => UsageFeature::Ping,
            Self::LoveLanguageQuizTaken => UsageFeature::LoveLanguages,
            Self::SignUp => UsageFeature::Settings,
            Self::Conversion => UsageFeature::Premium,
        }
    }

    /// Whether the event is its feature's main action (the report's `completed`).
    pub fn completes(self) -> bool {
        !matches!(self, Self::SignUp)
    }
}

/// An event's `event_data`: counts about the person's standing, never anything they wrote or
/// scored (a mood is content; a streak length is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct EventData {
    /// The couple's check-in streak in days, after a check-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streak_days: Option<i64>,
}

impl EventData {
    fn json(self) -> Option<String> {
        (self != Self::default())
            .then(|| serde_json::to_string(&self).ok())
            .flatten()
    }
}

/// The session and screen this process is in: kept in memory beside the store's connection, so
/// an event costs one `INSERT` and no lookup.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    /// Unset in a store nobody told what it runs in (tests, benches): events are still recorded,
    /// without a session.
    device: Option<DeviceType>,
    session: Option<ActiveSession>,
    screen: Option<OpenScreen>,
}

#[derive(Debug)]
struct ActiveSession {
    id: String,
    user: String,
    /// The latest activity seen (an event, a screen change).
    last: Timestamp,
}

#[derive(Debug)]
struct OpenScreen {
    screen: UsageScreen,
    since: Timestamp,
    user: String,
    session: Option<String>,
}

fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    to.as_second().saturating_sub(from.as_second()).max(0)
}

impl Recorder {
    /// The session an activity at `now` by `user` belongs to: the current one while it is fresh,
    /// else (after closing the stale one) the device type's latest session when it is recent,
    /// else a new one. `None` when no device type was set.
    fn session_for(
        &mut self,
        conn: &Connection,
        user: &str,
        now: Timestamp,
    ) -> Result<Option<String>> {
        let Some(device) = self.device else {
            return Ok(None);
        };
        if let Some(active) = &mut self.session
            && active.user == user
            && seconds_between(active.last, now) < IDLE_SECONDS
        {
            active.last = active.last.max(now);
            return Ok(Some(active.id.clone()));
        }
        if let Some(stale) = self.session.take() {
            close_session(conn, &stale.id, stale.last)?;
        }
        let latest: Option<(String, String)> = conn
            .prepare_cached(
                "SELECT id, COALESCE(session_end, session_start) FROM user_sessions
                 WHERE user_id = ?1 AND device_type = ?2 ORDER BY session_start DESC LIMIT 1",
            )?
            .query_row(params![user, device.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let recent = latest.filter(|(_, end)| {
            end.parse::<Timestamp>()
                .is_ok_and(|end| seconds_between(end, now) < IDLE_SECONDS)
        });
        let id = match recent {
            Some((id, _)) => id,
            None => match start_session(conn, user, device, now)? {
                Some(id) => id,
                None => return Ok(None),
            },
        };
        self.session = Some(ActiveSession {
            id: id.clone(),
            user: user.to_owned(),
            last: now,
        });
        Ok(Some(id))
    }
}

/// Inserts a new session for `user` (who must exist); `None` when they do not.
fn start_session(
    conn: &Connection,
    user: &str,
    device: DeviceType,
    now: Timestamp,
) -> Result<Option<String>> {
    let id = RecordId::generate(now, &mut rand::rng()).to_string();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO user_sessions (id, user_id, relationship_id, session_start, device_type)
             SELECT ?1, u.id,
                    (SELECT r.id FROM relationships r
                     WHERE r.id = (SELECT value FROM app_settings WHERE key = ?4)),
                    ?2, ?3
             FROM users u WHERE u.id = ?5",
        )?
        .execute(params![
            id,
            timestamp_text(now),
            device.as_str(),
            SettingKey::CurrentRelationshipId.as_str(),
            user
        ])?;
    Ok((inserted == 1).then_some(id))
}

/// Brings a session's row up to date: ended at `end` (never before it started), its duration,
/// and its counts of page views, events and conversions.
fn close_session(conn: &Connection, id: &str, end: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "UPDATE user_sessions SET
            session_end = CASE WHEN julianday(?2) >= julianday(session_start) THEN ?2 ELSE session_start END,
            duration_seconds = MAX(0, CAST(round((julianday(?2) - julianday(session_start)) * 86400) AS INTEGER)),
            pages_viewed = (SELECT count(*) FROM page_views WHERE session_id = ?1),
            events_count = (SELECT count(*) FROM analytics_events WHERE session_id = ?1),
            converted = EXISTS (SELECT 1 FROM analytics_events
                                WHERE session_id = ?1 AND event_category = 'conversion')
         WHERE id = ?1",
    )?
    .execute(params![id, timestamp_text(end)])?;
    Ok(())
}

/// Records `event` by the local person inside the action's transaction: one cached `INSERT`.
/// The session, user and relationship are looked up inside the statement, so a row deleted
/// meanwhile (by "Delete my usage data" in another process) leaves the column empty instead of
/// failing the person's action.
pub(crate) fn record(
    tx: &mut WriteTx<'_>,
    user: together_core::ids::UserId,
    relationship: Option<together_core::ids::RelationshipId>,
    event: UsageEvent,
    data: EventData,
) -> Result<()> {
    let user = user.to_string();
    let session = tx.usage.session_for(tx.conn, &user, tx.now)?;
    let device = tx.usage.device.map(DeviceType::as_str);
    tx.conn
        .prepare_cached(
            "INSERT INTO analytics_events (id, event_name, event_category, user_id,
                 relationship_id, session_id, event_data, device_type, created_at)
             VALUES (?1, ?2, ?3, (SELECT id FROM users WHERE id = ?4),
                 (SELECT id FROM relationships WHERE id = ?5),
                 (SELECT id FROM user_sessions WHERE id = ?6), ?7, ?8, ?9)",
        )?
        .execute(params![
            RecordId::generate(tx.now, &mut rand::rng()).to_string(),
            event.name(),
            event.category(),
            user,
            relationship.map(|r| r.to_string()),
            session,
            data.json(),
            device,
            timestamp_text(tx.now),
        ])?;
    Ok(())
}

/// The screen the UI names: one of the closed list, else refused (and nothing is stored).
pub fn screen_form(name: &str) -> std::result::Result<UsageScreen, FormError> {
    UsageScreen::parse(name).ok_or_else(|| FormError::new("that screen is not one the app knows"))
}

/// The app's `usage_screen` command: the UI shows the screen named `name` from `now`.
pub fn show_screen(store: &mut Store, name: &str, now: Timestamp) -> Result<()> {
    let screen = screen_form(name)?;
    store.screen_shown(screen, now)
}

fn local_user_text(conn: &Connection) -> Result<Option<String>> {
    get_setting(conn, SettingKey::LocalUserId)
}

impl Store {
    /// Says what this store's process is (the app on a desktop or a phone, the CLI): its sessions
    /// and events carry that device type. Until then events are recorded without a session.
    pub fn set_usage_device(&mut self, device: DeviceType) {
        self.usage.device = Some(device);
    }

    /// Starts a new session now (the app at launch), closing any this process had.
    pub fn start_usage_session(&mut self, now: Timestamp) -> Result<()> {
        self.ensure_writable()?;
        self.end_usage(now)?;
        let Some(device) = self.usage.device else {
            return Ok(());
        };
        let Some(user) = local_user_text(self.conn())? else {
            return Ok(());
        };
        if let Some(id) = start_session(self.conn(), &user, device, now)? {
            self.usage.session = Some(ActiveSession {
                id,
                user,
                last: now,
            });
        }
        Ok(())
    }

    /// The UI shows `screen` from `now`: the screen shown before is written as a page view with
    /// its time on screen, and the session moves on (a new one after [`IDLE_MINUTES`] minutes
    /// without activity). Nothing is recorded before a profile exists.
    pub fn screen_shown(&mut self, screen: UsageScreen, now: Timestamp) -> Result<()> {
        self.ensure_writable()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        write_open_screen(&tx, self.usage.screen.take(), now)?;
        if let Some(user) = local_user_text(&tx)? {
            // A session deleted meanwhile (another process deleted the usage data) is forgotten.
            if let Some(active) = &self.usage.session {
                let exists: bool = tx
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM user_sessions WHERE id = ?1)")?
                    .query_row([&active.id], |row| row.get(0))?;
                if !exists {
                    self.usage.session = None;
                }
            }
            let session = self.usage.session_for(&tx, &user, now)?;
            if let Some(id) = &session {
                close_session(&tx, id, now)?;
            }
            self.usage.screen = Some(OpenScreen {
                screen,
                since: now,
                user,
                session,
            });
        }
        tx.commit()?;
        Ok(())
    }

    /// Closes the screen shown and the session (the app at exit, the CLI after a command). The
    /// session ends at `now`, or at its last activity when that was more than
    /// [`IDLE_MINUTES`] minutes ago.
    pub fn end_usage(&mut self, now: Timestamp) -> Result<()> {
        let (screen, session) = (self.usage.screen.take(), self.usage.session.take());
        if (screen.is_none() && session.is_none()) || self.ensure_writable().is_err() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        write_open_screen(&tx, screen, now)?;
        if let Some(session) = session {
            let end = if seconds_between(session.last, now) < IDLE_SECONDS {
                now.max(session.last)
            } else {
                session.last
            };
            close_session(&tx, &session.id, end)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records `event` in a transaction of its own, for actions that are not a document change
    /// (signing up, Premium bought). Nothing is recorded before a profile exists.
    pub(crate) fn record_usage(&mut self, event: UsageEvent, now: Timestamp) -> Result<()> {
        if self.ensure_writable().is_err() {
            return Ok(());
        }
        self.write_local(now, |tx| {
            let Some(user) = crate::store::settings::parse_setting(
                get_setting(tx.conn, SettingKey::LocalUserId)?,
                "user id",
            )?
            else {
                return Ok(());
            };
            let relationship = crate::store::settings::parse_setting(
                get_setting(tx.conn, SettingKey::CurrentRelationshipId)?,
                "relationship id",
            )?;
            record(tx, user, relationship, event, EventData::default())
        })
    }

    /// "Your data": what this device recorded about the local person in the last
    /// [`USAGE_SUMMARY_DAYS`] days, whether they share counts, and when counts last left.
    pub fn usage_summary(&mut self, now: Timestamp) -> Result<UsageSummary> {
        let enabled = self.analytics_opt_in(now)?;
        let last_upload: Option<String> =
            self.conn()
                .query_row("SELECT MAX(uploaded_at) FROM usage_uploads", [], |row| {
                    row.get(0)
                })?;
        let Some(user) = local_user_text(self.conn())? else {
            return Ok(UsageSummary {
                enabled,
                last_upload,
                ..UsageSummary::default()
            });
        };
        let since = timestamp_text(
            now.checked_sub(jiff::SignedDuration::from_hours(24 * USAGE_SUMMARY_DAYS))
                .unwrap_or(now),
        );
        let conn = self.conn();
        let (sessions, seconds_in_app): (i64, i64) = conn.query_row(
            "SELECT count(*), COALESCE(SUM(duration_seconds), 0) FROM user_sessions
             WHERE user_id = ?1 AND session_start >= ?2",
            params![user, since],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let counted = |sql: &str| -> Result<Vec<NamedCount>> {
            rows(conn, sql, params![user, since], |row| {
                Ok(NamedCount {
                    name: row.get(0)?,
                    count: row.get(1)?,
                })
            })
        };
        let screens = counted(
            "SELECT page_path, count(*) AS n FROM page_views
             WHERE user_id = ?1 AND created_at >= ?2 GROUP BY page_path ORDER BY n DESC, page_path",
        )?;
        let events_by_category = counted(
            "SELECT event_category, count(*) AS n FROM analytics_events
             WHERE user_id = ?1 AND created_at >= ?2
             GROUP BY event_category ORDER BY n DESC, event_category",
        )?;
        Ok(UsageSummary {
            enabled,
            sessions,
            screens_viewed: screens.iter().map(|s| s.count).sum(),
            screens,
            events: events_by_category.iter().map(|c| c.count).sum(),
            events_by_category,
            seconds_in_app,
            last_upload,
        })
    }

    /// "Delete my usage data": every session, page view and event this device recorded. The
    /// upload bookkeeping stays (it holds no usage, and keeps a day already sent from being sent
    /// again under a new token). Answers the summary as it is afterwards.
    pub fn delete_usage(&mut self, now: Timestamp) -> Result<UsageSummary> {
        self.ensure_writable()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM analytics_events", [])?;
        tx.execute("DELETE FROM page_views", [])?;
        tx.execute("DELETE FROM user_sessions", [])?;
        tx.commit()?;
        // What this process was in is gone too; the screen shown counts from now.
        self.usage.session = None;
        if let Some(screen) = &mut self.usage.screen {
            screen.since = now;
            screen.session = None;
        }
        self.usage_summary(now)
    }
}

/// Writes the screen that was shown until `now` as a page view.
fn write_open_screen(conn: &Connection, screen: Option<OpenScreen>, now: Timestamp) -> Result<()> {
    let Some(open) = screen else {
        return Ok(());
    };
    let seconds = seconds_between(open.since, now).min(IDLE_SECONDS);
    conn.prepare_cached(
        "INSERT INTO page_views (id, user_id, relationship_id, session_id, page_path,
             duration_seconds, bounce, created_at)
         SELECT ?1, u.id,
                (SELECT r.id FROM relationships r
                 WHERE r.id = (SELECT value FROM app_settings WHERE key = ?7)),
                (SELECT id FROM user_sessions WHERE id = ?3), ?4, ?5, ?6, ?8
         FROM users u WHERE u.id = ?2",
    )?
    .execute(params![
        RecordId::generate(now, &mut rand::rng()).to_string(),
        open.user,
        open.session,
        open.screen.as_str(),
        seconds,
        seconds < BOUNCE_SECONDS,
        SettingKey::CurrentRelationshipId.as_str(),
        timestamp_text(open.since),
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_screens_pass_the_form() {
        assert_eq!(screen_form("love-quiz").unwrap(), UsageScreen::LoveQuiz);
        for bad in [
            "",
            "Today",
            "today ",
            "../settings",
            "https://example.com/today",
        ] {
            assert!(screen_form(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_event_has_a_spec_category_and_a_unique_name() {
        let categories = [
            "navigation",
            "engagement",
            "checkin",
            "activity",
            "goal",
            "challenge",
            "pairing",
            "conversion",
            "billing",
            "sync",
            "system",
        ];
        let mut names = std::collections::BTreeSet::new();
        for event in UsageEvent::ALL {
            assert!(categories.contains(&event.category()), "{event:?}");
            assert!(names.insert(event.name()));
            assert_eq!(UsageEvent::parse(event.name()), Some(event));
        }
    }
}
