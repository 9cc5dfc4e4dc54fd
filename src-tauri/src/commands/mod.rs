//! The IPC commands the UI calls. Each is one call into `together-client` (a feature's read or
//! screen operation), which validates and decides everything; errors answer as sentences
//! ([`CommandError`](crate::error::CommandError)). Commands do not announce their own changes: the
//! screen that acted refreshes itself, and `data-changed` is kept for changes the screens did not
//! make (the partner's, reminders, coming back from Stripe).
//!
//! - `home`: the app frame, Today (check-in), profile, History.
//! - `records`: activities, goals, dates, talk log, challenges, achievements, notifications.
//! - `account`: sign up / in / out, pairing, devices, account deletion, Premium, AI ideas, sync now.
//! - `daily`: the question of the day, "thinking of you", the love-language quiz, time zones.
//! - `data`: exports.
//! - `usage`: the screen shown (usage recorded on the device), "Your data", the opt-in switch.

pub(crate) mod account;
pub(crate) mod daily;
pub(crate) mod data;
pub(crate) mod home;
pub(crate) mod records;
pub(crate) mod usage;

use jiff::Timestamp;

/// The moment a command acts at.
fn now() -> Timestamp {
    Timestamp::now()
}
