//! A real server on an ephemeral loopback port, and a small client for its API.

#![allow(dead_code, clippy::unwrap_used)]

pub mod appends;
pub mod backend;
pub mod billing;
pub mod fake_stripe;
pub mod instances;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use together_server::Config;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct Server {
    pub base: String,
    /// The admin listener (`/metrics`), on its own loopback port.
    pub admin: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), together_server::ServerError>>>,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database it serves from, when the tests run on PostgreSQL.
    pub database_url: Option<String>,
    database: Option<backend::TestDatabase>,
}

impl Server {
    /// Stops the server, keeping its data (directory and database) for another one.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the server and waits until it has let go of its data (a restart on the same data:
    /// SQLite's data directory is locked while a server serves it).
    pub async fn shut_down(&mut self) {
        self.stop();
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub async fn start() -> Server {
    start_with(|_| {}).await
}

/// The real server on a loopback port, on the backend the tests run on (a fresh PostgreSQL
/// database when `TOGETHER_TEST_DATABASE_URL` is set, else SQLite in a temporary directory).
/// `adjust` may change anything, the database too.
pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin_address = admin.local_addr().unwrap();
    let database = backend::fresh_database().await;
    let mut config = Config {
        listen: address,
        data_dir: dir.path().join("server-data"),
        database_url: database.as_ref().map(|d| d.url.as_str().into()),
        ..Config::default()
    };
    adjust(&mut config);
    let database_url = config.database_url.as_ref().map(|u| u.expose().to_owned());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(together_server::launch_with_admin(
        config,
        listener,
        admin,
        async {
            let _ = stopped.await;
        },
    ));
    let server = Server {
        base: format!("http://{address}"),
        admin: format!("http://{admin_address}"),
        stop: Some(stop),
        task: Some(task),
        dir,
        database_url,
        database,
    };
    // Ready once it answers (its database exists then: admin commands never create one).
    let health = http()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success(), "{}", health.status());
    server
}

/// `SELECT count(*) …` with one text parameter (`$1`), run in the server's database, whichever
/// backend it is on: for tests that check what is (no longer) stored.
pub async fn count(server: &Server, sql: &str, param: &str) -> i64 {
    match &server.database_url {
        Some(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let driver = tokio::spawn(connection);
            let count: i64 = client.query_one(sql, &[&param]).await.unwrap().get(0);
            drop(client);
            let _ = driver.await;
            count
        }
        None => {
            let db =
                rusqlite::Connection::open(server.dir.path().join("server-data/server.sqlite3"))
                    .unwrap();
            db.query_row(sql, [param], |row| row.get(0)).unwrap()
        }
    }
}

/// Runs `sql` (no parameters) in the server's database, whichever backend it is on: for tests
/// that damage the database under a running server.
pub async fn execute(server: &Server, sql: &str) {
    match &server.database_url {
        Some(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let driver = tokio::spawn(connection);
            client.batch_execute(sql).await.unwrap();
            drop(client);
            let _ = driver.await;
        }
        None => {
            let db =
                rusqlite::Connection::open(server.dir.path().join("server-data/server.sqlite3"))
                    .unwrap();
            db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            db.execute_batch(sql).unwrap();
        }
    }
}

/// One device's view of the API.
#[derive(Clone)]
pub struct Device {
    pub base: String,
    pub token: Option<String>,
    pub user_id: String,
    pub device_id: String,
    http: reqwest::Client,
}

/// A reply: status and JSON body (`Null` when empty).
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Device {
    pub fn anonymous(server: &Server) -> Self {
        Self::anonymous_at(&server.base)
    }

    /// A device without an account, talking to the server at `base`.
    pub fn anonymous_at(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            token: None,
            user_id: String::new(),
            device_id: String::new(),
            http: http(),
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply { status, body }
    }

    /// The same account seen through another of its devices.
    pub fn with_token(&self, token: &str, device_id: &str) -> Self {
        Self {
            token: Some(token.to_owned()),
            device_id: device_id.to_owned(),
            ..self.clone()
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}

/// A 32-byte secret derived (in these tests) from the password; the real client uses Argon2id.
pub fn secret_of(password: &str) -> String {
    let mut bytes = [0_u8; 32];
    for (i, b) in password.bytes().cycle().take(32).enumerate() {
        bytes[i] = b.wrapping_add(i as u8);
    }
    STANDARD.encode(bytes)
}

pub async fn signup(server: &Server, email: &str, name: &str, password: &str) -> Device {
    signup_at(&server.base, email, name, password).await
}

/// Signs up through the server (or instance) at `base`.
pub async fn signup_at(base: &str, email: &str, name: &str, password: &str) -> Device {
    let mut device = Device::anonymous_at(base);
    let reply = device
        .post(
            "/v1/accounts",
            json!({ "email": email, "name": name, "auth_secret": secret_of(password), "device_name": "laptop" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    device.token = Some(reply.body["token"].as_str().unwrap().to_owned());
    device.user_id = reply.body["user_id"].as_str().unwrap().to_owned();
    device.device_id = reply.body["device_id"].as_str().unwrap().to_owned();
    device
}

pub async fn login(server: &Server, email: &str, password: &str) -> Reply {
    Device::anonymous(server)
        .post(
            "/v1/sessions",
            json!({ "email": email, "auth_secret": secret_of(password), "device_name": "phone" }),
        )
        .await
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn sha256_b64(bytes: &[u8]) -> String {
    use sha2::Digest;
    STANDARD.encode(sha2::Sha256::digest(bytes))
}

pub fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The admin listener's `/metrics`, scraped as Prometheus would (OpenMetrics text).
pub async fn scrape(server: &Server) -> String {
    let response = http()
        .get(format!("{}/metrics", server.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    response.text().await.unwrap()
}

/// The value of the sample line `name` (with its labels, exactly) in scraped metrics, or 0 when
/// absent.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

/// An HTTP client for the tests. The workspace enables reqwest's TLS without a built-in crypto
/// provider (the device picks rustls' ring provider), so the tests install it too.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub fn unb64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

/// Two new accounts paired in a new relationship: (creator, partner, relationship id).
pub async fn couple(server: &Server, a_email: &str, b_email: &str) -> (Device, Device, String) {
    let a = signup(server, a_email, "A", "pw-a").await;
    let b = signup(server, b_email, "B", "pw-b").await;
    let relationship = uuid();
    let created = a
        .post(
            "/v1/relationships",
            json!({ "relationship_id": relationship }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret: [u8; 32] = {
        use sha2::Digest;
        sha2::Sha256::digest(relationship.as_bytes()).into()
    };
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
