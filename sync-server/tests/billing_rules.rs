//! Billing rules that must hold when many requests run at once — and, later, when several server
//! instances share one database — tested against the storage layer itself: credits never
//! overspent and purchases never lost, an AI request spent and answered once, one open checkout
//! per couple, discount uses reserved, counted and given back, the newcomer of a doubly-paid couple
//! refunded whatever the delivery order, gift lookups counted.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::Arc;

use serde_json::{Value, json};
use together_server::billing::events::Event;
use together_server::billing::store::{
    ActionKind, AiStart, CheckoutLock, CheckoutRequest, DiscountCode,
};
use together_server::storage::{NewAccount, Storage, StorageError};

const NOW: &str = "2026-11-25T12:00:00.000Z";
const LATER: &str = "2026-11-25T13:00:00.000Z";

fn user(n: usize) -> String {
    format!("0193a0f0-0000-7000-8000-{n:012}")
}

fn relationship_id(n: usize) -> String {
    format!("0193a0f0-0000-7000-9000-{n:012}")
}

async fn database() -> (common::backend::Backend, Arc<dyn Storage>) {
    common::backend::storage().await
}

async fn account(db: &Arc<dyn Storage>, id: &str) {
    db.create_account(NewAccount {
        user_id: id.into(),
        email: format!("{id}@example.com"),
        name: None,
        salt: [1; 16],
        secret_hash: [2; 32],
        device_id: format!("dev-{id}"),
        device_name: "test".into(),
        token_hash: rand::random(),
        now: NOW.into(),
    })
    .await
    .unwrap();
}

/// Two people and their relationship, numbered `n`.
async fn couple(db: &Arc<dyn Storage>, n: usize) -> (String, String, String) {
    let (a, b, r) = (user(2 * n), user(2 * n + 1), relationship_id(n));
    account(db, &a).await;
    account(db, &b).await;
    db.create_relationship(r.clone(), a.clone(), NOW.into())
        .await
        .unwrap();
    let secret: [u8; 32] = rand::random();
    db.create_invite(r.clone(), a.clone(), secret, None, NOW.into(), LATER.into())
        .await
        .unwrap();
    db.redeem_invite(secret, b.clone(), NOW.into())
        .await
        .unwrap();
    (a, b, r)
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> (Event, String) {
    let raw = json!({ "id": id, "object": "event", "created": created, "type": kind,
        "data": { "object": object } })
    .to_string();
    (Event::parse(raw.as_bytes()).unwrap(), raw)
}

async fn process(db: &Arc<dyn Storage>, (event, raw): (Event, String)) {
    db.process_event(event, raw, None, 0, NOW.into())
        .await
        .unwrap();
}

fn credits_bought(user: &str, credits: i64, session: &str) -> (Event, String) {
    event(
        &format!("evt_{session}"),
        "checkout.session.completed",
        1_790_000_000,
        json!({ "id": session, "object": "checkout.session", "mode": "payment",
            "payment_status": "paid", "payment_intent": format!("pi_{session}"),
            "amount_total": 100, "created": 1_790_000_000,
            "metadata": { "kind": "credits", "user_id": user, "credits": credits.to_string() } }),
    )
}

async fn spend(db: &Arc<dyn Storage>, who: &str, key: &str) -> Result<AiStart, StorageError> {
    db.begin_ai_request(who.into(), None, 1, key.into(), NOW.into())
        .await
}

#[tokio::test]
async fn forty_concurrent_spends_on_ten_credits_succeed_exactly_ten_times() {
    let (_dir, db) = database().await;
    let me = user(1);
    account(&db, &me).await;
    process(&db, credits_bought(&me, 10, "cs_1")).await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let (db, me) = (db.clone(), me.clone());
        tasks.push(tokio::spawn(async move {
            spend(&db, &me, &format!("ai:{me}:{n}")).await
        }));
    }
    let (mut spent, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(AiStart::Fresh(after)) => {
                assert!(after >= 0);
                spent += 1;
            }
            Err(StorageError::Forbidden(_)) => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((spent, refused), (10, 30));
    assert_eq!(db.credit_balance(me.clone()).await.unwrap(), 0);
    let ledger = db.billing_ledger().await.unwrap();
    assert_eq!(ledger.credits.iter().map(|c| c.amount).sum::<i64>(), 0);
}

#[tokio::test]
async fn a_purchase_landing_among_concurrent_spends_is_never_lost() {
    let (_dir, db) = database().await;
    let me = user(1);
    account(&db, &me).await;
    process(&db, credits_bought(&me, 10, "cs_1")).await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let (db_n, me_n) = (db.clone(), me.clone());
        tasks.push(tokio::spawn(async move {
            spend(&db_n, &me_n, &format!("ai:{me_n}:{n}")).await.is_ok()
        }));
        if n == 20 {
            let (db_p, me_p) = (db.clone(), me.clone());
            tasks.push(tokio::spawn(async move {
                process(&db_p, credits_bought(&me_p, 5, "cs_2")).await;
                false
            }));
        }
    }
    let mut spent = 0;
    for task in tasks {
        spent += i64::from(task.await.unwrap());
    }
    let balance = db.credit_balance(me.clone()).await.unwrap();
    assert_eq!(spent + balance, 15, "10 + 5 bought = spent + left");
    assert!(spent >= 10);
}

