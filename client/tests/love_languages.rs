//! The love-language quiz: taken on the command line (all at once or asked one by one), set on the
//! profile, and then shaping the partner's Today and date reminders on the other device.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::couple::{now, paired};
use together_core::document::DateInput;
use together_core::love_languages::{self, Choice};

fn together(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The letters that always pick quality time's side, else the first.
fn quality_time_letters() -> String {
    love_languages::pairs()
        .iter()
        .map(|p| {
            if p.second.language.as_str() == "quality_time" {
                'b'
            } else {
                'a'
            }
        })
        .collect()
}

#[test]
fn the_cli_quiz_sets_the_profile_asked_one_by_one_or_all_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let setup = together(dir.path(), &["profile", "set", "--name", "Alice"], "");
    assert!(setup.status.success(), "{setup:?}");

    let all_at_once = together(
        dir.path(),
        &[
            "--json",
            "quiz",
            "love-languages",
            "--answers",
            &quality_time_letters(),
        ],
        "",
    );
    assert!(all_at_once.status.success(), "{all_at_once:?}");
    let result: serde_json::Value = serde_json::from_slice(&all_at_once.stdout).unwrap();
    assert_eq!(result["primary"], "quality_time");
    assert_eq!(result["tally"][0]["chosen"], 12);
    assert!(result["meaning"].as_str().unwrap().contains("Attention"));

    // One by one: a wrong key is asked again; every answer "b" this time.
    let mut typed = String::from("x\n");
    typed.push_str(&"b\n".repeat(love_languages::pairs().len()));
    let asked = together(dir.path(), &["quiz", "love-languages"], &typed);
    assert!(asked.status.success(), "{asked:?}");
    let stderr = String::from_utf8_lossy(&asked.stderr);
    assert!(
        stderr.contains("1/30") && stderr.contains("answer a or b"),
        "{stderr}"
    );
    let expected = love_languages::score(&[Choice::Second; 30]).unwrap();
    let text = String::from_utf8_lossy(&asked.stdout);
    assert!(text.contains(&expected.primary.label()), "{text}");

    // Stopping half-way changes nothing.
    let stopped = together(dir.path(), &["--json", "quiz", "love-languages"], "a\na\n");
    assert_eq!(stopped.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stopped.stderr).contains("nothing was changed"));
    let store = together_client::Store::open(&dir.path().join("together.sqlite3")).unwrap();
    let profile = store.profile_summary().unwrap().unwrap();
    assert_eq!(
        profile.love_language_primary.as_deref(),
        Some(expected.primary.as_str())
    );
}

#[test]
fn the_partners_language_shapes_today_and_date_reminders_on_the_other_device() {
    let (mut alice, mut bob) = paired();
    let before = alice.store.today_view(now()).unwrap();
    assert_eq!(before.gesture, None, "no language given yet");

    let letters = quality_time_letters();
    let choices = love_languages::parse_choices(&letters).unwrap();
    bob.store.take_love_language_quiz(&choices, now()).unwrap();
    alice.receive_from(&mut bob);

    let today = alice.store.today_view(now()).unwrap();
    let gesture = today.gesture.expect("an idea in Bob's language");
    assert_eq!(gesture.partner_name, "Bob");
    assert_eq!(gesture.language, "Quality time");
    assert!(!gesture.idea.is_empty());
    // Bob's own Today suggests nothing for Alice, who gave no language.
    assert_eq!(bob.store.today_view(now()).unwrap().gesture, None);

    // A date coming up: Alice's reminder speaks Bob's language.
    let soon = now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .unwrap();
    alice
        .store
        .add_date(
            &DateInput {
                date: soon,
                name: "Anniversary".into(),
                event_type: together_core::domain::DateEventType::Anniversary,
                recurring: false,
                reminder_days_before: Some(3),
            },
            now(),
        )
        .unwrap();
    assert!(alice.store.refresh_reminders(now()).unwrap() >= 1);
    let messages: Vec<String> = alice
        .table("notifications")
        .iter()
        .filter_map(|n| n["message"].as_str().map(str::to_owned))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("quality time: plan an evening")),
        "{messages:?}"
    );
}
