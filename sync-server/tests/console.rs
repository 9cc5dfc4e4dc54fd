//! The operator console on the admin listener, over loopback on both backends: operators created
//! by the command line, sign-in with one answer for a wrong email or password, the session cookie
//! and its expiry, CSRF and the same-origin check, the sign-in rate limit, and an account disabled
//! from the console refused at the public API.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::Arc;

use common::{Server, login, signup, start_with};
use jiff::{SignedDuration, Timestamp};
use together_server::clock::ManualClock;

const PASSWORD: &str = "a long operator password";

/// `together-server admin create-operator` against the server's database.
fn create_operator(server: &Server, email: &str, password: Option<&str>) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_together-server"));
    command.args(["admin", "create-operator", "--email", email]);
    for key in [
        "TOGETHER_CONFIG",
        "TOGETHER_SERVER_DATA_DIR",
        "TOGETHER_DATABASE_URL",
    ] {
        command.env_remove(key);
    }
    match &server.database_url {
        Some(url) => command.args(["--database-url", url]),
        None => command
            .arg("--data-dir")
            .arg(server.dir.path().join("server-data")),
    };
    match password {
        Some(password) => command.env("TOGETHER_OPERATOR_PASSWORD", password),
        None => command.env_remove("TOGETHER_OPERATOR_PASSWORD"),
    };
    command.output().unwrap()
}

/// A browser-like client of the console: no redirects followed, the cookie kept by hand.
struct Console {
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
}

struct Answer {
    status: u16,
    location: String,
    set_cookie: String,
    text: String,
}

impl Console {
    fn new(server: &Server) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            base: server.admin.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        let status = response.status().as_u16();
        Answer {
            status,
            location,
            set_cookie,
            text: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    /// Signs in; keeps the cookie on success.
    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let answer = self
            .post("/sign-in", &[("email", email), ("password", password)])
            .await;
        if answer.status == 303 {
            self.cookie = Some(answer.set_cookie.split(';').next().unwrap().to_owned());
        }
        answer
    }

    /// The session's CSRF token, read from a page's sign-out form.
    async fn csrf(&self) -> String {
        let page = self.get("/").await;
        assert_eq!(page.status, 200, "{}", page.text);
        let after = page.text.split("name=\"csrf\" value=\"").nth(1).unwrap();
        after.split('"').next().unwrap().to_owned()
    }
}

#[tokio::test]
async fn an_operator_is_created_from_the_command_line_and_signs_in_to_a_cookie_guarded_console() {
    let server = start_with(|_| {}).await;
    // The password comes from the environment only, and is 12 characters or more.
    let missing = create_operator(&server, "ops@example.org", None);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("TOGETHER_OPERATOR_PASSWORD"));
    let short = create_operator(&server, "ops@example.org", Some("elevenchars"));
    assert!(!short.status.success());
    let made = create_operator(&server, "ops@example.org", Some(PASSWORD));
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let again = create_operator(&server, "OPS@example.org", Some(PASSWORD));
    assert!(
        !again.status.success(),
        "an email is one operator, whatever its case"
    );
    // Stored hashed: the password itself is nowhere in the table.
    assert_eq!(
        common::count(
            &server,
            "SELECT count(*) FROM operators WHERE password_hash LIKE $1",
            "$argon2id$%"
        )
        .await,
        1
    );

    let mut console = Console::new(&server);
    // Without a cookie: pages redirect to the sign-in page, forms are refused.
    for path in ["/", "/revenue", "/billing", "/accounts"] {
        let answer = console.get(path).await;
        assert_eq!(
            (answer.status, answer.location.as_str()),
            (303, "/sign-in"),
            "{path}"
        );
    }
    assert_eq!(
        console
            .post("/billing/retry", &[("csrf", "x"), ("event_id", "evt_1")])
            .await
            .status,
        403
    );
    assert_eq!(console.get("/sign-in").await.status, 200);

    // A wrong password and an unknown email get the same answer.
    let wrong = console
        .sign_in("ops@example.org", "not the password!")
        .await;
    let unknown = console.sign_in("nobody@example.org", PASSWORD).await;
    assert_eq!(wrong.status, 401);
    assert_eq!((wrong.status, &wrong.text), (unknown.status, &unknown.text));
    assert!(wrong.set_cookie.is_empty());

    let signed_in = console.sign_in("Ops@Example.org", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.text);
    let cookie = &signed_in.set_cookie;
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    for path in ["/", "/revenue", "/billing", "/accounts?q=example"] {
        let page = console.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
    }

    // CSRF: a form without this session's token is refused, and so is one from another origin.
    let csrf = console.csrf().await;
    assert_eq!(
        console
            .post("/sign-out", &[("csrf", "wrong-token-wrong-token")])
            .await
            .status,
        403
    );
    let cross = console
        .send(
            console
                .http
                .post(format!("{}/sign-out", console.base))
                .header("origin", "https://evil.example")
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(cross.status, 403);
    assert_eq!(console.get("/").await.status, 200, "still signed in");

    // Signing out ends the session in the database: the old cookie opens nothing.
    let out = console.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(out.set_cookie.contains("Max-Age=0"));
    assert_eq!(console.get("/").await.status, 303);
}

