//! Clients recover from a server crash: `kill -9` of `together-server` in the middle of a device's
//! upload, restart, sync again — every entry the server acknowledged survived, nothing is lost and
//! the partner ends up with everything.
//!
//! The kill is not timed: the device talks to the server through a loopback relay that kills the
//! server the moment the device starts its second upload request, after the first was
//! acknowledged, before a byte of the second reaches the server. So the crash always lands
//! mid-upload, and the test checks that it did.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use jiff::ToSpan;
use together_client::Store;
use together_client::secret_store::FileStore;
use together_client::sync::Session;
use together_core::document::{CheckinInput, ProfileInput, RelationshipInput};
use together_core::domain::{PrivacyLevel, RelationshipType, Score};
use together_e2e::{ServerProcess, paths};

/// What the relay watches for in the device's bytes: the start of an upload request.
const UPLOAD: &[u8] = b"POST /v1/docs/";

/// The relay's shared state.
#[derive(Debug, Default)]
struct Trap {
    /// Kill the server at the next upload once one was seen (only during the interrupted sync).
    armed: AtomicBool,
    /// The server process to kill.
    server_pid: AtomicU32,
    /// Upload requests seen since the trap was armed.
    uploads: AtomicUsize,
    /// Whether the trap fired.
    fired: AtomicBool,
}

/// A loopback TCP relay to `server_port`; returns its port. Runs until the test process ends.
fn relay(server_port: u16, trap: Arc<Trap>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for device in listener.incoming() {
            let Ok(device) = device else { continue };
            let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)) else {
                continue; // The server is down: the device sees its connection closed.
            };
            let (device_in, server_out) =
                (device.try_clone().unwrap(), server.try_clone().unwrap());
            let trap = Arc::clone(&trap);
            std::thread::spawn(move || upstream(device_in, server_out, &trap));
            std::thread::spawn(move || pipe(server, device));
        }
    });
    port
}

/// Device → server: forwards, and fires the trap on the second upload request.
fn upstream(mut device: TcpStream, mut server: TcpStream, trap: &Trap) {
    let mut buffer = [0_u8; 64 * 1024];
    // The end of the previous read, so a request line split across reads is still seen.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let read = match device.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut window = std::mem::take(&mut carry);
        window.extend_from_slice(&buffer[..read]);
        if trap.armed.load(Ordering::SeqCst) {
            let starts = window
                .windows(UPLOAD.len())
                .filter(|w| *w == UPLOAD)
                .count();
            let seen = trap.uploads.fetch_add(starts, Ordering::SeqCst) + starts;
            if seen >= 2 {
                // The first upload was answered (devices upload one request at a time); the
                // second dies with the server before reaching it.
                trap.armed.store(false, Ordering::SeqCst);
                let pid = trap.server_pid.load(Ordering::SeqCst);
                let killed = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status()
                    .unwrap();
                assert!(killed.success());
                trap.fired.store(true, Ordering::SeqCst);
                let _ = device.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
                return;
            }
        }
        if server.write_all(&buffer[..read]).is_err() {
            break;
        }
        let keep = window.len().min(UPLOAD.len() - 1);
        carry = window[window.len() - keep..].to_vec();
    }
    let _ = server.shutdown(Shutdown::Both);
}

/// Server → device: forwards until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Both);
}

