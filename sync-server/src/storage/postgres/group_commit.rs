//! Group commit for document appends on PostgreSQL: a few writer tasks, each taking every append
//! waiting for it and committing them in one transaction on one pooled connection
//! ([`super::batch`] decides, [`super::batch_transaction`] reads and writes), so many devices
//! uploading at once share a handful of statements and one WAL flush instead of a transaction
//! each. Nobody is answered before the commit returns
//! (`synchronous_commit` stays as configured: on by default).
//!
//! A writer remembers its documents' latest seqs; when it knows every document of a batch and its
//! assumptions accept every append, the batch is one statement ([`super::batch_predicted`]), and
//! if that is rolled back (an assumption did not hold, or anything else failed) the batch runs
//! the way that reads first, as below; after a failure other than an assumption, that writer
//! reads first only, for a while ([`PAUSE_AFTER_FAILURE`]).
//!
//! A document always goes to the same writer (its id hashed), so one document's appends stay in
//! arrival order. Writers of this instance and of other instances lock in one global order and
//! wait for each other; should PostgreSQL still report a deadlock or a serialization failure,
//! the batch is run again (a few times). Any other failure of the batch's transaction runs its
//! appends one by one, each in a transaction of its own, so one append the batch cannot take
//! (its account deleted meanwhile, say) fails alone.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_postgres::error::SqlState;

use super::batch::Outcome;
use super::documents::append_alone;
use super::{batch_predicted, batch_transaction};
use crate::storage::{AppendJob, Appended, GroupCommitWays, StorageError};

/// Most appends committed together; bounds how long the first of them waits.
const MAX_BATCH: usize = 512;

/// Writer tasks (each with one connection at a time from the pool).
pub(super) const WRITERS: usize = 2;

/// Most appends waiting for one writer; the next wait for room (back-pressure on uploads).
const QUEUE: usize = 4 * MAX_BATCH;

/// How many times a batch runs when PostgreSQL reports a deadlock or serialization failure.
const ATTEMPTS: usize = 4;

/// An append waiting for a writer, with where its answer goes.
type Pending = (AppendJob, oneshot::Sender<Outcome>);

/// Most documents a writer remembers the latest seq of; past it, it starts again from none (each
/// then costs one batch that reads first).
const KNOWN_DOCUMENTS: usize = 65_536;

/// How this instance's writers have committed their batches so far, since it started (read as a
/// [`GroupCommitWays`], the same names): what an operator (and a test) looks at to see the
/// one-statement way taken.
#[derive(Debug, Default)]
pub(super) struct BatchWays {
    /// Batches committed in one statement, on what the writer knew.
    one_statement: AtomicU64,
    /// Batches whose one-statement run was rolled back because an assumption did not hold (a
    /// document another instance wrote to, a relationship ended, an account gone or at its quota,
    /// an entry sent again), then read first.
    assumed_wrong: AtomicU64,
    /// Batches whose one-statement run failed for another reason (the connection, say), then read
    /// first.
    failed: AtomicU64,
    /// Batches committed after reading the facts first: the writer knew none of a document, or
    /// its assumptions would refuse an append, or they did not hold.
    read_first: AtomicU64,
    /// Batches that failed as a whole and ran one append at a time.
    one_by_one: AtomicU64,
}

impl BatchWays {
    /// The counts as they are now.
    pub(super) fn snapshot(&self) -> GroupCommitWays {
        GroupCommitWays {
            one_statement: self.one_statement.load(Ordering::Relaxed),
            assumed_wrong: self.assumed_wrong.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            read_first: self.read_first.load(Ordering::Relaxed),
            one_by_one: self.one_by_one.load(Ordering::Relaxed),
        }
    }
}

/// How long a writer goes the reading way after the one-statement way failed for a reason other
/// than an assumption (a connection lost, the function missing or refused): such a failure tends
/// to repeat, and each try would cost a failed call and a log line.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// What a writer may assume: the latest seq of the documents it committed or read, as of its last
/// batch (right unless another instance appended since, which the batch checks), unless the
/// one-statement way is paused after a failure.
#[derive(Debug, Default)]
struct KnownSeqs {
    latest: HashMap<String, i64>,
    paused_until: Option<Instant>,
}

impl KnownSeqs {
    /// Each of the batch's documents' latest seq, if the writer knows every one (and the
    /// one-statement way is not paused).
    fn of(&self, jobs: &[AppendJob]) -> Option<HashMap<String, i64>> {
        if self
            .paused_until
            .is_some_and(|until| Instant::now() < until)
        {
            return None;
        }
        jobs.iter()
            .map(|job| Some((job.doc_id.clone(), *self.latest.get(&job.doc_id)?)))
            .collect()
    }

