//! Read models for screens, built from the local store.
//!
//! The Tauri shell and the CLI call these and hand the result on unchanged, so a screen shows exactly
//! what a test of this module checked.

use jiff::civil::Date;
use rusqlite::OptionalExtension;

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
