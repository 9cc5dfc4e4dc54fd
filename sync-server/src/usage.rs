//! The server's side of usage analytics, around the storage: which accounts were active this
//! week ([`ActiveWeeks`], fed by the auth extractor), and the job that folds usage reports and
//! computes cohorts once across instances ([`usage_job`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::civil::Date;

use crate::clock::Clock;
use crate::storage::Storage;
use crate::storage::rules::usage::monday_of;
use crate::storage::usage::{compute_cohorts, fold_usage};

/// Most accounts [`ActiveWeeks`] remembers; beyond, it forgets them all (a forgotten account
/// costs one more idempotent insert).
pub const MAX_REMEMBERED: usize = 100_000;

/// How often the usage job runs.
pub const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// The week each account was last recorded active by this instance, so the database is written
/// at most once per account and week per instance.
#[derive(Debug, Default)]
pub struct ActiveWeeks {
    /// A std mutex: held for one map operation, never across an await.
    last: Mutex<HashMap<String, Date>>,
}

impl ActiveWeeks {
    /// The Monday of `today`'s week if `account` was not yet recorded active in it by this
    /// instance (now remembered as recorded), else `None`.
    pub fn due(&self, account: &str, today: Date) -> Option<Date> {
        let week = monday_of(today);
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.get(account) == Some(&week) {
            return None;
        }
        if last.len() >= MAX_REMEMBERED && !last.contains_key(account) {
            last.clear();
        }
        last.insert(account.to_owned(), week);
        Some(week)
    }

    /// Forgets `account` (its week could not be recorded: the next request tries again).
    pub fn forget(&self, account: &str) {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(account);
    }
}

/// Folds usage reports (recent days), deletes old raw reports and recomputes the cohorts, every
/// [`FOLD_EVERY`], on the one instance holding the `usage-fold` lease.
pub async fn usage_job(db: Arc<dyn Storage>, clock: Arc<dyn Clock>) {
    let holder = uuid::Uuid::now_v7().to_string();
    let mut every = tokio::time::interval(FOLD_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = clock.now();
        let until = now + jiff::SignedDuration::from_mins(15);
        match db
            .take_lease(
                "usage-fold".into(),
                holder.clone(),
                crate::clock::stamp(now),
                crate::clock::stamp(until),
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::warn!(%error, "cannot take the usage job's lease");
                continue;
            }
        }
        run_once(&*db, now).await;
    }
}

/// One run of the usage job (what `together-server admin fold-usage` does too); failures are
/// logged.
pub async fn run_once(db: &dyn Storage, now: jiff::Timestamp) {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    if let Err(error) = fold_usage(db, today).await {
        tracing::warn!(%error, "folding usage reports failed");
    }
    if let Err(error) = compute_cohorts(db, now).await {
        tracing::warn!(%error, "computing cohorts failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_due_once_per_week() {
        let weeks = ActiveWeeks::default();
        let monday: Date = "2026-11-23".parse().unwrap();
        let sunday: Date = "2026-11-29".parse().unwrap();
        assert_eq!(weeks.due("a", "2026-11-24".parse().unwrap()), Some(monday));
        assert_eq!(weeks.due("a", sunday), None);
        assert_eq!(weeks.due("b", sunday), Some(monday));
        let next: Date = "2026-11-30".parse().unwrap();
        assert_eq!(weeks.due("a", next), Some(next));
        weeks.forget("a");
        assert_eq!(weeks.due("a", next), Some(next), "forgotten: due again");
    }
}
