//! `POST /v1/usage`: the opt-in usage upload. Unauthenticated by design (an authenticated upload
//! would tie usage to an account): a device that opted in sends, once a day, a report of one past
//! day keyed by a random token made for that day only (see `together_core::wire::usage`).
//!
//! ## Privacy invariant
//! The server stores the report's day, token and per-feature counts, and nothing else: not the
//! client's address, not an account, not when it came. The access log writes the route's
//! template and status only, never the body (so never the token). Reports are refused from an
//! address that sends too many ([`crate::limiter::LoginLimiter::usage_upload`]).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use together_core::wire::ErrorBody;
use together_core::wire::usage::UsageReport;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ClientAddress;
use super::openapi::Refusals;
use super::{ApiError, AppState};
use crate::storage::rules::usage::accepted_days;

/// Largest accepted report body: fourteen features take well under 2 KiB.
pub const MAX_USAGE_BODY_BYTES: usize = 4 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .layer(DefaultBodyLimit::max(MAX_USAGE_BODY_BYTES))
}

/// Stores one device's report of one day, replacing its earlier report of that day (same token).
#[utoipa::path(post, path = "/v1/usage", tag = "usage",
    request_body = UsageReport,
    responses((status = 204, description = "Stored (or replaced)"), Refusals,
        (status = 429, description = "Too many reports from this address; try again later", body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let outcome = accept(&state, address.as_deref(), body).await;
    state.metrics.usage_report(outcome.is_ok());
    outcome.map(|()| StatusCode::NO_CONTENT)
}

async fn accept(
    state: &AppState,
    address: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(), ApiError> {
    if let Some(wait) = state.limiter.usage_upload(address, Instant::now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many usage reports from this address; try again in {} s",
                wait.as_secs().max(1)
            ),
        ));
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a usage report is at most {MAX_USAGE_BODY_BYTES} bytes"),
            )
        } else {
            ApiError::bad_request("the usage report could not be read")
        }
    })?;
    let report: UsageReport = serde_json::from_slice(&body).map_err(|_| {
        ApiError::bad_request(
            "this is not a usage report: a JSON object with day, token and features, and nothing else",
        )
    })?;
    let day = report
        .validate()
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let today = state.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let (from, to) = accepted_days(today);
    if day < from || day > to {
        return Err(ApiError::bad_request(format!(
            "a usage report is for a day from {from} to {to}"
        )));
    }
    state
        .database
        .store_usage_report(day.to_string(), report.token, report.features)
        .await?;
    Ok(())
}
