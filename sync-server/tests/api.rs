//! The sync server's API over real HTTP: accounts and devices, pairing, encrypted document logs, and
//! authorization against another couple's tokens.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{Device, b64, login, secret_of, sha256_b64, signup, start, start_with, uuid};
use serde_json::json;

#[tokio::test]
async fn accounts_devices_and_sessions() {
    let server = start().await;
    let alice = signup(&server, "Alice@Example.com", "Alice", "correct horse").await;

    // The email is unique whatever its case; bad input is refused clearly.
    let again = Device::anonymous(&server)
        .post("/v1/accounts", json!({ "email": "alice@example.COM", "name": "A", "auth_secret": secret_of("x"), "device_name": "d" }))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(
        again.body["error"],
        "an account with this email already exists"
    );
    let bad = Device::anonymous(&server)
        .post("/v1/accounts", json!({ "email": "not-an-email", "name": "A", "auth_secret": secret_of("x"), "device_name": "d" }))
        .await;
    assert_eq!(bad.status, 400);
    let short = Device::anonymous(&server)
        .post("/v1/accounts", json!({ "email": "b@example.com", "name": "B", "auth_secret": b64(b"short"), "device_name": "d" }))
        .await;
    assert_eq!(short.status, 400);
    assert!(short.body["error"].as_str().unwrap().contains("32 bytes"));

    // A second device signs in with the password; a wrong one is refused without saying which part.
    let phone = login(&server, "ALICE@example.com", "correct horse").await;
    assert_eq!(phone.status, 200, "{}", phone.body);
    assert_eq!(phone.body["user_id"], alice.user_id.as_str());
    assert_eq!(
        login(&server, "alice@example.com", "wrong").await.status,
        401
    );
    assert_eq!(
        login(&server, "nobody@example.com", "wrong").await.body["error"],
        "wrong email or password"
    );

    let devices = alice.get("/v1/devices").await;
    let list = devices.body.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|d| d["current"] == true).count(), 1);

    // Revoking the phone signs it out at once.
    let mut phone_device = alice.clone();
    phone_device.token = Some(phone.body["token"].as_str().unwrap().to_owned());
    assert_eq!(phone_device.get("/v1/devices").await.status, 200);
    let phone_id = phone.body["device_id"].as_str().unwrap();
    assert_eq!(
        alice
            .delete(&format!("/v1/devices/{phone_id}"))
            .await
            .status,
        204
    );
    assert_eq!(phone_device.get("/v1/devices").await.status, 401);
    // Logging out ends this device's session.
    assert_eq!(alice.delete("/v1/sessions/current").await.status, 204);
    assert_eq!(alice.get("/v1/devices").await.status, 401);
}

