//! Usage recorded on the device (issue #15 §1, §2): each action writes its event in its own
//! transaction, sessions and page views tie together, "Your data" counts them and deletes them,
//! and the opt-in upload sends only due past days under per-day tokens — and nothing at all, to
//! no server, when the person did not opt in.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::sync::{Arc, Mutex};

use common::couple::{Replica, now, paired};
use jiff::{SignedDuration, Timestamp};
use together_client::usage::upload::{Upload, upload_due};
use together_client::usage::{DeviceType, UsageEvent};
use together_client::{activities, challenges, checkins, goals};
use together_core::love_languages::Choice;
use together_core::view::{ActivityForm, CheckinForm, GoalForm, PingForm, UsageScreen};
use together_core::wire::usage::{TOKEN_CHARS, UsageFeature, UsageReport};

fn at(seconds: i64) -> Timestamp {
    now() + SignedDuration::from_secs(seconds)
}

fn checkin_form() -> CheckinForm {
    CheckinForm {
        connection: 8,
        mood: 3,
        satisfaction: 9,
        gratitude: "the soup you made".into(),
        ..CheckinForm::default()
    }
}

fn events(replica: &Replica) -> Vec<serde_json::Value> {
    let conn = rusqlite::Connection::open(replica.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT json_object('name', event_name, 'category', event_category, 'data', event_data,
                    'device', device_type, 'session', session_id, 'user', user_id,
                    'relationship', relationship_id)
             FROM analytics_events ORDER BY created_at, rowid",
        )
        .unwrap();
    stmt.query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(|row| serde_json::from_str(&row.unwrap()).unwrap())
        .collect()
}

/// Rows of `sql`, each selected as one `json_object(...)`.
fn json_rows(replica: &Replica, sql: &str) -> Vec<serde_json::Value> {
    let conn = rusqlite::Connection::open(replica.db()).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(|row| serde_json::from_str(&row.unwrap()).unwrap())
        .collect()
}

