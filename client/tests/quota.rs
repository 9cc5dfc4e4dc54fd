//! The account's storage is full: the server answers appends with `507` and code
//! `quota_exceeded`. The device keeps its outbox (nothing deleted, attempts recorded), still
//! receives the partner's changes, says so (`"blocked": "quota_exceeded"`, a sentence), and
//! backs off instead of hammering the server; once space is freed, everything goes up.
//!
//! The real server runs behind a small proxy on loopback that plays the full account: it answers
//! appends with the server's quota refusal while `full` is set and forwards everything else.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use common::couple::{Replica, now};
use common::server::{Server, checkin, paired_through, secrets, server, sync};
use jiff::civil::date;
use together_client::sync::{Session, WatchEvent};
use together_core::document::CheckinInput;

/// The proxy's state: where the server is, whether the account is full, when appends came.
struct Proxy {
    backend: String,
    full: AtomicBool,
    appends: Mutex<Vec<Instant>>,
    http: reqwest::Client,
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if parts.method == Method::POST && parts.uri.path().ends_with("/entries") {
        proxy.appends.lock().unwrap().push(Instant::now());
        if proxy.full.load(Ordering::SeqCst) {
            let body = serde_json::json!({
                "error": "this account's storage is full",
                "code": "quota_exceeded",
            });
            return (StatusCode::INSUFFICIENT_STORAGE, axum::Json(body)).into_response();
        }
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let body = axum::body::to_bytes(body, 64 << 20).await.unwrap();
    let mut outgoing = proxy
        .http
        .request(parts.method, format!("{}{path}", proxy.backend))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing.send().await.unwrap();
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    response
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

/// The proxy in front of `server`, on `127.0.0.1:0`; answers its URL and state.
async fn proxy_for(server: &Server) -> (String, Arc<Proxy>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let proxy = Arc::new(Proxy {
        backend: server.url.clone(),
        full: AtomicBool::new(false),
        appends: Mutex::new(Vec::new()),
        http: reqwest::Client::new(),
    });
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, proxy)
}

fn on(day: i8, note: &str) -> CheckinInput {
    CheckinInput {
        date: date(2026, 11, day),
        ..checkin(7, note)
    }
}

fn outbox(replica: &Replica) -> Vec<(i64, Option<String>)> {
    let conn = rusqlite::Connection::open(replica.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT attempts, last_error FROM outbox ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn together(replica: &Replica, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(replica.dir.path())
        .args(args)
        .env("TOGETHER_SECRET_STORE", "file")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_account_keeps_changes_on_the_device_says_so_and_backs_off() {
    let real = server().await;
    let (url, proxy) = proxy_for(&real).await;
    let through_proxy = real.through(url);
    let (mut alice, mut bob) = paired_through(&through_proxy).await;
    bob.store.checkin(&on(24, "bob's news"), now()).unwrap();
    sync(&mut bob).await;

    proxy.full.store(true, Ordering::SeqCst);
    alice.store.checkin(&on(25, "kept here"), now()).unwrap();
    let waiting = outbox(&alice).len();
    assert!(waiting > 0);
    let report = sync(&mut alice).await;
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["blocked"], "quota_exceeded", "{json}");
    assert!(report.pulled > 0, "the partner's changes still arrive");
    let kept = outbox(&alice);
    assert_eq!(kept.len(), waiting, "nothing left the outbox");
    assert!(
        kept.iter().any(|(attempts, error)| *attempts >= 1
            && error.as_deref().is_some_and(|e| e.contains("507")))
    );

    // The CLI says so, in JSON and in words, without failing: the pull went through.
    let output = together(&alice, &["sync", "--json"]);
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["blocked"], "quota_exceeded");
    assert_eq!(json["quarantined"], 0);
    let output = together(&alice, &["sync"]);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("Your sync server's storage is full; your changes are kept on this device"),
        "{output:?}"
    );

    // Watching while full: the device reports it and backs off (each retry waits longer than
    // the one before) instead of retrying the upload every half second.
    proxy.appends.lock().unwrap().clear();
    let db = alice.db();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (events, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let watcher = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut alice = alice;
            let secrets = secrets(&alice);
            Session::resume(&mut alice.store, &secrets)
                .unwrap()
                .watch_with(
                    async {
                        let _ = stopped.await;
                    },
                    |event| {
                        let _ = events.send(event);
                    },
                )
                .await
        })
    });
    let mut blocked = 0;
    while blocked < 3 {
        match tokio::time::timeout(Duration::from_secs(30), heard.recv()).await {
            Ok(Some(WatchEvent::Blocked(reason))) => {
                assert_eq!(
                    reason.to_string(),
                    "Your sync server's storage is full; your changes are kept on this device"
                );
                blocked += 1;
            }
            Ok(Some(_)) => {}
            other => panic!("the watcher stopped reporting: {other:?}"),
        }
    }
    let attempts = proxy.appends.lock().unwrap().clone();
    assert!(attempts.len() >= 3, "{attempts:?}");
    for pair in attempts.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(900),
            "retried after {:?}",
            pair[1] - pair[0]
        );
    }

    // Space is freed: the changes waiting on the device go up.
    proxy.full.store(false, Ordering::SeqCst);
    let reader = rusqlite::Connection::open(&db).unwrap();
    let started = Instant::now();
    loop {
        let left: i64 = reader
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never uploaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(()).unwrap();
    watcher.join().unwrap().unwrap();
    sync(&mut bob).await;
    assert!(
        bob.table("daily_checkins")
            .iter()
            .any(|c| c["gratitude_note"] == "kept here")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_server_quota_blocks_uploads_and_the_device_keeps_them() {
    let server = common::server::server_with(|config| together_server::Config {
        max_account_bytes: 64 * 1024,
        ..config
    })
    .await;
    let mut alice = common::server::signed_up(&server, "alice@example.com", "Alice").await;
    alice.create_relationship();
    sync(&mut alice).await;
    // Long notes fill the account quickly.
    let note = "a long note ".repeat(150);
    let mut blocked = None;
    for day in 1..=60 {
        let input = CheckinInput {
            date: date(2026, 10, 1) + jiff::Span::new().days(day),
            ..checkin(5, &note)
        };
        alice.store.checkin(&input, now()).unwrap();
        let report = sync(&mut alice).await;
        if report.blocked.is_some() {
            blocked = report.blocked;
            break;
        }
    }
    assert_eq!(
        blocked,
        Some(together_client::sync::Blocked::QuotaExceeded),
        "never refused"
    );
    let kept = outbox(&alice);
    assert!(!kept.is_empty());
    assert!(kept.iter().any(|(attempts, _)| *attempts >= 1));
}
