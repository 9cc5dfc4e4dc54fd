//! # together-server
//!
//! The sync server of Better Together: accounts and devices, relationships and pairing, and the
//! append-only logs of encrypted document changes that devices sync through. It stores ciphertext
//! and membership, never a couple's notes or keys.
//!
//! ## Layout
//! - [`config`]: the typed configuration ([`Config`]), passed down explicitly.
//! - [`storage`]: the [`storage::Storage`] traits the handlers use, and their backends: SQLite
//!   ([`storage::SqliteStorage`]: WAL, embedded migrations from `migrations/`), the default, and
//!   PostgreSQL ([`storage::PostgresStorage`]: a pool, `migrations-postgres/`, several instances).
//! - [`http`]: the axum router ([`http::router`]) and its handlers by feature (accounts and
//!   devices, relationships and pairing, encrypted document logs); JSON errors only.
//! - [`secrets`]: tokens and hashes (SHA-256, constant-time comparison, OS randomness).
//! - [`hub`]: the live WebSockets by account; new entries reach only the devices that may read them.
//! - [`limiter`]: sign-in throttling (backoff per address and account, budgets per address and
//!   per account that spare the owner's known addresses), in bounded memory.
//! - [`metrics`]: the Prometheus counters handlers move, and the middleware counting requests.
//! - [`backup`]: online backups of the SQLite database (on demand and scheduled), and restores.
//! - [`admin`]: the admin listener's router (`/metrics` and the operator console), on its own
//!   socket apart from the API, over TLS if configured.
//! - [`registration`]: who may create an account (open, invite-only with sign-up codes, closed).
//! - `relay`: the other instances' news applied to this one's sockets, and the checks after a gap.
//! - [`usage`]: accounts' active weeks and the job folding opt-in usage reports and cohorts.
//! - [`cli`]: the `together-server` command line (`serve`).
//! - [`launch`]: runs the server on a listener the caller bound, until the caller's shutdown future
//!   resolves, so tests run the real server on port 0 ([`launch_with_admin`] adds the admin
//!   listener).
//!
//! ## Architecture invariant
//! The server never holds a couple's plaintext data or keys; it relays ciphertext.

pub mod admin;
pub mod backup;
pub mod billing;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod hub;
pub mod limiter;
pub mod metrics;
pub mod registration;
mod relay;
pub mod secrets;
pub mod storage;
pub mod tokens;
pub mod usage;

use crate::storage::Storage;
use std::future::Future;
use std::sync::Arc;

