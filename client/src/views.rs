//! Read models for screens, built from the local store.
//!
//! The Tauri shell and the CLI call these and hand the result on unchanged, so a screen shows exactly
//! what a test of this module checked.

use jiff::civil::Date;
use rusqlite::OptionalExtension;
use together_core::view::TodayView;

use crate::settings::SettingKey;
use crate::store::{Result, Store};

impl Store {
    /// The display name of the person using this device, once they have a profile.
    pub fn local_display_name(&self) -> Result<Option<String>> {
        let Some(user_id) = self.setting(SettingKey::LocalUserId)? else {
            return Ok(None);
        };
        Ok(self
            .conn()
            .query_row("SELECT name FROM users WHERE id = ?1", [user_id], |row| {
                row.get(0)
            })
            .optional()?)
    }
}

impl Store {
    /// Today's date for the local person: their profile's time zone decides, so a check-in after
    /// midnight in Auckland counts for the Auckland day. UTC until a profile exists.
    pub fn local_today(&self, now: jiff::Timestamp) -> Result<Date> {
        let zone: Option<String> = match self.setting(SettingKey::LocalUserId)? {
            Some(user) => self
                .conn()
                .query_row("SELECT timezone FROM users WHERE id = ?1", [user], |row| {
                    row.get(0)
                })
                .optional()?,
            None => None,
        };
        let tz = zone
            .and_then(|z| jiff::tz::TimeZone::get(&z).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        Ok(now.to_zoned(tz).date())
    }
}

/// Builds the Today screen's data for `local_date` (the device's calendar day) on a device set to
/// use `sync_server`.
pub fn today(store: &Store, local_date: Date, sync_server: Option<&str>) -> Result<TodayView> {
    Ok(TodayView {
        display_name: store.local_display_name()?,
        local_date: local_date.to_string(),
        date_label: local_date.strftime("%A, %B %-d").to_string(),
        sync_server: sync_server.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingKey;

    #[test]
    fn today_reads_the_local_person_and_labels_the_date() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let day = jiff::civil::date(2026, 11, 25);

        let view = today(&store, day, None).unwrap();
        assert_eq!(view.display_name, None);
        assert_eq!(view.local_date, "2026-11-25");
        assert_eq!(view.date_label, "Wednesday, November 25");

        store
            .conn()
            .execute(
                "INSERT INTO users (id, name, created_at, updated_at)
                 VALUES ('u', 'Robin', '2026-11-25T00:00:00Z', '2026-11-25T00:00:00Z')",
                [],
            )
            .unwrap();
        let now: jiff::Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        store
            .set_setting(SettingKey::LocalUserId, "u", now)
            .unwrap();
        let view = today(&store, day, Some("http://127.0.0.1:8787")).unwrap();
        assert_eq!(view.display_name.as_deref(), Some("Robin"));
        assert_eq!(view.sync_server.as_deref(), Some("http://127.0.0.1:8787"));
    }
}
