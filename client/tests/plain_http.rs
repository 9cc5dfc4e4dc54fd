//! Without TLS the password-derived secret and the device token cross the network in clear, so the
//! `together` CLI talks plain `http://` only to this machine (loopback), unless the person opts in
//! for a server on their own network (`--allow-http` or `TOGETHER_ALLOW_HTTP=1`), and refuses
//! otherwise with a sentence saying how to opt in. The rule holds at signup, login and every later
//! use of the stored server address.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Output};

use tokio::net::TcpListener;

fn together(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together"));
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TOGETHER_SECRET_STORE", "file")
        .env("TOGETHER_PASSWORD", "correct horse battery staple")
        .env_remove("TOGETHER_ALLOW_HTTP");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// Signs up as `<directory name>@example.com`.
fn signup(dir: &Path, server: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let email = format!("{}@example.com", dir.file_name().unwrap().to_string_lossy());
    let mut args = extra.to_vec();
    args.extend([
        "account", "signup", "--server", server, "--email", &email, "--name", "Alice",
    ]);
    together(dir, &args, env)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Refused, with the sentence that says how to opt in, and nothing was sent anywhere.
fn assert_refused(output: &Output, url: &str) {
    assert!(!output.status.success(), "accepted {url}");
    let message = stderr(output);
    assert!(message.contains(url), "{message}");
    assert!(message.contains("https://"), "{message}");
    assert!(message.contains("--allow-http"), "{message}");
    assert!(message.contains("TOGETHER_ALLOW_HTTP=1"), "{message}");
}

/// A real server listening on every interface of this machine.
async fn server(dir: &Path) -> SocketAddr {
    let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = together_server::Config {
        listen: address,
        data_dir: dir.join("server"),
        ..together_server::Config::default()
    };
    tokio::spawn(together_server::launch(
        config,
        listener,
        std::future::pending(),
    ));
    address
}

/// This machine's address on its network (not loopback), when it has one: the source address of
/// a route to a documentation address (no packet is sent).
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn a_plain_http_server_on_the_network_is_refused_with_how_to_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = "http://192.0.2.1:8787";
    let output = signup(dir.path(), url, &[], &[]);
    assert_refused(&output, url);
    let output = together(
        dir.path(),
        &[
            "account",
            "login",
            "--server",
            url,
            "--email",
            "a@example.com",
        ],
        &[],
    );
    assert_refused(&output, url);
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_needs_no_opt_in_and_a_lan_server_works_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let address = server(dir.path()).await;

    let local = format!("http://127.0.0.1:{}", address.port());
    let output = signup(&dir.path().join("local"), &local, &[], &[]);
    assert!(output.status.success(), "{}", stderr(&output));

    let Some(lan) = lan_address() else {
        eprintln!("this machine has no network address besides loopback: LAN part skipped");
        return;
    };
    let lan = format!("http://{}", SocketAddr::new(lan, address.port()));
    let alice = dir.path().join("alice");
    assert_refused(&signup(&alice, &lan, &[], &[]), &lan);
    let output = signup(&alice, &lan, &["--allow-http"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Every later use of the stored address asks for the opt-in again.
    assert_refused(&together(&alice, &["sync"], &[]), &lan);
    let output = together(&alice, &["sync"], &[("TOGETHER_ALLOW_HTTP", "1")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = together(&alice, &["--allow-http", "sync", "--json"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
}
