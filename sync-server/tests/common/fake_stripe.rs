//! A local server that speaks the part of Stripe's HTTP API the billing code uses (Checkout
//! Sessions, portal sessions, subscription retrieval, update and cancellation, invoice retrieval,
//! refunds), checking what real Stripe checks: the
//! secret key, a form body, the pinned `Stripe-Version` and an `Idempotency-Key` on POSTs. It
//! records every request, replays the answer for a reused idempotency key, and serves whatever
//! subscription objects the test sets as "Stripe's current state". Also a fake OpenAI-compatible
//! chat endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The key the fake accepts.
pub const SECRET_KEY: &str = "sk_test_fake_123";

/// A request Stripe received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub form: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub struct FakeState {
    pub requests: Mutex<Vec<Recorded>>,
    pub subscriptions: Mutex<HashMap<String, Value>>,
    replies: Mutex<HashMap<String, Value>>,
    counter: Mutex<u64>,
    pub fail_ai: Mutex<bool>,
    pub ai_calls: Mutex<u64>,
    pub invoices: Mutex<HashMap<String, Value>>,
}

pub struct FakeStripe {
    pub base: String,
    pub state: Arc<FakeState>,
}

fn refuse(status: StatusCode, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({ "error": { "message": message, "type": "invalid_request_error" } })),
    )
}

fn check(headers: &HeaderMap, post: bool) -> Result<(), (StatusCode, Json<Value>)> {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {SECRET_KEY}")) {
        return Err(refuse(StatusCode::UNAUTHORIZED, "Invalid API Key provided"));
    }
    if headers.get("stripe-version").and_then(|v| v.to_str().ok())
        != Some(together_server::billing::stripe::STRIPE_VERSION)
    {
        return Err(refuse(StatusCode::BAD_REQUEST, "unexpected Stripe-Version"));
    }
    if post && headers.get("idempotency-key").is_none() {
        return Err(refuse(StatusCode::BAD_REQUEST, "missing Idempotency-Key"));
    }
    if post
        && headers.get("content-type").and_then(|v| v.to_str().ok())
            != Some("application/x-www-form-urlencoded")
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "Stripe takes form-encoded bodies",
        ));
    }
    Ok(())
}

async fn checkout(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    create(&state, "checkout", &headers, &body)
}

async fn portal(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    create(&state, "portal", &headers, &body)
}

fn create(
    state: &FakeState,
    kind: &str,
    headers: &HeaderMap,
    body: &str,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    check(headers, true)?;
    let form: Vec<(String, String)> = serde_urlencoded::from_str(body)
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "bad form"))?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.requests.lock().unwrap().push(Recorded {
        path: format!("/v1/{kind}"),
        form,
        idempotency_key: key.clone(),
    });
    if let Some(key) = &key
        && let Some(reply) = state.replies.lock().unwrap().get(key)
    {
        return Ok(Json(reply.clone()));
    }
    let n = {
        let mut counter = state.counter.lock().unwrap();
        *counter += 1;
        *counter
    };
    let reply = match kind {
        "checkout" => json!({ "id": format!("cs_test_{n}"), "object": "checkout.session",
            "url": format!("https://checkout.stripe.test/c/pay/cs_test_{n}") }),
        _ => json!({ "id": format!("bps_{n}"), "object": "billing_portal.session",
            "url": format!("https://billing.stripe.test/p/session/{n}") }),
    };
    if let Some(key) = key {
        state.replies.lock().unwrap().insert(key, reply.clone());
    }
    Ok(Json(reply))
}

async fn subscription(
    State(state): State<Arc<FakeState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    check(&headers, false)?;
    state
        .subscriptions
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| {
            refuse(
                StatusCode::NOT_FOUND,
                &format!("No such subscription: '{id}'"),
            )
        })
}

fn record(state: &FakeState, path: String, headers: &HeaderMap, body: &str) {
    let form: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.requests.lock().unwrap().push(Recorded {
        path,
        form,
        idempotency_key: key,
    });
}

async fn update_subscription(
    State(state): State<Arc<FakeState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    check(&headers, true)?;
    record(&state, format!("/v1/subscriptions/{id}"), &headers, &body);
    let mut subscriptions = state.subscriptions.lock().unwrap();
    let Some(subscription) = subscriptions.get_mut(&id) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            &format!("No such subscription: '{id}'"),
        ));
    };
    if body.contains("cancel_at_period_end=true") {
        subscription["cancel_at_period_end"] = json!(true);
    }
    Ok(Json(subscription.clone()))
}

async fn cancel_subscription(
    State(state): State<Arc<FakeState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    check(&headers, false)?;
    record(
        &state,
        format!("DELETE /v1/subscriptions/{id}"),
        &headers,
        "",
    );
    let mut subscriptions = state.subscriptions.lock().unwrap();
    let Some(subscription) = subscriptions.get_mut(&id) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            &format!("No such subscription: '{id}'"),
        ));
    };
    subscription["status"] = json!("canceled");
    Ok(Json(subscription.clone()))
}

async fn invoice(
    State(state): State<Arc<FakeState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    check(&headers, false)?;
    state
        .invoices
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, &format!("No such invoice: '{id}'")))
}

async fn refund(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    check(&headers, true)?;
    record(&state, "/v1/refunds".into(), &headers, &body);
    Ok(Json(
        json!({ "id": "re_test_1", "object": "refund", "status": "succeeded" }),
    ))
}

async fn chat(
    State(state): State<Arc<FakeState>>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, StatusCode> {
    *state.ai_calls.lock().unwrap() += 1;
    if *state.fail_ai.lock().unwrap() {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let asked = body
        .pointer("/messages/1/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    Ok(Json(
        json!({ "choices": [ { "message": { "role": "assistant",
        "content": format!("- Cook a new recipe together\n- Sunset walk\n- (asked: {})", asked.len()) } } ] }),
    ))
}

impl FakeStripe {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState::default());
        let app = Router::new()
            .route("/v1/checkout/sessions", post(checkout))
            .route("/v1/billing_portal/sessions", post(portal))
            .route(
                "/v1/subscriptions/{id}",
                get(subscription)
                    .post(update_subscription)
                    .delete(cancel_subscription),
            )
            .route("/v1/invoices/{id}", get(invoice))
            .route("/v1/refunds", post(refund))
            .route("/ai/chat/completions", post(chat))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, state }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn ai_calls(&self) -> u64 {
        *self.state.ai_calls.lock().unwrap()
    }

    pub fn set_invoice(&self, object: Value) {
        let id = object["id"].as_str().unwrap().to_owned();
        self.state.invoices.lock().unwrap().insert(id, object);
    }

    /// The requests sent to `path` (as recorded: `DELETE …` for deletions).
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn set_subscription(&self, object: Value) {
        let id = object["id"].as_str().unwrap().to_owned();
        self.state.subscriptions.lock().unwrap().insert(id, object);
    }
}
