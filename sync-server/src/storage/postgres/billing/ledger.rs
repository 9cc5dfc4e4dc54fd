//! The billing state as typed records, in PostgreSQL (what is left out and why:
//! `storage/sqlite/billing/ledger.rs`).

use crate::billing::store::ledger::*;
use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, rows};

#[async_trait::async_trait]
impl Ledger for PostgresStorage {
    async fn billing_ledger(&self) -> Result<BillingLedger, StorageError> {
        let c = self.client().await?;
        // NULLs first, as SQLite orders them.
        Ok(BillingLedger {
            subscriptions: rows(
                &c,
                "SELECT s.stripe_subscription_id, s.relationship_id, p.stripe_price_id, s.user_id,
                        s.stripe_customer_id, s.status, s.billing_period, s.price_cents,
                        s.current_period_start, s.current_period_end, s.is_gift, s.gift_from_user_id,
                        s.cancel_at_period_end, s.canceled_at
                 FROM subscriptions s LEFT JOIN subscription_plans p ON p.id = s.plan_id
                 ORDER BY s.stripe_subscription_id NULLS FIRST",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| SubscriptionRecord {
                stripe_subscription_id: r.get(0),
                relationship_id: r.get(1),
                stripe_price_id: r.get(2),
                user_id: r.get(3),
                stripe_customer_id: r.get(4),
                status: r.get(5),
                billing_period: r.get(6),
                price_cents: r.get(7),
                current_period_start: r.get(8),
                current_period_end: r.get(9),
                is_gift: r.get(10),
                gift_from_user_id: r.get(11),
                cancel_at_period_end: r.get(12),
                canceled_at: r.get(13),
            })
            .collect(),
            payments: rows(
                &c,
                "SELECT stripe_payment_intent_id, transaction_type, amount_cents, status,
                        relationship_id, user_id
                 FROM payment_transactions ORDER BY stripe_payment_intent_id NULLS FIRST",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| PaymentRecord {
                stripe_payment_id: r.get(0),
                kind: r.get(1),
                amount_cents: r.get(2),
                status: r.get(3),
                relationship_id: r.get(4),
                user_id: r.get(5),
            })
            .collect(),
            credits: rows(
                &c,
                "SELECT user_id, transaction_type, credits_amount, request_id
                 FROM ai_credits ORDER BY request_id NULLS FIRST, user_id",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| CreditRecord {
                user_id: r.get(0),
                kind: r.get(1),
                amount: r.get(2),
                request_id: r.get(3),
            })
            .collect(),
            addons: rows(
                &c,
                "SELECT user_id, addon_id, status FROM user_addons ORDER BY user_id, addon_id",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| AddonRecord {
                user_id: r.get(0),
                addon_id: r.get(1),
                status: r.get(2),
            })
            .collect(),
            webhooks: rows(
                &c,
                "SELECT event_id, processed FROM stripe_webhooks ORDER BY event_id",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| WebhookRecord {
                event_id: r.get(0),
                processed: r.get(1),
            })
            .collect(),
            actions: rows(
                &c,
                "SELECT action, stripe_subscription_id FROM billing_actions
                 ORDER BY action, stripe_subscription_id",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| ActionRecord {
                action: r.get(0),
                stripe_subscription_id: r.get(1),
            })
            .collect(),
        })
    }
}
