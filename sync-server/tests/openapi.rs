//! The OpenAPI description: served, 3.1, built from the same routes the server answers, every
//! operation with its responses in the API's error format.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{Device, start};

/// Every route the server serves, as `METHOD path` (what a client may call).
const ROUTES: &[&str] = &[
    "GET /healthz",
    "GET /v1/openapi.json",
    "POST /v1/accounts",
    "POST /v1/sessions",
    "DELETE /v1/sessions/current",
    "GET /v1/devices",
    "DELETE /v1/devices/{device_id}",
    "PUT /v1/keys",
    "GET /v1/keys",
    "DELETE /v1/account",
    "POST /v1/relationships",
    "GET /v1/relationships",
    "GET /v1/relationships/{relationship_id}",
    "GET /v1/relationships/{relationship_id}/invites",
    "POST /v1/relationships/{relationship_id}/invites",
    "DELETE /v1/relationships/{relationship_id}/membership",
    "POST /v1/invites/redeem",
    "GET /v1/docs",
    "POST /v1/docs/{doc_id}/entries",
    "GET /v1/docs/{doc_id}/entries",
    "PUT /v1/docs/{doc_id}/snapshot",
    "GET /v1/docs/{doc_id}/snapshot",
    "GET /v1/live",
    "GET /v1/plans",
    "GET /v1/addons",
    "POST /v1/billing/checkout",
    "POST /v1/billing/credits/checkout",
    "POST /v1/billing/portal",
    "POST /v1/stripe/webhook",
    "GET /v1/entitlements",
    "GET /v1/ai/credits",
    "POST /v1/ai/suggest",
    "POST /v1/usage",
];

#[tokio::test]
async fn the_served_description_names_every_route_and_only_routes_that_answer() {
    let server = start().await;
    let reply = Device::anonymous(&server).get("/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    let description = reply.body;
    assert!(
        description["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        description["openapi"]
    );
    let mut described = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if let Some(operation) = item.get(method) {
                described.push(format!("{} {path}", method.to_uppercase()));
                let responses = operation["responses"].as_object().unwrap();
                assert!(!responses.is_empty(), "{method} {path} has no responses");
                if path != "/v1/openapi.json" && path != "/healthz" {
                    assert!(
                        responses.contains_key("400") && responses.contains_key("500"),
                        "{method} {path} documents its refusals"
                    );
                }
            }
        }
    }
    described.sort();
    let mut expected: Vec<String> = ROUTES.iter().map(|r| (*r).to_owned()).collect();
    expected.sort();
    assert_eq!(described, expected);

    // And every described operation is one the router answers (never the "no such endpoint"
    // fallback), whatever it makes of an empty request.
    let http = common::http();
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{device_id}", "d")
            .replace("{relationship_id}", "r")
            .replace("{doc_id}", "user-x");
        let response = http
            .request(method.parse().unwrap(), format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("no such endpoint") && status != 405,
            "{route} is described but not routed: {status} {body}"
        );
    }
}

#[tokio::test]
async fn a_websocket_route_asked_without_an_upgrade_answers_in_json() {
    let server = start().await;
    let alice = common::signup(&server, "a@example.com", "A", "pw").await;
    let reply = alice.get("/v1/live").await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body["error"].is_string(), "{}", reply.body);
}
