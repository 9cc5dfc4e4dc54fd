//! The `together-server` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use crate::config::{Config, Overrides};
use crate::secrets::SecretText;

mod admin;
mod backup;
mod migrate_storage;
mod signup_codes;
mod usage;

/// Better Together's sync server.
#[derive(Debug, Parser)]
#[command(name = "together-server", version, about, long_about = None)]
pub struct Cli {
    /// How log lines are written to stderr: `pretty` for people, `json` for log collectors
    /// [default: the configuration file's `log_format`, else pretty].
    #[arg(long, global = true, env = "TOGETHER_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

pub use crate::config::LogFormat;

/// Where the server's files are: shared by `serve` and the admin commands.
#[derive(Debug, clap::Args)]
pub struct Place {
    /// A TOML settings file (every key: together-server.example.toml); flags and environment win over it.
    #[arg(long, env = "TOGETHER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the server's database [default: ./server-data].
    #[arg(long, env = "TOGETHER_SERVER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL database (postgres://user:password@host/db) instead of the SQLite file in the
    /// data directory; several instances may share it.
    #[arg(long, env = "TOGETHER_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretText>,
}

/// The commands of `together-server`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server until SIGINT or SIGTERM.
    Serve(Box<ServeArgs>),
    /// Plans for sale (admin).
    #[command(subcommand)]
    Plans(admin::PlansCommand),
    /// Add-ons such as AI-credit packs (admin).
    #[command(subcommand)]
    Addons(admin::AddonsCommand),
    /// Discount codes (admin).
    #[command(subcommand)]
    Discounts(admin::DiscountsCommand),
    /// Revenue analytics (admin).
    #[command(subcommand)]
    Revenue(admin::RevenueCommand),
    /// Move the server's data from its SQLite file to an empty PostgreSQL database, then verify
    /// the copy (stop the server first).
    MigrateStorage(migrate_storage::MigrateStorageArgs),
    /// Operator commands: sign-up codes, usage figures and cohorts.
    #[command(subcommand)]
    Admin(signup_codes::AdminCommand),
    /// Back the SQLite database up into a file while the server serves (PostgreSQL: pg_dump).
    Backup(backup::BackupArgs),
    /// Make a backup the database of a new, empty data directory.
    Restore(backup::RestoreArgs),
}

/// `together-server serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Configuration file and data directory.
    #[command(flatten)]
    pub place: Place,
    /// Address to listen on, such as 0.0.0.0:8787 or localhost:8798 (a host name is resolved:
    /// its first IPv4 address, else its first) [default: 127.0.0.1:8787].
    #[arg(long, env = "TOGETHER_LISTEN", value_parser = listen_address)]
    pub listen: Option<SocketAddr>,
    /// Address of the admin listener: Prometheus' /metrics (and the operator console); never the
    /// public port [default: 127.0.0.1:8788].
    #[arg(long, env = "TOGETHER_ADMIN_LISTEN", value_parser = listen_address)]
    pub admin_listen: Option<SocketAddr>,
    /// A reverse proxy whose X-Forwarded-For header is believed (repeat, or comma-separate in
    /// the environment).
    #[arg(
        long = "trusted-proxy",
        env = "TOGETHER_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Storage quota per account, in ciphertext bytes (entries and snapshots its devices
    /// uploaded) [default: 1073741824, 1 GiB].
    #[arg(long, env = "TOGETHER_MAX_ACCOUNT_BYTES")]
    pub max_account_bytes: Option<u64>,
    /// Who may create an account: open (anyone), invite-only (with a sign-up code from `admin
    /// signup-code create`) or closed (nobody) [default: open].
    #[arg(long, env = "TOGETHER_REGISTRATION", value_enum)]
    pub registration: Option<crate::registration::Registration>,
    /// How often to back the SQLite database up while serving, such as 6h, 30m or 1d (at least
    /// 1m) [default: never].
    #[arg(long, env = "TOGETHER_BACKUP_EVERY")]
    pub backup_every: Option<String>,
    /// How many scheduled backups to keep; the oldest beyond are removed [default: 14].
    #[arg(long, env = "TOGETHER_BACKUP_KEEP")]
    pub backup_keep: Option<usize>,
    /// Where scheduled backups go [default: backups/ in the data directory].
    #[arg(long, env = "TOGETHER_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Opt-in usage figures: a feature's day is shown (admin usage, the console) only when at
    /// least this many devices reported that day; at least 2 [default: 5].
    #[arg(long, env = "TOGETHER_USAGE_K_THRESHOLD")]
    pub usage_k_threshold: Option<u32>,
    /// Stripe secret key; enables Checkout and the customer portal.
    #[arg(long, env = "TOGETHER_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<SecretText>,
    /// Stripe webhook signing secret(s), comma-separated during a rotation.
    #[arg(
        long = "stripe-webhook-secret",
        env = "TOGETHER_STRIPE_WEBHOOK_SECRET",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub stripe_webhook_secrets: Option<Vec<SecretText>>,
    /// Stripe's API base URL [default: https://api.stripe.com].
    #[arg(long, env = "TOGETHER_STRIPE_API_BASE")]
    pub stripe_api_base: Option<String>,
    /// OpenAI-compatible endpoint for AI suggestions (with --ai-model).
    #[arg(long, env = "TOGETHER_AI_BASE_URL", requires = "ai_model")]
    pub ai_base_url: Option<String>,
    /// Model for AI suggestions.
    #[arg(long, env = "TOGETHER_AI_MODEL")]
    pub ai_model: Option<String>,
    /// Key for the AI endpoint.
    #[arg(long, env = "TOGETHER_AI_API_KEY", hide_env_values = true)]
    pub ai_api_key: Option<SecretText>,
}

