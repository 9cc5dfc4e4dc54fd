//! Applying a stored Stripe event again, on the operator's word ("retry now" in the console),
//! instead of waiting for Stripe's next delivery: the same path as the webhook — Stripe's current
//! subscription object fetched first for a subscription event, then the event applied once.

use serde_json::Value;

use crate::billing::Billing;
use crate::billing::events::Event;
use crate::billing::store::Processed;
use crate::billing::stripe::StripeError;
use crate::storage::{Storage, StorageError};

/// Why a retry did not apply the event.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// No stored event with this id waits to be applied (unknown, or applied already).
    #[error("no stored event with this id is waiting to be applied")]
    NotWaiting,
    /// The stored body is not an event (it was accepted once, so this means damage).
    #[error("the stored event cannot be read: {0}")]
    Unreadable(String),
    /// Stripe could not be asked for the subscription's current state.
    #[error("Stripe could not be asked for the subscription: {0}")]
    Stripe(#[from] StripeError),
    /// Applying it failed again (recorded as the event's last error).
    #[error("applying the event failed again: {0}")]
    Storage(#[from] StorageError),
}

/// For a subscription event, Stripe's current subscription object (which wins over the event's
/// copy whatever the delivery order) and when it was read; `(None, 0)` for other events or
/// without a Stripe key.
pub async fn current_subscription(
    billing: Option<&Billing>,
    event: &Event,
    now: i64,
) -> Result<(Option<Value>, i64), StripeError> {
    if event.event_type.starts_with("customer.subscription.")
        && event.event_type != "customer.subscription.trial_will_end"
        && let Some(stripe) = billing.and_then(|b| b.stripe.as_ref())
        && let Some(id) = event.object.get("id").and_then(|v| v.as_str())
    {
        let retrieved_at = now.max(event.created);
        return Ok((stripe.retrieve_subscription(id).await?, retrieved_at));
    }
    Ok((None, 0))
}

/// Applies the stored event `event_id` again, if it still waits to be applied; the Stripe calls it
/// makes owed are run after it, as after a webhook.
pub async fn retry_webhook(
    database: &dyn Storage,
    billing: Option<&Billing>,
    event_id: &str,
    now: jiff::Timestamp,
) -> Result<Processed, RetryError> {
    let raw = database
        .unprocessed_webhook(event_id.to_owned())
        .await?
        .ok_or(RetryError::NotWaiting)?;
    let event = Event::parse(raw.as_bytes()).map_err(|e| RetryError::Unreadable(e.to_string()))?;
    let (current, retrieved_at) = current_subscription(billing, &event, now.as_second()).await?;
    let outcome = database
        .process_event(event, raw, current, retrieved_at, crate::clock::stamp(now))
        .await?;
    if let Some(billing) = billing {
        crate::billing::actions::run_pending(database, billing).await;
    }
    Ok(outcome)
}
