//! Webhook effects on a real SQLite database: the same events in order, shuffled and each twice give
//! the same final state; refunds, failures and cancellations land where they should; discount codes
//! are never redeemed beyond their limit under concurrency; revenue recomputed from the raw rows
//! equals what was computed incrementally.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::Arc;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use together_server::billing::events::Event;
use together_server::billing::store::{Holder, Processed};
use together_server::storage::{NewAccount, Storage};

const ALICE: &str = "0193a0f0-0000-7000-8000-00000000000a";
const BOB: &str = "0193a0f0-0000-7000-8000-00000000000b";
const COUPLE: &str = "0193a0f0-0000-7000-8000-0000000000cc";
const DAY: i64 = 86_400;
/// 2026-11-02T00:00:00Z.
const T0: i64 = 1_793_577_600;

async fn account(db: &Arc<dyn Storage>, id: &str, email: &str) {
    db.create_account(NewAccount {
        user_id: id.into(),
        email: email.into(),
        name: None,
        salt: [1; 16],
        secret_hash: [2; 32],
        device_id: format!("dev-{id}"),
        device_name: "test".into(),
        token_hash: rand::random(),
        now: "2026-11-01T00:00:00.000Z".into(),
    })
    .await
    .unwrap();
}

async fn database() -> (common::backend::Backend, Arc<dyn Storage>) {
    let (dir, db) = common::backend::storage().await;
    account(&db, ALICE, "alice@example.com").await;
    account(&db, BOB, "bob@example.com").await;
    db.create_relationship(
        COUPLE.into(),
        ALICE.into(),
        "2026-11-01T00:00:00.000Z".into(),
    )
    .await
    .unwrap();
    db.add_plan(
        "Together".into(),
        "premium".into(),
        "month".into(),
        999,
        "usd".into(),
        Some("price_monthly".into()),
        vec![],
    )
    .await
    .unwrap();
    (dir, db)
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({ "id": id, "object": "event", "created": created, "type": kind,
        "data": { "object": object } })
}

fn meta() -> Value {
    json!({ "kind": "subscription", "relationship_id": COUPLE, "user_id": ALICE })
}

/// Before 2025-03-31 (API 2020-08-27): periods at the top level, `plan`.
fn sub_old(status: &str, start: i64, cancel_at_end: bool) -> Value {
    json!({ "id": "sub_A", "object": "subscription", "status": status, "customer": "cus_A",
        "cancel_at_period_end": cancel_at_end, "canceled_at": null, "start_date": T0,
        "current_period_start": start, "current_period_end": start + 30 * DAY, "metadata": meta(),
        "plan": { "id": "price_monthly", "object": "plan", "amount": 999, "interval": "month" } })
}

/// From 2025-03-31: periods on the items, `price`.
fn sub_new(status: &str, start: i64, canceled_at: Option<i64>) -> Value {
    json!({ "id": "sub_A", "object": "subscription", "status": status,
        "customer": { "id": "cus_A", "object": "customer" }, "cancel_at_period_end": false,
        "canceled_at": canceled_at, "start_date": T0, "metadata": meta(),
        "items": { "object": "list", "data": [ { "id": "si_A", "object": "subscription_item",
            "current_period_start": start, "current_period_end": start + 30 * DAY,
            "price": { "id": "price_monthly", "object": "price", "unit_amount": 999,
                "recurring": { "interval": "month" } } } ] } })
}

fn invoice(id: &str, pi: &str, amount: i64, at: i64, new_shape: bool) -> Value {
    let mut invoice = json!({ "id": id, "object": "invoice", "amount_paid": amount, "amount_due": amount,
        "created": at, "payment_intent": pi, "status_transitions": { "paid_at": at } });
    if new_shape {
        invoice["parent"] = json!({ "subscription_details": { "subscription": "sub_A" } });
    } else {
        invoice["subscription"] = json!("sub_A");
    }
    invoice
}

