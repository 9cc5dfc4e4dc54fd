//! The access log: one line per request at `info`, with the method, the route (its template, so
//! invite codes and ids in paths are never written), the status, the latency and a request id the
//! client sees in `x-request-id`. Never a header, a query string, a body, an email or a token.
//!
//! The level follows what an operator should look at: 5xx are errors, except a 503 the server
//! answers on purpose (billing or AI switched off), which is expected; 429s and refused sign-ins are
//! warnings (someone may be guessing passwords); everything else is `info`.

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, Response, StatusCode};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnRequest, TraceLayer};
use tracing::Span;

/// The header carrying the request id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Marks a response the server gave on purpose, so the access log does not call it a failure:
/// set by handlers answering 503 because a feature is switched off.
#[derive(Debug, Clone, Copy)]
pub struct Expected;

/// Adds the access log and request ids around `router`. A request id a client sent is replaced:
/// ids in our logs are ours, and an attacker cannot fill them with their own text.
pub fn layer(router: axum::Router) -> axum::Router {
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span_for)
                .on_request(DefaultOnRequest::new().level(tracing::Level::DEBUG))
                .on_response(log_response)
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(forget_client_request_id))
}

async fn forget_client_request_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID);
    request
}

fn span_for(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), route = %route, request_id = %request_id)
}

fn log_response<B>(response: &Response<B>, latency: Duration, _span: &Span) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    let expected = response.extensions().get::<Expected>().is_some();
    match Level::of(response.status(), expected) {
        Level::Error => tracing::error!(status, latency_ms, "request failed"),
        Level::Warn => tracing::warn!(status, latency_ms, "request refused"),
        Level::Info => tracing::info!(status, latency_ms, "request"),
    }
}

/// How loudly a response is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warn,
    Info,
}

impl Level {
    fn of(status: StatusCode, expected: bool) -> Self {
        if status.is_server_error() && !expected {
            Self::Error
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            Self::Warn
        } else {
            Self::Info
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_is_an_error_unless_it_was_answered_on_purpose() {
        assert_eq!(
            Level::of(StatusCode::INTERNAL_SERVER_ERROR, false),
            Level::Error
        );
        assert_eq!(
            Level::of(StatusCode::SERVICE_UNAVAILABLE, false),
            Level::Error
        );
        assert_eq!(
            Level::of(StatusCode::SERVICE_UNAVAILABLE, true),
            Level::Info
        );
        assert_eq!(Level::of(StatusCode::TOO_MANY_REQUESTS, false), Level::Warn);
        assert_eq!(Level::of(StatusCode::UNAUTHORIZED, false), Level::Info);
        assert_eq!(Level::of(StatusCode::OK, false), Level::Info);
    }
}