/// `--listen`: an address, or `HOST:PORT` resolved now.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let resolved: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(text)
        .map_err(|e| format!("{text:?} is not HOST:PORT or an address that resolves ({e})"))?
        .collect();
    resolved
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| resolved.first())
        .copied()
        .ok_or_else(|| format!("{text:?} resolves to no address"))
}

/// Parses the process arguments and runs the command; errors are printed in plain words by `main`.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    // The server logs what it serves; an admin command prints its answer and only problems.
    if !matches!(cli.command, Command::Serve(_)) {
        init_tracing(cli.log_format.unwrap_or_default(), "warn");
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match cli.command {
        Command::Serve(args) => {
            let args = *args;
            let ai = match (args.ai_base_url, args.ai_model) {
                (Some(base_url), Some(model)) => Some(crate::billing::ai::AiConfig {
                    base_url,
                    model,
                    api_key: SecretText::new(""),
                }),
                _ => None,
            };
            let overrides = Overrides {
                listen: args.listen,
                admin_listen: args.admin_listen,
                data_dir: args.place.data_dir,
                database_url: args.place.database_url,
                trusted_proxies: args.trusted_proxies,
                stripe_secret_key: args.stripe_secret_key,
                stripe_webhook_secrets: args.stripe_webhook_secrets,
                stripe_api_base: args.stripe_api_base,
                ai,
                ai_api_key: args.ai_api_key,
                max_account_bytes: args.max_account_bytes,
                registration: args.registration,
                backup_every: args.backup_every,
                backup_keep: args.backup_keep,
                backup_dir: args.backup_dir,
                usage_k_threshold: args.usage_k_threshold,
            };
            let config = Config::load(args.place.config.as_deref(), overrides)?;
            init_tracing(cli.log_format.unwrap_or(config.log_format), "info");
            runtime.block_on(serve(config))
        }
        Command::Plans(command) => runtime.block_on(admin::plans(command)),
        Command::Addons(command) => runtime.block_on(admin::addons(command)),
        Command::Discounts(command) => runtime.block_on(admin::discounts(command)),
        Command::Revenue(command) => runtime.block_on(admin::revenue(command)),
        Command::MigrateStorage(args) => runtime.block_on(migrate_storage::run(args)),
        Command::Admin(command) => runtime.block_on(signup_codes::run(command)),
        Command::Backup(args) => runtime.block_on(backup::backup(args)),
        Command::Restore(args) => runtime.block_on(backup::restore(args)),
    }
}

async fn serve(config: Config) -> Result<()> {
    // Stripe and the AI endpoint are called over HTTPS with rustls' ring backend.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let admin = TcpListener::bind(config.admin_listen)
        .await
        .with_context(|| format!("cannot listen on {} (admin)", config.admin_listen))?;
    crate::launch_with_admin(config, listener, admin, shutdown_signal()).await?;
    Ok(())
}

/// Logs to stderr in `format`; `RUST_LOG` overrides `default_level`. Refinery's "migrations
/// applied" chatter is kept to warnings (the server logs its own start-up line).
fn init_tracing(format: LogFormat, default_level: &str) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{default_level},refinery_core=warn"))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM: the signals operators and service managers send.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