#[tokio::test]
async fn an_ai_request_is_spent_once_and_answered_once() {
    let (_dir, db) = database().await;
    let me = user(1);
    account(&db, &me).await;
    process(&db, credits_bought(&me, 10, "cs_1")).await;
    assert_eq!(spend(&db, &me, "k1").await.unwrap(), AiStart::Fresh(9));
    let in_flight = spend(&db, &me, "k1").await.unwrap_err();
    assert!(
        in_flight.to_string().contains("still being answered"),
        "{in_flight}"
    );
    db.finish_ai_request("k1".into(), vec!["picnic".into()], NOW.into())
        .await
        .unwrap();
    assert_eq!(
        spend(&db, &me, "k1").await.unwrap(),
        AiStart::Answered(vec!["picnic".into()], 9),
        "a replay gets the stored answer and spends nothing"
    );
    // A failed request gives its credit back once, and cannot be replayed into a second spend.
    assert_eq!(spend(&db, &me, "k2").await.unwrap(), AiStart::Fresh(8));
    db.fail_ai_request("k2".into(), NOW.into()).await.unwrap();
    db.fail_ai_request("k2".into(), NOW.into()).await.unwrap();
    assert_eq!(db.credit_balance(me.clone()).await.unwrap(), 9);
    assert!(spend(&db, &me, "k2").await.is_err());
    assert_eq!(db.credit_balance(me.clone()).await.unwrap(), 9);
    // Old answers are forgotten: the replay is refused, nothing is spent again.
    assert_eq!(db.forget_ai_answers(LATER.into()).await.unwrap(), 1);
    assert!(spend(&db, &me, "k1").await.is_err());
    assert_eq!(db.credit_balance(me).await.unwrap(), 9);
}

fn checkout_request(user: &str, relationship: &str, code: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        relationship_id: relationship.into(),
        user_id: user.into(),
        plan_id: "plan".into(),
        price_cents: 1000,
        discount_code: code.map(str::to_owned),
        now: NOW.into(),
        expires_at: LATER.into(),
    }
}

#[tokio::test]
async fn a_couple_has_one_open_checkout_at_a_time() {
    let (_dir, db) = database().await;
    let (a, b, r) = couple(&db, 1).await;
    let (first, second) = tokio::join!(
        db.begin_checkout(checkout_request(&a, &r, None)),
        db.begin_checkout(checkout_request(&b, &r, None)),
    );
    let opened = [&first, &second]
        .iter()
        .filter(|o| matches!(o, Ok(CheckoutLock::Open { .. })))
        .count();
    assert_eq!(opened, 1, "{first:?} / {second:?}");
    let (winner, lock) = match (first, second) {
        (Ok(CheckoutLock::Open { lock_id, .. }), Err(_)) => (a.clone(), lock_id),
        (Err(_), Ok(CheckoutLock::Open { lock_id, .. })) => (b.clone(), lock_id),
        other => panic!("{other:?}"),
    };
    // The same person again, while Stripe has not answered yet: the same lock (Stripe's
    // idempotency key), so the same session.
    match db
        .begin_checkout(checkout_request(&winner, &r, None))
        .await
        .unwrap()
    {
        CheckoutLock::Open { lock_id, .. } => assert_eq!(lock_id, lock),
        other => panic!("{other:?}"),
    }
    db.attach_checkout(lock.clone(), "cs_1".into(), "https://checkout/1".into())
        .await
        .unwrap();
    assert_eq!(
        db.begin_checkout(checkout_request(&winner, &r, None))
            .await
            .unwrap(),
        CheckoutLock::Existing {
            session_id: "cs_1".into(),
            url: "https://checkout/1".into()
        }
    );
    // Stripe refused (or the session expired): the couple may open another.
    db.abandon_checkout(lock).await.unwrap();
    let other = if winner == a { &b } else { &a };
    assert!(matches!(
        db.begin_checkout(checkout_request(other, &r, None))
            .await
            .unwrap(),
        CheckoutLock::Open { .. }
    ));
}

fn expired(session: &str) -> (Event, String) {
    event(
        &format!("evt_exp_{session}"),
        "checkout.session.expired",
        1_790_000_000,
        json!({ "id": session, "object": "checkout.session", "status": "expired", "metadata": {} }),
    )
}

