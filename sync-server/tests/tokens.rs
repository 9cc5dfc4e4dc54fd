//! Device tokens over the real API: a device's burst of requests asks the database once, a
//! sign-out is refused at once all the same (and leaves other people's tokens believed), and a
//! revocation no news told of holds within ten seconds of the server's clock. Runs on the
//! backend the suite runs on.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::Arc;

use common::{login, sample, scrape, signup, start, start_with};
use jiff::{SignedDuration, Timestamp};
use together_server::clock::ManualClock;

const FROM_DATABASE: &str = "together_token_checks_total{source=\"database\"}";
const FROM_CACHE: &str = "together_token_checks_total{source=\"cache\"}";

#[tokio::test]
async fn a_devices_burst_of_requests_asks_the_database_once() {
    let server = start().await;
    let alice = signup(&server, "alice@example.com", "Alice", "pw").await;
    let before = scrape(&server).await;
    for _ in 0..5 {
        assert_eq!(alice.get("/v1/devices").await.status, 200);
    }
    let after = scrape(&server).await;
    assert_eq!(
        sample(&after, FROM_DATABASE) - sample(&before, FROM_DATABASE),
        1.0,
        "{after}"
    );
    assert_eq!(
        sample(&after, FROM_CACHE) - sample(&before, FROM_CACHE),
        4.0
    );
    // A token nobody issued is asked of the database every time, and refused every time.
    let stranger = alice.with_token(&"A".repeat(43), "nobody");
    for _ in 0..2 {
        assert_eq!(stranger.get("/v1/devices").await.status, 401);
    }
    let last = scrape(&server).await;
    assert_eq!(sample(&last, FROM_CACHE), sample(&after, FROM_CACHE));
    assert_eq!(
        sample(&last, FROM_DATABASE) - sample(&after, FROM_DATABASE),
        2.0
    );
}

#[tokio::test]
async fn a_device_signed_out_is_refused_at_once_though_it_was_just_believed() {
    let server = start().await;
    let laptop = signup(&server, "sam@example.com", "Sam", "pw").await;
    let reply = login(&server, "sam@example.com", "pw").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let phone = laptop.with_token(
        reply.body["token"].as_str().unwrap(),
        reply.body["device_id"].as_str().unwrap(),
    );
    for _ in 0..2 {
        assert_eq!(phone.get("/v1/devices").await.status, 200);
    }
    let signed_out = laptop
        .delete(&format!("/v1/devices/{}", phone.device_id))
        .await;
    assert_eq!(signed_out.status, 204, "{}", signed_out.body);
    assert_eq!(phone.get("/v1/devices").await.status, 401);
    assert_eq!(
        laptop.get("/v1/devices").await.status,
        200,
        "the laptop stays"
    );

    // Signing oneself out too.
    let out = laptop.delete("/v1/sessions/current").await;
    assert_eq!(out.status, 204, "{}", out.body);
    assert_eq!(laptop.get("/v1/devices").await.status, 401);
}

#[tokio::test]
async fn a_revocation_no_news_told_of_is_refused_ten_seconds_later() {
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    let server_clock = Arc::clone(&clock);
    let server = start_with(move |config| config.clock = server_clock).await;
    let alice = signup(&server, "alice@example.com", "Alice", "pw").await;
    assert_eq!(alice.get("/v1/devices").await.status, 200);
    // Revoked in the database behind the server's back (as news lost between instances would
    // leave another instance): believed for at most ten seconds.
    common::execute(
        &server,
        &format!(
            "UPDATE devices SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = '{}'",
            alice.device_id
        ),
    )
    .await;
    clock.advance(SignedDuration::from_secs(9));
    assert_eq!(alice.get("/v1/devices").await.status, 200);
    clock.advance(SignedDuration::from_secs(1));
    assert_eq!(alice.get("/v1/devices").await.status, 401);
}

#[tokio::test]
async fn one_persons_sign_out_leaves_everyone_elses_tokens_believed() {
    let server = start().await;
    let alice = signup(&server, "alice@example.com", "Alice", "pw").await;
    let bob = signup(&server, "bob@example.com", "Bob", "pw").await;
    assert_eq!(bob.get("/v1/devices").await.status, 200);
    let out = alice.delete("/v1/sessions/current").await;
    assert_eq!(out.status, 204, "{}", out.body);
    let before = scrape(&server).await;
    assert_eq!(bob.get("/v1/devices").await.status, 200);
    let after = scrape(&server).await;
    assert_eq!(
        sample(&after, FROM_CACHE) - sample(&before, FROM_CACHE),
        1.0,
        "Bob's token is still believed: {after}"
    );
    assert_eq!(alice.get("/v1/devices").await.status, 401);
}
