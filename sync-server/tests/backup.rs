//! `together-server backup` while devices sync through the real server, `restore` into a new data
//! directory, and a server started on it: every entry acknowledged before the backup began is
//! there, at its seq, and the devices go on syncing against it.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Device, b64, couple, start, start_with};
use serde_json::json;

/// One acknowledged entry: its document, id, seq, and when the acknowledgement arrived.
type Acked = (String, String, i64, Instant);

fn binary() -> tokio::process::Command {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_together-server"))
}

/// Appends one entry after another to `doc` until `stop`, recording each acknowledgement.
async fn keep_writing(
    device: Device,
    doc: String,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let entry = format!("{}-{n}", device.device_id);
        let reply = device
            .post(
                &format!("/v1/docs/{doc}/entries"),
                json!({ "entries": [{ "entry_id": entry, "ciphertext": b64(format!("sealed {n}").as_bytes()) }] }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let seq = reply.body["entries"][0]["seq"].as_i64().unwrap();
        acked
            .lock()
            .unwrap()
            .push((doc.clone(), entry, seq, Instant::now()));
    }
}

/// Everything `device` can pull from `doc`, as entry id → seq.
async fn pull_all(device: &Device, doc: &str) -> HashMap<String, i64> {
    let mut all = HashMap::new();
    let mut after = 0;
    loop {
        let page = device
            .get(&format!("/v1/docs/{doc}/entries?after={after}&limit=1000"))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        for entry in page.body["entries"].as_array().unwrap() {
            let seq = entry["seq"].as_i64().unwrap();
            all.insert(entry["entry_id"].as_str().unwrap().to_owned(), seq);
            after = after.max(seq);
        }
        if page.body["more"] != true {
            return all;
        }
    }
}

fn signing_key(database: &std::path::Path) -> String {
    rusqlite::Connection::open(database)
        .unwrap()
        .query_row(
            "SELECT value FROM server_info WHERE key = 'entitlement_signing_key'",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_everything_acknowledged_before_it() {
    let server = start().await;
    let place = tempfile::tempdir().unwrap();
    let file = place.path().join("together.backup");
    if let Some(url) = &server.database_url {
        // PostgreSQL has its own tools: the command refuses and names them.
        let output = binary()
            .args(["backup", "--database-url", url, "--to"])
            .arg(&file)
            .output()
            .await
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!stderr.contains(url.as_str()), "the URL is never repeated");
        return;
    }
    let (alice, bob, relationship) = couple(&server, "alice@example.com", "bob@example.com").await;
    let shared = format!("rel-{relationship}-2026");
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = [
        (alice.clone(), shared.clone()),
        (bob.clone(), shared.clone()),
        (alice.clone(), format!("user-{}", alice.user_id)),
        (bob.clone(), format!("user-{}", bob.user_id)),
    ]
    .into_iter()
    .map(|(device, doc)| {
        tokio::spawn(keep_writing(
            device,
            doc,
            Arc::clone(&stop),
            Arc::clone(&acked),
        ))
    })
    .collect();
    // Under way before the backup starts.
    while acked.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let data_dir = server.dir.path().join("server-data");
    let backup_started = Instant::now();
    let output = binary()
        .arg("backup")
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--to")
        .arg(&file)
        .output()
        .await
        .unwrap();
    let backup_done = Instant::now();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(said.contains("verified"), "{said}");
    assert!(said.contains("signing key included"), "{said}");
    // The devices kept writing during the backup and after it.
    let during = acked.lock().unwrap().len();
    while acked.lock().unwrap().len() < during + 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let before: Vec<&Acked> = acked
        .iter()
        .filter(|(_, _, _, at)| *at < backup_started)
        .collect();
    let while_backing_up = acked
        .iter()
        .filter(|(_, _, _, at)| (backup_started..backup_done).contains(at))
        .count();
    assert!(before.len() >= 40);

    // A backup file is never overwritten.
    let again = binary()
        .arg("backup")
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--to")
        .arg(&file)
        .output()
        .await
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let restored = place.path().join("restored");
    let output = binary()
        .arg("restore")
        .arg("--from")
        .arg(&file)
        .arg("--data-dir")
        .arg(&restored)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&restored), 0o700);
        assert_eq!(mode(&restored.join("server.sqlite3")), 0o600);
        assert_eq!(mode(&file), 0o600);
    }
    assert_eq!(
        signing_key(&restored.join("server.sqlite3")),
        signing_key(&data_dir.join("server.sqlite3")),
        "the signing key devices pin is in the backup"
    );

    let second = start_with(|config| config.data_dir = restored.clone()).await;
    let mut alice2 = alice.clone();
    alice2.base.clone_from(&second.base);
    let mut bob2 = bob.clone();
    bob2.base.clone_from(&second.base);
    let mut seen: HashMap<String, HashMap<String, i64>> = HashMap::new();
    seen.insert(shared.clone(), pull_all(&bob2, &shared).await);
    for device in [&alice2, &bob2] {
        let own = format!("user-{}", device.user_id);
        seen.insert(own.clone(), pull_all(device, &own).await);
    }
    for (doc, entry, seq, _) in &before {
        assert_eq!(
            seen[doc].get(entry),
            Some(seq),
            "{entry} of {doc} was acknowledged before the backup and is missing or moved"
        );
    }
    // The devices sync on against the restored server: a new entry follows the restored ones.
    let latest = seen[&shared].values().copied().max().unwrap();
    let next = alice2
        .post(
            &format!("/v1/docs/{shared}/entries"),
            json!({ "entries": [{ "entry_id": "after-restore", "ciphertext": b64(b"hello again") }] }),
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(next.body["entries"][0]["seq"], latest + 1);
    let heard = pull_all(&bob2, &shared).await;
    assert_eq!(heard.get("after-restore"), Some(&(latest + 1)));
    eprintln!(
        "acknowledged: {} before the backup, {while_backing_up} while it ran, {} in all",
        before.len(),
        acked.len()
    );
}

