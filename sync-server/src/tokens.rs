//! The device tokens this instance checked in the database a moment ago, so a device's requests
//! in a burst (an append, then the pull its partner's news asks for, …) cost one database round
//! trip per [`RECHECK_AFTER`] instead of one each.
//!
//! ## Architecture invariant
//! A sign-out is never softened by the cache. Every news that a token stopped being valid (a
//! device signed out, an account deleted or disabled: the same [`crate::storage::Broadcast`] that
//! closes live sockets, heard from this instance or another) forgets every remembered token of
//! that device or account, and a gap in the news between instances
//! ([`crate::storage::Heard::Gap`]) forgets **every** token. A check that began before any such
//! forgetting cannot store its (possibly stale) answer after it: each forgetting starts a new
//! generation, and an answer is kept only if its generation is still current
//! ([`RecentTokens::remember`]). So a revoked token is refused as soon as the news reaches an
//! instance; only if the news itself were lost without a gap would a token stay accepted, for at
//! most [`RECHECK_AFTER`]. Refusals are not remembered: an unknown token always asks the
//! database (and its rate limits).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// How long a token checked in the database is believed without asking again. It also bounds how
/// stale the devices' "last seen" (written by the check, to the minute) can be.
pub const RECHECK_AFTER: SignedDuration = SignedDuration::from_secs(10);

/// The most tokens remembered at once (about 200 bytes each): past it, the expired ones are
/// dropped, then all if that leaves the map more than nine tenths full (so the scan runs at most
/// once per tenth of the bound, not at every new token). A bound an attacker cannot push (only
/// valid tokens enter), and far above the devices one instance serves in ten seconds.
pub const MAX_REMEMBERED: usize = 100_000;

/// The signed-in device a token belongs to, as the database said at `checked_at`.
#[derive(Debug, Clone)]
struct Checked {
    user_id: String,
    device_id: String,
    checked_at: Timestamp,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    tokens: HashMap<[u8; 32], Checked>,
}

/// Recently checked tokens, by their SHA-256 (the token itself is never kept).
#[derive(Debug, Default)]
pub struct RecentTokens {
    inner: Mutex<Inner>,
}

/// Where a check is at: taken before asking the database, given back to [`RecentTokens::remember`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl RecentTokens {
    /// The (account, device) of `token_hash` if the database said so less than [`RECHECK_AFTER`]
    /// ago (and not in the future: a clock set back asks again); otherwise the generation to pass
    /// to [`RecentTokens::remember`] after asking the database.
    pub fn get(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<(String, String), Generation> {
        let inner = self.lock();
        match inner.tokens.get(token_hash) {
            Some(checked) if fresh(checked.checked_at, now) => {
                Ok((checked.user_id.clone(), checked.device_id.clone()))
            }
            _ => Err(Generation(inner.generation)),
        }
    }

    /// Remembers what the database said of `token_hash` at `now`, unless a sign-out (or a gap)
    /// came since `generation` was taken: that answer may predate it.
    pub fn remember(
        &self,
        generation: Generation,
        token_hash: [u8; 32],
        user_id: &str,
        device_id: &str,
        now: Timestamp,
    ) {
        let mut inner = self.lock();
        if inner.generation != generation.0 {
            return;
        }
        if inner.tokens.len() >= MAX_REMEMBERED && !inner.tokens.contains_key(&token_hash) {
            inner
                .tokens
                .retain(|_, checked| fresh(checked.checked_at, now));
            if inner.tokens.len() > MAX_REMEMBERED / 10 * 9 {
                inner.tokens.clear();
            }
        }
        inner.tokens.insert(
            token_hash,
            Checked {
                user_id: user_id.to_owned(),
                device_id: device_id.to_owned(),
                checked_at: now,
            },
        );
    }

    /// Forgets every token, and refuses answers of checks already under way: news of a token
    /// that stopped being valid may have been missed (a gap in the news between instances).
    pub fn forget_all(&self) {
        self.forget(|_| true);
    }

    /// Forgets the tokens of one device (it was signed out), and refuses answers of checks
    /// already under way, whichever token they are about: such an answer may predate the news.
    pub fn forget_device(&self, user_id: &str, device_id: &str) {
        self.forget(|checked| checked.user_id == user_id && checked.device_id == device_id);
    }

    /// Forgets the tokens of every device of one account (it was deleted or disabled), as
    /// [`RecentTokens::forget_device`] does for one.
    pub fn forget_account(&self, user_id: &str) {
        self.forget(|checked| checked.user_id == user_id);
    }

    /// The other devices' tokens stay believed: one person signing out does not send every
    /// active device of the instance back to the database.
    fn forget(&self, gone: impl Fn(&Checked) -> bool) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.tokens.retain(|_, checked| !gone(checked));
    }

    /// How many tokens are remembered now.
    pub fn len(&self) -> usize {
        self.lock().tokens.len()
    }

    /// Whether no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map holds no invariant a panic could break half-way.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether a check made at `checked_at` still holds at `now`.
