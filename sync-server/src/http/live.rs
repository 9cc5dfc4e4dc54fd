//! Live push: one WebSocket per device; the server says which documents have new entries, and the
//! device pulls them. Access is checked for every message, so a partner who leaves stops hearing at
//! once, and another couple never hears anything.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use together_core::wire::LiveMessage;
use tokio::sync::broadcast;

use super::{AppState, Caller};
use crate::storage::DocAccess;

/// A document gained entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocEvent {
    /// The document.
    pub doc_id: String,
    /// Its newest seq.
    pub latest_seq: i64,
}

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/live", get(upgrade))
}

async fn upgrade(State(state): State<AppState>, caller: Caller, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve(socket, state, caller))
}

async fn serve(mut socket: WebSocket, state: AppState, caller: Caller) {
    let mut events = state.events.subscribe();
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            event = events.recv() => {
                let message = match event {
                    Ok(event) => match may_hear(&state, &caller, &event).await {
                        Ok(true) => LiveMessage::NewEntries { doc_id: event.doc_id, latest_seq: event.latest_seq },
                        Ok(false) => continue,
                        Err(error) => {
                            tracing::warn!(%error, "live push: access check failed");
                            continue;
                        }
                    },
                    Err(broadcast::error::RecvError::Lagged(_)) => LiveMessage::Resync,
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
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

/// Whether the caller may reach the document (now, not when they connected).
async fn may_hear(
    state: &AppState,
    caller: &Caller,
    event: &DocEvent,
) -> Result<bool, crate::storage::StorageError> {
    match DocAccess::of(&event.doc_id) {
        Some(DocAccess::Owner(owner)) => Ok(owner == caller.user_id),
        Some(DocAccess::Relationship(relationship)) => {
            state
                .database
                .is_member(relationship, caller.user_id.clone())
                .await
        }
        None => Ok(false),
    }
}
