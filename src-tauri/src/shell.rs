//! The state the app's commands share: the UI's store connection, where the device's data lives,
//! the launch options and the background sync worker; and how commands that talk to the sync
//! server run (their own thread, connection and runtime, never the UI's).

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use together_client::secret_store::{self, SecretStore};
use together_client::sync::SyncError;
use together_client::usage::DeviceType;
use together_client::{Store, paths};

use crate::error::CommandError;
use crate::options::LaunchOptions;
use crate::worker::SyncWorker;

/// What this app records its usage sessions as.
#[cfg(mobile)]
const DEVICE_TYPE: DeviceType = DeviceType::Mobile;
/// What this app records its usage sessions as.
#[cfg(not(mobile))]
const DEVICE_TYPE: DeviceType = DeviceType::Desktop;

/// Where this device keeps its data and secrets: enough to open another connection to the store
/// (for the sync worker and account operations) without touching the UI's.
#[derive(Debug, Clone)]
pub struct DeviceContext {
    /// The data directory.
    pub data_dir: PathBuf,
    /// `keyring` (default) or `file`.
    pub secret_store: Option<String>,
}

impl DeviceContext {
    /// Opens another connection to the device's store.
    pub fn open_store(&self) -> Result<Store, CommandError> {
        Ok(Store::open(&paths::database_path(&self.data_dir))?)
    }

    /// The device's secret store.
    pub fn secrets(&self) -> Result<Box<dyn SecretStore>, CommandError> {
        Ok(secret_store::named(
            &self.data_dir,
            self.secret_store.as_deref(),
        )?)
    }
}

/// The app's shared state: the local store (or the reason it is unavailable), the launch options
/// and the background sync worker.
#[derive(Debug)]
pub struct Shell {
    /// The open store. A std mutex: commands hold it only for short synchronous SQLite calls.
    store: Result<Mutex<Store>, String>,
    /// Where the store lives, once known.
    device: Option<DeviceContext>,
    /// The options the app was launched with.
    pub options: LaunchOptions,
    /// The background sync, started once the window exists.
    worker: OnceLock<SyncWorker>,
    /// When the process started, to report the time to the first screen once.
    started: std::time::Instant,
    /// Whether that time was reported.
    reported: std::sync::atomic::AtomicBool,
}

impl Shell {
    /// Opens the local store named by the options, else in the platform's app data directory.
    ///
    /// Never fails: a store that cannot be opened (a newer schema, a damaged file) is kept as its
    /// error message, so the window still opens and says what is wrong.
    pub fn start(
        options: LaunchOptions,
        started: std::time::Instant,
        app_data_dir: impl FnOnce() -> Option<PathBuf>,
    ) -> Self {
        let data_dir = options.data_dir.clone().or_else(app_data_dir);
        let device = data_dir.map(|data_dir| DeviceContext {
            data_dir,
            secret_store: options.secret_store.clone(),
        });
        let store = match (options.problem.clone(), &device) {
            (Some(problem), _) => Err(problem),
            (None, None) => Err(
                "Better Together found no place on this device to keep your data. Please restart \
                 the app; if this keeps happening, ask for help."
                    .to_owned(),
            ),
            (None, Some(device)) => device
                .open_store()
                .map(|mut store| {
                    // A usage session starts at launch (`together_client::usage`).
                    store.set_usage_device(DEVICE_TYPE);
                    if let Err(error) = store.start_usage_session(jiff::Timestamp::now()) {
                        tracing::warn!(%error, "cannot start the usage session");
                    }
                    Mutex::new(store)
                })
                .map_err(|error| error.to_string()),
        };
        Self {
            store,
            device,
            options,
            worker: OnceLock::new(),
            started,
            reported: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Runs `f` with the store, or explains why it is unavailable.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, CommandError>,
    ) -> Result<T, CommandError> {
        let store = self
            .store
            .as_ref()
            .map_err(|message| CommandError::StoreUnavailable(message.clone()))?;
        let mut guard = store.lock().map_err(|_| CommandError::Internal)?;
        f(&mut guard)
    }

    /// Where the device's data lives, when the store could be opened.
    pub fn device(&self) -> Result<DeviceContext, CommandError> {
        match (&self.store, &self.device) {
            (Ok(_), Some(device)) => Ok(device.clone()),
            (Err(message), _) => Err(CommandError::StoreUnavailable(message.clone())),
            (Ok(_), None) => Err(CommandError::Internal),
        }
    }

    /// Logs, once, how long the process took until the UI asked for its first data: the
    /// startup-to-interactive figure.
    pub fn first_screen(&self) {
        if !self
            .reported
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::info!(
                startup_ms = self.started.elapsed().as_millis() as u64,
                "first screen asked for its data"
            );
        }
    }

    /// Closes the usage session and the screen shown, at exit.
    pub fn end_usage(&self) {
        let ended = self.with_store(|store| Ok(store.end_usage(jiff::Timestamp::now())?));
        if let Err(error) = ended {
            tracing::warn!(%error, "cannot close the usage session");
        }
    }

    /// Keeps the worker started at launch.
    pub fn set_worker(&self, worker: SyncWorker) {
        let _ = self.worker.set(worker);
    }

    /// The background sync worker, once started.
    pub fn worker(&self) -> Option<&SyncWorker> {
        self.worker.get()
    }

    /// The sync server the app was started with (`--server`), if any.
    pub fn launch_server(&self) -> Option<&str> {
        self.options.server_url.as_deref()
    }

    /// Runs `op` with the UI's store connection and the device's secret store when it can be
    /// opened (for reads that depend on being signed in).
    pub fn with_store_and_secrets<T>(
        &self,
        f: impl FnOnce(&mut Store, Option<&dyn SecretStore>) -> Result<T, CommandError>,
    ) -> Result<T, CommandError> {
        let secrets = self.device().and_then(|device| device.secrets()).ok();
        self.with_store(|store| f(store, secrets.as_deref()))
    }

    /// Runs a client operation that may talk to the sync server on a blocking thread, with its
    /// own store connection, the secret store and a small runtime: a sync session holds the store
    /// across network waits, and the UI's connection must stay free.
    pub async fn on_device<T: Send + 'static>(
        &self,
        op: impl AsyncFnOnce(&mut Store, &dyn SecretStore) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, CommandError> {
        let device = self.device()?;
        tauri::async_runtime::spawn_blocking(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|_| CommandError::Internal)?;
            let mut store = device.open_store()?;
            let secrets = device.secrets()?;
            Ok(runtime.block_on(op(&mut store, secrets.as_ref()))?)
        })
        .await
        .map_err(|_| CommandError::Internal)?
    }

    /// Like [`Shell::on_device`] for an operation that changes the account or the couple
    /// (signing in or out, pairing): the background sync restarts with the new state afterwards.
    pub async fn on_account<T: Send + 'static>(
        &self,
        op: impl AsyncFnOnce(&mut Store, &dyn SecretStore) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, CommandError> {
        let result = self.on_device(op).await;
        if result.is_ok()
            && let Some(worker) = self.worker()
        {
            worker.kick();
        }
        result
    }
}
