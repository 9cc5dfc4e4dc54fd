//! The instance's ear: a connection of its own (outside the pool) that runs
//! `LISTEN together_news` and passes every notification sealed by an instance
//! ([`super::news_key`]) on as [`Heard::News`]. When the connection
//! drops (PostgreSQL restarted, the network failed), it reconnects with backoff and, once it
//! listens again, sends [`Heard::Gap`] once: news sent meanwhile was lost, so the local devices
//! pull everything. The task ends when the receiver is dropped.

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_postgres::{AsyncMessage, NoTls};

use super::instance::CHANNEL;
use super::news_key::NewsKey;
use crate::storage::StorageError;
use crate::storage::instance::{Envelope, Heard};

/// The longest wait between two tries to reconnect.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Connects and listens once (so a database that cannot be reached is an error at start), then
/// keeps listening in a task.
pub(super) async fn start(
    config: tokio_postgres::Config,
    key: NewsKey,
) -> Result<UnboundedReceiver<Heard>, StorageError> {
    let (sender, receiver) = unbounded_channel();
    let first = listen_once(&config, &key, &sender).await?;
    tokio::spawn(async move {
        let mut session = Some(first);
        let mut backoff = Duration::from_millis(100);
        loop {
            if let Some(session) = session.take() {
                tokio::select! {
                    () = session => {}
                    () = sender.closed() => return,
                }
                tracing::warn!("the database's notifications stopped; reconnecting");
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = sender.closed() => return,
            }
            match listen_once(&config, &key, &sender).await {
                Ok(next) => {
                    backoff = Duration::from_millis(100);
                    tracing::info!("listening to the database's notifications again");
                    if sender.send(Heard::Gap).is_err() {
                        return;
                    }
                    session = Some(next);
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot listen to the database's notifications yet");
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    });
    Ok(receiver)
}

/// Connects, runs `LISTEN`, and returns the future that forwards notifications until the
/// connection ends.
async fn listen_once(
    config: &tokio_postgres::Config,
    key: &NewsKey,
    sender: &UnboundedSender<Heard>,
) -> Result<impl Future<Output = ()> + Send + use<>, StorageError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let key = key.clone();
    let (notes, mut heard) = unbounded_channel::<Envelope>();
    // The connection must be polled for `LISTEN` to complete, and for notifications after it.
    let driver = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(note)) if note.channel() == CHANNEL => {
                    let Some(json) = key.open(note.payload()) else {
                        tracing::warn!("a notification not sealed by an instance, dropped");
                        continue;
                    };
                    match serde_json::from_str::<Envelope>(json) {
                        Ok(envelope) => {
                            if notes.send(envelope).is_err() {
                                return;
                            }
                        }
                        Err(error) => tracing::warn!(%error, "an unreadable notification"),
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "the notifications connection failed");
                    return;
                }
            }
        }
    });
    if let Err(error) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
        driver.abort();
        return Err(error.into());
    }
    let sender = sender.clone();
    Ok(async move {
        // The client stays alive as long as the session: dropping it would close the connection.
        let _client = client;
        while let Some(envelope) = heard.recv().await {
            if sender.send(Heard::News(envelope)).is_err() {
                break;
            }
        }
        driver.abort();
    })
}