pub use config::Config;
use tokio::net::TcpListener;

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// Billing could not start (its signing key).
    #[error("{0}")]
    Billing(String),
    /// Serving connections failed.
    #[error("serving HTTP failed: {0}")]
    Serve(#[source] std::io::Error),
    /// The admin listener's TLS certificate or key cannot be used.
    #[error(transparent)]
    AdminTls(#[from] admin::tls::TlsError),
}

/// The admin listener's server task.
type AdminTask = tokio::task::JoinHandle<std::io::Result<()>>;

/// Starts the admin listener (`/metrics` and the operator console) on `admin`, over TLS when the
/// configuration names a certificate and key; it stops when `stopping` turns true.
fn serve_admin(
    config: &Config,
    admin: TcpListener,
    app: http::AppState,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> Result<AdminTask, ServerError> {
    let address = admin.local_addr().map_err(ServerError::Serve)?;
    let tls = match &config.admin_tls {
        Some(files) => Some(admin::tls::server_config(&files.cert, &files.key)?),
        None => None,
    };
    tracing::info!(listen = %address, tls = tls.is_some(), "admin listener (/metrics, console) listening");
    let router = admin::router(admin::AdminState {
        app,
        limiter: Arc::new(limiter::LoginLimiter::new(config.login_limits)),
        secure: tls.is_some(),
        usage_k: config.usage_k_threshold,
    })
    .into_make_service_with_connect_info::<admin::tls::Peer>();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    Ok(match tls {
        Some(tls) => {
            let listener = admin::tls::TlsListener::new(admin, tls).map_err(ServerError::Serve)?;
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(stopped)
                    .await
            })
        }
        None => tokio::spawn(async move {
            axum::serve(admin, router)
                .with_graceful_shutdown(stopped)
                .await
        }),
    })
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes in-flight requests and
/// returns. Storage is the PostgreSQL database of `config.database_url`, or else the embedded
/// SQLite database in `config.data_dir`.
///
/// The caller binds the listener, which lets tests use `127.0.0.1:0` and lets `serve` report a busy
/// port before anything else starts.
pub async fn launch(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    launch_listeners(config, listener, None, shutdown).await
}

/// Like [`launch`], with the admin listener (`/metrics`) on `admin`, a second socket the caller
/// bound (`serve` binds `admin_listen`).
pub async fn launch_with_admin(
    config: Config,
    listener: TcpListener,
    admin: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    launch_listeners(config, listener, Some(admin), shutdown).await
}

async fn launch_listeners(
    config: Config,
    listener: TcpListener,
    admin: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let _serving = storage::claim_for_serving(&config)?;
    let database = storage::open(&config).await?;
    let billing = billing::Billing::new(
        &*database,
        config.billing.clone(),
        &config.data_dir,
        Arc::clone(&config.clock),
    )
    .await
    .map_err(|e| ServerError::Billing(e.to_string()))?;
    let billing = Arc::new(billing);
    let revenue = tokio::spawn(hourly_billing_job(
        Arc::clone(&database),
        Arc::clone(&billing),
    ));
    let usage = tokio::spawn(usage::usage_job(
        Arc::clone(&database),
        Arc::clone(&config.clock),
    ));
    // Scheduled backups copy the SQLite file; `Config::load` refuses them with PostgreSQL.
    let sqlite_backup_every = config
        .backup_every
        .filter(|_| config.database_url.is_none());
    let backups = sqlite_backup_every.map(|every| {
        tokio::spawn(backup_job(
            config.data_dir.clone(),
            config.backup_dir(),
            config.backup_keep,
            every,
            Arc::clone(&config.clock),
        ))
    });
    let result = launch_with_storage(
        config,
        database,
        Some(billing),
        Listeners {
            api: listener,
            admin,
        },
        shutdown,
    )
    .await;
    revenue.abort();
    usage.abort();
    if let Some(backups) = backups {
        backups.abort();
    }
    result
}

/// Billing's state in the start-up line: what an operator checks first when purchases fail.
fn billing_summary(billing: &billing::BillingConfig) -> &'static str {
    match (
        billing.stripe_secret_key.is_some(),
        billing.webhook_secrets.is_empty(),
    ) {
        (false, _) => "off (no Stripe key: nothing can be bought)",
        (true, true) => "on, but no webhook secret: payments will not be recorded",
        (true, false) => "on",
    }
}

/// Billing's housekeeping, hourly: keeps yesterday's and today's revenue analytics current (the
/// webhook updates the days it touches; this catches subscriptions crossing midnight), retries
/// the Stripe calls still owed, gives back discount uses of checkouts whose `expired` event never
/// came, and forgets AI answers older than a day.
async fn hourly_billing_job(db: Arc<dyn Storage>, billing: Arc<billing::Billing>) {
    let holder = uuid::Uuid::now_v7().to_string();
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        // Once per database, whatever the number of instances: the lease holder runs it.
        let now = billing.clock.now();
        let until = now + jiff::SignedDuration::from_mins(90);
        match db
            .take_lease(
                "billing-hourly".into(),
                holder.clone(),
                clock::stamp(now),
                clock::stamp(until),
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::warn!(%error, "cannot take the billing job's lease");
                continue;
            }
        }
        let today = billing
            .clock
            .now()
            .to_zoned(jiff::tz::TimeZone::system())
            .date();
        let yesterday = today.yesterday().unwrap_or(today);
        if let Err(error) = db.recompute_revenue(yesterday, today).await {
            tracing::warn!(%error, "revenue analytics job failed");
        }
        billing::actions::run_pending(&*db, &billing).await;
        let now = billing.clock.now().as_second();
        let hour_ago = billing::store::stamp(now - 3600);
        if let Err(error) = db.sweep_checkouts(hour_ago).await {
            tracing::warn!(%error, "sweeping expired checkouts failed");
        }
        let day_ago = billing::store::stamp(now - billing::store::credits::ANSWER_KEPT_SECONDS);
        if let Err(error) = db.forget_ai_answers(day_ago).await {
            tracing::warn!(%error, "forgetting old AI answers failed");
        }
    }
}

