//! Live push: one WebSocket per device; the server says which documents have new entries, and the
//! device pulls them. Who hears of an entry is decided when it is committed (the document's owner,
//! or the relationship's members at that moment, see [`crate::hub`]), so a partner who leaves stops
//! hearing at once and another couple never hears anything.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use together_core::wire::{ErrorBody, LiveMessage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::SignedIn;
use super::{ApiError, AppState, Caller};
use crate::hub::{News, Subscription};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upgrade))
}

/// Query of the live socket.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LiveQuery {
    /// `true`: small appends' sealed entries travel inside `new_entries` (`entries`), sparing the
    /// pull (protocol version 2). Without it, news names the document and its newest seq only.
    entries: Option<bool>,
}

/// The live WebSocket: the server tells the device, as JSON text messages (`LiveMessage`), which
/// documents have new entries (with the small ones themselves when asked) and when a relationship
/// ended.
#[utoipa::path(get, path = "/v1/live", tag = "documents", security(("bearer" = [])), params(LiveQuery),
    responses((status = 101, description = "Switching to the WebSocket protocol"), SignedIn,
        (status = 400, description = "A query that is not understood", body = ErrorBody),
        (status = 405, description = "Not a GET", body = ErrorBody),
        (status = 426, description = "The connection cannot be upgraded", body = ErrorBody)))]
async fn upgrade(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<LiveQuery>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let carries = match query {
        Ok(Query(query)) => query.entries.unwrap_or(false),
        Err(rejection) => return ApiError::bad_request(rejection.body_text()).into_response(),
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => {
            return ApiError::new(
                rejection.status(),
                "open this as a WebSocket (Connection: upgrade, Upgrade: websocket)",
            )
            .into_response();
        }
    };
    // Only small JSON lines travel here: small buffers keep 10,000 idle sockets cheap.
    ws.read_buffer_size(LIVE_BUFFER_BYTES)
        .write_buffer_size(LIVE_BUFFER_BYTES)
        .max_message_size(MAX_INCOMING_BYTES)
        .on_upgrade(move |socket| serve(socket, state, caller, carries))
}

/// Read and write buffer of a live socket.
const LIVE_BUFFER_BYTES: usize = 4 * 1024;
/// Devices only send pings and a close on this socket (news carrying entries goes the other way).
const MAX_INCOMING_BYTES: usize = 64 * 1024;

/// Registers the caller's device with the hub for its live socket, or `None` if the device is no
/// longer signed in.
///
/// The bearer token was checked before the upgrade; the device may have been revoked (or the
/// account deleted) since, and that revocation's disconnect found no subscription to close. So
/// the device subscribes first and is then checked again: a revocation committed before the check
/// is seen by it, and one committed after it finds the subscription and closes it. No window
/// remains in which a revoked device keeps a socket.
async fn accept(state: &AppState, caller: &Caller, carries: bool) -> Option<Subscription> {
    let subscription = state
        .hub
        .subscribe(&caller.user_id, &caller.device_id, carries);
    match state.database.devices(caller.user_id.clone()).await {
        Ok(devices) if devices.iter().any(|d| d.device_id == caller.device_id) => {
            Some(subscription)
        }
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "live socket refused: the device could not be checked");
            None
        }
    }
}

async fn serve(mut socket: WebSocket, state: AppState, caller: Caller, carries: bool) {
    let Some(subscription) = accept(&state, &caller, carries).await else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            news = subscription.mailbox.next() => {
                let Some(news) = news else {
                    // Revoked or deleted: the device must sign in again.
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                };
                for news in news {
                    let message = match news {
                        News::NewEntries(doc_id, latest_seq, carried) => LiveMessage::NewEntries {
                            doc_id,
                            latest_seq,
                            entries: carried.entries().cloned().collect(),
                        },
                        News::RelationshipEnded(relationship_id) => {
                            LiveMessage::RelationshipEnded { relationship_id }
                        }
                        News::Resync => LiveMessage::Resync,
                    };
                    let Ok(text) = serde_json::to_string(&message) else { continue };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

    use super::*;
    use crate::http::test_state::state_with_account;

    fn phone() -> Caller {
        Caller {
            user_id: "alice".into(),
            device_id: "phone".into(),
        }
    }

    #[tokio::test]
    async fn a_device_revoked_after_its_token_was_checked_gets_no_live_socket() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_account(dir.path()).await;
        // The bearer token was checked (the `Caller` exists)...
        let caller = phone();
        // ...then the device is revoked, before its socket subscribes. The revoke's own
        // disconnect finds nobody to close.
        state
            .database
            .revoke_device(
                "alice".into(),
                "phone".into(),
                "2026-01-01T00:01:00.000Z".into(),
            )
            .await
            .unwrap();
        state.hub.disconnect_device("alice", "phone");

        let subscription = accept(&state, &caller, false).await;
        assert!(subscription.is_none(), "a revoked device was subscribed");
        assert_eq!(state.hub.connected(), 0, "nothing left registered");
    }

    /// Disabled in the console after its token was checked: the disabling's disconnect found no
    /// socket, so the check made after subscribing must refuse it (as after a gap in the news).
    #[tokio::test]
    async fn a_device_of_an_account_disabled_after_its_token_was_checked_gets_no_live_socket() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_account(dir.path()).await;
        let caller = phone();
        state
            .database
            .set_account_disabled("alice".into(), true)
            .await
            .unwrap();
        state.hub.disconnect_user("alice");

        assert!(accept(&state, &caller, false).await.is_none());
        assert_eq!(state.hub.connected(), 0);
    }

    #[tokio::test]
    async fn a_signed_in_device_is_subscribed_and_hears_news() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_account(dir.path()).await;
        let subscription = accept(&state, &phone(), false).await.unwrap();
        assert_eq!(state.hub.connected(), 1);
        state
            .hub
            .publish(&["alice".into()], "user-alice", 4, &Default::default());
        assert_eq!(
            subscription.mailbox.next().await,
            Some(vec![News::NewEntries(
                "user-alice".into(),
                4,
                Default::default()
            )])
        );
    }
}