/// Failures from one address on one account back off after a few (see `limiter`), even for the
/// right password; another account from the same address is not affected.
#[tokio::test]
async fn failed_logins_back_off_per_address_and_account() {
    let server = start_with(|config| {
        config.login_limits.per_account = 3;
    })
    .await;
    signup(&server, "sam@example.com", "Sam", "right").await;
    for _ in 0..3 {
        assert_eq!(login(&server, "sam@example.com", "wrong").await.status, 401);
    }
    let blocked = login(&server, "sam@example.com", "right").await;
    assert_eq!(blocked.status, 429);
    assert!(
        blocked.body["error"]
            .as_str()
            .unwrap()
            .contains("try again")
    );
    // Another account is not affected.
    signup(&server, "kim@example.com", "Kim", "pw").await;
    assert_eq!(login(&server, "kim@example.com", "pw").await.status, 200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limit_is_per_forwarded_address() {
    let server = start_with(|config| {
        config.login_limits.per_address = 2;
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let http = common::http();
    let attempt = |forwarded: &'static str, email: &'static str| {
        let (http, base) = (http.clone(), server.base.clone());
        async move {
            http.post(format!("{base}/v1/sessions"))
                .header("x-forwarded-for", forwarded)
                .json(&json!({ "email": email, "auth_secret": secret_of("wrong"), "device_name": "x" }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // One client fails from 198.51.100.7 (whatever it writes before the proxy's entry).
    assert_eq!(attempt("198.51.100.7", "a@example.com").await, 401);
    assert_eq!(attempt("6.6.6.6, 198.51.100.7", "b@example.com").await, 401);
    assert_eq!(attempt("198.51.100.7", "c@example.com").await, 429);
    // Another client behind the same proxy is not locked out.
    assert_eq!(attempt("203.0.113.9", "d@example.com").await, 401);
}

/// A per-relationship invite secret (the real client draws 32 random bytes).
fn invite_secret(relationship: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(relationship.as_bytes()).into()
}

struct Couple {
    a: Device,
    b: Device,
    relationship: String,
}

async fn pair(server: &common::Server, a_email: &str, b_email: &str) -> Couple {
    let a = signup(server, a_email, "A", "pw-a").await;
    let b = signup(server, b_email, "B", "pw-b").await;
    let relationship = uuid();
    let created = a
        .post(
            "/v1/relationships",
            json!({ "relationship_id": relationship }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = invite_secret(&relationship);
    let invite = a
        .post(
            &format!("/v1/relationships/{relationship}/invites"),
            json!({ "secret_hash": sha256_b64(&secret) }),
        )
        .await;
    assert_eq!(invite.status, 201, "{}", invite.body);
    let redeemed = b
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.body);
    assert_eq!(redeemed.body["relationship_id"], relationship.as_str());
    Couple { a, b, relationship }
}

#[tokio::test]
async fn pairing_is_single_use_and_for_two() {
    let server = start().await;
    let couple = pair(&server, "a@example.com", "b@example.com").await;
    let listed = couple.b.get("/v1/relationships").await;
    assert_eq!(listed.body[0]["members"].as_array().unwrap().len(), 2);

    // The same invite again: refused. A new invite to a full couple: refused the same way.
    let carol = signup(&server, "carol@example.com", "Carol", "pw").await;
    let secret = invite_secret(&couple.relationship);
    let reused = carol
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(reused.status, 404);
    let second = [9_u8; 32];
    let rel = &couple.relationship;
    let invited = couple
        .a
        .post(
            &format!("/v1/relationships/{rel}/invites"),
            json!({ "secret_hash": sha256_b64(&second) }),
        )
        .await;
    assert_eq!(
        invited.status, 201,
        "the second invite exists, so its refusal is the full couple's: {}",
        invited.body
    );
    let full = carol
        .post("/v1/invites/redeem", json!({ "secret": b64(&second) }))
        .await;
    assert_eq!(full.status, 404);
    assert_eq!(
        full.body["error"], reused.body["error"],
        "no hint whether a code exists"
    );
    // Invites are made only by members, with a sane expiry.
    let not_member = carol
        .post(
            &format!("/v1/relationships/{rel}/invites"),
            json!({ "secret_hash": sha256_b64(&[1; 32]) }),
        )
        .await;
    assert_eq!(not_member.status, 404);
    let too_long = couple
        .a
        .post(
            &format!("/v1/relationships/{rel}/invites"),
            json!({ "secret_hash": sha256_b64(&[2; 32]), "expires_in_days": 90 }),
        )
        .await;
    assert_eq!(too_long.status, 400);
}

#[tokio::test]
async fn document_logs_are_ordered_idempotent_and_paged() {
    let server = start().await;
    let couple = pair(&server, "a@example.com", "b@example.com").await;
    let doc = format!("rel-{}-2026", couple.relationship);
    let path = format!("/v1/docs/{doc}/entries");
    let entries = json!({ "entries": [
        { "entry_id": "e1", "ciphertext": b64(b"sealed one") },
        { "entry_id": "e2", "ciphertext": b64(b"sealed two") },
    ]});
    let first = couple.a.post(&path, entries.clone()).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body["entries"],
        json!([{ "entry_id": "e1", "seq": 1 }, { "entry_id": "e2", "seq": 2 }])
    );
    // A retried upload is a no-op that answers the same seqs.
    let retried = couple.a.post(&path, entries).await;
    assert_eq!(retried.body, first.body);
    couple
        .b
        .post(
            &path,
            json!({ "entries": [{ "entry_id": "e3", "ciphertext": b64(b"from b") }] }),
        )
        .await;

    let all = couple.b.get(&format!("{path}?after=0")).await;
    let got = all.body["entries"].as_array().unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["ciphertext"], b64(b"sealed one"));
    assert_eq!(got[2]["device_id"], couple.b.device_id.as_str());
    let page = couple.a.get(&format!("{path}?after=1&limit=1")).await;
    assert_eq!(page.body["entries"][0]["seq"], 2);
    assert_eq!(page.body["more"], true);
    let rest = couple.a.get(&format!("{path}?after=2&limit=1")).await;
    assert_eq!(rest.body["more"], false);

    let docs = couple.b.get("/v1/docs").await;
    assert_eq!(docs.body, json!([{ "doc_id": doc, "latest_seq": 3 }]));
}

#[tokio::test]
async fn another_couple_reaches_nothing_and_a_leaver_receives_nothing_new() {
    let server = start().await;
    let ours = pair(&server, "a@example.com", "b@example.com").await;
    let theirs = pair(&server, "c@example.com", "d@example.com").await;
    let rel = &ours.relationship;
    let doc = format!("rel-{rel}");
    let private = format!("user-{}", ours.a.user_id);
    ours.a
        .post(
            &format!("/v1/docs/{doc}/entries"),
            json!({ "entries": [{ "entry_id": "x", "ciphertext": b64(b"ours") }] }),
        )
        .await;
    ours.a
        .post(
            &format!("/v1/docs/{private}/entries"),
            json!({ "entries": [{ "entry_id": "p", "ciphertext": b64(b"mine") }] }),
        )
        .await;

    for intruder in [&theirs.a, &theirs.b] {
        for path in [
            format!("/v1/docs/{doc}/entries?after=0"),
            format!("/v1/docs/{private}/entries?after=0"),
            format!("/v1/relationships/{rel}"),
        ] {
            let reply = intruder.get(&path).await;
            assert_eq!(reply.status, 404, "{path}: {}", reply.body);
            assert!(!reply.body.to_string().contains("ours"));
        }
        let write = intruder
            .post(
                &format!("/v1/docs/{doc}/entries"),
                json!({ "entries": [{ "entry_id": "y", "ciphertext": b64(b"x") }] }),
            )
            .await;
        assert_eq!(write.status, 404);
        let invite = intruder
            .post(
                &format!("/v1/relationships/{rel}/invites"),
                json!({ "secret_hash": sha256_b64(&[3; 32]) }),
            )
            .await;
        assert_eq!(invite.status, 404);
        assert_eq!(
            intruder
                .delete(&format!("/v1/relationships/{rel}/membership"))
                .await
                .status,
            404
        );
        let listed = intruder.get("/v1/docs").await;
        assert!(!listed.body.to_string().contains(rel.as_str()));
        // A relationship id that exists is not theirs to register.
        assert_eq!(
            intruder
                .post("/v1/relationships", json!({ "relationship_id": rel }))
                .await
                .status,
            409
        );
    }
    // The partner cannot read the other's private document either.
    assert_eq!(
        ours.b
            .get(&format!("/v1/docs/{private}/entries"))
            .await
            .status,
        404
    );

    // After leaving, the leaver receives nothing new: the relationship ended for both, so nothing
    // new can be written to it (tests/relationships.rs covers the rest of its life).
    assert_eq!(
        ours.b
            .delete(&format!("/v1/relationships/{rel}/membership"))
            .await
            .status,
        204
    );
    let after = ours
        .a
        .post(
            &format!("/v1/docs/{doc}/entries"),
            json!({ "entries": [{ "entry_id": "z", "ciphertext": b64(b"after") }] }),
        )
        .await;
    assert_eq!(after.status, 410, "{}", after.body);
    let pulled = ours.b.get(&format!("/v1/docs/{doc}/entries?after=1")).await;
    assert_eq!(pulled.body["entries"], json!([]));
}

#[tokio::test]
async fn malformed_requests_get_clear_4xx_and_the_server_keeps_serving() {
    let server = start().await;
    let alice = signup(&server, "a@example.com", "A", "pw").await;
    let http = common::http();
    let token = alice.token.clone().unwrap();

    let not_json = http
        .post(format!("{}/v1/relationships", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{ nope")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let body: serde_json::Value = not_json.json().await.unwrap();
    assert!(body["error"].is_string());

    let missing = alice.post("/v1/relationships", json!({})).await;
    assert_eq!(missing.status, 422);
    assert!(
        missing.body["error"]
            .as_str()
            .unwrap()
            .contains("relationship_id")
    );

    let huge = "A".repeat(together_server::http::MAX_BODY_BYTES + 10);
    let too_big = http
        .post(format!(
            "{}/v1/docs/user-{}/entries",
            server.base, alice.user_id
        ))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"entries\":[{{\"entry_id\":\"a\",\"ciphertext\":\"{huge}\"}}]}}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);

    assert_eq!(alice.get("/v1/docs/not-a-doc/entries").await.status, 400);
    assert_eq!(
        alice
            .get(&format!("/v1/docs/user-{}/entries?limit=0", alice.user_id))
            .await
            .status,
        400
    );
    let bad_entry = alice
        .post(
            &format!("/v1/docs/user-{}/entries", alice.user_id),
            json!({ "entries": [{ "entry_id": "a b", "ciphertext": "%%" }] }),
        )
        .await;
    assert_eq!(bad_entry.status, 400);
    assert_eq!(Device::anonymous(&server).get("/v1/docs").await.status, 401);
    let mut forged = alice.clone();
    forged.token = Some("forged".into());
    assert_eq!(forged.get("/v1/docs").await.status, 401);

    let health = Device::anonymous(&server).get("/healthz").await;
    assert_eq!(health.body["status"], "ok");
}

#[tokio::test]
async fn snapshots_and_key_bundles_are_stored_opaquely_for_the_right_people() {
    let server = start().await;
    let couple = pair(&server, "a@example.com", "b@example.com").await;
    let doc = format!("rel-{}", couple.relationship);
    let entries = format!("/v1/docs/{doc}/entries");
    let snapshot = format!("/v1/docs/{doc}/snapshot");
    couple.a.post(&entries, json!({ "entries": [
        { "entry_id": "1", "ciphertext": b64(b"one") }, { "entry_id": "2", "ciphertext": b64(b"two") } ] })).await;

    assert_eq!(couple.b.get(&snapshot).await.status, 404, "none yet");
    let beyond = couple
        .a
        .call(
            reqwest::Method::PUT,
            &snapshot,
            Some(json!({ "covers_seq": 3, "ciphertext": b64(b"snap") })),
        )
        .await;
    assert_eq!(beyond.status, 409, "cannot cover entries the log lacks");
    let stored = couple
        .a
        .call(
            reqwest::Method::PUT,
            &snapshot,
            Some(json!({ "covers_seq": 2, "ciphertext": b64(b"snap@2") })),
        )
        .await;
    assert_eq!(stored.status, 204);
    let older = couple
        .b
        .call(
            reqwest::Method::PUT,
            &snapshot,
            Some(json!({ "covers_seq": 1, "ciphertext": b64(b"snap@1") })),
        )
        .await;
    assert_eq!(
        older.status, 200,
        "an older snapshot does not replace a newer one"
    );
    let got = couple.b.get(&snapshot).await;
    assert_eq!(
        got.body,
        json!({ "covers_seq": 2, "ciphertext": b64(b"snap@2") })
    );
    let stranger = signup(&server, "s@example.com", "S", "pw").await;
    assert_eq!(stranger.get(&snapshot).await.status, 404);

    // Key bundles are per account.
    assert_eq!(couple.a.get("/v1/keys").await.status, 404);
    let put = couple
        .a
        .call(
            reqwest::Method::PUT,
            "/v1/keys",
            Some(json!({ "bundle": b64(b"wrapped keys") })),
        )
        .await;
    assert_eq!(put.status, 204);
    assert_eq!(
        couple.a.get("/v1/keys").await.body["bundle"],
        b64(b"wrapped keys")
    );
    assert_eq!(
        couple.b.get("/v1/keys").await.status,
        404,
        "the partner's bundle is theirs"
    );
}

#[tokio::test]
async fn deleting_an_account_keeps_the_couples_documents_for_the_partner() {
    let server = start().await;
    let couple = pair(&server, "a@example.com", "b@example.com").await;
    let shared = format!("/v1/docs/rel-{}/entries", couple.relationship);
    let private = format!("/v1/docs/user-{}/entries", couple.a.user_id);
    couple
        .a
        .post(
            &shared,
            json!({ "entries": [{ "entry_id": "s", "ciphertext": b64(b"shared") }] }),
        )
        .await;
    couple
        .a
        .post(
            &private,
            json!({ "entries": [{ "entry_id": "p", "ciphertext": b64(b"private") }] }),
        )
        .await;
    couple
        .a
        .call(
            reqwest::Method::PUT,
            "/v1/keys",
            Some(json!({ "bundle": b64(b"keys") })),
        )
        .await;

    assert_eq!(couple.a.delete("/v1/account").await.status, 204);
    assert_eq!(
        couple.a.get("/v1/devices").await.status,
        401,
        "its devices are signed out"
    );
    assert_eq!(
        login(&server, "a@example.com", "pw-a").await.status,
        401,
        "the account is gone"
    );
    // The partner still has the couple's log, and is now its only member.
    let still = couple.b.get(&shared).await;
    assert_eq!(still.body["entries"][0]["ciphertext"], b64(b"shared"));
    let listed = couple.b.get("/v1/relationships").await;
    assert_eq!(listed.body[0]["members"], json!([couple.b.user_id]));
    // The deleted account's own document, devices and key bundle are gone from the database.
    let count = |sql: &'static str| common::count(&server, sql, &couple.a.user_id);
    assert_eq!(
        count("SELECT count(*) FROM doc_entries WHERE doc_id = 'user-' || $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM devices WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM key_bundles WHERE user_id = $1").await,
        0
    );
    assert_eq!(count("SELECT count(*) FROM users WHERE id = $1").await, 0);
    assert_eq!(
        count(
            "SELECT count(*) FROM doc_entries WHERE doc_id LIKE 'rel-%' AND doc_id <> 'user-' || $1"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_device_keeps_its_user_id_and_invites_carry_a_sealed_key() {
    let server = start().await;
    let chosen = uuid();
    let reply = Device::anonymous(&server)
        .post("/v1/accounts", json!({ "email": "solo@example.com", "name": "Solo", "auth_secret": secret_of("pw"), "device_name": "d", "user_id": chosen }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["user_id"], chosen.as_str());
    let taken = Device::anonymous(&server)
        .post("/v1/accounts", json!({ "email": "other@example.com", "name": "O", "auth_secret": secret_of("pw"), "device_name": "d", "user_id": chosen }))
        .await;
    assert_eq!(taken.status, 409);
    let not_uuid = Device::anonymous(&server)
        .post("/v1/accounts", json!({ "email": "x@example.com", "name": "X", "auth_secret": secret_of("pw"), "device_name": "d", "user_id": "me" }))
        .await;
    assert_eq!(not_uuid.status, 400);

    // A short (10-byte) invite secret, and a sealed key handed to whoever redeems it.
    let a = signup(&server, "a@example.com", "A", "pw").await;
    let b = signup(&server, "b@example.com", "B", "pw").await;
    let relationship = uuid();
    a.post(
        "/v1/relationships",
        json!({ "relationship_id": relationship }),
    )
    .await;
    let secret = [42_u8; 10];
    let made = a
        .post(&format!("/v1/relationships/{relationship}/invites"), json!({ "secret_hash": sha256_b64(&secret), "wrapped_key": b64(b"sealed relationship key") }))
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let joined = b
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.body["wrapped_key"], b64(b"sealed relationship key"));
    let too_short = b
        .post("/v1/invites/redeem", json!({ "secret": b64(&[1_u8; 4]) }))
        .await;
    assert_eq!(too_short.status, 400);
}

/// A document id crafted so that byte 36 after `rel-` falls inside a multi-byte character once
/// took the server down mid-request (an empty reply): every document route answers a 400 instead.
#[tokio::test]
async fn a_document_id_with_a_multibyte_character_at_the_year_is_a_400_not_a_dropped_connection() {
    let server = start().await;
    let alice = signup(&server, "alice@example.com", "Alice", "correct horse").await;
    let crafted = format!("rel-{}é1234", "a".repeat(35));
    let path = format!("/v1/docs/{crafted}/entries");
    let replies = [
        alice.get(&format!("{path}?after=0")).await,
        alice
            .post(
                &path,
                json!({ "entries": [{ "entry_id": "e1", "ciphertext": b64(b"sealed") }] }),
            )
            .await,
        alice.get(&format!("/v1/docs/{crafted}/snapshot")).await,
    ];
    for reply in replies {
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(
            reply.body["error"]
                .as_str()
                .is_some_and(|e| e.contains("is not a document id")),
            "a JSON error body: {}",
            reply.body
        );
    }
}
