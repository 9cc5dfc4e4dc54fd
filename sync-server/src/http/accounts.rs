//! Accounts and devices: sign up, log in, log out, list and revoke devices.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use together_core::wire::{
    DeviceInfo, ErrorBody, KeyBundle, LoginRequest, SessionResponse, SignupRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ClientAddress;
use super::openapi::{Refusals, SignedIn};
use super::{ApiError, ApiJson, ApiPath, AppState, Caller};
use crate::registration::{self, Registration};
use crate::secrets;
use crate::storage::Broadcast;
use crate::storage::NewAccount;
use crate::storage::new_id;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(devices))
        .routes(routes!(revoke))
        .routes(routes!(put_keys, get_keys))
        .routes(routes!(delete_account))
}

/// Most devices an account may have signed in at once: a stolen password cannot fill the
/// devices table, and the device list stays short.
pub const MAX_DEVICES_PER_ACCOUNT: u32 = 50;

/// Largest key bundle.
const MAX_BUNDLE_BYTES: usize = 256 * 1024;

/// Replaces the account's key bundle (sealed on the device with a key the server never sees).
#[utoipa::path(put, path = "/v1/keys", tag = "accounts", security(("bearer" = [])),
    request_body = KeyBundle,
    responses((status = 204, description = "Stored"), SignedIn,
        (status = 507, description = "The account's storage quota is used up", body = ErrorBody)))]
async fn put_keys(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<KeyBundle>,
) -> Result<StatusCode, ApiError> {
    let bytes = secrets::decode(&body.bundle)
        .filter(|b| !b.is_empty() && b.len() <= MAX_BUNDLE_BYTES)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "bundle must be non-empty base64 of at most {MAX_BUNDLE_BYTES} bytes"
            ))
        })?;
    state
        .database
        .put_key_bundle(caller.user_id, bytes, state.now_text())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's sealed key bundle.
#[utoipa::path(get, path = "/v1/keys", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = KeyBundle), SignedIn))]
async fn get_keys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<KeyBundle>, ApiError> {
    let bundle = state
        .database
        .key_bundle(caller.user_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no key bundle stored yet"))?;
    Ok(Json(KeyBundle {
        bundle: secrets::encode(&bundle),
    }))
}

/// Deletes the caller's account and everything only it owned; the partner keeps the couple's
/// documents, and each partner keeps their local copy.
#[utoipa::path(delete, path = "/v1/account", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Deleted; the current relationship ended for the partner"), SignedIn))]
async fn delete_account(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    delete_everywhere(&state, &caller.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an account as `DELETE /v1/account` does — its payments stop renewing, its data goes,
/// its devices and its partner's are told — for the person themselves and for the operator
/// console (one deletion, whoever asks).
pub(crate) async fn delete_everywhere(state: &AppState, user_id: &str) -> Result<(), ApiError> {
    let (state, user_id) = (state.clone(), user_id.to_owned());
    super::to_completion(async move { delete_now(&state, &user_id).await }).await
}

/// [`delete_everywhere`]'s work, which must not stop between the deletion and its news.
async fn delete_now(state: &AppState, user_id: &str) -> Result<(), ApiError> {
    // What the person pays for must not keep charging a deleted account: it stops renewing at
    // the end of the paid period (recorded first, done right after, retried until done).
    if state.billing.is_some() {
        state
            .database
            .schedule_payer_cancellations(user_id.to_owned(), state.now_text())
            .await?;
    }
    let ended = state
        .database
        .delete_account(user_id.to_owned(), state.now_text())
        .await?;
    if let Some(billing) = state.billing.clone() {
        let storage = Arc::clone(&state.database);
        tokio::spawn(
            async move { crate::billing::actions::run_pending(&*storage, &billing).await },
        );
    }
    state
        .announce(Broadcast::AccountDeleted {
            user_id: user_id.to_owned(),
        })
        .await;
    if let Some((relationship, partners)) = ended {
        state
            .announce(Broadcast::RelationshipEnded {
                members: partners,
                relationship_id: relationship,
            })
            .await;
    }
    tracing::info!(user_id = %user_id, "account deleted");
    Ok(())
}

fn valid_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim();
    let shaped = email.len() >= 3
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if shaped {
        Ok(email.to_owned())
    } else {
        Err(ApiError::bad_request(format!(
            "{raw:?} is not an email address"
        )))
    }
}

fn valid_name(field: &str, raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "{field} must be 1 to 80 characters, without control characters"
        )));
    }
    Ok(name.to_owned())
}

fn auth_secret(raw: &str) -> Result<[u8; 32], ApiError> {
    secrets::decode_32(raw)
        .ok_or_else(|| ApiError::bad_request("auth_secret must be 32 bytes in base64"))
}

/// Creates an account and signs this device in.
#[utoipa::path(post, path = "/v1/accounts", tag = "accounts",
    request_body = SignupRequest,
    responses((status = 201, body = SessionResponse), Refusals,
        (status = 403, description = "Registration is closed, or invite-only and the sign-up code is missing, not valid or used up", body = ErrorBody),
        (status = 409, description = "The email or user id is taken", body = ErrorBody)))]
