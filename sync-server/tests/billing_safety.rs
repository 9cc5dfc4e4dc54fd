//! What an attacker, a double click or a couple's breakup cannot do to billing, over real HTTP with
//! the fake Stripe: webhook floods, replayed AI requests, someone else's customer portal, a couple
//! charged twice, discount uses held by abandoned checkouts, gift lookups that tell who uses the
//! app, secrets in logs.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::time::Duration;

use common::billing::{
    WEBHOOK_SECRET, add_plan, admin, billing_server, couple, deliver, deliver_signed, entitlement,
    event, now, subscription,
};
use common::fake_stripe::{FakeStripe, Recorded};
use common::{Device, Server, signup};
use serde_json::{Value, json};

/// Waits (up to 5 s) until the fake Stripe received a request to `path`.
async fn received(stripe: &FakeStripe, path: &str) -> Vec<Recorded> {
    for _ in 0..100 {
        let found = stripe.requests_to(path);
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Stripe never received {path}: {:?}", stripe.requests());
}

/// Stripe reports that `person` bought `credits` AI credits (session `session`).
async fn bought_credits(server: &Server, person: &Device, credits: i64, session: &str) {
    let meta = json!({ "kind": "credits", "user_id": person.user_id, "relationship_id": "",
        "credits": credits.to_string() });
    deliver(
        server,
        &event(
            &format!("evt_{session}"),
            "checkout.session.completed",
            now(),
            json!({ "id": session, "object": "checkout.session", "mode": "payment",
                "payment_status": "paid", "payment_intent": format!("pi_{session}"),
                "amount_total": 100 * credits, "created": now(), "metadata": meta }),
        ),
    )
    .await;
}

/// Stripe reports a couple's subscription bought through session `session` and active.
async fn subscribed(
    server: &Server,
    stripe: &FakeStripe,
    payer: &Device,
    relationship: &str,
    plan: &str,
    (session, sub, customer): (&str, &str, &str),
) {
    subscribed_at(
        server,
        stripe,
        payer,
        relationship,
        plan,
        (session, sub, customer),
        now(),
    )
    .await;
}

/// As [`subscribed`], with the session and subscription created at `created`.
async fn subscribed_at(
    server: &Server,
    stripe: &FakeStripe,
    payer: &Device,
    relationship: &str,
    plan: &str,
    (session, sub, customer): (&str, &str, &str),
    created: i64,
) {
    let meta = json!({ "kind": "subscription", "relationship_id": relationship,
        "user_id": payer.user_id, "plan_id": plan });
    let mut object = subscription(sub, "active", meta.clone(), now() + 30 * 86_400);
    object["customer"] = json!(customer);
    object["created"] = json!(created);
    object["latest_invoice"] = json!(format!("in_{sub}"));
    stripe.set_subscription(object.clone());
    stripe.set_invoice(json!({ "id": format!("in_{sub}"), "object": "invoice",
        "payments": { "object": "list", "data": [ { "object": "invoice_payment",
            "payment": { "type": "payment_intent", "payment_intent": format!("pi_{sub}") } } ] } }));
    deliver(
        server,
        &event(
            &format!("evt_done_{sub}"),
            "checkout.session.completed",
            now(),
            json!({ "id": session, "object": "checkout.session", "mode": "subscription",
                "payment_status": "paid", "customer": customer, "subscription": sub,
                "invoice": format!("in_{sub}"), "amount_total": 999, "created": created, "metadata": meta }),
        ),
    )
    .await;
    deliver(
        server,
        &event(
            &format!("evt_created_{sub}"),
            "customer.subscription.created",
            now(),
            object,
        ),
    )
    .await;
}

#[tokio::test]
async fn a_huge_webhook_body_or_a_flood_of_signatures_is_refused_cheaply() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let http = common::http();
    let huge = vec![b' '; 2 * 1024 * 1024];
    let t = now();
    let reply = http
        .post(format!("{}/v1/stripe/webhook", server.base))
        .header("Stripe-Signature", format!("t={t},v1={}", "0".repeat(64)))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply.status().as_u16(),
        413,
        "a 2 MB body is refused unread"
    );
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["error"].is_string(),
        "in the API's error format: {body}"
    );

    let flood = format!("t={t}{}", ",v1=".repeat(20_000));
    let reply = http
        .post(format!("{}/v1/stripe/webhook", server.base))
        .header("Stripe-Signature", flood)
        .body(r#"{"id":"evt_x","type":"x","data":{"object":{}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 400);
    let healthy = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(healthy.status().as_u16(), 200);
}

