//! The `together` commands that correct the couple's data: the relationship's dates, and editing
//! and deleting activities, talk-log entries and important dates.

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

fn refused(dir: &Path, args: &[&str]) -> String {
    let output = together(dir, args);
    assert_eq!(output.status.code(), Some(1), "together {args:?}");
    String::from_utf8(output.stderr).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all)).unwrap()
}

fn person(dir: &Path) {
    ok(
        dir,
        &["profile", "set", "--name", "Alex", "--timezone", "UTC"],
    );
    ok(dir, &["relationship", "create"]);
}

#[test]
fn relationship_edit_sets_the_dates_keeps_the_one_left_out_and_refuses_the_future() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    let set = json(
        dir.path(),
        &[
            "relationship",
            "edit",
            "--start-date",
            "2020-02-14",
            "--anniversary",
            "2021-06-05",
        ],
    );
    assert_eq!(set["start_date"], "2020-02-14");
    assert_eq!(set["anniversary_date"], "2021-06-05");
    // Only the start date given: the anniversary stays.
    let text = ok(
        dir.path(),
        &["relationship", "edit", "--start-date", "2020-03-01"],
    );
    assert!(
        text.contains("2020-03-01") && text.contains("2021-06-05"),
        "{text}"
    );
    // Days together count from it.
    let stats = json(dir.path(), &["stats"]);
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date();
    let expected = (today - jiff::civil::date(2020, 3, 1)).get_days();
    assert_eq!(stats["days_together"], i64::from(expected));
    // The stats explain the health score.
    let text = ok(dir.path(), &["stats"]);
    assert!(text.contains("start low by design"), "{text}");

    let tomorrow = today.tomorrow().unwrap().to_string();
    let error = refused(
        dir.path(),
        &["relationship", "edit", "--start-date", &tomorrow],
    );
    assert!(error.contains("in the future"), "{error}");
    let error = refused(dir.path(), &["relationship", "edit"]);
    assert!(error.contains("nothing to change"), "{error}");
    // An empty value clears.
    let cleared = json(dir.path(), &["relationship", "edit", "--anniversary", ""]);
    assert_eq!(cleared["anniversary_date"], serde_json::Value::Null);
    assert_eq!(cleared["start_date"], "2020-03-01");
}

#[test]
fn activities_talks_and_dates_are_edited_by_the_flags_given_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    person(d);
    let activity = ok(
        d,
        &[
            "activity",
            "add",
            "--name",
            "Picnic",
            "--cost",
            "12.50",
            "--duration",
            "90",
        ],
    );
    let activity = activity.trim();
    // Only the name changes; the cost and the duration stay.
    assert_eq!(
        ok(
            d,
            &["activity", "edit", activity, "--name", "Picnic by the lake"]
        )
        .trim(),
        activity
    );
    let list = ok(d, &["activity", "list"]);
    assert!(list.contains("Picnic by the lake"), "{list}");
    let listed = json(d, &["activity", "list"]);
    assert_eq!(listed[0]["cost"], "12.50");
    assert_eq!(listed[0]["duration_minutes"], 90);
    let error = refused(d, &["activity", "edit", activity, "--name", "  "]);
    assert!(error.contains("activity name"), "{error}");

    let talk = ok(
        d,
        &[
            "log",
            "add",
            "--type",
            "deep_conversation",
            "--topic",
            "Moving in",
        ],
    );
    let talk = talk.trim();
    ok(
        d,
        &["log", "edit", talk, "--topic", "", "--follow-up", "true"],
    );
    let log = json(d, &["log", "list"]);
    assert_eq!(log[0]["topic"], serde_json::Value::Null);
    assert_eq!(log[0]["follow_up_needed"], true);
    assert_eq!(log[0]["communication_type"], "deep_conversation");

    let date = ok(
        d,
        &["date", "add", "--date", "2030-04-01", "--name", "Trip"],
    );
    let date = date.trim();
    ok(
        d,
        &[
            "date",
            "edit",
            date,
            "--date",
            "2030-05-01",
            "--recurring",
            "true",
        ],
    );
    let dates = json(d, &["date", "list"]);
    assert_eq!(dates[0]["date"], "2030-05-01");
    assert_eq!(dates[0]["recurring"], true);
    assert_eq!(dates[0]["name"], "Trip");

    for (kind, id, flag) in [
        ("activity", activity, "--name"),
        ("log", talk, "--topic"),
        ("date", date, "--name"),
    ] {
        let gone = json(d, &[kind, "delete", id]);
        assert_eq!(gone["deleted"], id);
        assert_eq!(json(d, &[kind, "list"]), serde_json::json!([]));
        let error = refused(d, &[kind, "delete", id]);
        assert!(error.contains("removed on your partner"), "{error}");
        let error = refused(d, &[kind, "edit", id, flag, "x"]);
        assert!(error.contains("removed on your partner"), "{error}");
    }
}