#[tokio::test]
async fn a_session_expires_after_twelve_hours() {
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    let server = start_with({
        let clock = Arc::clone(&clock);
        move |config| config.clock = clock
    })
    .await;
    assert!(
        create_operator(&server, "ops@example.org", Some(PASSWORD))
            .status
            .success()
    );
    let mut console = Console::new(&server);
    assert_eq!(
        console.sign_in("ops@example.org", PASSWORD).await.status,
        303
    );
    clock.advance(SignedDuration::from_hours(11));
    assert_eq!(console.get("/").await.status, 200);
    clock.advance(SignedDuration::from_hours(1));
    let expired = console.get("/").await;
    assert_eq!(
        (expired.status, expired.location.as_str()),
        (303, "/sign-in")
    );
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let server = start_with(|config| {
        config.login_limits.free_failures = 1;
        config.login_limits.per_address = 3;
    })
    .await;
    assert!(
        create_operator(&server, "ops@example.org", Some(PASSWORD))
            .status
            .success()
    );
    let mut console = Console::new(&server);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            console
                .sign_in("ops@example.org", "wrong password here")
                .await
                .status,
        );
    }
    assert_eq!(statuses[0], 401);
    assert!(statuses.contains(&429), "{statuses:?}");
    // While limited, even the right password waits.
    assert_eq!(
        console.sign_in("ops@example.org", PASSWORD).await.status,
        429
    );
}