    /// What a committed batch read or wrote.
    fn learn(&mut self, latest: HashMap<String, i64>) {
        if self.latest.len() + latest.len() > KNOWN_DOCUMENTS {
            self.latest.clear();
        }
        self.latest.extend(latest);
    }

    /// The one-statement way failed on its own: the reading way only, for a while.
    fn pause(&mut self) {
        self.paused_until = Some(Instant::now() + PAUSE_AFTER_FAILURE);
    }

    /// A batch failed: what it assumed of its documents is in doubt.
    fn forget(&mut self, jobs: &[AppendJob]) {
        for job in jobs {
            self.latest.remove(&job.doc_id);
        }
    }
}

/// The way to the writers; cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct Writers {
    queues: Vec<mpsc::Sender<Pending>>,
    /// How their batches went.
    pub(super) ways: Arc<BatchWays>,
}

impl Writers {
    /// Starts the writer tasks on the current runtime; they end when every `Writers` is gone.
    pub(super) fn start(pool: &Pool) -> Self {
        let ways = Arc::new(BatchWays::default());
        let queues = (0..WRITERS)
            .map(|_| {
                let (sender, receiver) = mpsc::channel(QUEUE);
                tokio::spawn(run(pool.clone(), receiver, ways.clone()));
                sender
            })
            .collect();
        Self { queues, ways }
    }

    /// Appends through the writer of `job`'s document; answers once its batch committed.
    pub(super) async fn append(&self, job: AppendJob) -> Result<Appended, StorageError> {
        let mut hasher = DefaultHasher::new();
        job.doc_id.hash(&mut hasher);
        let count = u64::try_from(self.queues.len()).unwrap_or(1).max(1);
        let index = usize::try_from(hasher.finish() % count).unwrap_or(0);
        let queue = self.queues.get(index).ok_or(StorageError::WriterGone)?;
        ask(queue, job).await
    }
}

/// Queues `item` for a background task (a writer, the notifier) and waits for its answer; a task
/// that has ended is [`StorageError::WriterGone`].
pub(super) async fn ask<T, R>(
    queue: &mpsc::Sender<(T, oneshot::Sender<Result<R, StorageError>>)>,
    item: T,
) -> Result<R, StorageError> {
    let (reply, answer) = oneshot::channel();
    queue
        .send((item, reply))
        .await
        .map_err(|_| StorageError::WriterGone)?;
    answer.await.map_err(|_| StorageError::WriterGone)?
}

/// One writer: takes what is waiting (up to [`MAX_BATCH`]), commits it, answers, again.
async fn run(pool: Pool, mut receiver: mpsc::Receiver<Pending>, ways: Arc<BatchWays>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut seqs = KnownSeqs::default();
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (jobs, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let outcomes = commit(&pool, jobs, &mut seqs, &ways).await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // The caller may have gone (its request cancelled): the append stands.
            let _ = reply.send(outcome);
        }
    }
}

/// Commits the batch in one transaction: in one round trip when the writer knows every document's
/// latest seq ([`batch_predicted`]), else (or when that guessed wrong) reading first, retried on
/// deadlock; failing that, one by one.
async fn commit(
    pool: &Pool,
    jobs: Vec<AppendJob>,
    seqs: &mut KnownSeqs,
    ways: &BatchWays,
) -> Vec<Outcome> {
    let decided = seqs
        .of(&jobs)
        .and_then(|latest| batch_predicted::decide(&jobs, latest));
    if let Some(decided) = decided {
        match once(pool, &jobs, Some(decided)).await {
            Ok((outcomes, latest)) => {
                ways.one_statement.fetch_add(1, Ordering::Relaxed);
                seqs.learn(latest);
                return outcomes;
            }
            Err(StorageError::Postgres(error)) if batch_predicted::assumed_wrong(&error) => {
                ways.assumed_wrong.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%error, "a batch's assumptions did not hold; reading first");
            }
            // No connection to be had: nothing ran, and the reading way needs one too.
            Err(error @ StorageError::Pool(_)) => {
                ways.failed.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%error, "no connection for a one-statement batch; reading first");
            }
            Err(error) => {
                ways.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    %error,
                    "a one-statement batch failed; reading first, and only so for {} s",
                    PAUSE_AFTER_FAILURE.as_secs()
                );
                seqs.pause();
            }
        }
        seqs.forget(&jobs);
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match once(pool, &jobs, None).await {
            Ok((outcomes, latest)) => {
                ways.read_first.fetch_add(1, Ordering::Relaxed);
                seqs.learn(latest);
                return outcomes;
            }
            Err(error) if attempt < ATTEMPTS && retryable(&error) => {
                tracing::info!(%error, attempt, "a batch of appends met another; running it again");
            }
            Err(error) => {
                tracing::warn!(%error, size = jobs.len(), "a batch of appends failed; running them one by one");
                break;
            }
        }
    }
    ways.one_by_one.fetch_add(1, Ordering::Relaxed);
    seqs.forget(&jobs);
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut client = match pool.get().await {
            Ok(client) => client,
            Err(error) => {
                outcomes.push(Err(StorageError::Pool(error.to_string())));
                continue;
            }
        };
        outcomes.push(append_alone(&mut client, job).await);
    }
    outcomes
}

