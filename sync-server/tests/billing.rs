//! Billing over real HTTP: a real server with a fake Stripe on loopback; webhook events written
//! after Stripe's documented shapes, signed with Stripe's scheme.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::billing::{
    Couple, OLD_SECRET, WEBHOOK_SECRET, add_plan, admin, billing_server, couple, deliver,
    deliver_signed, entitlement, event, now, subscription,
};
use common::fake_stripe::FakeStripe;
use common::{Device, signup};
use serde_json::{Value, json};

#[tokio::test]
async fn the_webhook_checks_signatures_stores_once_and_acknowledges_unknown_types() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let unknown = event(
        "evt_unknown_1",
        "customer.tax_id.created",
        now(),
        json!({ "id": "txi_1", "object": "tax_id" }),
    );
    let (status, body) = deliver_signed(&server, &unknown, "whsec_wrong", now()).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = deliver_signed(&server, &unknown, WEBHOOK_SECRET, now() - 301).await;
    assert_eq!(status, 400, "a stale timestamp is refused");
    let (status, body) = deliver_signed(&server, &unknown, OLD_SECRET, now()).await;
    assert_eq!(
        status, 200,
        "a secret being rotated out still verifies: {body}"
    );
    assert_eq!(body["duplicate"], false);
    let (status, body) = deliver_signed(&server, &unknown, WEBHOOK_SECRET, now()).await;
    assert_eq!(
        (status, body["duplicate"].clone()),
        (200, json!(true)),
        "a duplicate is answered 2xx without effect"
    );
    let no_header = common::http()
        .post(format!("{}/v1/stripe/webhook", server.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status().as_u16(), 400);
}

#[tokio::test]
async fn a_couple_buys_premium_once_both_are_entitled_and_unpairing_ends_the_partners_access() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let listed = Device::anonymous(&server).get("/v1/plans").await;
    assert_eq!(listed.body[0]["id"], plan.as_str());
    assert_eq!(listed.body[0]["features"][0], "AI date ideas");
    let Couple { a, b, relationship } = couple(&server, "a@example.com", "b@example.com").await;
    assert_eq!(entitlement(&b).await["level"], "free");

    let started = a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "request_id": "r1" }),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.body);
    assert!(
        started.body["checkout_url"]
            .as_str()
            .unwrap()
            .starts_with("https://checkout.stripe.test/")
    );
    let sent = stripe.requests().pop().unwrap();
    assert_eq!(sent.path, "/v1/checkout");
    assert_eq!(sent.field("mode"), Some("subscription"));
    assert_eq!(
        sent.field("line_items[0][price]"),
        Some("price_test_monthly")
    );
    assert_eq!(
        sent.field("metadata[relationship_id]"),
        Some(relationship.as_str())
    );
    assert_eq!(
        sent.field("subscription_data[metadata][relationship_id]"),
        Some(relationship.as_str())
    );
    assert!(
        sent.idempotency_key
            .as_deref()
            .is_some_and(|k| k.starts_with("checkout:")),
        "{sent:?}"
    );
    // A retried request gets the couple's open session: no second charge possible.
    let retried = a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "request_id": "r1" }),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.body["session_id"], started.body["session_id"]);
    assert_eq!(
        stripe.requests_to("/v1/checkout").len(),
        1,
        "Stripe was asked for one session"
    );

    // Stripe reports the purchase: checkout completed, subscription created, invoice paid.
    let period_end = now() + 30 * 86_400;
    let meta = json!({ "kind": "subscription", "relationship_id": relationship, "user_id": a.user_id, "plan_id": plan });
    let sub = subscription("sub_test_1", "active", meta.clone(), period_end);
    stripe.set_subscription(sub.clone());
    deliver(
        &server,
        &event(
            "evt_1",
            "checkout.session.completed",
            now(),
            json!({
        "id": started.body["session_id"], "object": "checkout.session", "mode": "subscription",
        "payment_status": "paid", "status": "complete", "customer": "cus_test_1",
        "subscription": "sub_test_1", "amount_total": 999, "created": now(), "metadata": meta }),
        ),
    )
    .await;
    deliver(
        &server,
        &event("evt_2", "customer.subscription.created", now(), sub),
    )
    .await;
    deliver(&server, &event("evt_3", "invoice.paid", now(), json!({
        "id": "in_test_1", "object": "invoice", "amount_paid": 999, "amount_due": 999, "created": now(),
        "payment_intent": "pi_test_1", "parent": { "subscription_details": { "subscription": "sub_test_1" } } }))).await;

    for partner in [&a, &b] {
        let granted = entitlement(partner).await;
        assert_eq!(granted["level"], "premium", "{granted}");
        assert_eq!(granted["status"], "active");
        assert_eq!(granted["relationship_id"], relationship.as_str());
    }
    let again = b
        .post("/v1/billing/checkout", json!({ "plan_id": plan }))
        .await;
    assert_eq!(again.status, 409, "no double charge: {}", again.body);
    assert!(
        again.body["error"]
            .as_str()
            .unwrap()
            .contains("already has Premium")
    );
    let portal = a.post("/v1/billing/portal", json!({})).await;
    assert_eq!(portal.status, 200, "{}", portal.body);
    assert_eq!(
        stripe.requests().last().unwrap().field("customer"),
        Some("cus_test_1")
    );

    // Unpairing: the partner no longer inherits access; the payer keeps it.
    let reply = b
        .delete(&format!("/v1/relationships/{relationship}/membership"))
        .await;
    assert_eq!(reply.status, 204);
    let left = entitlement(&b).await;
    assert_eq!(
        (left["level"].clone(), left["relationship_id"].clone()),
        (json!("free"), Value::Null)
    );
    assert_eq!(entitlement(&a).await["level"], "premium");

    // Stripe later says the subscription was canceled: the current object wins.
    let mut canceled = subscription("sub_test_1", "canceled", meta, period_end);
    canceled["canceled_at"] = json!(now());
    stripe.set_subscription(canceled);
    // Delivered with the old copy in the payload: the server asks Stripe for the current state.
    deliver(
        &server,
        &event(
            "evt_4",
            "customer.subscription.updated",
            now(),
            subscription("sub_test_1", "active", json!({}), period_end),
        ),
    )
    .await;
    assert_eq!(entitlement(&a).await["level"], "free");
}

