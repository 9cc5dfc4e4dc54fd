//! Live push over a real WebSocket.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::time::Duration;

use common::{Device, b64, sha256_b64, signup, start, uuid};
use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(device: &Device) -> Socket {
    connect_to(device, "/v1/live").await
}

async fn connect_to(device: &Device, path: &str) -> Socket {
    let url = format!("{}{path}", device.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", device.token.as_ref().unwrap())
            .parse()
            .unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

/// The next text message within `wait`, if any.
async fn next(socket: &mut Socket, wait: Duration) -> Option<serde_json::Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return Some(serde_json::from_str(&text).unwrap()),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

async fn couple(server: &common::Server, a: &str, b: &str) -> (Device, Device, String) {
    let a = signup(server, a, "A", "pw").await;
    let b = signup(server, b, "B", "pw").await;
    let relationship = uuid();
    a.post(
        "/v1/relationships",
        json!({ "relationship_id": relationship }),
    )
    .await;
    let mut secret = [0_u8; 32];
    secret[..16].copy_from_slice(&uuid::Uuid::parse_str(&relationship).unwrap().into_bytes());
    a.post(
        &format!("/v1/relationships/{relationship}/invites"),
        json!({ "secret_hash": sha256_b64(&secret) }),
    )
    .await;
    let joined = b
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    (a, b, relationship)
}

#[tokio::test]
async fn partners_hear_of_new_entries_and_nobody_else_does() {
    let server = start().await;
    let (alice, bob, relationship) = couple(&server, "a@example.com", "b@example.com").await;
    let (carol, _dan, _) = couple(&server, "c@example.com", "d@example.com").await;
    let mut bob_live = connect(&bob).await;
    let mut carol_live = connect(&carol).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let doc = format!("rel-{relationship}-2026");
    let path = format!("/v1/docs/{doc}/entries");
    alice
        .post(
            &path,
            json!({ "entries": [{ "entry_id": "c1", "ciphertext": b64(b"sealed") }] }),
        )
        .await;
    let heard = next(&mut bob_live, Duration::from_secs(2))
        .await
        .expect("Bob hears within 2 s");
    assert_eq!(
        heard,
        json!({ "type": "new_entries", "doc_id": doc, "latest_seq": 1 })
    );
    assert_eq!(
        next(&mut carol_live, Duration::from_millis(500)).await,
        None,
        "another couple hears nothing"
    );

    // Alice's private document: only her own devices hear of it.
    let private = format!("/v1/docs/user-{}/entries", alice.user_id);
    alice
        .post(
            &private,
            json!({ "entries": [{ "entry_id": "p1", "ciphertext": b64(b"mine") }] }),
        )
        .await;
    assert_eq!(next(&mut bob_live, Duration::from_millis(500)).await, None);

    // Bob leaves: the relationship ends for both, and both hear it at once.
    let mut alice_live = connect(&alice).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    bob.delete(&format!("/v1/relationships/{relationship}/membership"))
        .await;
    let ended = json!({ "type": "relationship_ended", "relationship_id": relationship });
    assert_eq!(
        next(&mut bob_live, Duration::from_secs(2)).await,
        Some(ended.clone())
    );
    assert_eq!(
        next(&mut alice_live, Duration::from_secs(2)).await,
        Some(ended)
    );
    assert_eq!(
        next(&mut carol_live, Duration::from_millis(300)).await,
        None,
        "another couple hears nothing"
    );
    // Nothing more can be written to it, so Bob hears nothing more.
    let refused = alice
        .post(
            &path,
            json!({ "entries": [{ "entry_id": "c2", "ciphertext": b64(b"after") }] }),
        )
        .await;
    assert_eq!(refused.status, 410);
    assert_eq!(next(&mut bob_live, Duration::from_millis(500)).await, None);
}

#[tokio::test]
async fn a_device_that_asks_hears_small_entries_inside_the_news() {
    let server = start().await;
    let (alice, bob, relationship) = couple(&server, "a@example.com", "b@example.com").await;
    let mut carried = connect_to(&bob, "/v1/live?entries=true").await;
    let mut plain = connect(&bob).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let doc = format!("rel-{relationship}-2026");
    let path = format!("/v1/docs/{doc}/entries");
    let appended = alice
        .post(
            &path,
            json!({ "entries": [
                { "entry_id": "c1", "ciphertext": b64(b"sealed one") },
                { "entry_id": "c2", "ciphertext": b64(b"sealed two") },
            ] }),
        )
        .await;
    assert_eq!(appended.status, 200, "{}", appended.body);
    let heard = next(&mut carried, Duration::from_secs(2)).await.unwrap();
    assert_eq!(heard["type"], "new_entries");
    assert_eq!(heard["latest_seq"], 2);
    // Exactly what a pull answers.
    let pulled = bob.get(&format!("{path}?after=0")).await;
    assert_eq!(heard["entries"], pulled.body["entries"], "{heard}");
    assert_eq!(
        next(&mut plain, Duration::from_secs(2)).await,
        Some(json!({ "type": "new_entries", "doc_id": doc, "latest_seq": 2 })),
        "a device that did not ask hears the document and its seq only"
    );

    // Larger than the bound: told without entries, the device pulls.
    let large = vec![7_u8; 9 * 1024];
    alice
        .post(
            &path,
            json!({ "entries": [{ "entry_id": "big", "ciphertext": b64(&large) }] }),
        )
        .await;
    assert_eq!(
        next(&mut carried, Duration::from_secs(2)).await,
        Some(json!({ "type": "new_entries", "doc_id": doc, "latest_seq": 3 }))
    );

    let refused = connect_refused(&bob, "/v1/live?entries=maybe").await;
    assert_eq!(refused, 400);
}

/// The status of a live socket the server refuses to open.
async fn connect_refused(device: &Device, path: &str) -> u16 {
    let url = format!("{}{path}", device.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", device.token.as_ref().unwrap())
            .parse()
            .unwrap(),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_live_socket_needs_a_valid_token() {
    let server = start().await;
    let url = format!("{}/v1/live", server.base.replace("http://", "ws://"));
    let refused = tokio_tungstenite::connect_async(url).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected a 401, got {other:?}"),
    }
}

#[tokio::test]
async fn a_revoked_device_is_disconnected_at_once() {
    let server = start().await;
    let (alice, _bob, _) = couple(&server, "a@example.com", "b@example.com").await;
    let phone = common::login(&server, "a@example.com", "pw").await;
    assert_eq!(phone.status, 200, "{}", phone.body);
    let phone_device = phone.body["device_id"].as_str().unwrap().to_owned();
    let phone = alice.with_token(phone.body["token"].as_str().unwrap(), &phone_device);
    let mut phone_live = connect(&phone).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let revoked = alice.delete(&format!("/v1/devices/{phone_device}")).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let closed = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match phone_live.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the revoked phone's socket is closed");
}

#[tokio::test]
async fn concurrent_appends_commit_together_and_a_refused_one_is_alone() {
    let server = start().await;
    let (alice, _bob, relationship) = couple(&server, "a@example.com", "b@example.com").await;
    let (carol, _dan, _) = couple(&server, "c@example.com", "d@example.com").await;
    let doc = format!("rel-{relationship}-2026");
    let path = format!("/v1/docs/{doc}/entries");
    let mut uploads = Vec::new();
    for i in 0..40 {
        let (device, path) = (alice.clone(), path.clone());
        uploads.push(tokio::spawn(async move {
            device
                .post(
                    &path,
                    json!({ "entries": [{ "entry_id": format!("e{i}"), "ciphertext": b64(b"x") }] }),
                )
                .await
        }));
    }
    // Carol's uploads to Alice's document are refused inside the same batches.
    for i in 0..10 {
        let (device, path) = (carol.clone(), path.clone());
        uploads.push(tokio::spawn(async move {
            device
                .post(
                    &path,
                    json!({ "entries": [{ "entry_id": format!("x{i}"), "ciphertext": b64(b"x") }] }),
                )
                .await
        }));
    }
    let mut statuses = Vec::new();
    for upload in uploads {
        statuses.push(upload.await.unwrap().status);
    }
    assert!(statuses[..40].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[40..].iter().all(|s| *s == 404), "{statuses:?}");
    let pulled = alice.get(&format!("{path}?after=0&limit=1000")).await;
    let entries = pulled.body["entries"].as_array().unwrap();
    let mut seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=40).collect::<Vec<_>>(), "dense seqs, no gaps");
    assert!(
        entries
            .iter()
            .all(|e| e["entry_id"].as_str().unwrap().starts_with('e'))
    );
}
