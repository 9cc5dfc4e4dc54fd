//! The Stripe webhook's effects: each event is recorded once (`stripe_webhooks`) and applied in
//! the same transaction, with the revenue days it touches recomputed; a failure is recorded for
//! operators and answered 5xx so Stripe retries.

use rusqlite::{Connection, OptionalExtension, params};
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
use crate::storage::sqlite::SqliteStorage;

#[async_trait::async_trait]
impl Webhooks for SqliteStorage {
    async fn process_event(
        &self,
        event: Event,
        raw: String,
        current: Option<Value>,
        retrieved_at: i64,
        now: String,
    ) -> Result<Processed, StorageError> {
        self.with_conn(move |conn| {
            let outcome: Result<Processed, StorageError> = (|| {
                let tx = crate::storage::sqlite::write_transaction(conn)?;
                let processed: Option<bool> = tx
                    .query_row(
                        "SELECT processed FROM stripe_webhooks WHERE event_id = ?1",
                        [&event.id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if processed == Some(true) {
                    return Ok(Processed::Duplicate);
                }
                tx.execute(
                    "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed,
                        retry_count, received_at)
                     VALUES (?1, ?2, ?3, ?4, 0, 0, ?5) ON CONFLICT (event_id) DO NOTHING",
                    params![new_id(), event.id, event.event_type, raw, now],
                )?;
                let mut days = vec![now.get(..10).unwrap_or_default().to_owned()];
                apply(&tx, &event, current.as_ref(), retrieved_at, &now, &mut days)?;
                tx.execute(
                    "UPDATE stripe_webhooks SET processed = 1, last_error = NULL WHERE event_id = ?1",
                    [&event.id],
                )?;
                for day in revenue::affected_days(&tx, days)? {
                    revenue::recompute_day(&tx, &day)?;
                }
                tx.commit()?;
                Ok(Processed::Applied)
            })();
            if let Err(error) = &outcome {
                let message = error.to_string();
                conn.execute(
                    "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed,
                        retry_count, received_at, last_error)
                     VALUES (?1, ?2, ?3, ?4, 0, 1, ?5, ?6)
                     ON CONFLICT (event_id) DO UPDATE SET retry_count = retry_count + 1,
                        last_error = excluded.last_error",
                    params![new_id(), event.id, event.event_type, raw, now, message],
                )?;
            }
            outcome
        })
        .await
    }
}

/// Applies one event's effects.
fn apply(
    conn: &Connection,
    event: &Event,
    current: Option<&Value>,
    retrieved_at: i64,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let object = &event.object;
    match event.event_type.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            checkout_completed(conn, object, now, days)
        }
        "checkout.session.expired" => {
            if let Some(session) = text(object, "id") {
                checkouts::close_session(conn, &session, false)?;
            }
            Ok(())
        }
        "checkout.session.async_payment_failed" => {
            if let Some(session) = text(object, "id") {
                checkouts::close_session(conn, &session, false)?;
            }
            if let Some(payment) =
                id_of(object.get("payment_intent")).or_else(|| text(object, "id"))
            {
                let day = upsert_payment(
                    conn,
                    &payment,
                    PaymentRow {
                        stripe_subscription: None,
                        kind: payment_kind(object),
                        amount: int(object, "amount_total").unwrap_or(0),
                        status: "failed",
                        subscription: None,
                        user: known_user(conn, meta(object, "user_id"))?,
                        relationship: known_relationship(conn, meta(object, "relationship_id"))?,
                        created_at: stamp(int(object, "created").unwrap_or(event.created)),
                        method: None,
                    },
                )?;
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
            apply_subscription(conn, &state, at, now, days)
        }
        "customer.subscription.trial_will_end" => record_analytics(
            conn,
            "trial_will_end",
            None,
            meta(object, "relationship_id"),
            object,
            now,
        ),
        "invoice.paid" | "invoice.payment_succeeded" => {
            invoice(conn, object, "succeeded", event, days)
        }
        "invoice.payment_failed" => invoice(conn, object, "failed", event, days),
        "invoice.payment_action_required" => invoice(conn, object, "requires_action", event, days),
        "charge.refunded" => refunded(conn, object, event, now, days),
        // Every other type is acknowledged and stored, without effect.
        _ => Ok(()),
    }
}

/// Records a billing conversion in the server's own `analytics_events`.
pub(super) fn record_analytics(
    conn: &Connection,
    name: &str,
    user: Option<String>,
    relationship: Option<String>,
    object: &Value,
    now: &str,
) -> Result<(), StorageError> {
    let relationship = known_relationship(conn, relationship)?;
    let data = serde_json::json!({
        "stripe_object": text(object, "id"),
        "amount_total": int(object, "amount_total"),
        "plan_id": meta(object, "plan_id"),
    });
    conn.execute(
        "INSERT INTO analytics_events (id, event_name, event_category, user_id, relationship_id,
            event_data, created_at)
         VALUES (?1, ?2, 'billing', ?3, ?4, ?5, ?6)",
        params![new_id(), name, user, relationship, data.to_string(), now],
    )?;
    Ok(())
}