#[tokio::test]
async fn discount_uses_are_reserved_at_checkout_counted_on_payment_and_given_back_on_expiry() {
    let (_dir, db) = database().await;
    db.create_discount(DiscountCode {
        is_active: true,
        id: String::new(),
        code: "LOVE10".into(),
        discount_type: "percent".into(),
        discount_value: 20,
        max_uses: Some(10),
        current_uses: 0,
        valid_until: Some("2099-01-01T00:00:00.000Z".into()),
        stripe_coupon_id: Some("coupon_love".into()),
    })
    .await
    .unwrap();
    let mut couples = Vec::new();
    for n in 0..100 {
        couples.push(couple(&db, n).await);
    }
    let mut tasks = Vec::new();
    for (a, _, r) in couples.clone() {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.begin_checkout(checkout_request(&a, &r, Some("love10")))
                .await
        }));
    }
    let mut reserved = Vec::new();
    for (task, (_, _, r)) in tasks.into_iter().zip(&couples) {
        match task.await.unwrap() {
            Ok(CheckoutLock::Open {
                lock_id,
                redemption: Some(redemption),
            }) => {
                assert_eq!(redemption.amount_off_cents, 200);
                reserved.push((lock_id, r.clone()));
            }
            Err(error) => assert!(error.to_string().contains("used up"), "{error}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(reserved.len(), 10, "a 10-use code, 100 buyers at once");
    let uses = || async { db.discounts().await.unwrap()[0].current_uses };
    assert_eq!(uses().await, 10);

    // One session expires: its use comes back.
    let (lock, _) = &reserved[0];
    db.attach_checkout(lock.clone(), "cs_gone".into(), "u".into())
        .await
        .unwrap();
    process(&db, expired("cs_gone")).await;
    assert_eq!(uses().await, 9);
    // One is paid: its use counts for good, even if an `expired` arrives later by mistake.
    let (lock, r) = &reserved[1];
    db.attach_checkout(lock.clone(), "cs_paid".into(), "u".into())
        .await
        .unwrap();
    let (payer, _, _) = couples.iter().find(|c| &c.2 == r).unwrap().clone();
    process(
        &db,
        event(
            "evt_paid",
            "checkout.session.completed",
            1_790_000_000,
            json!({ "id": "cs_paid", "object": "checkout.session", "mode": "subscription",
                "payment_status": "paid", "subscription": "sub_paid", "customer": "cus_1",
                "created": 1_790_000_000,
                "metadata": { "kind": "subscription", "relationship_id": r, "user_id": payer } }),
        ),
    )
    .await;
    process(&db, expired("cs_paid")).await;
    assert_eq!(uses().await, 9);
    // Locks whose `expired` never came are swept, their uses given back.
    assert_eq!(
        db.sweep_checkouts("2099-01-01T00:00:00.000Z".into())
            .await
            .unwrap(),
        8
    );
    assert_eq!(uses().await, 1);
}

fn subscribed(relationship: &str, payer: &str, sub: &str, created: i64) -> [(Event, String); 2] {
    let meta = json!({ "kind": "subscription", "relationship_id": relationship, "user_id": payer });
    let object = json!({ "id": sub, "object": "subscription", "status": "active", "customer": "cus",
        "created": created, "cancel_at_period_end": false, "metadata": meta,
        "items": { "data": [ { "current_period_start": created,
            "current_period_end": 4_102_444_800_i64,
            "price": { "id": "price_1", "unit_amount": 999, "recurring": { "interval": "month" } } } ] } });
    [
        event(
            &format!("evt_c_{sub}"),
            "checkout.session.completed",
            created,
            json!({ "id": format!("cs_{sub}"), "object": "checkout.session", "mode": "subscription",
                "payment_status": "paid", "subscription": sub, "customer": "cus", "created": created,
                "metadata": meta }),
        ),
        event(
            &format!("evt_s_{sub}"),
            "customer.subscription.created",
            created,
            object,
        ),
    ]
}

#[tokio::test]
async fn the_newcomer_of_a_doubly_paid_couple_is_refunded_whatever_the_delivery_order() {
    for reversed in [false, true] {
        let (_dir, db) = database().await;
        let (a, b, r) = couple(&db, 1).await;
        let mut events: Vec<_> = subscribed(&r, &a, "sub_first", 1_790_000_000)
            .into_iter()
            .chain(subscribed(&r, &b, "sub_second", 1_790_000_060))
            .collect();
        if reversed {
            events.reverse();
        }
        for e in events {
            process(&db, e).await;
        }
        let owed = db.pending_actions(10).await.unwrap();
        assert_eq!(owed.len(), 1, "reversed {reversed}: {owed:?}");
        assert_eq!(owed[0].kind, ActionKind::RefundDuplicate);
        assert_eq!(owed[0].stripe_subscription_id, "sub_second");
    }
}

#[tokio::test]
async fn gift_lookups_are_limited_in_the_database_even_at_once() {
    let (_dir, db) = database().await;
    let giver = user(1);
    account(&db, &giver).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (db, giver) = (db.clone(), giver.clone());
        tasks.push(tokio::spawn(async move {
            db.allow_gift_lookup(giver, NOW.into(), "2026-11-25T11:00:00.000Z".into())
                .await
                .unwrap()
        }));
    }
    let mut allowed = 0;
    for task in tasks {
        allowed += usize::from(task.await.unwrap());
    }
    assert_eq!(allowed, 5);
    // An hour later the budget is back.
    assert!(
        db.allow_gift_lookup(
            giver,
            "2026-11-25T13:00:01.000Z".into(),
            "2026-11-25T12:00:01.000Z".into()
        )
        .await
        .unwrap()
    );
}
