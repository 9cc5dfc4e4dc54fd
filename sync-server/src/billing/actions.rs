//! Doing the Stripe calls the server owes (recorded by `store::actions`): cancel and refund a
//! couple's duplicate subscription, cancel at period end what a deleted account paid for. Run
//! after each webhook and by the hourly job until each is done; every call carries an idempotency
//! key, so a retry never refunds twice.

use super::Billing;
use super::store::{ActionKind, BillingAction};
use super::stripe::{Stripe, StripeError};
use crate::storage::Storage;

/// Most actions tried per run.
const BATCH: i64 = 50;

/// Tries every pending action once. Without a Stripe key nothing can be charged, so nothing is owed.
pub async fn run_pending(storage: &dyn Storage, billing: &Billing) {
    let Some(stripe) = &billing.stripe else {
        return;
    };
    let pending = match storage.pending_actions(BATCH).await {
        Ok(pending) => pending,
        Err(error) => {
            tracing::warn!(%error, "cannot read owed billing actions");
            return;
        }
    };
    for action in pending {
        let outcome = perform(stripe, &action).await.map_err(|e| e.to_string());
        if let Err(error) = &outcome {
            tracing::warn!(%error, subscription = %action.stripe_subscription_id, attempts = action.attempts + 1, "a billing action failed; it will be retried");
        }
        if let Err(error) = storage
            .action_tried(
                action.id.clone(),
                outcome,
                crate::clock::stamp(billing.clock.now()),
            )
            .await
        {
            tracing::warn!(%error, "cannot record a billing action's outcome");
        }
    }
}

async fn perform(stripe: &Stripe, action: &BillingAction) -> Result<(), StripeError> {
    let subscription = &action.stripe_subscription_id;
    match action.kind {
        ActionKind::CancelAtPeriodEnd => stripe.cancel_at_period_end(subscription).await,
        ActionKind::RefundDuplicate => {
            let current = stripe.retrieve_subscription(subscription).await?;
            let invoice = action.stripe_invoice_id.clone().or_else(|| {
                current
                    .as_ref()
                    .and_then(|s| super::events::id_of(s.get("latest_invoice")))
            });
            stripe.cancel_now(subscription).await?;
            if let Some(invoice) = invoice {
                stripe
                    .refund_invoice(&invoice, &format!("refund-duplicate:{subscription}"))
                    .await?;
            }
            Ok(())
        }
    }
}
