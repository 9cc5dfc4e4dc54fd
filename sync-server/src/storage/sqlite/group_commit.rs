//! Group commit for document appends: one writer thread takes every append waiting and commits
//! them in a single transaction, so many devices uploading at once share one `fsync` instead of
//! queueing for one each. Each append runs under its own savepoint: one refused upload (another
//! couple's document, say) is rolled back alone, and nobody is answered before the commit.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::documents::append_in;
use crate::storage::{AppendJob, Appended, StorageError};

/// Most appends committed together; bounds how long the first of them waits.
const MAX_BATCH: usize = 512;

/// An append waiting for the writer, with where its answer goes.
pub(super) type Pending = (AppendJob, oneshot::Sender<Result<Appended, StorageError>>);

/// Starts the writer thread; it ends when every sender (every `Database` clone) is gone.
pub(super) fn start(conn: Arc<Mutex<Connection>>) -> std::io::Result<Sender<Pending>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("together-appends".into())
        .spawn(move || run(&conn, &receiver))?;
    Ok(sender)
}

fn run(conn: &Mutex<Connection>, receiver: &Receiver<Pending>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let Ok(guard) = conn.lock() else {
            for (_, reply) in batch {
                let _ = reply.send(Err(StorageError::Poisoned));
            }
            continue;
        };
        commit(&guard, batch);
    }
}

/// Runs the batch in one transaction and answers every append after the commit.
fn commit(conn: &Connection, batch: Vec<Pending>) {
    let (jobs, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    match run_batch(conn, jobs) {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            tracing::error!(%error, "a batch of appends failed to commit");
            for reply in replies {
                let _ = reply.send(Err(StorageError::Batch(error.to_string())));
            }
        }
    }
}

pub(super) fn run_batch(
    conn: &Connection,
    jobs: Vec<AppendJob>,
) -> Result<Vec<Result<Appended, StorageError>>, rusqlite::Error> {
    // Cached like every statement of the batch: compiling these on each append showed in profiles.
    let run = |sql: &str| conn.prepare_cached(sql)?.execute([]).map(drop);
    run("BEGIN IMMEDIATE")?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        run("SAVEPOINT one_append")?;
        let outcome = append_in(conn, job);
        if outcome.is_err() {
            run("ROLLBACK TO one_append")?;
        }
        run("RELEASE one_append")?;
        outcomes.push(outcome);
    }
    run("COMMIT")?;
    Ok(outcomes)
}
