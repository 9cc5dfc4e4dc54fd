//! The billing state as typed records: what an operator looks at, and what tests compare when
//! they deliver the same Stripe events in different orders (the final state must be identical).
//! Times the server stamps itself (ids, `received_at`, `updated_at`) are left out: they differ
//! from run to run by nature.

use rusqlite::Connection;

use crate::billing::store::ledger::*;
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

fn rows<T>(
    conn: &Connection,
    sql: &str,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StorageError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], read)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

fn ledger(conn: &Connection) -> Result<BillingLedger, StorageError> {
    Ok(BillingLedger {
        subscriptions: rows(
            conn,
            "SELECT s.stripe_subscription_id, s.relationship_id, p.stripe_price_id, s.user_id,
                    s.stripe_customer_id, s.status, s.billing_period, s.price_cents,
                    s.current_period_start, s.current_period_end, s.is_gift, s.gift_from_user_id,
                    s.cancel_at_period_end, s.canceled_at
             FROM subscriptions s LEFT JOIN subscription_plans p ON p.id = s.plan_id
             ORDER BY s.stripe_subscription_id",
            |r| {
                Ok(SubscriptionRecord {
                    stripe_subscription_id: r.get(0)?,
                    relationship_id: r.get(1)?,
                    stripe_price_id: r.get(2)?,
                    user_id: r.get(3)?,
                    stripe_customer_id: r.get(4)?,
                    status: r.get(5)?,
                    billing_period: r.get(6)?,
                    price_cents: r.get(7)?,
                    current_period_start: r.get(8)?,
                    current_period_end: r.get(9)?,
                    is_gift: r.get(10)?,
                    gift_from_user_id: r.get(11)?,
                    cancel_at_period_end: r.get(12)?,
                    canceled_at: r.get(13)?,
                })
            },
        )?,
        payments: rows(
            conn,
            "SELECT stripe_payment_intent_id, transaction_type, amount_cents, status,
                    relationship_id, user_id
             FROM payment_transactions ORDER BY stripe_payment_intent_id",
            |r| {
                Ok(PaymentRecord {
                    stripe_payment_id: r.get(0)?,
                    kind: r.get(1)?,
                    amount_cents: r.get(2)?,
                    status: r.get(3)?,
                    relationship_id: r.get(4)?,
                    user_id: r.get(5)?,
                })
            },
        )?,
        credits: rows(
            conn,
            "SELECT user_id, transaction_type, credits_amount, request_id
             FROM ai_credits ORDER BY request_id, user_id",
            |r| {
                Ok(CreditRecord {
                    user_id: r.get(0)?,
                    kind: r.get(1)?,
                    amount: r.get(2)?,
                    request_id: r.get(3)?,
                })
            },
        )?,
        addons: rows(
            conn,
            "SELECT user_id, addon_id, status FROM user_addons ORDER BY user_id, addon_id",
            |r| {
                Ok(AddonRecord {
                    user_id: r.get(0)?,
                    addon_id: r.get(1)?,
                    status: r.get(2)?,
                })
            },
        )?,
        webhooks: rows(
            conn,
            "SELECT event_id, processed FROM stripe_webhooks ORDER BY event_id",
            |r| {
                Ok(WebhookRecord {
                    event_id: r.get(0)?,
                    processed: r.get(1)?,
                })
            },
        )?,
        actions: rows(
            conn,
            "SELECT action, stripe_subscription_id FROM billing_actions
             ORDER BY action, stripe_subscription_id",
            |r| {
                Ok(ActionRecord {
                    action: r.get(0)?,
                    stripe_subscription_id: r.get(1)?,
                })
            },
        )?,
    })
}

#[async_trait::async_trait]
impl Ledger for SqliteStorage {
    async fn billing_ledger(&self) -> Result<BillingLedger, StorageError> {
        self.with_conn(ledger).await
    }
}
