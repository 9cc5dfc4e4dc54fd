//! The admin listener: a second socket, apart from the public API, for the operator's tools —
//! Prometheus' `/metrics` and a small index page (the operator console will live here too).
//!
//! ## Architecture invariant
//! Nothing here is routed on the public listener, and nothing of the public API is routed here:
//! two routers on two sockets. The admin listener defaults to loopback (`127.0.0.1:8788`), and the
//! configuration refuses to put it on the public port (see [`crate::config`]).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::metrics::Metrics;
use crate::storage::Storage;

/// What the admin handlers read.
#[derive(Debug, Clone)]
pub struct AdminState {
    /// The counters the API's handlers move.
    pub metrics: Arc<Metrics>,
    /// The live sockets, counted at each scrape.
    pub hub: Arc<crate::hub::Hub>,
    /// The database, whose size is read at each scrape.
    pub database: Arc<dyn Storage>,
}

/// The admin listener's router.
pub fn router(state: AdminState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such page\n") })
        .with_state(state)
}

/// A page naming what the admin listener serves.
async fn index() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>together-server admin</title></head><body>",
        "<h1>together-server admin</h1>",
        "<p>Version ",
        env!("CARGO_PKG_VERSION"),
        ".</p><ul><li><a href=\"/metrics\">/metrics</a>: Prometheus metrics</li></ul>",
        "</body></html>\n"
    ))
}

/// Prometheus' scrape: the counters, and the present's gauges read now. A database that does not
/// answer leaves its size at the last value read (the scrape itself still answers).
async fn metrics(State(state): State<AdminState>) -> Response {
    let database_bytes = match state.database.database_bytes().await {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            tracing::warn!(%error, "metrics: cannot read the database size");
            None
        }
    };
    let text = state.metrics.render(state.hub.connected(), database_bytes);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
