//! The `together` command line.
//!
//! Scriptable: every command exits 0 on success and non-zero with a one-line message on error, and
//! `--json` makes output machine-readable. Command forms relied on by outside checks are kept stable
//! (see `docs/cli.md`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::paths;
use crate::store::Store;

/// Better Together on the command line.
#[derive(Debug, Parser)]
#[command(name = "together", version, about, long_about = None)]
pub struct Cli {
    /// Directory holding the local database (default: $TOGETHER_DATA_DIR, then the platform's data
    /// directory for Better Together).
    #[arg(long, global = true, env = "TOGETHER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `together`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the local database, or bring an existing one up to date, and print its path.
    Init,
}

/// Parses the process arguments, runs the command and reports errors in plain words.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn execute(cli: &Cli) -> Result<()> {
    let data_dir = resolve_data_dir(cli.data_dir.as_deref())?;
    match cli.command {
        Command::Init => init(&data_dir, cli.json),
    }
}

fn resolve_data_dir(flag: Option<&std::path::Path>) -> Result<PathBuf> {
    match flag {
        Some(dir) if dir.as_os_str().is_empty() => Err(anyhow!("--data-dir cannot be empty")),
        Some(dir) => Ok(dir.to_path_buf()),
        None => paths::default_data_dir()
            .context("no home directory found for the default data directory; pass --data-dir DIR"),
    }
}

fn init(data_dir: &std::path::Path, json: bool) -> Result<()> {
    let path = paths::database_path(data_dir);
    let store = Store::open(&path)?;
    let version = store.schema_version()?;
    if json {
        println!(
            "{}",
            json!({ "database": store.path(), "schema_version": version })
        );
    } else {
        println!("{}", store.path().display());
    }
    Ok(())
}