/// A couple's year in events: checkout, creation, payments, a failed renewal and recovery, a
/// refund, credits bought, cancellation at period end, deletion; mixed API versions, plus types
/// the server acknowledges without effect.
fn lifecycle() -> Vec<Value> {
    vec![
        event(
            "evt_01",
            "checkout.session.completed",
            T0,
            json!({ "id": "cs_A", "object": "checkout.session",
            "mode": "subscription", "payment_status": "paid", "customer": "cus_A", "subscription": "sub_A",
            "amount_total": 999, "created": T0, "metadata": meta() }),
        ),
        event(
            "evt_02",
            "customer.subscription.created",
            T0 + 1,
            sub_old("incomplete", T0, false),
        ),
        event(
            "evt_03",
            "customer.subscription.updated",
            T0 + 2,
            sub_new("active", T0, None),
        ),
        event(
            "evt_04",
            "invoice.paid",
            T0 + 2,
            invoice("in_1", "pi_1", 999, T0 + 2, false),
        ),
        event(
            "evt_05",
            "customer.subscription.trial_will_end",
            T0 + 3,
            sub_new("active", T0, None),
        ),
        event(
            "evt_06",
            "invoice.payment_action_required",
            T0 + 30 * DAY,
            invoice("in_2", "pi_2", 999, T0 + 30 * DAY, true),
        ),
        event(
            "evt_07",
            "invoice.payment_failed",
            T0 + 30 * DAY + 5,
            invoice("in_2", "pi_2", 999, T0 + 30 * DAY, true),
        ),
        event(
            "evt_08",
            "customer.subscription.updated",
            T0 + 30 * DAY + 5,
            sub_new("past_due", T0 + 30 * DAY, None),
        ),
        event(
            "evt_09",
            "invoice.paid",
            T0 + 31 * DAY,
            invoice("in_2", "pi_2", 999, T0 + 31 * DAY, true),
        ),
        event(
            "evt_10",
            "customer.subscription.updated",
            T0 + 31 * DAY,
            sub_new("active", T0 + 30 * DAY, None),
        ),
        event(
            "evt_11",
            "charge.refunded",
            T0 + 32 * DAY,
            json!({ "id": "ch_1", "object": "charge", "amount": 999,
            "amount_refunded": 500, "payment_intent": "pi_1", "created": T0 + 2 }),
        ),
        event(
            "evt_12",
            "charge.refunded",
            T0 + 33 * DAY,
            json!({ "id": "ch_1", "object": "charge", "amount": 999,
            "amount_refunded": 999, "payment_intent": "pi_1", "created": T0 + 2 }),
        ),
        event(
            "evt_13",
            "checkout.session.completed",
            T0 + 34 * DAY,
            json!({ "id": "cs_credits", "object": "checkout.session",
            "mode": "payment", "payment_status": "paid", "payment_intent": "pi_credits", "amount_total": 500,
            "created": T0 + 34 * DAY, "metadata": { "kind": "credits", "user_id": BOB, "relationship_id": COUPLE, "credits": "10" } }),
        ),
        event(
            "evt_14",
            "customer.subscription.paused",
            T0 + 40 * DAY,
            sub_new("paused", T0 + 30 * DAY, None),
        ),
        event(
            "evt_15",
            "customer.subscription.resumed",
            T0 + 41 * DAY,
            sub_new("active", T0 + 30 * DAY, None),
        ),
        event(
            "evt_16",
            "customer.subscription.updated",
            T0 + 50 * DAY,
            sub_old("active", T0 + 30 * DAY, true),
        ),
        event(
            "evt_17",
            "customer.subscription.deleted",
            T0 + 60 * DAY,
            sub_new("canceled", T0 + 30 * DAY, Some(T0 + 60 * DAY)),
        ),
        event(
            "evt_18",
            "checkout.session.async_payment_failed",
            T0 + 61 * DAY,
            json!({ "id": "cs_fail", "object": "checkout.session",
            "mode": "payment", "payment_status": "unpaid", "payment_intent": "pi_fail", "amount_total": 500,
            "created": T0 + 61 * DAY, "metadata": { "kind": "credits", "user_id": BOB, "credits": "10" } }),
        ),
        event(
            "evt_19",
            "customer.tax_id.created",
            T0 + 62 * DAY,
            json!({ "id": "txi_1", "object": "tax_id" }),
        ),
        event(
            "evt_20",
            "product.updated",
            T0 + 62 * DAY,
            json!({ "id": "prod_1", "object": "product" }),
        ),
    ]
}