fn fresh(checked_at: Timestamp, now: Timestamp) -> bool {
    let age = now.duration_since(checked_at);
    age >= SignedDuration::ZERO && age < RECHECK_AFTER
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    fn remembered(tokens: &RecentTokens, hash: [u8; 32], now: Timestamp) {
        let generation = tokens.get(&hash, now).unwrap_err();
        tokens.remember(generation, hash, "alice", "a1", now);
    }

    #[test]
    fn a_token_is_believed_for_a_while_then_asked_again() {
        let tokens = RecentTokens::default();
        let hash = [7; 32];
        assert!(tokens.get(&hash, at(0)).is_err(), "never checked");
        remembered(&tokens, hash, at(0));
        assert_eq!(
            tokens.get(&hash, at(9)).unwrap(),
            ("alice".to_owned(), "a1".to_owned())
        );
        assert!(tokens.get(&hash, at(10)).is_err(), "ten seconds on: ask");
        assert!(tokens.get(&hash, at(-1)).is_err(), "a clock set back: ask");
        assert!(tokens.get(&[8; 32], at(1)).is_err(), "another token");
    }

    #[test]
    fn a_gap_forgets_every_token() {
        let tokens = RecentTokens::default();
        remembered(&tokens, [1; 32], at(0));
        remembered(&tokens, [2; 32], at(0));
        tokens.forget_all();
        assert!(tokens.is_empty());
        assert!(tokens.get(&[1; 32], at(1)).is_err());
    }

    #[test]
    fn a_sign_out_forgets_that_device_and_a_deletion_that_account() {
        let tokens = RecentTokens::default();
        let remember = |hash: u8, user: &str, device: &str| {
            let generation = tokens.get(&[hash; 32], at(0)).unwrap_err();
            tokens.remember(generation, [hash; 32], user, device, at(0));
        };
        remember(1, "alice", "a1");
        remember(2, "alice", "a2");
        remember(3, "bob", "b1");
        remember(4, "carol", "c1");
        tokens.forget_device("alice", "a1");
        assert!(tokens.get(&[1; 32], at(1)).is_err(), "signed out");
        assert!(tokens.get(&[2; 32], at(1)).is_ok(), "her other device");
        // A device id is only ever looked at with its account.
        tokens.forget_device("bob", "a2");
        assert!(tokens.get(&[2; 32], at(1)).is_ok());
        tokens.forget_account("bob");
        assert!(tokens.get(&[3; 32], at(1)).is_err(), "deleted");
        assert!(tokens.get(&[4; 32], at(1)).is_ok(), "someone else");
        assert_eq!(tokens.len(), 2);
    }

    #[test]
    fn an_answer_older_than_any_forgetting_is_not_kept() {
        let tokens = RecentTokens::default();
        let hash = [5; 32];
        // Bob's check starts, Alice signs out, Bob's check ends: his answer may be older than
        // news about him that the next forgetting would carry, so it is not kept either.
        let before = tokens.get(&hash, at(0)).unwrap_err();
        tokens.forget_device("alice", "a1");
        tokens.remember(before, hash, "bob", "b1", at(0));
        assert!(tokens.get(&hash, at(1)).is_err());
    }

    #[test]
    fn an_answer_older_than_a_sign_out_is_not_kept() {
        let tokens = RecentTokens::default();
        let hash = [3; 32];
        // A check starts (the database says "valid"), a sign-out is heard, the check ends.
        let before = tokens.get(&hash, at(0)).unwrap_err();
        tokens.forget_all();
        tokens.remember(before, hash, "alice", "a1", at(0));
        assert!(
            tokens.get(&hash, at(1)).is_err(),
            "the stale answer is dropped"
        );
        // A check that starts after the sign-out is kept.
        remembered(&tokens, hash, at(1));
        assert!(tokens.get(&hash, at(2)).is_ok());
    }

    #[test]
    fn the_number_of_tokens_is_bounded() {
        let tokens = RecentTokens::default();
        for n in 0..MAX_REMEMBERED {
            let mut hash = [0; 32];
            hash[..8].copy_from_slice(&(n as u64).to_le_bytes());
            remembered(&tokens, hash, at(0));
        }
        assert_eq!(tokens.len(), MAX_REMEMBERED);
        // Full of fresh ones: making room forgets them all.
        remembered(&tokens, [0xff; 32], at(1));
        assert_eq!(tokens.len(), 1);
        // Full, mostly of expired ones: only those go.
        for n in 0..MAX_REMEMBERED - 2 {
            let mut hash = [1; 32];
            hash[..8].copy_from_slice(&(n as u64).to_le_bytes());
            remembered(&tokens, hash, at(1));
        }
        remembered(&tokens, [0xdd; 32], at(25));
        assert_eq!(tokens.len(), MAX_REMEMBERED);
        remembered(&tokens, [0xee; 32], at(30));
        assert_eq!(tokens.len(), 2, "the expired ones made room");
        assert!(tokens.get(&[0xdd; 32], at(31)).is_ok(), "a fresh one stays");
        assert!(tokens.get(&[0xee; 32], at(31)).is_ok());
        // Full, and still more than nine tenths fresh without the expired ones: all go, so the
        // next new tokens do not scan the map again.
        let tokens = RecentTokens::default();
        for n in 0..MAX_REMEMBERED {
            let mut hash = [2; 32];
            hash[..8].copy_from_slice(&(n as u64).to_le_bytes());
            remembered(&tokens, hash, at(if n % 20 == 0 { 0 } else { 15 }));
        }
        remembered(&tokens, [0xcc; 32], at(16));
        assert_eq!(tokens.len(), 1);
    }
}
