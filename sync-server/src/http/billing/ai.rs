//! AI suggestions, paid with credits. One request id is spent once and answered once: a replay
//! gets the stored answer without asking the AI again (or a refusal while in flight, or after a
//! failure whose credits were given back).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use together_core::wire::billing::{SuggestRequest, Suggestions, is_request_id};

use super::{billing, relationship_of};
use crate::billing::ai;
use crate::billing::store::AiStart;
use crate::http::openapi::SignedIn;
use crate::http::{ApiError, ApiJson, AppState, Caller};
use crate::storage::StorageError;
use together_core::wire::ErrorBody;

/// Longest context a couple may share with the AI, in characters.
const MAX_CONTEXT_CHARS: usize = 2000;

/// Asks the server's AI for ideas, paying with credits; a replayed request id gets the stored
/// answer.
#[utoipa::path(post, path = "/v1/ai/suggest", tag = "billing", security(("bearer" = [])),
    request_body = SuggestRequest,
    responses(
        (status = 200, body = Suggestions),
        SignedIn,
        (status = 402, description = "Not enough AI credits", body = ErrorBody),
        (status = 409, description = "This request id is in flight, failed or expired", body = ErrorBody),
        (status = 502, description = "The AI endpoint did not answer; credits given back", body = ErrorBody),
        (status = 503, description = "AI suggestions are not configured", body = ErrorBody)))]
pub(super) async fn suggest(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SuggestRequest>,
) -> Result<Json<Suggestions>, ApiError> {
    let billing = billing(&state)?;
    let config = billing.config.ai.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "AI suggestions are not configured on this server",
        )
        .expected()
    })?;
    let request_id = body.request_id.trim().to_owned();
    if !is_request_id(&request_id) {
        return Err(ApiError::bad_request(
            "request_id must be 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    if body.context.chars().count() > MAX_CONTEXT_CHARS {
        return Err(ApiError::bad_request(format!(
            "context must be at most {MAX_CONTEXT_CHARS} characters"
        )));
    }
    let relationship = relationship_of(&state, &caller.user_id).await?;
    let key = format!("ai:{}:{request_id}", caller.user_id);
    let start = state
        .database
        .begin_ai_request(
            caller.user_id.clone(),
            relationship,
            billing.config.ai_cost_credits,
            key.clone(),
            state.now_text(),
        )
        .await
        .map_err(|error| match error {
            StorageError::Forbidden(message) => {
                ApiError::new(StatusCode::PAYMENT_REQUIRED, message)
            }
            other => other.into(),
        })?;
    let balance = match start {
        AiStart::Answered(suggestions, balance) => {
            return Ok(Json(Suggestions {
                suggestions,
                balance,
            }));
        }
        AiStart::Fresh(balance) => balance,
    };
    match ai::suggest(&config, body.kind, &body.context).await {
        Ok(suggestions) => {
            state
                .database
                .finish_ai_request(key, suggestions.clone(), state.now_text())
                .await?;
            Ok(Json(Suggestions {
                suggestions,
                balance,
            }))
        }
        Err(error) => {
            tracing::warn!(%error, "AI request failed; credits given back");
            state
                .database
                .fail_ai_request(key, state.now_text())
                .await?;
            Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "the AI service did not answer; your credits were not used",
            ))
        }
    }
}
