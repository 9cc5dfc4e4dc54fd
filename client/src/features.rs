//! The app's features, one module each, re-exported at the crate root (`together_client::goals`).
//!
//! Each module holds everything about its feature, in this order:
//! - **reads**: the view models its screen and its CLI commands show (`Store` methods such as
//!   [`crate::Store::goals`]), where visibility rules live (the reveal rule in `checkins`);
//! - **forms**: `form` functions turning a `together_core::view` form into a validated input, with
//!   a sentence naming each bad field ([`crate::FormError`]). The app's shell and the `together` CLI
//!   call the same functions, so each rule is written once;
//! - **actions**: what a person does, as `Store` methods taking validated inputs (`add_goal`,
//!   `checkin`...), each one SQLite transaction through the write path;
//! - **screen operations**: what a button of the app does (validate the form, act, answer the
//!   screen's new view), free functions the Tauri commands call in one line.
//!
//! | module | feature |
//! |---|---|
//! | [`profile`](crate::profile) | the person: profile, their local day, analytics opt-in |
//! | [`relationship`](crate::relationship) | creating and joining, the partner, past (ended) relationships |
//! | [`checkins`](crate::checkins) | the daily check-in and the reveal rule |
//! | [`today`](crate::today) | the Today screen |
//! | [`history`](crate::history) | History, stats, the Premium history window |
//! | [`goals`](crate::goals), [`activities`](crate::activities), [`dates`](crate::dates), [`talk_log`](crate::talk_log) | the couple's records |
//! | [`challenges`](crate::challenges) | the catalogue, participations, entries, achievements |
//! | [`inbox`](crate::inbox) | notifications (the partner's news, date reminders) |
//! | [`love_languages`](crate::love_languages) | the love-language quiz; the partner's language on Today and in reminders |
//! | [`notes`](crate::notes) | private notes |
//! | [`privacy`](crate::privacy) | the privacy levels applied; private check-in notes and talk-log entries |
//! | [`pings`](crate::pings) | "thinking of you": small gestures for the partner, at a sweet pace |
//! | [`quizzes`](crate::quizzes) | partner quizzes: "how well do you know me" rounds and score, "this or that" |
//! | [`questions`](crate::questions) | a question a day: answers, the reveal, history, reactions, packs |
//! | [`account`](crate::account) | signing up and in (the account forms) |
//! | [`overview`](crate::overview) | the app frame: who is here, the sync indicator, badges |
//! | [`premium`](crate::premium) | the signed entitlement, the Premium screen, payment pages |
//! | [`ideas`](crate::ideas) | AI ideas paid with credits |
//! | [`data`](crate::data) | exports, `.automerge` import and export, rebuild |
//! | [`usage`](crate::usage) | usage recorded on the device (sessions, screens, events), "Your data", the opt-in upload |

pub mod account;
pub mod activities;
pub mod challenges;
pub mod checkins;
pub mod data;
pub mod dates;
pub mod goals;
pub mod history;
pub mod ideas;
pub mod inbox;
pub mod love_languages;
pub mod notes;
pub mod overview;
pub mod pings;
pub mod premium;
pub mod privacy;
pub mod profile;
pub mod questions;
pub mod quizzes;
pub mod relationship;
pub mod talk_log;
pub mod today;
pub mod usage;

use jiff::civil::Date;
use together_core::domain::{InvalidInput, parse_date};
use together_core::ids::RecordId;

use crate::error::FormError;

/// An optional day: empty means none.
pub(crate) fn optional_date(
    field: &'static str,
    value: &str,
) -> Result<Option<Date>, InvalidInput> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(field, value).map(Some)
    }
}

/// An optional enumeration word: empty means none.
pub(crate) fn optional_word<T: std::str::FromStr<Err = InvalidInput>>(
    value: &str,
) -> Result<Option<T>, InvalidInput> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        value.parse().map(Some)
    }
}

/// An enumeration word, `other` when empty.
pub(crate) fn word_or_other<T: std::str::FromStr<Err = InvalidInput>>(
    value: &str,
) -> Result<T, InvalidInput> {
    word_or(value, "other")
}

/// An enumeration word, `default` when empty.
pub(crate) fn word_or<T: std::str::FromStr<Err = InvalidInput>>(
    value: &str,
    default: &str,
) -> Result<T, InvalidInput> {
    if value.trim().is_empty() {
        default.parse()
    } else {
        value.parse()
    }
}

/// A record id the app or the command line sent. Whether the record exists is the action's
/// business (it checks inside its transaction).
pub fn record_id(text: &str) -> Result<RecordId, FormError> {
    text.trim()
        .parse()
        .map_err(|e: together_core::ids::InvalidId| FormError::new(e.to_string()))
}
