//! Load tool: many couples against a real `together-server` process on loopback.
//!
//! Measures what the sync issue sets goals for, and prints one line per figure:
//! - the server's RSS with 1,000 and with 10,000 live WebSockets (goal ≤ 500 MiB at 10,000);
//! - partner propagation latency at 1,000 active couples: from the moment partner A starts
//!   uploading an entry to the moment partner B's live socket hears of it (goal p50 ≤ 5 ms, p99 ≤
//!   20 ms), each couple saving about once a second;
//! - durable appends per second: entries acknowledged (committed with `synchronous=FULL`) per
//!   second with many devices uploading at once (goal ≥ 5,000/s).
//!
//! `cargo bench -p together-server --bench load [-- --couples 1000 --sockets 10000 --seconds 10]`
//! `[--database-url postgres://…]` (an empty PostgreSQL database instead of SQLite).
//!
//! A bench binary, not a timed test: figures depend on the machine and are reported, not asserted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A broken benchmark should stop loudly.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use serde_json::{Value, json};
use together_core::wire::LiveMessage;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What to run.
struct Plan {
    couples: usize,
    sockets: usize,
    seconds: u64,
    database_url: Option<String>,
}

impl Plan {
    fn from_args() -> Self {
        let mut plan = Self {
            couples: 1000,
            sockets: 10_000,
            seconds: 10,
            database_url: None,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let value = || args.get(i + 1).and_then(|v| v.parse().ok());
            match args[i].as_str() {
                "--couples" => plan.couples = value().expect("--couples N"),
                "--sockets" => plan.sockets = value().expect("--sockets N"),
                "--seconds" => plan.seconds = value().expect("--seconds N") as u64,
                "--database-url" => {
                    plan.database_url = Some(args.get(i + 1).expect("--database-url URL").clone());
                }
                // cargo bench passes --bench; ignore what is not ours.
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        plan.sockets = plan.sockets.max(2 * plan.couples);
        plan
    }
}

/// The server process, stopped on drop.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(database_url: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_together-server"));
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            // Each test server's admin listener on a free port (the default, 8788, is one).
            .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
            .arg("--data-dir")
            .arg(dir.path());
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        let child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the server did not start");
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kib / 1024.0
    }
}

/// One signed-in device.
#[derive(Clone)]
struct Device {
    token: String,
}

