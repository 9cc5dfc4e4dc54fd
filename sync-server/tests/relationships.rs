//! A relationship's life on the server: it ends for both partners when one leaves; an ended one is
//! read-only; a new partner means a new relationship; one current relationship per account.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{Device, Server, b64, sha256_b64, signup, start, uuid};
use serde_json::json;

/// Registers a new relationship for `owner`.
async fn create(owner: &Device) -> String {
    let id = uuid();
    let created = owner
        .post("/v1/relationships", json!({ "relationship_id": id }))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    id
}

/// An invite to `relationship` made by `inviter`; returns its secret.
async fn invite(inviter: &Device, relationship: &str) -> [u8; 16] {
    let secret: [u8; 16] = rand::random();
    let made = inviter
        .post(
            &format!("/v1/relationships/{relationship}/invites"),
            json!({ "secret_hash": sha256_b64(&secret) }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    secret
}

async fn redeem(joiner: &Device, secret: &[u8]) -> common::Reply {
    joiner
        .post("/v1/invites/redeem", json!({ "secret": b64(secret) }))
        .await
}

async fn append(device: &Device, doc: &str, entry: &str) -> common::Reply {
    device
        .post(
            &format!("/v1/docs/{doc}/entries"),
            json!({ "entries": [{ "entry_id": entry, "ciphertext": b64(entry.as_bytes()) }] }),
        )
        .await
}

async fn couple(server: &Server, a: &str, b: &str) -> (Device, Device, String) {
    let a = signup(server, a, "A", "pw").await;
    let b = signup(server, b, "B", "pw").await;
    let relationship = create(&a).await;
    let secret = invite(&a, &relationship).await;
    let joined = redeem(&b, &secret).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    (a, b, relationship)
}

#[tokio::test]
async fn leaving_ends_the_relationship_for_both_and_freezes_it() {
    let server = start().await;
    let (alice, bob, relationship) = couple(&server, "a@example.com", "b@example.com").await;
    let doc = format!("rel-{relationship}-2026");
    assert_eq!(append(&bob, &doc, "bob-checkin").await.status, 200);

    let left = bob
        .delete(&format!("/v1/relationships/{relationship}/membership"))
        .await;
    assert_eq!(left.status, 204, "{}", left.body);

    // Both see it ended.
    for partner in [&alice, &bob] {
        let listed = partner.get("/v1/relationships").await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body[0]["relationship_id"], relationship.as_str());
        assert!(
            listed.body[0]["ended_at"].is_string(),
            "ended for both: {}",
            listed.body
        );
    }
    // Nobody writes to it any more, with a code the device acts on.
    for partner in [&alice, &bob] {
        let refused = append(partner, &doc, "too-late").await;
        assert_eq!(refused.status, 410, "{}", refused.body);
        assert_eq!(refused.body["code"], "relationship_ended");
        let snapshot = partner
            .call(
                reqwest::Method::PUT,
                &format!("/v1/docs/{doc}/snapshot"),
                Some(json!({ "covers_seq": 1, "ciphertext": b64(b"snap") })),
            )
            .await;
        assert_eq!(snapshot.status, 410, "{}", snapshot.body);
    }
    // Both still read what it holds (a new device restores the history).
    for partner in [&alice, &bob] {
        let pulled = partner
            .get(&format!("/v1/docs/{doc}/entries?after=0"))
            .await;
        assert_eq!(pulled.status, 200, "{}", pulled.body);
        assert_eq!(pulled.body["entries"].as_array().unwrap().len(), 1);
    }
    // No new invites to it, and leaving twice finds nothing.
    let invite = alice
        .post(
            &format!("/v1/relationships/{relationship}/invites"),
            json!({ "secret_hash": sha256_b64(&[9; 16]) }),
        )
        .await;
    assert_eq!(invite.status, 410);
    assert_eq!(invite.body["code"], "relationship_ended");
    let again = alice
        .delete(&format!("/v1/relationships/{relationship}/membership"))
        .await;
    assert_eq!(again.status, 404);
    // Re-registering the ended one is refused; it does not come back to life.
    let revived = alice
        .post(
            "/v1/relationships",
            json!({ "relationship_id": relationship }),
        )
        .await;
    assert_eq!(revived.status, 410);
}

#[tokio::test]
async fn a_new_partner_starts_a_new_relationship_and_reaches_nothing_of_the_old_one() {
    let server = start().await;
    let (alice, bob, old) = couple(&server, "a@example.com", "b@example.com").await;
    let old_doc = format!("rel-{old}-2026");
    assert_eq!(append(&bob, &old_doc, "bob-secret").await.status, 200);
    // An invite Alice made before Bob left dies with the relationship.
    let stale = invite(&alice, &old).await;
    bob.delete(&format!("/v1/relationships/{old}/membership"))
        .await;

    let carol = signup(&server, "c@example.com", "C", "pw").await;
    assert_eq!(redeem(&carol, &stale).await.status, 404);

    let new = create(&alice).await;
    assert_ne!(new, old);
    let secret = invite(&alice, &new).await;
    let joined = redeem(&carol, &secret).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.body["relationship_id"], new.as_str());

    // Carol reaches the new relationship only.
    let listed = carol.get("/v1/docs").await;
    assert!(
        !listed.body.to_string().contains(&old),
        "Carol must not see the old relationship's documents: {}",
        listed.body
    );
    let pulled = carol
        .get(&format!("/v1/docs/{old_doc}/entries?after=0"))
        .await;
    assert_eq!(pulled.status, 404);
    let relationships = carol.get("/v1/relationships").await;
    assert_eq!(relationships.body.as_array().unwrap().len(), 1);
    // Alice writes to the new one.
    assert_eq!(
        append(&alice, &format!("rel-{new}-2026"), "hello-carol")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn one_current_relationship_per_account() {
    let server = start().await;
    let (alice, _bob, _relationship) = couple(&server, "a@example.com", "b@example.com").await;
    // A second relationship while in one: refused with a code.
    let second = alice
        .post("/v1/relationships", json!({ "relationship_id": uuid() }))
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.body["code"], "already_in_relationship");

    // Joining another couple while in one: refused before the invite is spent.
    let dan = signup(&server, "d@example.com", "D", "pw").await;
    let dans = create(&dan).await;
    let secret = invite(&dan, &dans).await;
    let refused = redeem(&alice, &secret).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["code"], "already_in_relationship");
    let erin = signup(&server, "e@example.com", "E", "pw").await;
    assert_eq!(
        redeem(&erin, &secret).await.status,
        200,
        "the invite was not spent by the refusal"
    );
}

