//! The opt-in usage upload and what the operator sees of it, through the real server on both
//! backends: a report is stored under its day and token and replaced on resend; anything else is
//! a 400 that stores nothing; folded figures are right and hidden below the k-threshold; old raw
//! reports go; cohorts count accounts by creation week, activity and subscriptions.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::Arc;

use common::{Device, Server, count, execute, signup, start_with};
use jiff::SignedDuration;
use jiff::civil::Date;
use serde_json::{Value, json};
use together_server::clock::{Clock, ManualClock};
use together_server::secrets::SecretText;
use together_server::storage::rules::usage::{CohortRow, FeatureUsageMetric, KThreshold};
use together_server::storage::usage::feature_usage;
use together_server::storage::{PostgresStorage, SqliteStorage, Storage};

/// The server's "now" in these tests: a Sunday.
const NOW: &str = "2026-11-29T12:00:00Z";

fn today() -> Date {
    "2026-11-29".parse().unwrap()
}

/// A token of the right shape, distinct per `n`.
fn token(n: u8) -> String {
    let mut t = format!("tok{n:03}");
    while t.len() < 43 {
        t.push('A');
    }
    t
}

async fn at_now() -> (Server, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(NOW.parse().unwrap()));
    let server_clock = Arc::clone(&clock);
    let server = start_with(move |config| config.clock = server_clock).await;
    (server, clock)
}

/// A second handle on the running server's database, as the admin commands and the console use.
async fn storage_of(server: &Server) -> Arc<dyn Storage> {
    match &server.database_url {
        Some(url) => Arc::new(
            PostgresStorage::open(&SecretText::new(url.clone()))
                .await
                .unwrap(),
        ),
        None => Arc::new(
            SqliteStorage::open(&server.dir.path().join("server-data/server.sqlite3")).unwrap(),
        ),
    }
}

async fn send(server: &Server, body: Value) -> common::Reply {
    Device::anonymous(server).post("/v1/usage", body).await
}

fn usage(feature: &str, interactions: u32, seconds: u32, completed: bool) -> Value {
    json!({ "feature": feature, "interactions": interactions, "seconds": seconds, "completed": completed })
}

#[tokio::test]
async fn a_report_is_stored_under_its_day_and_token_and_a_resend_replaces_it() {
    let (server, _clock) = at_now().await;
    let first = send(
        &server,
        json!({ "day": "2026-11-28", "token": token(1), "features": [
            usage("checkin", 3, 60, true), usage("quiz", 1, 5, false)] }),
    )
    .await;
    assert_eq!(first.status, 204, "{}", first.body);
    let sql = "SELECT count(*) FROM usage_reports WHERE token = $1";
    assert_eq!(count(&server, sql, &token(1)).await, 2);
    let again = send(
        &server,
        json!({ "day": "2026-11-28", "token": token(1), "features": [usage("notes", 2, 9, true)] }),
    )
    .await;
    assert_eq!(again.status, 204, "{}", again.body);
    assert_eq!(
        count(&server, sql, &token(1)).await,
        1,
        "replaced, not added"
    );
    let features = "SELECT count(*) FROM usage_reports WHERE feature = $1";
    assert_eq!(count(&server, features, "notes").await, 1);
    assert_eq!(count(&server, features, "checkin").await, 0);
    // Nothing names the sender: the table has only the report's own fields.
    let columns = if server.database_url.is_some() {
        "SELECT count(*) FROM information_schema.columns WHERE table_name = $1"
    } else {
        "SELECT count(*) FROM pragma_table_info($1)"
    };
    assert_eq!(count(&server, columns, "usage_reports").await, 6);
}

