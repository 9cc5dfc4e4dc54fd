//! Billing test helpers: a server wired to the fake Stripe, signed webhook deliveries, Stripe-shaped
//! objects, a paired couple, the verified entitlement, the admin command.

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};
use together_server::billing::ai::AiConfig;
use together_server::billing::signature::sign;

use super::fake_stripe::{FakeStripe, SECRET_KEY};
use super::{Device, Server, b64, sha256_b64, signup, start_with, uuid};

pub const WEBHOOK_SECRET: &str = "whsec_current";
pub const OLD_SECRET: &str = "whsec_rolled";

pub async fn billing_server(stripe: &FakeStripe, ai: bool) -> Server {
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
pub fn admin(server: &Server, args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together-server"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(server.dir.path().join("server-data"));
    if let Some(url) = &server.database_url {
        command.arg("--database-url").arg(url);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Posts `event` to the webhook, signed with `secret` at time `t`.
pub async fn deliver_signed(server: &Server, event: &Value, secret: &str, t: i64) -> (u16, Value) {
    let body = serde_json::to_vec(event).unwrap();
    let response = super::http()
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

pub async fn deliver(server: &Server, event: &Value) {
    let (status, body) = deliver_signed(server, event, WEBHOOK_SECRET, now()).await;
    assert_eq!(status, 200, "{event}: {body}");
}

pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({ "id": id, "object": "event", "api_version": "2025-03-31.basil", "created": created,
        "type": kind, "livemode": false, "pending_webhooks": 1, "data": { "object": object } })
}

/// A subscription object in the 2025-03-31 shape (periods on the items).
pub fn subscription(id: &str, status: &str, metadata: Value, period_end: i64) -> Value {
    json!({ "id": id, "object": "subscription", "status": status, "customer": "cus_test_1",
        "cancel_at_period_end": false, "canceled_at": null, "metadata": metadata,
        "items": { "object": "list", "data": [ { "id": "si_1", "object": "subscription_item",
            "current_period_start": period_end - 30 * 86_400, "current_period_end": period_end,
            "price": { "id": "price_test_monthly", "object": "price", "unit_amount": 999,
                "currency": "usd", "recurring": { "interval": "month", "interval_count": 1 } } } ] } })
}

pub struct Couple {
    pub a: Device,
    pub b: Device,
    pub relationship: String,
}

pub async fn couple(server: &Server, a: &str, b: &str) -> Couple {
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
pub async fn entitlement(device: &Device) -> Value {
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

pub fn add_plan(server: &Server) -> String {
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