#[tokio::test]
async fn deleting_an_account_ends_its_relationship_for_the_partner() {
    let server = start().await;
    let (alice, bob, relationship) = couple(&server, "a@example.com", "b@example.com").await;
    assert_eq!(alice.delete("/v1/account").await.status, 204);
    let listed = bob.get("/v1/relationships").await;
    assert!(listed.body[0]["ended_at"].is_string(), "{}", listed.body);
    let refused = append(&bob, &format!("rel-{relationship}"), "alone").await;
    assert_eq!(refused.status, 410);
    // Bob can start again.
    create(&bob).await;
}

#[tokio::test]
async fn members_see_their_invites_state_and_nobody_else_does() {
    let server = start().await;
    let alice = signup(&server, "a@example.com", "A", "pw").await;
    let bob = signup(&server, "b@example.com", "B", "pw").await;
    let eve = signup(&server, "e@example.com", "E", "pw").await;
    let relationship = create(&alice).await;
    let path = format!("/v1/relationships/{relationship}/invites");
    let none = alice.get(&path).await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body, json!([]));

    let secret = invite(&alice, &relationship).await;
    let open = alice.get(&path).await;
    assert_eq!(open.body[0]["state"], "open", "{}", open.body);
    assert!(open.body[0]["expires_at"].is_string());
    assert!(open.body[0]["used_at"].is_null());
    // Someone else never learns of it, nor whether the relationship exists.
    let other = eve.get(&path).await;
    assert_eq!(other.status, 404, "{}", other.body);
    assert_eq!(
        eve.get(&format!("/v1/relationships/{}/invites", uuid()))
            .await
            .body,
        other.body
    );

    assert_eq!(redeem(&bob, &secret).await.status, 200);
    for member in [&alice, &bob] {
        let used = member.get(&path).await;
        assert_eq!(used.status, 200, "{}", used.body);
        assert_eq!(used.body.as_array().unwrap().len(), 1);
        assert_eq!(used.body[0]["state"], "used", "{}", used.body);
        assert!(used.body[0]["used_at"].is_string());
    }
}
