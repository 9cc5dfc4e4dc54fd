//! PostgreSQL restarted under load (`pg_ctl restart` of the private test cluster): both instances
//! reconnect — their pools and their listeners — and serve again without being restarted
//! themselves; a live socket hears `{"type":"resync"}` after its instance's listener lost news, and
//! live news crosses instances again. In a test binary of its own, because the restart cuts every
//! connection of whatever else runs beside it. Runs only on the private cluster of `scripts/pg.sh`
//! (it needs `PG_TEST_DATA_DIR` and `PG_TEST_BIN` to restart it); otherwise it says so and passes.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::backend::TestDatabase;
use common::instances::{append, connect, couple_across, hear, postgres_or_skip, two_instances};

/// Restarts the private cluster (as `postgres`, as it was started).
fn restart_cluster(bin: &str, data: &str) {
    let pg_ctl = format!("{bin}/pg_ctl");
    let args = ["-D", data, "-m", "fast", "-w", "-t", "60", "restart"];
    let status = if nix_is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--", &pg_ctl])
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
    } else {
        Command::new(&pg_ctl)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
    };
    assert!(status.unwrap().success(), "pg_ctl restart failed");
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

#[tokio::test]
async fn instances_reconnect_after_postgresql_restarts_under_load() {
    let Some(server) = postgres_or_skip("instances_reconnect_after_postgresql_restarts") else {
        return;
    };
    let (Ok(data), Ok(bin)) = (
        std::env::var("PG_TEST_DATA_DIR"),
        std::env::var("PG_TEST_BIN"),
    ) else {
        eprintln!(
            "instances_reconnect_after_postgresql_restarts: skipped: restarting PostgreSQL needs \
             the private cluster of scripts/pg.sh (PG_TEST_DATA_DIR, PG_TEST_BIN)"
        );
        return;
    };
    let database = TestDatabase::create(&server).await;
    let (one, two) = two_instances(&database.url).await;
    let (alice, bob, relationship) = couple_across(&one.base, &two.base, 1).await;
    let doc = format!("rel-{relationship}");
    let mut bob_live = connect(&bob).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Load: both partners upload all along, each through their own instance.
    let stop = Arc::new(AtomicBool::new(false));
    // Uploads stored after the restart, per instance.
    let stored_after_restart = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let restarted = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for (device, stored) in [alice.clone(), bob.clone()]
        .into_iter()
        .zip(&stored_after_restart)
    {
        let (stop, doc) = (Arc::clone(&stop), doc.clone());
        let (restarted, stored) = (Arc::clone(&restarted), Arc::clone(stored));
        load.push(tokio::spawn(async move {
            let mut k = 0;
            while !stop.load(Ordering::Relaxed) {
                let was_restarted = restarted.load(Ordering::Relaxed);
                if append(&device, &doc, &format!("{}-{k}", device.device_id))
                    .await
                    .is_ok()
                    && was_restarted
                {
                    stored.fetch_add(1, Ordering::Relaxed);
                }
                k += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (bin2, data2) = (bin.clone(), data.clone());
    tokio::task::spawn_blocking(move || restart_cluster(&bin2, &data2))
        .await
        .unwrap();
    restarted.store(true, Ordering::Relaxed);

    // Bob's instance lost its notifications for a while: his socket is told to pull everything.
    assert!(
        hear(&mut bob_live, Duration::from_secs(30), |m| m["type"]
            == "resync")
        .await,
        "a resync after the listener's gap"
    );
    // Both instances serve again, without a restart of their own.
    let deadline = Instant::now() + Duration::from_secs(30);
    while stored_after_restart
        .iter()
        .any(|stored| stored.load(Ordering::Relaxed) < 10)
    {
        assert!(
            Instant::now() < deadline,
            "uploads did not resume after the restart: {}\n{}",
            one.log(),
            two.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    for device in [&alice, &bob] {
        let entry = format!("after-{}", device.device_id);
        let mut stored = append(device, &doc, &entry).await;
        for _ in 0..100 {
            if stored.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            stored = append(device, &doc, &entry).await;
        }
        let seq = stored.unwrap();
        // And live news crosses instances again (through instance 1's new NOTIFY, instance 2's
        // new LISTEN) when Alice writes.
        if device.device_id == alice.device_id {
            assert!(
                hear(&mut bob_live, Duration::from_secs(10), |m| m["type"]
                    == "new_entries"
                    && m["latest_seq"].as_i64() >= Some(seq))
                .await,
                "Bob hears Alice's append after the restart"
            );
        }
    }
}