async fn signup(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    if state.registration == Registration::Closed {
        return Err(registration::closed());
    }
    let email = valid_email(&body.email)?;
    let name = body
        .name
        .as_deref()
        .map(|n| valid_name("name", n))
        .transpose()?;
    let device_name = valid_name("device_name", &body.device_name)?;
    let secret = auth_secret(&body.auth_secret)?;
    let salt = secrets::random_bytes::<16>();
    let (token, token_hash) = secrets::new_token();
    let user_id = match &body.user_id {
        Some(id) => id
            .parse::<together_core::ids::UserId>()
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .to_string(),
        None => new_id(),
    };
    let account = NewAccount {
        user_id,
        email,
        name,
        salt,
        secret_hash: secrets::secret_hash(&salt, &secret),
        device_id: new_id(),
        device_name,
        token_hash,
        now: state.now_text(),
    };
    let (user_id, device_id) = (account.user_id.clone(), account.device_id.clone());
    let email = account.email.clone();
    match state.registration {
        Registration::Open => state.database.create_account(account).await?,
        Registration::Closed => return Err(registration::closed()),
        Registration::InviteOnly => {
            let code = body
                .signup_code
                .as_deref()
                .and_then(registration::code_hash)
                .ok_or_else(registration::code_refused)?;
            state
                .database
                .create_account_with_code(account, code)
                .await?;
        }
    }
    // Where the account was made is known to it: sign-ins from there are never locked out by
    // someone else's failures.
    state
        .limiter
        .record_success(&email, address.as_deref(), Instant::now());
    tracing::info!(%user_id, "account created");
    Ok((
        StatusCode::CREATED,
        Json(SessionResponse {
            user_id,
            device_id,
            token,
        }),
    ))
}

/// Signs a device in.
#[utoipa::path(post, path = "/v1/sessions", tag = "accounts",
    request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), Refusals,
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 409, description = "Too many devices signed in; sign one out first", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins; try again later", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let email = valid_email(&body.email)?;
    let device_name = valid_name("device_name", &body.device_name)?;
    let secret = auth_secret(&body.auth_secret)?;
    let started = Instant::now();
    if let Some(wait) = state
        .limiter
        .retry_after(&email, address.as_deref(), started)
    {
        // The address, never the email: the log must not become a list of who tried to sign in.
        tracing::warn!(
            client = address.as_deref().unwrap_or("-"),
            "sign-in refused: too many failures"
        );
        state.metrics.login_limited();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many failed sign-ins; try again in {}",
                wait_in_words(wait)
            ),
        ));
    }
    let credentials = state.database.credentials(email.clone()).await?;
    let Some(credentials) = credentials
        .filter(|c| secrets::same(&secrets::secret_hash(&c.salt, &secret), &c.secret_hash))
    else {
        tracing::warn!(
            client = address.as_deref().unwrap_or("-"),
            "sign-in failed: wrong email or password"
        );
        state
            .limiter
            .record_failure(&email, address.as_deref(), started);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong email or password",
        ));
    };
    state
        .limiter
        .record_success(&email, address.as_deref(), started);
    let (token, token_hash) = secrets::new_token();
    let device_id = new_id();
    state
        .database
        .add_device(
            credentials.user_id.clone(),
            device_id.clone(),
            device_name,
            token_hash,
            state.now_text(),
            MAX_DEVICES_PER_ACCOUNT,
        )
        .await?;
    Ok(Json(SessionResponse {
        user_id: credentials.user_id,
        device_id,
        token,
    }))
}

/// A wait as a person reads it: seconds under two minutes, minutes above.
fn wait_in_words(wait: std::time::Duration) -> String {
    let seconds = wait.as_secs().max(1);
    if seconds < 120 {
        format!("{seconds} second(s)")
    } else {
        format!("{} minutes", seconds.div_ceil(60))
    }
}

/// Signs this device out.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), SignedIn))]
async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    super::to_completion(sign_out(state, caller.user_id, caller.device_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs `device_id` of `user_id` out, then tells every instance (its sockets close, tokens
/// checked a moment ago are forgotten). Run with [`super::to_completion`].
async fn sign_out(state: AppState, user_id: String, device_id: String) -> Result<(), ApiError> {
    state
        .database
        .revoke_device(user_id.clone(), device_id.clone(), state.now_text())
        .await?;
    state
        .announce(Broadcast::DeviceSignedOut { user_id, device_id })
        .await;
    Ok(())
}

/// The account's signed-in devices.
#[utoipa::path(get, path = "/v1/devices", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<DeviceInfo>), SignedIn))]
async fn devices(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    let rows = state.database.devices(caller.user_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| DeviceInfo {
                current: d.device_id == caller.device_id,
                device_id: d.device_id,
                name: d.name,
                created_at: d.created_at,
                last_seen_at: d.last_seen_at,
            })
            .collect(),
    ))
}

/// Signs one of the account's devices out (its live socket closes at once).
#[utoipa::path(delete, path = "/v1/devices/{device_id}", tag = "accounts", security(("bearer" = [])),
    params(("device_id" = String, Path, description = "The device")),
    responses((status = 204, description = "Signed out"), SignedIn))]
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(device_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    super::to_completion(sign_out(state, caller.user_id, device_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use std::time::Duration;

    use super::*;
    use crate::http::test_state::state_with_account;

    /// The client of a sign-out goes away while the server revokes: the revocation the database
    /// commits is still told (the token checked a moment ago is forgotten), not left for a retry
    /// that would find nothing to revoke.
    #[tokio::test]
    async fn a_sign_out_whose_request_is_dropped_is_still_told() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_account(dir.path()).await;
        let now = state.now();
        let generation = state.tokens.get(&[3; 32], now).unwrap_err();
        state
            .tokens
            .remember(generation, [3; 32], "alice", "phone", now);
        let caller = Caller {
            user_id: "alice".into(),
            device_id: "phone".into(),
        };
        // Polled once (the revocation under way), then dropped: its client went away.
        let mut request = Box::pin(logout(State(state.clone()), caller));
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(request.as_mut().poll(&mut context).is_pending());
        drop(request);

        let told = tokio::time::timeout(Duration::from_secs(10), async {
            while !state.tokens.is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(told.is_ok(), "the token checked a moment ago is forgotten");
        assert_eq!(
            state.database.devices("alice".into()).await.unwrap().len(),
            0,
            "and the device is signed out"
        );
    }
}
