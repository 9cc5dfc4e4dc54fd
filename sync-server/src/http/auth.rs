//! Who is calling: the bearer-token extractor every protected route takes. A token the database
//! vouched for a moment ago is believed without asking again ([`crate::tokens`]: a sign-out heard
//! from any instance forgets that device's tokens at once).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{ApiError, AppState};
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
        let now = state.now();
        let (user_id, device_id) = match state.tokens.get(&hash, now) {
            Ok(known) => {
                state.metrics.token_checked(true);
                known
            }
            Err(generation) => {
                state.metrics.token_checked(false);
                let (user_id, device_id) = state
                    .database
                    .authenticate(hash, crate::clock::stamp(now))
                    .await?
                    .ok_or_else(|| unauthorized("this device is signed out; sign in again"))?;
                state
                    .tokens
                    .remember(generation, hash, &user_id, &device_id, now);
                (user_id, device_id)
            }
        };
        record_activity(state, &user_id).await;
        Ok(Self { user_id, device_id })
    }
}

/// Records, at most once per account and week on this instance, that the account was active
/// this week (for cohorts). A failure is logged: the request itself goes on.
async fn record_activity(state: &AppState, user_id: &str) {
    let today = state.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let Some(week) = state.active_weeks.due(user_id, today) else {
        return;
    };
    if let Err(error) = state
        .database
        .record_active_week(user_id.to_owned(), week.to_string())
        .await
    {
        tracing::warn!(%error, "cannot record the account's active week");
        state.active_weeks.forget(user_id);
    }
}

/// The client's address, for per-address rate limits: the peer's, or, when the peer is a trusted
/// reverse proxy, the nearest address in `X-Forwarded-For` that is not one of the trusted proxies
/// (the leftmost entries are whatever the client claimed, so they are never believed).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(Self(
            client_address(peer, &forwarded, &state.trusted_proxies).map(|ip| ip.to_string()),
        ))
    }
}

/// Walks `X-Forwarded-For` from the right while the hop is a trusted proxy.
fn client_address(peer: Option<IpAddr>, forwarded: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    let mut address = peer?;
    for hop in forwarded.rsplit(',') {
        if !trusted.contains(&address) {
            break;
        }
        match hop.trim().parse::<IpAddr>() {
            Ok(next) => address = next,
            // A garbled header: stop at the last hop we could trust.
            Err(_) => break,
        }
    }
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| panic!("{text}"))
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy];
        // Direct client: the header is the client's own claim.
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), "1.2.3.4", &trusted),
            Some(ip("203.0.113.9"))
        );
        // Through the proxy: the address the proxy saw, not what the client wrote before it.
        assert_eq!(
            client_address(Some(proxy), "6.6.6.6, 198.51.100.7", &trusted),
            Some(ip("198.51.100.7"))
        );
        // Two trusted hops.
        assert_eq!(
            client_address(
                Some(proxy),
                "198.51.100.7, 10.0.0.2",
                &[proxy, ip("10.0.0.2")]
            ),
            Some(ip("198.51.100.7"))
        );
        // No proxies configured: the header is ignored.
        assert_eq!(
            client_address(Some(proxy), "198.51.100.7", &[]),
            Some(proxy)
        );
        // A garbled header stops at the proxy.
        assert_eq!(
            client_address(Some(proxy), "not-an-ip", &trusted),
            Some(proxy)
        );
    }
}
