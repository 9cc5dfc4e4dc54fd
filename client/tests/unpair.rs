//! Unpairing ends the relationship for both partners. Both devices mark it ended: it is no longer
//! current, its documents are read-only (changes queued for it stay on the device, counted), and
//! it stays readable. A new relationship is new in every way: new id, new key, new documents, its
//! own streak; a new partner never reaches the old one, and the old key opens nothing written
//! after the end. Real server on loopback.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::Command;

use base64::Engine;
use common::couple::{Replica, now};
use common::server::{checkin, invite, join, paired_through, secrets, server, signed_up, sync};
use together_client::crypto;
use together_client::secret_store::SecretStore;
use together_client::sync::{Api, Session};
use together_core::document::RelationshipInput;
use together_core::domain::{PrivacyLevel, RelationshipType};

fn api_of(url: &str, replica: &Replica) -> Api {
    let token = secrets(replica).get("token").unwrap().unwrap();
    Api::new(url, Some(token)).unwrap()
}

fn root_key(replica: &Replica, relationship: &str) -> crypto::Key {
    let root = secrets(replica)
        .get(&format!("key:rel:{relationship}"))
        .unwrap()
        .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(root)
        .unwrap()
        .try_into()
        .unwrap()
}

/// `together --json ARGS` on the replica's data, as JSON.
fn cli_json(replica: &Replica, args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_together"))
        .arg("--data-dir")
        .arg(replica.dir.path())
        .arg("--json")
        .args(args)
        .env("TOGETHER_SECRET_STORE", "file")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn notes(checkins: &serde_json::Value) -> Vec<String> {
    let mut notes: Vec<String> = checkins
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["gratitude_note"].as_str().map(str::to_owned))
        .collect();
    notes.sort();
    notes
}

/// The relationship as `together relationships --json` lists it.
fn listed(replica: &Replica, relationship: &str) -> serde_json::Value {
    cli_json(replica, &["relationships"])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == relationship)
        .cloned()
        .unwrap_or_else(|| panic!("{relationship} is not listed"))
}

