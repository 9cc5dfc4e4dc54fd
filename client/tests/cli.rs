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
