//! The rules of usage aggregates and cohorts, above the backends: which days a report may be
//! for ([`accepted_days`]), how a day's reports fold into per-feature figures
//! ([`metrics_from_sums`]), the k-threshold every reader of those figures goes through
//! ([`hide_small_groups`]), and how sign-up cohorts are counted ([`cohorts`]).
//!
//! ## Privacy invariant
//! A `feature_usage_metrics` row with fewer than k contributors (`total_users`) is never shown to
//! anyone: [`hide_small_groups`] is the only way out of the table for a reader
//! ([`crate::storage::usage::feature_usage`]).

use std::collections::{BTreeMap, HashSet};

use jiff::ToSpan;
use jiff::civil::Date;
pub use together_core::wire::usage::DEFAULT_K_THRESHOLD;

/// Days before today (UTC) a report may be for: a device uploads each past day once, and catches
/// up on a week it was off; one more day for the time zones west of UTC.
pub const ACCEPTED_DAYS_BACK: i32 = 8;

/// Raw reports older than this many days are deleted (their folded rows stay).
pub const KEEP_RAW_DAYS: i32 = 9;

/// The most weeks since sign-up a cohort is followed (ten years).
pub const MAX_COHORT_WEEKS: i64 = 520;

/// The k of k-anonymity: the least number of contributors a feature's day needs to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KThreshold(u32);

/// A k-threshold below 2 would show single people's use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("usage_k_threshold must be at least 2 (got {0}): a smaller group shows one person's use")]
pub struct KThresholdTooSmall(pub u32);

impl KThreshold {
    /// `k`, refused below 2.
    pub fn new(k: u32) -> Result<Self, KThresholdTooSmall> {
        if k < 2 {
            Err(KThresholdTooSmall(k))
        } else {
            Ok(Self(k))
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for KThreshold {
    fn default() -> Self {
        Self(DEFAULT_K_THRESHOLD)
    }
}

/// The days a report may be for, given the server's UTC `today`: from
/// [`ACCEPTED_DAYS_BACK`] days ago to tomorrow (a device east of UTC is already there), inclusive.
pub fn accepted_days(today: Date) -> (Date, Date) {
    let from = today
        .checked_sub(ACCEPTED_DAYS_BACK.days())
        .unwrap_or(today);
    let to = today.tomorrow().unwrap_or(today);
    (from, to)
}

/// One feature's day as the raw reports sum up (what each backend's `GROUP BY` gives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageSums {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The feature's wire name.
    pub feature: String,
    /// Reports that day, whatever the feature.
    pub reports: i64,
    /// Reports with at least one interaction with this feature.
    pub active: i64,
    /// Interactions with it, summed.
    pub interactions: i64,
    /// Seconds on it, summed over the active reports.
    pub active_seconds: i64,
    /// Active reports that completed its main action.
    pub completed_active: i64,
}

/// A `feature_usage_metrics` row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeatureUsageMetric {
    /// The feature's wire name (`feature_name`).
    pub feature: String,
    /// `metric_date`, `YYYY-MM-DD`.
    pub date: String,
    /// Devices that reported that day.
    pub total_users: i64,
    /// Of them, those that used the feature.
    pub active_users: i64,
    /// Interactions with it.
    pub total_interactions: i64,
    /// Mean seconds on it per active user (none without active users), to the hundredth.
    pub average_time_spent_seconds: Option<f64>,
    /// Share of active users who completed its main action (0–1, none without active users), to
    /// four places.
    pub completion_rate: Option<f64>,
}

/// Rounds `value` to `places` decimals.
fn round(value: f64, places: i32) -> f64 {
    let scale = 10_f64.powi(places);
    (value * scale).round() / scale
}

/// Folds each `(day, feature)`'s sums into its row: total users = reports that day, active users
/// = reports with interactions, the average time over the active, completion = completed / active.
pub fn metrics_from_sums(sums: Vec<UsageSums>) -> Vec<FeatureUsageMetric> {
    sums.into_iter()
        .map(|s| {
            let active = s.active.clamp(0, s.reports.max(0));
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let (average, rate) = if active > 0 {
                (
                    Some(round(s.active_seconds.max(0) as f64 / active as f64, 2)),
                    Some(round(
                        s.completed_active.clamp(0, active) as f64 / active as f64,
                        4,
                    )),
                )
            } else {
                (None, None)
            };
            FeatureUsageMetric {
                feature: s.feature,
                date: s.day,
                total_users: s.reports.max(0),
                active_users: active,
                total_interactions: s.interactions.max(0),
                average_time_spent_seconds: average,
                completion_rate: rate,
            }
        })
        .collect()
}

/// The rows a reader may see: those with at least `k` contributors. Every reader of
/// `feature_usage_metrics` goes through this.
pub fn hide_small_groups(rows: Vec<FeatureUsageMetric>, k: KThreshold) -> Vec<FeatureUsageMetric> {
    rows.into_iter()
        .filter(|row| row.total_users >= i64::from(k.get()))
        .collect()
}

/// The Monday of `day`'s ISO week.
pub fn monday_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// The date at the start of an RFC 3339 stamp (or a plain date), if it is one.
pub fn date_of(stamp: &str) -> Option<Date> {
    stamp.get(..10)?.parse().ok()
}

/// What the cohorts are counted from, as each backend reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CohortFacts {
    /// Accounts per creation week: `(cohort Monday, accounts)`.
    pub sizes: Vec<(String, i64)>,
    /// Active accounts: `(cohort Monday, active Monday, accounts)`.
    pub active: Vec<(String, String, i64)>,
    /// Subscriptions covering an account (as payer or partner): `(cohort Monday, account,
    /// subscription created_at, canceled_at)`; those never started (`incomplete…`) left out.
    pub paying: Vec<(String, String, String, Option<String>)>,
}