#[tokio::test]
async fn concurrent_replays_of_one_ai_request_ask_the_ai_once_and_spend_once() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, true).await;
    let person = signup(&server, "ai@example.com", "A", "pw").await;
    bought_credits(&server, &person, 10, "cs_ten").await;
    let ask = json!({ "kind": "date_ideas", "context": "museums", "request_id": "same-1" });
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (person, ask) = (person.clone(), ask.clone());
        tasks.push(tokio::spawn(async move {
            person.post("/v1/ai/suggest", ask).await
        }));
    }
    let mut answered = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status {
            200 => answered += 1,
            409 => assert!(
                reply.body["error"]
                    .as_str()
                    .unwrap()
                    .contains("being answered")
            ),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(answered >= 1);
    assert_eq!(stripe.ai_calls(), 1, "one request id asks the AI once");
    assert_eq!(person.get("/v1/ai/credits").await.body["balance"], 9);
}

#[tokio::test]
async fn forty_concurrent_ai_requests_on_ten_credits_succeed_exactly_ten_times() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, true).await;
    let person = signup(&server, "many@example.com", "M", "pw").await;
    bought_credits(&server, &person, 10, "cs_ten").await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let person = person.clone();
        tasks.push(tokio::spawn(async move {
            let ask = json!({ "kind": "date_ideas", "context": "", "request_id": format!("r{n}") });
            person.post("/v1/ai/suggest", ask).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 402).count(),
        30,
        "{statuses:?}"
    );
    assert_eq!(person.get("/v1/ai/credits").await.body["balance"], 0);
    assert_eq!(stripe.ai_calls(), 10);
}

#[tokio::test]
async fn the_portal_opens_only_the_payers_own_customer_even_after_a_breakup() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let pair = couple(&server, "a@example.com", "b@example.com").await;
    subscribed(
        &server,
        &stripe,
        &pair.a,
        &pair.relationship,
        &plan,
        ("cs_a", "sub_a", "cus_alice"),
    )
    .await;
    assert_eq!(entitlement(&pair.b).await["level"], "premium");
    let theirs = pair.b.post("/v1/billing/portal", json!({})).await;
    assert_eq!(
        theirs.status, 404,
        "the partner who does not pay never sees the payer's card: {}",
        theirs.body
    );
    let own = pair.a.post("/v1/billing/portal", json!({})).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(
        stripe
            .requests_to("/v1/portal")
            .last()
            .unwrap()
            .field("customer"),
        Some("cus_alice")
    );
    // After the breakup the payer still manages (and can cancel) what they pay for.
    pair.b
        .delete(&format!(
            "/v1/relationships/{}/membership",
            pair.relationship
        ))
        .await;
    assert_eq!(
        pair.a.post("/v1/billing/portal", json!({})).await.status,
        200
    );
    assert_eq!(
        pair.b.post("/v1/billing/portal", json!({})).await.status,
        404
    );
}

#[tokio::test]
async fn a_gifts_recipient_cannot_open_the_givers_portal() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let receivers = couple(&server, "r1@example.com", "r2@example.com").await;
    let giver = signup(&server, "giver@example.com", "G", "pw").await;
    let meta = json!({ "kind": "gift", "relationship_id": receivers.relationship,
        "user_id": giver.user_id, "plan_id": plan, "gift_from_user_id": giver.user_id });
    deliver(&server, &event("evt_gift", "checkout.session.completed", now(), json!({
        "id": "cs_gift", "object": "checkout.session", "mode": "subscription", "payment_status": "paid",
        "customer": "cus_giver", "subscription": "sub_gift", "amount_total": 999, "created": now(),
        "metadata": meta }))).await;
    assert_eq!(entitlement(&receivers.a).await["level"], "premium");
    for recipient in [&receivers.a, &receivers.b] {
        assert_eq!(
            recipient.post("/v1/billing/portal", json!({})).await.status,
            404
        );
    }
    assert_eq!(
        giver.post("/v1/billing/portal", json!({})).await.status,
        200
    );
    assert_eq!(
        stripe
            .requests_to("/v1/portal")
            .last()
            .unwrap()
            .field("customer"),
        Some("cus_giver")
    );
}

