//! Billing over real HTTP: a real server with a fake Stripe on loopback; webhook events written
//! after Stripe's documented shapes, signed with Stripe's scheme.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::fake_stripe::{FakeStripe, SECRET_KEY};
use common::{Device, Server, b64, sha256_b64, signup, start_with, uuid};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};
use together_server::billing::ai::AiConfig;
use together_server::billing::signature::sign;

const WEBHOOK_SECRET: &str = "whsec_current";
const OLD_SECRET: &str = "whsec_rolled";

async fn billing_server(stripe: &FakeStripe, ai: bool) -> Server {
    let base = stripe.base.clone();
    start_with(move |config| {
        config.billing.stripe_secret_key = Some(SECRET_KEY.into());
        config.billing.stripe_api_base = base.clone();
        config.billing.webhook_secrets = vec![WEBHOOK_SECRET.into(), OLD_SECRET.into()];
        if ai {
            config.billing.ai = Some(AiConfig {
                base_url: format!("{base}/ai"),
                model: "test-model".into(),
                api_key: "k".into(),
            });
        }
    })
    .await
}

/// Runs the real `together-server` admin command against the test server's database.
fn admin(server: &Server, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(args)
        .arg("--data-dir")
        .arg(server.dir.path().join("server-data"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Posts `event` to the webhook, signed with `secret` at time `t`.
async fn deliver_signed(server: &Server, event: &Value, secret: &str, t: i64) -> (u16, Value) {
    let body = serde_json::to_vec(event).unwrap();
    let response = common::http()
        .post(format!("{}/v1/stripe/webhook", server.base))
        .header(
            "Stripe-Signature",
            format!("t={t},v1={}", sign(secret, t, &body)),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn deliver(server: &Server, event: &Value) {
    let (status, body) = deliver_signed(server, event, WEBHOOK_SECRET, now()).await;
    assert_eq!(status, 200, "{event}: {body}");
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({ "id": id, "object": "event", "api_version": "2025-03-31.basil", "created": created,
        "type": kind, "livemode": false, "pending_webhooks": 1, "data": { "object": object } })
}

/// A subscription object in the 2025-03-31 shape (periods on the items).
fn subscription(id: &str, status: &str, metadata: Value, period_end: i64) -> Value {
    json!({ "id": id, "object": "subscription", "status": status, "customer": "cus_test_1",
        "cancel_at_period_end": false, "canceled_at": null, "metadata": metadata,
        "items": { "object": "list", "data": [ { "id": "si_1", "object": "subscription_item",
            "current_period_start": period_end - 30 * 86_400, "current_period_end": period_end,
            "price": { "id": "price_test_monthly", "object": "price", "unit_amount": 999,
                "currency": "usd", "recurring": { "interval": "month", "interval_count": 1 } } } ] } })
}

struct Couple {
    a: Device,
    b: Device,
    relationship: String,
}

async fn couple(server: &Server, a: &str, b: &str) -> Couple {
    let a = signup(server, a, "A", "pw").await;
    let b = signup(server, b, "B", "pw").await;
    let relationship = uuid();
    a.post(
        "/v1/relationships",
        json!({ "relationship_id": relationship }),
    )
    .await;
    let secret: [u8; 32] = rand::random();
    a.post(
        &format!("/v1/relationships/{relationship}/invites"),
        json!({ "secret_hash": sha256_b64(&secret) }),
    )
    .await;
    let joined = b
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    Couple { a, b, relationship }
}

/// The entitlement, after checking its Ed25519 signature.
async fn entitlement(device: &Device) -> Value {
    let reply = device.get("/v1/entitlements").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let payload = reply.body["payload"].as_str().unwrap();
    let key: [u8; 32] = STANDARD
        .decode(reply.body["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let signature: [u8; 64] = STANDARD
        .decode(reply.body["signature"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    VerifyingKey::from_bytes(&key)
        .unwrap()
        .verify(payload.as_bytes(), &Signature::from_bytes(&signature))
        .expect("the entitlement is signed by the server");
    serde_json::from_str(payload).unwrap()
}

fn add_plan(server: &Server) -> String {
    admin(
        server,
        &[
            "plans",
            "add",
            "--name",
            "Together",
            "--type",
            "premium",
            "--period",
            "month",
            "--price-cents",
            "999",
            "--stripe-price",
            "price_test_monthly",
            "--feature",
            "AI date ideas",
        ],
    )
}

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
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(format!("checkout:{}:r1", a.user_id).as_str())
    );
    // A retried request (same request id) reuses Stripe's session: no second charge possible.
    let retried = a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "request_id": "r1" }),
        )
        .await;
    assert_eq!(retried.body["session_id"], started.body["session_id"]);

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
        twice.status, 409,
        "a gift to an entitled couple is refused: {}",
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
    for (n, left) in [(1, 2), (2, 1), (3, 0)] {
        let ask = json!({ "kind": "date_ideas", "context": "we love hiking", "request_id": format!("q{n}") });
        let answer = givers.a.post("/v1/ai/suggest", ask.clone()).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["balance"], left);
        assert!(!answer.body["suggestions"].as_array().unwrap().is_empty());
        let repeat = givers.a.post("/v1/ai/suggest", ask).await;
        assert_eq!(
            repeat.body["balance"], left,
            "the same request id spends once"
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
