//! Staying in sync: a live WebSocket tells the device when the partner's changes arrive, and the
//! device pulls only the document named ([`Session::receive`]); a save goes up at once, alone
//! ([`Session::push_outbox`]), nudged by the store that saved it; a full sync runs when the socket
//! (re)opens, now and then while live, and every few seconds while the socket is down.

use std::future::Future;
use std::time::Duration;

use together_core::wire::LiveMessage;

use super::live::LiveSocket;
use super::{Blocked, Result, Session, SyncError, SyncReport};

/// How often the outbox is looked at anyway (a cheap query): changes saved by another process
/// (the CLI beside the app) raise no nudge in this one.
const OUTBOX_CHECK: Duration = Duration::from_millis(500);
/// How often the server is polled (a full sync) while the live socket is down.
const POLL_EVERY: Duration = Duration::from_secs(15);
/// How often a full sync runs while the socket is live (snapshots, the entitlement, anything a
/// message could not say).
const FULL_SYNC_WHILE_LIVE: Duration = Duration::from_secs(300);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

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

/// What woke the watcher.
enum Work {
    /// Live news.
    News(LiveMessage),
    /// Local changes wait in the outbox.
    Upload,
    /// Time for a full sync.
    Everything,
    /// Nothing to do.
    Rest,
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
            // The socket first: news arriving during the sync below is heard, not missed.
            let socket = self.connect_live().await.ok();
            let result = self.sync().await;
            if report_sync(result, &mut on_event)? {
                backoff = Duration::from_secs(1);
                if socket.is_some() {
                    on_event(WatchEvent::Live);
                }
                if self.stay_in_sync(socket, &mut stop, &mut on_event).await? == Until::Stopped {
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

    /// Acts on whatever happens (live news, a save, the clocks) until `stop` resolves, or the
    /// server cannot be reached or refuses uploads.
    async fn stay_in_sync(
        &mut self,
        mut socket: Option<LiveSocket>,
        stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
        on_event: &mut impl FnMut(WatchEvent),
    ) -> Result<Until> {
        let mut poll = tokio::time::interval(POLL_EVERY);
        poll.tick().await;
        let mut last_full = tokio::time::Instant::now();
        let mut outbox = tokio::time::interval(OUTBOX_CHECK);
        let mut saved = crate::store::queued::subscribe();
        saved.mark_unchanged();
        loop {
            let work = tokio::select! {
                () = stop.as_mut() => return Ok(Until::Stopped),
                message = next_message(&mut socket) => match message {
                    Some(message) => Work::News(message),
                    None => {
                        // The socket closed: poll until it can be reopened.
                        socket = None;
                        Work::Rest
                    }
                },
                _ = poll.tick() => {
                    if socket.is_none() || last_full.elapsed() >= FULL_SYNC_WHILE_LIVE {
                        Work::Everything
                    } else {
                        Work::Rest
                    }
                }
                _ = saved.changed() => Work::Upload,
                _ = outbox.tick() => {
                    if self.store.outbox(1)?.is_empty() { Work::Rest } else { Work::Upload }
                }
            };
            let result = match work {
                Work::News(message) => Some(self.receive(&message).await),
                Work::Upload => Some(self.push_outbox().await),
                Work::Everything => Some(self.sync().await),
                Work::Rest => None,
            };
            if let Some(result) = result {
                if matches!(&result, Ok(report) if report.scope == super::SyncScope::Full) {
                    last_full = tokio::time::Instant::now();
                }
                if !report_sync(result, on_event)? {
                    return Ok(Until::BackingOff);
                }
            }
            if socket.is_none() {
                socket = self.connect_live().await.ok();
                if socket.is_some() {
                    // News may have been missed while the socket was down.
                    last_full = tokio::time::Instant::now();
                    if !report_sync(self.sync().await, on_event)? {
                        return Ok(Until::BackingOff);
                    }
                    on_event(WatchEvent::Live);
                }
            }
        }
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
async fn next_message(socket: &mut Option<LiveSocket>) -> Option<LiveMessage> {
    match socket {
        Some(live) => live.next().await,
        None => std::future::pending().await,
    }
}
