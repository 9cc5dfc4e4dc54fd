//! Benchmark: "partner sees it", through the real client, against a real `together-server`.
//!
//! ```text
//! cargo build --release -p together-server
//! cargo bench -p together-client --bench partner -- --server-bin target/release/together-server \
//!     --couples 100 [--rounds 10] [--think-ms 1000] [--database-url postgres://… --instances 2] \
//!     [--server-cpu 0] [--postgres-pid PID] [--full-sync] [--threads T] [--label TEXT]
//! ```
//! (`scripts/bench-partner.sh` runs the whole matrix, pinned, beside the reference JS server.)
//!
//! N couples, each partner a real `together_client::Store` with its own SQLite file and its own
//! signed-in session, shaped like the app: one connection for the screens (saves, reads) and one
//! held by the sync worker's session. Per round partner A saves a check-in (`Store::checkin` on the
//! screens' connection: the SQLite write and the outbox), then its worker uploads the outbox alone
//! (`Session::push_outbox`, what the watcher does when the save nudges it); partner B's worker,
//! woken by its live socket (`Session::connect_live`), acts on the message (`Session::receive`:
//! pull of the named document, open, merge, project) and B's screens find the check-in. With
//! `--full-sync` both run a whole `Session::sync` instead (the path before issue #13 §5), for a
//! comparison in one build. The devices run on `--threads` threads (32 by default; all on the load
//! core when pinned), a couple's two partners on two of them: in the app each device is its own
//! process, so one device's `fsync` does not stop the others (`--threads 1` puts every device on
//! one thread, as the bench did before). The figure is the time from before A's save to the moment B's store
//! has it, on one clock. Couples run concurrently in a closed loop, with a think time uniform in 0.5–1.5 ×
//! `--think-ms` between rounds, like the reference harness. Printed: p50/p95/p99/max, changes/s,
//! server CPU-ms per change (PostgreSQL's processes apart, when `--postgres-pid` names the
//! postmaster), server RSS, and the client's own share: the save, A's upload (its round trip
//! included), B's receive (its pull's round trip included, when it pulls), and the client
//! process's CPU-ms per change (the rounds only: the stores close after the measurement), so it
//! shows which side saturates first on one load core.
//!
//! In this crate, not in `tests/`: it needs only the client library (the server is a separate
//! process, so nothing of the server is linked), and the crate's bench profile is already built.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use processes::{Server, cpu_ms, postgres_cpu_ms, rss_mib};
use together_client::Store;
use together_client::secret_store::FileStore;
use together_client::sync::Session;
use together_core::document::{CheckinInput, ProfileInput, RelationshipInput};
use together_core::domain::{PrivacyLevel, RelationshipType, Score};

#[path = "partner/processes.rs"]
mod processes;

struct Plan {
    server_bin: PathBuf,
    couples: usize,
    rounds: usize,
    think_ms: f64,
    database_url: Option<String>,
    instances: usize,
    server_cpu: Option<String>,
    postgres_pid: Option<u32>,
    label: String,
    full_sync: bool,
    threads: usize,
}

impl Plan {
    fn from_args() -> Self {
        let mut plan = Self {
            server_bin: PathBuf::from("target/release/together-server"),
            couples: 10,
            rounds: 10,
            think_ms: 1000.0,
            database_url: None,
            instances: 1,
            server_cpu: None,
            postgres_pid: None,
            label: String::new(),
            full_sync: false,
            threads: 32,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let value = || args.get(i + 1).cloned().expect("a value");
            match args[i].as_str() {
                "--server-bin" => plan.server_bin = value().into(),
                "--couples" => plan.couples = value().parse().expect("--couples N"),
                "--rounds" => plan.rounds = value().parse().expect("--rounds N"),
                "--think-ms" => plan.think_ms = value().parse().expect("--think-ms MS"),
                "--database-url" => plan.database_url = Some(value()),
                "--instances" => plan.instances = value().parse().expect("--instances K"),
                "--server-cpu" => plan.server_cpu = Some(value()),
                "--postgres-pid" => plan.postgres_pid = Some(value().parse().expect("PID")),
                "--label" => plan.label = value(),
                "--threads" => plan.threads = value().parse().expect("--threads T"),
                "--full-sync" => {
                    plan.full_sync = true;
                    i += 1;
                    continue;
                }
                // cargo bench passes --bench; ignore what is not ours.
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        assert!(
            plan.instances == 1 || plan.database_url.is_some(),
            "several instances need --database-url"
        );
        plan
    }
}

fn now() -> Timestamp {
    Timestamp::now()
}

/// One device: its store (the sync worker's connection), its secrets file.
struct Device {
    dir: tempfile::TempDir,
    store: Store,
    secrets: FileStore,
}

impl Device {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("together.sqlite3")).unwrap();
        let secrets = FileStore::new(dir.path().join("secrets.json"));
        Self {
            dir,
            store,
            secrets,
        }
    }

