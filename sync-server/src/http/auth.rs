//! Who is calling: the bearer-token extractor every protected route takes.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{ApiError, AppState, now_text};
use crate::secrets;

/// The signed-in device making the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Its account.
    pub user_id: String,
    /// The device.
    pub device_id: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, message);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorized("sign in first: send Authorization: Bearer <token>"))?;
        let hash = secrets::token_hash(token)
            .ok_or_else(|| unauthorized("this is not a valid device token"))?;
        let (user_id, device_id) = state
            .database
            .authenticate(hash, now_text())
            .await?
            .ok_or_else(|| unauthorized("this device is signed out; sign in again"))?;
        Ok(Self { user_id, device_id })
    }
}

/// The client's address, when the server was started with connection info (it always is by
/// `launch`), for per-address rate limits.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip().to_string()),
        ))
    }
}
