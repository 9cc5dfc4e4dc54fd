//! Login rate limiting: failed attempts per account and per client address in a sliding window.
//! In memory: a restart forgets, which is acceptable for slowing down password guessing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits on failed logins.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures allowed per account in the window.
    pub per_account: usize,
    /// Failures allowed per client address in the window.
    pub per_address: usize,
    /// The window.
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account: 10,
            per_address: 50,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Remembers recent failures.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    limits: Limits,
    /// Failure times by key ("account:<email>" or "address:<ip>"). A std mutex: held for a few
    /// vector operations, never across an await.
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            failures: Mutex::default(),
        }
    }

    /// How long until another attempt is allowed, or `None` if it is allowed now.
    pub fn retry_after(
        &self,
        account: &str,
        address: Option<&str>,
        now: Instant,
    ) -> Option<Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        let mut check = |key: String, limit: usize| {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < self.limits.window);
            if times.len() >= limit {
                let oldest = times[0];
                let until = self
                    .limits
                    .window
                    .saturating_sub(now.duration_since(oldest));
                wait = Some(wait.map_or(until, |w: Duration| w.max(until)));
            }
        };
        check(
            format!("account:{}", account.to_lowercase()),
            self.limits.per_account,
        );
        if let Some(address) = address {
            check(format!("address:{address}"), self.limits.per_address);
        }
        wait
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, account: &str, address: Option<&str>, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures
            .entry(format!("account:{}", account.to_lowercase()))
            .or_default()
            .push(now);
        if let Some(address) = address {
            failures
                .entry(format!("address:{address}"))
                .or_default()
                .push(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_after_the_window() {
        let limiter = LoginLimiter::new(Limits {
            per_account: 3,
            per_address: 100,
            window: Duration::from_secs(60),
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.retry_after("A@x.io", Some("1.2.3.4"), start), None);
            limiter.record_failure("a@X.io", Some("1.2.3.4"), start);
        }
        assert!(
            limiter.retry_after("a@x.io", None, start).is_some(),
            "case-insensitive per account"
        );
        assert_eq!(
            limiter.retry_after("other@x.io", Some("1.2.3.4"), start),
            None
        );
        assert_eq!(
            limiter.retry_after("a@x.io", None, start + Duration::from_secs(61)),
            None
        );
    }
}
