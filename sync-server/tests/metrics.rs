//! The admin listener's `/metrics`, scraped over loopback like Prometheus would: every metric is
//! named, and real requests move the counters.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{Device, b64, login, sample, scrape, signup, start};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn metrics_are_named_and_move_with_real_requests() {
    let server = start().await;
    let before = scrape(&server).await;
    for name in [
        "# TYPE together_http_requests counter",
        "# TYPE together_http_request_duration_seconds histogram",
        "# TYPE together_live_sockets gauge",
        "# TYPE together_appended_entries counter",
        "# TYPE together_append_batch_entries histogram",
        "# TYPE together_pull_bytes counter",
        "# TYPE together_webhook_events counter",
        "# TYPE together_login_limited counter",
        "# TYPE together_quota_refusals counter",
        "# TYPE together_database_bytes gauge",
    ] {
        assert!(before.contains(name), "{name} missing from:\n{before}");
    }
    assert!(sample(&before, "together_database_bytes") > 0.0, "{before}");

    let alice = signup(&server, "alice@example.com", "Alice", "pw-alice").await;
    let doc = format!("user-{}", alice.user_id);
    let path = format!("/v1/docs/{doc}/entries");
    let appended = alice
        .post(
            &path,
            json!({ "entries": [
                { "entry_id": "e1", "ciphertext": b64(b"0123456789") },
                { "entry_id": "e2", "ciphertext": b64(b"abcde") },
                { "entry_id": "e3", "ciphertext": b64(b"xyz") },
            ]}),
        )
        .await;
    assert_eq!(appended.status, 200, "{}", appended.body);
    let pulled = alice.get(&format!("{path}?after=0")).await;
    assert_eq!(pulled.status, 200);
    let webhook = Device::anonymous(&server)
        .post("/v1/stripe/webhook", json!({}))
        .await;
    assert_ne!(webhook.status, 200);
    // A live socket, counted while it is open.
    let url = format!("{}/v1/live", server.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    let bearer = format!("Bearer {}", alice.token.as_ref().unwrap());
    request
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    let (_socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    let mut after = scrape(&server).await;
    // The socket subscribes just after its upgrade: scrape again until it is seen.
    for _ in 0..100 {
        if sample(&after, "together_live_sockets") >= 1.0 {
            break;
        }
        tokio::task::yield_now().await;
        after = scrape(&server).await;
    }
    assert_eq!(sample(&after, "together_live_sockets"), 1.0, "{after}");
    assert_eq!(sample(&after, "together_appended_entries_total"), 3.0);
    assert_eq!(sample(&after, "together_append_batch_entries_count"), 1.0);
    assert_eq!(
        sample(&after, "together_pull_bytes_total"),
        18.0,
        "the ciphertext bytes of the page"
    );
    assert_eq!(
        sample(
            &after,
            "together_http_requests_total{method=\"POST\",route=\"/v1/accounts\",status=\"201\"}"
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            "together_http_requests_total{method=\"POST\",route=\"/v1/docs/{doc_id}/entries\",status=\"200\"}"
        ),
        1.0,
        "routes are templates, never the raw path: {after}"
    );
    assert!(!after.contains(&alice.user_id), "no id in a label");
    assert_eq!(
        sample(
            &after,
            "together_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/docs/{doc_id}/entries\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(&after, "together_webhook_events_total{outcome=\"refused\"}"),
        1.0,
        "{after}"
    );
    // The public port serves no metrics, the admin port no API.
    let public = Device::anonymous(&server).get("/metrics").await;
    assert_eq!(public.status, 404);
    let admin_api = common::http()
        .get(format!("{}/healthz", server.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(admin_api.status(), 404);
}

#[tokio::test]
async fn refused_sign_ins_and_full_quotas_are_counted() {
    let server = common::start_with(|config| {
        config.login_limits.per_address = 2;
        config.max_account_bytes = 64;
    })
    .await;
    let alice = signup(&server, "alice@example.com", "Alice", "pw-alice").await;
    let mut limited = 0;
    for _ in 0..4 {
        if login(&server, "alice@example.com", "wrong").await.status == 429 {
            limited += 1;
        }
    }
    assert!(limited >= 1, "the limiter refused nobody");
    let full = alice
        .post(
            &format!("/v1/docs/user-{}/entries", alice.user_id),
            json!({ "entries": [{ "entry_id": "big", "ciphertext": b64(&[7; 200]) }] }),
        )
        .await;
    assert_eq!(full.status, 507, "{}", full.body);
    let text = scrape(&server).await;
    assert_eq!(
        sample(&text, "together_login_limited_total"),
        f64::from(limited)
    );
    assert_eq!(sample(&text, "together_quota_refusals_total"), 1.0);
}

/// PostgreSQL's group commit tells how it wrote its batches: the first append to a document reads
/// first, the next goes in one statement. SQLite's writer has no such ways: no samples there.
#[tokio::test]
async fn the_group_commits_ways_are_counted() {
    let server = start().await;
    let alice = signup(&server, "alice@example.com", "Alice", "pw-alice").await;
    let path = format!("/v1/docs/user-{}/entries", alice.user_id);
    for id in ["e1", "e2"] {
        let appended = alice
            .post(
                &path,
                json!({ "entries": [{ "entry_id": id, "ciphertext": b64(b"0123") }] }),
            )
            .await;
        assert_eq!(appended.status, 200, "{}", appended.body);
    }
    let text = scrape(&server).await;
    let way = |way: &str| {
        sample(
            &text,
            &format!("together_group_commit_batches_total{{way=\"{way}\"}}"),
        )
    };
    if common::backend::server_url().is_some() {
        assert!(
            text.contains("# TYPE together_group_commit_batches counter"),
            "{text}"
        );
        assert!(way("read_first") >= 1.0, "the first append: {text}");
        assert!(way("one_statement") >= 1.0, "the second: {text}");
        assert_eq!(
            way("assumed_wrong") + way("failed") + way("one_by_one"),
            0.0
        );
    } else {
        assert!(
            !text.contains("together_group_commit_batches_total"),
            "{text}"
        );
    }
}
