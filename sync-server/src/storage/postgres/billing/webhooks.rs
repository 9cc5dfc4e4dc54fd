//! Stripe's webhook events in PostgreSQL (see `storage/sqlite/billing/webhooks.rs`): each recorded
//! once and applied in the same transaction, with the revenue days it touches recomputed; a
//! failure is recorded for operators and answered 5xx so Stripe retries.
//!
//! Events are applied one at a time across every instance (a transaction-level advisory lock):
//! they are few, each reads and writes several tables (subscriptions, payments, credits, revenue),
//! and their order-independence is argued for one event after another, as on SQLite.

use deadpool_postgres::GenericClient;
use serde_json::Value;

use super::checkouts;
use super::payments::{invoice, refunded, upsert_payment};
use super::revenue;
use super::subscriptions::{apply_subscription, checkout_completed};
use super::{known_relationship, known_user, new_id};
use crate::billing::events::{self, Event, id_of, int, meta, text};
use crate::billing::events::{PaymentRow, payment_kind};
use crate::billing::store::stamp;
use crate::billing::store::webhooks::{Processed, Webhooks};
use crate::storage::StorageError;
use crate::storage::postgres::{BILLING_LOCK, PostgresStorage, exec, opt};

#[async_trait::async_trait]
impl Webhooks for PostgresStorage {
    async fn process_event(
        &self,
        event: Event,
        raw: String,
        current: Option<Value>,
        retrieved_at: i64,
        now: String,
    ) -> Result<Processed, StorageError> {
        let mut client = self.client().await?;
        let outcome = record_and_apply(
            &mut client,
            &event,
            &raw,
            current.as_ref(),
            retrieved_at,
            &now,
        )
        .await;
        if let Err(error) = &outcome {
            let message = error.to_string();
            exec(
                &client,
                "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed,
                    retry_count, received_at, last_error)
                 VALUES ($1, $2, $3, $4, FALSE, 1, $5, $6)
                 ON CONFLICT (event_id) DO UPDATE SET
                    retry_count = stripe_webhooks.retry_count + 1,
                    last_error = excluded.last_error",
                &[
                    &new_id(),
                    &event.id,
                    &event.event_type,
                    &raw,
                    &now,
                    &message,
                ],
            )
            .await?;
        }
        outcome
    }
}

/// Records `event` and applies it, in one transaction.
async fn record_and_apply(
    client: &mut deadpool_postgres::Object,
    event: &Event,
    raw: &str,
    current: Option<&Value>,
    retrieved_at: i64,
    now: &str,
) -> Result<Processed, StorageError> {
    let tx = client.transaction().await?;
    exec(&tx, "SELECT pg_advisory_xact_lock($1)", &[&BILLING_LOCK]).await?;
    let processed: Option<bool> = opt(
        &tx,
        "SELECT processed FROM stripe_webhooks WHERE event_id = $1",
        &[&event.id],
    )
    .await?
    .map(|r| r.get(0));
    if processed == Some(true) {
        return Ok(Processed::Duplicate);
    }
    exec(
        &tx,
        "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed,
            retry_count, received_at)
         VALUES ($1, $2, $3, $4, FALSE, 0, $5) ON CONFLICT (event_id) DO NOTHING",
        &[&new_id(), &event.id, &event.event_type, &raw, &now],
    )
    .await?;
    let mut days = vec![now.get(..10).unwrap_or_default().to_owned()];
    apply(&tx, event, current, retrieved_at, now, &mut days).await?;
    exec(
        &tx,
        "UPDATE stripe_webhooks SET processed = TRUE, last_error = NULL WHERE event_id = $1",
        &[&event.id],
    )
    .await?;
    for day in revenue::affected_days(&tx, days).await? {
        revenue::recompute_day(&tx, &day).await?;
    }
    tx.commit().await?;
    Ok(Processed::Applied)
}

/// Applies one event's effects.
async fn apply<C: GenericClient>(
    c: &C,
    event: &Event,
    current: Option<&Value>,
    retrieved_at: i64,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let object = &event.object;
    match event.event_type.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            checkout_completed(c, object, now, days).await
        }
        "checkout.session.expired" => {
            if let Some(session) = text(object, "id") {
                checkouts::close_session(c, &session, false).await?;
            }
            Ok(())
        }
        "checkout.session.async_payment_failed" => {
            if let Some(session) = text(object, "id") {
                checkouts::close_session(c, &session, false).await?;
            }
            if let Some(payment) =
                id_of(object.get("payment_intent")).or_else(|| text(object, "id"))
            {
                let user = known_user(c, meta(object, "user_id")).await?;
                let relationship = known_relationship(c, meta(object, "relationship_id")).await?;
                let day = upsert_payment(
                    c,
                    &payment,
                    PaymentRow {
                        stripe_subscription: None,
                        kind: payment_kind(object),
                        amount: int(object, "amount_total").unwrap_or(0),
                        status: "failed",
                        subscription: None,
                        user,
                        relationship,
                        created_at: stamp(int(object, "created").unwrap_or(event.created)),
                        method: None,
                    },
                )
                .await?;
                days.push(day);
            }
            Ok(())
        }
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed" => {
            let (state, at) = match current.and_then(events::subscription_state) {
                Some(state) => (state, retrieved_at),
                None => {
                    let Some(mut state) = events::subscription_state(object) else {
                        return Ok(());
                    };
                    if event.event_type == "customer.subscription.deleted" {
                        state.status = "canceled".into();
                    }
                    (state, event.created)
                }
            };
            apply_subscription(c, &state, at, now, days).await
        }
        "customer.subscription.trial_will_end" => {
            record_analytics(
                c,
                "trial_will_end",
                None,
                meta(object, "relationship_id"),
                object,
                now,
            )
            .await
        }
        "invoice.paid" | "invoice.payment_succeeded" => {
            invoice(c, object, "succeeded", event, days).await
        }
        "invoice.payment_failed" => invoice(c, object, "failed", event, days).await,
        "invoice.payment_action_required" => {
            invoice(c, object, "requires_action", event, days).await
        }
        "charge.refunded" => refunded(c, object, event, now, days).await,
        // Every other type is acknowledged and stored, without effect.
        _ => Ok(()),
    }
}

/// Records a billing conversion in the server's own `analytics_events`.
pub(super) async fn record_analytics<C: GenericClient>(
    c: &C,
    name: &str,
    user: Option<String>,
    relationship: Option<String>,
    object: &Value,
    now: &str,
) -> Result<(), StorageError> {
    let relationship = known_relationship(c, relationship).await?;
    let data = serde_json::json!({
        "stripe_object": text(object, "id"),
        "amount_total": int(object, "amount_total"),
        "plan_id": meta(object, "plan_id"),
    });
    exec(
        c,
        "INSERT INTO analytics_events (id, event_name, event_category, user_id, relationship_id,
            event_data, created_at)
         VALUES ($1, $2, 'billing', $3, $4, $5, $6)",
        &[
            &new_id(),
            &name,
            &user,
            &relationship,
            &data.to_string(),
            &now,
        ],
    )
    .await?;
    Ok(())
}
