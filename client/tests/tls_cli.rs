//! The `together` CLI forms scripts use (`account signup`, `pair invite --json`, `pair join`,
//! `sync`, `sync --watch`) against a server behind TLS: HTTPS for the API and `wss://` for live
//! push, with a test CA the processes trust through `SSL_CERT_FILE`. A change reaches the watching
//! partner well before the 15 s polling fallback could.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

const PASSWORD: &str = "correct horse battery staple";

fn together(dir: &Path, ca: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SSL_CERT_FILE", ca)
        .env("TOGETHER_SECRET_STORE", "file")
        .env("TOGETHER_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "together {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Kills the watcher when the test ends, whatever happens.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TLS front for `backend` on `127.0.0.1:0`, with a certificate for `localhost` from a fresh CA
/// written to `ca_file`. Answers the port.
async fn tls_front(backend: std::net::SocketAddr, ca_file: &Path) -> u16 {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    std::fs::write(ca_file, ca.pem()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut client) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut server) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scripted_cli_forms_sync_over_https_and_hear_live_pushes_over_wss() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = listener.local_addr().unwrap();
    let config = together_server::Config {
        listen: backend,
        data_dir: dir.path().join("server"),
        ..together_server::Config::default()
    };
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(together_server::launch(config, listener, async {
        let _ = stopped.await;
    }));
    let ca = dir.path().join("test-ca.pem");
    let port = tls_front(backend, &ca).await;
    let url = format!("https://localhost:{port}");
    let (alice, bob) = (dir.path().join("alice"), dir.path().join("bob"));

    together(
        &alice,
        &ca,
        &["profile", "set", "--name", "Alice", "--timezone", "UTC"],
    );
    together(&alice, &ca, &["relationship", "create"]);
    together(
        &alice,
        &ca,
        &[
            "account",
            "signup",
            "--server",
            &url,
            "--email",
            "alice@example.com",
            "--name",
            "Alice",
        ],
    );
    let invite = together(&alice, &ca, &["pair", "invite", "--json"]);
    let invite: serde_json::Value = serde_json::from_slice(&invite.stdout).unwrap();
    let code = invite["code"].as_str().unwrap().to_owned();
    together(
        &bob,
        &ca,
        &[
            "account",
            "signup",
            "--server",
            &url,
            "--email",
            "bob@example.com",
            "--name",
            "Bob",
        ],
    );
    together(&bob, &ca, &["pair", "join", &code]);

    // Bob watches; the watcher prints one JSON line per sync that changed something.
    let child = Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(&bob)
        .args(["sync", "--watch", "--json"])
        .env("SSL_CERT_FILE", &ca)
        .env("TOGETHER_SECRET_STORE", "file")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut watcher = Watcher(child);
    let (lines, heard) = std::sync::mpsc::channel::<String>();
    let stdout = watcher.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    // Let the watcher connect its live socket (its first sync may print a line).
    std::thread::sleep(Duration::from_secs(2));
    while heard.try_recv().is_ok() {}

    together(
        &alice,
        &ca,
        &["goal", "add", "--name", "Sunrise hikes", "--target", "5"],
    );
    let saved = Instant::now();
    together(&alice, &ca, &["sync"]);
    let line = heard
        .recv_timeout(Duration::from_secs(10))
        .expect("Bob's watcher heard of Alice's change over wss:// (polling would take 15 s)");
    let report: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(report["pulled"].as_u64().unwrap() >= 1, "{report}");
    println!(
        "Alice's goal reached Bob's watcher {:?} after her sync started",
        saved.elapsed()
    );
    drop(watcher);
    let goals = together(&bob, &ca, &["goal", "list", "--json"]);
    assert!(String::from_utf8_lossy(&goals.stdout).contains("Sunrise hikes"));
}
