//! Sign-in throttling that slows a password guesser down without locking the owner out, in bounded
//! memory.
//!
//! Three rules, checked before every sign-in attempt ([`LoginLimiter::retry_after`]) and fed by its
//! outcome ([`LoginLimiter::record_failure`], [`LoginLimiter::record_success`]):
//!
//! 1. **Backoff per (address, account).** The first [`Limits::free_failures`] failures from one
//!    address on one account cost nothing; after that, each attempt from that address on that
//!    account waits [`Limits::base_delay`], doubled with every further failure, at most
//!    [`Limits::max_delay`] (never more than half the window). A success from that address, or a
//!    window without failure, forgets it.
//! 2. **Budget per address** ([`Limits::per_address`] failures per [`Limits::window`], whatever the
//!    accounts): one address trying many accounts (credential stuffing) is stopped until its
//!    window ends.
//! 3. **Budget per account** ([`Limits::per_account`] failures per window, counting only failures
//!    from addresses the account does not know): a guesser spread over many addresses is stopped on
//!    that account until the window ends — but only at addresses the account does not know. An
//!    address is *known* to an account for [`Limits::known_for`] (30 days) after the account
//!    signed up or signed in from it; each account remembers its [`KNOWN_PER_ACCOUNT`] latest.
//!
//! So an attacker elsewhere is slowed (rule 1) and then stopped (rules 2 and 3), while the owner,
//! from an address where they signed in before, meets only their own backoff (rule 1): the real
//! owner is never locked out by someone else's failures. The owner on a new address during an
//! attack on their account waits for the window, as before.
//!
//! Addresses are compared as the account sees them: IPv4 exactly, IPv6 by its /64 prefix (what
//! one subscriber gets, so rotating through it gains nothing).
//!
//! **Memory is bounded.** Keys are stored as 64-bit keyed hashes (random key per process, so
//! collisions cannot be aimed), never as the attacker's strings. Each of the four tables holds
//! at most [`MAX_TRACKED`] keys; entries expire (failures after a quiet window, known addresses
//! after `known_for`), and a full table first drops what expired, then the least recently used
//! eighth (amortised constant time per insertion). Flooding the tables to evict an entry takes
//! [`MAX_TRACKED`] failures, which rule 2 spreads over thousands of addresses.
//!
//! A fourth, separate budget limits the unauthenticated usage uploads (`POST /v1/usage`) per
//! address ([`Limits::usage_per_address`] per window, [`LoginLimiter::usage_upload`]): a device
//! uploads once a day, so this only stops a flood. It never touches the sign-in budgets.
//!
//! **In memory, per process**: a restart forgets, and several server instances each count
//! separately. A later change moves this state into the database so instances share it.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Most keys each of the limiter's tables holds.
pub const MAX_TRACKED: usize = 100_000;

/// Most known addresses remembered per account.
pub const KNOWN_PER_ACCOUNT: usize = 4;

/// The limiter's settings. `per_account`, `per_address` and `window` come from the configuration
/// file's `[login_limits]`; the others are fixed defaults that tests may change.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures per account per window, from addresses the account does not know, before those
    /// addresses are refused on that account until the window ends.
    pub per_account: usize,
    /// Failures per address per window, across accounts, before that address is refused.
    pub per_address: usize,
    /// How long failures are remembered.
    pub window: Duration,
    /// Failures from one address on one account before backoff starts.
    pub free_failures: u32,
    /// The first backoff wait; doubled with each further failure.
    pub base_delay: Duration,
    /// The longest backoff wait (capped at half the window, so backoff never outlives its memory).
    pub max_delay: Duration,
    /// How long an address stays known to an account after a sign-in from it.
    pub known_for: Duration,
    /// Usage uploads per address per window (several devices may share an address, and a device
    /// back from a week offline sends a report per day).
    pub usage_per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account: 10,
            per_address: 50,
            window: Duration::from_secs(15 * 60),
            free_failures: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5 * 60),
            known_for: Duration::from_secs(30 * 24 * 3600),
            usage_per_address: 120,
        }
    }
}

/// Failures from one address on one account.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    failures: u32,
    last: Instant,
}

/// Failures counted in a fixed window.
#[derive(Debug, Clone, Copy)]
struct Budget {
    failures: usize,
    since: Instant,
}

/// The addresses an account signed in from lately, with when.
#[derive(Debug, Clone, Default)]
struct Known {
    addresses: Vec<(u64, Instant)>,
}

/// Something that can be forgotten: when it was last touched.
trait Aged {
    fn touched(&self) -> Instant;
}

impl Aged for Backoff {
    fn touched(&self) -> Instant {
        self.last
    }
}

impl Aged for Budget {
    fn touched(&self) -> Instant {
        self.since
    }
}