    /// Another connection to the same store: the app's screens (saves and reads).
    fn screens(&self) -> Store {
        Store::open(&self.dir.path().join("together.sqlite3")).unwrap()
    }

    async fn sync(&mut self) -> together_client::sync::SyncReport {
        Session::resume(&mut self.store, &self.secrets)
            .unwrap()
            .sync()
            .await
            .unwrap()
    }
}

/// Whether a store holds a check-in whose note is `marker`.
fn has(store: &Store, marker: &str) -> bool {
    store
        .table_as_json("daily_checkins")
        .unwrap()
        .iter()
        .any(|row| row["gratitude_note"] == marker)
}

fn profile(name: &str) -> ProfileInput {
    ProfileInput {
        name: name.into(),
        nickname: None,
        photo_url: None,
        timezone: "Europe/Paris".into(),
        love_language_primary: None,
        love_language_secondary: None,
    }
}

fn checkin(note: &str, round: usize) -> CheckinInput {
    let score = |k: usize| Score::new("s", i64::try_from(1 + (round * k) % 10).unwrap()).unwrap();
    CheckinInput {
        date: now().to_zoned(jiff::tz::TimeZone::UTC).date(),
        connection: score(3),
        mood: score(5),
        satisfaction: score(7),
        note: Some(note.into()),
    }
}

/// A paired couple: A through `a_url`, B through `b_url`.
async fn couple(n: usize, a_url: &str, b_url: &str) -> (Device, Device) {
    let mut a = Device::new();
    a.store.set_profile(&profile("A"), now()).unwrap();
    a.store
        .create_relationship(
            &RelationshipInput {
                relationship_type: RelationshipType::Married,
                start_date: None,
                anniversary_date: None,
                privacy_level: PrivacyLevel::Balanced,
            },
            now(),
        )
        .unwrap();
    let code = {
        let mut session = Session::signup(
            &mut a.store,
            &a.secrets,
            a_url,
            &format!("a{n}@bench.example"),
            "A",
            "a-password-long",
        )
        .await
        .unwrap();
        session.invite().await.unwrap().code
    };
    let mut b = Device::new();
    Session::signup(
        &mut b.store,
        &b.secrets,
        b_url,
        &format!("b{n}@bench.example"),
        "B",
        "b-password-long",
    )
    .await
    .unwrap()
    .join(&code)
    .await
    .unwrap();
    a.sync().await;
    b.sync().await;
    (a, b)
}

/// What one round measured, in milliseconds.
#[derive(Clone, Copy)]
struct Round {
    total: f64,
    save: f64,
    b_receive: f64,
}

/// The round a couple has in flight: B looks for `marker`, reports to A.
#[derive(Default)]
struct InFlight {
    marker: Option<String>,
    started: Option<Instant>,
    save_ms: f64,
}

/// What partner A's side and partner B's side of one couple share while they run (on two
/// threads, as two devices are two processes: one's `fsync` does not hold the other up).
struct CoupleLink {
    flight: Mutex<InFlight>,
    stop: tokio::sync::Notify,
}

/// Where every side waits, once its store, session and socket are open, for the measurement to
/// start: an app opens them once at launch, not per check-in, and the reference harness, too,
/// connects every client before its "go".
#[derive(Clone)]
struct Gate {
    /// `true` once a side is open; `false` from a side that failed before (see [`Armed`]).
    ready: std::sync::mpsc::Sender<bool>,
    go: tokio::sync::watch::Receiver<bool>,
}

impl Gate {
    /// The gate of one side, from its first step: should the side fail (panic) before it passes,
    /// the bench hears of it at once instead of waiting for it.
    fn arm(self) -> Armed {
        Armed {
            gate: self,
            passed: false,
        }
    }
}

/// One side's gate, not yet passed.
struct Armed {
    gate: Gate,
    passed: bool,
}

impl Armed {
    /// Says this side is open and waits for the start; `false` when the bench gave up instead (a
    /// side failed): the side then stops.
    async fn pass(mut self) -> bool {
        self.passed = true;
        let _ = self.gate.ready.send(true);
        self.gate.go.wait_for(|go| *go).await.is_ok()
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if !self.passed {
            let _ = self.gate.ready.send(false);
        }
    }
}