#[tokio::test]
async fn deleting_an_account_stops_what_it_pays_for_at_period_end() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let pair = couple(&server, "a@example.com", "b@example.com").await;
    subscribed(
        &server,
        &stripe,
        &pair.a,
        &pair.relationship,
        &plan,
        ("cs_a", "sub_paid", "cus_alice"),
    )
    .await;
    assert_eq!(pair.a.delete("/v1/account").await.status, 204);
    let canceled = received(&stripe, "/v1/subscriptions/sub_paid").await;
    assert_eq!(canceled[0].field("cancel_at_period_end"), Some("true"));
    assert!(canceled[0].idempotency_key.is_some());
}

#[tokio::test]
async fn the_partner_waits_and_a_couple_charged_twice_gets_the_newcomer_refunded() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let pair = couple(&server, "a@example.com", "b@example.com").await;
    let first = pair
        .a
        .post("/v1/billing/checkout", json!({ "plan_id": plan }))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = pair
        .b
        .post("/v1/billing/checkout", json!({ "plan_id": plan }))
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert!(second.body["error"].as_str().unwrap().contains("partner"));
    assert_eq!(stripe.requests_to("/v1/checkout").len(), 1);
    assert!(
        stripe.requests_to("/v1/checkout")[0]
            .field("expires_at")
            .is_some(),
        "the session expires soon, and the lock with it"
    );

    // Two sessions completed anyway (opened elsewhere, or on another server before this one):
    // the one created later is canceled and refunded, whatever order Stripe tells it in.
    let session = first.body["session_id"].as_str().unwrap();
    subscribed_at(
        &server,
        &stripe,
        &pair.b,
        &pair.relationship,
        &plan,
        ("cs_other", "sub_2", "cus_bob"),
        now() + 60,
    )
    .await;
    subscribed_at(
        &server,
        &stripe,
        &pair.a,
        &pair.relationship,
        &plan,
        (session, "sub_1", "cus_alice"),
        now(),
    )
    .await;
    let _ = received(&stripe, "DELETE /v1/subscriptions/sub_2").await;
    let refunds = received(&stripe, "/v1/refunds").await;
    assert_eq!(refunds[0].field("payment_intent"), Some("pi_sub_2"));
    assert!(refunds[0].idempotency_key.is_some());
    assert!(
        stripe
            .requests_to("DELETE /v1/subscriptions/sub_1")
            .is_empty(),
        "the first subscription stays"
    );
    assert_eq!(entitlement(&pair.a).await["level"], "premium");
}

#[tokio::test]
async fn an_abandoned_checkout_gives_its_discount_use_back() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    admin(
        &server,
        &[
            "discounts",
            "create",
            "--code",
            "ONCE",
            "--percent",
            "50",
            "--max-uses",
            "1",
            "--stripe-coupon",
            "coupon_once",
        ],
    );
    let first = couple(&server, "a@example.com", "b@example.com").await;
    let second = couple(&server, "c@example.com", "d@example.com").await;
    let opened = first
        .a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "discount_code": "once" }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let taken = second
        .a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "discount_code": "ONCE" }),
        )
        .await;
    assert_eq!(
        taken.status, 409,
        "held by the open checkout: {}",
        taken.body
    );
    // The first couple walks away: Stripe expires the session, the use comes back.
    deliver(
        &server,
        &event(
            "evt_expired",
            "checkout.session.expired",
            now(),
            json!({ "id": opened.body["session_id"], "object": "checkout.session",
                "status": "expired", "mode": "subscription", "metadata": {} }),
        ),
    )
    .await;
    let again = second
        .a
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "discount_code": "ONCE" }),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(
        stripe
            .requests_to("/v1/checkout")
            .last()
            .unwrap()
            .field("discounts[0][coupon]"),
        Some("coupon_once")
    );
}

