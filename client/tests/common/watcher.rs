//! The app's sync watcher for a test device: its own thread, runtime and store connection, as in
//! the app, with the events it reports.

use std::time::Duration;

use together_client::sync::{Session, WatchEvent};
use tokio::sync::mpsc::UnboundedReceiver;

use super::couple::Replica;

/// Long enough for anything on loopback; a hang shows as a failure, not a stuck test.
pub const WAIT: Duration = Duration::from_secs(20);

/// The app's watcher for `replica`'s device: its own thread, runtime and store connection.
pub struct Watcher {
    events: UnboundedReceiver<WatchEvent>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    /// Starts the watcher on its own thread.
    pub fn start(replica: &Replica) -> Self {
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
    pub async fn until(&mut self, what: &str, wanted: impl Fn(&WatchEvent) -> bool) -> WatchEvent {
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
    pub async fn stop(mut self) {
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