/// Partner B's sync worker: woken by its live socket, it receives what the message names (or
/// syncs when nothing came for a while) and reports when its screens find A's check-in.
async fn run_b(
    b: &mut Device,
    link: Arc<CoupleLink>,
    seen_tx: tokio::sync::mpsc::UnboundedSender<Round>,
    full_sync: bool,
    gate: Gate,
) {
    let gate = gate.arm();
    let b_screens = b.screens();
    // B's sync worker: one session for the whole run, as the app's watcher holds one.
    let mut session = Session::resume(&mut b.store, &b.secrets).unwrap();
    // Like the app's watcher, try again when the socket does not open in time (a thousand
    // devices connecting at once on one load core).
    let mut attempts = 0;
    let mut live = loop {
        match session.connect_live().await {
            Ok(live) => break live,
            Err(error) if attempts < 20 => {
                attempts += 1;
                eprintln!("# B's live socket, attempt {attempts}: {error}");
                tokio::time::sleep(Duration::from_millis(500 * attempts)).await;
            }
            Err(error) => panic!("B's live socket did not open: {error}"),
        }
    };
    if !gate.pass().await {
        return;
    }
    loop {
        let message = tokio::select! {
            () = link.stop.notified() => return,
            message = live.next() => match message {
                Some(message) => Some(message),
                None => return,
            },
            // The app syncs now and then when no news arrives; so does this, slowly.
            () = tokio::time::sleep(Duration::from_secs(5)) => None,
        };
        let woken = Instant::now();
        match message {
            Some(message) if !full_sync => session.receive(&message).await.unwrap(),
            _ => session.sync().await.unwrap(),
        };
        let done = Instant::now();
        let mut state = link.flight.lock().unwrap();
        if let (Some(marker), Some(started)) = (state.marker.clone(), state.started)
            && has(&b_screens, &marker)
        {
            let _ = seen_tx.send(Round {
                total: (done - started).as_secs_f64() * 1000.0,
                save: state.save_ms,
                b_receive: (done - woken).as_secs_f64() * 1000.0,
            });
            state.marker = None;
        }
    }
}

/// Where partner A's side puts what it measured.
struct Tally {
    results: Mutex<Vec<Round>>,
    pushes: Mutex<Vec<f64>>,
    timeouts: std::sync::atomic::AtomicUsize,
}

/// Partner A: a round is a think time, a check-in saved on the screens' connection, the worker's
/// push of the outbox, then waiting for B to report the check-in (or a timeout).
async fn run_a(
    n: usize,
    a: &mut Device,
    link: Arc<CoupleLink>,
    mut seen_rx: tokio::sync::mpsc::UnboundedReceiver<Round>,
    plan: Arc<PlanShared>,
    tally: Arc<Tally>,
    gate: Gate,
) {
    let gate = gate.arm();
    // B stops when A does, however A ends (a panic included: B would otherwise run forever).
    let _stop_b = StopOnDrop(Arc::clone(&link));
    let mut a_screens = a.screens();
    // A's sync worker.
    let mut a_worker = Session::resume(&mut a.store, &a.secrets).unwrap();
    if !gate.pass().await {
        return;
    }
    let mut rng = rand_think(n);
    for round in 0..=plan.rounds {
        let think = plan.think_ms * (0.5 + rng());
        tokio::time::sleep(Duration::from_secs_f64(think / 1000.0)).await;
        let marker = format!("couple {n} round {round}: the little things, coffee, a long walk");
        let started = Instant::now();
        a_screens.checkin(&checkin(&marker, round), now()).unwrap();
        let save_ms = started.elapsed().as_secs_f64() * 1000.0;
        {
            let mut state = link.flight.lock().unwrap();
            state.marker = Some(marker);
            state.started = Some(started);
            state.save_ms = save_ms;
        }
        let pushing = Instant::now();
        if plan.full_sync {
            a_worker.sync().await.unwrap();
        } else {
            a_worker.push_outbox().await.unwrap();
        }
        if round > 0 {
            tally
                .pushes
                .lock()
                .unwrap()
                .push(pushing.elapsed().as_secs_f64() * 1000.0);
        }
        match tokio::time::timeout(Duration::from_secs(15), seen_rx.recv()).await {
            // Round 0 warms up (first pull of the day's document, first statements prepared).
            Ok(Some(measured)) if round > 0 => tally.results.lock().unwrap().push(measured),
            Ok(Some(_)) => {}
            _ => {
                tally
                    .timeouts
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                link.flight.lock().unwrap().marker = None;
            }
        }
    }
}