fn names(replica: &Replica) -> Vec<String> {
    events(replica)
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn each_action_records_its_event_and_nothing_of_what_was_written() {
    let (mut alice, _bob) = paired();
    alice.store.set_usage_device(DeviceType::Desktop);
    let me = alice.store.local_user().unwrap().unwrap().to_string();

    checkins::check_in(&mut alice.store, &checkin_form(), at(0)).unwrap();
    let goal = goals::add(
        &mut alice.store,
        &GoalForm {
            name: "Walk every Sunday".into(),
            goal_type: "other".into(),
            target_count: 4,
            ..GoalForm::default()
        },
        at(1),
    )
    .unwrap();
    goals::progress(&mut alice.store, &goal[0].id, 1, at(2)).unwrap();
    let activity = activities::plan(
        &mut alice.store,
        &ActivityForm {
            name: "Picnic by the lake".into(),
            activity_type: "outdoors".into(),
            ..ActivityForm::default()
        },
        at(3),
    )
    .unwrap();
    activities::complete(&mut alice.store, &activity[0].id, at(4)).unwrap();
    activities::rate(&mut alice.store, &activity[0].id, 5, at(5)).unwrap();
    let challenge = alice.store.challenges().unwrap()[0].id.clone();
    challenges::join(&mut alice.store, &challenge, at(6)).unwrap();
    alice
        .store
        .answer_question("Our first trip to the coast", at(7))
        .unwrap();
    let pair = alice.store.this_or_that_today(at(8)).unwrap()[0]
        .pair_id
        .clone();
    alice.store.pick_this_or_that(&pair, 0, at(8)).unwrap();
    together_client::pings::send(
        &mut alice.store,
        &PingForm {
            kind: "hug".into(),
            message: "see you at six".into(),
        },
        at(9),
    )
    .unwrap();
    let pairs = together_core::love_languages::pairs().len();
    alice
        .store
        .take_love_language_quiz(&vec![Choice::First; pairs], at(10))
        .unwrap();

    assert_eq!(
        names(&alice),
        [
            "checkin_saved",
            "goal_progressed",
            "activity_rated",
            "challenge_joined",
            "question_answered",
            "quiz_answered",
            "ping_sent",
            "love_language_quiz_taken"
        ],
        "adding a goal or planning an activity records nothing; each listed action one event"
    );
    let all = events(&alice);
    let checkin = &all[0];
    assert_eq!(checkin["category"], "checkin");
    // The couple's streak (days both checked in): Bob has not yet.
    assert_eq!(checkin["data"], r#"{"streak_days":0}"#);
    assert_eq!(checkin["device"], "desktop");
    assert_eq!(checkin["user"], me.as_str());
    // One session holds them all (no 30-minute gap).
    let session = checkin["session"]
        .as_str()
        .expect("a session id")
        .to_owned();
    assert!(
        all.iter().all(|e| e["session"] == session.as_str()),
        "{all:?}"
    );
    // Only the check-in carries data, and never anything the person wrote or scored.
    let text = serde_json::to_string(&all).unwrap();
    for content in ["soup", "Walk", "Picnic", "coast", "six", "\"mood\"", "hug"] {
        assert!(!text.contains(content), "{content} leaked into {text}");
    }
    assert!(all[1..].iter().all(|e| e["data"].is_null()), "{all:?}");
}

#[test]
fn a_refused_action_records_no_event() {
    let (mut alice, _bob) = paired();
    alice.store.set_usage_device(DeviceType::Desktop);
    // Refused inside the action's transaction (before the relationship started, 2019-06-01).
    let before_start = CheckinForm {
        date: "2019-05-01".into(),
        ..checkin_form()
    };
    assert!(checkins::check_in(&mut alice.store, &before_start, at(0)).is_err());
    let activity = activities::plan(
        &mut alice.store,
        &ActivityForm {
            name: "Picnic".into(),
            activity_type: "outdoors".into(),
            ..ActivityForm::default()
        },
        at(1),
    )
    .unwrap();
    // Rated before it is done: refused.
    assert!(activities::rate(&mut alice.store, &activity[0].id, 5, at(2)).is_err());
    assert!(names(&alice).is_empty(), "{:?}", names(&alice));
    assert_eq!(alice.count("SELECT count(*) FROM daily_checkins"), 0);
}

#[test]
fn screens_become_page_views_tied_to_sessions_that_end_after_thirty_idle_minutes() {
    let (mut alice, _bob) = paired();
    let store = &mut alice.store;
    store.set_usage_device(DeviceType::Desktop);
    store.start_usage_session(at(0)).unwrap();
    store.screen_shown(UsageScreen::Today, at(0)).unwrap();
    store.screen_shown(UsageScreen::Goals, at(3)).unwrap(); // Today: 3 s, a bounce
    checkins::check_in(store, &checkin_form(), at(20)).unwrap();
    store.screen_shown(UsageScreen::Settings, at(63)).unwrap(); // Goals: 60 s
    // Two hours later: Settings counts 30 minutes at most, and a new session starts.
    store
        .screen_shown(UsageScreen::Today, at(63 + 7200))
        .unwrap();
    store.end_usage(at(63 + 7200 + 10)).unwrap(); // Today: 10 s

    let views = json_rows(
        &alice,
        "SELECT json_object('page_path', page_path, 'duration_seconds', duration_seconds,
                'bounce', bounce, 'session_id', session_id) FROM page_views ORDER BY created_at",
    );
    let view = |path: &str| {
        views
            .iter()
            .filter(|v| v["page_path"] == path)
            .map(|v| {
                (
                    v["duration_seconds"].as_i64().unwrap(),
                    v["bounce"].as_i64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(view("today"), [(3, 1), (10, 0)], "{views:?}");
    assert_eq!(view("goals"), [(60, 0)]);
    assert_eq!(view("settings"), [(1800, 0)]);

    let sessions = json_rows(
        &alice,
        "SELECT json_object('id', id, 'pages_viewed', pages_viewed, 'events_count', events_count,
                'device_type', device_type, 'duration_seconds', duration_seconds)
         FROM user_sessions ORDER BY session_start",
    );
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let first = sessions
        .iter()
        .find(|s| s["pages_viewed"] == 3)
        .expect("{sessions:?}");
    assert_eq!(first["events_count"], 1);
    assert_eq!(first["device_type"], "desktop");
    // It ended at its last activity (the screen change at 63 s), not two hours later.
    assert_eq!(first["duration_seconds"], 63);
    let second = sessions.iter().find(|s| s["id"] != first["id"]).unwrap();
    assert_eq!(second["pages_viewed"], 1);
    assert_eq!(second["duration_seconds"], 10);
    // The check-in's event belongs to the first session.
    assert_eq!(events(&alice)[0]["session"], first["id"]);
}

#[test]
fn your_data_counts_the_last_thirty_days_and_deletes_everything_even_under_another_process() {
    let (mut alice, _bob) = paired();
    alice.store.set_usage_device(DeviceType::Desktop);
    alice.store.start_usage_session(at(0)).unwrap();
    alice.store.screen_shown(UsageScreen::Today, at(0)).unwrap();
    checkins::check_in(&mut alice.store, &checkin_form(), at(30)).unwrap();
    alice
        .store
        .screen_shown(UsageScreen::History, at(90))
        .unwrap();
    alice.store.end_usage(at(150)).unwrap();

    let summary = alice.store.usage_summary(at(200)).unwrap();
    assert!(!summary.enabled, "off until the person opts in");
    assert_eq!(summary.sessions, 1);
    assert_eq!(summary.screens_viewed, 2);
    assert_eq!(summary.events, 1);
    assert_eq!(summary.events_by_category[0].name, "checkin");
    assert_eq!(summary.seconds_in_app, 150);
    assert_eq!(summary.last_upload, None);
    // 31 days later, none of it is in the window.
    let later = alice.store.usage_summary(at(31 * 86_400)).unwrap();
    assert_eq!(
        (later.sessions, later.screens_viewed, later.events),
        (0, 0, 0)
    );

    // The app keeps a session open while the CLI deletes the usage data from another process:
    // the app's next save must still work (its event loses the deleted session, nothing fails).
    alice.store.start_usage_session(at(300)).unwrap();
    alice
        .store
        .screen_shown(UsageScreen::Today, at(300))
        .unwrap();
    let mut cli = together_client::Store::open(&alice.db()).unwrap();
    let emptied = cli.delete_usage(at(310)).unwrap();
    assert_eq!(
        (emptied.sessions, emptied.screens_viewed, emptied.events),
        (0, 0, 0)
    );
    checkins::check_in(&mut alice.store, &checkin_form(), at(320)).unwrap();
    assert_eq!(names(&alice), ["checkin_saved"]);
    alice
        .store
        .screen_shown(UsageScreen::Goals, at(330))
        .unwrap();
    assert_eq!(alice.count("SELECT count(*) FROM page_views"), 1);
    assert_eq!(
        alice.count("SELECT count(*) FROM user_sessions"),
        1,
        "a new session"
    );
    // Deleting keeps the couple's data.
    assert_eq!(alice.count("SELECT count(*) FROM daily_checkins"), 1);
}

/// Alice uses the app on three past days and today (Auckland time), opted in or not.
fn alice_used_the_app_on_past_days() -> Replica {
    let (mut alice, _bob) = paired();
    alice.store.set_usage_device(DeviceType::Desktop);
    // Auckland is UTC+13: 08:00Z on 2026-11-25 is the evening of the 25th there.
    for days_ago in [9_i64, 3, 1, 0] {
        let t = at(-days_ago * 86_400);
        alice.store.start_usage_session(t).unwrap();
        alice.store.screen_shown(UsageScreen::Today, t).unwrap();
        checkins::check_in(
            &mut alice.store,
            &checkin_form(),
            t + SignedDuration::from_secs(40),
        )
        .unwrap();
        alice
            .store
            .screen_shown(UsageScreen::Inbox, t + SignedDuration::from_secs(45))
            .unwrap();
        alice
            .store
            .end_usage(t + SignedDuration::from_secs(50))
            .unwrap();
    }
    alice
}

#[test]
fn due_reports_cover_past_days_within_a_week_each_under_its_own_kept_token() {
    let mut alice = alice_used_the_app_on_past_days();
    let reports = alice.store.due_usage_reports(now()).unwrap();
    let days: Vec<&str> = reports.iter().map(|r| r.day.as_str()).collect();
    // Nine days back is too old; today is never reported.
    assert_eq!(days, ["2026-11-22", "2026-11-24"]);
    for report in &reports {
        report.validate().unwrap();
        assert_eq!(report.token.len(), TOKEN_CHARS);
        assert_eq!(
            report.features,
            [together_core::wire::usage::FeatureUsage {
                feature: UsageFeature::Checkin,
                interactions: 2, // the Today screen and the check-in; the inbox is not reported
                seconds: 45,
                completed: true,
            }]
        );
    }
    assert_ne!(reports[0].token, reports[1].token, "one token per day");
    // A retry (nothing was sent) reuses each day's token.
    let again = alice.store.due_usage_reports(now()).unwrap();
    assert_eq!(
        again.iter().map(|r| &r.token).collect::<Vec<_>>(),
        reports.iter().map(|r| &r.token).collect::<Vec<_>>()
    );
    // The schema itself refuses one token for two days.
    let conn = rusqlite::Connection::open(alice.db()).unwrap();
    let reused = conn.execute(
        "INSERT INTO usage_uploads (day, token) VALUES ('2026-11-20', ?1)",
        [&reports[0].token],
    );
    assert!(reused.is_err());
    let _ = UsageEvent::ALL; // the public list the report folds
}

/// One request as the stand-in server saw it: `METHOD /path`, the body, the `Authorization` header.
type Request = (String, String, Option<String>);

/// A stand-in for the sync server that records every request it gets and accepts usage reports.
#[derive(Clone, Default)]
struct Recorded {
    requests: Arc<Mutex<Vec<Request>>>,
}

async fn recording_server() -> (String, Recorded) {
    let recorded = Recorded::default();
    let seen = recorded.clone();
    let app = axum::Router::new().fallback(
        move |method: axum::http::Method,
              uri: axum::http::Uri,
              headers: axum::http::HeaderMap,
              body: String| {
            let seen = seen.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                seen.requests
                    .lock()
                    .unwrap()
                    .push((format!("{method} {uri}"), body, auth));
                axum::http::StatusCode::NO_CONTENT
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, recorded)
}

fn use_server(replica: &Replica, url: &str) {
    rusqlite::Connection::open(replica.db())
        .unwrap()
        .execute(
            "INSERT INTO app_settings (key, value, updated_at) VALUES ('sync_server', ?1, '2026-11-25T08:00:00.000Z')
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [url],
        )
        .unwrap();
}

#[tokio::test]
async fn an_opted_out_device_calls_no_server_and_an_opted_in_one_sends_only_the_counts() {
    let (url, recorded) = recording_server().await;
    let mut alice = alice_used_the_app_on_past_days();
    use_server(&alice, &url);

    // Off by default: nothing is built, no request is made.
    assert_eq!(
        upload_due(&mut alice.store, now()).await.unwrap(),
        Upload::OptedOut
    );
    assert!(recorded.requests.lock().unwrap().is_empty());
    assert_eq!(alice.count("SELECT count(*) FROM usage_uploads"), 0);

    alice.store.set_analytics_opt_in(true, now()).unwrap();
    let Upload::Sent(sent) = upload_due(&mut alice.store, now()).await.unwrap() else {
        panic!("opted in with a server: sent");
    };
    assert_eq!(sent.len(), 2);
    let requests = recorded.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for ((line, body, auth), report) in requests.iter().zip(&sent) {
        assert_eq!(line, "POST /v1/usage");
        assert_eq!(
            auth, &None,
            "never signed: a report is not tied to an account"
        );
        // Exactly the documented fields: the wire type refuses any other.
        let received: UsageReport = serde_json::from_str(body).unwrap();
        assert_eq!(&received, report);
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["day", "features", "token"]);
        for content in ["soup", "Alice", "Auckland"] {
            assert!(!body.contains(content), "{body}");
        }
    }
    // Sent days are not sent again.
    assert_eq!(
        upload_due(&mut alice.store, now()).await.unwrap(),
        Upload::Sent(vec![])
    );
    assert_eq!(recorded.requests.lock().unwrap().len(), 2);
    let summary = alice.store.usage_summary(now()).unwrap();
    assert!(summary.enabled);
    assert!(summary.last_upload.is_some());
}

#[tokio::test]
async fn signing_up_is_recorded_on_the_device_and_nothing_about_usage_reaches_the_server() {
    let server = common::server::server().await;
    let alice = common::server::signed_up(&server, "alice@example.com", "Alice").await;
    assert_eq!(names(&alice), ["sign_up"]);
    assert_eq!(events(&alice)[0]["category"], "system");
    // The server keeps accounts and sealed documents; no usage row of any kind.
    let tables: Vec<String> = {
        let conn = server.db();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for table in ["analytics_events", "page_views", "user_sessions"] {
        if tables.iter().any(|t| t == table) {
            let rows: i64 = server
                .db()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .unwrap();
            assert_eq!(rows, 0, "{table}");
        }
    }
}

/// Alice's device used the app yesterday and the day before (by the real clock, since the real
/// server judges a report's day against its own).
fn used_on_past_real_days(replica: &mut Replica) -> Timestamp {
    let now = Timestamp::now();
    replica.store.set_usage_device(DeviceType::Desktop);
    for days_ago in [2_i64, 1] {
        let t = now - SignedDuration::from_hours(24 * days_ago);
        replica.store.start_usage_session(t).unwrap();
        replica.store.screen_shown(UsageScreen::Goals, t).unwrap();
        replica
            .store
            .screen_shown(UsageScreen::Inbox, t + SignedDuration::from_secs(30))
            .unwrap();
        replica
            .store
            .end_usage(t + SignedDuration::from_secs(35))
            .unwrap();
    }
    now
}

fn stored_reports(
    server: &common::server::Server,
) -> Vec<(String, String, String, i64, i64, bool)> {
    let conn = server.db();
    let mut stmt = conn
        .prepare(
            "SELECT day, token, feature, interactions, seconds, completed FROM usage_reports
             ORDER BY day, feature",
        )
        .unwrap();
    stmt.query_map([], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test]
async fn against_the_real_server_an_opted_out_device_stores_nothing_and_an_opted_in_one_only_counts()
 {
    let (server, metrics) = common::server::server_with_metrics().await;
    let mut alice = common::server::signed_up(&server, "alice@example.com", "Alice").await;
    let now = used_on_past_real_days(&mut alice);

    // Opted out (the default): `analytics upload` sends nothing; the server stored nothing, and
    // its request counters (every request, by route and status) never saw the usage route.
    assert_eq!(
        upload_due(&mut alice.store, now).await.unwrap(),
        Upload::OptedOut
    );
    assert!(stored_reports(&server).is_empty());
    assert_eq!(usage_requests(&metrics).await, Vec::<String>::new());

    alice.store.set_analytics_opt_in(true, now).unwrap();
    let Upload::Sent(sent) = upload_due(&mut alice.store, now).await.unwrap() else {
        panic!("opted in with a server: sent");
    };
    assert_eq!(sent.len(), 2, "{sent:?}");
    let stored = stored_reports(&server);
    // Exactly what was sent, one row per day and feature, under each day's own token.
    let expected: Vec<(String, String, String, i64, i64, bool)> = sent
        .iter()
        .flat_map(|r| {
            r.features.iter().map(|f| {
                (
                    r.day.clone(),
                    r.token.clone(),
                    f.feature.as_str().to_owned(),
                    i64::from(f.interactions),
                    i64::from(f.seconds),
                    f.completed,
                )
            })
        })
        .collect();
    assert_eq!(stored, expected);
    assert!(
        stored
            .iter()
            .all(|(_, _, feature, n, s, _)| feature == "goals" && *n == 1 && *s == 30),
        "{stored:?}"
    );
    assert_ne!(stored[0].1, stored[1].1, "one token per day");
    let seen = usage_requests(&metrics).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].contains("status=\"204\"") && seen[0].ends_with(" 2"),
        "two reports answered 204: {seen:?}"
    );
    // Sent days are not sent again.
    assert_eq!(
        upload_due(&mut alice.store, now).await.unwrap(),
        Upload::Sent(vec![])
    );
    assert_eq!(stored_reports(&server).len(), 2);
}

/// The server's request counter lines for `POST /v1/usage`, from its `/metrics`.
async fn usage_requests(metrics: &str) -> Vec<String> {
    // The client's HTTP stack takes its TLS provider from the process (installed by the client
    // when it first talks to a server; again here, harmlessly, for a test that runs alone).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let text = reqwest::get(metrics).await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|line| line.starts_with("together_http_requests_total{"))
        .filter(|line| line.contains("route=\"/v1/usage\""))
        .map(str::to_owned)
        .collect()
}
