//! Live push: one WebSocket per device; the server says which documents have new entries, and the
//! device pulls them. Who hears of an entry is decided when it is committed (the document's owner,
//! or the relationship's members at that moment, see [`crate::hub`]), so a partner who leaves stops
//! hearing at once and another couple never hears anything.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use together_core::wire::LiveMessage;

use super::{AppState, Caller};
use crate::hub::News;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/live", get(upgrade))
}

async fn upgrade(State(state): State<AppState>, caller: Caller, ws: WebSocketUpgrade) -> Response {
    // Only small JSON lines travel here: small buffers keep 10,000 idle sockets cheap.
    ws.read_buffer_size(LIVE_BUFFER_BYTES)
        .write_buffer_size(LIVE_BUFFER_BYTES)
        .max_message_size(MAX_INCOMING_BYTES)
        .on_upgrade(move |socket| serve(socket, state, caller))
}

/// Read and write buffer of a live socket.
const LIVE_BUFFER_BYTES: usize = 4 * 1024;
/// Devices only send pings and a close on this socket.
const MAX_INCOMING_BYTES: usize = 64 * 1024;

async fn serve(mut socket: WebSocket, state: AppState, caller: Caller) {
    let subscription = state.hub.subscribe(&caller.user_id, &caller.device_id);
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
                        News::NewEntries(doc_id, latest_seq) => {
                            LiveMessage::NewEntries { doc_id, latest_seq }
                        }
                        News::RelationshipEnded(relationship_id) => {
                            LiveMessage::RelationshipEnded { relationship_id }
                        }
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