#[tokio::test]
async fn malformed_unknown_out_of_range_and_misdated_reports_get_400_and_store_nothing() {
    let (server, _clock) = at_now().await;
    let good = |day: &str| json!({ "day": day, "token": token(2), "features": [usage("checkin", 1, 1, false)] });
    let mut unknown = good("2026-11-28");
    unknown["user_id"] = json!("someone");
    let mut unknown_inner = good("2026-11-28");
    unknown_inner["features"][0]["event_data"] = json!("x");
    let cases = [
        ("not a report", json!("hello")),
        ("unknown field", unknown),
        ("unknown field in a feature", unknown_inner),
        (
            "unknown feature",
            json!({ "day": "2026-11-28", "token": token(2), "features": [usage("spying", 1, 1, false)] }),
        ),
        (
            "too many seconds",
            json!({ "day": "2026-11-28", "token": token(2), "features": [usage("checkin", 1, 86_401, false)] }),
        ),
        (
            "too many interactions",
            json!({ "day": "2026-11-28", "token": token(2), "features": [usage("checkin", 10_001, 1, false)] }),
        ),
        (
            "negative count",
            json!({ "day": "2026-11-28", "token": token(2), "features": [{ "feature": "checkin", "interactions": -1, "seconds": 1, "completed": false }] }),
        ),
        (
            "a feature twice",
            json!({ "day": "2026-11-28", "token": token(2), "features": [usage("checkin", 1, 1, false), usage("checkin", 2, 1, false)] }),
        ),
        (
            "short token",
            json!({ "day": "2026-11-28", "token": "short", "features": [] }),
        ),
        ("not a day", good("yesterday")),
        ("nine days ago", good("2026-11-20")),
        ("two days ahead", good("2026-12-01")),
    ];
    for (what, body) in cases {
        let reply = send(&server, body).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        assert!(reply.body["error"].is_string(), "{what}: {}", reply.body);
    }
    let raw = Device::anonymous(&server);
    let garbage = common::http()
        .post(format!("{}/v1/usage", raw.base))
        .header("content-type", "application/json")
        .body("{\"day\":")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let huge = common::http()
        .post(format!("{}/v1/usage", raw.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 5000])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM usage_reports WHERE day <> $1",
            ""
        )
        .await,
        0,
        "nothing refused was stored"
    );
    // The edges of the window are accepted.
    for day in ["2026-11-21", "2026-11-30"] {
        let reply = send(&server, good(day)).await;
        assert_eq!(reply.status, 204, "{day}: {}", reply.body);
    }
}

/// Sends `features` for 2026-11-28 under token `n`.
async fn report(server: &Server, n: u8, features: Vec<Value>) {
    let reply = send(
        server,
        json!({ "day": "2026-11-28", "token": token(n), "features": features }),
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
}

fn find<'a>(rows: &'a [FeatureUsageMetric], feature: &str) -> &'a FeatureUsageMetric {
    rows.iter()
        .find(|r| r.feature == feature)
        .unwrap_or_else(|| panic!("no {feature} row in {rows:?}"))
}

#[tokio::test]
async fn folded_figures_are_right_and_hidden_below_the_k_threshold() {
    let (server, clock) = at_now().await;
    let db = storage_of(&server).await;
    report(
        &server,
        1,
        vec![usage("checkin", 3, 60, true), usage("quiz", 0, 0, false)],
    )
    .await;
    report(&server, 2, vec![usage("checkin", 1, 30, false)]).await;
    report(
        &server,
        3,
        vec![usage("checkin", 0, 0, false), usage("notes", 2, 10, true)],
    )
    .await;
    report(&server, 4, vec![usage("notes", 1, 20, false)]).await;
    together_server::usage::run_once(&*db, clock.now()).await;
    let k5 = KThreshold::new(5).unwrap();
    let k4 = KThreshold::new(4).unwrap();
    assert!(
        feature_usage(&*db, today(), 7, k5)
            .await
            .unwrap()
            .is_empty(),
        "four reporters are fewer than k = 5"
    );
    let shown = feature_usage(&*db, today(), 7, k4).await.unwrap();
    assert_eq!(shown.len(), 3, "{shown:?}");
    let checkin = find(&shown, "checkin");
    assert_eq!(checkin.date, "2026-11-28");
    assert_eq!(
        (
            checkin.total_users,
            checkin.active_users,
            checkin.total_interactions
        ),
        (4, 2, 4)
    );
    assert_eq!(checkin.average_time_spent_seconds, Some(45.0));
    assert_eq!(checkin.completion_rate, Some(0.5));
    let quiz = find(&shown, "quiz");
    assert_eq!(
        (quiz.total_users, quiz.active_users, quiz.total_interactions),
        (4, 0, 0)
    );
    assert_eq!(
        (quiz.average_time_spent_seconds, quiz.completion_rate),
        (None, None)
    );
    let notes = find(&shown, "notes");
    assert_eq!((notes.active_users, notes.total_interactions), (2, 3));
    assert_eq!(notes.average_time_spent_seconds, Some(15.0));
    // A fifth reporter: shown at k = 5, with every figure refolded.
    report(&server, 5, vec![usage("checkin", 2, 10, true)]).await;
    together_server::usage::run_once(&*db, clock.now()).await;
    let shown = feature_usage(&*db, today(), 7, k5).await.unwrap();
    let checkin = find(&shown, "checkin");
    assert_eq!(
        (
            checkin.total_users,
            checkin.active_users,
            checkin.total_interactions
        ),
        (5, 3, 6)
    );
    assert_eq!(checkin.average_time_spent_seconds, Some(33.33));
    assert_eq!(checkin.completion_rate, Some(0.6667));
}

