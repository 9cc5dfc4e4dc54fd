//! The `together-server` binary as an operator runs it: flags, environment, signals.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// An HTTP client for the tests. The workspace enables reqwest's TLS without a built-in crypto
/// provider (the device picks rustls' ring provider), so the tests install it too.
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_health(port: u16) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    loop {
        let result = runtime.block_on(async {
            http()
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await?
                .json::<serde_json::Value>()
                .await
        });
        match result {
            Ok(value) => return value,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("server did not answer: {error}"),
        }
    }
}

#[test]
fn serve_listens_where_told_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let admin_port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .arg("serve")
        .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
        .env("TOGETHER_LISTEN", format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let health = wait_for_health(port);
    assert_eq!(health["status"], "ok");
    assert!(dir.path().join("data/server.sqlite3").is_file());
    // The admin listener answers Prometheus on its own port.
    let metrics = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let response = http()
                .get(format!("http://127.0.0.1:{admin_port}/metrics"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        });
    assert!(
        metrics.contains("together_http_requests_total{method=\"GET\",route=\"/healthz\""),
        "{metrics}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    let log: Vec<String> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    assert!(
        log.iter().any(|line| line.contains("SIGTERM received")),
        "{log:?}"
    );
}

#[test]
fn the_admin_listener_is_refused_on_the_public_port() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--listen", &format!("0.0.0.0:{port}")])
        .env("TOGETHER_ADMIN_LISTEN", format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("must not be the public port"), "{stderr}");
}

#[test]
fn a_busy_port_is_reported_in_plain_words() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        // Each test server's admin listener on a free port (the default, 8788, is one).
        .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

#[test]
fn a_malformed_listen_address_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("--listen")
    );
}

/// `kill -9` in the middle of uploads: every entry the server acknowledged is still there, at the
/// seq it was given, after a restart.
#[test]
fn no_acknowledged_entry_is_lost_when_the_server_is_killed() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_together-server"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            // Each test server's admin listener on a free port (the default, 8788, is one).
            .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut server = spawn();
    wait_for_health(port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let (token, user_id) = runtime.block_on(async {
        let reply: serde_json::Value = http()
            .post(format!("{base}/v1/accounts"))
            .json(&serde_json::json!({
                "email": "durable@example.com", "name": "D", "device_name": "d",
                "auth_secret": base64::engine::general_purpose::STANDARD.encode([5_u8; 32]),
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            reply["token"].as_str().unwrap().to_owned(),
            reply["user_id"].as_str().unwrap().to_owned(),
        )
    });
    let path = format!("{base}/v1/docs/user-{user_id}/entries");

    // Four writers upload as fast as they can, remembering what was acknowledged.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, i64)>::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (path, token, acknowledged) = (path.clone(), token.clone(), acknowledged.clone());
            runtime.spawn(async move {
                let client = http();
                for i in 0..10_000 {
                    let entry_id = format!("w{w}-{i}");
                    let body = serde_json::json!({ "entries": [{ "entry_id": entry_id,
                        "ciphertext": base64::engine::general_purpose::STANDARD.encode(entry_id.as_bytes()) }] });
                    let Ok(response) = client.post(&path).bearer_auth(&token).json(&body).send().await else { return };
                    if !response.status().is_success() { return; }
                    let Ok(reply) = response.json::<serde_json::Value>().await else { return };
                    let seq = reply["entries"][0]["seq"].as_i64().unwrap();
                    acknowledged.lock().unwrap().push((entry_id, seq));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    Command::new("kill")
        .args(["-9", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    runtime.block_on(async {
        for writer in writers {
            let _ = writer.await;
        }
    });
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "the writers got going ({} acknowledged)",
        acknowledged.len()
    );

    let mut restarted = spawn();
    wait_for_health(port);
    let stored: std::collections::HashMap<String, i64> = runtime.block_on(async {
        let client = http();
        let mut stored = std::collections::HashMap::new();
        let mut after = 0;
        loop {
            let page: serde_json::Value = client
                .get(format!("{path}?after={after}&limit=1000"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for entry in page["entries"].as_array().unwrap() {
                after = entry["seq"].as_i64().unwrap();
                stored.insert(entry["entry_id"].as_str().unwrap().to_owned(), after);
            }
            if page["more"] != true {
                break stored;
            }
        }
    });
    for (entry_id, seq) in &acknowledged {
        assert_eq!(
            stored.get(entry_id),
            Some(seq),
            "acknowledged entry {entry_id} lost or moved"
        );
    }
    Command::new("kill")
        .args(["-TERM", &restarted.id().to_string()])
        .status()
        .unwrap();
    restarted.wait().unwrap();
}

#[test]
fn serve_reads_a_config_file_and_refuses_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("server.toml");
    let data = dir.path().join("from-config");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n",
            data.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--config"])
        // Each test server's admin listener on a free port (the default, 8788, is one).
        .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
        .arg(&config)
        .env_remove("TOGETHER_LISTEN")
        .env_remove("TOGETHER_SERVER_DATA_DIR")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(wait_for_health(port)["status"], "ok");
    assert!(
        data.join("server.sqlite3").is_file(),
        "the file's data_dir is used"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();

    std::fs::write(&config, "listen = 8787\nunknown_key = true\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--config"])
        // Each test server's admin listener on a free port (the default, 8788, is one).
        .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("is not valid"), "{stderr}");
}

/// `--listen` takes a host name as well as an address (`localhost:8798`), resolved at start.
#[test]
fn serve_listens_on_a_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--listen", &format!("localhost:{port}")])
        // Each test server's admin listener on a free port (the default, 8788, is one).
        .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
        .env_remove("TOGETHER_LISTEN")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let health = wait_for_health(port);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health["status"], "ok");
}

/// A negative price reaches the command's own check, which says what is allowed (not clap's
/// "unexpected argument '-5'").
#[test]
fn a_negative_plan_price_gets_the_plans_own_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["plans", "add", "--name", "Premium", "--price-cents", "-5"])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--price-cents must be between"), "{stderr}");
}