#[tokio::test]
async fn restore_refuses_a_data_directory_that_is_not_empty() {
    let place = tempfile::tempdir().unwrap();
    let target = place.path().join("in-use");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("server.sqlite3"), b"someone's data").unwrap();
    // A real backup of a fresh database.
    let data = place.path().join("data");
    drop(together_server::storage::SqliteStorage::open(&data.join("server.sqlite3")).unwrap());
    let file = place.path().join("b.sqlite3");
    together_server::backup::backup(&data, &file).unwrap();
    let output = binary()
        .arg("restore")
        .arg("--from")
        .arg(&file)
        .arg("--data-dir")
        .arg(&target)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read(target.join("server.sqlite3")).unwrap(),
        b"someone's data",
        "nothing was touched"
    );
}

#[tokio::test]
async fn serve_takes_a_scheduled_backup_at_start_into_its_backup_dir() {
    let place = tempfile::tempdir().unwrap();
    let backups = place.path().join("backups");
    let server = start_with(|config| {
        config.backup_every = Some(Duration::from_secs(3600));
        config.backup_keep = 2;
        config.backup_dir = Some(backups.clone());
    })
    .await;
    if server.database_url.is_some() {
        return; // PostgreSQL: pg_dump (the configuration refuses backup_every there).
    }
    // The first backup is taken as the server starts; wait for it to get its name.
    let mut found = Vec::new();
    for _ in 0..400 {
        found = std::fs::read_dir(&backups)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|name| !name.contains(".partial"))
                    .collect()
            })
            .unwrap_or_default();
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("server-") && found[0].ends_with("Z.sqlite3"),
        "{found:?}"
    );
    let verified = together_server::backup::verify(&backups.join(&found[0])).unwrap();
    assert!(verified.signing_key, "the signing key is in it");
}
