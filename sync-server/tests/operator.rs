//! Running the server as an operator does: one `serve` per data directory, admin commands that
//! never create a database by accident, private files, and logs an operator can read.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together-server"));
    for key in [
        "TOGETHER_LISTEN",
        "TOGETHER_SERVER_DATA_DIR",
        "TOGETHER_CONFIG",
        "TOGETHER_LOG_FORMAT",
        "RUST_LOG",
    ] {
        command.env_remove(key);
    }
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` on `data` and `port` with stderr into `log`, and waits until it answers.
fn serve(data: &Path, port: u16, log: &Path, extra: &[&str]) -> Child {
    let child = server()
        .arg("serve")
        // Each test server's admin listener on a free port (the default, 8788, is one).
        .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .args(extra)
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    // The port accepts before the database is ready: wait for a healthy answer.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        || get(port, "/healthz", None).0 != 200
    {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Stops a server with SIGTERM, as a service manager does, and waits for it.
fn stop(mut child: Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
}

fn text(output: &[u8]) -> String {
    String::from_utf8_lossy(output).into_owned()
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn get(port: u16, path: &str, request_id: Option<&str>) -> (u16, String) {
    let headers: Vec<(String, String)> = request_id
        .map(|id| ("x-request-id".to_owned(), id.to_owned()))
        .into_iter()
        .collect();
    raw_http(port, "GET", path, &headers, None)
}

/// One HTTP/1.1 request over a plain socket; answers the status and the `x-request-id` header.
fn raw_http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = body.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let request_id = answer
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap_or_default()
        .to_owned();
    (status, request_id)
}

#[test]
fn a_second_server_on_one_data_dir_is_refused_and_admin_commands_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = serve(&data, free_port(), &dir.path().join("first.log"), &[]);

    let second = run(server()
        .arg("serve")
        // Each test server's admin listener on a free port (the default, 8788, is one).
        .env("TOGETHER_ADMIN_LISTEN", "127.0.0.1:0")
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .arg("--data-dir")
        .arg(&data));
    assert_eq!(second.status.code(), Some(1));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains("another together-server is already serving"),
        "{stderr}"
    );
    assert!(stderr.contains(&data.display().to_string()), "{stderr}");

    let plans = run(server().args(["plans", "list", "--data-dir"]).arg(&data));
    assert!(plans.status.success(), "{}", text(&plans.stderr));
    stop(first);

    // Once the first has stopped, the directory is free again.
    let port = free_port();
    let again = serve(&data, port, &dir.path().join("again.log"), &[]);
    assert_eq!(get(port, "/healthz", None).0, 200);
    stop(again);
}

#[test]
fn an_admin_command_never_creates_a_database_and_says_which_one_it_uses() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(server().args(["plans", "list"]).current_dir(dir.path()));
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "there is no server database at {}",
            dir.path().join("server-data/server.sqlite3").display()
        )),
        "{stderr}"
    );
    assert!(
        !dir.path().join("server-data").exists(),
        "nothing was created"
    );

    let data = dir.path().join("data");
    let port = free_port();
    let child = serve(&data, port, &dir.path().join("serve.log"), &[]);
    stop(child);
    let output = run(server()
        .args(["plans", "list", "--json", "--data-dir"])
        .arg(&data));
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .expect("stdout is only the JSON answer");
    let stderr = text(&output.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "using the server database {}",
            data.join("server.sqlite3").display()
        ),
        "one line on stderr: no migration chatter"
    );
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_database_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let child = serve(&data, free_port(), &dir.path().join("serve.log"), &[]);
    stop(child);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("server.sqlite3")), 0o600);
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path) & 0o077, 0, "{} is private", path.display());
    }
}

#[test]
fn the_log_has_a_start_up_line_and_an_access_line_per_request_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("serve.log");
    let child = serve(&dir.path().join("data"), port, &log, &[]);

    let (status, request_id) = get(port, "/healthz", Some("attacker-chosen-id"));
    assert_eq!(status, 200);
    assert!(!request_id.is_empty() && request_id != "attacker-chosen-id");
    let sign_in = r#"{"email":"secret.person@example.com","auth_secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","device_name":"phone"}"#;
    let (refused, _) = raw_http(port, "POST", "/v1/sessions", &[], Some(sign_in));
    assert_eq!(refused, 401);
    let (off, _) = raw_http(
        port,
        "GET",
        "/v1/relationships/SECRETCODE123",
        &[("authorization".into(), "Bearer tok_very_secret".into())],
        None,
    );
    assert_eq!(off, 401);
    stop(child);

    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains('\u{1b}'), "no colours in a file:\n{log}");
    let start = log
        .lines()
        .find(|line| line.contains("together-server listening"))
        .unwrap_or_else(|| panic!("{log}"));
    for field in [
        &format!("listen=127.0.0.1:{port}") as &str,
        "database=",
        "billing=",
        "ai=off",
    ] {
        assert!(start.contains(field), "{field} in {start}");
    }
    let health = log
        .lines()
        .find(|line| line.contains(&request_id))
        .unwrap_or_else(|| panic!("the request id is logged:\n{log}"));
    for field in ["method=GET", "route=/healthz", "status=200", "latency_ms="] {
        assert!(health.contains(field), "{field} in {health}");
    }
    assert!(
        log.lines()
            .any(|line| line.contains("WARN") && line.contains("sign-in failed")),
        "{log}"
    );
    for secret in [
        "secret.person",
        "SECRETCODE123",
        "tok_very_secret",
        "AAAAAAAA",
    ] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into the log:\n{log}"
        );
    }
    assert!(!log.contains("refinery"), "{log}");
}

#[test]
fn json_logs_are_one_object_per_line_and_a_switched_off_feature_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("serve.log");
    let child = serve(
        &dir.path().join("data"),
        port,
        &log,
        &["--log-format", "json"],
    );
    // No webhook secret is configured: the server answers 503 on purpose.
    let (status, _) = raw_http(port, "POST", "/v1/stripe/webhook", &[], Some("{}"));
    assert_eq!(status, 503);
    let (status, _) = get(port, "/v1/plans", None);
    assert_eq!(status, 200);
    stop(child);

    let log = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line["span"]["route"] == "/v1/plans" && line["fields"]["status"] == 200)
    );
    assert!(
        lines.iter().all(|line| line["level"] != "ERROR"),
        "nothing failed:\n{log}"
    );
}
