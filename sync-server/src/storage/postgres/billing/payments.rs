//! Payments and refunds in PostgreSQL (see `storage/sqlite/billing/payments.rs`): one row per Stripe
//! payment, whatever events tell of it and in whatever order.

use deadpool_postgres::GenericClient;
use serde_json::Value;

use super::{credits, new_id};
use crate::billing::events::{
    Event, PaymentRow, id_of, int, invoice_subscription, refund_status, text,
};
use crate::billing::store::stamp;
use crate::storage::StorageError;
use crate::storage::postgres::{exec, one, opt};

/// The rank of a payment status: a later event never steps a payment back.
const STATUS_RANK: &str = "CASE {} WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1
    WHEN 'failed' THEN 2 WHEN 'canceled' THEN 2 WHEN 'succeeded' THEN 3
    WHEN 'partially_refunded' THEN 4 WHEN 'refunded' THEN 5 ELSE 0 END";

/// One row per Stripe payment: a later event about the same payment updates its status.
pub(super) async fn upsert_payment<C: GenericClient>(
    c: &C,
    stripe_id: &str,
    row: PaymentRow,
) -> Result<String, StorageError> {
    let rank = |column: &str| STATUS_RANK.replace("{}", column);
    let sql = format!(
        "INSERT INTO payment_transactions (id, subscription_id, user_id, relationship_id,
            stripe_payment_intent_id, transaction_type, amount_cents, status, payment_method,
            created_at, stripe_subscription_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (stripe_payment_intent_id) DO UPDATE SET
            status = CASE WHEN ({}) >= ({}) THEN excluded.status
                          ELSE payment_transactions.status END,
            created_at = least(payment_transactions.created_at, excluded.created_at),
            amount_cents = greatest(payment_transactions.amount_cents, excluded.amount_cents),
            subscription_id = coalesce(payment_transactions.subscription_id, excluded.subscription_id),
            user_id = coalesce(payment_transactions.user_id, excluded.user_id),
            relationship_id = coalesce(payment_transactions.relationship_id, excluded.relationship_id),
            stripe_subscription_id = coalesce(payment_transactions.stripe_subscription_id,
                                              excluded.stripe_subscription_id)",
        rank("excluded.status"),
        rank("payment_transactions.status"),
    );
    exec(
        c,
        &sql,
        &[
            &new_id(),
            &row.subscription,
            &row.user,
            &row.relationship,
            &stripe_id,
            &row.kind,
            &row.amount.max(0),
            &row.status,
            &row.method,
            &row.created_at,
            &row.stripe_subscription,
        ],
    )
    .await?;
    // A refund recorded before this payment learns who and what it was for.
    exec(
        c,
        "UPDATE payment_transactions SET
            subscription_id = coalesce(subscription_id, $2),
            user_id = coalesce(user_id, $3),
            relationship_id = coalesce(relationship_id, $4)
         WHERE stripe_payment_intent_id = 'refund:' || $1::text",
        &[&stripe_id, &row.subscription, &row.user, &row.relationship],
    )
    .await?;
    stored_day(c, stripe_id).await
}

/// The day a payment row counts on, as stored (the earliest time seen for it).
pub(super) async fn stored_day<C: GenericClient>(
    c: &C,
    stripe_id: &str,
) -> Result<String, StorageError> {
    let at: String = one(
        c,
        "SELECT created_at FROM payment_transactions WHERE stripe_payment_intent_id = $1",
        &[&stripe_id],
    )
    .await?
    .get(0);
    Ok(at.get(..10).unwrap_or_default().to_owned())
}