#[tokio::test]
async fn raw_reports_older_than_nine_days_go_and_their_folded_rows_stay() {
    let (server, clock) = at_now().await;
    let db = storage_of(&server).await;
    for n in 1..=3 {
        report(&server, n, vec![usage("ping", 1, 1, true)]).await;
    }
    together_server::usage::run_once(&*db, clock.now()).await;
    clock.advance(SignedDuration::from_hours(24 * 10));
    together_server::usage::run_once(&*db, clock.now()).await;
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM usage_reports WHERE day = $1",
            "2026-11-28"
        )
        .await,
        0,
        "raw reports of ten days ago are deleted"
    );
    let later: Date = "2026-12-09".parse().unwrap();
    let shown = feature_usage(&*db, later, 14, KThreshold::new(3).unwrap())
        .await
        .unwrap();
    assert_eq!(find(&shown, "ping").total_users, 3, "the folded row stays");
}

#[tokio::test]
async fn cohorts_count_accounts_by_creation_week_with_activity_and_subscriptions() {
    // A Monday, noon UTC.
    let clock = Arc::new(ManualClock::new("2026-11-02T12:00:00Z".parse().unwrap()));
    let server_clock = Arc::clone(&clock);
    let server = start_with(move |config| config.clock = server_clock).await;
    let db = storage_of(&server).await;
    let ann = signup(&server, "ann@example.com", "Ann", "pw").await;
    let ben = signup(&server, "ben@example.com", "Ben", "pw").await;
    let _cat = signup(&server, "cat@example.com", "Cat", "pw").await;
    // Signing up is not activity; an authenticated request is (twice in a week counts once).
    assert_eq!(ann.get("/v1/devices").await.status, 200);
    assert_eq!(ann.get("/v1/devices").await.status, 200);
    assert_eq!(ben.get("/v1/devices").await.status, 200);
    // Ben paid from Tuesday of the first week to Thursday of the second.
    execute(
        &server,
        &format!(
            "INSERT INTO subscriptions (id, user_id, status, billing_period, price_cents,
                created_at, updated_at, canceled_at)
             VALUES ('sub-ben', '{}', 'canceled', 'month', 500, '2026-11-03T08:00:00.000Z',
                '2026-11-12T08:00:00.000Z', '2026-11-12T08:00:00.000Z')",
            ben.user_id
        ),
    )
    .await;
    clock.advance(SignedDuration::from_hours(24 * 7));
    assert_eq!(ann.get("/v1/devices").await.status, 200);
    let dan = signup(&server, "dan@example.com", "Dan", "pw").await;
    assert_eq!(dan.get("/v1/devices").await.status, 200);
    clock.advance(SignedDuration::from_hours(24 * 7));
    together_server::usage::run_once(&*db, clock.now()).await;
    let rows = db.user_cohorts().await.unwrap();
    let view: Vec<(&str, i64, i64, i64, i64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.cohort_week.as_str(),
                r.weeks_since_signup,
                r.cohort_size,
                r.active_users,
                r.paying_users,
                r.retention_rate,
            )
        })
        .collect();
    assert_eq!(
        view,
        [
            ("2026-11-09", 0, 1, 1, 0, 1.0),
            ("2026-11-09", 1, 1, 0, 0, 0.0),
            ("2026-11-02", 0, 3, 2, 1, 0.6667),
            ("2026-11-02", 1, 3, 1, 1, 0.3333),
            ("2026-11-02", 2, 3, 0, 0, 0.0),
        ]
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM account_active_weeks WHERE account_id = $1",
            &ann.user_id
        )
        .await,
        2,
        "one row per active week"
    );
}

/// Runs `together-server admin ARGS` against `server`'s database: (success, stdout, stderr).
/// Two computations of the cohorts that overlap (the job on one instance and `admin fold-usage`,
/// or a job started before the accounts it would count): the one computed earlier never
/// replaces what a later one stored, whichever commits last.
#[tokio::test]
async fn an_older_computation_of_the_cohorts_never_replaces_a_newer_one() {
    let (server, _clock) = at_now().await;
    let db = storage_of(&server).await;
    let row = CohortRow {
        cohort_week: "2026-11-23".into(),
        weeks_since_signup: 0,
        cohort_size: 1,
        active_users: 1,
        paying_users: 0,
        retention_rate: 1.0,
    };
    // Later than the server's own job (its clock says 12:00), so that job cannot interleave.
    db.replace_cohorts(vec![row.clone()], "2026-11-29T13:00:00.000Z".into())
        .await
        .unwrap();
    db.replace_cohorts(Vec::new(), "2026-11-29T12:30:00.000Z".into())
        .await
        .unwrap();
    assert_eq!(
        db.user_cohorts().await.unwrap(),
        [row],
        "computed earlier, stored later: dropped"
    );
    db.replace_cohorts(Vec::new(), "2026-11-29T14:00:00.000Z".into())
        .await
        .unwrap();
    assert_eq!(
        db.user_cohorts().await.unwrap(),
        [],
        "a newer one replaces it"
    );
}

