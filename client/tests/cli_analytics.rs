//! `together analytics …` (issue #15 §5): the opt-in switch (with `settings analytics` as its
//! alias), what the CLI records (events of device type `cli`, no page views), `status --json`,
//! `delete`, and an `upload` that sends nothing while opted out.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::path::Path;
use std::process::{Command, Output};

fn together(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TOGETHER_DATA_DIR")
        .env("TOGETHER_SECRET_STORE", "file")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let output = together(dir, args);
    assert!(
        output.status.success(),
        "together {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all)).unwrap()
}

fn count(dir: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("together.sqlite3"))
        .unwrap()
        .query_row(sql, [], |row| row.get(0))
        .unwrap()
}

#[test]
fn the_cli_records_its_events_shows_them_switches_sharing_and_deletes_them() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    ok(
        dir,
        &["profile", "set", "--name", "Alex", "--timezone", "UTC"],
    );
    ok(dir, &["relationship", "create"]);
    ok(
        dir,
        &[
            "checkin",
            "--connection",
            "8",
            "--mood",
            "2",
            "--satisfaction",
            "9",
            "--note",
            "tea",
        ],
    );
    ok(
        dir,
        &[
            "checkin",
            "--connection",
            "7",
            "--mood",
            "2",
            "--satisfaction",
            "9",
        ],
    );

    let status = json(dir, &["analytics", "status"]);
    assert_eq!(status["enabled"], false, "{status}");
    assert_eq!(status["events"], 2);
    assert_eq!(status["events_by_category"][0]["name"], "checkin");
    assert_eq!(status["screens_viewed"], 0, "the CLI writes no page views");
    // Two commands a moment apart are one `cli` session.
    assert_eq!(status["sessions"], 1);
    assert!(status["last_upload"].is_null());
    assert_eq!(
        count(
            dir,
            "SELECT count(*) FROM analytics_events WHERE device_type = 'cli' AND session_id IS NOT NULL"
        ),
        2
    );
    assert_eq!(
        count(
            dir,
            "SELECT count(*) FROM user_sessions WHERE device_type = 'cli' AND session_end IS NOT NULL"
        ),
        1
    );
    let text = ok(dir, &["analytics", "status"]);
    assert!(text.contains("sharing        off"), "{text}");
    assert!(text.contains("by kind        checkin 2"), "{text}");

    // Opted out, an upload sends nothing (and this device has no server at all).
    let upload = json(dir, &["analytics", "upload"]);
    assert_eq!(upload, serde_json::json!({ "enabled": false, "sent": [] }));
    assert_eq!(count(dir, "SELECT count(*) FROM usage_uploads"), 0);

    assert_eq!(json(dir, &["analytics", "on"])["enabled"], true);
    assert_eq!(json(dir, &["analytics", "status"])["enabled"], true);
    // The old spelling is the same switch.
    assert_eq!(
        ok(dir, &["settings", "analytics", "off"]).trim(),
        "analytics off"
    );
    assert_eq!(json(dir, &["analytics", "status"])["enabled"], false);
    assert_eq!(json(dir, &["settings", "show"])["analytics_opt_in"], false);

    assert_eq!(ok(dir, &["analytics", "delete"]).trim(), "deleted");
    let emptied = json(dir, &["analytics", "status"]);
    assert_eq!(
        (emptied["events"].as_i64(), emptied["sessions"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        count(dir, "SELECT count(*) FROM daily_checkins"),
        1,
        "the check-in stays"
    );
}

#[test]
fn an_opted_in_upload_without_a_server_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    ok(
        dir,
        &["profile", "set", "--name", "Alex", "--timezone", "UTC"],
    );
    ok(dir, &["analytics", "on"]);
    let output = together(dir, &["analytics", "upload"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no sync server"), "{stderr}");
}