impl Aged for Known {
    fn touched(&self) -> Instant {
        self.addresses
            .iter()
            .map(|(_, at)| *at)
            .max()
            .unwrap_or_else(Instant::now)
    }
}

/// The limiter's tables, keyed by hashes.
#[derive(Debug, Default)]
struct Tables {
    pairs: HashMap<u64, Backoff>,
    addresses: HashMap<u64, Budget>,
    accounts: HashMap<u64, Budget>,
    known: HashMap<u64, Known>,
    uploads: HashMap<u64, Budget>,
}

/// Remembers recent sign-in outcomes; see the module documentation for the rules.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    limits: Limits,
    /// Keys the tables' hashes; random per process.
    hasher: RandomState,
    /// A std mutex: held for a few map operations, never across an await.
    tables: Mutex<Tables>,
}

/// Who is trying: the hashed keys of one attempt.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    pair: u64,
    address: Option<u64>,
    account: u64,
}

impl LoginLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            hasher: RandomState::new(),
            tables: Mutex::default(),
        }
    }

    /// How long until this address may try this account again, or `None` if it may now.
    pub fn retry_after(
        &self,
        account: &str,
        address: Option<&str>,
        now: Instant,
    ) -> Option<Duration> {
        let attempt = self.attempt(account, address);
        let tables = self.lock();
        let limits = &self.limits;
        let mut wait = Duration::ZERO;
        if let Some(backoff) = tables.pairs.get(&attempt.pair)
            && now.saturating_duration_since(backoff.last) < limits.window
            && backoff.failures >= limits.free_failures
        {
            let until = backoff.last + self.delay(backoff.failures);
            wait = wait.max(until.saturating_duration_since(now));
        }
        if let Some(address) = attempt.address {
            wait = wait.max(budget_wait(
                tables.addresses.get(&address),
                limits.per_address,
                limits.window,
                now,
            ));
        }
        if !self.is_known(&tables, attempt, now) {
            wait = wait.max(budget_wait(
                tables.accounts.get(&attempt.account),
                limits.per_account,
                limits.window,
                now,
            ));
        }
        (!wait.is_zero()).then_some(wait)
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, account: &str, address: Option<&str>, now: Instant) {
        let attempt = self.attempt(account, address);
        let window = self.limits.window;
        let mut tables = self.lock();
        let known = self.is_known(&tables, attempt, now);
        let backoff = slot(&mut tables.pairs, attempt.pair, now, window, || Backoff {
            failures: 0,
            last: now,
        });
        if now.saturating_duration_since(backoff.last) >= window {
            backoff.failures = 0;
        }
        backoff.failures = backoff.failures.saturating_add(1);
        backoff.last = now;
        if let Some(address) = attempt.address {
            count(&mut tables.addresses, address, now, window);
        }
        if !known {
            count(&mut tables.accounts, attempt.account, now, window);
        }
    }

    /// Records a successful sign-in (or a sign-up): this address's backoff on the account is
    /// forgotten and the address becomes known to the account.
    pub fn record_success(&self, account: &str, address: Option<&str>, now: Instant) {
        let attempt = self.attempt(account, address);
        let known_for = self.limits.known_for;
        let mut tables = self.lock();
        tables.pairs.remove(&attempt.pair);
        let Some(address) = attempt.address else {
            return;
        };
        let known = slot(
            &mut tables.known,
            attempt.account,
            now,
            known_for,
            Known::default,
        );
        known
            .addresses
            .retain(|(a, at)| *a != address && now.saturating_duration_since(*at) < known_for);
        if known.addresses.len() >= KNOWN_PER_ACCOUNT {
            // The least recently used address makes room.
            if let Some(oldest) = (0..known.addresses.len()).min_by_key(|&i| known.addresses[i].1) {
                known.addresses.swap_remove(oldest);
            }
        }
        known.addresses.push((address, now));
    }

    /// Counts one usage upload from `address`; how long until it may upload again when its
    /// budget for the window is spent (the upload is then refused), or `None` if this one may go.
    pub fn usage_upload(&self, address: Option<&str>, now: Instant) -> Option<Duration> {
        let key = self
            .hasher
            .hash_one(("upload", address.map(address_key).as_deref().unwrap_or("-")));
        let window = self.limits.window;
        let mut tables = self.lock();
        let wait = budget_wait(
            tables.uploads.get(&key),
            self.limits.usage_per_address,
            window,
            now,
        );
        if !wait.is_zero() {
            return Some(wait);
        }
        count(&mut tables.uploads, key, now, window);
        None
    }

    /// The number of keys in the limiter's fullest table (its memory, for tests and logs).
    pub fn tracked(&self) -> usize {
        let tables = self.lock();
        [
            tables.pairs.len(),
            tables.addresses.len(),
            tables.accounts.len(),
            tables.known.len(),
            tables.uploads.len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    /// The wait after `failures` failures (at least `free_failures`).
    fn delay(&self, failures: u32) -> Duration {
        let limits = &self.limits;
        let doublings = failures.saturating_sub(limits.free_failures).min(30);
        let cap = limits.max_delay.min(limits.window / 2);
        limits
            .base_delay
            .saturating_mul(1_u32 << doublings)
            .min(cap)
    }

    fn is_known(&self, tables: &Tables, attempt: Attempt, now: Instant) -> bool {
        let Some(address) = attempt.address else {
            return false;
        };
        tables.known.get(&attempt.account).is_some_and(|known| {
            known.addresses.iter().any(|(a, at)| {
                *a == address && now.saturating_duration_since(*at) < self.limits.known_for
            })
        })
    }

    fn attempt(&self, account: &str, address: Option<&str>) -> Attempt {
        let account = account.trim().to_lowercase();
        let address = address.map(address_key);
        Attempt {
            pair: self
                .hasher
                .hash_one(("pair", address.as_deref().unwrap_or("-"), &account)),
            address: address.map(|a| self.hasher.hash_one(("address", a))),
            account: self.hasher.hash_one(("account", account)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        // The tables hold no invariant a panic could break half-way.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An address as the limiter counts it: IPv4 exactly, IPv6 by its /64 (an IPv4-mapped IPv6
/// address as IPv4), anything unparsable as written.
fn address_key(address: &str) -> String {
    match address.trim().parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(v4) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

/// How long a budget keeps refusing (zero when it has room).
fn budget_wait(budget: Option<&Budget>, limit: usize, window: Duration, now: Instant) -> Duration {
    match budget {
        Some(b) if b.failures >= limit => (b.since + window).saturating_duration_since(now),
        _ => Duration::ZERO,
    }
}

/// Counts a failure in a fixed-window budget.
fn count(table: &mut HashMap<u64, Budget>, key: u64, now: Instant, window: Duration) {
    let budget = slot(table, key, now, window, || Budget {
        failures: 0,
        since: now,
    });
    if now.saturating_duration_since(budget.since) >= window {
        *budget = Budget {
            failures: 0,
            since: now,
        };
    }
    budget.failures = budget.failures.saturating_add(1);
}

/// The entry for `key`, made with `new` after making room if the table is full.
fn slot<V: Aged>(
    table: &mut HashMap<u64, V>,
    key: u64,
    now: Instant,
    lifetime: Duration,
    new: impl FnOnce() -> V,
) -> &mut V {
    if !table.contains_key(&key) {
        make_room(table, now, lifetime);
    }
    table.entry(key).or_insert_with(new)
}

/// Keeps a table under [`MAX_TRACKED`]: drops what expired, then, if still full, the least
/// recently touched eighth.
fn make_room<V: Aged>(table: &mut HashMap<u64, V>, now: Instant, lifetime: Duration) {
    if table.len() < MAX_TRACKED {
        return;
    }
    table.retain(|_, v| now.saturating_duration_since(v.touched()) < lifetime);
    if table.len() < MAX_TRACKED {
        return;
    }
    let mut ages: Vec<Instant> = table.values().map(Aged::touched).collect();
    let cut = ages.len() / 8;
    let (_, threshold, _) = ages.select_nth_unstable(cut);
    let threshold = *threshold;
    table.retain(|_, v| v.touched() > threshold);
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "sam@example.com";

    #[test]
    fn usage_uploads_have_their_own_budget_per_address() {
        let limits = Limits {
            usage_per_address: 3,
            ..Limits::default()
        };
        let limiter = LoginLimiter::new(limits);
        let now = Instant::now();
        let here = Some("198.51.100.7");
        for _ in 0..3 {
            assert_eq!(limiter.usage_upload(here, now), None);
        }
        assert!(
            limiter.usage_upload(here, now).is_some(),
            "the fourth waits"
        );
        assert_eq!(limiter.usage_upload(Some("203.0.113.9"), now), None);
        assert_eq!(
            limiter.retry_after(OWNER, here, now),
            None,
            "sign-ins from that address are not touched"
        );
        assert_eq!(limiter.usage_upload(here, now + limits.window), None);
    }

    #[test]
    fn backoff_grows_with_each_failure_then_forgets() {
        let limiter = LoginLimiter::new(Limits::default());
        let start = Instant::now();
        let attacker = Some("198.51.100.7");
        let mut now = start;
        let mut waits = Vec::new();
        for _ in 0..6 {
            if let Some(wait) = limiter.retry_after(OWNER, attacker, now) {
                waits.push(wait);
                now += wait;
            }
            assert_eq!(limiter.retry_after(OWNER, attacker, now), None);
            limiter.record_failure(OWNER, attacker, now);
        }
        assert!(waits.len() >= 3, "slowed after a few failures: {waits:?}");
        assert!(
            waits.windows(2).all(|w| w[1] > w[0]),
            "each wait longer than the last: {waits:?}"
        );
        // Quiet for the window: all forgotten.
        let later = now + Limits::default().window;
        assert_eq!(limiter.retry_after(OWNER, attacker, later), None);
        limiter.record_failure(OWNER, attacker, later);
        assert_eq!(
            limiter.retry_after(OWNER, attacker, later),
            None,
            "one failure after a quiet window costs nothing"
        );
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_distinct_emails() {
        let limiter = LoginLimiter::new(Limits::default());
        let start = Instant::now();
        for i in 0..200_000_u32 {
            let email = format!("victim{i}@example.com");
            // A botnet: a fresh address every few tries.
            let address = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
            let now = start + Duration::from_millis(u64::from(i));
            let _ = limiter.retry_after(&email, Some(&address), now);
            limiter.record_failure(&email, Some(&address), now);
        }
        assert!(
            limiter.tracked() <= MAX_TRACKED,
            "{} keys remembered, more than {MAX_TRACKED}",
            limiter.tracked()
        );
    }

    #[test]
    fn the_owner_signs_in_from_home_while_an_attacker_elsewhere_is_slowed() {
        let limits = Limits::default();
        let limiter = LoginLimiter::new(limits);
        let start = Instant::now();
        let (home, attacker) = (Some("203.0.113.9"), Some("198.51.100.7"));
        limiter.record_success(OWNER, home, start);
        // The attacker guesses as fast as he is let through, for two windows.
        let mut now = start;
        let mut tries = 0;
        let mut refusals = 0;
        while now < start + 2 * limits.window {
            match limiter.retry_after(OWNER, attacker, now) {
                Some(wait) => {
                    refusals += 1;
                    now += wait.min(Duration::from_secs(30));
                }
                None => {
                    tries += 1;
                    limiter.record_failure(OWNER, attacker, now);
                    if tries == limits.per_account {
                        // The account's budget is spent: from an address the account does not
                        // know, even the owner now waits like anyone else.
                        assert!(limiter.retry_after(OWNER, Some("192.0.2.1"), now).is_some());
                    }
                }
            }
            // The owner, at home, is never made to wait.
            assert_eq!(
                limiter.retry_after(OWNER, home, now),
                None,
                "after {tries} guesses"
            );
        }
        assert!(refusals > 0);
        assert!(
            tries <= 2 * limits.per_account + 2,
            "{tries} guesses in two windows: the account's budget stops him"
        );
        // Another account is untouched by all this.
        assert_eq!(
            limiter.retry_after("kim@example.com", Some("192.0.2.1"), now),
            None
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_stopped() {
        let limits = Limits {
            per_address: 5,
            ..Limits::default()
        };
        let limiter = LoginLimiter::new(limits);
        let now = Instant::now();
        let stuffer = Some("198.51.100.7");
        for i in 0..5 {
            let email = format!("user{i}@example.com");
            assert_eq!(limiter.retry_after(&email, stuffer, now), None);
            limiter.record_failure(&email, stuffer, now);
        }
        assert_eq!(
            limiter.retry_after("fresh@example.com", stuffer, now),
            Some(limits.window)
        );
        // The same /64 is the same subscriber; another address is not affected.
        assert_eq!(
            limiter.retry_after("fresh@example.com", Some("192.0.2.1"), now),
            None
        );
        for i in 0..5 {
            let address = format!("2001:db8:1:2::{i:x}");
            limiter.record_failure("six@example.com", Some(&address), now);
        }
        assert!(
            limiter
                .retry_after("other@example.com", Some("2001:db8:1:2:ffff::1"), now)
                .is_some()
        );
        assert_eq!(
            limiter.retry_after("other@example.com", Some("2001:db8:1:3::1"), now),
            None
        );
    }

    #[test]
    fn a_success_forgets_the_backoff_and_known_addresses_are_bounded() {
        let limiter = LoginLimiter::new(Limits::default());
        let now = Instant::now();
        let home = Some("203.0.113.9");
        for _ in 0..5 {
            limiter.record_failure(OWNER, home, now);
        }
        assert!(
            limiter.retry_after(OWNER, home, now).is_some(),
            "typos back off"
        );
        limiter.record_success(OWNER, home, now);
        assert_eq!(limiter.retry_after(OWNER, home, now), None);
        // Only the latest few addresses stay known.
        for i in 0..10 {
            limiter.record_success(
                OWNER,
                Some(&format!("192.0.2.{i}")),
                now + Duration::from_secs(i),
            );
        }
        let tables = limiter.lock();
        assert_eq!(tables.known.len(), 1);
        assert!(
            tables
                .known
                .values()
                .all(|k| k.addresses.len() == KNOWN_PER_ACCOUNT)
        );
    }
}