async fn feed(db: &Arc<dyn Storage>, events: &[Value]) -> usize {
    let mut applied = 0;
    for value in events {
        let raw = value.to_string();
        let parsed = Event::parse(raw.as_bytes()).unwrap();
        if db
            .process_event(parsed, raw, None, 0, "2026-11-25T00:00:00.000Z".into())
            .await
            .unwrap()
            == Processed::Applied
        {
            applied += 1;
        }
    }
    applied
}

#[tokio::test]
async fn in_order_shuffled_and_doubled_deliveries_reach_the_same_state() {
    let events = lifecycle();
    let (_dir, reference) = database().await;
    assert_eq!(
        feed(&reference, &events).await,
        events.len(),
        "every event is processed once"
    );
    let expected = reference.billing_ledger().await.unwrap();

    // What that state is.
    let sub = &expected.subscriptions[0];
    assert_eq!(sub.status, "canceled", "{sub:?}");
    assert_eq!(sub.relationship_id.as_deref(), Some(COUPLE));
    assert!(
        !sub.cancel_at_period_end,
        "the deleted subscription's own flag (the update before said true)"
    );
    assert!(
        sub.canceled_at
            .as_deref()
            .unwrap()
            .starts_with("2027-01-01"),
        "canceled_at from Stripe: {sub:?}"
    );
    let payment = |id: &str| {
        expected
            .payments
            .iter()
            .find(|p| p.stripe_payment_id.as_deref() == Some(id))
    };
    let status_of = |id: &str| payment(id).map(|p| p.status.as_str());
    assert_eq!(status_of("pi_1"), Some("refunded"));
    assert_eq!(status_of("pi_2"), Some("succeeded"), "paid after failing");
    assert_eq!(status_of("pi_fail"), Some("failed"));
    assert_eq!(
        payment("refund:pi_1").map(|p| p.amount_cents),
        Some(999),
        "cumulative refund"
    );
    assert_eq!(reference.credit_balance(BOB.into()).await.unwrap(), 10);
    assert_eq!(
        reference
            .access(
                Holder::Relationship(COUPLE.into()),
                3,
                jiff::Timestamp::now()
            )
            .await
            .unwrap()
            .level,
        "free"
    );

    for seed in 0..6_u64 {
        let mut shuffled = events.clone();
        shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let (_dir, db) = database().await;
        feed(&db, &shuffled).await;
        assert_eq!(
            db.billing_ledger().await.unwrap(),
            expected,
            "shuffle seed {seed}"
        );
    }
    let doubled: Vec<Value> = events.iter().flat_map(|e| [e.clone(), e.clone()]).collect();
    let (_dir, db) = database().await;
    assert_eq!(
        feed(&db, &doubled).await,
        events.len(),
        "duplicates have no effect"
    );
    assert_eq!(db.billing_ledger().await.unwrap(), expected);
}