pub(super) async fn invoice<C: GenericClient>(
    c: &C,
    invoice: &Value,
    status: &'static str,
    event: &Event,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let Some(id) = id_of(invoice.get("payment_intent")).or_else(|| text(invoice, "id")) else {
        return Ok(());
    };
    let subscription = invoice_subscription(invoice);
    let (row_id, relationship, user): (Option<String>, Option<String>, Option<String>) =
        match &subscription {
            Some(sub) => opt(
                c,
                "SELECT id, relationship_id, user_id FROM subscriptions
                 WHERE stripe_subscription_id = $1",
                &[sub],
            )
            .await?
            .map_or((None, None, None), |r| (Some(r.get(0)), r.get(1), r.get(2))),
            None => (None, None, None),
        };
    let amount = if status == "succeeded" {
        int(invoice, "amount_paid").unwrap_or(0)
    } else {
        int(invoice, "amount_due").unwrap_or(0)
    };
    let paid_at = invoice
        .get("status_transitions")
        .and_then(|s| int(s, "paid_at"))
        .or_else(|| int(invoice, "created"))
        .unwrap_or(event.created);
    let day = upsert_payment(
        c,
        &id,
        PaymentRow {
            stripe_subscription: subscription.clone(),
            kind: "subscription",
            amount,
            status,
            subscription: row_id,
            user,
            relationship,
            created_at: stamp(paid_at),
            method: None,
        },
    )
    .await?;
    days.push(day);
    Ok(())
}

/// A refunded payment as stored: id, payer, couple, subscription, kind.
type OriginalPayment = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub(super) async fn refunded<C: GenericClient>(
    c: &C,
    charge: &Value,
    event: &Event,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let Some(charge_id) = text(charge, "id") else {
        return Ok(());
    };
    let refunded = int(charge, "amount_refunded").unwrap_or(0);
    let amount = int(charge, "amount").unwrap_or(0);
    let payment = id_of(charge.get("payment_intent"));
    let original: Option<OriginalPayment> = match &payment {
        Some(pi) => opt(
            c,
            "SELECT id, user_id, relationship_id, subscription_id, transaction_type
             FROM payment_transactions WHERE stripe_payment_intent_id = $1",
            &[pi],
        )
        .await?
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))),
        None => None,
    };
    let refund_status = refund_status(refunded, amount);
    // The refund may arrive before the payment it refunds: record the payment now, refunded;
    // its own event later fills in the rest without undoing the refund.
    if original.is_none()
        && let Some(pi) = &payment
    {
        let day = upsert_payment(
            c,
            pi,
            PaymentRow {
                stripe_subscription: None,
                kind: "subscription",
                amount,
                status: refund_status,
                subscription: None,
                user: None,
                relationship: None,
                created_at: stamp(int(charge, "created").unwrap_or(event.created)),
                method: None,
            },
        )
        .await?;
        days.push(day);
    }
    if let Some((id, ..)) = &original {
        // Refund events carry the cumulative amount: never step back from fully refunded.
        exec(
            c,
            "UPDATE payment_transactions SET status = $2 WHERE id = $1 AND status <> 'refunded'",
            &[id, &refund_status],
        )
        .await?;
    }
    // One refund row per payment (per charge without one); Stripe's amounts are cumulative.
    let refund_key = format!("refund:{}", payment.as_deref().unwrap_or(&charge_id));
    let (user, relationship, subscription, kind) = original
        .map(|(_, u, r, s, k)| (u, r, s, Some(k)))
        .unwrap_or((None, None, None, None));
    exec(
        c,
        "INSERT INTO payment_transactions (id, subscription_id, user_id, relationship_id,
            stripe_payment_intent_id, transaction_type, amount_cents, status, created_at)
         VALUES ($1, $2, $3, $4, $5, 'refund', $6, 'succeeded', $7)
         ON CONFLICT (stripe_payment_intent_id) DO UPDATE SET
            amount_cents = greatest(payment_transactions.amount_cents, excluded.amount_cents),
            created_at = least(payment_transactions.created_at, excluded.created_at)",
        &[
            &new_id(),
            &subscription,
            &user,
            &relationship,
            &refund_key,
            &refunded,
            &stamp(event.created),
        ],
    )
    .await?;
    days.push(stored_day(c, &refund_key).await?);
    // Credits bought with a refunded payment are taken back, as far as they are unspent.
    if kind.as_deref() == Some("ai_credits")
        && let (Some(user), Some(payment)) = (user, payment)
    {
        credits::take_back(
            c,
            &user,
            relationship.as_deref(),
            &payment,
            &format!("refund:{charge_id}"),
            now,
        )
        .await?;
    }
    Ok(())
}
