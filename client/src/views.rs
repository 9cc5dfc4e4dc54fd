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

/// Builds the Today screen's data for `local_date` (the device's calendar day) on a device set to
/// use `sync_server`.
pub fn today(store: &Store, local_date: Date, sync_server: Option<&str>) -> Result<TodayView> {
    Ok(TodayView {
        display_name: store.local_display_name()?,
        local_date: local_date.to_string(),
        sync_server: sync_server.map(str::to_owned),
    })
}
