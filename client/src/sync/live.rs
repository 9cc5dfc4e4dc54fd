//! The live socket (`GET /v1/live`): the server's news about the documents this device can reach,
//! one [`LiveMessage`] at a time. The watcher acts on each with [`Session::receive`]; benches and
//! tests open it the same way, so they measure and check the app's own path.

use std::time::Duration;

use futures_util::StreamExt;
use together_core::wire::LiveMessage;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::{Result, Session, SyncError};

/// The largest live message a device accepts. The server sends small JSON lines, with at most
/// 8 KiB of sealed entries carried (base64 in JSON); anything larger is not news but a fault.
const MAX_LIVE_MESSAGE_BYTES: usize = 256 * 1024;
/// How long opening the socket may take (a server behind a black hole must not hold the watcher).
const CONNECT_WAIT: Duration = Duration::from_secs(15);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An open live socket.
pub struct LiveSocket {
    socket: Socket,
}

impl std::fmt::Debug for LiveSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSocket").finish_non_exhaustive()
    }
}

impl LiveSocket {
    /// The next message; `None` once the socket closed (or broke). A text line this device does
    /// not understand (news from a newer server) is skipped.
    pub async fn next(&mut self) -> Option<LiveMessage> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => {
                    if let Ok(message) = serde_json::from_str::<LiveMessage>(&text) {
                        return Some(message);
                    }
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }
}

impl Session<'_> {
    /// Opens this device's live socket.
    pub async fn connect_live(&self) -> Result<LiveSocket> {
        // Small entries ride in the news itself (protocol version 2; older servers ignore it).
        let url = format!(
            "{}/v1/live?entries=true",
            self.api.base().replacen("http", "ws", 1)
        );
        let mut request = url
            .into_client_request()
            .map_err(|e| SyncError::Config(e.to_string()))?;
        let token = self.secrets.get(super::keys::TOKEN)?.unwrap_or_default();
        let header = format!("Bearer {token}")
            .parse()
            .map_err(|_| SyncError::Config("bad token".into()))?;
        request.headers_mut().insert("authorization", header);
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_LIVE_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_LIVE_MESSAGE_BYTES));
        let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
        let (socket, _) = tokio::time::timeout(CONNECT_WAIT, connecting)
            .await
            .map_err(|_| SyncError::Offline("the live socket did not open in time".into()))?
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Ok(LiveSocket { socket })
    }
}