/// Whether cohorts computed at `computed_at` may replace those stored, computed at
/// `stored_latest` (none stored: yes). Two computations can overlap (the job on one instance and
/// `admin fold-usage`, say); the one computed earlier counts fewer accounts and weeks, so it never
/// replaces a later one, whichever commits last. Both are the server's own timestamps
/// (`clock::stamp`: RFC 3339 UTC, milliseconds, one fixed width), so they compare as text.
pub fn cohorts_replace(stored_latest: Option<&str>, computed_at: &str) -> bool {
    stored_latest.is_none_or(|stored| stored <= computed_at)
}

/// A `user_cohorts` row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortRow {
    /// The Monday of the accounts' creation week.
    pub cohort_week: String,
    /// 0 for the creation week, 1 for the next…
    pub weeks_since_signup: i64,
    /// Accounts created that week (still there).
    pub cohort_size: i64,
    /// Of them, those with an authenticated request that week.
    pub active_users: i64,
    /// Of them, those covered by a running subscription that week.
    pub paying_users: i64,
    /// `active_users / cohort_size`, to four places.
    pub retention_rate: f64,
}

/// The weeks between two Mondays.
fn weeks_between(from: Date, to: Date) -> i64 {
    (to - from).get_days().div_euclid(7).into()
}