#[tokio::test]
async fn a_gift_entitles_the_other_couple_and_credits_pay_for_ai_suggestions() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, true).await;
    let plan = add_plan(&server);
    let pack = admin(
        &server,
        &[
            "addons",
            "add",
            "--name",
            "3 ideas",
            "--type",
            "ai_credits",
            "--price-cents",
            "300",
            "--stripe-price",
            "price_credits_3",
            "--credits",
            "3",
        ],
    );
    let packs = Device::anonymous(&server).get("/v1/addons").await;
    assert_eq!(packs.body[0]["id"], pack.as_str(), "{}", packs.body);
    assert_eq!(packs.body[0]["credits"], 3);
    let receivers = couple(&server, "r1@example.com", "r2@example.com").await;
    let givers = couple(&server, "g1@example.com", "g2@example.com").await;

    let gift = givers
        .a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "gift_to_email": "R2@example.com" }),
        )
        .await;
    assert_eq!(gift.status, 201, "{}", gift.body);
    let sent = stripe.requests().pop().unwrap();
    assert_eq!(
        sent.field("metadata[relationship_id]"),
        Some(receivers.relationship.as_str())
    );
    assert_eq!(
        sent.field("metadata[gift_from_user_id]"),
        Some(givers.a.user_id.as_str())
    );
    let meta = json!({ "kind": "gift", "relationship_id": receivers.relationship, "user_id": givers.a.user_id,
        "plan_id": plan, "gift_from_user_id": givers.a.user_id });
    let sub = subscription("sub_gift_1", "active", meta.clone(), now() + 365 * 86_400);
    stripe.set_subscription(sub.clone());
    deliver(&server, &event("evt_g1", "checkout.session.completed", now(), json!({
        "id": gift.body["session_id"], "object": "checkout.session", "mode": "subscription", "payment_status": "paid",
        "customer": "cus_giver", "subscription": "sub_gift_1", "amount_total": 999, "created": now(), "metadata": meta }))).await;
    deliver(
        &server,
        &event("evt_g2", "customer.subscription.created", now(), sub),
    )
    .await;
    let received = entitlement(&receivers.b).await;
    assert_eq!(
        (received["level"].clone(), received["is_gift"].clone()),
        (json!("premium"), json!(true))
    );
    assert_eq!(
        entitlement(&givers.a).await["level"],
        "free",
        "the giver's own couple is not entitled"
    );
    let twice = givers
        .b
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "gift_to_email": "r1@example.com" }),
        )
        .await;
    assert_eq!(
        twice.status, 404,
        "a gift to an entitled couple is refused, with the one answer that reveals nothing: {}",
        twice.body
    );

    // Credits: a pack of 3 bought, then spent to zero, the next request refused.
    let bought = givers
        .a
        .post("/v1/billing/credits/checkout", json!({ "addon_id": pack }))
        .await;
    assert_eq!(bought.status, 201, "{}", bought.body);
    assert_eq!(
        stripe.requests().pop().unwrap().field("mode"),
        Some("payment")
    );
    let credits_meta = json!({ "kind": "credits", "user_id": givers.a.user_id, "relationship_id": givers.relationship,
        "addon_id": pack, "credits": "3" });
    let completed = event(
        "evt_c1",
        "checkout.session.completed",
        now(),
        json!({
        "id": bought.body["session_id"], "object": "checkout.session", "mode": "payment", "payment_status": "paid",
        "payment_intent": "pi_credits_1", "amount_total": 300, "created": now(), "metadata": credits_meta }),
    );
    deliver(&server, &completed).await;
    deliver(&server, &completed).await; // Stripe retries: still 3 credits.
    assert_eq!(givers.a.get("/v1/ai/credits").await.body["balance"], 3);
    for (n, left) in [(1_u64, 2), (2, 1), (3, 0)] {
        let ask = json!({ "kind": "date_ideas", "context": "we love hiking", "request_id": format!("q{n}") });
        let answer = givers.a.post("/v1/ai/suggest", ask.clone()).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["balance"], left);
        assert!(!answer.body["suggestions"].as_array().unwrap().is_empty());
        assert_eq!(stripe.ai_calls(), n, "one AI call per request");
        let repeat = givers.a.post("/v1/ai/suggest", ask).await;
        assert_eq!(repeat.status, 200, "{}", repeat.body);
        assert_eq!(
            repeat.body["balance"], left,
            "the same request id spends once"
        );
        assert_eq!(
            repeat.body["suggestions"], answer.body["suggestions"],
            "a replay gets the stored answer"
        );
        assert_eq!(
            stripe.ai_calls(),
            n,
            "a replayed request id never asks the AI again"
        );
    }
    let refused = givers
        .a
        .post(
            "/v1/ai/suggest",
            json!({ "kind": "date_ideas", "context": "", "request_id": "q4" }),
        )
        .await;
    assert_eq!(refused.status, 402, "{}", refused.body);
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("not enough AI credits")
    );
    assert_eq!(givers.a.get("/v1/ai/credits").await.body["balance"], 0);
}

#[tokio::test]
async fn without_an_ai_endpoint_suggestions_are_a_clear_503_and_cost_nothing() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let person = signup(&server, "solo@example.com", "S", "pw").await;
    let reply = person
        .post(
            "/v1/ai/suggest",
            json!({ "kind": "conversation_starters", "context": "", "request_id": "x" }),
        )
        .await;
    assert_eq!(reply.status, 503);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("not configured")
    );
    let bad = person
        .post(
            "/v1/ai/suggest",
            json!({ "kind": "poems", "context": "", "request_id": "x" }),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body["error"].as_str().unwrap().contains("poems"));
}
