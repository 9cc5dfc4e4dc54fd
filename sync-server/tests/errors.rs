//! A 500 tells the client nothing about the server's insides: provoked for real (a table the route
//! needs is gone from the server's database, SQLite or PostgreSQL) and checked over HTTP.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{signup, start};
use serde_json::json;

#[tokio::test]
async fn an_internal_error_answers_500_with_a_generic_sentence_only() {
    let server = start().await;
    let alice = signup(&server, "a@example.com", "A", "pw").await;
    let stored = alice
        .call(
            reqwest::Method::PUT,
            "/v1/keys",
            Some(json!({ "bundle": common::b64(b"sealed bundle") })),
        )
        .await;
    assert_eq!(stored.status, 204, "{}", stored.body);
    assert_eq!(alice.get("/v1/keys").await.status, 200);

    // Break the database under the running server: the key bundles' table disappears.
    common::execute(
        &server,
        "ALTER TABLE key_bundles RENAME TO key_bundles_gone",
    )
    .await;

    let broken = alice.get("/v1/keys").await;
    assert_eq!(broken.status, 500, "{}", broken.body);
    let body = broken.body.as_object().unwrap();
    assert_eq!(
        body.keys().collect::<Vec<_>>(),
        ["error"],
        "only the sentence: {broken_body}",
        broken_body = broken.body
    );
    let sentence = body["error"].as_str().unwrap().to_lowercase();
    assert_eq!(sentence, "internal error; please try again");
    for secret in [
        "key_bundles",
        "sql",
        "table",
        "server.sqlite3",
        "query",
        "rusqlite",
        "postgres",
        "relation",
        "/",
    ] {
        assert!(
            !sentence.contains(secret),
            "the 500 leaks {secret:?}: {sentence}"
        );
    }
    // The rest of the server still answers.
    assert_eq!(alice.get("/v1/devices").await.status, 200);
}
