//! Ending the relationship for both while the app's watchers run (issue #13 §5): the device that
//! ends it, with its own watcher beside it on another connection, is answered, and the partner's
//! watcher hears of it. Real server on loopback; each watcher on its own thread, runtime and
//! connection, as in the app.

#![allow(clippy::unwrap_used)] // A failing test should panic right where it fails.

mod common;

use std::time::Duration;

use common::couple::{Replica, now};
use common::server::{checkin, paired_through, secrets, server};
use together_client::sync::{Session, WatchEvent};
use tokio::sync::mpsc::UnboundedReceiver;

/// Long enough for anything on loopback; a hang shows as a failure, not a stuck test.
const WAIT: Duration = Duration::from_secs(20);

/// The app's watcher for `replica`'s device: its own thread, runtime and store connection.
struct Watcher {
    events: UnboundedReceiver<WatchEvent>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    fn start(replica: &Replica) -> Self {
        let db = replica.db();
        let secrets_path = replica.dir.path().join("secrets.json");
        let (events_tx, events) = tokio::sync::mpsc::unbounded_channel::<WatchEvent>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut store = together_client::Store::open(&db).unwrap();
                let secrets = together_client::secret_store::FileStore::new(secrets_path);
                let mut session = Session::resume(&mut store, &secrets).unwrap();
                session
                    .watch_with(
                        async {
                            let _ = stopped.await;
                        },
                        |event| drop(events_tx.send(event)),
                    )
                    .await
                    .unwrap();
            });
        });
        Self {
            events,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Waits for the first event `wanted` accepts.
    async fn until(&mut self, what: &str, wanted: impl Fn(&WatchEvent) -> bool) -> WatchEvent {
        loop {
            let event = tokio::time::timeout(WAIT, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} in {WAIT:?}"))
                .expect("the watcher stopped");
            if wanted(&event) {
                return event;
            }
        }
    }

    /// Stops the watcher; it must stop promptly.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let thread = self.thread.take().unwrap();
        tokio::time::timeout(WAIT, tokio::task::spawn_blocking(move || thread.join()))
            .await
            .expect("the watcher did not stop")
            .unwrap()
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_it_for_both_is_answered_while_both_watchers_run() {
    let server = server().await;
    let (mut alice, mut bob) = paired_through(&server).await;
    let relationship = alice.store.current_relationship().unwrap().unwrap();
    let mut alice_watch = Watcher::start(&alice);
    let mut bob_watch = Watcher::start(&bob);
    for watcher in [&mut alice_watch, &mut bob_watch] {
        watcher
            .until("live socket", |e| *e == WatchEvent::Live)
            .await;
    }
    // Something in flight both ways, as in the app.
    alice
        .store
        .checkin(&checkin(8, "alice's day"), now())
        .unwrap();
    bob.store.checkin(&checkin(7, "bob's day"), now()).unwrap();

    // Bob ends it for both, from another connection than his watcher's (the app's command).
    let secrets = secrets(&bob);
    let mut session = Session::resume(&mut bob.store, &secrets).unwrap();
    let ended = tokio::time::timeout(WAIT, session.leave())
        .await
        .expect("ending the relationship was never answered")
        .unwrap();
    assert_eq!(ended.relationship_id, relationship.to_string());
    assert_eq!(bob.store.current_relationship().unwrap(), None);

    // Alice's watcher hears of it.
    alice_watch
        .until(
            "news of the end",
            |e| matches!(e, WatchEvent::Synced(report) if !report.ended.is_empty()),
        )
        .await;
    assert_eq!(alice.store.current_relationship().unwrap(), None);
    alice_watch.stop().await;
    bob_watch.stop().await;
}
