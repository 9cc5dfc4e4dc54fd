//! A server state for unit tests of the handlers: SQLite in a temporary directory, with one
//! account (`alice`) whose device `phone` holds the token hashed to `[3; 32]`.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::sync::Arc;

use super::AppState;
use crate::storage::{Accounts, NewAccount, SqliteStorage};

/// The state, its database in `dir`.
pub(crate) async fn state_with_account(dir: &std::path::Path) -> AppState {
    let database = SqliteStorage::open(&dir.join("server.sqlite3")).unwrap();
    database
        .create_account(NewAccount::for_test("alice", "phone", [3; 32]))
        .await
        .unwrap();
    let (_, shutdown) = tokio::sync::watch::channel(false);
    AppState {
        database: Arc::new(database),
        limiter: Arc::default(),
        billing: None,
        trusted_proxies: Arc::new([]),
        max_account_bytes: 1,
        hub: Arc::default(),
        clock: Arc::new(crate::clock::SystemClock),
        active_weeks: Arc::default(),
        origin: "test".into(),
        shutdown,
        metrics: Arc::default(),
        registration: crate::registration::Registration::Open,
        tokens: Arc::default(),
    }
}
