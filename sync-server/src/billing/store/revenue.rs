//! Daily revenue analytics, recomputable from the raw rows.

use crate::storage::StorageError;
use jiff::civil::Date;

/// One day's figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevenueDay {
    /// The day.
    pub date: String,
    /// Subscriptions, gifts, add-ons.
    pub subscription_revenue_cents: i64,
    /// AI credits.
    pub credits_revenue_cents: i64,
    /// Both, minus refunds that day.
    pub total_revenue_cents: i64,
    /// Started that day.
    pub new_subscriptions: i64,
    /// Canceled that day.
    pub canceled_subscriptions: i64,
    /// Monthly recurring revenue at the end of the day.
    pub mrr_cents: i64,
    /// 12 × MRR.
    pub arr_cents: i64,
}

/// Revenue analytics.
#[async_trait::async_trait]
pub trait Revenue {
    /// Recomputes every day from `from` to `to` (inclusive) from the raw rows.
    async fn recompute_revenue(&self, from: Date, to: Date) -> Result<usize, StorageError>;

    /// The stored figures from `from` to `to`.
    async fn revenue(&self, from: Date, to: Date) -> Result<Vec<RevenueDay>, StorageError>;
}