/// Two partners and their shared document.
#[derive(Clone)]
struct Couple {
    a: Device,
    b: Device,
    doc: String,
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn post(&self, token: Option<&str>, path: &str, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn signup(&self, email: String) -> Device {
        let secret = STANDARD.encode(rand::random::<[u8; 32]>());
        let reply = self
            .post(
                None,
                "/v1/accounts",
                json!({ "email": email, "name": "Load", "auth_secret": secret, "device_name": "bench" }),
            )
            .await;
        Device {
            token: reply["token"].as_str().unwrap().to_owned(),
        }
    }

    async fn couple(&self, n: usize) -> Couple {
        let a = self.signup(format!("a{n}@load.test")).await;
        let b = self.signup(format!("b{n}@load.test")).await;
        let relationship = uuid::Uuid::now_v7().to_string();
        self.post(
            Some(&a.token),
            "/v1/relationships",
            json!({ "relationship_id": relationship }),
        )
        .await;
        let secret: [u8; 32] = rand::random();
        let hash = STANDARD.encode(<sha2::Sha256 as sha2::Digest>::digest(secret));
        self.post(
            Some(&a.token),
            &format!("/v1/relationships/{relationship}/invites"),
            json!({ "secret_hash": hash }),
        )
        .await;
        self.post(
            Some(&b.token),
            "/v1/invites/redeem",
            json!({ "secret": STANDARD.encode(secret) }),
        )
        .await;
        Couple {
            a,
            b,
            doc: format!("rel-{relationship}-2026"),
        }
    }

    async fn append(&self, token: &str, doc: &str, entries: usize) {
        let entries: Vec<Value> = (0..entries)
            .map(|_| json!({ "entry_id": uuid::Uuid::now_v7().to_string(), "ciphertext": STANDARD.encode([7_u8; 200]) }))
            .collect();
        self.post(
            Some(token),
            &format!("/v1/docs/{doc}/entries"),
            json!({ "entries": entries }),
        )
        .await;
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(base: &str, token: &str) -> Socket {
    let mut request = format!("{}/v1/live", base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// Runs `f` over `items` with at most `width` in flight, keeping the order.
async fn in_parallel<T, R, F>(items: Vec<T>, width: usize, f: impl Fn(T) -> F) -> Vec<R>
where
    F: Future<Output = R>,
{
    futures_util::stream::iter(items.into_iter().map(f))
        .buffered(width)
        .collect()
        .await
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    rustls::crypto::ring::default_provider()
        .install_default()
        .unwrap();
    let plan = Plan::from_args();
    let server = Server::start(plan.database_url.as_deref());
    let api = Arc::new(Api {
        http: reqwest::Client::new(),
        base: server.base.clone(),
    });
    println!(
        "load: {} couples active, {} live sockets, {} s per phase",
        plan.couples, plan.sockets, plan.seconds
    );
    println!("server RSS at start: {:.1} MiB", server.rss_mib());

    let started = Instant::now();
    let couples: Vec<Couple> = in_parallel((0..plan.sockets / 2).collect(), 32, |n| {
        let api = Arc::clone(&api);
        async move { api.couple(n).await }
    })
    .await;
    println!(
        "set up {} couples in {:.1} s",
        couples.len(),
        started.elapsed().as_secs_f64()
    );

    // Live sockets: B's are read by the propagation probe, A's just drained.
    let heard: Arc<Vec<Mutex<Option<Instant>>>> =
        Arc::new((0..couples.len()).map(|_| Mutex::new(None)).collect());
    let samples = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut connected = 0;
    for (target, label) in [(1000.min(plan.sockets), "1,000"), (plan.sockets, "all")] {
        let devices: Vec<(usize, Device)> = (connected..target)
            .map(|i| {
                let couple = &couples[i / 2];
                (
                    i,
                    if i % 2 == 0 {
                        couple.a.clone()
                    } else {
                        couple.b.clone()
                    },
                )
            })
            .collect();
        let sockets = in_parallel(devices, 64, |(i, device)| {
            let base = server.base.clone();
            async move { (i, connect(&base, &device.token).await) }
        })
        .await;
        for (i, mut socket) in sockets {
            let (heard, samples) = (Arc::clone(&heard), Arc::clone(&samples));
            tokio::spawn(async move {
                while let Some(Ok(message)) = socket.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    let Ok(LiveMessage::NewEntries { .. }) = serde_json::from_str(&text) else {
                        continue;
                    };
                    if i % 2 == 1
                        && let Some(sent) = heard[i / 2].lock().await.take()
                    {
                        samples
                            .lock()
                            .await
                            .push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            });
        }
        connected = target;
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!(
            "server RSS with {connected} live WebSockets ({label}): {:.1} MiB",
            server.rss_mib()
        );
    }

    // Propagation: each active couple's A saves about once a second, at a random phase.
    let deadline = Instant::now() + Duration::from_secs(plan.seconds);
    let mut writers = Vec::new();
    for (n, couple) in couples.iter().take(plan.couples).cloned().enumerate() {
        let (api, heard) = (Arc::clone(&api), Arc::clone(&heard));
        writers.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(rand::random_range(0..1000))).await;
            while Instant::now() < deadline {
                *heard[n].lock().await = Some(Instant::now());
                api.append(&couple.a.token, &couple.doc, 1).await;
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut latencies = samples.lock().await.clone();
    latencies.sort_by(f64::total_cmp);
    println!(
        "propagation at {} couples: {} samples, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        plan.couples,
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0)
    );

    // Durable appends: many devices upload one entry per request as fast as the server answers.
    for (uploaders, per_request) in [(256, 1), (64, 16)] {
        let acknowledged = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let deadline = started + Duration::from_secs(plan.seconds.min(5));
        let mut tasks = Vec::new();
        for couple in couples.iter().take(uploaders).cloned() {
            let (api, acknowledged) = (Arc::clone(&api), Arc::clone(&acknowledged));
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    api.append(&couple.a.token, &couple.doc, per_request).await;
                    acknowledged.fetch_add(per_request as u64, Ordering::Relaxed);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let seconds = started.elapsed().as_secs_f64();
        let total = acknowledged.load(Ordering::Relaxed);
        println!(
            "durable appends, {uploaders} devices × {per_request} entr{} per request: {total} in {seconds:.1} s = {:.0}/s",
            if per_request == 1 { "y" } else { "ies" },
            total as f64 / seconds
        );
    }
    println!("server RSS at the end: {:.1} MiB", server.rss_mib());
}
