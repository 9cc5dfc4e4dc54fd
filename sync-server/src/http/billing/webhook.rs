//! The Stripe webhook: anyone on the internet can call it, so the work an unsigned request costs is
//! bounded before anything else — a body limit sized for Stripe's events, a capped signature
//! header, one MAC per configured secret — and that CPU work runs on the blocking pool, never on
//! the async workers that answer everyone else.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use together_core::wire::billing::WebhookAck;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::billing;
use crate::billing::events::Event;
use crate::billing::store::Processed;
use crate::billing::{actions, retry, signature};
use crate::http::openapi::Refusals;
use crate::http::{ApiError, AppState};
use crate::metrics::WebhookOutcome;
use together_core::wire::ErrorBody;

/// Largest webhook body: Stripe's events are small JSON documents (a few kilobytes; objects with
/// many line items stay far below this).
pub const MAX_WEBHOOK_BYTES: usize = 512 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webhook))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
}

/// Stripe's events, signed with Stripe's scheme (`Stripe-Signature`); each is applied once.
#[utoipa::path(post, path = "/v1/stripe/webhook", tag = "billing",
    params(("Stripe-Signature" = String, Header, description = "t=<unix>,v1=<hex HMAC-SHA256>")),
    request_body(content = Object, description = "A Stripe event", content_type = "application/json"),
    responses(
        (status = 200, description = "Stored (and applied once)", body = WebhookAck),
        Refusals,
        (status = 503, description = "Webhooks are not configured, or Stripe could not be asked; Stripe retries", body = ErrorBody)))]
async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<WebhookAck>, ApiError> {
    let answer = receive(&state, &headers, body).await;
    state.metrics.webhook(match &answer {
        Ok(Json(ack)) if ack.duplicate => WebhookOutcome::Duplicate,
        Ok(_) => WebhookOutcome::Applied,
        Err(error) if error.status().is_server_error() && !error.is_expected() => {
            WebhookOutcome::Failed
        }
        Err(_) => WebhookOutcome::Refused,
    });
    answer
}

/// Verifies, stores and applies one delivery.
async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<WebhookAck>, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a webhook body is at most {MAX_WEBHOOK_BYTES} bytes"),
            )
        } else {
            ApiError::new(rejection.status(), rejection.body_text())
        }
    })?;
    let billing = billing(state)?;
    if billing.config.webhook_secrets.is_empty() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks are not configured on this server",
        )
        .expected());
    }
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let secrets: Vec<String> = billing
        .config
        .webhook_secrets
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    let checked = body.clone();
    let now = state.now().as_second();
    let event = tokio::task::spawn_blocking(move || {
        signature::verify(&header, &checked, &secrets, now)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        Event::parse(&checked).map_err(|e| ApiError::bad_request(e.to_string()))
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "webhook verification task failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; please try again",
        )
    })??;
    let raw = String::from_utf8_lossy(&body).into_owned();
    // For a subscription event, Stripe's current object is the truth whatever the delivery order.
    let (current, retrieved_at) = match retry::current_subscription(
        Some(&billing),
        &event,
        state.now().as_second(),
    )
    .await
    {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(%error, event = %event.id, "cannot retrieve the subscription; Stripe will retry");
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the payment service is unavailable; retry later",
            ));
        }
    };
    let event_id = event.id.clone();
    match state
        .database
        .process_event(event, raw, current, retrieved_at, state.now_text())
        .await
    {
        Ok(outcome) => {
            // Stripe calls the event made owed (a duplicate to refund) are made now, off the reply.
            let owed = Arc::clone(&billing);
            let storage = Arc::clone(&state.database);
            tokio::spawn(async move { actions::run_pending(&*storage, &owed).await });
            Ok(Json(WebhookAck {
                received: true,
                duplicate: outcome == Processed::Duplicate,
            }))
        }
        Err(error) => {
            tracing::error!(%error, event = %event_id, "webhook processing failed; Stripe will retry");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the event could not be processed; it will be retried",
            ))
        }
    }
}
