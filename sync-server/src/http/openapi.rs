//! The API's OpenAPI 3.1 description, generated from the handlers themselves: every route is
//! registered through `utoipa-axum`'s router together with its `#[utoipa::path]` description, so
//! the router and the description are built from the same source and cannot drift. Served at
//! `GET /v1/openapi.json`; schemathesis checks the running server against it in CI.
//!
//! Error answers are described once here ([`Refusals`], [`SignedIn`]) and named by each route
//! together with the statuses particular to it.

use std::collections::BTreeMap;

use axum::{Extension, Json};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};

/// The description's fixed parts: title, version, the bearer scheme, the tags.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Better Together sync server",
        description = "Relays end-to-end encrypted changes between a couple's devices; accounts, \
            devices, pairing and billing. Bodies are JSON; errors are `{\"error\": sentence, \
            \"code\"?: reason}`. See docs/sync-protocol.md and docs/billing.md."
    ),
    modifiers(&BearerScheme),
    components(schemas(together_core::wire::ErrorBody, together_core::wire::ErrorCode)),
    tags(
        (name = "health", description = "For operators and load balancers"),
        (name = "accounts", description = "Accounts, devices, key bundles"),
        (name = "relationships", description = "Couples and pairing"),
        (name = "documents", description = "Encrypted document logs and live news"),
        (name = "billing", description = "Plans, Checkout, the customer portal, entitlements, AI credits"),
        (name = "usage", description = "Opt-in usage reports: per day and feature counts, no account"),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme (device tokens).
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

fn error(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

fn answers(list: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, description)| ((*status).to_owned(), error(description)))
        .collect()
}

/// What any route may answer when the request itself is wrong, or the server fails.
pub struct Refusals;

impl IntoResponses for Refusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        answers(&[
            ("400", "The request is malformed or a value is out of range"),
            ("413", "The body is larger than the route accepts"),
            (
                "415",
                "The body is not JSON (`Content-Type: application/json`)",
            ),
            ("422", "The JSON does not have the expected fields"),
            ("500", "Internal error; details are never sent, only logged"),
        ])
    }
}

/// What a route needing a signed-in device adds: no or a revoked token, or nothing the caller may
/// see (another couple's things get the same 404 as things that do not exist).
pub struct SignedIn;

impl IntoResponses for SignedIn {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = Refusals::responses();
        all.append(&mut answers(&[
            (
                "401",
                "Sign in first: no, a malformed or a revoked device token",
            ),
            ("404", "Nothing the caller may see matches"),
        ]));
        all
    }
}

/// The description, built once with the router and handed to its handler as an extension.
#[derive(Debug, Clone)]
pub struct Description(pub std::sync::Arc<serde_json::Value>);

/// `GET /v1/openapi.json`: this description.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 description of this API", body = Object))
)]
pub async fn description(
    Extension(description): Extension<Description>,
) -> Json<serde_json::Value> {
    Json(description.0.as_ref().clone())
}
