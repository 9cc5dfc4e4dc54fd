//! The billing state as typed records: what an operator looks at, and what tests compare when
//! they deliver the same Stripe events in different orders (the final state must be identical).
//! Times the server stamps itself (ids, `received_at`, `updated_at`) are left out: they differ
//! from run to run by nature.

use rusqlite::Connection;
use serde::Serialize;

use crate::storage::{Database, StorageError};

/// A subscription as Stripe's events left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionRecord {
    /// `sub_…`.
    pub stripe_subscription_id: Option<String>,
    /// The couple it was bought for.
    pub relationship_id: Option<String>,
    /// The plan's Stripe price.
    pub stripe_price_id: Option<String>,
    /// The payer.
    pub user_id: Option<String>,
    /// The payer's Stripe customer.
    pub stripe_customer_id: Option<String>,
    /// Stripe's status.
    pub status: String,
    /// `month`, `year`.
    pub billing_period: String,
    /// Price.
    pub price_cents: i64,
    /// Current period (RFC 3339).
    pub current_period_start: Option<String>,
    /// Current period end (RFC 3339).
    pub current_period_end: Option<String>,
    /// A gift.
    pub is_gift: bool,
    /// Its giver.
    pub gift_from_user_id: Option<String>,
    /// Ends at period end.
    pub cancel_at_period_end: bool,
    /// When it was canceled (RFC 3339).
    pub canceled_at: Option<String>,
}

/// A payment, or the refunds of one (`refund:<payment>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRecord {
    /// Stripe's payment id.
    pub stripe_payment_id: Option<String>,
    /// `subscription`, `ai_credits`, `refund`...
    pub kind: String,
    /// Cents.
    pub amount_cents: i64,
    /// Status.
    pub status: String,
    /// The couple.
    pub relationship_id: Option<String>,
    /// The payer.
    pub user_id: Option<String>,
}

/// One movement of AI credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditRecord {
    /// Whose.
    pub user_id: String,
    /// `purchase`, `spend`, `refund`...
    pub kind: String,
    /// Credits moved.
    pub amount: i64,
    /// Its idempotency key.
    pub request_id: Option<String>,
}

/// An add-on a person owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddonRecord {
    /// Who.
    pub user_id: String,
    /// Which.
    pub addon_id: String,
    /// Status.
    pub status: String,
}

/// A Stripe event as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookRecord {
    /// `evt_…`.
    pub event_id: String,
    /// Applied.
    pub processed: bool,
}

/// A Stripe call the server owes or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRecord {
    /// `refund_duplicate`, `cancel_at_period_end`.
    pub action: String,
    /// The subscription.
    pub stripe_subscription_id: String,
}

/// Every billing table, as records in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingLedger {
    /// Subscriptions by Stripe id.
    pub subscriptions: Vec<SubscriptionRecord>,
    /// Payments by Stripe id.
    pub payments: Vec<PaymentRecord>,
    /// Credit movements by request id.
    pub credits: Vec<CreditRecord>,
    /// Owned add-ons.
    pub addons: Vec<AddonRecord>,
    /// Received events by id.
    pub webhooks: Vec<WebhookRecord>,
    /// Owed or made Stripe calls.
    pub actions: Vec<ActionRecord>,
}

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

impl Database {
    /// The billing state as typed records in a stable order.
    pub async fn billing_ledger(&self) -> Result<BillingLedger, StorageError> {
        self.with_conn(ledger).await
    }
}
