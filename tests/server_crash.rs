//! Clients recover from a server crash: `kill -9` of `together-server` while a device uploads,
//! restart, sync again — nothing is lost and the partner ends up with everything.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

use std::time::Duration;

use jiff::ToSpan;
use together_client::Store;
use together_client::secret_store::FileStore;
use together_client::sync::Session;
use together_core::document::{CheckinInput, ProfileInput, RelationshipInput};
use together_core::domain::{PrivacyLevel, RelationshipType, Score};
use together_e2e::{ServerProcess, paths};

fn start_server(binary: &std::path::Path, port: u16, data: &std::path::Path) -> ServerProcess {
    ServerProcess::start(binary, port, data).unwrap()
}

fn profile(name: &str) -> ProfileInput {
    ProfileInput {
        name: name.into(),
        nickname: None,
        photo_url: None,
        timezone: "UTC".into(),
        love_language_primary: None,
        love_language_secondary: None,
    }
}

#[test]
fn devices_recover_from_a_server_killed_mid_sync() {
    let binary = paths::built_binary("together-server", "cargo build -p together-server").unwrap();
    let port = together_e2e::app::free_port().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let url = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = start_server(&binary, port, &data);

    let now = jiff::Timestamp::now();
    let mut alice = Store::open(&dir.path().join("alice/together.sqlite3")).unwrap();
    let alice_secrets = FileStore::new(dir.path().join("alice/secrets.json"));
    alice.set_profile(&profile("Alice"), now).unwrap();
    alice
        .create_relationship(
            &RelationshipInput {
                relationship_type: RelationshipType::Married,
                start_date: None,
                anniversary_date: None,
                privacy_level: PrivacyLevel::Balanced,
            },
            now,
        )
        .unwrap();
    let code = runtime.block_on(async {
        let mut session = Session::signup(
            &mut alice,
            &alice_secrets,
            &url,
            "alice@example.com",
            "Alice",
            "alice-password",
        )
        .await
        .unwrap();
        session.invite().await.unwrap().code
    });
    let mut bob = Store::open(&dir.path().join("bob/together.sqlite3")).unwrap();
    let bob_secrets = FileStore::new(dir.path().join("bob/secrets.json"));
    runtime.block_on(async {
        let mut session = Session::signup(
            &mut bob,
            &bob_secrets,
            &url,
            "bob@example.com",
            "Bob",
            "bob-password",
        )
        .await
        .unwrap();
        session.join(&code).await.unwrap();
    });

    // Alice saves a season of check-ins offline, then syncs; the server dies during the upload.
    let start = jiff::civil::date(2026, 1, 1);
    for day in 0..400_i64 {
        let score = Score::new("score", 1 + day % 10).unwrap();
        let input = CheckinInput {
            date: start.checked_add(day.days()).unwrap(),
            connection: score,
            mood: score,
            satisfaction: score,
            note: Some(format!("day {day}")),
        };
        alice.checkin(&input, now).unwrap();
    }
    let killer = {
        let pid = server.pid();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .unwrap();
        })
    };
    let interrupted = runtime.block_on(async {
        Session::resume(&mut alice, &alice_secrets)
            .unwrap()
            .sync()
            .await
    });
    killer.join().unwrap();
    server.wait();
    let queued = alice.outbox(10_000).unwrap().len();
    assert!(
        interrupted.is_err() || queued == 0,
        "a sync that reported success left {queued} changes queued"
    );

    // Restart; both devices sync; nothing is lost.
    let server = start_server(&binary, port, &data);
    runtime.block_on(async {
        Session::resume(&mut alice, &alice_secrets)
            .unwrap()
            .sync()
            .await
            .unwrap();
        Session::resume(&mut bob, &bob_secrets)
            .unwrap()
            .sync()
            .await
            .unwrap();
    });
    assert!(
        alice.outbox(10).unwrap().is_empty(),
        "everything uploaded after the restart"
    );
    let count = |store: &Store| store.table_as_json("daily_checkins").unwrap().len();
    assert_eq!(count(&alice), 400);
    assert_eq!(count(&bob), 400, "the partner has every check-in");
    for table in ["daily_checkins", "users", "relationships", "notifications"] {
        assert_eq!(
            alice.table_as_json(table).unwrap(),
            bob.table_as_json(table).unwrap(),
            "{table}"
        );
    }
    drop(server);
}