/// Tells partner B's side to stop when dropped.
struct StopOnDrop(Arc<CoupleLink>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.notify_one();
    }
}

/// One side of one couple, ready to run on a load thread.
enum Side {
    A {
        n: usize,
        device: Device,
        link: Arc<CoupleLink>,
        seen_rx: tokio::sync::mpsc::UnboundedReceiver<Round>,
    },
    B {
        device: Device,
        link: Arc<CoupleLink>,
        seen_tx: tokio::sync::mpsc::UnboundedSender<Round>,
    },
}

/// Runs every side given to one load thread, each a task of that thread's `LocalSet` (a session
/// borrows its store and is not `Send`), and hands the devices back: their stores close (SQLite
/// checkpoints its log when the last connection goes) after the measurement, not inside it.
fn run_sides(
    sides: Vec<Side>,
    plan: &Arc<PlanShared>,
    tally: &Arc<Tally>,
    gate: &Gate,
) -> Vec<Device> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let tasks: Vec<_> = sides
            .into_iter()
            .map(|side| match side {
                Side::A {
                    n,
                    mut device,
                    link,
                    seen_rx,
                } => {
                    let (plan, tally, gate) = (Arc::clone(plan), Arc::clone(tally), gate.clone());
                    tokio::task::spawn_local(async move {
                        run_a(n, &mut device, link, seen_rx, plan, tally, gate).await;
                        device
                    })
                }
                Side::B {
                    mut device,
                    link,
                    seen_tx,
                } => {
                    let (full_sync, gate) = (plan.full_sync, gate.clone());
                    tokio::task::spawn_local(async move {
                        run_b(&mut device, link, seen_tx, full_sync, gate).await;
                        device
                    })
                }
            })
            .collect();
        let mut devices = Vec::with_capacity(tasks.len());
        for task in tasks {
            devices.push(task.await.unwrap());
        }
        devices
    })
}

