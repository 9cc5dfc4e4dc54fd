//! Registration control on the real server, on every backend: open (the default), invite-only
//! with operator-issued sign-up codes (made with the real `together-server admin signup-code`
//! command, counted atomically), and closed.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use common::{Device, Server, count, login, secret_of, signup, start, start_with};
use serde_json::{Value, json};
use together_server::registration::Registration;

fn attempt(email: &str, code: Option<&str>) -> Value {
    let mut body = json!({ "email": email, "auth_secret": secret_of("pw-long-enough"), "device_name": "phone" });
    if let Some(code) = code {
        body["signup_code"] = json!(code);
    }
    body
}

/// Runs `together-server admin signup-code ARGS` against `server`'s database.
async fn admin(server: &Server, args: &[&str]) -> String {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_together-server"));
    command.args(["admin", "signup-code"]).args(args);
    match &server.database_url {
        Some(url) => command.args(["--database-url", url]),
        None => command
            .arg("--data-dir")
            .arg(server.dir.path().join("server-data")),
    };
    let output = command.output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn open_registration_needs_no_code() {
    let server = start().await;
    let anyone = Device::anonymous(&server);
    let made = anyone
        .post("/v1/accounts", attempt("a@example.com", Some("nonsense")))
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
}

#[tokio::test]
async fn a_closed_server_makes_no_account_and_says_so() {
    let server = start_with(|config| config.registration = Registration::Closed).await;
    let refused = Device::anonymous(&server)
        .post("/v1/accounts", attempt("a@example.com", None))
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["code"], "registration_closed");
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("not accepting new accounts"),
        "{}",
        refused.body
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM users WHERE email = $1",
            "a@example.com"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn invite_only_takes_a_code_for_its_uses_and_refuses_alike_otherwise() {
    let server = start_with(|config| config.registration = Registration::InviteOnly).await;
    let anyone = Device::anonymous(&server);
    let missing = anyone
        .post("/v1/accounts", attempt("a@example.com", None))
        .await;
    assert_eq!(missing.status, 403);
    assert_eq!(missing.body["code"], "signup_code_required");
    let unknown = anyone
        .post(
            "/v1/accounts",
            attempt("a@example.com", Some("00000000-00000000-00000000-00000000")),
        )
        .await;
    let malformed = anyone
        .post("/v1/accounts", attempt("a@example.com", Some("let me in")))
        .await;
    assert_eq!((unknown.status, &unknown.body), (403, &missing.body));
    assert_eq!((malformed.status, &malformed.body), (403, &missing.body));

    let code = admin(&server, &["create", "--uses", "2"]).await;
    assert_eq!(code.len(), 35, "{code}");
    let first = anyone
        .post("/v1/accounts", attempt("a@example.com", Some(&code)))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    // A wrong code with an email that exists: the code is refused first, the email not revealed.
    let wrong_for_existing = anyone
        .post(
            "/v1/accounts",
            attempt("a@example.com", Some("11111111-11111111-11111111-11111111")),
        )
        .await;
    assert_eq!(
        (wrong_for_existing.status, &wrong_for_existing.body),
        (403, &missing.body)
    );
    // An email already taken: refused, and the code's use is given back.
    let taken = anyone
        .post("/v1/accounts", attempt("A@example.com", Some(&code)))
        .await;
    assert_eq!(taken.status, 409);
    // Typed differently: the same code.
    let second = anyone
        .post(
            "/v1/accounts",
            attempt(
                "b@example.com",
                Some(&code.to_uppercase().replace('-', " ")),
            ),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    let used_up = anyone
        .post("/v1/accounts", attempt("c@example.com", Some(&code)))
        .await;
    assert_eq!(
        (used_up.status, &used_up.body),
        (403, &missing.body),
        "a used-up code reads like any wrong one"
    );
    // Without a code, an existing email is not revealed either: the code is checked first.
    let probe = anyone
        .post("/v1/accounts", attempt("a@example.com", None))
        .await;
    assert_eq!(probe.status, 403);

    let listed: Value = serde_json::from_str(&admin(&server, &["list", "--json"]).await).unwrap();
    assert_eq!(listed[0]["uses"], 2);
    assert_eq!(listed[0]["max_uses"], 2);
    assert!(listed[0]["last_used_at"].is_string());
    assert!(
        !listed.to_string().contains(&code[..8]),
        "the code itself is never stored or listed"
    );
    // Signing in is not registration.
    assert_eq!(
        login(&server, "a@example.com", "pw-long-enough")
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ups_never_pass_a_codes_uses() {
    let server = start_with(|config| config.registration = Registration::InviteOnly).await;
    let code = admin(&server, &["create", "--uses", "3"]).await;
    let attempts: Vec<_> = (0..12)
        .map(|i| {
            let device = Device::anonymous(&server);
            let body = attempt(&format!("p{i}@example.com"), Some(&code));
            tokio::spawn(async move { device.post("/v1/accounts", body).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM users WHERE email LIKE $1",
            "p%@example.com"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn the_open_default_lets_the_usual_helpers_sign_up() {
    // Every other suite signs up without a code: the default stays open.
    let server = start().await;
    let device = signup(&server, "x@example.com", "X", "pw-x").await;
    assert!(!device.user_id.is_empty());
}
