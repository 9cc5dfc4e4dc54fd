//! Bounds on what one caller can make the server hold: the bytes of a pull page, the bytes an
//! account stores (its quota), and how failed sign-ins slow an attacker without locking out the
//! owner. Over real HTTP on loopback.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{Device, b64, secret_of, signup, start, start_with};
use serde_json::json;

/// A sealed entry of `len` bytes whose content tells which one it is.
fn blob(tag: u8, len: usize) -> Vec<u8> {
    vec![tag; len]
}

#[tokio::test]
async fn a_pull_page_is_cut_by_bytes_and_paging_gets_everything() {
    let server = start().await;
    let alice = signup(&server, "a@example.com", "A", "pw").await;
    let path = format!("/v1/docs/user-{}/entries", alice.user_id);
    // Five entries of 3 MiB: 15 MiB in all, more than one page may carry.
    let size = 3 * 1024 * 1024;
    for pair in [[1_u8, 2], [3, 4]] {
        let entries: Vec<_> = pair
            .iter()
            .map(|tag| json!({ "entry_id": format!("e{tag}"), "ciphertext": b64(&blob(*tag, size)) }))
            .collect();
        let stored = alice.post(&path, json!({ "entries": entries })).await;
        assert_eq!(stored.status, 200, "{}", stored.body);
    }
    let last = alice
        .post(
            &path,
            json!({ "entries": [{ "entry_id": "e5", "ciphertext": b64(&blob(5, size)) }] }),
        )
        .await;
    assert_eq!(last.status, 200, "{}", last.body);

    let cap = together_server::http::MAX_PULL_PAGE_BYTES;
    let mut after = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = alice.get(&format!("{path}?after={after}&limit=1000")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let entries = page.body["entries"].as_array().unwrap();
        assert!(!entries.is_empty(), "every page makes progress");
        let bytes: usize = entries
            .iter()
            .map(|e| common::unb64(e["ciphertext"].as_str().unwrap()).len())
            .sum();
        assert!(
            bytes <= cap,
            "a page of {bytes} bytes is over the {cap}-byte cap"
        );
        for entry in entries {
            let sealed = common::unb64(entry["ciphertext"].as_str().unwrap());
            seen.push((entry["entry_id"].as_str().unwrap().to_owned(), sealed[0]));
            after = entry["seq"].as_i64().unwrap();
        }
        pages += 1;
        if page.body["more"] == false {
            break;
        }
        assert!(pages < 10, "paging ends");
    }
    assert!(pages >= 2, "15 MiB cannot come in one page");
    let expected: Vec<_> = (1..=5_u8).map(|tag| (format!("e{tag}"), tag)).collect();
    assert_eq!(seen, expected, "every entry exactly once, in order");
}

/// Appends `(entry id, length)` entries to `doc` as `device`.
async fn upload(device: &Device, doc: &str, entries: &[(&str, usize)]) -> common::Reply {
    let entries: Vec<_> = entries
        .iter()
        .map(|(id, len)| json!({ "entry_id": id, "ciphertext": b64(&blob(7, *len)) }))
        .collect();
    device
        .post(
            &format!("/v1/docs/{doc}/entries"),
            json!({ "entries": entries }),
        )
        .await
}

