//! `together-server migrate-storage --from sqlite:PATH --to postgres://…`: the operator's move to
//! PostgreSQL ([`crate::storage::migrate`]), printed as a table of what was compared.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::secrets::SecretText;
use crate::storage::migrate::{Mode, migrate_storage};

/// `together-server migrate-storage`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Copies everything the server stores (accounts, devices, relationships, invites, \
document logs, snapshots, key bundles, the entitlement signing key, quota counters and every billing \
table) from the server's SQLite file into an empty PostgreSQL database, in one transaction. The \
SQLite file is only read; the server must be stopped. Both sides are then compared: rows and a \
checksum per table, a checksum per document. Anything that differs undoes the whole copy and the \
command exits with an error. Then start the server with --database-url (or database_url in its \
configuration) naming the PostgreSQL database."
)]
pub struct MigrateStorageArgs {
    /// The server's SQLite file, as sqlite:PATH (e.g. sqlite:server-data/server.sqlite3).
    #[arg(long, value_name = "sqlite:PATH")]
    pub from: String,
    /// The PostgreSQL database to fill (postgres://user:password@host/database); it is brought to
    /// the current schema first and must hold no data yet.
    #[arg(
        long,
        value_name = "postgres://…",
        env = "TOGETHER_MIGRATE_TO",
        hide_env_values = true
    )]
    pub to: SecretText,
    /// Copy nothing: compare the SQLite file with what the PostgreSQL database holds (after an
    /// earlier move) and print the same table.
    #[arg(long)]
    pub verify_only: bool,
    /// List every document's checksum, not only those that differ.
    #[arg(long)]
    pub all_documents: bool,
}

/// Runs the move, prints the table, and fails when anything differs.
pub async fn run(args: MigrateStorageArgs) -> Result<()> {
    let Some(path) = args.from.strip_prefix("sqlite:") else {
        bail!(
            "--from must be sqlite:PATH, the server's SQLite file (e.g. sqlite:server-data/server.sqlite3)"
        );
    };
    if path.is_empty() {
        bail!("--from sqlite:PATH needs a path");
    }
    let mode = if args.verify_only {
        Mode::VerifyOnly
    } else {
        Mode::Copy
    };
    let report = migrate_storage(&PathBuf::from(path), &args.to, mode).await?;
    print!("{}", report.verification.render(args.all_documents));
    let target = crate::storage::postgres::describe_url(&args.to);
    match (mode, report.verification.matches()) {
        (Mode::Copy, true) => {
            println!("moved and verified: start the server with --database-url naming {target}");
            Ok(())
        }
        (Mode::Copy, false) => bail!(
            "the copy differs from the SQLite database (rows marked MISMATCH): it was undone, {target} is unchanged"
        ),
        (Mode::VerifyOnly, true) => {
            println!("{target} holds the same data as {path}");
            Ok(())
        }
        (Mode::VerifyOnly, false) => bail!("{target} differs from {path} (rows marked MISMATCH)"),
    }
}
