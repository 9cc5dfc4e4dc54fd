//! What the server writes to its log, read from a real `together-server serve` process: every
//! request's lines carry a request id, and no email, password, auth secret or token is ever
//! written, whatever the request (sign-up, sign-in right and wrong, sync, a token in a query, a
//! usage report's per-day token).

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const EMAIL: &str = "Juliet.Capulet+verona@example.com";
const PASSWORD: &str = "wherefore-art-thou-9731";
/// A usage report's per-day token: it must never reach the log (it would tie the log's lines,
/// with their times, to the report).
const USAGE_TOKEN: &str = "UsageTokenNeverLoggedUsageTokenNeverLogged1";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The auth secret a device derives from the password (here: the password's bytes, padded).
fn auth_secret() -> String {
    let mut bytes = [b'#'; 32];
    bytes[..PASSWORD.len()].copy_from_slice(PASSWORD.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[test]
fn request_lines_carry_ids_and_never_an_email_a_password_or_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_together-server"))
        .args(["serve", "--log-format", "json"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        // Everything the server itself says, debug included.
        .env("RUST_LOG", "debug")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let post = reqwest::Method::POST;
        let (status, session) = call(
            &client,
            post.clone(),
            format!("{base}/v1/accounts"),
            None,
            Some(json!({ "email": EMAIL, "auth_secret": auth_secret(), "device_name": "phone" })),
        )
        .await;
        assert_eq!(status, 201, "{session}");
        let token = session["token"].as_str().unwrap().to_owned();
        let user = session["user_id"].as_str().unwrap().to_owned();
        // The same email again (a conflict), a wrong password, then the right one.
        let (status, _) = call(
            &client,
            post.clone(),
            format!("{base}/v1/accounts"),
            None,
            Some(json!({ "email": EMAIL, "auth_secret": auth_secret(), "device_name": "phone" })),
        )
        .await;
        assert_eq!(status, 409);
        let wrong = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
        let (status, _) = call(
            &client,
            post.clone(),
            format!("{base}/v1/sessions"),
            None,
            Some(json!({ "email": EMAIL, "auth_secret": wrong, "device_name": "laptop" })),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = call(
            &client,
            post.clone(),
            format!("{base}/v1/sessions"),
            None,
            Some(json!({ "email": EMAIL, "auth_secret": auth_secret(), "device_name": "laptop" })),
        )
        .await;
        assert_eq!(status, 200);
        // An email that is not one, echoed in the answer but not in the log.
        let (status, _) = call(
            &client,
            post.clone(),
            format!("{base}/v1/sessions"),
            None,
            Some(json!({ "email": "juliet at verona", "auth_secret": auth_secret(), "device_name": "x" })),
        )
        .await;
        assert_eq!(status, 400);
        // Sync: an append and a pull, then the token where it does not belong (a query).
        let path = format!("{base}/v1/docs/user-{user}/entries");
        let (status, _) = call(
            &client,
            post.clone(),
            path.clone(),
            Some(&token),
            Some(json!({ "entries": [{ "entry_id": "e1", "ciphertext": "c2VhbGVk" }] })),
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = call(
            &client,
            reqwest::Method::GET,
            format!("{path}?after=0&access_token={token}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = call(
            &client,
            reqwest::Method::GET,
            format!("{base}/v1/devices"),
            Some("not-a-real-token"),
            None,
        )
        .await;
        assert_eq!(status, 401);
        // An opt-in usage report (unauthenticated), for yesterday (UTC).
        let yesterday = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .yesterday()
            .unwrap();
        let (status, reply) = call(
            &client,
            post.clone(),
            format!("{base}/v1/usage"),
            None,
            Some(json!({ "day": yesterday.to_string(), "token": USAGE_TOKEN, "features": [
                { "feature": "checkin", "interactions": 2, "seconds": 30, "completed": true }] })),
        )
        .await;
        assert_eq!(status, 204, "{reply}");
        token
    });
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    child.wait().unwrap();

    let lower = log.to_lowercase();
    for secret in [
        EMAIL.to_lowercase(),
        "juliet".to_owned(),
        PASSWORD.to_owned(),
        auth_secret().to_lowercase(),
        token.to_lowercase(),
        "not-a-real-token".to_owned(),
        USAGE_TOKEN.to_lowercase(),
    ] {
        assert!(!lower.contains(&secret), "the log holds {secret:?}:\n{log}");
    }
    // Every line is JSON; every request's lines carry its request id.
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|line| line["span"]["name"] == "request")
        .collect();
    assert!(requests.len() >= 10, "every request logs a line:\n{log}");
    assert!(
        requests
            .iter()
            .any(|line| line["span"]["route"] == "/v1/usage"),
        "the usage report is logged by its route:\n{log}"
    );
    for line in &requests {
        let id = line["span"]["request_id"].as_str().unwrap_or_default();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "no request id: {line}");
    }
    let created = lines
        .iter()
        .find(|line| line["fields"]["message"] == "account created")
        .expect("the sign-up is logged");
    assert!(created["span"]["request_id"].is_string(), "{created}");
}
