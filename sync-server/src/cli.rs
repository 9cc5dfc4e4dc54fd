//! The `together-server` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use crate::config::{Config, Overrides};

/// Better Together's sync server.
#[derive(Debug, Parser)]
#[command(name = "together-server", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `together-server`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server until SIGINT or SIGTERM.
    Serve {
        /// A TOML configuration file (see `Config::load`); flags and environment win over it.
        #[arg(long, env = "TOGETHER_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8787].
        #[arg(long, env = "TOGETHER_LISTEN")]
        listen: Option<SocketAddr>,
        /// Directory for the server's database [default: ./server-data].
        #[arg(long, env = "TOGETHER_SERVER_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// A reverse proxy whose X-Forwarded-For header is believed (repeat, or comma-separate in
        /// the environment).
        #[arg(
            long = "trusted-proxy",
            env = "TOGETHER_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Option<Vec<std::net::IpAddr>>,
    },
}

/// Parses the process arguments and runs the command; errors are printed in plain words by `main`.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    init_tracing();
    match cli.command {
        Command::Serve {
            config,
            listen,
            data_dir,
            trusted_proxies,
        } => {
            let overrides = Overrides {
                listen,
                data_dir,
                trusted_proxies,
            };
            let config = Config::load(config.as_deref(), overrides)?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(serve(config))
        }
    }
}

async fn serve(config: Config) -> Result<()> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    crate::launch(config, listener, shutdown_signal()).await?;
    Ok(())
}

/// Logs to stderr; `RUST_LOG` overrides the default level.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
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
