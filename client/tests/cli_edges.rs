//! The `together` binary at the edges a first hour finds: output cut short by a pipe, errors that
//! must read once, a data directory it may only read, an empty database file, negative numbers
//! and days that do not exist, and the listings a script needs (notification ids, dates, the talk
//! log, skipped private documents).

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn together_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together"));
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TOGETHER_DATA_DIR")
        .env("TOGETHER_SECRET_STORE", "file");
    command
}

fn together(dir: &Path, args: &[&str]) -> Output {
    together_command(dir, args).output().unwrap()
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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A profile and a relationship, ready for records.
fn person(dir: &Path) {
    ok(
        dir,
        &["profile", "set", "--name", "Alex", "--timezone", "UTC"],
    );
    ok(dir, &["relationship", "create"]);
}

/// An error line says each cause once: no part of it between `: ` separators comes twice.
fn assert_said_once(message: &str) {
    let line = message.trim().trim_start_matches("error: ");
    let parts: Vec<&str> = line.split(": ").map(str::trim).collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].iter().any(|later| later.contains(part)),
            "{part:?} is said twice in {message:?}"
        );
    }
}

#[test]
fn output_cut_short_by_a_pipe_ends_quietly_not_with_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    ok(
        dir.path(),
        &[
            "checkin",
            "--connection",
            "7",
            "--mood",
            "7",
            "--satisfaction",
            "7",
        ],
    );
    for args in [
        &["checkins"][..],
        &["challenge", "list"],
        &["export", "--format", "json"],
        &["--json", "stats"],
    ] {
        // The reader is gone before the first line is written: `together ... | head -0`.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = together_command(dir.path(), args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let message = stderr(&output);
        assert!(!message.contains("panicked"), "{args:?}: {message}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {message}");
        assert!(message.is_empty(), "{args:?}: {message}");
    }
}

#[test]
fn a_data_dir_that_is_a_file_is_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let output = together(&file.join("data"), &["init"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: "), "{message}");
    assert_said_once(&message);
}

#[test]
fn an_empty_database_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("together.sqlite3");
    std::fs::write(&db, b"").unwrap();
    let output = together(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let message = stderr(&output);
    assert!(message.contains("empty"), "{message}");
    assert!(message.contains(db.to_str().unwrap()), "{message}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
}

/// Runs `together` as an unprivileged user when the tests run as root (whom permissions do not
/// stop), so that a read-only directory is read-only for it.
fn as_reader(dir: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata(dir).unwrap().uid() == 0;
    let mut command = if root {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_together"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_together"))
    };
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TOGETHER_DATA_DIR")
        .env("TOGETHER_SECRET_STORE", "file")
        .env("HOME", dir);
    command.output().unwrap()
}

#[test]
fn a_read_only_store_still_answers_reads_and_refuses_writes_in_one_sentence() {
    use std::os::unix::fs::PermissionsExt;
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("data");
    person(&dir);
    ok(
        &dir,
        &[
            "checkin",
            "--connection",
            "7",
            "--mood",
            "6",
            "--satisfaction",
            "8",
        ],
    );
    ok(&dir, &["goal", "add", "--name", "Walks", "--target", "3"]);
    // Everything readable by anyone, writable by no one but root.
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
    }

    for (args, expected) in [
        (&["checkins"][..], "connection 7"),
        (&["goal", "list"], "Walks"),
        (&["--json", "checkins"], "\"connection_score\":7"),
    ] {
        let output = as_reader(&dir, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let printed = String::from_utf8(output.stdout).unwrap();
        assert!(printed.contains(expected), "{args:?}: {printed}");
    }

    let write = as_reader(&dir, &["goal", "add", "--name", "Runs", "--target", "2"]);
    assert_eq!(write.status.code(), Some(1));
    let message = stderr(&write);
    assert!(message.contains("read-only"), "{message}");
    assert_said_once(&message);
    // Leave the directory removable.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn negative_numbers_reach_the_forms_and_get_their_messages() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    for (args, words) in [
        (
            &[
                "checkin",
                "--connection",
                "-1",
                "--mood",
                "5",
                "--satisfaction",
                "5",
            ][..],
            "connection",
        ),
        (
            &["activity", "add", "--name", "Dinner", "--cost", "-5"],
            "amount",
        ),
        (
            &["activity", "add", "--name", "Dinner", "--duration", "-30"],
            "duration",
        ),
        (
            &["goal", "add", "--name", "Walks", "--target", "-3"],
            "target",
        ),
        (
            &[
                "date",
                "add",
                "--date",
                "2026-06-01",
                "--name",
                "X",
                "--remind-days",
                "-1",
            ],
            "remind",
        ),
    ] {
        let output = together(dir.path(), args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert!(!message.contains("unexpected argument"), "{message}");
        assert!(
            message.to_lowercase().contains(words),
            "{args:?}: {message}"
        );
    }
}

#[test]
fn a_day_that_does_not_exist_is_called_so() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    let output = together(
        dir.path(),
        &["date", "add", "--date", "2026-02-30", "--name", "Trip"],
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("does not exist"), "{message}");
    assert!(!message.contains("must be written"), "{message}");
    // A badly written one still says how to write it.
    let output = together(
        dir.path(),
        &["date", "add", "--date", "30/02/2026", "--name", "Trip"],
    );
    assert!(stderr(&output).contains("YYYY-MM-DD"), "{output:?}");
}

