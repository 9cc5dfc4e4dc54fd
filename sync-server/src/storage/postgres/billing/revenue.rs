//! Revenue analytics in PostgreSQL, one `revenue_analytics` row per day computed from the raw rows
//! only (the figures are defined in `storage/sqlite/billing/revenue.rs`). Recomputing takes the
//! billing lock, so it never interleaves with a webhook's own recompute.

use deadpool_postgres::GenericClient;
use jiff::ToSpan;
use jiff::civil::Date;

use crate::billing::store::revenue::{Revenue, RevenueDay};
use crate::storage::StorageError;
use crate::storage::postgres::{BILLING_LOCK, PostgresStorage, exec, one, rows};

/// The days to recompute after an event: each `YYYY-MM-DD` given, and for `>YYYY-MM-DD` (a
/// subscription changed, so MRR from its start did) that day and every stored day after it.
pub(super) async fn affected_days<C: GenericClient>(
    c: &C,
    marks: Vec<String>,
) -> Result<Vec<String>, StorageError> {
    let mut days = Vec::new();
    for mark in marks {
        match mark.strip_prefix('>') {
            Some(from) => {
                let later = rows(
                    c,
                    "SELECT analytics_date FROM revenue_analytics WHERE analytics_date > $1",
                    &[&from],
                )
                .await?;
                days.push(from.to_owned());
                days.extend(later.into_iter().map(|r| r.get::<_, String>(0)));
            }
            None => days.push(mark),
        }
    }
    days.retain(|d| d.len() == 10);
    days.sort();
    days.dedup();
    Ok(days)
}

/// The sum of payments of `kinds` on `day` (the kinds are constants of this file).
async fn payments_on<C: GenericClient>(c: &C, day: &str, kinds: &str) -> Result<i64, StorageError> {
    let sql = format!(
        "SELECT coalesce(sum(amount_cents), 0)::bigint FROM payment_transactions
         WHERE created_at >= $1 AND created_at < $1 || 'U' AND transaction_type IN ({kinds})
           AND status IN ('succeeded', 'refunded', 'partially_refunded')"
    );
    Ok(one(c, &sql, &[&day]).await?.get(0))
}

/// Recomputes one day (`YYYY-MM-DD`).
pub(super) async fn recompute_day<C: GenericClient>(c: &C, day: &str) -> Result<(), StorageError> {
    let subscription = payments_on(c, day, "'subscription', 'gift', 'addon'").await?;
    let credits = payments_on(c, day, "'ai_credits'").await?;
    let refunds = payments_on(c, day, "'refund'").await?;
    let new: i64 = one(
        c,
        "SELECT count(*) FROM subscriptions WHERE substr(created_at, 1, 10) = $1
           AND status NOT IN ('incomplete', 'incomplete_expired')",
        &[&day],
    )
    .await?
    .get(0);
    let canceled: i64 = one(
        c,
        "SELECT count(*) FROM subscriptions WHERE substr(canceled_at, 1, 10) = $1",
        &[&day],
    )
    .await?
    .get(0);
    let mrr: i64 = one(
        c,
        "SELECT coalesce(sum(CASE billing_period WHEN 'month' THEN price_cents
                                                 WHEN 'year' THEN price_cents / 12 ELSE 0 END), 0)::bigint
         FROM subscriptions
         WHERE substr(created_at, 1, 10) <= $1
           AND (canceled_at IS NULL OR substr(canceled_at, 1, 10) > $1)
           AND status NOT IN ('incomplete', 'incomplete_expired')",
        &[&day],
    )
    .await?
    .get(0);
    exec(
        c,
        "INSERT INTO revenue_analytics (id, analytics_date, subscription_revenue_cents,
            credits_revenue_cents, total_revenue_cents, new_subscriptions, canceled_subscriptions,
            mrr_cents, arr_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (analytics_date) DO UPDATE SET
            subscription_revenue_cents = excluded.subscription_revenue_cents,
            credits_revenue_cents = excluded.credits_revenue_cents,
            total_revenue_cents = excluded.total_revenue_cents,
            new_subscriptions = excluded.new_subscriptions,
            canceled_subscriptions = excluded.canceled_subscriptions,
            mrr_cents = excluded.mrr_cents,
            arr_cents = excluded.arr_cents",
        &[
            &format!("revenue-{day}"),
            &day,
            &subscription,
            &credits,
            &(subscription + credits - refunds),
            &new,
            &canceled,
            &mrr,
            &(12 * mrr),
        ],
    )
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Revenue for PostgresStorage {
    async fn recompute_revenue(&self, from: Date, to: Date) -> Result<usize, StorageError> {
        if to < from {
            return Err(StorageError::Conflict(format!("{to} is before {from}")));
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        exec(&tx, "SELECT pg_advisory_xact_lock($1)", &[&BILLING_LOCK]).await?;
        let mut day = from;
        let mut count = 0;
        while day <= to {
            recompute_day(&tx, &day.to_string()).await?;
            count += 1;
            day = day.saturating_add(1.day());
        }
        tx.commit().await?;
        Ok(count)
    }

    async fn revenue(&self, from: Date, to: Date) -> Result<Vec<RevenueDay>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT analytics_date, subscription_revenue_cents, credits_revenue_cents,
                    total_revenue_cents, new_subscriptions, canceled_subscriptions, mrr_cents,
                    arr_cents
             FROM revenue_analytics WHERE analytics_date BETWEEN $1 AND $2
             ORDER BY analytics_date",
            &[&from.to_string(), &to.to_string()],
        )
        .await?
        .into_iter()
        .map(|r| RevenueDay {
            date: r.get(0),
            subscription_revenue_cents: r.get(1),
            credits_revenue_cents: r.get(2),
            total_revenue_cents: r.get(3),
            new_subscriptions: r.get(4),
            canceled_subscriptions: r.get(5),
            mrr_cents: r.get(6),
            arr_cents: r.get(7),
        })
        .collect())
    }
}