/// The sockets a server answers on, bound by the caller.
#[derive(Debug)]
pub struct Listeners {
    /// The public API.
    pub api: TcpListener,
    /// The admin listener (`/metrics`), if any.
    pub admin: Option<TcpListener>,
}

/// Scheduled backups (SQLite): one at start, then every `every`, into `dir`, keeping the newest
/// `keep`. A failed backup is logged as an error and tried again at the next tick.
async fn backup_job(
    data_dir: std::path::PathBuf,
    dir: std::path::PathBuf,
    keep: usize,
    every: std::time::Duration,
    clock: Arc<dyn clock::Clock>,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (data_dir, dir, now) = (data_dir.clone(), dir.clone(), clock.now());
        match tokio::task::spawn_blocking(move || backup::scheduled(&data_dir, &dir, keep, now))
            .await
        {
            Ok(Ok(file)) => tracing::info!(file = %file.display(), "scheduled backup written"),
            Ok(Err(error)) => tracing::error!(%error, "scheduled backup failed"),
            Err(error) => tracing::error!(%error, "scheduled backup task failed"),
        }
    }
}

/// Like [`launch`], with any [`storage::Storage`] backend: how another database (PostgreSQL) is
/// plugged in, and how one API test suite can run against every backend.
pub async fn launch_with_storage(
    config: Config,
    database: Arc<dyn Storage>,
    billing: Option<Arc<billing::Billing>>,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let Listeners {
        api: listener,
        admin,
    } = listeners;
    let (stop_live, shutdown_seen) = tokio::sync::watch::channel(false);
    let hub = Arc::new(hub::Hub::default());
    let tokens = Arc::new(tokens::RecentTokens::default());
    let origin: Arc<str> = uuid::Uuid::now_v7().to_string().into();
    let listening = database.listen().await?.map(|heard| {
        tokio::spawn(relay::relay_broadcasts(
            heard,
            Arc::clone(&hub),
            Arc::clone(&tokens),
            Arc::clone(&origin),
            Arc::clone(&database),
        ))
    });
    let metrics = Arc::new(metrics::Metrics::new());
    let state = http::AppState {
        registration: config.registration,
        metrics,
        database,
        limiter: Arc::new(limiter::LoginLimiter::new(config.login_limits)),
        hub,
        billing,
        trusted_proxies: config.trusted_proxies.clone().into(),
        max_account_bytes: config.max_account_bytes,
        clock: Arc::clone(&config.clock),
        active_weeks: Arc::new(usage::ActiveWeeks::default()),
        origin,
        shutdown: shutdown_seen.clone(),
        tokens,
    };
    let admin_server = match admin {
        Some(admin) => Some(serve_admin(&config, admin, state.clone(), shutdown_seen)?),
        None => None,
    };
    let address = listener.local_addr().map_err(ServerError::Serve)?;
    tracing::info!(
        listen = %address,
        database = %storage::describe(&config),
        billing = %billing_summary(&config.billing),
        registration = %config.registration,
        ai = %config.billing.ai.as_ref().map_or("off", |ai| ai.model.as_str()),
        version = %env!("CARGO_PKG_VERSION"),
        "together-server listening"
    );
    let app = http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Live WebSockets are upgraded connections the HTTP server no longer tracks.
            let _ = stop_live.send(true);
        })
        .await
        .map_err(ServerError::Serve)?;
    if let Some(listening) = listening {
        listening.abort();
    }
    if let Some(admin_server) = admin_server {
        match admin_server.await {
            Ok(result) => result.map_err(ServerError::Serve)?,
            Err(error) => tracing::error!(%error, "the admin listener stopped abnormally"),
        }
    }
    tracing::info!("together-server stopped");
    Ok(())
}