/// A small deterministic generator per couple (uniform in [0, 1)): the think times.
fn rand_think(seed: usize) -> impl FnMut() -> f64 {
    let mut state = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct PlanShared {
    rounds: usize,
    think_ms: f64,
    full_sync: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let plan = Plan::from_args();
    together_client::sync::server_url::allow_http(true);
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The couples are set up as tasks of one `LocalSet` on this thread (a session borrows its
    // store and is not `Send`), then run on `--threads` load threads (all on the load core).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let servers: Vec<Server> = (0..plan.instances).map(|_| Server::start(&plan)).collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let backend = match (&plan.database_url, plan.instances) {
        (None, _) => "sqlite".to_owned(),
        (Some(_), k) => format!("postgres x{k}"),
    };

    let setup = Instant::now();
    let couples = local.block_on(&runtime, async {
        let mut couples = Vec::with_capacity(plan.couples);
        let mut pending = Vec::new();
        for n in 0..plan.couples {
            let a_url = urls[n % urls.len()].clone();
            let b_url = urls[(n + 1) % urls.len()].clone();
            pending.push(tokio::task::spawn_local(async move {
                let (a, b) = couple(n, &a_url, &b_url).await;
                (n, a, b)
            }));
            if pending.len() == 16 {
                for task in pending.drain(..) {
                    couples.push(task.await.unwrap());
                }
            }
        }
        for task in pending {
            couples.push(task.await.unwrap());
        }
        couples
    });
    eprintln!(
        "# {} couples paired in {:.1} s",
        plan.couples,
        setup.elapsed().as_secs_f64()
    );

    let server_pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();
    let server_cpu = || server_pids.iter().map(|p| cpu_ms(*p)).sum::<f64>();
    let pg_cpu = || plan.postgres_pid.map_or(0.0, postgres_cpu_ms);
    let me = std::process::id();
    let tally = Arc::new(Tally {
        results: Mutex::new(Vec::new()),
        pushes: Mutex::new(Vec::new()),
        timeouts: std::sync::atomic::AtomicUsize::new(0),
    });
    let shared = Arc::new(PlanShared {
        rounds: plan.rounds,
        think_ms: plan.think_ms,
        full_sync: plan.full_sync,
    });
    // Devices spread over the load threads, a couple's two partners on two of them (with one
    // thread, both on it: the bench before `--threads`).
    let threads = plan.threads.max(1);
    let mut per_thread: Vec<Vec<Side>> = (0..threads).map(|_| Vec::new()).collect();
    for (n, a, b) in couples {
        let link = Arc::new(CoupleLink {
            flight: Mutex::new(InFlight::default()),
            stop: tokio::sync::Notify::new(),
        });
        let (seen_tx, seen_rx) = tokio::sync::mpsc::unbounded_channel::<Round>();
        per_thread[(2 * n) % threads].push(Side::A {
            n,
            device: a,
            link: Arc::clone(&link),
            seen_rx,
        });
        per_thread[(2 * n + 1) % threads].push(Side::B {
            device: b,
            link,
            seen_tx,
        });
    }
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let gate = Gate {
        ready: ready_tx,
        go: go_rx,
    };
    let sides = 2 * plan.couples;
    let ((cpu0, pg0, me0), started, devices) = std::thread::scope(|scope| {
        // Owned here, so that should this fail, its drop wakes every side waiting at the gate (the
        // scope waits for every thread before it passes a panic on).
        let go_tx = go_tx;
        let threads: Vec<_> = per_thread
            .into_iter()
            .map(|sides| {
                let (shared, tally, gate) = (&shared, &tally, gate.clone());
                scope.spawn(move || run_sides(sides, shared, tally, &gate))
            })
            .collect();
        drop(gate);
        // Every store, session and live socket open: the measurement starts here.
        let opening = Instant::now();
        for _ in 0..sides {
            let opened = ready_rx.recv_timeout(Duration::from_secs(600));
            assert!(
                matches!(opened, Ok(true)),
                "a side did not open its store, session and socket (above)"
            );
        }
        eprintln!(
            "# {sides} devices opened their stores, sessions and sockets in {:.1} s",
            opening.elapsed().as_secs_f64()
        );
        let before = (server_cpu(), pg_cpu(), cpu_ms(me));
        let started = Instant::now();
        go_tx.send_replace(true);
        let devices: Vec<Device> = threads
            .into_iter()
            .flat_map(|thread| thread.join().unwrap())
            .collect();
        (before, started, devices)
    });
    let seconds = started.elapsed().as_secs_f64();
    let (cpu1, pg1, me1) = (server_cpu(), pg_cpu(), cpu_ms(me));
    // Closing 2N stores is the bench's end, not a change's cost.
    drop(devices);
    let rss: f64 = server_pids.iter().map(|p| rss_mib(*p)).sum();
    let rounds = tally.results.lock().unwrap().clone();
    let changes = rounds.len().max(1) as f64;
    let sorted = |f: fn(&Round) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let total = sorted(|r| r.total);
    let save = sorted(|r| r.save);
    let mut push = tally.pushes.lock().unwrap().clone();
    push.sort_by(f64::total_cmp);
    let b_receive = sorted(|r| r.b_receive);
    println!(
        "RESULT ours {label}backend={backend} N={n} rounds={rounds} changes={changes} | lat_ms p50={p50:.1} p95={p95:.1} p99={p99:.1} max={max:.1} | changes/s={rate:.1} | server cpu_ms/change={server:.2}{pg} rss={rss:.0}MiB | client save p50={s50:.2} p99={s99:.2} A {push_path} p50={u50:.1} p99={u99:.1} B {path} p50={b50:.1} p99={b99:.1} client cpu_ms/change={client:.2} | timeouts={timeouts}",
        label = if plan.label.is_empty() {
            String::new()
        } else {
            format!("{} ", plan.label)
        },
        n = plan.couples,
        rounds = plan.rounds,
        changes = rounds.len(),
        p50 = percentile(&total, 50.0),
        p95 = percentile(&total, 95.0),
        p99 = percentile(&total, 99.0),
        max = total.last().copied().unwrap_or(f64::NAN),
        rate = rounds.len() as f64 / seconds,
        server = (cpu1 - cpu0) / changes,
        pg = if plan.postgres_pid.is_some() {
            format!(" postgres cpu_ms/change={:.2}", (pg1 - pg0) / changes)
        } else {
            String::new()
        },
        s50 = percentile(&save, 50.0),
        s99 = percentile(&save, 99.0),
        push_path = if plan.full_sync {
            "sync(full)"
        } else {
            "push(seal+append)"
        },
        u50 = percentile(&push, 50.0),
        u99 = percentile(&push, 99.0),
        path = if plan.full_sync {
            "sync(full)"
        } else {
            "receive(pull+open+merge+project)"
        },
        b50 = percentile(&b_receive, 50.0),
        b99 = percentile(&b_receive, 99.0),
        client = (me1 - me0) / changes,
        timeouts = tally.timeouts.load(std::sync::atomic::Ordering::Relaxed),
    );
    drop(servers);
}
