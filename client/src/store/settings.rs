//! The device's own settings, kept in the `app_settings` table (migration V4).
//!
//! Only device-local choices live here (who uses this device, later the sync server URL). Anything a
//! couple shares lives in their documents instead.

use jiff::Timestamp;
use rusqlite::OptionalExtension;

use crate::error::{Result, StoreError};
use crate::store::Store;

/// A known settings key. Keys are an enum so a typo cannot create a setting nobody reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SettingKey {
    /// The `users.id` of the person using this device.
    LocalUserId,
    /// The relationship this device shows (a person may later have more than one).
    CurrentRelationshipId,
    /// The version of the built-in catalogue copied into `challenges` and `achievements`.
    CatalogVersion,
    /// The sync server this device uses.
    SyncServer,
    /// The account's email on that server.
    SyncEmail,
    /// The server's entitlement public key, pinned when first seen.
    EntitlementKey,
    /// The latest signed entitlement (JSON: payload and signature).
    Entitlement,
    /// When the entitlement was last asked for (RFC 3339).
    EntitlementCheckedAt,
    /// When the background checkpoint last made the write-ahead log start over (RFC 3339).
    LogStartedOverAt,
}

impl SettingKey {
    /// The key as stored in the table.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::LocalUserId => "local_user_id",
            Self::CurrentRelationshipId => "current_relationship_id",
            Self::CatalogVersion => "catalog_version",
            Self::SyncServer => "sync_server",
            Self::SyncEmail => "sync_email",
            Self::EntitlementKey => "entitlement_public_key",
            Self::Entitlement => "entitlement",
            Self::EntitlementCheckedAt => "entitlement_checked_at",
            Self::LogStartedOverAt => "log_started_over_at",
        }
    }
}

impl Store {
    /// Reads a setting, `None` when it was never set.
    pub(crate) fn setting(&self, key: SettingKey) -> Result<Option<String>> {
        get_setting(self.conn(), key)
    }

    /// Writes a setting, replacing any previous value.
    pub(crate) fn set_setting(&self, key: SettingKey, value: &str, now: Timestamp) -> Result<()> {
        self.ensure_writable()?;
        put_setting(self.conn(), key, value, now)
    }
}

/// Reads a setting through any connection (a transaction included).
pub(crate) fn get_setting(conn: &rusqlite::Connection, key: SettingKey) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM app_settings WHERE key = ?1")?
        .query_row([key.as_str()], |row| row.get(0))
        .optional()?)
}

/// Writes a setting through any connection (a transaction included).
pub(crate) fn put_setting(
    conn: &rusqlite::Connection,
    key: SettingKey,
    value: &str,
    now: Timestamp,
) -> Result<()> {
    conn.execute(
        "INSERT INTO app_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (
            key.as_str(),
            value,
            together_core::document::timestamp_text(now),
        ),
    )?;
    Ok(())
}

/// A stored setting read as a typed value (an id): `None` when unset, an error naming `what` when
/// the stored text does not parse.
pub(crate) fn parse_setting<T: std::str::FromStr>(
    value: Option<String>,
    what: &str,
) -> Result<Option<T>> {
    value
        .map(|v| {
            v.parse()
                .map_err(|_| StoreError::Damaged(format!("the stored {what} is unreadable: {v:?}")))
        })
        .transpose()
}
