//! The billing state as typed records: what an operator looks at, and what tests compare when they
//! deliver the same Stripe events in different orders.

use serde::Serialize;

use crate::storage::StorageError;

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

/// The typed billing state.
#[async_trait::async_trait]
pub trait Ledger {
    /// The billing state as typed records in a stable order.
    async fn billing_ledger(&self) -> Result<BillingLedger, StorageError>;
}
