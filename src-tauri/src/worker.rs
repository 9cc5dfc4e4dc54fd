//! The background sync: one thread with its own runtime and its own connection to the store (a
//! sync session holds the store across network waits, which must never block the UI's commands).
//!
//! It keeps a session watching the server (live socket, polling fallback), publishes its status
//! (`sync-status` event), tells the UI when the partner's changes arrived (`data-changed`), and
//! restarts its session when an account operation kicks it (sign-in, pairing, sign-out).
//! A second small thread raises date reminders on schedule, also offline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use tauri::{AppHandle, Emitter};
use together_client::sync::{Session, SyncError, WatchEvent};
use together_core::view::{SyncState, SyncStatus};
use tokio::sync::watch;

use crate::error::CommandError;
use crate::notify::Announcer;
use crate::shell::DeviceContext;

/// Event the UI refreshes its data on.
pub const DATA_CHANGED: &str = "data-changed";
/// Event carrying a new [`SyncStatus`].
pub const SYNC_STATUS: &str = "sync-status";

/// How long a signed-out or failing worker waits before looking again (unless kicked).
const IDLE_RECHECK: Duration = Duration::from_secs(30);
/// How often date reminders are raised.
const REMINDER_EVERY: Duration = Duration::from_secs(15 * 60);

/// Handle to the background sync.
#[derive(Debug)]
pub struct SyncWorker {
    status: Arc<Mutex<SyncStatus>>,
    kick: watch::Sender<u64>,
}

impl SyncWorker {
    /// Starts the sync and reminder threads for `device`.
    pub fn start(device: DeviceContext, app: AppHandle, announcer: Arc<Announcer>) -> Self {
        let status = Arc::new(Mutex::new(SyncStatus::local_only(0)));
        let (kick, kicked) = watch::channel(0);
        let worker = Self {
            status: Arc::clone(&status),
            kick,
        };
        let sync = Runner {
            device: device.clone(),
            app: app.clone(),
            status,
            announcer: Arc::clone(&announcer),
        };
        let spawned = std::thread::Builder::new()
            .name("together-sync".into())
            .spawn(move || sync.run(kicked));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start background sync");
        }
        let checkpoints = device.clone();
        let spawned = std::thread::Builder::new()
            .name("together-reminders".into())
            .spawn(move || reminders(&device, &app, &announcer));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start reminders");
        }
        let spawned = std::thread::Builder::new()
            .name("together-checkpoint".into())
            .spawn(move || checkpoint(&checkpoints));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the database checkpoint");
        }
        worker
    }

    /// Restarts the session now: after signing in or out, pairing, or on "Sync now".
    pub fn kick(&self) {
        self.kick.send_modify(|n| *n += 1);
    }

    /// The latest status.
    pub fn status(&self) -> SyncStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| SyncStatus::local_only(0))
    }
}

struct Runner {
    device: DeviceContext,
    app: AppHandle,
    status: Arc<Mutex<SyncStatus>>,
    announcer: Arc<Announcer>,
}