/// The entry ids waiting in a device's outbox, read from its database file.
fn queued(store: &Store) -> BTreeSet<String> {
    let db = rusqlite::Connection::open(store.path()).unwrap();
    let mut stmt = db.prepare("SELECT entry_id FROM outbox").unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn start_server(binary: &std::path::Path, port: u16, data: &std::path::Path) -> ServerProcess {
    ServerProcess::start(binary, port, data).unwrap()
}

fn profile(name: &str) -> ProfileInput {
    ProfileInput {
        name: name.into(),
        nickname: None,
        photo_url: None,
        timezone: "UTC".into(),
        love_language_primary: None,
        love_language_secondary: None,
    }
}

#[test]
fn devices_recover_from_a_server_killed_mid_sync() {
    let binary = paths::built_binary("together-server", "cargo build -p together-server").unwrap();
    let port = together_e2e::app::free_port().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let trap = Arc::new(Trap::default());
    // Devices reach the server only through the relay.
    let url = format!("http://127.0.0.1:{}", relay(port, Arc::clone(&trap)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = start_server(&binary, port, &data);

    let now = jiff::Timestamp::now();
    let mut alice = Store::open(&dir.path().join("alice/together.sqlite3")).unwrap();
    let alice_secrets = FileStore::new(dir.path().join("alice/secrets.json"));
    alice.set_profile(&profile("Alice"), now).unwrap();
    alice
        .create_relationship(
            &RelationshipInput {
                relationship_type: RelationshipType::Married,
                start_date: None,
                anniversary_date: None,
                privacy_level: PrivacyLevel::Balanced,
            },
            now,
        )
        .unwrap();
    let code = runtime.block_on(async {
        let mut session = Session::signup(
            &mut alice,
            &alice_secrets,
            &url,
            "alice@example.com",
            "Alice",
            "alice-password",
        )
        .await
        .unwrap();
        session.invite().await.unwrap().code
    });
    let mut bob = Store::open(&dir.path().join("bob/together.sqlite3")).unwrap();
    let bob_secrets = FileStore::new(dir.path().join("bob/secrets.json"));
    runtime.block_on(async {
        let mut session = Session::signup(
            &mut bob,
            &bob_secrets,
            &url,
            "bob@example.com",
            "Bob",
            "bob-password",
        )
        .await
        .unwrap();
        session.join(&code).await.unwrap();
    });

    // Alice saves a season of check-ins offline, then syncs; the server dies during the upload.
    let start = jiff::civil::date(2026, 1, 1);
    for day in 0..400_i64 {
        let score = Score::new("score", 1 + day % 10).unwrap();
        let input = CheckinInput {
            date: start.checked_add(day.days()).unwrap(),
            connection: score,
            mood: score,
            satisfaction: score,
            note: Some(format!("day {day}")),
        };
        alice.checkin(&input, now).unwrap();
    }
    let before = queued(&alice);
    assert!(before.len() >= 400, "the season waits in the outbox");
    trap.server_pid.store(server.pid(), Ordering::SeqCst);
    trap.armed.store(true, Ordering::SeqCst);
    let interrupted = runtime.block_on(async {
        Session::resume(&mut alice, &alice_secrets)
            .unwrap()
            .sync()
            .await
    });
    if !trap.fired.load(Ordering::SeqCst) {
        server.kill();
        panic!("the sync ended before its second upload: the server was never killed mid-upload");
    }
    server.wait();
    assert!(
        interrupted.is_err(),
        "the device saw its sync fail: {interrupted:?}"
    );
    let after = queued(&alice);
    let acknowledged: BTreeSet<String> = before.difference(&after).cloned().collect();
    assert!(
        !acknowledged.is_empty(),
        "the server acknowledged an upload before the kill"
    );
    assert!(
        !after.is_empty(),
        "entries were still waiting or in flight when the server died"
    );
    let failed: i64 = rusqlite::Connection::open(dir.path().join("alice/together.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM outbox WHERE last_error IS NOT NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(failed > 0, "the device recorded its failed upload");
    // Every entry the server acknowledged is in its database after the crash.
    let stored: BTreeSet<String> = {
        let conn = rusqlite::Connection::open(data.join("server.sqlite3")).unwrap();
        let mut stmt = conn.prepare("SELECT entry_id FROM doc_entries").unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost in the crash: {lost:?}"
    );

    // Restart; both devices sync; nothing is lost.
    let server = start_server(&binary, port, &data);
    runtime.block_on(async {
        Session::resume(&mut alice, &alice_secrets)
            .unwrap()
            .sync()
            .await
            .unwrap();
        Session::resume(&mut bob, &bob_secrets)
            .unwrap()
            .sync()
            .await
            .unwrap();
    });
    assert!(
        queued(&alice).is_empty(),
        "everything uploaded after the restart"
    );
    let count = |store: &Store| store.table_as_json("daily_checkins").unwrap().len();
    assert_eq!(count(&alice), 400);
    assert_eq!(count(&bob), 400, "the partner has every check-in");
    for table in ["daily_checkins", "users", "relationships", "notifications"] {
        assert_eq!(
            alice.table_as_json(table).unwrap(),
            bob.table_as_json(table).unwrap(),
            "{table}"
        );
    }
    drop(server);
}
