//! Stripe calls the server owes, recorded in the transaction that decided them and done after it:
//! cancel and refund a subscription that charged a couple already covered, and cancel at period
//! end what a person paid for when they delete their account. Retried until done (the hourly job
//! and every webhook run what is pending), so nothing decided is ever forgotten.

use rusqlite::{Connection, params};

use super::new_id;
use crate::billing::store::actions::{ActionKind, BillingAction, OwedActions};
use crate::storage::StorageError;
use crate::storage::sqlite::SqliteStorage;

/// Records an owed action once (per kind and subscription), inside the caller's transaction.
pub(super) fn record(
    conn: &Connection,
    kind: ActionKind,
    stripe_subscription: &str,
    invoice: Option<&str>,
    relationship: Option<&str>,
    now: &str,
) -> Result<(), StorageError> {
    conn.execute(
        "INSERT INTO billing_actions (id, action, stripe_subscription_id, stripe_invoice_id,
            relationship_id, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)
         ON CONFLICT (action, stripe_subscription_id) DO UPDATE SET
            stripe_invoice_id = coalesce(billing_actions.stripe_invoice_id, excluded.stripe_invoice_id)",
        params![new_id(), kind.as_str(), stripe_subscription, invoice, relationship, now],
    )?;
    Ok(())
}

#[async_trait::async_trait]
impl OwedActions for SqliteStorage {
    async fn schedule_payer_cancellations(
        &self,
        user_id: String,
        now: String,
    ) -> Result<usize, StorageError> {
        self.with_conn(move |conn| {
            let tx = crate::storage::sqlite::write_transaction(conn)?;
            let renewing: Vec<String> = tx
                .prepare(
                    "SELECT stripe_subscription_id FROM subscriptions
                     WHERE user_id = ?1 AND stripe_subscription_id IS NOT NULL
                       AND cancel_at_period_end = 0
                       AND status IN ('trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused')",
                )?
                .query_map([&user_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for subscription in &renewing {
                record(&tx, ActionKind::CancelAtPeriodEnd, subscription, None, None, &now)?;
            }
            tx.commit()?;
            Ok(renewing.len())
        })
        .await
    }
    async fn pending_actions(&self, limit: i64) -> Result<Vec<BillingAction>, StorageError> {
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, action, stripe_subscription_id, stripe_invoice_id, attempts
                 FROM billing_actions WHERE status = 'pending' ORDER BY created_at, id LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([limit], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, kind, subscription, invoice, attempts)| {
                    Some(BillingAction {
                        id,
                        kind: ActionKind::parse(&kind)?,
                        stripe_subscription_id: subscription,
                        stripe_invoice_id: invoice,
                        attempts,
                    })
                })
                .collect())
        })
        .await
    }
    async fn action_tried(
        &self,
        id: String,
        outcome: Result<(), String>,
        now: String,
    ) -> Result<(), StorageError> {
        self.with_conn(move |conn| {
            match outcome {
                Ok(()) => conn.execute(
                    "UPDATE billing_actions SET status = 'done', attempts = attempts + 1,
                        last_error = NULL, updated_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?,
                Err(error) => conn.execute(
                    "UPDATE billing_actions SET attempts = attempts + 1, last_error = ?2,
                        updated_at = ?3 WHERE id = ?1",
                    params![id, error, now],
                )?,
            };
            Ok(())
        })
        .await
    }
}