async fn admin(server: &Server, args: &[&str]) -> (bool, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_together-server"));
    command.arg("admin").args(args);
    match &server.database_url {
        Some(url) => command.args(["--database-url", url]),
        None => command
            .arg("--data-dir")
            .arg(server.dir.path().join("server-data")),
    };
    command.env_remove("TOGETHER_USAGE_K_THRESHOLD");
    let output = command.output().await.unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test]
async fn the_admin_commands_fold_now_and_list_only_what_the_k_threshold_lets_through() {
    let server = common::start().await;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let yesterday = today.yesterday().unwrap().to_string();
    let before = today.yesterday().unwrap().yesterday().unwrap().to_string();
    for n in 1..=5 {
        let body = json!({ "day": yesterday, "token": token(n), "features": [usage("goals", 1, 10, true)] });
        assert_eq!(send(&server, body).await.status, 204);
    }
    for n in 11..=14 {
        let body =
            json!({ "day": before, "token": token(n), "features": [usage("goals", 2, 10, false)] });
        assert_eq!(send(&server, body).await.status, 204);
    }
    let ann = signup(&server, "ann@example.com", "Ann", "pw").await;
    assert_eq!(ann.get("/v1/devices").await.status, 200);
    let (ok, _, stderr) = admin(&server, &["fold-usage"]).await;
    assert!(ok, "{stderr}");
    let (ok, out, stderr) = admin(&server, &["usage", "--json"]).await;
    assert!(ok, "{stderr}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 1, "only the day with five devices: {out}");
    assert_eq!(rows[0]["date"], yesterday.as_str());
    assert_eq!(rows[0]["feature"], "goals");
    assert_eq!(rows[0]["total_users"], 5);
    let (ok, out, stderr) = admin(&server, &["usage", "--json", "--usage-k-threshold", "4"]).await;
    assert!(ok, "{stderr}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let days: Vec<&str> = rows.iter().map(|r| r["date"].as_str().unwrap()).collect();
    assert_eq!(
        days,
        [yesterday.as_str(), before.as_str()],
        "newest day first"
    );
    let (ok, _, stderr) = admin(&server, &["usage", "--usage-k-threshold", "1"]).await;
    assert!(!ok && stderr.contains("at least 2"), "{stderr}");
    let (ok, out, stderr) = admin(&server, &["cohorts", "--json"]).await;
    assert!(ok, "{stderr}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(rows[0]["weeks_since_signup"], 0);
    assert_eq!(rows[0]["cohort_size"], 1);
    assert_eq!(rows[0]["active_users"], 1);
    let (ok, out, stderr) = admin(&server, &["cohorts"]).await;
    assert!(ok && out.contains("accounts     1"), "{out}{stderr}");
}

#[tokio::test]
async fn one_address_past_its_report_budget_gets_429_and_the_metrics_count_both_outcomes() {
    let clock = Arc::new(ManualClock::new(NOW.parse().unwrap()));
    let server_clock = Arc::clone(&clock);
    let server = start_with(move |config| {
        config.clock = server_clock;
        config.login_limits.usage_per_address = 3;
    })
    .await;
    for n in 1..=2 {
        report(&server, n, vec![usage("dates", 1, 1, false)]).await;
    }
    let bad = send(
        &server,
        json!({ "day": "2026-11-28", "token": "short", "features": [] }),
    )
    .await;
    assert_eq!(bad.status, 400);
    let limited = send(
        &server,
        json!({ "day": "2026-11-28", "token": token(9), "features": [] }),
    )
    .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.body["error"].is_string());
    // Sign-ups from the same address are not touched by the report budget.
    signup(&server, "eve@example.com", "Eve", "pw").await;
    let metrics = common::scrape(&server).await;
    for line in [
        "together_usage_reports_total{outcome=\"accepted\"} 2",
        "together_usage_reports_total{outcome=\"refused\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
}
