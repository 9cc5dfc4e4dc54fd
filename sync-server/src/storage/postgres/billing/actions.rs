//! Stripe calls the server owes, in PostgreSQL (see `storage/sqlite/billing/actions.rs`): recorded
//! in the transaction that decided them, once per kind and subscription, retried until done.

use deadpool_postgres::GenericClient;

use super::new_id;
use crate::billing::store::actions::{ActionKind, BillingAction, OwedActions};
use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, exec, rows};

/// Records an owed action once (per kind and subscription), inside the caller's transaction.
pub(super) async fn record<C: GenericClient>(
    c: &C,
    kind: ActionKind,
    stripe_subscription: &str,
    invoice: Option<&str>,
    relationship: Option<&str>,
    now: &str,
) -> Result<(), StorageError> {
    exec(
        c,
        "INSERT INTO billing_actions (id, action, stripe_subscription_id, stripe_invoice_id,
            relationship_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)
         ON CONFLICT (action, stripe_subscription_id) DO UPDATE SET
            stripe_invoice_id = coalesce(billing_actions.stripe_invoice_id, excluded.stripe_invoice_id)",
        &[
            &new_id(),
            &kind.as_str(),
            &stripe_subscription,
            &invoice,
            &relationship,
            &now,
        ],
    )
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl OwedActions for PostgresStorage {
    async fn schedule_payer_cancellations(
        &self,
        user_id: String,
        now: String,
    ) -> Result<usize, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let renewing: Vec<String> = rows(
            &tx,
            "SELECT stripe_subscription_id FROM subscriptions
             WHERE user_id = $1 AND stripe_subscription_id IS NOT NULL
               AND NOT cancel_at_period_end
               AND status IN ('trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused')",
            &[&user_id],
        )
        .await?
        .into_iter()
        .map(|row| row.get(0))
        .collect();
        for subscription in &renewing {
            record(
                &tx,
                ActionKind::CancelAtPeriodEnd,
                subscription,
                None,
                None,
                &now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(renewing.len())
    }

    async fn pending_actions(&self, limit: i64) -> Result<Vec<BillingAction>, StorageError> {
        let client = self.client().await?;
        Ok(rows(
            &client,
            "SELECT id, action, stripe_subscription_id, stripe_invoice_id, attempts
             FROM billing_actions WHERE status = 'pending' ORDER BY created_at, id LIMIT $1",
            &[&limit],
        )
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(BillingAction {
                id: row.get(0),
                kind: ActionKind::parse(row.get(1))?,
                stripe_subscription_id: row.get(2),
                stripe_invoice_id: row.get(3),
                attempts: row.get(4),
            })
        })
        .collect())
    }

    async fn action_tried(
        &self,
        id: String,
        outcome: Result<(), String>,
        now: String,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        match outcome {
            Ok(()) => {
                exec(
                    &client,
                    "UPDATE billing_actions SET status = 'done', attempts = attempts + 1,
                        last_error = NULL, updated_at = $2 WHERE id = $1",
                    &[&id, &now],
                )
                .await?
            }
            Err(error) => {
                exec(
                    &client,
                    "UPDATE billing_actions SET attempts = attempts + 1, last_error = $2,
                        updated_at = $3 WHERE id = $1",
                    &[&id, &error, &now],
                )
                .await?
            }
        };
        Ok(())
    }
}