impl Runner {
    fn run(self, mut kicked: watch::Receiver<u64>) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(%error, "background sync has no runtime");
                return;
            }
        };
        loop {
            kicked.mark_unchanged();
            let wait = match runtime.block_on(self.session(&mut kicked)) {
                Ok(()) => continue, // kicked: start again with the new account state
                Err(Stopped::Idle) => IDLE_RECHECK,
                Err(Stopped::Failed(message)) => {
                    self.set(SyncState::NeedsAttention, Some(message));
                    IDLE_RECHECK
                }
            };
            runtime.block_on(async {
                tokio::select! {
                    _ = kicked.changed() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            });
        }
    }

    /// One session: watches until kicked (`Ok`), or stops because there is nothing to sync with.
    async fn session(&self, kicked: &mut watch::Receiver<u64>) -> Result<(), Stopped> {
        let failed = |error: CommandError| Stopped::Failed(error.to_string());
        let mut store = self.device.open_store().map_err(failed)?;
        let secrets = self.device.secrets().map_err(failed)?;
        let had_account = store.sync_server().ok().flatten().is_some();
        let mut session = match Session::resume(&mut store, secrets.as_ref()) {
            Ok(session) => session,
            Err(error @ (SyncError::Config(_) | SyncError::NotSignedIn { .. })) => {
                if had_account {
                    let sentence = CommandError::from(error).to_string();
                    self.set(SyncState::NeedsAttention, Some(sentence));
                } else {
                    self.set(SyncState::LocalOnly, None);
                }
                return Err(Stopped::Idle);
            }
            Err(other) => return Err(failed(other.into())),
        };
        self.set(SyncState::Connecting, None);
        // A second connection for reading what arrived (the session holds the first).
        let reader = self.device.open_store().ok();
        let stop = async {
            let _ = kicked.changed().await;
        };
        let result = session
            .watch_with(stop, |event| match event {
                WatchEvent::Synced(report) => {
                    self.synced();
                    if let Some(ended) = report.ended.last() {
                        // A partner left: the screens change (no partner, nothing current).
                        self.tell(ended.learned_sentence());
                        let _ = self.app.emit(DATA_CHANGED, ());
                    }
                    if report.changed_records > 0 {
                        let _ = self.app.emit(DATA_CHANGED, ());
                        if let Some(reader) = &reader {
                            self.announcer.announce_new(reader);
                        }
                    }
                }
                WatchEvent::Live => self.set(SyncState::Live, None),
                WatchEvent::Offline(_) => self.set(
                    SyncState::Offline,
                    Some("The sync server cannot be reached; your changes are saved here and will sync later.".into()),
                ),
                WatchEvent::Blocked(blocked) => {
                    self.set(SyncState::NeedsAttention, Some(format!("{blocked}.")));
                }
            })
            .await;
        result.map_err(|error| failed(error.into()))
    }

    fn set(&self, state: SyncState, message: Option<String>) {
        if let Ok(mut status) = self.status.lock() {
            if status.state == state && status.message == message {
                return;
            }
            status.state = state;
            status.message = message;
            let _ = self.app.emit(SYNC_STATUS, status.clone());
        }
    }

    /// Shows a sentence with the status, whatever the state.
    fn tell(&self, message: String) {
        if let Ok(mut status) = self.status.lock() {
            status.message = Some(message);
            let _ = self.app.emit(SYNC_STATUS, status.clone());
        }
    }

    fn synced(&self) {
        if let Ok(mut status) = self.status.lock() {
            status.last_sync_at = Some(Timestamp::now().to_string());
            if status.state == SyncState::Offline || status.state == SyncState::NeedsAttention {
                status.state = SyncState::Connecting;
                status.message = None;
            }
            let _ = self.app.emit(SYNC_STATUS, status.clone());
        }
    }
}

/// Why a session ended without being kicked.
enum Stopped {
    /// Nothing to sync with (no account, signed out).
    Idle,
    /// An error to show.
    Failed(String),
}

/// Looks at the store's write-ahead log every few seconds and copies it back into its file once it
/// is long, on a connection of its own, so no save of the person's waits for it (see
/// `together_client::store::checkpoint`).
fn checkpoint(device: &DeviceContext) {
    let mut store = None;
    loop {
        std::thread::sleep(together_client::store::BACKGROUND_CHECKPOINT_EVERY);
        if store.is_none() {
            store = device.open_store().ok();
        }
        if let Some(open) = &store
            && let Err(error) = open.checkpoint()
        {
            tracing::warn!(%error, "database checkpoint failed");
            store = None; // Open a fresh connection next time.
        }
    }
}

/// Raises date reminders now and then on schedule, and announces new ones; once a day, uploads
/// the opt-in usage counts that are due.
fn reminders(device: &DeviceContext, app: &AppHandle, announcer: &Announcer) {
    let mut uploaded_on = None;
    loop {
        if let Ok(mut store) = device.open_store() {
            if let Ok(raised) = store.refresh_reminders(Timestamp::now())
                && raised > 0
            {
                let _ = app.emit(DATA_CHANGED, ());
                announcer.announce_new(&store);
            }
            upload_usage(&mut store, &mut uploaded_on);
        }
        std::thread::sleep(REMINDER_EVERY);
    }
}

/// Sends the usage counts due (`together_client::usage::upload`) once per local day: an
/// opted-out person's device returns before any network call, and a failed upload is tried again
/// on the next round.
fn upload_usage(store: &mut together_client::Store, uploaded_on: &mut Option<jiff::civil::Date>) {
    let now = Timestamp::now();
    let Ok(today) = store.local_today(now) else {
        return;
    };
    if *uploaded_on == Some(today) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    match runtime.block_on(together_client::usage::upload::upload_due(store, now)) {
        Ok(_) => *uploaded_on = Some(today),
        Err(error) => tracing::info!(%error, "usage upload will be tried again later"),
    }
}