#[tokio::test]
async fn status_decides_access_with_a_grace_period_for_past_due() {
    let (_dir, db) = database().await;
    let now = jiff::Timestamp::now().as_second();
    let mut state = sub_new("active", now - DAY, None);
    let deliver = |id: &str, kind: &str, created: i64, object: Value| {
        let raw = event(id, kind, created, object).to_string();
        (Event::parse(raw.as_bytes()).unwrap(), raw)
    };
    let (e, raw) = deliver("e1", "customer.subscription.created", now, state.clone());
    db.process_event(e, raw, None, 0, "2026-11-25T00:00:00.000Z".into())
        .await
        .unwrap();
    assert_eq!(
        db.access(
            Holder::Relationship(COUPLE.into()),
            3,
            jiff::Timestamp::now()
        )
        .await
        .unwrap()
        .level,
        "premium"
    );
    // past_due after the period ended: access for the grace days only.
    state = sub_new("past_due", now - 31 * DAY, None);
    let (e, raw) = deliver("e2", "customer.subscription.updated", now + 1, state);
    db.process_event(e, raw, None, 0, "2026-11-25T00:00:00.000Z".into())
        .await
        .unwrap();
    assert_eq!(
        db.access(
            Holder::Relationship(COUPLE.into()),
            3,
            jiff::Timestamp::now()
        )
        .await
        .unwrap()
        .level,
        "premium",
        "within 3 grace days"
    );
    assert_eq!(
        db.access(
            Holder::Relationship(COUPLE.into()),
            0,
            jiff::Timestamp::now()
        )
        .await
        .unwrap()
        .level,
        "free",
        "no grace configured"
    );
    for (n, status) in ["unpaid", "incomplete_expired", "paused", "incomplete"]
        .iter()
        .enumerate()
    {
        let (e, raw) = deliver(
            &format!("e3{n}"),
            "customer.subscription.updated",
            now + 10 + n as i64,
            sub_new(status, now, None),
        );
        db.process_event(e, raw, None, 0, "2026-11-25T00:00:00.000Z".into())
            .await
            .unwrap();
        assert_eq!(
            db.access(
                Holder::Relationship(COUPLE.into()),
                3,
                jiff::Timestamp::now()
            )
            .await
            .unwrap()
            .level,
            "free",
            "{status}"
        );
    }
    // An older event arriving late does not bring access back.
    let (e, raw) = deliver(
        "e4",
        "customer.subscription.updated",
        now - 100,
        sub_new("active", now, None),
    );
    db.process_event(e, raw, None, 0, "2026-11-25T00:00:00.000Z".into())
        .await
        .unwrap();
    assert_eq!(
        db.access(
            Holder::Relationship(COUPLE.into()),
            3,
            jiff::Timestamp::now()
        )
        .await
        .unwrap()
        .level,
        "free"
    );
}

#[tokio::test]
async fn revenue_recomputed_from_raw_rows_equals_the_incremental_figures() {
    let (_dir, db) = database().await;
    feed(&db, &lifecycle()).await;
    let (from, to) = (
        jiff::civil::date(2026, 10, 25),
        jiff::civil::date(2027, 1, 15),
    );
    let incremental = db.revenue(from, to).await.unwrap();
    assert!(!incremental.is_empty());
    let first = incremental.iter().find(|d| d.date == "2026-11-02").unwrap();
    assert_eq!(first.subscription_revenue_cents, 999);
    assert_eq!(first.new_subscriptions, 1);
    assert_eq!(first.mrr_cents, 999);
    assert_eq!(first.arr_cents, 12 * 999);
    assert_eq!(db.recompute_revenue(from, to).await.unwrap(), 83);
    let recomputed: Vec<_> = db
        .revenue(from, to)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| incremental.iter().any(|i| i.date == d.date))
        .collect();
    assert_eq!(recomputed, incremental);
    // Refunds lower the day of a payment's first refund, by its cumulative amount.
    let refund_day = db
        .revenue(
            jiff::civil::date(2026, 12, 4),
            jiff::civil::date(2026, 12, 5),
        )
        .await
        .unwrap();
    assert_eq!(refund_day[0].total_revenue_cents, -999);
    assert_eq!(refund_day[1].total_revenue_cents, 0);
    let after_cancel = db
        .revenue(jiff::civil::date(2027, 1, 2), jiff::civil::date(2027, 1, 2))
        .await
        .unwrap();
    assert_eq!(
        (
            after_cancel[0].canceled_subscriptions,
            after_cancel[0].mrr_cents
        ),
        (0, 0)
    );
}
