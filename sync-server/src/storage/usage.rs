//! Opt-in usage aggregates and sign-up cohorts: what every backend stores for `POST /v1/usage`
//! and the operator's usage and cohort views. The rules (accepted days, folding, the
//! k-threshold, cohort counting) are in [`crate::storage::rules::usage`], above the backends; the
//! functions here join the two, and are what readers call:
//! - [`feature_usage`]: the folded per-feature figures, k-filtered (the only reader's way in);
//! - [`fold_usage`]: refolds recent days and drops old raw reports;
//! - [`compute_cohorts`] and [`Usage::user_cohorts`]: the weekly cohorts.

use jiff::ToSpan;
use jiff::civil::Date;
use together_core::wire::usage::FeatureUsage;

use crate::storage::StorageError;
use crate::storage::rules::usage::{
    self as rules, CohortFacts, CohortRow, FeatureUsageMetric, KThreshold, UsageSums,
};

/// Usage reports, their folded figures, account activity by week and cohorts.
#[async_trait::async_trait]
pub trait Usage {
    /// Stores one validated report of `day` (`YYYY-MM-DD`) under `token`, replacing any earlier
    /// report with the same day and token (one transaction).
    async fn store_usage_report(
        &self,
        day: String,
        token: String,
        features: Vec<FeatureUsage>,
    ) -> Result<(), StorageError>;

    /// The raw reports of the days `from..=to`, summed per day and feature.
    async fn usage_sums(&self, from: String, to: String) -> Result<Vec<UsageSums>, StorageError>;

    /// Replaces the folded rows of the days `from..=to` with `rows`, and deletes the raw reports
    /// of days before `purge_before` (one transaction).
    async fn replace_feature_usage(
        &self,
        from: String,
        to: String,
        rows: Vec<FeatureUsageMetric>,
        purge_before: String,
    ) -> Result<(), StorageError>;

    /// Every folded row of the days `from..=to`, newest day first, whatever their number of
    /// contributors: for [`feature_usage`] only, which applies the k-threshold.
    async fn feature_usage_unfiltered(
        &self,
        from: String,
        to: String,
    ) -> Result<Vec<FeatureUsageMetric>, StorageError>;

    /// Records that `account_id` was active in the week starting on Monday `week` (nothing if
    /// already recorded, or if the account is gone).
    async fn record_active_week(
        &self,
        account_id: String,
        week: String,
    ) -> Result<(), StorageError>;

    /// What cohorts are counted from.
    async fn cohort_facts(&self) -> Result<CohortFacts, StorageError>;

    /// Replaces every cohort row with `rows`, computed at `now` (one transaction), unless the rows
    /// stored were computed later ([`rules::cohorts_replace`]).
    async fn replace_cohorts(&self, rows: Vec<CohortRow>, now: String) -> Result<(), StorageError>;

    /// Every cohort row, newest cohort first, then by week since sign-up.
    async fn user_cohorts(&self) -> Result<Vec<CohortRow>, StorageError>;
}

/// The folded per-feature figures of the `days` days up to `today` (inclusive, newest first),
/// with every row of fewer than `k` contributors left out. What the admin command and the operator
/// console show.
pub async fn feature_usage(
    db: &(dyn Usage + Send + Sync),
    today: Date,
    days: u16,
    k: KThreshold,
) -> Result<Vec<FeatureUsageMetric>, StorageError> {
    let back = i64::from(days.max(1)) - 1;
    let from = today.checked_sub(back.days()).unwrap_or(today);
    let to = today.tomorrow().unwrap_or(today);
    let rows = db
        .feature_usage_unfiltered(from.to_string(), to.to_string())
        .await?;
    Ok(rules::hide_small_groups(rows, k))
}

/// Refolds every day a report may still arrive for (see [`rules::accepted_days`], with one more
/// day back), and deletes raw reports older than [`rules::KEEP_RAW_DAYS`]; returns the rows
/// written.
pub async fn fold_usage(
    db: &(dyn Usage + Send + Sync),
    today: Date,
) -> Result<usize, StorageError> {
    let (from, to) = rules::accepted_days(today);
    let from = from.yesterday().unwrap_or(from);
    let purge_before = today
        .checked_sub(rules::KEEP_RAW_DAYS.days())
        .unwrap_or(today);
    let sums = db.usage_sums(from.to_string(), to.to_string()).await?;
    let rows = rules::metrics_from_sums(sums);
    let written = rows.len();
    db.replace_feature_usage(
        from.to_string(),
        to.to_string(),
        rows,
        purge_before.to_string(),
    )
    .await?;
    Ok(written)
}

/// Recomputes every cohort up to the week of `now` (UTC); returns the rows written.
pub async fn compute_cohorts(
    db: &(dyn Usage + Send + Sync),
    now: jiff::Timestamp,
) -> Result<usize, StorageError> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let facts = db.cohort_facts().await?;
    let rows = rules::cohorts(&facts, rules::monday_of(today));
    let written = rows.len();
    db.replace_cohorts(rows, crate::clock::stamp(now)).await?;
    Ok(written)
}