/// Every cohort's row for each week from its creation week to `current_week` (at most
/// [`MAX_COHORT_WEEKS`]). A subscription covers a week when it was created before the week
/// ended and not canceled before it began (the rule revenue's MRR uses, by week).
pub fn cohorts(facts: &CohortFacts, current_week: Date) -> Vec<CohortRow> {
    let active: BTreeMap<(&str, &str), i64> = facts
        .active
        .iter()
        .map(|(cohort, week, n)| ((cohort.as_str(), week.as_str()), *n))
        .collect();
    let mut paying: HashSet<(&str, i64, &str)> = HashSet::new();
    for (cohort, account, start, end) in &facts.paying {
        let (Ok(cohort_day), Some(start)) = (cohort.parse::<Date>(), date_of(start)) else {
            continue;
        };
        let end = end.as_deref().and_then(date_of);
        let last = weeks_between(cohort_day, current_week).min(MAX_COHORT_WEEKS);
        for offset in 0..=last {
            let Ok(week) = cohort_day.checked_add((offset * 7).days()) else {
                break;
            };
            let week_end = week.checked_add(7.days()).unwrap_or(week);
            if start < week_end && end.is_none_or(|end| end >= week) {
                paying.insert((cohort.as_str(), offset, account.as_str()));
            }
        }
    }
    let mut paying_counts: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    for (cohort, offset, _) in &paying {
        *paying_counts.entry((cohort, *offset)).or_default() += 1;
    }
    let mut rows = Vec::new();
    for (cohort, size) in &facts.sizes {
        let Ok(cohort_day) = cohort.parse::<Date>() else {
            continue;
        };
        if *size <= 0 || cohort_day > current_week {
            continue;
        }
        let last = weeks_between(cohort_day, current_week).min(MAX_COHORT_WEEKS);
        for offset in 0..=last {
            let Ok(week) = cohort_day.checked_add((offset * 7).days()) else {
                break;
            };
            let week = week.to_string();
            let active_users = active
                .get(&(cohort.as_str(), week.as_str()))
                .copied()
                .unwrap_or(0)
                .clamp(0, *size);
            let paying_users = paying_counts
                .get(&(cohort.as_str(), offset))
                .copied()
                .unwrap_or(0)
                .clamp(0, *size);
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let retention_rate = round(active_users as f64 / *size as f64, 4);
            rows.push(CohortRow {
                cohort_week: cohort.clone(),
                weeks_since_signup: offset,
                cohort_size: *size,
                active_users,
                paying_users,
                retention_rate,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn cohorts_computed_earlier_never_replace_those_computed_later() {
        assert!(cohorts_replace(None, "2026-11-29T12:00:00.000Z"));
        assert!(cohorts_replace(
            Some("2026-11-29T12:00:00.000Z"),
            "2026-11-29T12:00:00.001Z"
        ));
        assert!(cohorts_replace(
            Some("2026-11-29T12:00:00.000Z"),
            "2026-11-29T12:00:00.000Z"
        ));
        assert!(!cohorts_replace(
            Some("2026-11-29T12:00:00.000Z"),
            "2026-11-29T11:59:59.999Z"
        ));
    }

    fn row(total: i64) -> FeatureUsageMetric {
        FeatureUsageMetric {
            feature: "checkin".into(),
            date: "2026-11-28".into(),
            total_users: total,
            active_users: total,
            total_interactions: total,
            average_time_spent_seconds: None,
            completion_rate: None,
        }
    }

    #[test]
    fn small_groups_are_hidden_at_k_and_shown_from_k() {
        let k = KThreshold::new(5).unwrap();
        let shown = hide_small_groups(vec![row(4), row(5), row(6), row(0)], k);
        let totals: Vec<i64> = shown.iter().map(|r| r.total_users).collect();
        assert_eq!(totals, [5, 6]);
        let k4 = KThreshold::new(4).unwrap();
        assert_eq!(hide_small_groups(vec![row(4)], k4).len(), 1);
    }

    #[test]
    fn a_k_below_two_is_refused_and_the_default_is_five() {
        assert_eq!(KThreshold::new(1), Err(KThresholdTooSmall(1)));
        assert_eq!(KThreshold::new(0), Err(KThresholdTooSmall(0)));
        assert_eq!(KThreshold::new(2).unwrap().get(), 2);
        assert_eq!(KThreshold::default().get(), 5);
    }

    #[test]
    fn sums_fold_into_averages_over_the_active_and_a_completion_rate() {
        let folded = metrics_from_sums(vec![
            UsageSums {
                day: "2026-11-28".into(),
                feature: "quiz".into(),
                reports: 6,
                active: 3,
                interactions: 10,
                active_seconds: 100,
                completed_active: 2,
            },
            UsageSums {
                day: "2026-11-28".into(),
                feature: "notes".into(),
                reports: 6,
                active: 0,
                interactions: 0,
                active_seconds: 0,
                completed_active: 0,
            },
        ]);
        assert_eq!(folded[0].total_users, 6);
        assert_eq!(folded[0].active_users, 3);
        assert_eq!(folded[0].total_interactions, 10);
        assert_eq!(folded[0].average_time_spent_seconds, Some(33.33));
        assert_eq!(folded[0].completion_rate, Some(0.6667));
        assert_eq!(folded[1].average_time_spent_seconds, None);
        assert_eq!(folded[1].completion_rate, None);
    }

    #[test]
    fn accepted_days_run_from_eight_days_back_to_tomorrow() {
        assert_eq!(
            accepted_days(date("2026-11-29")),
            (date("2026-11-21"), date("2026-11-30"))
        );
    }

    #[test]
    fn a_week_starts_on_monday() {
        assert_eq!(monday_of(date("2026-11-29")), date("2026-11-23")); // a Sunday
        assert_eq!(monday_of(date("2026-11-23")), date("2026-11-23"));
        assert_eq!(monday_of(date("2026-11-24")), date("2026-11-23"));
        assert_eq!(
            date_of("2026-11-24T10:00:00.000Z"),
            Some(date("2026-11-24"))
        );
        assert_eq!(date_of("2026"), None);
    }

    #[test]
    fn cohorts_count_active_and_paying_per_week_since_signup() {
        let facts = CohortFacts {
            sizes: vec![("2026-11-09".into(), 4), ("2026-11-23".into(), 1)],
            active: vec![
                ("2026-11-09".into(), "2026-11-09".into(), 4),
                ("2026-11-09".into(), "2026-11-16".into(), 2),
                ("2026-11-23".into(), "2026-11-23".into(), 1),
            ],
            paying: vec![
                // Paid from the second week, canceled in the third.
                (
                    "2026-11-09".into(),
                    "a".into(),
                    "2026-11-17T08:00:00Z".into(),
                    Some("2026-11-24T08:00:00Z".into()),
                ),
                // Two subscriptions of one account count it once.
                (
                    "2026-11-09".into(),
                    "b".into(),
                    "2026-11-10T08:00:00Z".into(),
                    None,
                ),
                (
                    "2026-11-09".into(),
                    "b".into(),
                    "2026-11-11T08:00:00Z".into(),
                    None,
                ),
            ],
        };
        let rows = cohorts(&facts, date("2026-11-23"));
        let view: Vec<(&str, i64, i64, i64, i64, f64)> = rows
            .iter()
            .map(|r| {
                (
                    r.cohort_week.as_str(),
                    r.weeks_since_signup,
                    r.cohort_size,
                    r.active_users,
                    r.paying_users,
                    r.retention_rate,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("2026-11-09", 0, 4, 4, 1, 1.0),
                ("2026-11-09", 1, 4, 2, 2, 0.5),
                ("2026-11-09", 2, 4, 0, 2, 0.0),
                ("2026-11-23", 0, 1, 1, 0, 1.0),
            ]
        );
    }
}
