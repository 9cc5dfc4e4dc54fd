//! Revenue analytics, one `revenue_analytics` row per day, computed from the raw rows only
//! (payments, subscriptions), so a recompute over any range gives what the webhook handler wrote
//! incrementally.
//!
//! For a day: subscription revenue = successful payments for subscriptions, gifts and add-ons that
//! day (later refunds included, as gross); credits revenue = AI-credit payments; total = both minus
//! refunds (a payment's refunds count, cumulatively, on the day of its first refund); new and canceled subscriptions by their dates; MRR = the monthly value
//! of the subscriptions running at the end of the day (yearly prices / 12, rounded down; one-time
//! prices count 0); ARR = 12 × MRR.

use jiff::ToSpan;
use jiff::civil::Date;
use rusqlite::{Connection, params};

use crate::billing::store::revenue::{Revenue, RevenueDay};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

/// The days to recompute after an event: each `YYYY-MM-DD` given, and for `>YYYY-MM-DD` (a
/// subscription changed, so MRR from its start did) that day and every stored day after it.
pub(crate) fn affected_days(
    conn: &Connection,
    marks: Vec<String>,
) -> Result<Vec<String>, StorageError> {
    let mut days = Vec::new();
    for mark in marks {
        match mark.strip_prefix('>') {
            Some(from) => {
                let mut stmt = conn.prepare_cached(
                    "SELECT analytics_date FROM revenue_analytics WHERE analytics_date > ?1",
                )?;
                let later = stmt
                    .query_map([from], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                days.push(from.to_owned());
                days.extend(later);
            }
            None => days.push(mark),
        }
    }
    days.retain(|d| d.len() == 10);
    days.sort();
    days.dedup();
    Ok(days)
}

/// Recomputes one day (`YYYY-MM-DD`).
pub(crate) fn recompute_day(conn: &Connection, day: &str) -> Result<(), StorageError> {
    let sum = |kinds: &str| -> Result<i64, StorageError> {
        Ok(conn.query_row(
            &format!(
                "SELECT coalesce(sum(amount_cents), 0) FROM payment_transactions
                 WHERE created_at >= ?1 AND created_at < ?1 || 'U' AND transaction_type IN ({kinds})
                   AND status IN ('succeeded', 'refunded', 'partially_refunded')"
            ),
            [day],
            |r| r.get(0),
        )?)
    };
    let subscription = sum("'subscription', 'gift', 'addon'")?;
    let credits = sum("'ai_credits'")?;
    let refunds = sum("'refund'")?;
    let count =
        |sql: &str| -> Result<i64, StorageError> { Ok(conn.query_row(sql, [day], |r| r.get(0))?) };
    let new = count(
        "SELECT count(*) FROM subscriptions WHERE substr(created_at, 1, 10) = ?1
           AND status NOT IN ('incomplete', 'incomplete_expired')",
    )?;
    let canceled =
        count("SELECT count(*) FROM subscriptions WHERE substr(canceled_at, 1, 10) = ?1")?;
    let mrr = count(
        "SELECT coalesce(sum(CASE billing_period WHEN 'month' THEN price_cents
                                                WHEN 'year' THEN price_cents / 12 ELSE 0 END), 0)
         FROM subscriptions
         WHERE substr(created_at, 1, 10) <= ?1
           AND (canceled_at IS NULL OR substr(canceled_at, 1, 10) > ?1)
           AND status NOT IN ('incomplete', 'incomplete_expired')",
    )?;
    conn.execute(
        "INSERT INTO revenue_analytics (id, analytics_date, subscription_revenue_cents,
            credits_revenue_cents, total_revenue_cents, new_subscriptions, canceled_subscriptions,
            mrr_cents, arr_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (analytics_date) DO UPDATE SET
            subscription_revenue_cents = excluded.subscription_revenue_cents,
            credits_revenue_cents = excluded.credits_revenue_cents,
            total_revenue_cents = excluded.total_revenue_cents,
            new_subscriptions = excluded.new_subscriptions,
            canceled_subscriptions = excluded.canceled_subscriptions,
            mrr_cents = excluded.mrr_cents,
            arr_cents = excluded.arr_cents",
        params![
            format!("revenue-{day}"),
            day,
            subscription,
            credits,
            subscription + credits - refunds,
            new,
            canceled,
            mrr,
            12 * mrr
        ],
    )?;
    Ok(())
}

#[async_trait::async_trait]
impl Revenue for SqliteStorage {
    async fn recompute_revenue(&self, from: Date, to: Date) -> Result<usize, StorageError> {
        if to < from {
            return Err(StorageError::Conflict(format!("{to} is before {from}")));
        }
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let mut day = from;
            let mut count = 0;
            while day <= to {
                recompute_day(&tx, &day.to_string())?;
                count += 1;
                day = day.saturating_add(1.day());
            }
            tx.commit()?;
            Ok(count)
        })
        .await
    }
    async fn revenue(&self, from: Date, to: Date) -> Result<Vec<RevenueDay>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT analytics_date, subscription_revenue_cents, credits_revenue_cents,
                        total_revenue_cents, new_subscriptions, canceled_subscriptions, mrr_cents, arr_cents
                 FROM revenue_analytics WHERE analytics_date BETWEEN ?1 AND ?2 ORDER BY analytics_date",
            )?;
            let rows = stmt
                .query_map(params![from.to_string(), to.to_string()], |r| {
                    Ok(RevenueDay {
                        date: r.get(0)?,
                        subscription_revenue_cents: r.get(1)?,
                        credits_revenue_cents: r.get(2)?,
                        total_revenue_cents: r.get(3)?,
                        new_subscriptions: r.get(4)?,
                        canceled_subscriptions: r.get(5)?,
                        mrr_cents: r.get(6)?,
                        arr_cents: r.get(7)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }
}