#[test]
fn notifications_show_the_ids_that_read_takes() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    // A date tomorrow with a reminder three days before: its reminder is due.
    let tomorrow = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .unwrap()
        .to_string();
    ok(
        dir.path(),
        &[
            "date",
            "add",
            "--date",
            &tomorrow,
            "--name",
            "Trip",
            "--remind-days",
            "3",
        ],
    );
    let listed = ok(dir.path(), &["--json", "notifications"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let first = listed[0]["id"].as_str().expect("a notification").to_owned();
    let text = ok(dir.path(), &["notifications"]);
    assert!(text.contains(&first), "{text}");
    ok(dir.path(), &["notifications", "--read", &first]);
    let after = ok(dir.path(), &["--json", "notifications"]);
    assert!(after.contains("\"is_read\":true"), "{after}");
}

#[test]
fn dates_and_the_talk_log_can_be_listed() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    let date = ok(
        dir.path(),
        &[
            "date",
            "add",
            "--date",
            "2026-06-01",
            "--name",
            "Anniversary",
            "--type",
            "anniversary",
        ],
    );
    let log = ok(
        dir.path(),
        &[
            "log",
            "add",
            "--type",
            "planning",
            "--topic",
            "Summer trip",
            "--at",
            "2026-05-01",
        ],
    );
    let dates = ok(dir.path(), &["date", "list"]);
    assert!(dates.contains("2026-06-01"), "{dates}");
    assert!(dates.contains("Anniversary"), "{dates}");
    assert!(dates.contains(date.trim()), "{dates}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["--json", "date", "list"])).unwrap();
    assert_eq!(json[0]["id"], date.trim());
    let logs = ok(dir.path(), &["log", "list"]);
    assert!(logs.contains("Summer trip"), "{logs}");
    assert!(logs.contains("planning"), "{logs}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["--json", "log", "list"])).unwrap();
    assert_eq!(json[0]["id"], log.trim());
}

#[test]
fn doc_import_says_it_skipped_a_private_document() {
    let (alex, sam, files) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    person(alex.path());
    ok(alex.path(), &["note", "add", "only mine"]);
    ok(
        alex.path(),
        &["doc", "export", files.path().to_str().unwrap()],
    );
    ok(sam.path(), &["profile", "set", "--name", "Sam"]);
    let said = ok(
        sam.path(),
        &["doc", "import", files.path().to_str().unwrap()],
    );
    assert!(said.contains("skipped 1 private"), "{said}");
    let json = ok(
        sam.path(),
        &["--json", "doc", "import", files.path().to_str().unwrap()],
    );
    assert!(json.contains("\"skipped_private\":1"), "{json}");
}

#[test]
fn a_check_in_is_dated_between_the_relationships_start_and_tomorrow() {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &["profile", "set", "--name", "Alex", "--timezone", "UTC"],
    );
    ok(
        dir.path(),
        &["relationship", "create", "--start-date", "2026-01-01"],
    );
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let on = |date: String| {
        together(
            dir.path(),
            &[
                "checkin",
                "--connection",
                "7",
                "--mood",
                "7",
                "--satisfaction",
                "7",
                "--date",
                &date,
            ],
        )
    };
    let before = on("2025-12-31".into());
    assert!(!before.status.success());
    assert!(
        stderr(&before).contains("before your relationship started (2026-01-01)"),
        "{}",
        stderr(&before)
    );
    let later = on(today
        .checked_add(jiff::ToSpan::days(2))
        .unwrap()
        .to_string());
    assert!(!later.status.success());
    assert!(
        stderr(&later).contains("tomorrow at the latest"),
        "{}",
        stderr(&later)
    );
    for fine in [
        "2026-01-01".to_owned(),
        today
            .checked_add(jiff::ToSpan::days(1))
            .unwrap()
            .to_string(),
    ] {
        let output = on(fine.clone());
        assert!(output.status.success(), "{fine}: {}", stderr(&output));
    }
}

#[test]
fn a_reached_goal_takes_no_more_steps_forward_and_one_back_undoes() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    let id = ok(
        dir.path(),
        &["goal", "add", "--name", "Three walks", "--target", "2"],
    );
    let id = id.trim();
    ok(dir.path(), &["goal", "progress", id]);
    ok(dir.path(), &["goal", "progress", id]);
    let again = together(dir.path(), &["goal", "progress", id]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("is reached already"),
        "{}",
        stderr(&again)
    );
    assert!(ok(dir.path(), &["goal", "list"]).contains("2/2"));
    ok(dir.path(), &["goal", "progress", id, "--by", "-1"]);
    assert!(ok(dir.path(), &["goal", "list"]).contains("1/2"));
}

#[test]
fn log_edit_and_delete_reach_a_private_entry() {
    let dir = tempfile::tempdir().unwrap();
    person(dir.path());
    let id = ok(
        dir.path(),
        &[
            "log",
            "add",
            "--type",
            "conflict_resolution",
            "--topic",
            "my worry",
            "--private",
        ],
    );
    ok(
        dir.path(),
        &["log", "edit", id.trim(), "--topic", "my smaller worry"],
    );
    let logs = ok(dir.path(), &["log", "list"]);
    assert!(logs.contains("my smaller worry"), "{logs}");
    assert!(logs.contains("(private)"), "{logs}");
    ok(dir.path(), &["log", "delete", id.trim()]);
    let json: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["--json", "log", "list"])).unwrap();
    assert_eq!(json, serde_json::json!([]));
}