#[tokio::test]
async fn a_gift_by_email_answers_the_same_for_everyone_and_is_rate_limited() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let giver = signup(&server, "giver@example.com", "G", "pw").await;
    signup(&server, "alone@example.com", "L", "pw").await;
    let premium = couple(&server, "p1@example.com", "p2@example.com").await;
    subscribed(
        &server,
        &stripe,
        &premium.a,
        &premium.relationship,
        &plan,
        ("cs_p", "sub_p", "cus_p"),
    )
    .await;
    let mut answers = Vec::new();
    for email in ["nobody@example.com", "alone@example.com", "p2@example.com"] {
        let reply = giver
            .post(
                "/v1/billing/checkout",
                json!({ "plan_id": plan, "gift_to_email": email }),
            )
            .await;
        answers.push((reply.status, reply.body));
    }
    assert_eq!(answers[0].0, 404, "{:?}", answers[0]);
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "unknown, unpaired and premium look alike: {answers:?}"
    );
    for _ in 0..2 {
        giver
            .post(
                "/v1/billing/checkout",
                json!({ "plan_id": plan, "gift_to_email": "nobody@example.com" }),
            )
            .await;
    }
    let limited = giver
        .post(
            "/v1/billing/checkout",
            json!({ "plan_id": plan, "gift_to_email": "p1@example.com" }),
        )
        .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
}

#[tokio::test]
async fn billing_acts_on_the_one_current_relationship_and_a_subscription_follows_its_payer() {
    let stripe = FakeStripe::start().await;
    let server = billing_server(&stripe, false).await;
    let plan = add_plan(&server);
    let old = couple(&server, "a@example.com", "b@example.com").await;
    subscribed(
        &server,
        &stripe,
        &old.a,
        &old.relationship,
        &plan,
        ("cs_old", "sub_alice", "cus_alice"),
    )
    .await;
    // A second relationship beside the first is refused: one current relationship per account.
    let second = old
        .a
        .post(
            "/v1/relationships",
            json!({ "relationship_id": "00000000-0000-7000-8000-000000000001" }),
        )
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    // Bob leaves: his inherited access ends; Alice's subscription follows her.
    old.b
        .delete(&format!(
            "/v1/relationships/{}/membership",
            old.relationship
        ))
        .await;
    assert_eq!(entitlement(&old.b).await["level"], "free");
    assert_eq!(entitlement(&old.a).await["level"], "premium");
    // Alice's next relationship (with Carol) is covered by what Alice pays; nothing new to buy.
    let new_id = common::uuid();
    let created = old
        .a
        .post("/v1/relationships", json!({ "relationship_id": new_id }))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let carol = signup(&server, "c@example.com", "C", "pw").await;
    let secret: [u8; 16] = rand::random();
    old.a
        .post(
            &format!("/v1/relationships/{new_id}/invites"),
            json!({ "secret_hash": common::sha256_b64(&secret) }),
        )
        .await;
    carol
        .post(
            "/v1/invites/redeem",
            json!({ "secret": common::b64(&secret) }),
        )
        .await;
    let carols = entitlement(&carol).await;
    assert_eq!(carols["level"], "premium");
    assert_eq!(carols["relationship_id"], new_id.as_str());
    let refused = carol
        .post("/v1/billing/checkout", json!({ "plan_id": plan }))
        .await;
    assert_eq!(refused.status, 409, "already covered: {}", refused.body);
    // Bob, alone, may buy for himself: the checkout needs a couple space first.
    let bobs = old
        .b
        .post("/v1/billing/checkout", json!({ "plan_id": plan }))
        .await;
    assert_eq!(bobs.status, 409);
}

#[test]
fn billing_secrets_never_show_in_debug_output() {
    let mut config = together_server::Config::default();
    config.billing.stripe_secret_key = Some("sk_live_do_not_print".into());
    config.billing.webhook_secrets = vec!["whsec_do_not_print".into()];
    config.billing.ai = Some(together_server::billing::ai::AiConfig {
        base_url: "http://127.0.0.1:1".into(),
        model: "m".into(),
        api_key: "ai_key_do_not_print".into(),
    });
    let shown = format!("{config:?}");
    for secret in [
        "sk_live_do_not_print",
        "whsec_do_not_print",
        "ai_key_do_not_print",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    let billing = format!("{:?}", config.billing);
    assert!(billing.contains("[redacted]"), "{billing}");
    let client = together_server::billing::stripe::Stripe::new("http://x", "sk_live_do_not_print");
    assert!(!format!("{client:?}").contains("sk_live_do_not_print"));
    let _ = WEBHOOK_SECRET;
    let _ = deliver_signed;
}
