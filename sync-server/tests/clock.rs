//! Time through the real API: the server reads the clock in its state, so a test moves it and sees
//! an invite expire and a past-due subscription's grace days run out.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::Arc;

use common::billing::{WEBHOOK_SECRET, add_plan, couple, deliver_signed, entitlement, event};
use common::fake_stripe::{FakeStripe, SECRET_KEY};
use common::{b64, sha256_b64, signup, start_with, uuid};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use together_server::clock::ManualClock;

#[tokio::test]
async fn an_invite_expires_when_the_servers_clock_says_so() {
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    let server_clock = Arc::clone(&clock);
    let server = start_with(move |config| config.clock = server_clock).await;
    let alice = signup(&server, "a@example.com", "A", "pw").await;
    let bob = signup(&server, "b@example.com", "B", "pw").await;
    let relationship = uuid();
    alice
        .post(
            "/v1/relationships",
            json!({ "relationship_id": relationship }),
        )
        .await;
    let secret = [5_u8; 16];
    let made = alice
        .post(
            &format!("/v1/relationships/{relationship}/invites"),
            json!({ "secret_hash": sha256_b64(&secret), "expires_in_days": 7 }),
        )
        .await;
    assert_eq!(made.status, 201);
    let path = format!("/v1/relationships/{relationship}/invites");
    assert_eq!(alice.get(&path).await.body[0]["state"], "open");
    clock.advance(SignedDuration::from_hours(7 * 24 + 1));
    let listed = alice.get(&path).await;
    assert_eq!(listed.body[0]["state"], "expired", "{}", listed.body);
    let late = bob
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(late.status, 404, "expired a week later: {}", late.body);
}

#[tokio::test]
async fn a_past_due_couple_keeps_premium_for_the_grace_days_then_loses_it() {
    let stripe = FakeStripe::start().await;
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    let server_clock = Arc::clone(&clock);
    let base = stripe.base.clone();
    let server = start_with(move |config| {
        config.clock = server_clock;
        config.billing.stripe_secret_key = Some(SECRET_KEY.into());
        config.billing.stripe_api_base = base;
        config.billing.webhook_secrets = vec![WEBHOOK_SECRET.into()];
        config.billing.grace_days = 3;
    })
    .await;
    let plan = add_plan(&server);
    let pair = couple(&server, "a@example.com", "b@example.com").await;
    let now = clock.now_seconds();
    let period_end = now + 86_400;
    let meta = json!({ "kind": "subscription", "relationship_id": pair.relationship,
        "user_id": pair.a.user_id, "plan_id": plan });
    let mut sub = common::billing::subscription("sub_due", "past_due", meta, period_end);
    sub["created"] = json!(now - 30 * 86_400);
    stripe.set_subscription(sub.clone());
    let (status, body) = deliver_signed(
        &server,
        &event("evt_due", "customer.subscription.updated", now, sub),
        WEBHOOK_SECRET,
        now,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(entitlement(&pair.b).await["level"], "premium");
    // The period ended a day ago: within the 3 grace days, still Premium.
    clock.advance(SignedDuration::from_hours(48));
    assert_eq!(entitlement(&pair.b).await["level"], "premium");
    // Past the grace days: free.
    clock.advance(SignedDuration::from_hours(72));
    assert_eq!(entitlement(&pair.b).await["level"], "free");
}

/// Reads a manual clock as Unix seconds.
trait Seconds {
    fn now_seconds(&self) -> i64;
}

impl Seconds for ManualClock {
    fn now_seconds(&self) -> i64 {
        use together_server::clock::Clock;
        self.now().as_second()
    }
}
