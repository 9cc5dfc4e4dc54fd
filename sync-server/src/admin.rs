//! The admin listener: a second socket, apart from the public API, for the operator's tools —
//! Prometheus' `/metrics` and the operator console, server-rendered HTML that works without
//! JavaScript and fetches nothing from elsewhere.
//!
//! ## Layout
//! - [`session`]: the session cookie, the signed-in [`session::Operator`] extractor, CSRF and the
//!   same-origin check, sign-in (rate-limited) and sign-out.
//! - [`operators`]: operators' passwords (Argon2id) and `create-operator`.
//! - [`layout`]: the page shell, the sign-in page and the stylesheet; [`charts`]: inline SVG.
//! - [`pages`]: overview, revenue, billing health (with "retry now"); [`accounts`]: search,
//!   devices, disable/enable, delete; [`usage`]: feature usage (k-filtered) and cohorts.
//! - [`tls`]: HTTPS for this listener (`admin_tls_cert`/`admin_tls_key`).
//!
//! ## Architecture invariant
//! Nothing here is routed on the public listener, and nothing of the public API is routed here:
//! two routers on two sockets. The admin listener defaults to loopback (`127.0.0.1:8788`), and the
//! configuration refuses to put it on the public port (see [`crate::config`]). Every console page
//! but the sign-in page needs a session; `/metrics` stays open to the scraper, as before.

pub mod accounts;
pub mod charts;
pub mod layout;
pub mod operators;
pub mod pages;
pub mod session;
pub mod tls;
pub mod usage;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::limiter::LoginLimiter;

/// Largest form the console accepts (its forms hold a few short fields).
const MAX_FORM_BYTES: usize = 16 * 1024;

/// What the admin handlers read.
#[derive(Debug, Clone)]
pub struct AdminState {
    /// The API's state: the database, hub, metrics, billing and clock the console reads and acts
    /// through (an account deleted here is deleted as the API deletes it).
    pub app: crate::http::AppState,
    /// Operators' failed sign-ins, per instance (in memory, like the API's).
    pub limiter: Arc<LoginLimiter>,
    /// Whether this listener serves TLS (then the session cookie is `Secure`).
    pub secure: bool,
    /// The least number of contributors a feature's day needs to be shown.
    pub usage_k: crate::storage::rules::usage::KThreshold,
}

/// The admin listener's router.
pub fn router(state: AdminState) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/metrics", get(metrics))
        .route("/console.css", get(layout::stylesheet))
        .route(
            "/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/revenue", get(pages::revenue))
        .route("/usage", get(usage::usage))
        .route("/cohorts", get(usage::cohorts))
        .route("/billing", get(pages::billing))
        .route("/billing/retry", post(pages::retry))
        .route("/accounts", get(accounts::search))
        .route("/accounts/{id}", get(accounts::account))
        .route("/accounts/{id}/disable", post(accounts::disable))
        .route("/accounts/{id}/enable", post(accounts::enable))
        .route(
            "/accounts/{id}/delete",
            get(accounts::confirm_delete).post(accounts::delete),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such page\n") })
        .layer(axum::middleware::from_fn(session::check_origin))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers on every answer: no framing (clickjacking), no outside resources, no caching of pages
/// with account data, no referrer beyond this host.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(header::HeaderValue::from_static("no-store"));
    response
}

/// Prometheus' scrape: the counters, and the present's gauges read now. A database that does not
/// answer leaves its size at the last value read (the scrape itself still answers).
async fn metrics(State(state): State<AdminState>) -> Response {
    let database_bytes = match state.app.database.database_bytes().await {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            tracing::warn!(%error, "metrics: cannot read the database size");
            None
        }
    };
    let text = state.app.metrics.render(
        state.app.hub.connected(),
        database_bytes,
        state.app.database.group_commit_ways(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
