//! The real server on an ephemeral loopback port, over real HTTP.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::time::Duration;

use together_server::Config;
use together_server::http::Health;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

struct Running {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), together_server::ServerError>>,
    _dir: tempfile::TempDir,
    _database: Option<common::backend::TestDatabase>,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // On the backend the tests run on (PostgreSQL when TOGETHER_TEST_DATABASE_URL is set).
    let database = common::backend::fresh_database().await;
    let config = Config {
        listen: address,
        data_dir: dir.path().join("server-data"),
        database_url: database.as_ref().map(|d| d.url.as_str().into()),
        ..Config::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(together_server::launch(config, listener, async {
        let _ = stopped.await;
    }));
    Running {
        base: format!("http://{address}"),
        stop,
        task,
        _dir: dir,
        _database: database,
    }
}

/// An HTTP client for the tests. The workspace enables reqwest's TLS without a built-in crypto
/// provider (the device picks rustls' ring provider), so the tests install it too.
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn healthz_reports_ok_version_and_database() {
    let server = start().await;
    let response = http()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "health is JSON"
    );
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.database, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    // SQLite's file is in the data directory; on PostgreSQL the server writes nothing there.
    let sqlite_file = server._dir.path().join("server-data/server.sqlite3");
    assert_eq!(sqlite_file.is_file(), server._database.is_none());
    server.stop.send(()).unwrap();
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() {
    let server = start().await;
    let response = http()
        .get(format!("{}/no/such/thing", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "no such endpoint");
    server.stop.send(()).unwrap();
}

#[tokio::test]
async fn shutdown_finishes_and_frees_the_port() {
    let server = start().await;
    let address = server.base.trim_start_matches("http://").to_owned();
    http()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    server.stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server.task)
        .await
        .expect("the server stops promptly")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(
        http()
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .is_err(),
        "nothing answers after shutdown"
    );
}

#[tokio::test]
async fn a_data_dir_that_cannot_be_created_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = Config {
        listen: listener.local_addr().unwrap(),
        data_dir: blocker.join("server-data"),
        ..Config::default()
    };
    let error = together_server::launch(config, listener, std::future::pending())
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot create the data directory"),
        "{error}"
    );
}
