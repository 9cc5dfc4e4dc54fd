//! What Premium opens beyond the free app: one list for the Premium screen and `docs/billing.md`,
//! and the rules the read API applies with it.
//!
//! Every gate is a **read** gate applied on each device from the couple's signed entitlement
//! (`together_client::premium`): the records themselves are on both devices whatever the access
//! (they are the couple's, and `export` always has all of them), so a lapsed subscription hides
//! nothing from an export and loses nothing. Nothing that is written together (the question of
//! the day, which pack it is drawn from) depends on access: two devices that disagree about
//! Premium for a while (one offline past its entitlement) still pick the same question.

use jiff::{SignedDuration, Timestamp};

use super::FREE_HISTORY_DAYS;

/// What Premium opens, in the words the Premium screen shows, in order.
pub const PREMIUM_UNLOCKS: [&str; 3] = [
    "A full year of History: your scores and the check-in calendar over 365 days (90 days are free).",
    "Your whole quiz history: every “How well do you know me” round you ever played (the last 90 days are free; the running score always counts them all).",
    "One subscription for both of you, and a small, private, end-to-end encrypted app kept going.",
];

/// What stays free, said as plainly, under the list.
pub const FREE_STAYS: &str = "Free stays complete: check-ins, the question of the day (every pack), quizzes, love languages, \
     “thinking of you”, plans, goals, dates, the talk log, sync and export. AI date ideas are paid with credits, \
     with or without Premium. Nothing you wrote is ever \
     locked away: export has all of it, with or without Premium.";

/// Whether a revealed "know me" round that started at `started` is past the free window at
/// `now` (older than [`FREE_HISTORY_DAYS`]), so that only Premium shows it in the list.
pub fn quiz_round_needs_premium(started: Timestamp, now: Timestamp) -> bool {
    let window = SignedDuration::from_hours(24 * FREE_HISTORY_DAYS);
    now.duration_since(started) > window
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rounds_older_than_the_free_window_need_premium() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let day = SignedDuration::from_hours(24);
        assert!(!quiz_round_needs_premium(now, now));
        assert!(!quiz_round_needs_premium(now - day * 90, now));
        assert!(quiz_round_needs_premium(now - day * 91, now));
        assert!(!quiz_round_needs_premium(now + day, now), "a clock ahead");
    }
}