/// One run of the batch in a transaction of its own: in one round trip on `latest`
/// ([`batch_predicted`]), or reading first ([`batch_transaction`]). On failure the transaction is
/// rolled back before the connection goes back to the pool; a connection that cannot even do
/// that is dropped from the pool.
async fn once(
    pool: &Pool,
    jobs: &[AppendJob],
    decided: Option<batch_predicted::Decided>,
) -> Result<(Vec<Outcome>, HashMap<String, i64>), StorageError> {
    let client = pool
        .get()
        .await
        .map_err(|e| StorageError::Pool(e.to_string()))?;
    let guard = Unfinished(Some(client));
    let Some(client) = guard.0.as_ref() else {
        return Err(StorageError::WriterGone);
    };
    let in_one_statement = decided.is_some();
    let outcome = match decided {
        Some(decided) => batch_predicted::write(client, jobs, decided).await,
        None => batch_transaction::run(client, jobs).await,
    };
    let rolled_back = match &outcome {
        Ok(_) => true,
        // One statement is its own transaction: it ended with its error.
        Err(_) if in_one_statement => true,
        // Outside a transaction (the pipelined COMMIT already ended it) this is a warning.
        Err(_) => client.batch_execute("ROLLBACK").await.is_ok(),
    };
    if rolled_back {
        guard.finish();
    }
    outcome.map_err(StorageError::from)
}

/// A connection inside a batch's transaction: unless [`Unfinished::finish`]ed (committed, or
/// rolled back), it is dropped from the pool rather than handed to the next user mid-transaction
/// (a panic or a cancelled future between `BEGIN` and `COMMIT`).
struct Unfinished(Option<Object>);

impl Unfinished {
    /// The transaction ended: the connection goes back to the pool.
    fn finish(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}

/// A deadlock or serialization failure: PostgreSQL rolled the transaction back, nothing of it
/// stands, and running it again may succeed.
fn retryable(error: &StorageError) -> bool {
    match error {
        StorageError::Postgres(error) => matches!(
            error.code(),
            Some(code) if *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::DocAccess;

    fn job(doc: &str) -> AppendJob {
        AppendJob {
            doc_id: doc.into(),
            access: DocAccess::Owner("u".into()),
            user_id: "u".into(),
            device_id: "d".into(),
            entries: Vec::new(),
            now: "2026-01-01T00:00:00.000Z".into(),
            max_account_bytes: 1,
        }
    }

    #[test]
    fn a_paused_writer_assumes_again_once_the_pause_is_over() {
        let mut seqs = KnownSeqs::default();
        seqs.learn(HashMap::from([("a".to_owned(), 3)]));
        let known = Some(HashMap::from([("a".to_owned(), 3)]));
        assert_eq!(seqs.of(&[job("a")]), known);
        assert_eq!(seqs.of(&[job("a"), job("b")]), None, "b unknown");
        seqs.pause();
        assert_eq!(seqs.of(&[job("a")]), None, "paused");
        let until = seqs.paused_until.unwrap_or_else(Instant::now);
        assert!(until >= Instant::now() + PAUSE_AFTER_FAILURE - Duration::from_secs(1));
        // The pause over (its end moved to now, rather than waiting a minute).
        seqs.paused_until = Some(Instant::now());
        assert_eq!(
            seqs.of(&[job("a")]),
            known,
            "what it knew, kept through the pause"
        );
        seqs.forget(&[job("a")]);
        assert_eq!(seqs.of(&[job("a")]), None, "forgotten");
    }
}
