//! Premium on the device: the server's signed entitlement is verified with the pinned key, kept
//! for offline use, mirrored into the local billing tables, and a tampered copy opens nothing.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::couple::Replica;
use together_client::secret_store::FileStore;
use together_client::sync::Session;
use together_server::billing::signature::sign;
use tokio::net::TcpListener;

const SECRET: &str = "whsec_premium_test";

#[tokio::test]
async fn a_paid_couple_is_premium_on_the_device_and_a_tampered_copy_is_not() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut config = together_server::Config {
        listen: address,
        data_dir: dir.path().join("server"),
        ..together_server::Config::default()
    };
    config.billing.webhook_secrets = vec![SECRET.into()];
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(together_server::launch(config, listener, async {
        let _ = stopped.await;
    }));
    let url = format!("http://{address}");

    let mut alice = Replica::new();
    alice.profile("Alice", "UTC");
    alice.create_relationship();
    let secrets = FileStore::new(alice.dir.path().join("secrets.json"));
    let mut session = Session::signup(
        &mut alice.store,
        &secrets,
        &url,
        "a@example.com",
        "Alice",
        "pw-alice",
    )
    .await
    .unwrap();
    let free = session.refresh_entitlement(true).await.unwrap().unwrap();
    assert!(!free.premium);
    drop(session);
    let relationship = alice
        .store
        .current_relationship()
        .unwrap()
        .unwrap()
        .to_string();
    let user = alice.store.local_user().unwrap().unwrap().to_string();

    // Stripe says the couple subscribed.
    let now = jiff::Timestamp::now().as_second();
    let event = serde_json::json!({ "id": "evt_p1", "object": "event", "created": now,
        "type": "customer.subscription.created", "data": { "object": {
            "id": "sub_p1", "object": "subscription", "status": "active", "customer": "cus_p1",
            "cancel_at_period_end": false, "start_date": now,
            "metadata": { "relationship_id": relationship, "user_id": user },
            "current_period_start": now, "current_period_end": now + 30 * 86_400,
            "plan": { "id": "price_x", "amount": 999, "interval": "month" } } } });
    let body = serde_json::to_vec(&event).unwrap();
    let delivered = reqwest::Client::new()
        .post(format!("{url}/v1/stripe/webhook"))
        .header(
            "Stripe-Signature",
            format!("t={now},v1={}", sign(SECRET, now, &body)),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status().as_u16(), 200);

    let mut session = Session::resume(&mut alice.store, &secrets).unwrap();
    let access = session.refresh_entitlement(true).await.unwrap().unwrap();
    assert!(access.premium, "{access:?}");
    assert_eq!(access.entitlement.status.as_deref(), Some("active"));
    drop(session);
    let later = jiff::Timestamp::now();
    assert!(
        alice.store.is_premium(later).unwrap(),
        "kept for offline use"
    );
    assert_eq!(
        alice.count("SELECT count(*) FROM subscriptions WHERE status = 'active'"),
        1,
        "mirrored into the local billing table"
    );
    let week_later = later + jiff::SignedDuration::from_hours(8 * 24);
    assert!(
        !alice.store.is_premium(week_later).unwrap(),
        "an unrefreshed copy expires after 7 days"
    );

    // Someone edits the stored copy: nothing opens.
    let db = rusqlite::Connection::open(alice.db()).unwrap();
    db.execute(
        "UPDATE app_settings SET value = replace(value, 'active', 'trialing') WHERE key = 'entitlement'",
        [],
    )
    .unwrap();
    assert!(
        !alice.store.is_premium(later).unwrap(),
        "a tampered entitlement is ignored"
    );
}

#[tokio::test]
async fn a_discount_code_longer_than_the_one_rule_is_refused_on_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = together_client::Store::open(&dir.path().join("together.sqlite3")).unwrap();
    let secrets = FileStore::new(dir.path().join("secrets.json"));
    let longest = *together_core::wire::billing::DISCOUNT_CODE_LENGTH.end();
    let code = "A".repeat(longest + 1);
    let error = together_client::premium::checkout(&mut store, &secrets, "plan", Some(&code))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("at most {longest} characters")),
        "{error}"
    );
}

/// Stripe tells the server that `replica`'s couple subscribed (a signed webhook).
async fn subscribed(url: &str, replica: &Replica, event: &str) {
    let relationship = replica.store.current_relationship().unwrap().unwrap();
    let user = replica.store.local_user().unwrap().unwrap();
    let now = jiff::Timestamp::now().as_second();
    let event = serde_json::json!({ "id": event, "object": "event", "created": now,
        "type": "customer.subscription.created", "data": { "object": {
            "id": format!("sub_{event}"), "object": "subscription", "status": "active",
            "customer": format!("cus_{event}"), "cancel_at_period_end": false, "start_date": now,
            "metadata": { "relationship_id": relationship.to_string(), "user_id": user.to_string() },
            "current_period_start": now, "current_period_end": now + 30 * 86_400,
            "plan": { "id": "price_x", "amount": 999, "interval": "month" } } } });
    let body = serde_json::to_vec(&event).unwrap();
    let delivered = reqwest::Client::new()
        .post(format!("{url}/v1/stripe/webhook"))
        .header(
            "Stripe-Signature",
            format!("t={now},v1={}", sign(SECRET, now, &body)),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn premium_opens_the_whole_quiz_history_on_each_device_from_its_entitlement() {
    let server = common::server::server_with(|mut config| {
        config.billing.webhook_secrets = vec![SECRET.into()];
        config
    })
    .await;
    let (mut alice, mut bob) = common::server::paired_through(&server).await;
    let now = common::couple::now();
    let long_ago = now - jiff::SignedDuration::from_hours(24 * 120);
    let round = alice.store.start_know_me_round(long_ago).unwrap();
    alice
        .store
        .answer_know_me(&round.round_id, 0, long_ago)
        .unwrap();
    common::server::sync(&mut alice).await;
    common::server::sync(&mut bob).await;
    bob.store
        .answer_know_me(&round.round_id, 2, long_ago)
        .unwrap();
    common::server::sync(&mut bob).await;
    common::server::sync(&mut alice).await;

    let free = together_client::quizzes::board(&alice.store, now).unwrap();
    assert_eq!((free.rounds.len(), free.older_rounds_hidden), (0, 1));
    assert_eq!(free.score.partner_guesses, 1, "the score counts it still");

    subscribed(&server.url, &alice, "evt_quiz").await;
    for replica in [&mut alice, &mut bob] {
        let secrets = common::server::secrets(replica);
        let mut session = Session::resume(&mut replica.store, &secrets).unwrap();
        let access = session.refresh_entitlement(true).await.unwrap().unwrap();
        assert!(access.premium, "one subscription covers both: {access:?}");
    }
    for replica in [&alice, &bob] {
        let paid = together_client::quizzes::board(&replica.store, now).unwrap();
        assert_eq!((paid.rounds.len(), paid.older_rounds_hidden), (1, 0));
        assert_eq!(paid.rounds[0].correct, Some(false));
    }
}
