//! Stripe's webhook events: each recorded once and applied in the same transaction as its effects.

use crate::billing::events::Event;
use crate::storage::StorageError;
use serde_json::Value;

/// What processing a webhook event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processed {
    /// Applied now.
    Applied,
    /// Seen before: nothing done.
    Duplicate,
}

/// Stripe events.
#[async_trait::async_trait]
pub trait Webhooks {
    /// Records `event` once and applies its effects in the same transaction. `current` is Stripe's
    /// current subscription object when it was retrieved (then it wins over the event's copy). A
    /// failure is recorded (`retry_count`, `last_error`) and returned, so the webhook answers 5xx.
    async fn process_event(
        &self,
        event: Event,
        raw: String,
        current: Option<Value>,
        retrieved_at: i64,
        now: String,
    ) -> Result<Processed, StorageError>;
}
