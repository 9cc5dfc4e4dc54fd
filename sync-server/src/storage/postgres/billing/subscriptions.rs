//! Subscriptions in PostgreSQL (see `storage/sqlite/billing/subscriptions.rs`): created by a
//! completed Checkout, kept to Stripe's newest state whatever the delivery order; a second
//! subscription for a couple already covered is cancelled and refunded.

use deadpool_postgres::GenericClient;
use serde_json::Value;

use super::access::candidates;
use super::actions;
use super::checkouts;
use super::credits;
use super::payments::upsert_payment;
use super::webhooks::record_analytics;
use super::{known_relationship, known_user, new_id};
use crate::billing::events::PaymentRow;
use crate::billing::events::{SubscriptionState, id_of, int, meta, text};
use crate::billing::store::ActionKind;
use crate::billing::store::credits::Movement;
use crate::billing::store::entitlements::{Holder, entitles, finality, holds};
use crate::billing::store::stamp;
use crate::storage::StorageError;
use crate::storage::postgres::{exec, one, opt};

pub(super) async fn checkout_completed<C: GenericClient>(
    c: &C,
    session: &Value,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let paid = matches!(
        text(session, "payment_status").as_deref(),
        Some("paid" | "no_payment_required")
    );
    let relationship = known_relationship(c, meta(session, "relationship_id")).await?;
    let user = known_user(c, meta(session, "user_id")).await?;
    let session_id = text(session, "id").unwrap_or_default();
    let created = stamp(int(session, "created").unwrap_or(0));
    match meta(session, "kind").as_deref() {
        Some("subscription" | "gift") => {
            let Some(subscription) = id_of(session.get("subscription")) else {
                return Ok(());
            };
            let gift_from = known_user(c, meta(session, "gift_from_user_id")).await?;
            let plan = meta(session, "plan_id");
            let (period, price): (Option<String>, Option<i64>) = match &plan {
                Some(plan) => opt(
                    c,
                    "SELECT billing_period, price_cents FROM subscription_plans WHERE id = $1",
                    &[plan],
                )
                .await?
                .map_or((None, None), |r| (Some(r.get(0)), Some(r.get(1)))),
                None => (None, None),
            };
            // The row exists from here on; Stripe's subscription events set its state. Until one
            // arrives a paid checkout counts as active.
            exec(
                c,
                "INSERT INTO subscriptions (id, relationship_id, plan_id, user_id, stripe_customer_id,
                    stripe_subscription_id, status, billing_period, price_cents, is_gift,
                    gift_from_user_id, stripe_state_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12)
                 ON CONFLICT (stripe_subscription_id) DO UPDATE SET
                    relationship_id = coalesce(subscriptions.relationship_id, excluded.relationship_id),
                    plan_id = coalesce(subscriptions.plan_id, excluded.plan_id),
                    user_id = coalesce(subscriptions.user_id, excluded.user_id),
                    stripe_customer_id = coalesce(subscriptions.stripe_customer_id, excluded.stripe_customer_id),
                    is_gift = subscriptions.is_gift OR excluded.is_gift,
                    gift_from_user_id = coalesce(subscriptions.gift_from_user_id, excluded.gift_from_user_id),
                    created_at = least(subscriptions.created_at, excluded.created_at),
                    status = CASE WHEN subscriptions.stripe_state_at = 0 THEN excluded.status
                                  ELSE subscriptions.status END",
                &[
                    &new_id(),
                    &relationship,
                    &plan,
                    &user,
                    &id_of(session.get("customer")),
                    &subscription,
                    &if paid { "active" } else { "incomplete" },
                    &period.unwrap_or_else(|| "month".into()),
                    &price.unwrap_or(int(session, "amount_total").unwrap_or(0)),
                    &gift_from.is_some(),
                    &gift_from,
                    &created,
                ],
            )
            .await?;
            subscription_days(c, &subscription, days).await?;
            link_payments(c, &subscription).await?;
            checkouts::close_session(c, &session_id, paid).await?;
            if paid {
                if let Some(relationship) = &relationship {
                    refund_newcomer(c, relationship, &subscription, now).await?;
                }
                record_analytics(
                    c,
                    "subscription_conversion",
                    user,
                    relationship,
                    session,
                    now,
                )
                .await?;
            }
            Ok(())
        }
        Some("credits") => {
            let Some(user) = user else { return Ok(()) };
            let payment =
                id_of(session.get("payment_intent")).unwrap_or_else(|| session_id.clone());
            let day = upsert_payment(
                c,
                &payment,
                PaymentRow {
                    stripe_subscription: None,
                    kind: "ai_credits",
                    amount: int(session, "amount_total").unwrap_or(0),
                    status: if paid { "succeeded" } else { "pending" },
                    subscription: None,
                    user: Some(user.clone()),
                    relationship: relationship.clone(),
                    created_at: created.clone(),
                    method: None,
                },
            )
            .await?;
            days.push(day);
            let credits: i64 = meta(session, "credits")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            if paid && credits > 0 {
                credits::move_credits(
                    c,
                    &Movement {
                        user: &user,
                        relationship: relationship.as_deref(),
                        kind: "purchase",
                        amount: credits,
                        request_id: &format!("purchase:{session_id}"),
                        payment: Some(&payment),
                        now,
                    },
                )
                .await?;
                record_analytics(
                    c,
                    "credits_purchase",
                    Some(user),
                    relationship,
                    session,
                    now,
                )
                .await?;
            }
            Ok(())
        }
        Some("addon") => {
            let (Some(user), Some(addon)) = (user, meta(session, "addon_id")) else {
                return Ok(());
            };
            if paid {
                exec(
                    c,
                    "INSERT INTO user_addons (id, user_id, addon_id, stripe_subscription_id, status,
                        purchase_date)
                     SELECT $1, $2, $3, $4, 'active', $5
                     WHERE NOT EXISTS (SELECT 1 FROM user_addons WHERE user_id = $2 AND addon_id = $3)",
                    &[
                        &new_id(),
                        &user,
                        &addon,
                        &id_of(session.get("subscription")),
                        &created,
                    ],
                )
                .await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A couple is charged twice: of each pair of subscriptions covering it, the one created later
/// is cancelled and refunded (decided by creation time, so any delivery order picks the same
/// one), through an owed action run after the commit.
async fn refund_newcomer<C: GenericClient>(
    c: &C,
    relationship: &str,
    subscription: &str,
    now: &str,
) -> Result<(), StorageError> {
    let Some(this_created) = opt(
        c,
        "SELECT created_at FROM subscriptions WHERE stripe_subscription_id = $1",
        &[&subscription],
    )
    .await?
    .map(|r| r.get::<_, String>(0)) else {
        return Ok(());
    };
    let now_unix = now
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .unwrap_or_default();
    let others: Vec<(String, String)> =
        candidates(c, &Holder::Relationship(relationship.to_owned()))
            .await?
            .into_iter()
            .filter(|c| holds(c) && entitles(c, 0, now_unix))
            .filter_map(|c| {
                c.stripe_subscription_id
                    .clone()
                    .map(|id| (id, c.created_at))
            })
            .filter(|(id, _)| id != subscription)
            .collect();
    for (other, other_created) in others {
        let newcomer =
            if (this_created.as_str(), subscription) > (other_created.as_str(), other.as_str()) {
                subscription
            } else {
                other.as_str()
            };
        actions::record(
            c,
            ActionKind::RefundDuplicate,
            newcomer,
            None,
            Some(relationship),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Applies Stripe's state of a subscription stamped at `at`, unless a newer one was applied. In
/// the same second, the more final status wins, so any delivery order gives the same result.
pub(super) async fn apply_subscription<C: GenericClient>(
    c: &C,
    state: &SubscriptionState,
    at: i64,
    now: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let existing: Option<(i64, String)> = opt(
        c,
        "SELECT stripe_state_at, status FROM subscriptions WHERE stripe_subscription_id = $1",
        &[&state.id],
    )
    .await?
    .map(|r| (r.get(0), r.get(1)));
    if let Some((applied_at, status)) = &existing {
        let newer =
            at > *applied_at || (at == *applied_at && finality(&state.status) >= finality(status));
        if !newer {
            return Ok(());
        }
    }
    let plan: Option<(String, String)> = match &state.price_id {
        Some(price) => opt(
            c,
            "SELECT id, billing_period FROM subscription_plans WHERE stripe_price_id = $1",
            &[price],
        )
        .await?
        .map(|r| (r.get(0), r.get(1))),
        None => None,
    };
    let period = state
        .interval
        .clone()
        .filter(|i| i == "month" || i == "year")
        .or_else(|| plan.as_ref().map(|p| p.1.clone()))
        .unwrap_or_else(|| "month".into());
    let relationship = known_relationship(c, state.relationship_id.clone()).await?;
    let user = known_user(c, state.user_id.clone()).await?;
    let gift_from = known_user(c, state.gift_from_user_id.clone()).await?;
    let canceled_at = state
        .canceled_at
        .map(stamp)
        .or_else(|| (state.status == "canceled").then(|| stamp(at)));
    let created_at = stamp(state.created.unwrap_or(at));
    let status = if finality(&state.status) < 0 {
        "incomplete".to_owned()
    } else {
        state.status.clone()
    };
    exec(
        c,
        "INSERT INTO subscriptions (id, relationship_id, plan_id, user_id, stripe_customer_id,
            stripe_subscription_id, status, billing_period, price_cents, current_period_start,
            current_period_end, is_gift, gift_from_user_id, cancel_at_period_end, stripe_state_at,
            canceled_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, $17)
         ON CONFLICT (stripe_subscription_id) DO UPDATE SET
            relationship_id = coalesce(subscriptions.relationship_id, excluded.relationship_id),
            plan_id = coalesce(excluded.plan_id, subscriptions.plan_id),
            user_id = coalesce(subscriptions.user_id, excluded.user_id),
            stripe_customer_id = coalesce(excluded.stripe_customer_id, subscriptions.stripe_customer_id),
            status = excluded.status,
            billing_period = excluded.billing_period,
            price_cents = excluded.price_cents,
            current_period_start = excluded.current_period_start,
            current_period_end = excluded.current_period_end,
            is_gift = subscriptions.is_gift OR excluded.is_gift,
            gift_from_user_id = coalesce(subscriptions.gift_from_user_id, excluded.gift_from_user_id),
            cancel_at_period_end = excluded.cancel_at_period_end,
            stripe_state_at = excluded.stripe_state_at,
            canceled_at = excluded.canceled_at,
            created_at = least(subscriptions.created_at, excluded.created_at),
            updated_at = excluded.updated_at",
        &[
            &new_id(),
            &relationship,
            &plan.map(|p| p.0),
            &user,
            &state.customer,
            &state.id,
            &status,
            &period,
            &state.unit_amount.unwrap_or(0).max(0),
            &state.period_start.map(stamp),
            &state.period_end.map(stamp),
            &gift_from.is_some(),
            &gift_from,
            &state.cancel_at_period_end,
            &at,
            &canceled_at,
            &now,
            &created_at,
        ],
    )
    .await?;
    subscription_days(c, &state.id, days).await?;
    link_payments(c, &state.id).await
}

/// Payments (and their refunds) that arrived before their subscription learn who and what they
/// were for.
pub(super) async fn link_payments<C: GenericClient>(
    c: &C,
    stripe_subscription: &str,
) -> Result<(), StorageError> {
    exec(
        c,
        "UPDATE payment_transactions SET
            subscription_id = coalesce(payment_transactions.subscription_id, s.id),
            user_id = coalesce(payment_transactions.user_id, s.user_id),
            relationship_id = coalesce(payment_transactions.relationship_id, s.relationship_id)
         FROM (SELECT id, user_id, relationship_id FROM subscriptions
               WHERE stripe_subscription_id = $1) AS s
         WHERE payment_transactions.stripe_subscription_id = $1
            OR payment_transactions.stripe_payment_intent_id IN (
                SELECT 'refund:' || p.stripe_payment_intent_id FROM payment_transactions p
                WHERE p.stripe_subscription_id = $1)",
        &[&stripe_subscription],
    )
    .await?;
    Ok(())
}

/// Marks every day from a subscription's start as affected (its MRR changes), and its
/// cancellation day.
pub(super) async fn subscription_days<C: GenericClient>(
    c: &C,
    stripe_subscription: &str,
    days: &mut Vec<String>,
) -> Result<(), StorageError> {
    let row = one(
        c,
        "SELECT created_at, canceled_at FROM subscriptions WHERE stripe_subscription_id = $1",
        &[&stripe_subscription],
    )
    .await?;
    let created: String = row.get(0);
    let canceled: Option<String> = row.get(1);
    days.push(format!(">{}", created.get(..10).unwrap_or_default()));
    if let Some(canceled) = canceled {
        days.push(canceled.get(..10).unwrap_or_default().to_owned());
    }
    Ok(())
}
