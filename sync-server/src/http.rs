//! The HTTP API: the router and its handlers.
//!
//! Every response body is JSON, errors included, and a 500 never carries internals: details go to the
//! log, the client gets a short message.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::trace::TraceLayer;

use crate::storage::Database;

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The server's database.
    pub database: Arc<Database>,
}

/// Builds the full API router around `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when every dependency answers, `degraded` otherwise.
    pub status: String,
    /// The server's version (its crate version).
    pub version: String,
    /// `ok` when the database answered a query, `unavailable` otherwise.
    pub database: String,
}

/// Health check for operators and load balancers: 200 when the database answers, 503 when not.
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database_ok = match state.database.instance_id().await {
        Ok(_) => true,
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            false
        }
    };
    let (code, status, database) = if database_ok {
        (StatusCode::OK, "ok", "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "degraded", "unavailable")
    };
    let health = Health {
        status: status.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: database.into(),
    };
    (code, Json(health))
}

/// An error as the API reports it: a status code and `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with a message safe to show to the client.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such endpoint")
}