#[tokio::test]
async fn an_account_over_its_quota_gets_507_and_others_are_unaffected() {
    let server = start_with(|config| config.max_account_bytes = 10_000).await;
    let (alice, bob, relationship) =
        common::couple(&server, "a@example.com", "b@example.com").await;
    let carol = signup(&server, "c@example.com", "C", "pw").await;
    let own = format!("user-{}", alice.user_id);
    let shared = format!("rel-{relationship}");

    // Alice stores 6,000 bytes in her own document and 3,000 in the couple's: 9,000 of 10,000.
    assert_eq!(upload(&alice, &own, &[("a1", 6_000)]).await.status, 200);
    assert_eq!(upload(&alice, &shared, &[("a2", 3_000)]).await.status, 200);
    // The same entries retried (a lost answer) are not counted again...
    assert_eq!(upload(&alice, &own, &[("a1", 6_000)]).await.status, 200);
    let mixed = upload(&alice, &shared, &[("a2", 3_000), ("a3", 1_000)]).await;
    assert_eq!(mixed.status, 200, "{}", mixed.body);
    // ...so she is at exactly 10,000 bytes: one more byte is refused, with the quota's code.
    let refused = upload(&alice, &own, &[("a4", 1)]).await;
    assert_eq!(refused.status, 507, "{}", refused.body);
    assert_eq!(refused.body["code"], "quota_exceeded");
    assert!(refused.body["error"].as_str().unwrap().contains("storage"));
    // Nothing of the refused upload was stored.
    let log = alice.get(&format!("/v1/docs/{own}/entries")).await;
    assert_eq!(log.body["entries"].as_array().unwrap().len(), 1);
    // A snapshot counts too.
    let snapshot = alice
        .call(
            reqwest::Method::PUT,
            &format!("/v1/docs/{own}/snapshot"),
            Some(json!({ "covers_seq": 1, "ciphertext": b64(&blob(1, 10)) })),
        )
        .await;
    assert_eq!(snapshot.status, 507, "{}", snapshot.body);
    assert_eq!(snapshot.body["code"], "quota_exceeded");

    // Her partner's uploads to the couple's document are counted to him, not to her.
    assert_eq!(upload(&bob, &shared, &[("b1", 9_000)]).await.status, 200);
    assert_eq!(upload(&bob, &shared, &[("b2", 1_001)]).await.status, 507);
    // Another account is unaffected.
    let carols = format!("user-{}", carol.user_id);
    assert_eq!(upload(&carol, &carols, &[("c1", 10_000)]).await.status, 200);
    // A refused upload is not a body-size refusal.
    let too_big = upload(&carol, &carols, &[("c2", 1)]).await;
    assert_eq!(too_big.status, 507);
}

/// A sign-in as seen from `address` (behind the server's trusted proxy on loopback).
async fn sign_in_from(server: &common::Server, address: &str, email: &str, password: &str) -> u16 {
    common::http()
        .post(format!("{}/v1/sessions", server.base))
        .header("x-forwarded-for", address)
        .json(
            &json!({ "email": email, "auth_secret": secret_of(password), "device_name": "phone" }),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_attacker_guessing_elsewhere_is_slowed_and_the_owner_still_signs_in() {
    let server = start_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    signup(&server, "sam@example.com", "Sam", "right").await;
    let home = "203.0.113.9";
    let attacker = "198.51.100.7";
    // Sam signs in from home once: the server remembers that address for his account.
    assert_eq!(
        sign_in_from(&server, home, "sam@example.com", "right").await,
        200
    );

    // An attacker guesses from elsewhere until the server stops answering him.
    let mut refused_at = None;
    for attempt in 1..=30 {
        let status = sign_in_from(&server, attacker, "sam@example.com", "guess").await;
        if status == 429 {
            refused_at = Some(attempt);
            break;
        }
        assert_eq!(status, 401);
    }
    let refused_at = refused_at.expect("the attacker is slowed down");
    assert!(refused_at <= 11, "slowed after {refused_at} attempts");
    // Even the right password is refused to him now (he must wait)...
    assert_eq!(
        sign_in_from(&server, attacker, "sam@example.com", "right").await,
        429
    );
    // ...while Sam, from home, signs in at once, again and again.
    for _ in 0..3 {
        assert_eq!(
            sign_in_from(&server, home, "sam@example.com", "right").await,
            200
        );
    }
}

#[tokio::test]
async fn an_account_has_a_bounded_number_of_signed_in_devices() {
    let server = start().await;
    let first = signup(&server, "sam@example.com", "Sam", "pw").await;
    let most = together_server::http::MAX_DEVICES_PER_ACCOUNT;
    let mut last = None;
    for _ in 1..most {
        let reply = common::login(&server, "sam@example.com", "pw").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        last = Some(reply.body["device_id"].as_str().unwrap().to_owned());
    }
    let refused = common::login(&server, "sam@example.com", "pw").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("sign one out")
    );
    // Signing one out makes room.
    let revoked = first
        .delete(&format!("/v1/devices/{}", last.unwrap()))
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(
        common::login(&server, "sam@example.com", "pw").await.status,
        200
    );
}
