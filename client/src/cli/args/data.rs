//! The grammar of the device's own commands: settings, usage analytics, export, documents.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `together settings ...`
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show your settings.
    Show,
    /// Share anonymous usage analytics: on or off (off until you opt in).
    Analytics {
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        choice: String,
    },
}

/// `together analytics ...`
#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Share daily per-feature counts (no content, no account, a new random key each day).
    On,
    /// Stop sharing: nothing leaves this device.
    Off,
    /// What this device recorded about you in the last 30 days, and whether counts are shared.
    Status,
    /// Send now the days that are due (when sharing is on).
    Upload,
    /// Delete every session, screen view and action recorded on this device.
    Delete,
}

/// `together export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format: json.
    #[arg(long)]
    pub format: String,
}

/// `together doc ...`
#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Write every document into DIR as <id>.automerge.
    Export {
        /// Target directory (created if needed).
        dir: PathBuf,
    },
    /// Merge every <id>.automerge file of DIR into this device's documents.
    Import {
        /// Source directory.
        dir: PathBuf,
    },
}
