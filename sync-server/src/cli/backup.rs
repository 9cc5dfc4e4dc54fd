//! `together-server backup --to FILE` and `together-server restore --from FILE --data-dir DIR`:
//! the operator's side of [`crate::backup`].

use std::path::PathBuf;

use anyhow::{Result, bail};

use super::Place;
use crate::config::{Config, Overrides};

/// `together-server backup`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Backs the server's SQLite database up into FILE while the server keeps serving \
(SQLite's online backup: one consistent state, everything committed before it began). The copy is \
checked (SQLite's integrity check, the schema, the server's identity) before it gets its name, and is \
owner-only (0600). It holds everything, the entitlement signing key devices pin included. On \
PostgreSQL, use pg_dump instead (docs/operations.md)."
)]
pub struct BackupArgs {
    /// Configuration file and data directory of the server to back up.
    #[command(flatten)]
    pub place: Place,
    /// The new backup file (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

/// `together-server restore`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Checks the backup FILE, then makes it the database of DIR, a new data directory \
(created 0700, the database 0600; an existing one must be empty). Start the server with \
--data-dir DIR afterwards."
)]
pub struct RestoreArgs {
    /// The backup file (from `together-server backup` or a scheduled backup).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The new data directory (absent or empty).
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
}

/// Runs `backup` and prints what the backup holds.
pub async fn backup(args: BackupArgs) -> Result<()> {
    let config = Config::load(
        args.place.config.as_deref(),
        Overrides {
            data_dir: args.place.data_dir,
            database_url: args.place.database_url,
            ..Overrides::default()
        },
    )?;
    if config.database_url.is_some() {
        bail!("{}", crate::backup::POSTGRES_ROUTE);
    }
    let to = args.to;
    let data_dir = config.data_dir;
    let target = to.clone();
    let verified =
        tokio::task::spawn_blocking(move || crate::backup::backup(&data_dir, &target)).await??;
    println!(
        "backed up to {} ({} bytes, schema version {}, entitlement signing key {}); verified",
        to.display(),
        verified.bytes,
        verified.schema_version,
        if verified.signing_key {
            "included"
        } else {
            "not created yet"
        }
    );
    Ok(())
}

/// Runs `restore` and says how to start the server on it.
pub async fn restore(args: RestoreArgs) -> Result<()> {
    let (from, data_dir) = (args.from.clone(), args.data_dir.clone());
    let verified =
        tokio::task::spawn_blocking(move || crate::backup::restore(&from, &data_dir)).await??;
    println!(
        "restored {} into {} (schema version {}); start it with: together-server serve --data-dir {}",
        args.from.display(),
        args.data_dir.display(),
        verified.schema_version,
        args.data_dir.display()
    );
    Ok(())
}