#[tokio::test(flavor = "multi_thread")]
async fn unpairing_ends_the_relationship_for_both_and_a_new_one_starts_clean() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let old = alice
        .store
        .current_relationship()
        .unwrap()
        .unwrap()
        .to_string();
    let old_series = format!("rel-{old}-2026");
    let old_root = root_key(&alice, &old);
    alice
        .store
        .checkin(&checkin(8, "alice, before"), now())
        .unwrap();
    bob.store
        .checkin(&checkin(6, "bob, before"), now())
        .unwrap();
    sync(&mut bob).await;
    sync(&mut alice).await;
    sync(&mut bob).await;
    assert_eq!(alice.store.stats(now()).unwrap().unwrap().checkin_streak, 1);

    // Bob leaves; his device shows it ended at once.
    let secrets_bob = secrets(&bob);
    let left = Session::resume(&mut bob.store, &secrets_bob)
        .unwrap()
        .leave()
        .await
        .unwrap();
    assert_eq!(left.relationship_id, old);
    assert_eq!(bob.store.current_relationship().unwrap(), None);
    assert!(listed(&bob, &old)["ended_at"].is_string());

    // Alice, offline, changes her check-in before she hears of it: the change stays with her.
    alice
        .store
        .checkin(&checkin(9, "alice, after"), now())
        .unwrap();
    let report = sync(&mut alice).await;
    let report = serde_json::to_value(&report).unwrap();
    assert_eq!(report["ended"][0]["relationship_id"], old, "{report}");
    let kept = report["ended"][0]["kept_on_device"].as_u64().unwrap();
    assert!(kept >= 1, "{report}");
    assert_eq!(alice.store.current_relationship().unwrap(), None);
    assert_eq!(alice.count("SELECT count(*) FROM outbox"), 0);
    let entry = listed(&alice, &old);
    assert!(entry["ended_at"].is_string(), "{entry}");
    assert_eq!(entry["current"], false);
    assert_eq!(entry["kept_on_device"], kept);
    // Read-only: nothing can change it any more; the old check-ins stay readable.
    assert!(
        alice
            .store
            .join_relationship(old.parse().unwrap(), now())
            .is_err()
    );
    assert!(alice.store.checkin(&checkin(5, "nowhere"), now()).is_err());
    let old_checkins = cli_json(&alice, &["checkins", "--relationship", &old]);
    assert_eq!(notes(&old_checkins), ["alice, after", "bob, before"]);
    assert_eq!(
        notes(&cli_json(&bob, &["checkins", "--relationship", &old])),
        ["alice, before", "bob, before"],
        "what Alice wrote after the end never reached Bob"
    );

    // Changing her profile touches her own document only, not the ended one.
    alice.profile("Alice A.", "Pacific/Auckland");
    assert_eq!(
        alice.count(&format!(
            "SELECT count(*) FROM outbox WHERE doc_id LIKE 'rel-{old}%'"
        )),
        0
    );

    // A new relationship: new id, new key, new documents, a streak of its own.
    let new = alice
        .store
        .create_relationship(
            &RelationshipInput {
                relationship_type: RelationshipType::Dating,
                start_date: None,
                anniversary_date: None,
                privacy_level: PrivacyLevel::Balanced,
            },
            now(),
        )
        .unwrap()
        .to_string();
    assert_ne!(new, old);
    assert_eq!(alice.store.stats(now()).unwrap().unwrap().checkin_streak, 0);
    let code = invite(&mut alice).await;
    assert_ne!(root_key(&alice, &new), old_root);
    let mut carol = signed_up(&server, "carol@example.com", "Carol").await;
    join(&mut carol, &code).await;
    alice
        .store
        .checkin(&checkin(7, "alice and carol"), now())
        .unwrap();
    sync(&mut alice).await;
    carol.store.checkin(&checkin(7, "carol"), now()).unwrap();
    sync(&mut carol).await;
    sync(&mut alice).await;
    assert_eq!(alice.store.stats(now()).unwrap().unwrap().checkin_streak, 1);

    // Carol never receives Bob's check-ins: not on her device, not reachable on the server.
    let carol_notes = notes(&cli_json(&carol, &["checkins"]));
    assert_eq!(carol_notes, ["alice and carol", "carol"]);
    assert_eq!(
        carol.count(&format!(
            "SELECT count(*) FROM documents WHERE doc_id LIKE 'rel-{old}%'"
        )),
        0
    );
    let carol_api = api_of(&server.url, &carol);
    let reachable = carol_api.documents().await.unwrap();
    assert!(
        reachable.iter().all(|d| !d.doc_id.contains(&old)),
        "{reachable:?}"
    );
    assert!(carol_api.pull(&old_series, 0).await.is_err());

    // What Alice wrote after the end cannot be opened with the old relationship's key.
    let new_series = format!("rel-{new}-2026");
    let page = api_of(&server.url, &alice)
        .pull(&new_series, 0)
        .await
        .unwrap();
    assert!(!page.entries.is_empty());
    let new_key = crypto::document_key(&root_key(&alice, &new), &new_series);
    for entry in &page.entries {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&entry.ciphertext)
            .unwrap();
        assert!(crypto::open(&new_key, &new_series, &entry.entry_id, &sealed).is_ok());
        for old_key in [
            crypto::document_key(&old_root, &old_series),
            crypto::document_key(&old_root, &new_series),
        ] {
            assert!(crypto::open(&old_key, &new_series, &entry.entry_id, &sealed).is_err());
        }
    }

    // Alice still reads the old check-ins; a new device of hers restores both, the old one
    // read-only.
    assert_eq!(
        notes(&cli_json(&alice, &["checkins", "--relationship", &old])),
        ["alice, after", "bob, before"]
    );
    let mut tablet = Replica::new();
    let tablet_secrets = secrets(&tablet);
    Session::login(
        &mut tablet.store,
        &tablet_secrets,
        &server.url,
        "alice@example.com",
        "alice-password",
    )
    .await
    .unwrap();
    assert_eq!(
        tablet
            .store
            .current_relationship()
            .unwrap()
            .map(|r| r.to_string()),
        Some(new.clone())
    );
    assert!(listed(&tablet, &old)["ended_at"].is_string());
    assert_eq!(
        notes(&cli_json(&tablet, &["checkins", "--relationship", &old])),
        ["alice, before", "bob, before"],
        "the old relationship as the server kept it"
    );
    assert_eq!(
        notes(&cli_json(&tablet, &["checkins"])),
        ["alice and carol", "carol"]
    );

    // Bob, who left, can join someone else: pairing works again after the end.
    let mut dave = Replica::new();
    dave.profile("Dave", "UTC");
    dave.create_relationship();
    let dave_secrets = secrets(&dave);
    Session::signup(
        &mut dave.store,
        &dave_secrets,
        &server.url,
        "dave@example.com",
        "Dave",
        "dave-password",
    )
    .await
    .unwrap();
    let code = invite(&mut dave).await;
    join(&mut bob, &code).await;
    assert_eq!(
        bob.store.current_relationship().unwrap(),
        dave.store.current_relationship().unwrap()
    );
    assert!(listed(&bob, &old)["ended_at"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watching_partner_hears_of_the_end_live() {
    let server = server().await;
    let (alice, mut bob) = paired_through(&server).await;
    let old = alice
        .store
        .current_relationship()
        .unwrap()
        .unwrap()
        .to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (events, mut heard) = tokio::sync::mpsc::unbounded_channel();
    // Alice's device watches on its own thread, as the app's worker does.
    let watcher = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut alice = alice;
            let secrets = secrets(&alice);
            Session::resume(&mut alice.store, &secrets)
                .unwrap()
                .watch_with(
                    async {
                        let _ = stopped.await;
                    },
                    |event| {
                        let _ = events.send(event);
                    },
                )
                .await
                .unwrap();
            alice
        })
    });
    loop {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
            .await
            .unwrap()
            .unwrap();
        if event == together_client::sync::WatchEvent::Live {
            break;
        }
    }
    let secrets_bob = secrets(&bob);
    let left = std::time::Instant::now();
    Session::resume(&mut bob.store, &secrets_bob)
        .unwrap()
        .leave()
        .await
        .unwrap();
    // The live socket's news wakes a sync well before the 15 s polling would.
    let ended = loop {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
            .await
            .expect("the end was not heard live")
            .unwrap();
        if let together_client::sync::WatchEvent::Synced(report) = event
            && !report.ended.is_empty()
        {
            break report.ended;
        }
    };
    assert!(left.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(ended[0].relationship_id, old);
    stop.send(()).unwrap();
    let alice = watcher.join().unwrap();
    assert_eq!(alice.store.current_relationship().unwrap(), None);
    assert!(
        alice
            .store
            .relationships()
            .unwrap()
            .iter()
            .any(|r| r.id == old && r.ended_at.is_some()),
        "marked ended on this device"
    );
}