#[tokio::test]
async fn an_account_disabled_in_the_console_is_refused_at_the_public_api_until_enabled() {
    let server = start_with(|_| {}).await;
    let device = signup(&server, "alex@example.org", "Alex", "alex password").await;
    assert_eq!(device.get("/v1/devices").await.status, 200);
    assert!(
        create_operator(&server, "ops@example.org", Some(PASSWORD))
            .status
            .success()
    );
    let mut console = Console::new(&server);
    assert_eq!(
        console.sign_in("ops@example.org", PASSWORD).await.status,
        303
    );
    let found = console.get("/accounts?q=ALEX@").await;
    assert!(
        found
            .text
            .contains(&format!("/accounts/{}", device.user_id)),
        "{}",
        found.text
    );
    let csrf = console.csrf().await;

    let path = format!("/accounts/{}/disable", device.user_id);
    assert_eq!(
        console
            .post(&path, &[("csrf", "not-the-token-of-this")])
            .await
            .status,
        403
    );
    assert_eq!(
        device.get("/v1/devices").await.status,
        200,
        "a refused form changes nothing"
    );
    let before = console.get(&format!("/accounts/{}", device.user_id)).await;
    assert!(
        !before.text.contains("devices-while-disabled"),
        "{}",
        before.text
    );
    assert_eq!(console.post(&path, &[("csrf", &csrf)]).await.status, 303);
    let page = console.get(&format!("/accounts/{}", device.user_id)).await;
    assert!(page.text.contains("disabled-notice"), "{}", page.text);
    // Its devices are refused, not gone: the page says so rather than "no device".
    assert!(
        page.text.contains("devices-while-disabled"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("No device signed in."), "{}", page.text);

    // Its token is refused, and it cannot sign in (the same answer as a wrong password).
    assert_eq!(device.get("/v1/devices").await.status, 401);
    let refused = login(&server, "alex@example.org", "alex password").await;
    let wrong = login(&server, "alex@example.org", "not the password").await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body, wrong.body);
    // Another account is untouched.
    let other = signup(&server, "sam@example.org", "Sam", "sam password").await;
    assert_eq!(other.get("/v1/devices").await.status, 200);

    let enable = format!("/accounts/{}/enable", device.user_id);
    assert_eq!(console.post(&enable, &[("csrf", &csrf)]).await.status, 303);
    assert_eq!(device.get("/v1/devices").await.status, 200);
    assert_eq!(
        login(&server, "alex@example.org", "alex password")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn retry_now_applies_a_failed_webhook_event_and_lists_it_no_more() {
    let server = start_with(|_| {}).await;
    // An event the webhook stored but could not apply (as after a database hiccup).
    let raw = r#"{"id":"evt_failed_1","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}"#;
    common::execute(
        &server,
        &format!(
            "INSERT INTO stripe_webhooks (id, event_id, event_type, event_data, processed, retry_count, received_at, last_error)
             VALUES ('w1', 'evt_failed_1', 'customer.created', '{raw}', FALSE, 1, '2026-11-29T10:00:00.000Z', 'database is locked')"
        ),
    )
    .await;
    assert!(
        create_operator(&server, "ops@example.org", Some(PASSWORD))
            .status
            .success()
    );
    let mut console = Console::new(&server);
    assert_eq!(
        console.sign_in("ops@example.org", PASSWORD).await.status,
        303
    );
    let billing = console.get("/billing").await;
    assert!(
        billing.text.contains("evt_failed_1") && billing.text.contains("database is locked"),
        "{}",
        billing.text
    );
    let csrf = console.csrf().await;
    assert_eq!(
        console
            .post(
                "/billing/retry",
                &[
                    ("csrf", "forged-token-forged"),
                    ("event_id", "evt_failed_1")
                ]
            )
            .await
            .status,
        403
    );
    let processed = "SELECT count(*) FROM stripe_webhooks WHERE event_id = $1 AND processed";
    assert_eq!(common::count(&server, processed, "evt_failed_1").await, 0);
    let retried = console
        .post(
            "/billing/retry",
            &[("csrf", &csrf), ("event_id", "evt_failed_1")],
        )
        .await;
    assert_eq!(
        (retried.status, retried.location.as_str()),
        (303, "/billing")
    );
    assert_eq!(common::count(&server, processed, "evt_failed_1").await, 1);
    assert!(!console.get("/billing").await.text.contains("evt_failed_1"));
    // Applied events are not retried again; unknown ones are not found.
    assert_eq!(
        console
            .post(
                "/billing/retry",
                &[("csrf", &csrf), ("event_id", "evt_failed_1")]
            )
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_account_is_deleted_from_the_console_only_after_its_confirmation_step() {
    let server = start_with(|_| {}).await;
    let device = signup(&server, "gone@example.org", "Gone", "gone password").await;
    assert!(
        create_operator(&server, "ops@example.org", Some(PASSWORD))
            .status
            .success()
    );
    let mut console = Console::new(&server);
    assert_eq!(
        console.sign_in("ops@example.org", PASSWORD).await.status,
        303
    );
    let path = format!("/accounts/{}/delete", device.user_id);
    // The confirmation page changes nothing.
    let confirm = console.get(&path).await;
    assert!(confirm.status == 200 && confirm.text.contains("gone@example.org"));
    let users = "SELECT count(*) FROM users WHERE id = $1";
    assert_eq!(common::count(&server, users, &device.user_id).await, 1);
    let csrf = console.csrf().await;
    assert_eq!(
        console
            .post(&path, &[("csrf", "forged-token-forged")])
            .await
            .status,
        403
    );
    assert_eq!(common::count(&server, users, &device.user_id).await, 1);
    assert_eq!(console.post(&path, &[("csrf", &csrf)]).await.status, 303);
    assert_eq!(common::count(&server, users, &device.user_id).await, 0);
    assert_eq!(device.get("/v1/devices").await.status, 401);
    assert_eq!(
        console
            .get(&format!("/accounts/{}", device.user_id))
            .await
            .status,
        404
    );
}

/// A second handle on the running server's database.
async fn storage_of(server: &Server) -> Arc<dyn together_server::storage::Storage> {
    use together_server::storage::{PostgresStorage, SqliteStorage};
    match &server.database_url {
        Some(url) => Arc::new(
            PostgresStorage::open(&together_server::secrets::SecretText::new(url.clone()))
                .await
                .unwrap(),
        ),
        None => Arc::new(
            SqliteStorage::open(&server.dir.path().join("server-data/server.sqlite3")).unwrap(),
        ),
    }
}

fn usage_token(n: u8) -> String {
    let mut t = format!("tok{n:03}");
    while t.len() < 43 {
        t.push('A');
    }
    t
}

#[tokio::test]
async fn the_feature_usage_page_hides_small_groups_and_the_cohorts_page_shows_the_heat_map() {
    let server = start_with(|config| {
        config.usage_k_threshold =
            together_server::storage::rules::usage::KThreshold::new(2).unwrap();
    })
    .await;
    let device = signup(&server, "alex@example.org", "Alex", "alex password").await;
    assert_eq!(device.get("/v1/devices").await.status, 200);
    let now = Timestamp::now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let yesterday = today.yesterday().unwrap().to_string();
    let before = today.yesterday().unwrap().yesterday().unwrap().to_string();
    // Two devices reported yesterday; one alone the day before (a group of one: never shown).
    for (n, day, features) in [
        (
            1,
            &yesterday,
            serde_json::json!([{"feature": "checkin", "interactions": 3, "seconds": 40, "completed": true}, {"feature": "notes", "interactions": 1, "seconds": 5, "completed": false}]),
        ),
        (
            2,
            &yesterday,
            serde_json::json!([{"feature": "checkin", "interactions": 5, "seconds": 60, "completed": false}]),
        ),
        (
            3,
            &before,
            serde_json::json!([{"feature": "checkin", "interactions": 9, "seconds": 9, "completed": true}]),
        ),
    ] {
        let reply = common::Device::anonymous(&server)
            .post(
                "/v1/usage",
                serde_json::json!({"day": day, "token": usage_token(n), "features": features}),
            )
            .await;
        assert_eq!(reply.status, 204, "{}", reply.body);
    }
    let db = storage_of(&server).await;
    together_server::storage::usage::fold_usage(&*db, today)
        .await
        .unwrap();
    together_server::storage::usage::compute_cohorts(&*db, now)
        .await
        .unwrap();

    assert!(
        create_operator(&server, "ops@example.org", Some(PASSWORD))
            .status
            .success()
    );
    let mut console = Console::new(&server);
    assert_eq!(
        console.get("/usage").await.status,
        303,
        "signed out: to the sign-in page"
    );
    assert_eq!(
        console.sign_in("ops@example.org", PASSWORD).await.status,
        303
    );
    let usage = console.get("/usage").await;
    assert_eq!(usage.status, 200);
    assert!(
        usage.text.contains("checkin") && usage.text.contains(&yesterday),
        "{}",
        usage.text
    );
    assert!(usage.text.contains("<h2>notes</h2>"), "{}", usage.text);
    assert!(
        !usage.text.contains(&before),
        "a day of one device is hidden: {}",
        usage.text
    );
    let cohorts = console.get("/cohorts").await;
    assert_eq!(cohorts.status, 200);
    let monday = together_server::storage::rules::usage::monday_of(today).to_string();
    assert!(
        cohorts.text.contains(&monday) && cohorts.text.contains("class=\"num heat"),
        "{}",
        cohorts.text
    );
}
