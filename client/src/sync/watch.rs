//! Staying in sync: a live WebSocket tells the device when the partner's changes arrive; local
//! changes go up as soon as they are saved; polling takes over while the socket is down.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use together_core::wire::LiveMessage;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{Blocked, Result, Session, SyncError, SyncReport};

/// How often local changes are looked for (a cheap query).
const OUTBOX_CHECK: Duration = Duration::from_millis(500);
/// How often the server is polled while the live socket is down.
const POLL_EVERY: Duration = Duration::from_secs(15);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What happened while watching, for a status indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// A sync finished (it may have changed nothing).
    Synced(SyncReport),
    /// The live socket is open: the partner's changes arrive as they happen.
    Live,
    /// The server cannot be reached (the reason, for logs); changes wait on the device.
    Offline(String),
    /// The server refuses uploads for now (its `Display` is the sentence for people); changes
    /// wait on the device and the watcher backs off as when offline.
    Blocked(Blocked),
}

impl Session<'_> {
    /// Syncs until `stop` resolves; calls `on_sync` after each sync that changed something. Being
    /// offline is not an error: the device keeps working and retries with backoff.
    pub async fn watch(
        &mut self,
        stop: impl Future<Output = ()>,
        mut on_sync: impl FnMut(&SyncReport),
    ) -> Result<()> {
        self.watch_with(stop, |event| {
            if let WatchEvent::Synced(report) = event
                && (report.moved() || report.blocked.is_some())
            {
                on_sync(&report);
            }
        })
        .await
    }

    /// Like [`Session::watch`], reporting every [`WatchEvent`] (the app's sync indicator).
    pub async fn watch_with(
        &mut self,
        stop: impl Future<Output = ()>,
        mut on_event: impl FnMut(WatchEvent),
    ) -> Result<()> {
        tokio::pin!(stop);
        let mut backoff = Duration::from_secs(1);
        loop {
            let result = self.sync().await;
            if report_sync(result, &mut on_event)? {
                backoff = Duration::from_secs(1);
                if self.stay_in_sync(&mut stop, &mut on_event).await? == Until::Stopped {
                    return Ok(());
                }
            }
            // Offline, or uploads refused for now: wait longer each time before trying again.
            tokio::select! {
                () = &mut stop => return Ok(()),
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Syncs whenever something happens (live news, a local change, the polling clock) until
    /// `stop` resolves, or the server cannot be reached or refuses uploads.
    async fn stay_in_sync(
        &mut self,
        stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
        on_event: &mut impl FnMut(WatchEvent),
    ) -> Result<Until> {
        let mut socket = self.connect_live().await.ok();
        if socket.is_some() {
            on_event(WatchEvent::Live);
        }
        let mut poll = tokio::time::interval(POLL_EVERY);
        poll.tick().await;
        let mut outbox = tokio::time::interval(OUTBOX_CHECK);
        loop {
            let wake = tokio::select! {
                () = stop.as_mut() => return Ok(Until::Stopped),
                message = next_message(&mut socket) => match message {
                    Some(_) => true,
                    None => {
                        // The socket closed: poll until it can be reopened.
                        socket = None;
                        false
                    }
                },
                _ = poll.tick() => true,
                _ = outbox.tick() => !self.store.outbox(1)?.is_empty(),
            };
            if wake && !report_sync(self.sync().await, on_event)? {
                return Ok(Until::BackingOff);
            }
            if socket.is_none() {
                socket = self.connect_live().await.ok();
                if socket.is_some() {
                    on_event(WatchEvent::Live);
                }
            }
        }
    }

    async fn connect_live(&self) -> Result<Socket> {
        let url = format!("{}/v1/live", self.api.base().replacen("http", "ws", 1));
        let mut request = url
            .into_client_request()
            .map_err(|e| SyncError::Config(e.to_string()))?;
        let token = self.secrets.get(super::keys::TOKEN)?.unwrap_or_default();
        let header = format!("Bearer {token}")
            .parse()
            .map_err(|_| SyncError::Config("bad token".into()))?;
        request.headers_mut().insert("authorization", header);
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Ok(socket)
    }
}

/// Why a watcher stopped syncing as usual.
#[derive(Debug, PartialEq, Eq)]
enum Until {
    /// It was asked to stop.
    Stopped,
    /// Offline or refused: it waits before trying again.
    BackingOff,
}

/// Reports a sync's outcome; answers whether the device may keep syncing as usual (`false`
/// when offline or when uploads are refused for now). Any other error ends the watch.
fn report_sync(result: Result<SyncReport>, on_event: &mut impl FnMut(WatchEvent)) -> Result<bool> {
    match result {
        Ok(report) => {
            let blocked = report.blocked;
            on_event(WatchEvent::Synced(report));
            match blocked {
                None => Ok(true),
                Some(blocked) => {
                    on_event(WatchEvent::Blocked(blocked));
                    Ok(false)
                }
            }
        }
        Err(SyncError::Offline(reason)) => {
            on_event(WatchEvent::Offline(reason));
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

/// The next live message; `None` once the socket is closed. Without a socket, never resolves.
async fn next_message(socket: &mut Option<Socket>) -> Option<LiveMessage> {
    let Some(live) = socket else {
        return std::future::pending().await;
    };
    loop {
        match live.next().await? {
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
