//! What the storage-level append tests share: accounts, a couple, append jobs, and the check that
//! a document's log holds exactly what was acknowledged.

use std::collections::BTreeMap;
use std::sync::Arc;

use together_server::secrets::SecretText;
use together_server::storage::{AppendJob, DocAccess, NewAccount, PostgresStorage, Storage};

use super::backend::{TestDatabase, fresh_database};

/// When the tests' accounts and appends happen.
pub const NOW: &str = "2026-11-29T12:00:00.000Z";
/// Past `NOW`: when invites expire, relationships end.
pub const LATER: &str = "2026-11-30T12:00:00.000Z";
/// A quota no test reaches unless it means to.
pub const QUOTA: u64 = 1 << 30;

/// A user id of the right shape, distinct per `n`.
pub fn user(n: usize) -> String {
    format!("0193a0f0-0000-7000-8000-{n:012}")
}

/// Creates account `id` with one device.
pub async fn account(db: &Arc<dyn Storage>, id: &str) {
    db.create_account(NewAccount {
        user_id: id.into(),
        email: format!("{id}@example.com"),
        name: None,
        salt: [1; 16],
        secret_hash: [2; 32],
        device_id: format!("dev-{id}"),
        device_name: "test".into(),
        token_hash: rand::random(),
        now: NOW.into(),
    })
    .await
    .unwrap();
}

/// Two accounts in one relationship; its id.
pub async fn couple(db: &Arc<dyn Storage>, a: &str, b: &str) -> String {
    let r = "0193a0f0-0000-7000-9000-000000000001".to_owned();
    db.create_relationship(r.clone(), a.into(), NOW.into())
        .await
        .unwrap();
    let secret: [u8; 32] = rand::random();
    db.create_invite(r.clone(), a.into(), secret, None, NOW.into(), LATER.into())
        .await
        .unwrap();
    db.redeem_invite(secret, b.into(), NOW.into())
        .await
        .unwrap();
    r
}

/// An append by `user` to `doc` of entries (id, ciphertext length), under quota `max`.
pub fn job(user: &str, doc: &str, entries: &[(&str, usize)], max: u64) -> AppendJob {
    AppendJob {
        doc_id: doc.into(),
        access: DocAccess::of(doc).unwrap(),
        user_id: user.into(),
        device_id: format!("dev-{user}"),
        entries: entries
            .iter()
            .map(|(id, len)| ((*id).to_owned(), vec![7; *len]))
            .collect(),
        now: NOW.into(),
        max_account_bytes: max,
    }
}

/// The log of `doc` as (seq, entry id), read by `user`.
pub async fn log(db: &Arc<dyn Storage>, user: &str, doc: &str) -> Vec<(i64, String)> {
    let (rows, more) = db
        .pull_entries(
            doc.into(),
            DocAccess::of(doc).unwrap(),
            user.into(),
            0,
            1000,
            usize::MAX,
        )
        .await
        .unwrap();
    assert!(!more);
    rows.into_iter().map(|r| (r.seq, r.entry_id)).collect()
}

/// Every acknowledged placement is in the log at its seq, and the log's seqs are 1..=n.
pub async fn check_log(
    db: &Arc<dyn Storage>,
    reader: &str,
    doc: &str,
    placed: &BTreeMap<String, i64>,
) {
    let log = log(db, reader, doc).await;
    let seqs: Vec<i64> = log.iter().map(|(seq, _)| *seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(placed.len()).unwrap()).collect();
    assert_eq!(seqs, expected, "{doc}: gapless, increasing from 1");
    for (seq, id) in &log {
        assert_eq!(
            placed.get(id),
            Some(seq),
            "{doc}: {id} acknowledged at its seq"
        );
    }
}

/// A fresh PostgreSQL database with one storage instance open on it, for a test that only means
/// something there; `None` on SQLite (the test says it is skipped and returns).
pub async fn postgres_only(test: &str) -> Option<(TestDatabase, Arc<PostgresStorage>)> {
    let Some(database) = fresh_database().await else {
        eprintln!("{test}: PostgreSQL only; skipped");
        return None;
    };
    let storage = PostgresStorage::open(&SecretText::new(database.url.clone()))
        .await
        .unwrap();
    Some((database, Arc::new(storage)))
}

/// A plain connection to the database at `url`, its driver running: what a test does beside the
/// server (holding rows, changing the database's settings).
pub async fn connect(
    url: &str,
) -> (
    tokio_postgres::Client,
    tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>,
) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    (client, tokio::spawn(connection))
}
