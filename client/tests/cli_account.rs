//! `together account …` and `together sync --watch` in the situations of a first hour: a machine
//! without a keyring, a server that goes away (signing out offline, a watcher losing and finding
//! the server again), and a name the partner would read as a pronoun.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use tokio::net::TcpListener;

const PASSWORD: &str = "correct horse battery staple";

fn together(dir: &Path, store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TOGETHER_DATA_DIR")
        .env("TOGETHER_SECRET_STORE", store)
        .env("TOGETHER_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> Output {
    let output = together(dir, "file", args);
    assert!(
        output.status.success(),
        "together {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn server(dir: &Path) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = together_server::Config {
        listen: address,
        data_dir: dir.join("server"),
        ..together_server::Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(together_server::launch(config, listener, async {
        let _ = stopped.await;
    }));
    (format!("http://{address}"), stop)
}

fn signup(dir: &Path, store: &str, url: &str, email: &str) -> Output {
    together(
        dir,
        store,
        &[
            "account", "signup", "--server", url, "--email", email, "--name", "Alex",
        ],
    )
}

/// `unavailable` behaves as the keyring does where the kernel denies it (a container): reads
/// find nothing, writes fail.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_signup_says_so_before_making_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _stop) = server(dir.path()).await;
    let device = dir.path().join("device");

    let refused = signup(&device, "unavailable", &url, "alex@example.com");
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let message = text(&refused.stderr);
    assert!(message.contains("keyring"), "{message}");
    assert!(message.contains("TOGETHER_SECRET_STORE=file"), "{message}");

    // Nothing was half made: the same sign-up works with the file store (no "already exists").
    let again = signup(&device, "file", &url, "alex@example.com");
    assert!(again.status.success(), "{}", text(&again.stderr));

    // A device whose keyring forgets says so, not "signed out".
    let forgot = together(&device, "unavailable", &["sync"]);
    let message = text(&forgot.stderr);
    assert_eq!(forgot.status.code(), Some(1));
    assert!(message.contains("TOGETHER_SECRET_STORE=file"), "{message}");
    assert!(!message.contains("signed out"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_offline_signs_out_here_and_says_the_server_was_not_told() {
    let dir = tempfile::tempdir().unwrap();
    let (url, stop) = server(dir.path()).await;
    let device = dir.path().join("device");
    let signed = signup(&device, "file", &url, "alex@example.com");
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    drop(stop);
    // The server is gone once its address refuses connections.
    for _ in 0..100 {
        if std::net::TcpStream::connect(url.trim_start_matches("http://")).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    let out = ok(&device, &["account", "logout"]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("signed out"), "{said}");
    assert!(said.contains("could not"), "{said}");
    let sync = together(&device, "file", &["sync"]);
    assert!(!sync.status.success());
    assert!(text(&sync.stderr).contains("signed out"), "{sync:?}");
}

#[test]
fn a_pronoun_for_a_name_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let output = ok(dir.path(), &["profile", "set", "--name", "You"]);
    let warning = text(&output.stderr);
    assert!(warning.contains("You planned"), "{warning}");
    let output = ok(dir.path(), &["profile", "set", "--name", "Alex"]);
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
}

/// A loopback front for `backend` that can be switched off (connections refused and cut) and on.
async fn switchable_front(backend: std::net::SocketAddr) -> (String, Arc<AtomicBool>) {
    let up = Arc::new(AtomicBool::new(true));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let switch = up.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            if !switch.load(Ordering::SeqCst) {
                continue; // Dropped: the connection is cut at once.
            }
            let switch = switch.clone();
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
                let off = async {
                    while switch.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                };
                tokio::select! {
                    _ = copy => {}
                    () = off => {}
                }
            });
        }
    });
    (format!("http://{address}"), up)
}

struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(lines: &Receiver<String>, needle: &str) -> String {
    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(40)) {
        if line.contains(needle) {
            return line;
        }
        seen.push(line);
    }
    panic!("no line with {needle:?}; saw {seen:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_watch_says_when_it_starts_loses_and_finds_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = listener.local_addr().unwrap();
    let config = together_server::Config {
        listen: backend,
        data_dir: dir.path().join("server"),
        ..together_server::Config::default()
    };
    tokio::spawn(together_server::launch(
        config,
        listener,
        std::future::pending(),
    ));
    let (url, up) = switchable_front(backend).await;
    let device = dir.path().join("device");
    let signed = signup(&device, "file", &url, "alex@example.com");
    assert!(signed.status.success(), "{}", text(&signed.stderr));

    let mut child = Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(&device)
        .args(["sync", "--watch"])
        .env("TOGETHER_SECRET_STORE", "file")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _watcher = Watcher(child);
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let started = wait_for(&lines, "watching");
    assert!(started.contains(&url), "{started}");

    up.store(false, Ordering::SeqCst);
    // A local change makes the watcher try at once.
    ok(&device, &["note", "add", "while the server is away"]);
    wait_for(&lines, "cannot reach");
    up.store(true, Ordering::SeqCst);
    wait_for(&lines, "again");
}

/// An invite-only server: `together account signup` without the operator's code is refused in
/// plain words and makes nothing; with `--signup-code` it signs up.
#[tokio::test(flavor = "multi_thread")]
async fn an_invite_only_server_takes_the_signup_code_flag() {
    use together_server::storage::SignupCodes as _;
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = together_server::Config {
        listen: address,
        data_dir: dir.path().join("server"),
        registration: together_server::registration::Registration::InviteOnly,
        ..together_server::Config::default()
    };
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(together_server::launch(config, listener, async {
        let _ = stopped.await;
    }));
    let url = format!("http://{address}");
    let device = dir.path().join("device");

    let refused = signup(&device, "file", &url, "alex@example.com");
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let message = text(&refused.stderr);
    assert!(message.contains("sign-up code"), "{message}");

    // The operator makes a code (as `together-server admin signup-code create` does).
    let storage =
        together_server::storage::SqliteStorage::open(&dir.path().join("server/server.sqlite3"))
            .unwrap();
    let (code, hash) = together_server::registration::new_code();
    storage
        .create_signup_code("c1".into(), hash, 1, "2026-01-01T00:00:00.000Z".into())
        .await
        .unwrap();
    let made = together(
        &device,
        "file",
        &[
            "account",
            "signup",
            "--server",
            &url,
            "--email",
            "alex@example.com",
            "--name",
            "Alex",
            "--signup-code",
            &code,
        ],
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let uses = storage.signup_codes().await.unwrap();
    assert_eq!(uses[0].uses, 1);
}
