//! The storage backend the conformance tests run against: SQLite in a temporary directory by
//! default; PostgreSQL when `TOGETHER_TEST_DATABASE_URL` names a server (`scripts/pg.sh` starts a
//! private one), with a fresh database per test, dropped afterwards. Every test written against
//! `Arc<dyn Storage>` (and every API test started with `common::start_with`) runs unchanged on
//! both.

use std::sync::Arc;

use together_server::secrets::SecretText;
use together_server::storage::{PostgresStorage, SqliteStorage, Storage};

/// The PostgreSQL server the tests use, if any (a URL to one of its databases).
pub fn server_url() -> Option<String> {
    std::env::var("TOGETHER_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A fresh PostgreSQL database for one test, dropped (best effort) when this is dropped.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    name: String,
    server: String,
}

impl TestDatabase {
    /// Creates `t_<random>` on the test server.
    pub async fn create(server: &str) -> Self {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
            .await
            .expect("cannot reach TOGETHER_TEST_DATABASE_URL");
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        drop(client);
        let _ = driver.await;
        Self {
            url: with_database(server, &name),
            name,
            server: server.to_owned(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop may run inside the test's runtime: a runtime of its own, on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&server, tokio_postgres::NoTls).await
                {
                    let driver = tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    drop(client);
                    let _ = driver.await;
                }
            });
        })
        .join();
    }
}

/// A fresh PostgreSQL database URL for a server under test, when the tests run on PostgreSQL.
pub async fn fresh_database() -> Option<TestDatabase> {
    match server_url() {
        Some(server) => Some(TestDatabase::create(&server).await),
        None => None,
    }
}

/// Keeps a test's database alive (and removes it afterwards).
pub struct Backend {
    _dir: Option<tempfile::TempDir>,
    _database: Option<TestDatabase>,
}

/// A fresh, empty, migrated storage for one test.
pub async fn storage() -> (Backend, Arc<dyn Storage>) {
    if let Some(database) = fresh_database().await {
        let storage = PostgresStorage::open(&SecretText::new(database.url.clone()))
            .await
            .unwrap();
        return (
            Backend {
                _dir: None,
                _database: Some(database),
            },
            Arc::new(storage),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("server.sqlite3")).unwrap();
    (
        Backend {
            _dir: Some(dir),
            _database: None,
        },
        Arc::new(storage),
    )
}

#[test]
fn a_database_name_is_replaced_and_the_rest_kept() {
    assert_eq!(
        with_database("postgres://u:p@127.0.0.1:5/postgres", "t_1"),
        "postgres://u:p@127.0.0.1:5/t_1"
    );
    assert_eq!(
        with_database("postgresql://u@h/db?sslmode=disable", "t_2"),
        "postgresql://u@h/t_2?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://u@h:1", "t_3"),
        "postgres://u@h:1/t_3"
    );
}
