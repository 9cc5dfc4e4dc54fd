//! Stripe calls the server owes (refund a couple's duplicate subscription, cancel at period end what a
//! deleted account paid for), recorded where they were decided and retried until done.

use crate::storage::StorageError;

/// What the server must ask Stripe to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// A second subscription for a covered couple: cancel it now and refund its first invoice.
    RefundDuplicate,
    /// The payer deleted their account: stop renewing at the end of the paid period.
    CancelAtPeriodEnd,
}

impl ActionKind {
    /// The name stored in `billing_actions.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RefundDuplicate => "refund_duplicate",
            Self::CancelAtPeriodEnd => "cancel_at_period_end",
        }
    }

    /// The kind named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "refund_duplicate" => Some(Self::RefundDuplicate),
            "cancel_at_period_end" => Some(Self::CancelAtPeriodEnd),
            _ => None,
        }
    }
}

/// One owed Stripe call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingAction {
    /// Id.
    pub id: String,
    /// What to do.
    pub kind: ActionKind,
    /// The Stripe subscription.
    pub stripe_subscription_id: String,
    /// The invoice to refund (duplicates).
    pub stripe_invoice_id: Option<String>,
    /// Tries so far.
    pub attempts: i64,
}

/// Owed Stripe calls.
#[async_trait::async_trait]
pub trait OwedActions {
    /// Before a person's account is deleted: what they pay for and still renews is to be canceled
    /// at period end (they can no longer reach the customer portal). Returns how many.
    async fn schedule_payer_cancellations(
        &self,
        user_id: String,
        now: String,
    ) -> Result<usize, StorageError>;

    /// Owed actions not done yet, oldest first.
    async fn pending_actions(&self, limit: i64) -> Result<Vec<BillingAction>, StorageError>;

    /// Records the outcome of one try: done, or the error to retry after.
    async fn action_tried(
        &self,
        id: String,
        outcome: Result<(), String>,
        now: String,
    ) -> Result<(), StorageError>;
}
