//! Real `together-server` processes sharing one PostgreSQL database, on loopback ports: for the
//! tests of several instances (`tests/instances.rs`, `tests/instances_restart.rs`), which run only
//! when `TOGETHER_TEST_DATABASE_URL` names a PostgreSQL server.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{Device, b64, sha256_b64, signup_at, uuid};

/// One `together-server serve` process.
pub struct Instance {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Child,
    _dir: tempfile::TempDir,
}

/// Two instances started at once on `database_url` (one of them migrates, the other waits for
/// it), both answering.
pub async fn two_instances(database_url: &str) -> (Instance, Instance) {
    let (one, two) = (Instance::spawn(database_url), Instance::spawn(database_url));
    one.ready().await;
    two.ready().await;
    (one, two)
}

impl Instance {
    /// Starts an instance on `database_url`, on a free loopback port (not waiting for it).
    pub fn spawn(database_url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_together-server"))
            .arg("serve")
            // Each test server's admin listener on a free port (the default, 8788, is one).
            .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir.path().join("server-data"))
            .arg("--database-url")
            .arg(database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Self {
            base: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        }
    }

    /// Waits until the instance answers `/healthz` with its database "ok".
    pub async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = super::http()
                .get(format!("{}/healthz", self.base))
                .send()
                .await;
            if let Ok(answer) = answer
                && let Ok(health) = answer.json::<Value>().await
                && health["database"] == "ok"
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "instance {} did not start: {}",
                self.base,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`: no shutdown, no flush, nothing.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the instance logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The PostgreSQL server the tests may use; `None` (after saying why) when there is none.
pub fn postgres_or_skip(test: &str) -> Option<String> {
    let url = super::backend::server_url();
    if url.is_none() {
        eprintln!(
            "{test}: skipped: several instances need PostgreSQL; set TOGETHER_TEST_DATABASE_URL \
             (scripts/pg.sh starts a private cluster)"
        );
    }
    url
}

/// Two accounts paired in a new relationship, A through `a_base` and B through `b_base`:
/// (A, B, relationship id).
pub async fn couple_across(a_base: &str, b_base: &str, n: usize) -> (Device, Device, String) {
    let a = signup_at(a_base, &format!("a{n}@example.com"), "A", "pw-a").await;
    let b = signup_at(b_base, &format!("b{n}@example.com"), "B", "pw-b").await;
    let relationship = uuid();
    let created = a
        .post(
            "/v1/relationships",
            json!({ "relationship_id": relationship }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret: [u8; 32] = rand::random();
    let invite = a
        .post(
            &format!("/v1/relationships/{relationship}/invites"),
            json!({ "secret_hash": sha256_b64(&secret) }),
        )
        .await;
    assert_eq!(invite.status, 201, "{}", invite.body);
    let joined = b
        .post("/v1/invites/redeem", json!({ "secret": b64(&secret) }))
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    (a, b, relationship)
}

/// A live socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `device`'s live socket on the instance it talks to.
pub async fn connect(device: &Device) -> Socket {
    connect_to(device, "/v1/live").await
}

/// `device`'s live socket at `path` (`/v1/live?entries=true`, say).
pub async fn connect_to(device: &Device, path: &str) -> Socket {
    let url = format!("{}{path}", device.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", device.token.as_ref().unwrap())
            .parse()
            .unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

/// What a socket did within a wait.
#[derive(Debug, PartialEq)]
pub enum Heard {
    /// A message.
    Message(Value),
    /// The server closed it.
    Closed,
    /// Nothing.
    Nothing,
}

/// The next message on `socket` within `wait`, or its closing.
pub async fn next(socket: &mut Socket, wait: Duration) -> Heard {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                return Heard::Message(serde_json::from_str(&text).unwrap());
            }
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => return Heard::Closed,
            Ok(Some(Ok(_))) => continue,
            Err(_) => return Heard::Nothing,
        }
    }
}

/// Waits (up to `wait`) for a message satisfying `wanted`, skipping others.
pub async fn hear(socket: &mut Socket, wait: Duration, wanted: impl Fn(&Value) -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match next(socket, left).await {
            Heard::Message(message) if wanted(&message) => return true,
            Heard::Message(_) => continue,
            Heard::Closed | Heard::Nothing => return false,
        }
    }
}

/// Appends one entry to `doc` through `device`; the assigned seq, or why not.
pub async fn append(device: &Device, doc: &str, entry_id: &str) -> Result<i64, String> {
    let response = super::http()
        .post(format!("{}/v1/docs/{doc}/entries", device.base))
        .bearer_auth(device.token.as_ref().unwrap())
        .json(&json!({ "entries": [{ "entry_id": entry_id, "ciphertext": b64(entry_id.as_bytes()) }] }))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("{status}: {body}"));
    }
    body["entries"][0]["seq"]
        .as_i64()
        .ok_or_else(|| body.to_string())
}

/// Every (entry id, seq) of `doc`, pulled through `device`.
pub async fn log_of(device: &Device, doc: &str) -> Vec<(String, i64)> {
    let mut after = 0;
    let mut log = Vec::new();
    loop {
        let page = device
            .get(&format!("/v1/docs/{doc}/entries?after={after}&limit=500"))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let entries = page.body["entries"].as_array().unwrap().clone();
        for entry in &entries {
            let seq = entry["seq"].as_i64().unwrap();
            log.push((entry["entry_id"].as_str().unwrap().to_owned(), seq));
            after = seq;
        }
        if page.body["more"] != json!(true) || entries.is_empty() {
            return log;
        }
    }
}
