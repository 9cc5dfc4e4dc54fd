//! The HTTP API: the router and its handlers, by feature.
//!
//! Every response body is JSON, errors included, and a 500 never carries internals: details go to the
//! log, the client gets a short message. Request bodies are limited in size and validated before use.

mod access_log;
pub(crate) mod accounts;
mod auth;
mod billing;
mod documents;
mod live;
pub(crate) mod openapi;
mod relationships;
#[cfg(test)]
mod test_state;
mod usage;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use together_core::wire::ErrorCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use accounts::MAX_DEVICES_PER_ACCOUNT;
pub use auth::Caller;
pub use documents::MAX_PULL_PAGE_BYTES;
pub use usage::MAX_USAGE_BODY_BYTES;

use crate::limiter::LoginLimiter;
use crate::storage::{Storage, StorageError};

/// Largest accepted request body: a page of sealed document changes.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The server's storage (SQLite by default).
    pub database: Arc<dyn Storage>,
    /// Failed-login memory.
    pub limiter: Arc<LoginLimiter>,
    /// Billing, when the server runs on its embedded database.
    pub billing: Option<Arc<crate::billing::Billing>>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The live WebSockets, told of new entries.
    pub hub: Arc<crate::hub::Hub>,
    /// Each account's storage quota, in ciphertext bytes.
    pub max_account_bytes: u64,
    /// Where handlers read the time.
    pub clock: Arc<dyn crate::clock::Clock>,
    /// The week each account was last recorded active by this instance (for cohorts).
    pub active_weeks: Arc<crate::usage::ActiveWeeks>,
    /// This process's random id, the origin of its broadcasts (it ignores its own).
    pub origin: Arc<str>,
    /// Flips to `true` when the server shuts down, closing the live WebSockets.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The counters `/metrics` on the admin listener exports.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Who may create an account.
    pub registration: crate::registration::Registration,
    /// The device tokens checked in the database a moment ago ([`crate::tokens`]).
    pub tokens: Arc<crate::tokens::RecentTokens>,
}

/// Builds the full API router around `state`, and its OpenAPI description from the same routes.
pub fn router(state: AppState) -> Router {
    let (router, description) = routes().split_for_parts();
    let metrics = Arc::clone(&state.metrics);
    let router = router
        .fallback(not_found)
        .layer(Extension(openapi::Description(Arc::new(
            serde_json::to_value(&description).unwrap_or_default(),
        ))))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ));
    access_log::layer(router)
}

/// Every route with its description (see [`openapi`]).
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi::description))
        .merge(accounts::router())
        .merge(relationships::router())
        .merge(documents::router())
        .merge(live::router())
        .merge(billing::router())
        .merge(usage::router())
}

/// The API's OpenAPI 3.1 description (what `GET /v1/openapi.json` serves).
pub fn openapi_description() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

impl AppState {
    /// Applies `news` to this instance's live sockets now, and passes it to the other instances
    /// sharing the database. A failed broadcast is logged: the request itself succeeded, and other
    /// instances' devices still learn it from their next poll.
    pub async fn announce(&self, news: crate::storage::Broadcast) {
        crate::relay::apply(&self.hub, &self.tokens, &news);
        let envelope = crate::storage::Envelope {
            origin: self.origin.to_string(),
            news,
        };
        if let Err(error) = self.database.broadcast(envelope).await {
            tracing::warn!(%error, "live news not passed to the other instances");
        }
    }

    /// The current time, from the state's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// The current time as the server stores it (RFC 3339 UTC, milliseconds).
    pub fn now_text(&self) -> String {
        crate::clock::stamp(self.now())
    }
}

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when every dependency answers, `degraded` otherwise.
    pub status: String,
    /// The server's version (its crate version).
    pub version: String,
    /// `ok` when the database answered a query, `unavailable` otherwise.
    pub database: String,
}

/// Health check for operators and load balancers: 200 when the database answers, 503 when not.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Every dependency answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health)))]
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

/// Runs `work` on a task of its own and waits for it, so the request that asked for it being
/// dropped (its client gone) cannot stop it half-way: a sign-out, a deletion or a disabling the
/// database committed is always followed by its news, which closes sockets and forgets checked
/// tokens on every instance (a retry would find nothing left to revoke, so would never send it).
pub async fn to_completion<T, E>(
    work: impl Future<Output = Result<T, E>> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StorageError> + Send + 'static,
{
    tokio::spawn(work)
        .await
        .unwrap_or_else(|error| Err(StorageError::Task(error).into()))
}

/// An error as the API reports it: a status code and `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    code: Option<ErrorCode>,
    expected: bool,
}

impl ApiError {
    /// An error with a message safe to show to the client.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code: None,
            expected: false,
        }
    }

    /// The same error, answered on purpose (a feature switched off): the access log does not
    /// count it as the server failing.
    pub fn expected(mut self) -> Self {
        self.expected = true;
        self
    }

    /// The same error with a machine-readable reason devices act on.
    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = Some(code);
        self
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether it was answered on purpose (see [`ApiError::expected`]).
    pub fn is_expected(&self) -> bool {
        self.expected
    }

    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match &error {
            StorageError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            StorageError::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            StorageError::Forbidden(message) => Self::new(StatusCode::FORBIDDEN, message),
            StorageError::RelationshipEnded => Self::new(StatusCode::GONE, error.to_string())
                .with_code(ErrorCode::RelationshipEnded),
            StorageError::SignupCodeRefused => crate::registration::code_refused(),
            StorageError::AlreadyInRelationship => {
                Self::new(StatusCode::CONFLICT, error.to_string())
                    .with_code(ErrorCode::AlreadyInRelationship)
            }
            StorageError::QuotaExceeded { max_bytes } => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                format!(
                    "this account's storage is full (its quota is {max_bytes} bytes); \
                     the changes stay on the device"
                ),
            )
            .with_code(ErrorCode::QuotaExceeded),
            other => {
                tracing::error!(error = %other, "request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; please try again",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = together_core::wire::ErrorBody {
            error: self.message,
            code: self.code,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.expected {
            response.extensions_mut().insert(access_log::Expected);
        }
        response
    }
}

/// `Json` whose rejections (malformed, wrong content type, too large) answer in the API's error
/// format with a clear message.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// `Path` whose rejections (a segment that is not valid percent-encoded UTF-8, say) answer in the
/// API's error format.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::new(rejection.status(), rejection.body_text())),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    let status = rejection.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!("the request body is larger than {MAX_BODY_BYTES} bytes")
    } else {
        rejection.body_text()
    };
    ApiError::new(status, message)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such endpoint")
}
