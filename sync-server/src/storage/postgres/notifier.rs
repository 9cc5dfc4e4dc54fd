//! The instance's mouth: live news sent to the other instances as `NOTIFY together_news`, the news
//! waiting sent together. A notification is a transaction of its own (PostgreSQL gives it a
//! transaction id, so its commit is written to the WAL): one per append cost a WAL flush each.
//! Batched, the news waiting shares one transaction, committed without waiting for the flush
//! (`synchronous_commit = off` for it alone): news is about appends already committed and
//! durable, and news lost in a crash of the database is covered anyway, since every listener
//! then reconnects and reports a gap (its devices pull everything).

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use super::exec;
use super::group_commit::ask;
use super::instance::CHANNEL;
use crate::storage::StorageError;

/// Most notifications sent together.
const MAX_BATCH: usize = 512;

/// Most notifications waiting; the next wait for room.
const QUEUE: usize = 4 * MAX_BATCH;

/// A payload waiting, with where the outcome goes.
type Pending = (String, oneshot::Sender<Result<(), StorageError>>);

/// The way to the notifier task; cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct Notifier {
    queue: mpsc::Sender<Pending>,
}

impl Notifier {
    /// Starts the notifier task on the current runtime; it ends when every `Notifier` is gone.
    pub(super) fn start(pool: &Pool) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool.clone(), receiver));
        Self { queue }
    }

    /// Sends `payload` on the news channel; answers once its transaction committed.
    pub(super) async fn notify(&self, payload: String) -> Result<(), StorageError> {
        ask(&self.queue, payload).await
    }
}

async fn run(pool: Pool, mut receiver: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (payloads, replies): (Vec<String>, Vec<_>) = batch.drain(..).unzip();
        match send(&pool, &payloads).await {
            Ok(()) => {
                for reply in replies {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(error) if payloads.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(error));
                }
            }
            // One payload PostgreSQL refuses (too long, say) must not cost the others theirs.
            Err(_) => {
                for (payload, reply) in payloads.into_iter().zip(replies) {
                    let outcome = send(&pool, std::slice::from_ref(&payload)).await;
                    let _ = reply.send(outcome);
                }
            }
        }
    }
}

/// Sends `payloads` in one transaction.
async fn send(pool: &Pool, payloads: &[String]) -> Result<(), StorageError> {
    let mut client = pool
        .get()
        .await
        .map_err(|e| StorageError::Pool(e.to_string()))?;
    let tx = client.transaction().await?;
    tx.batch_execute("SET LOCAL synchronous_commit TO off")
        .await?;
    exec(
        &tx,
        "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
        &[&CHANNEL, &payloads],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
