//! Pairing as a couple meets it in the first hour, through the real `together` binary and a real
//! server on loopback: a typo in the invite code is caught on the device and spends nothing; both
//! sides see the invite's real state (`pair status`); after unpairing both sides agree and each
//! can start again; a refused sign-in leaves no device behind; devices are named after the host.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::{Command, Output};
use std::sync::Arc;

use common::couple::{Replica, now};
use common::server::{checkin, invite, paired_through, secrets, server_with, signed_up};
use together_client::secret_store::SecretStore;
use together_client::sync::{Api, Session};
use together_server::clock::ManualClock;

/// `together [--json] ARGS` on the replica's data.
fn cli(replica: &Replica, json: bool, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_together"));
    command.arg("--data-dir").arg(replica.dir.path());
    if json {
        command.arg("--json");
    }
    command
        .args(args)
        .env("TOGETHER_SECRET_STORE", "file")
        .output()
        .unwrap()
}

/// The command's stdout, asserting it succeeded.
fn ok(output: Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The command's stderr, asserting it failed.
fn refused(output: Output) -> String {
    assert!(!output.status.success(), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

/// `pair status --json`'s `state`.
fn state(replica: &Replica) -> String {
    let out = ok(cli(replica, true, &["pair", "status"]));
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    value["state"].as_str().unwrap_or_default().to_owned()
}

/// The code with one character in its second half changed to another the code could hold.
fn with_typo(code: &str) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    let at = chars.len() - 3;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

fn api_of(url: &str, replica: &Replica) -> Api {
    let token = secrets(replica).get("token").unwrap().unwrap();
    Api::new(url, Some(token)).unwrap()
}

/// Alice with her relationship, signed up, and her server's clock.
async fn alice_alone() -> (common::server::Server, Arc<ManualClock>, Replica) {
    let clock = Arc::new(ManualClock::new(jiff::Timestamp::now()));
    let server_clock = Arc::clone(&clock);
    let server = server_with(move |config| together_server::Config {
        clock: server_clock,
        ..config
    })
    .await;
    let mut alice = Replica::new();
    alice.profile("Alice", "UTC");
    alice.create_relationship();
    let alice_secrets = secrets(&alice);
    Session::signup(
        &mut alice.store,
        &alice_secrets,
        &server.url,
        "alice@example.com",
        "Alice",
        "alice-password",
    )
    .await
    .unwrap();
    (server, clock, alice)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typo_in_the_invite_code_is_caught_on_the_device_and_the_invite_still_works() {
    let (server, _clock, mut alice) = alice_alone().await;
    let code = invite(&mut alice).await;
    let bob = signed_up(&server, "bob@example.com", "Bob").await;

    let error = refused(cli(&bob, false, &["pair", "join", &with_typo(&code)]));
    assert!(error.contains("typo"), "{error}");
    for internal in ["decrypted", "HTTP", "404", "together "] {
        assert!(!error.contains(internal), "{internal:?} in {error}");
    }
    assert_eq!(state(&alice), "open", "the typo spent nothing");

    ok(cli(&bob, false, &["pair", "join", &code]));
    assert_eq!(
        bob.store.current_relationship().unwrap(),
        alice.store.current_relationship().unwrap()
    );
    assert_eq!(state(&alice), "used");
    let human = ok(cli(&alice, false, &["pair", "status"]));
    assert!(human.contains("used"), "{human}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invite_left_too_long_says_expired_and_a_new_one_is_open() {
    let (_server, clock, mut alice) = alice_alone().await;
    assert_eq!(state(&alice), "none", "no invite made yet");
    invite(&mut alice).await;
    clock.advance(jiff::SignedDuration::from_hours(7 * 24 + 1));
    assert_eq!(state(&alice), "expired");
    let human = ok(cli(&alice, false, &["pair", "status"]));
    assert!(human.contains("expired"), "{human}");
    ok(cli(&alice, false, &["pair", "invite"]));
    assert_eq!(state(&alice), "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_pair_leave_both_sides_agree_and_each_can_start_again() {
    let server = server_with(|config| config).await;
    let (mut alice, bob) = paired_through(&server).await;
    alice
        .store
        .checkin(&checkin(7, "alice, before"), now())
        .unwrap();
    ok(cli(&alice, false, &["sync"]));

    let left = ok(cli(&bob, false, &["pair", "leave"]));
    assert!(!left.trim().is_empty());
    // Bob, alone now: a check-in is either refused with a sentence or synced, never queued
    // forever behind "uploaded 0".
    let alone = cli(
        &bob,
        false,
        &[
            "checkin",
            "--connection",
            "5",
            "--mood",
            "5",
            "--satisfaction",
            "5",
        ],
    );
    if !alone.status.success() {
        let error = String::from_utf8(alone.stderr).unwrap();
        assert!(error.contains("relationship"), "{error}");
    }
    ok(cli(&bob, false, &["sync"]));
    assert_eq!(bob.count("SELECT count(*) FROM outbox"), 0);
    // Alice checks in before she hears of it, then syncs: she is told, nothing stays queued.
    ok(cli(
        &alice,
        false,
        &[
            "checkin",
            "--connection",
            "5",
            "--mood",
            "5",
            "--satisfaction",
            "5",
        ],
    ));
    let report = ok(cli(&alice, false, &["sync"]));
    assert!(report.contains("ended"), "{report}");
    assert_eq!(alice.count("SELECT count(*) FROM outbox"), 0);
    let again = ok(cli(&alice, false, &["sync"]));
    assert!(!again.contains("ended"), "told once: {again}");
    for replica in [&alice, &bob] {
        let listed: serde_json::Value =
            serde_json::from_str(&ok(cli(replica, true, &["relationships"]))).unwrap();
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(listed[0]["ended_at"].is_string(), "{listed:?}");
        assert_eq!(listed[0]["current"], false);
    }

    // Each starts again: Alice a new space she invites Carol into, Bob joins Dave's.
    ok(cli(&alice, false, &["relationship", "create"]));
    let code = ok(cli(&alice, true, &["pair", "invite"]));
    let code: serde_json::Value = serde_json::from_str(&code).unwrap();
    let carol = signed_up(&server, "carol@example.com", "Carol").await;
    ok(cli(
        &carol,
        false,
        &["pair", "join", code["code"].as_str().unwrap()],
    ));
    let mut dave = alice_like(&server, "dave@example.com", "Dave").await;
    let dave_code = invite(&mut dave).await;
    ok(cli(&bob, false, &["pair", "join", &dave_code]));
    assert_eq!(
        bob.store.current_relationship().unwrap(),
        dave.store.current_relationship().unwrap()
    );
}

/// Someone with a relationship of their own, signed up.
async fn alice_like(server: &common::server::Server, email: &str, name: &str) -> Replica {
    let mut replica = Replica::new();
    replica.profile(name, "UTC");
    replica.create_relationship();
    let replica_secrets = secrets(&replica);
    Session::signup(
        &mut replica.store,
        &replica_secrets,
        &server.url,
        email,
        name,
        &format!("{}-password", name.to_lowercase()),
    )
    .await
    .unwrap();
    replica
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sign_in_leaves_no_device_and_devices_are_named_after_the_host() {
    let server = server_with(|config| config).await;
    let alice = signed_up(&server, "alice@example.com", "Alice").await;
    let devices = api_of(&server.url, &alice).devices().await.unwrap();
    assert_eq!(devices.len(), 1);
    let host = whoami::devicename()
        .or_else(|_| whoami::hostname())
        .unwrap();
    assert!(!host.is_empty());
    assert_eq!(devices[0].name, host);
    assert_ne!(devices[0].name, "linux device");

    // Bob's device, his own person already, tries Alice's account: refused, nothing left behind.
    let mut bob = signed_up(&server, "bob@example.com", "Bob").await;
    let bob_secrets = secrets(&bob);
    let error = Session::login(
        &mut bob.store,
        &bob_secrets,
        &server.url,
        "alice@example.com",
        "alice-password",
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(error.contains("another person"), "{error}");
    assert!(!error.contains('-'), "no ids: {error}");
    let devices = api_of(&server.url, &alice).devices().await.unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    // Bob's own session still works.
    api_of(&server.url, &bob).devices().await.unwrap();
}
