//! The `together` binary as scripts use it: exit codes, output, and where it puts the database.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::process::{Command, Output};

fn together(args: &[&str], data_dir_env: Option<&std::path::Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together"));
    command.args(args).env_remove("TOGETHER_DATA_DIR");
    if let Some(dir) = data_dir_env {
        command.env("TOGETHER_DATA_DIR", dir);
    }
    command.output().expect("the together binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn init_creates_the_database_and_prints_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let output = together(&["--data-dir", data_dir.to_str().unwrap(), "init"], None);
    assert!(output.status.success(), "{output:?}");
    let expected = data_dir.join("together.sqlite3");
    assert_eq!(stdout(&output).trim(), expected.to_str().unwrap());
    assert!(expected.is_file());

    // Running it again is harmless and says the same.
    let again = together(&["--data-dir", data_dir.to_str().unwrap(), "init"], None);
    assert!(again.status.success());
    assert_eq!(stdout(&again), stdout(&output));
}

#[test]
fn init_uses_the_environment_when_no_flag_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let output = together(&["init"], Some(dir.path()));
    assert!(output.status.success(), "{output:?}");
    assert!(dir.path().join("together.sqlite3").is_file());
}

#[test]
fn init_with_json_reports_path_and_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let output = together(
        &["--json", "--data-dir", dir.path().to_str().unwrap(), "init"],
        None,
    );
    assert!(output.status.success(), "{output:?}");
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        value["schema_version"],
        together_client::Store::supported_schema_version()
    );
    assert_eq!(
        value["database"],
        dir.path().join("together.sqlite3").to_str().unwrap()
    );
}

#[test]
fn a_refused_database_gives_a_message_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("together.sqlite3");
    std::fs::write(&db, b"definitely not sqlite, but precious").unwrap();
    let output = together(&["--data-dir", dir.path().to_str().unwrap(), "init"], None);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("not a Better Together database"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"definitely not sqlite, but precious"
    );
}

#[test]
fn an_empty_data_dir_flag_is_refused() {
    let output = together(&["--data-dir", "", "init"], None);
    assert!(!output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("--data-dir")
    );
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    let output = together(&["frobnicate"], None);
    assert_eq!(output.status.code(), Some(2));
}

/// Runs `together --data-dir DIR args...`, asserting success; returns stdout.
fn ok_in(dir: &std::path::Path, args: &[&str]) -> String {
    let mut full = vec!["--data-dir", dir.to_str().unwrap()];
    full.extend_from_slice(args);
    let output = together(&full, None);
    assert!(
        output.status.success(),
        "together {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

#[test]
fn the_scripted_forms_work_end_to_end_between_two_devices() {
    let alice = tempfile::tempdir().unwrap();
    let bob = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let a = alice.path();
    let b = bob.path();

    ok_in(
        a,
        &[
            "profile",
            "set",
            "--name",
            "Alice",
            "--timezone",
            "Europe/Paris",
        ],
    );
    let relationship = ok_in(
        a,
        &[
            "relationship",
            "create",
            "--type",
            "married",
            "--start-date",
            "2019-06-01",
        ],
    );
    let relationship = relationship.trim();
    ok_in(
        a,
        &[
            "checkin",
            "--connection",
            "8",
            "--mood",
            "7",
            "--satisfaction",
            "9",
            "--note",
            "our walk",
            "--date",
            "2026-11-25",
        ],
    );
    let goal: serde_json::Value = serde_json::from_str(&ok_in(
        a,
        &[
            "--json",
            "goal",
            "add",
            "--name",
            "Cook together",
            "--target",
            "10",
        ],
    ))
    .unwrap();
    let goal_id = goal["id"].as_str().unwrap().to_owned();
    let plain_id = ok_in(
        a,
        &["goal", "add", "--name", "Read a book", "--target", "3"],
    );
    assert_eq!(
        plain_id.trim().len(),
        36,
        "a plain goal add prints the id alone"
    );

    let exported = files.path().join("from-alice");
    ok_in(a, &["doc", "export", exported.to_str().unwrap()]);
    ok_in(b, &["profile", "set", "--name", "Bob"]);
    ok_in(b, &["doc", "import", exported.to_str().unwrap()]);
    ok_in(b, &["relationship", "join", relationship]);
    ok_in(b, &["goal", "progress", &goal_id]);
    ok_in(a, &["goal", "progress", &goal_id, "--by", "2"]);
    ok_in(
        b,
        &[
            "checkin",
            "--connection",
            "6",
            "--mood",
            "6",
            "--satisfaction",
            "7",
            "--date",
            "2026-11-25",
        ],
    );

    let back = files.path().join("from-bob");
    ok_in(b, &["doc", "export", back.to_str().unwrap()]);
    ok_in(a, &["doc", "import", back.to_str().unwrap()]);
    ok_in(a, &["rebuild"]);

    let export: serde_json::Value =
        serde_json::from_str(&ok_in(a, &["export", "--format", "json"])).unwrap();
    let goals = export["tables"]["shared_goals"].as_array().unwrap();
    let cooked = goals.iter().find(|g| g["id"] == goal_id.as_str()).unwrap();
    assert_eq!(cooked["current_progress"], 3);
    assert_eq!(
        export["daily_checkins"].as_array().unwrap().len(),
        2,
        "both revealed"
    );
    assert_eq!(export["tables"]["users"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_input_is_refused_with_a_message_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_in(d, &["profile", "set", "--name", "Sam"]);
    ok_in(d, &["relationship", "create"]);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "checkin",
                "--connection",
                "11",
                "--mood",
                "5",
                "--satisfaction",
                "5",
            ],
            "between 1 and 10",
        ),
        (
            &[
                "checkin",
                "--connection",
                "5",
                "--mood",
                "5",
                "--satisfaction",
                "5",
                "--date",
                "2026-02-30",
            ],
            "does not exist",
        ),
        (
            &["goal", "add", "--name", "  ", "--target", "3"],
            "cannot be empty",
        ),
        (
            &["goal", "add", "--name", "x", "--target", "0"],
            "between 1 and",
        ),
        (&["goal", "progress", "not-an-id"], "not a valid record id"),
        (
            &["activity", "add", "--name", "x", "--type", "skydiving"],
            "not a valid activity type",
        ),
        (
            &["profile", "set", "--name", "Sam", "--timezone", "Mars/Base"],
            "not a known time zone",
        ),
        (&["relationship", "create"], "already has a relationship"),
        (&["export", "--format", "xml"], "unknown export format"),
    ];
    let before = ok_in(d, &["export", "--format", "json"]);
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    for (args, message) in cases {
        let mut full = vec!["--data-dir", d.to_str().unwrap()];
        full.extend_from_slice(args);
        let output = together(&full, None);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let after: serde_json::Value =
        serde_json::from_str(&ok_in(d, &["export", "--format", "json"])).unwrap();
    assert_eq!(before["tables"], after["tables"]);
    assert_eq!(before["daily_checkins"], after["daily_checkins"]);
}

/// A file name crafted so that byte 36 after `rel-` falls inside a multi-byte character once made
/// `together doc import` panic: it is refused with a sentence naming the file, and nothing is
/// imported.
#[test]
fn doc_import_refuses_a_crafted_file_name_with_a_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    ok_in(dir.path(), &["init"]);
    let crafted = format!("rel-{}é1234.automerge", "a".repeat(35));
    std::fs::write(files.path().join(&crafted), b"not read").unwrap();
    let output = together(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "doc",
            "import",
            files.path().to_str().unwrap(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains(&crafted) && stderr.contains("is not a Better Together document name"),
        "{stderr}"
    );
}
