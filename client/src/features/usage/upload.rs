//! The opt-in upload (`POST /v1/usage`, `docs/sync-protocol.md`): each past local day not yet
//! reported, as per-feature counts under a random token made for that day alone.
//!
//! Architecture invariant: a device whose person did not opt in never calls the route. Tokens are
//! kept in `usage_uploads` (V15): a retry of a day reuses its token, and the table's `UNIQUE`
//! keeps one token from ever serving two days.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use jiff::civil::Date;
use rand::RngCore;
use rusqlite::{OptionalExtension, params};
use together_core::document::timestamp_text;
use together_core::view::UsageScreen;
use together_core::wire::usage::UsageReport;

use super::UsageEvent;
use super::report::{DayUsage, MAX_DAYS_BACK, build_report, due_days};
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::sync::Api;
use crate::sync::SyncError;

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// The person did not opt in: nothing was sent, the server was not called.
    OptedOut,
    /// Opted in, but this device has no sync server to send to.
    NoServer,
    /// The reports the server accepted (none when nothing was due).
    Sent(Vec<UsageReport>),
}

/// A fresh token: 32 random bytes, URL-safe base64 without padding (43 characters).
fn new_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Store {
    /// The local person's usage per local day, from the earliest day an upload may still report.
    fn recent_usage(&self, today: Date) -> Result<BTreeMap<Date, DayUsage>> {
        let zone = self.local_zone()?;
        // A day earlier than the earliest local day, in UTC, so no zone misses a record.
        let from = today
            .checked_sub(jiff::Span::new().days(MAX_DAYS_BACK + 1))
            .unwrap_or(Date::MIN)
            .to_string();
        let mut days: BTreeMap<Date, DayUsage> = BTreeMap::new();
        let local_day = |at: &str| -> Option<Date> {
            at.parse::<Timestamp>()
                .ok()
                .map(|t| t.to_zoned(zone.clone()).date())
        };
        let views = crate::store::rows(
            self.conn(),
            "SELECT page_path, COALESCE(duration_seconds, 0), created_at FROM page_views
             WHERE created_at >= ?1",
            [&from],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            },
        )?;
        for (path, seconds, at) in views {
            if let (Some(screen), Some(day)) = (UsageScreen::parse(&path), local_day(&at)) {
                days.entry(day)
                    .or_default()
                    .page_views
                    .push((screen, seconds));
            }
        }
        let events = crate::store::rows(
            self.conn(),
            "SELECT event_name, created_at FROM analytics_events WHERE created_at >= ?1",
            [&from],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
        )?;
        for (name, at) in events {
            if let (Some(event), Some(day)) = (UsageEvent::parse(&name), local_day(&at)) {
                days.entry(day).or_default().events.push(event);
            }
        }
        days.retain(|_, usage| !usage.is_empty());
        Ok(days)
    }

    /// The reports due on the person's local day at `now`, each under its day's token (made and
    /// kept now when the day has none yet). Builds them; sends nothing.
    pub fn due_usage_reports(&mut self, now: Timestamp) -> Result<Vec<UsageReport>> {
        self.ensure_writable()?;
        let today = self.local_today(now)?;
        let usage = self.recent_usage(today)?;
        let reported: BTreeSet<Date> = crate::store::rows(
            self.conn(),
            "SELECT day FROM usage_uploads WHERE uploaded_at IS NOT NULL",
            [],
            |row| row.get::<_, String>(0),
        )?
        .iter()
        .filter_map(|day| day.parse().ok())
        .collect();
        let recorded: BTreeSet<Date> = usage.keys().copied().collect();
        let mut reports = Vec::new();
        for day in due_days(today, &recorded, &reported) {
            let token = self.token_for(day)?;
            if let Some(day_usage) = usage.get(&day) {
                reports.push(build_report(day, token, day_usage));
            }
        }
        Ok(reports)
    }

    /// The token of `day`: the one made before for it, else a new one, kept.
    fn token_for(&self, day: Date) -> Result<String> {
        let day = day.to_string();
        let kept: Option<String> = self
            .conn()
            .query_row(
                "SELECT token FROM usage_uploads WHERE day = ?1",
                [&day],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(token) = kept {
            return Ok(token);
        }
        let token = new_token();
        self.conn().execute(
            "INSERT INTO usage_uploads (day, token) VALUES (?1, ?2)",
            params![day, token],
        )?;
        Ok(token)
    }

    /// Marks `report`'s day as accepted by the server.
    fn usage_reported(&self, report: &UsageReport, now: Timestamp) -> Result<()> {
        let updated = self.conn().execute(
            "UPDATE usage_uploads SET uploaded_at = ?3 WHERE day = ?1 AND token = ?2",
            params![report.day, report.token, timestamp_text(now)],
        )?;
        if updated == 1 {
            Ok(())
        } else {
            Err(StoreError::Damaged(format!(
                "the usage upload of {} lost its token",
                report.day
            )))
        }
    }
}

/// `together analytics upload` and the app's daily background upload: when the person opted in,
/// sends each due day's report to the device's sync server (without signing in: the report must
/// not be tied to an account) and remembers it as sent. Opted out, it returns before building
/// anything and never calls the server.
pub async fn upload_due(
    store: &mut Store,
    now: Timestamp,
) -> std::result::Result<Upload, SyncError> {
    if !store.analytics_opt_in(now)? {
        return Ok(Upload::OptedOut);
    }
    let Some(server) = store.sync_server()? else {
        return Ok(Upload::NoServer);
    };
    let reports = store.due_usage_reports(now)?;
    if reports.is_empty() {
        return Ok(Upload::Sent(reports));
    }
    let api = Api::new(&server, None)?;
    let mut sent = Vec::new();
    for report in reports {
        report
            .validate()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        api.send_usage(&report).await?;
        store.usage_reported(&report, now)?;
        sent.push(report);
    }
    Ok(Upload::Sent(sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_fresh() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), together_core::wire::usage::TOKEN_CHARS);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }
}
