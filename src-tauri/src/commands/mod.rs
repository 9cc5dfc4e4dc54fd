//! The IPC commands the UI calls. Each is a few lines over `together-client`: read a view model, or
//! validate a form and run one action. Errors answer as sentences ([`CommandError`]).
//!
//! - `home`: the app frame, Today (check-in), profile, History.
//! - `records`: activities, goals, dates, talk log, challenges, achievements, notifications.
//! - `account`: sign up / in / out, pairing, devices, account deletion, plans, sync now.
//! - `data`: exports.

pub(crate) mod account;
pub(crate) mod data;
pub(crate) mod home;
pub(crate) mod records;

use jiff::Timestamp;
use tauri::{AppHandle, Emitter};
use together_client::Store;
use together_core::ids::RecordId;

use crate::shell::CommandError;
use crate::worker::DATA_CHANGED;

/// The moment a command acts at.
fn now() -> Timestamp {
    Timestamp::now()
}

/// Tells every screen to refresh (another window or the sync worker may show the same data).
fn changed(app: &AppHandle) {
    let _ = app.emit(DATA_CHANGED, ());
}

/// Parses a record id the UI sent and checks it is one of `known`.
fn known_record(
    id: &str,
    known: impl IntoIterator<Item = String>,
    what: &str,
) -> Result<RecordId, CommandError> {
    let parsed: RecordId = id
        .trim()
        .parse()
        .map_err(|_| CommandError::Invalid(format!("{id:?} is not a {what} id")))?;
    if known.into_iter().any(|k| k == parsed.to_string()) {
        Ok(parsed)
    } else {
        Err(CommandError::Invalid(format!(
            "this {what} no longer exists; it may have been removed on your partner's device"
        )))
    }
}

/// The local calendar day of the person.
fn today(store: &Store) -> Result<jiff::civil::Date, CommandError> {
    Ok(store.local_today(now())?)
}
